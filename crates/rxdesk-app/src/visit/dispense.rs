//! Dispensing step (调配): box by box, a barcode and its trace code (or a GS1
//! code carrying both), or a line filled from the no-code store with the
//! pharmacist's reason; then the end of dispensing. Kept apart because it is
//! the scanner-driven step with its own refusals (wrong product, sold or
//! duplicate trace code, expired batch) that leave the visit unchanged.

use super::view::{ScanOutcome, VisitView};
use super::OutOfStep;
use super::{date, no_visit, today_cst, Active, ProductRow, StepError};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rxdesk_core::dispense::{BoxScan, DispenseError, StockBatch, StoreKind, TraceState};
use rxdesk_core::visit::VisitState;
use rxdesk_devices::scan::ScanError;
use rxdesk_devices::scan::{classify, ScanKind};
use rxdesk_store::Session;

impl super::VisitService {
    pub(super) fn stock_of(&self, drug_id: i64, codg: &str) -> Result<Vec<StockBatch>, StepError> {
        let product = self.store.product_by_id(drug_id)?;
        let pack = product.map(|p| p.pack_size).unwrap_or(Decimal::ONE);
        Ok(self
            .store
            .stock_batches(drug_id)?
            .into_iter()
            .map(|b| StockBatch {
                batch_id: b.fixmedins_bchno,
                med_list_codg: codg.to_string(),
                manu_lotnum: b.manu_lotnum,
                manu_date: date(&b.manu_date),
                expy_end: date(&b.expy_end),
                on_hand: b.quantity * pack,
                store: if b.store == "nocode" {
                    StoreKind::NoCode
                } else {
                    StoreKind::Traced
                },
            })
            .collect())
    }

    /// What the ledger knows of a scanned box of product `drug_id`: its
    /// state for the dispensing rules and the batch it was received into
    /// (the batch a dispensed box is recorded under is always its own).
    /// A code this pharmacy never received, another product's box, a box
    /// whose printed lot (from a GS1 code) is not the lot it was received
    /// under, or a box that left the shelf otherwise (returned, lost …) is
    /// refused with what to do.
    pub(super) fn received_box(
        &self,
        drug_id: i64,
        trace: &str,
        name: &str,
        pack_size: Decimal,
        printed_lot: Option<&str>,
    ) -> Result<(TraceState, Option<String>), ScanRefusal> {
        // A malformed code is the dispensing rules' to refuse (invalid).
        if rxdesk_store::inventory::normalise_code(trace).is_err() {
            return Ok((TraceState::Unsold, None));
        }
        // A sibling counter of this store sold it (pulled from head office):
        // refused whatever this ledger still says.
        if self.store.chain_code_sold_elsewhere(trace)? {
            return Err(ScanRefusal::SoldElsewhere {
                trace: trace.to_string(),
            });
        }
        let Some(b) = self.store.stock_box(trace)? else {
            // A box a sibling counter of this store received and nobody sold:
            // it is on the store's shared shelf, so it is sold here, under the
            // sibling's batch taken onto this counter's books.
            if let Some(sb) = self.store.chain_sibling_box(trace)? {
                if sb.drug_id != Some(drug_id) {
                    return Err(ScanRefusal::TraceCodeMismatch {
                        trace: trace.to_string(),
                        name: name.to_string(),
                    });
                }
                if sb.state != "in_stock" {
                    return Err(ScanRefusal::BoxNotInStock {
                        trace: trace.to_string(),
                        state_zh: rxdesk_store::inventory::box_state_zh(&sb.state).to_string(),
                    });
                }
                if let Some(l) = printed_lot.filter(|l| l.trim() != sb.manu_lotnum) {
                    return Err(ScanRefusal::LotMismatch {
                        trace: trace.to_string(),
                        printed: l.trim().to_string(),
                        received: sb.manu_lotnum,
                    });
                }
                let bchno = self.store.chain_adopt_sibling_box(trace)?;
                return Ok((TraceState::Unsold, Some(bchno)));
            }
            return Err(ScanRefusal::NotReceived {
                trace: trace.to_string(),
                name: name.to_string(),
            });
        };
        if b.drug_id != drug_id {
            return Err(ScanRefusal::TraceCodeMismatch {
                trace: trace.to_string(),
                name: name.to_string(),
            });
        }
        if let Some(l) = printed_lot.filter(|l| l.trim() != b.manu_lotnum) {
            return Err(ScanRefusal::LotMismatch {
                trace: trace.to_string(),
                printed: l.trim().to_string(),
                received: b.manu_lotnum,
            });
        }
        let state = match b.state.as_str() {
            "in_stock" => TraceState::Unsold,
            "opened" => TraceState::OpenedForSplit {
                remaining: b.remaining * pack_size,
            },
            "sold" => TraceState::SoldLocally,
            other => {
                return Err(ScanRefusal::BoxNotInStock {
                    trace: trace.to_string(),
                    state_zh: rxdesk_store::inventory::box_state_zh(other).to_string(),
                })
            }
        };
        Ok((state, Some(b.fixmedins_bchno)))
    }

