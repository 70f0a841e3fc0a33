//! Catalogue and stock CSV imports, lookups, trace-code and dispensing facts.

mod common;

use common::{approved_rx, fixture, otc_sale};
use rust_decimal_macros::dec;
use rxdesk_store::catalogue::{catalogue_csv, CATALOGUE_COLUMNS};
use rxdesk_store::ledger::{NewBatch, NewDrug};
use rxdesk_store::StoreError;
use std::str::FromStr;

const HEADER: &str = "fixmedins_hilist_id,med_list_codg,name,genname,dosform,spec,unit,prdr_name,aprvno,rx_flag,price,barcode,pack_size,min_unit,trace_prefix,circulation,self_pay,reference_price,pinyin";

fn good_csv() -> String {
    format!(
        "\u{feff}{HEADER}\r\n\
         YP1001,XJ01CAA040A001010100001,阿莫西林胶囊,阿莫西林胶囊,胶囊剂,0.25g*24粒,盒,\"某制药, 有限公司\",国药准字H1,1,12.50,6901234567892,24,粒,8100001,,0,15.00,\n\
         YP1002,XN02AAM010A001010100006,盐酸吗啡片,盐酸吗啡片,片剂,10mg*10片,盒,某药厂,国药准字H2,1,30,6901234567908,10,片,8100002,narcotic,0,,\n\
         YP1003,,维生素C片,维生素C,片剂,0.1g*100片,瓶,某药厂,国药准字H3,0,5.00,,100,片,,,1,,wsscp\n"
    )
}

#[test]
fn import_then_look_up_update_and_keep_add_drug_rows() {
    let f = fixture();
    let r = f
        .store
        .import_catalogue_csv(&f.boss, good_csv().as_bytes())
        .unwrap();
    assert!(r.is_ok(), "{}", r.errors_zh());
    assert_eq!((r.inserted, r.updated, r.unchanged), (3, 0, 0));

    let all = f.store.catalogue().unwrap();
    // The fixture's add_drug row is there too, with the new columns' defaults.
    assert_eq!(all.len(), 4);
    let old = all
        .iter()
        .find(|p| p.fixmedins_hilist_id == "YP0001")
        .unwrap();
    assert_eq!(
        (
            old.barcode.as_str(),
            old.pack_size,
            old.min_unit.as_str(),
            old.self_pay
        ),
        ("", dec!(1), "盒", false)
    );
    assert_eq!(old.pinyin, "ejsghsp");

    let (id, amox) = f.store.product("YP1001").unwrap().unwrap();
    assert_eq!(amox.prdr_name, "某制药, 有限公司");
    assert_eq!(amox.price, rxdesk_core::Price::from_str("12.5").unwrap());
    assert_eq!(amox.pack_size, dec!(24));
    assert_eq!(amox.pinyin, "amxljn", "filled on import");
    assert_eq!(
        amox.reference_price,
        Some(rxdesk_core::Price::from_str("15").unwrap())
    );
    assert_eq!(
        f.store.products_by_barcode("6901234567892").unwrap()[0].0,
        id
    );
    assert_eq!(
        f.store.products_by_trace_prefix("8100001").unwrap()[0].0,
        id
    );
    assert_eq!(
        f.store
            .products_by_med_list_codg("XJ01CAA040A001010100001")
            .unwrap()[0]
            .0,
        id
    );
    assert!(f
        .store
        .products_by_barcode("6900000000000")
        .unwrap()
        .is_empty());
    assert!(f.store.products_by_trace_prefix("").unwrap().is_empty());
    let morphine = f.store.product("YP1002").unwrap().unwrap().1;
    assert_eq!(morphine.circulation, "narcotic");
    assert_eq!(
        morphine.to_product().facts.restricted,
        vec![rxdesk_core::rules::circulation::RestrictedClass::Narcotic]
    );
    let vc = f.store.product("YP1003").unwrap().unwrap().1;
    assert!(vc.self_pay && vc.med_list_codg.is_empty() && vc.rx_flag == "0");
    assert_eq!(vc.pinyin, "wsscp");

    // The same file again changes nothing; a new price is one update.
    let r = f
        .store
        .import_catalogue_csv(&f.boss, good_csv().as_bytes())
        .unwrap();
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 3));
    let changed = good_csv().replace(",12.50,", ",13.00,");
    let r = f
        .store
        .import_catalogue_csv(&f.boss, changed.as_bytes())
        .unwrap();
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 1, 2));
    assert_eq!(
        f.store.product("YP1001").unwrap().unwrap().1.price,
        rxdesk_core::Price::from_str("13").unwrap()
    );

    // Export → import round trip.
    let rows = f.store.catalogue().unwrap();
    let r = f
        .store
        .import_catalogue_csv(&f.boss, catalogue_csv(&rows).as_bytes())
        .unwrap();
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 4));

    // add_drug / add_batch still work next to imported rows.
    let d = f
        .store
        .add_drug(
            &f.boss,
            &NewDrug {
                fixmedins_hilist_id: "YP9".into(),
                med_list_codg: "XR06AXL040A001010100003".into(),
                name: "氯雷他定片".into(),
                genname: String::new(),
                dosform: String::new(),
                spec: String::new(),
                unit: "盒".into(),
                prdr_name: String::new(),
                aprvno: String::new(),
                rx_flag: "1".into(),
                price: rxdesk_core::Price::from_str("22.8").unwrap(),
            },
        )
        .unwrap();
    let b = f
        .store
        .add_batch(
            &f.boss,
            &NewBatch {
                drug_id: d,
                fixmedins_bchno: "B9".into(),
                manu_lotnum: "L9".into(),
                manu_date: "2026-01-01".into(),
                expy_end: "2099-01-01".into(),
                quantity: dec!(3),
            },
        )
        .unwrap();
    let batches = f.store.stock_batches(d).unwrap();
    assert_eq!(batches.len(), 1);
    assert_eq!(
        (
            batches[0].id,
            batches[0].quantity,
            batches[0].store.as_str()
        ),
        (b, dec!(3), "traced")
    );
}

