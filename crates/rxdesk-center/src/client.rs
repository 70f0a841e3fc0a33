//! The HTTP client and the [`PrescriptionCenter`] trait.
//!
//! One `reqwest::Client` (rustls, no native TLS) per profile with connect
//! and whole-request timeouts. Failure classes (see [`CenterError`]):
//! connect failures and HTTP 503/429 are `Transient`; a request whose
//! response never arrived (reset, timeout after the body was sent, body cut,
//! malformed or unverifiable response, other 5xx) is `Uncertain`; an answer
//! with a non-zero code is `Rejected`. Only idempotent queries are retried.

use crate::canonical::{camel_to_snake, rename_keys, snake_to_camel};
use crate::envelope_a::{parse_response, RequestEnvelope};
use crate::envelope_b;
use crate::error::CenterError;
use crate::messages::*;
use crate::msgid::MsgIdGenerator;
use crate::profile::{CenterProfile, EpcOp, Family};
use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use rand::Rng;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::Instrument;

/// Who is operating the counter (经办人).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// 经办人 / 操作员编号
    pub opter: String,
    /// 经办人姓名
    pub opter_name: String,
    /// 经办人类别 (1 经办人, 2 自助终端, 3 移动终端)
    pub opter_type: String,
    /// MAC for 9001
    pub mac: String,
    /// IP for 9001 / ip_info
    pub ip: String,
}

impl Operator {
    /// A counter clerk.
    pub fn clerk(opter: &str, name: &str) -> Self {
        Self {
            opter: opter.into(),
            opter_name: name.into(),
            opter_type: "1".into(),
            mac: "00-00-00-00-00-00".into(),
            ip: "127.0.0.1".into(),
        }
    }
}

/// Per-call context.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Operator.
    pub operator: Operator,
    /// Fixed msgid (the outbox fixes it at row creation); None = fresh one.
    pub msgid: Option<String>,
    /// 参保地医保区划 of the patient (empty when no psn_no is involved).
    pub insuplc_admdvs: String,
}

impl Ctx {
    /// Context with a fresh msgid.
    pub fn new(operator: Operator, insuplc_admdvs: &str) -> Self {
        Self {
            operator,
            msgid: None,
            insuplc_admdvs: insuplc_admdvs.into(),
        }
    }
    /// Same context, fixed msgid.
    pub fn with_msgid(&self, msgid: &str) -> Self {
        let mut c = self.clone();
        c.msgid = Some(msgid.into());
        c
    }
}

/// How to name the prescription to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownloadKey {
    /// `epc_token` from the QR decode.
    EpcToken(String),
    /// `auth_rxno` from the query (single use).
    AuthRxno(String),
}

impl DownloadKey {
    /// The text sent as `download_ide_code` in 7206.
    pub fn ide_code(&self) -> &str {
        match self {
            Self::EpcToken(s) | Self::AuthRxno(s) => s,
        }
    }
}

