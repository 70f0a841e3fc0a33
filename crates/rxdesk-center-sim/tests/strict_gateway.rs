//! The emulator is as strict as a gateway (docs/protocol.md, "Emulator
//! strictness"): family-B requests with a stale, malformed or missing
//! `timestamp`, or with another `encType`/`signType`/`version`, are refused
//! before anything is applied; a signed body replayed to another path and a
//! family-A msgid reused with other input are refused instead of being
//! answered from the idempotency cache (that answer may name another
//! patient), while an identical resend still gets the first answer; the 7203
//! drug rows carry `medc_way_codg`.

mod common;

use common::*;
use rxdesk_center::envelope_b::{self, Credentials};
use rxdesk_center::profile::{demo, EpcOp};
use rxdesk_center::{Ctx, Family, PrescriptionCenter};
use rxdesk_gm::PrivateKey;
use serde_json::{json, Value};

fn creds() -> Credentials {
    Credentials {
        app_id: demo::APP_ID.into(),
        app_secret: demo::APP_SECRET.into(),
        user_id: rxdesk_gm::DEFAULT_USER_ID.into(),
    }
}

fn key() -> PrivateKey {
    PrivateKey::from_hex(demo::APP_PRIVATE_KEY_HEX).unwrap()
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

/// A signed rxQrcodeDecode of `qr` (applied = an accepted request).
fn decode_body(qr: &str, ts: &str, version: &str) -> Value {
    let data = json!({"epcQrcd": qr, "appChnlId": "a", "appChnlUserId": "b", "devInfo": "d", "ipInfo": "i",
        "opter": "o", "opterName": "n", "optins": "P11010100001"});
    envelope_b::build_request(&creds(), &key(), &data, ts, version).unwrap()
}

fn now_ms() -> String {
    chrono::Utc::now().timestamp_millis().to_string()
}

#[tokio::test]
async fn family_b_stale_malformed_or_missing_timestamps_are_refused_and_not_applied() {
    let sim = start().await;
    let base = sim.base_url();
    let (_, q) = rx(&base, "valid").await;
    let audit_body = |ts: &str, v: &str| decode_body(&q, ts, v);
    let hour_ago = (chrono::Utc::now().timestamp_millis() - 3_600_000).to_string();
    let in_an_hour = (chrono::Utc::now().timestamp_millis() + 3_600_000).to_string();
    let mut missing = audit_body("", "1.0.0");
    missing.as_object_mut().unwrap().remove("timestamp");
    let mut number = audit_body(&now_ms(), "1.0.0");
    number["timestamp"] = json!(chrono::Utc::now().timestamp_millis());
    for (what, body) in [
        ("an hour old", audit_body(&hour_ago, "1.0.0")),
        ("an hour ahead", audit_body(&in_an_hour, "1.0.0")),
        ("abc", audit_body("abc", "1.0.0")),
        ("empty", audit_body("", "1.0.0")),
        ("absent", missing),
        ("a JSON number", number),
        ("12 digits", audit_body("170000000000", "1.0.0")),
    ] {
        let r = raw_b(&base, "rxQrcodeDecode", &body).await;
        assert_eq!(r["code"], 1001, "{what}: {r}");
        assert!(
            r["message"].as_str().unwrap().contains("timestamp"),
            "{what}: {r}"
        );
    }
    let stats = get(&base, "/admin/stats").await;
    assert_eq!(stats["accepted"], 0, "{stats}");
    assert_eq!(by_op(&stats, "rxQrcodeDecode"), (0, 0, 7));
    // The same request, fresh: applied.
    let r = raw_b(&base, "rxQrcodeDecode", &audit_body(&now_ms(), "1.0.0")).await;
    assert_eq!(r["code"], 0, "{r}");
    sim.shutdown().await;
}

#[tokio::test]
async fn family_b_accepts_the_three_documented_timestamp_forms_within_the_window() {
    let sim = start().await;
    let base = sim.base_url();
    let (_, q) = rx(&base, "valid").await;
    let now = chrono::Utc::now();
    let four_min_ago = now - chrono::Duration::seconds(240);
    let cst = now.with_timezone(&rxdesk_core::time::cst());
    for ts in [
        now.timestamp_millis().to_string(),
        now.timestamp().to_string(),
        cst.format("%Y%m%d%H%M%S").to_string(),
        four_min_ago.timestamp_millis().to_string(),
    ] {
        let r = raw_b(&base, "rxQrcodeDecode", &decode_body(&q, &ts, "1.0.0")).await;
        assert_eq!(r["code"], 0, "{ts}: {r}");
        assert!(r["signData"].as_str().is_some_and(|s| !s.is_empty()), "{r}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn family_b_enc_type_sign_type_and_version_are_checked() {
    let sim = start().await;
    let base = sim.base_url();
    let (_, q) = rx(&base, "valid").await;
    let audit_body = |ts: &str, v: &str| decode_body(&q, ts, v);
    let r = raw_b(&base, "rxQrcodeDecode", &audit_body(&now_ms(), "9.9.9")).await;
    assert_eq!(r["code"], 1001, "{r}");
    assert!(r["message"].as_str().unwrap().contains("version"), "{r}");
    let mut no_version = audit_body(&now_ms(), "");
    no_version.as_object_mut().unwrap().remove("version");
    assert_eq!(
        raw_b(&base, "rxQrcodeDecode", &no_version).await["code"],
        1001
    );
    for (k, v) in [("encType", "plain"), ("signType", "RSA"), ("encType", "")] {
        let mut b = audit_body(&now_ms(), "1.0.0");
        b[k] = v.into();
        let r = raw_b(&base, "rxQrcodeDecode", &b).await;
        assert_eq!(r["code"], 1001, "{k}={v}: {r}");
        assert!(r["message"].as_str().unwrap().contains(k), "{r}");
    }
    assert_eq!(get(&base, "/admin/stats").await["accepted"], 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn family_b_body_replayed_to_another_path_is_refused_identical_resend_is_cached() {
    let sim = start().await;
    let base = sim.base_url();
    let (_, q) = rx(&base, "valid").await;
    let body = decode_body(&q, &now_ms(), "1.0.0");
    let first = raw_b(&base, "rxQrcodeDecode", &body).await;
    assert_eq!(first["code"], 0, "{first}");
    // The same signed bytes to another operation: refused, not the cached answer.
    for other in ["rxAuthQuery", "rxDownload", "rxChkUpld"] {
        let r = raw_b(&base, other, &body).await;
        assert_eq!(r["code"], 1001, "{other}: {r}");
        assert_ne!(r, first);
        assert!(
            r["message"].as_str().unwrap().contains("rxQrcodeDecode"),
            "{r}"
        );
    }
    // An identical resend to the same path: the first answer, byte for byte.
    assert_eq!(raw_b(&base, "rxQrcodeDecode", &body).await, first);
    let stats = get(&base, "/admin/stats").await;
    assert_eq!(by_op(&stats, "rxQrcodeDecode"), (1, 1, 0));
    sim.shutdown().await;
}

fn ctx_with(msgid: &str) -> Ctx {
    let mut c = ctx();
    c.msgid = Some(msgid.into());
    c
}

#[tokio::test]
async fn family_a_reused_msgid_with_other_input_is_refused_not_answered_from_cache() {
    let sim = start().await;
    let base = sim.base_url();
    let c = client(&base, Family::A);
    let first_cert = person(&base, "PSN1101000001", "certno").await;
    let first_name = person(&base, "PSN1101000001", "name").await;
    let other_cert = person(&base, "PSN1101000002", "certno").await;
    let input = |cert: &str| {
        json!({"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": cert, "card_sn": "", "begntime": "",
        "psn_cert_type": "01", "certno": cert, "psn_name": ""}})
    };
    let msgid = c.next_msgid().unwrap();
    let first = c
        .transact("1101", &ctx_with(&msgid), input(&first_cert))
        .await
        .unwrap();
    assert_eq!(first["baseinfo"]["psn_name"], first_name.as_str());
    // Another patient under the same msgid: an error, never the first answer.
    let e = c
        .transact("1101", &ctx_with(&msgid), input(&other_cert))
        .await
        .unwrap_err();
    let text = format!("{e:?}");
    assert!(text.contains("1001") && text.contains("输入不同"), "{text}");
    assert!(!text.contains(&first_name), "{text}");
    // The identical resend: the cached answer (the same refmsgid).
    let again = c
        .transact("1101", &ctx_with(&msgid), input(&first_cert))
        .await
        .unwrap();
    assert_eq!(again, first);
    let stats = get(&base, "/admin/stats").await;
    assert_eq!(by_op(&stats, "1101"), (1, 1, 1));
    sim.shutdown().await;
}

#[tokio::test]
async fn family_a_per_infno_path_naming_another_infno_is_refused() {
    let sim = start().await;
    let base = sim.base_url();
    let c = client(&base, Family::A);
    let cx = ctx();
    c.sign_in(&cx.operator).await.unwrap();
    let ts = chrono::Utc::now().timestamp().to_string();
    let sig = rxdesk_center::xtif::signature(&ts, demo::PAAS_SECRET, "n1");
    let env = json!({"infno": "9001", "msgid": c.next_msgid().unwrap(), "mdtrtarea_admvs": "110101",
        "recer_sys_code": "YBXT", "infver": "V1.0", "opter_type": "1", "opter": "OP1", "opter_name": "x",
        "inf_time": "2026-11-24 10:00:00", "fixmedins_code": "P11010100001", "fixmedins_name": "x",
        "sign_no": "", "input": {"signIn": {"opter_no": "OP1", "mac": "m", "ip": "i"}}});
    let post = |path: &'static str| {
        reqwest::Client::new()
            .post(format!("{base}{path}"))
            .header("x-tif-paasid", demo::PAAS_ID)
            .header("x-tif-timestamp", &ts)
            .header("x-tif-nonce", "n1")
            .header("x-tif-signature", &sig)
            .body(serde_json::to_vec(&env).unwrap())
            .send()
    };
    let r: Value = post("/fsi/api/fsiPharmacyService/2102")
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap();
    assert_eq!(r["infcode"], 1001, "{r}");
    assert!(r["err_msg"].as_str().unwrap().contains("2102"), "{r}");
    let r: Value = post("/fsi/api/fsiPharmacyService/9001")
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap();
    assert_eq!(r["infcode"], 0, "{r}");
    sim.shutdown().await;
}

#[tokio::test]
async fn download_rows_carry_the_route_code_in_both_families() {
    let sim = start().await;
    let base = sim.base_url();
    let cx = ctx();
    let (_, q) = rx(&base, "valid").await;
    let a = client(&base, Family::A);
    let token = a.decode_qr(&cx, &qr(&q)).await.unwrap().epc_token;
    let out = a
        .transact(
            "7203",
            &cx,
            json!({"data": {"epc_token": token, "auth_rxno": "", "insuplc_admdvs": "110101"}}),
        )
        .await
        .unwrap();
    let rows = out["rxdrugdetail"].as_array().unwrap();
    assert!(!rows.is_empty());
    for r in rows {
        assert_eq!(r["medc_way_dscr"], "口服", "{r}");
        assert_eq!(r["medc_way_codg"], "1", "{r}");
    }
    let b = client(&base, Family::B);
    let token = b.decode_qr(&cx, &qr(&q)).await.unwrap().epc_token;
    let out = b
        .send_b(
            EpcOp::Download,
            json!({"epc_token": token, "auth_rxno": "", "insuplc_admdvs": "110101"}),
        )
        .await
        .unwrap();
    let rows = out["rx_drug_detail"].as_array().unwrap();
    assert!(!rows.is_empty(), "{out}");
    for r in rows {
        assert_eq!(r["medc_way_codg"], "1", "{r}");
    }
    sim.shutdown().await;
}

#[test]
fn route_codes_and_timestamp_forms() {
    use rxdesk_center_sim::http::{medc_way_code, parse_b_timestamp};
    assert_eq!(medc_way_code("口服"), "1");
    assert_eq!(medc_way_code("静脉滴注"), "404");
    assert_eq!(medc_way_code("外用"), "6");
    assert_eq!(medc_way_code(""), "9");
    let t = parse_b_timestamp("1700000000000").unwrap();
    assert_eq!(t.timestamp(), 1_700_000_000);
    assert_eq!(parse_b_timestamp("1700000000").unwrap(), t);
    // 2023-11-14 22:13:20 UTC = 2023-11-15 06:13:20 CST
    assert_eq!(parse_b_timestamp("20231115061320").unwrap(), t);
    for bad in [
        "",
        "abc",
        "-1700000000",
        "17000000000000000",
        "20231315141320",
        "1.7e12",
    ] {
        assert!(parse_b_timestamp(bad).is_none(), "{bad}");
    }
}
