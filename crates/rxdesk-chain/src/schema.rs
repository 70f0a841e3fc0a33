//! The chain database's schema: one list of migrations run unchanged on
//! PostgreSQL and SQLite.
//!
//! Why here, in one place: the only engine-specific text in the whole crate
//! is here, in [`Engine`]: the auto-incrementing key of the changelog and of
//! `sync_issues` ([`Engine::serial_key`]) and how a writing transaction
//! begins ([`Engine::begin_write`]); every other statement (tables, the partial
//! unique index of trace codes, upserts, queries) is the common SQL both
//! engines accept. Money is decimal text (exact, never REAL or NUMERIC,
//! which SQLite would store as a float) and summed in Rust.

use rxdesk_sync::Table;

/// The engine behind a [`crate::ChainDb`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// PostgreSQL (head office).
    Postgres,
    /// SQLite (a single-store server, tests).
    Sqlite,
}

impl Engine {
    /// How a writing transaction begins (the other engine-specific text):
    /// SQLite's `BEGIN IMMEDIATE` takes the write lock at once, waiting for
    /// it, where a plain `BEGIN` that reads first fails with `database is
    /// locked` when another connection committed a write meanwhile.
    pub fn begin_write(self) -> Option<&'static str> {
        match self {
            Engine::Postgres => None,
            Engine::Sqlite => Some("BEGIN IMMEDIATE"),
        }
    }

    /// The one engine-specific piece of DDL: an auto-incrementing primary key.
    pub fn serial_key(self) -> &'static str {
        match self {
            Engine::Postgres => "BIGSERIAL PRIMARY KEY",
            Engine::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        }
    }
}

/// The typed columns of each mirror table beyond the common ones
/// (`record_id`, `source_site`, `store_code`, `deleted`, `payload`,
/// `changed_at`): what the constraints and the manager's views need. The
/// whole record is kept as JSON in `payload` (what a pull sends back).
pub fn typed_columns(table: Table) -> &'static [(&'static str, &'static str)] {
    match table {
        Table::Sale => &[
            ("rtal_docno", "TEXT NOT NULL"),
            ("sold_at", "BIGINT NOT NULL"),
            ("total", "TEXT NOT NULL"),
            ("state", "TEXT NOT NULL"),
        ],
        Table::SaleLine => &[
            ("sale", "TEXT NOT NULL"),
            ("fixmedins_hilist_id", "TEXT NOT NULL"),
            ("qty_e4", "BIGINT NOT NULL"),
            ("price", "TEXT NOT NULL"),
            ("amount", "TEXT NOT NULL"),
        ],
        Table::TraceCode => &[
            ("sale_line", "TEXT NOT NULL"),
            ("code", "TEXT NOT NULL"),
            ("returned", "BOOLEAN NOT NULL"),
        ],
        Table::Settlement => &[
            ("sale", "TEXT NOT NULL"),
            ("setl_id", "TEXT NOT NULL"),
            ("medfee_sumamt", "TEXT NOT NULL"),
            ("fund_pay_sumamt", "TEXT NOT NULL"),
            ("acct_pay", "TEXT NOT NULL"),
            ("psn_cash_pay", "TEXT NOT NULL"),
            ("setl_time", "BIGINT NOT NULL"),
        ],
        Table::SalePayment => &[
            ("sale", "TEXT NOT NULL"),
            ("method", "TEXT NOT NULL"),
            ("amount", "TEXT NOT NULL"),
        ],
        Table::Refund => &[
            ("sale", "TEXT NOT NULL"),
            ("refunded_at", "BIGINT NOT NULL"),
        ],
        Table::GoodsDoc => &[("doc_no", "TEXT NOT NULL"), ("kind", "TEXT NOT NULL")],
        Table::StockBatch => &[
            ("fixmedins_hilist_id", "TEXT NOT NULL"),
            ("qty_e4", "BIGINT NOT NULL"),
        ],
        Table::StockBox => &[("code", "TEXT NOT NULL"), ("state", "TEXT NOT NULL")],
        Table::StockChange => &[("kind", "TEXT NOT NULL"), ("at", "BIGINT NOT NULL")],
        Table::StockTake => &[("at", "BIGINT NOT NULL")],
        Table::UploadState => &[
            ("msgid", "TEXT NOT NULL"),
            ("op", "TEXT NOT NULL"),
            ("state", "TEXT NOT NULL"),
            ("updated_at", "BIGINT NOT NULL"),
        ],
        Table::Reconciliation => &[
            ("day", "TEXT NOT NULL"),
            ("outcome", "TEXT NOT NULL"),
            ("at", "BIGINT NOT NULL"),
        ],
        Table::TillShift => &[("opened_at", "BIGINT NOT NULL")],
        Table::Transfer => &[
            ("direction", "TEXT NOT NULL"),
            ("from_store", "TEXT NOT NULL"),
            ("to_store", "TEXT NOT NULL"),
            ("state", "TEXT NOT NULL"),
        ],
        Table::Product => &[
            ("fixmedins_hilist_id", "TEXT NOT NULL"),
            ("name", "TEXT NOT NULL"),
            ("price", "TEXT NOT NULL"),
            ("active", "BOOLEAN NOT NULL"),
        ],
    }
}

