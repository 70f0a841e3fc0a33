//! Tauri commands of the manager's import screen (`ui/src/lib/import/`):
//! the file's bytes come from the window's file picker, are checked
//! (`import_preview`: summary and every bad line, nothing written) and, once
//! the manager confirms the summary, imported (`import_commit`: all lines or
//! none) by `rxdesk_app::import`. Progress is sent as `import-progress`
//! events so the window shows a bar on a long import; the work runs on a
//! blocking thread so the window never freezes.

use crate::commands::Shared;
use crate::ipc_error::IpcError;
use base64::Engine as _;
use rxdesk_app::import::{import_bytes, ImportKind};
use rxdesk_store::{ImportMode, ImportProgress, ImportReport};
use tauri::Emitter;

/// Progress event name (payload: `ImportProgress` in camelCase).
pub const PROGRESS_EVENT: &str = "import-progress";

fn run(
    app: tauri::AppHandle,
    state: &tauri::State<'_, Shared>,
    kind: ImportKind,
    file_name: String,
    data_base64: String,
    mode: ImportMode,
) -> Result<tokio::task::JoinHandle<Result<ImportReport, IpcError>>, IpcError> {
    let counter = state
        .counter
        .as_ref()
        .map_err(|e| IpcError::counter_unavailable(e))?;
    let session = counter
        .session()
        .map_err(|e| IpcError::new("MANAGER_SIGN_IN", e))?;
    let store = counter.store().clone();
    Ok(tokio::task::spawn_blocking(move || {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data_base64.as_bytes())
            .map_err(|e| IpcError::new("IMPORT_INCOMPLETE_UPLOAD", e))?;
        let mut progress = |p: ImportProgress| {
            let _ = app.emit(PROGRESS_EVENT, p);
        };
        import_bytes(
            &store,
            &session,
            kind,
            &file_name,
            &bytes,
            mode,
            &mut progress,
        )
        .map_err(IpcError::from)
    }))
}

async fn finish(
    h: tokio::task::JoinHandle<Result<ImportReport, IpcError>>,
) -> Result<ImportReport, IpcError> {
    h.await?
}

/// Checks a file: counts added / changed / unchanged and lists every bad
/// line; writes nothing.
#[tauri::command]
pub async fn import_preview(
    app: tauri::AppHandle,
    state: tauri::State<'_, Shared>,
    kind: ImportKind,
    file_name: String,
    data_base64: String,
) -> Result<ImportReport, IpcError> {
    finish(run(
        app,
        &state,
        kind,
        file_name,
        data_base64,
        ImportMode::Preview,
    )?)
    .await
}

/// Imports a file the manager confirmed: all lines in one transaction, or
/// none (then the report lists the bad lines again).
#[tauri::command]
pub async fn import_commit(
    app: tauri::AppHandle,
    state: tauri::State<'_, Shared>,
    kind: ImportKind,
    file_name: String,
    data_base64: String,
) -> Result<ImportReport, IpcError> {
    finish(run(
        app,
        &state,
        kind,
        file_name,
        data_base64,
        ImportMode::Commit,
    )?)
    .await
}
