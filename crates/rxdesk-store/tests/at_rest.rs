//! Personal data at rest (docs/schema.md, "Protection at rest"): `settlements.psn_no` is sealed, center
//! answers are kept without personal fields, center error texts are masked,
//! the ledger's files are private, a ledger written by the old schema (V5)
//! is converted when opened, and the audit-log head is anchored in a file
//! outside the ledger so a rolled-back or re-chained ledger is detected.

mod common;

use common::{approved_rx, fixture, otc_sale, Fixture};
use rxdesk_store::auditlog::AuditProblem;
use rxdesk_store::ledger::{NewSale, NewSettlement};
use rxdesk_store::outbox::Completion;
use rxdesk_store::protect::{redact_text, strip_personal};
use rxdesk_store::{RefundStep, Store};
use serde_json::json;
use std::str::FromStr;

const CERTNO: &str = "110101198001010029";

fn settle(f: &Fixture, setl_id: &str, psn_no: &str, n: u64) -> i64 {
    let s = &f.store;
    let rx = approved_rx(f, &format!("RX-{setl_id}"));
    let a = |v: &str| rxdesk_core::Amount::from_str(v).unwrap();
    s.record_sale(
        &f.cashier,
        &NewSale {
            prescription_id: Some(rx),
            settlement: Some(NewSettlement {
                setl_id: setl_id.into(),
                mdtrt_id: format!("MD-{setl_id}"),
                psn_no: psn_no.into(),
                medfee_sumamt: a("12.50"),
                fund_pay_sumamt: a("10.00"),
                psn_part_amt: a("2.50"),
                acct_pay: a("2.00"),
                psn_cash_pay: a("0.50"),
                setl_time: s.now_ms(),
            }),
            ..otc_sale(f, n)
        },
    )
    .unwrap()
    .sale_id
}

fn raw(f: &Fixture) -> rusqlite::Connection {
    rusqlite::Connection::open(f.store.path()).unwrap()
}

#[test]
fn settlement_psn_no_is_sealed_at_rest_and_read_back_in_clear() {
    let f = fixture();
    let sale = settle(&f, "SETL-P1", "PSN1101000001", 31);
    let stored: String = raw(&f)
        .query_row("SELECT psn_no FROM settlements", [], |r| r.get(0))
        .unwrap();
    assert!(stored.starts_with("sealed1:"), "{stored}");
    assert!(!stored.contains("PSN1101000001"));
    // Every reader opens it: history, reports (the 3202 detail file), refund.
    let d = f.store.sale_detail(sale).unwrap();
    assert_eq!(d.settlement.unwrap().psn_no, "PSN1101000001");
    let rows = f.store.settlements_between(0, i64::MAX).unwrap();
    assert_eq!(rows[0].psn_no, "PSN1101000001");
    // The refund reads it too (money first: 2103 reversed, money back, then stock).
    f.store
        .begin_refund(&f.boss, sale, "M-P1", "顾客退货")
        .unwrap();
    f.store
        .set_refund_step(sale, RefundStep::Reversed, "2103 answered")
        .unwrap();
    let back = f.store.sale_payments(sale).unwrap();
    f.store.refund_money_returned(sale, &back).unwrap();
    f.store.record_refund(&f.boss, sale, "顾客退货").unwrap();
}

#[test]
fn center_answers_and_error_texts_are_kept_without_personal_data() {
    let f = fixture();
    settle(&f, "SETL-P2", "PSN1101000001", 32);
    let ids: Vec<i64> = f
        .store
        .list_uploads(None, 100)
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert!(ids.len() >= 2, "{ids:?}");
    // An answer is recorded only for a row claimed for sending (the outbox's
    // compare-and-set): put both rows where the worker would have them.
    raw(&f)
        .execute(
            "UPDATE uploads SET state = 'sending' WHERE id IN (?1, ?2)",
            [ids[0], ids[1]],
        )
        .unwrap();
    let ack = json!({"setlinfo": {"setl_id": "SETL-P2", "psn_no": "PSN1101000001", "psn_name": "张三",
        "certno": CERTNO, "gend": "1", "brdy": "1980-01-01", "medfee_sumamt": "12.50"},
        "memo": format!("参保人张三 {CERTNO} 手机 13800138000")});
    f.store
        .complete_upload(ids[0], &Completion::Done(ack))
        .unwrap();
    f.store
        .complete_upload(
            ids[1],
            &Completion::Rejected {
                code: "2001".into(),
                message: format!("参保人张三（{CERTNO}）不存在"),
            },
        )
        .unwrap();
    let c = raw(&f);
    let stored_ack: String = c
        .query_row("SELECT ack FROM uploads WHERE id = ?1", [ids[0]], |r| {
            r.get(0)
        })
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&stored_ack).unwrap();
    assert_eq!(v["setlinfo"]["setl_id"], "SETL-P2");
    assert_eq!(v["setlinfo"]["medfee_sumamt"], "12.50");
    for gone in ["psn_no", "psn_name", "certno", "gend", "brdy"] {
        assert!(v["setlinfo"].get(gone).is_none(), "{gone}: {stored_ack}");
    }
    let everything: String = c
        .query_row(
            "SELECT group_concat(coalesce(ack, '') || coalesce(last_error, ''), '|') FROM uploads",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let attempts: String = c
        .query_row(
            "SELECT group_concat(detail, '|') FROM upload_attempts",
            [],
            |r| r.get(0),
        )
        .unwrap();
    for text in [&everything, &attempts] {
        assert!(!text.contains(CERTNO), "{text}");
        assert!(!text.contains("张三"), "{text}");
        assert!(!text.contains("13800138000"), "{text}");
    }
    assert!(
        everything.contains("参保人**（110***********0029）不存在"),
        "{everything}"
    );
}

