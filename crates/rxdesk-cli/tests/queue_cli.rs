//! `rxdesk queue`, `rxdesk audit verify` and `rxdesk backup` on a demo
//! ledger, through the built binary.

use std::path::Path;
use std::process::{Command, Output};

fn rxdesk(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rxdesk"))
        .env("RXDESK_HOME", home)
        .env("RXDESK_PASSWORD", "demo-password")
        .args(args)
        .output()
        .expect("run rxdesk")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn queue_cli_on_a_demo_ledger() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let o = rxdesk(h, &["queue", "demo", "--sales", "5"]);
    assert!(o.status.success(), "{}", text(&o));
    // A second demo into a non-empty ledger is refused.
    assert_eq!(rxdesk(h, &["queue", "demo"]).status.code(), Some(1));

    let o = rxdesk(h, &["queue", "status", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (
            s["depth"].as_u64(),
            s["pending"].as_u64(),
            s["done"].as_u64()
        ),
        (Some(5), Some(5), Some(0))
    );
    assert!(s["oldest_pending_age_secs"].is_u64());

    let o = rxdesk(h, &["queue", "list", "--state", "pending", "--json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows.len(), 5);
    assert!(rows
        .iter()
        .all(|r| r["op"] == "3505" && r["msgid"].as_str().unwrap().len() == 30));
    // The CLI keeps its snake_case keys (the window's view is camelCase).
    assert!(rows
        .iter()
        .all(|r| r["chain_key"].is_string() && r["ref_kind"].is_string()));
    let id = rows[0]["id"].as_i64().unwrap().to_string();
    assert_eq!(
        rxdesk(h, &["queue", "list", "--state", "bogus"])
            .status
            .code(),
        Some(2)
    );

    // Void needs a reason and a manager login.
    let o = rxdesk(
        h,
        &[
            "queue",
            "void",
            &id,
            "--reason",
            "演示作废",
            "--operator",
            "admin",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_rxdesk"))
        .env("RXDESK_HOME", h)
        .env("RXDESK_PASSWORD", "wrong")
        .args([
            "queue",
            "retry",
            &rows[1]["id"].as_i64().unwrap().to_string(),
            "--operator",
            "admin",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // Voiding a voided row is refused.
    assert_eq!(
        rxdesk(
            h,
            &[
                "queue",
                "void",
                &id,
                "--reason",
                "again",
                "--operator",
                "admin"
            ]
        )
        .status
        .code(),
        Some(1)
    );
    let o = rxdesk(h, &["queue", "list", "--state", "voided"]);
    assert!(text(&o).contains("演示作废"), "{}", text(&o));
    let o = rxdesk(h, &["queue", "status"]);
    assert!(text(&o).contains("已作废 voided:       1"), "{}", text(&o));

    // The audit log is intact, then a hand edit is caught.
    let o = rxdesk(h, &["audit", "verify"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("intact"));
    let o = rxdesk(h, &["audit", "tail"]);
    assert!(
        text(&o).contains("upload.void") && text(&o).contains("login.failed"),
        "{}",
        text(&o)
    );

    // Backup (online API), with and without the key.
    let dest = h.join("copy.sqlite3");
    let o = rxdesk(h, &["backup", dest.to_str().unwrap(), "--with-key"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = rxdesk(
        h,
        &["queue", "--db", dest.to_str().unwrap(), "status", "--json"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["voided"].as_u64(), Some(1));
    assert_eq!(
        rxdesk(h, &["backup", dest.to_str().unwrap()]).status.code(),
        Some(2),
        "never overwrites"
    );

    let db = h.join("rxdesk.sqlite3");
    let c = rusqlite::Connection::open(&db).unwrap();
    c.execute_batch("DROP TRIGGER audit_log_no_update").unwrap();
    c.execute("UPDATE audit_log SET detail = '{\"reason\":\"nothing to see\"}' WHERE event = 'upload.void'", [])
        .unwrap();
    drop(c);
    let o = rxdesk(h, &["audit", "verify", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["problem"]["kind"], "edited");

    // A corrupted ledger: clear message, exit 2, file untouched.
    let bad = h.join("bad.sqlite3");
    std::fs::write(&bad, b"garbage garbage garbage garbage").unwrap();
    let o = rxdesk(h, &["queue", "--db", bad.to_str().unwrap(), "status"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("账本文件已损坏") && text(&o).contains("NOT recreated"),
        "{}",
        text(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_drains_the_demo_queue_to_the_emulator() {
    let sim = rxdesk_center_sim::serve(rxdesk_center_sim::SimConfig::default())
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let h = home.path().to_path_buf();
    let center = sim.base_url();
    let out = tokio::task::spawn_blocking(move || {
        let o = rxdesk(&h, &["queue", "demo", "--sales", "6"]);
        assert!(o.status.success(), "{}", text(&o));
        // Unreachable center: rows stay, exit 1, nothing lost.
        let o = rxdesk(
            &h,
            &[
                "sync",
                "--center",
                "http://127.0.0.1:9",
                "--timeout",
                "2",
                "--json",
            ],
        );
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(s["depth"].as_u64(), Some(6), "{s}");
        assert!(
            s["last_error"].as_str().unwrap_or("").contains("connect"),
            "{s}"
        );
        // The emulator: everything goes, exit 0.
        let o = rxdesk(&h, &["sync", "--center", &center, "--json"]);
        assert!(o.status.success(), "{}", text(&o));
        let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            (s["done"].as_u64(), s["depth"].as_u64()),
            (Some(6), Some(0)),
            "{s}"
        );
        o
    })
    .await
    .unwrap();
    assert!(out.status.success());
    let stats = serde_json::to_value(&sim.app.st.lock().unwrap().stats).unwrap();
    assert_eq!(
        stats["by_op"]["3505"]["accepted"].as_u64(),
        Some(6),
        "{stats}"
    );
    sim.shutdown().await;
}
