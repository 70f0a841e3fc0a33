//! Demo mode's pharmacy: the demo catalogue (20,006 products, so search speed
//! is real) and stock, imported through the same all-or-nothing CSV imports
//! a pharmacy uses for its own files ([`crate::catalogue`], docs/demo.md),
//! and the demo boxes received through goods-in with their trace codes.
//!
//! The desktop app (built with its `demo` feature) calls
//! [`seed_demo_pharmacy`] on a background thread at start in demo mode, as
//! the demo manager account; a ledger that already has the demo products is
//! left as it is, and a process killed mid-import leaves nothing
//! half-written (each import is one transaction), so the next start simply
//! imports again.

use crate::catalogue::{demo_catalogue_csv, demo_goods_in, demo_stock_csv, emulator_products};
use rxdesk_store::inventory::GoodsDoc;
use rxdesk_store::{Session, Store, StoreError};

/// The demo center's pharmacy code (the emulator's demo profile), set on a
/// demo ledger that has none yet: a goods-in document takes its number from
/// the msgid sequence, which needs the institution code.
pub const DEMO_PHARMACY_CODE: &str = "P11010100001";

/// Receives the demo boxes ([`crate::catalogue::demo_boxes`]) as a goods-in
/// document (3503 queued per batch), as `by`: the demo world's boxes are
/// received goods like any pharmacy's, so only they can be sold.
pub fn receive_demo_boxes(store: &Store, by: &Session) -> Result<GoodsDoc, StoreError> {
    if store.institution()?.is_none() {
        store.set_institution(DEMO_PHARMACY_CODE, "演示药房")?;
    }
    store.receive_goods(by, &demo_goods_in())
}

/// What [`seed_demo_pharmacy`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoSeed {
    /// The ledger already had the demo products.
    AlreadyThere,
    /// Imported this many products and stock batches.
    Imported {
        /// Products written.
        products: usize,
        /// Stock batches written.
        batches: usize,
    },
}

/// Imports the demo catalogue and stock into a ledger that lacks them, as
/// `manager` (the demo manager account, signed in by the caller: the demo
/// accounts live with the counter, `rxdesk_app::operators::DEMO_OPERATORS`).
pub fn seed_demo_pharmacy(store: &Store, manager: &Session) -> Result<DemoSeed, StoreError> {
    let probe = emulator_products()
        .into_iter()
        .next()
        .map(|p| p.med_list_codg)
        .unwrap_or_default();
    if !store.products_by_med_list_codg(&probe)?.is_empty() {
        return Ok(DemoSeed::AlreadyThere);
    }
    let invalid =
        |what: &str, errors: String| StoreError::Invalid(format!("演示{what}导入失败：{errors}"));
    let products = store.import_catalogue_csv(manager, demo_catalogue_csv().as_bytes())?;
    if !products.errors.is_empty() {
        return Err(invalid("目录", products.errors_zh()));
    }
    let batches = store.import_stock_csv(manager, demo_stock_csv().as_bytes())?;
    if !batches.errors.is_empty() {
        return Err(invalid("库存", batches.errors_zh()));
    }
    receive_demo_boxes(store, manager)?;
    tracing::info!(
        products = products.inserted,
        batches = batches.inserted,
        "demo catalogue and stock imported"
    );
    Ok(DemoSeed::Imported {
        products: products.inserted,
        batches: batches.inserted,
    })
}