    /// One scan while dispensing: a box's barcode then its trace code (or a
    /// trace code alone when its prefix names one product, or a GS1 code
    /// carrying both). A refusal leaves the visit unchanged.
    pub async fn scan(&self, by: &Session, code: &str) -> Result<ScanOutcome, StepError> {
        let _ = by;
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "scan");
        let result = {
            let _e = span.enter();
            let r = self.scan_in(a, code);
            if let Err(refusal) = &r {
                tracing::info!(code = refusal.code(), "scan refused");
            }
            r
        };
        if result.is_ok() {
            rxdesk_store::crashpoint!("visit_after_scan");
        }
        Ok(outcome(result, self.view(a)))
    }

    fn scan_in(&self, a: &mut Active, raw: &str) -> Result<ScanAccepted, ScanRefusal> {
        if !matches!(a.visit.state(), VisitState::Dispensing) {
            return Err(ScanRefusal::NotDispensing { scan_unused: true });
        }
        let scan = match classify(raw) {
            Ok(s) => s,
            Err(e) => return Err(ScanRefusal::Unreadable(e)),
        };
        let rx_codes: Vec<String> = a
            .visit
            .prescription()
            .map(|p| p.lines.iter().map(|l| l.med_list_codg.clone()).collect())
            .unwrap_or_default();
        let pick = |rows: Vec<ProductRow>| -> Option<ProductRow> {
            rows.iter()
                .find(|(_, r)| rx_codes.contains(&r.med_list_codg))
                .cloned()
                .or_else(|| rows.into_iter().next())
        };
        let (product, trace, lot): (ProductRow, String, Option<String>) = match &scan.kind {
            ScanKind::Gtin { gtin } => {
                let rows = self.store.products_by_barcode(gtin)?;
                let Some((id, p)) = pick(rows) else {
                    a.pending_barcode = None;
                    return Err(ScanRefusal::UnknownBarcode { gtin: gtin.clone() });
                };
                if !rx_codes.contains(&p.med_list_codg) {
                    a.pending_barcode = None;
                    return Err(ScanRefusal::WrongProduct {
                        name: p.name.clone(),
                    });
                }
                a.pending_barcode = Some(gtin.clone());
                a.products
                    .insert(p.fixmedins_hilist_id.clone(), (id, p.clone()));
                return Ok(ScanAccepted::BarcodeRead {
                    name: p.name.clone(),
                });
            }
            ScanKind::TraceCode => {
                let t = scan.text.clone();
                let product = match a.pending_barcode.take() {
                    Some(bc) => pick(self.store.products_by_barcode(&bc)?),
                    None => {
                        let rows = self.store.products_by_trace_prefix(&t[..7])?;
                        if rows.len() > 1 {
                            return Err(ScanRefusal::NeedsBarcode { ambiguous: true });
                        }
                        rows.into_iter().next()
                    }
                };
                let Some(p) = product else {
                    return Err(ScanRefusal::NeedsBarcode { ambiguous: false });
                };
                (p, t, None)
            }
            ScanKind::Gs1(g) => {
                let (Some(gtin14), Some(serial)) = (g.gtin(), g.get("21")) else {
                    return Err(ScanRefusal::Gs1Incomplete);
                };
                let gtin13 = gtin14.strip_prefix('0').unwrap_or(gtin14);
                let rows = self.store.products_by_barcode(gtin13)?;
                let rows = if rows.is_empty() {
                    self.store.products_by_barcode(gtin14)?
                } else {
                    rows
                };
                let Some(p) = pick(rows) else {
                    return Err(ScanRefusal::UnknownBarcode {
                        gtin: gtin13.to_string(),
                    });
                };
                (p, serial.to_string(), g.lot().map(str::to_string))
            }
            _ => {
                return Err(ScanRefusal::NotABoxCode {
                    kind_zh: scan.kind.label_zh().to_string(),
                })
            }
        };
        let (drug_id, row) = product;
        if !row.trace_prefix.is_empty() && !trace.starts_with(&row.trace_prefix) {
            return Err(ScanRefusal::TraceCodeMismatch {
                trace: trace.clone(),
                name: row.name.clone(),
            });
        }
        let (state, batch_id) =
            self.received_box(drug_id, &trace, &row.name, row.pack_size, lot.as_deref())?;
        let batches = self.stock_of(drug_id, &row.med_list_codg)?;
        let traces = move |_: &rxdesk_core::code_format::TraceCode| state;
        let product = row.to_product();
        let Some(disp) = a.dispensing.as_mut() else {
            return Err(ScanRefusal::NotDispensing { scan_unused: false });
        };
        let scan_box = BoxScan {
            barcode: product.barcode.clone(),
            trace_code: trace.clone(),
            batch_id,
        };
        match disp.scan_box(&scan_box, &product, &batches, &traces, today_cst()) {
            Ok(item) => {
                let accepted = ScanAccepted::BoxDispensed {
                    name: row.name.clone(),
                    lot: item.manu_lotnum.clone(),
                    expiry: item.expy_end,
                };
                a.products
                    .insert(row.fixmedins_hilist_id.clone(), (drug_id, row.clone()));
                tracing::info!(trace = %trace, "box dispensed");
                Ok(accepted)
            }
            Err(e) => Err(ScanRefusal::Dispense(e)),
        }
    }

    /// Fills (part of) prescription line `line` from the 无码库 — stock
    /// received without trace codes — with the pharmacist's reason; `packs`
    /// may be a fraction of a pack (拆零). A refusal leaves the visit
    /// unchanged.
    pub async fn dispense_no_code(
        &self,
        _by: &Session,
        line: usize,
        packs: &str,
        reason: &str,
    ) -> Result<ScanOutcome, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "dispense_no_code");
        let result = {
            let _e = span.enter();
            let r = self.no_code_in(a, line, packs, reason);
            if let Err(refusal) = &r {
                tracing::info!(code = refusal.code(), "no-code dispensing refused");
            }
            r
        };
        Ok(outcome(result, self.view(a)))
    }

    fn no_code_in(
        &self,
        a: &mut Active,
        line: usize,
        packs: &str,
        reason: &str,
    ) -> Result<ScanAccepted, ScanRefusal> {
        if !matches!(a.visit.state(), VisitState::Dispensing) {
            return Err(ScanRefusal::NotDispensing { scan_unused: false });
        }
        let Some(codg) = a
            .visit
            .prescription()
            .and_then(|p| p.lines.get(line))
            .map(|l| l.med_list_codg.clone())
        else {
            return Err(ScanRefusal::NoSuchLine { line });
        };
        let qty: Decimal = match packs.trim().parse::<Decimal>() {
            Ok(q) if q > Decimal::ZERO && q.scale() <= 4 => q,
            _ => {
                return Err(ScanRefusal::BadQuantity {
                    given: packs.trim().to_string(),
                })
            }
        };
        let Some((drug_id, row)) = self
            .store
            .products_by_med_list_codg(&codg)?
            .into_iter()
            .next()
        else {
            return Err(ScanRefusal::NotInCatalogue {
                med_list_codg: codg.clone(),
            });
        };
        let batches = self.stock_of(drug_id, &codg)?;
        let product = row.to_product();
        let Some(disp) = a.dispensing.as_mut() else {
            return Err(ScanRefusal::NotDispensing { scan_unused: false });
        };
        match disp.from_no_code_store(
            &product,
            qty * product.pack_size,
            reason,
            &batches,
            today_cst(),
        ) {
            Ok(item) => {
                let accepted = ScanAccepted::NoCodeDispensed {
                    name: row.name.clone(),
                    packs: qty,
                    unit: row.unit.clone(),
                    lot: item.manu_lotnum.clone(),
                    expiry: item.expy_end,
                    reason: reason.trim().to_string(),
                };
                a.products
                    .insert(row.fixmedins_hilist_id.clone(), (drug_id, row.clone()));
                tracing::info!(line, "dispensed from the no-code store");
                Ok(accepted)
            }
            Err(e) => Err(ScanRefusal::Dispense(e)),
        }
    }

    /// Dispensing finished: every line filled.
    pub async fn finish_dispensing(&self, _by: &Session) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let _e = self.span(&a.id(), "finish_dispensing").entered();
        let disp = a.dispensing.clone().ok_or(StepError::OutOfStep {
            step: OutOfStep::NotDispensing,
        })?;
        let items = disp.finish(false).map_err(StepError::from)?;
        let cold = items.iter().any(|i| {
            a.products
                .get(&i.fixmedins_hilist_id)
                .is_some_and(|(_, r)| r.to_product().facts.cold_chain)
        });
        a.visit.dispensed_items(items, cold)?;
        tracing::info!("dispensed");
        self.persist_logged(a);
        rxdesk_store::crashpoint!("visit_after_finish_dispensing");
        Ok(self.view(a))
    }
}

