//! Head office in-process for the tests that read it through the app's
//! clients (`chain_manager.rs`, and `recorded_views.rs` recording the chain
//! manager's desk for the window's mocks): `rxdesk-hq` serving a chain
//! database on a throwaway PostgreSQL (`rxdesk_chain::testing::TempPostgres`)
//! on a loopback port, and counters registered with it as `rxdesk chain
//! register` registers them; and [`Hq`], head office that can be stopped
//! and started again on its port (`chain.rs`, and the recording of a
//! counter's chain sync status).

use super::Rig;
use rxdesk_app::chain::{self, RegisterArgs};
use rxdesk_app::visit::{OtcPayer, Tender};
use rxdesk_chain::testing::TempPostgres;
use rxdesk_chain::{ChainDb, Site, VersionWindow};
use rxdesk_demo::catalogue::{demo_boxes, DemoBox};
use rxdesk_sync::{RegisterRequest, PROTOCOL_VERSION};
use std::time::Duration;

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

/// Head office on a loopback port, stoppable and restartable on that port
/// (`chain.rs`: out of reach and back; the chain status recording: offline).
pub struct Hq {
    /// Its chain database (read by the tests).
    pub db: ChainDb,
    state: rxdesk_hq::AppState,
    port: u16,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Hq {
    pub async fn start() -> Hq {
        let db = chain_database().await;
        let state = rxdesk_hq::AppState::new(
            db.clone(),
            rxdesk_hq::HqConfig {
                admin_token: "admin-secret".into(),
                window: VersionWindow::CURRENT,
                body_limit: rxdesk_hq::DEFAULT_BODY_LIMIT,
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut hq = Hq {
            db,
            state,
            port,
            task: None,
        };
        hq.serve(listener);
        hq
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let state = self.state.clone();
        self.task = Some(tokio::spawn(async move {
            let _ = rxdesk_hq::serve(listener, state).await;
        }));
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub async fn stop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
    }

    pub async fn restart(&mut self) {
        for _ in 0..100 {
            if let Ok(l) = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await {
                self.serve(l);
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("cannot listen on port {} again", self.port);
    }

    pub async fn count(&self, table: &str) -> i64 {
        self.db.record_counts().await.unwrap()[table]
    }

    /// Every transfer document head office holds for `store` (its own and
    /// those addressed to it), as (direction, state, received_by), read by
    /// a fresh site of that store pulling from the start.
    pub async fn transfers_seen_by(
        &self,
        store: &str,
        reg_code: &str,
    ) -> Vec<(String, String, String)> {
        let machine = format!("probe-{store}");
        let r = self
            .db
            .register_site(
                &rxdesk_sync::RegisterRequest {
                    store_code: store.into(),
                    counter_no: 99,
                    machine_id: machine.clone(),
                    protocol_version: rxdesk_sync::PROTOCOL_VERSION,
                    registration_code: reg_code.into(),
                },
                rxdesk_chain::VersionWindow::CURRENT,
                0,
            )
            .await
            .unwrap();
        let site = self
            .db
            .authenticate(
                &r.token,
                &machine,
                rxdesk_sync::PROTOCOL_VERSION,
                rxdesk_chain::VersionWindow::CURRENT,
            )
            .await
            .unwrap();
        let mut out: Vec<_> = self
            .db
            .pull(&site, 0, 5_000, 0)
            .await
            .unwrap()
            .records
            .into_iter()
            .filter_map(|r| match r.data {
                Some(rxdesk_sync::RecordData::Transfer(t)) => {
                    Some((t.direction, t.state, t.received_by))
                }
                _ => None,
            })
            .collect();
        out.sort();
        out
    }
}

/// 布洛芬缓释胶囊, the product the chain tests sell.
pub const IBU: &str = "YP000002";
const T: Duration = Duration::from_secs(10);

/// The demo boxes of [`IBU`].
pub fn ibu_boxes() -> Vec<DemoBox> {
    demo_boxes()
        .into_iter()
        .filter(|b| b.fixmedins_hilist_id == IBU)
        .collect()
}

/// The store code of the rig's ledger.
pub fn store_code(rig: &Rig) -> String {
    rig.counter
        .store()
        .institution()
        .unwrap()
        .expect("institution")
}

/// Registers the rig's ledger as counter `counter_no` with the store's code.
pub async fn register(rig: &Rig, hq: &Hq, counter_no: u16, code: &str) {
    chain::register(
        rig.counter.store(),
        &RegisterArgs {
            hq_url: hq.url(),
            store_code: store_code(rig),
            counter_no,
            registration_code: code.into(),
        },
        T,
    )
    .await
    .expect("registered");
}

/// An OTC self-paid sale of these trace codes (each after the box's barcode).
pub async fn sell(rig: &Rig, codes: &[String]) {
    let s = rig.session();
    let barcode = ibu_boxes()[0].barcode.clone();
    rig.visits().otc_start(&s).await.unwrap();
    for c in codes {
        let o = rig.visits().otc_scan(&s, &barcode).await.unwrap();
        assert!(o.ok, "{}: {}", o.code, o.message_zh);
        let o = rig.visits().otc_scan(&s, c).await.unwrap();
        assert!(o.ok, "{}: {}", o.code, o.message_zh);
    }
    let v = rig
        .visits()
        .otc_checkout(&s, OtcPayer::SelfPay)
        .await
        .unwrap();
    let cash = v.split.clone().unwrap().cash_pay;
    rig.visits().otc_settle(&s).await.unwrap();
    rig.visits()
        .otc_pay(&s, Tender::parse("cash", Some(&cash), None).unwrap())
        .await
        .unwrap();
    rig.visits().otc_complete(&s).await.unwrap();
}

/// Waits until the counter's outbox has nothing in flight (its upload
/// states change, and each change is logged for head office too).
pub async fn quiet(rig: &Rig) {
    for _ in 0..300 {
        let q = rig.counter.store().queue_status().unwrap();
        if q.pending == 0 && q.sending == 0 && q.uncertain == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the outbox never settled");
}
