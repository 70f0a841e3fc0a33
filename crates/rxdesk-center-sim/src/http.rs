//! HTTP layer: family A (`POST /fsi/api/...`, one URL for all infno or one
//! path per infno — the body's `infno` decides), family B
//! (`POST /epc/api/fixmedins/{op}`), the CRL, and the admin API. One
//! request = one lock of the state; faults are decided before it.

use crate::faults::{Faults, Plan};
use crate::ops;
use crate::state::{Cached, Outcome, State, Upload};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use rxdesk_center::canonical::{camel_to_snake, rename_keys, snake_to_camel};
use rxdesk_center::envelope_a::RequestEnvelope;
use rxdesk_center::envelope_b::{self, Credentials, EnvelopeError};
use rxdesk_center::error::codes;
use rxdesk_center::messages::*;
use rxdesk_center::profile::{demo, EpcOp};
use rxdesk_gm::PrivateKey;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Shared application state.
#[derive(Clone)]
pub struct App {
    /// the state
    pub st: Arc<Mutex<State>>,
    /// accounts
    pub accounts: Arc<Accounts>,
    /// how a repeated msgid is answered (`dedupe`)
    pub duplicates: crate::dedupe::DuplicateSwitch,
}

/// Gateway and family-B credentials the emulator accepts.
pub struct Accounts {
    /// x-tif paasid → secret
    pub paas: Vec<(String, String)>,
    /// family B app: (appId, appSecret, app public key)
    pub apps: Vec<(String, String, rxdesk_gm::PublicKey)>,
    /// platform key for response signatures
    pub platform_key: PrivateKey,
}

impl Accounts {
    /// The demo accounts (`rxdesk_center::profile::demo`).
    pub fn demo() -> Result<Self, rxdesk_gm::CryptoError> {
        Ok(Self {
            paas: vec![(demo::PAAS_ID.into(), demo::PAAS_SECRET.into())],
            apps: vec![(
                demo::APP_ID.into(),
                demo::APP_SECRET.into(),
                PrivateKey::from_hex(demo::APP_PRIVATE_KEY_HEX)?.public_key(),
            )],
            platform_key: PrivateKey::from_hex(demo::PLATFORM_PRIVATE_KEY_HEX)?,
        })
    }
}

/// The per-connection kill switch (dropping the connection = reset).
#[derive(Clone)]
pub struct Kill(pub Arc<Notify>);

async fn drop_connection(kill: &Kill) -> Response {
    kill.0.notify_one();
    std::future::pending::<()>().await;
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// The router.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/fsi/api/{*rest}", post(family_a))
        .route("/mbs/fmi/fsi/api/{*rest}", post(family_a))
        .route("/epc/api/fixmedins/{op}", post(family_b))
        .route("/fixmedins/fixmedins/{op}", post(family_b))
        .route("/crl/demo-ca.crl", get(crl))
        .route("/admin/ca.pem", get(ca_pem))
        .route("/admin/stats", get(stats))
        .route(
            "/admin/faults",
            get(get_faults).post(set_faults).delete(clear_faults),
        )
        .route("/admin/uploads", get(uploads))
        .route("/admin/books", get(crate::books::books))
        .route("/admin/stock-published", get(crate::books::stock_published))
        .route(
            "/admin/duplicates",
            get(crate::dedupe::get_mode).post(crate::dedupe::set_mode),
        )
        .route("/admin/persons", get(persons))
        .route("/admin/persons/{psn_no}/balance", post(set_balance))
        .route("/admin/drugs", get(drugs))
        .route("/admin/prescriptions", get(list_rx).post(create_rx))
        .route("/admin/prescriptions/{hi_rxno}/revoke", post(revoke_rx))
        .route("/admin/certs/{hospital}/revoke", post(revoke_cert))
        .route("/admin/clock", get(get_clock).post(advance_clock))
        .with_state(app)
}

fn lock(app: &App) -> std::sync::MutexGuard<'_, State> {
    // A poisoned lock means a handler panicked; the state is still usable.
    app.st.lock().unwrap_or_else(|p| p.into_inner())
}

fn compact_ms(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&rxdesk_core::time::cst())
        .format("%Y%m%d%H%M%S%3f")
        .to_string()
}

