//! The ledger's write APIs. Each one is a single transaction that records the
//! change AND the outbox rows that report it to the center:
//!
//! | API | ledger rows | uploads (chain = the prescription's `hi_rxno`, or `sale:<id>`) |
//! |---|---|---|
//! | [`Store::record_audit`] | `rx_audits` | 7204 |
//! | [`Store::record_sale`] | `sales`, `sale_lines`, `trace_codes`, `settlements`, stock | 3505 per line, then 7206 (prescription sales) |
//! | [`Store::record_refund`] | `refunds`, stock back, codes returned (after 2103 and the money: `money.rs`) | 3506 per line, then 7208 (prescription sales) |
//! | [`Store::record_delivery`] | `deliveries` | 7205 |
//!
//! Payloads are the family-A `input` objects (docs/reference/wire-protocol.md §4.1, §7: node
//! `data` for 7204/7205/2103, `selinfo` for 3505/3506, `data` + `selinfo` for
//! 7206) built from what the ledger holds as the typed messages of
//! `rxdesk-wire` (the ones the client sends and the emulator parses;
//! docs/decisions/0016-typed-uploads.md) and queued through `Store::enqueue_upload`, which
//! takes the `infno` from the type; the center adapter wraps them in the
//! envelope.

use crate::error::{classify, Result, StoreError};
use crate::operators::{wire_time, Permission};
use crate::{auditlog, get_meta, Session, Store};
use rusqlite::{params, OptionalExtension, Transaction};
use rust_decimal::Decimal;
use rxdesk_core::{Amount, Price};
use rxdesk_wire::messages::{
    DeliveryData, DeliveryInput, DrugTrace, PayMode, RxAuditData, RxAuditInput, RxSaleLine,
    SaleInfo, SaleInput, SaleReturnInfo, SaleReturnInput, SalesUndoData, SalesUndoInput,
    WriteOffData, WriteOffInput,
};
use serde::Serialize;
use serde_json::json;
use std::str::FromStr;

/// Quantities are stored as ten-thousandths (`numeric(16,4)`).
fn qty_to_e4(q: Decimal) -> Result<i64> {
    let scaled = q * Decimal::from(10_000);
    if scaled.fract() != Decimal::ZERO || q <= Decimal::ZERO {
        return Err(StoreError::Invalid(format!(
            "quantity {q} must be positive with at most 4 decimals"
        )));
    }
    i64::try_from(scaled).map_err(|_| StoreError::Invalid(format!("quantity {q} too large")))
}

fn e4_to_qty(e4: i64) -> Decimal {
    Decimal::new(e4, 4).normalize()
}

/// The `drugtracinfo` node of a line: one element per box's trace code.
fn drug_traces(codes: &[String]) -> Vec<DrugTrace> {
    codes
        .iter()
        .map(|c| DrugTrace {
            drug_trac_codg: c.clone(),
        })
        .collect()
}

/// A catalogue entry.
#[derive(Debug, Clone)]
pub struct NewDrug {
    /// 定点医药机构目录编号 (unique in the store).
    pub fixmedins_hilist_id: String,
    /// 医疗目录编码.
    pub med_list_codg: String,
    /// Name shown and sent as `fixmedins_hilist_name`.
    pub name: String,
    /// 通用名.
    pub genname: String,
    /// 剂型.
    pub dosform: String,
    /// 规格.
    pub spec: String,
    /// Unit (`drug_cnt_unit`).
    pub unit: String,
    /// 生产厂家.
    pub prdr_name: String,
    /// 批准文号.
    pub aprvno: String,
    /// 处方药标志 (`1` prescription drug).
    pub rx_flag: String,
    /// Retail price.
    pub price: Price,
}

/// A stock batch.
#[derive(Debug, Clone)]
pub struct NewBatch {
    /// Drug row id.
    pub drug_id: i64,
    /// 定点医药机构批次流水号 (unique).
    pub fixmedins_bchno: String,
    /// 生产批号.
    pub manu_lotnum: String,
    /// 生产日期 `yyyy-MM-dd`.
    pub manu_date: String,
    /// 有效期止 `yyyy-MM-dd`.
    pub expy_end: String,
    /// Quantity received.
    pub quantity: Decimal,
}

/// A prescription as downloaded (7203), kept verbatim.
#[derive(Debug, Clone)]
pub struct DownloadedPrescription {
    /// 医保处方编号.
    pub hi_rxno: String,
    /// Issuing institution.
    pub fixmedins_code: String,
    /// The epc_token / auth_rxno used to download (sent back in 7206).
    pub download_ide_code: String,
    /// The 7203 output exactly as received (sealed at rest).
    pub raw_payload: String,
    /// `signDigest`.
    pub sign_digest: Option<String>,
    /// `signCertSn`.
    pub sign_cert_sn: Option<String>,
    /// `signCertDn`.
    pub sign_cert_dn: Option<String>,
    /// Patient name (sealed).
    pub patient_name: String,
    /// Patient ID number (sealed, plus a keyed hash for lookup).
    pub patient_certno: String,
}

/// A downloaded prescription with its personal fields sealed
/// ([`Store::seal_prescription`]), ready to be recorded.
pub struct SealedPrescription {
    hi_rxno: String,
    fixmedins_code: String,
    download_ide_code: String,
    raw_payload: Vec<u8>,
    sign_digest: Option<String>,
    sign_cert_sn: Option<String>,
    sign_cert_dn: Option<String>,
    patient_name: Vec<u8>,
    patient_certno: Vec<u8>,
    patient_certno_hash: [u8; 32],
    downloaded_by: i64,
}

impl std::fmt::Debug for SealedPrescription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedPrescription")
            .field("hi_rxno", &self.hi_rxno)
            .field("raw_payload_bytes", &self.raw_payload.len())
            .finish_non_exhaustive()
    }
}

/// Inserts a verdict row (inside the caller's transaction).
fn insert_verdict(tx: &Transaction<'_>, rx_id: i64, v: &Verdict, now: i64) -> Result<i64> {
    tx.execute(
        "INSERT INTO verdicts (prescription_id, valid, reason, signer_dn, signer_sn, checked_at, warnings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            rx_id,
            v.valid as i64,
            v.reason,
            v.signer_dn,
            v.signer_sn,
            now,
            serde_json::to_string(&v.warnings).unwrap_or_else(|_| "[]".into())
        ],
    )
    .map_err(StoreError::sql("record verdict"))?;
    Ok(tx.last_insert_rowid())
}

/// Outcome of the local signature verification.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// Whether every check passed.
    pub valid: bool,
    /// The exact reason (failure) or a summary (success).
    pub reason: String,
    /// Signer certificate subject.
    pub signer_dn: Option<String>,
    /// Signer certificate serial.
    pub signer_sn: Option<String>,
    /// Non-blocking warnings of a valid verdict (`code: message`), e.g. a
    /// stale CRL accepted within its grace period (stored as a JSON array).
    pub warnings: Vec<String>,
}

