//! The emulator's state: everything in memory behind one lock (the
//! dispatcher holds it for the duration of one business request, which
//! makes every request atomic and the msgid replay cache exact).

use crate::faults::{Dice, Faults};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rxdesk_gm::cert::Certificate;
use rxdesk_gm::issue::Issuer;
use rxdesk_gm::{DownloadedPrescription, PrivateKey};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// An insured person.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    /// 人员编号
    pub psn_no: String,
    /// 姓名
    pub name: String,
    /// 证件号码 (synthetic)
    pub certno: String,
    /// 性别
    pub gend: String,
    /// 出生日期
    pub brdy: String,
    /// 年龄
    pub age: u32,
    /// 险种
    pub insutype: String,
    /// 人员类别
    pub psn_type: String,
    /// 参保地
    pub insuplc_admdvs: String,
    /// 单位
    pub emp_name: String,
    /// e-voucher token (mdtrt_cert_type 01)
    pub ec_token: String,
    /// social-security card number (03)
    pub card_no: String,
    /// card_sn (03)
    pub card_sn: String,
    /// personal account balance
    pub balance: Decimal,
    /// what is left of the annual deductible
    pub deductible_left: Decimal,
    /// 门慢特 / 特药 diseases the person is registered for (备案): `dise_codg`s
    /// a 14 / 1402 settlement may name
    pub registered_diseases: Vec<String>,
}

/// A catalogue drug.
#[derive(Debug, Clone, Serialize)]
pub struct Drug {
    /// 医疗目录编码
    pub med_list_codg: String,
    /// 通用名
    pub genname: String,
    /// 商品名
    pub prodname: String,
    /// 规格
    pub spec: String,
    /// 剂型
    pub dosform: String,
    /// 单位
    pub unit: String,
    /// 参考单价
    pub price: Decimal,
    /// 限价
    pub pric_uplmt: Decimal,
    /// 1 甲 2 乙 3 丙
    pub level: String,
    /// 不得流转 (narcotics etc.)
    pub restricted: bool,
    /// 厂家
    pub prdr_name: String,
}

/// A prescribing hospital with its 医保 certificate.
#[derive(Debug, Clone)]
pub struct Hospital {
    /// 定点医疗机构编号
    pub code: String,
    /// 名称
    pub name: String,
    /// signing certificate
    pub cert: Certificate,
    /// its key
    pub key: PrivateKey,
    /// revoked in the CRL
    pub cert_revoked: bool,
}

/// Life cycle inside the emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RxState {
    /// issued
    Valid,
    /// audit approved
    Audited,
    /// settled (2102)
    Settled,
    /// written off (7206)
    Used,
    /// sale revoked (7208): may be bought again
    Reversed,
    /// revoked by the hospital
    Revoked,
}

/// One prescribed line.
#[derive(Debug, Clone, Serialize)]
pub struct RxLine {
    /// drug code
    pub med_list_codg: String,
    /// quantity
    pub cnt: Decimal,
}

/// A prescription.
#[derive(Debug, Clone, Serialize)]
pub struct Rx {
    /// 医保处方编号
    pub hi_rxno: String,
    /// QR value (27)
    pub epc_qrcd: String,
    /// what this demo case shows
    pub label: String,
    /// patient
    pub psn_no: String,
    /// hospital code
    pub hospital: String,
    /// state
    pub state: RxState,
    /// 开方时间
    pub prsc_time: DateTime<Utc>,
    /// 有效截止时间
    pub valid_end: DateTime<Utc>,
    /// 复用
    pub rept_flag: bool,
    /// 最大复用次数
    pub max_rept_cnt: u32,
    /// 已复用次数
    pub reptd_cnt: u32,
    /// 最小间隔
    pub min_inrv_days: u32,
    /// last write-off
    pub last_used: Option<DateTime<Utc>>,
    /// lines
    pub lines: Vec<RxLine>,
    /// 就诊ID
    pub mdtrt_id: String,
    /// 诊断
    pub diag_code: String,
    /// 诊断名称
    pub diag_name: String,
    /// 科室
    pub dept_name: String,
    /// 医疗类别 of the issuing visit (11 普通门诊, 14 门慢特, 1402 双通道)
    pub med_type: String,
    /// 病种编码 (门慢特 / 特药), empty otherwise
    pub dise_codg: String,
    /// 病种名称
    pub dise_name: String,
    /// the signed download as served
    #[serde(skip)]
    pub download: DownloadedPrescription,
    /// download keys (epc_token / auth_rxno) that fetched it
    pub downloaded_keys: HashSet<String>,
    /// rx_sign_verify_sn issued by rxSignVerify
    pub sign_verify_sn: Option<String>,
    /// audit result code
    pub audit: Option<String>,
    /// settlement id
    pub setl_id: Option<String>,
}

