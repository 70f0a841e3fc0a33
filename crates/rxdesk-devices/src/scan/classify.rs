//! The pure scan classifier: one scanned string → what kind of code it is.
//!
//! Rules, in order (docs/devices.md §Scan classification):
//! 1. Trailing CR/LF/Tab are removed. An AIM symbology identifier (`]d2`,
//!    `]C1`, `]Q1`, `]E0`, …: `]` + letter + digit) is stripped and kept.
//! 2. Empty → [`ScanError::Empty`]; a control character other than GS
//!    (0x1D) → [`ScanError::Garbled`] (line noise, wrong baud rate).
//! 3. GS1: the identifier is `]d2` (GS1 DataMatrix) / `]C1` (GS1-128) /
//!    `]Q3` (GS1 QR), or the text contains GS, or it starts with `01` +
//!    14 digits and is longer than 16 → parsed as GS1; parse errors are errors.
//! 4. Exactly 20 ASCII digits → drug trace code (药品追溯码).
//! 5. 8, 12, 13 or 14 ASCII digits → GTIN (EAN-8 / UPC-A / EAN-13 / GTIN-14);
//!    a wrong check digit is [`ScanError::BadCheckDigit`].
//! 6. Exactly 27 ASCII alphanumerics → e-prescription QR (`epc_qrcd`, C27).
//! 7. 28 to 512 chars of `[0-9A-Za-z+/=_:.-]` with at least one letter and
//!    one digit → e-voucher QR (医保电子凭证码). The QR's content is opaque to
//!    the POS; it is handed to `ec.query`.
//! 8. Anything else → unknown (kept, never an error).

use super::gs1::{parse_gs1, Gs1, Gs1Error, GS};
use serde::Serialize;

/// What a scan is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScanKind {
    /// 医保电子凭证 QR: passed to `ec.query` / localQrCodeQuery.
    EVoucherQr,
    /// 电子处方二维码 (27 characters), for 7201.
    EPrescriptionQr,
    /// A GTIN (EAN-13 etc.) with a valid check digit.
    Gtin {
        /// The digits as scanned.
        gtin: String,
    },
    /// 药品追溯码, 20 digits.
    TraceCode,
    /// A GS1 DataMatrix / GS1-128 element string.
    Gs1(Gs1),
    /// Not recognised; shown to the operator as is.
    Unknown,
}

impl ScanKind {
    /// A short zh-CN label for the UI.
    pub fn label_zh(&self) -> &'static str {
        match self {
            ScanKind::EVoucherQr => "医保电子凭证码",
            ScanKind::EPrescriptionQr => "电子处方二维码",
            ScanKind::Gtin { .. } => "商品条码",
            ScanKind::TraceCode => "药品追溯码",
            ScanKind::Gs1(_) => "GS1 药品码",
            ScanKind::Unknown => "未识别条码",
        }
    }
}

/// One classified scan.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Scan {
    /// The text without terminator and symbology identifier.
    pub text: String,
    /// The AIM symbology identifier, when the scanner sent one.
    pub symbology: Option<String>,
    /// The classification.
    pub kind: ScanKind,
}

impl std::fmt::Debug for Scan {
    // E-voucher QR contents are credentials: never print them whole.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self.kind {
            ScanKind::EVoucherQr => rxdesk_core::prescription::mask_id_number(&self.text),
            _ => self.text.clone(),
        };
        f.debug_struct("Scan")
            .field("text", &text)
            .field("symbology", &self.symbology)
            .field("kind", &self.kind)
            .finish()
    }
}

/// Why a scan was rejected. The counter shows [`ScanError::message_zh`] and keeps scanning.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// Nothing but terminators.
    #[error("empty scan")]
    Empty,
    /// Control characters or bytes that are not text: line noise or a wrong baud rate.
    #[error("garbled scan data")]
    Garbled,
    /// A GTIN / EAN-13 whose check digit is wrong (misread).
    #[error("wrong check digit in {0}")]
    BadCheckDigit(String),
    /// A GS1 code that does not parse.
    #[error("bad GS1 code: {0}")]
    Gs1(#[from] Gs1Error),
    /// The scanner stopped in the middle of a code (no terminator arrived).
    #[error("incomplete scan ({0} bytes, no terminator)")]
    Incomplete(usize),
    /// The scan exceeds the frame limit.
    #[error("scan too long")]
    TooLong,
    /// The device went away or failed.
    #[error("scanner I/O error: {0}")]
    Io(String),
    /// The device is not connected.
    #[error("scanner disconnected")]
    Disconnected,
}

