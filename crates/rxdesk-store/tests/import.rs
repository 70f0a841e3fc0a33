//! Catalogue and stock imports from XLSX and CSV (issue 13 item 5): every bad
//! line named by its spreadsheet row with a zh-CN and an en-US reason and
//! nothing written; a preview that counts added / changed / unchanged and
//! writes nothing, then the commit; the same answers for the same table in
//! either format; all 13 classes barred from circulation flagged in the
//! catalogue and refused by the counter's circulation rule. The XLSX files
//! are written here with `rust_xlsxwriter` (no binary fixtures).

mod common;

use common::fixture;
use rust_decimal_macros::dec;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use rxdesk_core::prescription::RxLine;
use rxdesk_core::rules::circulation::{check_circulation, RestrictedClass};
use rxdesk_core::rules::RuleCode;
use rxdesk_store::catalogue::{catalogue_csv, CatalogueRow, CATALOGUE_COLUMNS, STOCK_COLUMNS};
use rxdesk_store::{ImportFormat, ImportMode, ImportPhase, ImportProgress, ImportReport};

/// A cell of a test sheet: text, a number typed as a number, or a date.
#[derive(Clone, Debug)]
enum Cell {
    T(String),
    N(f64),
    D(u16, u8, u8),
    Blank,
}

fn t(s: &str) -> Cell {
    if s.is_empty() {
        Cell::Blank
    } else {
        Cell::T(s.into())
    }
}

/// Writes rows (header first) as an XLSX workbook; `gap_after` leaves an
/// empty spreadsheet row after that many rows.
fn xlsx(rows: &[Vec<Cell>], gap_after: Option<usize>) -> Vec<u8> {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet();
    let mut r = 0u32;
    for (i, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::T(s) => {
                    ws.write_string(r, c, s).unwrap();
                }
                Cell::N(n) => {
                    ws.write_number(r, c, *n).unwrap();
                }
                Cell::D(y, m, d) => {
                    let dt = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                    ws.write_datetime_with_format(r, c, &dt, &date).unwrap();
                }
                Cell::Blank => {}
            }
        }
        r += 1;
        if gap_after == Some(i + 1) {
            r += 1;
        }
    }
    wb.save_to_buffer().unwrap()
}

/// The same rows as CSV text (numbers as typed, dates as yyyy-MM-dd).
fn csv(rows: &[Vec<Cell>], gap_after: Option<usize>) -> Vec<u8> {
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let fields: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::T(s) if s.contains([',', '"']) => format!("\"{}\"", s.replace('"', "\"\"")),
                Cell::T(s) => s.clone(),
                Cell::N(n) => format!("{n}"),
                Cell::D(y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
                Cell::Blank => String::new(),
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
        if gap_after == Some(i + 1) {
            out.push_str("\r\n");
        }
    }
    out.into_bytes()
}

fn header() -> Vec<Cell> {
    CATALOGUE_COLUMNS.iter().map(|c| t(c)).collect()
}

/// One catalogue row: id, 医保 code, name, price (a number cell), barcode
/// (a number cell when all digits), circulation.
fn product(id: &str, codg: &str, name: &str, price: Cell, barcode: &str, circ: &str) -> Vec<Cell> {
    let mut row = vec![Cell::Blank; CATALOGUE_COLUMNS.len()];
    let col = |n: &str| CATALOGUE_COLUMNS.iter().position(|c| *c == n).unwrap();
    row[col("fixmedins_hilist_id")] = t(id);
    row[col("med_list_codg")] = t(codg);
    row[col("name")] = t(name);
    row[col("genname")] = t(name);
    row[col("unit")] = t("盒");
    row[col("rx_flag")] = Cell::N(1.0);
    row[col("price")] = price;
    row[col("barcode")] = if !barcode.is_empty() && barcode.bytes().all(|b| b.is_ascii_digit()) {
        Cell::N(barcode.parse().unwrap())
    } else {
        t(barcode)
    };
    row[col("pack_size")] = Cell::N(24.0);
    row[col("min_unit")] = t("粒");
    row[col("circulation")] = t(circ);
    row[col("self_pay")] = Cell::N(0.0);
    row
}

