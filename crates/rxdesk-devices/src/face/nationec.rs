//! `NationECCode` adapter: the national e-voucher library that drives QR
//! decoding, face terminals and the terminal's settlement display
//! (docs/reference/wire-protocol.md §8). C ABI in [`crate::vendor::ffi`]:
//! `void NationEcTrans(const char *url, const char *json, char *out)`.
//!
//! Transactions (`transType`):
//! - `ec.query`: decode an e-voucher QR → identity + `ecToken`.
//! - `iot.gain.ec.qrcode` with `gainWay` `FACE` | `MOBILE`: the terminal
//!   captures a face or the patient's phone QR → same identity structure.
//! - `cn.nhsa.ec.auth` then `cn.nhsa.auth.check`: two-step face/identity
//!   authorisation (the first returns `authNo`, the second the identity) [I].
//! - `iot.medical.settle.notify`: show the settlement result on the terminal.
//!
//! Output: `{"code": 0, "message": "交易成功", "data": {ecToken, idNo,
//! idType, userName, insuOrg, …}}`; `code` ≠ 0 is a refusal.
//!
//! ## RxDesk's choices where the wire record (§8) is silent ([U], docs/devices.md)
//! - **Password on the terminal's PIN pad** (ST-EPC-02-005): `ec.query` with
//!   `businessType` [`PASSWORD_BUSINESS_TYPE`] and the card/ID holder
//!   (`idType`, `idNo`, `userName`, optional `cardNo`); the terminal asks
//!   the patient for the e-voucher password, the SDK checks it and answers
//!   the identity with `ecToken` (the authorisation the 7202 query carries).
//!   RxDesk never sees the password. Refusals: `-3101` wrong
//!   (`data.remainTimes`), `-3102` not set, `-3103` locked (three wrong),
//!   `-3104` cancelled; the message text is matched too (密码错误 / 未设置 /
//!   锁定 / 取消), since provinces' SDKs differ in codes.
//! - **Face** (`iot.gain.ec.qrcode` FACE): the terminal shows its consent
//!   step and reports it in `data.consentFlag` (`1` agreed); a refusal is
//!   `-4` or a message with 拒绝/不同意; not recognised `-2` or 识别; the
//!   terminal's own timeout `-3` or 超时.
//! - **Ping** (Settings → test): `iot.device.query`; any well-formed answer,
//!   even a refusal, proves the library and terminal answer.

use crate::identity::{IdentityError, IdentityReader, IdentitySource, PatientIdentity};
use crate::scan::{CodeScanner, ScanKind};
use crate::vendor::ffi;
use crate::vendor::worker::{ffi_error, VendorThread};
use rxdesk_core::Amount;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

/// The library's name.
pub const LIBRARY: &str = "NationECCode";

/// Who is asking: the counter's org/office/operator, sent with every call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EcContext {
    /// 定点机构编码.
    pub org_id: String,
    /// 科室编号.
    pub office_id: String,
    /// 科室名称.
    pub office_name: String,
    /// 收款员编号.
    pub operator_id: String,
    /// 收款员姓名.
    pub operator_name: String,
    /// 业务类型, `01101` (pharmacy purchase) by default.
    pub business_type: String,
}

/// How the terminal obtains the e-voucher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GainWay {
    /// 刷脸.
    #[serde(rename = "FACE")]
    Face,
    /// The patient's phone QR on the terminal's scanner.
    #[serde(rename = "MOBILE")]
    Mobile,
}

/// The settlement shown on the terminal (`iot.medical.settle.notify`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettleNotice {
    /// `register`, `settle`…
    pub biz_type: String,
    /// The `outBizNo` of the face/QR capture.
    pub out_biz_no: String,
    /// SUCCESS / FAIL.
    pub success: bool,
    /// 总费用.
    pub total_fee: Amount,
    /// 自付.
    pub self_fee: Amount,
    /// 医保支付.
    pub medical_fee: Amount,
}

