//! The chain manager's desk in the counter app: sign in to head office
//! with a manager's name and password, read the chain views, resolve a
//! failure, sign out.
//!
//! Why it exists: a chain manager works from any counter of the chain (or
//! a browser on head office's `/chain/*` pages); the desktop app shows the
//! same views from head office's JSON (`/v1/views/*`), never from the
//! counter's own ledger. The session token stays in this process
//! ([`ChainManagerDesk`]), never in the window; the views cross to the
//! window as camelCase `ts-rs` types with money as decimal strings.
//!
//! Every failure is a [`ManagerHqError`] with a stable code (the window's
//! error catalogue renders it in zh-CN and en-US).

use std::time::Duration;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

/// How long a call to head office may take.
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// Why a call of the chain manager's desk failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManagerHqError {
    /// This ledger is not registered with a head office.
    #[error("this counter is not registered with a head office")]
    NotRegistered,
    /// Nobody is signed in at head office from this window.
    #[error("no chain manager is signed in")]
    NotSignedIn,
    /// Head office could not be reached.
    #[error("head office unreachable: {0}")]
    Unreachable(String),
    /// Wrong name or password (head office does not say which).
    #[error("wrong name or password")]
    BadCredentials,
    /// Too many failed sign-ins for this name.
    #[error("too many failed sign-ins; try again in {retry_after_s} s")]
    Locked {
        /// Seconds until the name unlocks.
        retry_after_s: i64,
    },
    /// The session has expired.
    #[error("the session has expired")]
    SessionExpired,
    /// Head office no longer knows the session (signed out elsewhere, password changed).
    #[error("the session has ended")]
    SessionEnded,
    /// No such failure to resolve.
    #[error("no such failure at head office")]
    UnknownIssue,
    /// Head office refused with another code.
    #[error("head office refused: {code}: {message}")]
    Refused {
        /// Head office's code.
        code: String,
        /// Its words (English).
        message: String,
    },
    /// Head office answered outside what this version reads.
    #[error("head office answered outside the protocol: {0}")]
    Protocol(String),
}

impl ManagerHqError {
    /// The stable code (the IPC error code is `CHAIN_` + its upper case).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotRegistered => "chain_not_registered",
            Self::NotSignedIn => "chain_manager_signed_out",
            Self::Unreachable(_) => "hq_unreachable",
            Self::BadCredentials => "bad_credentials",
            Self::Locked { .. } => "login_locked",
            Self::SessionExpired => "session_expired",
            Self::SessionEnded => "session_unknown",
            Self::UnknownIssue => "unknown_issue",
            Self::Refused { .. } => "hq_refused",
            Self::Protocol(_) => "hq_protocol",
        }
    }
}

/// A signed-in manager as the window sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChainManagerSession {
    /// The manager's name.
    pub manager: String,
    /// Head office's URL.
    pub hq_url: String,
    /// When the session ends (Unix ms).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub expires_at: i64,
}

/// A counter of a store (the stores view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChainCounterRow {
    /// Terminal number.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub counter_no: i64,
    /// Last accepted upload to head office (Unix ms).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub last_push_at: Option<i64>,
    /// Records waiting for it at head office.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub backlog: i64,
    /// Its unresolved failures.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub open_issues: i64,
    /// Head office's code of its last refused upload ("" when none).
    pub last_error: String,
}

/// A store and its counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChainStoreRow {
    /// 定点医药机构编码.
    pub store_code: String,
    /// Its name.
    pub name: String,
    /// Its counters.
    pub counters: Vec<ChainCounterRow>,
}

/// Uploads to the 医保 center of one store, 交易编号 and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChainUploadRow {
    /// Store.
    pub store_code: String,
    /// 交易编号 (2101, 3501, …).
    pub op: String,
    /// pending, sending, uncertain, done, rejected, voided.
    pub state: String,
    /// How many.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: i64,
}

