//! The named prescription rules the counter runs after the signature is
//! verified and before the pharmacist audits (docs/reference/counter-workflow.md step 4). Each rule is
//! a pure function of the prescription, the facts passed in (time, previous
//! dispensings, catalogue flags, the identified patient, the layout text) and
//! returns [`Finding`]s with a stable English code and a zh-CN sentence. A
//! [`Severity::Block`] finding stops the sale; a [`Severity::Notice`] is
//! shown (e.g. a 自费 item) but does not.
//!
//! The table of every code, message and source requirement is
//! `docs/rules.md`; [`RuleCode::ALL`] is the same list in code, and a test
//! keeps the two in step.

pub mod circulation;
pub mod identity;
pub mod reuse;
pub mod self_pay;
pub mod validity;

use crate::catalogue::DrugFacts;
use crate::identity::PersonIdentity;
use crate::layout_compare::{compare_layout, unlisted_drugs, LayoutDifference};
use crate::prescription::Prescription;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether a finding stops the sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Severity {
    /// The prescription may not be audited, dispensed or settled.
    Block,
    /// Shown to the pharmacist and the patient; the sale may go on.
    Notice,
}

macro_rules! rule_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $sev:ident, $source:literal, $title:literal;)+) => {
        /// Every named rule of the counter. Serialised as its English code
        /// (`"RX_OVER_7_DAYS"`), as logs and the UI show it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RuleCode {
            $($(#[$doc])* $variant,)+
        }

        impl RuleCode {
            /// Every rule, in table order.
            pub const ALL: &'static [RuleCode] = &[$(RuleCode::$variant,)+];
            /// Stable English code (logs, the audit trail, `docs/rules.md`).
            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code,)+ }
            }
            /// Whether a finding of this rule blocks the sale.
            pub fn severity(self) -> Severity {
                match self { $(Self::$variant => Severity::$sev,)+ }
            }
            /// The requirement the rule enforces.
            pub fn source(self) -> &'static str {
                match self { $(Self::$variant => $source,)+ }
            }
            /// Short zh-CN title of the rule.
            pub fn title_zh(self) -> &'static str {
                match self { $(Self::$variant => $title,)+ }
            }
            /// The rule with this English code.
            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|c| c.code() == code)
            }
        }

        impl Serialize for RuleCode {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> Deserialize<'de> for RuleCode {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::from_code(&s)
                    .ok_or_else(|| serde::de::Error::custom(format!("unknown rule code {s}")))
            }
        }
    };
}

