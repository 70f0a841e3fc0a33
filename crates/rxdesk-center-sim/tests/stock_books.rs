//! The emulator's stock-side books through the real client: 3503 goods-in
//! puts boxes in the platform's view of the stock, 3504 and 3502 take them
//! out, 3501 is recorded, 3507 deletes a wrong upload and undoes it, 3505
//! and 3506 keep the 3513 rows (by day and by code), 拆零 sales share a box
//! code, and the duplicate-code switch decides between reject and overwrite.

mod common;

use common::*;
use rust_decimal::Decimal;
use rxdesk_center::messages::*;
use rxdesk_center::{CenterClient, CenterError, Family};
use rxdesk_core::Price;
use serde::Serialize;
use serde_json::Value;

fn code(e: &CenterError) -> &str {
    e.rejection_code()
        .unwrap_or_else(|| panic!("expected a rejection, got {e:?}"))
}

async fn send<T: Serialize>(c: &CenterClient, infno: &str, m: &T) -> Result<Value, CenterError> {
    c.transact(infno, &ctx(), serde_json::to_value(m).unwrap())
        .await
}

fn traces(codes: &[String]) -> Vec<DrugTrace> {
    codes
        .iter()
        .map(|c| DrugTrace {
            drug_trac_codg: c.clone(),
        })
        .collect()
}

async fn a_drug(base: &str) -> String {
    let drugs = get(base, "/admin/drugs").await;
    let first = drugs.as_array().and_then(|a| a.first()).cloned().unwrap();
    first["med_list_codg"].as_str().unwrap().to_string()
}

fn purchase(codg: &str, bchno: &str, codes: &[String]) -> PurchaseInput {
    PurchaseInput {
        purcinfo: PurchaseInfo {
            med_list_codg: codg.into(),
            fixmedins_hilist_id: "SKU-1".into(),
            fixmedins_hilist_name: "阿莫西林胶囊".into(),
            fixmedins_bchno: bchno.into(),
            spler_name: "某医药公司".into(),
            manu_lotnum: "L1".into(),
            manu_date: "2026-01-01".into(),
            expy_end: "2028-12-31".into(),
            finl_trns_pric: "8.5".parse::<Price>().unwrap(),
            purc_retn_cnt: Decimal::from(codes.len()),
            purc_invo_no: "INV-1".into(),
            rx_flag: "1".into(),
            purc_retn_stoin_time: "2026-11-24 09:00:00".into(),
            purc_retn_opter_name: "店长".into(),
            drugtracinfo: traces(codes),
            ..Default::default()
        },
    }
}

fn change(codg: &str, bchno: &str, chg: &str, codes: &[String]) -> StockChangeInput {
    StockChangeInput {
        invinfo: StockChangeInfo {
            med_list_codg: codg.into(),
            inv_chg_type: chg.into(),
            fixmedins_hilist_id: "SKU-1".into(),
            fixmedins_hilist_name: "阿莫西林胶囊".into(),
            fixmedins_bchno: bchno.into(),
            pric: "8.5".parse::<Price>().unwrap(),
            cnt: Decimal::from(codes.len()),
            rx_flag: "1".into(),
            inv_chg_time: "2026-11-24 18:00:00".into(),
            inv_chg_opter_name: "店长".into(),
            memo: "破损".into(),
            trdn_flag: "0".into(),
            drugtracinfo: traces(codes),
        },
    }
}

fn self_paid_sale(codg: &str, docno: &str, codes: &[String], split: bool) -> SaleInput {
    SaleInput {
        selinfo: SaleInfo {
            med_list_codg: codg.into(),
            fixmedins_hilist_id: "SKU-1".into(),
            fixmedins_hilist_name: "阿莫西林胶囊".into(),
            fixmedins_bchno: "PB-1".into(),
            prsc_dr_name: "王医生".into(),
            phar_name: "赵药师".into(),
            phar_prac_cert_no: "ZY0001".into(),
            hi_feesetl_type: "1".into(),
            mdtrt_sn: docno.into(),
            psn_cert_type: "01".into(),
            manu_lotnum: "L1".into(),
            manu_date: "2026-01-01".into(),
            expy_end: "2028-12-31".into(),
            rx_flag: "1".into(),
            trdn_flag: if split { "1" } else { "0" }.into(),
            finl_trns_pric: "12".parse::<Price>().unwrap(),
            rx_circ_flag: "0".into(),
            rtal_docno: docno.into(),
            sel_retn_cnt: if split {
                Decimal::new(5, 1)
            } else {
                Decimal::from(codes.len())
            },
            sel_retn_time: "2026-11-24 10:05:00".into(),
            sel_retn_opter_name: "收银员甲".into(),
            drugtracinfo: traces(codes),
            ..Default::default()
        },
    }
}