fn a_body(
    st: &mut State,
    result: &Result<Value, ops::Fail>,
    received: chrono::DateTime<chrono::Utc>,
) -> Vec<u8> {
    let now = st.now();
    let serial = st.next_serial();
    let refid = format!(
        "110100{}{:010}",
        rxdesk_core::time::format_compact(now),
        serial
    );
    let v = match result {
        Ok(out) => json!({"infcode": 0, "inf_refmsgid": refid, "refmsg_time": compact_ms(received),
            "respond_time": compact_ms(now), "enctype": "", "signtype": "", "err_msg": null, "output": out}),
        Err((code, msg)) => {
            json!({"infcode": code, "inf_refmsgid": refid, "refmsg_time": compact_ms(received),
            "respond_time": compact_ms(now), "enctype": "", "signtype": "", "err_msg": msg, "output": {}})
        }
    };
    serde_json::to_vec(&v).unwrap_or_default()
}

fn json_response(body: Vec<u8>) -> Response {
    ([("content-type", "application/json;charset=utf-8")], body).into_response()
}

/// Deliver an applied answer, honouring reset_after / malformed / slow_body.
async fn deliver(body: Vec<u8>, plan: Plan, slow_ms: u64, kill: &Kill) -> Response {
    if plan.reset_after {
        return drop_connection(kill).await;
    }
    let body = if plan.malformed {
        let mut b = body[..body.len() / 2].to_vec();
        b.extend_from_slice(b"<<<\x00garbled");
        b
    } else {
        body
    };
    if slow_ms > 0 && !body.is_empty() {
        let chunks: Vec<Bytes> = body
            .chunks(body.len().div_ceil(8))
            .map(Bytes::copy_from_slice)
            .collect();
        let per = Duration::from_millis(slow_ms / chunks.len().max(1) as u64);
        let stream = futures_util::stream::unfold(chunks.into_iter(), move |mut it| async move {
            let next = it.next()?;
            tokio::time::sleep(per).await;
            Some((Ok::<Bytes, std::io::Error>(next), it))
        });
        return (
            [("content-type", "application/json;charset=utf-8")],
            Body::from_stream(stream),
        )
            .into_response();
    }
    json_response(body)
}

/// Roll the faults for one request of `op`; returns the plan and the knobs
/// (applied outside the lock). Faults limited to other ops do not apply.
fn roll(app: &App, op: &str) -> (Plan, Faults) {
    let mut st = lock(app);
    let f = st.faults.clone();
    if !f.applies_to(op) {
        return (Plan::default(), Faults::default());
    }
    let plan = Plan::roll(&f, &mut st.dice);
    for (hit, name) in [
        (plan.error, "error"),
        (plan.reset_before, "reset_before"),
        (plan.reset_after, "reset_after"),
        (plan.malformed, "malformed"),
    ] {
        if hit {
            tracing::warn!(fault = name, "injecting fault");
            st.stats.fault(name);
        }
    }
    (plan, f)
}

const QUERIES: [&str; 12] = [
    "5203",
    "3513",
    "9001",
    "9002",
    "1101",
    "2101",
    "7201",
    "7202",
    "7203",
    "3201",
    "9102",
    "rxSignVerify",
];