rule_codes! {
    /// Issued more than 7 days ago.
    RxOver7Days = "RX_OVER_7_DAYS", Block, "Prescription rules: valid 7 days from upload", "处方超过 7 天有效期";
    /// Past `valid_end_time`.
    RxPastValidEnd = "RX_PAST_VALID_END", Block, "docs/reference/wire-protocol.md §4.1 7203 valid_end_time", "处方已过有效截止时间";
    /// Issue time or `valid_end_time` unreadable.
    RxTimeUnreadable = "RX_TIME_UNREADABLE", Block, "docs/reference/wire-protocol.md §4.1 7203 prsc_time/valid_end_time", "处方时间无法识别";
    /// Issued in the future (clock or data error).
    RxIssuedInFuture = "RX_ISSUED_IN_FUTURE", Block, "Prescription rules: validity counted from upload", "开方时间晚于当前时间";
    /// Revoked by the hospital.
    RxRevoked = "RX_REVOKED", Block, "docs/reference/wire-protocol.md §4.1 7104; docs/decisions/0010-record-silent-choices.md rx_stas_codg 2", "处方已被医院撤销";
    /// Already dispensed and written off.
    RxAlreadyUsed = "RX_ALREADY_USED", Block, "docs/decisions/0010-record-silent-choices.md rx_stas_codg 4; ST-EPC-02-010", "处方已核销";
    /// The center says expired.
    RxExpiredAtCenter = "RX_EXPIRED_AT_CENTER", Block, "docs/decisions/0010-record-silent-choices.md rx_stas_codg 3", "处方已失效";
    /// Status code unknown to this build.
    RxStatusUnknown = "RX_STATUS_UNKNOWN", Block, "docs/decisions/0010-record-silent-choices.md rx_stas_codg", "处方状态未知";
    /// Dispensed before and not reusable.
    RxReuseNotAllowed = "RX_REUSE_NOT_ALLOWED", Block, "docs/reference/wire-protocol.md §4.1 7203 rept_flag", "处方不可复用";
    /// All allowed dispensings used.
    RxReuseLimitReached = "RX_REUSE_LIMIT_REACHED", Block, "docs/reference/wire-protocol.md §4.1 7203 max_rept_cnt/reptd_cnt", "已达最大复用次数";
    /// Too soon after the previous dispensing.
    RxReuseTooSoon = "RX_REUSE_TOO_SOON", Block, "docs/reference/wire-protocol.md §4.1 7203 min_inrv_days", "未到复用间隔";
    /// Reusable but `max_rept_cnt` missing.
    RxReuseTermsIncomplete = "RX_REUSE_TERMS_INCOMPLETE", Block, "docs/reference/wire-protocol.md §4.1 7203 max_rept_cnt", "复用条件不完整";
    /// More than 12 weeks of medication.
    RxOver12Weeks = "RX_OVER_12_WEEKS", Block, "docs/reference/requirements.md: long prescriptions up to 12 weeks", "用药超过 12 周";
    /// A drug not allowed to circulate to pharmacies.
    DrugNotInCirculation = "DRUG_NOT_IN_CIRCULATION", Block, "Prescription rules: drugs not allowed in circulation", "不得流转的药品";
    /// The prescribed drug is not in the pharmacy's catalogue.
    DrugNotInCatalogue = "DRUG_NOT_IN_CATALOGUE", Block, "ST-EPC-02-010 (no substitution)", "本店目录无此药品";
    /// A 自费 item: the patient pays it in full.
    ItemSelfPay = "ITEM_SELF_PAY", Notice, "ST-EPC-02-010 settlement explanation", "自费药品";
    /// The identified patient has no certificate number to compare.
    PatientCertMissing = "PATIENT_CERT_MISSING", Block, "ST-EPC-02-005; ST-EPC-02-011", "缺少患者证件号码";
    /// Certificate number differs from the prescription's patient.
    PatientCertMismatch = "PATIENT_CERT_MISMATCH", Block, "ST-EPC-02-005", "患者证件号码不符";
    /// Name differs from the prescription's patient.
    PatientNameMismatch = "PATIENT_NAME_MISMATCH", Block, "ST-EPC-02-005", "患者姓名不符";
    /// Structured data and the layout file differ.
    LayoutMismatch = "LAYOUT_MISMATCH", Block, "ST-EPC-02-007; prescription rules (differences block settlement)", "结构化数据与版式文件不一致";
    /// The layout file's text could not be read at all.
    LayoutUnreadable = "LAYOUT_UNREADABLE", Block, "ST-EPC-02-007", "版式文件无法读取";
}

/// One result of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Which rule.
    pub code: RuleCode,
    /// The sentence shown (zh-CN), with the specific values.
    pub message_zh: String,
    /// The drug line concerned (0-based), if the finding is about one line.
    pub line: Option<usize>,
    /// The values in `message_zh` by name (dates, counts, masked numbers,
    /// codes), so a window in another language words the finding by its
    /// code without reading the Chinese sentence.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}

impl Finding {
    /// A finding about the whole prescription.
    pub fn new(code: RuleCode, message_zh: impl Into<String>) -> Self {
        Self {
            code,
            message_zh: message_zh.into(),
            line: None,
            params: BTreeMap::new(),
        }
    }
    /// A finding about one drug line.
    pub fn on_line(code: RuleCode, line: usize, message_zh: impl Into<String>) -> Self {
        Self {
            code,
            message_zh: message_zh.into(),
            line: Some(line),
            params: BTreeMap::new(),
        }
    }
    /// The finding with one more named value.
    #[must_use]
    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.params.insert(name.to_string(), value.to_string());
        self
    }
    /// True when it stops the sale.
    pub fn blocks(&self) -> bool {
        self.code.severity() == Severity::Block
    }
}

/// Everything the rules need besides the prescription itself.
pub struct RuleContext<'a> {
    /// Now (the caller reads the clock).
    pub now: DateTime<Utc>,
    /// Earlier dispensings of this prescription (from the ledger).
    pub previous_dispensings: &'a [DateTime<Utc>],
    /// The patient identified at the counter (for a proxy purchase: the
    /// patient, not the agent).
    pub patient: &'a PersonIdentity,
    /// Catalogue facts by `med_list_codg`.
    pub catalogue: &'a dyn Fn(&str) -> Option<DrugFacts>,
    /// Text extracted from the layout file (the prescription PDF).
    pub layout_text: &'a str,
    /// Generic and product names of the catalogue, to find drugs the layout
    /// prints but the structured data lacks (an empty slice skips that check).
    pub catalogue_names: &'a [&'a str],
}