fn query_code(c: &str) -> SoldTraceQueryData {
    SoldTraceQueryData {
        drug_trac_codg: c.into(),
        psn_cert_type: "01".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn purchase_return_change_and_delete_keep_the_platforms_stock() {
    let sim = start().await;
    let base = sim.base_url();
    let c = client(&base, Family::A);
    let codg = a_drug(&base).await;
    let boxes: Vec<String> = (1..=4).map(|n| trace_code(7_000 + n)).collect();

    send(&c, "3503", &purchase(&codg, "PB-1", &boxes))
        .await
        .unwrap();
    let books = get(&base, "/admin/books").await;
    for b in &boxes {
        assert_eq!(books["stock"]["in_stock"][b]["fixmedins_bchno"], "PB-1");
    }

    // The same box received again: refused by default, nothing applied.
    let e = send(&c, "3503", &purchase(&codg, "PB-2", &boxes[..1]))
        .await
        .unwrap_err();
    assert_eq!(code(&e), "5004", "{e}");
    // Codes and count disagree: refused.
    let mut bad = purchase(&codg, "PB-3", &[trace_code(7_100)]);
    bad.purcinfo.purc_retn_cnt = Decimal::from(2);
    assert_eq!(code(&send(&c, "3503", &bad).await.unwrap_err()), "1001");
    // A malformed code: refused.
    let bad = purchase(&codg, "PB-3", &["8100".to_string()]);
    assert_eq!(code(&send(&c, "3503", &bad).await.unwrap_err()), "5002");

    // 3504: one box back to the supplier; a box never received is refused.
    let ret = PurchaseReturnInput {
        purcinfo: PurchaseReturnInfo {
            med_list_codg: codg.clone(),
            fixmedins_bchno: "PB-1".into(),
            spler_name: "某医药公司".into(),
            purc_retn_cnt: Decimal::ONE,
            purc_invo_no: "INV-1".into(),
            rx_flag: "1".into(),
            drugtracinfo: traces(&boxes[3..4]),
            ..Default::default()
        },
    };
    send(&c, "3504", &ret).await.unwrap();
    let e = send(&c, "3504", &ret).await.unwrap_err();
    assert_eq!(code(&e), "5005", "returned twice: {e}");

    // 3502 报损 of one box; an unknown change type is refused.
    send(
        &c,
        "3502",
        &change(&codg, "PB-1", inv_chg_type::LOSS, &boxes[2..3]),
    )
    .await
    .unwrap();
    let e = send(&c, "3502", &change(&codg, "PB-1", "999", &boxes[1..2]))
        .await
        .unwrap_err();
    assert_eq!(code(&e), "1001");

    // 3501: the count is recorded, the platform's stock unchanged.
    let take = StockTakeInput {
        invinfo: StockTakeInfo {
            med_list_codg: codg.clone(),
            fixmedins_bchno: "PB-1".into(),
            invdate: "2026-11-24".into(),
            inv_cnt: Decimal::from(2),
            rx_flag: "1".into(),
            drugtracinfo: traces(&boxes[..2]),
            ..Default::default()
        },
    };
    send(&c, "3501", &take).await.unwrap();

    let books = get(&base, "/admin/books").await;
    let in_stock = books["stock"]["in_stock"].as_object().unwrap();
    let mut left: Vec<&String> = in_stock.keys().collect();
    left.sort();
    assert_eq!(left, vec![&boxes[0], &boxes[1]]);
    let kinds: Vec<&str> = books["stock"]["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["infno"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["3503", "3504", "3502", "3501"]);

    // 3507: the loss was wrong — delete it, the box is back; again: nothing left.
    let del = InventoryDeleteInput {
        data: InventoryDeleteData {
            fixmedins_bchno: "PB-1".into(),
            inv_data_type: inv_data_type::STOCK_CHANGE.into(),
        },
    };
    send(&c, "3507", &del).await.unwrap();
    let books = get(&base, "/admin/books").await;
    assert!(books["stock"]["in_stock"][&boxes[2]].is_object());
    assert_eq!(code(&send(&c, "3507", &del).await.unwrap_err()), "6003");
    // Deleting the purchase takes its boxes out of the platform's stock.
    let del = InventoryDeleteInput {
        data: InventoryDeleteData {
            fixmedins_bchno: "PB-1".into(),
            inv_data_type: inv_data_type::PURCHASE.into(),
        },
    };
    send(&c, "3507", &del).await.unwrap();
    let books = get(&base, "/admin/books").await;
    assert!(books["stock"]["in_stock"][&boxes[0]].is_null());
}

#[tokio::test]
async fn duplicate_switch_overwrites_instead_of_rejecting() {
    let sim = start().await;
    let base = sim.base_url();
    let c = client(&base, Family::A);
    let codg = a_drug(&base).await;
    let b = vec![trace_code(8_001)];
    send(&c, "3503", &purchase(&codg, "PB-1", &b))
        .await
        .unwrap();
    send(&c, "3505", &self_paid_sale(&codg, "DOC-1", &b, false))
        .await
        .unwrap();
    let e = send(&c, "3505", &self_paid_sale(&codg, "DOC-2", &b, false))
        .await
        .unwrap_err();
    assert_eq!(code(&e), "5001", "sold twice is refused by default: {e}");

    set_faults(
        &base,
        serde_json::json!({"duplicate_trace_code": "overwrite"}),
    )
    .await;
    send(&c, "3505", &self_paid_sale(&codg, "DOC-2", &b, false))
        .await
        .unwrap();
    let rows = c
        .sold_trace_query(&ctx(), &query_code(&b[0]))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        rows[0].bkkp_sn, "DOC-2",
        "the later sale replaced the first"
    );
    send(&c, "3503", &purchase(&codg, "PB-9", &b))
        .await
        .unwrap();
    let books = get(&base, "/admin/books").await;
    assert_eq!(books["stock"]["in_stock"][&b[0]]["fixmedins_bchno"], "PB-9");
}

#[tokio::test]
async fn sold_codes_are_queried_by_day_and_by_code() {
    let sim = start().await;
    let base = sim.base_url();
    let c = client(&base, Family::A);
    let codg = a_drug(&base).await;
    let boxes: Vec<String> = (1..=3).map(|n| trace_code(9_000 + n)).collect();
    send(&c, "3503", &purchase(&codg, "PB-1", &boxes))
        .await
        .unwrap();
    send(
        &c,
        "3505",
        &self_paid_sale(&codg, "DOC-1", &boxes[..2], false),
    )
    .await
    .unwrap();
    // 拆零: two split sales from the third box, both carry its code.
    send(
        &c,
        "3505",
        &self_paid_sale(&codg, "DOC-2", &boxes[2..], true),
    )
    .await
    .unwrap();
    send(
        &c,
        "3505",
        &self_paid_sale(&codg, "DOC-3", &boxes[2..], true),
    )
    .await
    .unwrap();

    let day = SoldTraceQueryData {
        begndate: "2026-11-24".into(),
        enddate: "2026-11-24".into(),
        psn_cert_type: "01".into(),
        ..Default::default()
    };
    let rows = c.sold_trace_query(&ctx(), &day).await.unwrap();
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows.iter().all(|r| r.fixmedins_code == "P11010100001"));
    let other_day = SoldTraceQueryData {
        begndate: "2026-11-25".into(),
        ..day.clone()
    };
    assert!(c
        .sold_trace_query(&ctx(), &other_day)
        .await
        .unwrap()
        .is_empty());

    let split = c
        .sold_trace_query(&ctx(), &query_code(&boxes[2]))
        .await
        .unwrap();
    assert_eq!(split.len(), 2);
    assert!(split.iter().all(|r| r.trdn_flag == "1"));
    let one = c
        .sold_trace_query(&ctx(), &query_code(&boxes[0]))
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].bkkp_sn, "DOC-1");
    assert_eq!(one[0].med_list_codg, codg);
    let books = get(&base, "/admin/books").await;
    assert!(
        books["stock"]["in_stock"][&boxes[0]].is_null(),
        "sold leaves stock"
    );
    assert!(
        books["stock"]["in_stock"][&boxes[2]].is_object(),
        "an opened box stays"
    );

    // 3506 of one box: its row goes and the box is back in stock.
    let ret = SaleReturnInput {
        selinfo: SaleReturnInfo {
            med_list_codg: codg.clone(),
            fixmedins_bchno: "PB-1".into(),
            psn_cert_type: "01".into(),
            trdn_flag: "0".into(),
            sel_retn_cnt: Decimal::ONE,
            medins_prod_sel_no: "DOC-1".into(),
            mdtrt_sn: "DOC-1".into(),
            drugtracinfo: traces(&boxes[..1]),
            ..Default::default()
        },
    };
    send(&c, "3506", &ret).await.unwrap();
    assert!(c
        .sold_trace_query(&ctx(), &query_code(&boxes[0]))
        .await
        .unwrap()
        .is_empty());
    let books = get(&base, "/admin/books").await;
    assert!(books["stock"]["in_stock"][&boxes[0]].is_object());

    // Neither a day nor a code: refused.
    let none = SoldTraceQueryData {
        psn_cert_type: "01".into(),
        ..Default::default()
    };
    let e = c.sold_trace_query(&ctx(), &none).await.unwrap_err();
    assert_eq!(code(&e), "1001");
    // 3507 of the sales of batch PB-1: the rows are gone.
    let del = InventoryDeleteInput {
        data: InventoryDeleteData {
            fixmedins_bchno: "PB-1".into(),
            inv_data_type: inv_data_type::SALE.into(),
        },
    };
    send(&c, "3507", &del).await.unwrap();
    assert!(c.sold_trace_query(&ctx(), &day).await.unwrap().is_empty());
}