/// The business operations the counter needs, independent of wire family.
#[async_trait]
pub trait PrescriptionCenter: Send + Sync {
    /// 9001, cached per operator per CST day; returns `sign_no`.
    async fn sign_in(&self, op: &Operator) -> Result<String, CenterError>;
    /// 9002 and forget the cached sign-in.
    async fn sign_out(&self, op: &Operator) -> Result<(), CenterError>;
    /// 1101
    async fn person_info(
        &self,
        ctx: &Ctx,
        q: &PersonQuery,
    ) -> Result<PersonInfoOutput, CenterError>;
    /// 7201 / rxQrcodeDecode
    async fn decode_qr(&self, ctx: &Ctx, q: &QrDecodeData) -> Result<QrDecoded, CenterError>;
    /// 7202 / rxAuthQuery
    async fn query_authorised(
        &self,
        ctx: &Ctx,
        q: &RxQueryData,
    ) -> Result<Vec<AuthorisedRx>, CenterError>;
    /// 7203 / rxDownload
    async fn download(
        &self,
        ctx: &Ctx,
        key: &DownloadKey,
    ) -> Result<rxdesk_gm::DownloadedPrescription, CenterError>;
    /// rxSignVerify (family B only; `Ok(None)` in family A).
    async fn verify_signature(
        &self,
        ctx: &Ctx,
        q: &SignVerifyData,
    ) -> Result<Option<SignVerifyOutput>, CenterError>;
    /// 7204 / rxChkUpld
    async fn upload_audit(&self, ctx: &Ctx, a: &RxAuditData) -> Result<RxAuditOutput, CenterError>;
    /// 7205 / rxDelvUpld
    async fn upload_delivery(&self, ctx: &Ctx, d: &DeliveryData) -> Result<(), CenterError>;
    /// 7206 / rxSetlUpld
    async fn write_off(&self, ctx: &Ctx, w: &WriteOffInput) -> Result<(), CenterError>;
    /// 7207 / rxSelUpld
    async fn upload_sales(
        &self,
        ctx: &Ctx,
        s: &SalesUploadInput,
    ) -> Result<SalesUploadOutput, CenterError>;
    /// 7208 / rxSelUndo
    async fn undo_sales(&self, ctx: &Ctx, u: &SalesUndoData) -> Result<(), CenterError>;
    /// 2101
    async fn pre_settle(&self, ctx: &Ctx, s: &SettleInput) -> Result<SettleOutput, CenterError>;
    /// 2102
    async fn settle(&self, ctx: &Ctx, s: &SettleInput) -> Result<SettleOutput, CenterError>;
    /// 2103
    async fn reverse_settlement(
        &self,
        ctx: &Ctx,
        r: &SettleReverseData,
    ) -> Result<SettleReverseOutput, CenterError>;
    /// 2601 冲正 of an uncertain call.
    async fn reverse_uncertain(&self, ctx: &Ctx, r: &ReversalData) -> Result<(), CenterError>;
    /// 5203 结算信息查询 (a query: retried); "no such settlement" is
    /// `Rejected` with code 4001.
    async fn query_settlement(
        &self,
        ctx: &Ctx,
        q: &SettlementQueryData,
    ) -> Result<SettlementQueryOutput, CenterError>;
    /// 3505
    async fn sale(&self, ctx: &Ctx, s: &SaleInfo) -> Result<SaleOutput, CenterError>;
    /// 3506
    async fn sale_return(&self, ctx: &Ctx, s: &SaleReturnInfo) -> Result<SaleOutput, CenterError>;
    /// 3201
    async fn reconcile_total(
        &self,
        ctx: &Ctx,
        r: &ReconcileTotalData,
    ) -> Result<StmtInfo, CenterError>;
    /// 9101 then 3202: upload the detail file, then reconcile against it.
    async fn reconcile_detail(
        &self,
        ctx: &Ctx,
        r: &ReconcileDetailData,
        detail_csv: &[u8],
    ) -> Result<FileInfo, CenterError>;
}

/// The family-A/B client of one profile.
pub struct CenterClient {
    profile: Arc<CenterProfile>,
    http: reqwest::Client,
    msgids: Arc<MsgIdGenerator>,
    sign_ins: Mutex<HashMap<(String, NaiveDate), String>>,
}

impl std::fmt::Debug for CenterClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CenterClient")
            .field("profile", &self.profile)
            .finish()
    }
}

/// A raw family-A answer (success only).
#[derive(Debug, Clone, PartialEq)]
pub struct AOutcome {
    /// `output`
    pub output: Value,
    /// `inf_refmsgid`
    pub inf_refmsgid: String,
}

fn cst_today() -> NaiveDate {
    Utc::now()
        .with_timezone(&rxdesk_core::time::cst())
        .date_naive()
}

fn classify_send_error(e: &reqwest::Error) -> CenterError {
    if e.is_connect() {
        CenterError::Transient(format!("connect failed: {e}"))
    } else if e.is_builder() {
        CenterError::Invalid(format!("bad request: {e}"))
    } else {
        // The request left; no answer came back (reset, timeout, cut body).
        CenterError::Uncertain(format!("no response after sending: {e}"))
    }
}

fn classify_status(
    status: reqwest::StatusCode,
    body: &[u8],
    refusal_is_definite: bool,
) -> Option<CenterError> {
    if status.is_success() {
        return None;
    }
    let text: String = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
    Some(match status.as_u16() {
        503 | 429 => CenterError::Transient(format!("HTTP {status}: {text}")),
        // A gateway's 4xx is a definite refusal only where a refusal cannot
        // hide an applied change: queries and sign-in. For anything that
        // changes the center (2102, 2103, 2601, uploads) a 4xx from a proxy
        // or gateway in front of the center does not prove the business
        // system never saw it: uncertain, resolved before anything else.
        400..=499 if refusal_is_definite => CenterError::Rejected {
            code: format!("HTTP-{}", status.as_u16()),
            message: text,
        },
        _ => CenterError::Uncertain(format!("HTTP {status}: {text}")),
    })
}

/// True when a refusal of `infno` at the HTTP level cannot hide an applied
/// change (queries, sign-in/out).
fn refusal_is_definite_a(infno: &str) -> bool {
    infno::IDEMPOTENT_QUERIES.contains(&infno)
        || infno == infno::SIGN_IN
        || infno == infno::SIGN_OUT
}

