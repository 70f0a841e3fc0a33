//! The whole record set of a counter's ledger as its chain push reads it
//! (issue 17). Why it exists: the push sends only the changelog after the
//! push cursor and prunes it once head office accepts, so proving that head
//! office holds exactly what a counter produced — no loss, no duplicate,
//! the same content — needs every live record the ledger would push, built
//! by the push's own reader (`chain::read_record`) for every row of every
//! table the changelog triggers watch.

use crate::chain::{read_record, read_state};
use crate::{Result, Store, StoreError};
use rxdesk_sync::{record_id, RowAction, SyncRecord, Table};

/// (local table, synced table) of every `chain_log_*_ins` trigger: the
/// tables whose writes the changelog records.
fn logged_tables(c: &rusqlite::Connection) -> Result<Vec<(String, Table)>> {
    let mut st = c
        .prepare(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'chain_log_%_ins'
             ORDER BY name",
        )
        .map_err(StoreError::sql("read chain triggers"))?;
    let sqls = st
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(StoreError::sql("read chain triggers"))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(StoreError::sql("read chain triggers"))?;
    let mut out = Vec::new();
    for s in sqls {
        // `… AFTER INSERT ON <local> BEGIN … VALUES ('<table>', NEW.id, …`
        let local = s
            .split(" ON ")
            .nth(1)
            .and_then(|x| x.split_whitespace().next());
        let table = s
            .split("VALUES ('")
            .nth(1)
            .and_then(|x| x.split('\'').next())
            .and_then(Table::parse);
        match (local, table) {
            (Some(l), Some(t)) => out.push((l.to_string(), t)),
            _ => {
                return Err(StoreError::Invalid(format!(
                    "chain trigger not understood: {s}"
                )))
            }
        }
    }
    Ok(out)
}

impl Store {
    /// Every live record this counter owns, as its push would send it now
    /// (record id, table, payload), in table order then row order. Empty
    /// when the counter is not registered (record ids derive from the site).
    pub fn chain_full_record_set(&self) -> Result<Vec<SyncRecord>> {
        self.read(|c| {
            let Some(st) = read_state(c)? else {
                return Ok(Vec::new());
            };
            let site = st.registration.site_id;
            let mut tables = logged_tables(c)?;
            tables.sort_by_key(|(_, t)| Table::ALL.iter().position(|x| x == t));
            let mut out = Vec::new();
            for (local, table) in tables {
                let mut q = c
                    .prepare(&format!("SELECT id FROM \"{local}\" ORDER BY id"))
                    .map_err(StoreError::sql("read chain table rows"))?;
                let ids = q
                    .query_map([], |r| r.get::<_, i64>(0))
                    .map_err(StoreError::sql("read chain table rows"))?
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(StoreError::sql("read chain table rows"))?;
                for id in ids {
                    if let Some(data) = read_record(c, site, table, id)? {
                        out.push(SyncRecord {
                            record_id: record_id(site, table, id),
                            source_site: site,
                            store_code: st.registration.store_code.clone(),
                            action: RowAction::Upsert,
                            data: Some(data),
                            table,
                        });
                    }
                }
            }
            Ok(out)
        })
    }
}
