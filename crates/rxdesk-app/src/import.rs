//! The manager's catalogue and stock import (issue 13 item 5), shared by the
//! window (`import_preview` / `import_commit` commands, progress as Tauri
//! events) and the CLI (`rxdesk catalogue import FILE`): which file format a
//! name means, the size limit, and the store's all-or-nothing import in
//! preview or commit mode. The checks themselves live in
//! `rxdesk_store::catalogue` (one rule set for CSV and XLSX).

use rxdesk_store::{
    ImportFormat, ImportMode, ImportProgress, ImportReport, Session, Store, StoreError,
};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Largest file accepted (a 20,000-product catalogue is about 2 MB as XLSX
/// and 3 MB as CSV).
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ImportKind {
    /// The 医保 drug catalogue / the store's products (`CATALOGUE_COLUMNS`).
    Catalogue,
    /// Stock batches (`STOCK_COLUMNS`).
    Stock,
    /// The province's price figures (挂网价, average, median;
    /// `rxdesk_store::province_prices`).
    #[serde(rename = "prices")]
    ProvincePrices,
}

/// Why a file could not be imported at all (bad lines are not errors: they
/// are listed in the [`ImportReport`]).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The name ends in neither `.csv` nor `.xlsx`.
    #[error("“{0}”不是 .csv 或 .xlsx 文件：请选择表格文件（.xls 请先另存为 .xlsx）/ not a .csv or .xlsx file")]
    UnknownFormat(String),
    /// Larger than [`MAX_IMPORT_BYTES`].
    #[error("文件过大（{0} 字节，最多 64 MB）：请分成几个文件导入 / the file is too large")]
    TooLarge(usize),
    /// The file could not be read.
    #[error("无法读取文件 {path}：{source} / cannot read the file")]
    Read {
        /// The path.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The ledger refused (permission) or failed.
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl ImportError {
    /// Stable code for scripts and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownFormat(_) => "IMPORT_UNKNOWN_FORMAT",
            Self::TooLarge(_) => "IMPORT_TOO_LARGE",
            Self::Read { .. } => "IMPORT_UNREADABLE",
            Self::Store(StoreError::Forbidden { .. }) => "IMPORT_NOT_ALLOWED",
            Self::Store(_) => "IMPORT_LEDGER",
        }
    }
}

/// The format a file name names.
pub fn format_of(file_name: &str) -> Result<ImportFormat, ImportError> {
    ImportFormat::from_file_name(file_name)
        .ok_or_else(|| ImportError::UnknownFormat(file_name.chars().take(80).collect()))
}

/// Checks (preview) or imports (commit) `bytes`, named `file_name`, as
/// `kind`, signed in as `by` (a manager). Progress is reported through
/// `progress`.
pub fn import_bytes(
    store: &Store,
    by: &Session,
    kind: ImportKind,
    file_name: &str,
    bytes: &[u8],
    mode: ImportMode,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportReport, ImportError> {
    let format = format_of(file_name)?;
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge(bytes.len()));
    }
    let report = match kind {
        ImportKind::Catalogue => store.import_catalogue(by, bytes, format, mode, progress)?,
        ImportKind::Stock => store.import_stock(by, bytes, format, mode, progress)?,
        ImportKind::ProvincePrices => {
            store.import_province_prices(by, bytes, format, mode, progress)?
        }
    };
    tracing::info!(
        ?kind,
        ?format,
        ?mode,
        inserted = report.inserted,
        updated = report.updated,
        unchanged = report.unchanged,
        bad_lines = report.errors.len(),
        committed = report.committed,
        "import"
    );
    Ok(report)
}

/// [`import_bytes`] of a file on disk.
pub fn import_file(
    store: &Store,
    by: &Session,
    kind: ImportKind,
    path: &Path,
    mode: ImportMode,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportReport, ImportError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format_of(&name)?;
    let len = std::fs::metadata(path)
        .map_err(|source| ImportError::Read {
            path: path.display().to_string(),
            source,
        })?
        .len();
    if len > MAX_IMPORT_BYTES as u64 {
        return Err(ImportError::TooLarge(len as usize));
    }
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.display().to_string(),
        source,
    })?;
    import_bytes(store, by, kind, &name, &bytes, mode, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_codes() {
        assert_eq!(format_of("a.XLSX").unwrap(), ImportFormat::Xlsx);
        let e = format_of("a.xls").unwrap_err();
        assert_eq!(e.code(), "IMPORT_UNKNOWN_FORMAT");
        assert!(e.to_string().contains(".xlsx"));
        assert_eq!(ImportError::TooLarge(1).code(), "IMPORT_TOO_LARGE");
    }
}