/// A settlement (2102).
#[derive(Debug, Clone, Serialize)]
pub struct Settlement {
    /// 结算ID
    pub setl_id: String,
    /// 就诊ID
    pub mdtrt_id: String,
    /// person
    pub psn_no: String,
    /// insutype
    pub insutype: String,
    /// the 2102 msgid (= medins_setl_id)
    pub msgid: String,
    /// time
    pub setl_time: DateTime<Utc>,
    /// 医疗费总额
    pub medfee_sumamt: Decimal,
    /// 基金支付
    pub fund_pay_sumamt: Decimal,
    /// 个人负担
    pub psn_part_amt: Decimal,
    /// 个账
    pub acct_pay: Decimal,
    /// 现金
    pub psn_cash_pay: Decimal,
    /// 起付线 used
    pub act_pay_dedc: Decimal,
    /// 医疗类别 settled
    pub med_type: String,
    /// 病种编码 settled (门慢特 / 双通道)
    pub dise_codg: String,
    /// prescriptions (rxno) covered
    pub rxnos: Vec<String>,
    /// reversed by 2103 / 2601
    pub reversed: bool,
    /// The full output as returned (for 2103 figures)
    #[serde(skip)]
    pub output: Value,
}

/// One recorded upload (what the pharmacy sent that changed state).
#[derive(Debug, Clone, Serialize)]
pub struct Upload {
    /// infno or family-B op name
    pub op: String,
    /// msgid (family A) or signData prefix (family B)
    pub msgid: String,
    /// when (CST wire format)
    pub at: String,
    /// the business input as received
    pub input: Value,
}

/// Counters by outcome.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    /// applied, success
    pub accepted: u64,
    /// replay of a known msgid
    pub duplicate: u64,
    /// business error answered
    pub rejected: u64,
}

/// `GET /admin/stats`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    /// accepted
    pub accepted: u64,
    /// duplicate
    pub duplicate: u64,
    /// rejected
    pub rejected: u64,
    /// per infno / op name
    pub by_op: BTreeMap<String, Counts>,
    /// injected faults by kind (error, reset_before, reset_after, malformed)
    pub faults_injected: BTreeMap<String, u64>,
}

/// Outcome kind for stats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// success
    Accepted,
    /// replay
    Duplicate,
    /// business error
    Rejected,
}

impl Stats {
    /// Count one business request.
    pub fn count(&mut self, op: &str, o: Outcome) {
        let c = self.by_op.entry(op.to_string()).or_default();
        match o {
            Outcome::Accepted => {
                self.accepted += 1;
                c.accepted += 1;
            }
            Outcome::Duplicate => {
                self.duplicate += 1;
                c.duplicate += 1;
            }
            Outcome::Rejected => {
                self.rejected += 1;
                c.rejected += 1;
            }
        }
    }
    /// Count an injected fault.
    pub fn fault(&mut self, kind: &str) {
        *self.faults_injected.entry(kind.to_string()).or_default() += 1;
    }
}

/// A cached answer for msgid replay.
#[derive(Debug, Clone)]
pub struct Cached {
    /// op (infno)
    pub op: String,
    /// HTTP body
    pub body: Vec<u8>,
    /// the request input (2601 needs it)
    pub input: Value,
    /// was it a success
    pub ok: bool,
}

