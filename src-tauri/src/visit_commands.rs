//! Tauri commands of the counter visit (`ui/src/lib/visit-api.ts`): thin
//! wrappers over `rxdesk_app::visit::VisitService`. Errors reach the UI as
//! zh-CN sentences that say what to do next.

use crate::commands::Shared;
use rxdesk_app::visit::{
    RefundIdentity, RefundView, SaleSummary, SaleView, ScanOutcome, Session, ShiftView,
    VisitService, VisitView,
};
use serde::Deserialize;

/// The 代购 agent as the UI sends it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    name: String,
    cert_no: String,
    relation: String,
}

fn ctx(state: &Shared) -> Result<(&VisitService, Session), String> {
    let counter = state.counter.as_ref().map_err(Clone::clone)?;
    let visits = counter
        .visits()
        .map_err(|e| format!("{e}。请在设置中配置医保中心后重启"))?;
    let session = counter.session().map_err(|e| e.to_string())?;
    Ok((visits, session))
}

/// Starts a new visit.
#[tauri::command]
pub async fn visit_start(state: tauri::State<'_, Shared>) -> Result<VisitView, String> {
    let (v, s) = ctx(&state)?;
    v.start(&s).await.map_err(|e| e.to_string())
}

/// The visit in progress, if any.
#[tauri::command]
pub async fn visit_current(state: tauri::State<'_, Shared>) -> Result<Option<VisitView>, String> {
    let (v, _) = ctx(&state)?;
    Ok(v.current().await)
}

/// Identifies the patient (and lists their prescriptions): the card from
/// the reader, the password on the terminal's PIN pad, the face terminal
/// (`consent`: the patient agreed on the consent step) — never a password.
#[tauri::command]
pub async fn visit_identify(
    state: tauri::State<'_, Shared>,
    method: String,
    code: String,
    consent: Option<bool>,
    agent: Option<Agent>,
) -> Result<VisitView, String> {
    let (v, s) = ctx(&state)?;
    let agent = agent.map(|a| (a.name, a.cert_no, a.relation));
    v.identify(&s, &method, &code, consent, agent)
        .await
        .map_err(|e| e.to_string())
}

/// Downloads, verifies and checks one listed prescription.
#[tauri::command]
pub async fn visit_open(
    state: tauri::State<'_, Shared>,
    auth_rxno: String,
) -> Result<VisitView, String> {
    let (v, s) = ctx(&state)?;
    v.open(&s, &auth_rxno).await.map_err(|e| e.to_string())
}

/// The signed-in pharmacist goes on duty with their own e-voucher.
#[tauri::command]
pub async fn shift_start(
    state: tauri::State<'_, Shared>,
    evoucher: String,
) -> Result<ShiftView, String> {
    let (v, s) = ctx(&state)?;
    v.shift_start(&s, &evoucher)
        .await
        .map_err(|e| e.to_string())
}

/// The pharmacist on duty, if any.
#[tauri::command]
pub fn shift_current(state: tauri::State<'_, Shared>) -> Result<Option<ShiftView>, String> {
    let counter = state.counter.as_ref().map_err(Clone::clone)?;
    Ok(counter.visits().ok().and_then(|v| v.shift_current()))
}

/// The pharmacist's audit.
#[tauri::command]
pub async fn visit_audit(
    state: tauri::State<'_, Shared>,
    result: String,
    opinion: String,
    reconfirm_evoucher: String,
    reviewer_login: Option<String>,
) -> Result<VisitView, String> {
    let (v, s) = ctx(&state)?;
    v.audit(
        &s,
        &result,
        &opinion,
        &reconfirm_evoucher,
        reviewer_login.as_deref(),
    )
    .await
    .map_err(|e| e.to_string())
}

/// One scan while dispensing.
#[tauri::command]
pub async fn visit_scan(
    state: tauri::State<'_, Shared>,
    code: String,
) -> Result<ScanOutcome, String> {
    let (v, s) = ctx(&state)?;
    v.scan(&s, &code).await.map_err(|e| e.to_string())
}

