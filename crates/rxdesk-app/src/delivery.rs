//! Delivery orders after the visit (ST-EPC-02-011, 7205), for the delivery
//! screen and the CLI alike: the counter's visit service can only move the
//! delivery of the visit still on screen, but a parcel is accepted, picked
//! up and signed for long after the patient left. Here an order is found by
//! its sale's 零售单据号 (typed or scanned from the receipt), accepted with
//! its delivery number and company (cold-chain packing confirmed when a
//! product needs it), put in transit, and signed for by the prescription's
//! patient or the sale's registered agent only (name and ID number checked)
//! or refused. The legal moves are the visit's: accepted → in transit →
//! signed | refused. Each status is written with its 7205 outbox row in one
//! transaction (`Store::record_delivery`), so it is uploaded exactly once
//! by the sync worker.

use rxdesk_store::delivery_orders::{DeliveryOrder, DeliverySale};
use rxdesk_store::ledger::DeliveryStatus;
use rxdesk_store::{Session, Store, StoreError};
use serde::Serialize;

/// Longest delivery number accepted (characters).
const MAX_DELV_NO: usize = 50;
/// Longest company name / reason accepted (characters).
const MAX_TEXT: usize = 100;

/// Why a delivery step was refused. Each has a stable code and a zh-CN
/// and en-US sentence that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// No sale has that 零售单据号.
    #[error("没有单据号为 {0} 的销售：请核对小票上的单据号")]
    SaleNotFound(String),
    /// The sale has no prescription (an OTC sale is not a prescription delivery).
    #[error("该销售没有处方，不能作为处方配送订单")]
    NoPrescription,
    /// The sale was refunded.
    #[error("该销售已退费，不能配送")]
    Refunded,
    /// The sale already has a delivery order.
    #[error("该销售已有配送订单")]
    AlreadyOrdered,
    /// No open order for that sale.
    #[error("该销售没有配送订单")]
    NoOrder,
    /// Delivery number or company missing or too long.
    #[error("请填写配送单号和配送企业")]
    Incomplete,
    /// A cold-chain product without the packing confirmed.
    #[error("本单有冷链药品：请确认已按冷链要求包装后再接单")]
    ColdChainNotConfirmed,
    /// The move is not allowed from the order's status.
    #[error("订单当前状态为“{from}”，不能改为“{to}”")]
    IllegalStep {
        /// Current status (zh-CN).
        from: &'static str,
        /// Wanted status (zh-CN).
        to: &'static str,
    },
    /// Name or ID number of the recipient missing.
    #[error("请填写签收人姓名和身份证号")]
    RecipientIncomplete,
    /// The recipient is neither the patient nor the registered agent.
    #[error("签收人不是处方患者本人或登记的代购人：不能签收")]
    RecipientNotPatient,
    /// A refusal without its reason.
    #[error("请填写拒收原因")]
    ReasonMissing,
    /// The ledger refused (permission) or failed.
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl DeliveryError {
    /// Stable code (docs/rules.md).
    pub fn code(&self) -> &'static str {
        match self {
            Self::SaleNotFound(_) => "DELIVERY_SALE_NOT_FOUND",
            Self::NoPrescription => "DELIVERY_NO_PRESCRIPTION",
            Self::Refunded => "DELIVERY_REFUNDED",
            Self::AlreadyOrdered => "DELIVERY_ALREADY_ORDERED",
            Self::NoOrder => "DELIVERY_NO_ORDER",
            Self::Incomplete => "DELIVERY_INCOMPLETE",
            Self::ColdChainNotConfirmed => "DELIVERY_COLD_CHAIN",
            Self::IllegalStep { .. } => "DELIVERY_ILLEGAL_STEP",
            Self::RecipientIncomplete => "DELIVERY_RECIPIENT_INCOMPLETE",
            Self::RecipientNotPatient => "DELIVERY_RECIPIENT_NOT_PATIENT",
            Self::ReasonMissing => "DELIVERY_REASON_MISSING",
            Self::Store(StoreError::Forbidden { .. }) => "DELIVERY_NOT_ALLOWED",
            Self::Store(_) => "DELIVERY_LEDGER",
        }
    }

    /// The zh-CN sentence.
    pub fn message_zh(&self) -> String {
        self.to_string()
    }

    /// The en-US sentence.
    pub fn message_en(&self) -> String {
        match self {
            Self::SaleNotFound(d) => {
                format!("No sale has the document number {d}: check the number on the receipt")
            }
            Self::NoPrescription => {
                "This sale has no prescription, so it cannot be a prescription delivery".into()
            }
            Self::Refunded => "This sale was refunded and cannot be delivered".into(),
            Self::AlreadyOrdered => "This sale already has a delivery order".into(),
            Self::NoOrder => "This sale has no delivery order".into(),
            Self::Incomplete => "Enter the delivery number and the delivery company".into(),
            Self::ColdChainNotConfirmed => {
                "A product needs the cold chain: confirm the cold-chain packing first".into()
            }
            Self::IllegalStep { from, to } => format!(
                "The order is “{}”; it cannot become “{}”",
                status_en(from),
                status_en(to)
            ),
            Self::RecipientIncomplete => "Enter the recipient's name and ID number".into(),
            Self::RecipientNotPatient => {
                "The recipient is neither the patient nor the registered agent: no sign-off".into()
            }
            Self::ReasonMissing => "Enter why the parcel was refused".into(),
            Self::Store(StoreError::Forbidden { .. }) => {
                "Your role may not record deliveries".into()
            }
            Self::Store(e) => format!("The ledger failed: {e}"),
        }
    }
}