impl EcContext {
    fn data(&self) -> serde_json::Map<String, Value> {
        let bt = if self.business_type.is_empty() {
            "01101"
        } else {
            &self.business_type
        };
        let v = json!({
            "businessType": bt,
            "deviceType": "",
            "officeId": self.office_id,
            "officeName": self.office_name,
            "operatorId": self.operator_id,
            "operatorName": self.operator_name,
            "orgId": self.org_id,
        });
        match v {
            Value::Object(m) => m,
            _ => unreachable!("json! object"),
        }
    }

    /// The request JSON for `trans_type` with extra `data` fields.
    pub fn request(&self, trans_type: &str, extra: &[(&str, Value)]) -> String {
        let mut data = self.data();
        for (k, v) in extra {
            data.insert((*k).to_string(), v.clone());
        }
        json!({ "data": data, "orgId": self.org_id, "transType": trans_type }).to_string()
    }
}

/// `ec.query`'s business type for "confirm with the e-voucher password" (our choice, [U]).
pub const PASSWORD_BUSINESS_TYPE: &str = "01301";

/// One `NationEcTrans` answer, whatever its code.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// `code` (0 = success).
    pub code: i64,
    /// `message`.
    pub message: String,
    /// `data` (empty when absent).
    pub data: serde_json::Map<String, Value>,
}

/// Parses a `NationEcTrans` output (any code); malformed output is
/// [`IdentityError::Malformed`].
pub fn parse_envelope(out: &str) -> Result<Envelope, IdentityError> {
    let bad = |d: String| IdentityError::Malformed {
        library: LIBRARY.into(),
        detail: d,
    };
    let v: Value = serde_json::from_str(out.trim()).map_err(|e| bad(format!("not JSON: {e}")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| bad("not a JSON object".into()))?;
    let code = match obj.get("code") {
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| bad("code not an integer".into()))?,
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| bad("code not an integer".into()))?,
        _ => return Err(bad("no code".into())),
    };
    let message = obj
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let data = match obj.get("data") {
        Some(Value::Object(d)) => d.clone(),
        Some(Value::Null) | None => serde_json::Map::new(),
        Some(_) if code != 0 => serde_json::Map::new(),
        Some(_) => return Err(bad("data is not an object".into())),
    };
    Ok(Envelope {
        code,
        message,
        data,
    })
}

/// Maps a refused password confirmation to its typed error.
pub fn password_error(env: &Envelope) -> IdentityError {
    let m = env.message.as_str();
    let tries_left = env
        .data
        .get("remainTimes")
        .and_then(|v| v.as_u64().or_else(|| v.as_str()?.trim().parse().ok()))
        .map(|n| n.min(u64::from(u32::MAX)) as u32);
    match env.code {
        -3103 => IdentityError::PasswordLocked,
        -3102 => IdentityError::PasswordNotSet,
        -3104 => IdentityError::PasswordCancelled,
        -3101 => IdentityError::PasswordWrong { tries_left },
        _ if m.contains("锁定") => IdentityError::PasswordLocked,
        _ if m.contains("未设置") || m.contains("未激活") => IdentityError::PasswordNotSet,
        _ if m.contains("取消") => IdentityError::PasswordCancelled,
        _ if m.contains("密码") => IdentityError::PasswordWrong { tries_left },
        code => IdentityError::Rejected {
            code,
            message: env.message.clone(),
        },
    }
}

/// Maps a refused face capture to its typed error.
pub fn face_error(env: &Envelope, timeout: Duration) -> IdentityError {
    let m = env.message.as_str();
    match env.code {
        -4 => IdentityError::ConsentRefused,
        -2 => IdentityError::FaceNotRecognised(env.message.clone()),
        -3 => IdentityError::Timeout(timeout),
        _ if m.contains("拒绝") || m.contains("不同意") => IdentityError::ConsentRefused,
        _ if m.contains("超时") => IdentityError::Timeout(timeout),
        _ if m.contains("识别") => IdentityError::FaceNotRecognised(env.message.clone()),
        code => IdentityError::Rejected {
            code,
            message: env.message.clone(),
        },
    }
}