#[test]
fn every_bad_line_is_listed_and_nothing_is_written() {
    let f = fixture();
    let before = f.store.catalogue().unwrap();
    let csv = format!(
        "{HEADER}\n\
         A1,XJ01CAA040A001010100001,好药,,,,盒,,,1,12.5,,,,,,0,,\n\
         A2,XJ01CAA040A001010100001,坏价,,,,盒,,,1,12.5元,,,,,,0,,\n\
         A3,XJ01CAA040A001010100001,负价,,,,盒,,,1,-1,,,,,,0,,\n\
         A1,XJ01CAA040A001010100001,重复,,,,盒,,,1,1,,,,,,0,,\n\
         A5,XJ01CAA040A001010100001,条码,,,,盒,,,1,1,6901234567891,,,,,0,,\n\
         A6,BAD,编码,,,,盒,,,1,1,,,,,,0,,\n\
         A7,XJ01CAA040A001010100001,列数\n\
         A8,XJ01CAA040A001010100001,类别,,,,盒,,,1,1,,,,,drugs,0,,\n\
         A9,XJ01CAA040A001010100001,包装,,,,盒,,,1,1,,-2,,,,0,,\n\
         A10,XJ01CAA040A001010100001,前缀,,,,盒,,,1,1,,,,12345,,0,,\n\
         ,XJ01CAA040A001010100001,,,,,盒,,,1,1,,,,,,0,,\n\
         A12,,目录外非自费,,,,盒,,,1,1,,,,,,0,,\n\
         A13,XJ01CAA040A001010100001,\"未闭合,,,,盒,,,1,1,,,,,,0,,\n"
    );
    let r = f
        .store
        .import_catalogue_csv(&f.boss, csv.as_bytes())
        .unwrap();
    let lines: Vec<usize> = r.errors.iter().map(|e| e.0).collect();
    assert_eq!(
        lines,
        vec![3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
        "{}",
        r.errors_zh()
    );
    assert_eq!((r.inserted, r.updated), (0, 0));
    let msg = |line: usize| r.errors.iter().find(|e| e.0 == line).unwrap().1.clone();
    assert!(msg(3).contains("不是有效金额"), "{}", msg(3));
    assert!(msg(4).contains("负数"), "{}", msg(4));
    assert!(msg(5).contains("第 2 行重复"), "{}", msg(5));
    assert!(msg(6).contains("校验位"), "{}", msg(6));
    assert!(msg(7).contains("医保目录编码"), "{}", msg(7));
    assert!(msg(8).contains("列"), "{}", msg(8));
    assert!(msg(9).contains("circulation"), "{}", msg(9));
    assert!(msg(10).contains("负数"), "{}", msg(10));
    assert!(msg(11).contains("前 7 位"), "{}", msg(11));
    assert!(
        msg(12).contains("目录编号") && msg(12).contains("名称"),
        "{}",
        msg(12)
    );
    assert!(msg(13).contains("self_pay"), "{}", msg(13));
    assert!(msg(14).contains("引号"), "{}", msg(14));
    assert!(r.errors_zh().starts_with("第 3 行："));
    assert_eq!(f.store.catalogue().unwrap(), before, "nothing written");
}

#[test]
fn file_level_problems_are_sentences() {
    let f = fixture();
    let imp = |b: &[u8]| f.store.import_catalogue_csv(&f.boss, b).unwrap();
    let r = imp(b"");
    assert!(r.errors[0].1.contains("空"), "{:?}", r.errors);
    let r = imp(b"id,name,price\nA,B,1\n");
    assert_eq!(r.errors[0].0, 1);
    assert!(
        r.errors[0].1.contains("缺少列") && r.errors[0].1.contains("不认识的列 id"),
        "{:?}",
        r.errors
    );
    let r = imp(format!("{HEADER},price\n").as_bytes());
    assert!(r.errors[0].1.contains("两次"), "{:?}", r.errors);
    let r = imp(HEADER.as_bytes());
    assert!(r.errors[0].1.contains("只有表头"), "{:?}", r.errors);
    // GBK bytes of 阿莫西林 on line 2.
    let mut gbk = format!("{HEADER}\n").into_bytes();
    gbk.extend_from_slice(b"A,XJ01CAA040A001010100001,\xB0\xA2\xC4\xAA,1\n");
    let r = imp(&gbk);
    assert_eq!(r.errors[0].0, 2);
    assert!(r.errors[0].1.contains("UTF-8"));
    // Only a manager imports.
    assert!(matches!(
        f.store
            .import_catalogue_csv(&f.cashier, good_csv().as_bytes()),
        Err(StoreError::Forbidden { .. })
    ));
    assert!(matches!(
        f.store.import_stock_csv(&f.pharmacist, b"x"),
        Err(StoreError::Forbidden { .. })
    ));
}

#[test]
fn stock_import_validates_and_is_idempotent() {
    let f = fixture();
    f.store
        .import_catalogue_csv(&f.boss, good_csv().as_bytes())
        .unwrap();
    let stock =
        "fixmedins_hilist_id,fixmedins_bchno,manu_lotnum,manu_date,expy_end,quantity,store\n\
                 YP1001,S1,L1,2025-01-01,2027-01-31,10,traced\n\
                 YP1001,S2,L0,2023-01-01,2024-06-30,5,\n\
                 YP1001,S3,L1,2025-01-01,2027-01-31,2.5,nocode\n\
                 YP1002,S4,L4,2025-03-01,2028-03-01,0,traced\n";
    let r = f.store.import_stock_csv(&f.boss, stock.as_bytes()).unwrap();
    assert!(r.is_ok(), "{}", r.errors_zh());
    assert_eq!(r.inserted, 4);
    let id = f.store.product("YP1001").unwrap().unwrap().0;
    let b = f.store.stock_batches(id).unwrap();
    let got: Vec<(&str, &str, rust_decimal::Decimal, &str)> = b
        .iter()
        .map(|b| {
            (
                b.fixmedins_bchno.as_str(),
                b.expy_end.as_str(),
                b.quantity,
                b.store.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("S2", "2024-06-30", dec!(5), "traced"),
            ("S1", "2027-01-31", dec!(10), "traced"),
            ("S3", "2027-01-31", dec!(2.5), "nocode"),
        ]
    );
    assert_eq!(f.store.stock_batch(b[0].id).unwrap().unwrap(), b[0]);
    // Imports are in the audit log, which still verifies.
    let log = f.store.audit_entries(5).unwrap();
    assert_eq!(log[0].event, "stock.import");
    assert_eq!(log[0].operator_id, Some(f.boss.operator_id()));
    assert!(
        log[0].detail.contains("\"inserted\":4"),
        "{}",
        log[0].detail
    );
    assert_eq!(log[1].event, "catalogue.import");
    assert_eq!(f.store.verify_audit_log().unwrap().problem, None);
    // Again: nothing doubled.
    let r = f.store.import_stock_csv(&f.boss, stock.as_bytes()).unwrap();
    assert_eq!((r.inserted, r.unchanged), (0, 4));
    assert_eq!(f.store.stock_batches(id).unwrap(), b);

    let bad = "fixmedins_hilist_id,fixmedins_bchno,manu_lotnum,manu_date,expy_end,quantity\n\
               YP1001,T1,L1,2025-01-01,2027-01-31,1\n\
               YP1001,T2,L1,2025-01-01,2027-01-31,-3\n\
               NOPE,T3,L1,2025-01-01,2027-01-31,1\n\
               YP1001,T4,L1,2025/01/01,2027-01-31,1\n\
               YP1001,T5,L1,2027-01-01,2026-01-31,1\n\
               YP1001,T1,L1,2025-01-01,2027-01-31,1\n\
               YP1001,S1,OTHER,2025-01-01,2027-01-31,1\n\
               YP1001,T8,L1,2025-01-01,2027-01-31,abc\n\
               YP1001,T9,L1,2099-01-01,2099-12-31,1\n";
    let r = f.store.import_stock_csv(&f.boss, bad.as_bytes()).unwrap();
    let lines: Vec<usize> = r.errors.iter().map(|e| e.0).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7, 8, 9, 10], "{}", r.errors_zh());
    assert!(r.errors[0].1.contains("负数"));
    assert!(r.errors[1].1.contains("请先导入商品目录"));
    assert!(r.errors[2].1.contains("yyyy-MM-dd"));
    assert!(r.errors[3].1.contains("晚于有效期止"));
    assert!(r.errors[4].1.contains("第 2 行重复"));
    assert!(r.errors[5].1.contains("已在库存中"));
    assert!(r.errors[6].1.contains("不是有效数字"));
    assert!(r.errors[7].1.contains("之后"));
    assert_eq!(f.store.stock_batches(id).unwrap(), b, "nothing written");
    let r = f
        .store
        .import_stock_csv(
            &f.boss,
            b"fixmedins_hilist_id,fixmedins_bchno,manu_lotnum,manu_date,expy_end,quantity,store\nYP1001,U1,L,2025-01-01,2027-01-01,1,cold\n",
        )
        .unwrap();
    assert!(r.errors[0].1.contains("nocode"), "{:?}", r.errors);
}

