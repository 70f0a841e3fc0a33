//! The chaos harness of the whole visit (money never lost, never taken twice): many visits
//! (sale, refund, forced-uncertain settlement) against the center emulator
//! in its own process, with fault injection at every center call (503,
//! reset before applying = "timeout before apply", reset after applying =
//! "timeout after apply", garbled body) and the counter process killed at
//! named crash points of the visit (`rxdesk_store::crashpoint`, armed by
//! `RXDESK_CRASH_AT=<name>:<n>`) or by SIGKILL at a random moment, then
//! restarted, again and again. At the end the ledger is checked against the
//! emulator's own books (`/admin/books`, `/admin/uploads`):
//!
//! - every charge at the center (a 2102 not reversed by 2601) has exactly one
//!   sale in the ledger, and every sale has its charge;
//! - no prescription is charged twice;
//! - every refunded sale is reversed (2103) exactly once at the center, and
//!   no refund is left unfinished (the clean last run asks again for every
//!   refund a fault left uncertain, as the pharmacist is told to);
//! - every 3505/3506/7206/7208 row is delivered, exactly once;
//! - stock and trace codes agree (ledger vs its own sales, ledger vs center);
//! - `PRAGMA integrity_check` is ok.
//!
//! The kill schedule visits every named crash point (`crashpoint::ALL`) once,
//! in visit order (a point that needs the state the previous kill left, such
//! as recovery after a kill between 2102 and the sale, comes right after
//! it), re-queues a point a launch did not reach (an armed launch does at
//! most a few jobs), then picks random points; every fifth kill is a
//! SIGKILL at a random moment.
//!
//! It ends with one line
//! `chaos: visits=V kills=K points=P faults=F charges=C sales=S refunds=R duplicates=D lost=L`
//! (P = distinct named crash points killed at) and exits 0 only when D = 0,
//! L = 0 and every invariant holds.
//!
//! One binary, three roles (`RXDESK_CHAOS_ROLE`): the orchestrator (default),
//! `emulator` and `counter`; the orchestrator re-executes itself for the
//! other two, so the counter can be killed without touching the emulator.
//! Run it with `scripts/chaos [--visits N] [--kills K] [--seed S]
//! [--duplicates replay|reject] [--keep DIR]`; under a plain `cargo test` it
//! only says how to run it (it takes minutes).

use rxdesk_app::operators::DEMO_PHARMACIST_EC_TOKEN;
use rxdesk_app::uploader::CenterUploader;
use rxdesk_app::visit::{IdMethod, RefundIdentity, Tender, VisitService, VisitView};
use rxdesk_app::{Counter, DataDir, Settings};
use rxdesk_center::Operator;
use rxdesk_core::codes::AuditResult;
use rxdesk_store::sync::{self, SyncConfig};
use rxdesk_store::Session;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ROLE: &str = "RXDESK_CHAOS_ROLE";
const AMOX: &str = "XJ01CAA040A001010100001";
const AMOX_ID: &str = "YP000001";
const BATCH: &str = "CHAOS-AMX-01";
const TERMINAL: u32 = 3;
/// Base fault rates at every center call (the emulator's dice).
const BASE_FAULTS: [(&str, f64); 4] = [
    ("error_rate", 0.03),
    ("reset_before_rate", 0.03),
    ("reset_after_rate", 0.03),
    ("malformed_rate", 0.01),
];

fn main() -> ExitCode {
    match std::env::var(ROLE).as_deref() {
        Ok("emulator") => emulator_main(),
        Ok("counter") => match counter_main() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("chaos counter: fatal: {e}");
                ExitCode::from(3)
            }
        },
        _ => orchestrator_main(),
    }
}

// ------------------------------------------------------------------ shared

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

async fn http(method: &str, url: &str, body: Option<&Value>) -> Result<Value, String> {
    let c = reqwest::Client::new();
    let r = match method {
        "GET" => c.get(url),
        "DELETE" => c.delete(url),
        _ => c.post(url),
    };
    let r = match body {
        Some(b) => r.body(serde_json::to_vec(b).unwrap_or_default()),
        None => r,
    };
    let r = r.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = r.status();
    let bytes = r.bytes().await.map_err(|e| format!("{url}: {e}"))?;
    if !status.is_success() {
        return Err(format!(
            "{url}: HTTP {status}: {}",
            String::from_utf8_lossy(&bytes)
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("{url}: not JSON: {e}"))
}

fn base_faults(seed: u64) -> Value {
    let mut f = serde_json::Map::new();
    for (k, v) in BASE_FAULTS {
        f.insert(k.into(), json!(v));
    }
    f.insert("latency_ms".into(), json!(1));
    f.insert("seed".into(), json!(seed));
    Value::Object(f)
}

fn settings(url: &str) -> Settings {
    Settings {
        center_url: Some(url.to_string()),
        demo_mode: true,
        terminal_no: Some(TERMINAL),
        ..Settings::default()
    }
}

fn amox_trace_prefix() -> String {
    rxdesk_demo::catalogue::emulator_products()
        .into_iter()
        .find(|p| p.med_list_codg == AMOX)
        .map(|p| p.trace_prefix)
        .expect("amoxicillin in the emulator catalogue")
}

// ------------------------------------------------------------------ emulator role

fn emulator_main() -> ExitCode {
    let duplicates = match std::env::var("RXDESK_CHAOS_DUPLICATES").as_deref() {
        Ok("reject") => rxdesk_center_sim::dedupe::DuplicateMsgid::Reject,
        _ => rxdesk_center_sim::dedupe::DuplicateMsgid::Replay,
    };
    rt().block_on(async move {
        let h = match rxdesk_center_sim::serve(rxdesk_center_sim::SimConfig {
            duplicates,
            ..Default::default()
        })
        .await
        {
            Ok(h) => h,
            Err(e) => {
                eprintln!("chaos emulator: {e}");
                return ExitCode::from(2);
            }
        };
        println!("listening on {}", h.base_url());
        let _ = std::io::stdout().flush();
        // Until the orchestrator kills this process.
        std::future::pending::<()>().await;
        ExitCode::SUCCESS
    })
}

// ------------------------------------------------------------------ counter role

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Job {
    i: usize,
    /// `sale`, `uncertain` (the 2102 answer is lost on purpose) or `refund`.
    kind: String,
    psn_no: String,
    ec_token: String,
}

struct Ctx {
    url: String,
    dir: PathBuf,
    s: Session,
    boss: Session,
    seed: u64,
}

fn append_progress(dir: &Path, line: &str) -> Result<(), String> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("progress.log"))
        .map_err(|e| e.to_string())?;
    writeln!(f, "{line}").map_err(|e| e.to_string())?;
    f.sync_all().map_err(|e| e.to_string())
}

