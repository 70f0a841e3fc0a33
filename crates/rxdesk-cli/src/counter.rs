//! `rxdesk counter`: runs whole counter visits non-interactively from a
//! scenario file (YAML), through the same visit service the desktop app
//! uses (`rxdesk_app::visit::VisitService`), against the center emulator.
//! Used by the tests and by a pharmacy rehearsing its acceptance
//! (`assets/scenarios/`, one file per acceptance item ST-EPC-02-0xx).
//!
//! The runner holds no counter logic: every step is one call of the visit
//! service (or of the ledger's import, the emulator's admin API for the
//! hospital side and fault injection). Each step is printed in zh-CN and
//! English, each expectation as `PASS`/`FAIL`; exit 0 only when every
//! expectation holds, 1 when one does not, 2 on a bad scenario file or when
//! the run could not be set up.
//!
//! The scenario format is described in `assets/scenarios/README.md`.

use clap::Args;
use rust_decimal::Decimal;
use rxdesk_app::operators::{DEMO_OPERATORS, DEMO_PHARMACIST_EC_TOKEN};
use rxdesk_app::uploader::CenterUploader;
use rxdesk_app::visit::{parse_audit_result, AgentInput, IdMethod, StepError, Tender};
use rxdesk_app::{Counter, DataDir, Settings};
use rxdesk_center::{CenterClient, CenterProfile, Family, MsgIdGenerator, Operator};
use rxdesk_demo::catalogue::{demo_boxes, demo_stock_csv, emulator_products};
use rxdesk_store::catalogue::catalogue_csv;
use rxdesk_store::sync::{self, SyncConfig};
use rxdesk_store::UploadState;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// `rxdesk counter …`
#[derive(Args, Debug)]
pub struct CounterArgs {
    /// Scenario file (YAML); repeat for several. Each file runs in its own
    /// fresh ledger (`<data-dir>/<file stem>/`).
    #[arg(long, required = true)]
    scenario: Vec<PathBuf>,
    /// Where the ledgers, receipts and guidance PDFs of the run go
    /// (default: a new directory under the system temp dir, kept and printed).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// URL of a running center emulator (`rxdesk-center-sim --seed demo --port 0`).
    /// Scenarios use its admin API (hospital side, faults, statistics), so they
    /// run against the emulator only, never a real center. Restart it between
    /// scenario files: scenarios consume its prescriptions.
    #[arg(long, conflicts_with = "with_emulator")]
    center: Option<String>,
    /// Start a fresh in-process center emulator (demo seed) for each scenario
    /// file. The emulator library is linked into this CLI binary only, never
    /// into the desktop app.
    #[arg(long)]
    with_emulator: bool,
    /// Demo: the stand-in `NationECCode` library (the terminal's e-voucher
    /// SDK) for card / ID-card identification; `pin_pad` steps type the
    /// patient's password on its PIN pad. Without it those steps fail.
    #[arg(long, requires = "with_emulator")]
    nation_ec_lib: Option<PathBuf>,
}

// ---------------------------------------------------------------- format --

/// One scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    /// The file's directory (paths in `import` steps are relative to it).
    #[serde(skip)]
    base: PathBuf,
    /// Acceptance item, e.g. "ST-EPC-02-010".
    id: String,
    /// What is rehearsed (zh-CN).
    title_zh: String,
    /// What is rehearsed (English).
    title_en: String,
    /// Longer description (optional).
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    /// The steps, in order.
    steps: Vec<Step>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<()>, D::Error> {
    serde::de::IgnoredAny::deserialize(d).map(|_| Some(()))
}

/// A key present with a value or `null` (`Some(None)`), absent: `None`.
fn present_value<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Who signs in: a demo role (`pharmacist`, `manager`, `cashier`; demo
/// mode only) or an account of the ledger (`{user, password}`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum LoginSpec {
    Demo(String),
    Account(Account),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Account {
    user: String,
    password: String,
    /// The role the person signs in as (default: the account's).
    #[serde(default)]
    role: Option<String>,
}

/// Operator management by the signed-in manager.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OperatorStep {
    create: Option<NewOperatorSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOperatorSpec {
    login: String,
    name: String,
    /// cashier | pharmacist | manager
    role: String,
    password: String,
    /// Pharmacist: certificate type (01 = resident ID), ID number, 执业证号.
    cert_type: Option<String>,
    certno: Option<String>,
    prac_cert_no: Option<String>,
}

/// The pharmacy's own catalogue and stock files (CSV, relative to the scenario file).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportStep {
    catalogue: Option<PathBuf>,
    stock: Option<PathBuf>,
}

/// `receive:` — a goods-in document of one product batch, every box by its
/// trace code (the ledger's `receive_goods`, 3503 queued).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceiveStep {
    supplier: String,
    invoice_no: String,
    product: String,
    lot: String,
    made: String,
    expires: String,
    #[serde(default)]
    price: Option<String>,
    boxes: Vec<String>,
}

/// One step: exactly one action key, an optional note and expectations.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    /// Sign in: `pharmacist` (2001), `manager` (3001) or `cashier` (1001)
    /// in demo mode, or `{user, password}`.
    login: Option<LoginSpec>,
    /// Manager: create an operator account.
    operator: Option<OperatorStep>,
    /// Manager: import the pharmacy's catalogue / stock CSV.
    import: Option<ImportStep>,
    /// Manager or pharmacist: receive boxes by their trace codes (goods-in).
    receive: Option<ReceiveStep>,
    #[serde(default, deserialize_with = "present")]
    start: Option<()>,
    #[serde(default, deserialize_with = "present")]
    cancel: Option<()>,
    prescribe: Option<Prescribe>,
    /// Demo: what the patient types on the terminal's PIN pad (`null`: cancels).
    #[serde(default, deserialize_with = "present_value")]
    pin_pad: Option<Option<String>>,
    identify: Option<Identify>,
    open: Option<Open>,
    shift_start: Option<ShiftStart>,
    audit: Option<Audit>,
    scan: Option<Scan>,
    #[serde(default, deserialize_with = "present")]
    finish: Option<()>,
    #[serde(default, deserialize_with = "present")]
    pre_settle: Option<()>,
    #[serde(default, deserialize_with = "present")]
    settle: Option<()>,
    #[serde(default, deserialize_with = "present")]
    resolve: Option<()>,
    pay: Option<Pay>,
    #[serde(default, deserialize_with = "present")]
    complete: Option<()>,
    #[serde(default, deserialize_with = "present")]
    reprint: Option<()>,
    refund: Option<Refund>,
    delivery: Option<Delivery>,
    /// The delivery screen's service (`rxdesk_app::delivery`) on the last
    /// sale, after the visit: accept / in_transit / signed / refused.
    delivery_order: Option<Delivery>,
    till_open: Option<TillOpen>,
    till_close: Option<TillClose>,
    day_report: Option<DayReportStep>,
    /// 药师下岗 (the on-duty pharmacist goes off duty).
    #[serde(default, deserialize_with = "present")]
    shift_end: Option<()>,
    fault: Option<Fault>,
    wait_uploads: Option<WaitUploads>,
    /// An OTC / retail sale (no prescription): `OtcSaleStep`.
    otc_sale: Option<OtcSaleStep>,
    /// Days pass (the ledger's and the emulator's clocks).
    clock: Option<ClockStep>,
    /// A remark printed with the step (zh-CN).
    note_zh: Option<String>,
    /// A remark printed with the step (English).
    note_en: Option<String>,
    #[serde(default)]
    expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Prescribe {
    #[serde(default = "default_hospital")]
    hospital: String,
    psn_no: String,
    /// `[[med_list_codg, quantity], …]`
    lines: Vec<(String, Decimal)>,
    diag_name: String,
    #[serde(default = "seven")]
    valid_days: i64,
    #[serde(default)]
    rept_flag: bool,
    #[serde(default)]
    max_rept_cnt: i64,
    /// 使用最小间隔（天数） of a reusable prescription.
    #[serde(default)]
    min_inrv_days: i64,
    /// 处方整剂医嘱说明 (the emulator's default advice when absent).
    #[serde(default)]
    rx_drord_dscr: Option<String>,
    /// One remark per line (`tcmherb_foote`).
    #[serde(default)]
    line_remarks: Vec<String>,
    /// Name used by `open: {label}` / `identify: {label}` later.
    label: String,
}

/// Days pass: the ledger's clock and the emulator's business clock move
/// ahead together (a reusable prescription's next dispensing).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockStep {
    advance_days: i64,
}

