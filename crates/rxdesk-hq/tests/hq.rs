//! Head office through real HTTP on 127.0.0.1 over a throwaway PostgreSQL
//! (one cluster and one database per test binary, a fresh store per test):
//! registration, tokens bound to machines, the version window, push/pull,
//! the chain views' figures, the HTML pages, and arbitrary bodies.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use proptest::prelude::*;
use rust_decimal::Decimal;
use rxdesk_chain::testing::{sale_records, SaleSpec, TempPostgres};
use rxdesk_chain::{ChainDb, VersionWindow};
use rxdesk_hq::{AppState, HqConfig};
use rxdesk_sync::{
    PullRequest, PullResponse, PushRequest, PushResponse, RegisterRequest, RegisterResponse,
    SiteStatus, SyncRefusal, Table, PROTOCOL_VERSION,
};
use serde_json::Value;
use uuid::Uuid;

const ADMIN: &str = "admin-token-for-tests-0123456789";
const DAY: i64 = 1_735_700_000_000; // 2025-01-01 11:53 CST

struct Hq {
    rt: tokio::runtime::Runtime,
    url: String,
    client: reqwest::Client,
    db_url: String,
}

fn hq() -> &'static Hq {
    static HQ: OnceLock<Hq> = OnceLock::new();
    HQ.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let db_url = TempPostgres::shared().fresh_database().unwrap();
        let url = rt.block_on(async {
            let db = ChainDb::open(&db_url).await.unwrap();
            let state = AppState::new(
                db,
                HqConfig {
                    admin_token: ADMIN.into(),
                    window: VersionWindow::CURRENT,
                    body_limit: 1024 * 1024,
                },
            );
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = l.local_addr().unwrap();
            tokio::spawn(rxdesk_hq::serve(l, state));
            format!("http://{addr}")
        });
        Hq {
            rt,
            url,
            client: reqwest::Client::new(),
            db_url,
        }
    })
}

fn block<F: std::future::Future>(f: F) -> F::Output {
    hq().rt.block_on(f)
}

async fn call(
    method: &str,
    path: &str,
    body: Vec<u8>,
    headers: &[(&str, String)],
) -> (u16, String) {
    let h = hq();
    let mut rb = match method {
        "GET" => h.client.get(format!("{}{path}", h.url)),
        _ => h.client.post(format!("{}{path}", h.url)).body(body),
    };
    for (k, v) in headers {
        rb = rb.header(*k, v.as_str());
    }
    let r = rb.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn admin_h() -> Vec<(&'static str, String)> {
    vec![("Authorization", format!("Bearer {ADMIN}"))]
}

fn new_store_code() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "P1101{:07}",
        N.fetch_add(1, Ordering::Relaxed) + std::process::id() % 1000 * 1000
    )
}

