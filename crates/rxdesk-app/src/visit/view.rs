//! What the counter screen shows: the serialized shapes of
//! `ui/src/ipc/visit-api.ts` (serde camelCase), and the one place that
//! builds them from the active visit (`VisitService::view`), so every step
//! answers with the same picture of the visit.

use super::Active;
use crate::desk::PrescriptionView;
use rust_decimal::Decimal;
use rxdesk_center::messages::AuthorisedRx;
use rxdesk_core::dispense::DispensedItem;
use rxdesk_core::prescription::mask_id_number;
use rxdesk_core::visit::{CloseReason, VisitState};
use rxdesk_core::Amount;
use serde::Serialize;

/// The patient (ID number masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PatientView {
    /// Name.
    pub name: String,
    /// First 6 + last 4 of the ID number.
    pub certno_masked: String,
    /// 人员编号.
    pub psn_no: String,
    /// 险种 label (zh-CN).
    pub insutype_label: String,
    /// 险种 code (`310`, `390` …): what a window in another language words.
    pub insutype: String,
    /// Personal account balance.
    pub balance: String,
    /// 代购 agent.
    pub agent_name: Option<String>,
    /// 代购: relationship to the patient (zh-CN).
    pub agent_relationship_zh: Option<String>,
    /// 代购: the agent's ID number, masked.
    pub agent_certno_masked: Option<String>,
    /// How the patient was identified (社保卡 …, 刷脸, 医保电子凭证).
    pub identified_via_zh: String,
    /// Its code (`e_voucher`, `social_security_card`, `id_card`, `face`,
    /// `epc_qr`): what a window in another language words.
    pub identified_via: String,
    /// 代购: the relationship's code (`spouse`, `parent` …).
    pub agent_relationship: Option<String>,
}

/// E-voucher activation guidance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct GuidanceView {
    /// Why the guidance is shown (`not_activated`, `password_failed`,
    /// `password_not_set`): the window's en-US text is keyed by it.
    #[cfg_attr(
        feature = "ts",
        ts(type = "\"not_activated\" | \"password_failed\" | \"password_not_set\"")
    )]
    pub reason: &'static str,
    /// Heading.
    pub title_zh: String,
    /// Tries left before the lock when the terminal says (a wrong
    /// password): `title_zh` says it, the window's en-US heading fills it.
    pub tries: Option<u32>,
    /// Steps.
    pub steps_zh: Vec<String>,
    /// For the receipt printer.
    pub text: String,
}

/// One rule finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct FindingView {
    /// Rule code.
    pub code: String,
    /// Rule title.
    pub title_zh: String,
    /// The sentence.
    pub message_zh: String,
    /// Stops the sale.
    pub blocks: bool,
    /// Drug line (0-based).
    pub line: Option<usize>,
    /// The values of `message_zh` by name (`rxdesk_core::rules::Finding`),
    /// which a window in another language fills into its own sentence for
    /// `code`.
    pub params: std::collections::BTreeMap<String, String>,
}

/// One structured-vs-layout difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LayoutDifferenceView {
    /// Field code.
    pub field: String,
    /// Drug line (0-based) for a drug's field, so the window marks that
    /// line's cell; none for the prescription's own fields.
    pub line: Option<usize>,
    /// Field label.
    pub field_zh: String,
    /// Structured value.
    pub structured: String,
    /// Layout value.
    pub layout: String,
}

/// The rule report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RulesView {
    /// Anything blocks.
    pub blocks: bool,
    /// Findings.
    pub findings: Vec<FindingView>,
    /// Side by side.
    pub layout_differences: Vec<LayoutDifferenceView>,
    /// 自费 lines.
    pub self_pay_lines: Vec<usize>,
}

/// The audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AuditView {
    /// Pharmacist.
    pub pharmacist_name: String,
    /// "1" | "2" | "3".
    #[cfg_attr(feature = "ts", ts(type = "\"1\" | \"2\" | \"3\""))]
    pub result: String,
    /// Label.
    pub result_zh: String,
    /// Opinion.
    pub opinion: String,
    /// Reviewer.
    pub reviewer_name: Option<String>,
    /// When (CST wire).
    pub at: String,
    /// The 7204 outbox row.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub upload_id: Option<i64>,
}

/// One scanned box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BoxView {
    /// Trace code.
    pub trace_code: Option<String>,
    /// Batch (fixmedins_bchno).
    pub batch: String,
    /// 生产批号.
    pub lotnum: String,
    /// Expiry.
    pub expy_end: String,
    /// Packs.
    pub quantity: String,
    /// 拆零.
    pub split: bool,
}

