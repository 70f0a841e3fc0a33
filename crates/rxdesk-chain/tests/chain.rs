//! The chain database's behaviour, each case run on SQLite (a temp file)
//! and on PostgreSQL (a throwaway cluster started by
//! `rxdesk_chain::testing::TempPostgres`, one per test binary, a fresh
//! database per test): the same migrations and queries must hold the
//! ledger's invariants on both engines.

use rust_decimal::Decimal;
use rxdesk_chain::testing::{sale_records, temp_sqlite_url, SaleSpec, TempPostgres};
use rxdesk_chain::{ChainDb, Site, VersionWindow};
use rxdesk_sync::{
    Product, RecordData, RegisterRequest, RowAction, SyncRecord, Table, UploadState,
    PROTOCOL_VERSION,
};
use uuid::Uuid;

const A: &str = "P11010500001";
const B: &str = "P11010500002";
const NOW: i64 = 1_735_700_000_000;

async fn sqlite_db() -> ChainDb {
    ChainDb::open(&temp_sqlite_url())
        .await
        .expect("sqlite opens")
}

async fn pg_db() -> ChainDb {
    let url = TempPostgres::shared()
        .fresh_database()
        .expect("a fresh PostgreSQL database");
    ChainDb::open(&url).await.expect("postgres opens")
}

macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(super::sqlite_db().await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(super::pg_db().await).await
            }
        }
    )*};
}

on_both_engines!(
    migrations_apply_and_reapply,
    a_trace_code_sold_at_two_counters_is_refused_whole,
    a_settlement_with_a_second_sale_is_refused,
    an_identical_re_push_changes_nothing,
    a_record_of_another_site_is_refused_not_owner,
    pull_returns_siblings_and_central_but_never_own_or_other_stores,
    pull_pages_by_cursor,
    concurrent_pushes_never_make_a_pull_skip_a_record,
    the_regulator_counts_fund_paid_net_of_refunds,
    a_transfers_receipt_goes_back_to_the_sending_store_only,
    a_stores_day_is_summed_per_insutype,
);

struct Chain {
    db: ChainDb,
    codes: std::collections::HashMap<String, String>,
}

impl Chain {
    async fn new(db: ChainDb) -> Chain {
        let mut codes = std::collections::HashMap::new();
        for (s, n) in [(A, "东城店"), (B, "西城店")] {
            codes.insert(s.to_string(), db.add_store(s, n, NOW).await.unwrap());
        }
        Chain { db, codes }
    }

    async fn counter(&self, store: &str, no: u16) -> Site {
        let machine = format!("machine-{store}-{no}");
        let r = self
            .db
            .register_site(
                &RegisterRequest {
                    store_code: store.into(),
                    counter_no: no,
                    machine_id: machine.clone(),
                    protocol_version: PROTOCOL_VERSION,
                    registration_code: self.codes[store].clone(),
                },
                VersionWindow::CURRENT,
                NOW,
            )
            .await
            .unwrap();
        let site = self
            .db
            .authenticate(&r.token, &machine, PROTOCOL_VERSION, VersionWindow::CURRENT)
            .await
            .unwrap();
        assert_eq!(site.site_id, r.site_id);
        site
    }
}

fn spec(local_id: i64, code: &str, setl_id: &str) -> SaleSpec {
    SaleSpec {
        local_id,
        code: code.into(),
        setl_id: setl_id.into(),
        hilist_id: "H001".into(),
        price: Decimal::new(2550, 2),
        fund: Decimal::new(1800, 2),
        sold_at: NOW,
    }
}

