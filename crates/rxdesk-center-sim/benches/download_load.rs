//! Requests/s the emulator sustains for 7203 downloads carrying a ~100 KB
//! signed PDF (family A envelope, JSON, Base64), against plain HTTP serving
//! a 100 KB body from the same hyper stack in the same run (the reference:
//! what loopback HTTP alone costs). 8 concurrent clients, loopback only.
//!
//!   cargo bench -p rxdesk-center-sim --bench download_load
//!
//! Prints `BENCH_ROW {json}` for scripts/bench.

use criterion::{criterion_group, criterion_main, Criterion};
use rxdesk_center::{
    CenterClient, CenterProfile, Ctx, DownloadKey, Family, MsgIdGenerator, Operator,
    PrescriptionCenter,
};
use rxdesk_center_sim::{serve, SimConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CONCURRENCY: usize = 8;

async fn rate<F, Fut>(secs: f64, f: F) -> f64
where
    F: Fn() -> Fut + Send + Sync + Clone + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let start = Instant::now();
    let mut hs = Vec::new();
    for _ in 0..CONCURRENCY {
        let f = f.clone();
        hs.push(tokio::spawn(async move {
            let mut n = 0u64;
            while start.elapsed().as_secs_f64() < secs {
                f().await;
                n += 1;
            }
            n
        }));
    }
    let mut total = 0;
    for h in hs {
        total += h.await.unwrap_or(0);
    }
    total as f64 / start.elapsed().as_secs_f64()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (sim, client, key, plain_url) = rt.block_on(async {
        let sim = serve(SimConfig::default()).await.unwrap();
        let base = sim.base_url();
        let http = reqwest::Client::new();
        let body = serde_json::json!({"hospital": "H11010100001", "psn_no": "PSN1101000001",
            "lines": [["XJ01CAA040A001010100001", 1]], "pad_kb": 100, "label": "bench"});
        let v: serde_json::Value = serde_json::from_slice(
            &http
                .post(format!("{base}/admin/prescriptions"))
                .body(body.to_string())
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap(),
        )
        .unwrap();
        let mut p = CenterProfile::demo(&base, Family::A).unwrap();
        p.request_timeout = Duration::from_secs(30);
        let client = Arc::new(
            CenterClient::new(p, Arc::new(MsgIdGenerator::new("P11010100001").unwrap())).unwrap(),
        );
        let cx = Ctx::new(Operator::clerk("OP001", "收银员甲"), "110101");
        let q = rxdesk_center::messages::QrDecodeData {
            app_chnl_id: "B".into(),
            app_chnl_user_id: "B".into(),
            auth_code: String::new(),
            dev_info: "bench".into(),
            epc_qrcd: v["epc_qrcd"].as_str().unwrap().into(),
            ip_info: "127.0.0.1".into(),
            opter: "OP001".into(),
            opter_name: "B".into(),
            optins: "P11010100001".into(),
        };
        let token = client.decode_qr(&cx, &q).await.unwrap().epc_token;
        // Reference: a bare axum server with a 100 KB body.
        let blob: &'static [u8] = Box::leak(vec![b'x'; 100 * 1024 + 40 * 1024].into_boxed_slice());
        let app =
            axum::Router::new().route("/blob", axum::routing::get(move || async move { blob }));
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(l, app).await.ok() });
        (
            sim,
            client,
            DownloadKey::EpcToken(token),
            format!("http://{addr}/blob"),
        )
    });
    let cx = Ctx::new(Operator::clerk("OP001", "收银员甲"), "110101");
    let http = reqwest::Client::new();
    c.bench_function("emulator_7203_download_100KB", |b| {
        b.iter(|| rt.block_on(client.download(&cx, &key)).unwrap())
    });
    c.bench_function("plain_http_get_140KB", |b| {
        b.iter(|| {
            rt.block_on(async {
                http.get(&plain_url)
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap()
            })
        })
    });
    let ours = {
        let (client, key, cx) = (client.clone(), key.clone(), cx.clone());
        rt.block_on(rate(3.0, move || {
            let (client, key, cx) = (client.clone(), key.clone(), cx.clone());
            async move {
                client.download(&cx, &key).await.unwrap();
            }
        }))
    };
    let reference = {
        let (http, url) = (http.clone(), plain_url.clone());
        rt.block_on(rate(3.0, move || {
            let (http, url) = (http.clone(), url.clone());
            async move {
                http.get(&url).send().await.unwrap().bytes().await.unwrap();
            }
        }))
    };
    println!("emulator 7203 (100 KB PDF, Base64 in JSON): {ours:.0} req/s; plain HTTP 140 KB: {reference:.0} req/s; ratio {:.2}", ours / reference);
    println!(
        "BENCH_ROW {}",
        serde_json::json!({"row": "emulator: 7203 downloads with a 100 KB PDF, 8 concurrent clients", "rxdesk": ours.round(),
            "reference": reference.round(), "reference_name": "plain HTTP GET of the same-size body (axum/hyper, same run)",
            "unit": "req/s", "ratio": (ours / reference * 1000.0).round() / 1000.0, "goal": "recorded", "met": null,
            "note": "loopback, release build, envelope + JSON + Base64 + client parsing included; ratio = emulator / plain HTTP (higher is better)"})
    );
    rt.block_on(sim.shutdown());
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
