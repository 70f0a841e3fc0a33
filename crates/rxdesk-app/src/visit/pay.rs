//! Payment step: the self-paid part of a settled visit, in cash (tendered and
//! change) or by a scanned pay code through the payment channel
//! (`payment`). Kept apart from the channels themselves, which know nothing
//! of a visit.

use super::payment::Channel;
use super::view::VisitView;
use super::{no_visit, PaymentState, StepError};
use rxdesk_core::settlement::cash_change;
use rxdesk_core::visit::VisitState;
use rxdesk_core::Amount;
use rxdesk_store::Session;

impl super::VisitService {
    /// The self-paid part: cash (tendered ≥ due, change computed) or a
    /// scanned pay code through the payment channel.
    pub async fn pay(
        &self,
        _by: &Session,
        method: &str,
        tendered: Option<&str>,
        pay_code: Option<&str>,
    ) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let _e = self.span(&a.id(), "pay").entered();
        if !matches!(a.visit.state(), VisitState::Settled) {
            return Err(StepError::new(
                "VISIT_ILLEGAL_TRANSITION",
                "请先完成医保结算再收款",
            ));
        }
        let due = a.visit.split().map(|s| s.cash()).unwrap_or(Amount::ZERO);
        let p = match method {
            "cash" => {
                let t: Amount = tendered
                    .unwrap_or("")
                    .trim()
                    .parse()
                    .map_err(|_| StepError::new("BAD_AMOUNT", "请输入实收金额（如 50.00）"))?;
                let change =
                    cash_change(due, t).map_err(|e| StepError::new(e.code(), e.message_zh()))?;
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
            "scan" => {
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
                    let code = pay_code.unwrap_or("").trim();
                    if code.is_empty() {
                        return Err(StepError::new(
                            "PAY_CODE_MISSING",
                            "请扫描患者的微信或支付宝付款码",
                        ));
                    }
                    let c = self
                        .payments
                        .charge(code, due, &a.id())
                        .map_err(|e| StepError::new("PAYMENT_DECLINED", e.0))?;
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
            "terminal" => {
                let r = pay_code.unwrap_or("").trim();
                if due.value().is_zero() {
                    return Err(StepError::new(
                        "NOTHING_TO_PAY",
                        "患者无需自付，不用在终端收款",
                    ));
                }
                if self.store.terminal_reference_used(r)? {
                    return Err(StepError::new(
                        "PAYMENT_DECLINED",
                        format!("交易参考号 {r} 已用于另一笔销售：请核对支付终端小票"),
                    ));
                }
                let reference = if self.payments.takes_terminal_references() {
                    self.payments
                        .charge(r, due, &a.id())
                        .map_err(|e| StepError::new("PAYMENT_DECLINED", e.0))?
                        .transaction_id
                } else {
                    super::payment::check_terminal_reference(r)
                        .map_err(|e| StepError::new("PAYMENT_DECLINED", e.0))?;
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
            other => {
                return Err(StepError::new(
                    "BAD_METHOD",
                    format!("不支持的收款方式 {other}"),
                ))
            }
        };
        a.payment = Some(p);
        self.persist_logged(a);
        rxdesk_store::crashpoint!("visit_after_payment");
        Ok(self.view(a))
    }
}
