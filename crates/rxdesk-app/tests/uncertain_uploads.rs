//! Uncertain uploads and one id space per pharmacy, against the real center
//! emulator (loopback):
//!
//! - an uncertain upload is resolved by resending its msgid under the rule
//!   of docs/decisions/0004, tested both ways: a gateway that de-duplicates
//!   by msgid (replays the original answer) and one that refuses the repeat
//!   with "already received" (1008), which the outbox takes as delivered;
//!   either way the center applies the row exactly once;
//! - two counters of one pharmacy (terminal numbers 1 and 2) issue msgids in
//!   the same clock second and each gets its own answer (with one terminal
//!   number for both, the center answers the second with the first's reply).

mod common;

use rxdesk_app::uploader::CenterUploader;
use rxdesk_center::{
    CenterClient, CenterProfile, Family, IdRole, MsgIdGenerator, Operator, PrescriptionCenter,
};
use rxdesk_center_sim::dedupe::DuplicateMsgid;
use rxdesk_center_sim::{serve, SimConfig, SimHandle};
use rxdesk_store::outbox::Completion;
use rxdesk_store::sync::{self, SendOutcome, SyncConfig, Uploader};
use rxdesk_store::{Session, Store, UploadState};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

async fn admin(sim: &SimHandle, method: &str, path: &str, body: Option<Value>) -> Value {
    let c = reqwest::Client::new();
    let url = format!("{}{path}", sim.base_url());
    let r = match method {
        "GET" => c.get(url),
        "DELETE" => c.delete(url),
        _ => c.post(url),
    };
    let r = match body {
        Some(b) => r.body(serde_json::to_vec(&b).unwrap()),
        None => r,
    };
    let r = r.send().await.unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap_or(Value::Null)
}

struct Ledger {
    _t: tempfile::TempDir,
    store: Arc<Store>,
    boss: Session,
    batch: i64,
}

fn ledger() -> Ledger {
    let t = tempfile::tempdir().unwrap();
    let store = Store::open(t.path().join("ledger.sqlite3")).unwrap();
    store
        .set_institution(
            rxdesk_center::profile::demo::PHARMACY_CODE,
            rxdesk_center::profile::demo::PHARMACY_NAME,
        )
        .unwrap();
    store
        .create_operator(
            None,
            &rxdesk_store::operators::NewOperator {
                login: "3001".into(),
                display_name: "店长".into(),
                role: rxdesk_store::Role::Manager,
                password: "pw-manager-1".into(),
                cert_type: None,
                certno: None,
                prac_cert_no: None,
            },
        )
        .unwrap();
    let boss = store.login("3001", "pw-manager-1").unwrap();
    let batch = common::vitamin_c(&store, &boss, "DEMO", 1000);
    Ledger {
        _t: t,
        store: Arc::new(store),
        boss,
        batch,
    }
}

fn sale(l: &Ledger, n: u64) -> i64 {
    let r = l
        .store
        .record_sale(&l.boss, &common::one_box_sale(l.batch, format!("9{n:019}")))
        .unwrap();
    r.upload_ids[0]
}

/// The worker's uploader, already signed in (so the fault hits the upload,
/// not the sign-in before it).
async fn uploader(sim: &SimHandle, terminal: u32) -> Arc<CenterUploader> {
    let mut p = CenterProfile::demo(&sim.base_url(), Family::A).unwrap();
    p.request_timeout = Duration::from_secs(5);
    let gen = MsgIdGenerator::new(&p.institution.fixmedins_code)
        .unwrap()
        .for_terminal(terminal, IdRole::Background)
        .unwrap();
    let client = Arc::new(CenterClient::new(p, Arc::new(gen)).unwrap());
    let op = Operator::clerk("rxdesk-sync", "后台上传");
    client.sign_in(&op).await.unwrap();
    Arc::new(CenterUploader::new(client, op))
}

fn fast() -> SyncConfig {
    SyncConfig {
        base_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        probe_interval: Duration::from_millis(50),
        ..SyncConfig::default()
    }
}