impl ScanError {
    /// The message shown at the counter.
    pub fn message_zh(&self) -> String {
        match self {
            ScanError::Empty => "扫码内容为空，请重新扫描".into(),
            ScanError::Garbled => "扫码数据乱码，请检查扫码枪波特率后重新扫描".into(),
            ScanError::BadCheckDigit(_) => "条码校验位错误，请重新扫描".into(),
            ScanError::Gs1(_) => "药品条码（GS1）格式错误，请重新扫描".into(),
            ScanError::Incomplete(_) => "扫码不完整，请重新扫描".into(),
            ScanError::TooLong => "扫码内容过长".into(),
            ScanError::Io(e) => format!("扫码枪通讯错误：{e}"),
            ScanError::Disconnected => "扫码枪未连接".into(),
        }
    }
}

/// Longest scan accepted (a dense DataMatrix is well under this).
pub const MAX_SCAN_LEN: usize = 2048;

fn split_symbology(s: &str) -> (Option<&str>, &str) {
    let b = s.as_bytes();
    if b.len() >= 3 && b[0] == b']' && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphanumeric() {
        (Some(&s[..3]), &s[3..])
    } else {
        (None, s)
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

/// Classifies one scan (see the module docs for the rules).
pub fn classify(raw: &str) -> Result<Scan, ScanError> {
    let trimmed = raw.trim_end_matches(['\r', '\n', '\t']);
    if trimmed.len() > MAX_SCAN_LEN {
        return Err(ScanError::TooLong);
    }
    let (symbology, text) = split_symbology(trimmed);
    if text.is_empty() {
        return Err(ScanError::Empty);
    }
    if text
        .chars()
        .any(|c| c != GS && (c.is_control() || c == '\u{fffd}'))
    {
        return Err(ScanError::Garbled);
    }
    let scan = |kind| Scan {
        text: text.to_string(),
        symbology: symbology.map(str::to_string),
        kind,
    };
    let gs1_marked = matches!(symbology, Some("]d2" | "]C1" | "]Q3"));
    let looks_gs1 = text.len() > 16
        && text.starts_with("01")
        && text.as_bytes()[2..16].iter().all(u8::is_ascii_digit)
        && text.len() != 20;
    if gs1_marked || text.contains(GS) || looks_gs1 {
        return Ok(scan(ScanKind::Gs1(parse_gs1(text)?)));
    }
    if text.len() == 20 && all_digits(text) {
        return Ok(scan(ScanKind::TraceCode));
    }
    if matches!(text.len(), 8 | 12 | 13 | 14) && all_digits(text) {
        if !super::gs1::gs1_check_digit_ok(text) {
            return Err(ScanError::BadCheckDigit(text.to_string()));
        }
        return Ok(scan(ScanKind::Gtin {
            gtin: text.to_string(),
        }));
    }
    if text.len() == 27 && text.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(scan(ScanKind::EPrescriptionQr));
    }
    let voucher_chars = |c: u8| c.is_ascii_alphanumeric() || b"+/=_:.-".contains(&c);
    if (28..=512).contains(&text.len())
        && text.bytes().all(voucher_chars)
        && text.bytes().any(|c| c.is_ascii_alphabetic())
        && text.bytes().any(|c| c.is_ascii_digit())
    {
        return Ok(scan(ScanKind::EVoucherQr));
    }
    Ok(scan(ScanKind::Unknown))
}

/// What a code that is *not* an e-voucher QR looks like (named for the
/// operator: "this is the patient's WeChat payment code, not the 医保码").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotEVoucher {
    /// 微信付款码: 18 digits starting 10–15.
    WechatPayCode,
    /// 支付宝付款码: 16–24 digits starting 25–30.
    AlipayPayCode,
    /// 云闪付 / 银联付款码: 19 digits starting 62.
    UnionPayCode,
    /// A web address or app link (`http(s)://`, `weixin://`, `alipays://` …).
    Url,
    /// A product barcode (GTIN / GS1).
    ProductBarcode,
    /// A drug trace code.
    TraceCode,
    /// The 27-character e-prescription QR (used for 7201, not for identity).
    EPrescriptionQr,
    /// Anything else.
    Other,
}

