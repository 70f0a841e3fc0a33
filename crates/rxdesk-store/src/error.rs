//! Errors of the ledger. Each variant says what was being done and, where the
//! counter staff can act, what to do next (zh-CN first, then English).

use std::path::PathBuf;

/// Why a ledger operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The disk (or the configured size limit) is full. Nothing was written:
    /// the transaction was rolled back and the ledger is intact.
    #[error("磁盘已满，本次操作未保存（账本完好）；请清理磁盘后重试 / disk full while {action}: nothing was saved, the ledger is intact")]
    DiskFull {
        /// What was being done.
        action: &'static str,
    },
    /// The database file exists but is not a healthy SQLite ledger.
    #[error("账本文件已损坏：{path}（{detail}）。不会自动重建；请按 docs/schema.md 的“恢复”一节从备份恢复 / ledger file {path} is corrupt ({detail}); it was NOT recreated: restore from a backup as docs/schema.md \"Restore\" describes")]
    Corrupt {
        /// The ledger file.
        path: PathBuf,
        /// What the check found.
        detail: String,
    },
    /// The schema is newer than this program (a downgrade).
    #[error("账本由更新版本的 RxDesk 创建 / ledger schema version {found} is newer than this program supports ({supported}); upgrade RxDesk")]
    SchemaTooNew {
        /// Version in the file.
        found: i64,
        /// Highest version this build knows.
        supported: i64,
    },
    /// Another SQLite error.
    #[error("数据库错误 / database error while {action}: {source}")]
    Sqlite {
        /// What was being done.
        action: &'static str,
        /// The underlying error.
        #[source]
        source: rusqlite::Error,
    },
    /// A migration failed.
    #[error("账本升级失败 / schema migration failed: {0}")]
    Migration(String),
    /// A file next to the ledger (key file, lock file) could not be used.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The key file is unusable (wrong size or too open permissions).
    #[error("密钥文件不可用 / key file {path}: {detail}")]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The master key given is not the one this ledger's data is sealed
    /// under (a vault or key file from another data directory).
    #[error("账本密钥不匹配 / the {source_kind}'s key is not this ledger's ({path}): restore the credential vault or key file that belongs to this ledger; nothing was changed")]
    WrongKey {
        /// The ledger.
        path: PathBuf,
        /// Where the key came from (`key file` or `credential vault`).
        source_kind: &'static str,
    },
    /// Sealed data failed its integrity check or could not be decrypted.
    #[error("加密数据校验失败 / sealed data failed its integrity check ({0})")]
    Unseal(String),
    /// Login failed (unknown user or wrong password; deliberately not said which).
    #[error("用户名或密码错误 / wrong login or password")]
    BadCredentials,
    /// Too many failed logins: locked until the given time.
    #[error("账户已锁定，请于 {until} 后重试或联系店长 / account locked until {until} after repeated failed logins")]
    Locked {
        /// CST wire time when the lock ends.
        until: String,
    },
    /// The operator's role does not allow the action.
    #[error(
        "无权限：{a}需由{r}办理，请{r}登录后操作 / permission denied: {action} requires role {required}",
        a = action_zh(.action),
        r = roles_zh(.required)
    )]
    Forbidden {
        /// What was attempted.
        action: &'static str,
        /// Roles that may do it.
        required: &'static str,
    },
    /// A referenced record does not exist.
    #[error("未找到 / not found: {0}")]
    NotFound(String),
    /// The request conflicts with the ledger's rules (a code already sold,
    /// a refund of a refunded sale, not enough stock…).
    #[error("{0}")]
    Rule(String),
    /// The institution code (needed for msgids) is not configured.
    #[error(
        "未设置定点机构编号 / the 12-character institution code (fixmedins_code) is not configured"
    )]
    NoInstitution,
    /// Invalid input.
    #[error("输入无效 / invalid input: {0}")]
    Invalid(String),
    /// An inventory write was refused (goods-in, return, stock change).
    #[error(transparent)]
    Inventory(#[from] crate::inventory::InventoryError),
    /// Another process already runs the sync worker on this ledger.
    #[error("另一个同步进程正在运行 / another sync worker already holds {0}")]
    SyncBusy(PathBuf),
}

impl StoreError {
    /// Wraps a rusqlite error, recognising disk-full and corruption.
    pub(crate) fn sql(action: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
        move |source| classify(action, source)
    }
}

pub(crate) fn classify(action: &'static str, source: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match source.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => StoreError::DiskFull { action },
        Some(ErrorCode::DatabaseCorrupt) | Some(ErrorCode::NotADatabase) => StoreError::Corrupt {
            path: PathBuf::new(),
            detail: source.to_string(),
        },
        _ => StoreError::Sqlite { action, source },
    }
}

/// Result alias.
pub type Result<T> = std::result::Result<T, StoreError>;

/// The zh-CN name of an action refused by [`StoreError::Forbidden`].
fn action_zh(action: &str) -> &str {
    match action {
        "sell" => "销售",
        "audit a prescription" => "审方",
        "refund" => "整单退费",
        "record delivery" => "登记配送",
        "retry or void an upload" => "重传或作废上传记录",
        "administer operators" | "create operator" => "管理操作员与设置",
        "manage stock" => "入库、退货、盘点与库存变更",
        other => other,
    }
}

/// The zh-CN names of the roles that may do an action.
fn roles_zh(required: &str) -> String {
    required
        .split('/')
        .map(|r| match r {
            "cashier" => "收银员",
            "pharmacist" => "药师",
            "manager" => "店长",
            other => other,
        })
        .collect::<Vec<_>>()
        .join("或")
}
