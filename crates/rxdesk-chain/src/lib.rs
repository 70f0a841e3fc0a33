//! # rxdesk-chain — head office's database of every store's records
//!
//! Why this crate exists: a chain's head office keeps what every counter of
//! every store writes (each counter's SQLite stays its own system of
//! record) and owns the central data (catalogue and prices). This crate is
//! that database, over sqlx's `Any` driver so that **the same migrations
//! and the same queries** run on PostgreSQL (head office) and SQLite (a
//! single-store server, the tests): the only engine-specific text is the
//! auto-incrementing cursor key and SQLite's `BEGIN IMMEDIATE`, both in
//! [`schema::Engine`].
//!
//! What it does (docs/decisions/0017-chain-storage-and-sync.md):
//! - registers sites with a store's registration code and authenticates
//!   them by a token bound to their machine id and a protocol version window;
//! - integrates a pushed batch **in one transaction**: every record must be
//!   owned by the pushing site and its store (`not_owner`), rows are upserted
//!   by record id in table order (an identical re-push changes nothing), each
//!   change appends to the central changelog, and a constraint violation (a
//!   trace code sold twice, a settlement with a second sale, …) rolls the
//!   whole batch back and is kept in `sync_issues` for the manager;
//! - answers pulls from the changelog: central records, the same store's
//!   other sites' records and transfers addressed to the store, never the
//!   puller's own, paged by cursor;
//! - publishes products (central data) and answers the manager's views.
//!
//! Money is decimal text in the database and [`rust_decimal::Decimal`] in
//! Rust; sums are made in Rust, never in floating point.
#![forbid(unsafe_code)]

pub mod managers;
pub mod mirror;
pub mod schema;
/// The throwaway PostgreSQL and fixtures of the tests and benches: only
/// with the `testing` feature, which only dev-dependencies turn on (a
/// production build of head office has no code that runs `initdb`).
#[cfg(feature = "testing")]
pub mod testing;
pub mod views;

use std::collections::BTreeMap;
use std::str::FromStr;

use rxdesk_sync::{
    IntegrationIssue, Product, PullResponse, RecordData, RegisterRequest, RegisterResponse,
    RowAction, SiteStatus, SyncRecord, Table, RECORD_NAMESPACE,
};
use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, AssertSqlSafe, Row, Transaction};
use uuid::Uuid;

use mirror::{typed_values, Val};
pub use schema::Engine;

/// Errors of the chain database, each with a stable [`ChainError::code`].
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The database failed (connection, I/O, a statement).
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// The URL is neither `postgres://…` nor `sqlite:…`.
    #[error("unsupported database URL (expected postgres://… or sqlite:…)")]
    BadUrl,
    /// A store code is not 12 ASCII letters or digits.
    #[error("a store code (定点医药机构编码) is 12 ASCII letters or digits")]
    BadStoreCode,
    /// The store exists already.
    #[error("the store exists already")]
    StoreExists,
    /// The registration code is not one issued for this store.
    #[error("the registration code is not valid for this store")]
    BadRegistrationCode,
    /// The counter number of the store is registered on another machine.
    #[error("counter {0} of this store is registered on another machine")]
    CounterTaken(u16),
    /// The token is unknown.
    #[error("unknown token")]
    BadToken,
    /// The token was issued to another machine.
    #[error("the token is bound to another machine")]
    MachineMismatch,
    /// The request names a site other than the token's.
    #[error("the request names a site other than the token's")]
    UnknownSite,
    /// The site's protocol version is below the window.
    #[error("protocol version {got} is older than the oldest accepted ({min})")]
    VersionTooOld {
        /// The site's version.
        got: u32,
        /// The oldest accepted.
        min: u32,
    },
    /// The site's protocol version is above the window.
    #[error("protocol version {got} is newer than the newest accepted ({max})")]
    VersionTooNew {
        /// The site's version.
        got: u32,
        /// The newest accepted.
        max: u32,
    },
    /// Stored data does not read back (a bug or a damaged database).
    #[error("stored data does not read back: {0}")]
    Corrupt(String),
    /// The operating system's random source failed.
    #[error("no randomness from the operating system: {0}")]
    Random(String),
    /// A manager name is empty, too long or has control characters.
    #[error("a manager name is 1 to 64 characters without control characters")]
    BadManagerName,
    /// A manager by that name exists already.
    #[error("a manager by that name exists already")]
    ManagerExists,
    /// A password is shorter than the minimum.
    #[error("a password has at least 8 characters")]
    WeakPassword,
    /// No such manager session (never opened, or signed out).
    #[error("no such session: sign in again")]
    SessionUnknown,
    /// The manager session has expired.
    #[error("the session has expired: sign in again")]
    SessionExpired,
}

impl ChainError {
    /// A stable code (the `SyncRefusal` code where one is sent).
    pub fn code(&self) -> &'static str {
        match self {
            ChainError::Db(_) => "database",
            ChainError::BadUrl => "bad_database_url",
            ChainError::BadStoreCode => "bad_store_code",
            ChainError::StoreExists => "store_exists",
            ChainError::BadRegistrationCode => "bad_registration_code",
            ChainError::CounterTaken(_) => "counter_taken",
            ChainError::BadToken => "bad_token",
            ChainError::MachineMismatch => "machine_mismatch",
            ChainError::UnknownSite => "unknown_site",
            ChainError::VersionTooOld { .. } => "version_too_old",
            ChainError::VersionTooNew { .. } => "version_too_new",
            ChainError::Corrupt(_) => "corrupt",
            ChainError::Random(_) => "random",
            ChainError::BadManagerName => "bad_manager_name",
            ChainError::ManagerExists => "manager_exists",
            ChainError::WeakPassword => "weak_password",
            ChainError::SessionUnknown => "session_unknown",
            ChainError::SessionExpired => "session_expired",
        }
    }
}