fn dispense_code(e: &DispenseError) -> &'static str {
    match e {
        DispenseError::Substitution { .. } => "wrong_product",
        DispenseError::OverQuantity { .. } => "over_quantity",
        DispenseError::TraceCodeDuplicate(_) => "duplicate_trace_code",
        DispenseError::TraceCodeSold { .. } => "trace_code_sold",
        DispenseError::ExpiredBatch { .. } => "expired_batch",
        DispenseError::BarcodeMismatch { .. } => "barcode_mismatch",
        DispenseError::TraceCodeInvalid(_) => "trace_code_invalid",
        DispenseError::OutOfStock(_) => "out_of_stock",
        _ => "refused",
    }
}

/// The answer to a scan or a no-code fill, with the visit as it is now.
fn outcome(r: Result<ScanAccepted, ScanRefusal>, visit: VisitView) -> ScanOutcome {
    let (ok, code, message_zh) = match &r {
        Ok(a) => (true, a.code(), a.message_zh()),
        Err(e) => (false, e.code(), e.message_zh()),
    };
    ScanOutcome {
        ok,
        code: code.to_string(),
        message_zh,
        visit,
    }
}

/// A scan or no-code fill that was used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanAccepted {
    /// A box's barcode: its trace code comes next.
    BarcodeRead {
        /// The product's name.
        name: String,
    },
    /// One box dispensed.
    BoxDispensed {
        /// The product's name.
        name: String,
        /// Lot number.
        lot: String,
        /// Expiry.
        expiry: NaiveDate,
    },
    /// Part of a line filled from the no-code store.
    NoCodeDispensed {
        /// The product's name.
        name: String,
        /// Packs (may be a fraction: 拆零).
        packs: Decimal,
        /// The product's unit.
        unit: String,
        /// Lot number.
        lot: String,
        /// Expiry.
        expiry: NaiveDate,
        /// The pharmacist's reason.
        reason: String,
    },
}