const AMOX: &str = "XJ01CAA040A001010100001";
const IBU: &str = "XM01AEB080A001010100002";
const LORA: &str = "XR06AXL040A001010100003";

fn bad_table() -> Vec<Vec<Cell>> {
    vec![
        header(),
        // row 2: good
        product(
            "K1",
            AMOX,
            "阿莫西林胶囊",
            Cell::N(12.5),
            "6901234567892",
            "",
        ),
        // row 3: a price with a unit
        product("K2", IBU, "布洛芬缓释胶囊", t("18元"), "", ""),
        // (row 4 is left empty in the sheet: numbering follows the sheet)
        // row 5: wrong check digit
        product("K3", LORA, "氯雷他定片", Cell::N(22.8), "6901234567891", ""),
        // row 6: unknown circulation class
        product("K4", LORA, "某药", Cell::N(1.0), "", "drugs"),
        // row 7: repeats row 2's id
        product("K1", LORA, "重复", Cell::N(1.0), "", ""),
        // row 8: no name
        product("K6", LORA, "", Cell::N(1.0), "", ""),
    ]
}

fn no_progress() -> impl FnMut(ImportProgress) {
    |_| {}
}

fn import(
    f: &common::Fixture,
    bytes: &[u8],
    format: ImportFormat,
    mode: ImportMode,
) -> ImportReport {
    f.store
        .import_catalogue(&f.boss, bytes, format, mode, &mut no_progress())
        .unwrap()
}

#[test]
fn an_xlsx_with_bad_lines_names_each_row_and_imports_nothing() {
    let f = fixture();
    let before = f.store.catalogue().unwrap();
    let bytes = xlsx(&bad_table(), Some(3));
    for mode in [ImportMode::Preview, ImportMode::Commit] {
        let r = import(&f, &bytes, ImportFormat::Xlsx, mode);
        let lines: Vec<usize> = r.errors.iter().map(|e| e.0).collect();
        assert_eq!(lines, vec![3, 5, 6, 7, 8], "{}", r.errors_zh());
        let en_lines: Vec<usize> = r.errors_en.iter().map(|e| e.0).collect();
        assert_eq!(en_lines, lines);
        let zh = |l: usize| r.errors.iter().find(|e| e.0 == l).unwrap().1.clone();
        let en = |l: usize| r.errors_en.iter().find(|e| e.0 == l).unwrap().1.clone();
        assert!(zh(3).contains("不是有效金额"), "{}", zh(3));
        assert!(en(3).contains("not an amount"), "{}", en(3));
        assert!(zh(5).contains("校验位"), "{}", zh(5));
        assert!(en(5).contains("check digit"), "{}", en(5));
        assert!(
            zh(6).contains("流通类别") && zh(6).contains("疫苗"),
            "{}",
            zh(6)
        );
        assert!(en(6).contains("circulation"), "{}", en(6));
        assert!(zh(7).contains("与第 2 行重复"), "{}", zh(7));
        assert!(en(7).contains("repeats line 2"), "{}", en(7));
        assert!(zh(8).contains("名称"), "{}", zh(8));
        assert!(en(8).contains("name must not be empty"), "{}", en(8));
        assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 0));
        assert!(!r.committed);
        assert_eq!(f.store.catalogue().unwrap(), before, "nothing written");
    }
}

#[test]
fn the_same_bad_table_as_csv_gives_the_same_lines_and_reasons() {
    let f = fixture();
    let x = import(
        &f,
        &xlsx(&bad_table(), Some(3)),
        ImportFormat::Xlsx,
        ImportMode::Commit,
    );
    let c = import(
        &f,
        &csv(&bad_table(), Some(3)),
        ImportFormat::Csv,
        ImportMode::Commit,
    );
    assert_eq!(x, c);
    assert!(!c.is_ok());
}

