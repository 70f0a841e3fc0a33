//! Completion step: the settled visit becomes one sale in the ledger (one
//! transaction with its settlement, lines, trace codes, payments and outbox
//! rows, at the settled prices) with the credential the patient was actually
//! identified with, the receipt is printed; and afterwards the
//! delivery order's statuses (7205). Kept apart because it is where the
//! visit turns into ledger records.

use super::recovery;
use super::view::{SaleView, VisitView};
use super::OutOfStep;
use super::{no_visit, DeliveryStep, PaymentState, StepError, CENTER_CONFIRMED};
use rxdesk_core::identity::{IdentificationMethod, PersonIdentity};
use rxdesk_core::visit::VisitState;
use rxdesk_core::Amount;
use rxdesk_store::ledger::{NewSale, NewSaleLine, NewSettlement};
use rxdesk_store::reports::IdMethod;
use rxdesk_store::Session;
use tracing::Instrument;

/// The ledger's name of the credential a patient was identified with.
pub(crate) fn id_method_of(m: &IdentificationMethod) -> IdMethod {
    match m {
        IdentificationMethod::EVoucher => IdMethod::EVoucher,
        IdentificationMethod::PrescriptionQr => IdMethod::EpcQr,
        IdentificationMethod::Face => IdMethod::Face,
        IdentificationMethod::SocialSecurityCard { .. } => IdMethod::SocialSecurityCard,
        IdentificationMethod::IdCard { .. } => IdMethod::IdCard,
    }
}

