//! The figures a store manager answers the regulator with, read from the
//! ledger: settlement totals of a day (for 3201/3202 reconciliation), the
//! e-voucher and face shares of settlements per month (each settlement
//! counted under the credential actually used), audits per pharmacist,
//! refunds per day, and sales above the catalogue's reference price (the
//! province's price figures: `province_prices.rs`).
//!
//! Everything here is a read-only query, except two small writes that belong
//! to the same figures: the kind of a settlement (`mdtrt_cert_type`,
//! `insutype`, which the 2102 answer carries and the e-voucher share and
//! 3201 need) and the recorded result of a reconciliation.
//!
//! Days and months are CST (UTC+8, no daylight saving), like the protocol.
//! Money is summed as exact decimals.

use crate::error::{Result, StoreError};
use crate::operators::{wire_time, Permission};
use crate::{auditlog, Session, Store};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use rusqlite::{params, OptionalExtension};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;

/// `mdtrt_cert_type` of the 医保电子凭证.
pub const CERT_TYPE_EVOUCHER: &str = "01";

/// The share of e-voucher settlements regulators ask for (percent).
pub const EVOUCHER_TARGET_PERCENT: u32 = 30;

fn cst() -> FixedOffset {
    rxdesk_core::time::cst()
}

/// Unix ms of 00:00 CST of `day`.
pub fn day_start_ms(day: NaiveDate) -> i64 {
    cst()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map(|t| t.timestamp_millis())
        .unwrap_or_default()
}

/// `[start, end)` unix ms of a CST day.
pub fn day_range_ms(day: NaiveDate) -> (i64, i64) {
    let start = day_start_ms(day);
    (start, start + 86_400_000)
}

/// The CST date of a unix-ms instant.
pub fn cst_day(ms: i64) -> NaiveDate {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&cst())
        .date_naive()
}

fn money(text: &str) -> Decimal {
    Decimal::from_str(text.trim()).unwrap_or_default()
}

/// Renders a sum with the wire's two decimals.
fn amount(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

/// One settlement of the ledger, as the reconciliation detail file lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettlementRow {
    /// Sale row id.
    pub sale_id: i64,
    /// 结算ID.
    pub setl_id: String,
    /// 就诊ID.
    pub mdtrt_id: String,
    /// 人员编号.
    pub psn_no: String,
    /// 医疗费总额.
    pub medfee_sumamt: String,
    /// 基金支付总额.
    pub fund_pay_sumamt: String,
    /// 个人账户支出.
    pub acct_pay: String,
    /// 个人现金支出.
    pub psn_cash_pay: String,
    /// The sale was refunded (settlement reversed by 2103).
    pub refunded: bool,
    /// 险种类型 ("" when the ledger does not know it).
    pub insutype: String,
    /// 就诊凭证类型 ("" when the ledger does not know it).
    pub mdtrt_cert_type: String,
    /// The credential the patient was actually identified with
    /// ([`IdMethod`] as text, "" when the sale did not record it).
    pub id_method: String,
    /// 结算时间 (unix ms).
    pub setl_time: i64,
}

/// The credential a settled patient was actually identified with at the
/// counter, as the regulators count it. The 1101/2102 `mdtrt_cert_type`
/// alone cannot tell: a face visit settles with an e-voucher token (01) and
/// an e-prescription QR visit with the ID number the QR decoded to (02).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdMethod {
    /// 医保电子凭证 QR scanned at the counter.
    EVoucher,
    /// 电子处方二维码 (7201), issued in the patient's 医保电子凭证 app.
    EpcQr,
    /// 刷脸 on the face terminal (an e-voucher token by biometrics).
    Face,
    /// 社保卡 on the card reader.
    SocialSecurityCard,
    /// 身份证 (read or typed).
    IdCard,
}

impl IdMethod {
    /// Every method, in the order reports list them.
    pub const ALL: [IdMethod; 5] = [
        IdMethod::EVoucher,
        IdMethod::EpcQr,
        IdMethod::Face,
        IdMethod::SocialSecurityCard,
        IdMethod::IdCard,
    ];