fn dispatch_a(st: &mut State, env: &RequestEnvelope) -> Result<Value, ops::Fail> {
    let i = &env.input;
    // An upload's input must be its typed message — the type the counter's
    // ledger built it from (rxdesk-wire, docs/decisions/0016-typed-uploads.md):
    // refused as 1001 naming the transaction and the field, nothing applied.
    match rxdesk_center::upload::UploadMessage::parse(&env.infno, i) {
        Err(e @ rxdesk_center::upload::UploadParseError::Malformed { .. }) => {
            return Err((codes::BAD_REQUEST, e.to_string()))
        }
        Ok(_) | Err(rxdesk_center::upload::UploadParseError::UnknownInfno(_)) => {}
    }
    match env.infno.as_str() {
        "9001" => ops::sign_in(st, i),
        "9002" => ops::sign_out(st, i),
        "1101" => ops::person_info(st, i),
        "2101" => ops::pre_settle(st, i, &env.msgid),
        "2102" => ops::settle(st, i, &env.msgid),
        "2103" => ops::settle_reverse(st, i),
        "2601" => ops::reversal(st, i),
        "5203" => ops::settlement_query(st, i),
        "3201" => ops::reconcile_total(st, i),
        "3202" => ops::reconcile_detail(st, i),
        "3505" => ops::sale(st, i, &env.msgid),
        "3506" => ops::sale_return(st, i),
        "3501" => crate::stock::stock_take(st, i, &env.msgid),
        "3502" => crate::stock::stock_change(st, i, &env.msgid),
        "3503" => crate::stock::purchase(st, i, &env.msgid),
        "3504" => crate::stock::purchase_return(st, i, &env.msgid),
        "3507" => crate::stock::delete(st, i),
        "3513" => crate::stock::sold_trace_query(st, i),
        "stockPublish" => crate::stock::stock_publish(st, i),
        "9101" => ops::file_upload(st, i),
        "9102" => ops::file_download(st, i),
        "7201" => {
            ops::qr_decode(st, &ops::parse::<QrDecodeInput>(i)?.data).map(|d| json!({"data": d}))
        }
        "7202" => ops::auth_query(st, &ops::parse::<RxQueryInput>(i)?.data),
        "7203" => {
            let rx = ops::download(st, &ops::parse::<RxDownloadInput>(i)?.data)?;
            let mut out = ops::download_a(st, &rx);
            add_route_codes(&mut out, "rxdrugdetail", "medc_way_dscr", "medc_way_codg");
            Ok(out)
        }
        "7204" => ops::audit(st, &ops::parse::<RxAuditInput>(i)?.data, false),
        "7205" => ops::delivery(st, &ops::parse::<DeliveryInput>(i)?.data),
        "7206" => ops::write_off(st, &ops::parse::<WriteOffInput>(i)?),
        "7207" => ops::sales_upload(st, &ops::parse::<SalesUploadInput>(i)?),
        "7208" => ops::sales_undo(st, &ops::parse::<SalesUndoInput>(i)?.data),
        other => Err((
            codes::UNKNOWN_OPERATION,
            format!("不支持的交易编号 {other}"),
        )),
    }
}

/// 用药途径代码 (`medc_way_codg`, dictionary `drug_medc_way_code`) of a
/// route description, for the 7203 drug rows (docs/reference/wire-protocol.md §7203: required,
/// "ref. drug_medc_way_code" [C*]; the code values are the national
/// 用药途径代码 table as remembered [M], docs/protocol.md). An unknown
/// description maps to `9` (其他用药途径).
pub fn medc_way_code(dscr: &str) -> &'static str {
    const TABLE: [(&str, &str); 12] = [
        ("口服", "1"),
        ("直肠", "2"),
        ("舌下", "3"),
        ("皮下注射", "401"),
        ("皮内注射", "402"),
        ("肌内注射", "403"),
        ("肌肉注射", "403"),
        ("静脉", "404"),
        ("注射", "4"),
        ("吸入", "5"),
        ("局部", "6"),
        ("外用", "6"),
    ];
    let d = dscr.trim();
    TABLE
        .iter()
        .find(|(name, _)| d.contains(name))
        .map_or("9", |(_, code)| code)
}

/// Adds the route code to every drug row of a 7203 output that lacks one.
fn add_route_codes(out: &mut Value, rows: &str, dscr: &str, codg: &str) {
    if let Some(Value::Array(lines)) = out.get_mut(rows) {
        for l in lines.iter_mut().filter_map(Value::as_object_mut) {
            if l.get(codg)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                let code = medc_way_code(l.get(dscr).and_then(Value::as_str).unwrap_or_default());
                l.insert(codg.into(), code.into());
            }
        }
    }
}

/// Accepted family-B envelope `version` (the value the demo profile and
/// docs/reference/wire-protocol.md §3.1 use: "1.0.0" [C] S2 field, value [I]).
pub const B_VERSION: &str = "1.0.0";

/// Largest accepted difference between a family-B `timestamp` and the
/// center's clock, both ways (the same 300 s as the gateway's x-tif-timestamp).
pub const B_TIMESTAMP_WINDOW_S: i64 = 300;

/// A family-B `timestamp` (docs/reference/wire-protocol.md §3.1: a string of Unix milliseconds
/// (13 digits), Unix seconds (10 digits) or `yyyyMMddHHmmss` in CST (14
/// digits)); anything else is `None`.
pub fn parse_b_timestamp(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match s.len() {
        13 => chrono::DateTime::from_timestamp_millis(s.parse().ok()?),
        10 => chrono::DateTime::from_timestamp(s.parse().ok()?, 0),
        14 => chrono::NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%S")
            .ok()?
            .and_local_timezone(rxdesk_core::time::cst())
            .single()
            .map(|t| t.with_timezone(&chrono::Utc)),
        _ => None,
    }
}

