//! The shipped binary: `--port 0` prints `listening on 127.0.0.1:PORT` once
//! ready, fault flags are applied, `--help` teaches, SIGTERM shuts down
//! cleanly (exit 0).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_rxdesk-center-sim");

#[test]
fn help_names_the_endpoints_and_flags() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "/admin/stats",
        "/admin/faults",
        "--reset-after-rate",
        "--error-rate",
        "rxQrcodeDecode",
        "9001",
        "idempotent by msgid",
    ] {
        assert!(text.contains(needle), "--help lacks {needle}");
    }
}

#[test]
fn bad_flags_fail_clearly() {
    let out = Command::new(BIN)
        .args(["--port", "0", "--error-rate", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error_rate"));
    let out = Command::new(BIN)
        .args(["--port", "0", "--seed", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown seed"));
}

#[test]
fn listens_applies_flags_and_stops_on_sigterm() {
    let mut child = Command::new(BIN)
        .args([
            "--seed",
            "empty",
            "--port",
            "0",
            "--latency-ms",
            "7",
            "--error-rate",
            "0.25",
            "--seed-faults",
            "9",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line was {line:?}"))
        .to_string();
    assert!(addr.starts_with("127.0.0.1:"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let faults: serde_json::Value = rt.block_on(async {
        serde_json::from_slice(
            &reqwest::get(format!("http://{addr}/admin/faults"))
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap(),
        )
        .unwrap()
    });
    assert_eq!(faults["latency_ms"], 7);
    assert_eq!(faults["error_rate"], 0.25);
    assert_eq!(faults["seed"], 9);
    let st = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
