//! Tauri commands of the counter visit (`ui/src/ipc/visit-api.ts`): thin
//! wrappers over `rxdesk_app::visit::VisitService`. The wire strings are
//! parsed into types here (methods, amounts, audit results, the 代购 agent);
//! errors reach the UI as `{code, message, params}` (`IpcError`), the
//! message in the window's language, rendered by code in the UI
//! (`ui/src/i18n/errors.ts`).

use crate::commands::Shared;
use crate::ipc_error::IpcError;
use rxdesk_app::visit::{
    parse_audit_result, AgentInput, IdMethod, RefundIdentity, RefundView, SaleSummary, SaleView,
    ScanOutcome, Session, ShiftView, StepError, Tender, VisitService, VisitView,
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

/// A step error as the window receives it (`IpcError`, rendered by code in
/// the window's locale).
pub(crate) fn wire(_state: &Shared) -> impl Fn(StepError) -> IpcError + '_ {
    IpcError::from
}

pub(crate) fn ctx(state: &Shared) -> Result<(&VisitService, Session), IpcError> {
    let counter = state
        .counter
        .as_ref()
        .map_err(|e| IpcError::counter_unavailable(e))?;
    let visits = counter
        .visits()
        .map_err(|e| IpcError::new("VISITS_UNAVAILABLE", e))?;
    let session = counter
        .session()
        .map_err(|e| IpcError::new("NO_SESSION", e.to_string()))?;
    Ok((visits, session))
}

/// Starts a new visit.
#[tauri::command]
pub async fn visit_start(state: tauri::State<'_, Shared>) -> Result<VisitView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.start(&s).await.map_err(wire(&state))
}

/// The visit in progress, if any.
#[tauri::command]
pub async fn visit_current(state: tauri::State<'_, Shared>) -> Result<Option<VisitView>, IpcError> {
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
) -> Result<VisitView, IpcError> {
    let (v, s) = ctx(&state)?;
    let method: IdMethod = method.parse().map_err(wire(&state))?;
    let agent = agent.map(|a| AgentInput {
        name: a.name,
        cert_no: a.cert_no,
        relationship: a.relation,
    });
    v.identify(&s, method, &code, consent, agent)
        .await
        .map_err(wire(&state))
}

/// Downloads, verifies and checks one listed prescription.
#[tauri::command]
pub async fn visit_open(
    state: tauri::State<'_, Shared>,
    auth_rxno: String,
) -> Result<VisitView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.open(&s, &auth_rxno).await.map_err(wire(&state))
}

/// The opened prescription's layout file drawn `width` device pixels wide
/// (the window shows the pages as pictures; no PDF engine runs in it).
#[tauri::command]
pub async fn visit_layout(
    state: tauri::State<'_, Shared>,
    width: u32,
) -> Result<rxdesk_app::visit::layout::LayoutPages, IpcError> {
    let (v, _) = ctx(&state)?;
    v.layout_pages(width).await.map_err(wire(&state))
}

/// The signed-in pharmacist goes on duty with their own e-voucher.
#[tauri::command]
pub async fn shift_start(
    state: tauri::State<'_, Shared>,
    evoucher: String,
) -> Result<ShiftView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.shift_start(&s, &evoucher).await.map_err(wire(&state))
}

/// The pharmacist on duty, if any.
#[tauri::command]
pub fn shift_current(state: tauri::State<'_, Shared>) -> Result<Option<ShiftView>, IpcError> {
    let counter = state
        .counter
        .as_ref()
        .map_err(|e| IpcError::counter_unavailable(e))?;
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
) -> Result<VisitView, IpcError> {
    let (v, s) = ctx(&state)?;
    let result = parse_audit_result(&result).map_err(wire(&state))?;
    v.audit(
        &s,
        result,
        &opinion,
        &reconfirm_evoucher,
        reviewer_login.as_deref(),
    )
    .await
    .map_err(wire(&state))
}

/// One scan while dispensing.
#[tauri::command]
pub async fn visit_scan(
    state: tauri::State<'_, Shared>,
    code: String,
) -> Result<ScanOutcome, IpcError> {
    let (v, s) = ctx(&state)?;
    v.scan(&s, &code).await.map_err(wire(&state))
}

/// Fills (part of) a line from the 无码库 with a reason (拆零 as a fraction of a pack).
#[tauri::command]
pub async fn visit_dispense_no_code(
    state: tauri::State<'_, Shared>,
    line: usize,
    packs: String,
    reason: String,
) -> Result<ScanOutcome, IpcError> {
    let (v, s) = ctx(&state)?;
    v.dispense_no_code(&s, line, &packs, &reason)
        .await
        .map_err(wire(&state))
}

