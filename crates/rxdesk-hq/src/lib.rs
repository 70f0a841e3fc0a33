//! # rxdesk-hq — the chain's head office service
//!
//! Why this crate exists: when a pharmacy grows into a chain, its counters
//! (each with its own SQLite ledger) sync with one head office that keeps
//! every store's records in PostgreSQL (`rxdesk-chain`) and owns the
//! catalogue and prices. This crate is that service: the sync endpoints the
//! counters call, the admin endpoints of the chain manager, and the
//! manager's views as JSON and as plain server-rendered HTML pages
//! (docs/decisions/0017-chain-storage-and-sync.md).
//!
//! Every refusal is a [`rxdesk_sync::SyncRefusal`] with a stable code and
//! the right HTTP status; bodies are read up to a limit and parsed by hand,
//! so no body can make a handler panic (tests/hq.rs sends arbitrary bytes).
#![forbid(unsafe_code)]

pub mod auth;
pub mod csv;
pub mod html;

use std::sync::Arc;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use rxdesk_chain::{views, ChainDb, ChainError, Site, VersionWindow};
use rxdesk_sync::{
    Product, PullRequest, PushRequest, RegisterRequest, SyncRefusal, MACHINE_HEADER,
    PROTOCOL_HEADER, PULL_PAGE, PUSH_BATCH,
};
use serde::{Deserialize, Serialize};

/// Default body limit: a full push batch of large records fits well.
pub const DEFAULT_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// How head office runs.
#[derive(Debug, Clone)]
pub struct HqConfig {
    /// The chain manager's admin token (admin endpoints and views).
    pub admin_token: String,
    /// The protocol versions accepted.
    pub window: VersionWindow,
    /// The largest request body read.
    pub body_limit: usize,
}

struct Inner {
    db: ChainDb,
    admin_hash: String,
    window: VersionWindow,
    body_limit: usize,
    session_ttl_ms: i64,
    throttle: auth::Throttle,
}

/// The service's shared state.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    /// Head office over `db` with `config`.
    pub fn new(db: ChainDb, config: HqConfig) -> AppState {
        AppState(Arc::new(Inner {
            db,
            admin_hash: rxdesk_chain::hash_secret(&config.admin_token),
            window: config.window,
            body_limit: config.body_limit,
            session_ttl_ms: auth::SESSION_TTL_MS,
            throttle: auth::Throttle::default(),
        }))
    }

    /// The same with manager sessions lasting `ms` (tests shorten it).
    pub fn with_session_ttl_ms(self, ms: i64) -> AppState {
        let inner = Arc::try_unwrap(self.0).unwrap_or_else(|shared| Inner {
            db: shared.db.clone(),
            admin_hash: shared.admin_hash.clone(),
            window: shared.window,
            body_limit: shared.body_limit,
            session_ttl_ms: shared.session_ttl_ms,
            throttle: auth::Throttle::default(),
        });
        AppState(Arc::new(Inner {
            session_ttl_ms: ms,
            ..inner
        }))
    }

    fn session_ttl_ms(&self) -> i64 {
        self.0.session_ttl_ms
    }

    fn throttle(&self) -> &auth::Throttle {
        &self.0.throttle
    }

    fn is_admin_token(&self, presented: &str) -> bool {
        rxdesk_chain::hash_secret(presented) == self.0.admin_hash
    }

    /// The chain database.
    pub fn db(&self) -> &ChainDb {
        &self.0.db
    }
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A refusal as sent: status, `SyncRefusal` body and, when the caller
/// should wait, the seconds of a `Retry-After` header.
#[derive(Debug)]
pub struct Refusal(pub StatusCode, pub SyncRefusal, pub Option<i64>);

impl Refusal {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Refusal {
        Refusal(
            status,
            SyncRefusal {
                code: code.into(),
                message: message.into(),
                issues: Vec::new(),
            },
            None,
        )
    }