fn status_en(zh: &str) -> &'static str {
    match zh {
        "已接单" => "accepted",
        "配送中" => "in transit",
        "已签收" => "signed for",
        "拒收" => "refused",
        _ => "not accepted",
    }
}

fn status_zh(code: &str) -> &'static str {
    match code {
        "1" => "已接单",
        "2" => "配送中",
        "3" => "已签收",
        "4" => "拒收",
        _ => "未接单",
    }
}

/// The outcome of one step: the order as it is now and the 7205 row queued.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeliveryMoved {
    /// The order after the step.
    pub order: DeliveryOrder,
    /// The `deliveries` row written (its 7205 is queued with it).
    pub delivery_id: i64,
}

/// Open orders, and those closed since 00:00 CST today, most recently
/// changed first.
pub fn open_orders(store: &Store, by: &Session) -> Result<Vec<DeliveryOrder>, DeliveryError> {
    by.require(rxdesk_store::operators::Permission::Deliver)?;
    let today = rxdesk_store::reports::cst_day(store.now_ms());
    Ok(store.delivery_orders(rxdesk_store::reports::day_start_ms(today))?)
}

/// The sale a new order would deliver, checked: it exists, has a
/// prescription, is not refunded and has no order yet.
pub fn look_up(store: &Store, docno: &str) -> Result<DeliverySale, DeliveryError> {
    let docno = docno.trim();
    let sale = store
        .delivery_sale(docno)?
        .ok_or_else(|| DeliveryError::SaleNotFound(docno.chars().take(40).collect()))?;
    if sale.prescription_id.is_none() {
        return Err(DeliveryError::NoPrescription);
    }
    if sale.refunded {
        return Err(DeliveryError::Refunded);
    }
    if sale.has_order {
        return Err(DeliveryError::AlreadyOrdered);
    }
    Ok(sale)
}

fn clean(s: &str, max: usize) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control))
        .then(|| s.to_string())
}

/// Accepts a delivery order for the sale `docno` (已接单, 7205 status 1).
pub fn accept(
    store: &Store,
    by: &Session,
    docno: &str,
    delv_no: &str,
    company: &str,
    cold_chain_handled: bool,
) -> Result<DeliveryMoved, DeliveryError> {
    let (Some(delv_no), Some(company)) = (clean(delv_no, MAX_DELV_NO), clean(company, MAX_TEXT))
    else {
        return Err(DeliveryError::Incomplete);
    };
    let sale = look_up(store, docno)?;
    if sale.cold_chain && !cold_chain_handled {
        return Err(DeliveryError::ColdChainNotConfirmed);
    }
    let cold = if sale.cold_chain {
        "，已按冷链要求包装"
    } else {
        ""
    };
    let id = store.record_delivery(
        by,
        &DeliveryStatus {
            prescription_id: sale.prescription_id.unwrap_or_default(),
            delv_no,
            delv_entp_name: company,
            status_code: "1".into(),
            description: format!("药店已接单{cold}"),
        },
    )?;
    moved(store, sale.sale_id, id)
}