/// A prescription line while dispensing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DispenseLineView {
    /// Line (0-based).
    pub line: usize,
    /// 医保 code.
    pub med_list_codg: String,
    /// Name.
    pub name: String,
    /// Spec.
    pub spec: String,
    /// Unit.
    pub unit: String,
    /// Prescribed.
    pub prescribed: String,
    /// Dispensed so far.
    pub dispensed: String,
    /// Filled.
    pub done: bool,
    /// 自费.
    pub self_pay: bool,
    /// Boxes.
    pub boxes: Vec<BoxView>,
    /// The line's trace-code collection state (应采 / 已采 / 申诉 / 无需采集).
    pub collection: TraceCollection,
    /// Its words: 应采, 已采, 申诉 or 无需采集.
    pub collection_zh: String,
}

/// A dispensed line's trace-code collection state. Settlement (2101/2102)
/// waits while any line is [`TraceCollection::Due`] (无码不结: the visit
/// cannot leave dispensing until every unit is a received box or 无码库
/// stock with a reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum TraceCollection {
    /// 应采: codes still to be scanned for this line.
    Due,
    /// 已采: every unit is a scanned, received box.
    Collected,
    /// 申诉: some units came from the 无码库 (the box's code unreadable or
    /// missing), each with its reason; the rest were scanned.
    Appeal {
        /// The reasons given, `；`-joined.
        reason: String,
    },
    /// 无需采集: nothing of this line is sold in this visit (a partial
    /// dispense left it out), so no code is due.
    NotRequired {
        /// Why.
        reason: String,
    },
}

impl TraceCollection {
    /// 应采 / 已采 / 申诉 / 无需采集.
    pub fn label_zh(&self) -> &'static str {
        match self {
            Self::Due => "应采",
            Self::Collected => "已采",
            Self::Appeal { .. } => "申诉",
            Self::NotRequired { .. } => "无需采集",
        }
    }

    /// Whether this line holds settlement back.
    pub fn blocks_settlement(&self) -> bool {
        matches!(self, Self::Due)
    }

    /// The state of a line from what was dispensed on it: `filled` when its
    /// prescribed quantity is reached, `finished` once dispensing ended.
    pub fn of_line(items: &[&DispensedItem], filled: bool, finished: bool) -> Self {
        if !filled && !finished {
            return Self::Due;
        }
        let reasons: Vec<&str> = items
            .iter()
            .filter(|i| i.trace_code.is_none())
            .map(|i| i.no_code_reason.as_deref().unwrap_or("").trim())
            .collect();
        if !reasons.is_empty() {
            let mut seen: Vec<&str> = Vec::new();
            for r in reasons {
                if !seen.contains(&r) {
                    seen.push(r);
                }
            }
            return Self::Appeal {
                reason: seen.join("；"),
            };
        }
        if items.is_empty() {
            return Self::NotRequired {
                reason: "本次未调配此行，不销售、不采集追溯码".into(),
            };
        }
        Self::Collected
    }
}

/// The settlement split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SplitView {
    /// The kind of settlement (`outpatient_pooling`, `chronic_special`,
    /// `dual_channel`, `pharmacy_purchase`), when known.
    pub kind: Option<rxdesk_core::settle_kind::SettlementKind>,
    /// Its zh-CN name (门诊统筹, 门诊慢特病 …).
    pub kind_zh: Option<String>,
    /// 病种 of a 门慢特 / 双通道 settlement (code and name).
    pub disease: Option<String>,
    /// Total.
    pub total: String,
    /// Fund.
    pub fund_pay: String,
    /// Personal account.
    pub account_pay: String,
    /// Cash.
    pub cash_pay: String,
    /// Plain words.
    pub explanation_zh: Vec<String>,
    /// Once settled.
    pub setl_id: Option<String>,
}

/// The self-paid part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PaymentView {
    /// "cash" | "scan" | "none".
    #[cfg_attr(
        feature = "ts",
        ts(type = "\"cash\" | \"scan\" | \"terminal\" | \"none\"")
    )]
    pub method: String,
    /// Due.
    pub due: String,
    /// Tendered (cash).
    pub tendered: Option<String>,
    /// Change (cash).
    pub change: Option<String>,
    /// Paid.
    pub paid: bool,
}

