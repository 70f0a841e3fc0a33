//! Bad input to the emulator gets the documented error code (docs/protocol.md),
//! never a crash: non-JSON, missing fields, wrong x-tif signature, unknown
//! paasid/infno, no sign-in; family B wrong signature, bad encData, unknown
//! appId, missing fields. Random bytes never take the server down.

mod common;

use common::*;
use proptest::prelude::*;
use rxdesk_center::envelope_b::{self, Credentials};
use rxdesk_center::profile::demo;
use rxdesk_gm::PrivateKey;
use serde_json::{json, Value};

async fn raw_a(base: &str, body: &[u8], headers: &[(&str, String)]) -> Value {
    let mut r = reqwest::Client::new()
        .post(format!("{base}/fsi/api/rsfComIfsService/callService"))
        .body(body.to_vec());
    for (k, v) in headers {
        r = r.header(*k, v);
    }
    let resp = r.send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap()
}

fn xtif(secret: &str, paasid: &str) -> Vec<(&'static str, String)> {
    let ts = chrono::Utc::now().timestamp().to_string();
    let sig = rxdesk_center::xtif::signature(&ts, secret, "n1");
    vec![
        ("x-tif-paasid", paasid.into()),
        ("x-tif-timestamp", ts),
        ("x-tif-nonce", "n1".into()),
        ("x-tif-signature", sig),
    ]
}

fn envelope(infno: &str, sign_no: &str, input: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"infno": infno, "msgid": format!("P11010100001{}", chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0) % 1_000_000_000_000_000_000),
        "mdtrtarea_admvs": "110101", "recer_sys_code": "YBXT", "infver": "V1.0", "opter_type": "1", "opter": "OP1",
        "opter_name": "x", "inf_time": "2026-11-24 10:00:00", "fixmedins_code": "P11010100001", "fixmedins_name": "x",
        "sign_no": sign_no, "input": input}))
    .unwrap()
}

#[tokio::test]
async fn family_a_garbage_gets_documented_codes() {
    let sim = start().await;
    let base = sim.base_url();
    let good = xtif(demo::PAAS_SECRET, demo::PAAS_ID);
    assert_eq!(raw_a(&base, b"not json", &good).await["infcode"], 1001);
    assert_eq!(
        raw_a(&base, b"{\"infno\":\"9001\"}", &good).await["infcode"],
        1001
    );
    let e = envelope(
        "9001",
        "",
        json!({"signIn": {"opter_no": "OP1", "mac": "m", "ip": "i"}}),
    );
    assert_eq!(
        raw_a(&base, &e, &xtif("wrong-secret", demo::PAAS_ID)).await["infcode"],
        1002
    );
    assert_eq!(
        raw_a(&base, &e, &xtif(demo::PAAS_SECRET, "nobody")).await["infcode"],
        1003
    );
    assert_eq!(raw_a(&base, &e, &[]).await["infcode"], 1003);
    let ok = raw_a(&base, &e, &good).await;
    assert_eq!(ok["infcode"], 0, "{ok}");
    let sign_no = ok["output"]["signinoutb"]["sign_no"]
        .as_str()
        .unwrap()
        .to_string();
    let e = envelope("4242", &sign_no, json!({}));
    assert_eq!(raw_a(&base, &e, &good).await["infcode"], 1004);
    let e = envelope(
        "1101",
        "forged",
        json!({"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": "x"}}),
    );
    assert_eq!(raw_a(&base, &e, &good).await["infcode"], 1005);
    let e = envelope("2102", &sign_no, json!({"data": {"psn_no": "x"}}));
    let r = raw_a(&base, &e, &good).await;
    assert_eq!(r["infcode"], 1001);
    assert!(
        r["err_msg"].as_str().unwrap().contains("missing field"),
        "{r}"
    );
    let e = envelope("3505", &sign_no, json!({"selinfo": "not an object"}));
    assert_eq!(raw_a(&base, &e, &good).await["infcode"], 1001);
    let stats = get(&base, "/admin/stats").await;
    assert_eq!(stats["accepted"], 1);
    assert!(stats["rejected"].as_u64().unwrap() >= 8);
    sim.shutdown().await;
}

async fn raw_b(base: &str, op: &str, body: &Value) -> Value {
    let resp = reqwest::Client::new()
        .post(format!("{base}/epc/api/fixmedins/{op}"))
        .body(serde_json::to_vec(body).unwrap())
        .send()
        .await
        .unwrap();
    serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap()
}