/// A record head office refused or blocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChainFailureRow {
    /// Its id at head office (to resolve it).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    /// Store.
    pub store_code: String,
    /// The record's table.
    pub table: String,
    /// Head office's stable code (`trace_code_sold_twice`, …).
    pub code: String,
    /// Head office's words (English, for support), trace codes masked.
    pub message: String,
    /// When (Unix ms).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub at: i64,
    /// Resolved by a manager.
    pub resolved: bool,
}

/// A store's day against its 3201.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChainDayRow {
    /// Store.
    pub store_code: String,
    /// yyyy-MM-dd (China Standard Time).
    pub day: String,
    /// Settlements counted.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub settlements: i64,
    /// Counters that settled.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub counters: i64,
    /// 医疗费总额 (decimal string).
    pub medfee_sumamt: String,
    /// 基金支付总额.
    pub fund_pay_sumamt: String,
    /// 个人账户支出.
    pub acct_pay: String,
    /// 个人现金支出.
    pub psn_cash_pay: String,
    /// The store's reconciliation outcome that day (`balanced`, …), if any.
    pub outcome: Option<String>,
    /// The same day per 险种 (the center's 3201 is per 险种).
    pub by_insutype: Vec<ChainInsutypeRow>,
}

/// One 险种's share of a store's day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChainInsutypeRow {
    /// 险种类型 code (e.g. `310`), empty when the counter did not know it.
    pub insutype: String,
    /// Settlements that stand.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub settlements: i64,
    /// 医疗费总额 (decimal string).
    pub medfee_sumamt: String,
    /// 基金支付总额.
    pub fund_pay_sumamt: String,
}

/// The regulator's figures of a store, or of the chain (`storeCode` "").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChainRegulatorRow {
    /// Store; empty for the whole chain.
    pub store_code: String,
    /// Sales.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub sales: i64,
    /// Their total (decimal string).
    pub sales_amount: String,
    /// 医保 fund paid, net of refunds.
    pub fund_paid: String,
    /// Refunds.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refunds: i64,
    /// Sale lines.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub lines: i64,
    /// Lines with a trace code.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub lines_with_codes: i64,
    /// Trace-code coverage, percent with two decimals.
    pub trace_coverage_pct: String,
}

/// A store's prices of one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChainStorePriceRow {
    /// Store.
    pub store_code: String,
    /// Distinct unit prices sold at (decimal strings), ascending.
    pub prices: Vec<String>,
    /// Some price differs from the chain's.
    pub differs: bool,
}

/// One product of the price monitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChainPriceRow {
    /// 定点医药机构目录编号.
    pub fixmedins_hilist_id: String,
    /// Name ("" when not in the published catalogue).
    pub name: String,
    /// The chain's published price, if any.
    pub chain_price: Option<String>,
    /// Per store.
    pub stores: Vec<ChainStorePriceRow>,
}

/// Every chain view at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ChainViews {
    /// Stores and their counters.
    pub stores: Vec<ChainStoreRow>,
    /// Uploads to the 医保 center.
    pub uploads: Vec<ChainUploadRow>,
    /// Refused or blocked records.
    pub failures: Vec<ChainFailureRow>,
    /// Per store and day.
    pub reconciliation: Vec<ChainDayRow>,
    /// Per store, then the chain's (last, `storeCode` "").
    pub regulator: Vec<ChainRegulatorRow>,
    /// The price monitor.
    pub prices: Vec<ChainPriceRow>,
    /// When read (Unix ms).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub fetched_at: i64,
}

// ---- head office's JSON, as `rxdesk_chain::views` serialises it ----

#[derive(Deserialize)]
struct WireSite {
    counter_no: i64,
    last_push_at: Option<i64>,
    backlog: i64,
    last_error: String,
    open_issues: i64,
}

#[derive(Deserialize)]
struct WireStore {
    store_code: String,
    name: String,
    sites: Vec<WireSite>,
}

#[derive(Deserialize)]
struct WireUpload {
    store_code: String,
    op: String,
    state: String,
    count: i64,
}

#[derive(Deserialize)]
struct WireIssue {
    id: i64,
    store_code: String,
    table: String,
    code: String,
    message: String,
    at: i64,
    resolved: bool,
}

