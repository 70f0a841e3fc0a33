//! Tauri commands of the delivery screen (`ui/src/ipc/delivery-api.ts`):
//! the open delivery orders, a sale looked up by its receipt number, and the
//! moves accepted → in transit → signed for (the recipient's name and ID
//! number) | refused. Thin wrappers over `rxdesk_app::delivery` on blocking
//! threads; a refusal reaches the UI as an `IpcError` (its sentence in both languages).

use crate::commands::Shared;
use crate::ipc_error::IpcError;
use rxdesk_app::delivery::{self, DeliveryError, DeliveryMoved};
use rxdesk_store::delivery_orders::{DeliveryOrder, DeliverySale};
use rxdesk_store::{Session, Store};
use std::sync::Arc;

fn ctx(state: &Shared) -> Result<(Arc<Store>, Session), IpcError> {
    let counter = state
        .counter
        .as_ref()
        .map_err(|e| IpcError::counter_unavailable(e))?;
    let session = counter.session().map_err(IpcError::from)?;
    Ok((counter.store().clone(), session))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DeliveryError> + Send + 'static,
) -> Result<T, IpcError> {
    tokio::task::spawn_blocking(f)
        .await?
        .map_err(IpcError::from)
}

/// Open orders and those closed today.
#[tauri::command]
pub async fn delivery_orders(
    state: tauri::State<'_, Shared>,
) -> Result<Vec<DeliveryOrder>, IpcError> {
    let (store, by) = ctx(&state)?;
    blocking(move || delivery::open_orders(&store, &by)).await
}

/// The sale a new order would deliver, by its 零售单据号.
#[tauri::command]
pub async fn delivery_look_up(
    state: tauri::State<'_, Shared>,
    docno: String,
) -> Result<DeliverySale, IpcError> {
    let (store, _) = ctx(&state)?;
    blocking(move || delivery::look_up(&store, &docno)).await
}

/// Accepts an order (已接单).
#[tauri::command]
pub async fn delivery_accept(
    state: tauri::State<'_, Shared>,
    docno: String,
    delv_no: String,
    company: String,
    cold_chain_handled: bool,
) -> Result<DeliveryMoved, IpcError> {
    let (store, by) = ctx(&state)?;
    blocking(move || delivery::accept(&store, &by, &docno, &delv_no, &company, cold_chain_handled))
        .await
}

/// The courier picked it up (配送中).
#[tauri::command]
pub async fn delivery_in_transit(
    state: tauri::State<'_, Shared>,
    sale_id: i64,
) -> Result<DeliveryMoved, IpcError> {
    let (store, by) = ctx(&state)?;
    blocking(move || delivery::in_transit(&store, &by, sale_id)).await
}

/// Signed for by the patient or the registered agent (已签收).
#[tauri::command]
pub async fn delivery_sign(
    state: tauri::State<'_, Shared>,
    sale_id: i64,
    name: String,
    cert_no: String,
) -> Result<DeliveryMoved, IpcError> {
    let (store, by) = ctx(&state)?;
    blocking(move || delivery::sign(&store, &by, sale_id, &name, &cert_no)).await
}

/// Refused by the recipient (拒收).
#[tauri::command]
pub async fn delivery_refuse(
    state: tauri::State<'_, Shared>,
    sale_id: i64,
    reason: String,
) -> Result<DeliveryMoved, IpcError> {
    let (store, by) = ctx(&state)?;
    blocking(move || delivery::refuse(&store, &by, sale_id, &reason)).await
}