    /// The ledger's text (`settlements.id_method`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EVoucher => "e_voucher",
            Self::EpcQr => "epc_qr",
            Self::Face => "face",
            Self::SocialSecurityCard => "social_security_card",
            Self::IdCard => "id_card",
        }
    }

    /// Parses the ledger's text (`None` for "" and anything else).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s.trim())
    }

    /// True for the forms of the 医保电子凭证 the share counts: the QR, the
    /// e-prescription QR (shown from the patient's e-voucher app) and the
    /// face (the terminal returns an e-voucher token).
    pub fn is_evoucher(self) -> bool {
        matches!(self, Self::EVoucher | Self::EpcQr | Self::Face)
    }

    /// What a sale that did not record its method is counted as, from the
    /// settlement's `mdtrt_cert_type` (01 e-voucher, 02 ID card, 03 card).
    pub fn from_cert_type(cert_type: &str) -> Option<Self> {
        match cert_type.trim() {
            "01" => Some(Self::EVoucher),
            "02" => Some(Self::IdCard),
            "03" => Some(Self::SocialSecurityCard),
            _ => None,
        }
    }
}

impl SettlementRow {
    /// The credential this settlement is counted under: the recorded method,
    /// else the one its `mdtrt_cert_type` names, else `None` (unknown).
    pub fn credential(&self) -> Option<IdMethod> {
        IdMethod::parse(&self.id_method).or_else(|| IdMethod::from_cert_type(&self.mdtrt_cert_type))
    }
}

/// Settlements per credential actually used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CredentialCounts {
    /// 医保电子凭证 QR.
    pub e_voucher: u64,
    /// 电子处方二维码.
    pub epc_qr: u64,
    /// 刷脸.
    pub face: u64,
    /// 社保卡.
    pub social_security_card: u64,
    /// 身份证.
    pub id_card: u64,
    /// Not recorded and no known `mdtrt_cert_type`.
    pub unknown: u64,
}

impl CredentialCounts {
    fn add(&mut self, m: Option<IdMethod>) {
        let slot = match m {
            Some(IdMethod::EVoucher) => &mut self.e_voucher,
            Some(IdMethod::EpcQr) => &mut self.epc_qr,
            Some(IdMethod::Face) => &mut self.face,
            Some(IdMethod::SocialSecurityCard) => &mut self.social_security_card,
            Some(IdMethod::IdCard) => &mut self.id_card,
            None => &mut self.unknown,
        };
        *slot += 1;
    }
    /// The e-voucher forms together ([`IdMethod::is_evoucher`]).
    pub fn evoucher_total(&self) -> u64 {
        self.e_voucher + self.epc_qr + self.face
    }
}

/// `part / whole` in percent with one decimal, computed from the integer
/// counts as an exact decimal, rounded half away from zero (四舍五入;
/// "0.0" when `whole` is 0).
pub fn share_percent(part: u64, whole: u64) -> Decimal {
    if whole == 0 {
        return Decimal::ZERO;
    }
    (Decimal::from(part) * Decimal::from(100) / Decimal::from(whole))
        .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// Totals of the settlements that stand (not refunded), as 3201 compares them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SettlementTotals {
    /// 结算笔数.
    pub count: u64,
    /// 医疗费总额.
    pub medfee_sumamt: String,
    /// 基金支付总额.
    pub fund_pay_sumamt: String,
    /// 个人账户支出.
    pub acct_pay: String,
    /// 个人现金支出.
    pub psn_cash_pay: String,
}

impl SettlementTotals {
    /// Sums the rows that were not refunded.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a SettlementRow>) -> Self {
        let (mut n, mut med, mut fund, mut acct, mut cash) = (
            0u64,
            Decimal::ZERO,
            Decimal::ZERO,
            Decimal::ZERO,
            Decimal::ZERO,
        );
        for r in rows.into_iter().filter(|r| !r.refunded) {
            n += 1;
            med += money(&r.medfee_sumamt);
            fund += money(&r.fund_pay_sumamt);
            acct += money(&r.acct_pay);
            cash += money(&r.psn_cash_pay);
        }
        Self {
            count: n,
            medfee_sumamt: amount(med),
            fund_pay_sumamt: amount(fund),
            acct_pay: amount(acct),
            psn_cash_pay: amount(cash),
        }
    }
}