#[test]
fn redaction_masks_id_mobile_and_names_but_not_serials() {
    assert_eq!(
        redact_text("患者：李小龙 证件 11010119900307888X 电话 13912345678"),
        "患者：*** 证件 110***********888X 电话 139****5678"
    );
    // 15-digit (old) ID numbers too; msgids, trace codes, amounts stay.
    assert_eq!(redact_text("110101800101002"), "110********1002");
    let keep = "msgid P110101000012026112410000001 trace 81000000000000000001 金额 12.50 未查询到参保人员信息";
    assert_eq!(redact_text(keep), keep);
    assert_eq!(
        redact_text(r#"{"psn_name":"王五"}"#),
        r#"{"psn_name":"**"}"#
    );
    let once = redact_text("姓名张三 110101198001010029");
    assert_eq!(redact_text(&once), once);
    let v = strip_personal(
        &json!({"baseinfo": {"psnName": "张三", "certno": CERTNO, "insutype": "310"},
        "list": [{"patn_name": "李四", "setl_id": "S1"}]}),
    );
    assert_eq!(
        v,
        json!({"baseinfo": {"insutype": "310"}, "list": [{"setl_id": "S1"}]})
    );
}

#[cfg(unix)]
#[test]
fn the_ledger_its_wal_shm_key_and_anchor_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.sqlite3");
    let store = Store::open(&path).unwrap();
    store.set_institution("P44030500001", "x").unwrap();
    store.anchor_audit_head(false).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for suffix in ["", "-wal", "-shm", ".key", ".anchors"] {
        let p = dir.path().join(format!("l.sqlite3{suffix}"));
        assert!(p.exists(), "{p:?}");
        assert_eq!(mode(&p), 0o600, "{p:?}");
    }
    drop(store);
    // An existing ledger opened with loose modes is tightened.
    let db = dir.path().join("l.sqlite3");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _store = Store::open(&db).unwrap();
    assert_eq!(mode(&db), 0o600);
}

/// A ledger as the previous release (schema V5) left it: clear psn_no,
/// verbatim answers and error texts.
fn old_ledger(path: &std::path::Path) {
    let mut c = rusqlite::Connection::open(path).unwrap();
    c.pragma_update(None, "journal_mode", "WAL").unwrap();
    rxdesk_store::schema::migrations()
        .to_version(&mut c, 5)
        .unwrap();
    let v: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 5);
    c.execute_batch(&format!(
        "INSERT INTO operators (id, login, display_name, role, password_hash, created_at)
             VALUES (1, 'boss', '王店长', 'manager', 'x', 0);
         INSERT INTO sales (id, rtal_docno, operator_id, sold_at, total) VALUES (1, 'D1', 1, 0, '12.50');
         INSERT INTO settlements (sale_id, setl_id, mdtrt_id, psn_no, medfee_sumamt, fund_pay_sumamt,
             psn_part_amt, acct_pay, psn_cash_pay, setl_time)
             VALUES (1, 'S1', 'M1', 'PSN1101000001', '12.50', '10.00', '2.50', '2.00', '0.50', 0);
         INSERT INTO uploads (id, msgid, op, chain_key, ref_kind, ref_id, payload, state, next_attempt_at,
             created_at, updated_at, ack, last_error)
             VALUES (1, 'M1', '2103', 'c', 'refund', 1, x'00', 'done', 0, 0, 0,
             '{{\"setlinfo\":{{\"setl_id\":\"S1\",\"psn_name\":\"张三\",\"certno\":\"{CERTNO}\"}}}}', NULL),
             (2, 'M2', '3505', 'c', 'sale_line', 1, x'00', 'rejected', 0, 0, 0, NULL,
             '参保人张三（{CERTNO}）不存在');
         INSERT INTO upload_attempts (upload_id, msgid, at, outcome, detail)
             VALUES (2, 'M2', 0, 'rejected', '2001: 参保人张三（{CERTNO}）不存在');"
    ))
    .unwrap();
    // The key file the old release created with the ledger.
    let key = rxdesk_store::protect::key_path_for(path);
    std::fs::write(&key, [7u8; 32]).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[test]
