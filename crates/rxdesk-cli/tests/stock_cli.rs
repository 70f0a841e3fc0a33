//! The manager's stock-side corrections from the command line:
//! `rxdesk stock duplicates import|list|mark` (the bureau's duplicate
//! trace-code list: each row explained from the ledger, then marked) and
//! `rxdesk stock delete-upload` (3507 queued through the outbox), each
//! refusal a sentence with exit 1 and nothing written.

use std::path::Path;
use std::process::{Command, Output};

fn rxdesk(home: &Path, password: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rxdesk"))
        .args(args)
        .env("RXDESK_HOME", home)
        .env("RXDESK_PASSWORD", password)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn duplicate_lists_are_imported_explained_and_marked_and_a_wrong_upload_is_withdrawn() {
    let t = tempfile::tempdir().unwrap();
    let home = t.path();
    let db = home.join("rxdesk.sqlite3");
    let db = db.to_str().unwrap();
    let o = rxdesk(
        home,
        "boss-password",
        &[
            "queue",
            "demo",
            "--db",
            db,
            "--sales",
            "1",
            "--manager",
            "boss",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));

    // The bureau's list, Chinese headers; one row without a usable code.
    let list = home.join("dup.csv");
    std::fs::write(
        &list,
        "追溯码,批次流水号,拆零标志\n81305119999999999991,B1,0\nnot-a-code,B2,0\n",
    )
    .unwrap();
    let o = rxdesk(
        home,
        "boss-password",
        &[
            "stock",
            "--db",
            db,
            "duplicates",
            "import",
            "--operator",
            "boss",
            list.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let imported = out["imported"].as_array().unwrap();
    assert_eq!(imported.len(), 1, "{out}");
    assert!(
        !imported[0]["explanation_zh"].as_str().unwrap().is_empty(),
        "{out}"
    );
    assert_eq!(out["unusable_lines"].as_array().unwrap().len(), 1, "{out}");
    let id = imported[0]["id"].as_i64().unwrap().to_string();

    // Marked, with a note; the list shows it.
    let o = rxdesk(
        home,
        "boss-password",
        &[
            "stock",
            "--db",
            db,
            "duplicates",
            "mark",
            "--operator",
            "boss",
            &id,
            "--status",
            "to_void",
            "--note",
            "误上传，作废",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = rxdesk(home, "", &["stock", "--db", db, "duplicates", "list"]);
    assert!(o.status.success(), "{}", text(&o));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows[0]["status"], "to_void", "{rows}");
    assert_eq!(rows[0]["note"], "误上传，作废", "{rows}");

    // An unknown status and a wrong password are refused (exit 1), nothing changes.
    let o = rxdesk(
        home,
        "boss-password",
        &[
            "stock",
            "--db",
            db,
            "duplicates",
            "mark",
            "--operator",
            "boss",
            &id,
            "--status",
            "gone",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("explained / to_void / to_reupload"),
        "{}",
        text(&o)
    );
    let o = rxdesk(
        home,
        "wrong-password",
        &[
            "stock",
            "--db",
            db,
            "duplicates",
            "mark",
            "--operator",
            "boss",
            &id,
            "--status",
            "explained",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let o = rxdesk(home, "", &["stock", "--db", db, "duplicates", "list"]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows[0]["status"], "to_void", "{rows}");

    // The bureau publishes its lists as XLSX too (Chinese headers, any order).
    let xlsx = home.join("dup.xlsx");
    {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["拆零标志", "药品追溯码", "商品销售流水号"]
            .iter()
            .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_string(1, 0, "0").unwrap();
        ws.write_string(1, 1, "81305119999999999992").unwrap();
        ws.write_string(1, 2, "P0001").unwrap();
        wb.save(&xlsx).unwrap();
    }
    let o = rxdesk(
        home,
        "boss-password",
        &[
            "stock",
            "--db",
            db,
            "duplicates",
            "import",
            "--operator",
            "boss",
            xlsx.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        out["imported"][0]["row"]["drug_trac_codg"], "81305119999999999992",
        "{out}"
    );
    assert_eq!(out["imported"][0]["row"]["sale_no"], "P0001", "{out}");

    // 3507: a wrong purchase upload withdrawn, queued through the outbox;
    // an unknown data type is refused.
    let o = rxdesk(
        home,
        "boss-password",
        &[
            "stock",
            "--db",
            db,
            "delete-upload",
            "--operator",
            "boss",
            "--batch",
            "B-WRONG-1",
            "--type",
            "3",
            "--reason",
            "批次录错",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("3507"), "{}", text(&o));
    let o = rxdesk(
        home,
        "",
        &["queue", "--db", db, "list", "--state", "pending"],
    );
    assert!(
        text(&o).contains("inventory_delete") || text(&o).contains("3507"),
        "{}",
        text(&o)
    );
    let o = rxdesk(
        home,
        "boss-password",
        &[
            "stock",
            "--db",
            db,
            "delete-upload",
            "--operator",
            "boss",
            "--batch",
            "B-WRONG-1",
            "--type",
            "9",
            "--reason",
            "x",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}
