//! Failure classification. Every call to the center ends in success or in
//! exactly one of three classes, because the caller's next step differs:
//! a business rejection must not be retried, a transient failure may be, and
//! an uncertain one must first be resolved (query or 2601 冲正 with the same
//! `msgid`) before anything else is sent.

/// Why a call to the center did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CenterError {
    /// The center answered and refused (business error). Do not retry as is.
    #[error("中心拒绝 (code {code}): {message}")]
    Rejected {
        /// `infcode` (family A) or `code` (family B) as text, or `HTTP-4xx`.
        code: String,
        /// The center's `err_msg` / `message`.
        message: String,
    },
    /// Nothing was applied (no connection, 503 busy, …). Safe to retry.
    #[error("中心暂不可用，可重试: {0}")]
    Transient(String),
    /// The request may have been applied but no usable answer arrived.
    /// Resolve by replaying with the same msgid, by query or by 2601 冲正.
    #[error("结果未知，需查询或冲正后再处理: {0}")]
    Uncertain(String),
    /// The request could not be built (bad profile, bad key, bad input);
    /// nothing was sent.
    #[error("请求未发送 (配置或输入错误): {0}")]
    Invalid(String),
}

impl CenterError {
    /// True for [`CenterError::Transient`].
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
    /// True for [`CenterError::Uncertain`].
    pub fn is_uncertain(&self) -> bool {
        matches!(self, Self::Uncertain(_))
    }
    /// The rejection code, if this is a rejection.
    pub fn rejection_code(&self) -> Option<&str> {
        match self {
            Self::Rejected { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// Rejection code RxDesk gives a refusal that says this request's msgid was
/// already used by **another** request (or an answer that echoes another
/// request): the counter's terminal number is very likely shared with
/// another counter of the pharmacy (docs/decisions/0007). Nothing was
/// applied for this request.
pub const MSGID_IN_USE: &str = "MSGID_IN_USE";

/// Whether a refusal (`code`, `message`) says the msgid was used by another
/// request. The gateway's wording is [U]; the emulator's is "msgid … 已用于
/// …（报文ID重复）". A profile's "already received" code (a repeat of *this*
/// request, decision 0004) is not a collision and is checked by the caller.
pub fn says_msgid_used_by_another(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    (message.contains("报文ID重复") && message.contains("已用于"))
        || m.contains("msgid already used by another")
}

/// The zh-CN sentence for a msgid collision on terminal `terminal`.
pub fn msgid_in_use_zh(msgid: &str, terminal: Option<u32>, center_said: &str) -> String {
    let t = terminal.map(|t| format!(" {t}")).unwrap_or_default();
    format!(
        "医保中心报告报文编号 {msgid} 已被另一笔交易使用（{center_said}）：本收银台的编号{t}很可能与本店另一台收银台相同，本笔交易未被受理。请店长为每台收银台设置不同的编号（rxdesk terminal --set <0–9>），然后重新启动程序 / msgid used by another request: the terminal number is likely shared with another counter"
    )
}

/// Error codes the emulator (and RxDesk's docs/protocol.md) use. The real
/// center's codes are [U]; the client never branches on them except where
/// named here.
pub mod codes {
    /// Generic failure.
    pub const GENERIC: i64 = -1;
    /// Envelope malformed or a required field missing.
    pub const BAD_REQUEST: i64 = 1001;
    /// x-tif signature wrong or timestamp outside the window.
    pub const BAD_GATEWAY_SIGNATURE: i64 = 1002;
    /// Unknown `x-tif-paasid` / `appId`.
    pub const UNKNOWN_ACCOUNT: i64 = 1003;
    /// Unknown `infno` / path.
    pub const UNKNOWN_OPERATION: i64 = 1004;
    /// `sign_no` missing or not valid for this operator (call 9001).
    pub const NOT_SIGNED_IN: i64 = 1005;
    /// Family B: `signData` does not verify.
    pub const BAD_SIGNATURE: i64 = 1006;
    /// Family B: `encData` cannot be decrypted or is not JSON.
    pub const BAD_ENC_DATA: i64 = 1007;
    /// The gateway has already received this msgid and refuses the repeat
    /// without saying what the first answer was (the emulator in
    /// `duplicates: reject` mode; docs/decisions/0004). The outbox takes it
    /// as "delivered".
    pub const ALREADY_RECEIVED: i64 = 1008;
    /// Person / e-voucher / card not found or token invalid.
    pub const PERSON_NOT_FOUND: i64 = 2001;
    /// Prescription not found (unknown QR, hi_rxno, token).
    pub const RX_NOT_FOUND: i64 = 3001;
    /// Prescription revoked by the hospital.
    pub const RX_REVOKED: i64 = 3002;
    /// Prescription expired (more than its valid days).
    pub const RX_EXPIRED: i64 = 3003;
    /// Prescription already used (and not reusable now).
    pub const RX_USED: i64 = 3004;
    /// `epc_token` unknown or expired.
    pub const TOKEN_INVALID: i64 = 3005;
    /// `auth_rxno` already consumed (single use).
    pub const AUTH_RXNO_USED: i64 = 3006;
    /// Prescription contains a drug that may not circulate.
    pub const RX_RESTRICTED: i64 = 3007;
    /// Wrong state for this step (not downloaded, not audited, …).
    pub const RX_BAD_STATE: i64 = 3008;
    /// Signature verification (rxSignVerify) failed.
    pub const RX_SIGNATURE_INVALID: i64 = 3009;
    /// Settlement not found.
    pub const SETTLEMENT_NOT_FOUND: i64 = 4001;
    /// Settlement already reversed.
    pub const SETTLEMENT_REVERSED: i64 = 4002;
    /// Amounts do not add up.
    pub const AMOUNT_MISMATCH: i64 = 4003;
    /// Drug not in the 医保 catalogue.
    pub const DRUG_UNKNOWN: i64 = 4004;
    /// A `med_type` (医疗类别) the center does not settle at a pharmacy.
    pub const MED_TYPE_UNSUPPORTED: i64 = 4005;
    /// `dise_codg` missing where the `med_type` requires it (门慢特, 双通道).
    pub const DISEASE_CODE_MISSING: i64 = 4006;
    /// The person is not registered (备案) for the `dise_codg` sent.
    pub const DISEASE_NOT_REGISTERED: i64 = 4007;
    /// `bilg_dr_codg` (开单医生编码) missing where the `med_type` requires it.
    pub const DOCTOR_CODE_MISSING: i64 = 4008;
    /// A line without `rxno` where the `med_type` requires a prescription.
    pub const PRESCRIPTION_REQUIRED: i64 = 4009;
    /// `med_type` / `dise_codg` differ from the prescription's own.
    pub const MED_TYPE_MISMATCH: i64 = 4010;
    /// Trace code already sold.
    pub const TRACE_CODE_SOLD: i64 = 5001;
    /// Trace code malformed (RxDesk: 20 digits).
    pub const TRACE_CODE_FORMAT: i64 = 5002;
    /// Trace code returned but never sold.
    pub const TRACE_CODE_NOT_SOLD: i64 = 5003;
    /// 3503 / 3502 (in): the trace code is already in stock at this
    /// pharmacy per the platform (the emulator's `duplicate_trace_code:
    /// reject` switch; with `overwrite` the new record replaces the old).
    pub const TRACE_CODE_DUPLICATE: i64 = 5004;
    /// 3504 / 3502 (out): the trace code is not in stock at this pharmacy
    /// per the platform (never received, or already gone).
    pub const TRACE_CODE_NOT_IN_STOCK: i64 = 5005;
    /// 3507: nothing was uploaded under that batch number and data type.
    pub const INVENTORY_NOT_FOUND: i64 = 6003;
    /// 2601: the original transaction is unknown (it was never applied).
    pub const ORIGINAL_NOT_FOUND: i64 = 6001;
    /// 2601: this transaction type cannot be reversed.
    pub const NOT_REVERSIBLE: i64 = 6002;
}
