//! Receipts: the sale and refund receipt models built from the ledger's sale
//! detail, the ESC/POS bytes sent to the configured printer (or saved when
//! none is configured) and the guidance PDF. Kept apart so every step that
//! prints (completion, reprint, refund) renders the same receipt.

use super::payment::Channel;
use super::{date, PaymentState};
use chrono::{DateTime, Utc};

use rxdesk_gm::DownloadedPrescription;
use rxdesk_store::Session;

impl super::VisitService {
    /// Replaces the receipt printer (Settings → 设备 saved while the app
    /// runs): the next receipt goes to it, laid out for its paper width.
    pub fn set_printer(&self, printer: Option<rxdesk_devices::settings::PrinterSettings>) {
        *self.printer.write().unwrap_or_else(|p| p.into_inner()) = printer;
    }

    /// The receipt printer in force.
    pub fn printer(&self) -> Option<rxdesk_devices::settings::PrinterSettings> {
        self.printer
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(super) fn paper(&self) -> rxdesk_receipts::Paper {
        match self.printer().map(|p| p.width) {
            Some(rxdesk_devices::printer::escpos::PaperWidth::Mm58) => rxdesk_receipts::Paper::Mm58,
            _ => rxdesk_receipts::Paper::Mm80,
        }
    }

    fn store_info(&self) -> rxdesk_receipts::StoreInfo {
        rxdesk_receipts::StoreInfo {
            name: self.config.store_name.clone(),
            fixmedins_code: self.desk.institution().to_string(),
            address: Some(self.config.receipt_address.trim().to_string()).filter(|s| !s.is_empty()),
            phone: Some(self.config.receipt_phone.trim().to_string()).filter(|s| !s.is_empty()),
        }
    }

    fn prescription_of_sale(&self, d: &rxdesk_store::SaleDetail) -> Option<DownloadedPrescription> {
        let raw = self.store.prescription_raw(d.prescription_id?).ok()?;
        serde_json::from_str(&raw).ok()
    }

    fn receipt_lines(
        &self,
        d: &rxdesk_store::SaleDetail,
        rx: Option<&DownloadedPrescription>,
    ) -> Vec<rxdesk_receipts::ReceiptLine> {
        let model = rx.and_then(|r| rxdesk_gm::verify::domain_prescription(r).ok());
        d.lines
            .iter()
            .map(|l| {
                let rl = model
                    .as_ref()
                    .and_then(|m| m.lines.iter().find(|x| x.med_list_codg == l.med_list_codg));
                let product = self.store.product_by_id(l.drug_id).ok().flatten();
                let self_pay = product.as_ref().is_some_and(|p| p.self_pay);
                // The line as downloaded: its remark (草药脚注).
                let remark = rx
                    .and_then(|r| {
                        r.rx_drug_detail
                            .iter()
                            .find(|x| x.med_list_codg == l.med_list_codg)
                    })
                    .map(|x| x.tcmherb_foote.trim().to_string())
                    .filter(|s| !s.is_empty());
                rxdesk_receipts::ReceiptLine {
                    drug_name: l.name.clone(),
                    spec: l.spec.clone(),
                    quantity: l.quantity,
                    unit: l.unit.clone(),
                    unit_price: l.price,
                    amount: l.amount,
                    med_list_code: l.med_list_codg.clone(),
                    batch: l.manu_lotnum.clone(),
                    expiry: date(&l.expy_end),
                    trace_codes: l.trace_codes.clone(),
                    coverage: if self_pay {
                        rxdesk_receipts::Coverage::SelfPaid
                    } else {
                        rxdesk_receipts::Coverage::Unknown
                    },
                    guidance: rl.map(|x| rxdesk_receipts::MedicationGuidance {
                        single_dose: x.single_dose.clone(),
                        frequency: x.frequency.clone(),
                        route: x.route.clone(),
                        days: (x.days > 0).then_some(x.days),
                        doctor_instructions: rx
                            .map(|r| r.rx_drord_dscr.trim().to_string())
                            .filter(|s| !s.is_empty()),
                        remarks: remark.into_iter().collect(),
                        contraindications: product
                            .as_ref()
                            .map(|p| p.contraindication_list())
                            .unwrap_or_default(),
                        warnings: product.as_ref().map(catalogue_warnings).unwrap_or_default(),
                    }),
                }
            })
            .collect()
    }

    /// The split as the receipt explains it: the settled 2102 from the
    /// journal gives the kind, disease and breakdown (also on reprint).
    fn receipt_split(&self, d: &rxdesk_store::SaleDetail) -> rxdesk_receipts::SettlementSplit {
        crate::settle_types::receipt_split(&self.store, d)
    }

    /// The 代购 agent of a sale, as printed.
    pub(super) fn agent_of_sale(&self, sale_id: i64) -> Option<rxdesk_receipts::AgentRef> {
        self.proxy_of_sale(sale_id)
            .map(|p| rxdesk_receipts::AgentRef {
                name: p.agent_name,
                relationship_zh: p.relationship_zh,
                certno_masked: p.agent_certno_masked,
            })
    }

    /// The sale's 代购 record, if any (an unreadable one is logged and
    /// treated as none).
    pub(super) fn proxy_of_sale(&self, sale_id: i64) -> Option<rxdesk_store::ledger::ProxyRecord> {
        match self.store.sale_proxy(sale_id) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(sale_id, error = %e, "proxy purchase unreadable");
                None
            }
        }
    }

    fn sale_receipt_model(
        &self,
        d: &rxdesk_store::SaleDetail,
        pay: Option<&PaymentState>,
        reprinted_at: Option<DateTime<Utc>>,
    ) -> rxdesk_receipts::SaleReceipt {
        let rx = self.prescription_of_sale(d);
        let split = self.receipt_split(d);
        // How it was paid, as the ledger keeps it: the same on a reprint.
        let stored = self
            .store
            .sale_payments(d.summary.sale_id)
            .unwrap_or_default()
            .into_iter()
            .next();
        let (method, tendered, change) = match &stored {
            Some(p) => (
                match p.method.as_str() {
                    "wechat" => rxdesk_receipts::PaymentMethod::WeChat,
                    "alipay" => rxdesk_receipts::PaymentMethod::Alipay,
                    "terminal" => rxdesk_receipts::PaymentMethod::Other(format!(
                        "聚合支付终端 参考号{}",
                        p.reference
                    )),
                    _ => rxdesk_receipts::PaymentMethod::Cash,
                },
                p.tendered.as_deref().and_then(|t| t.parse().ok()),
                p.change.as_deref().and_then(|c| c.parse().ok()),
            ),
            None => match pay.and_then(|p| p.channel) {
                Some(Channel::WeChat) => (rxdesk_receipts::PaymentMethod::WeChat, None, None),
                Some(Channel::Alipay) => (rxdesk_receipts::PaymentMethod::Alipay, None, None),
                Some(Channel::Terminal) => (
                    rxdesk_receipts::PaymentMethod::Other("聚合支付终端".into()),
                    None,
                    None,
                ),
                None => (
                    rxdesk_receipts::PaymentMethod::Cash,
                    pay.and_then(|p| p.tendered),
                    pay.and_then(|p| p.change),
                ),
            },
        };
        // The pharmacist who audited this sale's prescription (not whoever
        // is on duty when it is printed).
        let auditor = match self.store.sale_auditors(d.summary.sale_id) {
            Ok(Some((name, _))) => Some(name),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "auditor of the sale unreadable");
                None
            }
        };
        rxdesk_receipts::SaleReceipt {
            store: self.store_info(),
            sale_id: d.summary.rtal_docno.clone(),
            settled_at: DateTime::from_timestamp_millis(d.summary.sold_at).unwrap_or_default(),
            operator: d.operator_name.clone(),
            pharmacist: auditor.unwrap_or_else(|| d.operator_name.clone()),
            prescription: rxdesk_receipts::PrescriptionRef {
                rx_no: d.summary.hi_rxno.clone().unwrap_or_default(),
                hospital: rx
                    .as_ref()
                    .map(|r| r.fixmedins_name.clone())
                    .unwrap_or_default(),
                department: rx
                    .as_ref()
                    .map(|r| r.prsc_dept_name.clone())
                    .filter(|s| !s.is_empty()),
                doctor: rx
                    .as_ref()
                    .map(|r| r.prsc_dr_name.clone())
                    .filter(|s| !s.is_empty()),
                patient_name: d.summary.patient_name.clone(),
                agent: self.agent_of_sale(d.summary.sale_id),
            },
            lines: self.receipt_lines(d, rx.as_ref()),
            settlement: split,
            payment: rxdesk_receipts::Payment {
                method,
                tendered,
                change,
            },
            reprinted_at,
        }
    }

    /// `by` did the refund; `at` is the counter's own session when a
    /// manager authorised it there (经办人 is then `at`, 授权店长 `by`).
    pub(super) fn refund_receipt(
        &self,
        by: &Session,
        at: Option<&Session>,
        d: &rxdesk_store::SaleDetail,
        reason: &str,
        returned: &[rxdesk_store::SalePayment],
    ) -> Result<Vec<rxdesk_receipts::ReceiptElement>, rxdesk_receipts::ReceiptError> {
        let rx = self.prescription_of_sale(d);
        let r = rxdesk_receipts::RefundReceipt {
            store: self.store_info(),
            refund_id: format!("{}-R", d.summary.rtal_docno),
            original_sale_id: d.summary.rtal_docno.clone(),
            original_setl_id: d
                .settlement
                .as_ref()
                .map(|s| s.setl_id.clone())
                .unwrap_or_default(),
            original_settled_at: DateTime::from_timestamp_millis(d.summary.sold_at)
                .unwrap_or_default(),
            refunded_at: Utc::now(),
            operator: at.unwrap_or(by).display_name().to_string(),
            authorised_by: at.map(|_| by.display_name().to_string()),
            reason: reason.trim().to_string(),
            prescription: rxdesk_receipts::PrescriptionRef {
                rx_no: d.summary.hi_rxno.clone().unwrap_or_default(),
                hospital: rx
                    .as_ref()
                    .map(|r| r.fixmedins_name.clone())
                    .unwrap_or_default(),
                department: None,
                doctor: rx
                    .as_ref()
                    .map(|r| r.prsc_dr_name.clone())
                    .filter(|s| !s.is_empty()),
                patient_name: d.summary.patient_name.clone(),
                agent: self.agent_of_sale(d.summary.sale_id),
            },
            lines: self.receipt_lines(d, rx.as_ref()),
            settlement: self.receipt_split(d),
            // The method the self-paid part was paid (and given back) with.
            refund_method: match returned.first().map(|p| p.method.as_str()) {
                Some("wechat") => rxdesk_receipts::PaymentMethod::WeChat,
                Some("alipay") => rxdesk_receipts::PaymentMethod::Alipay,
                Some("terminal") => {
                    rxdesk_receipts::PaymentMethod::Other("聚合支付终端（在终端原路退回）".into())
                }
                _ => rxdesk_receipts::PaymentMethod::Cash,
            },
        };
        rxdesk_receipts::refund_receipt(&r)
    }

    pub(super) async fn send_to_printer(&self, bytes: Vec<u8>, name: &str) -> String {
        match self.printer() {
            Some(p) => {
                let r = tokio::task::spawn_blocking(move || {
                    use rxdesk_devices::printer::ReceiptPrinter as _;
                    let mut printer = rxdesk_devices::settings::open_printer(&p);
                    printer.print(&bytes)
                })
                .await;
                match r {
                    Ok(Ok(())) => "已打印".into(),
                    Ok(Err(e)) => format!("打印失败：{}。可在销售记录中补打", e.message_zh()),
                    Err(e) => format!("打印失败：{e}。可在销售记录中补打"),
                }
            }
            None => {
                let path = self.config.receipts_dir.join(format!("{name}.escpos"));
                let written = crate::paths::create_private_dir(&self.config.receipts_dir)
                    .and_then(|()| crate::paths::write_private(&path, &bytes));
                match written {
                    // The window shows this sentence: no file path in it
                    // (the log names the file for support).
                    Ok(()) => {
                        tracing::info!(file = %path.display(), "no receipt printer: job saved");
                        "未配置小票打印机：打印数据已保存，配置打印机后可在销售记录中补打".into()
                    }
                    Err(e) => format!("未配置小票打印机，且小票无法保存（{e}）"),
                }
            }
        }
    }

    pub(super) async fn print_sale(
        &self,
        sale_id: i64,
        pay: Option<&PaymentState>,
        reprinted_at: Option<DateTime<Utc>>,
    ) -> Printed {
        let d = match self.store.sale_detail(sale_id) {
            Ok(d) => d,
            Err(e) => {
                return Printed {
                    text: String::new(),
                    guidance_text: String::new(),
                    pdf: None,
                    printed_zh: format!("小票无法生成：{e}"),
                }
            }
        };
        let model = self.sale_receipt_model(&d, pay, reprinted_at);
        let paper = self.paper();
        let els = match rxdesk_receipts::sale_receipt(&model) {
            Ok(e) => e,
            Err(e) => {
                return Printed {
                    text: String::new(),
                    guidance_text: String::new(),
                    pdf: None,
                    printed_zh: format!("小票无法生成：{e}"),
                }
            }
        };
        let text = rxdesk_receipts::render_plain_text(&els, paper);
        // Cash taken now (never on a reprint): the drawer opens with the receipt.
        let drawer = reprinted_at.is_none() && pay.is_some_and(PaymentState::opens_drawer);
        let bytes = rxdesk_receipts::escpos::to_escpos_job(&els, paper, drawer);
        if drawer {
            tracing::info!("cash drawer kick sent with the receipt");
        }
        let docno = d.summary.rtal_docno.clone();
        let mut printed_zh = self.send_to_printer(bytes, &docno).await;
        // The medication guidance slip follows the receipt on the same
        // printer (ST-EPC-02-012): usage, the doctor's instructions, the
        // line's remarks, the catalogue's warnings.
        let guidance_text = match rxdesk_receipts::guidance_slip(&model) {
            Ok(slip) => {
                let text = rxdesk_receipts::render_plain_text(&slip, paper);
                let job = rxdesk_receipts::escpos::to_escpos_job(&slip, paper, false);
                let sent = self
                    .send_to_printer(job, &format!("{docno}-guidance"))
                    .await;
                tracing::info!(outcome = %sent, "medication guidance slip sent");
                if sent == "已打印" {
                    printed_zh.push_str("；用药指导已打印");
                } else if self.printer().is_none() && sent == printed_zh {
                    printed_zh.push_str("（用药指导小票同样保存）");
                } else {
                    printed_zh.push_str(&format!("；用药指导：{sent}"));
                }
                text
            }
            Err(e) => {
                printed_zh.push_str(&format!("；用药指导无法生成（{e}）"));
                String::new()
            }
        };
        let pdf_path = self
            .config
            .receipts_dir
            .join(format!("{docno}-guidance.pdf"));
        let opts = rxdesk_receipts::PdfOptions {
            font_path: self.config.font_path.clone(),
            font_index: 0,
            page_size: rxdesk_receipts::PageSize::A5,
        };
        let pdf =
            tokio::task::spawn_blocking(move || rxdesk_receipts::guidance_pdf(&model, &opts)).await;
        let pdf = match pdf {
            Ok(Ok(bytes)) => match crate::paths::create_private_dir(&self.config.receipts_dir)
                .and_then(|()| crate::paths::write_private(&pdf_path, &bytes))
            {
                Ok(()) => Some(pdf_path.display().to_string()),
                Err(e) => {
                    printed_zh.push_str(&format!("；用药指导单无法保存（{e}）"));
                    None
                }
            },
            Ok(Err(e)) => {
                printed_zh.push_str(&format!("；用药指导单无法生成（{e}）"));
                None
            }
            Err(e) => {
                printed_zh.push_str(&format!("；用药指导单无法生成（{e}）"));
                None
            }
        };
        Printed {
            text,
            guidance_text,
            pdf,
            printed_zh,
        }
    }
}

/// What the pharmacy's catalogue says the patient must know about a
/// product: its 注意事项, the cold chain, a restricted class, 自费.
fn catalogue_warnings(p: &rxdesk_store::catalogue::CatalogueRow) -> Vec<String> {
    let mut out = p.warning_list();
    if p.cold_chain {
        out.push("本药品需冷藏（2–8 °C）保存，取药后请尽快放入冰箱冷藏，切勿冷冻".to_string());
    }
    for class in p.restricted_classes() {
        out.push(format!(
            "本药品属于{}，请严格按医嘱使用，妥善保管，勿转给他人",
            class.label_zh()
        ));
    }
    if p.self_pay {
        out.push("本药品为自费药品，医保不予支付".to_string());
    }
    out
}

pub(super) struct Printed {
    pub(super) text: String,
    /// The guidance slip as plain text (shown in the window).
    pub(super) guidance_text: String,
    pub(super) pdf: Option<String>,
    pub(super) printed_zh: String,
}
