//! Settlement step: the 2101 pre-settlement input built from the dispensed
//! boxes, 2102 journalled before it leaves, an uncertain answer resolved only
//! by 2601 冲正 of its msgid, and a 2102 whose total differs from 2101
//! reversed at once (2103). Kept apart because these are the money-safety
//! rules of the counter (see the module doc of `visit`).

use super::recovery;
use super::view::VisitView;
use super::{no_visit, Active, StepError};
use super::{CenterAction, OutOfStep};
use chrono::Utc;
use rust_decimal::Decimal;
use rxdesk_center::messages::MedType;
use rxdesk_center::messages::{DrugDetail, SettleData, SettleInput, SettleOutput};
use rxdesk_center::CenterError;
use rxdesk_core::dispense::DispensedItem;
use rxdesk_core::settlement::{SelfPayBreakdown, SettlementSplit};
use rxdesk_core::time::format_wire;
use rxdesk_core::visit::{Resolution, VisitState};
use rxdesk_core::{Amount, Price};
use rxdesk_store::Session;
use rxdesk_store::{AttemptState, UploadState};
use std::collections::HashMap;
use tracing::Instrument;

impl super::VisitService {
    fn settle_input(&self, a: &Active) -> Result<(SettleInput, Amount), StepError> {
        let rx = a.visit.prescription().ok_or(StepError::NoPrescription)?;
        let p = a.patient.as_ref().ok_or(StepError::NoPatient)?;
        // Which settlement this is (门诊统筹 / 门慢特 / 双通道 / 药店购药), as
        // the prescription's visit and the person's 1101 answer demand.
        let insured =
            crate::settle_types::insured_facts(p.insutype.code(), &p.insu_status, p.balance);
        let plan = match &a.opened {
            Some(o) => crate::settle_types::plan_for_prescription(&o.prescription, &insured),
            // A visit restored from the journal settles as it was planned.
            None => rxdesk_core::settle_kind::plan(
                &rxdesk_core::settle_kind::Purchase::Prescription(Default::default()),
                &insured,
            ),
        }
        .map_err(StepError::SettlementKind)?;
        let now = format_wire(Utc::now());
        let mut total = Amount::ZERO;
        let mut lines = Vec::new();
        for (n, l) in rx.lines.iter().enumerate() {
            let items: Vec<&DispensedItem> =
                a.visit.dispensed().iter().filter(|i| i.line == n).collect();
            let Some(first) = items.first() else { continue };
            let (_, row) = a
                .products
                .get(&first.fixmedins_hilist_id)
                .ok_or(StepError::NoProduct)?;
            let cnt: Decimal = items.iter().map(|i| i.line_quantity).sum();
            let per_pack = first.min_units_per_line_unit();
            let pric = if per_pack == row.pack_size || row.pack_size.is_zero() {
                row.price
            } else {
                Price::round(row.price.value() * per_pack / row.pack_size)
                    .map_err(StepError::Price)?
            };
            let sum = pric.times(cnt).map_err(StepError::Price)?;
            total = total.checked_add(sum).map_err(StepError::Price)?;
            lines.push(DrugDetail {
                feedetl_sn: format!("{}{:02}", a.id(), n + 1),
                rxno: rx.rx_no.0.clone(),
                rx_circ_flag: "1".into(),
                fee_ocur_time: now.clone(),
                med_list_codg: l.med_list_codg.clone(),
                medins_list_codg: row.fixmedins_hilist_id.clone(),
                det_item_fee_sumamt: sum,
                cnt,
                pric,
                sin_dos_dscr: l.single_dose.clone(),
                used_frqu_dscr: l.frequency.clone(),
                prd_days: Decimal::from(l.days),
                medc_way_dscr: l.route.clone(),
                bilg_dr_codg: plan.bilg_dr_codg.clone(),
                bilg_dr_name: if plan.bilg_dr_name.is_empty() {
                    a.doctor_name()
                } else {
                    plan.bilg_dr_name.clone()
                },
                tcmdrug_used_way: String::new(),
                minpacunt_drug_trac_cnt: self.desk.trace_count().then(|| {
                    Decimal::from(items.iter().filter(|i| i.trace_code.is_some()).count())
                }),
            });
        }
        Ok((
            SettleInput {
                data: SettleData {
                    psn_no: p.psn_no.clone(),
                    mdtrt_cert_type: p.mdtrt_cert_type.clone(),
                    mdtrt_cert_no: p.mdtrt_cert_no.clone(),
                    begntime: now,
                    medfee_sumamt: total,
                    invono: String::new(),
                    insutype: p.insutype.clone(),
                    dise_codg: plan.dise_codg.clone(),
                    dise_name: plan.dise_name.clone(),
                    acct_used_flag: plan.acct_used_flag.clone(),
                    med_type: MedType::from_code(&plan.med_type),
                    exp_content: String::new(),
                },
                drugdetail: lines,
            },
            total,
        ))
    }