/// One upload's first send is hit by `fault` (reset after applying, or
/// before); it is recorded uncertain, then the worker resolves it.
async fn resolve_once(mode: DuplicateMsgid, fault: &str) {
    let sim = serve(SimConfig {
        duplicates: mode,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let l = ledger();
    let up = uploader(&sim, 0).await;
    let id = sale(&l, 1);
    let msgid = l.store.upload(id).unwrap().msgid;

    admin(&sim, "POST", "/admin/faults", Some(json!({ fault: 1.0 }))).await;
    let req = l
        .store
        .claim_due(1, &HashSet::new())
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(req.id, id);
    let out = up.send(&req).await;
    let SendOutcome::Uncertain(e) = out else {
        panic!("{fault}: expected uncertain, got {out:?}")
    };
    l.store
        .complete_upload(
            id,
            &Completion::Uncertain {
                error: e,
                retry_at: 0,
            },
        )
        .unwrap();
    admin(&sim, "DELETE", "/admin/faults", None).await;

    let status = sync::drain(l.store.clone(), up, fast(), Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(status.done, 1, "{mode:?} {fault}: {status:?}");
    let row = l.store.upload(id).unwrap();
    assert_eq!(row.state, UploadState::Done, "{mode:?} {fault}: {row:?}");
    assert_eq!(row.msgid, msgid, "resolved under the same msgid");
    // The center's own books: applied exactly once.
    let applied = admin(&sim, "GET", "/admin/uploads?op=3505", None).await;
    let n = applied
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["msgid"] == msgid.as_str())
        .count();
    assert_eq!(n, 1, "{mode:?} {fault}: {applied}");
    assert_eq!(applied.as_array().unwrap().len(), 1);
    let stats = admin(&sim, "GET", "/admin/stats", None).await;
    let dup = stats["by_op"]["3505"]["duplicate"].as_u64().unwrap_or(0);
    let log = l.store.upload_attempt_log(id).unwrap();
    if fault == "reset_after_rate" {
        // Applied by the first send: the resend was a repeat.
        assert_eq!(dup, 1, "{stats}");
        assert!(log.iter().any(|(o, _)| o == "resolved-applied"), "{log:?}");
    } else {
        // Never applied: the resend applied it.
        assert_eq!(dup, 0, "{stats}");
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncertain_upload_resolved_by_resend_when_the_gateway_deduplicates() {
    resolve_once(DuplicateMsgid::Replay, "reset_after_rate").await;
    resolve_once(DuplicateMsgid::Replay, "reset_before_rate").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncertain_upload_resolved_by_already_received_when_the_gateway_rejects_duplicates() {
    resolve_once(DuplicateMsgid::Reject, "reset_after_rate").await;
    resolve_once(DuplicateMsgid::Reject, "reset_before_rate").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_duplicate_switch_is_on_the_admin_api() {
    let sim = serve(SimConfig::default()).await.unwrap();
    assert_eq!(
        admin(&sim, "GET", "/admin/duplicates", None).await["mode"],
        "replay"
    );
    admin(
        &sim,
        "POST",
        "/admin/duplicates",
        Some(json!({"mode": "reject"})),
    )
    .await;
    assert_eq!(
        admin(&sim, "GET", "/admin/duplicates", None).await["mode"],
        "reject"
    );
    sim.shutdown().await;
}

/// 1101 for `ec_token` under a msgid issued at `t` by `gen`; the answer's name.
async fn person_at(
    client: &CenterClient,
    gen: &MsgIdGenerator,
    t: chrono::DateTime<chrono::Utc>,
    ec_token: &str,
) -> String {
    let op = Operator::clerk("1001", "收银员");
    let sign_no = client.sign_in(&op).await.unwrap();
    let msgid = gen.next_at(t).unwrap();
    let input = json!({"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": ec_token, "card_sn": "",
        "begntime": "", "psn_cert_type": "", "certno": "", "psn_name": ""}});
    match client
        .send_a("1101", &msgid, &op, &sign_no, "", input)
        .await
    {
        Ok(out) => out.output["baseinfo"]["psn_name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        // A gateway that refuses a msgid reused with other input.
        Err(e) => format!("refused: {e:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_counters_of_one_pharmacy_in_the_same_second_never_collide() {
    let sim = serve(SimConfig::default()).await.unwrap();
    let persons = admin(&sim, "GET", "/admin/persons", None).await;
    let people: Vec<(String, String)> = persons
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ec_token"].as_str().is_some_and(|s| !s.is_empty()))
        .take(2)
        .map(|p| {
            (
                p["ec_token"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(people.len(), 2);
    assert_ne!(people[0].1, people[1].1);
    let counter = |terminal: u32| {
        let p = CenterProfile::demo(&sim.base_url(), Family::A).unwrap();
        let gen = MsgIdGenerator::new(&p.institution.fixmedins_code)
            .unwrap()
            .for_terminal(terminal, IdRole::Desk)
            .unwrap();
        let sign_in_gen = MsgIdGenerator::new(&p.institution.fixmedins_code)
            .unwrap()
            .for_terminal(terminal, IdRole::Background)
            .unwrap();
        (CenterClient::new(p, Arc::new(sign_in_gen)).unwrap(), gen)
    };
    // The same wall-clock second for both counters.
    let t = chrono::Utc::now();
    let (c1, g1) = counter(1);
    let (c2, g2) = counter(2);
    assert_eq!(person_at(&c1, &g1, t, &people[0].0).await, people[0].1);
    assert_eq!(person_at(&c2, &g2, t, &people[1].0).await, people[1].1);
    let stats = admin(&sim, "GET", "/admin/stats", None).await;
    assert_eq!(stats["by_op"]["1101"]["duplicate"].as_u64().unwrap_or(0), 0);

    // Control: two counters both left at terminal 0 collide in that second —
    // the emulator (strict like a gateway) refuses the second counter's
    // request: its msgid was already used for another patient's 1101.
    let t = t + chrono::Duration::seconds(5);
    let (c3, g3) = counter(0);
    let (c4, g4) = counter(0);
    assert_eq!(person_at(&c3, &g3, t, &people[0].0).await, people[0].1);
    let second = person_at(&c4, &g4, t, &people[1].0).await;
    assert!(
        second.starts_with("refused:") && second.contains("报文ID重复"),
        "{second}"
    );
    sim.shutdown().await;
}
