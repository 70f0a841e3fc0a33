//! Tauri commands of the OTC / retail sale (`ui/src/ipc/otc-api.ts`): thin
//! wrappers over `rxdesk_app::visit::VisitService`'s `otc_*` steps. Wire
//! strings (quantities, payer, identification method, tender) are parsed
//! into types here; errors reach the window as `{code, message, params}`
//! like the visit's (`visit_commands::wire`).

use crate::commands::Shared;
use crate::ipc_error::IpcError;
use crate::visit_commands::{ctx, wire};
use rxdesk_app::visit::{
    parse_otc_quantity, IdMethod, OtcPayer, OtcProductView, OtcScanOutcome, OtcView, Tender,
};

/// Starts a new OTC sale (needs an open till shift).
#[tauri::command]
pub async fn otc_start(state: tauri::State<'_, Shared>) -> Result<OtcView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.otc_start(&s).await.map_err(wire(&state))
}

/// The OTC sale in progress, if any.
#[tauri::command]
pub async fn otc_current(state: tauri::State<'_, Shared>) -> Result<Option<OtcView>, IpcError> {
    let (v, _) = ctx(&state)?;
    Ok(v.otc_current().await)
}

/// Catalogue search: name, 拼音 initials, barcode, 医保 code.
#[tauri::command]
pub async fn otc_search(
    state: tauri::State<'_, Shared>,
    query: String,
) -> Result<Vec<OtcProductView>, IpcError> {
    let (v, _) = ctx(&state)?;
    v.otc_search(&query, 20).map_err(wire(&state))
}

/// Adds a product (`split`: 拆零 in smallest units).
#[tauri::command]
pub async fn otc_add(
    state: tauri::State<'_, Shared>,
    product_id: String,
    quantity: String,
    split: bool,
) -> Result<OtcView, IpcError> {
    let (v, s) = ctx(&state)?;
    let q = parse_otc_quantity(&quantity).map_err(wire(&state))?;
    v.otc_add(&s, &product_id, q, split)
        .await
        .map_err(wire(&state))
}

/// Sets a cart line's quantity (0 removes it).
#[tauri::command]
pub async fn otc_set_quantity(
    state: tauri::State<'_, Shared>,
    index: usize,
    quantity: String,
) -> Result<OtcView, IpcError> {
    let (v, s) = ctx(&state)?;
    let q = parse_otc_quantity(&quantity).map_err(wire(&state))?;
    v.otc_set_quantity(&s, index, q).await.map_err(wire(&state))
}

/// One scan: barcode, trace code or GS1.
#[tauri::command]
pub async fn otc_scan(
    state: tauri::State<'_, Shared>,
    code: String,
) -> Result<OtcScanOutcome, IpcError> {
    let (v, s) = ctx(&state)?;
    v.otc_scan(&s, &code).await.map_err(wire(&state))
}

/// Fills a line from the 无码库 with the pharmacist's reason.
#[tauri::command]
pub async fn otc_no_code(
    state: tauri::State<'_, Shared>,
    index: usize,
    reason: String,
) -> Result<OtcView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.otc_no_code(&s, index, &reason)
        .await
        .map_err(wire(&state))
}

/// Identifies the customer for the personal account (1101).
#[tauri::command]
pub async fn otc_identify(
    state: tauri::State<'_, Shared>,
    method: String,
    code: String,
    consent: Option<bool>,
) -> Result<OtcView, IpcError> {
    let (v, s) = ctx(&state)?;
    let method: IdMethod = method.parse().map_err(wire(&state))?;
    v.otc_identify(&s, method, &code, consent)
        .await
        .map_err(wire(&state))
}

/// The split: `self_pay` or `personal_account` (2101).
#[tauri::command]
pub async fn otc_checkout(
    state: tauri::State<'_, Shared>,
    payer: String,
) -> Result<OtcView, IpcError> {
    let (v, s) = ctx(&state)?;
    let payer = OtcPayer::parse(&payer).map_err(wire(&state))?;
    v.otc_checkout(&s, payer).await.map_err(wire(&state))
}

/// Confirms the split (2102 for the personal account).
#[tauri::command]
pub async fn otc_settle(state: tauri::State<'_, Shared>) -> Result<OtcView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.otc_settle(&s).await.map_err(wire(&state))
}

/// 2601 of an uncertain 2102.
#[tauri::command]
pub async fn otc_resolve_uncertain(state: tauri::State<'_, Shared>) -> Result<OtcView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.otc_resolve_uncertain(&s).await.map_err(wire(&state))
}

/// The customer's part: `cash` (tendered), `scan` (pay code), `terminal`.
#[tauri::command]
pub async fn otc_pay(
    state: tauri::State<'_, Shared>,
    method: String,
    tendered: Option<String>,
    pay_code: Option<String>,
) -> Result<OtcView, IpcError> {
    let (v, s) = ctx(&state)?;
    let tender =
        Tender::parse(&method, tendered.as_deref(), pay_code.as_deref()).map_err(wire(&state))?;
    v.otc_pay(&s, tender).await.map_err(wire(&state))
}

/// Records the sale and prints the receipt.
#[tauri::command]
pub async fn otc_complete(state: tauri::State<'_, Shared>) -> Result<OtcView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.otc_complete(&s).await.map_err(wire(&state))
}

/// Drops the sale before any money moved.
#[tauri::command]
pub async fn otc_cancel(state: tauri::State<'_, Shared>) -> Result<OtcView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.otc_cancel(&s).await.map_err(wire(&state))
}
