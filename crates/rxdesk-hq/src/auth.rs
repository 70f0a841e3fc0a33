//! Who may read the chain views: a named chain manager with a session, or
//! the admin token (bootstrap, scripts).
//!
//! Why a module of its own: signing in is where head office meets people,
//! so it must refuse the same way whether the name exists or not (an
//! unknown name is checked against a dummy argon2id hash), slow down
//! repeated failures and lock a name after [`LOCK_AFTER`] failures within
//! [`FAILURE_WINDOW_MS`], and never keep a session token in clear (only its
//! SHA-256 hash is stored, `rxdesk_chain::managers`).
//!
//! - `POST /v1/managers/login` `{name, password}` → `{token, manager, expires_at}`;
//!   `bad_credentials` (401) or `login_locked` (429, `Retry-After`).
//! - `POST /v1/managers/logout` with `Authorization: Bearer <token>`.
//! - The views accept `Authorization: Bearer <session or admin token>`, the
//!   `rxdesk_hq_session` cookie, or HTTP Basic (a browser's own prompt: the
//!   manager's name and password, which opens a session and sets the cookie;
//!   or any name with the admin token).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use rxdesk_chain::managers::{verify_password, OpenedSession, DUMMY_HASH};
use rxdesk_chain::ChainError;
use serde::{Deserialize, Serialize};

use crate::{bearer, json, now_ms, parse, read_body, AppState, Refusal};

/// How long a session lasts: a working day.
pub const SESSION_TTL_MS: i64 = 10 * 3_600_000;
/// Failures of one name within [`FAILURE_WINDOW_MS`] that lock it.
pub const LOCK_AFTER: u32 = 5;
/// The window failures are counted in, and how long a lock lasts.
pub const FAILURE_WINDOW_MS: i64 = 15 * 60_000;
/// The delay added per failure so far before a refusal is answered.
pub const FAILURE_DELAY_STEP: Duration = Duration::from_millis(200);
/// The session cookie of the HTML pages.
pub const SESSION_COOKIE: &str = "rxdesk_hq_session";

/// `POST /v1/managers/login` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    /// The manager's name.
    pub name: String,
    /// Their password.
    pub password: String,
}

/// `POST /v1/managers/login` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginResponse {
    /// The session's bearer token (shown once).
    pub token: String,
    /// The manager's name.
    pub manager: String,
    /// When the session ends (Unix ms).
    pub expires_at: i64,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first_at: i64,
}

/// Failed sign-ins per name (lower-cased), in memory: a restart forgets
/// them, which only gives an attacker a fresh window after an operator
/// restarted head office.
#[derive(Debug, Default)]
pub struct Throttle(Mutex<HashMap<String, Failures>>);

impl Throttle {
    fn key(name: &str) -> String {
        name.trim().to_lowercase()
    }

    /// Until when the name is locked, if it is.
    fn locked_until(&self, name: &str, now: i64) -> Option<i64> {
        let m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let f = m.get(&Self::key(name))?;
        (f.count >= LOCK_AFTER && now < f.first_at + FAILURE_WINDOW_MS)
            .then_some(f.first_at + FAILURE_WINDOW_MS)
    }

    /// Counts a failure; returns the failures within the window so far.
    fn fail(&self, name: &str, now: i64) -> u32 {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() > 10_000 {
            m.retain(|_, f| now < f.first_at + FAILURE_WINDOW_MS);
        }
        let f = m.entry(Self::key(name)).or_insert(Failures {
            count: 0,
            first_at: now,
        });
        if now >= f.first_at + FAILURE_WINDOW_MS {
            *f = Failures {
                count: 0,
                first_at: now,
            };
        }
        f.count += 1;
        f.count
    }

    fn succeed(&self, name: &str) {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        m.remove(&Self::key(name));
    }
}

fn locked(until: i64, now: i64) -> Refusal {
    let secs = ((until - now) / 1000).max(1);
    let mut r = Refusal::new(
        StatusCode::TOO_MANY_REQUESTS,
        "login_locked",
        format!("too many failed sign-ins for this name; try again in {secs} s"),
    );
    r.2 = Some(secs);
    r
}