impl NotEVoucher {
    /// zh-CN name ("看起来是…").
    pub fn label_zh(self) -> &'static str {
        match self {
            NotEVoucher::WechatPayCode => "微信付款码",
            NotEVoucher::AlipayPayCode => "支付宝付款码",
            NotEVoucher::UnionPayCode => "云闪付付款码",
            NotEVoucher::Url => "网址链接",
            NotEVoucher::ProductBarcode => "商品条码",
            NotEVoucher::TraceCode => "药品追溯码",
            NotEVoucher::EPrescriptionQr => "电子处方二维码",
            NotEVoucher::Other => "其他二维码",
        }
    }
}

/// Is this scanned text an e-voucher QR for `ec.query`? `Ok(())` when it
/// is; else what it looks like. Payment codes and links are checked first
/// (a long `https://…` link would otherwise pass the e-voucher shape).
pub fn voucher_check(raw: &str) -> Result<(), NotEVoucher> {
    let t = raw.trim();
    let lower = t.to_ascii_lowercase();
    if lower.contains("://") || lower.starts_with("www.") {
        return Err(NotEVoucher::Url);
    }
    if all_digits(t) {
        let p2: u32 = t.get(..2).and_then(|p| p.parse().ok()).unwrap_or(0);
        match t.len() {
            18 if (10..=15).contains(&p2) => return Err(NotEVoucher::WechatPayCode),
            19 if p2 == 62 => return Err(NotEVoucher::UnionPayCode),
            16..=24 if (25..=30).contains(&p2) => return Err(NotEVoucher::AlipayPayCode),
            _ => {}
        }
    }
    match classify(t).map(|s| s.kind) {
        Ok(ScanKind::EVoucherQr) => Ok(()),
        Ok(ScanKind::Gtin { .. } | ScanKind::Gs1(_)) => Err(NotEVoucher::ProductBarcode),
        Err(ScanError::BadCheckDigit(_) | ScanError::Gs1(_)) => Err(NotEVoucher::ProductBarcode),
        Ok(ScanKind::TraceCode) => Err(NotEVoucher::TraceCode),
        Ok(ScanKind::EPrescriptionQr) => Err(NotEVoucher::EPrescriptionQr),
        _ => Err(NotEVoucher::Other),
    }
}