/// The recorded sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SaleView {
    /// Sale row id.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub sale_id: i64,
    /// 零售单据号.
    pub rtal_docno: String,
    /// Total.
    pub total: String,
    /// Receipt preview.
    pub receipt_text: String,
    /// Guidance PDF (kept for support and the CLI; the window shows
    /// `guidance_text`, never a path).
    pub guidance_pdf_path: Option<String>,
    /// The medication guidance slip as printed (plain text).
    pub guidance_text: String,
    /// Printer outcome.
    pub printed_zh: String,
    /// Outbox rows.
    #[cfg_attr(feature = "ts", ts(type = "number[]"))]
    pub upload_ids: Vec<i64>,
}

/// Everything the counter screen shows about the visit in progress.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct VisitView {
    /// Correlation id.
    pub visit_id: String,
    /// State name (snake_case).
    #[cfg_attr(feature = "ts", ts(type = "VisitStateName"))]
    pub state: String,
    /// State label.
    pub state_zh: String,
    /// Patient.
    pub patient: Option<PatientView>,
    /// Guidance.
    pub guidance: Option<GuidanceView>,
    /// 7202 list.
    #[cfg_attr(feature = "ts", ts(type = "AuthorisedRx[]"))]
    pub listed: Vec<AuthorisedRx>,
    /// The drugs of each listed prescription, in the list's order.
    pub listed_drugs: Vec<ListedDrugs>,
    /// The opened prescription.
    #[cfg_attr(feature = "ts", ts(type = "PrescriptionView | null"))]
    pub prescription: Option<PrescriptionView>,
    /// Rules.
    pub rules: Option<RulesView>,
    /// Audit.
    pub audit: Option<AuditView>,
    /// Dispensing.
    pub dispensing: Vec<DispenseLineView>,
    /// Split.
    pub split: Option<SplitView>,
    /// Payment.
    pub payment: Option<PaymentView>,
    /// Sale.
    pub sale: Option<SaleView>,
    /// Why closed.
    pub closed_reason_zh: Option<String>,
    /// Why closed, as a code the window words in its locale (`cancelled`,
    /// `signature_invalid`, `rules_blocked`, `audit_not_approved`).
    #[cfg_attr(
        feature = "ts",
        ts(
            type = "\"cancelled\" | \"signature_invalid\" | \"rules_blocked\" | \"audit_not_approved\" | null"
        )
    )]
    pub closed_reason: Option<&'static str>,
    /// What to do now.
    pub next_step_zh: String,
    /// What to do now, as a code the window words in its locale
    /// ([`next_step_code`]); `notice` when `next_step_zh` is a one-off notice.
    pub next_step: &'static str,
    /// Restored at start-up: settled at the center before the program
    /// stopped, not completed (finish it, or a manager reverses it).
    pub recovered: bool,
    /// For a restored visit: the drugs settled (names from the catalogue,
    /// quantities and amounts from the 2102 that was sent), so the
    /// pharmacist knows which bag is this patient's. Empty otherwise.
    pub recovered_lines: Vec<RecoveredLineView>,
    /// The visits parked (挂单) at this counter, oldest first.
    pub parked: Vec<ParkedView>,
}

/// A parked visit as the counter lists it (取单).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ParkedView {
    /// Its visit id (what 取单 takes).
    pub visit_id: String,
    /// The patient.
    pub patient_name: String,
    /// State name (snake_case) and label.
    #[cfg_attr(feature = "ts", ts(type = "VisitStateName"))]
    pub state: String,
    /// State label.
    pub state_zh: String,
    /// Its settlement's outcome is unknown: it must be resumed and resolved
    /// (处理未知结算); its patient cannot be served meanwhile.
    pub uncertain: bool,
    /// When it was parked (CST `HH:MM`).
    pub parked_at: String,
    /// The prescription's drugs (generic names), if one was opened.
    pub drugs: Vec<String>,
}

/// One drug of a settled, restored visit.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RecoveredLineView {
    /// Product name (the 医保 code when the catalogue no longer has it).
    pub name: String,
    /// Specification.
    pub spec: String,
    /// Quantity settled.
    pub quantity: String,
    /// Unit (盒…).
    pub unit: String,
    /// Amount settled for the line (yuan, 2 decimals).
    pub amount: String,
}

/// The outcome of one scan while dispensing.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ScanOutcome {
    /// Accepted.
    pub ok: bool,
    /// Outcome code.
    pub code: String,
    /// The sentence.
    pub message_zh: String,
    /// The visit after the scan.
    pub visit: VisitView,
}

/// The pharmacist on duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ShiftView {
    /// Name.
    pub pharmacist_name: String,
    /// Masked ID.
    pub certno_masked: String,
    /// CST wire.
    pub started_at: String,
}