#[tokio::test]
async fn family_b_garbage_gets_documented_codes() {
    let sim = start().await;
    let base = sim.base_url();
    let key = PrivateKey::from_hex(demo::APP_PRIVATE_KEY_HEX).unwrap();
    let creds = Credentials {
        app_id: demo::APP_ID.into(),
        app_secret: demo::APP_SECRET.into(),
        user_id: rxdesk_gm::DEFAULT_USER_ID.into(),
    };
    let data = json!({"epcQrcd": "EPC999999999999999999999999", "appChnlId": "a", "appChnlUserId": "b", "devInfo": "d", "ipInfo": "i", "opter": "o", "opterName": "n", "optins": "p"});
    let ts = chrono::Utc::now().timestamp_millis().to_string();
    let good = envelope_b::build_request(&creds, &key, &data, &ts, "1.0.0").unwrap();
    // a well-formed request for an unknown QR: signed business rejection
    let r = raw_b(&base, "rxQrcodeDecode", &good).await;
    assert_eq!(r["code"], 3001);
    assert!(r["signData"].as_str().is_some_and(|s| !s.is_empty()));
    // wrong signature
    let mut bad = good.clone();
    let other = PrivateKey::generate().unwrap();
    bad["signData"] =
        envelope_b::build_request(&creds, &other, &data, &ts, "1.0.0").unwrap()["signData"].clone();
    assert_eq!(raw_b(&base, "rxQrcodeDecode", &bad).await["code"], 1006);
    // bad encData
    let mut bad = good.clone();
    bad["encData"] = "ZZZZ".into();
    assert_eq!(raw_b(&base, "rxQrcodeDecode", &bad).await["code"], 1007);
    bad["encData"] = "00112233445566778899AABBCCDDEEFF".into();
    assert_eq!(raw_b(&base, "rxQrcodeDecode", &bad).await["code"], 1007);
    // unknown appId
    let mut bad = good.clone();
    bad["appId"] = "UNKNOWNAPP000000000000000000000X".into();
    assert_eq!(raw_b(&base, "rxQrcodeDecode", &bad).await["code"], 1003);
    // missing fields (signed correctly, but the business payload lacks epcQrcd)
    let thin =
        envelope_b::build_request(&creds, &key, &json!({"opter": "o"}), &ts, "1.0.0").unwrap();
    assert_eq!(raw_b(&base, "rxQrcodeDecode", &thin).await["code"], 1001);
    // unknown operation and non-JSON
    assert_eq!(raw_b(&base, "rxNoSuchThing", &good).await["code"], 1004);
    let r = reqwest::Client::new()
        .post(format!("{base}/epc/api/fixmedins/rxDownload"))
        .body("][")
        .send()
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(v["code"], 1001);
    // replay of the same signed request is a duplicate with the identical body
    let again = raw_b(&base, "rxQrcodeDecode", &good).await;
    assert_eq!(again, raw_b(&base, "rxQrcodeDecode", &good).await);
    let stats = get(&base, "/admin/stats").await;
    assert_eq!(by_op(&stats, "rxQrcodeDecode").1, 2);
    sim.shutdown().await;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn random_bodies_never_crash_the_emulator(bodies in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 8)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let sim = rxdesk_center_sim::serve(rxdesk_center_sim::SimConfig { seed: "empty".into(), ..Default::default() }).await.unwrap();
            let base = sim.base_url();
            let h = xtif(demo::PAAS_SECRET, demo::PAAS_ID);
            for b in &bodies {
                let v = raw_a(&base, b, &h).await;
                assert_ne!(v["infcode"], 0);
                let r = reqwest::Client::new().post(format!("{base}/epc/api/fixmedins/rxDownload")).body(b.clone()).send().await.unwrap();
                assert!(r.status().is_success());
            }
            // still alive and counting
            let s = get(&base, "/admin/stats").await;
            assert_eq!(s["accepted"], 0);
            sim.shutdown().await;
        });
    }
}

/// The ledger's stored uploads (its golden payloads, one per kind) parse into
/// the emulator's typed messages; the same upload with a field removed or
/// renamed is refused with 1001 naming the transaction and the field, and
/// nothing is applied (docs/decisions/0016-typed-uploads.md).
#[tokio::test]
async fn an_upload_that_is_not_its_typed_message_is_refused_with_a_clear_error() {
    let sim = start().await;
    let base = sim.base_url();
    let good = xtif(demo::PAAS_SECRET, demo::PAAS_ID);
    let e = envelope(
        "9001",
        "",
        json!({"signIn": {"opter_no": "OP1", "mac": "m", "ip": "i"}}),
    );
    let ok = raw_a(&base, &e, &good).await;
    let sign_no = ok["output"]["signinoutb"]["sign_no"]
        .as_str()
        .unwrap()
        .to_string();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rxdesk-store/tests/golden/uploads");
    let mut kinds = std::collections::BTreeSet::new();
    for file in std::fs::read_dir(&dir).unwrap() {
        let rows: Value =
            serde_json::from_str(&std::fs::read_to_string(file.unwrap().path()).unwrap()).unwrap();
        for row in rows.as_array().unwrap() {
            let op = row["op"].as_str().unwrap();
            kinds.insert(op.to_string());
            // As stored: parsed (the business answer may still refuse it —
            // these drugs and prescriptions are not the emulator's).
            let r = raw_a(
                &base,
                &envelope(op, &sign_no, row["payload"].clone()),
                &good,
            )
            .await;
            let msg = r["err_msg"].as_str().unwrap_or_default();
            assert!(!msg.contains("不符合约定格式"), "{op}: {r}");
        }
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["3501", "3502", "3503", "3504", "3505", "3506", "3507", "7204", "7205", "7206", "7208"]
    );
    let before = get(&base, "/admin/stats").await["accepted"].clone();
    let rows: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("sale_no_rx.json")).unwrap())
            .unwrap();
    let mut renamed = rows[0]["payload"].clone();
    let sel = renamed["selinfo"].as_object_mut().unwrap();
    let v = sel.remove("med_list_codg").unwrap();
    sel.insert("med_list_code".into(), v);
    let r = raw_a(&base, &envelope("3505", &sign_no, renamed), &good).await;
    assert_eq!(r["infcode"], 1001, "{r}");
    let msg = r["err_msg"].as_str().unwrap();
    assert!(
        msg.contains("3505") && msg.contains("med_list_codg") && msg.contains("不符合约定格式"),
        "{msg}"
    );
    // A money field that is not a decimal string of its scale: refused too.
    let mut bad = rows[0]["payload"].clone();
    bad["selinfo"]["finl_trns_pric"] = json!("12.5000001");
    let r = raw_a(&base, &envelope("3505", &sign_no, bad), &good).await;
    assert_eq!(r["infcode"], 1001, "{r}");
    assert!(r["err_msg"].as_str().unwrap().contains("3505"), "{r}");
    assert_eq!(get(&base, "/admin/stats").await["accepted"], before);
    sim.shutdown().await;
}