/// A decoded e-voucher (from a QR, a face, or a password confirmation).
/// `Debug` masks the token and ID number; `id_no` is sensitive (the caller
/// seals it).
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct EVoucher {
    /// 电子凭证令牌: `mdtrt_cert_no` with type 01, `ecToken` of 7202.
    pub ec_token: String,
    /// 姓名.
    pub name: String,
    /// 证件类型.
    pub id_type: String,
    /// 证件号码 (sensitive).
    pub id_no: String,
    /// 证件号码, masked for display.
    pub id_masked: String,
    /// 参保地区划.
    pub insu_org: Option<String>,
    /// 电子凭证索引号.
    pub ec_index_no: Option<String>,
}

impl std::fmt::Debug for EVoucher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use rxdesk_core::prescription::mask_id_number as m;
        f.debug_struct("EVoucher")
            .field("ec_token", &m(&self.ec_token))
            .field("name", &self.name)
            .field("id_masked", &self.id_masked)
            .field("insu_org", &self.insu_org)
            .finish_non_exhaustive()
    }
}

impl EVoucher {
    /// From an answer's `data`.
    pub fn from_data(data: &serde_json::Map<String, Value>) -> Result<Self, IdentityError> {
        let id = identity_from_data(data, IdentitySource::EVoucherQr)?;
        Ok(Self::from_identity(id, data))
    }

    fn from_identity(id: PatientIdentity, data: &serde_json::Map<String, Value>) -> Self {
        EVoucher {
            ec_token: id.ec_token.unwrap_or_default(),
            id_masked: rxdesk_core::prescription::mask_id_number(&id.id_number),
            name: id.name,
            id_type: id.id_type,
            id_no: id.id_number,
            insu_org: id.insurance_region,
            ec_index_no: data
                .get("ecIndexNo")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        }
    }

    /// As a patient identity with `source`.
    pub fn identity(&self, source: IdentitySource) -> PatientIdentity {
        PatientIdentity {
            source,
            name: self.name.clone(),
            id_type: self.id_type.clone(),
            id_number: self.id_no.clone(),
            insurance_region: self.insu_org.clone(),
            ec_token: Some(self.ec_token.clone()),
            card_number: None,
            card_sn: None,
        }
    }
}

/// Whose password the terminal asks for (from the card or ID card just read).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordSubject {
    /// 证件类型 (`01`).
    pub id_type: String,
    /// 证件号码 (sensitive).
    pub id_no: String,
    /// 姓名.
    pub name: String,
    /// 社保卡号, for a card query.
    pub card_no: Option<String>,
}

impl std::fmt::Debug for PasswordSubject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordSubject")
            .field(
                "id_no",
                &rxdesk_core::prescription::mask_id_number(&self.id_no),
            )
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl PasswordSubject {
    /// The holder of a social-security card just read.
    pub fn from_card(card: &crate::card::CardRead) -> Self {
        PasswordSubject {
            id_type: "01".into(),
            id_no: card.id_no.clone(),
            name: card.name.clone(),
            card_no: Some(card.card_no.clone()),
        }
    }

    /// The holder of an identity read from an ID card (or a card).
    pub fn from_identity(id: &PatientIdentity) -> Self {
        PasswordSubject {
            id_type: id.id_type.clone(),
            id_no: id.id_number.clone(),
            name: id.name.clone(),
            card_no: id.card_number.clone(),
        }
    }
}

/// Whether the patient agreed on the terminal's consent step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    /// The terminal reports the patient agreed.
    Agreed,
    /// The terminal did not report its consent step (the app shows its own).
    NotReported,
}

/// A face capture: the e-voucher, the consent, and the `outBizNo` for
/// `settle.notify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaceCapture {
    /// The e-voucher.
    pub voucher: EVoucher,
    /// The consent step as the terminal reported it.
    pub consent: Consent,
    /// Quote it in the settlement notice.
    pub out_biz_no: String,
}

/// Parses a `NationEcTrans` output into its `data` object; `code` ≠ 0 is
/// [`IdentityError::Rejected`].
pub fn parse_output(out: &str) -> Result<serde_json::Map<String, Value>, IdentityError> {
    let env = parse_envelope(out)?;
    if env.code != 0 {
        return Err(IdentityError::Rejected {
            code: env.code,
            message: env.message,
        });
    }
    Ok(env.data)
}