/// A pharmacist's audit decision (`rx_chk_stas_codg`: 1 通过, 2 不通过, 3 需医生确认).
#[derive(Debug, Clone)]
pub struct AuditDecision {
    /// Prescription row id.
    pub prescription_id: i64,
    /// `1`, `2` or `3`.
    pub status_code: String,
    /// 审核意见 (required when rejecting).
    pub opinion: String,
    /// The 复核药师 (a second, active pharmacist of this store), if one
    /// reviewed; 7204 then names her in `rchk_phar_*`. Without one the
    /// auditor reviewed her own audit (one pharmacist on duty) and is sent
    /// there, as the wire requires the fields.
    pub reviewer_id: Option<i64>,
}

/// One line of a sale.
#[derive(Debug, Clone)]
pub struct NewSaleLine {
    /// Stock batch row id (determines the drug).
    pub batch_id: i64,
    /// Quantity.
    pub quantity: Decimal,
    /// Price; the catalogue price when `None`.
    pub price: Option<Price>,
    /// 拆零 (split package).
    pub split: bool,
    /// 20-digit trace codes of the boxes sold.
    pub trace_codes: Vec<String>,
}

/// The center's settlement (2102 output) for an insured sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewSettlement {
    /// 结算ID.
    pub setl_id: String,
    /// 就诊ID.
    pub mdtrt_id: String,
    /// 人员编号.
    pub psn_no: String,
    /// 医疗费总额 (must equal the sale total).
    pub medfee_sumamt: Amount,
    /// 基金支付总额.
    pub fund_pay_sumamt: Amount,
    /// 个人负担总金额.
    pub psn_part_amt: Amount,
    /// 个人账户支出.
    pub acct_pay: Amount,
    /// 个人现金支出.
    pub psn_cash_pay: Amount,
    /// 结算时间 (unix ms).
    pub setl_time: i64,
}

/// A sale.
#[derive(Debug, Clone)]
pub struct NewSale {
    /// The prescription sold against, if any (must be verified and audited `1`).
    pub prescription_id: Option<i64>,
    /// Lines.
    pub lines: Vec<NewSaleLine>,
    /// Settlement, for insured sales.
    pub settlement: Option<NewSettlement>,
    /// Prescribing doctor (`prsc_dr_name`).
    pub doctor_name: String,
    /// 医保费用结算类型 (`hi_feesetl_type`).
    pub hi_feesetl_type: String,
}

/// 代购: the agent who buys for the patient (stored with the sale, V9).
#[derive(Clone, PartialEq, Eq)]
pub struct NewProxy {
    /// The agent's name (sealed at rest).
    pub agent_name: String,
    /// The agent's ID number (sealed at rest).
    pub agent_certno: String,
    /// One of [`PROXY_RELATIONSHIPS`]' codes.
    pub relationship: String,
    /// Where the authorisation came from (the identification flow).
    pub authorisation: String,
}

impl std::fmt::Debug for NewProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewProxy")
            .field("agent_name", &self.agent_name)
            .field(
                "agent_certno",
                &rxdesk_core::prescription::mask_id_number(&self.agent_certno),
            )
            .field("relationship", &self.relationship)
            .finish_non_exhaustive()
    }
}

/// The relationships a 代购 agent may have to the patient: `(code, zh-CN)`.
pub const PROXY_RELATIONSHIPS: &[(&str, &str)] = &[
    ("spouse", "配偶"),
    ("parent", "父母"),
    ("child", "子女"),
    ("grandparent", "祖父母/外祖父母"),
    ("grandchild", "孙子女/外孙子女"),
    ("sibling", "兄弟姐妹"),
    ("guardian", "监护人"),
];

/// The zh-CN label of a relationship code.
pub fn relationship_zh(code: &str) -> Option<&'static str> {
    PROXY_RELATIONSHIPS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, zh)| *zh)
}

/// A sale's 代购 agent as read back (ID number masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProxyRecord {
    /// The agent's name.
    pub agent_name: String,
    /// The agent's ID number, masked.
    pub agent_certno_masked: String,
    /// Relationship code.
    pub relationship: String,
    /// Relationship, zh-CN.
    pub relationship_zh: String,
    /// Where the authorisation came from.
    pub authorisation: String,
}

/// What [`Store::record_sale`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SaleReceipt {
    /// Sale row id.
    pub sale_id: i64,
    /// 零售单据号.
    pub rtal_docno: String,
    /// Total.
    pub total: String,
    /// Outbox rows created.
    pub upload_ids: Vec<i64>,
}

/// A delivery status change (7205).
#[derive(Debug, Clone)]
pub struct DeliveryStatus {
    /// Prescription row id.
    pub prescription_id: i64,
    /// 配送业务编号.
    pub delv_no: String,
    /// 配送企业名称.
    pub delv_entp_name: String,
    /// `delv_stas_codg`: 1 已接单, 2 配送中, 3 已签收, 4 拒收.
    pub status_code: String,
    /// 状态描述.
    pub description: String,
}

fn delv_name(code: &str) -> &'static str {
    match code {
        "1" => "已接单",
        "2" => "配送中",
        "3" => "已签收",
        _ => "拒收",
    }
}

struct RxInfo {
    hi_rxno: String,
    download_ide_code: String,
    patient_name: String,
    patient_certno: String,
}

impl Store {
    fn institution_name(&self, tx: &Transaction<'_>) -> Result<String> {
        Ok(get_meta(tx, "fixmedins_name")?.unwrap_or_default())
    }