async fn add_store(code: &str) -> String {
    let (s, b) = call(
        "POST",
        "/v1/admin/stores",
        serde_json::to_vec(&serde_json::json!({"store_code": code, "name": "测试店"})).unwrap(),
        &admin_h(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let v: Value = serde_json::from_str(&b).unwrap();
    v["registration_code"].as_str().unwrap().to_string()
}

struct Counter {
    site: Uuid,
    token: String,
    machine: String,
    store: String,
}

impl Counter {
    fn headers(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Authorization", format!("Bearer {}", self.token)),
            ("X-RxDesk-Machine", self.machine.clone()),
        ]
    }
}

fn refusal(b: &str) -> SyncRefusal {
    serde_json::from_str(b).unwrap_or_else(|e| panic!("not a SyncRefusal ({e}): {b}"))
}

async fn register(
    store: &str,
    reg: &str,
    no: u16,
    version: u32,
) -> Result<Counter, (u16, SyncRefusal)> {
    let machine = format!("m-{store}-{no}");
    let req = RegisterRequest {
        store_code: store.into(),
        counter_no: no,
        machine_id: machine.clone(),
        protocol_version: version,
        registration_code: reg.into(),
    };
    let (s, b) = call(
        "POST",
        "/v1/sites/register",
        serde_json::to_vec(&req).unwrap(),
        &[],
    )
    .await;
    if s != 200 {
        return Err((s, refusal(&b)));
    }
    let r: RegisterResponse = serde_json::from_str(&b).unwrap();
    Ok(Counter {
        site: r.site_id,
        token: r.token,
        machine,
        store: store.into(),
    })
}

async fn push(c: &Counter, records: Vec<rxdesk_sync::SyncRecord>, version: u32) -> (u16, String) {
    let req = PushRequest {
        site_id: c.site,
        protocol_version: version,
        up_to_cursor: 1,
        records,
    };
    call(
        "POST",
        "/v1/sync/push",
        serde_json::to_vec(&req).unwrap(),
        &c.headers(),
    )
    .await
}

async fn pull_all(c: &Counter) -> Vec<rxdesk_sync::SyncRecord> {
    let mut cursor = 0;
    let mut out = Vec::new();
    loop {
        let req = PullRequest {
            site_id: c.site,
            protocol_version: PROTOCOL_VERSION,
            after_cursor: cursor,
            limit: 4,
        };
        let (s, b) = call(
            "POST",
            "/v1/sync/pull",
            serde_json::to_vec(&req).unwrap(),
            &c.headers(),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let p: PullResponse = serde_json::from_str(&b).unwrap();
        out.extend(p.records);
        cursor = p.next_cursor;
        if !p.more {
            return out;
        }
    }
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

#[test]
fn register_with_a_bad_code_is_refused() {
    block(async {
        let a = new_store_code();
        let b = new_store_code();
        let reg_a = add_store(&a).await;
        let reg_b = add_store(&b).await;
        let (s, r) = register(&a, "not-a-code", 1, PROTOCOL_VERSION)
            .await
            .err()
            .unwrap();
        assert_eq!((s, r.code.as_str()), (403, "bad_registration_code"));
        // Another store's code does not register a counter of this store.
        let (s, r) = register(&a, &reg_b, 1, PROTOCOL_VERSION)
            .await
            .err()
            .unwrap();
        assert_eq!((s, r.code.as_str()), (403, "bad_registration_code"));
        assert!(register(&a, &reg_a, 1, PROTOCOL_VERSION).await.is_ok());
        // The admin endpoints want the admin token.
        let (s, b) = call(
            "POST",
            "/v1/admin/stores",
            br#"{"store_code":"P11019999999","name":"x"}"#.to_vec(),
            &[("Authorization", "Bearer wrong".into())],
        )
        .await;
        assert_eq!((s, refusal(&b).code.as_str()), (401, "admin_required"));
    })
}

#[test]
fn a_token_used_from_another_machine_is_refused_machine_mismatch() {
    block(async {
        let a = new_store_code();
        let reg = add_store(&a).await;
        let mut c = register(&a, &reg, 1, PROTOCOL_VERSION).await.unwrap();
        let records = sale_records(
            c.site,
            &a,
            &sale(1, &format!("81{a}000001"), "S1", "10.00", "5.00"),
        );
        c.machine = "another-machine".into();
        let (s, b) = push(&c, records, PROTOCOL_VERSION).await;
        assert_eq!((s, refusal(&b).code.as_str()), (403, "machine_mismatch"));
        let (s, b) = call(
            "GET",
            "/v1/sync/status",
            vec![],
            &[c.headers(), vec![("X-RxDesk-Protocol", "1".into())]].concat(),
        )
        .await;
        assert_eq!((s, refusal(&b).code.as_str()), (403, "machine_mismatch"));
        // A wrong token.
        c.token = "00".repeat(32);
        let (s, b) = push(&c, vec![], PROTOCOL_VERSION).await;
        assert_eq!((s, refusal(&b).code.as_str()), (401, "bad_token"));
    })
}

#[test]
fn a_protocol_version_outside_the_window_is_refused() {
    block(async {
        let a = new_store_code();
        let reg = add_store(&a).await;
        let (s, r) = register(&a, &reg, 1, PROTOCOL_VERSION + 1)
            .await
            .err()
            .unwrap();
        assert_eq!((s, r.code.as_str()), (426, "version_too_new"));
        let c = register(&a, &reg, 1, PROTOCOL_VERSION).await.unwrap();
        let (s, b) = push(&c, vec![], PROTOCOL_VERSION - 1).await;
        assert_eq!((s, refusal(&b).code.as_str()), (426, "version_too_old"));
        let (s, b) = push(&c, vec![], PROTOCOL_VERSION + 1).await;
        assert_eq!((s, refusal(&b).code.as_str()), (426, "version_too_new"));
        let (s, _) = push(&c, vec![], PROTOCOL_VERSION).await;
        assert_eq!(s, 200);
    })
}

#[test]
fn push_pull_round_trip_and_the_chain_views_show_the_figures() {
    block(async {
        let a = new_store_code();
        let reg = add_store(&a).await;
        let c1 = register(&a, &reg, 1, PROTOCOL_VERSION).await.unwrap();
        let c2 = register(&a, &reg, 2, PROTOCOL_VERSION).await.unwrap();
        let (s, b) = call(
            "POST",
            "/v1/admin/products",
            serde_json::to_vec(&serde_json::json!([{
                "fixmedins_hilist_id": "H001", "med_list_codg": "XH001", "name": "布洛芬缓释胶囊",
                "genname": "布洛芬", "dosform": "胶囊", "spec": "0.3g*20", "unit": "盒",
                "prdr_name": "药厂", "aprvno": "国药准字H1", "rx_flag": "0", "price": "25.50", "active": true
            }]))
            .unwrap(),
            &admin_h(),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let mut r1 = Vec::new();
        r1.extend(sale_records(
            c1.site,
            &a,
            &sale(1, &format!("81{a}000101"), "A1", "25.50", "18.00"),
        ));
        r1.extend(sale_records(
            c1.site,
            &a,
            &sale(2, &format!("81{a}000102"), "A2", "25.50", "10.20"),
        ));
        let (s, b) = push(&c1, r1, PROTOCOL_VERSION).await;
        assert_eq!(s, 200, "{b}");
        let pr: PushResponse = serde_json::from_str(&b).unwrap();
        assert_eq!(pr.integrated, 10);
        let mut r2 = Vec::new();
        for i in 1..=3 {
            r2.extend(sale_records(
                c2.site,
                &a,
                &sale(
                    i,
                    &format!("81{a}00020{i}"),
                    &format!("B{i}"),
                    "26.00",
                    "13.00",
                ),
            ));
        }
        let (s, b) = push(&c2, r2, PROTOCOL_VERSION).await;
        assert_eq!(s, 200, "{b}");
        // Counter 2 pulls counter 1's records and the product, not its own.
        let got = pull_all(&c2).await;
        assert_eq!(got.iter().filter(|r| r.table == Table::Product).count(), 1);
        let sibling: Vec<_> = got.iter().filter(|r| r.table != Table::Product).collect();
        assert_eq!(sibling.len(), 10);
        assert!(sibling.iter().all(|r| r.source_site == c1.site));
        // A refused batch: 409 batch_refused carrying the issue.
        let dup = sale_records(
            c2.site,
            &a,
            &sale(9, &format!("81{a}000101"), "B9", "26.00", "13.00"),
        );
        let (s, b) = push(&c2, dup, PROTOCOL_VERSION).await;
        let r = refusal(&b);
        assert_eq!((s, r.code.as_str()), (409, "batch_refused"));
        assert_eq!(r.issues[0].code, "trace_code_sold_twice");
        // The particulars cross the protocol: counter 1 of the same store
        // sold the box first (not PostgreSQL's unique-index message).
        let p = &r.issues[0].params;
        assert_eq!(p["trace_code"], format!("81{a}000101"));
        assert_eq!(p["store_code"], a);
        assert_eq!(p["counter_no"], "1");
        assert!(!r.issues[0].message.contains("constraint"), "{b}");
        let (s, b) = call(
            "GET",
            "/v1/sync/status",
            vec![],
            &[c2.headers(), vec![("X-RxDesk-Protocol", "1".into())]].concat(),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let st: SiteStatus = serde_json::from_str(&b).unwrap();
        assert_eq!(st.issues.len(), 1);
        assert!(st.last_push_at.is_some());
        // The particulars are kept with the issue: read back later (the
        // counter's status, the chain manager's failures) it is worded the same.
        assert_eq!(st.issues[0].params, r.issues[0].params, "{b}");
        let (s, b) = call("GET", "/v1/views/issues", vec![], &admin_h()).await;
        assert_eq!(s, 200, "{b}");
        let v: Value = serde_json::from_str(&b).unwrap();
        let kept = v
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["store_code"] == a.as_str())
            .expect("the store's issue");
        assert_eq!(kept["code"], "trace_code_sold_twice");
        assert_eq!(kept["params"]["trace_code"], format!("81{a}000101"));
        assert_eq!(kept["params"]["store_code"], a.as_str());
        assert_eq!(kept["params"]["counter_no"], "1");
        // Reconciliation: the store's day totals are the sum of both counters'.
        let (s, b) = call("GET", "/v1/views/reconciliation", vec![], &admin_h()).await;
        assert_eq!(s, 200, "{b}");
        let v: Value = serde_json::from_str(&b).unwrap();
        let day = v
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["store_code"] == a.as_str())
            .expect("the store's day");
        assert_eq!(day["day"], "2025-01-01");
        assert_eq!(day["settlements"], 5);
        assert_eq!(day["counters"], 2);
        let d = |k: &str| -> Decimal {
            day[k]
                .as_str()
                .map(|s| s.parse().unwrap())
                .unwrap_or_else(|| day[k].to_string().parse().unwrap())
        };
        assert_eq!(d("medfee_sumamt"), "129.00".parse::<Decimal>().unwrap()); // 2×25.50 + 3×26.00
        assert_eq!(d("fund_pay_sumamt"), "67.20".parse::<Decimal>().unwrap()); // 18.00+10.20+3×13.00
        assert_eq!(d("psn_cash_pay"), "61.80".parse::<Decimal>().unwrap());
        // Per 险种, from the pushed settlements (the fixture's are all 310).
        let per = day["by_insutype"].as_array().expect("by_insutype");
        assert_eq!(per.len(), 1, "{per:?}");
        assert_eq!(per[0]["insutype"], "310");
        assert_eq!(per[0]["settlements"], 5);
        // Regulator figures and the price monitor.
        let (_, b) = call("GET", "/v1/views/regulator", vec![], &admin_h()).await;
        let v: Value = serde_json::from_str(&b).unwrap();
        let f = v
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["store_code"] == a.as_str())
            .unwrap();
        assert_eq!(f["sales"], 5);
        assert_eq!(f["lines"], 5);
        assert_eq!(f["lines_with_codes"], 5);
        let (_, b) = call("GET", "/v1/views/prices", vec![], &admin_h()).await;
        let v: Value = serde_json::from_str(&b).unwrap();
        let p = v
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["fixmedins_hilist_id"] == "H001")
            .unwrap();
        let st = p["stores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["store_code"] == a.as_str())
            .unwrap();
        assert_eq!(st["differs"], true);
        assert_eq!(st["prices"].as_array().unwrap().len(), 2);
        // The stores view shows both counters.
        let (_, b) = call("GET", "/v1/views/stores", vec![], &admin_h()).await;
        let v: Value = serde_json::from_str(&b).unwrap();
        let s = v
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["store_code"] == a.as_str())
            .unwrap();
        assert_eq!(s["sites"].as_array().unwrap().len(), 2);
        let _ = c1.store;
    })
}

#[test]
fn the_html_pages_render_with_zh_cn_labels() {
    block(async {
        let a = new_store_code();
        let reg = add_store(&a).await;
        let c = register(&a, &reg, 1, PROTOCOL_VERSION).await.unwrap();
        let (s, _) = push(
            &c,
            sale_records(
                c.site,
                &a,
                &sale(1, &format!("81{a}000301"), "H1", "12.00", "6.00"),
            ),
            PROTOCOL_VERSION,
        )
        .await;
        assert_eq!(s, 200);
        use base64::Engine as _;
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("manager:{ADMIN}"))
        );
        for (page, labels) in [
            ("stores", &["门店与收银台", "收银台号", "最近上传"][..]),
            ("uploads", &["医保上传状态", "交易编号"][..]),
            ("issues", &["同步失败", "说明"][..]),
            (
                "reconciliation",
                &[
                    "对账",
                    "医疗费总额",
                    "基金支付总额",
                    "个人现金支出",
                    "分险种",
                ][..],
            ),
            ("regulator", &["监管指标", "追溯码覆盖率", "全连锁合计"][..]),
            ("prices", &["价格监测", "连锁定价", "门店售价"][..]),
        ] {
            let (s, b) = call(
                "GET",
                &format!("/chain/{page}"),
                vec![],
                &[("Authorization", basic.clone())],
            )
            .await;
            assert_eq!(s, 200, "{page}: {b}");
            assert!(
                b.starts_with("<!DOCTYPE html><html lang=\"zh-CN\">"),
                "{page}"
            );
            for l in labels {
                assert!(b.contains(l), "{page} lacks {l}");
            }
            assert!(!b.contains("<script"), "{page}");
        }
        let (_, b) = call(
            "GET",
            "/chain/reconciliation",
            vec![],
            &[("Authorization", basic.clone())],
        )
        .await;
        assert!(
            b.contains(&a) && b.contains("12.00") && b.contains("310 5 笔 129.00"),
            "the store's day is on the page"
        );
        // Without the token: the browser is asked to log in.
        let h = hq();
        let r = h
            .client
            .get(format!("{}/chain/stores", h.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 401);
        assert!(r.headers().get("www-authenticate").is_some());
    })
}

