//! Benchmark: drain rate of the outbox against the emulator on loopback.
//!
//! Records N one-line cash sales (N = 10,000, `RXDESK_BENCH_N`), then times
//! the sync worker draining them through `CenterUploader` to an emulator
//! that adds `RXDESK_BENCH_LATENCY_MS` (default 5 ms) per request. The
//! reference, measured in the same run, is a single sequential loop sending
//! the same requests (same payloads and msgids, to a fresh emulator) with no
//! ledger bookkeeping at all. Prints `BENCH_ROW {json}` for `scripts/bench`.
//!
//! Run: `cargo bench -p rxdesk-app --bench outbox_drain`.

// The bench's 维生素C片 and its batch: the tests' set-up, the one file of it.
#[path = "../tests/common/vitamin_c.rs"]
mod vitamin_c;

use rxdesk_app::uploader::CenterUploader;
use rxdesk_center::profile::demo;
use rxdesk_center::{CenterClient, CenterProfile, Family, MsgIdGenerator, Operator};
use rxdesk_center_sim::faults::Faults;
use rxdesk_center_sim::{serve, SimConfig, SimHandle};
use rxdesk_store::operators::NewOperator;
use rxdesk_store::outbox::UploadRequest;
use rxdesk_store::sync::{self, SendOutcome, SyncConfig, Uploader};
use rxdesk_store::{Role, Store, UploadState};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn emulator(latency_ms: u64) -> SimHandle {
    serve(SimConfig {
        faults: Faults {
            latency_ms,
            ..Default::default()
        },
        ..Default::default()
    })
    .await
    .expect("emulator starts")
}

fn uploader(sim: &SimHandle, dir: &std::path::Path, tag: &str) -> Arc<CenterUploader> {
    let profile = CenterProfile::demo(&sim.base_url(), Family::A).expect("demo profile");
    let msgids =
        MsgIdGenerator::with_high_water_file(demo::PHARMACY_CODE, dir.join(format!("{tag}.hw")))
            .expect("msgid generator");
    let client = Arc::new(CenterClient::new(profile, Arc::new(msgids)).expect("client"));
    Arc::new(CenterUploader::new(client, Operator::clerk("1001", "基准")))
}

fn record_sales(store: &Store, n: u64) {
    store
        .set_institution(demo::PHARMACY_CODE, demo::PHARMACY_NAME)
        .unwrap();
    store
        .create_operator(
            None,
            &NewOperator {
                login: "boss".into(),
                display_name: "基准".into(),
                role: Role::Manager,
                password: "bench-password".into(),
                cert_type: None,
                certno: None,
                prac_cert_no: Some("ZY0001".into()),
            },
        )
        .unwrap();
    let boss = store.login("boss", "bench-password").unwrap();
    let batch = vitamin_c::vitamin_c(store, &boss, "VC", n + 10);
    for i in 0..n {
        store
            .record_sale(&boss, &vitamin_c::one_box_sale(batch, format!("6{i:019}")))
            .unwrap();
    }
}

fn main() {
    // `cargo bench` passes `--bench` (and scripts/bench `--noplot`): ignored.
    let n = env_u64("RXDESK_BENCH_N", 10_000);
    let latency_ms = env_u64("RXDESK_BENCH_LATENCY_MS", 5);
    let parallel = env_u64("RXDESK_BENCH_PARALLEL", 8) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let store = Arc::new(Store::open(dir.join("ledger.sqlite3")).unwrap());
        let t = Instant::now();
        {
            let s = store.clone();
            tokio::task::spawn_blocking(move || record_sales(&s, n))
                .await
                .unwrap();
        }
        eprintln!("recorded {n} sales in {:?} (setup, not measured)", t.elapsed());

        // 1. The outbox worker.
        let sim_a = emulator(latency_ms).await;
        let up_a = uploader(&sim_a, &dir, "a");
        let cfg = SyncConfig {
            max_parallel: parallel,
            ..SyncConfig::default()
        };
        let t = Instant::now();
        let status = sync::drain(store.clone(), up_a, cfg, Duration::from_secs(3600))
            .await
            .unwrap();
        let drain_s = t.elapsed().as_secs_f64();
        assert_eq!(status.done, n, "drain incomplete: {status:?}");
        let rxdesk = n as f64 / drain_s;

        // 2. The reference: one sequential loop of the same requests.
        let rows = store.list_uploads(Some(UploadState::Done), u32::MAX).unwrap();
        let reqs: Vec<UploadRequest> = rows
            .iter()
            .map(|r| UploadRequest {
                id: r.id,
                msgid: r.msgid.clone(),
                op: r.op.clone(),
                chain_key: r.chain_key.clone(),
                payload: store.upload_payload(r.id).unwrap(),
                attempts: 0,
                resolve: false,
            })
            .collect();
        let sim_b = emulator(latency_ms).await;
        let up_b = uploader(&sim_b, &dir, "b");
        let t = Instant::now();
        for req in &reqs {
            match up_b.send(req).await {
                SendOutcome::Accepted(_) => {}
                other => panic!("reference request failed: {other:?}"),
            }
        }
        let seq_s = t.elapsed().as_secs_f64();
        let reference = n as f64 / seq_s;
        let ratio = rxdesk / reference;
        eprintln!(
            "outbox drain: {n} uploads in {drain_s:.2} s = {rxdesk:.0}/s; sequential loop: {seq_s:.2} s = {reference:.0}/s; ratio {ratio:.2}"
        );
        let row = serde_json::json!({
            "row": format!("outbox drain of {n} uploads to the emulator on loopback ({latency_ms} ms added per request)"),
            "rxdesk": (rxdesk * 10.0).round() / 10.0,
            "reference": (reference * 10.0).round() / 10.0,
            "reference_name": "single sequential loop of the same requests (no ledger)",
            "unit": "records/s",
            "ratio": (ratio * 100.0).round() / 100.0,
            "goal": format!(">= 7x (limit {parallel}x: {parallel} chains in parallel)"),
            "met": ratio >= 7.0,
            "note": format!("ratio = worker / loop (higher is better); worker: {parallel} sender slots (chains) in parallel; every claim and outcome is committed with synchronous=FULL, a claim before its request leaves (outcomes and the next claims share one transaction, run while the slots send; up to 2 rows per slot claimed ahead, docs/decisions/0024); {} cores", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)),
        });
        println!("BENCH_ROW {row}");
        sim_a.shutdown().await;
        sim_b.shutdown().await;
    });
}