/// The unsigned-by-position header fields of a family-B request: `encType`
/// SM4, `signType` SM2, `version` [`B_VERSION`], a `timestamp` within
/// [`B_TIMESTAMP_WINDOW_S`] of `now`. Each must be a JSON string.
pub fn check_b_header(
    env: &serde_json::Map<String, Value>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ops::Fail> {
    let field = |k: &str| env.get(k).and_then(Value::as_str);
    for (k, want) in [
        ("encType", "SM4"),
        ("signType", "SM2"),
        ("version", B_VERSION),
    ] {
        if field(k) != Some(want) {
            return Err((
                codes::BAD_REQUEST,
                format!(
                    "{k} 必须为 {want}，收到 {}",
                    env.get(k).unwrap_or(&Value::Null)
                ),
            ));
        }
    }
    let Some(t) = field("timestamp").and_then(parse_b_timestamp) else {
        return Err((
            codes::BAD_REQUEST,
            format!(
                "timestamp 缺失或格式不对（应为毫秒/秒时间戳或 yyyyMMddHHmmss），收到 {}",
                env.get("timestamp").unwrap_or(&Value::Null)
            ),
        ));
    };
    if (t - now).num_seconds().abs() > B_TIMESTAMP_WINDOW_S {
        return Err((
            codes::BAD_REQUEST,
            format!("timestamp 与中心时间相差超过{B_TIMESTAMP_WINDOW_S}秒"),
        ));
    }
    Ok(())
}

fn header<'a>(h: &'a HeaderMap, k: &str) -> &'a str {
    h.get(k).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// A per-infno path (last segment = 4 digits) that names another
/// transaction than the body's `infno` is refused: the body was meant for
/// another endpoint (docs/protocol.md, "Emulator strictness").
fn path_mismatch_a(path: &str, infno: &str) -> Option<ops::Fail> {
    let last = path.rsplit('/').next().unwrap_or_default();
    (last.len() == 4 && last.bytes().all(|b| b.is_ascii_digit()) && last != infno).then(|| {
        (
            codes::BAD_REQUEST,
            format!("请求路径的交易编号 {last} 与报文 infno {infno} 不一致"),
        )
    })
}