#[derive(Deserialize)]
struct WireDay {
    store_code: String,
    day: String,
    settlements: i64,
    counters: i64,
    medfee_sumamt: Decimal,
    fund_pay_sumamt: Decimal,
    acct_pay: Decimal,
    psn_cash_pay: Decimal,
    outcome: Option<String>,
    #[serde(default)]
    by_insutype: Vec<WireInsutype>,
}

#[derive(Deserialize)]
struct WireInsutype {
    insutype: String,
    settlements: i64,
    medfee_sumamt: Decimal,
    fund_pay_sumamt: Decimal,
}

#[derive(Deserialize)]
struct WireRegulator {
    store_code: String,
    sales: i64,
    sales_amount: Decimal,
    fund_paid: Decimal,
    refunds: i64,
    lines: i64,
    lines_with_codes: i64,
    trace_coverage_pct: Decimal,
}

#[derive(Deserialize)]
struct WireStorePrice {
    store_code: String,
    prices: Vec<Decimal>,
    differs: bool,
}

#[derive(Deserialize)]
struct WirePrice {
    fixmedins_hilist_id: String,
    name: String,
    chain_price: Option<Decimal>,
    stores: Vec<WireStorePrice>,
}

#[derive(Deserialize)]
struct WireLogin {
    token: String,
    manager: String,
    expires_at: i64,
}

#[derive(Deserialize)]
struct WireRefusal {
    code: String,
    #[serde(default)]
    message: String,
}

/// Money with two decimals at least (`12.5` → `12.50`), never a float.
fn money(d: Decimal) -> String {
    if d.scale() < 2 {
        format!("{:.2}", d)
    } else {
        d.to_string()
    }
}

/// A signed-in manager's client of head office.
#[derive(Debug, Clone)]
pub struct ManagerClient {
    http: reqwest::Client,
    base: String,
    token: String,
    session: ChainManagerSession,
}

fn http() -> Result<reqwest::Client, ManagerHqError> {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| ManagerHqError::Protocol(format!("cannot build HTTP client: {e}")))
}

fn base_of(url: &str) -> Result<String, ManagerHqError> {
    let base = url.trim().trim_end_matches('/').to_string();
    if base.starts_with("http://") || base.starts_with("https://") {
        Ok(base)
    } else {
        Err(ManagerHqError::Protocol(format!(
            "HQ URL must start with http:// or https://, got {base:?}"
        )))
    }
}

async fn answer<T: serde::de::DeserializeOwned>(
    resp: Result<reqwest::Response, reqwest::Error>,
    what: &str,
) -> Result<T, ManagerHqError> {
    let resp = resp.map_err(|e| ManagerHqError::Unreachable(e.to_string()))?;
    let status = resp.status();
    let retry = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| ManagerHqError::Unreachable(e.to_string()))?;
    if status.is_success() {
        return serde_json::from_slice(&bytes)
            .map_err(|e| ManagerHqError::Protocol(format!("{what}: {e}")));
    }
    if status.is_server_error() {
        return Err(ManagerHqError::Unreachable(format!(
            "{what}: HTTP {status}"
        )));
    }
    let r: WireRefusal = serde_json::from_slice(&bytes)
        .map_err(|_| ManagerHqError::Protocol(format!("{what}: HTTP {status}")))?;
    Err(match r.code.as_str() {
        "bad_credentials" => ManagerHqError::BadCredentials,
        "login_locked" => ManagerHqError::Locked {
            retry_after_s: retry.unwrap_or(900),
        },
        "session_expired" => ManagerHqError::SessionExpired,
        "session_unknown" | "admin_required" => ManagerHqError::SessionEnded,
        "unknown_issue" => ManagerHqError::UnknownIssue,
        _ => ManagerHqError::Refused {
            code: r.code,
            message: r.message,
        },
    })
}