/// A short-lived token.
#[derive(Debug, Clone)]
pub struct Token {
    /// prescription
    pub hi_rxno: String,
    /// expiry
    pub expires: DateTime<Utc>,
    /// single use consumed (auth_rxno)
    pub used: bool,
}

/// A 3505 sale.
#[derive(Debug, Clone)]
pub struct Sale {
    /// rtal_docno
    pub rtal_docno: String,
    /// codes sold (still sold)
    pub codes: Vec<String>,
    /// settlement
    pub setl_id: String,
    /// msgid
    pub msgid: String,
}

/// Everything.
pub struct State {
    /// seed name
    pub seed: String,
    /// base URL the emulator is reachable at (for CRL distribution points)
    pub base_url: String,
    /// demo CA
    pub ca: Issuer,
    /// CRL number
    pub crl_number: u32,
    /// current CRL (DER)
    pub crl_der: Vec<u8>,
    /// people by psn_no
    pub persons: BTreeMap<String, Person>,
    /// catalogue
    pub drugs: BTreeMap<String, Drug>,
    /// hospitals by code
    pub hospitals: BTreeMap<String, Hospital>,
    /// prescriptions by hi_rxno
    pub rxs: BTreeMap<String, Rx>,
    /// epc_token → token
    pub epc_tokens: HashMap<String, Token>,
    /// auth_rxno → token
    pub auth_rxnos: HashMap<String, Token>,
    /// sign_no → operator
    pub sign_ins: HashMap<String, String>,
    /// settlements
    pub settlements: BTreeMap<String, Settlement>,
    /// trace code → rtal_docno that sold it
    pub sold_codes: HashMap<String, String>,
    /// sales by rtal_docno
    pub sales: HashMap<String, Sale>,
    /// The stock-side books (3501–3504, 3507, the 3513 rows).
    pub stock: crate::stock::StockBooks,
    /// 7207 uploads: sel_upld_sn → (hi_rxno, undone)
    pub sales_uploads: HashMap<String, (String, bool)>,
    /// files (9101/3202/9102): file_qury_no → (filename, bytes)
    pub files: HashMap<String, (String, Vec<u8>)>,
    /// msgid → cached answer
    pub responses: HashMap<String, Cached>,
    /// uploads log
    pub uploads: Vec<Upload>,
    /// stats
    pub stats: Stats,
    /// faults
    pub faults: Faults,
    /// fault dice
    pub dice: Dice,
    /// serial counter for ids
    pub serial: u64,
    /// a 2102 held by the `late_2102` fault: (msgid, input)
    pub held_2102: Option<(String, Value)>,
    /// Days the center's business clock runs ahead of the wall clock
    /// (`POST /admin/clock`: rehearse a reusable prescription's next
    /// dispensing). The gateway's timestamp window keeps the wall clock.
    pub days_ahead: i64,
}

impl State {
    /// The emulator's clock (with the injected skew).
    pub fn now(&self) -> DateTime<Utc> {
        self.wire_now() + chrono::Duration::days(self.days_ahead)
    }
    /// The clock the gateway checks request timestamps against (the wall
    /// clock with the injected skew, never moved by `days_ahead`).
    pub fn wire_now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.faults.clock_skew_s)
    }
    /// A fresh serial.
    pub fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }
    /// Replace the faults (and reseed the dice).
    pub fn set_faults(&mut self, f: Faults) {
        self.dice = Dice::new(f.seed);
        self.faults = f;
    }
    /// Find a person by certificate type and number.
    pub fn person_by_cert(&self, cert_type: &str, cert_no: &str, card_sn: &str) -> Option<&Person> {
        self.persons.values().find(|p| match cert_type {
            "01" => p.ec_token == cert_no,
            "02" => p.certno == cert_no,
            "03" => p.card_no == cert_no && (card_sn.is_empty() || p.card_sn == card_sn),
            _ => false,
        })
    }
}