/// Result of this crate.
pub type Result<T, E = ChainError> = std::result::Result<T, E>;

/// The protocol versions head office accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionWindow {
    /// Oldest accepted.
    pub min: u32,
    /// Newest accepted.
    pub max: u32,
}

impl VersionWindow {
    /// Only this build's version.
    pub const CURRENT: VersionWindow = VersionWindow {
        min: rxdesk_sync::PROTOCOL_VERSION,
        max: rxdesk_sync::PROTOCOL_VERSION,
    };

    /// Refuses a version outside the window.
    pub fn check(self, got: u32) -> Result<()> {
        if got < self.min {
            return Err(ChainError::VersionTooOld { got, min: self.min });
        }
        if got > self.max {
            return Err(ChainError::VersionTooNew { got, max: self.max });
        }
        Ok(())
    }
}

/// An authenticated site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Its id (the namespace of its record ids).
    pub site_id: Uuid,
    /// Its store's 定点医药机构编码.
    pub store_code: String,
    /// Its terminal number in the store.
    pub counter_no: u16,
}

/// SHA-256 of a secret, hex (tokens and registration codes are stored so).
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).map_err(|e| ChainError::Random(e.to_string()))?;
    Ok(hex::encode(b))
}

/// A store code is the 12-character 定点医药机构编码.
pub fn valid_store_code(code: &str) -> bool {
    code.len() == 12 && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The record id of a central product (head office's, keyed by its
/// 定点医药机构目录编号 rather than a local row number).
pub fn product_record_id(hq_site: Uuid, fixmedins_hilist_id: &str) -> Uuid {
    Uuid::new_v5(
        &RECORD_NAMESPACE,
        format!("{hq_site}/product/{fixmedins_hilist_id}").as_bytes(),
    )
}

/// The position of a table in integration order (parents first).
fn table_rank(t: Table) -> usize {
    Table::ALL
        .iter()
        .position(|x| *x == t)
        .unwrap_or(usize::MAX)
}

/// A record's typed columns and their values.
type TypedRow = Vec<(&'static str, Val)>;

/// `$from, $from+1, …` (`n` placeholders), the numbered form both engines accept.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The chain database.
#[derive(Clone, Debug)]
pub struct ChainDb {
    pool: AnyPool,
    engine: Engine,
    hq_site: Uuid,
}

/// Why one record of a batch was not applied.
enum Refused {
    Issue(IntegrationIssue),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for Refused {
    fn from(e: sqlx::Error) -> Self {
        Refused::Db(e)
    }
}

fn issue(r: &SyncRecord, code: &str, message: String) -> IntegrationIssue {
    IntegrationIssue {
        record_id: r.record_id,
        table: r.table,
        code: code.into(),
        message,
        params: BTreeMap::new(),
    }
}

/// A database error that refuses the record (a constraint it breaks, a
/// value the engine does not take), not a failure of head office (a lock,
/// a connection): only those become integration issues.
fn is_rejection(engine: Engine, d: &dyn sqlx::error::DatabaseError) -> bool {
    use sqlx::error::ErrorKind as K;
    if matches!(
        d.kind(),
        K::UniqueViolation | K::ForeignKeyViolation | K::NotNullViolation | K::CheckViolation
    ) {
        return true;
    }
    // PostgreSQL's classes 22 (data exception, e.g. a NUL byte in text) and
    // 23 (integrity constraint violation).
    engine == Engine::Postgres
        && d.code()
            .is_some_and(|c| c.starts_with("22") || c.starts_with("23"))
}

/// The refusal of a box already sold and not returned (chain-wide).
pub const TRACE_CODE_SOLD_TWICE: &str = "trace_code_sold_twice";

/// The stable code of a constraint violation on `table`.
fn violation_code(table: Table, message: &str) -> &'static str {
    match table {
        Table::TraceCode => TRACE_CODE_SOLD_TWICE,
        Table::Settlement if message.contains("setl_id") => "settlement_has_two_sales",
        Table::Settlement => "sale_settled_twice",
        Table::Sale if message.contains("rtal_docno") => "rtal_docno_reused",
        _ => "rejected_by_database",
    }
}

fn bind<'q>(
    q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    v: Val,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    match v {
        Val::T(s) => q.bind(s),
        Val::I(i) => q.bind(i),
        Val::B(b) => q.bind(b),
    }
}

fn get_s(row: &AnyRow, i: usize) -> Result<String> {
    Ok(row.try_get::<String, _>(i)?)
}

fn get_i(row: &AnyRow, i: usize) -> Result<i64> {
    Ok(row.try_get::<i64, _>(i)?)
}

fn get_opt_i(row: &AnyRow, i: usize) -> Result<Option<i64>> {
    Ok(row.try_get::<Option<i64>, _>(i)?)
}

fn get_uuid(row: &AnyRow, i: usize) -> Result<Uuid> {
    let s = get_s(row, i)?;
    Uuid::from_str(&s).map_err(|_| ChainError::Corrupt(format!("not a uuid: {s}")))
}

impl ChainDb {
    /// Opens (and migrates) the database at `url`: `postgres://…` or
    /// `sqlite:path` (created if missing).
    pub async fn open(url: &str) -> Result<ChainDb> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Engine::Postgres
        } else if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else {
            return Err(ChainError::BadUrl);
        };
        let pool = match engine {
            Engine::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .connect(url)
                    .await?
            }
            Engine::Sqlite => {
                let url = if url.contains('?') {
                    url.to_string()
                } else {
                    format!("{url}?mode=rwc")
                };
                AnyPoolOptions::new()
                    .max_connections(4)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            sqlx::query("PRAGMA journal_mode = WAL")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("PRAGMA busy_timeout = 30000")
                                .execute(&mut *conn)
                                .await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?
            }
        };
        let mut db = ChainDb {
            pool,
            engine,
            hq_site: Uuid::nil(),
        };
        db.migrate().await?;
        db.hq_site = db.load_hq_site().await?;
        Ok(db)
    }

    /// Begins a transaction that will write: on SQLite `BEGIN IMMEDIATE`,
    /// so it waits for the write lock up front instead of failing
    /// (`database is locked`) when it turns from reading to writing.
    async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        Ok(match self.engine.begin_write() {
            Some(stmt) => self.pool.begin_with(stmt).await?,
            None => self.pool.begin().await?,
        })
    }

    /// The engine behind this database.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Head office's own site id (the source of central records).
    pub fn hq_site(&self) -> Uuid {
        self.hq_site
    }

    /// The connection pool (for the views and tests).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Applies the migrations not applied yet (`open` does; again is harmless).
    pub async fn migrate(&self) -> Result<()> {
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            .execute(&self.pool)
            .await?;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_version")
            .fetch_one(&mut *tx)
            .await?;
        let (rows, mut version) = (get_i(&row, 0)?, get_i(&row, 1)?);
        let start = version;
        while let Some(stmts) = schema::migration(self.engine, version as u32 + 1) {
            for s in stmts {
                sqlx::query(AssertSqlSafe(s)).execute(&mut *tx).await?;
            }
            version += 1;
        }
        if version != start {
            if rows == 0 {
                sqlx::query("INSERT INTO schema_version (version) VALUES ($1)")
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query("UPDATE schema_version SET version = $1")
                    .bind(version)
                    .execute(&mut *tx)
                    .await?;
            }
            tracing::info!(from = start, to = version, "chain database migrated");
        }
        tx.commit().await?;
        Ok(())
    }

    /// The schema version applied.
    pub async fn schema_version(&self) -> Result<i64> {
        let row = sqlx::query("SELECT CAST(MAX(version) AS BIGINT) FROM schema_version")
            .fetch_one(&self.pool)
            .await?;
        get_i(&row, 0)
    }

    async fn load_hq_site(&self) -> Result<Uuid> {
        let fresh = Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO chain_meta (key, value) VALUES ('hq_site', $1) ON CONFLICT (key) DO NOTHING",
        )
        .bind(fresh)
        .execute(&self.pool)
        .await?;
        let row = sqlx::query("SELECT value FROM chain_meta WHERE key = 'hq_site'")
            .fetch_one(&self.pool)
            .await?;
        get_uuid(&row, 0)
    }

    /// Adds a store and returns its registration code (shown once; only its
    /// hash is kept). Its counters register with it.
    pub async fn add_store(&self, store_code: &str, name: &str, now: i64) -> Result<String> {
        if !valid_store_code(store_code) {
            return Err(ChainError::BadStoreCode);
        }
        let code = random_hex(16)?;
        let mut tx = self.begin_write().await?;
        let exists = sqlx::query("SELECT store_code FROM stores WHERE store_code = $1")
            .bind(store_code.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(ChainError::StoreExists);
        }
        sqlx::query("INSERT INTO stores (store_code, name, created_at) VALUES ($1, $2, $3)")
            .bind(store_code.to_string())
            .bind(name.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO registration_codes (code_hash, store_code, created_at) VALUES ($1, $2, $3)",
        )
        .bind(hash_secret(&code))
        .bind(store_code.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(store_code, "store added");
        Ok(code)
    }

    /// Registers a counter of a store (or re-registers the same machine,
    /// which gets a fresh token for the same site id).
    pub async fn register_site(
        &self,
        req: &RegisterRequest,
        window: VersionWindow,
        now: i64,
    ) -> Result<RegisterResponse> {
        window.check(req.protocol_version)?;
        let row = sqlx::query("SELECT store_code FROM registration_codes WHERE code_hash = $1")
            .bind(hash_secret(&req.registration_code))
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) if get_s(&r, 0)? == req.store_code => {}
            _ => return Err(ChainError::BadRegistrationCode),
        }
        let token = random_hex(32)?;
        let mut tx = self.begin_write().await?;
        let existing = sqlx::query(
            "SELECT site_id, machine_id FROM sites WHERE store_code = $1 AND counter_no = $2",
        )
        .bind(req.store_code.clone())
        .bind(i64::from(req.counter_no))
        .fetch_optional(&mut *tx)
        .await?;
        let site_id = match existing {
            Some(r) => {
                if get_s(&r, 1)? != req.machine_id {
                    return Err(ChainError::CounterTaken(req.counter_no));
                }
                let id = get_uuid(&r, 0)?;
                sqlx::query(
                    "UPDATE sites SET token_hash = $1, protocol_version = $2 WHERE site_id = $3",
                )
                .bind(hash_secret(&token))
                .bind(i64::from(req.protocol_version))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
                id
            }
            None => {
                let id = Uuid::new_v4();
                sqlx::query(
                    "INSERT INTO sites (site_id, store_code, counter_no, machine_id, token_hash, protocol_version, registered_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id.to_string())
                .bind(req.store_code.clone())
                .bind(i64::from(req.counter_no))
                .bind(req.machine_id.clone())
                .bind(hash_secret(&token))
                .bind(i64::from(req.protocol_version))
                .bind(now)
                .execute(&mut *tx)
                .await?;
                id
            }
        };
        tx.commit().await?;
        tracing::info!(store_code = %req.store_code, counter_no = req.counter_no, %site_id, "site registered");
        Ok(RegisterResponse { site_id, token })
    }

    /// The site a token belongs to, if it is presented from its machine and
    /// speaks a version in the window.
    pub async fn authenticate(
        &self,
        token: &str,
        machine_id: &str,
        protocol_version: u32,
        window: VersionWindow,
    ) -> Result<Site> {
        let row = sqlx::query(
            "SELECT site_id, store_code, counter_no, machine_id FROM sites WHERE token_hash = $1",
        )
        .bind(hash_secret(token))
        .fetch_optional(&self.pool)
        .await?
        .ok_or(ChainError::BadToken)?;
        if get_s(&row, 3)? != machine_id {
            return Err(ChainError::MachineMismatch);
        }
        window.check(protocol_version)?;
        Ok(Site {
            site_id: get_uuid(&row, 0)?,
            store_code: get_s(&row, 1)?,
            counter_no: u16::try_from(get_i(&row, 2)?).unwrap_or(0),
        })
    }

    /// The checks of a record that need no database: ownership and shape.
    fn precheck(site: &Site, r: &SyncRecord) -> Option<IntegrationIssue> {
        if r.source_site != site.site_id || r.store_code != site.store_code {
            return Some(issue(
                r,
                "not_owner",
                format!(
                    "the record belongs to site {} of store {:?}, not to the pushing site",
                    r.source_site, r.store_code
                ),
            ));
        }
        if r.table.is_central() {
            return Some(issue(
                r,
                "not_owner",
                "central data is head office's".into(),
            ));
        }
        match (&r.action, &r.data) {
            (RowAction::Upsert, Some(d)) if d.table() == r.table => None,
            (RowAction::Delete, None) => None,
            _ => Some(issue(
                r,
                "malformed_record",
                "the record's action, table and data do not agree".into(),
            )),
        }
    }

    /// Integrates a pushed batch in one transaction, or not at all. The
    /// answer's `issues` are empty when every record was integrated; else
    /// nothing was, and the issues are also kept in `sync_issues`.
    pub async fn integrate(
        &self,
        site: &Site,
        mut records: Vec<SyncRecord>,
        now: i64,
    ) -> Result<rxdesk_sync::PushResponse> {
        let issues: Vec<IntegrationIssue> = records
            .iter()
            .filter_map(|r| Self::precheck(site, r))
            .collect();
        if !issues.is_empty() {
            self.refuse(site, &issues, now).await?;
            return Ok(rxdesk_sync::PushResponse {
                integrated: 0,
                issues,
            });
        }
        // A record twice in one batch: its last state wins (as the site's
        // changelog would have it).
        let mut seen = std::collections::HashSet::new();
        records.reverse();
        records.retain(|r| seen.insert(r.record_id));
        records.reverse();
        records.sort_by_key(|r| table_rank(r.table));
        let mut tx = self.begin_write().await?;
        let integrated = match Self::apply_batch(&mut tx, site.site_id, &records, now).await {
            Ok(n) => n,
            Err(Refused::Issue(i)) => {
                tx.rollback().await?;
                let issues = vec![i];
                self.refuse(site, &issues, now).await?;
                return Ok(rxdesk_sync::PushResponse {
                    integrated: 0,
                    issues,
                });
            }
            Err(Refused::Db(sqlx::Error::Database(d))) if is_rejection(self.engine, d.as_ref()) => {
                // The fast path does a table's rows in one statement; find
                // which record broke a constraint, record by record.
                tx.rollback().await?;
                let i = self.find_culprit(site, &records, now, d.message()).await?;
                let issues = vec![i];
                self.refuse(site, &issues, now).await?;
                return Ok(rxdesk_sync::PushResponse {
                    integrated: 0,
                    issues,
                });
            }
            Err(Refused::Db(e)) => return Err(e.into()),
        };
        tx.commit().await?;
        sqlx::query("UPDATE sites SET last_push_at = $1, last_error = '' WHERE site_id = $2")
            .bind(now)
            .bind(site.site_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(rxdesk_sync::PushResponse {
            integrated,
            issues: Vec::new(),
        })
    }

    /// Replays a batch that failed in the fast path record by record (and
    /// rolls it back) to name the record that broke a constraint.
    async fn find_culprit(
        &self,
        site: &Site,
        records: &[SyncRecord],
        now: i64,
        batch_message: &str,
    ) -> Result<IntegrationIssue> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE chain_lock SET n = n + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        for r in records {
            match Self::apply(self.engine, &mut tx, site.site_id, r, now).await {
                Ok(()) => {}
                Err(Refused::Issue(i)) => {
                    tx.rollback().await?;
                    return Ok(i);
                }
                Err(Refused::Db(e)) => return Err(e.into()),
            }
        }
        tx.rollback().await?;
        let first = records
            .first()
            .ok_or_else(|| ChainError::Corrupt("empty batch failed".into()))?;
        Ok(issue(
            first,
            "rejected_by_database",
            batch_message.to_string(),
        ))
    }

    /// The fast path of [`ChainDb::integrate`]: per table, one query for
    /// the rows already there and one multi-row upsert of the changed ones;
    /// then the changelog in two statements. Identical records change
    /// nothing; a record of another site is refused `not_owner`.
    async fn apply_batch(
        tx: &mut Transaction<'static, Any>,
        pusher: Uuid,
        records: &[SyncRecord],
        now: i64,
    ) -> std::result::Result<u64, Refused> {
        struct Change {
            table: Table,
            record_id: String,
            action: &'static str,
            source_site: String,
            store_code: String,
            to_store: String,
        }
        let pusher_s = pusher.to_string();
        let mut changes: Vec<Change> = Vec::new();
        let mut i = 0;
        while i < records.len() {
            let t = records[i].table;
            let mut j = i;
            while j < records.len() && records[j].table == t {
                j += 1;
            }
            let group = &records[i..j];
            i = j;
            let tname = t.as_str();
            let mut existing: std::collections::HashMap<String, (String, String, bool)> =
                std::collections::HashMap::new();
            for chunk in group.chunks(500) {
                let sql = format!(
                    "SELECT record_id, source_site, payload, CAST(CASE WHEN deleted THEN 1 ELSE 0 END AS BIGINT) \
                     FROM {tname} WHERE record_id IN ({})",
                    placeholders(1, chunk.len())
                );
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for r in chunk {
                    q = q.bind(r.record_id.to_string());
                }
                for row in q.fetch_all(&mut **tx).await? {
                    let deleted: i64 = row.try_get(3)?;
                    existing.insert(
                        row.try_get(0)?,
                        (row.try_get(1)?, row.try_get(2)?, deleted != 0),
                    );
                }
            }
            let mut upserts: Vec<(&SyncRecord, String, TypedRow)> = Vec::new();
            for r in group {
                let id = r.record_id.to_string();
                let ex = existing.get(&id);
                if let Some((owner, _, _)) = ex {
                    if *owner != pusher_s {
                        return Err(Refused::Issue(issue(
                            r,
                            "not_owner",
                            "the record id belongs to another site's record".into(),
                        )));
                    }
                }
                let mut change = Change {
                    table: t,
                    record_id: id,
                    action: "upsert",
                    source_site: r.source_site.to_string(),
                    store_code: r.store_code.clone(),
                    to_store: String::new(),
                };
                match (&r.action, &r.data) {
                    (RowAction::Upsert, Some(data)) => {
                        let payload = serde_json::to_string(data).map_err(|e| {
                            Refused::Issue(issue(r, "malformed_record", e.to_string()))
                        })?;
                        if let Some((_, p, false)) = ex {
                            if *p == payload {
                                continue;
                            }
                        }
                        change.to_store = mirror::addressed_to(data).to_string();
                        upserts.push((r, payload, typed_values(data)));
                    }
                    (RowAction::Delete, _) => {
                        if !matches!(ex, Some((_, _, false))) {
                            continue;
                        }
                        sqlx::query(AssertSqlSafe(format!(
                            "UPDATE {tname} SET deleted = $1, changed_at = $2 WHERE record_id = $3"
                        )))
                        .bind(true)
                        .bind(now)
                        .bind(r.record_id.to_string())
                        .execute(&mut **tx)
                        .await?;
                        change.action = "delete";
                    }
                    (RowAction::Upsert, None) => {
                        return Err(Refused::Issue(issue(
                            r,
                            "malformed_record",
                            "an upsert without data".into(),
                        )))
                    }
                }
                changes.push(change);
            }
            for chunk in upserts.chunks(100) {
                let mut cols = vec![
                    "record_id",
                    "source_site",
                    "store_code",
                    "deleted",
                    "payload",
                    "changed_at",
                ];
                cols.extend(schema::typed_columns(t).iter().map(|(c, _)| *c));
                let width = cols.len();
                let rows: Vec<String> = (0..chunk.len())
                    .map(|k| format!("({})", placeholders(k * width + 1, width)))
                    .collect();
                let sets: Vec<String> = cols[3..]
                    .iter()
                    .map(|c| format!("{c} = excluded.{c}"))
                    .collect();
                let sql = format!(
                    "INSERT INTO {tname} ({}) VALUES {} ON CONFLICT (record_id) DO UPDATE SET {}",
                    cols.join(", "),
                    rows.join(", "),
                    sets.join(", ")
                );
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for (r, payload, typed) in chunk {
                    if typed.len() + 6 != width {
                        return Err(Refused::Issue(issue(
                            r,
                            "malformed_record",
                            "the record's columns do not match its table".into(),
                        )));
                    }
                    q = q
                        .bind(r.record_id.to_string())
                        .bind(r.source_site.to_string())
                        .bind(r.store_code.clone())
                        .bind(false)
                        .bind(payload.clone())
                        .bind(now);
                    for (_, v) in typed {
                        q = bind(q, v.clone());
                    }
                }
                q.execute(&mut **tx).await?;
            }
        }
        if changes.is_empty() {
            return Ok(records.len() as u64);
        }
        // Cursors are taken only under the lock row, held to the commit:
        // cursors are committed in order, so a pull never skips one. Taken
        // last, the lock is held for the changelog's two statements only.
        sqlx::query("UPDATE chain_lock SET n = n + 1 WHERE id = 1")
            .execute(&mut **tx)
            .await?;
        for chunk in changes.chunks(500) {
            let sql = format!(
                "DELETE FROM changelog WHERE record_id IN ({})",
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for c in chunk {
                q = q.bind(c.record_id.clone());
            }
            q.execute(&mut **tx).await?;
        }
        for chunk in changes.chunks(200) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|k| format!("({})", placeholders(k * 6 + 1, 6)))
                .collect();
            let sql = format!(
                "INSERT INTO changelog (table_name, record_id, action, source_site, store_code, to_store) VALUES {}",
                rows.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for c in chunk {
                q = q
                    .bind(c.table.as_str())
                    .bind(c.record_id.clone())
                    .bind(c.action)
                    .bind(c.source_site.clone())
                    .bind(c.store_code.clone())
                    .bind(c.to_store.clone());
            }
            q.execute(&mut **tx).await?;
        }
        Ok(records.len() as u64)
    }

    /// Keeps a refused batch's issues (separately from the rolled-back batch).
    async fn refuse(&self, site: &Site, issues: &[IntegrationIssue], now: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for i in issues {
            tracing::warn!(site = %site.site_id, record = %i.record_id, table = i.table.as_str(), code = %i.code, "batch refused");
            sqlx::query(
                "INSERT INTO sync_issues (site_id, store_code, record_id, table_name, code, message, at, resolved, params) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(site.site_id.to_string())
            .bind(site.store_code.clone())
            .bind(i.record_id.to_string())
            .bind(i.table.as_str())
            .bind(i.code.clone())
            .bind(i.message.clone())
            .bind(now)
            .bind(false)
            .bind(serde_json::to_string(&i.params).unwrap_or_else(|_| "{}".into()))
            .execute(&mut *tx)
            .await?;
        }
        let summary = issues
            .first()
            .map(|i| format!("{}: {}", i.code, i.message))
            .unwrap_or_default();
        sqlx::query("UPDATE sites SET last_error = $1 WHERE site_id = $2")
            .bind(summary)
            .bind(site.site_id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A trace code a sale not yet returned already holds: the refusal
    /// `trace_code_sold_twice` naming that sale's store and counter. Read
    /// in the integrating transaction, which holds `chain_lock` (every
    /// integrating writer takes it first), so no other batch can sell or
    /// return the box between this check and the insert; the unique index
    /// `trace_code_sold_once` stays the guard behind it.
    async fn sold_elsewhere(
        tx: &mut Transaction<'static, Any>,
        r: &SyncRecord,
        code: &str,
    ) -> std::result::Result<Option<IntegrationIssue>, Refused> {
        let row = sqlx::query(
            "SELECT t.store_code, CAST(COALESCE(s.counter_no, 0) AS BIGINT) FROM trace_code t \
             LEFT JOIN sites s ON s.site_id = t.source_site \
             WHERE t.code = $1 AND t.record_id <> $2 AND NOT t.returned AND NOT t.deleted",
        )
        .bind(code.to_string())
        .bind(r.record_id.to_string())
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let store: String = row.try_get(0)?;
        let counter: i64 = row.try_get(1)?;
        let mut i = issue(
            r,
            TRACE_CODE_SOLD_TWICE,
            format!("trace code {code} was already sold at store {store}, counter {counter}"),
        );
        i.params = BTreeMap::from([
            ("trace_code".to_string(), code.to_string()),
            ("store_code".to_string(), store),
            ("counter_no".to_string(), counter.to_string()),
        ]);
        Ok(Some(i))
    }

    /// Upserts (or deletes) one record and appends it to the changelog;
    /// an identical upsert changes nothing.
    async fn apply(
        engine: Engine,
        tx: &mut Transaction<'static, Any>,
        pusher: Uuid,
        r: &SyncRecord,
        now: i64,
    ) -> std::result::Result<(), Refused> {
        let t = r.table.as_str();
        let existing = sqlx::query(AssertSqlSafe(format!(
            "SELECT source_site, payload, CAST(CASE WHEN deleted THEN 1 ELSE 0 END AS BIGINT) FROM {t} WHERE record_id = $1"
        )))
        .bind(r.record_id.to_string())
        .fetch_optional(&mut **tx)
        .await?;
        let existing = match existing {
            Some(row) => {
                let owner: String = row.try_get(0)?;
                if owner != pusher.to_string() {
                    return Err(Refused::Issue(issue(
                        r,
                        "not_owner",
                        "the record id belongs to another site's record".into(),
                    )));
                }
                let payload: String = row.try_get(1)?;
                let deleted: i64 = row.try_get(2)?;
                Some((payload, deleted != 0))
            }
            None => None,
        };
        let mut to_store = String::new();
        match (&r.action, &r.data) {
            (RowAction::Upsert, Some(data)) => {
                let payload = serde_json::to_string(data)
                    .map_err(|e| Refused::Issue(issue(r, "malformed_record", e.to_string())))?;
                if existing.as_ref() == Some(&(payload.clone(), false)) {
                    return Ok(());
                }
                if let RecordData::TraceCode(tc) = data {
                    if !tc.returned {
                        if let Some(i) = Self::sold_elsewhere(tx, r, &tc.code).await? {
                            return Err(Refused::Issue(i));
                        }
                    }
                }
                to_store = mirror::addressed_to(data).to_string();
                let typed = typed_values(data);
                let mut cols = vec![
                    "record_id",
                    "source_site",
                    "store_code",
                    "deleted",
                    "payload",
                    "changed_at",
                ];
                cols.extend(typed.iter().map(|(c, _)| *c));
                let params: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
                let sets: Vec<String> = cols[3..]
                    .iter()
                    .map(|c| format!("{c} = excluded.{c}"))
                    .collect();
                let sql = format!(
                    "INSERT INTO {t} ({}) VALUES ({}) ON CONFLICT (record_id) DO UPDATE SET {}",
                    cols.join(", "),
                    params.join(", "),
                    sets.join(", ")
                );
                let mut q = sqlx::query(AssertSqlSafe(sql))
                    .bind(r.record_id.to_string())
                    .bind(r.source_site.to_string())
                    .bind(r.store_code.clone())
                    .bind(false)
                    .bind(payload)
                    .bind(now);
                for (_, v) in typed {
                    q = bind(q, v);
                }
                if let Err(e) = q.execute(&mut **tx).await {
                    return Err(match e {
                        sqlx::Error::Database(d) if is_rejection(engine, d.as_ref()) => {
                            let code = violation_code(r.table, d.message());
                            Refused::Issue(issue(r, code, d.message().to_string()))
                        }
                        e => Refused::Db(e),
                    });
                }
            }
            (RowAction::Delete, _) => {
                match existing {
                    Some((_, false)) => {}
                    // Unknown or already deleted: nothing changes.
                    _ => return Ok(()),
                }
                sqlx::query(AssertSqlSafe(format!(
                    "UPDATE {t} SET deleted = $1, changed_at = $2 WHERE record_id = $3"
                )))
                .bind(true)
                .bind(now)
                .bind(r.record_id.to_string())
                .execute(&mut **tx)
                .await?;
            }
            (RowAction::Upsert, None) => {
                return Err(Refused::Issue(issue(
                    r,
                    "malformed_record",
                    "an upsert without data".into(),
                )))
            }
        }
        sqlx::query("DELETE FROM changelog WHERE record_id = $1")
            .bind(r.record_id.to_string())
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO changelog (table_name, record_id, action, source_site, store_code, to_store) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(t)
        .bind(r.record_id.to_string())
        .bind(match r.action {
            RowAction::Upsert => "upsert",
            RowAction::Delete => "delete",
        })
        .bind(r.source_site.to_string())
        .bind(r.store_code.clone())
        .bind(to_store)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Publishes central products (upserts under head office's own site id;
    /// unchanged products change nothing). Returns how many changed or were
    /// already current.
    pub async fn publish_products(&self, products: Vec<Product>, now: i64) -> Result<u64> {
        let hq = self.hq_site;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE chain_lock SET n = n + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let mut n = 0;
        for p in products {
            let r = SyncRecord {
                record_id: product_record_id(hq, &p.fixmedins_hilist_id),
                source_site: hq,
                store_code: String::new(),
                action: RowAction::Upsert,
                table: Table::Product,
                data: Some(RecordData::Product(p)),
            };
            match Self::apply(self.engine, &mut tx, hq, &r, now).await {
                Ok(()) => n += 1,
                Err(Refused::Db(e)) => return Err(e.into()),
                Err(Refused::Issue(i)) => {
                    return Err(ChainError::Corrupt(format!("{}: {}", i.code, i.message)))
                }
            }
        }
        tx.commit().await?;
        tracing::info!(products = n, "products published");
        Ok(n)
    }

    /// What head office holds for `site` after `after_cursor`: central
    /// records, the same store's other sites' records and transfers
    /// addressed to its store; never its own records.
    pub async fn pull(
        &self,
        site: &Site,
        after_cursor: i64,
        limit: u32,
        now: i64,
    ) -> Result<PullResponse> {
        let limit = i64::from(limit.clamp(1, 5_000));
        // Three indexed ranges (central, the store's other sites, transfers
        // addressed to the store), each read in cursor order up to the page.
        const COLS: &str = "cursor, table_name, record_id, action, source_site, store_code";
        let sql = format!(
            "SELECT {COLS} FROM (\
             SELECT * FROM (SELECT {COLS} FROM changelog WHERE store_code = '' AND cursor > $1 ORDER BY cursor LIMIT $4) AS central \
             UNION ALL SELECT * FROM (SELECT {COLS} FROM changelog WHERE store_code = $3 AND cursor > $1 AND source_site <> $2 ORDER BY cursor LIMIT $4) AS own_store \
             UNION ALL SELECT * FROM (SELECT {COLS} FROM changelog WHERE to_store = $3 AND store_code <> $3 AND cursor > $1 AND source_site <> $2 ORDER BY cursor LIMIT $4) AS addressed\
             ) AS page ORDER BY cursor LIMIT $4"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(after_cursor)
            .bind(site.site_id.to_string())
            .bind(site.store_code.clone())
            .bind(limit + 1)
            .fetch_all(&self.pool)
            .await?;
        let more = rows.len() as i64 > limit;
        struct Entry {
            table: Table,
            record_id: Uuid,
            action: RowAction,
            source_site: Uuid,
            store_code: String,
        }
        let mut entries = Vec::new();
        let mut next_cursor = after_cursor;
        for row in rows.iter().take(limit as usize) {
            next_cursor = get_i(row, 0)?;
            let tname = get_s(row, 1)?;
            entries.push(Entry {
                table: Table::parse(&tname)
                    .ok_or_else(|| ChainError::Corrupt(format!("unknown table {tname}")))?,
                record_id: get_uuid(row, 2)?,
                action: match get_s(row, 3)?.as_str() {
                    "delete" => RowAction::Delete,
                    _ => RowAction::Upsert,
                },
                source_site: get_uuid(row, 4)?,
                store_code: get_s(row, 5)?,
            });
        }
        // The records' payloads, one query per table.
        let mut payloads: std::collections::HashMap<String, String> =
            std::collections::HashMap::new();
        for t in Table::ALL {
            let ids: Vec<String> = entries
                .iter()
                .filter(|e| e.table == t && e.action == RowAction::Upsert)
                .map(|e| e.record_id.to_string())
                .collect();
            for chunk in ids.chunks(500) {
                let sql = format!(
                    "SELECT record_id, payload FROM {} WHERE record_id IN ({})",
                    t.as_str(),
                    placeholders(1, chunk.len())
                );
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for id in chunk {
                    q = q.bind(id.clone());
                }
                for row in q.fetch_all(&self.pool).await? {
                    payloads.insert(get_s(&row, 0)?, get_s(&row, 1)?);
                }
            }
        }
        let mut records = Vec::with_capacity(entries.len());
        for e in entries {
            let data = match e.action {
                RowAction::Delete => None,
                RowAction::Upsert => {
                    let payload = payloads.get(&e.record_id.to_string()).ok_or_else(|| {
                        ChainError::Corrupt(format!("no row for {}", e.record_id))
                    })?;
                    Some(
                        serde_json::from_str::<RecordData>(payload)
                            .map_err(|err| ChainError::Corrupt(err.to_string()))?,
                    )
                }
            };
            records.push(SyncRecord {
                record_id: e.record_id,
                source_site: e.source_site,
                store_code: e.store_code,
                action: e.action,
                data,
                table: e.table,
            });
        }
        sqlx::query("UPDATE sites SET last_pull_at = $1, last_pull_cursor = $2 WHERE site_id = $3")
            .bind(now)
            .bind(next_cursor)
            .bind(site.site_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(PullResponse {
            records,
            next_cursor,
            more,
        })
    }

    /// Changelog rows waiting at head office for a site after `cursor`.
    pub async fn backlog(&self, site_id: &str, store_code: &str, cursor: i64) -> Result<i64> {
        let row = sqlx::query(
            "SELECT CAST((SELECT COUNT(*) FROM changelog WHERE store_code = '' AND cursor > $1) \
             + (SELECT COUNT(*) FROM changelog WHERE store_code = $3 AND cursor > $1 AND source_site <> $2) \
             + (SELECT COUNT(*) FROM changelog WHERE to_store = $3 AND store_code <> $3 AND cursor > $1 AND source_site <> $2) AS BIGINT)",
        )
        .bind(cursor)
        .bind(site_id.to_string())
        .bind(store_code.to_string())
        .fetch_one(&self.pool)
        .await?;
        get_i(&row, 0)
    }

    /// A site's own sync state (`GET /v1/sync/status`).
    pub async fn site_status(&self, site: &Site) -> Result<SiteStatus> {
        let row = sqlx::query(
            "SELECT last_push_at, last_pull_at, last_pull_cursor, last_error FROM sites WHERE site_id = $1",
        )
        .bind(site.site_id.to_string())
        .fetch_one(&self.pool)
        .await?;
        let last_pull_cursor = get_i(&row, 2)?;
        let issues = views::issues(self, Some(site.site_id), true)
            .await?
            .into_iter()
            .map(|i| IntegrationIssue {
                record_id: i.record_id,
                table: Table::parse(&i.table).unwrap_or(Table::Sale),
                code: i.code,
                message: i.message,
                params: i.params,
            })
            .collect();
        Ok(SiteStatus {
            site_id: site.site_id,
            store_code: site.store_code.clone(),
            counter_no: site.counter_no,
            last_push_at: get_opt_i(&row, 0)?,
            last_pull_at: get_opt_i(&row, 1)?,
            last_pull_cursor,
            backlog: self
                .backlog(
                    &site.site_id.to_string(),
                    &site.store_code,
                    last_pull_cursor,
                )
                .await?,
            last_error: get_s(&row, 3)?,
            issues,
        })
    }

    /// Rows per mirror table (tests and the bench).
    pub async fn record_counts(&self) -> Result<BTreeMap<&'static str, i64>> {
        let mut out = BTreeMap::new();
        for t in Table::ALL {
            let row = sqlx::query(AssertSqlSafe(format!(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM {}",
                t.as_str()
            )))
            .fetch_one(&self.pool)
            .await?;
            out.insert(t.as_str(), get_i(&row, 0)?);
        }
        Ok(out)
    }

    /// Rows in the central changelog.
    pub async fn changelog_len(&self) -> Result<i64> {
        let row = sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) FROM changelog")
            .fetch_one(&self.pool)
            .await?;
        get_i(&row, 0)
    }

    /// Marks an integration issue resolved (the manager fixed its cause).
    pub async fn resolve_issue(&self, id: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE sync_issues SET resolved = $1 WHERE id = $2")
            .bind(true)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_name_the_schema_columns_in_order() {
        // One sample record per table; its typed values must be exactly the
        // schema's typed columns, in order, or the upsert would misbind.
        let u = Uuid::from_u128(1);
        let d = rust_decimal::Decimal::ONE;
        let samples = vec![
            RecordData::Sale(rxdesk_sync::Sale {
                rtal_docno: "a".into(),
                hi_rxno: String::new(),
                operator: "o".into(),
                sold_at: 1,
                total: d,
                state: "completed".into(),
                till_shift: None,
            }),
            RecordData::StockTake(rxdesk_sync::StockTake {
                counted: 1,
                missing: vec![],
                unexpected: vec![],
                operator: "o".into(),
                at: 1,
            }),
            RecordData::Refund(rxdesk_sync::Refund {
                sale: u,
                operator: "o".into(),
                reason: "r".into(),
                refunded_at: 1,
            }),
        ];
        for s in samples {
            let names: Vec<&str> = typed_values(&s).iter().map(|(n, _)| *n).collect();
            let schema: Vec<&str> = schema::typed_columns(s.table())
                .iter()
                .map(|(n, _)| *n)
                .collect();
            assert_eq!(names, schema, "{:?}", s.table());
        }
    }

    #[test]
    fn the_version_window_refuses_both_sides() {
        let w = VersionWindow { min: 2, max: 3 };
        assert_eq!(w.check(1).unwrap_err().code(), "version_too_old");
        assert_eq!(w.check(4).unwrap_err().code(), "version_too_new");
        assert!(w.check(2).is_ok() && w.check(3).is_ok());
    }
}