/// A chain manager named uniquely for one test, added straight in the
/// database (as `rxdesk-hq manager add` does).
async fn new_manager(tag: &str, password: &str) -> String {
    let name = format!("经理-{tag}-{}", std::process::id());
    let db = ChainDb::open(&hq().db_url).await.unwrap();
    let phc = rxdesk_chain::managers::hash_password(password).unwrap();
    db.add_manager(&name, &phc, rxdesk_hq::now_ms())
        .await
        .unwrap();
    name
}

async fn login(name: &str, password: &str) -> (u16, String) {
    call(
        "POST",
        "/v1/managers/login",
        serde_json::to_vec(&serde_json::json!({"name": name, "password": password})).unwrap(),
        &[],
    )
    .await
}

fn bearer_h(token: &str) -> Vec<(&'static str, String)> {
    vec![("Authorization", format!("Bearer {token}"))]
}

#[test]
fn a_chain_manager_signs_in_reads_every_view_and_signs_out() {
    block(async {
        let name = new_manager("views", "药房经理的密码1").await;
        let (s, b) = login(&name, "药房经理的密码1").await;
        assert_eq!(s, 200, "{b}");
        let r: rxdesk_hq::auth::LoginResponse = serde_json::from_str(&b).unwrap();
        assert_eq!(r.manager, name);
        assert_eq!(r.token.len(), 64);
        let left = r.expires_at - rxdesk_hq::now_ms();
        assert!(
            left > rxdesk_hq::auth::SESSION_TTL_MS - 60_000
                && left <= rxdesk_hq::auth::SESSION_TTL_MS,
            "{left}"
        );
        for v in rxdesk_hq::View::ALL {
            let (s, b) = call(
                "GET",
                &format!("/v1/views/{}", v.slug()),
                vec![],
                &bearer_h(&r.token),
            )
            .await;
            assert_eq!(s, 200, "{}: {b}", v.slug());
            assert!(b.starts_with('['), "{}: {b}", v.slug());
        }
        // The token is kept only as its hash.
        let db = ChainDb::open(&hq().db_url).await.unwrap();
        let kept: Vec<String> = sqlx_rows(&db, "SELECT token_hash FROM manager_sessions").await;
        assert!(!kept.iter().any(|h| h == &r.token));
        assert!(kept.contains(&rxdesk_chain::hash_secret(&r.token)));
        // Signed out: the token no longer opens a view.
        let (s, b) = call("POST", "/v1/managers/logout", vec![], &bearer_h(&r.token)).await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = call("GET", "/v1/views/stores", vec![], &bearer_h(&r.token)).await;
        assert_eq!((s, refusal(&b).code.as_str()), (401, "session_unknown"));
        // A session cannot add stores: that stays the admin token's.
        let (_, b) = login(&name, "药房经理的密码1").await;
        let t: rxdesk_hq::auth::LoginResponse = serde_json::from_str(&b).unwrap();
        let (s, b) = call(
            "POST",
            "/v1/admin/stores",
            br#"{"store_code":"P11019999998","name":"x"}"#.to_vec(),
            &bearer_h(&t.token),
        )
        .await;
        assert_eq!((s, refusal(&b).code.as_str()), (401, "admin_required"));
    })
}