async fn snapshot(db: &ChainDb) -> (Vec<(&'static str, i64)>, i64) {
    (
        db.record_counts().await.unwrap().into_iter().collect(),
        db.changelog_len().await.unwrap(),
    )
}

async fn migrations_apply_and_reapply(db: ChainDb) {
    assert_eq!(db.schema_version().await.unwrap(), 3);
    let counts = db.record_counts().await.unwrap();
    assert_eq!(counts.len(), Table::ALL.len());
    assert!(counts.values().all(|n| *n == 0));
    // Applying again (a restart) is harmless and keeps head office's id.
    let hq = db.hq_site();
    assert!(!hq.is_nil());
    db.migrate().await.unwrap();
    assert_eq!(db.schema_version().await.unwrap(), 3);
    assert_eq!(db.hq_site(), hq);
}

async fn a_trace_code_sold_at_two_counters_is_refused_whole(db: ChainDb) {
    let c = Chain::new(db).await;
    let a1 = c.counter(A, 1).await;
    let b1 = c.counter(B, 1).await;
    let code = "81234567890123456789";
    let ok =
        c.db.integrate(
            &a1,
            sale_records(a1.site_id, A, &spec(1, code, "S-A-1")),
            NOW,
        )
        .await
        .unwrap();
    assert!(ok.issues.is_empty(), "{:?}", ok.issues);
    assert_eq!(ok.integrated, 5);
    let before = snapshot(&c.db).await;
    // Another store's counter sells the same box: refused, nothing of the
    // batch (not even its sale or settlement) is integrated.
    let mut batch = sale_records(b1.site_id, B, &spec(1, "80000000000000000001", "S-B-1"));
    batch.extend(sale_records(b1.site_id, B, &spec(2, code, "S-B-2")));
    let refused = c.db.integrate(&b1, batch, NOW).await.unwrap();
    assert_eq!(refused.integrated, 0);
    assert_eq!(refused.issues.len(), 1);
    assert_eq!(refused.issues[0].code, "trace_code_sold_twice");
    assert_eq!(refused.issues[0].table, Table::TraceCode);
    // In words the counter can show: whose sale holds the box, not the
    // database's message about its unique index.
    let p = &refused.issues[0].params;
    assert_eq!(p.get("trace_code").map(String::as_str), Some(code));
    assert_eq!(p.get("store_code").map(String::as_str), Some(A));
    assert_eq!(p.get("counter_no").map(String::as_str), Some("1"));
    assert_eq!(
        refused.issues[0].message,
        format!("trace code {code} was already sold at store {A}, counter 1")
    );
    assert!(!refused.issues[0].message.contains("constraint"));
    assert_eq!(snapshot(&c.db).await, before);
    let issues = rxdesk_chain::views::issues(&c.db, None, true)
        .await
        .unwrap();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].code, "trace_code_sold_twice");
    assert_eq!(issues[0].store_code, B);
    // Kept with the issue (both engines): read back, it is worded the same.
    assert_eq!(&issues[0].params, p);
    let status = c.db.site_status(&b1).await.unwrap();
    assert!(status.last_error.starts_with("trace_code_sold_twice"));
    assert_eq!(status.issues.len(), 1);
    assert_eq!(&status.issues[0].params, p);
    // Once the first sale's code is returned, it may be sold again.
    let mut ret = sale_records(a1.site_id, A, &spec(1, code, "S-A-1"));
    for r in &mut ret {
        if let Some(RecordData::TraceCode(t)) = &mut r.data {
            t.returned = true;
        }
    }
    assert!(c
        .db
        .integrate(&a1, ret, NOW)
        .await
        .unwrap()
        .issues
        .is_empty());
    let again = sale_records(b1.site_id, B, &spec(2, code, "S-B-2"));
    let ok = c.db.integrate(&b1, again, NOW).await.unwrap();
    assert!(ok.issues.is_empty(), "{:?}", ok.issues);
}

