//! Bounded loopback load: 8 concurrent counters download a prescription
//! with a ~100 KB signed PDF (7203) 160 times; every download succeeds,
//! carries the whole file, and the emulator counts each exactly once. The
//! rate is printed (no timed assertion; `benches/download_load.rs` compares
//! it with plain HTTP in the same run).

mod common;

use common::*;
use rxdesk_center::{DownloadKey, Family, PrescriptionCenter};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_downloads_of_100_kb_prescriptions() {
    let sim = start().await;
    let base = sim.base_url();
    let (s, v) = post(
        &base,
        "/admin/prescriptions",
        &json!({"hospital": "H11010100001", "psn_no": "PSN1101000001", "lines": [["XJ01CAA040A001010100001", 1]], "pad_kb": 100, "label": "load"}),
    )
    .await;
    assert_eq!(s, 200);
    let c = Arc::new(client(&base, Family::A));
    let cx = ctx();
    let token = c
        .decode_qr(&cx, &qr(v["epc_qrcd"].as_str().unwrap()))
        .await
        .unwrap()
        .epc_token;
    let key = DownloadKey::EpcToken(token);
    let first = c.download(&cx, &key).await.unwrap();
    let size = first.rx_file.len() * 3 / 4;
    assert!(size >= 100 * 1024, "rx_file is {size} bytes");
    verify(&base, &first)
        .await
        .expect("padded PDF still verifies");

    let (tasks, per_task) = (8, 20);
    let start = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let c = c.clone();
        let key = key.clone();
        let cx = cx.clone();
        handles.push(tokio::spawn(async move {
            for _ in 0..per_task {
                let d = c.download(&cx, &key).await.unwrap();
                assert_eq!(d.rx_file.len() * 3 / 4, size);
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let n = tasks * per_task;
    println!(
        "7203 downloads: {n} in {secs:.2}s = {:.0} req/s, {:.1} MB/s (debug build)",
        n as f64 / secs,
        (n * size) as f64 / secs / 1e6
    );
    let stats = get(&base, "/admin/stats").await;
    assert_eq!(by_op(&stats, "7203"), (n as u64 + 1, 0, 0));
    sim.shutdown().await;
}
