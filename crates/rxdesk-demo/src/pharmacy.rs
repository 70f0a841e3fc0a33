//! Demo mode's pharmacy: the demo catalogue (20,006 products, so search speed
//! is real) and stock, imported through the same CSV imports a pharmacy uses
//! for its own files ([`crate::catalogue`], docs/demo.md), and the demo boxes
//! received through goods-in with their trace codes.
//!
//! The desktop app (built with its `demo` feature) calls
//! [`seed_demo_pharmacy`] on a background thread at start in demo mode, as
//! the demo manager account; a ledger that already has the demo products is
//! left as it is. The catalogue goes in [`SEED_CHUNK`] products at a time
//! (each chunk one all-or-nothing import), so the counter never holds the
//! whole catalogue and its CSV text at once (docs/decisions/0019). A process
//! killed mid-import leaves whole chunks only, and the next start imports
//! again: the chunks already there count as unchanged, the rest is added.

use crate::catalogue::{
    demo_goods_in, demo_stock_csv, for_each_demo_catalogue_chunk, last_demo_product_id,
};
use rxdesk_store::catalogue::catalogue_csv;
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

/// Products per catalogue import when seeding: small enough that one
/// chunk's rows and CSV text stay a few MiB, large enough that the per-import
/// work (reading the products already there) stays a small part.
pub const SEED_CHUNK: usize = 2_000;

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

/// Whether the demo pharmacy is already in the ledger: a read, with no
/// session, so a start on a seeded ledger signs nobody in (an argon2id hash
/// on two cores while the window starts). The last product goes in with the
/// last chunk: once it is there, the whole catalogue is.
pub fn demo_pharmacy_seeded(store: &Store) -> Result<bool, StoreError> {
    Ok(store.product(&last_demo_product_id())?.is_some())
}

/// [`seed_demo_pharmacy`] as the app runs it at every demo start: signs the
/// manager in (`sign_in`) only when there is something to import.
pub fn seed_demo_pharmacy_unless_seeded(
    store: &Store,
    sign_in: impl FnOnce() -> Result<Session, StoreError>,
) -> Result<DemoSeed, StoreError> {
    if demo_pharmacy_seeded(store)? {
        return Ok(DemoSeed::AlreadyThere);
    }
    seed_demo_pharmacy(store, &sign_in()?)
}

/// Imports the demo catalogue and stock into a ledger that lacks them, as
/// `manager` (the demo manager account, signed in by the caller: the demo
/// accounts live with the counter, `rxdesk_app::operators::DEMO_OPERATORS`).
pub fn seed_demo_pharmacy(store: &Store, manager: &Session) -> Result<DemoSeed, StoreError> {
    if demo_pharmacy_seeded(store)? {
        return Ok(DemoSeed::AlreadyThere);
    }
    let invalid =
        |what: &str, errors: String| StoreError::Invalid(format!("演示{what}导入失败：{errors}"));
    let mut products = 0;
    for_each_demo_catalogue_chunk(SEED_CHUNK, |chunk| {
        let report = store.import_catalogue_csv(manager, catalogue_csv(chunk).as_bytes())?;
        if !report.errors.is_empty() {
            return Err(invalid("目录", report.errors_zh()));
        }
        products += report.inserted;
        Ok(())
    })?;
    let batches = store.import_stock_csv(manager, demo_stock_csv().as_bytes())?;
    if !batches.errors.is_empty() {
        return Err(invalid("库存", batches.errors_zh()));
    }
    receive_demo_boxes(store, manager)?;
    tracing::info!(
        products,
        batches = batches.inserted,
        "demo catalogue and stock imported"
    );
    Ok(DemoSeed::Imported {
        products,
        batches: batches.inserted,
    })
}
