//! Tauri commands of head-office sync (issue 17 item 3): the chain status
//! for the status bar and the manager view, and 立即同步. Thin wrappers over
//! `rxdesk_app::chain::ChainService` (`App.chain`); each status change also
//! reaches the window as a `chain-status` event (main.rs `ToWindow::chain`).

use crate::commands::Shared;
use crate::ipc_error::IpcError;
use rxdesk_app::chain_view::ChainStatusView;

/// The chain status, or null when the counter is not in a chain. While the
/// worker runs this is its live status; otherwise (the worker could not
/// start, e.g. the CLI holds the sync lock) it is read from the ledger.
#[tauri::command]
pub async fn chain_status(
    state: tauri::State<'_, Shared>,
) -> Result<Option<ChainStatusView>, IpcError> {
    if let Some(rx) = state.chain.status() {
        let s = rx.borrow().clone();
        return Ok(Some(ChainStatusView::from(&s)));
    }
    let Ok(counter) = state.counter.as_ref() else {
        return Ok(None);
    };
    let store = std::sync::Arc::clone(counter.store());
    let s = tokio::task::spawn_blocking(move || rxdesk_app::chain::chain_status(&store))
        .await?
        .map_err(|e| IpcError::new("CHAIN_STATUS_UNREADABLE", &e).with("reason", e.message_zh()))?;
    Ok(s.registered.then(|| ChainStatusView::from(&s)))
}

/// 立即同步: runs a round now; the result arrives as `chain-status` events.
#[tauri::command]
pub fn chain_sync_now(state: tauri::State<'_, Shared>) -> Result<(), IpcError> {
    if state.chain.status().is_none() {
        return Err(IpcError::new(
            "CHAIN_NOT_RUNNING",
            "the chain sync worker is not running",
        ));
    }
    state.chain.sync_now();
    Ok(())
}

// ---- The chain manager's desk: sign in at head office, the chain views ----

use rxdesk_app::chain_manager::{
    ChainManagerDesk, ChainManagerSession, ChainViews, ManagerHqError,
};

/// The IPC error of a chain-manager call: `CHAIN_` + the upper-cased code.
fn manager_error(e: ManagerHqError) -> IpcError {
    let code = format!("CHAIN_{}", e.code().to_uppercase());
    let err = IpcError::new(&code, &e);
    match e {
        ManagerHqError::Locked { retry_after_s } => err.with("minutes", (retry_after_s + 59) / 60),
        ManagerHqError::Refused { code, .. } => err.with("hqCode", code),
        _ => err,
    }
}

/// Head office's URL of this ledger's registration.
async fn hq_url(state: &Shared) -> Result<String, IpcError> {
    if let Some(rx) = state.chain.status() {
        if let Some(u) = rx.borrow().hq_url.clone() {
            return Ok(u);
        }
    }
    let not_registered = || manager_error(ManagerHqError::NotRegistered);
    let counter = state.counter.as_ref().map_err(|_| not_registered())?;
    let store = std::sync::Arc::clone(counter.store());
    let s = tokio::task::spawn_blocking(move || rxdesk_app::chain::chain_status(&store))
        .await?
        .map_err(|e| IpcError::new("CHAIN_STATUS_UNREADABLE", &e).with("reason", e.message_zh()))?;
    s.hq_url.ok_or_else(not_registered)
}

/// 连锁管理员登录: signs in at this ledger's head office.
#[tauri::command]
pub async fn chain_manager_sign_in(
    state: tauri::State<'_, Shared>,
    desk: tauri::State<'_, ChainManagerDesk>,
    name: String,
    password: String,
) -> Result<ChainManagerSession, IpcError> {
    let url = hq_url(&state).await?;
    desk.sign_in(&url, name.trim(), &password)
        .await
        .map_err(manager_error)
}

/// The signed-in chain manager of this window, if any.
#[tauri::command]
pub async fn chain_manager_session(
    desk: tauri::State<'_, ChainManagerDesk>,
) -> Result<Option<ChainManagerSession>, IpcError> {
    Ok(desk.session().await)
}

/// Every chain view, read from head office now.
#[tauri::command]
pub async fn chain_manager_views(
    desk: tauri::State<'_, ChainManagerDesk>,
) -> Result<ChainViews, IpcError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    desk.views(now).await.map_err(manager_error)
}

/// Marks a failure resolved at head office.
#[tauri::command]
pub async fn chain_manager_resolve(
    desk: tauri::State<'_, ChainManagerDesk>,
    id: i64,
) -> Result<(), IpcError> {
    desk.resolve(id).await.map_err(manager_error)
}

/// Signs the chain manager out (at head office too when reachable).
#[tauri::command]
pub async fn chain_manager_sign_out(
    desk: tauri::State<'_, ChainManagerDesk>,
) -> Result<(), IpcError> {
    desk.sign_out().await.map_err(manager_error)
}
