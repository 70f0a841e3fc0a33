//! The regulators' figures that count every sale: each settlement under the
//! credential actually used (e-voucher QR, e-prescription QR, face, card, ID
//! card), the e-voucher and face shares from those integer counts, the
//! province's price figures imported (CSV / XLSX) and the price monitor
//! (挂网价 first, then the province's average and median); and the delivery
//! orders read back for the delivery screen.

mod common;

use common::*;
use rxdesk_store::ledger::{DeliveryStatus, NewSale, NewSettlement};
use rxdesk_store::province_prices::PriceBasis;
use rxdesk_store::reports::{cst_day, day_range_ms, IdMethod};
use rxdesk_store::{ImportFormat, ImportMode};
use std::str::FromStr;

fn amount(s: &str) -> rxdesk_core::Amount {
    rxdesk_core::Amount::from_str(s).unwrap()
}

fn insured_sale(f: &Fixture, n: u64) -> i64 {
    insured_rec(f, n).sale_id
}

fn insured_rec(f: &Fixture, n: u64) -> rxdesk_store::ledger::SaleReceipt {
    let rx = approved_rx(f, &format!("RX{n:04}"));
    let sale = NewSale {
        prescription_id: Some(rx),
        settlement: Some(NewSettlement {
            setl_id: format!("SETL{n}"),
            mdtrt_id: format!("MD{n}"),
            psn_no: "PSN1".into(),
            medfee_sumamt: amount("12.50"),
            fund_pay_sumamt: amount("10.00"),
            psn_part_amt: amount("2.50"),
            acct_pay: amount("2.00"),
            psn_cash_pay: amount("0.50"),
            setl_time: f.store.now_ms(),
        }),
        doctor_name: "陈医生".into(),
        ..otc_sale(f, n)
    };
    f.store.record_sale(&f.cashier, &sale).unwrap()
}

#[test]
fn every_credential_counts_under_its_own_name() {
    let f = fixture();
    let (from, to) = day_range_ms(cst_day(f.store.now_ms()));
    // What the 2102 answer says (mdtrt_cert_type) and what was actually used.
    let cases = [
        ("01", Some(IdMethod::EVoucher)),
        ("02", Some(IdMethod::EpcQr)), // the QR decoded to an ID number
        ("01", Some(IdMethod::Face)),  // the face terminal gave an e-voucher token
        ("01", Some(IdMethod::Face)),
        ("03", Some(IdMethod::SocialSecurityCard)),
        ("02", Some(IdMethod::IdCard)),
        ("02", None), // an older sale: counted by its cert type (ID card)
        ("", None),   // nothing known
    ];
    for (i, (cert, method)) in cases.iter().enumerate() {
        let sale = insured_sale(&f, i as u64 + 1);
        if !cert.is_empty() {
            f.store
                .set_settlement_kind(&f.cashier, sale, cert, "310")
                .unwrap();
        }
        if let Some(m) = method {
            f.store.record_id_method(&f.cashier, sale, *m).unwrap();
        }
    }
    assert!(f
        .store
        .record_id_method(&f.cashier, 999, IdMethod::Face)
        .is_err());
    let m = &f.store.evoucher_share_by_month(from, to).unwrap()[0];
    let c = m.by_credential;
    assert_eq!(
        (
            c.e_voucher,
            c.epc_qr,
            c.face,
            c.social_security_card,
            c.id_card,
            c.unknown
        ),
        (1, 1, 2, 1, 2, 1)
    );
    // E-voucher forms: QR 1 + e-prescription QR 1 + face 2 = 4 of 8.
    assert_eq!((m.settlements, m.evoucher, m.unknown), (8, 4, 1));
    assert_eq!(m.share_percent, "50.0");
    assert!(m.meets_target);
    assert_eq!(m.face, 2);
    assert_eq!(m.face_share_percent, "25.0");

    // A refunded face sale leaves both shares.
    let rows = f.store.settlements_between(from, to).unwrap();
    let face_sale = rows.iter().find(|r| r.id_method == "face").unwrap().sale_id;
    money_back(&f.store, &f.boss, face_sale);
    f.store
        .record_refund(&f.boss, face_sale, "顾客退货")
        .unwrap();
    let m = &f.store.evoucher_share_by_month(from, to).unwrap()[0];
    assert_eq!((m.settlements, m.evoucher, m.face), (7, 3, 1));
    assert_eq!(m.share_percent, "42.9");
    assert_eq!(m.face_share_percent, "14.3");
}