fn default_hospital() -> String {
    "H11010100001".into()
}
fn seven() -> i64 {
    7
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Identify {
    /// e_voucher | social_security_card | id_card | face | epc_qr
    method: String,
    /// The credential (e-voucher token, card number, ID number, QR value).
    code: Option<String>,
    /// For epc_qr: the emulator prescription whose QR is scanned.
    label: Option<String>,
    /// Face: the patient agreed on the consent step.
    consent: Option<bool>,
    /// 代购: the family member buying on the patient's behalf.
    agent: Option<Agent>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Agent {
    name: String,
    certno: String,
    relation: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Open {
    /// An emulator prescription by label (seed cases or `prescribe`d ones).
    label: Option<String>,
    /// The listed prescription with this diagnosis.
    diag: Option<String>,
    /// An authorisation number as listed.
    auth_rxno: Option<String>,
    /// The first listed prescription.
    #[serde(default)]
    first: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShiftStart {
    /// The pharmacist's own e-voucher (default: the demo pharmacist's).
    evoucher: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Audit {
    /// 1 approved, 2 rejected, 3 ask the doctor.
    result: String,
    opinion: String,
    /// Re-confirmation e-voucher (default: the demo pharmacist's).
    evoucher: Option<String>,
    /// Reviewing pharmacist's login.
    reviewer: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scan {
    /// A raw scanned code.
    code: Option<String>,
    /// A demo box: `"<med_list_codg>#<n>"` (n-th demo box of that product,
    /// docs/demo.md); scanned as barcode then trace code.
    #[serde(rename = "box")]
    box_: Option<String>,
    /// With `box`: `both` (default), `barcode` or `trace` only.
    part: Option<String>,
    /// With `box`: send one GS1 code (01 GTIN, 10 lot, 21 trace code) naming this lot.
    lot: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pay {
    /// Cash tendered, e.g. "100.00".
    cash: Option<String>,
    /// A WeChat/Alipay pay code (scan-to-pay simulator, demo mode).
    scan: Option<String>,
    /// The external payment terminal's (聚合支付 / bank card) transaction
    /// reference: journalled by the terminal channel in production, kept with
    /// the sale in demo mode.
    terminal: Option<String>,
}

/// An OTC / retail sale, its parts done in this order (each optional): start
/// a new sale, search the catalogue, add products by id, scan demo boxes,
/// identify the customer for the personal account, check out and confirm
/// with a payer, pay, complete. The first refusal is the step's error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OtcSaleStep {
    /// Start a new OTC sale first.
    #[serde(default)]
    start: bool,
    /// Catalogue search (name, 拼音 initials, barcode): hits in `hits`.
    search: Option<String>,
    /// `[[fixmedins_hilist_id, packs], …]`.
    #[serde(default)]
    add: Vec<(String, String)>,
    /// 拆零: `[[fixmedins_hilist_id, smallest units], …]`.
    #[serde(default)]
    add_split: Vec<(String, String)>,
    /// Demo boxes `"<med_list_codg>#<n>"` (docs/demo.md) scanned as barcode
    /// then trace code; `"…#<n>:trace"` scans the trace code alone.
    #[serde(default)]
    boxes: Vec<String>,
    /// The customer for the 医保个人账户 (1101).
    identify: Option<Identify>,
    /// `self_pay` | `personal_account`: checkout (2101 for the account),
    /// then confirm (2102).
    payer: Option<String>,
    pay: Option<Pay>,
    #[serde(default)]
    complete: bool,
}

/// Till shift open (开班) with its float (备用金).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TillOpen {
    float: String,
}

/// Till shift close (交班): the cash counted, optionally the other methods'
/// statement totals (`wechat`, `alipay`, `terminal`), and a note.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TillClose {
    counted_cash: String,
    #[serde(default)]
    counted: BTreeMap<String, String>,
    #[serde(default)]
    note: String,
}

/// The 日结 of a CST day (default today), printed when `print`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DayReportStep {
    #[serde(default)]
    day: Option<String>,
    #[serde(default)]
    print: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Refund {
    reason: String,
    /// The patient's credential as at the sale (needed for a settled sale).
    #[serde(default)]
    identify: Option<RefundIdentify>,
}

/// `identify` of a refund step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RefundIdentify {
    method: String,
    code: String,
}

/// One delivery-order step (ST-EPC-02-011), exactly one key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Delivery {
    accept: Option<DeliveryAccept>,
    #[serde(default, deserialize_with = "present")]
    in_transit: Option<()>,
    signed: Option<DeliverySigned>,
    refused: Option<Refund>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryAccept {
    delv_no: String,
    company: String,
    #[serde(default)]
    cold_chain_handled: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliverySigned {
    name: String,
    cert_no: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fault {
    /// Emulator faults (docs/protocol.md: error_rate, reset_after_rate, …).
    set: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    clear: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaitUploads {
    #[serde(default)]
    timeout_s: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// Visit state (snake_case, as the service names it).
    state: Option<String>,
    /// The step fails with this error code.
    error: Option<String>,
    /// The step's error sentence contains this text.
    error_contains: Option<String>,
    /// The "what to do now" sentence contains this text.
    next_step_contains: Option<String>,
    /// Why the visit was closed contains this text.
    closed_reason_contains: Option<String>,
    patient_name: Option<String>,
    agent_name: Option<String>,
    /// E-voucher guidance is shown.
    guidance: Option<bool>,
    guidance_contains: Option<String>,
    /// At least this many prescriptions listed.
    listed_at_least: Option<usize>,
    /// Exactly this many prescriptions listed (`0`: nothing listed).
    listed: Option<usize>,
    /// verified | rejected
    signature: Option<String>,
    /// Rejection reason code (rxdesk-gm RejectReason).
    signature_reason: Option<String>,
    /// The signing certificate and institution are shown.
    signer_shown: Option<bool>,
    rules_block: Option<bool>,
    /// Each of these rule codes is found and blocks.
    blocked_rules: Option<Vec<String>>,
    /// Each of these rule codes is found (blocking or not).
    findings: Option<Vec<String>>,
    /// Structured-vs-layout differences are shown side by side.
    layout_differences: Option<bool>,
    audit_result: Option<String>,
    /// The audit has its 7204 outbox row.
    audit_queued: Option<bool>,
    pharmacist_on_duty: Option<String>,
    /// Scan outcome code (box_ok, barcode_ok, wrong_product, over_quantity…).
    scan: Option<String>,
    /// Every prescription line filled.
    dispensed_all: Option<bool>,
    split: Option<ExpectSplit>,
    change: Option<String>,
    paid: Option<bool>,
    /// Outbox rows of the sale / refund just recorded.
    uploads: Option<usize>,
    receipt_contains: Option<Vec<String>>,
    /// The guidance PDF was written (and is a PDF).
    guidance_pdf: Option<bool>,
    /// Sale state in history (completed | refunded).
    sale_state: Option<String>,
    /// Emulator: accepted requests per operation (`/admin/stats`).
    center_accepted: Option<BTreeMap<String, u64>>,
    /// Emulator: what the pharmacy uploaded per operation (`/admin/uploads`).
    center_uploads: Option<BTreeMap<String, usize>>,
    /// Emulator: what the pharmacy uploaded for an operation contains each
    /// of these texts (e.g. the national drug code in 3505).
    center_upload_contains: Option<BTreeMap<String, Vec<String>>>,
    /// Local outbox rows per state (pending, done, …).
    queue: Option<BTreeMap<String, usize>>,
    /// Any value of the step's JSON (dotted path → value).
    json: Option<BTreeMap<String, Value>>,
    /// The last sale's receipt job (saved under `<data>/receipts` without a
    /// printer) carries the cash-drawer kick (`ESC p`), decoded.
    drawer_kick: Option<bool>,
    /// The last sale's medication guidance slip as sent to the receipt
    /// printer (saved under `<data>/receipts` without one), decoded from
    /// its ESC/POS bytes, contains each of these texts.
    guidance_printed_contains: Option<Vec<String>>,
    /// `day_report`: its totals equal the sum of the day's sales read back
    /// one by one from the ledger's history (sale, settlement, payments).
    day_matches_ledger: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectSplit {
    total: Option<Decimal>,
    fund_pay: Option<Decimal>,
    account_pay: Option<Decimal>,
    cash_pay: Option<Decimal>,
    /// The plain-words explanation is there.
    explained: Option<bool>,
    /// The explanation mentions this text.
    explanation_contains: Option<String>,
}

// ---------------------------------------------------------------- runner --

/// Runs `rxdesk counter`.
pub fn run(args: CounterArgs) -> ExitCode {
    if args.center.is_none() && !args.with_emulator {
        eprintln!(
            "rxdesk counter: 未指定医保中心，本命令不会自行启动任何服务。请加 --with-emulator（在本进程内启动演示中心），\
             或先运行 rxdesk-center-sim --seed demo --port 0 再用 --center http://127.0.0.1:端口。\n\
             rxdesk counter: no center given and nothing is started by default. Pass --with-emulator (an in-process \
             demo emulator) or start rxdesk-center-sim --seed demo --port 0 and pass --center http://127.0.0.1:PORT."
        );
        return ExitCode::from(2);
    }
    let mut scenarios = Vec::new();
    for path in &args.scenario {
        match load(path) {
            Ok(s) => scenarios.push((path.clone(), s)),
            Err(e) => {
                eprintln!("rxdesk counter: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let root = match &args.data_dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!(
            "rxdesk-counter-{}-{}",
            std::process::id(),
            chrono::Utc::now().format("%Y%m%d%H%M%S")
        )),
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rxdesk counter: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(d) = onboarded(&args) {
        return run_production(&args, &scenarios, &d, &rt);
    }
    let mut all_ok = true;
    for (path, sc) in scenarios {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into());
        let dir = root.join(&stem);
        if dir.exists() {
            eprintln!(
                "rxdesk counter: 数据目录 {} 已存在：场景须在新的账本上运行，请换一个 --data-dir 或先删除该目录。\n\
                 rxdesk counter: {} already exists; a scenario needs a fresh ledger: pass another --data-dir or remove it.",
                dir.display(),
                dir.display()
            );
            return ExitCode::from(2);
        }
        match rt.block_on(run_scenario(&args, &sc, &dir)) {
            Ok(true) => {}
            Ok(false) => all_ok = false,
            Err(e) => {
                println!("FAIL 无法运行场景 / scenario could not run: {e}");
                eprintln!("rxdesk counter: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    println!("数据目录 data: {}", root.display());
    if all_ok {
        println!("全部通过 ALL PASS");
        ExitCode::SUCCESS
    } else {
        println!("未通过 SOME FAILED");
        ExitCode::from(1)
    }
}

fn load(path: &Path) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("无法读取场景文件 {}：{e} / cannot read", path.display()))?;
    let mut sc: Scenario = serde_yaml::from_str(&text).map_err(|e| {
        format!(
            "场景文件 {} 格式错误：{e}。请对照 assets/scenarios/README.md 修改 / bad scenario file",
            path.display()
        )
    })?;
    sc.base = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    for (n, s) in sc.steps.iter().enumerate() {
        let k = s.actions();
        if k.len() != 1 {
            return Err(format!(
                "场景文件 {} 第 {} 步须恰好有一个动作，实际为 {:?} / step {} needs exactly one action",
                path.display(),
                n + 1,
                k,
                n + 1
            ));
        }
    }
    Ok(sc)
}

impl Step {
    fn actions(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut add = |on: bool, name: &'static str| {
            if on {
                v.push(name)
            }
        };
        add(self.login.is_some(), "login");
        add(self.operator.is_some(), "operator");
        add(self.import.is_some(), "import");
        add(self.receive.is_some(), "receive");
        add(self.start.is_some(), "start");
        add(self.cancel.is_some(), "cancel");
        add(self.prescribe.is_some(), "prescribe");
        add(self.pin_pad.is_some(), "pin_pad");
        add(self.identify.is_some(), "identify");
        add(self.open.is_some(), "open");
        add(self.shift_start.is_some(), "shift_start");
        add(self.audit.is_some(), "audit");
        add(self.scan.is_some(), "scan");
        add(self.finish.is_some(), "finish");
        add(self.pre_settle.is_some(), "pre_settle");
        add(self.settle.is_some(), "settle");
        add(self.resolve.is_some(), "resolve");
        add(self.pay.is_some(), "pay");
        add(self.complete.is_some(), "complete");
        add(self.reprint.is_some(), "reprint");
        add(self.refund.is_some(), "refund");
        add(self.delivery.is_some(), "delivery");
        add(self.delivery_order.is_some(), "delivery_order");
        add(self.till_open.is_some(), "till_open");
        add(self.till_close.is_some(), "till_close");
        add(self.day_report.is_some(), "day_report");
        add(self.shift_end.is_some(), "shift_end");
        add(self.fault.is_some(), "fault");
        add(self.wait_uploads.is_some(), "wait_uploads");
        add(self.otc_sale.is_some(), "otc_sale");
        add(self.clock.is_some(), "clock");
        v
    }
}

fn till_err(e: rxdesk_app::till::TillError) -> RunError {
    step_err(e.code(), e.to_string())
}

fn label(action: &str) -> (&'static str, &'static str) {
    match action {
        "login" => ("登录", "sign in"),
        "operator" => ("店长管理操作员账户", "manager: operator accounts"),
        "import" => (
            "店长导入药品目录和库存",
            "manager: import catalogue and stock",
        ),
        "receive" => ("采购入库（逐盒扫码）", "goods-in, box by box"),
        "start" => ("开始接待", "start visit"),
        "cancel" => ("取消服务", "cancel visit"),
        "prescribe" => (
            "医院开具电子处方（模拟中心）",
            "hospital issues an e-prescription (emulator)",
        ),
        "pin_pad" => (
            "患者在密码键盘上输入医保电子凭证密码",
            "patient types the e-voucher password on the PIN pad",
        ),
        "identify" => ("识别患者", "identify patient"),
        "open" => (
            "下载处方并验签、核对",
            "download, verify signature, check rules",
        ),
        "shift_start" => (
            "药师上岗（本人医保电子凭证）",
            "pharmacist shift start (own e-voucher)",
        ),
        "audit" => ("药师审方", "pharmacist audit"),
        "scan" => ("扫码调配", "scan box"),
        "finish" => ("调配完成", "finish dispensing"),
        "pre_settle" => ("预结算 2101", "pre-settle 2101"),
        "settle" => ("确认结算 2102", "settle 2102"),
        "resolve" => (
            "处理未知结算（冲正 2601）",
            "resolve uncertain settlement (2601)",
        ),
        "pay" => ("收取自付", "take self-paid part"),
        "complete" => ("完成出票", "complete: sale, receipt, guidance"),
        "reprint" => ("补打小票", "reprint receipt"),
        "refund" => ("整单退费", "refund whole sale"),
        "delivery" => ("配送订单", "delivery order"),
        "delivery_order" => (
            "配送订单页面（就诊结束后）",
            "delivery screen (after the visit)",
        ),
        "till_open" => ("收银开班（备用金）", "open the till with a float"),
        "till_close" => ("收银交班（清点现金）", "close the till: cash counted"),
        "day_report" => ("日结", "day report"),
        "shift_end" => ("药师下岗", "pharmacist goes off duty"),
        "fault" => ("模拟中心故障设置", "emulator fault injection"),
        "wait_uploads" => ("等待上传完成", "wait for uploads"),
        "otc_sale" => ("非处方销售", "OTC / retail sale"),
        "clock" => (
            "时间推进（账本与中心时钟）",
            "days pass (ledger and center clocks)",
        ),
        _ => ("?", "?"),
    }
}

struct Run<'a> {
    counter: &'a Counter,
    /// Demo: the stand-in e-voucher SDK's state (its PIN pad).
    standin: Option<rxdesk_devices::sim::standin::StandinState>,
    /// Demo mode: demo accounts and the demo pharmacist's e-voucher as defaults.
    demo: bool,
    /// The scenario file's directory.
    scenario_dir: PathBuf,
    base: String,
    http: reqwest::Client,
    /// The last visit view (JSON).
    view: Value,
    /// The step's own result (JSON) when it is not a visit view.
    result: Value,
    error: Option<RunError>,
    last_sale: Option<(i64, String)>,
    /// The scenario has no `till_open` step: the rehearsal opens the till
    /// (float 0.00) before its first visit, and says so.
    auto_till: bool,
    /// `<data>/receipts`: where receipts go without a configured printer.
    receipts_dir: PathBuf,
    pass: usize,
    fail: usize,
}

async fn run_scenario(args: &CounterArgs, sc: &Scenario, dir: &Path) -> Result<bool, String> {
    println!();
    println!("=== {} {} / {}", sc.id, sc.title_zh, sc.title_en);
    let sim = if args.with_emulator {
        Some(
            rxdesk_center_sim::serve(rxdesk_center_sim::SimConfig::default())
                .await
                .map_err(|e| format!("演示中心无法启动 / emulator did not start: {e}"))?,
        )
    } else {
        None
    };
    let base = match (&sim, &args.center) {
        (Some(s), _) => s.base_url(),
        (None, Some(u)) => u.trim_end_matches('/').to_string(),
        (None, None) => unreachable!("checked in run"),
    };
    println!(
        "医保中心 center: {base}{}",
        if sim.is_some() {
            "（进程内演示中心 / in-process emulator）"
        } else {
            ""
        }
    );
    let result = run_in(sc, dir, &base, args.nation_ec_lib.as_deref()).await;
    if let Some(s) = sim {
        s.shutdown().await;
    }
    result
}

/// The data directory given with `--data-dir` when it is an onboarded
/// production directory (`rxdesk setup`): it has a profile and demo mode off.
fn onboarded(args: &CounterArgs) -> Option<PathBuf> {
    let d = args.data_dir.as_ref()?;
    let data = DataDir::at(d);
    let settings = Settings::load(&data).ok()?;
    (!settings.demo_mode && rxdesk_app::onboarding::profile_path(&data).is_file())
        .then(|| d.clone())
}

/// `rxdesk counter --data-dir D` on an onboarded data directory: the
/// scenario runs in D itself, with D's profile, sealed credentials, trust
/// store and accounts — no demo material (accounts, CA, catalogue, boxes).
fn run_production(
    args: &CounterArgs,
    scenarios: &[(PathBuf, Scenario)],
    dir: &Path,
    rt: &tokio::runtime::Runtime,
) -> ExitCode {
    let Some(base) = args
        .center
        .as_deref()
        .map(|u| u.trim_end_matches('/').to_string())
    else {
        eprintln!(
            "rxdesk counter: 正式接入的数据目录须用 --center 指定医保中心（演练时为 rxdesk-center-sim --profile 的地址）；--with-emulator 只用于演示。\n\
             rxdesk counter: an onboarded data directory needs --center URL; --with-emulator is demo only."
        );
        return ExitCode::from(2);
    };
    let mut all_ok = true;
    for (path, sc) in scenarios {
        println!();
        println!("=== {} {} / {}", sc.id, sc.title_zh, sc.title_en);
        println!("正式接入数据目录 production data: {}", dir.display());
        println!("医保中心 center: {base}");
        match rt.block_on(run_in_production(sc, dir, &base)) {
            Ok(true) => {}
            Ok(false) => all_ok = false,
            Err(e) => {
                println!("FAIL 无法运行场景 / scenario could not run: {e}");
                eprintln!("rxdesk counter: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    if all_ok {
        println!("全部通过 ALL PASS");
        ExitCode::SUCCESS
    } else {
        println!("未通过 SOME FAILED");
        ExitCode::from(1)
    }
}

async fn run_in_production(sc: &Scenario, dir: &Path, base: &str) -> Result<bool, String> {
    let data = DataDir::at(dir);
    let mut settings = Settings::load(&data).map_err(|e| e.to_string())?;
    settings.center_url = Some(base.to_string());
    // The sealed credentials: the OS-held key, else the first sign-in's
    // password (the manager's passphrase at start).
    if let Err(e) = rxdesk_app::credentials::load(&data) {
        let first = sc.steps.first().and_then(|s| match &s.login {
            Some(LoginSpec::Account(a)) => Some(a.password.clone()),
            _ => None,
        });
        match (e.code(), first) {
            ("VAULT_LOCKED", Some(p)) => {
                rxdesk_app::credentials::unlock(&data, &p).map_err(|e| e.to_string())?;
                println!(
                    "医保凭证已用店长口令解锁 / credentials unlocked with the manager's passphrase"
                );
            }
            _ => return Err(e.to_string()),
        }
    }
    let counter = Counter::open(&data, &settings).map_err(|e| e.to_string())?;
    counter.desk().map_err(|e| e.to_string())?;
    let client = rxdesk_app::manager::background_client(&data, &settings)?;
    let worker = start_worker_with(&counter, client)?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let mut run = Run {
        counter: &counter,
        standin: None,
        demo: false,
        scenario_dir: sc.base.clone(),
        base: base.to_string(),
        http,
        view: Value::Null,
        result: Value::Null,
        error: None,
        last_sale: None,
        auto_till: !sc.steps.iter().any(|s| s.till_open.is_some()),
        receipts_dir: data.root().join("receipts"),
        pass: 0,
        fail: 0,
    };
    for (n, step) in sc.steps.iter().enumerate() {
        run.step(n + 1, step).await;
    }
    if let Err(e) = worker.shutdown().await {
        println!("  注意 note: 上传任务结束时出错 / upload worker: {e}");
    }
    println!(
        "--- {}: 通过 PASS {}，未通过 FAIL {}",
        sc.id, run.pass, run.fail
    );
    Ok(run.fail == 0)
}

async fn run_in(
    sc: &Scenario,
    dir: &Path,
    base: &str,
    nation_ec_lib: Option<&Path>,
) -> Result<bool, String> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let data = DataDir::at(dir);
    data.ensure().map_err(|e| e.to_string())?;
    // The emulator's DEMO CA as trust anchor (rehearsal data directory only).
    let ca = http
        .get(format!("{base}/admin/ca.pem"))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| format!("无法从演示中心取得 DEMO CA（{e}）：--center 必须是 rxdesk-center-sim / the center must be the emulator"))?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    std::fs::write(data.trust().join("DEMO-ONLY-center-sim-ca.pem"), ca)
        .map_err(|e| e.to_string())?;
    let settings = Settings {
        demo_mode: true,
        center_url: Some(base.to_string()),
        ..Settings::default()
    };
    let counter = Counter::open(&data, &settings).map_err(|e| e.to_string())?;
    import_demo(&counter)?;
    let standin = match nation_ec_lib {
        Some(lib) => Some(demo_devices(&counter, dir, lib)?),
        None => None,
    };
    let worker = start_worker(&counter, base)?;
    println!("数据目录 data: {}", dir.display());
    let mut run = Run {
        counter: &counter,
        standin,
        demo: true,
        scenario_dir: sc.base.clone(),
        base: base.to_string(),
        http,
        view: Value::Null,
        result: Value::Null,
        error: None,
        last_sale: None,
        auto_till: !sc.steps.iter().any(|s| s.till_open.is_some()),
        receipts_dir: data.root().join("receipts"),
        pass: 0,
        fail: 0,
    };
    for (n, step) in sc.steps.iter().enumerate() {
        run.step(n + 1, step).await;
    }
    if let Err(e) = worker.shutdown().await {
        println!("  注意 note: 上传任务结束时出错 / upload worker: {e}");
    }
    println!(
        "--- {}: 通过 PASS {}，未通过 FAIL {}",
        sc.id, run.pass, run.fail
    );
    Ok(run.fail == 0)
}

/// Demo: the stand-in `NationECCode` (the terminal's e-voucher SDK with its
/// PIN pad) attached to the visit service; the center decodes e-voucher
/// codes (the scenarios scan the tokens).
fn demo_devices(
    counter: &Counter,
    dir: &Path,
    lib: &Path,
) -> Result<rxdesk_devices::sim::standin::StandinState, String> {
    let state_path = dir.join("standin.state");
    let st = rxdesk_app::devices::write_demo_standin_state(&state_path)
        .map_err(|e| format!("{}: {e}", state_path.display()))?;
    let settings = rxdesk_devices::settings::DeviceSettings {
        nation_ec: Some(rxdesk_devices::settings::NationEcSettings {
            path: Some(lib.to_path_buf()),
            url: format!("standin:{}", state_path.display()),
            context: rxdesk_devices::face::nationec::EcContext {
                org_id: counter
                    .store()
                    .institution()
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
                business_type: "01101".into(),
                ..Default::default()
            },
            face_terminal: true,
            qr_decode: rxdesk_devices::settings::QrDecode::Center,
            settle_notify: false,
        }),
        ..Default::default()
    };
    let ids = rxdesk_app::devices::IdentityDevices::from_settings(
        &settings,
        &rxdesk_devices::status::StatusBoard::default(),
    );
    if let Some(p) = &ids.ec_problem {
        return Err(format!("{}: {p}", lib.display()));
    }
    counter
        .visits()
        .map_err(|e| e.to_string())?
        .attach_devices(ids);
    println!("演示终端 e-voucher SDK stand-in: {}", lib.display());
    Ok(st)
}

/// The emulator's six products and their stock, through the ledger's CSV
/// import (as a manager would import them).
fn import_demo(counter: &Counter) -> Result<(), String> {
    let (login, _, _, password) = DEMO_OPERATORS[0];
    let boss = counter
        .store()
        .login(login, password)
        .map_err(|e| e.to_string())?;
    let products = emulator_products();
    let ids: Vec<&str> = products
        .iter()
        .map(|p| p.fixmedins_hilist_id.as_str())
        .collect();
    let r = counter
        .store()
        .import_catalogue_csv(&boss, catalogue_csv(&products).as_bytes())
        .map_err(|e| e.to_string())?;
    if !r.errors.is_empty() {
        return Err(format!(
            "演示目录导入失败 / catalogue import: {:?}",
            r.errors
        ));
    }
    let stock: String = demo_stock_csv()
        .split_inclusive('\n')
        .enumerate()
        .filter(|(i, l)| *i == 0 || ids.iter().any(|id| l.split(',').next() == Some(*id)))
        .map(|(_, l)| l)
        .collect();
    let r = counter
        .store()
        .import_stock_csv(&boss, stock.as_bytes())
        .map_err(|e| e.to_string())?;
    if !r.errors.is_empty() {
        return Err(format!("演示库存导入失败 / stock import: {:?}", r.errors));
    }
    rxdesk_demo::pharmacy::receive_demo_boxes(counter.store(), &boss)
        .map_err(|e| format!("演示药盒入库失败 / demo goods-in: {e}"))?;
    Ok(())
}

/// The background upload worker the desktop app runs.
fn start_worker(counter: &Counter, base: &str) -> Result<sync::SyncHandle, String> {
    let mut p = CenterProfile::demo(base, Family::A).map_err(|e| e.to_string())?;
    p.request_timeout = Duration::from_secs(5);
    // The app's background worker role on this counter's terminal (T400-T499).
    let terminal = counter.store().terminal_no().map_err(|e| e.to_string())?;
    let gen = MsgIdGenerator::new(&p.institution.fixmedins_code)
        .and_then(|g| g.for_terminal(terminal, rxdesk_center::IdRole::Background))
        .map_err(|e| e.to_string())?;
    let client = Arc::new(CenterClient::new(p, Arc::new(gen)).map_err(|e| e.to_string())?);
    start_worker_with(counter, client)
}

/// The upload worker on a given center client (fast backoff for rehearsals).
fn start_worker_with(
    counter: &Counter,
    client: Arc<CenterClient>,
) -> Result<sync::SyncHandle, String> {
    let up = Arc::new(CenterUploader::new(
        client,
        Operator::clerk("rxdesk-sync", "后台上传"),
    ));
    let cfg = SyncConfig {
        base_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(500),
        probe_interval: Duration::from_millis(200),
        ..SyncConfig::default()
    };
    sync::spawn(Arc::clone(counter.store()), up, cfg).map_err(|e| e.to_string())
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// As [`to_json`] with snake_case keys: the till's and the day report's
/// results, which the scenarios read as they were before the window's view
/// became camelCase (docs/decisions/0018).
fn snake_json<T: serde::Serialize>(v: &T) -> Value {
    rxdesk_app::json_keys::snake_keys(to_json(v))
}

/// Why a rehearsal step failed: the counter's own step error, or the
/// scenario's (a missing field, an admin call of the emulator).
#[derive(Debug, Clone)]
enum RunError {
    /// The counter refused the step.
    Step(StepError),
    /// The scenario itself could not be run.
    Scenario {
        /// `SCENARIO`, `ADMIN`, ….
        code: String,
        /// What went wrong.
        message: String,
    },
}

impl RunError {
    fn code(&self) -> &str {
        match self {
            Self::Step(e) => e.code(),
            Self::Scenario { code, .. } => code,
        }
    }
    fn message_zh(&self) -> String {
        match self {
            Self::Step(e) => e.message_zh(),
            Self::Scenario { message, .. } => message.clone(),
        }
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message_zh())
    }
}

impl From<StepError> for RunError {
    fn from(e: StepError) -> Self {
        Self::Step(e)
    }
}

impl From<rxdesk_store::StoreError> for RunError {
    fn from(e: rxdesk_store::StoreError) -> Self {
        Self::Step(e.into())
    }
}

fn step_err(code: &str, msg: impl Into<String>) -> RunError {
    RunError::Scenario {
        code: code.into(),
        message: msg.into(),
    }
}

/// A value at a dotted path (`a.b.0.c`).
fn at<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .try_fold(v, |v, k| match k.parse::<usize>() {
            Ok(i) if v.is_array() => v.get(i),
            _ => v.get(k),
        })
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn dec_of(v: Option<&Value>) -> Option<Decimal> {
    text(v).trim().parse().ok()
}

impl Run<'_> {
    fn check(&mut self, ok: bool, what: &str) {
        if ok {
            self.pass += 1;
            println!("    PASS {what}");
        } else {
            self.fail += 1;
            println!("    FAIL {what}");
        }
    }

    async fn admin_get(&self, path: &str) -> Result<Value, RunError> {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .map_err(|e| step_err("EMULATOR", format!("演示中心管理接口不可用：{e}")))?;
        r.json()
            .await
            .map_err(|e| step_err("EMULATOR", format!("演示中心管理接口应答无法解析：{e}")))
    }

    async fn admin_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, RunError> {
        let mut rq = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            rq = rq.body(serde_json::to_vec(b).unwrap_or_default());
        }
        let r = rq
            .send()
            .await
            .map_err(|e| step_err("EMULATOR", format!("演示中心管理接口不可用：{e}")))?;
        let ok = r.status().is_success();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        if !ok {
            return Err(step_err(
                "EMULATOR",
                format!("演示中心拒绝了管理请求 {path}：{v}"),
            ));
        }
        Ok(v)
    }

    async fn rx_by_label(&self, label: &str) -> Result<Value, RunError> {
        let list = self.admin_get("/admin/prescriptions").await?;
        list.as_array()
            .and_then(|a| a.iter().find(|r| r["label"] == label).cloned())
            .ok_or_else(|| {
                step_err(
                    "SCENARIO",
                    format!("演示中心没有标签为 {label} 的处方 / no emulator prescription labelled {label}"),
                )
            })
    }

    fn session(&self) -> Result<rxdesk_store::Session, RunError> {
        self.counter
            .session()
            .map_err(|e| step_err("NOT_SIGNED_IN", e.to_string()))
    }

    fn visits(&self) -> Result<&rxdesk_app::visit::VisitService, RunError> {
        self.counter
            .visits()
            .map_err(|e| step_err("NO_VISIT_SERVICE", e.to_string()))
    }

    fn describe(step: &Step) -> String {
        if let Some(i) = &step.identify {
            let what = i
                .label
                .clone()
                .or_else(|| {
                    i.code
                        .as_deref()
                        .map(rxdesk_core::prescription::mask_id_number)
                })
                .unwrap_or_default();
            return format!("{} {}", i.method, what);
        }
        if let Some(o) = &step.open {
            return o
                .label
                .clone()
                .or_else(|| o.diag.clone())
                .or_else(|| o.auth_rxno.clone())
                .unwrap_or_else(|| "first".into());
        }
        if let Some(d) = &step.delivery {
            return match (&d.accept, &d.signed, &d.refused) {
                (Some(a), _, _) => format!("accept {} {}", a.delv_no, a.company),
                (_, Some(g), _) => format!("signed {}", g.name),
                (_, _, Some(r)) => format!("refused {}", r.reason),
                _ => "in_transit".into(),
            };
        }
        if let Some(s) = &step.scan {
            return s
                .box_
                .clone()
                .or_else(|| s.code.clone())
                .unwrap_or_default();
        }
        if let Some(a) = &step.audit {
            return format!("{} {}", a.result, a.opinion);
        }
        if let Some(p) = &step.pay {
            return p
                .cash
                .as_ref()
                .map(|c| format!("cash {c}"))
                .or_else(|| p.scan.as_ref().map(|_| "scan-to-pay".to_string()))
                .or_else(|| p.terminal.as_ref().map(|r| format!("terminal {r}")))
                .unwrap_or_default();
        }
        if let Some(l) = &step.login {
            return match l {
                LoginSpec::Demo(r) => r.clone(),
                LoginSpec::Account(a) => a.user.clone(),
            };
        }
        if let Some(o) = &step.operator {
            return o
                .create
                .as_ref()
                .map(|c| format!("create {} {} {}", c.login, c.name, c.role))
                .unwrap_or_default();
        }
        if let Some(p) = &step.prescribe {
            return format!("{} {}", p.label, p.diag_name);
        }
        String::new()
    }

    async fn step(&mut self, n: usize, step: &Step) {
        let action = step.actions()[0];
        let (zh, en) = label(action);
        println!("[{n}] {zh} / {en} {}", Self::describe(step));
        if let Some(z) = &step.note_zh {
            println!("    说明：{z}");
        }
        if let Some(e) = &step.note_en {
            println!("    note: {e}");
        }
        self.result = Value::Null;
        self.error = None;
        let t0 = std::time::Instant::now();
        let outcome = self.act(step).await;
        let ms = t0.elapsed().as_millis();
        if ms >= 1000 {
            println!("    耗时 took {ms} ms");
        }
        match &outcome {
            Ok(()) => {}
            Err(e) => {
                println!(
                    "    → 步骤被拒绝 refused [{}]: {}",
                    e.code(),
                    e.message_zh()
                );
                self.error = Some(e.clone());
                // The visit as it stands after the refusal.
                if let Ok(v) = self.visits() {
                    if let Some(view) = v.current().await {
                        self.view = to_json(&view);
                    }
                }
            }
        }
        if outcome.is_ok() && self.view.is_object() && action != "login" {
            println!(
                "    → 状态 state: {} ({})",
                text(self.view.get("state")),
                text(self.view.get("stateZh"))
            );
            // Why a visit closed (a blocked prescription, a bad signature)
            // is part of the rehearsal's record.
            if let Some(why) = self
                .view
                .get("closedReasonZh")
                .and_then(Value::as_str)
                .filter(|w| !w.is_empty())
            {
                println!("    → 结束原因 closed because: {why}");
            }
        }
        self.expect(&step.expect).await;
    }

    async fn act(&mut self, step: &Step) -> Result<(), RunError> {
        if let Some(spec) = &step.login {
            let (login, password, role): (String, String, Option<String>) = match spec {
                LoginSpec::Demo(who) if self.demo => DEMO_OPERATORS
                    .iter()
                    .find(|(l, _, r, _)| r.code() == who.as_str() || *l == who.as_str())
                    .map(|(l, _, r, p)| (l.to_string(), p.to_string(), Some(r.code().to_string())))
                    .ok_or_else(|| {
                        step_err(
                            "SCENARIO",
                            format!("未知的演示账号 {who}：pharmacist | manager | cashier"),
                        )
                    })?,
                LoginSpec::Demo(who) => {
                    return Err(step_err(
                        "SCENARIO",
                        format!("正式接入模式没有演示账号 {who}：请写 login: {{user: 工号, password: 密码}}"),
                    ))
                }
                LoginSpec::Account(a) => (a.user.clone(), a.password.clone(), a.role.clone()),
            };
            let info = self
                .counter
                .login(&login, &password, role.as_deref())
                .map_err(|e| step_err("LOGIN", e.to_string()))?;
            println!("    → {} {}", info.role_label, info.name);
            return Ok(());
        }
        if let Some(o) = &step.operator {
            let c = o.create.as_ref().ok_or_else(|| {
                step_err("SCENARIO", "operator 须有 create / operator needs create")
            })?;
            let role = rxdesk_store::Role::from_code(&c.role).ok_or_else(|| {
                step_err(
                    "SCENARIO",
                    format!("未知角色 {}：cashier | pharmacist | manager", c.role),
                )
            })?;
            let s = self.session()?;
            let id = self
                .counter
                .store()
                .create_operator(
                    Some(&s),
                    &rxdesk_store::operators::NewOperator {
                        login: c.login.clone(),
                        display_name: c.name.clone(),
                        role,
                        password: c.password.clone(),
                        cert_type: c.cert_type.clone(),
                        certno: c.certno.clone(),
                        prac_cert_no: c.prac_cert_no.clone(),
                    },
                )
                .map_err(RunError::from)?;
            println!("    → 已创建 created {} {} ({})", c.login, c.name, c.role);
            self.result = json!({"operator_id": id, "login": c.login});
            return Ok(());
        }
        if let Some(rc) = &step.receive {
            let s = self.session()?;
            let price = match &rc.price {
                Some(p) => p
                    .parse::<rxdesk_core::Price>()
                    .map_err(|e| step_err("SCENARIO", format!("receive.price {p}: {e}")))?,
                None => rxdesk_core::Price::default(),
            };
            let doc = rxdesk_store::inventory::GoodsIn {
                supplier: rc.supplier.clone(),
                invoice_no: rc.invoice_no.clone(),
                lines: vec![rxdesk_store::inventory::GoodsInLine {
                    fixmedins_hilist_id: rc.product.clone(),
                    manu_lotnum: rc.lot.clone(),
                    manu_date: rc.made.clone(),
                    expy_end: rc.expires.clone(),
                    purchase_price: price,
                    boxes: rc.boxes.clone(),
                    cartons: Vec::new(),
                }],
                ..Default::default()
            };
            let d = self
                .counter
                .store()
                .receive_goods(&s, &doc)
                .map_err(RunError::from)?;
            println!("    → 入库 received {} boxes ({})", d.boxes, d.doc_no);
            self.result = to_json(&d);
            return Ok(());
        }
        if let Some(im) = &step.import {
            let s = self.session()?;
            let mut summary = serde_json::Map::new();
            for (kind, file) in [("catalogue", &im.catalogue), ("stock", &im.stock)] {
                let Some(file) = file else { continue };
                let path = self.scenario_dir.join(file);
                let bytes = std::fs::read(&path).map_err(|e| {
                    step_err("SCENARIO", format!("无法读取 {}：{e}", path.display()))
                })?;
                let r = if kind == "catalogue" {
                    self.counter
                        .store()
                        .import_catalogue_csv(&s, bytes.as_slice())
                } else {
                    self.counter.store().import_stock_csv(&s, bytes.as_slice())
                }
                .map_err(RunError::from)?;
                if !r.errors.is_empty() {
                    return Err(step_err(
                        "IMPORT",
                        format!("{} 有错误行，未导入：{:?}", path.display(), r.errors),
                    ));
                }
                println!("    → {kind}: {}", path.display());
                summary.insert(kind.into(), to_json(&r));
            }
            self.result = Value::Object(summary);
            return Ok(());
        }
        if let Some(p) = &step.prescribe {
            let mut body = json!({"hospital": p.hospital, "psn_no": p.psn_no, "lines": p.lines,
                "valid_days": p.valid_days, "rept_flag": p.rept_flag, "max_rept_cnt": p.max_rept_cnt,
                "diag_name": p.diag_name, "label": p.label});
            if p.rept_flag {
                body["min_inrv_days"] = p.min_inrv_days.into();
            }
            if let Some(d) = &p.rx_drord_dscr {
                body["rx_drord_dscr"] = d.clone().into();
            }
            if !p.line_remarks.is_empty() {
                body["line_remarks"] = json!(p.line_remarks);
            }
            self.result = self
                .admin_send(reqwest::Method::POST, "/admin/prescriptions", Some(&body))
                .await?;
            println!("    → 处方 hi_rxno {}", text(self.result.get("hi_rxno")));
            return Ok(());
        }
        if let Some(c) = &step.clock {
            if !(0..=3660).contains(&c.advance_days) {
                return Err(step_err("CLOCK", "advance_days must be 0..=3660"));
            }
            self.counter
                .store()
                .advance_clock(c.advance_days * 24 * 3600 * 1000);
            self.result = self
                .admin_send(
                    reqwest::Method::POST,
                    "/admin/clock",
                    Some(&json!({"advance_days": c.advance_days})),
                )
                .await?;
            println!(
                "    → {} 天后 {} days later",
                c.advance_days, c.advance_days
            );
            return Ok(());
        }
        if let Some(f) = &step.fault {
            if f.clear {
                self.admin_send(reqwest::Method::DELETE, "/admin/faults", None)
                    .await?;
            }
            if let Some(set) = &f.set {
                self.admin_send(reqwest::Method::POST, "/admin/faults", Some(&to_json(set)))
                    .await?;
            }
            return Ok(());
        }
        if let Some(typed) = &step.pin_pad {
            let st = self.standin.as_mut().ok_or_else(|| {
                step_err(
                    "SCENARIO",
                    "pin_pad 需要 --nation-ec-lib（演示终端 SDK）/ pin_pad needs --nation-ec-lib",
                )
            })?;
            st.set("pin_typed", typed.as_deref())
                .map_err(|e| step_err("SCENARIO", e.to_string()))?;
            return Ok(());
        }
        if let Some(w) = &step.wait_uploads {
            let secs = w.timeout_s.unwrap_or(20);
            let deadline = std::time::Instant::now() + Duration::from_secs(secs);
            loop {
                let rows = self
                    .counter
                    .store()
                    .list_uploads(None, 10_000)
                    .map_err(RunError::from)?;
                if rows.iter().all(|r| r.state == UploadState::Done) {
                    println!("    → 上传队列已全部送达 all {} rows delivered", rows.len());
                    return Ok(());
                }
                if std::time::Instant::now() > deadline {
                    return Err(step_err(
                        "UPLOADS_NOT_DONE",
                        format!("{secs} 秒内上传队列未全部送达 / uploads not delivered in {secs}s"),
                    ));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        if let Some(o) = &step.otc_sale {
            return self.otc_sale(o).await;
        }
        let s = self.session()?;
        if let Some(d) = &step.delivery_order {
            let moved = self.delivery_order(&s, d)?;
            println!(
                "    → {} {}：{}（7205 已排队 queued）",
                moved.order.delv_no, moved.order.patient_name, moved.order.description
            );
            self.result = to_json(&moved);
            if let Some(o) = self.result.get_mut("order") {
                *o = rxdesk_app::json_keys::snake_keys(o.take());
            }
            return Ok(());
        }
        let till = self.counter.till();
        if let Some(t) = &step.till_open {
            let opened = till.open(&s, &t.float).map_err(till_err)?;
            println!(
                "    → 班次 shift {} 开班，备用金 float {}",
                opened.id, opened.float
            );
            self.result = snake_json(&opened);
            return Ok(());
        }
        if let Some(t) = &step.till_close {
            let closed = till
                .close(&s, &t.counted_cash, &t.counted, &t.note)
                .await
                .map_err(till_err)?;
            for l in &closed.till.lines {
                println!(
                    "    → {} 应有 expected {}，实点 counted {}，差额 difference {}",
                    l.method_zh,
                    l.expected,
                    l.counted.clone().unwrap_or_default(),
                    l.difference.clone().unwrap_or_default()
                );
            }
            println!(
                "    → {}；交班单 slip: {}",
                closed.till.difference_zh.clone().unwrap_or_default(),
                closed.slip.printed_zh
            );
            self.result = snake_json(&closed);
            return Ok(());
        }
        if let Some(d) = &step.day_report {
            let r = till
                .day_report(&s, d.day.as_deref().unwrap_or(""), d.print)
                .await
                .map_err(till_err)?;
            println!(
                "    → {} 日结：销售 {} 笔 {} 元，退费 {} 笔",
                r.report.day,
                r.report.total.sales_count,
                r.report.total.sales_total,
                r.report.total.refunds_count
            );
            for o in &r.report.operators {
                println!(
                    "      {}：{} 笔 {} 元",
                    o.operator_name, o.sales_count, o.sales_total
                );
            }
            self.result = snake_json(&r);
            return Ok(());
        }
        if step.start.is_some() && self.auto_till && till.current().map_err(till_err)?.is_none() {
            let opened = till.open(&s, "0").map_err(till_err)?;
            println!(
                "    → 演练自动开班 the rehearsal opened till shift {} (float 0.00)",
                opened.id
            );
        }
        let v = self.visits()?;
        let view = if step.start.is_some() {
            v.start(&s).await?
        } else if step.cancel.is_some() {
            v.cancel(&s).await?
        } else if let Some(i) = &step.identify {
            let code = match (&i.code, &i.label) {
                (Some(c), _) => c.clone(),
                (None, Some(l)) => text(self.rx_by_label(l).await?.get("epc_qrcd")),
                // Card and face come from the devices.
                (None, None) if matches!(i.method.as_str(), "face" | "social_security_card") => {
                    String::new()
                }
                (None, None) => {
                    return Err(step_err(
                        "SCENARIO",
                        "identify 需要 code 或 label / needs code or label",
                    ))
                }
            };
            let method: IdMethod = i.method.parse()?;
            let agent = i.agent.as_ref().map(|a| AgentInput {
                name: a.name.clone(),
                cert_no: a.certno.clone(),
                relationship: a.relation.clone(),
            });
            v.identify(&s, method, &code, i.consent, agent).await?
        } else if let Some(o) = &step.open {
            let listed = self.view.get("listed").cloned().unwrap_or(Value::Null);
            let listed = listed.as_array().cloned().unwrap_or_default();
            let auth = if let Some(a) = &o.auth_rxno {
                a.clone()
            } else if let Some(d) = &o.diag {
                listed
                    .iter()
                    .find(|r| r["diag_name"] == d.as_str())
                    .map(|r| text(r.get("auth_rxno")))
                    .ok_or_else(|| step_err("SCENARIO", format!("列表中没有诊断为 {d} 的处方")))?
            } else if let Some(l) = &o.label {
                let rx = self.rx_by_label(l).await?;
                // By the authorisation number the emulator handed out for it
                // (hospital and times alone are ambiguous for two
                // prescriptions issued in the same second).
                let own = |r: &&Value| {
                    rx["auth_rxnos"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|x| *x == r["auth_rxno"]))
                };
                listed
                    .iter()
                    .find(own)
                    .map(|r| text(r.get("auth_rxno")))
                    .ok_or_else(|| {
                        step_err(
                            "SCENARIO",
                            format!("列表中没有处方 {l} / {l} is not listed"),
                        )
                    })?
            } else if o.first {
                listed
                    .first()
                    .map(|r| text(r.get("auth_rxno")))
                    .ok_or_else(|| step_err("SCENARIO", "列表为空 / nothing listed"))?
            } else {
                return Err(step_err(
                    "SCENARIO",
                    "open 需要 label、diag、auth_rxno 或 first",
                ));
            };
            v.open(&s, &auth).await?
        } else if let Some(sh) = &step.shift_start {
            let token = self.evoucher(sh.evoucher.as_deref())?;
            let shift = v.shift_start(&s, token).await?;
            println!(
                "    → 在岗药师 on duty: {} {}",
                shift.pharmacist_name, shift.certno_masked
            );
            self.result = to_json(&shift);
            return Ok(());
        } else if step.shift_end.is_some() {
            let ended = v.shift_end(&s).await?;
            println!("    → {}", ended.message_zh);
            self.result = to_json(&ended);
            return Ok(());
        } else if let Some(a) = &step.audit {
            let token = self.evoucher(a.evoucher.as_deref())?;
            let result = parse_audit_result(&a.result)?;
            v.audit(&s, result, &a.opinion, token, a.reviewer.as_deref())
                .await?
        } else if let Some(sc) = &step.scan {
            return self.scan(sc).await;
        } else if step.finish.is_some() {
            v.finish_dispensing(&s).await?
        } else if step.pre_settle.is_some() {
            v.pre_settle(&s).await?
        } else if step.settle.is_some() {
            v.settle(&s).await?
        } else if step.resolve.is_some() {
            v.resolve_uncertain(&s).await?
        } else if let Some(p) = &step.pay {
            match (&p.cash, &p.scan, &p.terminal) {
                (Some(c), _, _) => v.pay(&s, Tender::parse("cash", Some(c), None)?).await?,
                (None, Some(code), _) => {
                    v.pay(&s, Tender::parse("scan", None, Some(code))?).await?
                }
                (None, None, Some(r)) => {
                    v.pay(&s, Tender::parse("terminal", None, Some(r))?).await?
                }
                (None, None, None) => v.pay(&s, Tender::parse("scan", None, None)?).await?,
            }
        } else if step.complete.is_some() {
            let view = v.complete(&s).await?;
            if let Some(sale) = &view.sale {
                self.last_sale = Some((sale.sale_id, sale.rtal_docno.clone()));
                println!(
                    "    → 零售单据号 docno {}，小票 receipt: {}",
                    sale.rtal_docno, sale.printed_zh
                );
                if let Some(p) = &sale.guidance_pdf_path {
                    println!("    → 用药指导单 guidance PDF: {p}");
                }
            }
            view
        } else if step.reprint.is_some() {
            let (id, _) = self.last_sale()?;
            let sale = v.reprint(&s, id).await?;
            self.result = to_json(&sale);
            return Ok(());
        } else if let Some(d) = &step.delivery {
            use rxdesk_app::visit::DeliveryStep;
            let mut steps = Vec::new();
            if let Some(a) = &d.accept {
                steps.push(DeliveryStep::Accept {
                    delv_no: a.delv_no.clone(),
                    company: a.company.clone(),
                    cold_chain_handled: a.cold_chain_handled,
                });
            }
            if d.in_transit.is_some() {
                steps.push(DeliveryStep::InTransit);
            }
            if let Some(g) = &d.signed {
                steps.push(DeliveryStep::Signed {
                    name: g.name.clone(),
                    cert_no: g.cert_no.clone(),
                });
            }
            if let Some(r) = &d.refused {
                steps.push(DeliveryStep::Refused {
                    reason: r.reason.clone(),
                });
            }
            let [one] = <[DeliveryStep; 1]>::try_from(steps).map_err(|_| {
                step_err(
                    "SCENARIO",
                    "delivery 须恰好有 accept、in_transit、signed、refused 之一 / exactly one delivery step",
                )
            })?;
            v.delivery(&s, one).await?
        } else if let Some(r) = &step.refund {
            let (id, _) = self.last_sale()?;
            let identity = r
                .identify
                .as_ref()
                .map(|i| rxdesk_app::visit::RefundIdentity {
                    method: i.method.clone(),
                    code: i.code.clone(),
                });
            let refund = v.refund(&s, id, &r.reason, identity).await?;
            println!("    → 退费上传 refund uploads: {:?}", refund.upload_ids);
            self.result = to_json(&refund);
            return Ok(());
        } else {
            return Err(step_err("SCENARIO", "unknown action"));
        };
        self.view = to_json(&view);
        Ok(())
    }

    /// The pharmacist's own e-voucher: as written, or the demo pharmacist's
    /// in demo mode only.
    fn evoucher<'s>(&self, given: Option<&'s str>) -> Result<&'s str, RunError> {
        match given {
            Some(t) => Ok(t),
            None if self.demo => Ok(DEMO_PHARMACIST_EC_TOKEN),
            None => Err(step_err(
                "SCENARIO",
                "正式接入模式须写出药师本人的医保电子凭证（evoucher）",
            )),
        }
    }

    /// One move of the delivery screen on the run's last sale.
    fn delivery_order(
        &self,
        s: &rxdesk_store::Session,
        d: &Delivery,
    ) -> Result<rxdesk_app::delivery::DeliveryMoved, RunError> {
        use rxdesk_app::delivery;
        let (sale_id, docno) = self.last_sale()?;
        let store = self.counter.store();
        let r = match (&d.accept, d.in_transit.is_some(), &d.signed, &d.refused) {
            (Some(a), false, None, None) => delivery::accept(
                store,
                s,
                &docno,
                &a.delv_no,
                &a.company,
                a.cold_chain_handled,
            ),
            (None, true, None, None) => delivery::in_transit(store, s, sale_id),
            (None, false, Some(g), None) => delivery::sign(store, s, sale_id, &g.name, &g.cert_no),
            (None, false, None, Some(r)) => delivery::refuse(store, s, sale_id, &r.reason),
            _ => {
                return Err(step_err(
                    "SCENARIO",
                    "delivery_order 须恰好有 accept、in_transit、signed、refused 之一 / exactly one delivery step",
                ))
            }
        };
        r.map_err(|e| step_err(e.code(), e.message_zh()))
    }

    fn last_sale(&self) -> Result<(i64, String), RunError> {
        self.last_sale
            .clone()
            .ok_or_else(|| step_err("SCENARIO", "本场景还没有完成的销售 / no completed sale yet"))
    }

    /// One `otc_sale` step (`OtcSaleStep`); the sale's view is the step's
    /// view, search hits and the last scan in its result.
    async fn otc_sale(&mut self, o: &OtcSaleStep) -> Result<(), RunError> {
        use rxdesk_app::visit::{parse_otc_quantity, OtcPayer};
        let s = self.session()?;
        let counter: &Counter = self.counter;
        let v = counter
            .visits()
            .map_err(|e| step_err("NO_VISIT_SERVICE", e.to_string()))?;
        let mut result = serde_json::Map::new();
        let mut view = None;
        if o.start {
            view = Some(v.otc_start(&s).await?);
            println!("    → 新的非处方销售 new OTC sale");
        }
        if let Some(q) = &o.search {
            let hits = v.otc_search(q, 10)?;
            for h in hits.iter().take(3) {
                println!(
                    "    → 搜索 “{q}”：{} {} {} 元/{}{}",
                    h.name,
                    h.spec,
                    h.price,
                    h.unit,
                    if h.prescription_only {
                        "（处方药）"
                    } else {
                        ""
                    }
                );
            }
            result.insert("hits".into(), to_json(&hits));
        }
        for (split, list) in [(false, &o.add), (true, &o.add_split)] {
            for (id, q) in list {
                let q = parse_otc_quantity(q)?;
                let sv = v.otc_add(&s, id, q, split).await?;
                println!(
                    "    → 加入 add {id} × {q}{}",
                    if split { "（拆零）" } else { "" }
                );
                view = Some(sv);
            }
        }
        for b in &o.boxes {
            let (spec, part) = b.split_once(':').unwrap_or((b.as_str(), "both"));
            let (codg, idx) = spec.split_once('#').ok_or_else(|| {
                step_err("SCENARIO", format!("box 须为 \"<med_list_codg>#<n>\"：{b}"))
            })?;
            let idx: usize = idx
                .trim()
                .parse()
                .map_err(|_| step_err("SCENARIO", format!("box 序号无效：{b}")))?;
            let bx = demo_boxes()
                .into_iter()
                .filter(|x| x.med_list_codg == codg.trim())
                .nth(idx)
                .ok_or_else(|| step_err("SCENARIO", format!("没有演示药盒 {b}（docs/demo.md）")))?;
            let codes = match part {
                "trace" => vec![bx.trace_code.clone()],
                _ => vec![bx.barcode.clone(), bx.trace_code.clone()],
            };
            for code in codes {
                let out = v.otc_scan(&s, &code).await?;
                println!("    → 扫码 scan [{}] {}", out.code, out.message_zh);
                result.insert("scan".into(), json!(out.code));
                self.view = to_json(&out.sale);
                if !out.ok {
                    self.result = Value::Object(result);
                    return Err(step_err(&out.code, out.message_zh));
                }
                view = Some(out.sale);
            }
        }
        if let Some(i) = &o.identify {
            let method: IdMethod = i.method.parse()?;
            let sv = v
                .otc_identify(&s, method, i.code.as_deref().unwrap_or(""), i.consent)
                .await?;
            if let Some(p) = &sv.patient {
                println!(
                    "    → 顾客 customer {}（{}，个人账户余额 {}）",
                    p.name, p.insutype_label, p.balance
                );
            }
            view = Some(sv);
        }
        if let Some(p) = &o.payer {
            let payer = OtcPayer::parse(p)?;
            let sv = v.otc_checkout(&s, payer).await?;
            if let Some(x) = &sv.split {
                println!(
                    "    → {}：总额 {}，个人账户 {}，自付 {}",
                    x.kind_zh.clone().unwrap_or_default(),
                    x.total,
                    x.account_pay,
                    x.cash_pay
                );
            }
            view = Some(v.otc_settle(&s).await?);
        }
        if let Some(p) = &o.pay {
            let tender = match (&p.cash, &p.scan, &p.terminal) {
                (Some(c), _, _) => Tender::parse("cash", Some(c), None)?,
                (None, Some(code), _) => Tender::parse("scan", None, Some(code))?,
                (None, None, Some(r)) => Tender::parse("terminal", None, Some(r))?,
                _ => return Err(step_err("SCENARIO", "pay 需要 cash、scan 或 terminal")),
            };
            let sv = v.otc_pay(&s, tender).await?;
            if let Some(p) = &sv.payment {
                println!(
                    "    → 收款 paid {}，找零 change {}",
                    p.due,
                    p.change.clone().unwrap_or_default()
                );
            }
            view = Some(sv);
        }
        if o.complete {
            let sv = v.otc_complete(&s).await?;
            if let Some(sale) = &sv.sale {
                println!(
                    "    → 零售单 {} 合计 {} 元；{}",
                    sale.rtal_docno, sale.total, sale.printed_zh
                );
                self.last_sale = Some((sale.sale_id, sale.rtal_docno.clone()));
            }
            view = Some(sv);
        }
        if let Some(sv) = view.or(v.otc_current().await) {
            println!("    → 销售 sale: {} ({})", sv.total, sv.stage_zh);
            self.view = to_json(&sv);
        }
        self.result = Value::Object(result);
        Ok(())
    }

    async fn scan(&mut self, sc: &Scan) -> Result<(), RunError> {
        let s = self.session()?;
        let codes: Vec<String> = match (&sc.code, &sc.box_) {
            (Some(c), _) => vec![c.clone()],
            (None, Some(b)) => {
                let (codg, idx) = b.split_once('#').ok_or_else(|| {
                    step_err("SCENARIO", format!("box 须为 \"<med_list_codg>#<n>\"：{b}"))
                })?;
                let idx: usize = idx
                    .trim()
                    .parse()
                    .map_err(|_| step_err("SCENARIO", format!("box 序号无效：{b}")))?;
                let boxes: Vec<_> = demo_boxes()
                    .into_iter()
                    .filter(|x| x.med_list_codg == codg.trim())
                    .collect();
                let bx = boxes.get(idx).ok_or_else(|| {
                    step_err("SCENARIO", format!("没有演示药盒 {b}（docs/demo.md）"))
                })?;
                match (sc.lot.as_deref(), sc.part.as_deref().unwrap_or("both")) {
                    (Some(lot), _) => vec![format!(
                        "01{:0>14}10{lot}\u{1d}21{}",
                        bx.barcode, bx.trace_code
                    )],
                    (None, "barcode") => vec![bx.barcode.clone()],
                    (None, "trace") => vec![bx.trace_code.clone()],
                    (None, _) => vec![bx.barcode.clone(), bx.trace_code.clone()],
                }
            }
            (None, None) => return Err(step_err("SCENARIO", "scan 需要 code 或 box")),
        };
        let v = self.visits()?;
        let mut last = None;
        for code in &codes {
            let o = v.scan(&s, code).await?;
            println!("    → 扫码 scan [{}] {}", o.code, o.message_zh);
            let stop = !o.ok;
            last = Some(o);
            if stop {
                break;
            }
        }
        if let Some(o) = last {
            self.view = to_json(&o.visit);
            self.result = json!({"ok": o.ok, "code": o.code, "message_zh": o.message_zh});
        }
        Ok(())
    }

    async fn expect(&mut self, e: &Expect) {
        match (&e.error, &self.error) {
            (Some(code), Some(err)) => {
                let ok = err.code() == code.as_str();
                self.check(ok, &format!("error = {code} (got {})", err.code()));
            }
            (Some(code), None) => {
                self.check(false, &format!("error = {code} (the step succeeded)"))
            }
            (None, Some(err)) if e.error_contains.is_none() => self.check(
                false,
                &format!(
                    "step succeeds (refused [{}] {})",
                    err.code(),
                    err.message_zh()
                ),
            ),
            _ => {}
        }
        if let Some(t) = &e.error_contains {
            let got = self
                .error
                .as_ref()
                .map(|x| x.message_zh())
                .unwrap_or_default();
            self.check(got.contains(t.as_str()), &format!("error contains “{t}”"));
        }
        let view = self.view.clone();
        let result = self.result.clone();
        if let Some(s) = &e.state {
            let got = text(view.get("state"));
            self.check(&got == s, &format!("state = {s} (got {got})"));
        }
        if let Some(t) = &e.next_step_contains {
            let got = text(view.get("nextStepZh"));
            self.check(
                got.contains(t.as_str()),
                &format!("next step contains “{t}” ({got})"),
            );
        }
        if let Some(t) = &e.closed_reason_contains {
            let got = text(view.get("closedReasonZh"));
            self.check(
                got.contains(t.as_str()),
                &format!("closed because “{t}” ({got})"),
            );
        }
        if let Some(n) = &e.patient_name {
            let got = text(at(&view, "patient.name"));
            self.check(&got == n, &format!("patient = {n} (got {got})"));
        }
        if let Some(n) = &e.agent_name {
            let got = text(at(&view, "patient.agentName"));
            self.check(&got == n, &format!("agent = {n} (got {got})"));
        }
        if let Some(g) = e.guidance {
            let got = view.get("guidance").is_some_and(|g| !g.is_null());
            self.check(got == g, &format!("guidance shown = {g}"));
            if got {
                println!("      {}", text(at(&view, "guidance.titleZh")));
            }
        }
        if let Some(t) = &e.guidance_contains {
            let got = text(at(&view, "guidance.text"));
            self.check(
                got.contains(t.as_str()),
                &format!("guidance contains “{t}”"),
            );
        }
        if let Some(n) = e.listed {
            let got = view
                .get("listed")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            self.check(got == n, &format!("listed = {n} (got {got})"));
        }
        if let Some(n) = e.listed_at_least {
            let got = view
                .get("listed")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            self.check(got >= n, &format!("listed ≥ {n} (got {got})"));
        }
        if let Some(sig) = &e.signature {
            let got = text(at(&view, "prescription.verdict.verdict"));
            self.check(&got == sig, &format!("signature = {sig} (got {got})"));
            let why = text(at(&view, "prescription.reason_zh"));
            if !why.is_empty() {
                println!("      {why}");
            }
        }
        if let Some(r) = &e.signature_reason {
            let got = text(at(&view, "prescription.verdict.reason.code"));
            self.check(&got == r, &format!("signature reason = {r} (got {got})"));
        }
        if let Some(want) = e.signer_shown {
            let subject = text(at(&view, "prescription.verdict.signer.subject"));
            let serial = text(at(&view, "prescription.verdict.signer.serial"));
            let got = !subject.is_empty() && !serial.is_empty();
            if got {
                println!(
                    "      签名证书 signer: {subject}，序列号 serial {serial}，机构 institution {}",
                    text(at(&view, "prescription.verdict.signer.institution"))
                );
            }
            self.check(got == want, &format!("signing certificate shown = {want}"));
        }
        let findings: Vec<(String, bool)> = at(&view, "rules.findings")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|f| (text(f.get("code")), f["blocks"].as_bool().unwrap_or(false)))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(b) = e.rules_block {
            let got = at(&view, "rules.blocks").and_then(Value::as_bool);
            self.check(got == Some(b), &format!("rules block = {b} (got {got:?})"));
        }
        for code in e.blocked_rules.iter().flatten() {
            let got = findings.iter().any(|(c, b)| c == code && *b);
            self.check(got, &format!("rule {code} blocks (findings {findings:?})"));
        }
        for code in e.findings.iter().flatten() {
            let got = findings.iter().any(|(c, _)| c == code);
            self.check(got, &format!("finding {code} (findings {findings:?})"));
        }
        if let Some(want) = e.layout_differences {
            let diffs = at(&view, "rules.layoutDifferences")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for d in &diffs {
                println!(
                    "      {}：结构化 structured “{}” ↔ 版式 layout “{}”",
                    text(d.get("fieldZh")),
                    text(d.get("structured")),
                    text(d.get("layout"))
                );
            }
            self.check(
                diffs.is_empty() != want,
                &format!("layout differences shown = {want}"),
            );
        }
        if let Some(r) = &e.audit_result {
            let got = text(at(&view, "audit.result"));
            self.check(&got == r, &format!("audit result = {r} (got {got})"));
        }
        if let Some(want) = e.audit_queued {
            let got = at(&view, "audit.uploadId").is_some_and(|v| !v.is_null());
            self.check(got == want, &format!("audit 7204 queued = {want}"));
        }
        if let Some(n) = &e.pharmacist_on_duty {
            let got = text(result.get("pharmacistName"));
            self.check(&got == n, &format!("pharmacist on duty = {n} (got {got})"));
        }
        if let Some(c) = &e.scan {
            let got = text(result.get("code"));
            self.check(&got == c, &format!("scan = {c} (got {got})"));
        }
        if let Some(want) = e.dispensed_all {
            let lines = view
                .get("dispensing")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let got = !lines.is_empty() && lines.iter().all(|l| l["done"] == true);
            self.check(got == want, &format!("every line dispensed = {want}"));
        }
        if let Some(sp) = &e.split {
            self.expect_split(&view, sp);
        }
        if let Some(c) = &e.change {
            let got = dec_of(at(&view, "payment.change"));
            let want: Option<Decimal> = c.parse().ok();
            self.check(
                got.is_some() && got == want,
                &format!("change = {c} (got {got:?})"),
            );
        }
        if let Some(p) = e.paid {
            let got = at(&view, "payment.paid").and_then(Value::as_bool);
            self.check(got == Some(p), &format!("paid = {p} (got {got:?})"));
        }
        if let Some(n) = e.uploads {
            let ids = result
                .get("uploadIds")
                .or_else(|| at(&view, "sale.uploadIds"))
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            self.check(ids == n, &format!("outbox rows = {n} (got {ids})"));
        }
        for t in e.receipt_contains.iter().flatten() {
            let got = result
                .get("receiptText")
                .or_else(|| at(&view, "sale.receiptText"))
                .map(|v| text(Some(v)))
                .unwrap_or_default();
            self.check(got.contains(t.as_str()), &format!("receipt contains “{t}”"));
        }
        if let Some(want) = e.guidance_pdf {
            let path = text(
                result
                    .get("guidancePdfPath")
                    .or_else(|| at(&view, "sale.guidancePdfPath")),
            );
            let got =
                !path.is_empty() && std::fs::read(&path).is_ok_and(|b| b.starts_with(b"%PDF"));
            self.check(
                got == want,
                &format!("guidance PDF written = {want} ({path})"),
            );
        }
        if let Some(st) = &e.sale_state {
            let got = match (&self.last_sale, self.visits()) {
                (Some((_, docno)), Ok(v)) => v
                    .sales_find(docno)
                    .ok()
                    .and_then(|f| f.first().map(|x| x.state.clone()))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            self.check(&got == st, &format!("sale state = {st} (got {got})"));
        }
        if let Some(want) = &e.center_accepted {
            match self.admin_get("/admin/stats").await {
                Ok(stats) => {
                    for (op, n) in want {
                        let got = stats["by_op"][op]["accepted"].as_u64().unwrap_or(0);
                        self.check(
                            got == *n,
                            &format!("center accepted {op} = {n} (got {got})"),
                        );
                    }
                }
                Err(err) => self.check(false, &format!("center statistics: {}", err.message_zh())),
            }
        }
        if let Some(want) = &e.center_uploads {
            for (op, n) in want {
                let got = self
                    .admin_get(&format!("/admin/uploads?op={op}"))
                    .await
                    .ok()
                    .and_then(|v| v.as_array().map(Vec::len))
                    .unwrap_or(0);
                self.check(
                    got == *n,
                    &format!("center received {op} × {n} (got {got})"),
                );
            }
        }
        if let Some(want) = &e.center_upload_contains {
            for (op, texts) in want {
                let got = self
                    .admin_get(&format!("/admin/uploads?op={op}"))
                    .await
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                for t in texts {
                    self.check(
                        got.contains(t.as_str()),
                        &format!("center received {op} containing “{t}”"),
                    );
                }
            }
        }
        if let Some(want) = &e.queue {
            let rows = self
                .counter
                .store()
                .list_uploads(None, 10_000)
                .unwrap_or_default();
            for (state, n) in want {
                let got = rows.iter().filter(|r| r.state.code() == state).count();
                self.check(got == *n, &format!("outbox {state} = {n} (got {got})"));
            }
        }
        if let Some(want) = e.drawer_kick {
            let job = self
                .last_sale
                .as_ref()
                .map(|(_, docno)| self.receipts_dir.join(format!("{docno}.escpos")))
                .and_then(|p| std::fs::read(p).ok());
            match job {
                Some(bytes) => {
                    use rxdesk_devices::printer::decode::{decode_all, Event};
                    let kicked = decode_all(&bytes)
                        .iter()
                        .any(|e| matches!(e, Event::DrawerKick { pin: 0 }));
                    self.check(
                        kicked == want,
                        &format!("钱箱脉冲 drawer kick (ESC p 0) = {want} (got {kicked})"),
                    );
                }
                None => self.check(false, "小票打印数据未找到 / no receipt job saved"),
            }
        }
        if let Some(want) = &e.guidance_printed_contains {
            let job = self
                .last_sale
                .as_ref()
                .map(|(_, docno)| self.receipts_dir.join(format!("{docno}-guidance.escpos")))
                .and_then(|p| std::fs::read(p).ok());
            match job {
                Some(bytes) => {
                    use rxdesk_devices::printer::decode::{decode_all, Event};
                    let printed: String = decode_all(&bytes)
                        .into_iter()
                        .filter_map(|e| match e {
                            Event::Line { text } => Some(text),
                            _ => None,
                        })
                        .collect::<String>()
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect();
                    for t in want {
                        let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
                        self.check(
                            printed.contains(&t),
                            &format!("用药指导小票含 guidance slip printed with “{t}”"),
                        );
                    }
                }
                None => self.check(false, "用药指导小票未找到 / no guidance slip job saved"),
            }
        }
        if let Some(want) = e.day_matches_ledger {
            let got = self.day_matches_ledger(&result);
            match got {
                Ok(()) => self.check(
                    want,
                    "日结合计与账本逐笔相加一致 day report equals the ledger",
                ),
                Err(why) => {
                    println!("      {why}");
                    self.check(
                        !want,
                        "日结合计与账本逐笔相加一致 day report equals the ledger",
                    )
                }
            }
        }
        for (path, want) in e.json.iter().flatten() {
            let got = at(&result, path).or_else(|| at(&view, path)).cloned();
            let ok = match (&got, want) {
                (Some(g), w) if g == w => true,
                (Some(g), Value::String(w)) => &text(Some(g)) == w,
                _ => false,
            };
            self.check(
                ok,
                &format!("{path} = {want} (got {})", got.unwrap_or(Value::Null)),
            );
        }
    }

    /// The 日结's totals against the day's sales read back one by one
    /// through the ledger's history (not the report's query).
    fn day_matches_ledger(&self, result: &Value) -> Result<(), String> {
        let report = result
            .get("report")
            .ok_or("该步骤没有日结结果 / no day report")?;
        let day = text(report.get("day"));
        let store = self.counter.store();
        let rows = store.find_sales(&day, 10_000).map_err(|e| e.to_string())?;
        let (mut total, mut fund, mut acct) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        let mut by_method: BTreeMap<String, Decimal> = BTreeMap::new();
        let mut n = 0u64;
        for r in rows {
            let d = store.sale_detail(r.sale_id).map_err(|e| e.to_string())?;
            if rxdesk_store::reports::cst_day(d.summary.sold_at)
                .format("%Y-%m-%d")
                .to_string()
                != day
            {
                continue;
            }
            n += 1;
            total += d.summary.total.value();
            if let Some(st) = &d.settlement {
                fund += st.fund_pay_sumamt.value();
                acct += st.acct_pay.value();
            }
            for p in store.sale_payments(r.sale_id).map_err(|e| e.to_string())? {
                *by_method.entry(p.method).or_default() +=
                    p.amount.parse::<Decimal>().unwrap_or_default();
            }
        }
        let t = &report["total"];
        let dec = |v: &Value| text(Some(v)).parse::<Decimal>().unwrap_or(Decimal::MIN);
        let mut bad = Vec::new();
        if t["sales_count"].as_u64() != Some(n) {
            bad.push(format!("笔数 count {} ≠ {n}", t["sales_count"]));
        }
        for (name, got, want) in [
            ("sales_total", dec(&t["sales_total"]), total),
            ("fund_pay", dec(&t["fund_pay"]), fund),
            ("account_pay", dec(&t["account_pay"]), acct),
        ] {
            if got != want {
                bad.push(format!("{name} {got} ≠ {want}"));
            }
        }
        for m in t["by_method"].as_array().cloned().unwrap_or_default() {
            let method = text(m.get("method"));
            let want = by_method.get(&method).copied().unwrap_or_default();
            if dec(&m["received"]) != want {
                bad.push(format!("{method} {} ≠ {want}", m["received"]));
            }
        }
        println!(
            "      账本逐笔 ledger: {n} 笔 total {total}，统筹 fund {fund}，个人账户 account {acct}，{by_method:?}"
        );
        if bad.is_empty() {
            Ok(())
        } else {
            Err(bad.join("; "))
        }
    }

    fn expect_split(&mut self, view: &Value, sp: &ExpectSplit) {
        let s = view.get("split").cloned().unwrap_or(Value::Null);
        if s.is_object() {
            println!(
                "      合计 total {}，统筹 fund {}，个人账户 account {}，现金 cash {}",
                text(s.get("total")),
                text(s.get("fundPay")),
                text(s.get("accountPay")),
                text(s.get("cashPay"))
            );
            for l in s
                .get("explanationZh")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                println!("      · {}", text(Some(l)));
            }
        }
        for (name, key, want) in [
            ("total", "total", sp.total),
            ("fund", "fundPay", sp.fund_pay),
            ("account", "accountPay", sp.account_pay),
            ("cash", "cashPay", sp.cash_pay),
        ] {
            if let Some(w) = want {
                let got = dec_of(s.get(key));
                self.check(got == Some(w), &format!("split {name} = {w} (got {got:?})"));
            }
        }
        let expl: Vec<String> = s
            .get("explanationZh")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|x| text(Some(x))).collect())
            .unwrap_or_default();
        if let Some(want) = sp.explained {
            self.check(
                expl.is_empty() != want,
                &format!("split explained = {want}"),
            );
        }
        if let Some(t) = &sp.explanation_contains {
            self.check(
                expl.iter().any(|l| l.contains(t.as_str())),
                &format!("explanation mentions “{t}”"),
            );
        }
    }
}
