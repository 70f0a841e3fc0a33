//! The store manager's services: the background upload worker of the
//! running app, the upload queue (list, payload, retry, void), and the figures
//! regulators ask for, with CSV/PDF export.
//!
//! Everything but the worker's start and the queue summary is manager-only:
//! a cashier or pharmacist gets a sentence saying who may do it.

use crate::{AppError, DataDir, Settings};
use rxdesk_center::{CenterClient, IdRole, MsgIdGenerator, Operator};
use rxdesk_store::outbox::QueueStatus;
use rxdesk_store::reports::{
    DayRefunds, MonthShare, PharmacistAudits, PriceAlert, EVOUCHER_TARGET_PERCENT,
};
use rxdesk_store::sync::{self, SyncConfig, SyncHandle};
/// Re-exported for the desktop shell (which does not depend on the store).
pub use rxdesk_store::{reports::ReconciliationRecord, Session, Store};
use rxdesk_store::{Role, UploadRow, UploadState};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// File (in the data directory) that keeps the background client's msgid
/// high-water mark.
pub const BACKGROUND_MSGID_FILE: &str = "msgid-background.hwm";

/// Serial range of the background client's msgids (worker sign-in and
/// probes, reconciliation) inside the terminal's block: `T400`–`T499`
/// (the desk has `T000`–`T399`, the CLI `T500`–`T599`, the outbox
/// `T600`–`T999`; docs/protocol.md, "msgid layout").
pub const BACKGROUND_MSGID_RANGE: (u16, u16) = (400, 499);

/// The center client for background work (upload worker, reconciliation) of
/// the configured center (demo profile or the onboarded production profile), or a zh-CN sentence saying why there is none.
pub fn background_client(dir: &DataDir, settings: &Settings) -> Result<Arc<CenterClient>, String> {
    let profile =
        crate::wiring::center_profile(dir, settings).map_err(|e| format!("{e}，上传暂停。"))?;
    let terminal = settings.checked_terminal_no()?;
    let msgids = MsgIdGenerator::for_role(
        &profile.institution.fixmedins_code,
        terminal,
        IdRole::Background,
        dir.root(),
    )
    .map_err(|e| format!("报文编号文件不可用：{e}"))?;
    CenterClient::new(profile, Arc::new(msgids))
        .map(Arc::new)
        .map_err(|e| format!("中心客户端无法创建：{e}"))
}

/// How long [`SyncService::stop`] waits for requests in flight.
pub const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// The app's upload worker: started once at app start, stopped at exit.
#[derive(Default)]
pub struct SyncService {
    handle: Mutex<Option<SyncHandle>>,
    status: Mutex<Option<watch::Receiver<QueueStatus>>>,
    problem: Mutex<Option<String>>,
}

impl std::fmt::Debug for SyncService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncService").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl SyncService {
    /// Starts the worker for `store` against `client`. Must run inside a
    /// tokio runtime. A failure (no center, another worker holds the ledger)
    /// is kept and shown in the queue summary instead of stopping the app.
    pub fn start(&self, store: Arc<Store>, client: Result<Arc<CenterClient>, String>) {
        let result = client.and_then(|client| {
            let up = Arc::new(crate::uploader::CenterUploader::new(
                client,
                Operator::clerk("rxdesk-sync", "后台上传"),
            ));
            sync::spawn(store, up, SyncConfig::default()).map_err(|e| match e {
                rxdesk_store::StoreError::SyncBusy(_) => {
                    "另一个 RxDesk 窗口或 rxdesk sync 正在上传本账本；本窗口不上传。关闭另一个后重启本程序。"
                        .to_string()
                }
                other => format!("上传程序无法启动：{other}"),
            })
        });
        match result {
            Ok(h) => {
                tracing::info!("upload worker started");
                *lock(&self.status) = Some(h.status());
                *lock(&self.handle) = Some(h);
                *lock(&self.problem) = None;
            }
            Err(why) => {
                tracing::warn!(%why, "upload worker not started");
                *lock(&self.problem) = Some(why);
            }
        }
    }

    /// Look at the outbox now (after a sale, a retry…).
    pub fn wake(&self) {
        if let Some(h) = lock(&self.handle).as_ref() {
            h.wake();
        }
    }

    /// Whether the worker runs.
    pub fn running(&self) -> bool {
        lock(&self.handle).is_some()
    }

    /// Whether the worker reaches the center (None: no worker or not known yet).
    pub fn online(&self) -> Option<bool> {
        lock(&self.status)
            .as_ref()
            .and_then(|rx| rx.borrow().online)
    }

    /// Why the worker does not run, if it does not.
    pub fn problem(&self) -> Option<String> {
        lock(&self.problem).clone()
    }

    /// Stops the worker after the requests in flight are answered, waiting
    /// at most [`STOP_GRACE`]: a row still in flight then is `sending` in the
    /// ledger and becomes `uncertain` (resolved, never blindly resent) at the
    /// next start.
    pub async fn stop(&self) {
        let handle = lock(&self.handle).take();
        if let Some(h) = handle {
            match tokio::time::timeout(STOP_GRACE, h.shutdown()).await {
                Ok(Ok(())) => tracing::info!("upload worker stopped"),
                Ok(Err(e)) => tracing::warn!(error = %e, "upload worker stopped with an error"),
                Err(_) => tracing::warn!("upload worker still waiting for the center; leaving it"),
            }
        }
    }
}

