//! The chain manager's desk against the real head office (`rxdesk-hq` over
//! a throwaway PostgreSQL): signing in with a manager's name and password,
//! a wrong password, every view read through the app's client with money as
//! decimal strings, resolving a failure, an expired and an ended session
//! refused (and forgotten), signing out.

mod common;

use std::time::Duration;

use common::hq::{chain_database, register_counter, serve_hq};
use rust_decimal::Decimal;
use rxdesk_app::chain_manager::{ChainManagerDesk, ManagerHqError};
use rxdesk_chain::testing::{sale_records, SaleSpec};
use rxdesk_chain::{ChainDb, Site};
use rxdesk_sync::Product;

const DAY: i64 = 1_735_700_000_000; // 2025-01-01 11:53 CST
const PW: &str = "连锁经理的密码-1";

async fn hq(ttl_ms: Option<i64>) -> (ChainDb, String) {
    let db = chain_database().await;
    let url = serve_hq(&db, ttl_ms).await;
    let phc = rxdesk_chain::managers::hash_password(PW).unwrap();
    db.add_manager("王经理", &phc, DAY).await.unwrap();
    (db, url)
}

async fn counter(db: &ChainDb, store: &str) -> Site {
    let reg = db.add_store(store, "门店", DAY).await.unwrap();
    register_counter(db, store, &reg, 1, DAY).await
}