/// Reads the identity fields of an `ec.query` / `iot.gain.ec.qrcode` /
/// `cn.nhsa.auth.check` `data` object.
pub fn identity_from_data(
    data: &serde_json::Map<String, Value>,
    source: IdentitySource,
) -> Result<PatientIdentity, IdentityError> {
    let s = |k: &str| {
        data.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let missing = |k: &str| IdentityError::Malformed {
        library: LIBRARY.into(),
        detail: format!("data.{k} missing"),
    };
    Ok(PatientIdentity {
        source,
        name: s("userName").ok_or_else(|| missing("userName"))?,
        id_type: s("idType").unwrap_or_else(|| "01".into()),
        id_number: s("idNo").ok_or_else(|| missing("idNo"))?,
        insurance_region: s("insuOrg"),
        ec_token: Some(s("ecToken").ok_or_else(|| missing("ecToken"))?),
        card_number: None,
        card_sn: None,
    })
}

/// The NationECCode library with the counter's context.
#[derive(Debug)]
pub struct NationEc {
    vendor: VendorThread,
    url: String,
    ctx: EcContext,
    seq: u32,
}

impl NationEc {
    /// Loads the library; `url` is the provincial `localQrCodeQuery` endpoint.
    pub fn open(path: Option<&Path>, url: &str, ctx: EcContext) -> Result<Self, IdentityError> {
        Ok(NationEc {
            vendor: VendorThread::load(LIBRARY, path, Duration::from_secs(10))?,
            url: url.to_string(),
            ctx,
            seq: 0,
        })
    }

    /// One raw transaction: request JSON in, parsed `data` out.
    pub fn trans(
        &self,
        request: String,
        timeout: Duration,
    ) -> Result<serde_json::Map<String, Value>, IdentityError> {
        let url = self.url.clone();
        let out = self
            .vendor
            .call(timeout, move |lib| {
                ffi::nation_ec_trans(lib, &url, &request)
            })?
            .map_err(|e| ffi_error(LIBRARY, e))?;
        parse_output(&out)
    }

    fn next_out_biz_no(&mut self) -> String {
        self.seq = self.seq.wrapping_add(1);
        format!(
            "{}{:04}",
            rxdesk_core::time::format_compact(chrono::Utc::now()),
            self.seq % 10000
        )
    }

    /// `ec.query`: decode an e-voucher QR the counter scanner captured (or,
    /// with `None`, let the library drive its own scanner).
    pub fn ec_query(
        &self,
        qr: Option<&str>,
        timeout: Duration,
    ) -> Result<PatientIdentity, IdentityError> {
        let extra: Vec<(&str, Value)> = qr.map(|q| ("ecQrCode", json!(q))).into_iter().collect();
        let data = self.trans(self.ctx.request("ec.query", &extra), timeout)?;
        identity_from_data(&data, IdentitySource::EVoucherQr)
    }

    /// `iot.gain.ec.qrcode`: face or phone QR on the terminal. Returns the
    /// identity and the `outBizNo` to quote in the settlement notice.
    pub fn gain(
        &mut self,
        way: GainWay,
        timeout: Duration,
    ) -> Result<(PatientIdentity, String), IdentityError> {
        let no = self.next_out_biz_no();
        let way_s = match way {
            GainWay::Face => "FACE",
            GainWay::Mobile => "MOBILE",
        };
        let req = self.ctx.request(
            "iot.gain.ec.qrcode",
            &[("gainWay", json!(way_s)), ("outBizNo", json!(no))],
        );
        let data = self.trans(req, timeout)?;
        let source = match way {
            GainWay::Face => IdentitySource::Face,
            GainWay::Mobile => IdentitySource::TerminalQr,
        };
        Ok((identity_from_data(&data, source)?, no))
    }

    /// `cn.nhsa.ec.auth` → `authNo`, then `cn.nhsa.auth.check` → identity.
    pub fn face_auth(&self, timeout: Duration) -> Result<PatientIdentity, IdentityError> {
        let start = Instant::now();
        let data = self.trans(self.ctx.request("cn.nhsa.ec.auth", &[]), timeout)?;
        let auth_no = data
            .get("authNo")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| IdentityError::Malformed {
                library: LIBRARY.into(),
                detail: "data.authNo missing".into(),
            })?
            .to_string();
        let left = timeout
            .saturating_sub(start.elapsed())
            .max(Duration::from_millis(100));
        let data = self.trans(
            self.ctx
                .request("cn.nhsa.auth.check", &[("authNo", json!(auth_no))]),
            left,
        )?;
        identity_from_data(&data, IdentitySource::Face)
    }

    /// One raw transaction, any code: the envelope.
    pub fn trans_envelope(
        &self,
        request: String,
        timeout: Duration,
    ) -> Result<Envelope, IdentityError> {
        let url = self.url.clone();
        let out = self
            .vendor
            .call(timeout, move |lib| {
                ffi::nation_ec_trans(lib, &url, &request)
            })?
            .map_err(|e| ffi_error(LIBRARY, e))?;
        parse_envelope(&out)
    }

    /// Decodes an e-voucher QR the counter scanner captured through
    /// `ec.query`. A code that is not an e-voucher (payment code, product,
    /// link) is refused before the library is called:
    /// [`IdentityError::NotEVoucher`] naming what it looks like.
    pub fn decode_qr(&self, qr: &str, timeout: Duration) -> Result<EVoucher, IdentityError> {
        if let Err(kind) = crate::scan::voucher_check(qr) {
            return Err(IdentityError::NotEVoucher(kind.label_zh().into()));
        }
        let req = self
            .ctx
            .request("ec.query", &[("ecQrCode", json!(qr.trim()))]);
        let data = self.trans(req, timeout)?;
        EVoucher::from_data(&data)
    }

    /// The patient confirms the card / ID-card query with the e-voucher
    /// password on the terminal's PIN pad; the SDK checks it and returns
    /// the e-voucher (its `ecToken` is the authorisation). RxDesk never
    /// sees the password. Refusals are the typed password errors
    /// ([`IdentityError::needs_password_guidance`]).
    pub fn confirm_password(
        &self,
        who: &PasswordSubject,
        timeout: Duration,
    ) -> Result<EVoucher, IdentityError> {
        let mut ctx = self.ctx.clone();
        ctx.business_type = PASSWORD_BUSINESS_TYPE.into();
        let mut extra = vec![
            ("idType", json!(who.id_type)),
            ("idNo", json!(who.id_no)),
            ("userName", json!(who.name)),
        ];
        if let Some(c) = &who.card_no {
            extra.push(("cardNo", json!(c)));
        }
        let env = self.trans_envelope(ctx.request("ec.query", &extra), timeout)?;
        if env.code != 0 {
            let e = password_error(&env);
            tracing::info!(
                code = env.code,
                error = e.code(),
                "e-voucher password not confirmed"
            );
            return Err(e);
        }
        let v = EVoucher::from_data(&env.data)?;
        if v.id_no != who.id_no {
            return Err(IdentityError::Malformed {
                library: LIBRARY.into(),
                detail: "the confirmed e-voucher belongs to another person".into(),
            });
        }
        Ok(v)
    }

    /// `iot.gain.ec.qrcode` FACE with the terminal's consent step: the
    /// e-voucher, the consent as reported, and the `outBizNo`.
    pub fn face_capture(&mut self, timeout: Duration) -> Result<FaceCapture, IdentityError> {
        let no = self.next_out_biz_no();
        let req = self.ctx.request(
            "iot.gain.ec.qrcode",
            &[("gainWay", json!("FACE")), ("outBizNo", json!(no))],
        );
        let env = self.trans_envelope(req, timeout)?;
        if env.code != 0 {
            return Err(face_error(&env, timeout));
        }
        let consent = match env.data.get("consentFlag").and_then(Value::as_str) {
            Some("1") => Consent::Agreed,
            Some("0") => return Err(IdentityError::ConsentRefused),
            _ => Consent::NotReported,
        };
        let voucher = EVoucher::from_data(&env.data)?;
        Ok(FaceCapture {
            voucher,
            consent,
            out_biz_no: no,
        })
    }

    /// Settings → test: is the library there and does the terminal answer?
    pub fn ping(&self, timeout: Duration) -> Result<String, IdentityError> {
        let env = self.trans_envelope(self.ctx.request("iot.device.query", &[]), timeout)?;
        Ok(if env.code == 0 {
            format!("{LIBRARY}：终端应答正常")
        } else {
            format!("{LIBRARY}：终端已应答（{} {}）", env.code, env.message)
        })
    }

    /// `iot.medical.settle.notify`.
    pub fn settle_notify(&self, n: &SettleNotice, timeout: Duration) -> Result<(), IdentityError> {
        let req = self.ctx.request(
            "iot.medical.settle.notify",
            &[
                ("bizType", json!(n.biz_type)),
                (
                    "medicalSettleState",
                    json!(if n.success { "SUCCESS" } else { "FAIL" }),
                ),
                ("outBizNo", json!(n.out_biz_no)),
                ("totalFee", json!(n.total_fee.to_string())),
                ("selfFee", json!(n.self_fee.to_string())),
                ("medicalFee", json!(n.medical_fee.to_string())),
            ],
        );
        self.trans(req, timeout).map(|_| ())
    }
}