/// The ledger's invariants, as constraints both engines enforce.
const CONSTRAINTS: &[&str] = &[
    // A trace code is sold once chain-wide until returned.
    "CREATE UNIQUE INDEX trace_code_sold_once ON trace_code (code) WHERE NOT returned AND NOT deleted",
    // One settlement per sale, one sale per settlement (setl_id per store).
    "CREATE UNIQUE INDEX settlement_one_per_sale ON settlement (sale)",
    "CREATE UNIQUE INDEX settlement_setl_id_once ON settlement (store_code, setl_id)",
    // 零售单据号 unique per store.
    "CREATE UNIQUE INDEX sale_rtal_docno_once ON sale (store_code, rtal_docno)",
    "CREATE INDEX sale_line_sale ON sale_line (sale)",
    "CREATE INDEX trace_code_sale_line ON trace_code (sale_line)",
    "CREATE INDEX settlement_store ON settlement (store_code, setl_time)",
];

/// The statements of migration `version` (1-based) for `engine`; `None`
/// past the last one.
pub fn migration(engine: Engine, version: u32) -> Option<Vec<String>> {
    match version {
        1 => Some(v1(engine)),
        2 => Some(v2()),
        3 => Some(v3()),
        _ => None,
    }
}

/// Chain-manager accounts and their sessions (`crate::managers`): a
/// session's token is kept only as its SHA-256 hash.
fn v2() -> Vec<String> {
    vec![
        "CREATE TABLE managers (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL)".into(),
        "CREATE TABLE manager_sessions (token_hash TEXT PRIMARY KEY, manager TEXT NOT NULL REFERENCES managers (name), \
         created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)"
            .into(),
        "CREATE INDEX manager_sessions_expiry ON manager_sessions (expires_at)".into(),
    ]
}

/// An integration issue's particulars (`IntegrationIssue::params`, JSON
/// text): kept so that its refusal is worded from them when it is read back
/// (a counter's sync status, the chain manager's failures). Older issues
/// have none (`{}`).
fn v3() -> Vec<String> {
    vec!["ALTER TABLE sync_issues ADD COLUMN params TEXT NOT NULL DEFAULT '{}'".into()]
}

fn v1(engine: Engine) -> Vec<String> {
    let serial = engine.serial_key();
    let mut s: Vec<String> = vec![
        "CREATE TABLE chain_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)".into(),
        // One row every integrating transaction updates first: writers take
        // changelog cursors in commit order, so a pull never skips a cursor
        // a slower transaction commits later.
        "CREATE TABLE chain_lock (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)".into(),
        "INSERT INTO chain_lock (id, n) VALUES (1, 0)".into(),
        "CREATE TABLE stores (store_code TEXT PRIMARY KEY, name TEXT NOT NULL, created_at BIGINT NOT NULL)".into(),
        "CREATE TABLE registration_codes (code_hash TEXT PRIMARY KEY, store_code TEXT NOT NULL REFERENCES stores (store_code), created_at BIGINT NOT NULL)".into(),
        "CREATE TABLE sites (site_id TEXT PRIMARY KEY, store_code TEXT NOT NULL REFERENCES stores (store_code), \
         counter_no BIGINT NOT NULL, machine_id TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, \
         protocol_version BIGINT NOT NULL, registered_at BIGINT NOT NULL, last_push_at BIGINT, \
         last_pull_at BIGINT, last_pull_cursor BIGINT NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '', \
         UNIQUE (store_code, counter_no))".into(),
        format!(
            "CREATE TABLE changelog (cursor {serial}, table_name TEXT NOT NULL, record_id TEXT NOT NULL, \
             action TEXT NOT NULL, source_site TEXT NOT NULL, store_code TEXT NOT NULL, to_store TEXT NOT NULL DEFAULT '')"
        ),
        "CREATE INDEX changelog_record ON changelog (record_id)".into(),
        // A pull reads its store's rows and the transfers to it after a cursor.
        "CREATE INDEX changelog_store ON changelog (store_code, cursor)".into(),
        "CREATE INDEX changelog_to_store ON changelog (to_store, cursor)".into(),
        format!(
            "CREATE TABLE sync_issues (id {serial}, site_id TEXT NOT NULL, store_code TEXT NOT NULL, \
             record_id TEXT NOT NULL, table_name TEXT NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL, \
             at BIGINT NOT NULL, resolved BOOLEAN NOT NULL DEFAULT FALSE)"
        ),
    ];
    for t in Table::ALL {
        let typed: Vec<String> = typed_columns(t)
            .iter()
            .map(|(n, ty)| format!(", {n} {ty}"))
            .collect();
        s.push(format!(
            "CREATE TABLE {} (record_id TEXT PRIMARY KEY, source_site TEXT NOT NULL, store_code TEXT NOT NULL, \
             deleted BOOLEAN NOT NULL, payload TEXT NOT NULL, changed_at BIGINT NOT NULL{})",
            t.as_str(),
            typed.concat()
        ));
    }
    s.extend(CONSTRAINTS.iter().map(|c| c.to_string()));
    s
}
