//! Dispensing step (调配): box by box, a barcode and its trace code (or a GS1
//! code carrying both), or a line filled from the no-code store with the
//! pharmacist's reason; then the end of dispensing. Kept apart because it is
//! the scanner-driven step with its own refusals (wrong product, sold or
//! duplicate trace code, expired batch) that leave the visit unchanged.

use super::view::{ScanOutcome, VisitView};
use super::{date, no_visit, today_cst, Active, ProductRow, StepError};
use rust_decimal::Decimal;
use rxdesk_core::dispense::{BoxScan, DispenseError, StockBatch, StoreKind, TraceState};
use rxdesk_core::visit::VisitState;
use rxdesk_devices::scan::{classify, ScanKind};
use rxdesk_store::Session;

impl super::VisitService {
    fn stock_of(&self, drug_id: i64, codg: &str) -> Result<Vec<StockBatch>, StepError> {
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

    /// One scan while dispensing: a box's barcode then its trace code (or a
    /// trace code alone when its prefix names one product, or a GS1 code
    /// carrying both). A refusal leaves the visit unchanged.
    pub async fn scan(&self, by: &Session, code: &str) -> Result<ScanOutcome, StepError> {
        let _ = by;
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "scan");
        let (ok, code, message_zh) = {
            let _e = span.enter();
            match self.scan_in(a, code) {
                Ok(msg) => (true, "box_ok".to_string(), msg),
                Err((c, m)) => {
                    tracing::info!(code = %c, "scan refused");
                    (c == "barcode_ok", c, m)
                }
            }
        };
        if ok {
            rxdesk_store::crashpoint!("visit_after_scan");
        }
        Ok(ScanOutcome {
            ok,
            code,
            message_zh,
            visit: self.view(a),
        })
    }