fn good_table() -> Vec<Vec<Cell>> {
    vec![
        header(),
        product(
            "G1",
            AMOX,
            "阿莫西林胶囊",
            Cell::N(12.5),
            "6901234567892",
            "",
        ),
        product("G2", IBU, "布洛芬缓释胶囊", Cell::N(18.0), "", ""),
        product("G3", LORA, "氯雷他定片", t("22.80"), "", "疫苗"),
    ]
}

/// First G1 and G2 as they are in [`good_table`], then G2's price changed.
fn seed_two(f: &common::Fixture) {
    let mut rows = good_table();
    rows.truncate(3);
    let r = import(f, &csv(&rows, None), ImportFormat::Csv, ImportMode::Commit);
    assert!(r.is_ok(), "{}", r.errors_zh());
    let mut g2 = f.store.product("G2").unwrap().unwrap().1;
    g2.price = "19.00".parse().unwrap();
    let r = f
        .store
        .import_catalogue_csv(&f.boss, catalogue_csv(&[g2]).as_bytes())
        .unwrap();
    assert_eq!(r.updated, 1);
}

fn preview_then_commit(format: ImportFormat, bytes: &[u8]) {
    let f = fixture();
    seed_two(&f);
    let before = f.store.catalogue().unwrap();
    let mut seen: Vec<ImportProgress> = Vec::new();
    let p = f
        .store
        .import_catalogue(&f.boss, bytes, format, ImportMode::Preview, &mut |p| {
            seen.push(p)
        })
        .unwrap();
    assert!(p.is_ok(), "{}", p.errors_zh());
    // G1 as it is, G2 back to 18.00, G3 new.
    assert_eq!((p.inserted, p.updated, p.unchanged), (1, 1, 1));
    assert!(!p.committed);
    assert_eq!(
        f.store.catalogue().unwrap(),
        before,
        "a preview writes nothing"
    );
    assert_eq!(
        seen.last().copied(),
        Some(ImportProgress {
            phase: ImportPhase::Checking,
            done: 3,
            total: 3
        })
    );
    let mut seen: Vec<ImportProgress> = Vec::new();
    let c = f
        .store
        .import_catalogue(&f.boss, bytes, format, ImportMode::Commit, &mut |p| {
            seen.push(p)
        })
        .unwrap();
    assert_eq!((c.inserted, c.updated, c.unchanged), (1, 1, 1));
    assert!(c.committed);
    assert_eq!(
        seen.last().map(|p| (p.phase, p.done, p.total)),
        Some((ImportPhase::Writing, 3, 3))
    );
    let g2 = f.store.product("G2").unwrap().unwrap().1;
    assert_eq!(g2.price.to_string(), "18.000000");
    let g3 = f.store.product("G3").unwrap().unwrap().1;
    assert_eq!(g3.restricted_classes(), vec![RestrictedClass::Vaccine]);
    assert_eq!(g3.circulation, "vaccine");
    let g1 = f.store.product("G1").unwrap().unwrap().1;
    assert_eq!(g1.barcode, "6901234567892", "a number cell reads as typed");
    assert_eq!(g1.pack_size, dec!(24));
    // Again: all unchanged.
    let again = import(&f, bytes, format, ImportMode::Preview);
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 3));
}

#[test]
fn a_good_xlsx_is_previewed_with_its_counts_then_committed() {
    preview_then_commit(ImportFormat::Xlsx, &xlsx(&good_table(), None));
}

#[test]
fn a_good_csv_is_previewed_with_its_counts_then_committed() {
    preview_then_commit(ImportFormat::Csv, &csv(&good_table(), None));
}