/// One sale in history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SaleSummary {
    /// Sale row id.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub sale_id: i64,
    /// 零售单据号.
    pub rtal_docno: String,
    /// CST wire.
    pub sold_at: String,
    /// 医保处方编号.
    pub hi_rxno: Option<String>,
    /// Patient.
    pub patient_name: String,
    /// Total.
    pub total: String,
    /// completed | refunded.
    #[cfg_attr(feature = "ts", ts(type = "\"completed\" | \"refunded\""))]
    pub state: String,
    /// 结算ID.
    pub setl_id: Option<String>,
    /// 代购: the agent, relationship and masked ID number, zh-CN (the CLI;
    /// the window words the three fields below).
    pub agent_zh: Option<String>,
    /// 代购: the agent's name.
    pub agent_name: Option<String>,
    /// 代购: the relationship's code (`spouse`, `parent` …).
    pub agent_relationship: Option<String>,
    /// 代购: the agent's ID number, masked.
    pub agent_certno_masked: Option<String>,
}

/// A refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RefundView {
    /// The refunded sale.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub sale_id: i64,
    /// Outbox rows (3506…, 7208).
    #[cfg_attr(feature = "ts", ts(type = "number[]"))]
    pub upload_ids: Vec<i64>,
    /// Refund receipt preview.
    pub receipt_text: String,
    /// Printer outcome.
    pub printed_zh: String,
    /// The self-paid part given back, by method.
    pub returned: Vec<RefundMoneyView>,
}

/// Money given back at a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct RefundMoneyView {
    /// `cash`, `wechat` or `alipay`.
    #[cfg_attr(feature = "ts", ts(type = "\"cash\" | \"wechat\" | \"alipay\""))]
    pub method: String,
    /// zh-CN name.
    pub method_zh: String,
    /// Amount.
    pub amount: String,
    /// The channel's transaction number (empty for cash).
    pub reference: String,
}

impl super::VisitService {
    /// The drugs of a restored visit as settled (2102 detail), named from
    /// the catalogue.
    fn recovered_lines(&self, a: &Active) -> Vec<RecoveredLineView> {
        let Some(input) = &a.settle_input else {
            return Vec::new();
        };
        input
            .drugdetail
            .iter()
            .map(|d| {
                let row = self
                    .store
                    .products_by_med_list_codg(&d.med_list_codg)
                    .ok()
                    .and_then(|rows| {
                        rows.iter()
                            .find(|(_, r)| r.fixmedins_hilist_id == d.medins_list_codg)
                            .or(rows.first())
                            .map(|(_, r)| r.clone())
                    });
                RecoveredLineView {
                    name: row
                        .as_ref()
                        .map(|r| r.name.clone())
                        .unwrap_or_else(|| d.med_list_codg.clone()),
                    spec: row.as_ref().map(|r| r.spec.clone()).unwrap_or_default(),
                    quantity: d.cnt.normalize().to_string(),
                    unit: row.as_ref().map(|r| r.unit.clone()).unwrap_or_default(),
                    amount: d.det_item_fee_sumamt.to_string(),
                }
            })
            .collect()
    }