impl ManagerClient {
    /// Signs in at head office `hq_url` as `name`.
    pub async fn sign_in(
        hq_url: &str,
        name: &str,
        password: &str,
    ) -> Result<ManagerClient, ManagerHqError> {
        let base = base_of(hq_url)?;
        let http = http()?;
        let body = serde_json::to_vec(&serde_json::json!({ "name": name, "password": password }))
            .map_err(|e| ManagerHqError::Protocol(e.to_string()))?;
        let r: WireLogin = answer(
            http.post(format!("{base}/v1/managers/login"))
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await,
            "login",
        )
        .await?;
        tracing::info!(manager = %r.manager, "chain manager signed in at head office");
        Ok(ManagerClient {
            session: ChainManagerSession {
                manager: r.manager,
                hq_url: base.clone(),
                expires_at: r.expires_at,
            },
            http,
            base,
            token: r.token,
        })
    }

    /// The session as the window shows it.
    pub fn session(&self) -> &ChainManagerSession {
        &self.session
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, view: &str) -> Result<T, ManagerHqError> {
        answer(
            self.http
                .get(format!("{}/v1/views/{view}", self.base))
                .bearer_auth(&self.token)
                .send()
                .await,
            view,
        )
        .await
    }

    /// Every view, read now.
    pub async fn views(&self, now_ms: i64) -> Result<ChainViews, ManagerHqError> {
        let stores: Vec<WireStore> = self.get("stores").await?;
        let uploads: Vec<WireUpload> = self.get("uploads").await?;
        let issues: Vec<WireIssue> = self.get("issues").await?;
        let days: Vec<WireDay> = self.get("reconciliation").await?;
        let regulator: Vec<WireRegulator> = self.get("regulator").await?;
        let prices: Vec<WirePrice> = self.get("prices").await?;
        Ok(ChainViews {
            stores: stores
                .into_iter()
                .map(|s| ChainStoreRow {
                    store_code: s.store_code,
                    name: s.name,
                    counters: s
                        .sites
                        .into_iter()
                        .map(|c| ChainCounterRow {
                            counter_no: c.counter_no,
                            last_push_at: c.last_push_at,
                            backlog: c.backlog,
                            open_issues: c.open_issues,
                            last_error: c.last_error,
                        })
                        .collect(),
                })
                .collect(),
            uploads: uploads
                .into_iter()
                .map(|u| ChainUploadRow {
                    store_code: u.store_code,
                    op: u.op,
                    state: u.state,
                    count: u.count,
                })
                .collect(),
            failures: issues
                .into_iter()
                .map(|i| ChainFailureRow {
                    id: i.id,
                    store_code: i.store_code,
                    table: i.table,
                    code: i.code,
                    // A trace code in head office's words crosses masked,
                    // as every ID the window sees.
                    message: crate::ipc_mask::mask_ids(&i.message),
                    at: i.at,
                    resolved: i.resolved,
                })
                .collect(),
            reconciliation: days
                .into_iter()
                .map(|d| ChainDayRow {
                    store_code: d.store_code,
                    day: d.day,
                    settlements: d.settlements,
                    counters: d.counters,
                    medfee_sumamt: money(d.medfee_sumamt),
                    fund_pay_sumamt: money(d.fund_pay_sumamt),
                    acct_pay: money(d.acct_pay),
                    psn_cash_pay: money(d.psn_cash_pay),
                    outcome: d.outcome,
                    by_insutype: d
                        .by_insutype
                        .into_iter()
                        .map(|i| ChainInsutypeRow {
                            insutype: i.insutype,
                            settlements: i.settlements,
                            medfee_sumamt: money(i.medfee_sumamt),
                            fund_pay_sumamt: money(i.fund_pay_sumamt),
                        })
                        .collect(),
                })
                .collect(),
            regulator: regulator
                .into_iter()
                .map(|r| ChainRegulatorRow {
                    store_code: r.store_code,
                    sales: r.sales,
                    sales_amount: money(r.sales_amount),
                    fund_paid: money(r.fund_paid),
                    refunds: r.refunds,
                    lines: r.lines,
                    lines_with_codes: r.lines_with_codes,
                    trace_coverage_pct: money(r.trace_coverage_pct),
                })
                .collect(),
            prices: prices
                .into_iter()
                .map(|p| ChainPriceRow {
                    fixmedins_hilist_id: p.fixmedins_hilist_id,
                    name: p.name,
                    chain_price: p.chain_price.map(money),
                    stores: p
                        .stores
                        .into_iter()
                        .map(|s| ChainStorePriceRow {
                            store_code: s.store_code,
                            prices: s.prices.into_iter().map(money).collect(),
                            differs: s.differs,
                        })
                        .collect(),
                })
                .collect(),
            fetched_at: now_ms,
        })
    }