async fn family_a(
    AxState(app): AxState<App>,
    Extension(kill): Extension<Kill>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let received = lock(&app).now();
    // 1. Envelope.
    let env: RequestEnvelope = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(e) => {
            let mut st = lock(&app);
            st.stats.count("invalid", Outcome::Rejected);
            let b = a_body(
                &mut st,
                &Err((codes::BAD_REQUEST, format!("报文不是合法的交易报文: {e}"))),
                received,
            );
            return json_response(b);
        }
    };
    // 2. Gateway signature.
    {
        let mut st = lock(&app);
        let paasid = header(&headers, rxdesk_center::xtif::PAASID);
        let ts = header(&headers, rxdesk_center::xtif::TIMESTAMP);
        let nonce = header(&headers, rxdesk_center::xtif::NONCE);
        let sig = header(&headers, rxdesk_center::xtif::SIGNATURE);
        let fail = match app.accounts.paas.iter().find(|(id, _)| id == paasid) {
            None => Some((
                codes::UNKNOWN_ACCOUNT,
                format!("未知的 x-tif-paasid: {paasid:?}"),
            )),
            Some((_, secret)) if !rxdesk_center::xtif::verify(ts, secret, nonce, sig) => Some((
                codes::BAD_GATEWAY_SIGNATURE,
                "x-tif-signature 校验失败".to_string(),
            )),
            Some(_) => match ts.parse::<i64>() {
                Ok(t) if (t - st.wire_now().timestamp()).abs() <= 300 => None,
                _ => Some((
                    codes::BAD_GATEWAY_SIGNATURE,
                    "x-tif-timestamp 与中心时间相差超过300秒".to_string(),
                )),
            },
        };
        if let Some(f) = fail {
            st.stats.count(&env.infno, Outcome::Rejected);
            let b = a_body(&mut st, &Err(f), received);
            return json_response(b);
        }
    }
    // 3. Faults before applying.
    let (plan, faults) = roll(&app, &env.infno);
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    if plan.error {
        return (StatusCode::SERVICE_UNAVAILABLE, "中心繁忙 (injected 503)").into_response();
    }
    if plan.reset_before || ops::hold_late_2102(&mut lock(&app), &env.infno, &env.msgid, &env.input)
    {
        return drop_connection(&kill).await;
    }
    // 4. Replay or apply. A msgid is an idempotency key for one request
    //    only: a reuse for another infno or with other input is refused (and
    //    not cached), never answered from the cache (that answer may name
    //    another patient); an identical resend gets the first answer.
    let body = {
        let mut st = lock(&app);
        if let Some(f) = path_mismatch_a(&path, &env.infno) {
            st.stats.count(&env.infno, Outcome::Rejected);
            a_body(&mut st, &Err(f), received)
        } else if let Some(c) = st
            .responses
            .get(&env.msgid)
            .cloned()
            .filter(|c| c.op != env.infno || c.input != env.input)
        {
            st.stats.count(&env.infno, Outcome::Rejected);
            let f = Err((
                codes::BAD_REQUEST,
                if c.op != env.infno {
                    format!("msgid {} 已用于交易 {}（报文ID重复）", env.msgid, c.op)
                } else {
                    format!(
                        "msgid {} 已用于另一笔 {} 交易，输入不同（报文ID重复）",
                        env.msgid, c.op
                    )
                },
            ));
            a_body(&mut st, &f, received)
        } else if let Some(c) = st.responses.get(&env.msgid).cloned() {
            st.stats.count(&c.op, Outcome::Duplicate);
            match app.duplicates.get() {
                crate::dedupe::DuplicateMsgid::Replay => c.body,
                crate::dedupe::DuplicateMsgid::Reject => {
                    let f = Err(crate::dedupe::already_received(&env.msgid));
                    a_body(&mut st, &f, received)
                }
            }
        } else {
            let result = if env.infno != "9001" && !st.sign_ins.contains_key(&env.sign_no) {
                Err((
                    codes::NOT_SIGNED_IN,
                    "未签到或签到已失效，请先 9001 签到".to_string(),
                ))
            } else {
                dispatch_a(&mut st, &env)
            };
            let b = a_body(&mut st, &result, received);
            let ok = result.is_ok();
            match &result {
                Ok(_) => {
                    tracing::info!(infno = %env.infno, msgid = %env.msgid, "family A accepted")
                }
                Err((code, msg)) => {
                    tracing::info!(infno = %env.infno, msgid = %env.msgid, code, %msg, "family A rejected")
                }
            }
            st.stats.count(
                &env.infno,
                if ok {
                    Outcome::Accepted
                } else {
                    Outcome::Rejected
                },
            );
            // Envelope-level refusals (not signed in) applied nothing: not cached.
            let not_signed_in = matches!(&result, Err((c, _)) if *c == codes::NOT_SIGNED_IN);
            if !env.msgid.is_empty() && !not_signed_in {
                st.responses.insert(
                    env.msgid.clone(),
                    Cached {
                        op: env.infno.clone(),
                        body: b.clone(),
                        input: env.input.clone(),
                        ok,
                    },
                );
            }
            if ok && !QUERIES.contains(&env.infno.as_str()) {
                let at = rxdesk_core::time::format_wire(st.now());
                st.uploads.push(Upload {
                    op: env.infno.clone(),
                    msgid: env.msgid.clone(),
                    at,
                    input: env.input.clone(),
                });
            }
            b
        }
    };
    deliver(body, plan, faults.slow_body_ms, &kill).await
}

fn b_unsigned(code: i64, msg: &str) -> Response {
    json_response(
        serde_json::to_vec(&json!({"code": code, "message": msg, "success": false}))
            .unwrap_or_default(),
    )
}

fn dispatch_b(st: &mut State, op: EpcOp, data: &Value) -> Result<Value, ops::Fail> {
    let snake = rename_keys(data.clone(), &|k: &str| camel_to_snake(k));
    let camel = |v: Value| rename_keys(v, &|k: &str| snake_to_camel(k));
    match op {
        EpcOp::QrDecode => ops::qr_decode(st, &ops::parse(&snake)?).map(camel),
        EpcOp::AuthQuery => {
            ops::auth_query(st, &ops::parse::<RxQueryInput>(&snake)?.data).map(camel)
        }
        EpcOp::Download => {
            let rx = ops::download(st, &ops::parse(&snake)?)?;
            Ok(serde_json::to_value(&rx.download).unwrap_or(Value::Null))
        }
        EpcOp::SignVerify => ops::sign_verify(st, &ops::parse(&snake)?).map(camel),
        EpcOp::AuditUpload => ops::audit(st, &ops::parse(&snake)?, true).map(camel),
        EpcOp::DeliveryUpload => ops::delivery(st, &ops::parse(&snake)?).map(camel),
        EpcOp::WriteOff => ops::write_off(st, &ops::parse(&snake)?).map(camel),
        EpcOp::SalesUpload => ops::sales_upload(st, &ops::parse(&snake)?).map(camel),
        EpcOp::SalesUndo => ops::sales_undo(st, &ops::parse(&snake)?).map(camel),
    }
}