fn a_ledger_of_the_old_schema_is_converted_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    old_ledger(&path);
    let store = Store::open(&path).unwrap();
    let c = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, rxdesk_store::schema::LATEST_VERSION);
    let psn: String = c
        .query_row("SELECT psn_no FROM settlements", [], |r| r.get(0))
        .unwrap();
    assert!(psn.starts_with("sealed1:"), "{psn}");
    assert_eq!(store.sealer().open_field(&psn).unwrap(), "PSN1101000001");
    let dump: String = c
        .query_row(
            "SELECT group_concat(coalesce(ack, '') || coalesce(last_error, ''), '|') FROM uploads",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let detail: String = c
        .query_row("SELECT detail FROM upload_attempts", [], |r| r.get(0))
        .unwrap();
    for text in [&dump, &detail] {
        assert!(!text.contains(CERTNO) && !text.contains("张三"), "{text}");
    }
    assert!(dump.contains("\"setl_id\":\"S1\""), "{dump}");
    let marker: Option<String> = c
        .query_row(
            "SELECT value FROM meta WHERE key = 'pii_conversion_pending'",
            [],
            |r| r.get(0),
        )
        .ok();
    assert_eq!(marker, None);
    // Reading through the store gives the clear value back.
    assert_eq!(
        store.settlements_between(-1, 1).unwrap()[0].psn_no,
        "PSN1101000001"
    );
    drop(store);
    // Opening again changes nothing (the conversion ran once).
    let _again = Store::open(&path).unwrap();
    let psn2: String = c
        .query_row("SELECT psn_no FROM settlements", [], |r| r.get(0))
        .unwrap();
    assert_eq!(psn2, psn);
}

#[test]
fn a_ledger_rolled_back_behind_its_anchor_is_detected() {
    let f = fixture();
    let backup = f.dir.path().join("old-copy.sqlite3");
    f.store.backup_to(&backup).unwrap();
    // More events, then the head is anchored outside the ledger.
    let _ = f.store.login("cash", "wrong");
    let _ = f.store.login("cash", "wrong");
    let anchor = f.store.anchor_audit_head(false).unwrap();
    let anchored = anchor.seq;
    assert!(anchor
        .label()
        .starts_with(&format!("审计日志锚点 #{} ", anchor.seq)));
    assert_eq!(
        f.store.verify_audit_log_with_anchors().unwrap().problem,
        None
    );
    // An anchor that names the same head is not written twice.
    f.store.anchor_audit_head(true).unwrap();
    let lines = std::fs::read_to_string(f.store.audit_anchor_path()).unwrap();
    assert_eq!(lines.lines().count(), 1);
    // Someone puts the older copy back (its own chain is intact).
    let path = f.store.path().to_path_buf();
    drop(f.store);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    std::fs::copy(&backup, &path).unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.verify_audit_log().unwrap().problem, None);
    let v = store.verify_audit_log_with_anchors().unwrap();
    assert!(
        matches!(v.problem, Some(AuditProblem::RolledBack { anchor: a, last }) if a == anchored && last < a),
        "{v:?}"
    );
    assert!(v.problem.unwrap().sentence_zh().contains("回退"));
}

#[test]
fn a_rewritten_anchored_entry_and_a_damaged_anchor_file_are_detected() {
    let f = fixture();
    let a = f.store.anchor_audit_head(false).unwrap();
    // The anchor names a hash the ledger does not have at that sequence.
    std::fs::write(
        f.store.audit_anchor_path(),
        format!("{}\t{}\t{}\n", a.seq, "ab".repeat(32), a.at),
    )
    .unwrap();
    assert_eq!(
        f.store.verify_audit_log_with_anchors().unwrap().problem,
        Some(AuditProblem::AnchorMismatch { id: a.seq })
    );
    std::fs::write(f.store.audit_anchor_path(), "garbage\n").unwrap();
    assert_eq!(
        f.store.verify_audit_log_with_anchors().unwrap().problem,
        Some(AuditProblem::AnchorUnreadable { line: 1 })
    );
}
