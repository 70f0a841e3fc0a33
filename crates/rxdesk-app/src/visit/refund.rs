//! Refund = money first, then stock. A whole-prescription
//! refund of a settled sale:
//!
//! 1. waits until the sale's own uploads (3505, 7206) reached the center;
//! 2. identifies the patient as at the sale (e-voucher or card → 1101; the
//!    person must be the one settled);
//! 3. sends 2103 synchronously, journalled before it leaves
//!    (`refund_journal`); no answer = uncertain, resolved by the 5203 query
//!    or a resend (a second 2103 of one settlement is "already reversed");
//! 4. gives the self-paid part back by its original method (cash, or the
//!    channel with the transaction number recorded at the sale);
//! 5. returns stock and trace codes and queues 3506 and 7208 (one ledger
//!    transaction, `Store::record_refund`).
//!
//! Every step is journalled, so a refund interrupted anywhere resumes from
//! its step when it is asked again; nothing is returned locally before the
//! center's reversal is known. Also here: a manager's reversal (2103) of a
//! visit settled but never completed (found at start-up).

use super::payment::Channel;
use super::{no_visit, Active, StepError, VisitService};
use super::{CenterAction, OutOfStep};
use super::{PaymentState, RefundView, VisitView};
use rxdesk_center::messages::{PersonQuery, SettleReverseData};
use rxdesk_core::codes::CertType;
use rxdesk_core::visit::VisitState;
use rxdesk_core::Amount;
use rxdesk_store::operators::Permission;
use rxdesk_store::{AttemptState, RefundStep, SalePayment, Session};
use tracing::Instrument;

/// How the patient identifies for a refund (as at the sale).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundIdentity {
    /// `e_voucher` or `social_security_card`.
    pub method: String,
    /// The e-voucher token or the card number.
    pub code: String,
}

fn refund_uncertain(detail: &str) -> StepError {
    StepError::RefundUncertain {
        detail: detail.to_string(),
    }
}

impl VisitService {
    /// Refunds a whole sale: money first (2103, then the self-paid part by
    /// its original method), then stock, trace codes, 3506 and 7208. A
    /// settled sale needs the patient's identity as at the sale. Asked again
    /// after an interruption, it resumes from the journalled step.
    pub async fn refund(
        &self,
        by: &Session,
        sale_id: i64,
        reason: &str,
        identity: Option<RefundIdentity>,
    ) -> Result<RefundView, StepError> {
        let span = tracing::info_span!("refund", sale_id);
        self.refund_in(by, None, sale_id, reason, identity)
            .instrument(span)
            .await
    }

    /// 店长授权 at another operator's session (a cashier's or pharmacist's):
    /// the manager types 工号 and password on this screen to authorise this
    /// one refund (recorded in the audit log with the session it was done
    /// at); the refund is then the manager's, and nothing else is — but
    /// the refund receipt names who handled it at the counter as 经办人 and
    /// the manager as 授权店长.
    pub async fn refund_authorised(
        &self,
        at: &Session,
        manager_login: &str,
        manager_password: &str,
        sale_id: i64,
        reason: &str,
        identity: Option<RefundIdentity>,
    ) -> Result<RefundView, StepError> {
        let manager = self
            .store
            .authorise(
                at,
                manager_login,
                manager_password,
                Permission::Refund,
                "sale.refund",
                &serde_json::json!({ "sale_id": sale_id }),
            )
            .map_err(|e| match e {
                rxdesk_store::StoreError::BadCredentials => StepError::AuthoriseRefused,
                other => other.into(),
            })?;
        tracing::info!(manager = %manager.login(), at = %at.login(), sale_id, "refund authorised by a manager");
        let span = tracing::info_span!("refund", sale_id);
        self.refund_in(&manager, Some(at), sale_id, reason, identity)
            .instrument(span)
            .await
    }

