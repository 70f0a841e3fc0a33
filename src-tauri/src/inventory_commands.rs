//! Tauri commands of the inventory screen (库存, `ui/src/ipc/inventory-api.ts`):
//! thin wrappers over `rxdesk_app::inventory_screen`. Ledger work runs on a
//! blocking thread, the 3513 query is async, so the window never freezes;
//! refusals reach the window as `{code, message, params}` (`IpcError`) in
//! the window's language, rendered by code in the UI.

use crate::commands::Shared;
use crate::ipc_error::IpcError;
use rxdesk_app::inventory_screen::{
    self as inv, CodeTrace, GoodsDocView, GoodsInForm, InventoryFailure, ProductChoice, ScannedBox,
    StockPage, StockTakeView,
};
use rxdesk_app::manager::Store;
use rxdesk_app::trace_reconcile::TraceReconciliation;
use rxdesk_app::visit::Session;

use std::sync::Arc;

/// The ledger and the signed-in operator.
fn signed_in(state: &Shared) -> Result<(Arc<Store>, Session), IpcError> {
    let counter = state
        .counter
        .as_ref()
        .map_err(|e| IpcError::counter_unavailable(e))?;
    let session = counter
        .session()
        .map_err(|e| IpcError::new("NO_SESSION", e.to_string()))?;
    Ok((counter.store().clone(), session))
}

/// Runs ledger work on a blocking thread; a refusal in the window's language.
async fn blocking<T: Send + 'static>(
    state: &Shared,
    f: impl FnOnce() -> Result<T, InventoryFailure> + Send + 'static,
) -> Result<T, IpcError> {
    let _ = state;
    tokio::task::spawn_blocking(f)
        .await?
        .map_err(IpcError::from)
}

/// Products for the goods-in form (barcode, trace code, id or name).
#[tauri::command]
pub async fn inventory_products(
    state: tauri::State<'_, Shared>,
    query: String,
) -> Result<Vec<ProductChoice>, IpcError> {
    let (store, _) = signed_in(&state)?;
    blocking(&state, move || inv::find_products(&store, &query)).await
}

/// Checks a code scanned into the goods-in list.
#[tauri::command]
pub async fn inventory_check_receive(
    state: tauri::State<'_, Shared>,
    product: String,
    code: String,
    scanned: Vec<String>,
) -> Result<ScannedBox, IpcError> {
    let (store, _) = signed_in(&state)?;
    blocking(&state, move || {
        inv::check_goods_in_code(&store, &product, &code, &scanned)
    })
    .await
}

/// Checks a code scanned for a return (`whole`) or a stock change.
#[tauri::command]
pub async fn inventory_check_box(
    state: tauri::State<'_, Shared>,
    code: String,
    incoming: bool,
    whole: bool,
    scanned: Vec<String>,
) -> Result<ScannedBox, IpcError> {
    let (store, _) = signed_in(&state)?;
    blocking(&state, move || {
        inv::check_stock_code(&store, &code, incoming, whole, &scanned)
    })
    .await
}

/// Receives a goods-in document (3503 queued per batch).
#[tauri::command]
pub async fn inventory_receive(
    state: tauri::State<'_, Shared>,
    form: GoodsInForm,
) -> Result<GoodsDocView, IpcError> {
    let (store, by) = signed_in(&state)?;
    blocking(&state, move || inv::receive(&store, &by, &form)).await
}

/// Returns whole boxes to the supplier (3504 queued per batch).
#[tauri::command]
pub async fn inventory_return(
    state: tauri::State<'_, Shared>,
    supplier: String,
    invoice_no: String,
    codes: Vec<String>,
    reason: String,
) -> Result<GoodsDocView, IpcError> {
    let (store, by) = signed_in(&state)?;
    blocking(&state, move || {
        inv::return_goods(&store, &by, &supplier, &invoice_no, &codes, &reason)
    })
    .await
}

/// Records a stock change (3502 per batch); the uploads queued.
#[tauri::command]
pub async fn inventory_change(
    state: tauri::State<'_, Shared>,
    kind: String,
    codes: Vec<String>,
    reason: String,
) -> Result<usize, IpcError> {
    let (store, by) = signed_in(&state)?;
    blocking(&state, move || {
        inv::change(&store, &by, &kind, &codes, &reason)
    })
    .await
}

/// The stock-take's differences so far (nothing written).
#[tauri::command]
pub async fn stocktake_preview(
    state: tauri::State<'_, Shared>,
    codes: Vec<String>,
) -> Result<StockTakeView, IpcError> {
    let (store, by) = signed_in(&state)?;
    blocking(&state, move || inv::stock_take_preview(&store, &by, &codes)).await
}

/// Commits the stock-take (3501 per batch in scope).
#[tauri::command]
pub async fn stocktake_commit(
    state: tauri::State<'_, Shared>,
    codes: Vec<String>,
) -> Result<StockTakeView, IpcError> {
    let (store, by) = signed_in(&state)?;
    blocking(&state, move || inv::stock_take_commit(&store, &by, &codes)).await
}

/// Lines shown when the window does not say.
const PAGE: usize = 300;

/// The stock list with batches and codes (the first `limit` batches).
#[tauri::command]
pub async fn stock_list(
    state: tauri::State<'_, Shared>,
    query: Option<String>,
    limit: Option<usize>,
) -> Result<StockPage, IpcError> {
    let (store, _) = signed_in(&state)?;
    blocking(&state, move || {
        inv::stock_list(
            &store,
            query.as_deref().unwrap_or(""),
            limit.unwrap_or(PAGE),
        )
    })
    .await
}

/// Batches expiring within `days` (expired included; the first `limit`).
#[tauri::command]
pub async fn near_expiry(
    state: tauri::State<'_, Shared>,
    days: u32,
    limit: Option<usize>,
) -> Result<StockPage, IpcError> {
    let (store, _) = signed_in(&state)?;
    blocking(&state, move || {
        inv::near_expiry(&store, days, limit.unwrap_or(PAGE))
    })
    .await
}

/// One day's sold trace codes against the platform's record (3513).
#[tauri::command]
pub async fn trace_reconcile_day(
    state: tauri::State<'_, Shared>,
    day: String,
) -> Result<TraceReconciliation, IpcError> {
    let (store, by) = signed_in(&state)?;
    let client = state
        .uploads
        .client()
        .map_err(|e| IpcError::new("CENTER_UNAVAILABLE", e))?;
    inv::reconcile_day(&client, &store, &by, &day)
        .await
        .map_err(IpcError::from)
}

/// One trace code in the ledger and at the platform (3513 by code).
#[tauri::command]
pub async fn trace_code_lookup(
    state: tauri::State<'_, Shared>,
    code: String,
) -> Result<CodeTrace, IpcError> {
    let (store, by) = signed_in(&state)?;
    let client = state
        .uploads
        .client()
        .map_err(|e| IpcError::new("CENTER_UNAVAILABLE", e))?;
    inv::trace_code(&client, &store, &by, &code)
        .await
        .map_err(IpcError::from)
}