fn read_progress(dir: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(dir.join("progress.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .filter(|v: &Vec<String>| !v.is_empty())
        .collect()
}

/// A durable counter (trace-code serials survive kills).
fn next_serial(dir: &Path) -> Result<u64, String> {
    let p = dir.join("serial");
    let n: u64 = std::fs::read_to_string(&p)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
        + 1;
    let tmp = dir.join("serial.tmp");
    {
        let mut f = std::fs::File::create(&tmp).map_err(|e| e.to_string())?;
        write!(f, "{n}").map_err(|e| e.to_string())?;
        f.sync_all().map_err(|e| e.to_string())?;
    }
    std::fs::rename(&tmp, &p).map_err(|e| e.to_string())?;
    Ok(n)
}

enum Done {
    Sold(i64),
    Refunded(i64),
    Abandoned(String),
}

macro_rules! step {
    ($what:expr, $e:expr) => {{
        let mut tries = 0u32;
        loop {
            match $e.await {
                Ok(v) => break Ok(v),
                Err(err) => {
                    tries += 1;
                    if tries >= 5 {
                        break Err(format!("{}: {} {}", $what, err.code(), err.message_zh()));
                    }
                    tokio::time::sleep(Duration::from_millis(150 * u64::from(tries))).await;
                }
            }
        }
    }};
}

async fn resolve_until_done(visits: &VisitService, s: &Session) -> Result<(), String> {
    for k in 0..60u64 {
        match visits.resolve_uncertain(s).await {
            Ok(_) => return Ok(()),
            Err(e) if e.code() == "NOT_UNCERTAIN" || e.code() == "NO_VISIT" => return Ok(()),
            Err(_) => tokio::time::sleep(Duration::from_millis(200 + 50 * k)).await,
        }
    }
    Err("uncertain settlement could not be resolved in time".into())
}

async fn finish_recovered(visits: &VisitService, s: &Session) -> Result<(), String> {
    let v = visits.current().await.ok_or("no restored visit")?;
    let cash = v
        .split
        .as_ref()
        .map(|x| x.cash_pay.clone())
        .unwrap_or_default();
    if cash != "0.00" && !cash.is_empty() {
        // Already paid before the kill: the service says so; complete anyway.
        let _ = visits
            .pay(s, Tender::parse("cash", Some("1000.00"), None).unwrap())
            .await;
    }
    visits
        .complete(s)
        .await
        .map(|_| ())
        .map_err(|e| format!("finish restored visit: {} {}", e.code(), e.message_zh()))
}

async fn start_visit(visits: &VisitService, s: &Session) -> Result<VisitView, String> {
    for _ in 0..20 {
        match visits.start(s).await {
            Ok(v) => return Ok(v),
            Err(e) if e.code() == "VISIT_SETTLEMENT_UNCERTAIN" => {
                resolve_until_done(visits, s).await?;
            }
            // A visit settled before a kill but not completed is restored at
            // start-up and must be finished first, as the cashier would: take
            // the self-paid part (if still due) and complete the sale from the
            // settled figures.
            Err(e) if e.code() == "VISIT_SETTLED_NOT_COMPLETED" => {
                finish_recovered(visits, s).await?;
            }
            Err(e) => {
                let cur = visits.current().await.map(|v| v.state);
                if cur.as_deref() == Some("settlement_uncertain") {
                    resolve_until_done(visits, s).await?;
                } else {
                    return Err(format!("start: {} {}", e.code(), e.message_zh()));
                }
            }
        }
    }
    Err("start: gave up".into())
}

async fn sale_visit(
    ctx: &Ctx,
    visits: &VisitService,
    job: &Job,
    prefix: &str,
) -> Result<Done, String> {
    let s = &ctx.s;
    let serial = next_serial(&ctx.dir)?;
    let label = format!("chaos-{}-{serial}", job.i);
    http(
        "POST",
        &format!("{}/admin/prescriptions", ctx.url),
        Some(&json!({"hospital": "H11010100001", "psn_no": job.psn_no, "lines": [[AMOX, 1]],
            "valid_days": 7, "rept_flag": false, "max_rept_cnt": 0, "diag_name": label, "label": label})),
    )
    .await?;
    start_visit(visits, s).await?;
    let v: VisitView = match step!(
        "identify",
        visits.identify(s, IdMethod::EVoucher, &job.ec_token, None, None)
    ) {
        Ok(v) => v,
        Err(e) => return Ok(Done::Abandoned(e)),
    };
    let Some(auth) = v
        .listed
        .iter()
        .find(|r| r.diag_name == label)
        .map(|r| r.auth_rxno.clone())
    else {
        return Ok(Done::Abandoned(format!("{label} not listed")));
    };
    let v = match step!("open", visits.open(s, &auth)) {
        Ok(v) => v,
        Err(e) => return Ok(Done::Abandoned(e)),
    };
    if v.state != "rules_checked" {
        return Ok(Done::Abandoned(format!(
            "opened into {} {}",
            v.state,
            v.closed_reason_zh.unwrap_or_default()
        )));
    }
    if let Err(e) = step!(
        "audit",
        visits.audit(
            s,
            AuditResult::Approved,
            "处方用药合理，同意调配",
            DEMO_PHARMACIST_EC_TOKEN,
            None
        )
    ) {
        return Ok(Done::Abandoned(e));
    }
    let trace = format!("{prefix}{:09}{:04}", 300_000_000 + serial, serial % 10_000);
    let o = visits
        .scan(s, &trace)
        .await
        .map_err(|e| format!("scan: {} {}", e.code(), e.message_zh()))?;
    if !o.ok {
        return Ok(Done::Abandoned(format!("scan {trace}: {}", o.code)));
    }
    if let Err(e) = step!("finish", visits.finish_dispensing(s)) {
        return Ok(Done::Abandoned(e));
    }
    let mut settled: Option<VisitView> = None;
    for round in 0..6 {
        if let Err(e) = step!("pre_settle", visits.pre_settle(s)) {
            return Ok(Done::Abandoned(e));
        }
        let forced = job.kind == "uncertain" && round == 0;
        let faults_url = format!("{}/admin/faults", ctx.url);
        if forced {
            // The 2102 is applied and its answer lost: a real uncertain settlement.
            http(
                "POST",
                &faults_url,
                Some(&json!({"reset_after_rate": 1.0, "seed": ctx.seed})),
            )
            .await?;
        }
        let r = visits.settle(s).await;
        if forced {
            http("POST", &faults_url, Some(&base_faults(ctx.seed + 1))).await?;
        }
        match r {
            Ok(v) if v.state == "settled" => {
                settled = Some(v);
                break;
            }
            Ok(v) if v.state == "settlement_uncertain" => {
                resolve_until_done(visits, s).await?;
            }
            Ok(_) => {}
            Err(_) => {
                let cur = visits.current().await.map(|v| v.state);
                if cur.as_deref() == Some("settlement_uncertain") {
                    resolve_until_done(visits, s).await?;
                }
            }
        }
    }
    let Some(v) = settled else {
        let _ = visits.cancel(s).await;
        return Ok(Done::Abandoned("not settled after 6 rounds".into()));
    };
    let cash = v
        .split
        .as_ref()
        .map(|x| x.cash_pay.clone())
        .unwrap_or_default();
    if cash != "0.00" && !cash.is_empty() {
        step!(
            "pay",
            visits.pay(s, Tender::parse("cash", Some("1000.00"), None).unwrap())
        )?;
    }
    let v = step!("complete", visits.complete(s))?;
    let sale = v.sale.ok_or("complete without a sale")?;
    Ok(Done::Sold(sale.sale_id))
}

async fn refund_job(ctx: &Ctx, visits: &VisitService) -> Result<Done, String> {
    let progress = read_progress(&ctx.dir);
    let refunded: HashSet<i64> = progress
        .iter()
        .filter(|l| l.get(1).map(String::as_str) == Some("refunded"))
        .filter_map(|l| l.get(2).and_then(|x| x.parse().ok()))
        .collect();
    // A sold line is `i sold SALE_ID EC_TOKEN`: the refund identifies the
    // patient again with the e-voucher used at the sale.
    let candidate = progress
        .iter()
        .filter(|l| l.get(1).map(String::as_str) == Some("sold"))
        .filter_map(|l| {
            let id = l.get(2).and_then(|x| x.parse::<i64>().ok())?;
            Some((id, l.get(3).cloned().unwrap_or_default()))
        })
        .find(|(id, _)| !refunded.contains(id));
    let Some((sale_id, ec_token)) = candidate else {
        return Ok(Done::Abandoned("nothing to refund".into()));
    };
    let identity = RefundIdentity {
        method: "e_voucher".into(),
        code: ec_token,
    };
    match visits
        .refund(&ctx.boss, sale_id, "chaos 退费测试", Some(identity))
        .await
    {
        Ok(_) => Ok(Done::Refunded(sale_id)),
        // Refunded by a run that was killed before it wrote its progress.
        Err(e) if e.code() == "ALREADY_REFUNDED" => Ok(Done::Refunded(sale_id)),
        Err(e) => Ok(Done::Abandoned(format!(
            "refund: {} {}",
            e.code(),
            e.message_zh()
        ))),
    }
}

/// The clean last run, as the pharmacist told "请稍后再次点击退费" would: every
/// refund a fault or a kill left unfinished (`refund_journal`: the 2103's
/// answer lost, or cut off mid-way) is asked again with the patient's
/// e-voucher of the sale; the service queries before it resends, so the
/// center reverses nothing twice. Without this a refund whose 2103 did reach
/// the center stays half-done in the ledger, and the books disagree.
async fn resume_refunds(
    ctx: &Ctx,
    visits: &VisitService,
    store: &rxdesk_store::Store,
) -> Result<(), String> {
    let tokens: HashMap<i64, String> = read_progress(&ctx.dir)
        .iter()
        .filter(|l| l.get(1).map(String::as_str) == Some("sold"))
        .filter_map(|l| Some((l.get(2)?.parse().ok()?, l.get(3)?.clone())))
        .collect();
    for row in store.unfinished_refunds().map_err(|e| e.to_string())? {
        let identity = tokens.get(&row.sale_id).map(|code| RefundIdentity {
            method: "e_voucher".into(),
            code: code.clone(),
        });
        let line = match visits
            .refund(&ctx.boss, row.sale_id, "chaos 退费测试", identity)
            .await
        {
            Ok(_) => format!("resumed refunded {}", row.sale_id),
            Err(e) if e.code() == "ALREADY_REFUNDED" => {
                format!("resumed refunded {}", row.sale_id)
            }
            Err(e) => {
                return Err(format!(
                    "the clean run could not finish the refund of sale {}: {} {}",
                    row.sale_id,
                    e.code(),
                    e.message_zh()
                ))
            }
        };
        append_progress(&ctx.dir, &line)?;
    }
    Ok(())
}

fn counter_main() -> Result<(), String> {
    let dir = PathBuf::from(std::env::var("RXDESK_CHAOS_DIR").map_err(|e| e.to_string())?);
    let url = std::env::var("RXDESK_CHAOS_URL").map_err(|e| e.to_string())?;
    let seed: u64 = std::env::var("RXDESK_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let final_run = std::env::var("RXDESK_CHAOS_FINAL").is_ok();
    let jobs: Vec<Job> = serde_json::from_slice(
        &std::fs::read(dir.join("jobs.json")).map_err(|e| format!("jobs: {e}"))?,
    )
    .map_err(|e| format!("jobs: {e}"))?;
    let data = DataDir::at(dir.join("data"));
    let st = settings(&url);
    let counter = Counter::open(&data, &st).map_err(|e| format!("counter: {e}"))?;
    counter
        .login("2001", "demo-pharmacist", Some("pharmacist"))
        .map_err(|e| format!("login: {e}"))?;
    let s = counter.session().map_err(|e| e.to_string())?;
    // A visit needs an open till shift (it survives the kills in the ledger).
    if counter
        .till()
        .current()
        .map_err(|e| e.to_string())?
        .is_none()
    {
        counter.till().open(&s, "0").map_err(|e| e.to_string())?;
    }
    let boss = counter
        .store()
        .login("3001", "demo-manager")
        .map_err(|e| e.to_string())?;
    let store = Arc::clone(counter.store());
    let visits = counter.visits().map_err(|e| e.to_string())?;
    // The 2601 "not found" safety window (120 s at a real counter) is short
    // here: the emulator applies a timed-out 2102 at once or never (no
    // late-landing fault in this harness; tests/money.rs covers that), and
    // the 5203 query is still asked before "not found" is believed.
    visits.set_settlement_safety_window(Duration::from_secs(3));
    let prefix = amox_trace_prefix();
    let ctx = Ctx {
        url: url.clone(),
        dir: dir.clone(),
        s: s.clone(),
        boss,
        seed,
    };
    rt().block_on(async {
        let client = rxdesk_app::manager::background_client(&data, &st)?;
        let up = Arc::new(CenterUploader::new(
            client,
            Operator::clerk("rxdesk-sync", "后台上传"),
        ));
        let cfg = SyncConfig {
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(800),
            probe_interval: Duration::from_millis(200),
            ..SyncConfig::default()
        };
        let worker =
            sync::spawn(Arc::clone(&store), up, cfg).map_err(|e| format!("worker: {e}"))?;
        // Whatever a kill left uncertain is resolved before the next visit.
        start_visit(visits, &s).await?;
        let _ = visits.cancel(&s).await;
        let mut shift = false;
        if !final_run {
            let done: HashSet<usize> = read_progress(&dir)
                .iter()
                .filter_map(|l| l.first().and_then(|x| x.parse().ok()))
                .collect();
            let max_jobs: usize = std::env::var("RXDESK_CHAOS_MAX_JOBS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(usize::MAX);
            for job in jobs.iter().filter(|j| !done.contains(&j.i)).take(max_jobs) {
                if !shift && job.kind != "refund" {
                    step!(
                        "shift_start",
                        visits.shift_start(&s, DEMO_PHARMACIST_EC_TOKEN)
                    )?;
                    shift = true;
                }
                let outcome = if job.kind == "refund" {
                    refund_job(&ctx, visits).await?
                } else {
                    sale_visit(&ctx, visits, job, &prefix).await?
                };
                let line = match outcome {
                    Done::Sold(id) => format!("{} sold {id} {}", job.i, job.ec_token),
                    Done::Refunded(id) => format!("{} refunded {id}", job.i),
                    Done::Abandoned(why) => {
                        let _ = visits.cancel(&s).await;
                        format!(
                            "{} abandoned {}",
                            job.i,
                            why.replace(char::is_whitespace, "_")
                        )
                    }
                };
                append_progress(&dir, &line)?;
            }
        }
        if final_run {
            resume_refunds(&ctx, visits, &store).await?;
        }
        // Drain: every row done (or rejected, for a person), within a bound.
        let until = Instant::now() + Duration::from_secs(if final_run { 120 } else { 60 });
        loop {
            let q = store.queue_status().map_err(|e| e.to_string())?;
            if q.pending + q.sending + q.uncertain == 0 || Instant::now() > until {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        worker.shutdown().await.map_err(|e| e.to_string())?;
        Ok::<(), String>(())
    })?;
    drop(counter);
    Ok(())
}

// ------------------------------------------------------------------ orchestrator

struct Args {
    visits: usize,
    kills: usize,
    seed: u64,
    duplicates: String,
    keep: Option<PathBuf>,
}

fn parse_args() -> Option<Args> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let run = argv.iter().any(|a| a == "--chaos") || std::env::var("RXDESK_CHAOS").is_ok();
    if !run {
        return None;
    }
    let get = |k: &str| {
        argv.iter()
            .position(|a| a == k)
            .and_then(|i| argv.get(i + 1))
            .cloned()
    };
    Some(Args {
        visits: get("--visits").and_then(|v| v.parse().ok()).unwrap_or(40),
        kills: get("--kills").and_then(|v| v.parse().ok()).unwrap_or(10),
        seed: get("--seed").and_then(|v| v.parse().ok()).unwrap_or(2026),
        duplicates: get("--duplicates").unwrap_or_else(|| "replay".into()),
        // Relative to the repository (cargo runs the test in the crate's directory).
        keep: get("--keep").map(|d| {
            let d = PathBuf::from(d);
            if d.is_relative() {
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(d)
            } else {
                d
            }
        }),
    })
}

/// Tiny deterministic dice (SplitMix64).
struct Dice(u64);
impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn orchestrator_main() -> ExitCode {
    let Some(args) = parse_args() else {
        println!("chaos: not run (takes minutes): scripts/chaos [--visits N] [--kills K] runs it");
        return ExitCode::SUCCESS;
    };
    match orchestrate(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("chaos: harness error: {e}");
            println!(
                "chaos: visits={} kills=0 points=0 faults=0 charges=0 sales=0 refunds=0 duplicates=0 lost=0 (harness error)",
                args.visits
            );
            ExitCode::from(2)
        }
    }
}

struct Emulator {
    child: Child,
    url: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_emulator(work: &Path, duplicates: &str) -> Result<Emulator, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let log = std::fs::File::create(work.join("emulator.log")).map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .env(ROLE, "emulator")
        .env("RXDESK_CHAOS_DUPLICATES", duplicates)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("emulator: {e}"))?;
    let out = child.stdout.take().ok_or("emulator stdout")?;
    let mut line = String::new();
    std::io::BufReader::new(out)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .ok_or_else(|| format!("emulator said {line:?}"))?
        .to_string();
    Ok(Emulator { child, url })
}

/// Imports the catalogue and this run's stock once, before any counter runs
/// (so a kill never half-imports); returns the initial quantity per batch.
fn prepare_ledger(work: &Path, url: &str, ca_pem: &str) -> Result<HashMap<i64, i64>, String> {
    let data = DataDir::at(work.join("data"));
    data.ensure().map_err(|e| e.to_string())?;
    // The emulator's demo 医保 CA is the trust anchor of this counter.
    std::fs::write(data.trust().join("demo-ca.pem"), ca_pem).map_err(|e| e.to_string())?;
    let counter = Counter::open(&data, &settings(url)).map_err(|e| e.to_string())?;
    let boss = counter
        .store()
        .login("3001", "demo-manager")
        .map_err(|e| e.to_string())?;
    let cat = rxdesk_store::catalogue::catalogue_csv(&rxdesk_demo::catalogue::emulator_products());
    let r = counter
        .store()
        .import_catalogue_csv(&boss, cat.as_bytes())
        .map_err(|e| e.to_string())?;
    if !r.errors.is_empty() {
        return Err(format!("catalogue: {:?}", r.errors));
    }
    let stock = format!(
        "{}\r\n{AMOX_ID},{BATCH},C260101,2026-01-01,2029-12-31,100000,traced\r\n",
        rxdesk_store::catalogue::STOCK_COLUMNS.join(",")
    );
    let r = counter
        .store()
        .import_stock_csv(&boss, stock.as_bytes())
        .map_err(|e| e.to_string())?;
    if !r.errors.is_empty() {
        return Err(format!("stock: {:?}", r.errors));
    }
    // Only received boxes can be sold: the boxes the visits will scan
    // (`sale_visit`'s codes, one per serial) arrive through goods-in into
    // the same batch.
    let prefix = amox_trace_prefix();
    let boxes: Vec<String> = (0..=CHAOS_BOXES)
        .map(|serial| format!("{prefix}{:09}{:04}", 300_000_000 + serial, serial % 10_000))
        .collect();
    let doc = rxdesk_store::inventory::GoodsIn {
        supplier: "混沌测试供应商".into(),
        invoice_no: "CHAOS-1".into(),
        lines: vec![rxdesk_store::inventory::GoodsInLine {
            fixmedins_hilist_id: AMOX_ID.into(),
            manu_lotnum: "C260101".into(),
            manu_date: "2026-01-01".into(),
            expy_end: "2029-12-31".into(),
            boxes,
            ..Default::default()
        }],
        ..Default::default()
    };
    counter
        .store()
        .receive_goods(&boss, &doc)
        .map_err(|e| format!("goods-in: {e}"))?;
    drop(counter);
    let db = rusqlite::Connection::open(data.database()).map_err(|e| e.to_string())?;
    let mut st = db
        .prepare("SELECT id, qty_e4 FROM stock_batches")
        .map_err(|e| e.to_string())?;
    let rows = st
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
        .map_err(|e| e.to_string())?
        .collect::<Result<HashMap<_, _>, _>>()
        .map_err(|e| e.to_string())?;
    Ok(rows)
}

/// Boxes received for the visits to scan (serials 0..=this; a run uses far
/// fewer).
const CHAOS_BOXES: u64 = 5_000;

/// Jobs an armed counter launch does at most before it stops (and its
/// point goes back in the queue).
const ARMED_MAX_JOBS: usize = 6;

/// Jobs an unarmed counter launch does at most (then the next launch goes on).
const UNARMED_MAX_JOBS: usize = 15;

/// What a counter launch is armed with.
enum Plan<'a> {
    /// Nothing (the jobs are done, or the kill budget is spent).
    None,
    /// SIGKILL after this long.
    Sigkill(Duration),
    /// A named crash point, and how often it was armed before without being reached.
    Named(&'a str, u32),
}

/// The crash point that needs the state a kill at `p` leaves behind: a
/// visit left before settlement is closed at start-up; a visit killed between
/// 2102 and the sale is restored at start-up, then completed; an upload
/// killed mid-send is recovered as uncertain at start-up, then resolved.
fn follower(p: &str) -> Option<&'static str> {
    Some(match p {
        "visit_after_open" | "visit_after_audit" => "recovery_before_close_unsettled",
        "visit_after_2102_before_sale" | "visit_after_payment" => "recovery_after_restore_settled",
        "recovery_after_restore_settled" => "recovered_visit_before_complete",
        "upload_before_send" | "upload_after_send_before_record" => {
            "outbox_after_recover_interrupted"
        }
        "outbox_after_recover_interrupted" => "upload_before_resolve",
        "upload_before_resolve" => "upload_after_resolve_before_record",
        _ => return None,
    })
}

/// The crash point of a kill record (`name:1 (signal 6)`), or `sigkill`.
fn kill_point(k: &str) -> &str {
    if k.starts_with("sigkill") {
        return "sigkill";
    }
    k.split([':', ' ']).next().unwrap_or("")
}

enum Exit {
    Finished,
    Killed(String),
    Failed(String),
}

/// How one counter launch is run.
struct Launch<'a> {
    /// `RXDESK_CRASH_AT` for it.
    crash_at: Option<&'a str>,
    /// SIGKILL after this long.
    sigkill_after: Option<Duration>,
    /// Jobs it does at most.
    max_jobs: Option<usize>,
    /// The clean last run (no jobs: resolve and deliver what is left).
    final_run: bool,
}

fn run_counter(work: &Path, url: &str, seed: u64, n: usize, l: Launch<'_>) -> Result<Exit, String> {
    let Launch {
        crash_at,
        sigkill_after,
        max_jobs,
        final_run,
    } = l;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let log_path = work.join("logs").join(format!("counter-{n:03}.log"));
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(exe);
    cmd.env(ROLE, "counter")
        .env("RXDESK_CHAOS_DIR", work)
        .env("RXDESK_CHAOS_URL", url)
        .env("RXDESK_CHAOS_SEED", seed.to_string())
        .env("RUST_LOG", "warn")
        .env_remove(rxdesk_store::crashpoint::ENV)
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log);
    if let Some(p) = crash_at {
        cmd.env(rxdesk_store::crashpoint::ENV, p);
    }
    if final_run {
        cmd.env("RXDESK_CHAOS_FINAL", "1");
    }
    if let Some(n) = max_jobs {
        cmd.env("RXDESK_CHAOS_MAX_JOBS", n.to_string());
    }
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let limit = Duration::from_secs(600);
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            use std::os::unix::process::ExitStatusExt;
            return Ok(match (status.code(), status.signal()) {
                (Some(0), _) => Exit::Finished,
                (_, Some(sig)) => {
                    Exit::Killed(format!("{} (signal {sig})", crash_at.unwrap_or("sigkill")))
                }
                (Some(c), _) => Exit::Failed(format!("exit {c}: {}", tail(&log_path))),
                _ => Exit::Failed("no status".into()),
            });
        }
        if sigkill_after.is_some_and(|d| started.elapsed() >= d) || started.elapsed() > limit {
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
            if started.elapsed() > limit {
                return Ok(Exit::Failed(format!(
                    "hung for {limit:?}: {}",
                    tail(&log_path)
                )));
            }
            return Ok(Exit::Killed(format!(
                "sigkill@{}ms",
                sigkill_after.unwrap_or_default().as_millis()
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn tail(p: &Path) -> String {
    let t = std::fs::read_to_string(p).unwrap_or_default();
    let lines: Vec<&str> = t.lines().collect();
    lines[lines.len().saturating_sub(8)..].join(" | ")
}

fn orchestrate(args: &Args) -> Result<bool, String> {
    let tmp;
    let work = match &args.keep {
        Some(d) => {
            let _ = std::fs::remove_dir_all(d);
            std::fs::create_dir_all(d).map_err(|e| e.to_string())?;
            d.clone()
        }
        None => {
            tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
            tmp.path().to_path_buf()
        }
    };
    std::fs::create_dir_all(work.join("logs")).map_err(|e| e.to_string())?;
    check_crashpoints_in_source()?;
    let emu = spawn_emulator(&work, &args.duplicates)?;
    let url = emu.url.clone();
    let rt = rt();
    let persons = rt.block_on(http("GET", &format!("{url}/admin/persons"), None))?;
    let people: Vec<(String, String)> = persons
        .as_array()
        .ok_or("persons")?
        .iter()
        .filter(|p| p["ec_token"].as_str().is_some_and(|t| !t.is_empty()))
        .map(|p| {
            (
                p["psn_no"].as_str().unwrap_or_default().to_string(),
                p["ec_token"].as_str().unwrap_or_default().to_string(),
            )
        })
        .filter(|(psn, _)| psn == "PSN1101000003" || psn == "PSN1101000001")
        .collect();
    if people.is_empty() {
        return Err("no demo patient with an e-voucher".into());
    }
    let jobs: Vec<Job> = (0..args.visits)
        .map(|i| {
            let (psn_no, ec_token) = people[i % people.len()].clone();
            let kind = if i % 5 == 4 {
                "refund"
            } else if i % 5 == 2 {
                "uncertain"
            } else {
                "sale"
            };
            Job {
                i,
                kind: kind.into(),
                psn_no,
                ec_token,
            }
        })
        .collect();
    std::fs::write(
        work.join("jobs.json"),
        serde_json::to_vec(&jobs).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let ca = rt
        .block_on(async {
            reqwest::get(format!("{url}/admin/ca.pem"))
                .await?
                .text()
                .await
        })
        .map_err(|e| format!("CA: {e}"))?;
    let initial = prepare_ledger(&work, &url, &ca)?;
    rt.block_on(http(
        "POST",
        &format!("{url}/admin/faults"),
        Some(&base_faults(args.seed)),
    ))?;

    let mut dice = Dice(args.seed);
    let points = rxdesk_store::crashpoint::ALL;
    // The kill schedule: every named crash point once, in visit order from a
    // seed-chosen start (so a point that needs the state the previous kill
    // left — recovery after a kill between 2102 and the sale, resolution of
    // an upload killed mid-send — comes right after it); a point a launch
    // did not reach goes to the back of the queue (at most three tries);
    // then random points. Every fifth kill is a SIGKILL at a random moment.
    let start = (args.seed as usize) % points.len();
    let mut queue: VecDeque<(&str, u32)> = points[start..]
        .iter()
        .chain(points[..start].iter())
        .map(|p| (*p, 0))
        .collect();
    let mut kills: Vec<String> = Vec::new();
    let mut unreached: Vec<String> = Vec::new();
    let mut launch = 0usize;
    let mut chained = false;
    loop {
        let done = read_progress(&work).len();
        if done >= jobs.len() {
            break;
        }
        launch += 1;
        if launch > 4 * args.kills + jobs.len() / UNARMED_MAX_JOBS + 50 {
            return Err(format!("no progress after {launch} launches"));
        }
        let chain_now = std::mem::take(&mut chained);
        let plan = if kills.len() >= args.kills {
            Plan::None
        } else if (kills.len() + 1).is_multiple_of(5) && !chain_now {
            Plan::Sigkill(Duration::from_millis(500 + dice.below(4000)))
        } else if let Some((p, tries)) = queue.pop_front() {
            Plan::Named(p, tries)
        } else {
            Plan::Named(points[dice.below(points.len() as u64) as usize], 2)
        };
        let (crash, sigkill) = match &plan {
            Plan::None => (None, None),
            Plan::Sigkill(d) => (None, Some(*d)),
            // The first time the point is reached.
            Plan::Named(p, _) => (Some(format!("{p}:1")), None),
        };
        // A launch killed while it had forced a fault (the lost 2102 answer
        // of an `uncertain` job) must not leave it on for the next one.
        rt.block_on(http(
            "POST",
            &format!("{url}/admin/faults"),
            Some(&base_faults(args.seed + launch as u64)),
        ))?;
        // An armed launch does a few jobs at most, so a point it does not
        // reach costs a few visits, not the rest of the run; an unarmed one
        // does a bounded share (a loaded machine never meets the hang limit).
        let max_jobs = Some(if matches!(plan, Plan::None) {
            UNARMED_MAX_JOBS
        } else {
            ARMED_MAX_JOBS
        });
        match run_counter(
            &work,
            &url,
            args.seed + launch as u64,
            launch,
            Launch {
                crash_at: crash.as_deref(),
                sigkill_after: sigkill,
                max_jobs,
                final_run: false,
            },
        )? {
            Exit::Finished => {
                if let Plan::Named(p, tries) = plan {
                    if tries + 1 < 3 {
                        queue.push_back((p, tries + 1));
                    } else if !unreached.iter().any(|u| u == p) {
                        unreached.push(p.to_string());
                    }
                }
            }
            Exit::Killed(at) => {
                eprintln!("chaos: launch {launch}: killed at {at}");
                // The point that needs the state this kill left comes next
                // (no SIGKILL in between: it would use that state up).
                if let Some(f) = follower(kill_point(&at)) {
                    if let Some(i) = queue.iter().position(|(p, _)| *p == f) {
                        if let Some(item) = queue.remove(i) {
                            queue.push_front(item);
                            chained = true;
                        }
                    }
                }
                kills.push(at);
            }
            Exit::Failed(why) => return Err(format!("counter launch {launch}: {why}")),
        }
    }
    let reached: HashSet<&str> = kills.iter().map(|k| kill_point(k)).collect();
    unreached.extend(
        queue
            .iter()
            .map(|(p, _)| p.to_string())
            .filter(|p| !reached.contains(p.as_str())),
    );
    unreached.retain(|p| !reached.contains(p.as_str()));
    if !unreached.is_empty() {
        eprintln!(
            "chaos: crash points not killed at in this run ({}): {}",
            unreached.len(),
            unreached.join(" ")
        );
    }
    // A clean last run: no faults, no kills; resolve and deliver what is left.
    rt.block_on(http("DELETE", &format!("{url}/admin/faults"), None))?;
    let last = Launch {
        crash_at: None,
        sigkill_after: None,
        max_jobs: None,
        final_run: true,
    };
    match run_counter(&work, &url, args.seed, launch + 1, last)? {
        Exit::Finished => {}
        Exit::Killed(at) => return Err(format!("final run killed: {at}")),
        Exit::Failed(why) => return Err(format!("final run: {why}")),
    }
    let verdict = rt.block_on(check(&work, &url, &initial, &jobs, &kills))?;
    drop(emu);
    Ok(verdict)
}

/// Every name in `crashpoint::ALL` is a `crashpoint!("…")` somewhere in the
/// workspace sources (and no point is used that is not listed).
fn check_crashpoints_in_source() -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut used: HashMap<String, usize> = HashMap::new();
    for sub in ["crates/rxdesk-app/src", "crates/rxdesk-store/src"] {
        let mut stack = vec![root.join(sub)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))? {
                let p = e.map_err(|e| e.to_string())?.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&p).unwrap_or_default();
                    for part in text.split("crashpoint!(\"").skip(1) {
                        if let Some(name) = part.split('"').next() {
                            *used.entry(name.to_string()).or_default() += 1;
                        }
                    }
                }
            }
        }
    }
    // The macro's own doc/test mention one name.
    for p in rxdesk_store::crashpoint::ALL {
        if !used.contains_key(*p) {
            return Err(format!("crash point {p} is listed but never placed"));
        }
    }
    for name in used.keys() {
        if !rxdesk_store::crashpoint::ALL.contains(&name.as_str()) {
            return Err(format!("crash point {name} is placed but not listed"));
        }
    }
    Ok(())
}