#[test]
fn stock_from_xlsx_with_date_cells_previews_then_commits() {
    let f = fixture();
    let r = import(
        &f,
        &xlsx(&good_table(), None),
        ImportFormat::Xlsx,
        ImportMode::Commit,
    );
    assert!(r.is_ok(), "{}", r.errors_zh());
    let head: Vec<Cell> = STOCK_COLUMNS.iter().map(|c| t(c)).collect();
    let batch = |id: &str, no: &str, made: Cell, exp: Cell, qty: f64| {
        vec![t(id), t(no), t("L1"), made, exp, Cell::N(qty), t("traced")]
    };
    let good = vec![
        head.clone(),
        batch("G1", "S1", Cell::D(2025, 1, 1), Cell::D(2028, 1, 1), 10.0),
        batch("G2", "S2", t("2025-02-01"), Cell::D(2028, 2, 1), 2.5),
    ];
    let p = f
        .store
        .import_stock(
            &f.boss,
            &xlsx(&good, None),
            ImportFormat::Xlsx,
            ImportMode::Preview,
            &mut no_progress(),
        )
        .unwrap();
    assert!(p.is_ok(), "{}", p.errors_zh());
    assert_eq!((p.inserted, p.unchanged, p.committed), (2, 0, false));
    let g1 = f.store.product("G1").unwrap().unwrap().0;
    assert!(f.store.stock_batches(g1).unwrap().is_empty());
    let c = f
        .store
        .import_stock(
            &f.boss,
            &xlsx(&good, None),
            ImportFormat::Xlsx,
            ImportMode::Commit,
            &mut no_progress(),
        )
        .unwrap();
    assert_eq!((c.inserted, c.committed), (2, true));
    let b = f.store.stock_batches(g1).unwrap();
    assert_eq!(
        (
            b[0].manu_date.as_str(),
            b[0].expy_end.as_str(),
            b[0].quantity
        ),
        ("2025-01-01", "2028-01-01", dec!(10))
    );
    // Bad stock lines: unknown product, made after it expires.
    let bad = vec![
        head,
        batch("NOPE", "S9", Cell::D(2025, 1, 1), Cell::D(2028, 1, 1), 1.0),
        batch("G1", "S8", Cell::D(2027, 1, 1), Cell::D(2026, 1, 1), 1.0),
    ];
    let r = f
        .store
        .import_stock(
            &f.boss,
            &xlsx(&bad, None),
            ImportFormat::Xlsx,
            ImportMode::Commit,
            &mut no_progress(),
        )
        .unwrap();
    assert_eq!(
        r.errors.iter().map(|e| e.0).collect::<Vec<_>>(),
        vec![2, 3],
        "{}",
        r.errors_zh()
    );
    assert!(r.errors_en[0].1.contains("import the catalogue first"));
    assert_eq!(f.store.stock_batches(g1).unwrap().len(), 1);
}

#[test]
fn not_a_workbook_is_one_clear_sentence() {
    let f = fixture();
    let r = import(
        &f,
        b"fixmedins_hilist_id,name\n",
        ImportFormat::Xlsx,
        ImportMode::Preview,
    );
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].0, 0);
    assert!(r.errors[0].1.contains("Excel"), "{}", r.errors[0].1);
}