    fn malformed(message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, "malformed", message)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = serde_json::to_string(&self.1).unwrap_or_else(|_| "{}".into());
        let mut r = (self.0, body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(secs) = self.2 {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if self.0 == StatusCode::UNAUTHORIZED && self.1.code == "admin_required" {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"RxDesk HQ\", charset=\"UTF-8\""),
            );
        }
        r
    }
}

impl From<ChainError> for Refusal {
    fn from(e: ChainError) -> Refusal {
        let status = match &e {
            ChainError::BadToken => StatusCode::UNAUTHORIZED,
            ChainError::MachineMismatch
            | ChainError::UnknownSite
            | ChainError::BadRegistrationCode => StatusCode::FORBIDDEN,
            ChainError::VersionTooOld { .. } | ChainError::VersionTooNew { .. } => {
                StatusCode::UPGRADE_REQUIRED
            }
            ChainError::CounterTaken(_) | ChainError::StoreExists | ChainError::ManagerExists => {
                StatusCode::CONFLICT
            }
            ChainError::BadStoreCode | ChainError::BadManagerName | ChainError::WeakPassword => {
                StatusCode::BAD_REQUEST
            }
            ChainError::SessionUnknown | ChainError::SessionExpired => StatusCode::UNAUTHORIZED,
            ChainError::Db(_)
            | ChainError::Corrupt(_)
            | ChainError::Random(_)
            | ChainError::BadUrl => {
                tracing::error!(error = %e, "head office failed");
                return Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "head office could not answer; see its log",
                );
            }
        };
        Refusal::new(status, e.code(), e.to_string())
    }
}

fn json<T: Serialize>(status: StatusCode, v: &T) -> Response {
    match serde_json::to_string(v) {
        Ok(s) => (status, [(header::CONTENT_TYPE, "application/json")], s).into_response(),
        Err(_) => {
            Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "encoding").into_response()
        }
    }
}

async fn read_body(state: &AppState, body: Body) -> Result<Bytes, Refusal> {
    to_bytes(body, state.0.body_limit).await.map_err(|_| {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body exceeds {} bytes", state.0.body_limit),
        )
    })
}

fn parse<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, Refusal> {
    serde_json::from_slice(bytes).map_err(|e| Refusal::malformed(e.to_string()))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

async fn site_of(state: &AppState, headers: &HeaderMap, version: u32) -> Result<Site, Refusal> {
    let token = bearer(headers)
        .ok_or_else(|| Refusal::new(StatusCode::UNAUTHORIZED, "bad_token", "no bearer token"))?;
    let machine = headers
        .get(MACHINE_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            Refusal::new(
                StatusCode::FORBIDDEN,
                "machine_mismatch",
                format!("no {MACHINE_HEADER} header"),
            )
        })?;
    Ok(state
        .0
        .db
        .authenticate(token, machine, version, state.0.window)
        .await?)
}

fn same_site(site: &Site, claimed: uuid::Uuid) -> Result<(), Refusal> {
    if site.site_id == claimed {
        Ok(())
    } else {
        Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "unknown_site",
            "the request names a site other than the token's",
        ))
    }
}

async fn register(State(state): State<AppState>, body: Body) -> Result<Response, Refusal> {
    let bytes = read_body(&state, body).await?;
    let req: RegisterRequest = parse(&bytes)?;
    let r = state
        .0
        .db
        .register_site(&req, state.0.window, now_ms())
        .await?;
    Ok(json(StatusCode::OK, &r))
}

async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    let bytes = read_body(&state, body).await?;
    let req: PushRequest = parse(&bytes)?;
    let site = site_of(&state, &headers, req.protocol_version).await?;
    same_site(&site, req.site_id)?;
    if req.records.len() > PUSH_BATCH * 4 {
        return Err(Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("at most {} records per batch", PUSH_BATCH * 4),
        ));
    }
    let r = state.0.db.integrate(&site, req.records, now_ms()).await?;
    if r.issues.is_empty() {
        Ok(json(StatusCode::OK, &r))
    } else {
        let mut refusal = Refusal::new(
            StatusCode::CONFLICT,
            "batch_refused",
            format!(
                "the batch was not integrated: {} record(s) refused (first: {})",
                r.issues.len(),
                r.issues[0].code
            ),
        );
        refusal.1.issues = r.issues;
        Err(refusal)
    }
}

