//! 维生素C片 with one batch: the OTC drug that the ledger tests and the
//! outbox bench sell without a prescription, set up in one place (the tests
//! reach it through `common`, the bench through a `#[path]` module, so it
//! needs nothing else from `common`).
#![allow(dead_code)]

use rust_decimal::Decimal;
use rxdesk_store::ledger::{NewBatch, NewDrug};
use rxdesk_store::{Session, Store};

/// 维生素C片's code in the emulator's demo catalogue.
pub const VITAMIN_C: &str = "XA11GAW010A001010100004";

/// Adds 维生素C片 (5.00 a bottle) as `<id>0001` with one batch `<id>-B1` of
/// `quantity` bottles, good until 2099-12-31; returns the batch's id.
pub fn vitamin_c(store: &Store, boss: &Session, id: &str, quantity: u64) -> i64 {
    let drug = store
        .add_drug(
            boss,
            &NewDrug {
                fixmedins_hilist_id: format!("{id}0001"),
                med_list_codg: VITAMIN_C.into(),
                name: "维生素C片".into(),
                genname: "维生素C片".into(),
                dosform: "片剂".into(),
                spec: "0.1g*100片".into(),
                unit: "瓶".into(),
                prdr_name: "演示制药".into(),
                aprvno: "国药准字H00000000".into(),
                rx_flag: "0".into(),
                price: "5.00".parse().expect("a price"),
            },
        )
        .expect("the drug is added");
    store
        .add_batch(
            boss,
            &NewBatch {
                drug_id: drug,
                fixmedins_bchno: format!("{id}-B1"),
                manu_lotnum: "L1".into(),
                manu_date: "2026-01-01".into(),
                expy_end: "2099-12-31".into(),
                quantity: Decimal::from(quantity),
            },
        )
        .expect("the batch is added")
}

/// A cash sale of one whole box of `batch` with its trace `code` (no
/// prescription, no settlement: set `settlement` with struct update syntax).
pub fn one_box_sale(batch: i64, code: String) -> rxdesk_store::ledger::NewSale {
    rxdesk_store::ledger::NewSale {
        prescription_id: None,
        lines: vec![rxdesk_store::ledger::NewSaleLine {
            batch_id: batch,
            quantity: Decimal::ONE,
            price: None,
            split: false,
            trace_codes: vec![code],
        }],
        settlement: None,
        doctor_name: String::new(),
        hi_feesetl_type: "1".into(),
    }
}
