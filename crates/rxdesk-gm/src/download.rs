//! The downloaded prescription as the center (and the center emulator) serves
//! it, and the signed-field canonicalisation of docs/decisions/0010-record-silent-choices.md.
//!
//! [`DownloadedPrescription`] is **the** JSON shape of a download
//! (camelCase): the 20 sign fields of docs/reference/wire-protocol.md §5, the signed PDF
//! (`rxFile`), the detached CMS over `originalValue` (`signDigest`), the
//! signer's certificate serial and DN, plus the header and drug lines the
//! counter needs. The emulator serves exactly this struct; RxDesk verifies it
//! with [`crate::verify`]. Fields may be added (optional) but never renamed.
//!
//! `originalValue` = Base64 (standard, padded) of the UTF-8 compact JSON of
//! the 20 sign fields, keys sorted (ordinal), empty strings kept, non-ASCII
//! not escaped. `signDigest` signs the ASCII bytes of that Base64 text
//! (docs/decisions/0010-record-silent-choices.md: "a detached CMS SignedData over `originalValue`").

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rust_decimal::Decimal;
use rxdesk_core::codes::RxStatus;
use rxdesk_core::money::Price;
use serde::{Deserialize, Serialize};

/// The 20 fields the issuing institution's signature covers (docs/reference/wire-protocol.md §5), in spec order.
pub const SIGN_FIELD_NAMES: [&str; 20] = [
    "rxTraceCode",
    "hiRxno",
    "mdtrtId",
    "patnName",
    "psnCertType",
    "certno",
    "fixmedinsName",
    "fixmedinsCode",
    "drCode",
    "prscDrName",
    "pharDeptName",
    "pharDeptCode",
    "pharProfttlCodg",
    "pharProfttlName",
    "pharCode",
    "pharCertType",
    "pharCertno",
    "pharName",
    "pharPracCertNo",
    "pharChkTime",
];

/// The 20 signed fields (docs/reference/wire-protocol.md §5). All are strings on the wire;
/// optional ones are empty strings when absent (and still signed).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignFields {
    /// 1 处方追溯码
    pub rx_trace_code: String,
    /// 2 医保处方编号
    pub hi_rxno: String,
    /// 3 医保就诊ID
    pub mdtrt_id: String,
    /// 4 患者姓名
    pub patn_name: String,
    /// 5 人员证件类型
    pub psn_cert_type: String,
    /// 6 证件号码 (never log it unmasked)
    pub certno: String,
    /// 7 定点医疗机构名称
    pub fixmedins_name: String,
    /// 8 定点医疗机构编号 (must equal the institution in the signing certificate)
    pub fixmedins_code: String,
    /// 9 开方医保医师代码
    pub dr_code: String,
    /// 10 开方医师姓名
    pub prsc_dr_name: String,
    /// 11 审方药师科室名称
    pub phar_dept_name: String,
    /// 12 审方药师科室编号
    pub phar_dept_code: String,
    /// 13 审方药师职称编码
    #[serde(default)]
    pub phar_profttl_codg: String,
    /// 14 审方药师职称名称
    #[serde(default)]
    pub phar_profttl_name: String,
    /// 15 审方医保药师代码
    pub phar_code: String,
    /// 16 审方药师证件类型
    #[serde(default)]
    pub phar_cert_type: String,
    /// 17 审方药师证件号码
    #[serde(default)]
    pub phar_certno: String,
    /// 18 审方药师姓名
    pub phar_name: String,
    /// 19 审方药师执业资格证号
    #[serde(default)]
    pub phar_prac_cert_no: String,
    /// 20 医疗机构药师审方时间 (`yyyy-MM-dd HH:mm:ss`, CST)
    pub phar_chk_time: String,
}