/// What the status bar and the queue screen's header show.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct QueueSummary {
    /// Counts per state and last success / error (from the ledger).
    pub status: QueueStatus,
    /// Rows that still need something: pending + sending + uncertain + rejected.
    pub open: u64,
    /// Age of the oldest waiting row, in words ("3 分钟"), if any.
    pub oldest_label: Option<String>,
    /// Whether the worker runs.
    pub worker_running: bool,
    /// Why it does not, in words.
    pub worker_problem: Option<String>,
    /// The start-up integrity check of this ledger (audit log and anchors).
    pub integrity: Option<crate::integrity::IntegrityStatus>,
}

/// Queue summary from the ledger and the worker.
pub fn queue_summary(store: &Store, sync: &SyncService) -> Result<QueueSummary, AppError> {
    let mut status = store.queue_status()?;
    status.online = sync.online();
    Ok(QueueSummary {
        open: status.depth + status.rejected,
        oldest_label: status.oldest_pending_age_secs.map(age_label),
        worker_running: sync.running(),
        worker_problem: sync.problem(),
        integrity: crate::integrity::latest(store.path()),
        status,
    })
}

/// An age in seconds as the counter reads it: "45 秒", "3 分钟", "2 小时 5 分", "3 天".
pub fn age_label(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs} 秒"),
        60..=3599 => format!("{} 分钟", secs / 60),
        3600..=86_399 => format!("{} 小时 {} 分", secs / 3600, secs % 3600 / 60),
        _ => format!("{} 天", secs / 86_400),
    }
}

/// zh-CN name of an upload's transaction.
pub fn op_label(op: &str) -> &'static str {
    match op {
        "7204" => "处方审核结果上传",
        "7205" => "配送信息上传",
        "7206" => "电子处方核销",
        "7207" => "销售出库明细上传",
        "7208" => "销售出库明细撤销",
        "3505" => "商品销售（追溯码）",
        "3506" => "商品销售退货",
        "2103" => "结算撤销",
        _ => "其他上传",
    }
}

/// One upload row as the queue screen shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct QueueItem {
    /// The row.
    #[serde(flatten)]
    pub row: UploadRow,
    /// zh-CN state label.
    pub state_label: String,
    /// zh-CN name of the transaction.
    pub op_label: String,
    /// CST creation time.
    pub created: String,
    /// Age in words (zh-CN).
    pub age: String,
    /// Age in seconds (what a window in another language words).
    pub age_secs: u64,
    /// Can be retried now (pending, uncertain, rejected).
    pub can_retry: bool,
    /// Can be voided (pending, uncertain, rejected).
    pub can_void: bool,
}