/// Classifies raw bytes from a transport: invalid UTF-8 is garbled data.
pub fn classify_bytes(raw: &[u8]) -> Result<Scan, ScanError> {
    let s = std::str::from_utf8(raw).map_err(|_| ScanError::Garbled)?;
    classify(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn classifies_each_kind() {
        assert_eq!(
            classify("12345678901234567890\r\n").unwrap().kind,
            ScanKind::TraceCode
        );
        assert_eq!(
            classify("6901234567892").unwrap().kind,
            ScanKind::Gtin {
                gtin: "6901234567892".into()
            }
        );
        assert_eq!(
            classify("6901234567891"),
            Err(ScanError::BadCheckDigit("6901234567891".into()))
        );
        assert_eq!(
            classify("ABCDEFGHJK0123456789ABCDEFG").unwrap().kind,
            ScanKind::EPrescriptionQr
        );
        assert_eq!(
            classify("320000ecnqssaor2nj7a2a480a0000a4cef57c")
                .unwrap()
                .kind,
            ScanKind::EVoucherQr
        );
        let g = classify("]d20106901234567892172612311012AB\u{1d}21SN0001").unwrap();
        assert_eq!(g.symbology.as_deref(), Some("]d2"));
        match g.kind {
            ScanKind::Gs1(gs1) => assert_eq!(gs1.serial(), Some("SN0001")),
            other => panic!("not GS1: {other:?}"),
        }
        assert_eq!(classify("hello world").unwrap().kind, ScanKind::Unknown);
        assert_eq!(classify("\r\n"), Err(ScanError::Empty));
        assert_eq!(classify("12\u{7}45"), Err(ScanError::Garbled));
        assert_eq!(classify_bytes(b"\xff\xfe1234"), Err(ScanError::Garbled));
    }

    #[test]
    fn multibyte_text_after_01_does_not_panic() {
        // found by the scan_classify fuzz target: slicing at byte 16 inside 'õ'
        let r = classify_bytes(&[
            0x30, 0x31, 0x2d, 0x29, 0xcf, 0xa2, 0x1d, 0x5d, 0x6e, 0x2b, 0x37, 0x5d, 0x6e, 0x1d,
            0x5d, 0xc3, 0xb5, 0x0a,
        ]);
        assert!(matches!(r, Err(ScanError::Gs1(_))), "{r:?}");
        assert_eq!(
            classify("0123456789012345õ6"),
            Err(ScanError::Gs1(crate::scan::Gs1Error::BadCheckDigit))
        );
    }

    #[test]
    fn names_codes_that_are_not_e_vouchers() {
        assert_eq!(
            voucher_check("320000ecnqssaor2nj7a2a480a0000a4cef57c"),
            Ok(())
        );
        assert_eq!(
            voucher_check("134567890123456789"),
            Err(NotEVoucher::WechatPayCode)
        );
        assert_eq!(
            voucher_check("287654321098765432"),
            Err(NotEVoucher::AlipayPayCode)
        );
        assert_eq!(
            voucher_check("6212345678901234567"),
            Err(NotEVoucher::UnionPayCode)
        );
        assert_eq!(
            voucher_check("https://fuwu.nhsa.gov.cn/app/download?ch=12345abc"),
            Err(NotEVoucher::Url)
        );
        assert_eq!(
            voucher_check("6901234567892"),
            Err(NotEVoucher::ProductBarcode)
        );
        assert_eq!(
            voucher_check("6901234567891"),
            Err(NotEVoucher::ProductBarcode)
        );
        assert_eq!(
            voucher_check("81234567890123456789"),
            Err(NotEVoucher::TraceCode)
        );
        assert_eq!(
            voucher_check("ABCDEFGHJK0123456789ABCDEFG"),
            Err(NotEVoucher::EPrescriptionQr)
        );
        assert_eq!(voucher_check("你好"), Err(NotEVoucher::Other));
        assert_eq!(NotEVoucher::WechatPayCode.label_zh(), "微信付款码");
    }

    #[test]
    fn debug_masks_voucher_contents() {
        let s = classify("320000ecnqssaor2nj7a2a480a0000a4cef57c").unwrap();
        let d = format!("{s:?}");
        assert!(!d.contains("ecnqssaor2nj7a2a480a"), "{d}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn never_panics(s in ".{0,300}") {
            let _ = classify(&s);
        }

        #[test]
        fn voucher_check_never_panics_and_agrees_with_classify(s in ".{0,200}") {
            if voucher_check(&s).is_ok() {
                prop_assert_eq!(classify(s.trim()).unwrap().kind, ScanKind::EVoucherQr);
            }
        }

        #[test]
        fn wechat_codes_are_named(rest in "[0-9]{16}", p in 10u32..16) {
            let code = format!("{p}{rest}");
            prop_assert_eq!(voucher_check(&code), Err(NotEVoucher::WechatPayCode));
        }

        #[test]
        fn never_panics_on_bytes(b in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = classify_bytes(&b);
        }

        #[test]
        fn twenty_digits_not_starting_01_are_trace_codes(d in "[2-9][0-9]{19}") {
            prop_assert_eq!(classify(&d).unwrap().kind, ScanKind::TraceCode);
        }

        #[test]
        fn ean13_check_digit_decides(body in "[1-9][0-9]{11}", check in 0u8..10) {
            let code = format!("{body}{check}");
            let ok = crate::scan::gs1::gs1_check_digit_ok(&code);
            match classify(&code) {
                Ok(s) => { prop_assert!(ok); prop_assert_eq!(s.kind, ScanKind::Gtin { gtin: code.clone() }); }
                Err(e) => { prop_assert!(!ok); prop_assert_eq!(e, ScanError::BadCheckDigit(code.clone())); }
            }
        }

        #[test]
        fn terminators_do_not_change_the_result(s in "[ -~]{1,60}", t in "(\r\n|\r|\n|)") {
            prop_assert_eq!(classify(&s), classify(&format!("{s}{t}")));
        }
    }
}