/// Checks a name and password and opens a session, with the throttle.
pub(crate) async fn sign_in(
    state: &AppState,
    name: &str,
    password: &str,
) -> Result<OpenedSession, Refusal> {
    let now = now_ms();
    if let Some(until) = state.throttle().locked_until(name, now) {
        tracing::warn!(manager = name, "sign-in refused: name locked");
        return Err(locked(until, now));
    }
    let stored = state.db().manager_password_hash(name).await?;
    let known = stored.is_some();
    let phc = stored.unwrap_or_else(|| DUMMY_HASH.to_string());
    let pw = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &phc))
        .await
        .unwrap_or(false)
        && known;
    if !ok {
        let n = state.throttle().fail(name, now);
        tracing::warn!(manager = name, failures = n, "chain manager sign-in failed");
        tokio::time::sleep(FAILURE_DELAY_STEP * n.min(10)).await;
        if n >= LOCK_AFTER {
            return Err(locked(now + FAILURE_WINDOW_MS, now));
        }
        return Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "the name or the password is wrong",
        ));
    }
    state.throttle().succeed(name);
    Ok(state
        .db()
        .open_manager_session(name, now, state.session_ttl_ms())
        .await?)
}

pub(crate) async fn login(State(state): State<AppState>, body: Body) -> Result<Response, Refusal> {
    let bytes = read_body(&state, body).await?;
    let req: LoginRequest = parse(&bytes)?;
    let s = sign_in(&state, &req.name, &req.password).await?;
    Ok(json(
        StatusCode::OK,
        &LoginResponse {
            token: s.token,
            manager: s.manager,
            expires_at: s.expires_at,
        },
    ))
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    let token = bearer(&headers).ok_or_else(|| {
        Refusal::new(
            StatusCode::UNAUTHORIZED,
            "session_unknown",
            "no bearer token",
        )
    })?;
    let ended = state.db().close_manager_session(token).await?;
    Ok(json(StatusCode::OK, &serde_json::json!({ "ended": ended })))
}

/// Who is reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// The admin token's holder.
    Admin,
    /// A named chain manager.
    Manager(String),
}

/// A viewer, and a session just opened by HTTP Basic (its cookie to set).
pub(crate) struct Admitted {
    pub viewer: Viewer,
    pub new_session: Option<OpenedSession>,
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.trim().to_string())
}

fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let b = v.strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b.trim())
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    s.split_once(':')
        .map(|(u, p)| (u.to_string(), p.to_string()))
}

async fn session(state: &AppState, token: &str) -> Result<Viewer, Refusal> {
    match state.db().manager_of_session(token, now_ms()).await {
        Ok(m) => Ok(Viewer::Manager(m)),
        Err(e @ (ChainError::SessionUnknown | ChainError::SessionExpired)) => Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            e.code(),
            e.to_string(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The admin token, a manager session (bearer or cookie) or, from a
/// browser, HTTP Basic credentials.
pub(crate) async fn admit(state: &AppState, headers: &HeaderMap) -> Result<Admitted, Refusal> {
    let plain = |viewer| Admitted {
        viewer,
        new_session: None,
    };
    if let Some(t) = bearer(headers) {
        if state.is_admin_token(t) {
            return Ok(plain(Viewer::Admin));
        }
        return session(state, t).await.map(plain);
    }
    if let Some((user, pass)) = basic(headers) {
        if state.is_admin_token(&pass) {
            return Ok(plain(Viewer::Admin));
        }
        // A session cookie from an earlier page spares the password check.
        if let Some(c) = cookie(headers) {
            if let Ok(v) = session(state, &c).await {
                return Ok(plain(v));
            }
        }
        let s = sign_in(state, &user, &pass).await?;
        return Ok(Admitted {
            viewer: Viewer::Manager(s.manager.clone()),
            new_session: Some(s),
        });
    }
    if let Some(c) = cookie(headers) {
        return session(state, &c).await.map(plain);
    }
    Err(Refusal::new(
        StatusCode::UNAUTHORIZED,
        "admin_required",
        "sign in as a chain manager (or present the admin token)",
    ))
}

/// Sets the session cookie of a session opened by HTTP Basic.
pub(crate) fn with_cookie(mut r: Response, s: Option<&OpenedSession>) -> Response {
    if let Some(s) = s {
        let max_age = ((s.expires_at - now_ms()) / 1000).max(0);
        let c = format!(
            "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}",
            s.token
        );
        if let Ok(v) = HeaderValue::from_str(&c) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}