    pub(super) fn view(&self, a: &Active) -> VisitView {
        let v = &a.visit;
        let (state, state_zh) = state_name(v.state());
        let rules = v.rules().map(|r| RulesView {
            blocks: r.blocks(),
            findings: r
                .findings
                .iter()
                .map(|f| FindingView {
                    code: f.code.code().to_string(),
                    title_zh: f.code.title_zh().to_string(),
                    message_zh: f.message_zh.clone(),
                    blocks: f.blocks(),
                    line: f.line,
                    params: f.params.clone(),
                })
                .collect(),
            layout_differences: r
                .layout_differences
                .iter()
                .map(|d| LayoutDifferenceView {
                    field: format!("{:?}", d.field),
                    line: d.line,
                    field_zh: match d.line {
                        Some(n) => format!("第 {} 行 {}", n + 1, d.field.label_zh()),
                        None => d.field.label_zh().to_string(),
                    },
                    structured: d.structured.clone(),
                    layout: d.layout.clone(),
                })
                .collect(),
            self_pay_lines: r.self_pay_lines.clone(),
        });
        let dispensing = match (v.prescription(), &a.dispensing) {
            (Some(rx), Some(d)) => {
                let items: &[DispensedItem] = if v.dispensed().is_empty() {
                    d.items()
                } else {
                    v.dispensed()
                };
                rx.lines
                    .iter()
                    .enumerate()
                    .map(|(n, l)| {
                        let mine: Vec<&DispensedItem> =
                            items.iter().filter(|i| i.line == n).collect();
                        let done_qty: Decimal = mine.iter().map(|i| i.line_quantity).sum();
                        let done = done_qty == l.quantity;
                        let collection =
                            TraceCollection::of_line(&mine, done, !v.dispensed().is_empty());
                        DispenseLineView {
                            line: n,
                            med_list_codg: l.med_list_codg.clone(),
                            name: l.drug_genname.clone(),
                            spec: l.drug_spec.clone(),
                            unit: l.unit.clone(),
                            prescribed: dec(l.quantity),
                            dispensed: dec(done_qty),
                            done,
                            self_pay: v.rules().is_some_and(|r| r.self_pay_lines.contains(&n)),
                            boxes: mine
                                .iter()
                                .map(|i| BoxView {
                                    trace_code: i
                                        .trace_code
                                        .as_ref()
                                        .map(|t| t.as_str().to_string()),
                                    batch: i.batch_id.clone(),
                                    lotnum: i.manu_lotnum.clone(),
                                    expy_end: i.expy_end.to_string(),
                                    quantity: dec(i.packs()),
                                    split: i.split,
                                })
                                .collect(),
                            collection_zh: collection.label_zh().to_string(),
                            collection,
                        }
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        let split = v.split().map(|s| {
            let names: Vec<String> = v
                .rules()
                .map(|r| {
                    r.self_pay_lines
                        .iter()
                        .filter_map(|n| {
                            v.prescription()?
                                .lines
                                .get(*n)
                                .map(|l| l.drug_genname.clone())
                        })
                        .collect()
                })
                .unwrap_or_default();
            let context =
                crate::settle_types::context_of(a.settle_input.as_ref(), a.settle_output.as_ref());
            SplitView {
                kind: context.kind,
                kind_zh: context.kind.map(|k| k.label_zh().to_string()),
                disease: Some(context.disease.clone()).filter(|d| !d.is_empty()),
                total: s.total().to_string(),
                fund_pay: s.fund().to_string(),
                account_pay: s.personal_account().to_string(),
                cash_pay: s.cash().to_string(),
                explanation_zh: s
                    .explain_in_context_zh(&context, &names)
                    .split(['；', '。'])
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect(),
                setl_id: v.setl_id().map(str::to_string),
            }
        });
        let payment = if matches!(v.state(), VisitState::Settled | VisitState::Receipted) {
            let due = v.split().map(|s| s.cash()).unwrap_or(Amount::ZERO);
            Some(match &a.payment {
                Some(p) => PaymentView {
                    method: p.method.clone(),
                    due: p.due.to_string(),
                    tendered: p.tendered.map(|t| t.to_string()),
                    change: p.change.map(|t| t.to_string()),
                    paid: p.paid,
                },
                None => PaymentView {
                    method: "none".into(),
                    due: due.to_string(),
                    tendered: None,
                    change: None,
                    paid: due.value().is_zero(),
                },
            })
        } else {
            None
        };
        let closed_reason_zh = match v.state() {
            VisitState::Closed(r) => Some(close_reason_zh(r)),
            _ => None,
        };
        let closed_reason = match v.state() {
            VisitState::Closed(r) => Some(close_reason_code(r)),
            _ => None,
        };
        let next_step = next_step_code(a);
        let next_step_zh = a.notice_zh.clone().unwrap_or_else(|| {
            match v.state() {
                VisitState::Settled if a.recovered => {
                    let cash = v.split().map(|s| s.cash()).unwrap_or(Amount::ZERO);
                    let how = if cash.value().is_zero() {
                        "患者无需再付款，直接按“完成并打印”（F10）出票".to_string()
                    } else if a.payment.as_ref().is_some_and(|p| p.paid) {
                        "自付部分已收，按“完成并打印”（F10）出票".to_string()
                    } else {
                        format!("先收取患者自付 {cash} 元，再按“完成并打印”（F10）出票")
                    };
                    format!(
                        "上次程序中断时，该患者已在医保结算（合计 {} 元），但销售尚未完成。请按结算时的金额完成：{how}；如患者不再取药，由店长撤销该笔结算",
                        v.split().map(|s| s.total()).unwrap_or(Amount::ZERO),
                    )
                }
                VisitState::Started => "请扫描患者医保电子凭证，或读社保卡/身份证（须患者输入密码），或扫描电子处方二维码".into(),
                VisitState::EVoucherGuidance(rxdesk_core::visit::GuidanceReason::NotActivated) => "请按指引帮助患者激活医保电子凭证（可打印指引），激活后重新扫码；或改用社保卡/身份证并由患者在密码键盘上输入密码".into(),
                VisitState::EVoucherGuidance(_) => "电子凭证密码未通过，未查询处方：请患者本人在密码键盘上重新输入后再读卡；忘记或未设置密码请按指引处理（可打印），或改用医保电子凭证扫码".into(),
                VisitState::Identified | VisitState::PrescriptionsListed => {
                    if a.listed.is_empty() {
                        "该患者暂无可取的电子处方，请患者联系开方医院".into()
                    } else {
                        "请选择要取药的处方并下载".into()
                    }
                }
                VisitState::Downloaded | VisitState::Verified => "正在核对处方".into(),
                VisitState::RulesChecked => "请在岗药师核对版式文件与结构化信息后审方（须扫描本人医保电子凭证确认）".into(),
                VisitState::Audited | VisitState::Dispensing => "请逐盒扫描药盒条码和追溯码，配齐后点击“调配完成”".into(),
                VisitState::Dispensed => "请预结算，向患者说明医保支付和自付金额".into(),
                VisitState::PreSettled => "向患者说明费用后，确认结算".into(),
                VisitState::Settling => "结算中，请稍候".into(),
                VisitState::SettlementUncertain => "结算结果未知：请点击“处理未知结算”向医保中心冲正，切勿重复结算或收费".into(),
                VisitState::Settled => {
                    let cash = v.split().map(|s| s.cash()).unwrap_or(Amount::ZERO);
                    if a.payment.as_ref().is_some_and(|p| p.paid) {
                        "收款完成，请按“完成并打印”（F10）出票".into()
                    } else if cash.value().is_zero() {
                        "患者无需付款，请按“完成并打印”（F10）出票".into()
                    } else {
                        format!("请收取患者自付 {cash} 元（现金或扫码），然后按“完成并打印”（F10）出票")
                    }
                }
                VisitState::Receipted => "已完成：请将药品、小票和用药指导单交给患者".into(),
                VisitState::Refunding | VisitState::RefundUncertain | VisitState::Refunded => "退费处理中".into(),
                VisitState::Delivery(_) => "配送中".into(),
                VisitState::Closed(CloseReason::SignatureInvalid(_)) => "已阻止：此处方不能审方或结算。请告知患者联系开方医院重新开具".into(),
                VisitState::Closed(CloseReason::RulesBlocked(_)) => "已阻止：请告知患者原因（见核对结果），不能调配结算".into(),
                VisitState::Closed(_) => "本次服务已结束，请开始接待下一位患者".into(),
            }
        });
        VisitView {
            visit_id: v.visit_id().to_string(),
            state: state.into(),
            state_zh: state_zh.into(),
            patient: a.patient.as_ref().map(|p| PatientView {
                name: p.name.clone(),
                certno_masked: mask_id_number(&p.certno),
                psn_no: p.psn_no.clone(),
                insutype_label: p.insutype.label_zh().to_string(),
                insutype: p.insutype.code().to_string(),
                balance: p.balance.to_string(),
                agent_name: p.agent_name.clone(),
                agent_relationship_zh: p.proxy.as_ref().map(|x| {
                    rxdesk_store::ledger::relationship_zh(&x.relationship)
                        .unwrap_or_default()
                        .to_string()
                }),
                agent_certno_masked: p.proxy.as_ref().map(|x| mask_id_number(&x.agent_certno)),
                identified_via_zh: p.identified_via_zh.clone(),
                identified_via: p.identified_via.clone(),
                agent_relationship: p.proxy.as_ref().map(|x| x.relationship.clone()),
            }),
            guidance: a.guidance.clone(),
            listed: a.listed.clone(),
            listed_drugs: a
                .listed
                .iter()
                .map(|r| ListedDrugs::of(&r.auth_rxno, a.previews.get(&r.auth_rxno)))
                .collect(),
            prescription: a.opened.clone(),
            rules,
            audit: a.audit.clone(),
            dispensing,
            split,
            payment,
            sale: a.sale.clone(),
            closed_reason_zh,
            closed_reason,
            next_step_zh,
            next_step,
            recovered: a.recovered,
            recovered_lines: if a.recovered {
                self.recovered_lines(a)
            } else {
                Vec::new()
            },
            parked: self.parked_views(),
        }
    }
}

fn dec(d: Decimal) -> String {
    d.normalize().to_string()
}

pub(super) fn state_name(s: &VisitState) -> (&'static str, &'static str) {
    match s {
        VisitState::Started => ("started", "等待识别患者"),
        VisitState::EVoucherGuidance(_) => ("evoucher_guidance", "医保电子凭证指引"),
        VisitState::Identified => ("identified", "已识别患者"),
        VisitState::PrescriptionsListed => ("prescriptions_listed", "已查询处方"),
        VisitState::Downloaded => ("downloaded", "已下载处方"),
        VisitState::Verified => ("verified", "签名已验证"),
        VisitState::RulesChecked => ("rules_checked", "待审方"),
        VisitState::Audited => ("audited", "药师已审方"),
        VisitState::Dispensing => ("dispensing", "调配中"),
        VisitState::Dispensed => ("dispensed", "已调配"),
        VisitState::PreSettled => ("pre_settled", "已预结算"),
        VisitState::Settling => ("settling", "结算中"),
        VisitState::SettlementUncertain => ("settlement_uncertain", "结算结果未知"),
        VisitState::Settled => ("settled", "已结算"),
        VisitState::Receipted => ("receipted", "已完成"),
        VisitState::Refunding => ("refunding", "退费中"),
        VisitState::RefundUncertain => ("refund_uncertain", "退费结果未知"),
        VisitState::Refunded => ("refunded", "已退费"),
        VisitState::Delivery(_) => ("delivery", "配送中"),
        VisitState::Closed(_) => ("closed", "已结束"),
    }
}

/// The code of a close reason (the window words it).
fn close_reason_code(r: &CloseReason) -> &'static str {
    match r {
        CloseReason::Cancelled => "cancelled",
        CloseReason::SignatureInvalid(_) => "signature_invalid",
        CloseReason::RulesBlocked(_) => "rules_blocked",
        CloseReason::AuditNotApproved(_) => "audit_not_approved",
    }
}

/// The code of a guidance reason (the window's en-US text is keyed by it).
pub(super) fn guidance_reason_code(r: rxdesk_core::visit::GuidanceReason) -> &'static str {
    match r {
        rxdesk_core::visit::GuidanceReason::NotActivated => "not_activated",
        rxdesk_core::visit::GuidanceReason::PasswordFailed => "password_failed",
        rxdesk_core::visit::GuidanceReason::PasswordNotSet => "password_not_set",
    }
}

/// What to do now, as a code: one per arm of `next_step_zh` in
/// [`super::VisitService::view`], so the window can word it in en-US.
pub(super) fn next_step_code(a: &Active) -> &'static str {
    let v = &a.visit;
    if a.notice_zh.is_some() {
        return "notice";
    }
    match v.state() {
        VisitState::Settled if a.recovered => "recovered",
        VisitState::Started => "identify",
        VisitState::EVoucherGuidance(rxdesk_core::visit::GuidanceReason::NotActivated) => {
            "evoucher_not_activated"
        }
        VisitState::EVoucherGuidance(_) => "evoucher_password",
        VisitState::Identified | VisitState::PrescriptionsListed => {
            if a.listed.is_empty() {
                "no_prescriptions"
            } else {
                "choose_prescription"
            }
        }
        VisitState::Downloaded | VisitState::Verified => "checking",
        VisitState::RulesChecked => "audit",
        VisitState::Audited | VisitState::Dispensing => "dispense",
        VisitState::Dispensed => "pre_settle",
        VisitState::PreSettled => "settle",
        VisitState::Settling => "settling",
        VisitState::SettlementUncertain => "settlement_uncertain",
        VisitState::Settled => {
            let cash = v.split().map(|s| s.cash()).unwrap_or(Amount::ZERO);
            if a.payment.as_ref().is_some_and(|p| p.paid) {
                "settled_paid"
            } else if cash.value().is_zero() {
                "settled_nothing_due"
            } else {
                "settled_due"
            }
        }
        VisitState::Receipted => "receipted",
        VisitState::Refunding | VisitState::RefundUncertain | VisitState::Refunded => "refunding",
        VisitState::Delivery(_) => "delivery",
        VisitState::Closed(CloseReason::SignatureInvalid(_)) => "closed_signature_invalid",
        VisitState::Closed(CloseReason::RulesBlocked(_)) => "closed_rules_blocked",
        VisitState::Closed(_) => "closed",
    }
}

fn close_reason_zh(r: &CloseReason) -> String {
    match r {
        CloseReason::Cancelled => "已取消本次服务".into(),
        CloseReason::SignatureInvalid(why) => format!("处方电子签名验证未通过：{why}"),
        CloseReason::RulesBlocked(codes) => format!(
            "处方核对未通过：{}",
            codes
                .iter()
                .map(|c| c.title_zh())
                .collect::<Vec<_>>()
                .join("、")
        ),
        CloseReason::AuditNotApproved(r) => format!("药师审方结果：{}，不能调配", r.label_zh()),
    }
}

/// The drugs of one listed prescription (from the download made for the
/// list; 7202 itself names none).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ListedDrugs {
    /// The listed prescription.
    pub auth_rxno: String,
    /// Its drug lines; empty when `missing`.
    pub drugs: Vec<ListedDrug>,
    /// Why there are none to show: `refused` (the center refused the
    /// download; opening it says why) or `unreachable` (opening it tries
    /// again). `None` when the drugs are shown.
    #[cfg_attr(feature = "ts", ts(type = "\"refused\" | \"unreachable\" | null"))]
    pub missing: Option<&'static str>,
}