#[test]
fn trace_codes_sold_and_earlier_dispensings() {
    let f = fixture();
    let code = common::trace(77);
    assert!(!f.store.trace_code_sold(&code).unwrap());
    let r = f.store.record_sale(&f.cashier, &otc_sale(&f, 77)).unwrap();
    assert!(f.store.trace_code_sold(&code).unwrap());
    f.store.record_refund(&f.boss, r.sale_id, "退货").unwrap();
    assert!(!f.store.trace_code_sold(&code).unwrap(), "returned");

    let rx = approved_rx(&f, "RX-DISP");
    assert!(f.store.dispensings_of("RX-DISP").unwrap().is_empty());
    let sale = rxdesk_store::ledger::NewSale {
        prescription_id: Some(rx),
        ..otc_sale(&f, 78)
    };
    let r = f.store.record_sale(&f.cashier, &sale).unwrap();
    let d = f.store.dispensings_of("RX-DISP").unwrap();
    assert_eq!(d.len(), 1);
    assert!((d[0] - f.store.now_ms()).abs() < 60_000);
    f.store.record_refund(&f.boss, r.sale_id, "退货").unwrap();
    assert!(f.store.dispensings_of("RX-DISP").unwrap().is_empty());
    assert!(f.store.dispensings_of("NOPE").unwrap().is_empty());
}

