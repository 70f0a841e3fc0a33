//! Audit-log tampering, disk full, corrupted files, backup and restore.

mod common;

use common::*;
use rxdesk_store::auditlog::AuditProblem;
use rxdesk_store::{Store, StoreError};

fn raw(f: &Fixture) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(f.store.path()).unwrap();
    c.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        .unwrap();
    c
}

#[test]
fn audit_log_is_append_only_and_verify_catches_edits_deletions_and_truncation() {
    let f = fixture();
    let _ = f.store.login("cash", "wrong");
    let v = f.store.verify_audit_log().unwrap();
    assert_eq!(v.problem, None);
    assert!(v.entries >= 7, "{v:?}");
    let events: Vec<String> = f
        .store
        .audit_entries(100)
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert!(
        events.contains(&"login.ok".to_string()) && events.contains(&"login.failed".to_string())
    );

    // The triggers refuse edits through SQL.
    let c = rusqlite::Connection::open(f.store.path()).unwrap();
    assert!(c
        .execute("UPDATE audit_log SET detail = '{}' WHERE id = 2", [])
        .is_err());
    assert!(c.execute("DELETE FROM audit_log WHERE id = 2", []).is_err());
    drop(c);

    // Someone drops the triggers and edits a row by hand.
    let c = raw(&f);
    c.execute(
        "UPDATE audit_log SET event = 'login.ok' WHERE event = 'login.failed'",
        [],
    )
    .unwrap();
    let v = f.store.verify_audit_log().unwrap();
    assert!(
        matches!(v.problem, Some(AuditProblem::Edited { .. })),
        "{v:?}"
    );
}

#[test]
fn audit_verify_catches_a_deleted_middle_row_and_a_cut_tail() {
    let f = fixture();
    let c = raw(&f);
    c.execute("DELETE FROM audit_log WHERE id = 3", []).unwrap();
    assert!(matches!(
        f.store.verify_audit_log().unwrap().problem,
        Some(AuditProblem::Broken { id: 4, after: 2 })
    ));

    let g = fixture();
    let c = raw(&g);
    let last: i64 = c
        .query_row("SELECT max(id) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    c.execute("DELETE FROM audit_log WHERE id = ?1", [last])
        .unwrap();
    assert!(matches!(
        g.store.verify_audit_log().unwrap().problem,
        Some(AuditProblem::Truncated { .. })
    ));

    // Recomputing a plain SM3 chain does not help a forger: the chain is keyed.
    let h = fixture();
    let c = raw(&h);
    let (prev, at): (String, i64) = c
        .query_row(
            "SELECT prev_hash, at FROM audit_log WHERE id = 2",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let forged = hex::encode(rxdesk_gm::primitives::sm3(
        format!("{prev}\n2\n{at}\n\nlogin.ok\n{{}}").as_bytes(),
    ));
    c.execute(
        "UPDATE audit_log SET event = 'login.ok', detail = '{}', hash = ?1 WHERE id = 2",
        [forged],
    )
    .unwrap();
    assert!(h.store.verify_audit_log().unwrap().problem.is_some());
}

#[test]
fn disk_full_is_a_clear_error_and_leaves_the_ledger_intact() {
    let f = fixture();
    let first = f.store.record_sale(&f.cashier, &otc_sale(&f, 0)).unwrap();
    let pages: i64 = rusqlite::Connection::open(f.store.path())
        .unwrap()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    f.store.set_max_page_count(pages as u64 + 2).unwrap();
    let mut err = None;
    let mut ok = 1u64;
    for n in 1..2000 {
        match f.store.record_sale(&f.cashier, &otc_sale(&f, n)) {
            Ok(_) => ok += 1,
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    let err = err.expect("the size limit was never hit");
    assert!(matches!(err, StoreError::DiskFull { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("磁盘已满") && msg.contains("intact"), "{msg}");
    // Everything committed before is there, nothing half-written after.
    let counts = f.store.ledger_counts().unwrap();
    assert_eq!((counts.sales, counts.uploads), (ok, ok));
    f.store.integrity_check().unwrap();
    drop(f.store);
    let again = Store::open(f.dir.path().join("ledger.sqlite3")).unwrap();
    again.integrity_check().unwrap();
    assert_eq!(again.upload(first.upload_ids[0]).unwrap().op, "3505");
    assert_eq!(again.ledger_counts().unwrap().sales, ok);
}

#[test]
fn corrupted_files_are_detected_and_never_recreated() {
    let dir = tempfile::tempdir().unwrap();
    // Not a database at all.
    let p = dir.path().join("garbage.sqlite3");
    std::fs::write(
        &p,
        b"this is not a ledger, just some bytes that happen to be here",
    )
    .unwrap();
    let e = Store::open(&p).unwrap_err();
    assert!(
        matches!(e, StoreError::Corrupt { ref path, .. } if path == &p),
        "{e:?}"
    );
    assert!(e.to_string().contains("docs/schema.md"), "{e}");
    assert_eq!(
        std::fs::read(&p).unwrap(),
        b"this is not a ledger, just some bytes that happen to be here",
        "the file was left untouched"
    );
    // An empty file is not silently turned into a fresh ledger.
    let p = dir.path().join("empty.sqlite3");
    std::fs::write(&p, b"").unwrap();
    assert!(matches!(Store::open(&p), Err(StoreError::Corrupt { .. })));

    // A real ledger with damaged pages.
    let f = fixture();
    for n in 0..300 {
        f.store.record_sale(&f.cashier, &otc_sale(&f, n)).unwrap();
    }
    let path = f.store.path().to_path_buf();
    drop(f.store);
    // Checkpoint the WAL into the main file, then damage it.
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 40_000);
    let page = 4096;
    for b in &mut bytes[page * 3..page * 6] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let e = Store::open(&path).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt { .. }), "{e:?}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the damaged file was left for recovery"
    );
}

#[test]
fn online_backup_restores_to_an_equal_ledger() {
    let f = fixture();
    for n in 0..20 {
        f.store.record_sale(&f.cashier, &otc_sale(&f, n)).unwrap();
    }
    let dest = f.dir.path().join("backup").join("copy.sqlite3");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    f.store.backup_to(&dest).unwrap();
    assert!(
        matches!(f.store.backup_to(&dest), Err(StoreError::Invalid(_))),
        "never overwrites"
    );
    // Without the key the copy opens (schema, counts) but is refused as a
    // ledger: sealed data would be unreadable.
    assert!(matches!(
        Store::open(&dest),
        Err(StoreError::KeyFile { .. })
    ));
    f.store
        .backup_key_to(&rxdesk_store::protect::key_path_for(&dest))
        .unwrap();
    let restored = Store::open(&dest).unwrap();
    assert_eq!(
        restored.ledger_counts().unwrap(),
        f.store.ledger_counts().unwrap()
    );
    let id = restored.list_uploads(None, 1).unwrap()[0].id;
    assert_eq!(
        restored.upload_payload(id).unwrap(),
        f.store.upload_payload(id).unwrap()
    );
    assert_eq!(restored.verify_audit_log().unwrap().problem, None);
}