/// One drug line as the list shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ListedDrug {
    /// 药品通用名
    pub genname: String,
    /// 药品商品名 (empty when not sent)
    pub prodname: String,
    /// 药品规格
    pub spec: String,
    /// 药品数量 (exact decimal text)
    pub count: String,
    /// 药品数量单位
    pub unit: String,
}

impl ListedDrugs {
    fn of(
        auth_rxno: &str,
        preview: Option<&Result<rxdesk_gm::DownloadedPrescription, rxdesk_center::CenterError>>,
    ) -> Self {
        let (drugs, missing) = match preview {
            Some(Ok(rx)) => (
                rx.rx_drug_detail
                    .iter()
                    .map(|l| ListedDrug {
                        genname: l.drug_genname.clone(),
                        prodname: l.drug_prodname.clone(),
                        spec: l.drug_spec.clone(),
                        count: l.drug_cnt.normalize().to_string(),
                        unit: l.drug_cnt_unit.clone(),
                    })
                    .collect(),
                None,
            ),
            Some(Err(e)) if !e.is_transient() && !e.is_uncertain() => (Vec::new(), Some("refused")),
            _ => (Vec::new(), Some("unreachable")),
        };
        Self {
            auth_rxno: auth_rxno.to_string(),
            drugs,
            missing,
        }
    }
}

