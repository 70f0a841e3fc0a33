//! After the sale: the sales history and receipt reprints (refunds are in
//! `refund`). Kept apart because these work on recorded sales, not on the
//! visit in progress.

use super::view::{SaleSummary, SaleView};
use super::StepError;
use chrono::{DateTime, Utc};
use rxdesk_core::time::format_wire;
use rxdesk_store::Session;

impl super::VisitService {
    /// Sales history (newest first).
    pub fn sales_find(&self, query: &str) -> Result<Vec<SaleSummary>, StepError> {
        Ok(self
            .store
            .find_sales(query, 100)?
            .into_iter()
            .map(|s| {
                let agent = self.proxy_of_sale(s.sale_id);
                SaleSummary {
                    agent_zh: agent.as_ref().map(|a| {
                        format!(
                            "{}（{}，{}）",
                            a.agent_name, a.relationship_zh, a.agent_certno_masked
                        )
                    }),
                    agent_name: agent.as_ref().map(|a| a.agent_name.clone()),
                    agent_relationship: agent.as_ref().map(|a| a.relationship.clone()),
                    agent_certno_masked: agent.map(|a| a.agent_certno_masked),
                    sale_id: s.sale_id,
                    rtal_docno: s.rtal_docno,
                    sold_at: DateTime::from_timestamp_millis(s.sold_at)
                        .map(format_wire)
                        .unwrap_or_default(),
                    hi_rxno: s.hi_rxno,
                    patient_name: s.patient_name,
                    total: s.total.to_string(),
                    state: s.state,
                    setl_id: s.setl_id,
                }
            })
            .collect())
    }

    /// Reprints a sale's receipt (marked as a reprint).
    pub async fn reprint(&self, _by: &Session, sale_id: i64) -> Result<SaleView, StepError> {
        let d = self.store.sale_detail(sale_id)?;
        let printed = self.print_sale(sale_id, None, Some(Utc::now())).await;
        Ok(SaleView {
            sale_id,
            rtal_docno: d.summary.rtal_docno,
            total: d.summary.total.to_string(),
            receipt_text: printed.text,
            guidance_pdf_path: printed.pdf,
            guidance_text: printed.guidance_text,
            printed_zh: printed.printed_zh,
            upload_ids: Vec::new(),
        })
    }
}