async fn a_settlement_with_a_second_sale_is_refused(db: ChainDb) {
    let c = Chain::new(db).await;
    let a1 = c.counter(A, 1).await;
    let a2 = c.counter(A, 2).await;
    let ok =
        c.db.integrate(
            &a1,
            sale_records(a1.site_id, A, &spec(1, "80000000000000000011", "SETL-1")),
            NOW,
        )
        .await
        .unwrap();
    assert!(ok.issues.is_empty());
    let before = snapshot(&c.db).await;
    // The same store's other counter claims the same 结算ID for its sale.
    let r =
        c.db.integrate(
            &a2,
            sale_records(a2.site_id, A, &spec(1, "80000000000000000012", "SETL-1")),
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(r.issues.len(), 1);
    assert_eq!(r.issues[0].code, "settlement_has_two_sales");
    assert_eq!(snapshot(&c.db).await, before);
    // A second settlement of the same sale.
    let mut second = sale_records(a1.site_id, A, &spec(1, "80000000000000000011", "SETL-9"));
    let settlement = second
        .iter_mut()
        .find(|r| r.table == Table::Settlement)
        .unwrap();
    settlement.record_id = rxdesk_sync::record_id(a1.site_id, Table::Settlement, 77);
    let r =
        c.db.integrate(&a1, vec![settlement.clone()], NOW)
            .await
            .unwrap();
    assert_eq!(r.issues.len(), 1);
    assert_eq!(r.issues[0].code, "sale_settled_twice");
    assert_eq!(snapshot(&c.db).await, before);
    // The same 结算ID in another store is another institution's: accepted.
    let b1 = c.counter(B, 1).await;
    let r =
        c.db.integrate(
            &b1,
            sale_records(b1.site_id, B, &spec(1, "80000000000000000013", "SETL-1")),
            NOW,
        )
        .await
        .unwrap();
    assert!(r.issues.is_empty(), "{:?}", r.issues);
}

async fn an_identical_re_push_changes_nothing(db: ChainDb) {
    let c = Chain::new(db).await;
    let a1 = c.counter(A, 1).await;
    let mut batch = Vec::new();
    for i in 1..=3 {
        batch.extend(sale_records(
            a1.site_id,
            A,
            &spec(i, &format!("8000000000000000010{i}"), &format!("S{i}")),
        ));
    }
    let first = c.db.integrate(&a1, batch.clone(), NOW).await.unwrap();
    assert_eq!(first.integrated, 15);
    let after_first = snapshot(&c.db).await;
    assert_eq!(after_first.1, 15);
    let again = c.db.integrate(&a1, batch.clone(), NOW + 1).await.unwrap();
    assert!(again.issues.is_empty());
    assert_eq!(again.integrated, 15);
    assert_eq!(snapshot(&c.db).await, after_first);
    // A sibling pulling sees each record once.
    let a2 = c.counter(A, 2).await;
    let p = c.db.pull(&a2, 0, 100, NOW).await.unwrap();
    assert_eq!(p.records.len(), 15);
    // A changed record is a new changelog entry replacing the old one.
    let mut changed = batch[0].clone();
    if let Some(RecordData::Sale(s)) = &mut changed.data {
        s.state = "refunded".into();
    }
    c.db.integrate(&a1, vec![changed], NOW + 2).await.unwrap();
    assert_eq!(c.db.changelog_len().await.unwrap(), 15);
    let p2 = c.db.pull(&a2, p.next_cursor, 100, NOW).await.unwrap();
    assert_eq!(p2.records.len(), 1);
    match &p2.records[0].data {
        Some(RecordData::Sale(s)) => assert_eq!(s.state, "refunded"),
        other => panic!("{other:?}"),
    }
}

async fn a_record_of_another_site_is_refused_not_owner(db: ChainDb) {
    let c = Chain::new(db).await;
    let a1 = c.counter(A, 1).await;
    let a2 = c.counter(A, 2).await;
    let b1 = c.counter(B, 1).await;
    // a2 pushes a record claiming to be a1's.
    let forged = sale_records(a1.site_id, A, &spec(1, "80000000000000000201", "S1"));
    let r = c.db.integrate(&a2, forged, NOW).await.unwrap();
    assert!(!r.issues.is_empty());
    assert!(r.issues.iter().all(|i| i.code == "not_owner"));
    assert_eq!(c.db.changelog_len().await.unwrap(), 0);
    // b1 pushes its own record but labelled with store A.
    let wrong_store = sale_records(b1.site_id, A, &spec(1, "80000000000000000202", "S2"));
    let r = c.db.integrate(&b1, wrong_store, NOW).await.unwrap();
    assert!(r.issues.iter().all(|i| i.code == "not_owner"));
    // a2 overwrites a1's record id under its own name.
    let own = sale_records(a1.site_id, A, &spec(1, "80000000000000000203", "S3"));
    assert!(c
        .db
        .integrate(&a1, own.clone(), NOW)
        .await
        .unwrap()
        .issues
        .is_empty());
    let mut hijack = own[0].clone();
    hijack.source_site = a2.site_id;
    let r = c.db.integrate(&a2, vec![hijack], NOW).await.unwrap();
    assert_eq!(r.issues.len(), 1);
    assert_eq!(r.issues[0].code, "not_owner");
    // Central data from a site.
    let product = SyncRecord {
        record_id: Uuid::new_v4(),
        source_site: a1.site_id,
        store_code: A.into(),
        action: RowAction::Upsert,
        table: Table::Product,
        data: Some(RecordData::Product(product("H9", "9.90"))),
    };
    let r = c.db.integrate(&a1, vec![product], NOW).await.unwrap();
    assert_eq!(r.issues[0].code, "not_owner");
}

fn product(id: &str, price: &str) -> Product {
    Product {
        fixmedins_hilist_id: id.into(),
        med_list_codg: format!("XN{id}"),
        name: format!("药品{id}"),
        genname: String::new(),
        dosform: "片剂".into(),
        spec: "0.1g*24".into(),
        unit: "盒".into(),
        prdr_name: "药厂".into(),
        aprvno: "国药准字H00000000".into(),
        rx_flag: "0".into(),
        price: price.parse().unwrap(),
        active: true,
    }
}

fn upload(site: Uuid, store: &str, n: i64) -> SyncRecord {
    SyncRecord {
        record_id: rxdesk_sync::record_id(site, Table::UploadState, n),
        source_site: site,
        store_code: store.into(),
        action: RowAction::Upsert,
        table: Table::UploadState,
        data: Some(RecordData::UploadState(UploadState {
            msgid: format!("M{n}"),
            op: "7204".into(),
            ref_kind: "sale".into(),
            ref_record: None,
            state: "done".into(),
            attempts: 1,
            reject_code: String::new(),
            created_at: NOW,
            updated_at: NOW,
        })),
    }
}

async fn pull_returns_siblings_and_central_but_never_own_or_other_stores(db: ChainDb) {
    let c = Chain::new(db).await;
    let a1 = c.counter(A, 1).await;
    let a2 = c.counter(A, 2).await;
    let b1 = c.counter(B, 1).await;
    c.db.publish_products(vec![product("H001", "25.50"), product("H002", "9.90")], NOW)
        .await
        .unwrap();
    for (s, store, code) in [
        (&a1, A, "80000000000000000301"),
        (&a2, A, "80000000000000000302"),
        (&b1, B, "80000000000000000303"),
    ] {
        let mut batch = sale_records(s.site_id, store, &spec(1, code, &format!("S{code}")));
        batch.push(upload(s.site_id, store, 1));
        let r = c.db.integrate(s, batch, NOW).await.unwrap();
        assert!(r.issues.is_empty(), "{:?}", r.issues);
    }
    let p = c.db.pull(&a2, 0, 1000, NOW).await.unwrap();
    assert!(!p.more);
    let products = p
        .records
        .iter()
        .filter(|r| r.table == Table::Product)
        .count();
    assert_eq!(products, 2);
    assert!(p
        .records
        .iter()
        .filter(|r| r.table == Table::Product)
        .all(|r| r.source_site == c.db.hq_site() && r.store_code.is_empty()));
    let sibling: Vec<_> = p
        .records
        .iter()
        .filter(|r| r.table != Table::Product)
        .collect();
    assert_eq!(sibling.len(), 6);
    assert!(sibling
        .iter()
        .all(|r| r.source_site == a1.site_id && r.store_code == A));
    assert!(p.records.iter().all(|r| r.source_site != a2.site_id));
    // The other store sees only products and nothing of store A.
    let pb = c.db.pull(&b1, 0, 1000, NOW).await.unwrap();
    assert_eq!(pb.records.len(), 2);
    assert!(pb.records.iter().all(|r| r.table == Table::Product));
    // Publishing the same products again changes nothing; a price change is
    // pulled again.
    c.db.publish_products(vec![product("H001", "25.50")], NOW)
        .await
        .unwrap();
    assert!(c
        .db
        .pull(&b1, pb.next_cursor, 1000, NOW)
        .await
        .unwrap()
        .records
        .is_empty());
    c.db.publish_products(vec![product("H001", "26.00")], NOW)
        .await
        .unwrap();
    let p3 = c.db.pull(&b1, pb.next_cursor, 1000, NOW).await.unwrap();
    assert_eq!(p3.records.len(), 1);
    // A transfer out of store A addressed to store B reaches B's counters.
    let t = SyncRecord {
        record_id: rxdesk_sync::record_id(a1.site_id, Table::Transfer, 1),
        source_site: a1.site_id,
        store_code: A.into(),
        action: RowAction::Upsert,
        table: Table::Transfer,
        data: Some(RecordData::Transfer(rxdesk_sync::Transfer {
            direction: "out".into(),
            doc_no: "DB001".into(),
            from_store: A.into(),
            to_store: B.into(),
            originating: None,
            lines: vec![],
            state: "sent".into(),
            operator: "m".into(),
            at: NOW,
            received_by: String::new(),
            received_at: None,
        })),
    };
    assert!(c
        .db
        .integrate(&a1, vec![t], NOW)
        .await
        .unwrap()
        .issues
        .is_empty());
    let p4 = c.db.pull(&b1, p3.next_cursor, 1000, NOW).await.unwrap();
    assert_eq!(p4.records.len(), 1);
    assert_eq!(p4.records[0].table, Table::Transfer);
    // Status: a2's backlog is the transfer it has not pulled yet.
    let st = c.db.site_status(&a2).await.unwrap();
    assert_eq!(st.backlog, 2, "{st:?}");
}

async fn pull_pages_by_cursor(db: ChainDb) {
    let c = Chain::new(db).await;
    let a1 = c.counter(A, 1).await;
    let a2 = c.counter(A, 2).await;
    let mut batch = Vec::new();
    for i in 1..=7 {
        batch.push(upload(a1.site_id, A, i));
    }
    assert!(c
        .db
        .integrate(&a1, batch, NOW)
        .await
        .unwrap()
        .issues
        .is_empty());
    let mut cursor = 0;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let p = c.db.pull(&a2, cursor, 3, NOW).await.unwrap();
        pages += 1;
        assert!(p.records.len() <= 3);
        seen.extend(p.records.iter().map(|r| r.record_id));
        assert!(p.next_cursor >= cursor);
        cursor = p.next_cursor;
        if !p.more {
            break;
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 3);
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 7);
    assert_eq!(seen.len(), 7);
    // After the last page, nothing more.
    assert!(c
        .db
        .pull(&a2, cursor, 3, NOW)
        .await
        .unwrap()
        .records
        .is_empty());
}