impl ScanAccepted {
    /// The stable code (docs/rules.md).
    pub fn code(&self) -> &'static str {
        match self {
            Self::BarcodeRead { .. } => "barcode_ok",
            Self::BoxDispensed { .. } => "box_ok",
            Self::NoCodeDispensed { .. } => "no_code_ok",
        }
    }

    /// What the pharmacist reads.
    pub fn message_zh(&self) -> String {
        match self {
            Self::BarcodeRead { name } => format!("{name}：请扫描该盒药品的追溯码"),
            Self::BoxDispensed { name, lot, expiry } => {
                format!("{name} 已配 1 盒（批号 {lot}，有效期至 {expiry}）")
            }
            Self::NoCodeDispensed {
                name,
                packs,
                unit,
                lot,
                expiry,
                reason,
            } => format!(
                "{name} 从无码库配 {}{unit}（批号 {lot}，有效期至 {expiry}；原因：{reason}）",
                packs.normalize()
            ),
        }
    }
}

/// A scan or no-code fill that was refused: the visit is unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanRefusal {
    /// Not at the dispensing step.
    NotDispensing {
        /// A scan arrived (else a no-code fill or a lost dispensing).
        scan_unused: bool,
    },
    /// The scan is unreadable.
    Unreadable(ScanError),
    /// The barcode is not in the catalogue.
    UnknownBarcode {
        /// The GTIN read.
        gtin: String,
    },
    /// Not a prescribed drug.
    WrongProduct {
        /// The product's name.
        name: String,
    },
    /// The trace code names no single product.
    NeedsBarcode {
        /// Several products share the prefix (else none).
        ambiguous: bool,
    },
    /// A GS1 code without GTIN or serial.
    Gs1Incomplete,
    /// Not a box's code.
    NotABoxCode {
        /// What was scanned (zh-CN label of the scan kind).
        kind_zh: String,
    },
    /// The trace code is not this product's.
    TraceCodeMismatch {
        /// The trace code.
        trace: String,
        /// The product's name.
        name: String,
    },
    /// The ledger could not be read.
    Ledger(StepError),
    /// No such prescription line (0-based).
    NoSuchLine {
        /// The line asked for.
        line: usize,
    },
    /// Not a positive number of packs.
    BadQuantity {
        /// As given.
        given: String,
    },
    /// The line's drug is not in the catalogue.
    NotInCatalogue {
        /// 医保编码.
        med_list_codg: String,
    },
    /// Dispensing refused the box or the quantity.
    Dispense(DispenseError),
    /// The trace code is not a box this pharmacy received.
    NotReceived {
        /// The trace code.
        trace: String,
        /// The product's name.
        name: String,
    },
    /// A sibling counter of the same store sold this box (chain sync).
    SoldElsewhere {
        /// The trace code.
        trace: String,
    },
    /// The lot printed on the box (GS1) is not the lot it was received under.
    LotMismatch {
        /// The trace code.
        trace: String,
        /// The lot the scan carried.
        printed: String,
        /// The lot goods-in recorded.
        received: String,
    },
    /// The box was received but is no longer on the shelf (returned to the
    /// supplier, lost, written off, transferred).
    BoxNotInStock {
        /// The trace code.
        trace: String,
        /// Where it is (zh-CN).
        state_zh: String,
    },
}