fn moved(store: &Store, sale_id: i64, id: i64) -> Result<DeliveryMoved, DeliveryError> {
    let order = store
        .delivery_order_of_sale(sale_id)?
        .ok_or(DeliveryError::NoOrder)?;
    tracing::info!(
        sale_id,
        delivery = id,
        status = %order.status_code,
        "delivery status recorded (7205 queued)"
    );
    Ok(DeliveryMoved {
        order,
        delivery_id: id,
    })
}

/// The order of `sale_id`, which must be in `from` to move to `to`.
fn order_in(
    store: &Store,
    sale_id: i64,
    from: &str,
    to: &str,
) -> Result<DeliveryOrder, DeliveryError> {
    let o = store
        .delivery_order_of_sale(sale_id)?
        .ok_or(DeliveryError::NoOrder)?;
    if o.status_code != from {
        return Err(DeliveryError::IllegalStep {
            from: status_zh(&o.status_code),
            to: status_zh(to),
        });
    }
    Ok(o)
}

fn record(
    store: &Store,
    by: &Session,
    o: &DeliveryOrder,
    code: &str,
    description: String,
) -> Result<DeliveryMoved, DeliveryError> {
    let id = store.record_delivery(
        by,
        &DeliveryStatus {
            prescription_id: o.prescription_id,
            delv_no: o.delv_no.clone(),
            delv_entp_name: o.delv_entp_name.clone(),
            status_code: code.into(),
            description,
        },
    )?;
    moved(store, o.sale_id, id)
}

/// The courier picked the parcel up (配送中, 7205 status 2).
pub fn in_transit(
    store: &Store,
    by: &Session,
    sale_id: i64,
) -> Result<DeliveryMoved, DeliveryError> {
    let o = order_in(store, sale_id, "1", "2")?;
    record(store, by, &o, "2", "配送中".into())
}

/// Signed for (已签收, 7205 status 3) by the prescription's patient or the
/// sale's registered agent, whose name and ID number are checked.
pub fn sign(
    store: &Store,
    by: &Session,
    sale_id: i64,
    name: &str,
    cert_no: &str,
) -> Result<DeliveryMoved, DeliveryError> {
    let o = order_in(store, sale_id, "2", "3")?;
    let (Some(name), Some(cert_no)) = (clean(name, 50), clean(cert_no, 30)) else {
        return Err(DeliveryError::RecipientIncomplete);
    };
    if !store.delivery_recipient_matches(o.prescription_id, o.sale_id, &name, &cert_no)? {
        tracing::warn!(
            sale_id,
            "delivery sign-off refused: the recipient is not the patient or the agent"
        );
        return Err(DeliveryError::RecipientNotPatient);
    }
    record(store, by, &o, "3", format!("{name} 本人签收（已核验身份）"))
}

/// The recipient refused the parcel (拒收, 7205 status 4).
pub fn refuse(
    store: &Store,
    by: &Session,
    sale_id: i64,
    reason: &str,
) -> Result<DeliveryMoved, DeliveryError> {
    let o = order_in(store, sale_id, "2", "4")?;
    let reason = clean(reason, MAX_TEXT).ok_or(DeliveryError::ReasonMissing)?;
    record(store, by, &o, "4", format!("拒收：{reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_a_code_and_both_sentences() {
        let all = [
            DeliveryError::SaleNotFound("X".into()),
            DeliveryError::NoPrescription,
            DeliveryError::Refunded,
            DeliveryError::AlreadyOrdered,
            DeliveryError::NoOrder,
            DeliveryError::Incomplete,
            DeliveryError::ColdChainNotConfirmed,
            DeliveryError::IllegalStep {
                from: "已接单",
                to: "已签收",
            },
            DeliveryError::RecipientIncomplete,
            DeliveryError::RecipientNotPatient,
            DeliveryError::ReasonMissing,
        ];
        let mut codes: Vec<_> = all.iter().map(DeliveryError::code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        for e in &all {
            assert!(e.code().starts_with("DELIVERY_"));
            assert!(!e.message_zh().is_empty());
            assert!(e.message_en().is_ascii() || e.message_en().contains('“'));
        }
        assert!(DeliveryError::IllegalStep {
            from: "已接单",
            to: "已签收"
        }
        .message_en()
        .contains("accepted"));
    }
}