async fn family_b(
    AxState(app): AxState<App>,
    Extension(kill): Extension<Kill>,
    Path(op_name): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(Value::Object(env)) = serde_json::from_slice::<Value>(&body) else {
        lock(&app).stats.count("invalid", Outcome::Rejected);
        return b_unsigned(codes::BAD_REQUEST, "报文不是 JSON 对象");
    };
    let app_id = envelope_b::request_app_id(&env)
        .unwrap_or_default()
        .to_string();
    let Some((_, secret, pk)) = app.accounts.apps.iter().find(|(id, _, _)| *id == app_id) else {
        lock(&app).stats.count(&op_name, Outcome::Rejected);
        return b_unsigned(codes::UNKNOWN_ACCOUNT, "未知的 appId");
    };
    let now = lock(&app).wire_now();
    if let Err((code, msg)) = check_b_header(&env, now) {
        lock(&app).stats.count(&op_name, Outcome::Rejected);
        return b_unsigned(code, &msg);
    }
    let (data, user_id) = match envelope_b::open_request_with_id(
        &env,
        secret,
        pk,
        &[rxdesk_gm::DEFAULT_USER_ID, secret],
    ) {
        Ok((d, uid)) => (d, uid.to_string()),
        Err(e) => {
            lock(&app).stats.count(&op_name, Outcome::Rejected);
            let code = match e {
                EnvelopeError::BadSignature(_) => codes::BAD_SIGNATURE,
                EnvelopeError::BadEncData(_) => codes::BAD_ENC_DATA,
                _ => codes::BAD_REQUEST,
            };
            return b_unsigned(code, &e.to_string());
        }
    };
    let Some(op) = EpcOp::from_b_name(&op_name) else {
        lock(&app).stats.count(&op_name, Outcome::Rejected);
        return b_unsigned(codes::UNKNOWN_OPERATION, "不支持的接口");
    };
    let (plan, faults) = roll(&app, &op_name);
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    if plan.error {
        return (StatusCode::SERVICE_UNAVAILABLE, "中心繁忙 (injected 503)").into_response();
    }
    if plan.reset_before {
        return drop_connection(&kill).await;
    }
    let key = format!(
        "B:{}",
        env.get("signData")
            .and_then(Value::as_str)
            .unwrap_or_default()
    );
    // Answer with the user-id convention the application used.
    let creds = Credentials {
        app_id: app_id.clone(),
        app_secret: secret.clone(),
        user_id,
    };
    let out = {
        let mut st = lock(&app);
        let cached = st.responses.get(&key).cloned();
        if let Some(c) = cached
            .as_ref()
            .filter(|c| c.op != op.b_name() || c.input != data)
        {
            // The same signed body sent to another operation's path (or,
            // impossibly for a verified signature, other data): refused and
            // not cached, never answered with the first path's answer.
            st.stats.count(op.b_name(), Outcome::Rejected);
            drop(st);
            return b_unsigned(
                codes::BAD_REQUEST,
                &format!(
                    "该报文（signData）已发送至接口 {}，不得重放到其他接口",
                    c.op
                ),
            );
        } else if let Some(c) = cached {
            st.stats.count(&c.op, Outcome::Duplicate);
            c.body
        } else {
            let result = dispatch_b(&mut st, op, &data).map(|mut v| {
                if op == EpcOp::Download {
                    add_route_codes(&mut v, "rxDrugDetail", "medcWayDscr", "medcWayCodg");
                }
                v
            });
            let ts = st.wire_now().timestamp_millis().to_string();
            let resp = match &result {
                Ok(v) => envelope_b::build_response(
                    &creds,
                    &app.accounts.platform_key,
                    0,
                    "成功",
                    Some(v),
                    &ts,
                ),
                Err((c, m)) => {
                    envelope_b::build_response(&creds, &app.accounts.platform_key, *c, m, None, &ts)
                }
            };
            let b = resp
                .map(|v| serde_json::to_vec(&v).unwrap_or_default())
                .unwrap_or_default();
            let ok = result.is_ok();
            match &result {
                Ok(_) => tracing::info!(op = op.b_name(), "family B accepted"),
                Err((code, msg)) => {
                    tracing::info!(op = op.b_name(), code, %msg, "family B rejected")
                }
            }
            st.stats.count(
                op.b_name(),
                if ok {
                    Outcome::Accepted
                } else {
                    Outcome::Rejected
                },
            );
            st.responses.insert(
                key.clone(),
                Cached {
                    op: op.b_name().into(),
                    body: b.clone(),
                    input: data.clone(),
                    ok,
                },
            );
            if ok && !op.is_query() && op != EpcOp::SignVerify {
                let at = rxdesk_core::time::format_wire(st.now());
                st.uploads.push(Upload {
                    op: op.b_name().into(),
                    msgid: key.chars().take(24).collect(),
                    at,
                    input: data.clone(),
                });
            }
            b
        }
    };
    deliver(out, plan, faults.slow_body_ms, &kill).await
}