/// A value of any JSON kind for a field (strings that look like codes,
/// dates, decimals, and plain junk).
fn field_value() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        "[0-9]{0,22}".prop_map(Value::String),
        "\\PC{0,12}".prop_map(Value::String),
        "-?[0-9]{1,6}(\\.[0-9]{0,8})?".prop_map(Value::String),
        "20[0-9]{2}-[0-9]{2}-[0-9]{2}".prop_map(Value::String),
        proptest::collection::vec("[0-9]{18,21}", 0..4).prop_map(|cs| {
            Value::Array(
                cs.into_iter()
                    .map(|c| serde_json::json!({"drug_trac_codg": c}))
                    .collect(),
            )
        }),
    ]
}

const FIELDS: &[&str] = &[
    "med_list_codg",
    "fixmedins_hilist_id",
    "fixmedins_hilist_name",
    "fixmedins_bchno",
    "inv_chg_type",
    "inv_data_type",
    "pric",
    "cnt",
    "inv_cnt",
    "invdate",
    "purc_retn_cnt",
    "purc_invo_no",
    "spler_name",
    "manu_lotnum",
    "manu_date",
    "expy_end",
    "rx_flag",
    "trdn_flag",
    "begndate",
    "enddate",
    "drug_trac_codg",
    "psn_cert_type",
    "drugtracinfo",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 12, ..Default::default() })]
    /// Any input to the stock-side transactions is answered — accepted or
    /// refused with a business code — and never takes the emulator down.
    #[test]
    fn any_stock_input_is_answered_never_a_crash(
        fields in proptest::collection::vec(
            (proptest::sample::select(FIELDS), field_value()), 0..14),
        node in proptest::sample::select(&["invinfo", "purcinfo", "data", "x"][..]),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let sim = start().await;
            let base = sim.base_url();
            let c = client(&base, Family::A);
            let obj: serde_json::Map<String, Value> =
                fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
            let input = serde_json::json!({ node: Value::Object(obj) });
            for infno in ["3501", "3502", "3503", "3504", "3507", "3513"] {
                match c.transact(infno, &ctx(), input.clone()).await {
                    Ok(_) | Err(CenterError::Rejected { .. }) => {}
                    Err(e) => panic!("{infno}: not an answer: {e:?}"),
                }
            }
            let s = get(&base, "/admin/stats").await;
            assert!(s["accepted"].is_number(), "still alive: {s}");
            sim.shutdown().await;
        });
    }
}
