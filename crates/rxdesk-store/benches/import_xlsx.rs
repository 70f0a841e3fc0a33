//! The measured reason for `calamine` (docs/decisions/0011): the same
//! 20,000-product catalogue checked (preview import: read, parse every line,
//! compare with the ledger) from XLSX and from CSV, in the same run. Prints
//! `BENCH_ROW {json}` for `scripts/bench`; ratio = XLSX / CSV.

use rxdesk_store::catalogue::{catalogue_csv, CatalogueRow, CATALOGUE_COLUMNS};
use rxdesk_store::operators::NewOperator;
use rxdesk_store::{ImportFormat, ImportMode, Role, Store};
use std::time::{Duration, Instant};

const ROWS: usize = 20_000;

fn rows() -> Vec<CatalogueRow> {
    (0..ROWS)
        .map(|n| {
            let name = format!("阿莫西林胶囊{n}");
            CatalogueRow {
                fixmedins_hilist_id: format!("YP{:06}", 100_000 + n),
                med_list_codg: format!("XJ01CAA{:03}A001{:09}", n % 997, n),
                genname: name.clone(),
                pinyin: String::new(),
                name,
                dosform: "胶囊剂".into(),
                spec: "0.25g*24粒".into(),
                unit: "盒".into(),
                prdr_name: "演示制药有限公司".into(),
                aprvno: format!("国药准字H2002{:04}", n % 10_000),
                rx_flag: "1".into(),
                price: format!("{}.{:02}", 5 + n % 90, n % 100).parse().unwrap(),
                barcode: String::new(),
                nego_drug: false,
                pack_size: (24 + n % 7).into(),
                min_unit: "粒".into(),
                trace_prefix: format!("8{:06}", 200_000 + n),
                circulation: String::new(),
                self_pay: false,
                reference_price: None,
                cold_chain: false,
                warnings: String::new(),
                contraindications: String::new(),
            }
        })
        .collect()
}

/// The rows as a workbook a spreadsheet program would save: prices and
/// pack sizes as number cells, the rest as text.
fn xlsx(rows: &[CatalogueRow]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in CATALOGUE_COLUMNS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let csv = catalogue_csv(rows);
    for (r, line) in csv.lines().skip(1).enumerate() {
        for (c, field) in line.split(',').enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match CATALOGUE_COLUMNS[c as usize] {
                "price" | "pack_size" => {
                    ws.write_number(r, c, field.parse::<f64>().unwrap())
                        .unwrap();
                }
                _ if field.is_empty() => {}
                _ => {
                    ws.write_string(r, c, field).unwrap();
                }
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn best_of(n: usize, mut f: impl FnMut()) -> Duration {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("bench.sqlite3")).unwrap();
    store
        .create_operator(
            None,
            &NewOperator {
                login: "boss".into(),
                display_name: "店长".into(),
                role: Role::Manager,
                password: "boss-password".into(),
                cert_type: None,
                certno: None,
                prac_cert_no: None,
            },
        )
        .unwrap();
    let boss = store.login("boss", "boss-password").unwrap();
    let rows = rows();
    let csv = catalogue_csv(&rows).into_bytes();
    let xlsx = xlsx(&rows);
    let run = |bytes: &[u8], format| {
        let r = store
            .import_catalogue(&boss, bytes, format, ImportMode::Preview, &mut |_| {})
            .unwrap();
        assert!(r.is_ok(), "{}", r.errors_zh());
        assert_eq!(r.inserted, ROWS);
    };
    let t_csv = best_of(3, || run(&csv, ImportFormat::Csv));
    let t_xlsx = best_of(3, || run(&xlsx, ImportFormat::Xlsx));
    let ms = |d: Duration| (d.as_secs_f64() * 1e6).round() / 1e3;
    let ratio = t_xlsx.as_secs_f64() / t_csv.as_secs_f64().max(1e-9);
    eprintln!(
        "catalogue preview of {ROWS} rows: XLSX {} ms ({} bytes), CSV {} ms ({} bytes), ratio {ratio:.2}",
        ms(t_xlsx),
        xlsx.len(),
        ms(t_csv),
        csv.len()
    );
    let row = serde_json::json!({
        "row": format!("catalogue import check (preview) of {ROWS} products from XLSX"),
        "rxdesk": ms(t_xlsx),
        "reference": ms(t_csv),
        "reference_name": "the same rows from CSV, same run",
        "unit": "ms",
        "ratio": (ratio * 10_000.0).round() / 10_000.0,
        "goal": "<= 10 s for 20,000 rows",
        "met": t_xlsx <= Duration::from_secs(10),
        "note": format!("best of 3; XLSX {} bytes, CSV {} bytes; every line checked, counts asserted", xlsx.len(), csv.len()),
    });
    println!("BENCH_ROW {row}");
}
