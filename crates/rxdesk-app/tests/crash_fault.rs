//! Crash and fault test against the real emulator over loopback HTTP.
//!
//! The parent starts `rxdesk-center-sim` in-process with faults (503s,
//! connection resets before and after applying, malformed bodies, latency)
//! and a fresh ledger. A child process — this test binary re-run with
//! `--ignored --exact crash_child` — records 500 one-line cash sales and
//! drains them with the sync worker through `CenterUploader` (the real
//! `rxdesk-center` client). The parent SIGKILLs the child at random moments at
//! least 20 times and restarts it. At the end the emulator's `/admin/stats`
//! must show every sale accepted exactly once and `/admin/uploads` must hold
//! exactly the ledger's msgids.

mod common;

use rxdesk_app::uploader::CenterUploader;
use rxdesk_center::profile::demo;
use rxdesk_center::{CenterClient, CenterProfile, Family, MsgIdGenerator, Operator};
use rxdesk_center_sim::faults::Faults;
use rxdesk_center_sim::{serve, SimConfig};
use rxdesk_store::ledger::NewSale;
use rxdesk_store::operators::NewOperator;
use rxdesk_store::sync::{self, SyncConfig};
use rxdesk_store::{Role, Store, UploadState};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SALES: u64 = 500;
const MIN_KILLS: u32 = 20;

fn sale(batch: i64, n: u64) -> NewSale {
    common::one_box_sale(batch, format!("7{n:019}"))
}

/// A fresh ledger for the demo pharmacy with a cashier, the drug and stock.
fn setup_ledger(dir: &Path) -> i64 {
    let store = Store::open(dir.join("ledger.sqlite3")).unwrap();
    store
        .set_institution(demo::PHARMACY_CODE, demo::PHARMACY_NAME)
        .unwrap();
    let op = |login: &str, role| NewOperator {
        login: login.into(),
        display_name: "测试".into(),
        role,
        password: "crash-test-pw".into(),
        cert_type: Some("01".into()),
        certno: None,
        prac_cert_no: Some("ZY0001".into()),
    };
    store
        .create_operator(None, &op("boss", Role::Manager))
        .unwrap();
    let boss = store.login("boss", "crash-test-pw").unwrap();
    store
        .create_operator(Some(&boss), &op("cash", Role::Cashier))
        .unwrap();
    common::vitamin_c(&store, &boss, "VC", 10000)
}

/// The child: records sales up to SALES while the worker drains through the
/// real center client; prints DRAINED and exits when everything is uploaded.
#[test]
#[ignore = "child process of crash_fault_against_the_emulator; started by it"]
fn crash_child() {
    let Some(dir) = std::env::var_os("RXDESK_CRASH_DIR").map(PathBuf::from) else {
        return;
    };
    let base_url = std::env::var("RXDESK_CRASH_CENTER").unwrap();
    let batch: i64 = std::env::var("RXDESK_CRASH_BATCH")
        .unwrap()
        .parse()
        .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let store = Arc::new(Store::open(dir.join("ledger.sqlite3")).unwrap());
        let cashier = store.login("cash", "crash-test-pw").unwrap();
        let mut profile = CenterProfile::demo(&base_url, Family::A).unwrap();
        profile.request_timeout = Duration::from_secs(2);
        let msgids =
            MsgIdGenerator::with_high_water_file(demo::PHARMACY_CODE, dir.join("center-msgid.hw"))
                .unwrap();
        let client = Arc::new(CenterClient::new(profile, Arc::new(msgids)).unwrap());
        let uploader = Arc::new(CenterUploader::new(client, Operator::clerk("1001", "测试")));
        let cfg = SyncConfig {
            max_parallel: 6,
            base_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(200),
            probe_interval: Duration::from_millis(50),
            offline_after: 4,
            idle_poll: Duration::from_millis(20),
        };
        let handle = sync::spawn(store.clone(), uploader, cfg).unwrap();
        println!("READY");
        let mut done = store.ledger_counts().unwrap().sales;
        while done < SALES {
            store.record_sale(&cashier, &sale(batch, done)).unwrap();
            done += 1;
            handle.wake();
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let mut st = handle.status();
        while store.queue_status().unwrap().depth > 0 {
            let _ = tokio::time::timeout(Duration::from_millis(200), st.changed()).await;
        }
        handle.shutdown().await.unwrap();
        println!("DRAINED");
    });
}