/// E-voucher share of one CST month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct MonthShare {
    /// `yyyy-MM`.
    pub month: String,
    /// Settlements that stand.
    pub settlements: u64,
    /// Of which identified by a form of the 医保电子凭证: its QR, the
    /// e-prescription QR or the face ([`IdMethod::is_evoucher`]).
    pub evoucher: u64,
    /// Of which the ledger does not know the credential.
    pub unknown: u64,
    /// `evoucher / settlements` in percent, one decimal ("0.0" when none).
    pub share_percent: String,
    /// At or above [`EVOUCHER_TARGET_PERCENT`].
    pub meets_target: bool,
    /// Of which identified by face (生物识别结算).
    pub face: u64,
    /// `face / settlements` in percent, one decimal.
    pub face_share_percent: String,
    /// Every credential's count.
    pub by_credential: CredentialCounts,
}

/// Audits of one pharmacist in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PharmacistAudits {
    /// Login (工号).
    pub login: String,
    /// Display name.
    pub name: String,
    /// All audits.
    pub total: u64,
    /// 通过 (1).
    pub approved: u64,
    /// 不通过 (2).
    pub rejected: u64,
    /// 需医生确认 (3).
    pub referred: u64,
}

/// Refunds of one CST day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DayRefunds {
    /// `yyyy-MM-dd`.
    pub day: String,
    /// Refunded sales.
    pub count: u64,
    /// Their total.
    pub amount: String,
}

/// One sale line priced above the product's reference price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PriceAlert {
    /// Sale row id.
    pub sale_id: i64,
    /// 零售单据号.
    pub rtal_docno: String,
    /// CST time of the sale.
    pub sold_at: String,
    /// Product name.
    pub name: String,
    /// Specification.
    pub spec: String,
    /// 医保目录编码.
    pub med_list_codg: String,
    /// Price charged.
    pub price: String,
    /// Reference price.
    pub reference_price: String,
    /// How far above, in percent, one decimal.
    pub over_percent: String,
}

/// The recorded result of one reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ReconciliationRecord {
    /// Row id.
    pub id: i64,
    /// `yyyy-MM-dd` (CST) reconciled.
    pub day: String,
    /// `balanced` or `differences` or `failed`.
    pub outcome: String,
    /// Local totals (JSON of [`SettlementTotals`]).
    pub local_json: String,
    /// What the center answered, and the differences (JSON).
    pub center_json: String,
    /// The differences in words, one per line.
    pub summary: String,
    /// Who ran it.
    pub operator_name: String,
    /// CST time it ran.
    pub at: String,
}

impl Store {
    /// Settlements whose 结算时间 falls in `[from_ms, to_ms)`, oldest first,
    /// refunded ones included (flagged). A settlement whose kind was not
    /// recorded with [`Store::set_settlement_kind`] takes `mdtrt_cert_type`
    /// and `insutype` from the 2102 answer kept in the settlement journal.
    pub fn settlements_between(&self, from_ms: i64, to_ms: i64) -> Result<Vec<SettlementRow>> {
        let mut rows = self.settlement_rows(from_ms, to_ms)?;
        for r in rows
            .iter_mut()
            .filter(|r| r.mdtrt_cert_type.is_empty() || r.insutype.is_empty())
        {
            if let Some((cert, insutype)) = self.journal_kind(&r.setl_id)? {
                if r.mdtrt_cert_type.is_empty() {
                    r.mdtrt_cert_type = cert;
                }
                if r.insutype.is_empty() {
                    r.insutype = insutype;
                }
            }
        }
        Ok(rows)
    }

