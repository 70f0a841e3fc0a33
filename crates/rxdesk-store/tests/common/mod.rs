//! Shared fixtures: a ledger with operators, a drug and stock, and an
//! in-process fake center that injects every failure class.
#![allow(dead_code)]

use rust_decimal_macros::dec;
use rxdesk_store::ledger::{
    AuditDecision, DownloadedPrescription, NewBatch, NewDrug, NewSale, NewSaleLine, Verdict,
};
use rxdesk_store::operators::NewOperator;
use rxdesk_store::outbox::UploadRequest;
use rxdesk_store::sync::{Resolution, SendOutcome, Uploader};
use rxdesk_store::{Role, Session, Store};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub boss: Session,
    pub pharmacist: Session,
    pub cashier: Session,
    pub batch: i64,
}

struct Template {
    dir: tempfile::TempDir,
    boss: Session,
    pharmacist: Session,
    cashier: Session,
    batch: i64,
}

static TEMPLATE: std::sync::OnceLock<Template> = std::sync::OnceLock::new();

/// A fresh ledger per test, copied from one template (argon2id hashing of
/// the operators' passwords is deliberately slow, so it is done once).
pub fn fixture() -> Fixture {
    let t = TEMPLATE.get_or_init(|| {
        let f = build_fixture();
        let (boss, pharmacist, cashier, batch) = (f.boss, f.pharmacist, f.cashier, f.batch);
        drop(f.store); // last connection: checkpoints the WAL into the file
        Template {
            dir: f.dir,
            boss,
            pharmacist,
            cashier,
            batch,
        }
    });
    let dir = tempfile::tempdir().unwrap();
    for name in ["ledger.sqlite3", "ledger.sqlite3.key"] {
        std::fs::copy(t.dir.path().join(name), dir.path().join(name)).unwrap();
    }
    let store = Store::open(dir.path().join("ledger.sqlite3")).unwrap();
    Fixture {
        dir,
        store,
        boss: t.boss.clone(),
        pharmacist: t.pharmacist.clone(),
        cashier: t.cashier.clone(),
        batch: t.batch,
    }
}

fn build_fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("ledger.sqlite3")).unwrap();
    store.set_institution("P44030500001", "康宁大药房").unwrap();
    let op = |login: &str, role, name: &str| NewOperator {
        login: login.into(),
        display_name: name.into(),
        role,
        password: format!("{login}-password"),
        cert_type: Some("01".into()),
        certno: Some("440305198001011234".into()),
        prac_cert_no: Some("ZY2026001".into()),
    };
    store
        .create_operator(None, &op("boss", Role::Manager, "王店长"))
        .unwrap();
    let boss = store.login("boss", "boss-password").unwrap();
    store
        .create_operator(Some(&boss), &op("pharm", Role::Pharmacist, "李药师"))
        .unwrap();
    store
        .create_operator(Some(&boss), &op("cash", Role::Cashier, "赵收银"))
        .unwrap();
    let pharmacist = store.login("pharm", "pharm-password").unwrap();
    let cashier = store.login("cash", "cash-password").unwrap();
    let drug = store
        .add_drug(
            &boss,
            &NewDrug {
                fixmedins_hilist_id: "YP0001".into(),
                med_list_codg: "XA10BAE054A001010101445".into(),
                name: "二甲双胍缓释片".into(),
                genname: "盐酸二甲双胍".into(),
                dosform: "缓释片".into(),
                spec: "0.5g*30片".into(),
                unit: "盒".into(),
                prdr_name: "某制药".into(),
                aprvno: "国药准字H20023370".into(),
                rx_flag: "1".into(),
                price: rxdesk_core::Price::from_str("12.5").unwrap(),
            },
        )
        .unwrap();
    let batch = store
        .add_batch(
            &boss,
            &NewBatch {
                drug_id: drug,
                fixmedins_bchno: "B0001".into(),
                manu_lotnum: "L2026".into(),
                manu_date: "2026-01-01".into(),
                expy_end: "2099-12-31".into(),
                quantity: dec!(100000),
            },
        )
        .unwrap();
    Fixture {
        dir,
        store,
        boss,
        pharmacist,
        cashier,
        batch,
    }
}

/// A 20-digit trace code unique per `n`.
pub fn trace(n: u64) -> String {
    format!("8{n:019}")
}

pub fn otc_sale(f: &Fixture, n: u64) -> NewSale {
    otc_sale_from(f.batch, n)
}

/// A one-line cash sale from `batch` with trace code `trace(n)`.
pub fn otc_sale_from(batch: i64, n: u64) -> NewSale {
    NewSale {
        prescription_id: None,
        lines: vec![NewSaleLine {
            batch_id: batch,
            quantity: dec!(1),
            price: None,
            split: false,
            trace_codes: vec![trace(n)],
        }],
        settlement: None,
        doctor_name: String::new(),
        hi_feesetl_type: "1".into(),
    }
}

/// Downloads, verifies and audits (passed) a prescription; returns its id.
pub fn approved_rx(f: &Fixture, hi_rxno: &str) -> i64 {
    let rx = f
        .store
        .record_prescription(
            &f.cashier,
            &DownloadedPrescription {
                hi_rxno: hi_rxno.into(),
                fixmedins_code: "H44030500009".into(),
                download_ide_code: "tok-123".into(),
                raw_payload: json!({"hi_rxno": hi_rxno, "psn_name": "张三"}).to_string(),
                sign_digest: Some("MIIB".into()),
                sign_cert_sn: Some("01AB".into()),
                sign_cert_dn: Some("CN=某医院".into()),
                patient_name: "张三".into(),
                patient_certno: "110101199003078888".into(),
            },
        )
        .unwrap();
    f.store
        .record_verdict(
            rx,
            &Verdict {
                valid: true,
                reason: "ok".into(),
                signer_dn: None,
                signer_sn: None,
                warnings: Vec::new(),
            },
        )
        .unwrap();
    f.store
        .record_audit(
            &f.pharmacist,
            &AuditDecision {
                prescription_id: rx,
                status_code: "1".into(),
                opinion: "合理".into(),
                reviewer_id: None,
            },
        )
        .unwrap();
    rx
}