#[test]
fn shares_are_exact_decimals_from_counts() {
    use rxdesk_store::reports::share_percent;
    assert_eq!(share_percent(1, 3).to_string(), "33.3");
    assert_eq!(share_percent(2, 3).to_string(), "66.7");
    assert_eq!(share_percent(0, 0).to_string(), "0");
    assert_eq!(format!("{:.1}", share_percent(3, 10)), "30.0");
    assert!(share_percent(3, 10) >= rust_decimal::Decimal::from(30));
}

const CODG: &str = "XA10BAE054A001010101445";

#[test]
fn province_prices_import_then_the_monitor_flags_the_sale() {
    let f = fixture();
    let (from, to) = day_range_ms(cst_day(f.store.now_ms()));
    insured_sale(&f, 1); // one box at the catalogue price 12.50
    let mut progress = |_| {};

    // A bad file names its lines and writes nothing.
    let bad = "医保目录编码,挂网价,全省平均价,全省中位价\nX1,abc,,\nX2,,,\nX1,1.00,,\n";
    let r = f
        .store
        .import_province_prices(
            &f.boss,
            bad.as_bytes(),
            ImportFormat::Csv,
            ImportMode::Commit,
            &mut progress,
        )
        .unwrap();
    assert!(!r.committed);
    let lines: Vec<usize> = r.errors.iter().map(|e| e.0).collect();
    assert_eq!(lines, [2, 3]);
    assert!(r.errors[0].1.contains("挂网价"));
    assert!(f.store.province_prices().unwrap().is_empty());
    // The cashier may not import.
    assert!(f
        .store
        .import_province_prices(
            &f.cashier,
            b"x",
            ImportFormat::Csv,
            ImportMode::Preview,
            &mut progress
        )
        .is_err());

    // 12.50 charged: above the 挂网价 12.00 and the median 12.20, below the average 13.00.
    let good = format!(
        "\u{feff}医保目录编码,药品名称,挂网价,全省平均价,全省中位价,统计期间\n{CODG},二甲双胍,12.00,13.00,12.20,2026-Q3\nX9,别的药,,5,5.5,2026-Q3\n"
    );
    let preview = f
        .store
        .import_province_prices(
            &f.boss,
            good.as_bytes(),
            ImportFormat::Csv,
            ImportMode::Preview,
            &mut progress,
        )
        .unwrap();
    assert_eq!((preview.inserted, preview.committed), (2, false));
    assert!(f.store.province_prices().unwrap().is_empty());
    let done = f
        .store
        .import_province_prices(
            &f.boss,
            good.as_bytes(),
            ImportFormat::Csv,
            ImportMode::Commit,
            &mut progress,
        )
        .unwrap();
    assert!(done.committed && done.is_ok());
    let again = f
        .store
        .import_province_prices(
            &f.boss,
            good.as_bytes(),
            ImportFormat::Csv,
            ImportMode::Preview,
            &mut progress,
        )
        .unwrap();
    assert_eq!((again.inserted, again.unchanged), (0, 2));

    let mon = f.store.price_monitor(from, to).unwrap();
    assert_eq!((mon.products_with_figures, mon.lines_compared), (2, 1));
    assert_eq!(mon.above.len(), 1);
    let c = &mon.above[0].comparisons;
    assert_eq!(mon.above[0].price, "12.50");
    assert_eq!(
        c.iter().map(|c| c.basis).collect::<Vec<_>>(),
        [PriceBasis::Listed, PriceBasis::Average, PriceBasis::Median],
        "the 挂网价 comparison comes first"
    );
    assert_eq!(
        c.iter()
            .map(|c| (c.reference.as_str(), c.above))
            .collect::<Vec<_>>(),
        [("12.00", true), ("13.00", false), ("12.20", true)]
    );
    assert_eq!(c[0].over_percent, "4.2");

    // Figures at or above the price: nothing flagged.
    let fair = format!("医保目录编码,挂网价,全省平均价,全省中位价\n{CODG},12.50,13.00,12.50\n");
    f.store
        .import_province_prices(
            &f.boss,
            fair.as_bytes(),
            ImportFormat::Csv,
            ImportMode::Commit,
            &mut progress,
        )
        .unwrap();
    let mon = f.store.price_monitor(from, to).unwrap();
    assert_eq!(mon.lines_compared, 1);
    assert!(mon.above.is_empty());
}