    /// `by` does the refund (its permission, its records); `at` is the
    /// session it was done at when a manager authorised it there.
    async fn refund_in(
        &self,
        by: &Session,
        at: Option<&Session>,
        sale_id: i64,
        reason: &str,
        identity: Option<RefundIdentity>,
    ) -> Result<RefundView, StepError> {
        by.require(Permission::Refund)?;
        let before = self.store.sale_detail(sale_id)?;
        let journal = self.store.refund_row(sale_id)?;
        let done = journal.as_ref().is_some_and(|r| r.step == RefundStep::Done);
        if done || (before.summary.state != "completed" && journal.is_none()) {
            return Err(StepError::AlreadyRefunded);
        }
        let reason = match &journal {
            Some(j) if !j.reason.is_empty() && reason.trim().is_empty() => j.reason.clone(),
            _ => reason.trim().to_string(),
        };
        let settlement = before.settlement.clone();
        let step = journal.as_ref().map(|j| j.step);
        // 1. The sale's own uploads first (a 7206 after the 2103 is refused).
        if matches!(step, None | Some(RefundStep::Failed)) {
            let open = self.store.sale_uploads_open(sale_id)?;
            if open > 0 {
                return Err(StepError::SaleUploadsPending { open });
            }
        }
        // 2 + 3. The insurance reversal.
        if let Some(s) = &settlement {
            if !matches!(step, Some(RefundStep::Reversed | RefundStep::MoneyReturned)) {
                let insuplc = self
                    .refund_identity(by, &s.psn_no, identity.as_ref())
                    .await?;
                rxdesk_store::crashpoint!("refund_after_identity");
                self.reverse_sale(by, sale_id, &reason, s, &insuplc, step)
                    .await?;
            }
        } else if step.is_none() {
            self.store.begin_refund(by, sale_id, "", &reason)?;
        }
        // 4. The money back by its original method.
        let row = self
            .store
            .refund_row(sale_id)?
            .ok_or_else(|| StepError::Internal {
                detail: "refund record lost".into(),
            })?;
        let returned = if row.step == RefundStep::Reversed {
            rxdesk_store::crashpoint!("refund_after_2103_before_money");
            let returned = self.money_back(&before, sale_id).await?;
            rxdesk_store::crashpoint!("refund_after_money_before_journal");
            self.store.refund_money_returned(sale_id, &returned)?;
            tracing::info!(methods = ?returned.iter().map(|p| &p.method).collect::<Vec<_>>(), "self-paid part returned");
            returned
        } else {
            row.returned.clone()
        };
        // 5. Stock, trace codes, 3506 and 7208.
        rxdesk_store::crashpoint!("refund_before_record");
        let ids = self.store.record_refund(by, sale_id, &reason)?;
        rxdesk_store::crashpoint!("refund_after_record_before_receipt");
        tracing::info!(uploads = ?ids, "refund recorded (3506/7208 queued)");
        let (text, printed_zh) = match self.refund_receipt(by, at, &before, &reason, &returned) {
            Ok(els) => {
                let paper = self.paper();
                let text = rxdesk_receipts::render_plain_text(&els, paper);
                let bytes = rxdesk_receipts::escpos::to_escpos(&els, paper);
                let printed = self
                    .send_to_printer(bytes, &format!("{}-refund", before.summary.rtal_docno))
                    .await;
                (text, printed)
            }
            Err(e) => (String::new(), format!("退费凭证无法生成：{e}")),
        };
        rxdesk_store::crashpoint!("refund_after_receipt");
        Ok(RefundView {
            sale_id,
            upload_ids: ids,
            receipt_text: text,
            printed_zh,
            returned: returned
                .iter()
                .map(|p| super::view::RefundMoneyView {
                    method: p.method.clone(),
                    method_zh: p.method_zh().to_string(),
                    amount: p.amount.clone(),
                    reference: p.reference.clone(),
                })
                .collect(),
        })
    }