    /// `setlinfo.mdtrt_cert_type` and `setlinfo.insutype` of the settled 2102
    /// answer in the journal, if there is one.
    fn journal_kind(&self, setl_id: &str) -> Result<Option<(String, String)>> {
        let sealed: Option<Vec<u8>> = self.read(|c| {
            c.query_row(
                "SELECT output_json FROM settlement_attempts
                 WHERE setl_id = ?1 AND state = 'settled' AND output_json IS NOT NULL
                 ORDER BY id DESC LIMIT 1",
                [setl_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(StoreError::sql("read settlement journal"))
        })?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let Ok(text) = self.sealer().open_str(&sealed) else {
            return Ok(None);
        };
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let info = v.get("setlinfo").unwrap_or(&v);
        let field = |k: &str| {
            info.get(k)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Ok(Some((field("mdtrt_cert_type"), field("insutype"))))
    }

    fn settlement_rows(&self, from_ms: i64, to_ms: i64) -> Result<Vec<SettlementRow>> {
        self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT s.sale_id, s.setl_id, s.mdtrt_id, s.psn_no, s.medfee_sumamt,
                            s.fund_pay_sumamt, s.acct_pay, s.psn_cash_pay, sa.state,
                            coalesce(s.insutype, ''), coalesce(s.mdtrt_cert_type, ''), s.setl_time,
                            s.id_method
                     FROM settlements s JOIN sales sa ON sa.id = s.sale_id
                     WHERE s.setl_time >= ?1 AND s.setl_time < ?2
                     ORDER BY s.setl_time, s.id",
                )
                .map_err(StoreError::sql("read settlements"))?;
            let rows = st
                .query_map(params![from_ms, to_ms], |r| {
                    Ok(SettlementRow {
                        sale_id: r.get(0)?,
                        setl_id: r.get(1)?,
                        mdtrt_id: r.get(2)?,
                        psn_no: r.get(3)?,
                        medfee_sumamt: r.get(4)?,
                        fund_pay_sumamt: r.get(5)?,
                        acct_pay: r.get(6)?,
                        psn_cash_pay: r.get(7)?,
                        refunded: r.get::<_, String>(8)? == "refunded",
                        insutype: r.get(9)?,
                        mdtrt_cert_type: r.get(10)?,
                        setl_time: r.get(11)?,
                        id_method: r.get(12)?,
                    })
                })
                .map_err(StoreError::sql("read settlements"))?
                .collect::<std::result::Result<Vec<SettlementRow>, _>>()
                .map_err(StoreError::sql("read settlements"))?;
            // psn_no is sealed at rest (protect::Sealer::seal_field).
            rows.into_iter()
                .map(|mut r| {
                    r.psn_no = self.sealer().open_field(&r.psn_no)?;
                    Ok(r)
                })
                .collect()
        })
    }

    /// Records what the 2102 answer said about a sale's settlement: the
    /// credential type the patient was identified with and the insurance type.
    /// The counter calls it right after `record_sale`; reports count a
    /// settlement without it as "unknown".
    pub fn set_settlement_kind(
        &self,
        by: &Session,
        sale_id: i64,
        mdtrt_cert_type: &str,
        insutype: &str,
    ) -> Result<()> {
        by.require(Permission::Sell)?;
        self.write("record settlement kind", |tx| {
            let n = tx
                .execute(
                    "UPDATE settlements SET mdtrt_cert_type = ?2, insutype = ?3 WHERE sale_id = ?1",
                    params![sale_id, mdtrt_cert_type.trim(), insutype.trim()],
                )
                .map_err(StoreError::sql("record settlement kind"))?;
            if n == 0 {
                return Err(StoreError::NotFound(format!(
                    "settlement of sale {sale_id}"
                )));
            }
            Ok(())
        })
    }

    /// Records the credential the patient of a sale was actually identified
    /// with (the counter calls it right after recording the sale). A sale
    /// without it is counted by its `mdtrt_cert_type`.
    pub fn record_id_method(&self, by: &Session, sale_id: i64, method: IdMethod) -> Result<()> {
        by.require(Permission::Sell)?;
        self.write("record identification method", |tx| {
            let n = tx
                .execute(
                    "UPDATE settlements SET id_method = ?2 WHERE sale_id = ?1",
                    params![sale_id, method.as_str()],
                )
                .map_err(StoreError::sql("record identification method"))?;
            if n == 0 {
                return Err(StoreError::NotFound(format!(
                    "settlement of sale {sale_id}"
                )));
            }
            Ok(())
        })
    }

    /// E-voucher and face shares per CST month for settlements in
    /// `[from_ms, to_ms)`, each settlement counted under the credential
    /// actually used ([`SettlementRow::credential`]), refunded sales left
    /// out. Months without settlements are not listed.
    pub fn evoucher_share_by_month(&self, from_ms: i64, to_ms: i64) -> Result<Vec<MonthShare>> {
        let rows = self.settlements_between(from_ms, to_ms)?;
        let mut by: BTreeMap<String, (u64, CredentialCounts)> = BTreeMap::new();
        for r in rows.iter().filter(|r| !r.refunded) {
            let month = cst_day(r.setl_time).format("%Y-%m").to_string();
            let e = by.entry(month).or_default();
            e.0 += 1;
            e.1.add(r.credential());
        }
        Ok(by
            .into_iter()
            .map(|(month, (n, c))| {
                let ev = c.evoucher_total();
                let pct = share_percent(ev, n);
                MonthShare {
                    month,
                    settlements: n,
                    evoucher: ev,
                    unknown: c.unknown,
                    share_percent: format!("{pct:.1}"),
                    meets_target: pct >= Decimal::from(EVOUCHER_TARGET_PERCENT),
                    face: c.face,
                    face_share_percent: format!("{:.1}", share_percent(c.face, n)),
                    by_credential: c,
                }
            })
            .collect())
    }

