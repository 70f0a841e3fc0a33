//! Head office in-process for the tests that read it through the app's
//! clients (`chain_manager.rs`, and `recorded_views.rs` recording the chain
//! manager's desk for the window's mocks): `rxdesk-hq` serving a chain
//! database on a throwaway PostgreSQL (`rxdesk_chain::testing::TempPostgres`)
//! on a loopback port, and counters registered with it as `rxdesk chain
//! register` registers them.

use rxdesk_chain::testing::TempPostgres;
use rxdesk_chain::{ChainDb, Site, VersionWindow};
use rxdesk_sync::{RegisterRequest, PROTOCOL_VERSION};

/// A fresh chain database on the shared throwaway PostgreSQL.
pub async fn chain_database() -> ChainDb {
    let url = TempPostgres::shared()
        .fresh_database()
        .expect("a fresh database");
    ChainDb::open(&url).await.expect("chain database opens")
}

/// Serves `db` as head office on a loopback port (sessions lasting `ttl_ms`
/// when given); its URL.
pub async fn serve_hq(db: &ChainDb, ttl_ms: Option<i64>) -> String {
    let mut state = rxdesk_hq::AppState::new(
        db.clone(),
        rxdesk_hq::HqConfig {
            admin_token: "admin-secret-for-tests".into(),
            window: VersionWindow::CURRENT,
            body_limit: rxdesk_hq::DEFAULT_BODY_LIMIT,
        },
    );
    if let Some(ms) = ttl_ms {
        state = state.with_session_ttl_ms(ms);
    }
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(rxdesk_hq::serve(l, state));
    url
}

/// Counter `counter_no` of `store` registered with the store's
/// `registration_code` at `at`, signed in as it pushes.
pub async fn register_counter(
    db: &ChainDb,
    store: &str,
    registration_code: &str,
    counter_no: u16,
    at: i64,
) -> Site {
    let machine = format!("machine-{store}-{counter_no}");
    let r = db
        .register_site(
            &RegisterRequest {
                store_code: store.into(),
                counter_no,
                machine_id: machine.clone(),
                protocol_version: PROTOCOL_VERSION,
                registration_code: registration_code.into(),
            },
            VersionWindow::CURRENT,
            at,
        )
        .await
        .unwrap();
    db.authenticate(&r.token, &machine, PROTOCOL_VERSION, VersionWindow::CURRENT)
        .await
        .unwrap()
}