    /// 1101 of the credential shown at the refund: it must be the person
    /// settled. Returns the person's 参保地 (for the 2103 of a 异地 patient).
    async fn refund_identity(
        &self,
        by: &Session,
        psn_no: &str,
        identity: Option<&RefundIdentity>,
    ) -> Result<String, StepError> {
        let id = identity.ok_or(StepError::RefundIdentityRequired)?;
        let cert_type = match id.method.as_str() {
            "e_voucher" => CertType::from_code("01"),
            "social_security_card" => CertType::from_code("03"),
            other => {
                return Err(StepError::RefundIdentityMethod {
                    given: other.to_string(),
                })
            }
        };
        let q = PersonQuery {
            mdtrt_cert_type: cert_type,
            mdtrt_cert_no: id.code.trim().to_string(),
            card_sn: String::new(),
            begntime: String::new(),
            psn_cert_type: String::new(),
            certno: String::new(),
            psn_name: String::new(),
        };
        let p = self
            .desk
            .center()
            .person_info(&self.desk.ctx(by), &q)
            .await
            .map_err(|e| StepError::center(CenterAction::PatientIdentity, &e))?;
        if p.baseinfo.psn_no != psn_no {
            tracing::warn!("refund identity is not the settled person");
            return Err(StepError::RefundIdentityMismatch);
        }
        Ok(p.insuinfo
            .first()
            .map(|i| i.insuplc_admdvs.clone())
            .unwrap_or_default())
    }

    /// 2103 with the journal: fresh, after a refusal, or resuming an
    /// uncertain one (5203 first; a resend is safe — a second 2103 of one
    /// settlement is "already reversed").
    async fn reverse_sale(
        &self,
        by: &Session,
        sale_id: i64,
        reason: &str,
        s: &rxdesk_store::ledger::NewSettlement,
        insuplc: &str,
        step: Option<RefundStep>,
    ) -> Result<(), StepError> {
        if matches!(step, Some(RefundStep::Uncertain | RefundStep::Reversing)) {
            match self.settlement_reversed(by, &s.psn_no, &s.setl_id).await {
                Some(true) => {
                    self.store
                        .set_refund_step(sale_id, RefundStep::Reversed, "5203: reversed")?;
                    return Ok(());
                }
                Some(false) => {} // not applied: send it again below
                None => return Err(refund_uncertain("查询结算信息失败")),
            }
        }
        let msgid = self
            .desk
            .next_msgid()
            .map_err(|e| StepError::center(CenterAction::ReverseSettlement, &e))?;
        // Journal first: a crash from here on leaves it uncertain.
        self.store.begin_refund(by, sale_id, &msgid, reason)?;
        let data = SettleReverseData {
            setl_id: s.setl_id.clone(),
            mdtrt_id: s.mdtrt_id.clone(),
            psn_no: s.psn_no.clone(),
            exp_content: String::new(),
        };
        tracing::info!(%msgid, "reversing the settlement (2103)");
        rxdesk_store::crashpoint!("refund_before_2103");
        match self.send_2103(by, &msgid, &data, insuplc).await {
            super::recovery::Reversal2103::Reversed => {
                rxdesk_store::crashpoint!("refund_after_2103_before_journal");
                self.store
                    .set_refund_step(sale_id, RefundStep::Reversed, "2103 answered")?;
                Ok(())
            }
            super::recovery::Reversal2103::Refused(m) => {
                self.store
                    .set_refund_step(sale_id, RefundStep::Failed, &m)?;
                Err(StepError::RefundRefused {
                    detail: m,
                    unfinished_visit: false,
                })
            }
            super::recovery::Reversal2103::Uncertain(m) => {
                self.store
                    .set_refund_step(sale_id, RefundStep::Uncertain, &m)?;
                Err(refund_uncertain(&m))
            }
        }
    }

    /// Gives the self-paid part back by the method it was paid with.
    async fn money_back(
        &self,
        d: &rxdesk_store::SaleDetail,
        sale_id: i64,
    ) -> Result<Vec<SalePayment>, StepError> {
        let mut paid = self.store.sale_payments(sale_id)?;
        if paid.is_empty() {
            // Before payments were kept, or a self-paid sale: cash.
            let due = match &d.settlement {
                Some(s) => s.psn_cash_pay,
                None => d.summary.total,
            };
            if !due.value().is_zero() {
                paid.push(SalePayment {
                    method: "cash".into(),
                    amount: due.to_string(),
                    reference: String::new(),
                    ..Default::default()
                });
            }
        }
        for p in &paid {
            let amount: Amount = p.amount.parse().map_err(|_| StepError::Internal {
                detail: "payment amount unreadable".into(),
            })?;
            let channel = match p.method.as_str() {
                "wechat" => Channel::WeChat,
                "alipay" => Channel::Alipay,
                // Cash is handed back at the counter; a terminal payment is
                // refunded on the terminal itself (原路退回) by the cashier.
                _ => continue,
            };
            self.payments
                .refund(channel, &p.reference, amount, &d.summary.rtal_docno)
                .map_err(|e| StepError::PaymentRefundFailed {
                    channel,
                    detail: e.to_string(),
                })?;
        }
        Ok(paid)
    }