    /// Audits per pharmacist in `[from_ms, to_ms)`, most audits first.
    pub fn audits_per_pharmacist(&self, from_ms: i64, to_ms: i64) -> Result<Vec<PharmacistAudits>> {
        self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT o.login, o.display_name, count(*),
                            sum(a.status_code = '1'), sum(a.status_code = '2'), sum(a.status_code = '3')
                     FROM rx_audits a JOIN operators o ON o.id = a.pharmacist_id
                     WHERE a.audited_at >= ?1 AND a.audited_at < ?2
                     GROUP BY o.id ORDER BY count(*) DESC, o.login",
                )
                .map_err(StoreError::sql("count audits"))?;
            let rows = st
                .query_map(params![from_ms, to_ms], |r| {
                    let n = |i: usize| r.get::<_, i64>(i).map(|v| v.max(0) as u64);
                    Ok(PharmacistAudits {
                        login: r.get(0)?,
                        name: r.get(1)?,
                        total: n(2)?,
                        approved: n(3)?,
                        rejected: n(4)?,
                        referred: n(5)?,
                    })
                })
                .map_err(StoreError::sql("count audits"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("count audits"));
            rows
        })
    }

    /// Refunds per CST day in `[from_ms, to_ms)` (by refund time), oldest first.
    pub fn refunds_per_day(&self, from_ms: i64, to_ms: i64) -> Result<Vec<DayRefunds>> {
        let rows: Vec<(i64, String)> = self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT r.refunded_at, s.total FROM refunds r JOIN sales s ON s.id = r.sale_id
                     WHERE r.refunded_at >= ?1 AND r.refunded_at < ?2 ORDER BY r.refunded_at",
                )
                .map_err(StoreError::sql("read refunds"))?;
            let rows = st
                .query_map(params![from_ms, to_ms], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(StoreError::sql("read refunds"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("read refunds"));
            rows
        })?;
        let mut by: BTreeMap<String, (u64, Decimal)> = BTreeMap::new();
        for (at, total) in rows {
            let e = by
                .entry(cst_day(at).format("%Y-%m-%d").to_string())
                .or_default();
            e.0 += 1;
            e.1 += money(&total);
        }
        Ok(by
            .into_iter()
            .map(|(day, (count, sum))| DayRefunds {
                day,
                count,
                amount: amount(sum),
            })
            .collect())
    }

    /// Sale lines in `[from_ms, to_ms)` charged above the product's
    /// `reference_price` (price monitoring), newest first. Products without
    /// a reference price are not monitored.
    pub fn sales_above_reference_price(&self, from_ms: i64, to_ms: i64) -> Result<Vec<PriceAlert>> {
        type Raw = (i64, String, i64, String, String, String, String, String);
        let rows: Vec<Raw> = self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT s.id, s.rtal_docno, s.sold_at, d.name, d.spec, d.med_list_codg,
                            l.price, d.reference_price
                     FROM sale_lines l JOIN sales s ON s.id = l.sale_id JOIN drugs d ON d.id = l.drug_id
                     WHERE s.sold_at >= ?1 AND s.sold_at < ?2
                       AND d.reference_price IS NOT NULL AND trim(d.reference_price) <> ''
                     ORDER BY s.sold_at DESC, l.id",
                )
                .map_err(StoreError::sql("read prices"))?;
            let rows = st
                .query_map(params![from_ms, to_ms], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                    ))
                })
                .map_err(StoreError::sql("read prices"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("read prices"));
            rows
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(sale_id, docno, at, name, spec, codg, price, reference)| {
                let (p, r) = (money(&price), money(&reference));
                if r <= Decimal::ZERO || p <= r {
                    return None;
                }
                let over = (p - r) * Decimal::from(100) / r;
                Some(PriceAlert {
                    sale_id,
                    rtal_docno: docno,
                    sold_at: wire_time(at),
                    name,
                    spec,
                    med_list_codg: codg,
                    price: price_text(p),
                    reference_price: price_text(r),
                    over_percent: format!(
                        "{:.1}",
                        over.round_dp_with_strategy(
                            1,
                            rust_decimal::RoundingStrategy::MidpointAwayFromZero
                        )
                    ),
                })
            })
            .collect())
    }

    /// Records a reconciliation result (manager only; audit-logged).
    pub fn record_reconciliation(
        &self,
        by: &Session,
        day: NaiveDate,
        outcome: &str,
        local_json: &str,
        center_json: &str,
        summary: &str,
    ) -> Result<i64> {
        by.require(Permission::ManageQueue)?;
        let now = self.now_ms();
        let day = day.format("%Y-%m-%d").to_string();
        self.write("record reconciliation", |tx| {
            tx.execute(
                "INSERT INTO reconciliations (day, outcome, local_json, center_json, summary, operator_id, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![day, outcome, local_json, center_json, summary, by.operator_id(), now],
            )
            .map_err(StoreError::sql("record reconciliation"))?;
            let id = tx.last_insert_rowid();
            auditlog::append(
                tx,
                self,
                Some(by.operator_id()),
                "reconcile",
                &serde_json::json!({"reconciliation": id, "day": day, "outcome": outcome}),
            )?;
            Ok(id)
        })
    }

    /// The latest reconciliation results, newest first.
    pub fn reconciliations(&self, limit: u32) -> Result<Vec<ReconciliationRecord>> {
        self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT r.id, r.day, r.outcome, r.local_json, r.center_json, r.summary,
                            coalesce(o.display_name, ''), r.at
                     FROM reconciliations r LEFT JOIN operators o ON o.id = r.operator_id
                     ORDER BY r.id DESC LIMIT ?1",
                )
                .map_err(StoreError::sql("read reconciliations"))?;
            let rows = st
                .query_map([limit], |r| {
                    Ok(ReconciliationRecord {
                        id: r.get(0)?,
                        day: r.get(1)?,
                        outcome: r.get(2)?,
                        local_json: r.get(3)?,
                        center_json: r.get(4)?,
                        summary: r.get(5)?,
                        operator_name: r.get(6)?,
                        at: wire_time(r.get(7)?),
                    })
                })
                .map_err(StoreError::sql("read reconciliations"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(StoreError::sql("read reconciliations"));
            rows
        })
    }

    /// The display name of an operator login, if the account exists.
    pub fn operator_name(&self, login: &str) -> Result<Option<String>> {
        self.read(|c| {
            c.query_row(
                "SELECT display_name FROM operators WHERE login = ?1",
                [login],
                |r| r.get(0),
            )
            .optional()
            .map_err(StoreError::sql("read operator"))
        })
    }
}

