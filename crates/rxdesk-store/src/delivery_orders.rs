//! Delivery orders read back from the ledger for the delivery screen: which
//! sale an order belongs to, its latest status (7205: 1 已接单, 2 配送中,
//! 3 已签收, 4 拒收), whether its drugs need the cold chain, and whether the
//! person signing for it is the prescription's patient or the registered
//! agent of the sale (the sealed name and ID number opened only to compare,
//! with the rules' identity comparison; never logged or returned). Writes go through [`Store::record_delivery`]
//! (ledger.rs), which queues each status's 7205 in the same transaction.
//!
//! An order is one `delv_no` of one prescription; its sale is the
//! prescription's latest sale made before the order was accepted.

use crate::error::{Result, StoreError};
use crate::operators::wire_time;
use crate::Store;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// One delivery order and its latest status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryOrder {
    /// Sale row id (the order's key on the screen).
    pub sale_id: i64,
    /// 零售单据号.
    pub rtal_docno: String,
    /// Sale total.
    pub total: String,
    /// Prescription row id.
    pub prescription_id: i64,
    /// 医保处方编号.
    pub hi_rxno: String,
    /// The patient's name (to hand the parcel over).
    pub patient_name: String,
    /// 配送业务编号.
    pub delv_no: String,
    /// 配送企业名称.
    pub delv_entp_name: String,
    /// Latest `delv_stas_codg`.
    pub status_code: String,
    /// Latest status description.
    pub description: String,
    /// CST time of the latest status.
    pub updated_at: String,
    /// CST time the order was accepted.
    pub accepted_at: String,
    /// Still open (accepted or in transit).
    pub open: bool,
}

/// A sale looked up for a new delivery order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DeliverySale {
    /// Sale row id.
    pub sale_id: i64,
    /// 零售单据号.
    pub rtal_docno: String,
    /// Prescription row id (`None`: a sale without prescription).
    pub prescription_id: Option<i64>,
    /// The sale was refunded.
    pub refunded: bool,
    /// A product of the sale must travel in the cold chain.
    pub cold_chain: bool,
    /// The sale already has a delivery order.
    pub has_order: bool,
}

type OrderRaw = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    String,
    Vec<u8>,
    i64,
);

