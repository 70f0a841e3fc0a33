//! The pharmacist's own e-voucher binding (settings → 人员), against the
//! center emulator: her own e-voucher matches the ID number the manager
//! registered and the binding is recorded (audit-logged); someone else's
//! e-voucher, or an account that is not a pharmacist's, is refused with a
//! sentence and nothing is recorded.

use rxdesk_app::operators::DEMO_PHARMACIST_EC_TOKEN;
use rxdesk_app::{Counter, DataDir, Settings};
use rxdesk_center_sim::{serve, SimConfig};

const WANGFANG_EC: &str = "110000ecdemo00000000000000000000wangfang";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pharmacist_binds_her_own_evoucher_and_not_someone_elses() {
    let sim = serve(SimConfig::default()).await.expect("emulator starts");
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::at(t.path());
    let settings = Settings {
        center_url: Some(sim.base_url()),
        ..Settings::default()
    };
    let counter = Counter::open(&dir, &settings).expect("counter opens");
    let visits = counter.visits().expect("visit service");
    let bound = |c: &Counter| {
        c.store()
            .operators()
            .unwrap()
            .into_iter()
            .find(|o| o.login == "2001")
            .unwrap()
            .ec_bound_at
    };
    let events = |c: &Counter| {
        c.store()
            .audit_entries(200)
            .unwrap()
            .into_iter()
            .filter(|e| e.event == "operator.ec_binding")
            .count()
    };

    // A cashier has nothing to bind.
    let cashier = counter.store().login("1001", "demo-cashier").unwrap();
    let e = visits
        .bind_own_evoucher(&cashier, DEMO_PHARMACIST_EC_TOKEN)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("药师"), "{e}");

    let pharmacist = counter.store().login("2001", "demo-pharmacist").unwrap();
    // Someone else's e-voucher: refused, nothing recorded.
    let e = visits
        .bind_own_evoucher(&pharmacist, WANGFANG_EC)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("不是当前登录药师本人"), "{e}");
    assert_eq!(bound(&counter), None);
    assert_eq!(events(&counter), 0);

    // Her own: bound and audit-logged.
    let ok = visits
        .bind_own_evoucher(&pharmacist, DEMO_PHARMACIST_EC_TOKEN)
        .await
        .unwrap();
    assert!(ok.contains("李药师"), "{ok}");
    assert!(bound(&counter).is_some());
    assert_eq!(events(&counter), 1);
    sim.shutdown().await;
}