fn sale(id: i64, code: &str, setl: &str, price: &str, fund: &str) -> SaleSpec {
    SaleSpec {
        local_id: id,
        code: code.into(),
        setl_id: setl.into(),
        hilist_id: "H001".into(),
        price: price.parse().unwrap(),
        fund: fund.parse().unwrap(),
        sold_at: DAY,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_manager_signs_in_and_reads_every_view_through_the_app() {
    let (db, url) = hq(None).await;
    let (a, b) = ("P11010000001", "P11010000002");
    let sa = counter(&db, a).await;
    let sb = counter(&db, b).await;
    let code = "81000000000000000001";
    let r = db
        .integrate(
            &sa,
            sale_records(sa.site_id, a, &sale(1, code, "S1", "12.5", "5")),
            DAY,
        )
        .await
        .unwrap();
    assert!(r.issues.is_empty());
    // The same trace code sold at the other store: refused, a failure.
    let r = db
        .integrate(
            &sb,
            sale_records(sb.site_id, b, &sale(1, code, "S2", "8.50", "0")),
            DAY,
        )
        .await
        .unwrap();
    assert_eq!(r.issues.len(), 1);
    db.publish_products(
        vec![Product {
            fixmedins_hilist_id: "H001".into(),
            med_list_codg: "XNH001".into(),
            name: "布洛芬缓释胶囊".into(),
            genname: String::new(),
            dosform: String::new(),
            spec: String::new(),
            unit: "盒".into(),
            prdr_name: String::new(),
            aprvno: String::new(),
            rx_flag: "0".into(),
            price: Decimal::new(1000, 2),
            active: true,
        }],
        DAY,
    )
    .await
    .unwrap();

    let desk = ChainManagerDesk::default();
    // Wrong password, unknown name: the same refusal.
    assert_eq!(
        desk.sign_in(&url, "王经理", "not-the-password").await,
        Err(ManagerHqError::BadCredentials)
    );
    assert_eq!(
        desk.sign_in(&url, "李经理", PW).await,
        Err(ManagerHqError::BadCredentials)
    );
    assert_eq!(desk.views(0).await, Err(ManagerHqError::NotSignedIn));
    let s = desk.sign_in(&url, "王经理", PW).await.expect("signed in");
    assert_eq!(s.manager, "王经理");
    assert_eq!(desk.session().await, Some(s));

    let v = desk.views(42).await.expect("views");
    assert_eq!(v.fetched_at, 42);
    let codes: Vec<&str> = v.stores.iter().map(|s| s.store_code.as_str()).collect();
    assert_eq!(codes, [a, b]);
    assert_eq!(v.stores[0].counters[0].counter_no, 1);
    assert_eq!(v.failures.len(), 1);
    let f = &v.failures[0];
    assert_eq!((f.store_code.as_str(), f.resolved), (b, false));
    assert!(!f.code.is_empty());
    // Head office's words name the sale that holds the box, the trace code
    // masked on its way to the window (never the database's message).
    assert_eq!(f.code, "trace_code_sold_twice");
    assert_eq!(
        f.message,
        format!(
            "trace code {} was already sold at store {a}, counter 1",
            rxdesk_app::ipc_mask::mask_ids(code)
        )
    );
    assert_eq!(v.stores[1].counters[0].open_issues, 1);
    let day = v
        .reconciliation
        .iter()
        .find(|d| d.store_code == a)
        .expect("store A's day");
    assert_eq!(day.day, "2025-01-01");
    assert_eq!(
        (
            day.settlements,
            day.medfee_sumamt.as_str(),
            day.fund_pay_sumamt.as_str(),
            day.psn_cash_pay.as_str()
        ),
        (1, "12.50", "5.00", "7.50")
    );
    // The same day per 险种, as the store's 3201 is sent.
    assert_eq!(day.by_insutype.len(), 1, "{:?}", day.by_insutype);
    assert_eq!(
        (
            day.by_insutype[0].settlements,
            day.by_insutype[0].medfee_sumamt.as_str(),
            day.by_insutype[0].fund_pay_sumamt.as_str()
        ),
        (1, "12.50", "5.00")
    );
    let chain = v.regulator.last().expect("the chain's row");
    assert_eq!(chain.store_code, "");
    assert_eq!((chain.sales, chain.sales_amount.as_str()), (1, "12.50"));
    assert_eq!(chain.trace_coverage_pct, "100.00");
    assert!(v
        .regulator
        .iter()
        .any(|r| r.store_code == a && r.sales == 1));
    let p = &v.prices[0];
    assert_eq!(p.chain_price.as_deref(), Some("10.00"));
    assert_eq!(p.stores[0].prices, ["12.50"]);
    assert!(p.stores[0].differs);

    // Resolving the failure at head office.
    desk.resolve(f.id).await.expect("resolved");
    let v = desk.views(43).await.unwrap();
    assert!(v.failures[0].resolved);
    assert_eq!(
        desk.resolve(999_999).await,
        Err(ManagerHqError::UnknownIssue)
    );

    // A password change ends the session: refused, then forgotten.
    let phc = rxdesk_chain::managers::hash_password("另一个新密码-22").unwrap();
    assert!(db.set_manager_password("王经理", &phc).await.unwrap());
    assert_eq!(desk.views(44).await, Err(ManagerHqError::SessionEnded));
    assert_eq!(desk.session().await, None);
    assert_eq!(desk.views(45).await, Err(ManagerHqError::NotSignedIn));

    // Signing out ends the session at head office.
    desk.sign_in(&url, "王经理", "另一个新密码-22")
        .await
        .unwrap();
    desk.sign_out().await.unwrap();
    assert_eq!(desk.session().await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_is_refused_and_forgotten() {
    let (_db, url) = hq(Some(1_500)).await;
    let desk = ChainManagerDesk::default();
    desk.sign_in(&url, "王经理", PW).await.unwrap();
    assert!(desk.views(1).await.is_ok());
    tokio::time::sleep(Duration::from_millis(1_700)).await;
    assert_eq!(desk.views(2).await, Err(ManagerHqError::SessionExpired));
    assert_eq!(desk.session().await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_office_out_of_reach_is_said_so() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let desk = ChainManagerDesk::default();
    let e = desk
        .sign_in(&format!("http://127.0.0.1:{port}"), "王经理", PW)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "hq_unreachable");
    assert_eq!(
        desk.sign_in("ftp://hq", "王经理", PW)
            .await
            .unwrap_err()
            .code(),
        "hq_protocol"
    );
}