fn require_manager(by: &Session, what: &str) -> Result<(), AppError> {
    if by.role() == Role::Manager {
        Ok(())
    } else {
        Err(AppError::Store(rxdesk_store::StoreError::Rule(format!(
            "只有店长可以{what}；请用店长账户登录后再操作。"
        ))))
    }
}

/// Upload rows, optionally of one state ("pending", …, "voided"; "open" =
/// pending + sending + uncertain + rejected). Oldest first. Manager only.
pub fn list_queue(
    store: &Store,
    by: &Session,
    state: Option<&str>,
    limit: u32,
) -> Result<Vec<QueueItem>, AppError> {
    require_manager(by, "查看上传队列")?;
    let rows = match state.map(str::trim).filter(|s| !s.is_empty()) {
        None => store.list_uploads(None, limit)?,
        Some("open") => {
            let mut rows = Vec::new();
            for st in [
                UploadState::Rejected,
                UploadState::Uncertain,
                UploadState::Sending,
                UploadState::Pending,
            ] {
                rows.extend(store.list_uploads(Some(st), limit)?);
            }
            rows.sort_by_key(|r| r.id);
            rows.truncate(limit as usize);
            rows
        }
        Some(code) => {
            let st = UploadState::from_code(code).ok_or_else(|| {
                AppError::Store(rxdesk_store::StoreError::Invalid(format!(
                    "未知的上传状态“{code}”；可选 pending、sending、uncertain、rejected、done、voided。"
                )))
            })?;
            store.list_uploads(Some(st), limit)?
        }
    };
    let now = store.now_ms();
    Ok(rows.into_iter().map(|row| item(row, now)).collect())
}

fn item(row: UploadRow, now_ms: i64) -> QueueItem {
    let open = matches!(
        row.state,
        UploadState::Pending | UploadState::Uncertain | UploadState::Rejected
    );
    let age_secs = ((now_ms - row.created_at).max(0) / 1000) as u64;
    QueueItem {
        state_label: row.state.label_zh().into(),
        op_label: op_label(&row.op).into(),
        created: rxdesk_core::time::format_wire(
            chrono::DateTime::from_timestamp_millis(row.created_at).unwrap_or_default(),
        ),
        age: age_label(age_secs),
        age_secs,
        can_retry: open,
        can_void: open,
        row,
    }
}

/// The decrypted payload of one row, pretty-printed (manager only; it names
/// the patient, so it is never logged).
pub fn queue_payload(store: &Store, by: &Session, id: i64) -> Result<String, AppError> {
    require_manager(by, "查看上传内容")?;
    let v = store.upload_payload(id)?;
    Ok(serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string()))
}

/// Retry a row now (a rejected row gets a new msgid), then wake the worker.
pub fn retry(
    store: &Store,
    sync: &SyncService,
    by: &Session,
    id: i64,
) -> Result<QueueItem, AppError> {
    require_manager(by, "重试上传")?;
    let row = store.retry_upload(by, id)?;
    tracing::info!(upload = id, by = %by.login(), "upload retried by manager");
    sync.wake();
    Ok(item(row, store.now_ms()))
}

/// Void a row with a reason (audit-logged).
pub fn void(store: &Store, by: &Session, id: i64, reason: &str) -> Result<QueueItem, AppError> {
    require_manager(by, "作废上传")?;
    if reason.trim().chars().count() < 2 {
        return Err(AppError::Store(rxdesk_store::StoreError::Invalid(
            "请填写作废原因（至少两个字），例如“中心已人工补录”。".into(),
        )));
    }
    let row = store.void_upload(by, id, reason)?;
    tracing::info!(upload = id, by = %by.login(), "upload voided by manager");
    Ok(item(row, store.now_ms()))
}

/// The latest recorded reconciliations (manager only).
pub fn reconciliations(
    store: &Store,
    by: &Session,
    limit: u32,
) -> Result<Vec<ReconciliationRecord>, AppError> {
    require_manager(by, "查看对账记录")?;
    Ok(store.reconciliations(limit)?)
}

// ------------------------------------------------------------------ figures