async fn sqlx_rows(db: &ChainDb, sql: &'static str) -> Vec<String> {
    use sqlx::Row as _;
    sqlx::query(sql)
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String, _>(0).unwrap())
        .collect()
}

#[test]
fn unknown_and_expired_sessions_are_refused_with_their_codes() {
    block(async {
        let name = new_manager("expiry", "药房经理的密码2").await;
        let (s, b) = call(
            "GET",
            "/v1/views/uploads",
            vec![],
            &bearer_h(&"ab".repeat(32)),
        )
        .await;
        assert_eq!((s, refusal(&b).code.as_str()), (401, "session_unknown"));
        let db = ChainDb::open(&hq().db_url).await.unwrap();
        // A session opened ten hours and one minute ago has ended.
        let old = db
            .open_manager_session(
                &name,
                rxdesk_hq::now_ms() - rxdesk_hq::auth::SESSION_TTL_MS - 60_000,
                rxdesk_hq::auth::SESSION_TTL_MS,
            )
            .await
            .unwrap();
        let (s, b) = call("GET", "/v1/views/uploads", vec![], &bearer_h(&old.token)).await;
        assert_eq!((s, refusal(&b).code.as_str()), (401, "session_expired"));
        // A page with an expired session's cookie asks the browser to sign in again.
        let h = hq();
        let r = h
            .client
            .get(format!("{}/chain/uploads", h.url))
            .header("Cookie", format!("rxdesk_hq_session={}", old.token))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 401);
        assert!(r.headers().get("www-authenticate").is_some());
    })
}