async fn check(
    work: &Path,
    url: &str,
    initial: &HashMap<i64, i64>,
    jobs: &[Job],
    kills: &[String],
) -> Result<bool, String> {
    let books = http("GET", &format!("{url}/admin/books"), None).await?;
    let uploads = http("GET", &format!("{url}/admin/uploads"), None).await?;
    let stats = http("GET", &format!("{url}/admin/stats"), None).await?;
    let data = DataDir::at(work.join("data"));
    let db = rusqlite::Connection::open_with_flags(
        data.database(),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .map_err(|e| e.to_string())?;
    let q = |sql: &str| -> Result<Vec<Vec<Value>>, String> {
        let mut st = db.prepare(sql).map_err(|e| format!("{sql}: {e}"))?;
        let n = st.column_count();
        let rows = st
            .query_map([], |r| {
                (0..n)
                    .map(|i| {
                        let v: rusqlite::types::Value = r.get(i)?;
                        Ok(match v {
                            rusqlite::types::Value::Integer(x) => json!(x),
                            rusqlite::types::Value::Text(t) => json!(t),
                            rusqlite::types::Value::Null => Value::Null,
                            rusqlite::types::Value::Real(f) => json!(f),
                            rusqlite::types::Value::Blob(_) => json!("<blob>"),
                        })
                    })
                    .collect::<Result<Vec<Value>, rusqlite::Error>>()
            })
            .map_err(|e| e.to_string())?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        Ok(rows)
    };
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut problems: Vec<String> = Vec::new();
    let mut dup = 0usize;
    let mut lost = 0usize;

    // ---- the center's books
    let ops = |op: &str| -> Vec<Value> {
        uploads
            .as_array()
            .map(|a| a.iter().filter(|u| u["op"] == op).cloned().collect())
            .unwrap_or_default()
    };
    let reversed_by_2601: HashSet<String> = ops("2601")
        .iter()
        .map(|u| s(&u["input"]["data"]["omsgid"]))
        .collect();
    let mut refunds_at_center: HashMap<String, usize> = HashMap::new();
    for u in ops("2103") {
        *refunds_at_center
            .entry(s(&u["input"]["data"]["setl_id"]))
            .or_default() += 1;
    }
    let settlements = books["settlements"].as_array().cloned().unwrap_or_default();
    // A charge: a settlement the center holds that 2601 did not undo.
    let charges: Vec<&Value> = settlements
        .iter()
        .filter(|x| !reversed_by_2601.contains(&s(&x["msgid"])))
        .collect();
    // ---- the ledger
    let sales = q("SELECT s.id, s.state, st.setl_id, s.rtal_docno FROM sales s
                   JOIN settlements st ON st.sale_id = s.id")?;
    let mut sales_by_setl: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for r in &sales {
        sales_by_setl
            .entry(s(&r[2]))
            .or_default()
            .push((r[0].as_i64().unwrap_or(0), s(&r[1])));
    }
    let charge_ids: HashSet<String> = charges.iter().map(|c| s(&c["setl_id"])).collect();
    for c in &charges {
        let id = s(&c["setl_id"]);
        match sales_by_setl.get(&id).map(Vec::len).unwrap_or(0) {
            1 => {}
            0 => {
                lost += 1;
                problems.push(format!(
                    "charge {id} (2102 msgid {}, rx {}) has no sale in the ledger",
                    s(&c["msgid"]),
                    c["rxnos"]
                ));
            }
            n => {
                dup += n - 1;
                problems.push(format!("charge {id} has {n} sales"));
            }
        }
    }
    for (id, v) in &sales_by_setl {
        if !charge_ids.contains(id) {
            problems.push(format!(
                "sale(s) {v:?} with settlement {id} unknown to the center"
            ));
        }
    }
    // No prescription charged twice (a refunded charge still counts once).
    let mut per_rx: BTreeMap<String, usize> = BTreeMap::new();
    for c in &charges {
        for rx in c["rxnos"].as_array().cloned().unwrap_or_default() {
            *per_rx.entry(s(&rx)).or_default() += 1;
        }
    }
    for (rx, n) in &per_rx {
        if *n > 1 {
            dup += n - 1;
            problems.push(format!("prescription {rx} charged {n} times"));
        }
    }
    // Refunds: each refunded sale reversed exactly once; nothing else reversed.
    let mut ledger_refunds = 0usize;
    for (id, v) in &sales_by_setl {
        let refunded = v.iter().any(|(_, st)| st == "refunded");
        let at_center = refunds_at_center.get(id).copied().unwrap_or(0);
        if refunded {
            ledger_refunds += 1;
            if at_center == 0 {
                lost += 1;
                problems.push(format!(
                    "refund of {id} never reversed at the center (2103)"
                ));
            } else if at_center > 1 {
                dup += at_center - 1;
                problems.push(format!("refund of {id} reversed {at_center} times"));
            }
        } else if at_center > 0 {
            dup += at_center;
            problems.push(format!(
                "{id} reversed at the center but not refunded in the ledger"
            ));
        }
    }
    // The clean last run finished every refund it could ask again.
    for r in q("SELECT sale_id, step FROM refund_journal WHERE step NOT IN ('done', 'failed')")? {
        lost += 1;
        problems.push(format!(
            "refund of sale {} left unfinished at step {}",
            r[0],
            s(&r[1])
        ));
    }
    // Uploads: every 3505/3506/7206/7208 row delivered exactly once.
    let rows = q(
        "SELECT id, msgid, op, state, coalesce(reject_code, ''), coalesce(last_error, '')
                  FROM uploads WHERE op IN ('3505', '3506', '7206', '7208')",
    )?;
    let mut center_by_msgid: HashMap<String, usize> = HashMap::new();
    for u in uploads.as_array().cloned().unwrap_or_default() {
        *center_by_msgid.entry(s(&u["msgid"])).or_default() += 1;
    }
    let ledger_msgids: HashSet<String> = rows.iter().map(|r| s(&r[1])).collect();
    for r in &rows {
        let (msgid, op, state) = (s(&r[1]), s(&r[2]), s(&r[3]));
        let n = center_by_msgid.get(&msgid).copied().unwrap_or(0);
        if state != "done" || n == 0 {
            lost += 1;
            problems.push(format!(
                "{op} row {} ({msgid}) is {state} {} {}, at the center {n}×",
                r[0],
                s(&r[4]),
                s(&r[5])
            ));
        } else if n > 1 {
            dup += n - 1;
            problems.push(format!("{op} {msgid} applied {n} times"));
        }
    }
    for op in ["3505", "3506", "7206", "7208"] {
        for u in ops(op) {
            if !ledger_msgids.contains(&s(&u["msgid"])) {
                dup += 1;
                problems.push(format!(
                    "{op} {} at the center has no ledger row",
                    s(&u["msgid"])
                ));
            }
        }
    }
    // Business-level duplicates: one 7206 per settlement, one 3505 per box.
    let mut per_setl: HashMap<String, usize> = HashMap::new();
    for u in ops("7206") {
        *per_setl
            .entry(s(&u["input"]["data"]["setl_id"]))
            .or_default() += 1;
    }
    for (k, n) in per_setl {
        if n > 1 {
            dup += n - 1;
            problems.push(format!("7206 for {k} applied {n} times"));
        }
    }
    // Stock: each batch = initial − what completed (not refunded) sales took.
    let stock = q("SELECT b.id, b.qty_e4,
                   coalesce((SELECT sum(l.qty_e4) FROM sale_lines l JOIN sales s ON s.id = l.sale_id
                             WHERE l.batch_id = b.id AND s.state = 'completed'), 0)
                   FROM stock_batches b")?;
    for r in &stock {
        let (id, qty, sold) = (
            r[0].as_i64().unwrap_or(0),
            r[1].as_i64().unwrap_or(0),
            r[2].as_i64().unwrap_or(0),
        );
        let start = initial.get(&id).copied().unwrap_or(0);
        if qty != start - sold {
            problems.push(format!(
                "batch {id}: stock {qty} ≠ initial {start} − sold {sold} (×10⁻⁴ packs)"
            ));
        }
    }
    // Trace codes: sold in the ledger ⇔ sold at the center.
    let ledger_codes: HashSet<String> = q("SELECT code FROM trace_codes WHERE returned = 0")?
        .iter()
        .map(|r| s(&r[0]))
        .collect();
    let prefix = amox_trace_prefix();
    let center_codes: HashSet<String> = books["sold_codes"]
        .as_object()
        .map(|m| {
            m.keys()
                .filter(|k| k.starts_with(&prefix))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    for c in ledger_codes.difference(&center_codes) {
        problems.push(format!(
            "trace code {c} sold in the ledger, not at the center"
        ));
    }
    for c in center_codes.difference(&ledger_codes) {
        problems.push(format!(
            "trace code {c} sold at the center, not in the ledger"
        ));
    }
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if integrity != "ok" {
        problems.push(format!("integrity_check: {integrity}"));
    }

    let faults: u64 = stats["faults_injected"]
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    let progress = read_progress(work);
    let abandoned: Vec<String> = progress
        .iter()
        .filter(|l| l.get(1).map(String::as_str) == Some("abandoned"))
        .map(|l| l.join(" "))
        .collect();
    let distinct: HashSet<&str> = kills
        .iter()
        .map(|k| kill_point(k))
        .filter(|k| *k != "sigkill")
        .collect();
    let sigkills = kills.iter().filter(|k| kill_point(k) == "sigkill").count();
    let mut names: Vec<&str> = distinct.iter().copied().collect();
    names.sort_unstable();
    eprintln!(
        "chaos: {} launches killed at {} distinct crash points + {} SIGKILLs; {} visits abandoned",
        kills.len(),
        distinct.len(),
        sigkills,
        abandoned.len()
    );
    eprintln!("chaos: killed at: {}", names.join(" "));
    for a in abandoned.iter().take(10) {
        eprintln!("chaos: abandoned: {a}");
    }
    for p in &problems {
        eprintln!("chaos: INVARIANT: {p}");
    }
    println!(
        "chaos: visits={} kills={} points={} faults={} charges={} sales={} refunds={} duplicates={} lost={}",
        jobs.len(),
        kills.len(),
        distinct.len(),
        faults,
        charges.len(),
        sales.len(),
        ledger_refunds,
        dup,
        lost
    );
    Ok(problems.is_empty() && dup == 0 && lost == 0)
}