impl super::VisitService {
    /// Records the sale (one transaction with its outbox rows), prints the
    /// receipt and writes the guidance PDF.
    pub async fn complete(&self, by: &Session) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "complete");
        async {
            if !matches!(a.visit.state(), VisitState::Settled) {
                return Err(StepError::OutOfStep { step: OutOfStep::CompleteBeforeSettled });
            }
            let due = a.visit.split().map(|s| s.cash()).unwrap_or(Amount::ZERO);
            if !due.value().is_zero() && !a.payment.as_ref().is_some_and(|p| p.paid) {
                return Err(StepError::NotPaid { due });
            }
            let out = a
                .settle_output
                .clone()
                .ok_or(StepError::NoSettlement)?;
            let rx_id = a.rx_id();
            // The lines frozen when 2102 left, at the settled prices.
            let lines: Vec<NewSaleLine> = a
                .sale_lines
                .iter()
                .map(recovery::JournalLine::to_sale_line)
                .collect();
            let s = &out.setlinfo;
            let sale = NewSale {
                prescription_id: rx_id,
                lines,
                settlement: Some(NewSettlement {
                    setl_id: s.setl_id.clone(),
                    mdtrt_id: s.mdtrt_id.clone(),
                    psn_no: s.psn_no.clone(),
                    medfee_sumamt: s.medfee_sumamt,
                    fund_pay_sumamt: s.fund_pay_sumamt,
                    psn_part_amt: s.psn_part_amt,
                    acct_pay: s.acct_pay,
                    psn_cash_pay: s.psn_cash_pay,
                    setl_time: rxdesk_core::time::parse_wire(&s.setl_time)
                        .map(|t| t.timestamp_millis())
                        .unwrap_or_else(|| self.store.now_ms()),
                }),
                doctor_name: a.doctor_name(),
                hi_feesetl_type: "1".into(),
            };
            if a.recovered {
                rxdesk_store::crashpoint!("recovered_visit_before_complete");
            }
            rxdesk_store::crashpoint!("visit_before_record_sale");
            let payments = a
                .payment
                .as_ref()
                .map(PaymentState::sale_payments)
                .unwrap_or_default();
            let proxy = a
                .patient
                .as_ref()
                .and_then(|p| p.proxy.as_ref())
                .map(|p| rxdesk_store::ledger::NewProxy {
                    agent_name: p.agent_name.clone(),
                    agent_certno: p.agent_certno.clone(),
                    relationship: p.relationship.clone(),
                    authorisation: p.authorisation.clone(),
                });
            let rec = self
                .store
                .record_sale_full(by, &sale, &payments, proxy.as_ref())?;
            // The credential actually used, for the regulators' shares (a
            // failure here leaves the sale counted by its mdtrt_cert_type).
            if let Some(m) = a.visit.method().map(id_method_of) {
                if let Err(e) = self.store.record_id_method(by, rec.sale_id, m) {
                    tracing::warn!(error = %e, "identification method not recorded with the sale");
                }
            }
            rxdesk_store::crashpoint!("visit_after_sale_before_receipt");
            tracing::info!(sale_id = rec.sale_id, docno = %rec.rtal_docno, uploads = ?rec.upload_ids, "sale recorded");
            let pay = a.payment.clone();
            let printed = self.print_sale(rec.sale_id, pay.as_ref(), None).await;
            a.visit.receipted(rec.rtal_docno.clone())?;
            a.sale = Some(SaleView {
                sale_id: rec.sale_id,
                rtal_docno: rec.rtal_docno,
                total: rec.total,
                receipt_text: printed.text,
                guidance_pdf_path: printed.pdf,
                guidance_text: printed.guidance_text,
                printed_zh: printed.printed_zh,
                upload_ids: rec.upload_ids,
            });
            a.recovered = false;
            self.close_journal(&a.id(), "completed");
            Ok(())
        }
        .instrument(span)
        .await?;
        rxdesk_store::crashpoint!("visit_after_receipt");
        Ok(self.view(a))
    }

    /// A delivery order of the completed visit: accepted (cold chain
    /// confirmed when needed), in transit, signed for by the patient or the
    /// registered agent only, or refused; each status queued as 7205.
    pub async fn delivery(&self, by: &Session, step: DeliveryStep) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or(StepError::NoVisit)?;
        let span = self.span(&a.id(), "delivery");
        let _e = span.enter();
        let (code, description) = match &step {
            DeliveryStep::Accept {
                delv_no,
                company,
                cold_chain_handled,
            } => {
                if delv_no.trim().is_empty() || company.trim().is_empty() {
                    return Err(StepError::DeliveryIncomplete);
                }
                a.visit.delivery_accepted(*cold_chain_handled)?;
                a.delivery = Some((delv_no.trim().to_string(), company.trim().to_string()));
                let cold = if *cold_chain_handled {
                    "，已按冷链要求包装"
                } else {
                    ""
                };
                ("1", format!("药店已接单{cold}"))
            }
            DeliveryStep::InTransit => {
                a.visit.delivery_in_transit()?;
                ("2", "配送中".to_string())
            }
            DeliveryStep::Signed { name, cert_no } => {
                let who = PersonIdentity {
                    name: name.trim().to_string(),
                    cert_type: CENTER_CONFIRMED.into(),
                    cert_no: cert_no.trim().to_string(),
                };
                a.visit.delivery_signed(&who)?;
                ("3", format!("{} 本人签收（已核验身份）", who.name))
            }
            DeliveryStep::Refused { reason } => {
                a.visit.delivery_refused()?;
                ("4", format!("拒收：{}", reason.trim()))
            }
        };
        let (delv_no, company) = a.delivery.clone().ok_or(StepError::DeliveryNotAccepted)?;
        let rx_id = a
            .opened
            .as_ref()
            .map(|o| o.rx_id)
            .ok_or(StepError::NoPrescription)?;
        let id = self.store.record_delivery(
            by,
            &rxdesk_store::ledger::DeliveryStatus {
                prescription_id: rx_id,
                delv_no,
                delv_entp_name: company,
                status_code: code.into(),
                description: description.clone(),
            },
        )?;
        tracing::info!(
            status = code,
            delivery = id,
            "delivery status recorded (7205 queued)"
        );
        a.notice_zh = Some(format!("配送状态已记录：{description}（将上报医保中心）"));
        drop(_e);
        Ok(self.view(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_identification_is_recorded_under_its_own_credential() {
        let m = |x| id_method_of(&x);
        assert_eq!(m(IdentificationMethod::EVoucher), IdMethod::EVoucher);
        assert_eq!(m(IdentificationMethod::PrescriptionQr), IdMethod::EpcQr);
        assert_eq!(m(IdentificationMethod::Face), IdMethod::Face);
        assert_eq!(
            m(IdentificationMethod::SocialSecurityCard {
                password_confirmed: true
            }),
            IdMethod::SocialSecurityCard
        );
        assert_eq!(
            m(IdentificationMethod::IdCard {
                password_confirmed: true
            }),
            IdMethod::IdCard
        );
    }
}
