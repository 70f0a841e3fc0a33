//! The inventory screen's service (`rxdesk_app::inventory_screen`) on a
//! counter against the center emulator: every scanned code is checked the
//! moment it is scanned with the typed refusal the commit would give (with
//! its params, and an English sentence without Chinese), a delivery of two
//! products is one goods-in document, the stock-take's differences carry
//! product names, and the stock list comes a page at a time.

mod common;

use common::*;
use rxdesk_app::inventory_screen::{self as inv, GoodsInForm, GoodsInLineForm};
use rxdesk_app::visit::Lang;
use rxdesk_demo::catalogue::demo_boxes;

const IBU: &str = "YP000002";
const AMOX: &str = "YP000001";

fn prefix_of(hilist: &str) -> String {
    demo_boxes()
        .into_iter()
        .find(|b| b.fixmedins_hilist_id == hilist)
        .unwrap()
        .trace_code[..7]
        .to_string()
}

fn line(product: &str, lot: &str, codes: &[String]) -> GoodsInLineForm {
    GoodsInLineForm {
        product: product.into(),
        lot: lot.into(),
        manu_date: "2026-10-01".into(),
        expiry: "2028-09-30".into(),
        price: "12.50".into(),
        codes: codes.to_vec(),
    }
}

fn cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_are_checked_at_once_and_a_two_product_delivery_is_one_document() {
    let rig = Rig::new().await;
    let store = rig.counter.store().clone();
    let s = rig.session();
    let (ibu, amox) = (prefix_of(IBU), prefix_of(AMOX));

    // The product by its id and by a scanned trace code's prefix.
    let p = inv::find_products(&store, IBU).unwrap();
    assert_eq!((p.len(), p[0].prefix.as_str()), (1, ibu.as_str()));
    let by_code = inv::find_products(&store, &format!("{ibu}0000000000001")).unwrap();
    assert!(by_code.iter().any(|c| c.id == IBU), "{by_code:?}");

    // Each refusal as it is scanned, by code.
    let fresh: Vec<String> = (1..=2)
        .map(|n| format!("{ibu}{:013}", 7_700_000_000_000u64 + n))
        .collect();
    let amox_new = format!("{amox}{:013}", 7_700_000_000_001u64);
    let refuse = |code: &str, scanned: &[String]| {
        inv::check_goods_in_code(&store, IBU, code, scanned).unwrap_err()
    };
    assert_eq!(refuse("8130512", &[]).code(), "INVENTORY_BAD_CODE");
    let wrong = refuse(&amox_new, &[]);
    assert_eq!(wrong.code(), "INVENTORY_WRONG_PRODUCT");
    assert_eq!(wrong.params()["prefix"], ibu.as_str());
    assert_eq!(
        refuse(&fresh[0], &fresh[..1]).code(),
        "INVENTORY_DUPLICATE_IN_DOCUMENT"
    );
    let on_shelf = store
        .stock_list()
        .unwrap()
        .into_iter()
        .find(|l| l.fixmedins_hilist_id == IBU && !l.codes.is_empty())
        .expect("the rig received 布洛芬 boxes")
        .codes[0]
        .clone();
    let again = refuse(&on_shelf, &[]);
    assert_eq!(again.code(), "INVENTORY_ALREADY_RECEIVED");
    assert_eq!(again.params()["stateKey"], "in_stock");
    let en = again.to_wire(Lang::EnUs).message;
    assert!(!cjk(&en), "{en}");
    let ok = inv::check_goods_in_code(&store, IBU, &fresh[0], &[]).unwrap();
    assert_eq!(
        (ok.state.as_str(), ok.code.as_str()),
        ("new", fresh[0].as_str())
    );

    // Two products, one document: one 3503 per batch.
    let form = |price: &str| GoodsInForm {
        supplier: "国药控股北京有限公司".into(),
        invoice_no: "04417788".into(),
        lines: vec![
            GoodsInLineForm {
                price: price.into(),
                ..line(IBU, "L-SCREEN", &fresh)
            },
            line(AMOX, "A-SCREEN", std::slice::from_ref(&amox_new)),
        ],
    };
    assert_eq!(
        inv::receive(&store, &s, &form("12.5元"))
            .unwrap_err()
            .code(),
        "INVENTORY_BAD_PRICE"
    );
    let doc = inv::receive(&store, &s, &form("12.50")).unwrap();
    assert_eq!((doc.boxes, doc.uploads, doc.batches.len()), (3, 2, 2));

    // Off the shelf: a received whole box is accepted for a return, a code
    // never received is refused with its state key.
    let b = inv::check_stock_code(&store, &fresh[0], false, true, &[]).unwrap();
    assert_eq!((b.name.is_empty(), b.lot.as_str()), (false, "L-SCREEN"));
    let never = format!("{ibu}{:013}", 7_799_999_999_999u64);
    let e = inv::check_stock_code(&store, &never, false, false, &[]).unwrap_err();
    assert_eq!(
        (e.code().as_str(), e.params()["stateKey"].as_str()),
        ("INVENTORY_NOT_IN_STOCK", Some("not_received"))
    );

    // A stock-take of the two new 布洛芬 boxes: the rest of 布洛芬 is missing,
    // by name; the code never received is unexpected, named by its prefix.
    let counted = vec![fresh[0].clone(), fresh[1].clone(), never.clone()];
    let v = inv::stock_take_preview(&store, &s, &counted).unwrap();
    assert_eq!(v.matched, 2);
    assert!(v.missing.iter().any(|m| m.code == on_shelf), "{v:?}");
    assert!(v.missing.iter().all(|m| !m.name.is_empty()));
    assert_eq!(v.unexpected.len(), 1);
    assert_eq!(v.unexpected[0].state, "not_received");
    assert!(!v.unexpected[0].name.is_empty());

    // A loss, then the box may come back as 报溢 (incoming) but not go out again.
    assert_eq!(
        inv::change(&store, &s, "loss", &fresh[..1], "破损").unwrap(),
        1
    );
    assert!(inv::check_stock_code(&store, &fresh[0], true, false, &[]).is_ok());
    assert!(inv::check_stock_code(&store, &fresh[0], false, false, &[]).is_err());
    assert_eq!(
        inv::change(&store, &s, "gift", &fresh[1..], "x")
            .unwrap_err()
            .code(),
        "INVENTORY_BAD_KIND"
    );

    // The stock list a page at a time, quantities as decimal strings.
    let page = inv::stock_list(&store, IBU, 1).unwrap();
    assert!(page.total >= 2 && page.lines.len() == 1, "{}", page.total);
    assert!(page.lines[0]
        .quantity
        .parse::<rust_decimal::Decimal>()
        .is_ok());
    let mine = inv::stock_list(&store, &fresh[1], 10).unwrap();
    assert_eq!(mine.total, 1);
    assert_eq!(mine.lines[0].lot, "L-SCREEN");
}