/// Face terminal as an [`IdentityReader`] (`iot.gain.ec.qrcode`, FACE).
#[derive(Debug)]
pub struct FaceReader {
    /// The library.
    pub ec: NationEc,
    /// The `outBizNo` of the last successful capture.
    pub last_out_biz_no: Option<String>,
}

impl IdentityReader for FaceReader {
    fn name(&self) -> &str {
        "刷脸终端 (NationECCode)"
    }
    fn read_identity(&mut self, timeout: Duration) -> Result<PatientIdentity, IdentityError> {
        let cap = self.ec.face_capture(timeout)?;
        self.last_out_biz_no = Some(cap.out_biz_no);
        Ok(cap.voucher.identity(IdentitySource::Face))
    }
}

/// E-voucher at the counter: wait for an e-voucher QR on the scanner, then
/// `ec.query` it. Other scans while waiting are skipped (and logged).
pub struct EVoucherReader {
    /// The counter scanner.
    pub scanner: Box<dyn CodeScanner>,
    /// The library.
    pub ec: NationEc,
}

impl IdentityReader for EVoucherReader {
    fn name(&self) -> &str {
        "医保电子凭证 (扫码)"
    }
    fn read_identity(&mut self, timeout: Duration) -> Result<PatientIdentity, IdentityError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(IdentityError::Timeout(timeout));
            }
            match self.scanner.next_scan(left) {
                Ok(Some(scan)) if scan.kind == ScanKind::EVoucherQr => {
                    let left = deadline
                        .saturating_duration_since(Instant::now())
                        .max(Duration::from_secs(1));
                    return self.ec.ec_query(Some(&scan.text), left);
                }
                Ok(Some(other)) => {
                    tracing::info!(kind = other.kind.label_zh(), "skipped a non-voucher scan")
                }
                Ok(None) => {}
                Err(crate::scan::ScanError::Disconnected) => {
                    return Err(IdentityError::Scanner("disconnected".into()))
                }
                Err(e) => tracing::info!(error = %e, "bad scan while waiting for e-voucher"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_has_context_and_trans_type() {
        let ctx = EcContext {
            org_id: "P32050000001".into(),
            operator_id: "0001".into(),
            operator_name: "王五".into(),
            ..Default::default()
        };
        let v: Value =
            serde_json::from_str(&ctx.request("ec.query", &[("ecQrCode", json!("X"))])).unwrap();
        assert_eq!(v["transType"], "ec.query");
        assert_eq!(v["orgId"], "P32050000001");
        assert_eq!(v["data"]["businessType"], "01101");
        assert_eq!(v["data"]["operatorName"], "王五");
        assert_eq!(v["data"]["ecQrCode"], "X");
    }

    #[test]
    fn parses_success_refusal_and_garbage() {
        let ok = r#"{"code":0,"message":"交易成功","data":{"ecToken":"320000ecnqssaor2nj7a2a480a0000a4cef57c","idNo":"320102199001011234","idType":"01","userName":"李四","insuOrg":"320500"}}"#;
        let id =
            identity_from_data(&parse_output(ok).unwrap(), IdentitySource::EVoucherQr).unwrap();
        assert_eq!(id.name, "李四");
        assert_eq!(id.insurance_region.as_deref(), Some("320500"));
        assert_eq!(id.credential().0, "01");
        assert_eq!(
            parse_output(r#"{"code":"-2","message":"人脸识别失败"}"#).unwrap_err(),
            IdentityError::Rejected {
                code: -2,
                message: "人脸识别失败".into()
            }
        );
        assert!(matches!(
            parse_output("<html>"),
            Err(IdentityError::Malformed { .. })
        ));
        assert!(matches!(
            parse_output(r#"{"message":"x"}"#),
            Err(IdentityError::Malformed { .. })
        ));
        let no_token = parse_output(r#"{"code":0,"data":{"idNo":"1","userName":"x"}}"#).unwrap();
        assert!(matches!(
            identity_from_data(&no_token, IdentitySource::Face),
            Err(IdentityError::Malformed { .. })
        ));
    }

    #[test]
    fn password_and_face_refusals_map_by_code_then_text() {
        let env = |code, message: &str, data: Value| Envelope {
            code,
            message: message.into(),
            data: data.as_object().cloned().unwrap_or_default(),
        };
        assert_eq!(
            password_error(&env(-3101, "x", json!({"remainTimes": "1"}))),
            IdentityError::PasswordWrong {
                tries_left: Some(1)
            }
        );
        assert_eq!(
            password_error(&env(-9, "密码错误次数过多，已锁定", json!({}))),
            IdentityError::PasswordLocked
        );
        assert_eq!(
            password_error(&env(-9, "电子凭证未激活", json!({}))),
            IdentityError::PasswordNotSet
        );
        assert_eq!(
            password_error(&env(-9, "密码错误", json!({}))),
            IdentityError::PasswordWrong { tries_left: None }
        );
        assert_eq!(
            password_error(&env(-9, "网络异常", json!({}))),
            IdentityError::Rejected {
                code: -9,
                message: "网络异常".into()
            }
        );
        let t = Duration::from_secs(1);
        assert_eq!(
            face_error(&env(-1, "用户拒绝授权", json!({})), t),
            IdentityError::ConsentRefused
        );
        assert_eq!(
            face_error(&env(-1, "人脸识别失败", json!({})), t),
            IdentityError::FaceNotRecognised("人脸识别失败".into())
        );
        // a refusal's data may be anything; a success's must be an object
        assert!(parse_envelope(r#"{"code":-1,"data":"x"}"#).is_ok());
        assert!(parse_envelope(r#"{"code":0,"data":"x"}"#).is_err());
    }

    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            ".{0,20}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("code".to_string()),
                        Just("message".to_string()),
                        Just("data".to_string()),
                        Just("ecToken".to_string()),
                        Just("idNo".to_string()),
                        Just("userName".to_string()),
                        Just("remainTimes".to_string()),
                        Just("consentFlag".to_string()),
                        "[a-z]{1,6}",
                    ],
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Whatever a vendor library writes, parsing and mapping never panic.
        #[test]
        fn vendor_output_never_panics(s in ".{0,300}") {
            if let Ok(env) = parse_envelope(&s) {
                let _ = password_error(&env);
                let _ = face_error(&env, Duration::from_secs(1));
                let _ = EVoucher::from_data(&env.data);
            }
            let _ = parse_output(&s);
        }

        /// Structured but hostile JSON: no panic, and a success is only an
        /// e-voucher with its token, name and ID present.
        #[test]
        fn structured_vendor_json(v in json_value()) {
            if let Ok(env) = parse_envelope(&v.to_string()) {
                let _ = password_error(&env);
                if let Ok(e) = EVoucher::from_data(&env.data) {
                    prop_assert!(!e.ec_token.is_empty() && !e.name.is_empty() && !e.id_no.is_empty());
                }
            }
        }

        /// code / message survive as sent, numeric or string code alike.
        #[test]
        fn code_and_message_round_trip(code in -100_000i64..100_000, msg in "[^\\\"]{0,30}", as_string in any::<bool>()) {
            let c = if as_string { json!(code.to_string()) } else { json!(code) };
            let env = parse_envelope(&json!({"code": c, "message": msg}).to_string()).unwrap();
            prop_assert_eq!(env.code, code);
            prop_assert_eq!(env.message, msg);
        }
    }
}