    fn rx_info(&self, tx: &Transaction<'_>, rx_id: i64) -> Result<RxInfo> {
        let (hi_rxno, ide, name, certno): (String, String, Vec<u8>, Vec<u8>) = tx
            .query_row(
                "SELECT hi_rxno, download_ide_code, patient_name_enc, patient_certno_enc
                 FROM prescriptions WHERE id = ?1",
                [rx_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(StoreError::sql("read prescription"))?
            .ok_or_else(|| StoreError::NotFound(format!("prescription {rx_id}")))?;
        Ok(RxInfo {
            hi_rxno,
            download_ide_code: ide,
            patient_name: self.sealer().open_str(&name)?,
            patient_certno: self.sealer().open_str(&certno)?,
        })
    }

    /// Adds a catalogue entry.
    pub fn add_drug(&self, by: &Session, d: &NewDrug) -> Result<i64> {
        by.require(Permission::Administer)?;
        self.write("add drug", |tx| {
            tx.execute(
                "INSERT INTO drugs (fixmedins_hilist_id, med_list_codg, name, genname, dosform, spec, unit,
                                    prdr_name, aprvno, rx_flag, price)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    d.fixmedins_hilist_id,
                    d.med_list_codg,
                    d.name,
                    d.genname,
                    d.dosform,
                    d.spec,
                    d.unit,
                    d.prdr_name,
                    d.aprvno,
                    d.rx_flag,
                    d.price.to_string()
                ],
            )
            .map_err(StoreError::sql("add drug"))?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Receives a stock batch.
    pub fn add_batch(&self, by: &Session, b: &NewBatch) -> Result<i64> {
        by.require(Permission::Administer)?;
        let qty = qty_to_e4(b.quantity)?;
        self.write("add stock batch", |tx| {
            tx.execute(
                "INSERT INTO stock_batches (drug_id, fixmedins_bchno, manu_lotnum, manu_date, expy_end, qty_e4)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![b.drug_id, b.fixmedins_bchno, b.manu_lotnum, b.manu_date, b.expy_end, qty],
            )
            .map_err(StoreError::sql("add stock batch"))?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Stock left in a batch.
    pub fn batch_quantity(&self, batch_id: i64) -> Result<Decimal> {
        self.read(|c| {
            c.query_row(
                "SELECT qty_e4 FROM stock_batches WHERE id = ?1",
                [batch_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(StoreError::sql("read stock"))?
            .map(e4_to_qty)
            .ok_or_else(|| StoreError::NotFound(format!("stock batch {batch_id}")))
        })
    }

    /// Stores a downloaded prescription verbatim (personal fields sealed).
    pub fn record_prescription(&self, by: &Session, p: &DownloadedPrescription) -> Result<i64> {
        let sealed = self.seal_prescription(by, p)?;
        Ok(self.record_sealed_prescription(&sealed, None)?.0)
    }

    /// Seals a downloaded prescription for [`Store::record_sealed_prescription`]:
    /// the CPU work of recording it (SM4 and HMAC-SM3 over the whole raw
    /// payload), done without the ledger's lock, so the desk can do it while
    /// the prescription is verified.
    pub fn seal_prescription(
        &self,
        by: &Session,
        p: &DownloadedPrescription,
    ) -> Result<SealedPrescription> {
        by.require(Permission::Sell)?;
        let s = self.sealer();
        Ok(SealedPrescription {
            hi_rxno: p.hi_rxno.clone(),
            fixmedins_code: p.fixmedins_code.clone(),
            download_ide_code: p.download_ide_code.clone(),
            raw_payload: s.seal_str(&p.raw_payload),
            sign_digest: p.sign_digest.clone(),
            sign_cert_sn: p.sign_cert_sn.clone(),
            sign_cert_dn: p.sign_cert_dn.clone(),
            patient_name: s.seal_str(&p.patient_name),
            patient_certno: s.seal_str(&p.patient_certno),
            patient_certno_hash: s.lookup_hash(&p.patient_certno),
            downloaded_by: by.operator_id(),
        })
    }

    /// Records a sealed prescription and, when given, its verdict, in one
    /// transaction (one commit, one fsync: the payload and its verdict are
    /// durable together, before the caller shows either). Returns the
    /// prescription's id (the existing row's when `hi_rxno` was recorded
    /// before) and the verdict's id.
    pub fn record_sealed_prescription(
        &self,
        p: &SealedPrescription,
        verdict: Option<&Verdict>,
    ) -> Result<(i64, Option<i64>)> {
        self.record_sealed_prescription_with(p, verdict, false)
    }

    /// [`Store::record_sealed_prescription`] with its fsync deferred
    /// ([`Store::write_deferred`], docs/decisions/0030): committed (and safe
    /// from the process being killed) on return, durable a moment later by
    /// the store's background thread, or by the first `FULL` commit after it
    /// — which every step that depends on the prescription (audit, dispense,
    /// settlement) begins with — or by [`Store::ensure_durable`]. The desk's
    /// scan path uses it: nothing money-bearing has happened on a
    /// prescription just downloaded.
    pub fn record_sealed_prescription_deferred(
        &self,
        p: &SealedPrescription,
        verdict: Option<&Verdict>,
    ) -> Result<(i64, Option<i64>)> {
        self.record_sealed_prescription_with(p, verdict, true)
    }

    fn record_sealed_prescription_with(
        &self,
        p: &SealedPrescription,
        verdict: Option<&Verdict>,
        deferred: bool,
    ) -> Result<(i64, Option<i64>)> {
        let now = self.now_ms();
        let insert = |tx: &rusqlite::Transaction<'_>| {
            tx.execute(
                "INSERT INTO prescriptions (hi_rxno, fixmedins_code, download_ide_code, raw_payload,
                     sign_digest, sign_cert_sn, sign_cert_dn, patient_name_enc, patient_certno_enc,
                     patient_certno_hash, downloaded_at, downloaded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT(hi_rxno) DO NOTHING",
                params![
                    p.hi_rxno,
                    p.fixmedins_code,
                    p.download_ide_code,
                    p.raw_payload,
                    p.sign_digest,
                    p.sign_cert_sn,
                    p.sign_cert_dn,
                    p.patient_name,
                    p.patient_certno,
                    p.patient_certno_hash.as_slice(),
                    now,
                    p.downloaded_by
                ],
            )
            .map_err(StoreError::sql("record prescription"))?;
            let rx_id: i64 = tx
                .query_row(
                    "SELECT id FROM prescriptions WHERE hi_rxno = ?1",
                    [&p.hi_rxno],
                    |r| r.get(0),
                )
                .map_err(StoreError::sql("record prescription"))?;
            let verdict_id = match verdict {
                Some(v) => Some(insert_verdict(tx, rx_id, v, now)?),
                None => None,
            };
            Ok((rx_id, verdict_id))
        };
        if deferred {
            self.write_deferred("record prescription", p.raw_payload.len(), insert)
        } else {
            self.write("record prescription", insert)
        }
    }

    /// The raw download of a prescription, exactly as received.
    pub fn prescription_raw(&self, rx_id: i64) -> Result<String> {
        let sealed: Vec<u8> = self.read(|c| {
            c.query_row(
                "SELECT raw_payload FROM prescriptions WHERE id = ?1",
                [rx_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(StoreError::sql("read prescription"))?
            .ok_or_else(|| StoreError::NotFound(format!("prescription {rx_id}")))
        })?;
        self.sealer().open_str(&sealed)
    }

    /// Prescription ids of a patient, found by ID number without storing it in clear.
    pub fn prescriptions_of_patient(&self, certno: &str) -> Result<Vec<i64>> {
        let h = self.sealer().lookup_hash(certno).to_vec();
        self.read(|c| {
            let mut st = c
                .prepare("SELECT id FROM prescriptions WHERE patient_certno_hash = ?1 ORDER BY id")
                .map_err(StoreError::sql("find prescriptions"))?;
            let ids = st
                .query_map([h], |r| r.get(0))
                .map_err(StoreError::sql("find prescriptions"))?
                .collect::<std::result::Result<Vec<i64>, _>>()
                .map_err(StoreError::sql("find prescriptions"));
            ids
        })
    }

    /// Records the verification verdict of a prescription.
    pub fn record_verdict(&self, rx_id: i64, v: &Verdict) -> Result<i64> {
        let now = self.now_ms();
        self.write("record verdict", |tx| insert_verdict(tx, rx_id, v, now))
    }

    /// Records a pharmacist's audit decision and queues its 7204 upload.
    pub fn record_audit(&self, by: &Session, d: &AuditDecision) -> Result<i64> {
        self.record_audit_as(by, by.operator_id(), d)
    }

    /// [`Store::record_audit`] by `auditor_id`: the signed-in pharmacist
    /// (then `by` must be allowed to audit), or — at another operator's
    /// session, e.g. a cashier's — the pharmacist whose duty shift is open
    /// (her presence was proven by her own e-voucher at this audit, which the
    /// caller checks). The audit is hers (7204, `rx_audits.pharmacist_id`);
    /// the audit log also names the session it was entered at.
    pub fn record_audit_as(&self, by: &Session, auditor_id: i64, d: &AuditDecision) -> Result<i64> {
        let at_own_session = auditor_id == by.operator_id();
        if at_own_session {
            by.require(Permission::AuditPrescription)?;
        } else {
            by.require(Permission::Sell)?;
        }
        if !matches!(d.status_code.as_str(), "1" | "2" | "3") {
            return Err(StoreError::Invalid(format!(
                "rx_chk_stas_codg {:?}",
                d.status_code
            )));
        }
        if d.status_code == "2" && d.opinion.trim().is_empty() {
            return Err(StoreError::Invalid(
                "审核不通过必须填写意见 / a rejection needs an opinion".into(),
            ));
        }
        let now = self.now_ms();
        self.write("record audit", |tx| {
            let verified: Option<i64> = tx
                .query_row(
                    "SELECT valid FROM verdicts WHERE prescription_id = ?1 ORDER BY id DESC LIMIT 1",
                    [d.prescription_id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(StoreError::sql("read verdict"))?;
            if verified != Some(1) {
                return Err(StoreError::Rule(
                    "处方电子签名未验证通过，不能审核 / the prescription's signature is not verified".into(),
                ));
            }
            let rx = self.rx_info(tx, d.prescription_id)?;
            if let Some(rid) = d.reviewer_id {
                let ok: Option<(String, i64)> = tx
                    .query_row("SELECT role, active FROM operators WHERE id = ?1", [rid], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
                    .map_err(StoreError::sql("read reviewer"))?;
                if rid == auditor_id || !matches!(ok, Some((ref role, 1)) if role == "pharmacist") {
                    return Err(StoreError::Rule(
                        "复核药师须为本店另一位在职药师 / the reviewer must be another active pharmacist".into(),
                    ));
                }
            }
            let duty: Option<i64> = tx
                .query_row(
                    "SELECT id FROM duty_shifts WHERE operator_id = ?1 AND ended_at IS NULL ORDER BY id DESC LIMIT 1",
                    [auditor_id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(StoreError::sql("read duty"))?;
            if !at_own_session {
                let pharmacist: Option<(String, i64)> = tx
                    .query_row("SELECT role, active FROM operators WHERE id = ?1", [auditor_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
                    .map_err(StoreError::sql("read auditor"))?;
                if duty.is_none() || !matches!(pharmacist, Some((ref role, 1)) if role == "pharmacist") {
                    return Err(StoreError::Rule(
                        "审方药师须为本店在岗药师 / the auditor must be an active pharmacist on duty".into(),
                    ));
                }
            }
            tx.execute(
                "INSERT INTO rx_audits (prescription_id, pharmacist_id, status_code, opinion, audited_at,
                     reviewer_id, duty_shift_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![d.prescription_id, auditor_id, d.status_code, d.opinion, now, d.reviewer_id, duty],
            )
            .map_err(StoreError::sql("record audit"))?;
            let audit_id = tx.last_insert_rowid();
            let (phar_name, cert_type, certno, prac) = self.operator_identity(tx, auditor_id)?;
            let (rchk_name, rchk_cert_type, rchk_certno, _) = match d.reviewer_id {
                Some(rid) => self.operator_identity(tx, rid)?,
                None => (phar_name.clone(), cert_type.clone(), certno.clone(), String::new()),
            };
            let phar_code: Option<String> = tx
                .query_row("SELECT phar_code FROM operators WHERE id = ?1", [auditor_id], |r| r.get(0))
                .map_err(StoreError::sql("read operator"))?;
            let input = RxAuditInput {
                data: RxAuditData {
                    hi_rxno: rx.hi_rxno.clone(),
                    phar_cert_type: cert_type,
                    phar_certno: certno,
                    phar_name,
                    phar_prac_cert_no: prac,
                    rchk_phar_cert_type: rchk_cert_type,
                    rchk_phar_certno: rchk_certno,
                    rchk_phar_name: rchk_name,
                    rx_chk_opnn: d.opinion.clone(),
                    rx_chk_stas_codg: rxdesk_core::codes::AuditResult::from_code(&d.status_code),
                    rx_chk_time: wire_time(now),
                    // 医保药师代码: where the wire carries it (the new-generation audit
                    // upload, docs/reference/wire-protocol.md §4.3), only when registered
                    // (empty = not sent).
                    phar_code: phar_code.unwrap_or_default(),
                    ..Default::default()
                },
            };
            self.enqueue_upload(tx, &rx.hi_rxno, "rx_audit", audit_id, &input)?;
            auditlog::append(
                tx,
                self,
                Some(auditor_id),
                "rx.audit",
                &json!({"hi_rxno": rx.hi_rxno, "rx_chk_stas_codg": d.status_code,
                        "reviewer_id": d.reviewer_id, "duty_shift_id": duty,
                        "entered_at_session_of": by.operator_id()}),
            )?;
            Ok(audit_id)
        })
    }

    /// Records a sale with its lines, trace codes, stock movement and
    /// settlement, and queues its uploads — all or nothing.
    pub fn record_sale(&self, by: &Session, sale: &NewSale) -> Result<SaleReceipt> {
        self.record_sale_with_payments(by, sale, &[])
    }

    /// [`Store::record_sale`] with how the self-paid part was paid (kept so a
    /// refund gives it back by the same method). A settled sale's batches
    /// are checked for expiry on the settlement's day (the boxes were
    /// dispensed and settled then; a crash may delay the record).
    pub fn record_sale_with_payments(
        &self,
        by: &Session,
        sale: &NewSale,
        payments: &[crate::money::SalePayment],
    ) -> Result<SaleReceipt> {
        self.record_sale_full(by, sale, payments, None)
    }

    /// The 代购 agent of a sale, if it was bought by one (name opened, ID
    /// number masked).
    pub fn sale_proxy(&self, sale_id: i64) -> Result<Option<ProxyRecord>> {
        let row: Option<(Vec<u8>, Vec<u8>, String, String)> = self.read(|c| {
            c.query_row(
                "SELECT agent_name, agent_certno, relationship, authorisation FROM sale_proxies WHERE sale_id = ?1",
                [sale_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(StoreError::sql("read proxy purchase"))
        })?;
        let Some((name, certno, relationship, authorisation)) = row else {
            return Ok(None);
        };
        let s = self.sealer();
        Ok(Some(ProxyRecord {
            agent_name: s.open_str(&name)?,
            agent_certno_masked: rxdesk_core::prescription::mask_id_number(&s.open_str(&certno)?),
            relationship_zh: relationship_zh(&relationship).unwrap_or("").to_string(),
            relationship,
            authorisation,
        }))
    }

    /// [`Store::record_sale_with_payments`] with the 代购 agent, written in
    /// the same transaction (an unknown relationship or an empty
    /// authorisation refuses the whole sale).
    pub fn record_sale_full(
        &self,
        by: &Session,
        sale: &NewSale,
        payments: &[crate::money::SalePayment],
        proxy: Option<&NewProxy>,
    ) -> Result<SaleReceipt> {
        by.require(Permission::Sell)?;
        if let Some(p) = proxy {
            if relationship_zh(&p.relationship).is_none() {
                return Err(StoreError::Invalid(format!(
                    "代购关系不在允许范围内 / relationship {:?}",
                    p.relationship
                )));
            }
            if p.agent_name.trim().is_empty()
                || p.agent_certno.trim().is_empty()
                || p.authorisation.trim().is_empty()
            {
                return Err(StoreError::Invalid(
                    "代购人信息或授权不完整 / incomplete proxy purchase".into(),
                ));
            }
        }
        for p in payments {
            check_payment(p)?;
        }
        if sale.lines.is_empty() {
            return Err(StoreError::Invalid("a sale needs at least one line".into()));
        }
        for line in &sale.lines {
            for code in &line.trace_codes {
                if code.len() != 20 || !code.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(StoreError::Invalid(format!(
                        "追溯码必须是20位数字 / trace code {code:?} is not 20 digits"
                    )));
                }
            }
        }
        let now = self.now_ms();
        let dispensed_on = sale
            .settlement
            .as_ref()
            .map(|s| s.setl_time.min(now))
            .unwrap_or(now);
        let today = &wire_time(dispensed_on)[..10];
        self.write("record sale", |tx| {
            let rx = match sale.prescription_id {
                Some(rx_id) => {
                    let verdict: Option<(i64, String)> = tx
                        .query_row(
                            "SELECT valid, reason FROM verdicts WHERE prescription_id = ?1 ORDER BY id DESC LIMIT 1",
                            [rx_id],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .optional()
                        .map_err(StoreError::sql("read verdict"))?;
                    match verdict {
                        Some((1, _)) => {}
                        Some((_, reason)) => {
                            return Err(StoreError::Rule(format!("处方验签未通过 / signature invalid: {reason}")))
                        }
                        None => return Err(StoreError::Rule("处方未验签 / prescription not verified".into())),
                    }
                    let audit: Option<(String, i64)> = tx
                        .query_row(
                            "SELECT status_code, pharmacist_id FROM rx_audits WHERE prescription_id = ?1
                             ORDER BY id DESC LIMIT 1",
                            [rx_id],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .optional()
                        .map_err(StoreError::sql("read audit"))?;
                    let pharmacist = match audit {
                        Some((code, pharmacist)) if code == "1" => pharmacist,
                        _ => return Err(StoreError::Rule("处方未经药师审核通过 / prescription not approved by a pharmacist".into())),
                    };
                    let sold: i64 = tx
                        .query_row(
                            "SELECT count(*) FROM sales WHERE prescription_id = ?1 AND state = 'completed'",
                            [rx_id],
                            |r| r.get(0),
                        )
                        .map_err(StoreError::sql("read sales"))?;
                    if sold > 0 {
                        // A reusable prescription (7203 `reptFlag` 1) may be
                        // sold up to `maxReptCnt` times; the visit's rules
                        // (`rxdesk_core::rules::reuse`) checked the interval.
                        let sealed: Vec<u8> = tx
                            .query_row("SELECT raw_payload FROM prescriptions WHERE id = ?1", [rx_id], |r| r.get(0))
                            .map_err(StoreError::sql("read prescription"))?;
                        let allowed = reuse_allowance(&self.sealer().open_str(&sealed)?);
                        if sold >= allowed {
                            return Err(StoreError::Rule(if allowed > 1 {
                                format!("处方已售出 {sold} 次，已达最大复用次数 {allowed} / reusable prescription sold {sold} of {allowed} times")
                            } else {
                                "处方已售出 / prescription already sold".into()
                            }));
                        }
                    }
                    Some((self.rx_info(tx, rx_id)?, pharmacist))
                }
                None => None,
            };
            let docno = self.next_msgid(tx)?;
            // The sale belongs to the open till shift (the counter service
            // refuses a sale without one; the ledger records what is open).
            tx.execute(
                "INSERT INTO sales (rtal_docno, prescription_id, operator_id, sold_at, total, till_shift_id)
                 VALUES (?1, ?2, ?3, ?4, '0', (SELECT id FROM till_shifts WHERE closed_at IS NULL))",
                params![docno, sale.prescription_id, by.operator_id(), now],
            )
            .map_err(StoreError::sql("record sale"))?;
            let sale_id = tx.last_insert_rowid();
            if let Some(p) = proxy {
                let s = self.sealer();
                tx.execute(
                    "INSERT INTO sale_proxies (sale_id, agent_name, agent_certno, agent_hash, relationship, authorisation)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        sale_id,
                        s.seal_str(p.agent_name.trim()),
                        s.seal_str(p.agent_certno.trim()),
                        s.lookup_hash(&p.agent_certno).to_vec(),
                        p.relationship,
                        p.authorisation
                    ],
                )
                .map_err(StoreError::sql("record proxy purchase"))?;
            }
            let chain = rx.as_ref().map(|(r, _)| r.hi_rxno.clone()).unwrap_or_else(|| format!("sale:{sale_id}"));
            let (phar_name, phar_cert_type, phar_certno, phar_prac) = match &rx {
                Some((_, p)) => self.operator_identity(tx, *p)?,
                None => self.operator_identity(tx, by.operator_id())?,
            };
            let mut total = Amount::ZERO;
            let mut line_inputs = Vec::new();
            let mut selinfo = Vec::new();
            for line in &sale.lines {
                let qty = qty_to_e4(line.quantity)?;
                #[allow(clippy::type_complexity)]
                let b: Option<(i64, i64, String, String, String, String, String, String, String, String, String, String, String, String, String, String)> = tx
                    .query_row(
                        "SELECT b.qty_e4, d.id, d.price, d.med_list_codg, d.fixmedins_hilist_id, d.name,
                                b.fixmedins_bchno, b.manu_lotnum, b.manu_date, b.expy_end, d.rx_flag,
                                d.genname, d.dosform, d.spec, d.unit, d.prdr_name
                         FROM stock_batches b JOIN drugs d ON d.id = b.drug_id WHERE b.id = ?1",
                        [line.batch_id],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?,
                                r.get(8)?, r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?, r.get(14)?, r.get(15)?)),
                    )
                    .optional()
                    .map_err(StoreError::sql("read stock batch"))?;
                let Some((left, drug_id, cat_price, med_list_codg, hilist_id, name, bchno, lotnum, manu_date, expy_end, rx_flag, genname, dosform, spec, unit, prdr)) = b else {
                    return Err(StoreError::NotFound(format!("stock batch {}", line.batch_id)));
                };
                if left < qty {
                    return Err(StoreError::Rule(format!(
                        "库存不足：{name} 批次 {bchno} 剩余 {}，需要 {} / not enough stock",
                        e4_to_qty(left),
                        line.quantity
                    )));
                }
                if expy_end.as_str() < today {
                    return Err(StoreError::Rule(format!("{name} 批次 {bchno} 已过期（{expy_end}）/ batch expired")));
                }
                let price = match line.price {
                    Some(p) => p,
                    None => Price::from_str(&cat_price).map_err(|e| StoreError::Invalid(e.to_string()))?,
                };
                let amount = price.times(line.quantity).map_err(|e| StoreError::Invalid(e.to_string()))?;
                total = total.checked_add(amount).map_err(|e| StoreError::Invalid(e.to_string()))?;
                tx.execute("UPDATE stock_batches SET qty_e4 = qty_e4 - ?2 WHERE id = ?1", params![line.batch_id, qty])
                    .map_err(StoreError::sql("take stock"))?;
                tx.execute(
                    "INSERT INTO sale_lines (sale_id, drug_id, batch_id, qty_e4, price, amount, trdn_flag)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![sale_id, drug_id, line.batch_id, qty, price.to_string(), amount.to_string(), if line.split { "1" } else { "0" }],
                )
                .map_err(StoreError::sql("record sale line"))?;
                let line_id = tx.last_insert_rowid();
                for code in &line.trace_codes {
                    // A received box leaves the shelf (whole) or gives up
                    // the range this split sale takes (拆零); a code this
                    // ledger never received is the counter's to refuse.
                    let range = crate::inventory::sell_from_box(tx, code, line.split, qty, now)?;
                    tx.execute(
                        "INSERT INTO trace_codes (sale_line_id, code, split, range_from_e4, range_to_e4) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![line_id, code, i64::from(line.split), range.map(|r| r.0), range.map(|r| r.1)],
                    )
                    .map_err(|e| match e.sqlite_error_code() {
                        Some(rusqlite::ErrorCode::ConstraintViolation) => {
                            StoreError::Rule(format!("追溯码 {code} 已售出 / trace code already sold"))
                        }
                        _ => classify("record trace code", e),
                    })?;
                }
                let (psn_cert_type, certno, psn_name) = match &rx {
                    Some((r, _)) => ("01".to_string(), r.patient_certno.clone(), r.patient_name.clone()),
                    None => (String::new(), String::new(), String::new()),
                };
                let trdn_flag = if line.split { "1" } else { "0" };
                line_inputs.push((line_id, SaleInput {
                    selinfo: SaleInfo {
                        med_list_codg: med_list_codg.clone(),
                        fixmedins_hilist_id: hilist_id.clone(),
                        fixmedins_hilist_name: name.clone(),
                        fixmedins_bchno: bchno.clone(),
                        prsc_dr_name: sale.doctor_name.clone(),
                        phar_cert_type: phar_cert_type.clone(),
                        phar_certno: phar_certno.clone(),
                        phar_name: phar_name.clone(),
                        phar_prac_cert_no: phar_prac.clone(),
                        hi_feesetl_type: sale.hi_feesetl_type.clone(),
                        setl_id: sale.settlement.as_ref().map(|s| s.setl_id.clone()).unwrap_or_default(),
                        mdtrt_sn: docno.clone(),
                        psn_no: sale.settlement.as_ref().map(|s| s.psn_no.clone()).unwrap_or_default(),
                        psn_cert_type,
                        certno,
                        psn_name,
                        manu_lotnum: lotnum.clone(),
                        manu_date: manu_date.clone(),
                        expy_end: expy_end.clone(),
                        rx_flag: rx_flag.clone(),
                        trdn_flag: trdn_flag.into(),
                        finl_trns_pric: price,
                        rxno: rx.as_ref().map(|(r, _)| r.hi_rxno.clone()).unwrap_or_default(),
                        rx_circ_flag: if rx.is_some() { "1" } else { "0" }.into(),
                        rtal_docno: docno.clone(),
                        stoout_no: docno.clone(),
                        bchno: bchno.clone(),
                        sel_retn_cnt: e4_to_qty(qty),
                        sel_retn_time: wire_time(now),
                        sel_retn_opter_name: by.display_name().into(),
                        memo: String::new(),
                        drugtracinfo: drug_traces(&line.trace_codes),
                        ..Default::default()
                    },
                }));
                selinfo.push(RxSaleLine {
                    med_list_codg,
                    fixmedins_hilist_id: hilist_id,
                    fixmedins_hilist_name: name.clone(),
                    drug_genname: genname,
                    drug_prodname: name,
                    drug_dosform: dosform,
                    drug_spec: spec,
                    manu_lotnum: lotnum,
                    prdr_name: prdr,
                    manu_date,
                    expy_end,
                    rx_flag,
                    trdn_flag: trdn_flag.into(),
                    finl_trns_pric: price,
                    bchno,
                    // 7206 carries every box's code of the line in
                    // `drugtracinfo`; the older single-code field keeps the first.
                    drug_trac_codg: line.trace_codes.first().cloned().unwrap_or_default(),
                    sel_retn_cnt: e4_to_qty(qty),
                    drug_cnt_unit: unit,
                    sumamt: amount,
                    drugtracinfo: drug_traces(&line.trace_codes),
                });
            }
            tx.execute("UPDATE sales SET total = ?2 WHERE id = ?1", params![sale_id, total.to_string()])
                .map_err(StoreError::sql("record sale total"))?;
            if let Some(s) = &sale.settlement {
                if s.medfee_sumamt != total {
                    return Err(StoreError::Rule(format!(
                        "结算总额 {} 与销售总额 {total} 不一致 / settlement total differs from the sale",
                        s.medfee_sumamt
                    )));
                }
                tx.execute(
                    "INSERT INTO settlements (sale_id, setl_id, mdtrt_id, psn_no, medfee_sumamt, fund_pay_sumamt,
                         psn_part_amt, acct_pay, psn_cash_pay, setl_time)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    params![sale_id, s.setl_id, s.mdtrt_id, self.sealer().seal_field(&s.psn_no), s.medfee_sumamt.to_string(),
                            s.fund_pay_sumamt.to_string(), s.psn_part_amt.to_string(), s.acct_pay.to_string(),
                            s.psn_cash_pay.to_string(), s.setl_time],
                )
                .map_err(StoreError::sql("record settlement"))?;
            }
            for p in payments {
                tx.execute(
                    "INSERT INTO sale_payments (sale_id, method, amount, reference, tendered, change_given)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![sale_id, p.method, p.amount, p.reference.trim(), p.tendered, p.change],
                )
                .map_err(|e| match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::ConstraintViolation) if p.method == "terminal" => StoreError::Rule(format!(
                        "交易参考号 {} 已用于另一笔销售：请核对支付终端小票 / terminal reference already used",
                        p.reference.trim()
                    )),
                    _ => classify("record sale payment", e),
                })?;
            }
            let mut upload_ids = Vec::new();
            for (line_id, input) in &line_inputs {
                upload_ids.push(self.enqueue_upload(tx, &chain, "sale_line", *line_id, input)?);
            }
            if let Some((r, _)) = &rx {
                let s = sale.settlement.as_ref();
                // Self-paid: no fund, no account; the whole total is the person's cash.
                let amt = |f: fn(&NewSettlement) -> Amount, otherwise: Amount| s.map(f).unwrap_or(otherwise);
                let input = WriteOffInput {
                    data: WriteOffData {
                        hi_rxno: r.hi_rxno.clone(),
                        phar_cert_type,
                        phar_certno,
                        phar_name,
                        phar_prac_cert_no: phar_prac,
                        dspeer_name: by.display_name().into(),
                        pro_name: by.display_name().into(),
                        hi_feesetl_type: sale.hi_feesetl_type.clone(),
                        setl_id: s.map(|s| s.setl_id.clone()).unwrap_or_default(),
                        sel_retn_time: wire_time(now),
                        memo: String::new(),
                        download_ide_code: r.download_ide_code.clone(),
                        pay_mode: if s.is_some() { PayMode::Mixed } else { PayMode::SelfPay },
                        fund_pay_sumamt: amt(|s| s.fund_pay_sumamt, Amount::ZERO),
                        psn_part_amt: amt(|s| s.psn_part_amt, total),
                        acct_pay: amt(|s| s.acct_pay, Amount::ZERO),
                        psn_cash_pay: amt(|s| s.psn_cash_pay, total),
                        setl_time: wire_time(s.map(|s| s.setl_time).unwrap_or(now)),
                        fixmedins_name: self.institution_name(tx)?,
                    },
                    selinfo,
                };
                upload_ids.push(self.enqueue_upload(tx, &chain, "sale", sale_id, &input)?);
            }
            // The in-stock list changed (when it is published).
            self.publish_stock(tx)?;
            crate::crashpoint!("sale_tx_before_commit");
            Ok(SaleReceipt { sale_id, rtal_docno: docno, total: total.to_string(), upload_ids })
        })
    }

    /// The last step of a whole refund (no partial refunds, per the
    /// regulations): stock back, trace codes freed, 3506 per line and, for a
    /// prescription sale, 7208 (undo the write-off) queued after the sale's
    /// own uploads. Money first: a settled sale's refund journal must show
    /// the 2103 reversal done and the self-paid part returned
    /// (`refund_journal` step `money_returned`, see `money.rs`); it becomes
    /// `done` in this transaction.
    pub fn record_refund(&self, by: &Session, sale_id: i64, reason: &str) -> Result<Vec<i64>> {
        by.require(Permission::Refund)?;
        if reason.trim().is_empty() {
            return Err(StoreError::Invalid(
                "退货必须填写原因 / a refund needs a reason".into(),
            ));
        }
        let now = self.now_ms();
        self.write("record refund", |tx| {
            let (state, rx_id, docno): (String, Option<i64>, String) = tx
                .query_row("SELECT state, prescription_id, rtal_docno FROM sales WHERE id = ?1", [sale_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()
                .map_err(StoreError::sql("read sale"))?
                .ok_or_else(|| StoreError::NotFound(format!("sale {sale_id}")))?;
            if state != "completed" {
                return Err(StoreError::Rule("该销售已退货 / sale already refunded".into()));
            }
            let rx = match rx_id {
                Some(id) => Some(self.rx_info(tx, id)?),
                None => None,
            };
            let chain = rx.as_ref().map(|r| r.hi_rxno.clone()).unwrap_or_else(|| format!("sale:{sale_id}"));
            let settled: bool = tx
                .query_row("SELECT count(*) > 0 FROM settlements WHERE sale_id = ?1", [sale_id], |r| r.get(0))
                .map_err(StoreError::sql("read settlement"))?;
            crate::money::refund_may_return_stock(tx, sale_id, settled, now)?;
            tx.execute("UPDATE sales SET state = 'refunded' WHERE id = ?1", [sale_id])
                .map_err(StoreError::sql("mark sale refunded"))?;
            tx.execute(
                "INSERT INTO refunds (sale_id, operator_id, reason, refunded_at) VALUES (?1, ?2, ?3, ?4)",
                params![sale_id, by.operator_id(), reason.trim(), now],
            )
            .map_err(StoreError::sql("record refund"))?;
            let refund_id = tx.last_insert_rowid();
            let setl: Option<(String, String, String)> = tx
                .query_row("SELECT setl_id, mdtrt_id, psn_no FROM settlements WHERE sale_id = ?1", [sale_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()
                .map_err(StoreError::sql("read settlement"))?;
            // psn_no is sealed at rest (protect::Sealer::seal_field).
            let setl = match setl {
                Some((a, b, p)) => Some((a, b, self.sealer().open_field(&p)?)),
                None => None,
            };
            #[allow(clippy::type_complexity)]
            let lines: Vec<(i64, i64, i64, String, String, String, String, String, String, String, String, String, String)> = {
                let mut st = tx
                    .prepare(
                        "SELECT l.id, l.batch_id, l.qty_e4, l.price, l.trdn_flag, d.med_list_codg, d.fixmedins_hilist_id,
                                d.name, b.fixmedins_bchno, b.manu_lotnum, b.manu_date, b.expy_end, d.rx_flag
                         FROM sale_lines l JOIN drugs d ON d.id = l.drug_id JOIN stock_batches b ON b.id = l.batch_id
                         WHERE l.sale_id = ?1 ORDER BY l.id",
                    )
                    .map_err(StoreError::sql("read sale lines"))?;
                let rows = st
                    .query_map([sale_id], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?,
                            r.get(8)?, r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?))
                    })
                    .map_err(StoreError::sql("read sale lines"))?
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(StoreError::sql("read sale lines"))?;
                rows
            };
            let mut ids = Vec::new();
            for (line_id, batch_id, qty, price, trdn, med_list_codg, hilist_id, name, bchno, lotnum, manu_date, expy_end, rx_flag) in lines {
                tx.execute("UPDATE stock_batches SET qty_e4 = qty_e4 + ?2 WHERE id = ?1", params![batch_id, qty])
                    .map_err(StoreError::sql("return stock"))?;
                let codes: Vec<String> = {
                    let mut st = tx
                        .prepare("SELECT code FROM trace_codes WHERE sale_line_id = ?1 AND returned = 0 ORDER BY id")
                        .map_err(StoreError::sql("read trace codes"))?;
                    let rows = st
                        .query_map([line_id], |r| r.get(0))
                        .map_err(StoreError::sql("read trace codes"))?
                        .collect::<std::result::Result<Vec<_>, _>>()
                        .map_err(StoreError::sql("read trace codes"))?;
                    rows
                };
                for code in &codes {
                    crate::inventory::return_to_box(tx, code, trdn == "1", qty, now)?;
                }
                tx.execute("UPDATE trace_codes SET returned = 1 WHERE sale_line_id = ?1", [line_id])
                    .map_err(StoreError::sql("return trace codes"))?;
                let input = SaleReturnInput {
                    selinfo: SaleReturnInfo {
                        med_list_codg,
                        fixmedins_hilist_id: hilist_id,
                        fixmedins_hilist_name: name,
                        fixmedins_bchno: bchno,
                        setl_id: setl.as_ref().map(|s| s.0.clone()).unwrap_or_default(),
                        psn_no: setl.as_ref().map(|s| s.2.clone()).unwrap_or_default(),
                        psn_cert_type: if rx.is_some() { "01" } else { "" }.into(),
                        certno: rx.as_ref().map(|r| r.patient_certno.clone()).unwrap_or_default(),
                        psn_name: rx.as_ref().map(|r| r.patient_name.clone()).unwrap_or_default(),
                        manu_lotnum: lotnum,
                        manu_date,
                        expy_end,
                        rx_flag,
                        trdn_flag: trdn,
                        // Written by record_sale as a Price: it parses back to the same text.
                        finl_trns_pric: Price::from_str(&price).map_err(|e| StoreError::Invalid(e.to_string()))?,
                        sel_retn_cnt: e4_to_qty(qty),
                        sel_retn_time: wire_time(now),
                        sel_retn_opter_name: by.display_name().into(),
                        memo: reason.trim().into(),
                        medins_prod_sel_no: docno.clone(),
                        mdtrt_sn: docno.clone(),
                        drugtracinfo: drug_traces(&codes),
                    },
                };
                ids.push(self.enqueue_upload(tx, &chain, "refund", refund_id, &input)?);
            }
            if let Some(r) = &rx {
                // The center reopens the prescription (RxDesk's 7208 without
                // sel_upld_sn, docs/protocol.md): after the 3506 rows.
                let input = SalesUndoInput {
                    data: SalesUndoData {
                        hi_rxno: r.hi_rxno.clone(),
                        sel_upld_sn: String::new(),
                        setl_id: setl.as_ref().map(|s| s.0.clone()).unwrap_or_default(),
                        undo_rea: reason.trim().into(),
                        undo_time: wire_time(now),
                    },
                };
                ids.push(self.enqueue_upload(tx, &chain, "refund", refund_id, &input)?);
            }
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "sale.refund",
                &json!({"sale": sale_id, "rtal_docno": docno, "reason": reason.trim()}),
            )?;
            // The in-stock list changed (when it is published).
            self.publish_stock(tx)?;
            crate::crashpoint!("refund_tx_before_commit");
            Ok(ids)
        })
    }

    /// Records a delivery status change and queues its 7205 upload.
    pub fn record_delivery(&self, by: &Session, d: &DeliveryStatus) -> Result<i64> {
        by.require(Permission::Deliver)?;
        if !matches!(d.status_code.as_str(), "1" | "2" | "3" | "4") {
            return Err(StoreError::Invalid(format!(
                "delv_stas_codg {:?}",
                d.status_code
            )));
        }
        let now = self.now_ms();
        self.write("record delivery", |tx| {
            let rx = self.rx_info(tx, d.prescription_id)?;
            tx.execute(
                "INSERT INTO deliveries (prescription_id, delv_no, delv_entp_name, delv_stas_codg, delv_stas_dscr, at, operator_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![d.prescription_id, d.delv_no, d.delv_entp_name, d.status_code, d.description, now, by.operator_id()],
            )
            .map_err(StoreError::sql("record delivery"))?;
            let id = tx.last_insert_rowid();
            let input = DeliveryInput {
                data: DeliveryData {
                    hi_rxno: rx.hi_rxno.clone(),
                    delv_no: d.delv_no.clone(),
                    delv_entp_name: d.delv_entp_name.clone(),
                    delv_stas_codg: rxdesk_core::codes::DeliveryStatus::from_code(&d.status_code),
                    delv_stas_name: delv_name(&d.status_code).into(),
                    delv_stas_dscr: d.description.clone(),
                    delv_stas_time: wire_time(now),
                    ..Default::default()
                },
            };
            self.enqueue_upload(tx, &rx.hi_rxno, "delivery", id, &input)?;
            Ok(id)
        })
    }

    /// Counts of ledger rows, for reconciliation checks and tests.
    pub fn ledger_counts(&self) -> Result<LedgerCounts> {
        self.read(|c| {
            let q = |sql: &str| -> Result<u64> {
                c.query_row(sql, [], |r| r.get::<_, i64>(0))
                    .map(|n| n.max(0) as u64)
                    .map_err(StoreError::sql("count ledger rows"))
            };
            Ok(LedgerCounts {
                sales: q("SELECT count(*) FROM sales")?,
                sale_lines: q("SELECT count(*) FROM sale_lines")?,
                refunds: q("SELECT count(*) FROM refunds")?,
                uploads: q("SELECT count(*) FROM uploads")?,
            })
        })
    }
}

/// Row counts (see [`Store::ledger_counts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LedgerCounts {
    /// Sales.
    pub sales: u64,
    /// Sale lines.
    pub sale_lines: u64,
    /// Refunds.
    pub refunds: u64,
    /// Upload rows.
    pub uploads: u64,
}

/// A payment as the ledger accepts it: a known method, amounts that parse,
/// a reference for a terminal, and for cash either no tendered/change or
/// both with `tendered − change = amount`.
fn check_payment(p: &crate::money::SalePayment) -> Result<()> {
    let bad = |why: &str| {
        Err(StoreError::Invalid(format!(
            "付款记录无效 / payment {:?}: {why}",
            p.method
        )))
    };
    if !crate::till::METHODS.contains(&p.method.as_str()) {
        return bad("unknown method");
    }
    let amount = Amount::from_str(&p.amount).map_err(|e| StoreError::Invalid(e.to_string()))?;
    if amount.is_negative() {
        return bad("negative amount");
    }
    if p.method == "terminal" && p.reference.trim().is_empty() {
        return bad("a terminal payment needs its reference");
    }
    match (&p.tendered, &p.change) {
        (None, None) => Ok(()),
        (Some(t), Some(c)) if p.method == "cash" => {
            let t = Amount::from_str(t).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let c = Amount::from_str(c).map_err(|e| StoreError::Invalid(e.to_string()))?;
            if c.is_negative() || t.checked_sub(c).ok() != Some(amount) {
                return bad("tendered − change ≠ amount");
            }
            Ok(())
        }
        _ => bad("tendered and change go together, for cash only"),
    }
}

/// How many sales a recorded 7203 download allows: `maxReptCnt` when its
/// `reptFlag` is `1`, else one. Unreadable terms allow one.
fn reuse_allowance(raw_payload: &str) -> i64 {
    let v: serde_json::Value = serde_json::from_str(raw_payload).unwrap_or_default();
    let flag = v.get("reptFlag").and_then(serde_json::Value::as_str) == Some("1");
    let max = v
        .get("maxReptCnt")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(1);
    if flag {
        max.max(1)
    } else {
        1
    }
}

#[cfg(test)]
mod reuse_allowance_tests {
    #[test]
    fn a_reusable_download_allows_its_count_others_one() {
        assert_eq!(
            super::reuse_allowance(r#"{"reptFlag":"1","maxReptCnt":3}"#),
            3
        );
        assert_eq!(
            super::reuse_allowance(r#"{"reptFlag":"0","maxReptCnt":3}"#),
            1
        );
        assert_eq!(super::reuse_allowance(r#"{"reptFlag":"1"}"#), 1);
        assert_eq!(super::reuse_allowance("not json"), 1);
    }
}
