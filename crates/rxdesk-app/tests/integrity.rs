//! Start-up integrity (docs/schema.md, "The audit log"): opening the counter verifies the audit log
//! and checks it against the anchor file outside the ledger; a tampered row
//! or a ledger rolled back behind an anchor is reported for the manager.

use rxdesk_app::{integrity, Counter, DataDir, Settings};

fn settings() -> Settings {
    Settings {
        demo_mode: true,
        ..Settings::default()
    }
}

#[test]
fn an_intact_ledger_is_verified_and_its_head_anchored_at_startup() {
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::at(t.path());
    let c = Counter::open(&dir, &settings()).unwrap();
    // The first open created the ledger; a second open checks it.
    drop(c);
    let c = Counter::open(&dir, &settings()).unwrap();
    let s = c.integrity();
    assert!(s.audit_ok, "{s:?}");
    assert_eq!(s.audit_problem, None);
    assert!(s.audit_entries >= 3, "{s:?}");
    let head = c.store().audit_head().unwrap();
    assert_eq!(
        s.audit_anchor.as_deref(),
        Some(format!("审计日志锚点 #{} {}…", head.seq, &head.hash[..16]).as_str())
    );
    // The same anchor by number and hash, as a window in another language words it.
    let anchored = s.audit_anchor_head.as_ref().expect("anchored head");
    assert_eq!(
        (anchored.seq, anchored.hash.as_str()),
        (head.seq, &head.hash[..16])
    );
    assert_eq!(integrity::latest(c.store().path()).as_ref(), Some(s));
}

#[test]
fn a_tampered_audit_row_is_detected_at_startup() {
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::at(t.path());
    drop(Counter::open(&dir, &settings()).unwrap());
    let c = rusqlite::Connection::open(dir.database()).unwrap();
    c.execute_batch("DROP TRIGGER audit_log_no_update;")
        .unwrap();
    let n = c
        .execute(
            "UPDATE audit_log SET detail = '{\"tampered\":true}' WHERE id = 2",
            [],
        )
        .unwrap();
    assert_eq!(n, 1);
    drop(c);
    let counter = Counter::open(&dir, &settings()).unwrap();
    let s = counter.integrity();
    assert!(!s.audit_ok);
    let why = s.audit_problem.as_deref().unwrap();
    assert!(why.contains("第 2 条") && why.contains("改动"), "{why}");
    // The same problem by code and values, as a window in another language words it.
    assert_eq!(s.audit_problem_code.as_deref(), Some("edited"));
    assert_eq!(
        s.audit_problem_params.get("id").map(String::as_str),
        Some("2")
    );
    assert_eq!(s.audit_anchor, None, "a broken chain is not anchored");
    assert_eq!(
        integrity::latest(counter.store().path())
            .unwrap()
            .audit_problem
            .as_deref(),
        Some(why)
    );
}

#[test]
fn a_ledger_rolled_back_behind_the_anchor_is_detected_at_startup() {
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::at(t.path());
    let copy = t.path().join("yesterday.sqlite3");
    {
        let c = Counter::open(&dir, &settings()).unwrap();
        c.store().backup_to(&copy).unwrap();
        // The day goes on: more audited events, anchored at the next start.
        let _ = c.store().login("1001", "wrong password");
        let _ = c.store().login("1001", "wrong password");
    }
    let c = Counter::open(&dir, &settings()).unwrap();
    assert!(c.integrity().audit_ok, "{:?}", c.integrity());
    drop(c);
    // Yesterday's copy is put back (its own chain is intact).
    let db = dir.database();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::copy(&copy, &db).unwrap();
    let c = Counter::open(&dir, &settings()).unwrap();
    let s = c.integrity();
    assert!(!s.audit_ok, "{s:?}");
    assert!(
        s.audit_problem.as_deref().unwrap().contains("回退"),
        "{s:?}"
    );
}

#[cfg(unix)]
#[test]
fn startup_leaves_the_data_directory_private_and_purges_old_documents() {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().unwrap();
    let dir = DataDir::at(t.path().join("home"));
    dir.ensure().unwrap();
    std::fs::create_dir_all(dir.receipts()).unwrap();
    let old = dir.receipts().join("D0-guidance.pdf");
    std::fs::write(&old, b"%PDF").unwrap();
    let f = std::fs::File::options().write(true).open(&old).unwrap();
    f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(31 * 86_400))
        .unwrap();
    std::fs::set_permissions(dir.root(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let c = Counter::open(&dir, &settings()).unwrap();
    assert_eq!(c.integrity().documents_purged, 1);
    assert!(!old.exists());
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir.root()), 0o700);
    assert_eq!(mode(&dir.receipts()), 0o700);
    for name in [
        "rxdesk.sqlite3",
        "rxdesk.sqlite3-wal",
        "rxdesk.sqlite3.key",
        "rxdesk.sqlite3.anchors",
    ] {
        let p = dir.root().join(name);
        assert_eq!(mode(&p), 0o600, "{name}");
    }
}
