//! `rxdesk catalogue import FILE` with .xlsx and .csv (issue 13 item 5): bad
//! lines listed by row with zh-CN and en-US reasons and exit 1, nothing
//! imported; a good file's summary with `--dry-run`, then the import with
//! `--yes`; an unknown format refused with its code. The workbooks are
//! written here (rust_xlsxwriter), not committed.

use std::path::Path;
use std::process::{Command, Output};

fn rxdesk(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rxdesk"))
        .args(args)
        .env("RXDESK_HOME", home)
        .env("RXDESK_PASSWORD", "boss-password")
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

const HEADER: [&str; 5] = [
    "fixmedins_hilist_id",
    "med_list_codg",
    "name",
    "price",
    "circulation",
];

fn workbook(path: &Path, rows: &[(&str, &str, &str, f64, &str)]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (id, codg, name, price, circ)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *id).unwrap();
        ws.write_string(r, 1, *codg).unwrap();
        if !name.is_empty() {
            ws.write_string(r, 2, *name).unwrap();
        }
        ws.write_number(r, 3, *price).unwrap();
        if !circ.is_empty() {
            ws.write_string(r, 4, *circ).unwrap();
        }
    }
    wb.save(path).unwrap();
}

const AMOX: &str = "XJ01CAA040A001010100001";

#[test]
fn catalogue_import_reads_xlsx_lists_bad_lines_and_imports_after_the_summary() {
    let t = tempfile::tempdir().unwrap();
    let home = t.path();
    let db = home.join("rxdesk.sqlite3");
    let db = db.to_str().unwrap();
    let o = rxdesk(
        home,
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

    let bad = home.join("bad.xlsx");
    workbook(
        &bad,
        &[
            ("C1", AMOX, "阿莫西林胶囊", 12.5, ""),
            ("C2", AMOX, "", 3.0, ""),
            ("C3", AMOX, "某药", 3.0, "毒品"),
        ],
    );
    let o = rxdesk(
        home,
        &[
            "catalogue",
            "import",
            bad.to_str().unwrap(),
            "--operator",
            "boss",
            "--yes",
            "--db",
            db,
        ],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("第 3 行 line 3") && out.contains("name must not be empty"),
        "{out}"
    );
    assert!(
        out.contains("第 4 行 line 4") && out.contains("流通类别"),
        "{out}"
    );
    assert!(!out.contains("第 2 行"), "{out}");
    assert!(out.contains("未导入任何内容"), "{out}");

    let good = home.join("good.xlsx");
    workbook(
        &good,
        &[
            ("C1", AMOX, "阿莫西林胶囊", 12.5, ""),
            ("C2", AMOX, "盐酸吗啡片", 30.0, "麻醉药品"),
        ],
    );
    let good = good.to_str().unwrap();
    // C1 was not imported by the bad file: both are new.
    let o = rxdesk(
        home,
        &[
            "catalogue",
            "import",
            good,
            "--operator",
            "boss",
            "--dry-run",
            "--db",
            db,
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("新增 added 2，修改 changed 0，未变 unchanged 0"),
        "{}",
        text(&o)
    );
    let o = rxdesk(
        home,
        &[
            "catalogue",
            "import",
            good,
            "--operator",
            "boss",
            "--yes",
            "--db",
            db,
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("已导入 imported: 新增 added 2"),
        "{}",
        text(&o)
    );
    let o = rxdesk(
        home,
        &[
            "catalogue",
            "import",
            good,
            "--operator",
            "boss",
            "--dry-run",
            "--db",
            db,
        ],
    );
    assert!(text(&o).contains("未变 unchanged 2"), "{}", text(&o));

    // Stock from CSV through the same command family.
    let stock = home.join("stock.csv");
    std::fs::write(
        &stock,
        "fixmedins_hilist_id,fixmedins_bchno,manu_lotnum,manu_date,expy_end,quantity\nC1,S1,L1,2025-01-01,2028-01-01,5\n",
    )
    .unwrap();
    let o = rxdesk(
        home,
        &[
            "stock",
            "import",
            stock.to_str().unwrap(),
            "--operator",
            "boss",
            "--yes",
            "--db",
            db,
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("新增 added 1"), "{}", text(&o));

    // An old .xls is refused with a sentence and its code.
    let xls = home.join("old.xls");
    std::fs::write(&xls, b"\xD0\xCF\x11\xE0").unwrap();
    let o = rxdesk(
        home,
        &[
            "catalogue",
            "import",
            xls.to_str().unwrap(),
            "--operator",
            "boss",
            "--yes",
            "--db",
            db,
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("IMPORT_UNKNOWN_FORMAT"), "{}", text(&o));
}