#[test]
fn a_wrong_password_and_an_unknown_name_are_refused_alike_then_the_name_locks() {
    block(async {
        let name = new_manager("lock", "药房经理的密码3").await;
        let (s1, b1) = login(&name, "wrong-password").await;
        let (s2, b2) = login("nobody-by-this-name", "wrong-password").await;
        assert_eq!((s1, refusal(&b1).code.as_str()), (401, "bad_credentials"));
        // No user enumeration: the same status and the same words.
        assert_eq!((s1, &b1), (s2, &b2));
        // Failures slow down: the third waits at least 3 × 200 ms.
        let _ = login(&name, "wrong-password").await;
        let t = std::time::Instant::now();
        let _ = login(&name, "wrong-password").await;
        assert!(
            t.elapsed() >= std::time::Duration::from_millis(600),
            "{:?}",
            t.elapsed()
        );
        let (s, _) = login(&name, "wrong-password").await;
        assert_eq!(s, 401, "four failures do not lock yet");
        // The fifth failure locks the name; then even the right password is refused.
        let h = hq();
        let r = h
            .client
            .post(format!("{}/v1/managers/login", h.url))
            .body(
                serde_json::to_vec(&serde_json::json!({"name": name, "password": "nope-nope"}))
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 429);
        let retry: i64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry > 800 && retry <= 900, "{retry}");
        assert_eq!(refusal(&r.text().await.unwrap()).code, "login_locked");
        let (s, b) = login(&name, "药房经理的密码3").await;
        assert_eq!((s, refusal(&b).code.as_str()), (429, "login_locked"));
        // Another manager is not locked by it.
        let other = new_manager("lock-other", "药房经理的密码4").await;
        assert_eq!(login(&other, "药房经理的密码4").await.0, 200);
    })
}