fn spawn_child(
    dir: &Path,
    center: &str,
    batch: i64,
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "crash_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RXDESK_CRASH_DIR", dir)
        .env("RXDESK_CRASH_CENTER", center)
        .env("RXDESK_CRASH_BATCH", batch.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn wait_for(rx: &std::sync::mpsc::Receiver<String>, what: &str, timeout: Duration) -> bool {
    let end = Instant::now() + timeout;
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(l) if l.contains(what) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

async fn get_json(url: &str) -> serde_json::Value {
    let bytes = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_fault_against_the_emulator() {
    let seed: u64 = std::env::var("RXDESK_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| chrono::Utc::now().timestamp_subsec_nanos() as u64 + 1);
    eprintln!("crash_fault seed {seed} (set RXDESK_CRASH_SEED to replay)");
    let sim = serve(SimConfig {
        faults: Faults {
            latency_ms: 2,
            error_rate: 0.04,
            reset_before_rate: 0.04,
            reset_after_rate: 0.04,
            malformed_rate: 0.02,
            seed,
            ..Default::default()
        },
        ..Default::default()
    })
    .await
    .unwrap();
    let center = sim.base_url();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let batch = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || setup_ledger(&dir)
    })
    .await
    .unwrap();

    let started = Instant::now();
    let kills = tokio::task::spawn_blocking({
        let (dir, center) = (dir.clone(), center.clone());
        move || {
            let mut rng = seed | 1;
            let mut kills = 0u32;
            while kills < MIN_KILLS {
                let (mut child, rx) = spawn_child(&dir, &center, batch);
                assert!(
                    wait_for(&rx, "READY", Duration::from_secs(60)),
                    "child never became ready"
                );
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                // Anywhere in the next 0–300 ms: mid-sale, mid-send, mid-commit.
                // (The window is short enough that a fast machine cannot
                // finish all SALES before MIN_KILLS kills: at 600 ms one run
                // on an idle machine finished after 19.)
                std::thread::sleep(Duration::from_millis(rng % 300));
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
            }
            let (mut child, rx) = spawn_child(&dir, &center, batch);
            if !wait_for(&rx, "DRAINED", Duration::from_secs(120)) {
                let _ = child.kill();
                let _ = child.wait();
                let store = Store::open(dir.join("ledger.sqlite3")).unwrap();
                let open: Vec<String> = [
                    UploadState::Pending,
                    UploadState::Uncertain,
                    UploadState::Rejected,
                    UploadState::Sending,
                ]
                .into_iter()
                .flat_map(|s| store.list_uploads(Some(s), 5).unwrap())
                .map(|r| {
                    format!(
                        "{} {} {} try {} {:?} {:?}",
                        r.id,
                        r.msgid,
                        r.state.code(),
                        r.attempts,
                        r.reject_code,
                        r.last_error
                    )
                })
                .collect();
                panic!(
                    "final run did not drain: {:?}\n{}",
                    store.queue_status().unwrap(),
                    open.join("\n")
                );
            }
            assert!(child.wait().unwrap().success());
            kills
        }
    })
    .await
    .unwrap();
    eprintln!("{kills} kills in {:?}", started.elapsed());
    assert!(
        kills >= MIN_KILLS,
        "only {kills} kills before the child finished"
    );

    let stats = get_json(&format!("{center}/admin/stats")).await;
    eprintln!("emulator stats: {stats}");
    let s3505 = &stats["by_op"]["3505"];
    assert_eq!(
        s3505["accepted"].as_u64(),
        Some(SALES),
        "every sale accepted exactly once: {stats}"
    );
    assert_eq!(s3505["rejected"].as_u64(), Some(0), "{stats}");
    let uploads = get_json(&format!("{center}/admin/uploads?op=3505")).await;
    let center_msgids: BTreeSet<String> = uploads
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["msgid"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        uploads.as_array().unwrap().len() as u64,
        SALES,
        "no msgid applied twice"
    );

    let store = Store::open(dir.join("ledger.sqlite3")).unwrap();
    store.integrity_check().unwrap();
    let status = store.queue_status().unwrap();
    assert_eq!(
        (status.done, status.depth, status.rejected),
        (SALES, 0, 0),
        "{status:?}"
    );
    assert_eq!(store.ledger_counts().unwrap().sales, SALES);
    let ledger_msgids: BTreeSet<String> = store
        .list_uploads(Some(UploadState::Done), 10_000)
        .unwrap()
        .into_iter()
        .map(|r| r.msgid)
        .collect();
    assert_eq!(
        center_msgids, ledger_msgids,
        "the emulator and the ledger agree msgid for msgid"
    );
    sim.shutdown().await;
}
