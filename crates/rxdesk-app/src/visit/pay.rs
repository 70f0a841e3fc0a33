//! Payment step: the self-paid part of a settled visit, in cash (tendered and
//! change) or by a scanned pay code through the payment channel
//! (`payment`). Kept apart from the channels themselves, which know nothing
//! of a visit.

use super::payment::Channel;
use super::view::VisitView;
use super::{no_visit, PaymentState, StepError};
use super::{MethodKind, OutOfStep};
use rxdesk_core::settlement::cash_change;
use rxdesk_core::visit::VisitState;
use rxdesk_core::Amount;
use rxdesk_store::Session;

/// How the self-paid part is paid, as parsed at the edge (window, CLI).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tender {
    /// Cash: the amount the patient handed over.
    Cash {
        /// Tendered (≥ due).
        tendered: Amount,
    },
    /// A scanned pay code through the payment channel (none needed when
    /// nothing is due).
    Scan {
        /// The patient's pay code.
        pay_code: Option<String>,
    },
    /// Paid on an external 聚合支付 / bank-card terminal: its transaction
    /// reference.
    Terminal {
        /// The terminal's reference.
        reference: String,
    },
}

impl Tender {
    /// From the wire: `method` `cash` (with `tendered`, e.g. `50.00`) or
    /// `scan` (with `pay_code`).
    pub fn parse(
        method: &str,
        tendered: Option<&str>,
        pay_code: Option<&str>,
    ) -> Result<Self, StepError> {
        match method.trim() {
            "cash" => {
                let given = tendered.unwrap_or("").trim();
                let tendered = given.parse().map_err(|_| StepError::BadAmount {
                    given: given.to_string(),
                })?;
                Ok(Self::Cash { tendered })
            }
            "scan" => Ok(Self::Scan {
                pay_code: pay_code
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_string),
            }),
            "terminal" => Ok(Self::Terminal {
                reference: pay_code.unwrap_or("").trim().to_string(),
            }),
            other => Err(StepError::BadMethod {
                kind: MethodKind::Payment,
                given: other.to_string(),
            }),
        }
    }
}

impl super::VisitService {
    /// The self-paid part: cash (tendered ≥ due, change computed) or a
    /// scanned pay code through the payment channel.
    pub async fn pay(&self, _by: &Session, tender: Tender) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let _e = self.span(&a.id(), "pay").entered();
        if !matches!(a.visit.state(), VisitState::Settled) {
            return Err(StepError::OutOfStep {
                step: OutOfStep::PayBeforeSettled,
            });
        }
        let due = a.visit.split().map(|s| s.cash()).unwrap_or(Amount::ZERO);
        let p = self.take_payment(&a.id(), due, tender)?;
        a.payment = Some(p);
        self.persist_logged(a);
        rxdesk_store::crashpoint!("visit_after_payment");
        Ok(self.view(a))
    }

    /// Takes `due` by the tender (cash with change, a scanned pay code
    /// through the channel, an external terminal's reference): shared by the
    /// prescription visit and the OTC sale (`otc`). `sale_ref` names the
    /// sale to the payment channel.
    pub(super) fn take_payment(
        &self,
        sale_ref: &str,
        due: Amount,
        tender: Tender,
    ) -> Result<PaymentState, StepError> {
        let p = match tender {
            Tender::Cash { tendered: t } => {
                let change = cash_change(due, t).map_err(StepError::from)?;
                PaymentState {
                    method: "cash".into(),
                    due,
                    tendered: Some(t),
                    change: Some(change),
                    channel: None,
                    reference: String::new(),
                    paid: true,
                }
            }
            Tender::Scan { pay_code } => {
                if due.value().is_zero() {
                    PaymentState {
                        method: "none".into(),
                        due,
                        tendered: None,
                        change: None,
                        channel: None,
                        reference: String::new(),
                        paid: true,
                    }
                } else {
                    let Some(code) = pay_code.as_deref() else {
                        return Err(StepError::PayCodeMissing);
                    };
                    let c = self
                        .payments
                        .charge(code, due, sale_ref)
                        .map_err(|e| StepError::PaymentDeclined { reason: e.0 })?;
                    tracing::info!(channel = c.channel.label_zh(), "paid by scan");
                    PaymentState {
                        method: "scan".into(),
                        due,
                        tendered: None,
                        change: None,
                        channel: Some(c.channel),
                        reference: c.transaction_id.clone(),
                        paid: true,
                    }
                }
            }
            // An external 聚合支付 / bank-card terminal: the patient pays on
            // it, the cashier types (or scans) its transaction reference.
            // Production's channel is that terminal and journals it; in demo
            // mode the reference is checked here and kept with the sale.
            Tender::Terminal { reference } => {
                let r = reference.trim();
                if due.value().is_zero() {
                    return Err(StepError::Till {
                        code: "NOTHING_TO_PAY",
                        detail: "患者无需自付，不用在终端收款".into(),
                    });
                }
                if self.store.terminal_reference_used(r)? {
                    return Err(StepError::PaymentDeclined {
                        reason: format!("交易参考号 {r} 已用于另一笔销售：请核对支付终端小票"),
                    });
                }
                let reference = if self.payments.takes_terminal_references() {
                    self.payments
                        .charge(r, due, sale_ref)
                        .map_err(|e| StepError::PaymentDeclined { reason: e.0 })?
                        .transaction_id
                } else {
                    super::payment::check_terminal_reference(r)
                        .map_err(|e| StepError::PaymentDeclined { reason: e.0 })?;
                    r.to_string()
                };
                tracing::info!("paid on the external terminal");
                PaymentState {
                    method: "terminal".into(),
                    due,
                    tendered: None,
                    change: None,
                    channel: Some(Channel::Terminal),
                    reference,
                    paid: true,
                }
            }
        };
        Ok(p)
    }
}