async fn concurrent_pushes_never_make_a_pull_skip_a_record(db: ChainDb) {
    // Six counters of a store push at once while a seventh pulls all the
    // time: cursors must be committed in order, or a pull that moved past a
    // cursor committed later would lose that record for good.
    let c = std::sync::Arc::new(Chain::new(db).await);
    let mut sites = Vec::new();
    for no in 1..=7 {
        sites.push(c.counter(A, no).await);
    }
    let puller = sites.pop().unwrap();
    let mut pushers = Vec::new();
    for (k, s) in sites.into_iter().enumerate() {
        let c = c.clone();
        pushers.push(tokio::spawn(async move {
            for b in 0..8i64 {
                let mut batch = Vec::new();
                for j in 0..3i64 {
                    let id = b * 3 + j + 1;
                    batch.extend(sale_records(
                        s.site_id,
                        A,
                        &spec(id, &format!("8{k:03}{id:016}"), &format!("S{k}-{id}")),
                    ));
                }
                let r = c.db.integrate(&s, batch, NOW).await.unwrap();
                assert!(r.issues.is_empty(), "{:?}", r.issues);
            }
        }));
    }
    let mut seen = std::collections::HashSet::new();
    let mut cursor = 0;
    loop {
        let done = pushers.iter().all(|p| p.is_finished());
        let p = c.db.pull(&puller, cursor, 7, NOW).await.unwrap();
        assert!(p.next_cursor >= cursor);
        cursor = p.next_cursor;
        for r in p.records {
            seen.insert(r.record_id);
        }
        if done && !p.more {
            break;
        }
    }
    for p in pushers {
        p.await.unwrap();
    }
    // A last pull after every push finished brings nothing new.
    let last = c.db.pull(&puller, cursor, 1000, NOW).await.unwrap();
    seen.extend(last.records.iter().map(|r| r.record_id));
    assert_eq!(seen.len(), 6 * 8 * 3 * 5, "records skipped by the pulls");
    assert!(
        last.records.is_empty(),
        "{} records arrived after the pulls ended",
        last.records.len()
    );
}