/// The figures regulators ask for, for one period.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Figures {
    /// First day (CST, `yyyy-MM-dd`).
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    /// E-voucher share per month.
    pub evoucher: Vec<MonthShare>,
    /// Target share, percent.
    pub evoucher_target_percent: u32,
    /// Audits per pharmacist.
    pub audits: Vec<PharmacistAudits>,
    /// Refunds per day.
    pub refunds: Vec<DayRefunds>,
    /// Sales above the reference price.
    pub price_alerts: Vec<PriceAlert>,
    /// Prices charged compared with the province's figures (挂网价 first,
    /// then the province's average and median).
    pub price_monitor: rxdesk_store::province_prices::PriceMonitor,
}

/// Parses a `yyyy-MM-dd` day typed by a person.
pub fn parse_day(s: &str) -> Result<chrono::NaiveDate, AppError> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::Store(rxdesk_store::StoreError::Invalid(format!(
            "日期“{s}”格式不对；请按 年-月-日 输入，例如 2026-11-23。"
        )))
    })
}

/// Figures for the CST days `from..=to` (manager only).
pub fn figures(store: &Store, by: &Session, from: &str, to: &str) -> Result<Figures, AppError> {
    require_manager(by, "查看监管报表")?;
    let (f, t) = (parse_day(from)?, parse_day(to)?);
    if t < f {
        return Err(AppError::Store(rxdesk_store::StoreError::Invalid(
            "结束日期早于开始日期；请调换两个日期。".into(),
        )));
    }
    let from_ms = rxdesk_store::reports::day_start_ms(f);
    let to_ms = rxdesk_store::reports::day_range_ms(t).1;
    Ok(Figures {
        from: f.format("%Y-%m-%d").to_string(),
        to: t.format("%Y-%m-%d").to_string(),
        evoucher: store.evoucher_share_by_month(from_ms, to_ms)?,
        evoucher_target_percent: EVOUCHER_TARGET_PERCENT,
        audits: store.audits_per_pharmacist(from_ms, to_ms)?,
        refunds: store.refunds_per_day(from_ms, to_ms)?,
        price_alerts: store.sales_above_reference_price(from_ms, to_ms)?,
        price_monitor: store.price_monitor(from_ms, to_ms)?,
    })
}

// ------------------------------------------------------------------ export

/// Exports of the figures: CSV (UTF-8 with BOM, so Excel opens it in
/// Chinese) and PDF (A4, the receipts' CJK font embedded as a subset), written
/// to `<data>/exports/`.
pub mod export {
    use super::Figures;
    use crate::{AppError, DataDir};
    use printpdf::{
        Color, Greyscale, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
        PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem, TextRenderingMode,
    };
    use std::path::PathBuf;

    /// The font the PDF uses (the receipts' default CJK font).
    pub const FONT_PATH: &str = rxdesk_receipts::pdf::DEFAULT_FONT_PATH;