/// One injected behaviour for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 5xx before processing: not applied.
    Transient,
    /// Connection reset before the center applied it: uncertain, not applied.
    ResetBefore,
    /// Connection reset after the center applied it: uncertain, applied.
    ResetAfter,
    /// Business refusal.
    Reject,
}

#[derive(Default)]
pub struct FakeState {
    pub online: bool,
    /// Scripted faults per op, consumed in order.
    pub script: HashMap<String, VecDeque<Fault>>,
    /// msgid → (row id, chain, op), in application order.
    pub applied: Vec<(String, i64, String, String)>,
    pub applied_ids: HashSet<String>,
    pub rejected: HashMap<String, String>,
    pub sends: HashMap<String, u32>,
    pub duplicates: u32,
    pub resolves: u32,
    pub inflight: usize,
    pub max_inflight: usize,
    pub probes: u32,
}

/// An in-process center: idempotent by msgid like the real one.
pub struct FakeCenter {
    pub state: Mutex<FakeState>,
    pub latency: Duration,
}

impl FakeCenter {
    pub fn new(latency: Duration) -> Self {
        Self {
            state: Mutex::new(FakeState {
                online: true,
                ..Default::default()
            }),
            latency,
        }
    }
    pub fn script(&self, op: &str, faults: &[Fault]) {
        self.state
            .lock()
            .unwrap()
            .script
            .entry(op.into())
            .or_default()
            .extend(faults.iter().copied());
    }
    pub fn set_online(&self, on: bool) {
        self.state.lock().unwrap().online = on;
    }
    pub fn applied_count(&self) -> usize {
        self.state.lock().unwrap().applied.len()
    }
}

fn ack(msgid: &str) -> Value {
    json!({"infcode": 0, "inf_refmsgid": format!("ref-{msgid}")})
}

impl Uploader for FakeCenter {
    async fn send(&self, req: &UploadRequest) -> SendOutcome {
        {
            let mut s = self.state.lock().unwrap();
            *s.sends.entry(req.msgid.clone()).or_default() += 1;
            s.inflight += 1;
            s.max_inflight = s.max_inflight.max(s.inflight);
        }
        tokio::time::sleep(self.latency).await;
        let mut s = self.state.lock().unwrap();
        s.inflight -= 1;
        if !s.online {
            return SendOutcome::Transient("connection refused".into());
        }
        if s.applied_ids.contains(&req.msgid) {
            s.duplicates += 1;
            return SendOutcome::Accepted(ack(&req.msgid));
        }
        if let Some(m) = s.rejected.get(&req.msgid) {
            return SendOutcome::Rejected {
                code: "-1".into(),
                message: m.clone(),
            };
        }
        let fault = s.script.get_mut(&req.op).and_then(|q| q.pop_front());
        let apply = |s: &mut FakeState| {
            s.applied_ids.insert(req.msgid.clone());
            s.applied.push((
                req.msgid.clone(),
                req.id,
                req.chain_key.clone(),
                req.op.clone(),
            ));
        };
        match fault {
            None => {
                apply(&mut s);
                SendOutcome::Accepted(ack(&req.msgid))
            }
            Some(Fault::Transient) => SendOutcome::Transient("HTTP 503".into()),
            Some(Fault::ResetBefore) => SendOutcome::Uncertain("connection reset".into()),
            Some(Fault::ResetAfter) => {
                apply(&mut s);
                SendOutcome::Uncertain("connection reset".into())
            }
            Some(Fault::Reject) => {
                s.rejected
                    .insert(req.msgid.clone(), "药品编码不存在".into());
                SendOutcome::Rejected {
                    code: "-1".into(),
                    message: "药品编码不存在".into(),
                }
            }
        }
    }

    async fn resolve(&self, req: &UploadRequest) -> Resolution {
        let mut s = self.state.lock().unwrap();
        s.resolves += 1;
        if !s.online {
            return Resolution::Unknown("offline".into());
        }
        if s.applied_ids.contains(&req.msgid) {
            Resolution::Applied(ack(&req.msgid))
        } else if let Some(m) = s.rejected.get(&req.msgid) {
            Resolution::Rejected {
                code: "-1".into(),
                message: m.clone(),
            }
        } else {
            Resolution::NotApplied
        }
    }

    async fn probe(&self) -> bool {
        let mut s = self.state.lock().unwrap();
        s.probes += 1;
        s.online
    }
}

pub fn fast_cfg() -> rxdesk_store::sync::SyncConfig {
    rxdesk_store::sync::SyncConfig {
        max_parallel: 4,
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(100),
        probe_interval: Duration::from_millis(20),
        offline_after: 3,
        idle_poll: Duration::from_millis(20),
    }
}

/// Money first: the 2103 reversal and the self-paid part are
/// journalled as done, so `record_refund` may return the stock.
#[allow(dead_code)]
pub fn money_back(store: &Store, boss: &Session, sale_id: i64) {
    use rxdesk_store::RefundStep;
    store
        .begin_refund(boss, sale_id, &format!("TEST2103-{sale_id}"), "测试退费")
        .unwrap();
    store
        .set_refund_step(sale_id, RefundStep::Reversed, "2103 answered")
        .unwrap();
    store.refund_money_returned(sale_id, &[]).unwrap();
}