/// The regulator's 医保 fund paid is net: a refunded sale's settlement was
/// reversed at the center (2103), so it is left out, as the reconciliation
/// view leaves it out; the refund itself is counted.
async fn the_regulator_counts_fund_paid_net_of_refunds(db: ChainDb) {
    let c = Chain::new(db).await;
    let a1 = c.counter(A, 1).await;
    let mut batch = Vec::new();
    for i in 1..=2 {
        batch.extend(sale_records(
            a1.site_id,
            A,
            &spec(i, &format!("8000000000000000020{i}"), &format!("R{i}")),
        ));
    }
    c.db.integrate(&a1, batch.clone(), NOW).await.unwrap();
    let fund = |figs: &[rxdesk_chain::views::RegulatorFigures]| {
        let f = figs.iter().find(|f| f.store_code == A).unwrap();
        (f.fund_paid, f.refunds, f.sales)
    };
    let before = rxdesk_chain::views::regulator(&c.db).await.unwrap();
    assert_eq!(fund(&before), (Decimal::new(3600, 2), 0, 2));
    // The first sale is refunded.
    let mut refunded = batch[0].clone();
    if let Some(RecordData::Sale(s)) = &mut refunded.data {
        s.state = "refunded".into();
    }
    let refund = SyncRecord {
        record_id: rxdesk_sync::record_id(a1.site_id, Table::Refund, 1),
        source_site: a1.site_id,
        store_code: A.into(),
        action: RowAction::Upsert,
        table: Table::Refund,
        data: Some(RecordData::Refund(rxdesk_sync::Refund {
            sale: rxdesk_sync::record_id(a1.site_id, Table::Sale, 1),
            operator: "boss".into(),
            reason: "过敏".into(),
            refunded_at: NOW + 5,
        })),
    };
    let out =
        c.db.integrate(&a1, vec![refunded, refund], NOW + 5)
            .await
            .unwrap();
    assert!(out.issues.is_empty(), "{:?}", out.issues);
    let after = rxdesk_chain::views::regulator(&c.db).await.unwrap();
    assert_eq!(fund(&after), (Decimal::new(1800, 2), 1, 2), "{after:?}");
    // The chain's row adds the stores up the same way.
    let chain = after.iter().find(|f| f.store_code.is_empty()).unwrap();
    assert_eq!(chain.fund_paid, Decimal::new(1800, 2));
}