    fn settle_ctx(&self, by: &Session, a: &Active) -> rxdesk_center::Ctx {
        let mut ctx = self.desk.ctx(by);
        if let Some(p) = &a.patient {
            if !p.insuplc_admdvs.is_empty() {
                ctx.insuplc_admdvs = p.insuplc_admdvs.clone();
            }
        }
        ctx
    }

    /// Waits (bounded) until the audit's 7204 upload reached the center:
    /// the center settles only audited prescriptions.
    async fn audit_delivered(&self, a: &Active) -> Result<(), StepError> {
        let Some(id) = a.audit.as_ref().and_then(|x| x.upload_id) else {
            return Ok(());
        };
        for _ in 0..100 {
            match self.store.upload(id)?.state {
                UploadState::Done => return Ok(()),
                UploadState::Rejected => {
                    return Err(StepError::AuditUploadRejected { upload_id: id })
                }
                _ => tokio::time::sleep(std::time::Duration::from_millis(150)).await,
            }
        }
        Err(StepError::AuditNotUploaded { upload_id: id })
    }

    /// 2101: the fund / account / cash split, explained.
    pub async fn pre_settle(&self, by: &Session) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "pre_settle");
        async {
            if !matches!(a.visit.state(), VisitState::Dispensed | VisitState::PreSettled) {
                return Err(StepError::OutOfStep { step: OutOfStep::NotDispensed });
            }
            self.audit_delivered(a).await?;
            let (input, total) = self.settle_input(a)?;
            let out = self
                .desk
                .center()
                .pre_settle(&self.settle_ctx(by, a), &input)
                .await
                .map_err(|e| StepError::center(CenterAction::PreSettle, &e))?;
            let split = split_of(&out)?;
            a.visit.pre_settled(split, total)?;
            tracing::info!(total = %total, fund = %split.fund(), cash = %split.cash(), "pre-settled (2101)");
            a.settle_input = Some(input);
            a.settle_output = Some(out);
            rxdesk_store::crashpoint!("visit_after_2101");
            a.notice_zh = None;
            Ok(())
        }
        .instrument(span)
        .await?;
        self.persist_logged(a);
        Ok(self.view(a))
    }

    /// 2102 with a journalled msgid; a definite refusal goes back to the
    /// pre-settlement, anything else is uncertain.
    pub async fn settle(&self, by: &Session) -> Result<VisitView, StepError> {
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or_else(no_visit)?;
        let span = self.span(&a.id(), "settle");
        async {
            if !matches!(a.visit.state(), VisitState::PreSettled) {
                return Err(StepError::OutOfStep { step: OutOfStep::NotPreSettled });
            }
            let input = a
                .settle_input
                .clone()
                .ok_or(StepError::NoPreSettlement)?;
            let msgid = self
                .desk
                .next_msgid()
                .map_err(|e| StepError::center(CenterAction::Settle, &e))?;
            let input_json = serde_json::to_string(&input)
                .map_err(|e| StepError::Internal { detail: e.to_string() })?;
            let rx_id = a.rx_id();
            // The sale lines at the prices being settled: the sale is
            // recorded from these, never from live catalogue prices.
            a.sale_lines = self.frozen_sale_lines(a)?;
            // Journal first: if the process dies after this line, start-up
            // finds the attempt and asks for its resolution.
            rxdesk_store::crashpoint!("visit_before_2102_journal");
            let attempt = self.store.begin_settlement_attempt(
                by,
                &a.id(),
                rx_id,
                &msgid,
                &input_json,
            )?;
            a.attempt_id = Some(attempt);
            a.visit.settlement_sent(msgid.clone(), by.login())?;
            self.persist(a)?;
            tracing::info!(%msgid, "settling (2102)");
            let ctx = self.settle_ctx(by, a).with_msgid(&msgid);
            let presettled_total = a.visit.split().map(|s| s.total());
            rxdesk_store::crashpoint!("visit_after_2102_journal_before_send");
            let answer = self.desk.center().settle(&ctx, &input).await;
            match answer {
                Ok(out) => {
                    rxdesk_store::crashpoint!("visit_after_2102_before_journal_outcome");
                    let split = split_of(&out);
                    let out_json = serde_json::to_string(&out).unwrap_or_default();
                    self.store.finish_settlement_attempt(
                        attempt,
                        AttemptState::Settled,
                        Some(&out.setlinfo.setl_id),
                        Some(&out_json),
                        "2102 answered",
                    )?;
                    let total = out.setlinfo.medfee_sumamt;
                    if total != input.data.medfee_sumamt
                        || presettled_total.is_some_and(|t| t != total)
                    {
                        // The fund was charged for another amount than the
                        // patient agreed to: stop and reverse it at once.
                        tracing::error!(settled = %total, presettled = %input.data.medfee_sumamt, "2102 total differs from 2101: reversing");
                        a.visit.settlement_timed_out()?;
                        self.persist(a)?;
                        return self
                            .reverse_mismatched(by, a, attempt, &out)
                            .await;
                    }
                    rxdesk_store::crashpoint!("visit_after_2102_before_sale");
                    let split = match split {
                        Ok(s) => s,
                        Err(e) => {
                            // Settled at the center, but the figures are wrong:
                            // keep it uncertain so it is reversed, never sold.
                            a.visit.settlement_timed_out()?;
                            self.persist_logged(a);
                            return Err(e);
                        }
                    };
                    a.visit.settled(out.setlinfo.setl_id.clone(), split)?;
                    tracing::info!(setl_id = %out.setlinfo.setl_id, "settled");
                    self.notify_face_terminal(a, &out);
                    a.settle_output = Some(out);
                    a.notice_zh = None;
                    self.persist(a)?;
                }
                Err(CenterError::Rejected { code, message }) => {
                    self.store.finish_settlement_attempt(
                        attempt,
                        AttemptState::Failed,
                        None,
                        None,
                        &format!("{code} {message}"),
                    )?;
                    a.visit.settlement_rejected()?;
                    tracing::warn!(%code, "settlement refused by the center");
                    a.notice_zh = Some(format!(
                        "医保中心拒绝结算（{code}）：{message}。未扣费；请核对后重新预结算，或取消本次服务"
                    ));
                }
                Err(CenterError::Invalid(m)) => {
                    self.store.finish_settlement_attempt(
                        attempt,
                        AttemptState::Failed,
                        None,
                        None,
                        &format!("not sent: {m}"),
                    )?;
                    a.visit.settlement_rejected()?;
                    a.notice_zh = Some(format!("结算请求未发送（{m}），未扣费；请检查中心配置后重试"));
                }
                Err(e) => {
                    self.store.finish_settlement_attempt(
                        attempt,
                        AttemptState::Uncertain,
                        None,
                        None,
                        &e.to_string(),
                    )?;
                    a.visit.settlement_timed_out()?;
                    tracing::warn!(error = %e, "settlement uncertain: 2601 needed");
                    a.notice_zh = None;
                }
            }
            self.persist_logged(a);
            Ok(())
        }
        .instrument(span)
        .await?;
        Ok(self.view(a))
    }

    async fn reverse(
        &self,
        by: &Session,
        psn_no: &str,
        msgid: &str,
        sent_at_ms: i64,
    ) -> Result<AttemptState, StepError> {
        Ok(
            match self.resolve_2102(by, psn_no, msgid, sent_at_ms).await? {
                recovery::Uncertain2102::Reversed => AttemptState::Reversed,
                recovery::Uncertain2102::NotSettled => AttemptState::NotSettled,
            },
        )
    }

    /// The sale lines of the dispensed boxes at the catalogue prices the
    /// settlement input was computed with (frozen before 2102 leaves).
    fn frozen_sale_lines(&self, a: &Active) -> Result<Vec<recovery::JournalLine>, StepError> {
        self.frozen_lines(a.visit.dispensed(), &a.products)
    }

    /// [`Self::frozen_sale_lines`] over any dispensed items (the OTC sale's
    /// too): one line per batch and split flag (a split portion its own line
    /// per opened box, so the range it takes is that box's), packs, price,
    /// trace codes.
    pub(super) fn frozen_lines(
        &self,
        items: &[DispensedItem],
        products: &HashMap<String, super::ProductRow>,
    ) -> Result<Vec<recovery::JournalLine>, StepError> {
        let mut lines: Vec<recovery::JournalLine> = Vec::new();
        let mut by_batch: HashMap<(i64, bool, Option<String>), usize> = HashMap::new();
        for item in items {
            let (drug_id, row) = products
                .get(&item.fixmedins_hilist_id)
                .ok_or(StepError::NoProduct)?;
            let batch_row = self
                .store
                .stock_batches(*drug_id)?
                .into_iter()
                .find(|b| b.fixmedins_bchno == item.batch_id)
                .ok_or_else(|| StepError::NoBatch {
                    batch: item.batch_id.clone(),
                })?;
            let opened_box = if item.split {
                item.trace_code.as_ref().map(|t| t.as_str().to_string())
            } else {
                None
            };
            let key = (batch_row.id, item.split, opened_box);
            let idx = *by_batch.entry(key).or_insert_with(|| {
                lines.push(recovery::JournalLine {
                    batch_id: batch_row.id,
                    quantity: Decimal::ZERO,
                    price: row.price,
                    split: item.split,
                    trace_codes: Vec::new(),
                });
                lines.len() - 1
            });
            lines[idx].quantity += item.packs();
            if let Some(t) = &item.trace_code {
                lines[idx].trace_codes.push(t.as_str().to_string());
            }
        }
        for l in &mut lines {
            l.quantity = l.quantity.normalize();
        }
        Ok(lines)
    }

    /// 2102 settled another total than 2101: reverse it with 2103 now
    /// (journalled in the attempt); an unknown outcome stays uncertain and
    /// is resolved by 2601 of the 2102 like any uncertain settlement.
    async fn reverse_mismatched(
        &self,
        by: &Session,
        a: &mut Active,
        attempt: i64,
        out: &SettleOutput,
    ) -> Result<(), StepError> {
        let s = &out.setlinfo;
        let msgid = self
            .desk
            .next_msgid()
            .map_err(|e| StepError::center(CenterAction::ReverseSettlement, &e))?;
        self.store.note_settlement_attempt(
            attempt,
            &format!(
                "2102 total {} differs from 2101: 2103 {msgid} sent",
                s.medfee_sumamt
            ),
        )?;
        let data = rxdesk_center::messages::SettleReverseData {
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
            recovery::Reversal2103::Reversed => {
                self.store.finish_settlement_attempt(
                    attempt,
                    AttemptState::Reversed,
                    None,
                    None,
                    "2102 total differs from 2101: reversed by 2103",
                )?;
                a.visit.resolve_uncertain(Resolution::Reversed)?;
                a.notice_zh = Some(format!(
                    "医保结算金额 {} 元与预结算金额不一致，已自动撤销该笔结算（未扣费）。请重新预结算并核对金额",
                    s.medfee_sumamt
                ));
                self.persist_logged(a);
                Ok(())
            }
            recovery::Reversal2103::Refused(m) | recovery::Reversal2103::Uncertain(m) => {
                tracing::error!(detail = %m, "2103 of a mismatched settlement not done");
                a.notice_zh = Some(format!(
                    "医保结算金额 {} 元与预结算金额不一致，自动撤销未完成（{m}）：请点击“处理未知结算”冲正，切勿收费",
                    s.medfee_sumamt
                ));
                self.persist_logged(a);
                Ok(())
            }
        }
    }

    /// Resolves an uncertain settlement by 2601 冲正 of its msgid (then a
    /// fresh pre-settlement and 2102 may follow).
    pub async fn resolve_uncertain(&self, by: &Session) -> Result<VisitView, StepError> {
        if let Some(o) = self.orphan() {
            let span =
                tracing::info_span!("visit_step", visit = %o.visit_id, step = "resolve_orphan");
            if o.state == AttemptState::Settled {
                // Charged, with no lines to sell: a manager's reversal.
                by.require(rxdesk_store::operators::Permission::Refund)?;
            }
            let psn_no = serde_json::from_str::<SettleInput>(&o.input_json)
                .map(|i| i.data.psn_no)
                .unwrap_or_default();
            rxdesk_store::crashpoint!("visit_before_2601");
            let outcome = self
                .reverse(by, &psn_no, &o.msgid, o.created_at)
                .instrument(span)
                .await?;
            rxdesk_store::crashpoint!("visit_after_2601_before_journal");
            self.store.finish_settlement_attempt(
                o.id,
                outcome,
                None,
                None,
                "resolved after restart by 2601",
            )?;
            self.close_journal(
                &o.visit_id,
                &format!("settlement resolved: {}", outcome.code()),
            );
            rxdesk_store::crashpoint!("visit_after_2601_journal");
            tracing::info!(msgid = %o.msgid, outcome = outcome.code(), "orphan settlement resolved");
            self.orphans
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .retain(|x| x.id != o.id);
            let mut v = self.orphan_view(&o);
            v.state = "closed".into();
            v.state_zh = "已结束".into();
            v.closed_reason_zh = Some(format!(
                "中断的结算已处理（{}），未重复收费",
                outcome.label_zh()
            ));
            v.next_step_zh = "请开始接待，为该患者重新办理".into();
            return Ok(v);
        }
        let mut guard = self.active.lock().await;
        let a = guard.as_mut().ok_or(StepError::NoVisit)?;
        self.resolve_in(a, by).await?;
        Ok(self.view(a))
    }

    /// The resolution of an uncertain settlement (query / 2601 冲正) on one
    /// visit: the active one, or a parked one (`resolve_parked`).
    pub(super) async fn resolve_in(&self, a: &mut Active, by: &Session) -> Result<(), StepError> {
        let span = self.span(&a.id(), "resolve_uncertain");
        async {
            if !matches!(a.visit.state(), VisitState::SettlementUncertain) {
                return Err(StepError::NotUncertain);
            }
            let msgid = a
                .visit
                .settlement_msgid()
                .map(str::to_string)
                .ok_or(StepError::NoMsgid)?;
            let psn_no = a
                .patient
                .as_ref()
                .map(|p| p.psn_no.clone())
                .unwrap_or_default();
            rxdesk_store::crashpoint!("visit_before_2601");
            let sent_at = match a.attempt_id {
                Some(id) => self.store.settlement_attempt(id)?.created_at,
                None => self.store.now_ms(),
            };
            let outcome = self.reverse(by, &psn_no, &msgid, sent_at).await?;
            rxdesk_store::crashpoint!("visit_after_2601_before_journal");
            if let Some(id) = a.attempt_id {
                self.store.finish_settlement_attempt(
                    id,
                    outcome,
                    None,
                    None,
                    "resolved by 2601",
                )?;
            }
            a.visit
                .resolve_uncertain(if outcome == AttemptState::Reversed {
                    Resolution::Reversed
                } else {
                    Resolution::NotSettled
                })?;
            rxdesk_store::crashpoint!("visit_after_2601_journal");
            tracing::info!(%msgid, outcome = outcome.code(), "uncertain settlement resolved");
            a.notice_zh = Some(format!(
                "上一笔结算已处理（{}），未扣费。请重新预结算后再确认结算",
                outcome.label_zh()
            ));
            self.persist_logged(a);
            Ok(())
        }
        .instrument(span)
        .await
    }
}

pub(super) fn split_of(out: &SettleOutput) -> Result<SettlementSplit, StepError> {
    let s = &out.setlinfo;
    SettlementSplit::new(
        s.medfee_sumamt,
        s.fund_pay_sumamt,
        s.acct_pay,
        s.psn_cash_pay,
        SelfPayBreakdown {
            full_own_pay: s.fulamt_ownpay_amt,
            over_limit: s.overlmt_selfpay,
            pre_self_pay: s.preselfpay_amt,
            deductible: s.act_pay_dedc,
        },
    )
    .map_err(StepError::from)
}

/// Smallest units per unit of a dispensed line.
trait LineFactor {
    fn min_units_per_line_unit(&self) -> Decimal;
}

impl LineFactor for DispensedItem {
    fn min_units_per_line_unit(&self) -> Decimal {
        if self.line_quantity.is_zero() {
            self.pack_size
        } else {
            self.min_units / self.line_quantity
        }
    }
}