impl SignFields {
    /// `(wire name, value)` pairs in spec order.
    pub fn pairs(&self) -> [(&'static str, &str); 20] {
        [
            ("rxTraceCode", &self.rx_trace_code),
            ("hiRxno", &self.hi_rxno),
            ("mdtrtId", &self.mdtrt_id),
            ("patnName", &self.patn_name),
            ("psnCertType", &self.psn_cert_type),
            ("certno", &self.certno),
            ("fixmedinsName", &self.fixmedins_name),
            ("fixmedinsCode", &self.fixmedins_code),
            ("drCode", &self.dr_code),
            ("prscDrName", &self.prsc_dr_name),
            ("pharDeptName", &self.phar_dept_name),
            ("pharDeptCode", &self.phar_dept_code),
            ("pharProfttlCodg", &self.phar_profttl_codg),
            ("pharProfttlName", &self.phar_profttl_name),
            ("pharCode", &self.phar_code),
            ("pharCertType", &self.phar_cert_type),
            ("pharCertno", &self.phar_certno),
            ("pharName", &self.phar_name),
            ("pharPracCertNo", &self.phar_prac_cert_no),
            ("pharChkTime", &self.phar_chk_time),
        ]
    }

    /// The canonical JSON text: compact, keys sorted, empty strings kept.
    pub fn canonical_json(&self) -> String {
        canonical_json_of(&self.pairs())
    }

    /// `originalValue` = Base64(UTF-8 canonical JSON).
    pub fn original_value(&self) -> String {
        B64.encode(self.canonical_json().as_bytes())
    }

    /// Parse the canonical JSON back (used to name the field that differs
    /// when a signature over another `originalValue` is presented).
    pub fn from_original_value(original_value: &str) -> Option<Self> {
        let json = B64.decode(original_value.trim()).ok()?;
        serde_json::from_slice(&json).ok()
    }
}

/// The indices of [`SIGN_FIELD_NAMES`] in ordinal order of the names: the
/// order of the keys in the canonical JSON (a `BTreeMap<&str, _>`'s order;
/// the test `sorted_order_is_the_ordinal_order_of_the_names` checks it).
const SORTED_SIGN_FIELDS: [usize; 20] = [
    5, 8, 7, 6, 1, 2, 3, 15, 16, 19, 14, 11, 10, 17, 18, 12, 13, 9, 4, 0,
];

/// The canonical JSON of the 20 `(wire name, value)` pairs in spec order:
/// byte for byte what `serde_json` writes for a `BTreeMap<&str, &str>` of
/// them (compact, keys in ordinal order, `"`, `\\` and control characters
/// escaped as `serde_json` escapes them, nothing else). Written directly:
/// every prescription verification rebuilds `originalValue`, and the map,
/// the copies of the 20 values and `serde_json`'s serializer were ≈ 2 % of
/// a full verification (decision 0015). Property test against `serde_json`
/// below.
fn canonical_json_of(pairs: &[(&'static str, &str); 20]) -> String {
    let cap = pairs
        .iter()
        .map(|(k, v)| k.len() + v.len() + 6)
        .sum::<usize>()
        + 2;
    let mut out = String::with_capacity(cap);
    out.push('{');
    for (n, &i) in SORTED_SIGN_FIELDS.iter().enumerate() {
        let (k, v) = pairs[i];
        if n > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(k);
        out.push_str("\":");
        // A fold without an early exit, which the compiler vectorises
        // (decision 0032); escaping is rare.
        let needs_escape = v.bytes().fold(false, |acc, b| {
            acc | (b < 0x20) | (b == b'"') | (b == b'\\')
        });
        if needs_escape {
            // Rare: let serde_json escape it (a &str always serialises).
            out.push_str(&serde_json::to_string(v).unwrap_or_default());
        } else {
            out.push('"');
            out.push_str(v);
            out.push('"');
        }
    }
    out.push('}');
    out
}

/// One drug line of a download (docs/reference/wire-protocol.md §4.1 `rxdrugdetail`, camelCase).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DownloadedDrugLine {
    /// 医疗目录编码 (national drug code)
    pub med_list_codg: String,
    /// 药品通用名
    pub drug_genname: String,
    /// 药品商品名
    #[serde(default)]
    pub drug_prodname: String,
    /// 药品剂型
    #[serde(default)]
    pub drug_dosform: String,
    /// 药品规格
    pub drug_spec: String,
    /// 药品数量
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub drug_cnt: Decimal,
    /// 药品数量单位 (e.g. 盒)
    pub drug_cnt_unit: String,
    /// 药品单价 (reference price), if sent
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub drug_pric: Option<Price>,
    /// 单次用量
    #[serde(default)]
    pub sin_doscnt: String,
    /// 单次剂量单位
    #[serde(default)]
    pub sin_dosunt: String,
    /// 使用频次名称
    #[serde(default)]
    pub used_frqu_name: String,
    /// 用药途径描述
    #[serde(default)]
    pub medc_way_dscr: String,
    /// 用药天数
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub medc_days: Decimal,
    /// 院内制剂标志 (`1` = hospital-made preparation), empty when not sent
    #[serde(default)]
    pub hosp_prep_flag: String,
    /// The line's remark as the doctor wrote it (7203 `tcmherb_foote`
    /// 草药脚注, e.g. 先煎 / 后下 / 饭后): printed in the medication
    /// guidance. Not a signed field; empty when not sent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tcmherb_foote: String,
}

/// The JSON the center emulator serves for a download (camelCase). Stable:
/// the emulator and RxDesk share this exact struct.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DownloadedPrescription {
    /// 1 处方追溯码
    pub rx_trace_code: String,
    /// 2 医保处方编号
    pub hi_rxno: String,
    /// 3 医保就诊ID
    pub mdtrt_id: String,
    /// 4 患者姓名
    pub patn_name: String,
    /// 5 人员证件类型
    pub psn_cert_type: String,
    /// 6 证件号码
    pub certno: String,
    /// 7 定点医疗机构名称
    pub fixmedins_name: String,
    /// 8 定点医疗机构编号
    pub fixmedins_code: String,
    /// 9 开方医保医师代码
    pub dr_code: String,
    /// 10 开方医师姓名
    pub prsc_dr_name: String,
    /// 11 审方药师科室名称
    pub phar_dept_name: String,
    /// 12 审方药师科室编号
    pub phar_dept_code: String,
    /// 13 审方药师职称编码
    #[serde(default)]
    pub phar_profttl_codg: String,
    /// 14 审方药师职称名称
    #[serde(default)]
    pub phar_profttl_name: String,
    /// 15 审方医保药师代码
    pub phar_code: String,
    /// 16 审方药师证件类型
    #[serde(default)]
    pub phar_cert_type: String,
    /// 17 审方药师证件号码
    #[serde(default)]
    pub phar_certno: String,
    /// 18 审方药师姓名
    pub phar_name: String,
    /// 19 审方药师执业资格证号
    #[serde(default)]
    pub phar_prac_cert_no: String,
    /// 20 医疗机构药师审方时间
    pub phar_chk_time: String,

    /// 开方时间 (`yyyy-MM-dd HH:mm:ss`, CST)
    pub prsc_time: String,
    /// 有效截止时间 (`yyyy-MM-dd HH:mm:ss`, CST)
    pub valid_end_time: String,
    /// 处方状态 at download time
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub rx_stas_codg: RxStatus,
    /// 主诊断名称, if sent
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diag_name: Option<String>,
    /// Drug lines (`rxdrugdetail`).
    pub rx_drug_detail: Vec<DownloadedDrugLine>,
    /// 复用（多次）使用标志 `0`/`1` (empty = not sent = single use)
    #[serde(default)]
    pub rept_flag: String,
    /// 最大复用次数
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rept_cnt: Option<u32>,
    /// 已复用次数
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reptd_cnt: Option<u32>,
    /// 使用最小间隔（天数）
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_inrv_days: Option<u32>,
    /// 长期处方标志 `0`/`1` (empty = not sent)
    #[serde(default)]
    pub long_rx_flag: String,
    /// 医疗类别 of the visit that issued it (7203 `mdtrtinfo.med_type`: 11
    /// 普通门诊, 14 门诊慢特病 …); empty when not sent. Not a signed field:
    /// it decides how the pharmacy settles (`rxdesk_core::settle_kind`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub med_type: String,
    /// 病种编码 (7203 `mdtrtinfo.dise_codg`: the 门慢特 / 特药 disease), empty
    /// when not sent. Not a signed field.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dise_codg: String,
    /// 病种名称 (7203 `mdtrtinfo.dise_name`), empty when not sent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dise_name: String,
    /// 开方科室名称 (7203 `mdtrtinfo.prsc_dept_name`): the prescribing
    /// doctor's department, printed as 开方科室. Not a signed field (the
    /// signed `phar_dept_name` is the hospital pharmacist's department, e.g.
    /// 药剂科); empty when not sent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prsc_dept_name: String,
    /// 处方整剂医嘱说明 (7203 `rx_drord_dscr`): the doctor's instructions
    /// for the whole prescription, printed in the medication guidance. Not a
    /// signed field; empty when not sent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rx_drord_dscr: String,

    /// Base64 of the PDF signed by the institution (`/ByteRange` + detached CMS).
    pub rx_file: String,
    /// Base64 DER of the detached CMS SignedData over `originalValue`.
    pub sign_digest: String,
    /// Signing certificate serial, upper-case hex without separators.
    pub sign_cert_sn: String,
    /// Signing certificate subject DN (RFC 4514 string as RxDesk prints it).
    pub sign_cert_dn: String,
}

impl DownloadedPrescription {
    /// The 20 signed fields of this download.
    pub fn sign_fields(&self) -> SignFields {
        SignFields {
            rx_trace_code: self.rx_trace_code.clone(),
            hi_rxno: self.hi_rxno.clone(),
            mdtrt_id: self.mdtrt_id.clone(),
            patn_name: self.patn_name.clone(),
            psn_cert_type: self.psn_cert_type.clone(),
            certno: self.certno.clone(),
            fixmedins_name: self.fixmedins_name.clone(),
            fixmedins_code: self.fixmedins_code.clone(),
            dr_code: self.dr_code.clone(),
            prsc_dr_name: self.prsc_dr_name.clone(),
            phar_dept_name: self.phar_dept_name.clone(),
            phar_dept_code: self.phar_dept_code.clone(),
            phar_profttl_codg: self.phar_profttl_codg.clone(),
            phar_profttl_name: self.phar_profttl_name.clone(),
            phar_code: self.phar_code.clone(),
            phar_cert_type: self.phar_cert_type.clone(),
            phar_certno: self.phar_certno.clone(),
            phar_name: self.phar_name.clone(),
            phar_prac_cert_no: self.phar_prac_cert_no.clone(),
            phar_chk_time: self.phar_chk_time.clone(),
        }
    }

