//! Tauri commands of the manager screen and the status bar's queue: thin
//! wrappers over `rxdesk_app::manager` and `rxdesk_app::reconcile`. Ledger
//! work runs on a blocking thread and center calls are async, so the window
//! never freezes.

use crate::commands::Shared;
use crate::ipc_error::IpcError;
use rxdesk_app::manager::{
    self, Exported, Figures, QueueItem, QueueSummary, ReconciliationRecord, Session, Store,
};
use rxdesk_app::reconcile::{self, ReconcileOutcome};
use rxdesk_app::Settings;
use std::sync::Arc;

fn ledger(state: &tauri::State<'_, Shared>) -> Result<(Arc<Store>, Option<Session>), IpcError> {
    let counter = state
        .counter
        .as_ref()
        .map_err(|e| IpcError::counter_unavailable(e))?;
    Ok((counter.store().clone(), counter.session().ok()))
}

fn signed_in(state: &tauri::State<'_, Shared>) -> Result<(Arc<Store>, Session), IpcError> {
    let (store, session) = ledger(state)?;
    Ok((
        store,
        session.ok_or_else(|| IpcError::new("MANAGER_SIGN_IN", "no session"))?,
    ))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, rxdesk_app::AppError> + Send + 'static,
) -> Result<T, IpcError> {
    tokio::task::spawn_blocking(f)
        .await?
        .map_err(IpcError::from)
}

/// Queue figures for the status bar (no sign-in needed: counts only).
#[tauri::command]
pub async fn queue_summary(state: tauri::State<'_, Shared>) -> Result<QueueSummary, IpcError> {
    let (store, _) = ledger(&state)?;
    let sync = state.uploads.sync.clone();
    blocking(move || manager::queue_summary(&store, &sync)).await
}

/// Upload rows of one state ("open" = everything that still needs something).
#[tauri::command]
pub async fn queue_list(
    state: tauri::State<'_, Shared>,
    filter: Option<String>,
    limit: Option<u32>,
) -> Result<Vec<QueueItem>, IpcError> {
    let (store, by) = signed_in(&state)?;
    blocking(move || manager::list_queue(&store, &by, filter.as_deref(), limit.unwrap_or(200)))
        .await
}

/// The payload of one row, pretty JSON.
#[tauri::command]
pub async fn queue_payload(state: tauri::State<'_, Shared>, id: i64) -> Result<String, IpcError> {
    let (store, by) = signed_in(&state)?;
    blocking(move || manager::queue_payload(&store, &by, id)).await
}

/// Retry a row now.
#[tauri::command]
pub async fn queue_retry(state: tauri::State<'_, Shared>, id: i64) -> Result<QueueItem, IpcError> {
    let (store, by) = signed_in(&state)?;
    let sync = state.uploads.sync.clone();
    blocking(move || manager::retry(&store, &sync, &by, id)).await
}

/// Void a row with a reason.
#[tauri::command]
pub async fn queue_void(
    state: tauri::State<'_, Shared>,
    id: i64,
    reason: String,
) -> Result<QueueItem, IpcError> {
    let (store, by) = signed_in(&state)?;
    blocking(move || manager::void(&store, &by, id, &reason)).await
}

/// The regulator's figures for `from..=to` (CST days, yyyy-MM-dd).
#[tauri::command]
pub async fn manager_figures(
    state: tauri::State<'_, Shared>,
    from: String,
    to: String,
) -> Result<Figures, IpcError> {
    let (store, by) = signed_in(&state)?;
    blocking(move || manager::figures(&store, &by, &from, &to)).await
}

/// Exports the figures as `csv` or `pdf` into `<data>/exports/`.
#[tauri::command]
pub async fn manager_export(
    state: tauri::State<'_, Shared>,
    from: String,
    to: String,
    format: String,
) -> Result<Exported, IpcError> {
    let (store, by) = signed_in(&state)?;
    let dir = state.dir.clone();
    blocking(move || {
        let name = Settings::load(&dir)?.store_name;
        manager::export_figures(&dir, &store, &by, &from, &to, &format, &name)
    })
    .await
}

/// Reconciles one CST day with the center (3201 + 9101/3202/9102).
#[tauri::command]
pub async fn reconcile_day(
    state: tauri::State<'_, Shared>,
    day: String,
) -> Result<ReconcileOutcome, IpcError> {
    let (store, by) = signed_in(&state)?;
    let client = state
        .uploads
        .client()
        .map_err(|e| IpcError::new("CENTER_UNAVAILABLE", e))?;
    let day = manager::parse_day(&day).map_err(IpcError::from)?;
    reconcile::reconcile_day(&store, &client, &by, day)
        .await
        .map_err(IpcError::from)
}

/// The latest recorded reconciliations.
#[tauri::command]
pub async fn reconciliations(
    state: tauri::State<'_, Shared>,
) -> Result<Vec<ReconciliationRecord>, IpcError> {
    let (store, by) = signed_in(&state)?;
    blocking(move || manager::reconciliations(&store, &by, 30)).await
}

/// Saves a CSV built by the screen (the queue as listed) into `<data>/exports/`.
#[tauri::command]
pub async fn manager_save_csv(
    state: tauri::State<'_, Shared>,
    stem: String,
    text: String,
) -> Result<Exported, IpcError> {
    let (_store, by) = signed_in(&state)?;
    let dir = state.dir.clone();
    blocking(move || manager::save_csv(&dir, &by, &stem, &text)).await
}