impl ScanRefusal {
    /// The stable code (docs/rules.md).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotDispensing { .. } => "not_dispensing",
            Self::Unreadable(_) => "scan_error",
            Self::UnknownBarcode { .. } => "unknown_barcode",
            Self::WrongProduct { .. } => "wrong_product",
            Self::NeedsBarcode { .. } => "needs_barcode",
            Self::Gs1Incomplete => "gs1_incomplete",
            Self::NotABoxCode { .. } => "not_a_box_code",
            Self::TraceCodeMismatch { .. } => "trace_code_mismatch",
            Self::Ledger(_) => "store",
            Self::NoSuchLine { .. } => "no_such_line",
            Self::BadQuantity { .. } => "bad_quantity",
            Self::NotInCatalogue { .. } => "not_in_catalogue",
            Self::Dispense(e) => dispense_code(e),
            Self::NotReceived { .. } => "trace_code_not_received",
            Self::SoldElsewhere { .. } => "trace_code_sold_elsewhere",
            Self::BoxNotInStock { .. } => "box_not_in_stock",
            Self::LotMismatch { .. } => "lot_mismatch",
        }
    }

    /// What the pharmacist reads.
    pub fn message_zh(&self) -> String {
        match self {
            Self::NotDispensing { scan_unused: true } => "当前不在调配步骤，扫码未使用".into(),
            Self::NotDispensing { scan_unused: false } => "当前不在调配步骤".into(),
            Self::Unreadable(e) => e.message_zh(),
            Self::UnknownBarcode { gtin } => format!("条码 {gtin} 不在本店药品目录中，请核对药品"),
            Self::WrongProduct { name } => {
                format!("{name} 不是处方开具的药品，不得替换，请取处方上的药品")
            }
            Self::NeedsBarcode { ambiguous: true } => {
                "该追溯码对应多个药品，请先扫描药盒条码，再扫追溯码".into()
            }
            Self::NeedsBarcode { ambiguous: false } => {
                "无法由追溯码识别药品，请先扫描药盒条码，再扫追溯码".into()
            }
            Self::Gs1Incomplete => "药品码缺少商品条码或追溯码，请分别扫描条码和追溯码".into(),
            Self::NotABoxCode { kind_zh } => {
                format!("扫到的是{kind_zh}，调配时请扫描药盒条码和追溯码")
            }
            Self::TraceCodeMismatch { trace, name } => {
                format!("追溯码 {trace} 不属于 {name}（药品标识码不符），请扫描同一盒药品的追溯码")
            }
            Self::Ledger(e) => e.message_zh(),
            Self::NoSuchLine { line } => format!("处方没有第 {} 行药品", line + 1),
            Self::BadQuantity { given } => {
                format!("数量“{given}”无效：请输入大于 0 的盒数（拆零可填小数，如 0.5）")
            }
            Self::NotInCatalogue { med_list_codg } => {
                format!("医保编码 {med_list_codg} 不在本店药品目录中，不能配药")
            }
            Self::Dispense(e) => e.message_zh(),
            Self::NotReceived { trace, name } => format!(
                "追溯码 {trace} 不是本店已入库的 {name} 药盒，不能销售：请先办理采购入库（扫码入库）再销售；若药盒追溯码无法识读或缺失，请按申诉流程处理（从无码库配药并填写原因）"
            ),
            Self::SoldElsewhere { trace } => format!(
                "追溯码 {trace} 的药盒已在本店其他收银台售出，不能再次销售：请放在一边并更换药盒；若该药盒确实在柜台上，请店长核查此追溯码（重复扫码或来源不明）"
            ),
            Self::LotMismatch {
                trace,
                printed,
                received,
            } => format!(
                "追溯码 {trace} 的药盒印有批号 {printed}，但入库登记的批号是 {received}：请核对药盒与入库单，不能销售"
            ),
            Self::BoxNotInStock { trace, state_zh } => {
                format!("追溯码 {trace} 的药盒{state_zh}，不在库存中，不能销售，请更换药盒并核查")
            }
        }
    }
}

/// Every code a scan answers with (docs/rules.md, tests).
pub const SCAN_CODES: &[&str] = &[
    "barcode_ok",
    "box_ok",
    "no_code_ok",
    "not_dispensing",
    "scan_error",
    "unknown_barcode",
    "wrong_product",
    "needs_barcode",
    "gs1_incomplete",
    "not_a_box_code",
    "trace_code_mismatch",
    "store",
    "no_such_line",
    "bad_quantity",
    "not_in_catalogue",
    "over_quantity",
    "duplicate_trace_code",
    "trace_code_sold",
    "expired_batch",
    "barcode_mismatch",
    "trace_code_invalid",
    "out_of_stock",
    "refused",
    "trace_code_not_received",
    "trace_code_sold_elsewhere",
    "box_not_in_stock",
    "lot_mismatch",
];

impl From<rxdesk_store::StoreError> for ScanRefusal {
    fn from(e: rxdesk_store::StoreError) -> Self {
        Self::Ledger(e.into())
    }
}

impl From<StepError> for ScanRefusal {
    fn from(e: StepError) -> Self {
        Self::Ledger(e)
    }
}
