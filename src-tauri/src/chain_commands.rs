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
