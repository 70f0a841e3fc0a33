//! With demo mode off, nothing of the demo world is reachable from the
//! production wiring: no demo operator can sign in, the demo profile and
//! its compiled-in demo credentials are never used (no profile → no desk,
//! a demo profile file → refused), the demo CA is not in the trust store,
//! and the payment simulator is not wired (a "valid-looking" WeChat pay
//! code is not a payment), and no demo drug is in the ledger.

use rxdesk_app::operators::{payment_channel, DEMO_OPERATORS};
use rxdesk_app::{Counter, DataDir, Settings};
use rxdesk_core::Amount;

fn production() -> Settings {
    Settings {
        demo_mode: false,
        center_url: Some("http://127.0.0.1:9".into()),
        ..Settings::default()
    }
}

#[test]
fn no_demo_operator_can_sign_in_in_production() {
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::at(t.path());
    let c = Counter::open(&dir, &production()).unwrap();
    for (login, _, role, password) in DEMO_OPERATORS {
        assert!(
            c.login(login, password, Some(role.code())).is_err(),
            "{login}"
        );
    }
}

#[test]
fn production_never_falls_back_to_the_demo_profile_or_credentials() {
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::at(t.path());
    let s = production();
    // No profile, no credentials: no desk, no background client — with a
    // sentence, not the demo center.
    let e = rxdesk_app::wiring::center_profile(&dir, &s).unwrap_err();
    assert!(e.contains("rxdesk setup"), "{e}");
    assert!(rxdesk_app::manager::background_client(&dir, &s).is_err());
    let c = Counter::open(&dir, &s).unwrap();
    assert!(c.desk().is_err());
    // The built-in demo profile copied into a production directory is refused.
    std::fs::write(
        rxdesk_app::onboarding::profile_path(&dir),
        rxdesk_center::profile::DEMO_PROFILE_TOML,
    )
    .unwrap();
    let e = rxdesk_app::wiring::center_profile(&dir, &s).unwrap_err();
    assert!(e.contains("演示配置"), "{e}");
}

#[test]
fn the_demo_ca_is_not_trusted_in_a_production_directory() {
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::at(t.path());
    let _c = Counter::open(&dir, &production()).unwrap();
    let trust = rxdesk_gm::trust::TrustStore::load_dir(&dir.trust()).unwrap();
    assert!(
        trust.roots().is_empty(),
        "a fresh production directory trusts nothing"
    );
    // The emulator's demo CA only reaches a trust store when written there by
    // the demo rehearsal runner; the production wiring never fetches it.
    let src = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/wiring.rs"),
    )
    .unwrap();
    assert!(!src.contains("/admin/ca.pem"));
}

#[test]
fn the_payment_simulator_is_not_wired_in_production() {
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::at(t.path());
    let amount: Amount = "5.00".parse().unwrap();
    // In demo mode a valid-looking WeChat pay code "pays".
    let demo = payment_channel(&dir, &Settings::default());
    let c = demo.charge("134567890123456789", amount, "O1").unwrap();
    assert_eq!(c.channel.label_zh(), "微信支付");
    // In production it is the external terminal: the code is taken as the
    // terminal's reference (journalled), never as a WeChat payment.
    let prod = payment_channel(&dir, &production());
    let c = prod.charge("134567890123456789", amount, "O1").unwrap();
    assert_eq!(c.channel.label_zh(), "聚合支付终端");
    let journal = std::fs::read_to_string(dir.root().join("payments/terminal.jsonl")).unwrap();
    assert!(journal.contains("134567890123456789"));
}

/// The demo drugs (`assets/demo/drugs.json`, `rxdesk-demo`) are not in a
/// production ledger: `rxdesk-app` cannot reach the demo catalogue at all
/// (it does not depend on `rxdesk-demo`, rxdesk-tidy), and opening a
/// production counter imports nothing.
#[test]
fn no_demo_drug_is_in_a_production_ledger() {
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::at(t.path());
    let c = Counter::open(&dir, &production()).unwrap();
    let drugs = &rxdesk_demo::demo_drugs().drugs;
    assert_eq!(drugs.len(), 6);
    for d in drugs {
        assert!(
            c.store()
                .products_by_med_list_codg(&d.med_list_codg)
                .unwrap()
                .is_empty(),
            "{}",
            d.name
        );
    }
    assert!(c.store().catalogue().unwrap().is_empty());
}