#[test]
fn province_prices_import_from_xlsx() {
    let f = fixture();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["医保目录编码", "挂网价", "全省中位价"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, CODG).unwrap();
    ws.write_number(1, 1, 11.5).unwrap();
    ws.write_number(1, 2, 12).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let r = f
        .store
        .import_province_prices(
            &f.boss,
            &bytes,
            ImportFormat::Xlsx,
            ImportMode::Commit,
            &mut |_| {},
        )
        .unwrap();
    assert!(r.committed, "{:?}", r.errors);
    let p = &f.store.province_prices().unwrap()[0];
    assert_eq!(
        (
            p.listed_price.as_str(),
            p.median_price.as_str(),
            p.average_price.as_str()
        ),
        ("11.50", "12.00", "")
    );
}

#[test]
fn delivery_orders_read_back_with_their_sale_and_recipient() {
    let f = fixture();
    let rec = insured_rec(&f, 1);
    let (sale, docno) = (rec.sale_id, rec.rtal_docno);
    let ds = f.store.delivery_sale(&docno).unwrap().unwrap();
    assert_eq!(ds.sale_id, sale);
    assert!(!ds.has_order && !ds.refunded && !ds.cold_chain);
    let rx = ds.prescription_id.unwrap();
    assert!(f.store.delivery_sale("NO-SUCH").unwrap().is_none());

    let status = |code: &str| DeliveryStatus {
        prescription_id: rx,
        delv_no: "DLV-1".into(),
        delv_entp_name: "同城配送".into(),
        status_code: code.into(),
        description: format!("状态{code}"),
    };
    f.store.record_delivery(&f.cashier, &status("1")).unwrap();
    assert!(f.store.delivery_sale(&docno).unwrap().unwrap().has_order);
    let open = f.store.delivery_orders(i64::MAX).unwrap();
    assert_eq!(open.len(), 1);
    let o = &open[0];
    assert_eq!(
        (
            o.sale_id,
            o.status_code.as_str(),
            o.patient_name.as_str(),
            o.open
        ),
        (sale, "1", "张三", true)
    );
    f.store.record_delivery(&f.cashier, &status("2")).unwrap();
    assert_eq!(
        f.store
            .delivery_order_of_sale(sale)
            .unwrap()
            .unwrap()
            .status_code,
        "2"
    );

    // The patient (any case of the check digit, spaces in the name) signs; another person does not.
    assert!(f
        .store
        .delivery_recipient_matches(rx, sale, "张 三", "110101199003078888")
        .unwrap());
    assert!(!f
        .store
        .delivery_recipient_matches(rx, sale, "李四", "110101199003078888")
        .unwrap());
    assert!(!f
        .store
        .delivery_recipient_matches(rx, sale, "张三", "11010119900307888X")
        .unwrap());

    f.store.record_delivery(&f.cashier, &status("3")).unwrap();
    // Closed: gone from the open list, still listed when asked since then.
    assert!(f.store.delivery_orders(i64::MAX).unwrap().is_empty());
    let closed = f.store.delivery_orders(0).unwrap();
    assert_eq!((closed.len(), closed[0].open), (1, false));
}