impl CenterClient {
    /// Build the client (one connection pool per profile).
    pub fn new(profile: CenterProfile, msgids: Arc<MsgIdGenerator>) -> Result<Self, CenterError> {
        if profile.epc_family == Family::B && profile.b.is_none() {
            return Err(CenterError::Invalid(
                "family B profile without appId/keys".into(),
            ));
        }
        if profile.gateway != crate::profile::GatewayScheme::XTif {
            return Err(CenterError::Invalid(format!(
                "gateway scheme {} is not supported by this build",
                profile.gateway.name()
            )));
        }
        let mut builder = reqwest::Client::builder()
            .connect_timeout(profile.connect_timeout)
            .timeout(profile.request_timeout)
            .pool_idle_timeout(Duration::from_secs(30));
        for root in &profile.tls_roots {
            let pem = std::fs::read(root)
                .map_err(|e| CenterError::Invalid(format!("TLS root {}: {e}", root.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| CenterError::Invalid(format!("TLS root {}: {e}", root.display())))?;
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        let http = builder
            .build()
            .map_err(|e| CenterError::Invalid(format!("HTTP client: {e}")))?;
        Ok(Self {
            profile: Arc::new(profile),
            http,
            msgids,
            sign_ins: Mutex::new(HashMap::new()),
        })
    }

    /// Drop the cached 9001 of this operator (the next call signs in again).
    pub fn forget_sign_in(&self, op: &Operator) {
        if let Ok(mut m) = self.sign_ins.lock() {
            m.retain(|(o, _), _| o != &op.opter);
        }
    }

    /// The profile.
    pub fn profile(&self) -> &CenterProfile {
        &self.profile
    }

    /// A fresh msgid.
    pub fn next_msgid(&self) -> Result<String, CenterError> {
        self.msgids
            .next()
            .map_err(|e| CenterError::Invalid(e.to_string()))
    }

    fn envelope(
        &self,
        infno: &str,
        msgid: &str,
        op: &Operator,
        sign_no: &str,
        insuplc: &str,
        input: Value,
    ) -> RequestEnvelope {
        let inst = &self.profile.institution;
        RequestEnvelope {
            infno: infno.into(),
            msgid: msgid.into(),
            mdtrtarea_admvs: inst.mdtrtarea_admvs.clone(),
            insuplc_admdvs: insuplc.into(),
            recer_sys_code: inst.recer_sys_code.clone(),
            dev_no: String::new(),
            dev_safe_info: String::new(),
            cainfo: String::new(),
            signtype: String::new(),
            infver: "V1.0".into(),
            opter_type: op.opter_type.clone(),
            opter: op.opter.clone(),
            opter_name: op.opter_name.clone(),
            inf_time: rxdesk_core::time::format_wire(Utc::now()),
            fixmedins_code: inst.fixmedins_code.clone(),
            fixmedins_name: inst.fixmedins_name.clone(),
            sign_no: sign_no.into(),
            input,
        }
    }

    /// Send one family-A transaction exactly once (no retry, no sign-in).
    /// The outbox uses this with the msgid fixed at row creation.
    pub async fn send_a(
        &self,
        infno: &str,
        msgid: &str,
        op: &Operator,
        sign_no: &str,
        insuplc_admdvs: &str,
        input: Value,
    ) -> Result<AOutcome, CenterError> {
        let env = self.envelope(infno, msgid, op, sign_no, insuplc_admdvs, input);
        let body = serde_json::to_vec(&env).map_err(|e| CenterError::Invalid(e.to_string()))?;
        let ts = Utc::now().timestamp().to_string();
        let nonce: String = {
            let mut r = rand::thread_rng();
            (0..16)
                .map(|_| char::from(b"0123456789abcdef"[r.gen_range(0..16)]))
                .collect()
        };
        let sig = crate::xtif::signature(&ts, &self.profile.paas_secret, &nonce);
        let url = format!(
            "{}{}",
            self.profile.base_url,
            self.profile.a_path_for(infno)
        );
        tracing::debug!(infno, msgid, "family A request");
        // Stage spans (`center.http`, `center.parse`): the scan bench times
        // them (`RXDESK_BENCH_STAGES`); free when nothing subscribes.
        let (status, bytes) = async {
            let resp = self
                .http
                .post(&url)
                .header("content-type", "application/json;charset=utf-8")
                .header(crate::xtif::PAASID, &self.profile.paas_id)
                .header(crate::xtif::TIMESTAMP, &ts)
                .header(crate::xtif::NONCE, &nonce)
                .header(crate::xtif::SIGNATURE, sig)
                .body(body)
                .send()
                .await
                .map_err(|e| classify_send_error(&e))?;
            let status = resp.status();
            let bytes = resp
                .bytes()
                .await
                .map_err(|e| CenterError::Uncertain(format!("response body cut: {e}")))?;
            Ok::<_, CenterError>((status, bytes))
        }
        .instrument(tracing::debug_span!("center.http", infno))
        .await?;
        if let Some(e) = classify_status(status, &bytes, refusal_is_definite_a(infno)) {
            return Err(e);
        }
        let r = tracing::debug_span!("center.parse", infno)
            .in_scope(|| parse_response(&bytes))
            .map_err(|e| CenterError::Uncertain(format!("malformed response: {e}")))?;
        match r.code() {
            Some(0) => Ok(AOutcome {
                output: r.output,
                inf_refmsgid: r.inf_refmsgid,
            }),
            Some(c) => {
                let code = c.to_string();
                let message = r.err_msg.unwrap_or_default();
                // The msgid was used by another request (two counters on one
                // terminal number): a refusal of this one, said plainly.
                if !self.profile.already_received_codes.contains(&code)
                    && crate::error::says_msgid_used_by_another(&message)
                {
                    tracing::error!(
                        infno,
                        msgid,
                        "msgid used by another request: terminal number shared?"
                    );
                    return Err(CenterError::Rejected {
                        code: crate::error::MSGID_IN_USE.into(),
                        message: crate::error::msgid_in_use_zh(
                            msgid,
                            crate::msgid::terminal_of(msgid),
                            &format!("{code} {message}"),
                        ),
                    });
                }
                Err(CenterError::Rejected { code, message })
            }
            None => Err(CenterError::Uncertain("infcode missing".into())),
        }
    }

    /// Family A with sign-in (except 9001 itself), msgid from `ctx` or fresh,
    /// and retries for idempotent queries. Returns the raw `output`.
    pub async fn transact(
        &self,
        infno: &str,
        ctx: &Ctx,
        input: Value,
    ) -> Result<Value, CenterError> {
        let mut sign_no = if infno == infno::SIGN_IN {
            String::new()
        } else {
            self.sign_in(&ctx.operator).await?
        };
        let mut signed_in_again = false;
        let msgid = match &ctx.msgid {
            Some(m) => m.clone(),
            None => self.next_msgid()?,
        };
        let retries = if infno::IDEMPOTENT_QUERIES.contains(&infno) {
            self.profile.query_retries
        } else {
            0
        };
        let mut attempt = 0;
        loop {
            match self
                .send_a(
                    infno,
                    &msgid,
                    &ctx.operator,
                    &sign_no,
                    &ctx.insuplc_admdvs,
                    input.clone(),
                )
                .await
            {
                Ok(o) => return Ok(o.output),
                // The center forgot the sign-in (restart, new day): nothing was
                // applied, so sign in again and resend with the same msgid once.
                Err(CenterError::Rejected { code, .. })
                    if code == "1005" && infno != infno::SIGN_IN && !signed_in_again =>
                {
                    signed_in_again = true;
                    self.forget_sign_in(&ctx.operator);
                    sign_no = self.sign_in(&ctx.operator).await?;
                }
                Err(e) if attempt < retries && (e.is_transient() || e.is_uncertain()) => {
                    attempt += 1;
                    tracing::warn!(infno, attempt, error = %e, "retrying idempotent query");
                    tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn call_a<I: Serialize + Sync, O: DeserializeOwned>(
        &self,
        infno: &str,
        ctx: &Ctx,
        input: &I,
    ) -> Result<O, CenterError> {
        let v = serde_json::to_value(input).map_err(|e| CenterError::Invalid(e.to_string()))?;
        let out = self.transact(infno, ctx, v).await?;
        let out = if out.is_null() {
            Value::Object(Default::default())
        } else {
            out
        };
        tracing::debug_span!("center.decode", infno)
            .in_scope(|| serde_json::from_value(out))
            .map_err(|e| CenterError::Uncertain(format!("unexpected {infno} output: {e}")))
    }

    /// Send one family-B operation with a snake_case payload (converted to
    /// camelCase on the wire); returns the decrypted, verified output with
    /// keys converted back to snake_case.
    pub async fn send_b(&self, op: EpcOp, data_snake: Value) -> Result<Value, CenterError> {
        let b =
            self.profile.b.as_ref().ok_or_else(|| {
                CenterError::Invalid("profile has no family B credentials".into())
            })?;
        let data = rename_keys(data_snake, &|k: &str| snake_to_camel(k));
        let creds = envelope_b::Credentials {
            app_id: b.app_id.clone(),
            app_secret: b.app_secret.clone(),
            user_id: b.user_id.clone(),
        };
        let ts = Utc::now().timestamp_millis().to_string();
        let body = envelope_b::build_request(&creds, &b.private_key, &data, &ts, &b.version)
            .map_err(|e| CenterError::Invalid(e.to_string()))?;
        let url = format!("{}{}{}", self.profile.base_url, b.path_prefix, op.b_name());
        let retries = if op.is_query() {
            self.profile.query_retries
        } else {
            0
        };
        let mut attempt = 0;
        loop {
            let r = self.post_b(&url, &body, b, op.is_query()).await;
            match r {
                Err(e) if attempt < retries && (e.is_transient() || e.is_uncertain()) => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
                }
                other => return other.map(|v| rename_keys(v, &|k: &str| camel_to_snake(k))),
            }
        }
    }

    /// Like [`Self::send_b`] but returns the camelCase output untouched.
    async fn post_b(
        &self,
        url: &str,
        body: &Value,
        b: &crate::profile::FamilyB,
        refusal_is_definite: bool,
    ) -> Result<Value, CenterError> {
        let resp = self
            .http
            .post(url)
            .header("content-type", "application/json;charset=utf-8")
            .body(serde_json::to_vec(body).map_err(|e| CenterError::Invalid(e.to_string()))?)
            .send()
            .await
            .map_err(|e| classify_send_error(&e))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| CenterError::Uncertain(format!("response body cut: {e}")))?;
        if let Some(e) = classify_status(status, &bytes, refusal_is_definite) {
            return Err(e);
        }
        let env: serde_json::Map<String, Value> = serde_json::from_slice(&bytes)
            .map_err(|e| CenterError::Uncertain(format!("malformed response: {e}")))?;
        // An unsigned error answer (e.g. bad appId) cannot be verified; it is
        // still a rejection when it carries a code and no data.
        let unsigned = env
            .get("signData")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty);
        if unsigned {
            if let Some(code) = env
                .get("code")
                .and_then(|c| c.as_i64().or_else(|| c.as_str()?.parse().ok()))
            {
                if code != 0 {
                    return Err(CenterError::Rejected {
                        code: code.to_string(),
                        message: env
                            .get("message")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .into(),
                    });
                }
            }
            return Err(CenterError::Uncertain("unsigned success response".into()));
        }
        let opened = envelope_b::open_response(
            &env,
            &b.app_secret,
            &b.app_id,
            &b.platform_public_key,
            &[&b.user_id],
        )
        .map_err(|e| CenterError::Uncertain(format!("response not trusted: {e}")))?;
        if opened.code != 0 {
            return Err(CenterError::Rejected {
                code: opened.code.to_string(),
                message: opened.message,
            });
        }
        Ok(opened.data)
    }

    /// Family B, camelCase in and out (used for the download, whose shape is
    /// `DownloadedPrescription`).
    async fn send_b_camel(&self, op: EpcOp, data_snake: Value) -> Result<Value, CenterError> {
        let b =
            self.profile.b.as_ref().ok_or_else(|| {
                CenterError::Invalid("profile has no family B credentials".into())
            })?;
        let data = rename_keys(data_snake, &|k: &str| snake_to_camel(k));
        let creds = envelope_b::Credentials {
            app_id: b.app_id.clone(),
            app_secret: b.app_secret.clone(),
            user_id: b.user_id.clone(),
        };
        let ts = Utc::now().timestamp_millis().to_string();
        let body = envelope_b::build_request(&creds, &b.private_key, &data, &ts, &b.version)
            .map_err(|e| CenterError::Invalid(e.to_string()))?;
        let url = format!("{}{}{}", self.profile.base_url, b.path_prefix, op.b_name());
        let mut attempt = 0;
        loop {
            match self.post_b(&url, &body, b, op.is_query()).await {
                Err(e)
                    if attempt < self.profile.query_retries
                        && (e.is_transient() || e.is_uncertain()) =>
                {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
                }
                other => return other,
            }
        }
    }

    async fn epc<I: Serialize + Sync, O: DeserializeOwned>(
        &self,
        op: EpcOp,
        ctx: &Ctx,
        a_input: &I,
        b_data: Value,
    ) -> Result<O, CenterError> {
        match (self.profile.epc_family, op.infno()) {
            (Family::A, Some(infno)) => self.call_a(infno, ctx, a_input).await,
            (Family::A, None) => Err(CenterError::Invalid(format!("{op:?} has no family A form"))),
            (Family::B, _) => {
                let out = self.send_b(op, b_data).await?;
                let out = if out.is_null() {
                    Value::Object(Default::default())
                } else {
                    out
                };
                serde_json::from_value(out).map_err(|e| {
                    CenterError::Uncertain(format!("unexpected {} output: {e}", op.b_name()))
                })
            }
        }
    }
}

fn to_value<T: Serialize>(t: &T) -> Result<Value, CenterError> {
    serde_json::to_value(t).map_err(|e| CenterError::Invalid(e.to_string()))
}

/// An empty output node (for acknowledgements).
#[derive(Debug, serde::Deserialize)]
struct Ack {}

#[async_trait]
impl PrescriptionCenter for CenterClient {
    async fn sign_in(&self, op: &Operator) -> Result<String, CenterError> {
        let key = (op.opter.clone(), cst_today());
        if let Some(s) = self.sign_ins.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(s);
        }
        let input = SignInInput {
            sign_in: SignIn {
                opter_no: op.opter.clone(),
                mac: op.mac.clone(),
                ip: op.ip.clone(),
            },
        };
        let ctx = Ctx::new(op.clone(), "");
        let out: SignInOutput = self.call_a(infno::SIGN_IN, &ctx, &input).await?;
        if out.signinoutb.sign_no.is_empty() {
            return Err(CenterError::Uncertain("9001 returned no sign_no".into()));
        }
        if let Ok(mut m) = self.sign_ins.lock() {
            m.retain(|(_, d), _| *d == key.1);
            m.insert(key, out.signinoutb.sign_no.clone());
        }
        Ok(out.signinoutb.sign_no)
    }

    async fn sign_out(&self, op: &Operator) -> Result<(), CenterError> {
        let key = (op.opter.clone(), cst_today());
        let sign_no = self.sign_ins.lock().ok().and_then(|mut m| m.remove(&key));
        let Some(sign_no) = sign_no else {
            return Ok(());
        };
        let input = SignOutInput {
            sign_out: SignOut {
                sign_no: sign_no.clone(),
                opter_no: op.opter.clone(),
            },
        };
        let ctx = Ctx::new(op.clone(), "");
        let msgid = self.next_msgid()?;
        self.send_a(
            infno::SIGN_OUT,
            &msgid,
            &ctx.operator,
            &sign_no,
            "",
            to_value(&input)?,
        )
        .await
        .map(|_| ())
    }

    async fn person_info(
        &self,
        ctx: &Ctx,
        q: &PersonQuery,
    ) -> Result<PersonInfoOutput, CenterError> {
        self.call_a(
            infno::PERSON_INFO,
            ctx,
            &PersonInfoInput { data: q.clone() },
        )
        .await
    }

    async fn decode_qr(&self, ctx: &Ctx, q: &QrDecodeData) -> Result<QrDecoded, CenterError> {
        match self.profile.epc_family {
            Family::A => self
                .call_a::<_, QrDecodeOutput>(
                    infno::RX_QR_DECODE,
                    ctx,
                    &QrDecodeInput { data: q.clone() },
                )
                .await
                .map(|o| o.data),
            Family::B => self.epc(EpcOp::QrDecode, ctx, &(), to_value(q)?).await,
        }
    }

    async fn query_authorised(
        &self,
        ctx: &Ctx,
        q: &RxQueryData,
    ) -> Result<Vec<AuthorisedRx>, CenterError> {
        let o: RxQueryOutput = self
            .epc(
                EpcOp::AuthQuery,
                ctx,
                &RxQueryInput { data: q.clone() },
                serde_json::json!({"data": to_value(q)?}),
            )
            .await?;
        Ok(o.data)
    }

    async fn download(
        &self,
        ctx: &Ctx,
        key: &DownloadKey,
    ) -> Result<rxdesk_gm::DownloadedPrescription, CenterError> {
        let data = match key {
            DownloadKey::EpcToken(t) => RxDownloadData {
                epc_token: t.clone(),
                auth_rxno: String::new(),
                insuplc_admdvs: ctx.insuplc_admdvs.clone(),
            },
            DownloadKey::AuthRxno(a) => RxDownloadData {
                epc_token: String::new(),
                auth_rxno: a.clone(),
                insuplc_admdvs: ctx.insuplc_admdvs.clone(),
            },
        };
        match self.profile.epc_family {
            Family::A => {
                let o: RxDownloadOutput = self
                    .call_a(infno::RX_DOWNLOAD, ctx, &RxDownloadInput { data })
                    .await?;
                tracing::debug_span!("center.to_downloaded")
                    .in_scope(|| o.to_downloaded())
                    .map_err(|e| {
                        CenterError::Uncertain(format!(
                            "7203 output does not map to a download: {e}"
                        ))
                    })
            }
            Family::B => {
                let v = self.send_b_camel(EpcOp::Download, to_value(&data)?).await?;
                serde_json::from_value(v).map_err(|e| {
                    CenterError::Uncertain(format!("unexpected rxDownload output: {e}"))
                })
            }
        }
    }

    async fn verify_signature(
        &self,
        _ctx: &Ctx,
        q: &SignVerifyData,
    ) -> Result<Option<SignVerifyOutput>, CenterError> {
        match self.profile.epc_family {
            Family::A => Ok(None),
            Family::B => {
                let v = self.send_b(EpcOp::SignVerify, to_value(q)?).await?;
                serde_json::from_value(v).map(Some).map_err(|e| {
                    CenterError::Uncertain(format!("unexpected rxSignVerify output: {e}"))
                })
            }
        }
    }

    async fn upload_audit(&self, ctx: &Ctx, a: &RxAuditData) -> Result<RxAuditOutput, CenterError> {
        self.epc(
            EpcOp::AuditUpload,
            ctx,
            &RxAuditInput { data: a.clone() },
            to_value(a)?,
        )
        .await
    }

    async fn upload_delivery(&self, ctx: &Ctx, d: &DeliveryData) -> Result<(), CenterError> {
        self.epc::<_, Ack>(
            EpcOp::DeliveryUpload,
            ctx,
            &DeliveryInput { data: d.clone() },
            to_value(d)?,
        )
        .await
        .map(|_| ())
    }

    async fn write_off(&self, ctx: &Ctx, w: &WriteOffInput) -> Result<(), CenterError> {
        self.epc::<_, Ack>(EpcOp::WriteOff, ctx, w, to_value(w)?)
            .await
            .map(|_| ())
    }

    async fn upload_sales(
        &self,
        ctx: &Ctx,
        s: &SalesUploadInput,
    ) -> Result<SalesUploadOutput, CenterError> {
        self.epc(EpcOp::SalesUpload, ctx, s, to_value(s)?).await
    }

    async fn undo_sales(&self, ctx: &Ctx, u: &SalesUndoData) -> Result<(), CenterError> {
        self.epc::<_, Ack>(
            EpcOp::SalesUndo,
            ctx,
            &SalesUndoInput { data: u.clone() },
            to_value(u)?,
        )
        .await
        .map(|_| ())
    }

    async fn pre_settle(&self, ctx: &Ctx, s: &SettleInput) -> Result<SettleOutput, CenterError> {
        self.call_a(infno::PRE_SETTLE, ctx, s).await
    }

    async fn settle(&self, ctx: &Ctx, s: &SettleInput) -> Result<SettleOutput, CenterError> {
        let out: SettleOutput = self.call_a(infno::SETTLE, ctx, s).await?;
        // A gateway that de-duplicates by msgid answers a msgid another
        // counter already used with that counter's settlement: never take
        // another person's settlement as this one (docs/decisions/0007).
        // This request was not applied (the gateway answered from its cache).
        if !out.setlinfo.psn_no.is_empty() && out.setlinfo.psn_no != s.data.psn_no {
            let msgid = ctx.msgid.clone().unwrap_or_default();
            tracing::error!(%msgid, "2102 answer names another person: msgid collision");
            return Err(CenterError::Rejected {
                code: crate::error::MSGID_IN_USE.into(),
                message: crate::error::msgid_in_use_zh(
                    &msgid,
                    crate::msgid::terminal_of(&msgid),
                    "结算结果属于另一位参保人",
                ),
            });
        }
        Ok(out)
    }

    async fn reverse_settlement(
        &self,
        ctx: &Ctx,
        r: &SettleReverseData,
    ) -> Result<SettleReverseOutput, CenterError> {
        self.call_a(
            infno::SETTLE_REVERSE,
            ctx,
            &SettleReverseInput { data: r.clone() },
        )
        .await
    }

    async fn reverse_uncertain(&self, ctx: &Ctx, r: &ReversalData) -> Result<(), CenterError> {
        self.call_a::<_, Ack>(infno::REVERSAL, ctx, &ReversalInput { data: r.clone() })
            .await
            .map(|_| ())
    }

    async fn query_settlement(
        &self,
        ctx: &Ctx,
        q: &SettlementQueryData,
    ) -> Result<SettlementQueryOutput, CenterError> {
        self.call_a(
            infno::SETTLEMENT_QUERY,
            ctx,
            &SettlementQueryInput { data: q.clone() },
        )
        .await
    }

    async fn sale(&self, ctx: &Ctx, s: &SaleInfo) -> Result<SaleOutput, CenterError> {
        self.call_a(infno::SALE, ctx, &SaleInput { selinfo: s.clone() })
            .await
    }

    async fn sale_return(&self, ctx: &Ctx, s: &SaleReturnInfo) -> Result<SaleOutput, CenterError> {
        self.call_a(
            infno::SALE_RETURN,
            ctx,
            &SaleReturnInput { selinfo: s.clone() },
        )
        .await
    }

    async fn reconcile_total(
        &self,
        ctx: &Ctx,
        r: &ReconcileTotalData,
    ) -> Result<StmtInfo, CenterError> {
        let o: ReconcileTotalOutput = self
            .call_a(
                infno::RECONCILE_TOTAL,
                ctx,
                &ReconcileTotalInput { data: r.clone() },
            )
            .await?;
        Ok(o.stmtinfo)
    }

    async fn reconcile_detail(
        &self,
        ctx: &Ctx,
        r: &ReconcileDetailData,
        detail_csv: &[u8],
    ) -> Result<FileInfo, CenterError> {
        use base64::Engine as _;
        let up = FileUploadInput {
            fs_upload_in: FileUpload {
                content: base64::engine::general_purpose::STANDARD.encode(detail_csv),
                filename: format!("stmt_{}_{}.csv", r.stmt_begndate, r.stmt_enddate),
                fixmedins_code: self.profile.institution.fixmedins_code.clone(),
            },
        };
        let plain = Ctx {
            msgid: None,
            ..ctx.clone()
        };
        let f: ReconcileDetailOutput = self.call_a(infno::FILE_UPLOAD, &plain, &up).await?;
        let mut data = r.clone();
        data.file_qury_no = f.fileinfo.file_qury_no;
        let o: ReconcileDetailOutput = self
            .call_a(infno::RECONCILE_DETAIL, ctx, &ReconcileDetailInput { data })
            .await?;
        Ok(o.fileinfo)
    }
}

/// Download a file by `file_qury_no` (9102; the body is the raw file).
impl CenterClient {
    /// 9102: fetch a result file (e.g. the 3202 result rows).
    pub async fn download_file(
        &self,
        ctx: &Ctx,
        file_qury_no: &str,
        filename: &str,
    ) -> Result<Vec<u8>, CenterError> {
        let input = FileDownloadInput {
            fs_download_in: FileDownload {
                file_qury_no: file_qury_no.into(),
                filename: filename.into(),
                fixmedins_code: self.profile.institution.fixmedins_code.clone(),
            },
        };
        let out = self
            .transact(infno::FILE_DOWNLOAD, ctx, to_value(&input)?)
            .await?;
        use base64::Engine as _;
        let b64 = out.get("file").and_then(Value::as_str).unwrap_or_default();
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| CenterError::Uncertain(format!("9102 file not Base64: {e}")))
    }
}

/// 3513: what the platform recorded for each sold trace code.
impl CenterClient {
    /// 3513 商品销售追溯信息查询, by day range and/or by code (the
    /// institution code is filled from the profile). A query: safe to retry.
    pub async fn sold_trace_query(
        &self,
        ctx: &Ctx,
        q: &SoldTraceQueryData,
    ) -> Result<Vec<SoldTraceRecord>, CenterError> {
        let mut data = q.clone();
        data.fixmedins_code = self.profile.institution.fixmedins_code.clone();
        let out: SoldTraceQueryOutput = self
            .call_a(infno::SOLD_TRACE_QUERY, ctx, &SoldTraceQueryInput { data })
            .await?;
        Ok(out.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    #[test]
    fn http_4xx_is_definite_only_for_queries_and_sign_in() {
        let c = |s: u16, infno: &str| {
            classify_status(
                StatusCode::from_u16(s).unwrap(),
                b"gateway says no",
                refusal_is_definite_a(infno),
            )
        };
        for infno in ["1101", "7202", "7203", "9001", "3201"] {
            assert!(
                matches!(c(404, infno), Some(CenterError::Rejected { ref code, .. }) if code == "HTTP-404"),
                "{infno}"
            );
        }
        for infno in [
            "2102", "2103", "2601", "3505", "3506", "7204", "7206", "7208",
        ] {
            for status in [400, 401, 403, 404, 409, 413] {
                assert!(
                    matches!(c(status, infno), Some(CenterError::Uncertain(_))),
                    "{infno} HTTP {status}"
                );
            }
        }
        assert!(matches!(c(503, "2102"), Some(CenterError::Transient(_))));
        assert!(matches!(c(429, "3505"), Some(CenterError::Transient(_))));
        assert!(matches!(c(500, "1101"), Some(CenterError::Uncertain(_))));
        assert!(c(200, "2102").is_none());
    }
}