async fn pull(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    let bytes = read_body(&state, body).await?;
    let req: PullRequest = parse(&bytes)?;
    let site = site_of(&state, &headers, req.protocol_version).await?;
    same_site(&site, req.site_id)?;
    let limit = req.limit.clamp(1, (PULL_PAGE * 4) as u32);
    let r = state
        .0
        .db
        .pull(&site, req.after_cursor, limit, now_ms())
        .await?;
    Ok(json(StatusCode::OK, &r))
}

async fn status(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Refusal> {
    let version = headers
        .get(PROTOCOL_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok())
        .ok_or_else(|| Refusal::malformed(format!("no numeric {PROTOCOL_HEADER} header")))?;
    let site = site_of(&state, &headers, version).await?;
    Ok(json(StatusCode::OK, &state.0.db.site_status(&site).await?))
}

/// The chain manager: `Authorization: Bearer <admin token>`, or HTTP Basic
/// with the admin token as password (a browser's own login prompt).
fn admin(state: &AppState, headers: &HeaderMap) -> Result<(), Refusal> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            if let Some(t) = v.strip_prefix("Bearer ") {
                Some(t.trim().to_string())
            } else {
                let b = v.strip_prefix("Basic ")?;
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(b.trim())
                    .ok()?;
                let s = String::from_utf8(raw).ok()?;
                s.split_once(':').map(|(_, p)| p.to_string())
            }
        });
    match presented {
        Some(t) if state.is_admin_token(&t) => Ok(()),
        _ => Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "admin_required",
            "the chain manager's admin token is required",
        )),
    }
}

/// `POST /v1/admin/stores` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AddStore {
    /// 定点医药机构编码 (12 characters).
    pub store_code: String,
    /// Name.
    pub name: String,
}

/// `POST /v1/admin/stores` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoreAdded {
    /// The store.
    pub store_code: String,
    /// The code its counters register with (shown once).
    pub registration_code: String,
}

async fn add_store(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    admin(&state, &headers)?;
    let bytes = read_body(&state, body).await?;
    let req: AddStore = parse(&bytes)?;
    let code = state
        .0
        .db
        .add_store(&req.store_code, &req.name, now_ms())
        .await?;
    Ok(json(
        StatusCode::OK,
        &StoreAdded {
            store_code: req.store_code,
            registration_code: code,
        },
    ))
}

async fn publish_products(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    admin(&state, &headers)?;
    let bytes = read_body(&state, body).await?;
    let products: Vec<Product> = parse(&bytes)?;
    let n = state.0.db.publish_products(products, now_ms()).await?;
    Ok(json(StatusCode::OK, &serde_json::json!({ "published": n })))
}

async fn resolve_issue(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Refusal> {
    let who = auth::admit(&state, &headers).await?;
    let id: i64 = id
        .parse()
        .map_err(|_| Refusal::malformed("an issue id is a number"))?;
    let found = state.0.db.resolve_issue(id).await?;
    if found {
        tracing::info!(issue = id, by = ?who.viewer, "sync issue resolved");
        Ok(json(StatusCode::OK, &serde_json::json!({ "resolved": id })))
    } else {
        Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "unknown_issue",
            "no such issue",
        ))
    }
}

/// Which view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Stores and their sites.
    Stores,
    /// Uploads to the 医保 center by state.
    Uploads,
    /// Integration failures.
    Issues,
    /// Reconciliation per store and day.
    Reconciliation,
    /// Regulator figures.
    Regulator,
    /// Price monitor.
    Prices,
}

impl View {
    /// Every view, in menu order.
    pub const ALL: [View; 6] = [
        View::Stores,
        View::Uploads,
        View::Issues,
        View::Reconciliation,
        View::Regulator,
        View::Prices,
    ];