impl Store {
    /// The delivery orders still open, and those closed at or after
    /// `closed_since_ms`, most recently changed first.
    pub fn delivery_orders(&self, closed_since_ms: i64) -> Result<Vec<DeliveryOrder>> {
        let raw: Vec<OrderRaw> = self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT d.prescription_id, d.delv_no, d.delv_entp_name, d.delv_stas_codg,
                            d.delv_stas_dscr, d.at, p.hi_rxno, p.patient_name_enc,
                            (SELECT min(d2.at) FROM deliveries d2
                              WHERE d2.prescription_id = d.prescription_id AND d2.delv_no = d.delv_no)
                     FROM deliveries d JOIN prescriptions p ON p.id = d.prescription_id
                     WHERE d.id = (SELECT max(d3.id) FROM deliveries d3
                                   WHERE d3.prescription_id = d.prescription_id AND d3.delv_no = d.delv_no)
                       AND (d.delv_stas_codg IN ('1', '2') OR d.at >= ?1)
                     ORDER BY d.at DESC, d.id DESC",
                )
                .map_err(StoreError::sql("read delivery orders"))?;
            let rows = st
                .query_map([closed_since_ms], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                    ))
                })
                .map_err(StoreError::sql("read delivery orders"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("read delivery orders"));
            rows
        })?;
        let mut out = Vec::with_capacity(raw.len());
        for (rx, delv_no, company, code, dscr, at, hi_rxno, name_enc, first_at) in raw {
            let sale: Option<(i64, String, String)> = self.read(|c| {
                c.query_row(
                    "SELECT id, rtal_docno, total FROM sales
                     WHERE prescription_id = ?1 AND sold_at <= ?2 ORDER BY sold_at DESC, id DESC LIMIT 1",
                    params![rx, first_at],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(StoreError::sql("read delivery orders"))
            })?;
            let (sale_id, docno, total) = sale.unwrap_or_default();
            out.push(DeliveryOrder {
                sale_id,
                rtal_docno: docno,
                total,
                prescription_id: rx,
                hi_rxno,
                patient_name: self.sealer().open_str(&name_enc).unwrap_or_default(),
                delv_no,
                delv_entp_name: company,
                open: matches!(code.as_str(), "1" | "2"),
                status_code: code,
                description: dscr,
                updated_at: wire_time(at),
                accepted_at: wire_time(first_at),
            });
        }
        Ok(out)
    }

    /// The delivery order of a sale, whatever its status.
    pub fn delivery_order_of_sale(&self, sale_id: i64) -> Result<Option<DeliveryOrder>> {
        Ok(self
            .delivery_orders(0)?
            .into_iter()
            .find(|o| o.sale_id == sale_id))
    }

    /// A sale by its 零售单据号, as a new delivery order needs it.
    pub fn delivery_sale(&self, rtal_docno: &str) -> Result<Option<DeliverySale>> {
        let sale: Option<(i64, String, Option<i64>, String, i64)> = self.read(|c| {
            c.query_row(
                "SELECT id, rtal_docno, prescription_id, state, sold_at FROM sales WHERE rtal_docno = ?1",
                [rtal_docno.trim()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()
            .map_err(StoreError::sql("read sale"))
        })?;
        let Some((sale_id, docno, rx, state, sold_at)) = sale else {
            return Ok(None);
        };
        let (cold, has_order): (bool, bool) = self.read(|c| {
            let cold: i64 = c
                .query_row(
                    "SELECT count(*) FROM sale_lines l JOIN drugs d ON d.id = l.drug_id
                     WHERE l.sale_id = ?1 AND d.cold_chain = 1",
                    [sale_id],
                    |r| r.get(0),
                )
                .map_err(StoreError::sql("read sale"))?;
            // An order accepted after this sale and before a later sale of
            // the same prescription belongs to it.
            let orders: i64 = c
                .query_row(
                    "SELECT count(*) FROM deliveries d WHERE d.prescription_id = ?1 AND d.at >= ?2
                       AND NOT EXISTS (SELECT 1 FROM sales s WHERE s.prescription_id = ?1
                                       AND s.sold_at > ?2 AND s.sold_at <= d.at)",
                    params![rx, sold_at],
                    |r| r.get(0),
                )
                .map_err(StoreError::sql("read sale"))?;
            Ok((cold > 0, orders > 0))
        })?;
        Ok(Some(DeliverySale {
            sale_id,
            rtal_docno: docno,
            prescription_id: rx,
            refunded: state == "refunded",
            cold_chain: cold,
            has_order: rx.is_some() && has_order,
        }))
    }

    /// True when `name` and `cert_no` are the prescription's patient, or the
    /// agent registered with the sale (代购), compared as the visit compares
    /// a recipient (`rxdesk_core::rules::identity`: full-width digits, the
    /// check digit's case and spaces in names do not matter).
    pub fn delivery_recipient_matches(
        &self,
        prescription_id: i64,
        sale_id: i64,
        name: &str,
        cert_no: &str,
    ) -> Result<bool> {
        use rxdesk_core::rules::identity::{same_cert_no, same_name};
        if name.trim().is_empty() || cert_no.trim().is_empty() {
            return Ok(false);
        }
        let people: Vec<(Vec<u8>, Vec<u8>)> = self.read(|c| {
            let mut v = Vec::new();
            if let Some(p) = c
                .query_row(
                    "SELECT patient_name_enc, patient_certno_enc FROM prescriptions WHERE id = ?1",
                    [prescription_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(StoreError::sql("read recipient"))?
            {
                v.push(p);
            }
            if let Some(p) = c
                .query_row(
                    "SELECT agent_name, agent_certno FROM sale_proxies WHERE sale_id = ?1",
                    [sale_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(StoreError::sql("read recipient"))?
            {
                v.push(p);
            }
            Ok(v)
        })?;
        let open = |b: &[u8]| self.sealer().open_str(b).unwrap_or_default();
        Ok(people.into_iter().any(|(name_enc, cert_enc)| {
            same_cert_no(&open(&cert_enc), cert_no) && same_name(&open(&name_enc), name)
        }))
    }
}
