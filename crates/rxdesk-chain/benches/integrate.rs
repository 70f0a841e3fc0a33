//! Bench: integrating pushed batches straight into the chain database, on
//! PostgreSQL and on SQLite, same queries, same run. Why: the decision to
//! run one set of queries on both engines (sqlx `Any`) must show what each
//! engine costs per record, and what an identical re-push (a crash
//! recovery) costs. Prints `BENCH_ROW {json}` rows for scripts/bench.
//!
//! Size (env): RXDESK_BENCH_SALES (2,000 sales = 10,000 records).

use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use rxdesk_chain::testing::{sale_records, temp_sqlite_url, SaleSpec, TempPostgres};
use rxdesk_chain::{ChainDb, VersionWindow};
use rxdesk_sync::{RegisterRequest, PROTOCOL_VERSION};

const STORE: &str = "P11010500001";

/// (first push, identical re-push) of `sales` sales in batches of 100 sales.
async fn measure(url: &str, sales: i64) -> (Duration, Duration) {
    let db = ChainDb::open(url).await.expect("opens");
    let reg = db.add_store(STORE, "东城店", 0).await.unwrap();
    let r = db
        .register_site(
            &RegisterRequest {
                store_code: STORE.into(),
                counter_no: 1,
                machine_id: "m".into(),
                protocol_version: PROTOCOL_VERSION,
                registration_code: reg,
            },
            VersionWindow::CURRENT,
            0,
        )
        .await
        .unwrap();
    let site = db
        .authenticate(&r.token, "m", PROTOCOL_VERSION, VersionWindow::CURRENT)
        .await
        .unwrap();
    let batches: Vec<Vec<_>> = (0..sales)
        .collect::<Vec<_>>()
        .chunks(100)
        .map(|c| {
            c.iter()
                .flat_map(|i| {
                    sale_records(
                        site.site_id,
                        STORE,
                        &SaleSpec {
                            local_id: *i,
                            code: format!("8{:019}", i),
                            setl_id: format!("S{i}"),
                            hilist_id: format!("H{:03}", i % 50),
                            price: Decimal::new(2550, 2),
                            fund: Decimal::new(1800, 2),
                            sold_at: 1_735_700_000_000 + i * 1000,
                        },
                    )
                })
                .collect()
        })
        .collect();
    let mut times = Vec::new();
    for _ in 0..2 {
        let t = Instant::now();
        for b in &batches {
            let r = db.integrate(&site, b.clone(), 0).await.unwrap();
            assert!(r.issues.is_empty(), "{:?}", r.issues);
        }
        times.push(t.elapsed());
    }
    assert_eq!(db.changelog_len().await.unwrap(), sales * 5);
    db.close().await;
    (times[0], times[1])
}

fn main() {
    let sales: i64 = std::env::var("RXDESK_BENCH_SALES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let records = (sales * 5) as f64;
    let pg = TempPostgres::start().expect("a throwaway PostgreSQL (scripts/setup-deps)");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let pg_url = pg.fresh_database().unwrap();
    let sqlite_url = temp_sqlite_url();
    let (p1, p2) = rt.block_on(measure(&pg_url, sales));
    let (s1, s2) = rt.block_on(measure(&sqlite_url, sales));
    let us = |d: Duration| d.as_secs_f64() * 1e6 / records;
    eprintln!(
        "{records} records: PostgreSQL {:.1} µs/record (re-push {:.1}), SQLite {:.1} µs/record (re-push {:.1})",
        us(p1),
        us(p2),
        us(s1),
        us(s2)
    );
    let round = |x: f64| (x * 100.0).round() / 100.0;
    for (what, pg_d, sq_d, goal) in [
        (
            "first push",
            p1,
            s1,
            "<= 1,000 µs per record (a counter's day of ~1,000 records in a second)",
        ),
        (
            "identical re-push (crash recovery, no-op)",
            p2,
            s2,
            "<= 1,000 µs per record",
        ),
    ] {
        let ratio = us(pg_d) / us(sq_d).max(1e-9);
        let row = serde_json::json!({
            "row": format!("chain integration, {what}: {records} records in batches of 500, PostgreSQL"),
            "rxdesk": round(us(pg_d)),
            "reference": round(us(sq_d)),
            "reference_name": "the same batches and queries on SQLite (temp file, WAL), same run",
            "unit": "µs per record",
            "ratio": (ratio * 10_000.0).round() / 10_000.0,
            "goal": goal,
            "met": us(pg_d) <= 1_000.0,
            "note": format!("{:.0} records/s on PostgreSQL, {:.0} on SQLite; one transaction per batch", records / pg_d.as_secs_f64(), records / sq_d.as_secs_f64()),
        });
        println!("BENCH_ROW {row}");
    }
    let path = sqlite_url.trim_start_matches("sqlite:");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    drop(pg);
}