    /// Its path segment.
    pub fn slug(self) -> &'static str {
        match self {
            View::Stores => "stores",
            View::Uploads => "uploads",
            View::Issues => "issues",
            View::Reconciliation => "reconciliation",
            View::Regulator => "regulator",
            View::Prices => "prices",
        }
    }

    fn parse(s: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.slug() == s)
    }
}

/// The data of one view.
pub enum ViewData {
    /// Stores and their sites.
    Stores(Vec<views::StoreView>),
    /// Uploads by state.
    Uploads(Vec<views::UploadCount>),
    /// Issues.
    Issues(Vec<views::IssueView>),
    /// Reconciliation.
    Reconciliation(Vec<views::DayReconciliation>),
    /// Regulator figures.
    Regulator(Vec<views::RegulatorFigures>),
    /// Prices.
    Prices(Vec<views::PriceRow>),
}

async fn load(db: &ChainDb, v: View) -> Result<ViewData, ChainError> {
    Ok(match v {
        View::Stores => ViewData::Stores(views::stores(db).await?),
        View::Uploads => ViewData::Uploads(views::uploads(db).await?),
        View::Issues => ViewData::Issues(views::issues(db, None, false).await?),
        View::Reconciliation => ViewData::Reconciliation(views::reconciliation(db).await?),
        View::Regulator => ViewData::Regulator(views::regulator(db).await?),
        View::Prices => ViewData::Prices(views::prices(db).await?),
    })
}

async fn view_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, Refusal> {
    auth::admit(&state, &headers).await?;
    let v = View::parse(&name)
        .ok_or_else(|| Refusal::new(StatusCode::NOT_FOUND, "unknown_view", "no such view"))?;
    Ok(match load(&state.0.db, v).await? {
        ViewData::Stores(x) => json(StatusCode::OK, &x),
        ViewData::Uploads(x) => json(StatusCode::OK, &x),
        ViewData::Issues(x) => json(StatusCode::OK, &x),
        ViewData::Reconciliation(x) => json(StatusCode::OK, &x),
        ViewData::Regulator(x) => json(StatusCode::OK, &x),
        ViewData::Prices(x) => json(StatusCode::OK, &x),
    })
}

async fn view_html(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, Response> {
    // A page refused for want of a (valid) sign-in asks the browser for the
    // manager's name and password again: an ended or expired session's
    // cookie must not leave the browser stuck without a prompt.
    let who = auth::admit(&state, &headers).await.map_err(|r| {
        let ask = r.0 == StatusCode::UNAUTHORIZED;
        let mut resp = r.into_response();
        if ask {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"RxDesk HQ\", charset=\"UTF-8\""),
            );
        }
        resp
    })?;
    let v = View::parse(&name).ok_or_else(|| {
        Refusal::new(StatusCode::NOT_FOUND, "unknown_view", "no such view").into_response()
    })?;
    let data = load(&state.0.db, v)
        .await
        .map_err(|e| Refusal::from(e).into_response())?;
    Ok(auth::with_cookie(
        axum::response::Html(html::render(v, &data)).into_response(),
        who.new_session.as_ref(),
    ))
}

async fn chain_home(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    view_html(State(state), headers, Path("stores".to_string())).await
}

/// The service's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/sites/register", post(register))
        .route("/v1/sync/push", post(push))
        .route("/v1/sync/pull", post(pull))
        .route("/v1/sync/status", get(status))
        .route("/v1/admin/stores", post(add_store))
        .route("/v1/admin/products", post(publish_products))
        .route("/v1/admin/issues/{id}/resolve", post(resolve_issue))
        .route("/v1/issues/{id}/resolve", post(resolve_issue))
        .route("/v1/managers/login", post(auth::login))
        .route("/v1/managers/logout", post(auth::logout))
        .route("/v1/views/{name}", get(view_json))
        .route("/chain", get(chain_home))
        .route("/chain/{name}", get(view_html))
        .with_state(state)
}

/// Serves head office on `listener` until the future is dropped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}