    fn scan_in(&self, a: &mut Active, raw: &str) -> Result<String, (String, String)> {
        let refuse = |c: &str, m: String| Err((c.to_string(), m));
        if !matches!(a.visit.state(), VisitState::Dispensing) {
            return refuse("not_dispensing", "当前不在调配步骤，扫码未使用".into());
        }
        let scan = match classify(raw) {
            Ok(s) => s,
            Err(e) => return refuse("scan_error", e.message_zh()),
        };
        let rx_codes: Vec<String> = a
            .visit
            .prescription()
            .map(|p| p.lines.iter().map(|l| l.med_list_codg.clone()).collect())
            .unwrap_or_default();
        let store_err =
            |e: rxdesk_store::StoreError| ("store".to_string(), format!("账本读取失败：{e}"));
        let pick = |rows: Vec<ProductRow>| -> Option<ProductRow> {
            rows.iter()
                .find(|(_, r)| rx_codes.contains(&r.med_list_codg))
                .cloned()
                .or_else(|| rows.into_iter().next())
        };
        let (product, trace, lot): (ProductRow, String, Option<String>) = match &scan.kind {
            ScanKind::Gtin { gtin } => {
                let rows = self.store.products_by_barcode(gtin).map_err(store_err)?;
                let Some((id, p)) = pick(rows) else {
                    a.pending_barcode = None;
                    return refuse(
                        "unknown_barcode",
                        format!("条码 {gtin} 不在本店药品目录中，请核对药品"),
                    );
                };
                if !rx_codes.contains(&p.med_list_codg) {
                    a.pending_barcode = None;
                    return refuse(
                        "wrong_product",
                        format!("{} 不是处方开具的药品，不得替换，请取处方上的药品", p.name),
                    );
                }
                a.pending_barcode = Some(gtin.clone());
                a.products
                    .insert(p.fixmedins_hilist_id.clone(), (id, p.clone()));
                return refuse("barcode_ok", format!("{}：请扫描该盒药品的追溯码", p.name));
            }
            ScanKind::TraceCode => {
                let t = scan.text.clone();
                let product = match a.pending_barcode.take() {
                    Some(bc) => pick(self.store.products_by_barcode(&bc).map_err(store_err)?),
                    None => {
                        let rows = self
                            .store
                            .products_by_trace_prefix(&t[..7])
                            .map_err(store_err)?;
                        if rows.len() > 1 {
                            return refuse(
                                "needs_barcode",
                                "该追溯码对应多个药品，请先扫描药盒条码，再扫追溯码".into(),
                            );
                        }
                        rows.into_iter().next()
                    }
                };
                let Some(p) = product else {
                    return refuse(
                        "needs_barcode",
                        "无法由追溯码识别药品，请先扫描药盒条码，再扫追溯码".into(),
                    );
                };
                (p, t, None)
            }
            ScanKind::Gs1(g) => {
                let (Some(gtin14), Some(serial)) = (g.gtin(), g.get("21")) else {
                    return refuse(
                        "gs1_incomplete",
                        "药品码缺少商品条码或追溯码，请分别扫描条码和追溯码".into(),
                    );
                };
                let gtin13 = gtin14.strip_prefix('0').unwrap_or(gtin14);
                let rows = self.store.products_by_barcode(gtin13).map_err(store_err)?;
                let rows = if rows.is_empty() {
                    self.store.products_by_barcode(gtin14).map_err(store_err)?
                } else {
                    rows
                };
                let Some(p) = pick(rows) else {
                    return refuse(
                        "unknown_barcode",
                        format!("条码 {gtin13} 不在本店药品目录中，请核对药品"),
                    );
                };
                (p, serial.to_string(), g.lot().map(str::to_string))
            }
            _ => {
                return refuse(
                    "not_a_box_code",
                    format!(
                        "扫到的是{}，调配时请扫描药盒条码和追溯码",
                        scan.kind.label_zh()
                    ),
                )
            }
        };
        let (drug_id, row) = product;
        if !row.trace_prefix.is_empty() && !trace.starts_with(&row.trace_prefix) {
            return refuse(
                "trace_code_mismatch",
                format!(
                    "追溯码 {trace} 不属于 {}（药品标识码不符），请扫描同一盒药品的追溯码",
                    row.name
                ),
            );
        }
        let batches = self
            .stock_of(drug_id, &row.med_list_codg)
            .map_err(|e| ("store".to_string(), e.message_zh))?;
        let batch_id = match &lot {
            Some(l) => batches
                .iter()
                .find(|b| &b.manu_lotnum == l)
                .map(|b| b.batch_id.clone())
                .or(Some(l.clone())),
            None => None,
        };
        let sold = self.store.trace_code_sold(&trace).map_err(store_err)?;
        let traces = move |_: &rxdesk_core::code_format::TraceCode| {
            if sold {
                TraceState::SoldLocally
            } else {
                TraceState::Unsold
            }
        };
        let product = row.to_product();
        let Some(disp) = a.dispensing.as_mut() else {
            return refuse("not_dispensing", "当前不在调配步骤".into());
        };
        let scan_box = BoxScan {
            barcode: product.barcode.clone(),
            trace_code: trace.clone(),
            batch_id,
        };
        match disp.scan_box(&scan_box, &product, &batches, &traces, today_cst()) {
            Ok(item) => {
                let msg = format!(
                    "{} 已配 1 盒（批号 {}，有效期至 {}）",
                    row.name, item.manu_lotnum, item.expy_end
                );
                a.products
                    .insert(row.fixmedins_hilist_id.clone(), (drug_id, row.clone()));
                tracing::info!(trace = %trace, "box dispensed");
                Ok(msg)
            }
            Err(e) => refuse(dispense_code(&e), e.message_zh()),
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
        let (ok, code, message_zh) = {
            let _e = span.enter();
            match self.no_code_in(a, line, packs, reason) {
                Ok(msg) => (true, "no_code_ok".to_string(), msg),
                Err((c, m)) => {
                    tracing::info!(code = %c, "no-code dispensing refused");
                    (false, c, m)
                }
            }
        };
        Ok(ScanOutcome {
            ok,
            code,
            message_zh,
            visit: self.view(a),
        })
    }

    fn no_code_in(
        &self,
        a: &mut Active,
        line: usize,
        packs: &str,
        reason: &str,
    ) -> Result<String, (String, String)> {
        let refuse = |c: &str, m: String| Err((c.to_string(), m));
        if !matches!(a.visit.state(), VisitState::Dispensing) {
            return refuse("not_dispensing", "当前不在调配步骤".into());
        }
        let Some(codg) = a
            .visit
            .prescription()
            .and_then(|p| p.lines.get(line))
            .map(|l| l.med_list_codg.clone())
        else {
            return refuse("no_such_line", format!("处方没有第 {} 行药品", line + 1));
        };
        let qty: Decimal = match packs.trim().parse::<Decimal>() {
            Ok(q) if q > Decimal::ZERO && q.scale() <= 4 => q,
            _ => {
                return refuse(
                    "bad_quantity",
                    format!(
                        "数量“{}”无效：请输入大于 0 的盒数（拆零可填小数，如 0.5）",
                        packs.trim()
                    ),
                )
            }
        };
        let store_err =
            |e: rxdesk_store::StoreError| ("store".to_string(), format!("账本读取失败：{e}"));
        let Some((drug_id, row)) = self
            .store
            .products_by_med_list_codg(&codg)
            .map_err(store_err)?
            .into_iter()
            .next()
        else {
            return refuse(
                "not_in_catalogue",
                format!("医保编码 {codg} 不在本店药品目录中，不能配药"),
            );
        };
        let batches = self
            .stock_of(drug_id, &codg)
            .map_err(|e| ("store".to_string(), e.message_zh))?;
        let product = row.to_product();
        let Some(disp) = a.dispensing.as_mut() else {
            return refuse("not_dispensing", "当前不在调配步骤".into());
        };
        match disp.from_no_code_store(
            &product,
            qty * product.pack_size,
            reason,
            &batches,
            today_cst(),
        ) {
            Ok(item) => {
                let msg = format!(
                    "{} 从无码库配 {}{}（批号 {}，有效期至 {}；原因：{}）",
                    row.name,
                    qty.normalize(),
                    row.unit,
                    item.manu_lotnum,
                    item.expy_end,
                    reason.trim()
                );
                a.products
                    .insert(row.fixmedins_hilist_id.clone(), (drug_id, row.clone()));
                tracing::info!(line, "dispensed from the no-code store");
                Ok(msg)
            }
            Err(e) => refuse(dispense_code(&e), e.message_zh()),
        }
    }

    /// Dispensing finished: every line filled.
    pub async fn finish_dispensing(&self, _by: &Session) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let _e = self.span(&a.id(), "finish_dispensing").entered();
        let disp = a
            .dispensing
            .clone()
            .ok_or_else(|| StepError::new("VISIT_ILLEGAL_TRANSITION", "当前不在调配步骤"))?;
        let items = disp
            .finish(false)
            .map_err(|e| StepError::new(e.code(), e.message_zh()))?;
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