// ------------------------------------------------------------------ admin

async fn crl(AxState(app): AxState<App>) -> Response {
    let der = lock(&app).crl_der.clone();
    ([("content-type", "application/pkix-crl")], der).into_response()
}

async fn ca_pem(AxState(app): AxState<App>) -> Response {
    let pem = lock(&app).ca.cert.to_pem();
    ([("content-type", "application/x-pem-file")], pem).into_response()
}

async fn stats(AxState(app): AxState<App>) -> Json<Value> {
    Json(serde_json::to_value(&lock(&app).stats).unwrap_or(Value::Null))
}

async fn get_faults(AxState(app): AxState<App>) -> Json<Faults> {
    Json(lock(&app).faults.clone())
}

async fn set_faults(AxState(app): AxState<App>, body: Bytes) -> Response {
    let f: Faults = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": format!("bad faults JSON: {e}")})),
            )
                .into_response()
        }
    };
    if let Err(e) = f.validate() {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": e}))).into_response();
    }
    lock(&app).set_faults(f.clone());
    tracing::info!(?f, "faults set");
    Json(f).into_response()
}

async fn clear_faults(AxState(app): AxState<App>) -> Json<Faults> {
    lock(&app).set_faults(Faults::default());
    Json(Faults::default())
}

#[derive(serde::Deserialize)]
struct OpQuery {
    op: Option<String>,
}

async fn uploads(AxState(app): AxState<App>, Query(q): Query<OpQuery>) -> Json<Value> {
    let st = lock(&app);
    let list: Vec<&Upload> = st
        .uploads
        .iter()
        .filter(|u| q.op.as_deref().is_none_or(|o| o == u.op))
        .collect();
    Json(serde_json::to_value(list).unwrap_or(Value::Null))
}

async fn persons(AxState(app): AxState<App>) -> Json<Value> {
    let st = lock(&app);
    let v: Vec<Value> = st
        .persons
        .values()
        .map(|p| json!({"psn_no": p.psn_no, "name": p.name, "certno": p.certno, "insutype": p.insutype,
            "ec_token": p.ec_token, "card_no": p.card_no, "card_sn": p.card_sn, "balance": p.balance.to_string(),
            "deductible_left": p.deductible_left.to_string(), "insuplc_admdvs": p.insuplc_admdvs}))
        .collect();
    Json(Value::Array(v))
}

/// `POST /admin/persons/{psn_no}/balance {"balance": "12.00"}`: the
/// person's 个人账户 balance from now on (a patient whose account pays all,
/// or only part, of what the fund leaves).
async fn set_balance(
    AxState(app): AxState<App>,
    Path(psn_no): Path<String>,
    body: Bytes,
) -> Response {
    #[derive(serde::Deserialize)]
    struct Balance {
        balance: rust_decimal::Decimal,
    }
    let b: Balance = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": e.to_string()})),
            )
                .into_response()
        }
    };
    if b.balance.is_sign_negative() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "a balance is not negative"})),
        )
            .into_response();
    }
    let mut st = lock(&app);
    let Some(p) = st.persons.get_mut(&psn_no) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no such person"})),
        )
            .into_response();
    };
    p.balance = b.balance;
    Json(json!({"psn_no": psn_no, "balance": p.balance.to_string()})).into_response()
}

async fn drugs(AxState(app): AxState<App>) -> Json<Value> {
    Json(serde_json::to_value(lock(&app).drugs.values().collect::<Vec<_>>()).unwrap_or(Value::Null))
}