    /// Copy the 20 signed fields into this download (used by the emulator).
    pub fn set_sign_fields(&mut self, f: &SignFields) {
        self.rx_trace_code = f.rx_trace_code.clone();
        self.hi_rxno = f.hi_rxno.clone();
        self.mdtrt_id = f.mdtrt_id.clone();
        self.patn_name = f.patn_name.clone();
        self.psn_cert_type = f.psn_cert_type.clone();
        self.certno = f.certno.clone();
        self.fixmedins_name = f.fixmedins_name.clone();
        self.fixmedins_code = f.fixmedins_code.clone();
        self.dr_code = f.dr_code.clone();
        self.prsc_dr_name = f.prsc_dr_name.clone();
        self.phar_dept_name = f.phar_dept_name.clone();
        self.phar_dept_code = f.phar_dept_code.clone();
        self.phar_profttl_codg = f.phar_profttl_codg.clone();
        self.phar_profttl_name = f.phar_profttl_name.clone();
        self.phar_code = f.phar_code.clone();
        self.phar_cert_type = f.phar_cert_type.clone();
        self.phar_certno = f.phar_certno.clone();
        self.phar_name = f.phar_name.clone();
        self.phar_prac_cert_no = f.phar_prac_cert_no.clone();
        self.phar_chk_time = f.phar_chk_time.clone();
    }