    /// A manager reverses (2103) the visit settled but not completed that
    /// start-up surfaced: the fund and account are given back, no sale is
    /// recorded, the prescription can be settled again.
    pub async fn reverse_settled(&self, by: &Session) -> Result<VisitView, StepError> {
        by.require(Permission::Refund)?;
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "reverse_settled");
        self.reverse_settled_in(by, a).instrument(span).await?;
        Ok(self.view(a))
    }

    async fn reverse_settled_in(&self, by: &Session, a: &mut Active) -> Result<(), StepError> {
        if !matches!(
            a.visit.state(),
            VisitState::Settled | VisitState::RefundUncertain
        ) {
            return Err(StepError::OutOfStep {
                step: OutOfStep::NotReversible,
            });
        }
        let out = a.settle_output.clone().ok_or(StepError::NoSettlement)?;
        let s = &out.setlinfo;
        let attempt = a.attempt_id;
        if matches!(a.visit.state(), VisitState::RefundUncertain) {
            match self.settlement_reversed(by, &s.psn_no, &s.setl_id).await {
                Some(true) => return self.settled_reversed(a, attempt),
                Some(false) => {
                    a.visit.resolve_refund(false)?;
                }
                None => return Err(refund_uncertain("查询结算信息失败")),
            }
        }
        let lines: Vec<usize> = a.visit.dispensed().iter().map(|i| i.line).collect();
        a.visit.refund_requested(&lines)?;
        let msgid = self
            .desk
            .next_msgid()
            .map_err(|e| StepError::center(CenterAction::ReverseSettlement, &e))?;
        if let Some(id) = attempt {
            self.store
                .note_settlement_attempt(id, &format!("manager reversal: 2103 {msgid} sent"))?;
        }
        self.persist(a)?;
        let data = SettleReverseData {
            setl_id: s.setl_id.clone(),
            mdtrt_id: s.mdtrt_id.clone(),
            psn_no: s.psn_no.clone(),
            exp_content: String::new(),
        };
        let insuplc = a
            .patient
            .as_ref()
            .map(|p| p.insuplc_admdvs.clone())
            .unwrap_or_default();
        match self.send_2103(by, &msgid, &data, &insuplc).await {
            super::recovery::Reversal2103::Reversed => {
                a.visit.refunded()?;
                self.settled_reversed(a, attempt)
            }
            super::recovery::Reversal2103::Refused(m) => {
                a.visit.refund_failed()?;
                self.persist_logged(a);
                Err(StepError::RefundRefused {
                    detail: m,
                    unfinished_visit: true,
                })
            }
            super::recovery::Reversal2103::Uncertain(m) => {
                a.visit.refund_timed_out()?;
                self.persist_logged(a);
                Err(refund_uncertain(&m))
            }
        }
    }

    fn settled_reversed(&self, a: &mut Active, attempt: Option<i64>) -> Result<(), StepError> {
        if let Some(id) = attempt {
            if self.store.settlement_attempt(id)?.state == AttemptState::Settled {
                self.store.finish_settlement_attempt(
                    id,
                    AttemptState::Reversed,
                    None,
                    None,
                    "settled, not completed: reversed by 2103 (manager)",
                )?;
            }
        }
        if matches!(a.visit.state(), VisitState::RefundUncertain) {
            a.visit.resolve_refund(true)?;
        }
        a.recovered = false;
        a.payment = None::<PaymentState>;
        a.notice_zh = Some(
            "已撤销该笔医保结算（医保基金和个人账户已退回，未记销售）。如患者仍需取药，请开始接待重新办理".into(),
        );
        self.close_journal(&a.id(), "settled, not completed: reversed by 2103");
        tracing::info!("settled visit reversed (2103)");
        Ok(())
    }
}