    /// One table: a title, a header and rows of cells.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Table {
        /// Section title.
        pub title: String,
        /// Column headers.
        pub header: Vec<String>,
        /// Rows.
        pub rows: Vec<Vec<String>>,
    }

    /// The figures as tables (the same for CSV and PDF).
    pub fn tables(f: &Figures) -> Vec<Table> {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        vec![
            Table {
                title: format!(
                    "医保电子凭证结算占比（目标 ≥ {}%）",
                    f.evoucher_target_percent
                ),
                header: s(&[
                    "月份",
                    "结算笔数",
                    "电子凭证笔数",
                    "凭证未知",
                    "占比%",
                    "达标",
                    "刷脸笔数",
                    "刷脸占比%",
                ]),
                rows: f
                    .evoucher
                    .iter()
                    .map(|m| {
                        vec![
                            m.month.clone(),
                            m.settlements.to_string(),
                            m.evoucher.to_string(),
                            m.unknown.to_string(),
                            m.share_percent.clone(),
                            if m.meets_target { "是" } else { "否" }.into(),
                            m.face.to_string(),
                            m.face_share_percent.clone(),
                        ]
                    })
                    .collect(),
            },
            Table {
                title: "按就诊凭证（实际使用）".into(),
                header: s(&[
                    "月份",
                    "电子凭证扫码",
                    "电子处方二维码",
                    "刷脸",
                    "社保卡",
                    "身份证",
                    "未知",
                ]),
                rows: f
                    .evoucher
                    .iter()
                    .map(|m| {
                        let c = &m.by_credential;
                        vec![
                            m.month.clone(),
                            c.e_voucher.to_string(),
                            c.epc_qr.to_string(),
                            c.face.to_string(),
                            c.social_security_card.to_string(),
                            c.id_card.to_string(),
                            c.unknown.to_string(),
                        ]
                    })
                    .collect(),
            },
            Table {
                title: "价格监测：与挂网价、全省平均价、中位价比较（高于者）".into(),
                header: s(&[
                    "销售时间",
                    "单据号",
                    "药品",
                    "售价",
                    "挂网价",
                    "全省平均价",
                    "全省中位价",
                ]),
                rows: f
                    .price_monitor
                    .above
                    .iter()
                    .map(|p| {
                        let cell = |b: rxdesk_store::province_prices::PriceBasis| {
                            p.comparisons
                                .iter()
                                .find(|c| c.basis == b)
                                .map(|c| {
                                    if c.above {
                                        format!("{}（高 {}%）", c.reference, c.over_percent)
                                    } else {
                                        c.reference.clone()
                                    }
                                })
                                .unwrap_or_default()
                        };
                        use rxdesk_store::province_prices::PriceBasis as B;
                        vec![
                            p.sold_at.clone(),
                            p.rtal_docno.clone(),
                            format!("{} {}", p.name, p.spec),
                            p.price.clone(),
                            cell(B::Listed),
                            cell(B::Average),
                            cell(B::Median),
                        ]
                    })
                    .collect(),
            },
            Table {
                title: "药师审方数量".into(),
                header: s(&["工号", "药师", "审方合计", "通过", "不通过", "需医生确认"]),
                rows: f
                    .audits
                    .iter()
                    .map(|a| {
                        vec![
                            a.login.clone(),
                            a.name.clone(),
                            a.total.to_string(),
                            a.approved.to_string(),
                            a.rejected.to_string(),
                            a.referred.to_string(),
                        ]
                    })
                    .collect(),
            },
            Table {
                title: "退费（按日）".into(),
                header: s(&["日期", "笔数", "金额（元）"]),
                rows: f
                    .refunds
                    .iter()
                    .map(|r| vec![r.day.clone(), r.count.to_string(), r.amount.clone()])
                    .collect(),
            },
            Table {
                title: "价格监测：高于参考价的销售".into(),
                header: s(&[
                    "销售时间",
                    "单据号",
                    "药品",
                    "规格",
                    "售价",
                    "参考价",
                    "高出%",
                ]),
                rows: f
                    .price_alerts
                    .iter()
                    .map(|p| {
                        vec![
                            p.sold_at.clone(),
                            p.rtal_docno.clone(),
                            p.name.clone(),
                            p.spec.clone(),
                            p.price.clone(),
                            p.reference_price.clone(),
                            p.over_percent.clone(),
                        ]
                    })
                    .collect(),
            },
        ]
    }

    /// One CSV field: quoted when it holds a comma, quote or line break
    /// (quotes doubled). A text cell that Excel would run as a formula
    /// (`=`, `+`, `@`, or `-` not followed by a digit) gets a leading `'`.
    pub fn csv_field(s: &str) -> String {
        let formula = s.starts_with(['=', '+', '@', '\t', '\r'])
            || (s.starts_with('-') && !s[1..].starts_with(|c: char| c.is_ascii_digit()));
        let s = if formula {
            format!("'{s}")
        } else {
            s.to_string()
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    }

    /// The tables as one CSV (BOM, CRLF; a title line and a blank line
    /// between tables).
    pub fn csv(title: &str, tables: &[Table]) -> Vec<u8> {
        let mut out = String::from("\u{feff}");
        out.push_str(&csv_field(title));
        out.push_str("\r\n");
        for t in tables {
            out.push_str("\r\n");
            out.push_str(&csv_field(&t.title));
            out.push_str("\r\n");
            let line = |cells: &[String]| {
                cells
                    .iter()
                    .map(|c| csv_field(c))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            out.push_str(&line(&t.header));
            out.push_str("\r\n");
            for r in &t.rows {
                out.push_str(&line(r));
                out.push_str("\r\n");
            }
        }
        out.into_bytes()
    }

    fn grey(level: f32) -> Color {
        Color::Greyscale(Greyscale::new(level, None))
    }

    struct Page {
        ops: Vec<Op>,
        y: f32,
    }

    const W: f32 = 210.0;
    const H: f32 = 297.0;
    const MARGIN: f32 = 15.0;

    fn text(ops: &mut Vec<Op>, font: &printpdf::FontId, x: f32, y: f32, s: &str, size: f32) {
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFillColor { col: grey(0.0) });
        ops.push(Op::SetTextRenderingMode {
            mode: TextRenderingMode::Fill,
        });
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(font.clone()),
            size: Pt(size),
        });
        ops.push(Op::SetTextCursor {
            pos: Point::new(Mm(x), Mm(y)),
        });
        ops.push(Op::ShowText {
            items: vec![TextItem::Text(s.to_string())],
        });
        ops.push(Op::EndTextSection);
    }

    fn bar(ops: &mut Vec<Op>, x: f32, y: f32, w: f32, h: f32, col: Color) {
        ops.push(Op::SetFillColor { col });
        ops.push(Op::DrawRectangle {
            rectangle: Rect {
                mode: Some(PaintMode::Fill),
                ..Rect::from_xywh(Mm(x).into(), Mm(y).into(), Mm(w).into(), Mm(h).into())
            },
        });
    }

    /// Cuts a cell to `max` characters (a CJK character counts two).
    fn clip(s: &str, max: usize) -> String {
        let mut used = 0;
        let mut out = String::new();
        for c in s.chars() {
            let w = if c.is_ascii() { 1 } else { 2 };
            if used + w > max {
                out.push('…');
                break;
            }
            used += w;
            out.push(c);
        }
        out
    }

    /// The figures as an A4 PDF: title, period, the e-voucher share as bars
    /// with the target line, then every table.
    pub fn pdf(
        title: &str,
        subtitle: &str,
        f: &Figures,
        font_bytes: &[u8],
    ) -> Result<Vec<u8>, String> {
        let parsed = ParsedFont::from_bytes(font_bytes, 0, &mut Vec::new())
            .ok_or_else(|| format!("字体文件 {FONT_PATH} 无法解析；请安装 fonts-wqy-microhei。"))?;
        let mut doc = PdfDocument::new(title);
        let font = doc.add_font(&parsed);
        let mut pages: Vec<Vec<Op>> = Vec::new();
        let mut p = Page {
            ops: Vec::new(),
            y: H - MARGIN,
        };
        let need = |p: &mut Page, pages: &mut Vec<Vec<Op>>, h: f32| {
            if p.y - h < MARGIN + 8.0 {
                pages.push(std::mem::take(&mut p.ops));
                p.y = H - MARGIN;
            }
        };
        p.y -= 8.0;
        text(&mut p.ops, &font, MARGIN, p.y, title, 16.0);
        p.y -= 7.0;
        text(&mut p.ops, &font, MARGIN, p.y, subtitle, 9.5);
        p.y -= 10.0;

        // E-voucher share chart: one bar per month (0–100%), target line.
        if !f.evoucher.is_empty() {
            let chart_h = 40.0;
            need(&mut p, &mut pages, chart_h + 16.0);
            text(
                &mut p.ops,
                &font,
                MARGIN,
                p.y,
                &format!(
                    "医保电子凭证结算占比（虚线为目标 {}%）",
                    f.evoucher_target_percent
                ),
                11.0,
            );
            p.y -= 4.0;
            let base = p.y - chart_h;
            let n = f.evoucher.len().min(12);
            let slot = (W - 2.0 * MARGIN - 10.0) / n as f32;
            // Value axis: baseline, 0% and 100%.
            bar(
                &mut p.ops,
                MARGIN + 10.0,
                base,
                W - 2.0 * MARGIN - 10.0,
                0.2,
                grey(0.5),
            );
            text(&mut p.ops, &font, MARGIN, base - 1.0, "0%", 7.0);
            text(&mut p.ops, &font, MARGIN, base + chart_h - 1.0, "100%", 7.0);
            for (i, m) in f.evoucher.iter().take(12).enumerate() {
                let pct: f32 = m.share_percent.parse().unwrap_or(0.0);
                let h = chart_h * (pct.clamp(0.0, 100.0) / 100.0);
                let bw = (slot * 0.6).min(20.0);
                let x = MARGIN + 10.0 + i as f32 * slot + (slot - bw) / 2.0;
                let col = if m.meets_target {
                    Color::Rgb(Rgb::new(0.13, 0.55, 0.33, None))
                } else {
                    Color::Rgb(Rgb::new(0.80, 0.33, 0.20, None))
                };
                bar(&mut p.ops, x, base, bw, h.max(0.3), col);
                text(
                    &mut p.ops,
                    &font,
                    x,
                    base + h + 1.0,
                    &format!("{}%", m.share_percent),
                    7.5,
                );
                text(&mut p.ops, &font, x, base - 4.0, &m.month, 7.5);
            }
            let ty = base + chart_h * f.evoucher_target_percent as f32 / 100.0;
            let mut x = MARGIN + 10.0;
            while x < W - MARGIN {
                bar(&mut p.ops, x, ty, 2.0, 0.3, grey(0.3));
                x += 4.0;
            }
            p.y = base - 14.0;
        }

        for t in tables(f) {
            need(&mut p, &mut pages, 20.0);
            text(&mut p.ops, &font, MARGIN, p.y, &t.title, 11.0);
            p.y -= 6.0;
            let cols = t.header.len().max(1);
            let colw = (W - 2.0 * MARGIN) / cols as f32;
            let max_chars = (colw / 1.8) as usize;
            let row = |p: &mut Page, cells: &[String], shade: bool| {
                if shade {
                    bar(
                        &mut p.ops,
                        MARGIN,
                        p.y - 1.5,
                        W - 2.0 * MARGIN,
                        5.5,
                        grey(0.9),
                    );
                }
                for (i, c) in cells.iter().enumerate() {
                    text(
                        &mut p.ops,
                        &font,
                        MARGIN + i as f32 * colw + 1.0,
                        p.y,
                        &clip(c, max_chars),
                        8.5,
                    );
                }
                p.y -= 5.5;
            };
            row(&mut p, &t.header, true);
            if t.rows.is_empty() {
                text(&mut p.ops, &font, MARGIN + 1.0, p.y, "（本期无数据）", 8.5);
                p.y -= 5.5;
            }
            for r in &t.rows {
                need(&mut p, &mut pages, 6.0);
                row(&mut p, r, false);
            }
            p.y -= 6.0;
        }
        pages.push(p.ops);
        let total = pages.len();
        let pages: Vec<PdfPage> = pages
            .into_iter()
            .enumerate()
            .map(|(i, mut ops)| {
                text(
                    &mut ops,
                    &font,
                    MARGIN,
                    MARGIN - 5.0,
                    &format!("{title} · 第 {} 页 / 共 {total} 页", i + 1),
                    7.5,
                );
                PdfPage::new(Mm(W), Mm(H), ops)
            })
            .collect();
        let mut warnings = Vec::new();
        Ok(doc.with_pages(pages).save(
            &PdfSaveOptions {
                subset_fonts: true,
                ..PdfSaveOptions::default()
            },
            &mut warnings,
        ))
    }

    /// Writes `bytes` to `<data>/exports/<name>` and returns the path.
    pub fn write(dir: &DataDir, name: &str, bytes: &[u8]) -> Result<PathBuf, AppError> {
        let exports = dir.exports();
        crate::paths::create_private_dir(&exports).map_err(|source| AppError::Io {
            action: "create exports directory",
            path: exports.clone(),
            source,
        })?;
        let path = exports.join(name);
        let tmp = path.with_extension("part");
        crate::paths::write_private(&tmp, bytes)
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(|source| AppError::Io {
                action: "write export",
                path: path.clone(),
                source,
            })?;
        Ok(path)
    }
}