async fn list_rx(AxState(app): AxState<App>) -> Json<Value> {
    let st = lock(&app);
    let v: Vec<Value> = st
        .rxs
        .values()
        .map(|r| {
            // The authorisation numbers 7202 handed out for it, so a rehearsal
            // finds its own prescription in a listing (two issued in the same
            // second share prsc_time and validity).
            let mut auth_rxnos: Vec<&str> = st
                .auth_rxnos
                .iter()
                .filter(|(_, t)| t.hi_rxno == r.hi_rxno)
                .map(|(a, _)| a.as_str())
                .collect();
            auth_rxnos.sort_unstable();
            json!({"hi_rxno": r.hi_rxno, "epc_qrcd": r.epc_qrcd, "label": r.label, "state": r.state, "auth_rxnos": auth_rxnos,
            "psn_no": r.psn_no, "hospital": r.hospital, "prsc_time": rxdesk_core::time::format_wire(r.prsc_time),
            "valid_end_time": rxdesk_core::time::format_wire(r.valid_end), "rept_flag": r.rept_flag,
            "reptd_cnt": r.reptd_cnt, "max_rept_cnt": r.max_rept_cnt, "setl_id": r.setl_id})
        })
        .collect();
    Json(Value::Array(v))
}

async fn create_rx(AxState(app): AxState<App>, body: Bytes) -> Response {
    let n: crate::seed::NewRx = match serde_json::from_slice(&body) {
        Ok(n) => n,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": e.to_string()})),
            )
                .into_response()
        }
    };
    let mut st = lock(&app);
    match crate::seed::create_rx(&mut st, &n) {
        Ok(id) => {
            let qr = st
                .rxs
                .get(&id)
                .map(|r| r.epc_qrcd.clone())
                .unwrap_or_default();
            Json(json!({"hi_rxno": id, "epc_qrcd": qr})).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({"error": e}))).into_response(),
    }
}

/// `POST /admin/clock {"advance_days": n}`: the center's business clock
/// moves n days ahead (prescription validity, reuse intervals, settlement
/// times); the gateway's timestamp check keeps the wall clock.
async fn advance_clock(AxState(app): AxState<App>, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct Advance {
        advance_days: i64,
    }
    let a: Advance = match serde_json::from_slice(&body) {
        Ok(a) => a,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": format!("bad clock JSON: {e}")})),
            )
                .into_response()
        }
    };
    if !(0..=3660).contains(&a.advance_days) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "advance_days must be between 0 and 3660"})),
        )
            .into_response();
    }
    let mut st = lock(&app);
    st.days_ahead += a.advance_days;
    tracing::info!(days_ahead = st.days_ahead, "center clock moved ahead");
    Json(json!({"days_ahead": st.days_ahead, "now": rxdesk_core::time::format_wire(st.now())}))
        .into_response()
}

async fn get_clock(AxState(app): AxState<App>) -> Response {
    let st = lock(&app);
    Json(json!({"days_ahead": st.days_ahead, "now": rxdesk_core::time::format_wire(st.now())}))
        .into_response()
}

async fn revoke_rx(AxState(app): AxState<App>, Path(id): Path<String>) -> Response {
    let mut st = lock(&app);
    let Some(r) = st.rxs.get_mut(&id) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no such prescription"})),
        )
            .into_response();
    };
    if matches!(
        r.state,
        crate::state::RxState::Settled | crate::state::RxState::Used
    ) {
        return (
            StatusCode::CONFLICT,
            Json(json!({"error": "已结算的处方不能撤销 (7104: 还未结算)"})),
        )
            .into_response();
    }
    r.state = crate::state::RxState::Revoked;
    r.download.rx_stas_codg = rxdesk_core::codes::RxStatus::Revoked;
    Json(json!({"hi_rxno": id, "state": "revoked"})).into_response()
}

async fn revoke_cert(AxState(app): AxState<App>, Path(code): Path<String>) -> Response {
    let mut st = lock(&app);
    let Some(h) = st.hospitals.get_mut(&code) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no such hospital"})),
        )
            .into_response();
    };
    h.cert_revoked = true;
    let sn = h.cert.serial_hex();
    match crate::seed::refresh_crl(&mut st) {
        Ok(()) => {
            Json(json!({"hospital": code, "revoked_serial": sn, "crl_number": st.crl_number}))
                .into_response()
        }
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}
