//! Demo mode's pharmacy: the demo catalogue (20,006 products, so search speed
//! is real) and stock, imported through the same all-or-nothing CSV imports
//! a pharmacy uses for its own files (`rxdesk_store::demo`, docs/demo.md).
//!
//! The desktop app calls [`seed_demo_pharmacy`] on a background thread at
//! start in demo mode; a ledger that already has the demo products is left
//! as it is, and a process killed mid-import leaves nothing half-written
//! (each import is one transaction), so the next start simply imports again.

use crate::operators::DEMO_OPERATORS;
use crate::AppError;
use rxdesk_store::demo::{demo_catalogue_csv, demo_stock_csv, emulator_products};
use rxdesk_store::{Store, StoreError};

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

/// Imports the demo catalogue and stock into a ledger that lacks them, as the
/// demo manager account.
pub fn seed_demo_pharmacy(store: &Store) -> Result<DemoSeed, AppError> {
    let probe = emulator_products()
        .into_iter()
        .next()
        .map(|p| p.med_list_codg)
        .unwrap_or_default();
    if !store.products_by_med_list_codg(&probe)?.is_empty() {
        return Ok(DemoSeed::AlreadyThere);
    }
    let (login, _, _, password) = DEMO_OPERATORS[0];
    let manager = store.login(login, password)?;
    let invalid = |what: &str, errors: String| {
        AppError::Store(StoreError::Invalid(format!("演示{what}导入失败：{errors}")))
    };
    let products = store.import_catalogue_csv(&manager, demo_catalogue_csv().as_bytes())?;
    if !products.errors.is_empty() {
        return Err(invalid("目录", products.errors_zh()));
    }
    let batches = store.import_stock_csv(&manager, demo_stock_csv().as_bytes())?;
    if !batches.errors.is_empty() {
        return Err(invalid("库存", batches.errors_zh()));
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Counter, DataDir, Settings};

    #[test]
    fn a_fresh_demo_ledger_gets_the_catalogue_once() {
        let t = tempfile::tempdir().unwrap();
        let dir = DataDir::at(t.path());
        let counter = Counter::open(&dir, &Settings::default()).unwrap();
        let store = counter.store();
        match seed_demo_pharmacy(store).unwrap() {
            DemoSeed::Imported { products, batches } => {
                assert!(products >= 20_000, "{products}");
                assert!(batches > 0);
            }
            other => panic!("expected an import, got {other:?}"),
        }
        assert_eq!(
            store
                .products_by_barcode("6923456001015")
                .unwrap()
                .first()
                .map(|(_, p)| p.med_list_codg.clone())
                .as_deref(),
            Some("XJ01CAA040A001010100001")
        );
        assert_eq!(seed_demo_pharmacy(store).unwrap(), DemoSeed::AlreadyThere);
    }
}
