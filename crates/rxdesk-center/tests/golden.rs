//! Every input fixture (written from the typed messages by the emulator's
//! golden test) round-trips exactly through its Rust type, in both families:
//! a renamed or dropped wire field fails here.

use rxdesk_center::canonical::{camel_to_snake, rename_keys, snake_to_camel};
use rxdesk_center::messages::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

fn load(name: &str) -> Value {
    let p = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}")))
        .unwrap()
}

fn round_trip_a<T: Serialize + DeserializeOwned>(name: &str) {
    let v = load(name);
    let t: T = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(serde_json::to_value(&t).unwrap(), v, "{name}");
}

fn round_trip_b<T: Serialize + DeserializeOwned>(name: &str) {
    let v = load(name);
    let snake = rename_keys(v.clone(), &|k: &str| camel_to_snake(k));
    let t: T = serde_json::from_value(snake).unwrap_or_else(|e| panic!("{name}: {e}"));
    let back = rename_keys(serde_json::to_value(&t).unwrap(), &|k: &str| {
        snake_to_camel(k)
    });
    assert_eq!(back, v, "{name}");
}

#[test]
fn family_a_inputs_round_trip() {
    round_trip_a::<SignInInput>("a/9001_in");
    round_trip_a::<SignOutInput>("a/9002_in");
    round_trip_a::<PersonInfoInput>("a/1101_in");
    round_trip_a::<SettleInput>("a/2101_2102_in");
    round_trip_a::<SettleReverseInput>("a/2103_in");
    round_trip_a::<ReversalInput>("a/2601_in");
    round_trip_a::<SaleInput>("a/3505_in");
    round_trip_a::<SaleReturnInput>("a/3506_in");
    round_trip_a::<ReconcileTotalInput>("a/3201_in");
    round_trip_a::<ReconcileDetailInput>("a/3202_in");
    round_trip_a::<FileUploadInput>("a/9101_in");
    round_trip_a::<FileDownloadInput>("a/9102_in");
    round_trip_a::<QrDecodeInput>("a/7201_in");
    round_trip_a::<RxQueryInput>("a/7202_in");
    round_trip_a::<RxDownloadInput>("a/7203_in");
    round_trip_a::<RxAuditInput>("a/7204_in");
    round_trip_a::<DeliveryInput>("a/7205_in");
    round_trip_a::<WriteOffInput>("a/7206_in");
    round_trip_a::<SalesUploadInput>("a/7207_in");
    round_trip_a::<SalesUndoInput>("a/7208_in");
}

#[test]
fn family_b_inputs_round_trip() {
    round_trip_b::<QrDecodeData>("b/rxQrcodeDecode_in");
    round_trip_b::<RxQueryInput>("b/rxAuthQuery_in");
    round_trip_b::<RxDownloadData>("b/rxDownload_in");
    round_trip_b::<SignVerifyData>("b/rxSignVerify_in");
    round_trip_b::<RxAuditData>("b/rxChkUpld_in");
    round_trip_b::<DeliveryData>("b/rxDelvUpld_in");
    round_trip_b::<WriteOffInput>("b/rxSetlUpld_in");
    round_trip_b::<SalesUploadInput>("b/rxSelUpld_in");
    round_trip_b::<SalesUndoData>("b/rxSelUndo_in");
    let v = load("b/rxDownload_out_example");
    let d: rxdesk_gm::DownloadedPrescription = serde_json::from_value(v).unwrap();
    assert_eq!(d.hi_rxno, "11010000000000100001");
}

#[test]
fn the_pharmacy_audit_upload_uses_the_published_names() {
    // docs/reference/wire-protocol.md §4.3 (S17/S18): the only public pharmacy-side new-generation message.
    let v = load("b/rxChkUpld_in");
    for k in [
        "hiRxno",
        "epcToken",
        "ecToken",
        "fixmedinsCode",
        "fixmedinsName",
        "pharCertType",
        "pharCertno",
        "pharCode",
        "pharName",
        "rxChkOpnn",
        "rxChkTime",
        "rxChkStasCodg",
        "rxSignVerifySn",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
    let a = load("a/7206_in");
    for k in [
        "hi_rxno",
        "download_ide_code",
        "payMode",
        "fund_pay_sumamt",
        "psn_part_amt",
        "acct_pay",
        "psn_cash_pay",
        "setl_time",
    ] {
        assert!(a["data"].get(k).is_some(), "{k}");
    }
}