/// Every class the rules bar (13) and insulin, one product each, flagged
/// by code or by zh-CN name; then the counter's path: the product found by
/// its 医保 code, its facts, the circulation rule.
#[test]
fn all_thirteen_barred_classes_are_flagged_and_refused_at_the_counter() {
    let f = fixture();
    let mut rows = vec![header()];
    let codes: Vec<String> = (0..RestrictedClass::ALL.len())
        .map(|i| format!("XJ01CAA040A00101010{:04}", 100 + i))
        .collect();
    for (i, c) in RestrictedClass::ALL.iter().enumerate() {
        let flag = if i % 2 == 0 { c.code() } else { c.label_zh() };
        rows.push(product(
            &format!("R{i}"),
            &codes[i],
            &format!("受控药{i}"),
            Cell::N(9.9),
            "",
            flag,
        ));
    }
    // Two classes on one product.
    rows.push(product(
        "R99",
        "XJ01CAA040A001010109999",
        "复方受控药",
        Cell::N(9.9),
        "",
        "第二类精神药品;doping_controlled",
    ));
    let r = import(
        &f,
        &xlsx(&rows, None),
        ImportFormat::Xlsx,
        ImportMode::Commit,
    );
    assert!(r.is_ok(), "{}", r.errors_zh());
    let mut refused = 0;
    for (i, class) in RestrictedClass::ALL.iter().enumerate() {
        let (_, row) = f.store.products_by_med_list_codg(&codes[i]).unwrap()[0].clone();
        assert_eq!(row.restricted_classes(), vec![*class]);
        let facts = row.to_product().facts;
        let line = rx_line(&codes[i], &row.name);
        let findings = check_circulation(&[line], &[Some(facts)]);
        if *class == RestrictedClass::Insulin {
            assert!(findings.is_empty(), "insulin may circulate");
        } else {
            assert_eq!(findings.len(), 1, "{class:?}");
            assert_eq!(findings[0].code, RuleCode::DrugNotInCirculation);
            assert!(findings[0].blocks());
            assert!(
                findings[0].message_zh.contains(class.label_zh())
                    && findings[0].message_zh.contains("不得通过处方流转"),
                "{}",
                findings[0].message_zh
            );
            refused += 1;
        }
    }
    assert_eq!(refused, 13);
    let (_, both) = f
        .store
        .products_by_med_list_codg("XJ01CAA040A001010109999")
        .unwrap()[0]
        .clone();
    assert_eq!(both.circulation, "psychotropic_class2;doping_controlled");
    let findings = check_circulation(
        &[rx_line("XJ01CAA040A001010109999", "复方受控药")],
        &[Some(both.to_product().facts)],
    );
    assert!(findings[0]
        .message_zh
        .contains("第二类精神药品、兴奋剂管控药品"));
}

fn rx_line(codg: &str, name: &str) -> RxLine {
    RxLine {
        med_list_codg: codg.into(),
        drug_genname: name.into(),
        drug_spec: "0.25g*24粒".into(),
        quantity: dec!(1),
        unit: "盒".into(),
        single_dose: "1粒".into(),
        frequency: "每日三次".into(),
        route: "口服".into(),
        days: 7,
        price: None,
        hosp_prep_flag: false,
    }
}

/// A catalogue written by an older build (V3's six codes) keeps its flags.
#[test]
fn legacy_codes_still_read() {
    let f = fixture();
    let mut rows = vec![header()];
    for (i, code) in ["psychotropic", "toxic", "hosp_prep", "precursor"]
        .iter()
        .enumerate()
    {
        rows.push(product(
            &format!("L{i}"),
            &format!("XJ01CAA040A00101010{:04}", 200 + i),
            "旧文件药",
            Cell::N(1.0),
            "",
            code,
        ));
    }
    let r = import(&f, &csv(&rows, None), ImportFormat::Csv, ImportMode::Commit);
    assert!(r.is_ok(), "{}", r.errors_zh());
    let got: Vec<String> = (0..4)
        .map(|i| {
            f.store
                .product(&format!("L{i}"))
                .unwrap()
                .unwrap()
                .1
                .circulation
        })
        .collect();
    assert_eq!(
        got,
        vec![
            "psychotropic_class1",
            "medical_toxic",
            "hospital_preparation",
            "precursor_chemical"
        ]
    );
}

fn arb_row() -> impl proptest::strategy::Strategy<Value = CatalogueRow> {
    use proptest::prelude::*;
    (
        "[A-Z]{2}[0-9]{4}",
        0usize..3,
        "[\\p{Han}A-Za-z0-9]{1,12}",
        0u64..100_000_000,
        1u32..500,
        proptest::sample::subsequence(RestrictedClass::ALL.to_vec(), 0..3),
        any::<bool>(),
    )
        .prop_map(
            |(id, codg, name, cents, pack, classes, cold)| CatalogueRow {
                fixmedins_hilist_id: id.clone(),
                med_list_codg: [AMOX, IBU, LORA][codg].into(),
                genname: name.clone(),
                pinyin: rxdesk_core::catalogue::pinyin_initials(&name),
                name,
                dosform: String::new(),
                spec: String::new(),
                unit: "盒".into(),
                prdr_name: String::new(),
                aprvno: String::new(),
                rx_flag: "1".into(),
                price: format!("{}.{:02}", cents / 100, cents % 100)
                    .parse()
                    .unwrap(),
                barcode: String::new(),
                pack_size: rust_decimal::Decimal::from(pack),
                min_unit: "盒".into(),
                trace_prefix: String::new(),
                circulation: rxdesk_store::catalogue::circulation_field(&classes),
                self_pay: false,
                reference_price: None,
                cold_chain: cold,
                nego_drug: cold,
                // Quoting: a comma and a quote in the text survive the file.
                warnings: format!("服药期间忌酒, \"{}\"；避光", id.len()),
                contraindications: if cold {
                    "对本品过敏者禁用".into()
                } else {
                    String::new()
                },
            },
        )
}