    /// Marks a failure resolved at head office.
    pub async fn resolve(&self, issue_id: i64) -> Result<(), ManagerHqError> {
        let _: serde_json::Value = answer(
            self.http
                .post(format!("{}/v1/issues/{issue_id}/resolve", self.base))
                .bearer_auth(&self.token)
                .send()
                .await,
            "resolve",
        )
        .await?;
        tracing::info!(issue_id, manager = %self.session.manager, "chain failure resolved");
        Ok(())
    }

    /// Ends the session at head office.
    pub async fn sign_out(&self) -> Result<(), ManagerHqError> {
        let _: serde_json::Value = answer(
            self.http
                .post(format!("{}/v1/managers/logout", self.base))
                .bearer_auth(&self.token)
                .send()
                .await,
            "logout",
        )
        .await?;
        Ok(())
    }
}

/// The window's one chain-manager session (the shell holds one).
#[derive(Debug, Default)]
pub struct ChainManagerDesk(Mutex<Option<ManagerClient>>);

impl ChainManagerDesk {
    /// Signs in (replacing any earlier session of this window).
    pub async fn sign_in(
        &self,
        hq_url: &str,
        name: &str,
        password: &str,
    ) -> Result<ChainManagerSession, ManagerHqError> {
        let c = ManagerClient::sign_in(hq_url, name, password).await?;
        let s = c.session().clone();
        if let Some(old) = self.0.lock().await.replace(c) {
            let _ = old.sign_out().await;
        }
        Ok(s)
    }

    async fn client(&self) -> Result<ManagerClient, ManagerHqError> {
        self.0
            .lock()
            .await
            .clone()
            .ok_or(ManagerHqError::NotSignedIn)
    }

    /// Forgets the session when head office says it is over.
    async fn keep<T>(&self, r: Result<T, ManagerHqError>) -> Result<T, ManagerHqError> {
        if matches!(
            r,
            Err(ManagerHqError::SessionExpired | ManagerHqError::SessionEnded)
        ) {
            self.0.lock().await.take();
        }
        r
    }

    /// The signed-in manager, if any.
    pub async fn session(&self) -> Option<ChainManagerSession> {
        self.0.lock().await.as_ref().map(|c| c.session().clone())
    }

    /// Every view.
    pub async fn views(&self, now_ms: i64) -> Result<ChainViews, ManagerHqError> {
        let c = self.client().await?;
        self.keep(c.views(now_ms).await).await
    }

    /// Resolves a failure.
    pub async fn resolve(&self, issue_id: i64) -> Result<(), ManagerHqError> {
        let c = self.client().await?;
        self.keep(c.resolve(issue_id).await).await
    }

    /// Signs out (at head office too when it can be reached; the window's
    /// session is forgotten either way).
    pub async fn sign_out(&self) -> Result<(), ManagerHqError> {
        let Some(c) = self.0.lock().await.take() else {
            return Ok(());
        };
        match c.sign_out().await {
            Ok(()) | Err(ManagerHqError::SessionEnded | ManagerHqError::SessionExpired) => Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, "chain manager sign-out did not reach head office");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_keeps_two_decimals_and_never_rounds_more_precise_prices() {
        assert_eq!(money(Decimal::new(125, 1)), "12.50");
        assert_eq!(money(Decimal::new(12, 0)), "12.00");
        assert_eq!(money(Decimal::new(12345, 4)), "1.2345");
    }
}