fn transfer(site: Uuid, store: &str, local: i64, t: rxdesk_sync::Transfer) -> SyncRecord {
    SyncRecord {
        record_id: rxdesk_sync::record_id(site, Table::Transfer, local),
        source_site: site,
        store_code: store.into(),
        action: RowAction::Upsert,
        table: Table::Transfer,
        data: Some(RecordData::Transfer(t)),
    }
}

/// The `out` document goes to the receiving store; the paired `in` document
/// (the receipt) comes back to the sending store's sites, not to a third
/// store, never to the site that wrote it; the sender's `received` update of
/// its `out` goes to the receiver again (which ignores it as already held).
async fn a_transfers_receipt_goes_back_to_the_sending_store_only(db: ChainDb) {
    const X: &str = "P11010500003";
    let mut c = Chain::new(db).await;
    let code = c.db.add_store(X, "北城店", NOW).await.unwrap();
    c.codes.insert(X.to_string(), code);
    let a1 = c.counter(A, 1).await;
    let a2 = c.counter(A, 2).await;
    let b1 = c.counter(B, 1).await;
    let x1 = c.counter(X, 1).await;
    let sent = rxdesk_sync::Transfer {
        direction: "out".into(),
        doc_no: "DB001".into(),
        from_store: A.into(),
        to_store: B.into(),
        originating: None,
        lines: vec![],
        state: "sent".into(),
        operator: "m".into(),
        at: NOW,
        received_by: String::new(),
        received_at: None,
    };
    let out = transfer(a1.site_id, A, 1, sent.clone());
    assert!(c
        .db
        .integrate(&a1, vec![out.clone()], NOW)
        .await
        .unwrap()
        .issues
        .is_empty());
    let pb = c.db.pull(&b1, 0, 1000, NOW).await.unwrap();
    assert_eq!(pb.records.len(), 1);
    let receipt = transfer(
        b1.site_id,
        B,
        1,
        rxdesk_sync::Transfer {
            direction: "in".into(),
            originating: Some(out.record_id),
            state: "received".into(),
            received_by: "b_boss".into(),
            received_at: Some(NOW + 10),
            ..sent.clone()
        },
    );
    assert!(c
        .db
        .integrate(&b1, vec![receipt.clone()], NOW + 10)
        .await
        .unwrap()
        .issues
        .is_empty());
    for site in [&a1, &a2] {
        let p = c.db.pull(site, 0, 1000, NOW).await.unwrap();
        let got: Vec<_> = p
            .records
            .iter()
            .filter(|r| r.source_site == b1.site_id)
            .collect();
        assert_eq!(got.len(), 1, "{:?}", p.records);
        assert_eq!(got[0].data, receipt.data);
    }
    // Neither a third store nor the receiver's own site gets the receipt.
    let px = c.db.pull(&x1, 0, 1000, NOW).await.unwrap();
    assert!(
        px.records.iter().all(|r| r.table != Table::Transfer),
        "{:?}",
        px.records
    );
    let pb2 = c.db.pull(&b1, pb.next_cursor, 1000, NOW).await.unwrap();
    assert!(pb2.records.is_empty(), "{:?}", pb2.records);
    // The sender marks its own document received and pushes it: head office
    // keeps it received and the receiving store pulls the change once.
    let marked = transfer(
        a1.site_id,
        A,
        1,
        rxdesk_sync::Transfer {
            state: "received".into(),
            received_by: "b_boss".into(),
            received_at: Some(NOW + 10),
            ..sent
        },
    );
    assert!(c
        .db
        .integrate(&a1, vec![marked.clone()], NOW + 20)
        .await
        .unwrap()
        .issues
        .is_empty());
    let pb3 = c.db.pull(&b1, pb.next_cursor, 1000, NOW).await.unwrap();
    assert_eq!(pb3.records.len(), 1, "{:?}", pb3.records);
    assert_eq!(pb3.records[0].data, marked.data);
    assert_eq!(c.db.record_counts().await.unwrap()["transfer"], 2);
}