    /// `originalValue` of this download's signed fields.
    pub fn original_value(&self) -> String {
        // The same standard padded Base64 as `B64.encode` (property test
        // `canonical_json_is_what_serde_json_writes` compares them), by
        // `base64-simd`, which RxDesk already takes for `rxFile` (decision
        // 0020): the `base64` crate's encoder was ≈ 0.4 % of a verification.
        base64_simd::STANDARD.encode_to_string(canonical_json_of(&self.sign_pairs()))
    }

    /// `(wire name, value)` of the 20 signed fields in spec order, borrowed
    /// ([`SignFields::pairs`] of [`Self::sign_fields`] without copying them).
    pub fn sign_pairs(&self) -> [(&'static str, &str); 20] {
        [
            ("rxTraceCode", &self.rx_trace_code),
            ("hiRxno", &self.hi_rxno),
            ("mdtrtId", &self.mdtrt_id),
            ("patnName", &self.patn_name),
            ("psnCertType", &self.psn_cert_type),
            ("certno", &self.certno),
            ("fixmedinsName", &self.fixmedins_name),
            ("fixmedinsCode", &self.fixmedins_code),
            ("drCode", &self.dr_code),
            ("prscDrName", &self.prsc_dr_name),
            ("pharDeptName", &self.phar_dept_name),
            ("pharDeptCode", &self.phar_dept_code),
            ("pharProfttlCodg", &self.phar_profttl_codg),
            ("pharProfttlName", &self.phar_profttl_name),
            ("pharCode", &self.phar_code),
            ("pharCertType", &self.phar_cert_type),
            ("pharCertno", &self.phar_certno),
            ("pharName", &self.phar_name),
            ("pharPracCertNo", &self.phar_prac_cert_no),
            ("pharChkTime", &self.phar_chk_time),
        ]
    }
}

impl DownloadedPrescription {
    /// A plausible DEMO download (unsigned: signature fields empty) for
    /// institution `code`/`name`, issued at `issued_at`: two drug lines,
    /// synthetic patient. Sign it with `issue::sign_prescription` (feature `demo`).
    pub fn demo(
        hi_rxno: &str,
        code: &str,
        name: &str,
        issued_at: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        use rxdesk_core::time::format_wire;
        let line = |codg: &str, gen: &str, spec: &str, cnt: i64, pric: &str| DownloadedDrugLine {
            med_list_codg: codg.into(),
            drug_genname: gen.into(),
            drug_prodname: gen.into(),
            drug_dosform: "片剂".into(),
            drug_spec: spec.into(),
            drug_cnt: Decimal::from(cnt),
            drug_cnt_unit: "盒".into(),
            drug_pric: serde_json::from_str(&format!("\"{pric}\"")).ok(),
            sin_doscnt: "1".into(),
            sin_dosunt: "片".into(),
            used_frqu_name: "每日三次".into(),
            medc_way_dscr: "口服".into(),
            medc_days: Decimal::from(7),
            hosp_prep_flag: "0".into(),
            tcmherb_foote: String::new(),
        };
        Self {
            rx_trace_code: format!("RT{hi_rxno}"),
            hi_rxno: hi_rxno.into(),
            mdtrt_id: format!("MD{hi_rxno}"),
            patn_name: "测试患者".into(),
            psn_cert_type: "01".into(),
            certno: "110101199003071234".into(),
            fixmedins_name: name.into(),
            fixmedins_code: code.into(),
            dr_code: "D110101000001".into(),
            prsc_dr_name: "王医生".into(),
            phar_dept_name: "药剂科".into(),
            phar_dept_code: "YJK01".into(),
            phar_profttl_codg: "".into(),
            phar_profttl_name: "".into(),
            phar_code: "Y110101000001".into(),
            phar_cert_type: "".into(),
            phar_certno: "".into(),
            phar_name: "李药师".into(),
            phar_prac_cert_no: "".into(),
            phar_chk_time: format_wire(issued_at),
            prsc_time: format_wire(issued_at),
            valid_end_time: format_wire(issued_at + chrono::Duration::days(3)),
            rx_stas_codg: RxStatus::Valid,
            diag_name: Some("急性上呼吸道感染".into()),
            rx_drug_detail: vec![
                line(
                    "XJ01CAA040A001010100000",
                    "阿莫西林胶囊",
                    "0.25g*24粒",
                    2,
                    "12.50",
                ),
                line(
                    "XR05CBA001A001010100000",
                    "氨溴索片",
                    "30mg*20片",
                    1,
                    "8.80",
                ),
            ],
            rept_flag: "0".into(),
            max_rept_cnt: None,
            reptd_cnt: None,
            min_inrv_days: None,
            long_rx_flag: "0".into(),
            med_type: "11".into(),
            dise_codg: String::new(),
            dise_name: String::new(),
            prsc_dept_name: "内科".into(),
            rx_drord_dscr: String::new(),
            rx_file: String::new(),
            sign_digest: String::new(),
            sign_cert_sn: String::new(),
            sign_cert_dn: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn fields() -> SignFields {
        SignFields {
            rx_trace_code: "RT0001".into(),
            hi_rxno: "11000000000000000001".into(),
            patn_name: "张三".into(),
            fixmedins_code: "H11010100001".into(),
            phar_chk_time: "2026-11-23 09:30:00".into(),
            ..Default::default()
        }
    }

    #[test]
    fn canonical_json_is_sorted_compact_unescaped_and_keeps_empty() {
        let j = fields().canonical_json();
        assert!(j.starts_with(r#"{"certno":"","drCode":"","fixmedinsCode":"H11010100001","#));
        assert!(j.contains(r#""patnName":"张三""#));
        assert!(!j.replace("2026-11-23 09:30:00", "").contains(' '));
        assert_eq!(j.matches(':').count(), 20 + 2); // 20 keys + the time's colons
        let keys: Vec<String> = serde_json::from_str::<BTreeMap<String, String>>(&j)
            .unwrap()
            .into_keys()
            .collect();
        let mut expected: Vec<String> = SIGN_FIELD_NAMES.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(keys, expected);
    }

    #[test]
    fn original_value_round_trips() {
        let f = fields();
        let ov = f.original_value();
        assert_eq!(SignFields::from_original_value(&ov), Some(f.clone()));
        let mut g = f.clone();
        g.hi_rxno.push('9');
        assert_ne!(g.original_value(), ov);
        assert_eq!(SignFields::from_original_value("!!"), None);
    }

    #[test]
    fn sign_field_names_match_the_serde_names() {
        let v = serde_json::to_value(fields()).unwrap();
        let obj = v.as_object().unwrap();
        assert_eq!(obj.len(), 20);
        for n in SIGN_FIELD_NAMES {
            assert!(obj.contains_key(n), "{n}");
        }
        let names: Vec<&str> = fields().pairs().iter().map(|p| p.0).collect();
        assert_eq!(names, SIGN_FIELD_NAMES);
    }

    #[test]
    fn download_json_round_trips_with_numbers_and_strings() {
        let mut names = String::new();
        for n in SIGN_FIELD_NAMES {
            names.push_str(&format!("\"{n}\":\"v-{n}\","));
        }
        let text = format!(
            r#"{{{names}"prscTime":"2026-11-23 09:00:00","validEndTime":"2026-11-26 09:00:00",
            "rxStasCodg":"1","rxDrugDetail":[{{"medListCodg":"XA01","drugGenname":"阿莫西林胶囊",
            "drugSpec":"0.25g*24粒","drugCnt":2,"drugCntUnit":"盒","drugPric":12.5,"medcDays":3}}],
            "rxFile":"JVBERi0=","signDigest":"MAA=","signCertSn":"1001","signCertDn":"CN=x"}}"#
        );
        let d: DownloadedPrescription = serde_json::from_str(&text).unwrap();
        assert_eq!(d.hi_rxno, "v-hiRxno");
        assert_eq!(d.rx_drug_detail[0].drug_cnt, Decimal::from(2));
        assert_eq!(
            d.sign_fields().pairs()[19],
            ("pharChkTime", "v-pharChkTime")
        );
        let again: DownloadedPrescription =
            serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(again, d);
        let mut e = d.clone();
        let mut f = d.sign_fields();
        f.certno = "changed".into();
        e.set_sign_fields(&f);
        assert_eq!(e.certno, "changed");
        assert_ne!(e.original_value(), d.original_value());
    }

    #[test]
    fn sorted_order_is_the_ordinal_order_of_the_names() {
        let ours: Vec<&str> = SORTED_SIGN_FIELDS
            .iter()
            .map(|&i| SIGN_FIELD_NAMES[i])
            .collect();
        let mut sorted = SIGN_FIELD_NAMES.to_vec();
        sorted.sort();
        assert_eq!(ours, sorted);
    }

    #[test]
    fn borrowed_pairs_are_the_sign_fields() {
        let mut d = DownloadedPrescription::demo("RX1", "H11010100001", "Name", chrono::Utc::now());
        for (i, (name, _)) in d.sign_fields().pairs().iter().enumerate() {
            let mut f = d.sign_fields();
            // Every field distinct, so a swapped pair would show.
            let v = format!("{name}-{i}");
            match *name {
                "rxTraceCode" => f.rx_trace_code = v,
                "hiRxno" => f.hi_rxno = v,
                "mdtrtId" => f.mdtrt_id = v,
                "patnName" => f.patn_name = v,
                "psnCertType" => f.psn_cert_type = v,
                "certno" => f.certno = v,
                "fixmedinsName" => f.fixmedins_name = v,
                "fixmedinsCode" => f.fixmedins_code = v,
                "drCode" => f.dr_code = v,
                "prscDrName" => f.prsc_dr_name = v,
                "pharDeptName" => f.phar_dept_name = v,
                "pharDeptCode" => f.phar_dept_code = v,
                "pharProfttlCodg" => f.phar_profttl_codg = v,
                "pharProfttlName" => f.phar_profttl_name = v,
                "pharCode" => f.phar_code = v,
                "pharCertType" => f.phar_cert_type = v,
                "pharCertno" => f.phar_certno = v,
                "pharName" => f.phar_name = v,
                "pharPracCertNo" => f.phar_prac_cert_no = v,
                "pharChkTime" => f.phar_chk_time = v,
                other => panic!("unknown field {other}"),
            }
            d.set_sign_fields(&f);
        }
        assert_eq!(d.sign_pairs(), d.sign_fields().pairs());
        assert_eq!(d.original_value(), d.sign_fields().original_value());
    }

    /// What the canonical JSON was before it was written directly.
    fn serde_canonical(f: &SignFields) -> String {
        let map: BTreeMap<&str, &str> = f.pairs().into_iter().collect();
        serde_json::to_string(&map).unwrap()
    }

    fn text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            Just(String::new()),
            "[a-zA-Z0-9 :-]{0,12}",
            "[张三医院科室药师\\\"/\u{0}-\u{1f}\u{7f}\u{2028}a-z]{0,8}",
            any::<String>(),
        ]
    }

    proptest::proptest! {
        /// Byte for byte what `serde_json` wrote for the sorted map, for
        /// any values (quotes, backslashes, control characters, non-ASCII).
        #[test]
        fn canonical_json_is_what_serde_json_writes(values in proptest::collection::vec(text(), 20)) {
            let mut d = DownloadedPrescription::demo("RX1", "H11010100001", "Name", chrono::Utc::now());
            let mut f = SignFields::default();
            let slots: [&mut String; 20] = [
                &mut f.rx_trace_code, &mut f.hi_rxno, &mut f.mdtrt_id, &mut f.patn_name,
                &mut f.psn_cert_type, &mut f.certno, &mut f.fixmedins_name, &mut f.fixmedins_code,
                &mut f.dr_code, &mut f.prsc_dr_name, &mut f.phar_dept_name, &mut f.phar_dept_code,
                &mut f.phar_profttl_codg, &mut f.phar_profttl_name, &mut f.phar_code,
                &mut f.phar_cert_type, &mut f.phar_certno, &mut f.phar_name,
                &mut f.phar_prac_cert_no, &mut f.phar_chk_time,
            ];
            for (slot, v) in slots.into_iter().zip(values) {
                *slot = v;
            }
            proptest::prop_assert_eq!(f.canonical_json(), serde_canonical(&f));
            d.set_sign_fields(&f);
            proptest::prop_assert_eq!(d.original_value(), B64.encode(serde_canonical(&f)));
        }
    }
}