/// Where an export was written.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Exported {
    /// Full path.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// Exports the figures of `from..=to` as `csv` or `pdf` into `<data>/exports/`.
pub fn export_figures(
    dir: &DataDir,
    store: &Store,
    by: &Session,
    from: &str,
    to: &str,
    format: &str,
    store_name: &str,
) -> Result<Exported, AppError> {
    let f = figures(store, by, from, to)?;
    let title = format!("{store_name} 医保监管报表");
    let subtitle = format!(
        "统计期间 {} 至 {}（北京时间）  导出人 {}  导出时间 {}",
        f.from,
        f.to,
        by.display_name(),
        rxdesk_core::time::format_wire(chrono::Utc::now())
    );
    let stem = format!("figures_{}_{}", f.from, f.to);
    let (name, bytes) = match format {
        "csv" => (
            format!("{stem}.csv"),
            export::csv(&format!("{title}  {subtitle}"), &export::tables(&f)),
        ),
        "pdf" => {
            let font = std::fs::read(export::FONT_PATH).map_err(|source| AppError::Io {
                action: "read the PDF font (install fonts-wqy-microhei)",
                path: export::FONT_PATH.into(),
                source,
            })?;
            let bytes = export::pdf(&title, &subtitle, &f, &font)
                .map_err(|e| AppError::Store(rxdesk_store::StoreError::Invalid(e)))?;
            (format!("{stem}.pdf"), bytes)
        }
        other => {
            return Err(AppError::Store(rxdesk_store::StoreError::Invalid(format!(
                "不支持的导出格式“{other}”；请选择 CSV 或 PDF。"
            ))))
        }
    };
    let path = export::write(dir, &name, &bytes)?;
    tracing::info!(path = %path.display(), "figures exported");
    Ok(Exported {
        path: path.display().to_string(),
        bytes: bytes.len() as u64,
    })
}