/// The result of all rules on one prescription.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RuleReport {
    /// All findings, blocking and notices, in rule order.
    pub findings: Vec<Finding>,
    /// Structured-vs-layout differences for side-by-side display.
    pub layout_differences: Vec<LayoutDifference>,
    /// Lines (0-based) that are 自费 items.
    pub self_pay_lines: Vec<usize>,
}

impl RuleReport {
    /// True when any finding blocks the sale.
    pub fn blocks(&self) -> bool {
        self.findings.iter().any(Finding::blocks)
    }
    /// The blocking findings.
    pub fn blocking(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.blocks())
    }
    /// The codes of all findings (for tests and logs).
    pub fn codes(&self) -> Vec<RuleCode> {
        self.findings.iter().map(|f| f.code).collect()
    }
}

/// Runs every prescription rule.
pub fn check_prescription(rx: &Prescription, ctx: &RuleContext<'_>) -> RuleReport {
    let mut findings = Vec::new();
    // A reusable prescription's later dispensings are bounded by its
    // `valid_end_time`, not by the 7 days after upload (those bound the
    // first one): `validity::is_repeat_dispensing`.
    let repeat = validity::is_repeat_dispensing(&rx.reuse, ctx.previous_dispensings);
    findings.extend(
        validity::check_validity(&rx.issued_at, &rx.valid_end_time, ctx.now)
            .into_iter()
            .filter(|f| !(repeat && f.code == RuleCode::RxOver7Days)),
    );
    findings.extend(validity::check_status(&rx.status, &rx.reuse));
    findings.extend(reuse::check_reuse(
        &rx.reuse,
        ctx.previous_dispensings,
        ctx.now,
    ));
    findings.extend(validity::check_long_prescription(rx));
    let facts: Vec<Option<DrugFacts>> = rx
        .lines
        .iter()
        .map(|l| (ctx.catalogue)(&l.med_list_codg))
        .collect();
    findings.extend(circulation::check_circulation(&rx.lines, &facts));
    let (self_pay_findings, self_pay_lines) = self_pay::mark_self_pay(&rx.lines, &facts);
    findings.extend(self_pay_findings);
    findings.extend(identity::check_patient_identity(
        &rx.patient_name,
        &rx.patient_cert_no,
        ctx.patient,
    ));
    let mut layout_differences = compare_layout(rx, ctx.layout_text);
    layout_differences.extend(unlisted_drugs(rx, ctx.layout_text, ctx.catalogue_names));
    if ctx.layout_text.trim().is_empty() {
        findings.push(Finding::new(
            RuleCode::LayoutUnreadable,
            "未能从处方版式文件中读取文字，无法与结构化处方核对，不能结算",
        ));
    } else if !layout_differences.is_empty() {
        findings.push(
            Finding::new(
                RuleCode::LayoutMismatch,
                format!(
                    "处方结构化数据与版式文件有 {} 处不一致，请逐项核对，不能结算",
                    layout_differences.len()
                ),
            )
            .with("count", layout_differences.len()),
        );
    }
    RuleReport {
        findings,
        layout_differences,
        self_pay_lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_codes_serialise_as_their_english_code() {
        let j = serde_json::to_string(&RuleCode::RxOver7Days).unwrap();
        assert_eq!(j, "\"RX_OVER_7_DAYS\"");
        for c in RuleCode::ALL {
            let back: RuleCode = serde_json::from_str(&serde_json::to_string(c).unwrap()).unwrap();
            assert_eq!(back, *c);
        }
        assert!(serde_json::from_str::<RuleCode>("\"NOPE\"").is_err());
    }

    #[test]
    fn codes_are_unique_and_upper_snake() {
        let mut seen = std::collections::HashSet::new();
        for c in RuleCode::ALL {
            assert!(seen.insert(c.code()), "duplicate {}", c.code());
            assert!(c
                .code()
                .chars()
                .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_'));
            assert!(!c.title_zh().is_empty());
            assert!(!c.source().is_empty());
        }
    }

    use crate::catalogue::InsuranceClass;
    use crate::prescription::ReuseTerms;
    use crate::testdata::{at, layout_text, rx};

    fn patient() -> PersonIdentity {
        PersonIdentity {
            name: "张三".into(),
            cert_type: "01".into(),
            cert_no: "11010519491231002X".into(),
        }
    }

    fn facts(class: InsuranceClass) -> impl Fn(&str) -> Option<DrugFacts> {
        move |code| {
            (code == crate::testdata::AMOXICILLIN).then(|| DrugFacts {
                restricted: vec![],
                insurance_class: class,
                cold_chain: false,
            })
        }
    }

    #[test]
    fn a_good_prescription_passes_every_rule() {
        let lookup = facts(InsuranceClass::A);
        let p = patient();
        let text = layout_text();
        let ctx = RuleContext {
            now: at("2026-11-23 10:00:00"),
            previous_dispensings: &[],
            patient: &p,
            catalogue: &lookup,
            layout_text: &text,
            catalogue_names: &["阿莫西林胶囊", "布洛芬缓释胶囊"],
        };
        let r = check_prescription(&rx(), &ctx);
        assert_eq!(r, RuleReport::default());
        assert!(!r.blocks());
    }

    #[test]
    fn the_report_collects_every_family() {
        let lookup = facts(InsuranceClass::SelfPay);
        let p = PersonIdentity {
            name: "李四".into(),
            ..patient()
        };
        let text = layout_text().replace("×2盒", "×3盒");
        let prev = [at("2026-11-22 12:00:00")];
        let mut prescription = rx();
        prescription.lines[0].days = 90;
        let ctx = RuleContext {
            now: at("2026-11-30 10:00:00"),
            previous_dispensings: &prev,
            patient: &p,
            catalogue: &lookup,
            layout_text: &text,
            catalogue_names: &[],
        };
        let r = check_prescription(&prescription, &ctx);
        assert_eq!(
            r.codes(),
            vec![
                RuleCode::RxOver7Days,
                RuleCode::RxPastValidEnd,
                RuleCode::RxReuseNotAllowed,
                RuleCode::RxOver12Weeks,
                RuleCode::ItemSelfPay,
                RuleCode::PatientNameMismatch,
                RuleCode::LayoutMismatch,
            ]
        );
        assert_eq!(r.self_pay_lines, vec![0]);
        assert_eq!(r.layout_differences.len(), 2, "quantity and days");
        assert!(r.blocks());
        assert_eq!(r.blocking().count(), 6);
        let empty = String::new();
        let ctx = RuleContext {
            layout_text: &empty,
            ..ctx
        };
        assert!(check_prescription(&prescription, &ctx)
            .codes()
            .contains(&RuleCode::LayoutUnreadable));
    }

    /// docs/rules.md: a layout that lacks a drug of the structured data is a
    /// LAYOUT_MISMATCH and blocks settlement (issue 13's demo doubt).
    #[test]
    fn a_layout_missing_a_prescribed_drug_blocks_the_sale() {
        let mut prescription = rx();
        let mut second = prescription.lines[0].clone();
        second.med_list_codg = "XM01AEB080A001010100002".into();
        second.drug_genname = "布洛芬缓释胶囊".into();
        second.drug_spec = "0.3g*20粒".into();
        prescription.lines.push(second);
        let any = |_: &str| {
            Some(DrugFacts {
                restricted: vec![],
                insurance_class: InsuranceClass::A,
                cold_chain: false,
            })
        };
        let p = patient();
        let text = layout_text(); // prints 阿莫西林胶囊 only
        let ctx = RuleContext {
            now: at("2026-11-23 10:00:00"),
            previous_dispensings: &[],
            patient: &p,
            catalogue: &any,
            layout_text: &text,
            catalogue_names: &["阿莫西林胶囊", "布洛芬缓释胶囊"],
        };
        let r = check_prescription(&prescription, &ctx);
        assert_eq!(r.codes(), vec![RuleCode::LayoutMismatch]);
        assert!(r.blocks());
        assert!(r
            .layout_differences
            .iter()
            .any(|d| d.line == Some(1) && d.structured == "布洛芬缓释胶囊"));
    }

    fn reuse_ctx_codes(
        terms: ReuseTerms,
        previous: &[chrono::DateTime<chrono::Utc>],
        now: &str,
    ) -> Vec<RuleCode> {
        let lookup = facts(InsuranceClass::A);
        let p = patient();
        let text = layout_text();
        let mut prescription = rx();
        prescription.reuse = terms;
        prescription.valid_end_time = "2027-01-31 09:00:00".into();
        let ctx = RuleContext {
            now: at(now),
            previous_dispensings: previous,
            patient: &p,
            catalogue: &lookup,
            layout_text: &text,
            catalogue_names: &["阿莫西林胶囊", "布洛芬缓释胶囊"],
        };
        check_prescription(&prescription, &ctx).codes()
    }

    /// A reusable prescription (max 3, every 7 days) is dispensed a second
    /// time after its interval, though far past the 7 days after upload;
    /// refused before the interval and beyond its count, each with its code.
    #[test]
    fn a_reusable_prescription_is_dispensed_again_after_its_interval() {
        let terms = ReuseTerms {
            rept_flag: true,
            max_rept_cnt: Some(3),
            reptd_cnt: Some(1),
            min_inrv_days: Some(7),
        };
        let first = [at("2026-11-22 12:00:00")];
        // Second dispensing 9 days after upload: allowed.
        assert_eq!(
            reuse_ctx_codes(terms, &first, "2026-12-01 10:00:00"),
            Vec::<RuleCode>::new()
        );
        // Before the interval: RX_REUSE_TOO_SOON alone.
        assert_eq!(
            reuse_ctx_codes(terms, &first, "2026-11-26 10:00:00"),
            vec![RuleCode::RxReuseTooSoon]
        );
        // Three dispensings made: the fourth is refused.
        let three = [
            at("2026-11-22 12:00:00"),
            at("2026-11-29 12:00:00"),
            at("2026-12-06 12:00:00"),
        ];
        assert_eq!(
            reuse_ctx_codes(terms, &three, "2026-12-20 10:00:00"),
            vec![RuleCode::RxReuseLimitReached]
        );
        // The first dispensing of a reusable prescription is still bounded
        // by the 7 days after upload.
        let fresh = ReuseTerms {
            reptd_cnt: Some(0),
            ..terms
        };
        assert_eq!(
            reuse_ctx_codes(fresh, &[], "2026-12-01 10:00:00"),
            vec![RuleCode::RxOver7Days]
        );
        // Past valid_end_time nothing is dispensed, reused or not.
        assert!(reuse_ctx_codes(terms, &first, "2027-02-01 10:00:00")
            .contains(&RuleCode::RxPastValidEnd));
        // A single-use prescription dispensed once stays refused.
        let single = ReuseTerms::default();
        assert_eq!(
            reuse_ctx_codes(single, &first, "2026-11-24 10:00:00"),
            vec![RuleCode::RxReuseNotAllowed]
        );
    }

    proptest::proptest! {
        /// Whatever the reuse terms, uses and time: a repeat dispensing of a
        /// reusable prescription is never refused for the 7 days after upload,
        /// a first (or single-use) one always is once they are over; and a
        /// repeat dispensing is allowed exactly when the count and the
        /// interval allow it (CST calendar days) and valid_end_time holds.
        #[test]
        fn repeat_dispensing_is_bounded_by_terms_not_by_seven_days(
            flag in proptest::bool::ANY,
            max in 1u32..6,
            inrv in 0u32..40,
            prev_days in proptest::collection::vec(0i64..60, 0..5),
            now_day in 0i64..70,
        ) {
            let base = at("2026-11-22 12:00:00");
            let terms = ReuseTerms {
                rept_flag: flag,
                max_rept_cnt: Some(max),
                reptd_cnt: None,
                min_inrv_days: Some(inrv),
            };
            let prev: Vec<_> = prev_days
                .iter()
                .map(|d| base + chrono::Duration::days(*d))
                .collect();
            let now = base + chrono::Duration::days(now_day);
            let codes = reuse_ctx_codes(terms, &prev, &crate::time::format_wire(now));
            let over7 = now_day >= 7;
            let repeat = flag && !prev.is_empty();
            proptest::prop_assert_eq!(
                codes.contains(&RuleCode::RxOver7Days),
                over7 && !repeat
            );
            if repeat {
                let last = prev_days.iter().max().copied().unwrap_or(0);
                let allowed = (prev.len() as u32) < max && now_day - last >= i64::from(inrv);
                let past_end = now > at("2027-01-31 09:00:00");
                proptest::prop_assert_eq!(codes.is_empty(), allowed && !past_end, "{:?}", codes);
            }
        }
    }

    #[test]
    fn docs_table_lists_every_rule_code() {
        let doc = include_str!("../../../../docs/rules.md");
        for c in RuleCode::ALL {
            assert!(
                doc.contains(&format!("`{}`", c.code())),
                "docs/rules.md lacks {}",
                c.code()
            );
        }
    }
}