#[test]
fn random_bytes_and_random_lines_never_panic_and_never_write() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let f = fixture();
    let before = f.store.catalogue().unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 96,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(any::<u8>(), 0..600), |bytes| {
            let r = f.store.import_catalogue_csv(&f.boss, &bytes).unwrap();
            prop_assert!(!r.is_ok());
            let r = f.store.import_stock_csv(&f.boss, &bytes).unwrap();
            prop_assert!(!r.is_ok());
            Ok(())
        })
        .unwrap();
    // Lines under a correct header, with fields drawn from near-valid values.
    let field = prop_oneof![
        Just(String::new()),
        Just("1".to_string()),
        Just("-1".to_string()),
        Just("12.5".to_string()),
        Just("1e3".to_string()),
        Just("6901234567892".to_string()),
        Just("6901234567891".to_string()),
        Just("XJ01CAA040A001010100001".to_string()),
        Just("narcotic".to_string()),
        Just("\"".to_string()),
        "[a-z0-9,\"\u{4e00}-\u{4e10}]{0,6}",
    ];
    let line = proptest::collection::vec(field, 0..22).prop_map(|v| v.join(","));
    runner
        .run(&proptest::collection::vec(line, 1..8), |lines| {
            let csv = format!("{}\n{}\n", CATALOGUE_COLUMNS.join(","), lines.join("\n"));
            let r = f
                .store
                .import_catalogue_csv(&f.boss, csv.as_bytes())
                .unwrap();
            if !r.is_ok() {
                for (line, msg) in &r.errors {
                    prop_assert!(*line <= lines.len() + 2 && !msg.is_empty());
                }
            }
            Ok(())
        })
        .unwrap();
    // Whatever the random lines did, they either wrote valid rows or nothing:
    for p in f.store.catalogue().unwrap() {
        assert!(!p.fixmedins_hilist_id.is_empty() && !p.price.is_negative());
        assert!(p.barcode.is_empty() || rxdesk_store::catalogue::gtin_valid(&p.barcode));
    }
    assert!(f.store.catalogue().unwrap().len() >= before.len());
}

