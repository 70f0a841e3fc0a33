//! Response parsing faces the network: arbitrary bytes never panic, and
//! well-formed envelopes with any code/amount parse to exactly what was sent.

use proptest::prelude::*;
use rxdesk_center::envelope_a::parse_response;
use rxdesk_center::envelope_b;
use rxdesk_center::messages::SettleOutput;
use serde_json::{json, Map, Value};

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_response(&b);
        if let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&b) {
            let pk = rxdesk_gm::PrivateKey::from_hex(rxdesk_center::profile::demo::PLATFORM_PRIVATE_KEY_HEX).unwrap().public_key();
            let _ = envelope_b::open_response(&m, "secret", "1A2B3C4D5E6F7A8B9C", &pk, &["1234567812345678"]);
        }
        let _ = serde_json::from_slice::<SettleOutput>(&b);
    }

    #[test]
    fn family_a_codes_and_amounts_parse_exactly(code in -9999i64..9999, as_string: bool, cents in 0i64..99_999_999, msg in "\\PC{0,40}") {
        let infcode = if as_string { Value::String(code.to_string()) } else { json!(code) };
        let amount = format!("{}.{:02}", cents / 100, cents % 100);
        let body = json!({"infcode": infcode, "inf_refmsgid": "x", "err_msg": msg,
            "output": {"setlinfo": {"medfee_sumamt": amount, "acct_pay": serde_json::from_str::<Value>(&amount).unwrap()}}});
        let r = parse_response(&serde_json::to_vec(&body).unwrap()).unwrap();
        prop_assert_eq!(r.code(), Some(code));
        let o: SettleOutput = serde_json::from_value(r.output).unwrap();
        prop_assert_eq!(o.setlinfo.medfee_sumamt.to_string(), amount.clone());
        prop_assert_eq!(o.setlinfo.acct_pay.to_string(), amount);
    }

    #[test]
    fn family_b_responses_round_trip_and_any_change_is_detected(code in 0i64..5000, msg in "\\PC{0,20}", n in 0u32..1000, flip in 0usize..64) {
        let platform = rxdesk_gm::PrivateKey::from_hex(rxdesk_center::profile::demo::PLATFORM_PRIVATE_KEY_HEX).unwrap();
        let creds = envelope_b::Credentials { app_id: "1A2B3C4D5E6F7A8B9C0D".into(), app_secret: "S3CRET".into(), user_id: "1234567812345678".into() };
        let data = json!({"n": n, "v": "值", "x": 1.50});
        let resp = envelope_b::build_response(&creds, &platform, code, &msg, Some(&data), "1700000000000").unwrap();
        let m: Map<String, Value> = serde_json::from_value(resp).unwrap();
        let pk = platform.public_key();
        let o = envelope_b::open_response(&m, "S3CRET", &creds.app_id, &pk, &["1234567812345678"]).unwrap();
        prop_assert_eq!(o.code, code);
        prop_assert_eq!(o.data, data);
        let mut bad = m.clone();
        let mut enc = bad["encData"].as_str().unwrap().to_string().into_bytes();
        let i = flip % enc.len();
        enc[i] = if enc[i] == b'0' { b'1' } else { b'0' };
        bad.insert("encData".into(), Value::String(String::from_utf8(enc).unwrap()));
        prop_assert!(envelope_b::open_response(&bad, "S3CRET", &creds.app_id, &pk, &["1234567812345678"]).is_err());
    }
}