#[test]
fn a_browser_signs_in_with_the_managers_name_and_keeps_a_session_cookie() {
    block(async {
        let name = new_manager("browser", "药房经理的密码5").await;
        let h = hq();
        let basic = format!(
            "Basic {}",
            base64_encode(format!("{name}:药房经理的密码5").as_bytes())
        );
        let r = h
            .client
            .get(format!("{}/chain/regulator", h.url))
            .header("Authorization", basic)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        let pair = cookie.split(';').next().unwrap().to_string();
        assert!(pair.starts_with("rxdesk_hq_session="));
        let (s, b) = call("GET", "/chain/prices", vec![], &[("Cookie", pair)]).await;
        assert_eq!(s, 200);
        assert!(b.contains("价格监测"));
        // A wrong password in the browser's prompt is refused as at the API.
        let bad = format!(
            "Basic {}",
            base64_encode(format!("{name}:wrong-one").as_bytes())
        );
        let (s, b) = call("GET", "/chain/prices", vec![], &[("Authorization", bad)]).await;
        assert_eq!((s, refusal(&b).code.as_str()), (401, "bad_credentials"));
    })
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn fuzz_counter() -> &'static (Counter, Vec<u8>) {
    static C: OnceLock<(Counter, Vec<u8>)> = OnceLock::new();
    C.get_or_init(|| {
        block(async {
            let a = new_store_code();
            let reg = add_store(&a).await;
            let c = register(&a, &reg, 1, PROTOCOL_VERSION).await.unwrap();
            let valid = serde_json::to_vec(&PushRequest {
                site_id: c.site,
                protocol_version: PROTOCOL_VERSION,
                up_to_cursor: 1,
                records: sale_records(
                    c.site,
                    &a,
                    &sale(1, &format!("81{a}000401"), "F1", "1.00", "0.50"),
                ),
            })
            .unwrap();
            (c, valid)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn arbitrary_bodies_never_make_a_handler_fail(
        body in proptest::collection::vec(any::<u8>(), 0..600),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
    ) {
        let (c, valid) = fuzz_counter();
        // A mutated valid push (reaching integration) and raw bytes.
        let mut mutated = valid.clone();
        for (i, b) in &flips {
            let n = mutated.len();
            mutated[i % n] = *b;
        }
        for (path, body, auth) in [
            ("/v1/sync/push", body.clone(), true),
            ("/v1/sync/pull", body.clone(), true),
            ("/v1/sites/register", body.clone(), false),
            ("/v1/sync/push", mutated.clone(), true),
            ("/v1/sites/register", mutated, false),
        ] {
            let headers = if auth { c.headers() } else { vec![] };
            let (s, b) = block(call("POST", path, body, &headers));
            prop_assert!((200..500).contains(&s), "{path}: {s} {b}");
            if s != 200 {
                let r: Result<SyncRefusal, _> = serde_json::from_str(&b);
                prop_assert!(r.is_ok(), "{path}: not a refusal: {b}");
            }
        }
    }
}