#[test]
fn cold_chain_products_are_flagged_for_delivery() {
    let f = fixture();
    let csv = format!(
        "{HEADER},cold_chain\r\n\
         YP2001,XA10ABA010B002010100007,重组人胰岛素注射液,重组人胰岛素,注射剂,3ml:300单位,支,某药厂,国药准字S1,1,58.00,,1,支,,,0,,,1\r\n\
         YP2002,XJ01CAA040A001010100001,阿莫西林胶囊,阿莫西林胶囊,胶囊剂,0.25g*24粒,盒,某药厂,国药准字H1,1,12.50,,24,粒,,,0,,,0\r\n"
    );
    let r = f
        .store
        .import_catalogue_csv(&f.boss, csv.as_bytes())
        .unwrap();
    assert!(r.is_ok(), "{}", r.errors_zh());
    let (_, insulin) = f.store.product("YP2001").unwrap().unwrap();
    assert!(insulin.cold_chain);
    assert!(insulin.to_product().facts.cold_chain);
    let (_, amox) = f.store.product("YP2002").unwrap().unwrap();
    assert!(!amox.to_product().facts.cold_chain);
    // Written back and read again, the flag survives.
    let again = catalogue_csv(std::slice::from_ref(&insulin));
    assert!(again
        .lines()
        .next()
        .unwrap()
        .split(',')
        .any(|c| c == "cold_chain"));
    let bad = format!(
        "{HEADER},cold_chain\r\n\
         YP2003,XA10ABA010B002010100007,胰岛素,胰岛素,注射剂,3ml,支,某药厂,国药准字S1,1,58.00,,1,支,,,0,,,冷藏\r\n"
    );
    let r = f
        .store
        .import_catalogue_csv(&f.boss, bad.as_bytes())
        .unwrap();
    assert!(
        r.errors_zh().contains("冷链标志（cold_chain）"),
        "{}",
        r.errors_zh()
    );
    assert!(f.store.product("YP2003").unwrap().is_none());
}