/// Fills (part of) a line from the 无码库 with a reason (拆零 as a fraction of a pack).
#[tauri::command]
pub async fn visit_dispense_no_code(
    state: tauri::State<'_, Shared>,
    line: usize,
    packs: String,
    reason: String,
) -> Result<ScanOutcome, String> {
    let (v, s) = ctx(&state)?;
    v.dispense_no_code(&s, line, &packs, &reason)
        .await
        .map_err(|e| e.to_string())
}

/// Dispensing done.
#[tauri::command]
pub async fn visit_finish_dispensing(state: tauri::State<'_, Shared>) -> Result<VisitView, String> {
    let (v, s) = ctx(&state)?;
    v.finish_dispensing(&s).await.map_err(|e| e.to_string())
}

/// 2101.
#[tauri::command]
pub async fn visit_pre_settle(state: tauri::State<'_, Shared>) -> Result<VisitView, String> {
    let (v, s) = ctx(&state)?;
    v.pre_settle(&s).await.map_err(|e| e.to_string())
}

/// 2102.
#[tauri::command]
pub async fn visit_settle(state: tauri::State<'_, Shared>) -> Result<VisitView, String> {
    let (v, s) = ctx(&state)?;
    v.settle(&s).await.map_err(|e| e.to_string())
}

/// 2601 of the uncertain 2102.
#[tauri::command]
pub async fn visit_resolve_uncertain(state: tauri::State<'_, Shared>) -> Result<VisitView, String> {
    let (v, s) = ctx(&state)?;
    v.resolve_uncertain(&s).await.map_err(|e| e.to_string())
}

/// The self-paid part.
#[tauri::command]
pub async fn visit_pay(
    state: tauri::State<'_, Shared>,
    method: String,
    tendered: Option<String>,
    pay_code: Option<String>,
) -> Result<VisitView, String> {
    let (v, s) = ctx(&state)?;
    v.pay(&s, &method, tendered.as_deref(), pay_code.as_deref())
        .await
        .map_err(|e| e.to_string())
}

/// Sale, receipt, guidance PDF.
#[tauri::command]
pub async fn visit_complete(state: tauri::State<'_, Shared>) -> Result<VisitView, String> {
    let (v, s) = ctx(&state)?;
    v.complete(&s).await.map_err(|e| e.to_string())
}

/// Cancels the visit.
#[tauri::command]
pub async fn visit_cancel(state: tauri::State<'_, Shared>) -> Result<VisitView, String> {
    let (v, s) = ctx(&state)?;
    v.cancel(&s).await.map_err(|e| e.to_string())
}

/// Sales history.
#[tauri::command]
pub fn sales_find(
    state: tauri::State<'_, Shared>,
    query: String,
) -> Result<Vec<SaleSummary>, String> {
    let (v, _) = ctx(&state)?;
    v.sales_find(&query).map_err(|e| e.to_string())
}

/// Reprints a receipt.
#[tauri::command]
pub async fn sale_reprint(
    state: tauri::State<'_, Shared>,
    sale_id: i64,
) -> Result<SaleView, String> {
    let (v, s) = ctx(&state)?;
    v.reprint(&s, sale_id).await.map_err(|e| e.to_string())
}

/// Refunds a whole sale: money first (2103, then the self-paid part by its
/// method), then stock. A settled sale needs the patient's credential
/// (`identityMethod` e_voucher | social_security_card, `identityCode`).
#[tauri::command]
pub async fn sale_refund(
    state: tauri::State<'_, Shared>,
    sale_id: i64,
    reason: String,
    identity_method: Option<String>,
    identity_code: Option<String>,
) -> Result<RefundView, String> {
    let (v, s) = ctx(&state)?;
    let identity = match (identity_method, identity_code) {
        (Some(method), Some(code)) if !code.trim().is_empty() => {
            Some(RefundIdentity { method, code })
        }
        _ => None,
    };
    v.refund(&s, sale_id, &reason, identity)
        .await
        .map_err(|e| e.to_string())
}

/// A manager reverses (2103) the visit settled but not completed that the
/// counter found at start-up.
#[tauri::command]
pub async fn visit_reverse_settled(state: tauri::State<'_, Shared>) -> Result<VisitView, String> {
    let (v, s) = ctx(&state)?;
    v.reverse_settled(&s).await.map_err(|e| e.to_string())
}
