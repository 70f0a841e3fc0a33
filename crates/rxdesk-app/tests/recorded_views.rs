//! Recorded real responses for the window's mocks: one
//! visit driven against the center emulator, each step's `VisitView` (and
//! the scans' `ScanOutcome`s) serialized exactly as the Tauri command
//! returns it, with what changes from run to run (ids, times, the layout
//! PDF, receipt text) replaced by fixed placeholders, written to
//! `ui/src/mock/recorded/visit-happy.json`. Like the other generated files
//! the test rewrites the file when it differs and fails, so the recording
//! never goes stale; a vitest checks the mocked visit answers with the same
//! fields as these real views.

mod common;

use common::*;
use rxdesk_app::operators::DEMO_PHARMACIST_EC_TOKEN;
use rxdesk_app::visit::Tender;
use rxdesk_core::codes::AuditResult;
use rxdesk_demo::catalogue::demo_boxes;
use serde_json::{json, Value};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const RECORDED_DIAG: &str = "2型糖尿病（录制的视图）";

/// Fields whose value changes from run to run: replaced by a placeholder.
const VOLATILE: &[&str] = &[
    "visitId",
    "at",
    "startedAt",
    "parkedAt",
    "saleId",
    "uploadId",
    "uploadIds",
    "rtalDocno",
    "setlId",
    "receiptText",
    "guidanceText",
    "guidancePdfPath",
    "rxFile",
    "rx_file",
    "rx_id",
    "rxId",
    "auth_rxno",
    "authRxno",
    "hi_rxno",
    "hiRxno",
    "prsc_time",
    "prscTime",
    "valid_end_time",
    "validEndTime",
    "signed_at",
    "not_before",
    "not_after",
    "serial",
    "signCertSn",
    "sign_cert_sn",
    "signDigest",
    "originalValue",
    "traceCode",
    "mdtrtId",
    "mdtrt_id",
    "rxTraceCode",
    "rx_trace_code",
];

/// Whether `s` holds a wall-clock time (`yyyy-MM-dd HH:mm`, `…T…`): it changes per run.
fn has_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(16).any(|w| {
        let d = |i: usize| w[i].is_ascii_digit();
        (0..4).all(d)
            && w[4] == b'-'
            && d(5)
            && d(6)
            && w[7] == b'-'
            && d(8)
            && d(9)
            && (w[10] == b' ' || w[10] == b'T')
            && d(11)
            && d(12)
            && w[13] == b':'
            && d(14)
            && d(15)
    })
}

fn scrub(v: &mut Value) {
    match v {
        Value::String(s) if has_time(s) => *v = json!("<time>"),
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if VOLATILE.contains(&k.as_str()) && !x.is_null() {
                    *x = match x {
                        Value::Number(_) => json!(0),
                        Value::Array(_) => json!([]),
                        _ => json!(format!("<{k}>")),
                    };
                } else {
                    scrub(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(scrub),
        _ => {}
    }
}

fn record<T: serde::Serialize>(steps: &mut Vec<Value>, step: &str, v: &T) {
    let mut v = serde_json::to_value(v).unwrap();
    scrub(&mut v);
    steps.push(json!({ "step": step, "response": v }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_visits_views_are_recorded_for_the_window_mocks() {
    let rig = Rig::new().await;
    post(
        &rig.base,
        "/admin/prescriptions",
        json!({"hospital": "H11010100001", "psn_no": "PSN1101000003", "lines": [[METF, 1]],
               "diag_name": RECORDED_DIAG, "label": "recorded views"}),
    )
    .await;
    let s = rig.session();
    let vs = rig.visits();
    let mut steps = Vec::new();
    record(&mut steps, "visit_start", &vs.start(&s).await.unwrap());
    let v = vs
        .identify(
            &s,
            rxdesk_app::visit::IdMethod::EVoucher,
            WANGFANG_EC,
            None,
            None,
        )
        .await
        .unwrap();
    let auth = v
        .listed
        .iter()
        .find(|r| r.diag_name == RECORDED_DIAG)
        .map(|r| r.auth_rxno.clone())
        .expect("listed");
    // Only the recorded prescription in the list (王芳 has others from other tests' seeds).
    let mut listed = serde_json::to_value(&v).unwrap();
    listed["listed"] = json!(listed["listed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["auth_rxno"] == json!(auth))
        .collect::<Vec<_>>());
    listed["listedDrugs"] = json!(listed["listedDrugs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["authRxno"] == json!(auth))
        .collect::<Vec<_>>());
    record(&mut steps, "visit_identify", &listed);
    let v = vs.open(&s, &auth).await.unwrap();
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    record(&mut steps, "visit_open", &v);
    vs.shift_start(&s, DEMO_PHARMACIST_EC_TOKEN).await.unwrap();
    let v = vs
        .audit(
            &s,
            AuditResult::Approved,
            "处方合理，准予调配",
            DEMO_PHARMACIST_EC_TOKEN,
            None,
        )
        .await
        .unwrap();
    record(&mut steps, "visit_audit", &v);
    let b = demo_boxes()
        .into_iter()
        .find(|b| b.med_list_codg == METF)
        .unwrap();
    record(
        &mut steps,
        "visit_scan",
        &vs.scan(&s, &b.barcode).await.unwrap(),
    );
    let o = vs.scan(&s, &b.trace_code).await.unwrap();
    assert!(o.ok, "{}", o.message_zh);
    record(&mut steps, "visit_scan", &o);
    let v = vs.finish_dispensing(&s).await.unwrap();
    record(&mut steps, "visit_finish_dispensing", &v);
    record(
        &mut steps,
        "visit_pre_settle",
        &vs.pre_settle(&s).await.unwrap(),
    );
    let v = vs.settle(&s).await.unwrap();
    assert_eq!(v.state, "settled", "{}", v.next_step_zh);
    record(&mut steps, "visit_settle", &v);
    if v.split.as_ref().unwrap().cash_pay != "0.00" {
        let p = vs
            .pay(&s, Tender::parse("cash", Some("100.00"), None).unwrap())
            .await
            .unwrap();
        record(&mut steps, "visit_pay", &p);
    }
    let v = vs.complete(&s).await.unwrap();
    assert_eq!(v.state, "receipted");
    record(&mut steps, "visit_complete", &v);

    let want = format!(
        "{}\n",
        serde_json::to_string_pretty(&json!({
            "generatedBy": "cargo test -p rxdesk-app --test recorded_views (rewritten when out of date, then fails); do not edit",
            "steps": steps,
        }))
        .unwrap()
    );
    let path = format!("{ROOT}/ui/src/mock/recorded/visit-happy.json");
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        std::fs::create_dir_all(format!("{ROOT}/ui/src/mock/recorded")).unwrap();
        std::fs::write(&path, want).unwrap();
        panic!("{path} was out of date and has been regenerated: review and commit it");
    }
}