/// Two 险种 in one store's day, settled at two counters: the day's row keeps
/// the store-wide totals and splits them per 险种 (what each store-wide 3201
/// is sent with).
async fn a_stores_day_is_summed_per_insutype(db: ChainDb) {
    let c = Chain::new(db).await;
    let a1 = c.counter(A, 1).await;
    let a2 = c.counter(A, 2).await;
    let with_insutype = |mut recs: Vec<SyncRecord>, insutype: &str| {
        for r in &mut recs {
            if let Some(RecordData::Settlement(s)) = &mut r.data {
                s.insutype = insutype.into();
            }
        }
        recs
    };
    for (site, n, insutype) in [(&a1, 1, "310"), (&a1, 2, "390"), (&a2, 1, "390")] {
        let code = format!("8{}{n:018}", site.counter_no);
        let recs = with_insutype(
            sale_records(
                site.site_id,
                A,
                &spec(n, &code, &format!("S{}-{n}", site.counter_no)),
            ),
            insutype,
        );
        let r = c.db.integrate(site, recs, NOW).await.unwrap();
        assert!(r.issues.is_empty(), "{:?}", r.issues);
    }
    let days = rxdesk_chain::views::reconciliation(&c.db).await.unwrap();
    let d = days
        .iter()
        .find(|d| d.store_code == A)
        .expect("store A's day");
    assert_eq!((d.settlements, d.counters), (3, 2));
    let per: Vec<_> = d
        .by_insutype
        .iter()
        .map(|t| {
            (
                t.insutype.as_str(),
                t.settlements,
                t.medfee_sumamt,
                t.fund_pay_sumamt,
            )
        })
        .collect();
    assert_eq!(
        per,
        vec![
            ("310", 1, Decimal::new(2550, 2), Decimal::new(1800, 2)),
            ("390", 2, Decimal::new(5100, 2), Decimal::new(3600, 2)),
        ]
    );
    let sum: Decimal = d.by_insutype.iter().map(|t| t.medfee_sumamt).sum();
    assert_eq!(sum, d.medfee_sumamt);
}