/// Dispensing done.
#[tauri::command]
pub async fn visit_finish_dispensing(
    state: tauri::State<'_, Shared>,
) -> Result<VisitView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.finish_dispensing(&s).await.map_err(wire(&state))
}

/// 2101.
#[tauri::command]
pub async fn visit_pre_settle(state: tauri::State<'_, Shared>) -> Result<VisitView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.pre_settle(&s).await.map_err(wire(&state))
}

/// 2102.
#[tauri::command]
pub async fn visit_settle(state: tauri::State<'_, Shared>) -> Result<VisitView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.settle(&s).await.map_err(wire(&state))
}

/// 2601 of the uncertain 2102.
#[tauri::command]
pub async fn visit_resolve_uncertain(
    state: tauri::State<'_, Shared>,
) -> Result<VisitView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.resolve_uncertain(&s).await.map_err(wire(&state))
}

/// The self-paid part.
#[tauri::command]
pub async fn visit_pay(
    state: tauri::State<'_, Shared>,
    method: String,
    tendered: Option<String>,
    pay_code: Option<String>,
) -> Result<VisitView, IpcError> {
    let (v, s) = ctx(&state)?;
    let tender =
        Tender::parse(&method, tendered.as_deref(), pay_code.as_deref()).map_err(wire(&state))?;
    v.pay(&s, tender).await.map_err(wire(&state))
}

/// Sale, receipt, guidance PDF.
#[tauri::command]
pub async fn visit_complete(state: tauri::State<'_, Shared>) -> Result<VisitView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.complete(&s).await.map_err(wire(&state))
}

/// Cancels the visit.
#[tauri::command]
pub async fn visit_cancel(state: tauri::State<'_, Shared>) -> Result<VisitView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.cancel(&s).await.map_err(wire(&state))
}

/// 挂单: sets the visit in progress aside and starts the next one.
#[tauri::command]
pub async fn visit_park(state: tauri::State<'_, Shared>) -> Result<VisitView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.park(&s).await.map_err(wire(&state))
}

/// 取单: brings a parked visit back to the counter.
#[tauri::command]
pub async fn visit_resume(
    state: tauri::State<'_, Shared>,
    visit_id: String,
) -> Result<VisitView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.resume(&s, &visit_id).await.map_err(wire(&state))
}

/// 处理未知结算 of a parked visit while the counter serves another patient.
#[tauri::command]
pub async fn visit_resolve_parked(
    state: tauri::State<'_, Shared>,
    visit_id: String,
) -> Result<VisitView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.resolve_parked(&s, &visit_id).await.map_err(wire(&state))
}

/// Sales history.
#[tauri::command]
pub fn sales_find(
    state: tauri::State<'_, Shared>,
    query: String,
) -> Result<Vec<SaleSummary>, IpcError> {
    let (v, _) = ctx(&state)?;
    v.sales_find(&query).map_err(wire(&state))
}

/// Reprints a receipt.
#[tauri::command]
pub async fn sale_reprint(
    state: tauri::State<'_, Shared>,
    sale_id: i64,
) -> Result<SaleView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.reprint(&s, sale_id).await.map_err(wire(&state))
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
    manager_login: Option<String>,
    manager_password: Option<String>,
) -> Result<RefundView, IpcError> {
    let (v, s) = ctx(&state)?;
    let identity = match (identity_method, identity_code) {
        (Some(method), Some(code)) if !code.trim().is_empty() => {
            Some(RefundIdentity { method, code })
        }
        _ => None,
    };
    // 店长授权: a manager's 工号 and password typed at this session.
    match (manager_login, manager_password) {
        (Some(login), Some(password)) if !login.trim().is_empty() => v
            .refund_authorised(&s, &login, &password, sale_id, &reason, identity)
            .await
            .map_err(wire(&state)),
        _ => v
            .refund(&s, sale_id, &reason, identity)
            .await
            .map_err(wire(&state)),
    }
}

/// A manager reverses (2103) the visit settled but not completed that the
/// counter found at start-up.
#[tauri::command]
pub async fn visit_reverse_settled(state: tauri::State<'_, Shared>) -> Result<VisitView, IpcError> {
    let (v, s) = ctx(&state)?;
    v.reverse_settled(&s).await.map_err(wire(&state))
}
