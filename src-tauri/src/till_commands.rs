//! Tauri commands of the till (`ui/src/ipc/till-api.ts`): open a shift with
//! a float, the open shift's figures, close it with the cash counted (the
//! 交班单 printed), reprint a 交班单, the 日结. Thin wrappers over
//! `rxdesk_app::till::TillService`; refusals reach the UI as zh-CN sentences
//! that say what to do.

use crate::commands::Shared;
use crate::ipc_error::IpcError;
use rxdesk_app::till::{DayReportView, TillClosed, TillService, TillView};
use rxdesk_store::Session;
use std::collections::BTreeMap;

fn ctx(state: &Shared) -> Result<(&TillService, Session), IpcError> {
    let counter = state
        .counter
        .as_ref()
        .map_err(|e| IpcError::counter_unavailable(e))?;
    let session = counter.session().map_err(IpcError::from)?;
    Ok((counter.till(), session))
}

/// The open till shift with its live figures (null when none is open).
#[tauri::command]
pub async fn till_current(state: tauri::State<'_, Shared>) -> Result<Option<TillView>, IpcError> {
    let (t, _) = ctx(&state)?;
    t.current().map_err(IpcError::from)
}

/// Opens a till shift with the float (备用金) typed by the cashier.
#[tauri::command]
pub async fn till_open(
    state: tauri::State<'_, Shared>,
    float: String,
) -> Result<TillView, IpcError> {
    let (t, s) = ctx(&state)?;
    t.open(&s, &float).map_err(IpcError::from)
}

/// Closes the open shift (交班) with the cash counted and, optionally, the
/// other methods' statement totals; prints the 交班单.
#[tauri::command]
pub async fn till_close(
    state: tauri::State<'_, Shared>,
    counted_cash: String,
    counted: Option<BTreeMap<String, String>>,
    note: Option<String>,
) -> Result<TillClosed, IpcError> {
    let (t, s) = ctx(&state)?;
    t.close(
        &s,
        &counted_cash,
        &counted.unwrap_or_default(),
        note.as_deref().unwrap_or(""),
    )
    .await
    .map_err(IpcError::from)
}

/// A closed shift's 交班单 again (marked as a reprint).
#[tauri::command]
pub async fn till_reprint(
    state: tauri::State<'_, Shared>,
    shift_id: i64,
) -> Result<TillClosed, IpcError> {
    let (t, _) = ctx(&state)?;
    t.reprint(shift_id).await.map_err(IpcError::from)
}

/// The 日结 of a CST day (`yyyy-MM-dd`, empty: today), printed when asked.
#[tauri::command]
pub async fn day_report(
    state: tauri::State<'_, Shared>,
    day: Option<String>,
    print: Option<bool>,
) -> Result<DayReportView, IpcError> {
    let (t, s) = ctx(&state)?;
    t.day_report(&s, day.as_deref().unwrap_or(""), print.unwrap_or(false))
        .await
        .map_err(IpcError::from)
}

/// 药师下岗: the signed-in pharmacist goes off duty (ledger + audit log).
#[tauri::command]
pub async fn shift_end(
    state: tauri::State<'_, Shared>,
) -> Result<rxdesk_app::till::ShiftEnded, IpcError> {
    let counter = state
        .counter
        .as_ref()
        .map_err(|e| IpcError::counter_unavailable(e))?;
    let session = counter.session().map_err(IpcError::from)?;
    let visits = counter.visits().map_err(IpcError::from)?;
    visits.shift_end(&session).await.map_err(IpcError::from)
}