/// A price with at most 6 decimals and at least 2, trailing zeros cut.
fn price_text(d: Decimal) -> String {
    let s = d.round_dp(6).normalize().to_string();
    match s.split_once('.') {
        None => format!("{s}.00"),
        Some((_, frac)) if frac.len() < 2 => format!("{s}{}", "0".repeat(2 - frac.len())),
        Some(_) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cst_days_and_money_text() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let (a, b) = day_range_ms(day);
        assert_eq!(b - a, 86_400_000);
        // 2026-11-23 00:00 CST is 2026-11-22 16:00 UTC.
        let utc = chrono::Utc
            .with_ymd_and_hms(2026, 11, 22, 16, 0, 0)
            .unwrap();
        assert_eq!(a, utc.timestamp_millis());
        assert_eq!(cst_day(a), day);
        assert_eq!(cst_day(a - 1), day.pred_opt().unwrap());
        assert_eq!(cst_day(b - 1), day);
        assert_eq!(amount(Decimal::from_str("12.5").unwrap()), "12.50");
        assert_eq!(price_text(Decimal::from_str("12.500000").unwrap()), "12.50");
        assert_eq!(
            price_text(Decimal::from_str("3.123456").unwrap()),
            "3.123456"
        );
        assert_eq!(price_text(Decimal::from(7)), "7.00");
    }
}