/// Saves a CSV the screen built (e.g. the upload queue as listed) into
/// `<data>/exports/<stem>_<CST time>.csv`, UTF-8 with BOM. `stem` is reduced
/// to ASCII letters, digits, `-` and `_` (manager only).
pub fn save_csv(dir: &DataDir, by: &Session, stem: &str, text: &str) -> Result<Exported, AppError> {
    require_manager(by, "导出")?;
    let clean: String = stem
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(40)
        .collect();
    let stem = if clean.is_empty() {
        "export".into()
    } else {
        clean
    };
    let stamp = rxdesk_core::time::format_compact(chrono::Utc::now());
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend_from_slice(text.trim_start_matches('\u{feff}').as_bytes());
    let path = export::write(dir, &format!("{stem}_{stamp}.csv"), &bytes)?;
    Ok(Exported {
        path: path.display().to_string(),
        bytes: bytes.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::export::{csv, csv_field, Table};
    use super::{age_label, op_label};

    #[test]
    fn ages_and_transaction_names_read_in_chinese() {
        assert_eq!(age_label(5), "5 秒");
        assert_eq!(age_label(125), "2 分钟");
        assert_eq!(age_label(3 * 3600 + 60), "3 小时 1 分");
        assert_eq!(age_label(2 * 86_400), "2 天");
        assert_eq!(op_label("3505"), "商品销售（追溯码）");
        assert_eq!(op_label("9999"), "其他上传");
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("维生素C片"), "维生素C片");
        assert_eq!(csv_field("0.1g*100片,瓶"), "\"0.1g*100片,瓶\"");
        assert_eq!(csv_field("说\"明\""), "\"说\"\"明\"\"\"");
        assert_eq!(csv_field("a\nb"), "\"a\nb\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("-12.50"), "-12.50");
        assert_eq!(csv_field("-x"), "'-x");
        let out = csv(
            "标题",
            &[Table {
                title: "表".into(),
                header: vec!["a".into(), "b".into()],
                rows: vec![vec!["1".into(), "x,y".into()]],
            }],
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert_eq!(text, "\u{feff}标题\r\n\r\n表\r\na,b\r\n1,\"x,y\"\r\n");
    }
}