/// The rows as an XLSX sheet with prices and pack sizes as number cells.
fn rows_xlsx(rows: &[CatalogueRow]) -> Vec<u8> {
    let mut table = vec![header()];
    for r in rows {
        let mut cells = product(
            &r.fixmedins_hilist_id,
            &r.med_list_codg,
            &r.name,
            Cell::N(r.price.to_string().parse().unwrap()),
            "",
            &r.circulation,
        );
        let col = |n: &str| CATALOGUE_COLUMNS.iter().position(|c| *c == n).unwrap();
        cells[col("pack_size")] = Cell::N(r.pack_size.to_string().parse().unwrap());
        cells[col("min_unit")] = t("盒");
        cells[col("cold_chain")] = Cell::N(if r.cold_chain { 1.0 } else { 0.0 });
        cells[col("nego_drug")] = Cell::N(if r.nego_drug { 1.0 } else { 0.0 });
        cells[col("warnings")] = t(&r.warnings);
        cells[col("contraindications")] = t(&r.contraindications);
        table.push(cells);
    }
    xlsx(&table, None)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]

    /// Rows written as CSV or as XLSX (money as number cells) read back as
    /// the same rows, counted as added, and a second preview finds them
    /// unchanged.
    #[test]
    fn rows_round_trip_through_csv_and_xlsx(
        rows in proptest::collection::btree_map("[A-Z]{2}[0-9]{4}", arb_row(), 1..6)
    ) {
        let rows: Vec<CatalogueRow> = rows
            .into_iter()
            .map(|(id, mut r)| { r.fixmedins_hilist_id = id; r })
            .collect();
        for (format, bytes) in [
            (ImportFormat::Csv, catalogue_csv(&rows).into_bytes()),
            (ImportFormat::Xlsx, rows_xlsx(&rows)),
        ] {
            let f = fixture();
            let p = import(&f, &bytes, format, ImportMode::Preview);
            proptest::prop_assert!(p.is_ok(), "{:?}: {}", format, p.errors_zh());
            proptest::prop_assert_eq!(p.inserted, rows.len());
            let c = import(&f, &bytes, format, ImportMode::Commit);
            proptest::prop_assert_eq!(c.inserted, rows.len());
            for r in &rows {
                let got = f.store.product(&r.fixmedins_hilist_id).unwrap().unwrap().1;
                proptest::prop_assert_eq!(&got, r);
            }
            let again = import(&f, &bytes, format, ImportMode::Preview);
            proptest::prop_assert_eq!(again.unchanged, rows.len());
        }
    }

    /// Any cell text in any column: a report (ok or bad lines), never a
    /// panic, and a bad line is a line of the sheet.
    #[test]
    fn any_cells_give_a_report_never_a_panic(
        cells in proptest::collection::vec(
            proptest::collection::vec("\\PC{0,12}", CATALOGUE_COLUMNS.len()), 1..5)
    ) {
        let f = fixture();
        let mut table = vec![header()];
        table.extend(cells.iter().map(|r| r.iter().map(|c| t(c)).collect::<Vec<_>>()));
        let r = import(&f, &xlsx(&table, None), ImportFormat::Xlsx, ImportMode::Preview);
        for (line, msg) in &r.errors {
            proptest::prop_assert!(*line <= table.len(), "{line}: {msg}");
            proptest::prop_assert!(!msg.is_empty());
        }
        proptest::prop_assert_eq!(r.errors.len(), r.errors_en.len());
    }
}