#[cfg(test)]
mod collection_tests {
    use super::TraceCollection;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;
    use rxdesk_core::code_format::TraceCode;
    use rxdesk_core::dispense::DispensedItem;

    fn item(code: Option<&str>, reason: Option<&str>) -> DispensedItem {
        let day = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default();
        DispensedItem {
            line: 0,
            med_list_codg: "XA10BAE010A001010100005".into(),
            fixmedins_hilist_id: "YP000005".into(),
            batch_id: "B1".into(),
            manu_lotnum: "L1".into(),
            manu_date: day,
            expy_end: day,
            trace_code: code.map(|c| TraceCode::parse(c).unwrap()),
            min_units: Decimal::from(30),
            line_quantity: Decimal::ONE,
            pack_size: Decimal::from(30),
            split: false,
            no_code_reason: reason.map(str::to_string),
        }
    }

    #[test]
    fn a_line_is_due_collected_appealed_or_needs_no_code() {
        let coded = item(Some("81305150000000000001"), None);
        let no_code = item(None, Some("追溯码破损无法识读"));
        assert_eq!(
            TraceCollection::of_line(&[], false, false),
            TraceCollection::Due
        );
        assert!(TraceCollection::Due.blocks_settlement());
        assert_eq!(
            TraceCollection::of_line(&[&coded], false, false),
            TraceCollection::Due,
            "part of the line still without codes"
        );
        assert_eq!(
            TraceCollection::of_line(&[&coded], true, false),
            TraceCollection::Collected
        );
        let appeal = TraceCollection::of_line(&[&coded, &no_code, &no_code], true, false);
        assert_eq!(
            appeal,
            TraceCollection::Appeal {
                reason: "追溯码破损无法识读".into()
            }
        );
        assert_eq!(appeal.label_zh(), "申诉");
        assert!(!appeal.blocks_settlement());
        let left_out = TraceCollection::of_line(&[], false, true);
        assert!(matches!(left_out, TraceCollection::NotRequired { .. }));
        assert_eq!(left_out.label_zh(), "无需采集");
        assert!(!left_out.blocks_settlement());
        let json = serde_json::to_value(&appeal).unwrap();
        assert_eq!(json["state"], "appeal");
        assert_eq!(json["reason"], "追溯码破损无法识读");
    }
}
