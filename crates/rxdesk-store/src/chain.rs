//! The counter's side of chain sync (issue 17, docs/decisions/0017): why it
//! exists — a counter keeps its own ledger as the system of record and
//! exchanges records with head office through `rxdesk-sync`'s protocol.
//!
//! - The changelog (`chain_changelog`, V17) is filled by triggers, so every
//!   change is logged in the transaction that made it; [`Store::chain_next_push`]
//!   reads the distinct rows changed after the push cursor as they are now,
//!   as typed records without personal data; [`Store::chain_push_accepted`]
//!   advances the cursor only once head office accepted the batch and prunes
//!   the changelog up to it (a crash before that re-pushes the same record
//!   ids: an identical upsert at head office).
//! - [`Store::chain_integrate_pull`] integrates one pulled page in one
//!   transaction with the pull cursor: the chain's products and prices, the
//!   boxes, batches and sold codes of the store's sibling counters (kept
//!   apart, never pushed), a sibling's sale of a box this counter received
//!   (the counter marks its own box sold), transfers (调拨) to this store,
//!   and the other store's receipt of this counter's own transfers (its `out`
//!   document becomes `received`).
//! - The bearer token is sealed under the ledger's master key (held by the
//!   credential vault in production).

use crate::inventory::{normalise_code, ChangeKind};
use crate::{auditlog, Result, Session, Store, StoreError};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use rust_decimal::Decimal;
use rxdesk_sync::{
    record_id, IntegrationIssue, PullResponse, PushRequest, RecordData, RowAction, SyncRecord,
    Table, TransferLine, PROTOCOL_VERSION, PUSH_BATCH,
};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A whole box, packs ×10⁴.
const WHOLE_BOX_E4: i64 = 10_000;

/// What head office gave this counter at registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainRegistration {
    /// The site id (namespace of this counter's record ids).
    pub site_id: Uuid,
    /// The store's 12-character code.
    pub store_code: String,
    /// The counter's number within the store.
    pub counter_no: u16,
    /// Head office's base URL.
    pub hq_url: String,
    /// The machine id the token is bound to.
    pub machine_id: String,
}

/// The chain state as the ledger keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainState {
    /// Who this counter is in the chain.
    pub registration: ChainRegistration,
    /// Local changelog cursor head office has accepted up to.
    pub push_cursor: i64,
    /// Head office's cursor this counter has integrated up to.
    pub pull_cursor: i64,
    /// Last successful sync round (Unix ms).
    pub last_sync_at: Option<i64>,
    /// Last error's stable code ('' when the last round succeeded).
    pub last_error_code: String,
    /// Last error in words.
    pub last_error_message: String,
    /// Records head office blocked in the last refused batch.
    pub issues: Vec<IntegrationIssue>,
    /// Changelog rows not yet accepted by head office.
    pub backlog: i64,
}

/// What one pulled page changed here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullOutcome {
    /// Records integrated.
    pub integrated: usize,
    /// Products inserted or changed.
    pub products: usize,
    /// Prices changed (audit-logged).
    pub price_changes: usize,
    /// Sibling boxes / batches / sold codes kept.
    pub sibling_rows: usize,
    /// This counter's boxes marked sold because a sibling sold them.
    pub own_boxes_sold: usize,
    /// Transfers received into stock.
    pub transfers_received: usize,
    /// This counter's own `out` transfers marked received (the other
    /// store's `in` document came back).
    pub transfers_confirmed: usize,
    /// Records ignored (own records, other stores, duplicates).
    pub ignored: usize,
}

/// A box a sibling counter of this store received, as last pulled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiblingBox {
    /// The trace code.
    pub code: String,
    /// The local catalogue entry of its product, if this counter has it.
    pub drug_id: Option<i64>,
    /// The sibling's batch number.
    pub fixmedins_bchno: String,
    /// 生产批号.
    pub manu_lotnum: String,
    /// Expiry, yyyy-MM-dd.
    pub expy_end: String,
    /// The sibling's state of the box.
    pub state: String,
    /// Sold by a sibling (its sale's trace code pulled, not returned).
    pub sold_elsewhere: bool,
}

/// A transfer document (调拨) this counter wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferRow {
    /// Local id.
    pub id: i64,
    /// `out` or `in`.
    pub direction: String,
    /// The sender's number.
    pub doc_no: String,
    /// Sending store.
    pub from_store: String,
    /// Receiving store.
    pub to_store: String,
    /// The boxes.
    pub lines: Vec<TransferLine>,
    /// `sent` or `received`.
    pub state: String,
    /// Who received the boxes at the other store (empty while `sent`).
    pub received_by: String,
    /// When they were received (Unix ms).
    pub received_at: Option<i64>,
}

fn sql(action: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    StoreError::sql(action)
}

fn dec(s: &str, what: &str) -> Result<Decimal> {
    s.trim()
        .parse::<Decimal>()
        .map_err(|_| StoreError::Invalid(format!("{what}: not a decimal amount")))
}

fn opt_dec(s: Option<String>, what: &str) -> Result<Option<Decimal>> {
    s.filter(|s| !s.trim().is_empty())
        .map(|s| dec(&s, what))
        .transpose()
}

fn login_of(c: &Connection, operator_id: i64) -> Result<String> {
    c.query_row(
        "SELECT login FROM operators WHERE id = ?1",
        [operator_id],
        |r| r.get(0),
    )
    .optional()
    .map_err(sql("read operator login"))
    .map(|l| l.unwrap_or_default())
}

fn split_codes(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

pub(crate) fn read_state(c: &Connection) -> Result<Option<ChainState>> {
    let row = c
        .query_row(
            "SELECT site_id, store_code, counter_no, hq_url, machine_id, push_cursor, pull_cursor,
                    last_sync_at, last_error_code, last_error_message, issues_json
             FROM chain_state WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                    r.get::<_, Option<i64>>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, String>(10)?,
                ))
            },
        )
        .optional()
        .map_err(sql("read chain state"))?;
    let Some((
        site,
        store_code,
        counter_no,
        hq_url,
        machine_id,
        push,
        pull,
        last,
        code,
        msg,
        issues,
    )) = row
    else {
        return Ok(None);
    };
    let site_id = Uuid::parse_str(&site)
        .map_err(|_| StoreError::Invalid("chain state: site id is not a UUID".into()))?;
    let backlog: i64 = c
        .query_row(
            "SELECT count(*) FROM chain_changelog WHERE cursor > ?1",
            [push],
            |r| r.get(0),
        )
        .map_err(sql("count chain backlog"))?;
    Ok(Some(ChainState {
        registration: ChainRegistration {
            site_id,
            store_code,
            counter_no: u16::try_from(counter_no).unwrap_or(0),
            hq_url,
            machine_id,
        },
        push_cursor: push,
        pull_cursor: pull,
        last_sync_at: last,
        last_error_code: code,
        last_error_message: msg,
        issues: serde_json::from_str(&issues).unwrap_or_default(),
        backlog,
    }))
}

impl Store {
    /// Records this counter's registration with head office (the token
    /// sealed). Re-registering keeps the cursors only when the site is the
    /// same; a new site starts from cursor 0, so the whole history is pushed.
    pub fn chain_register(&self, reg: &ChainRegistration, token: &str) -> Result<()> {
        let token_enc = self.sealer().seal_str(token);
        let now = self.now_ms();
        self.write("register with head office", |tx| {
            let same: bool = tx
                .query_row(
                    "SELECT site_id = ?1 FROM chain_state WHERE id = 1",
                    [reg.site_id.to_string()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql("read chain state"))?
                .unwrap_or(false);
            if same {
                tx.execute(
                    "UPDATE chain_state SET store_code = ?1, counter_no = ?2, hq_url = ?3,
                            machine_id = ?4, token_enc = ?5 WHERE id = 1",
                    params![reg.store_code, reg.counter_no, reg.hq_url, reg.machine_id, token_enc],
                )
                .map_err(sql("update chain state"))?;
            } else {
                tx.execute("DELETE FROM chain_state", [])
                    .map_err(sql("reset chain state"))?;
                tx.execute(
                    "INSERT INTO chain_state (id, site_id, store_code, counter_no, hq_url, machine_id,
                                              token_enc, registered_at)
                     VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        reg.site_id.to_string(),
                        reg.store_code,
                        reg.counter_no,
                        reg.hq_url,
                        reg.machine_id,
                        token_enc,
                        now
                    ],
                )
                .map_err(sql("record chain registration"))?;
            }
            auditlog::append(
                tx,
                self,
                None,
                "chain.register",
                &serde_json::json!({
                    "site": reg.site_id.to_string(),
                    "store": reg.store_code,
                    "counter": reg.counter_no,
                    "hq": reg.hq_url,
                }),
            )
        })
    }

    /// The chain state, `None` while this counter is not registered.
    pub fn chain_state(&self) -> Result<Option<ChainState>> {
        self.read(read_state)
    }

    /// The bearer token (unsealed), `None` while not registered.
    pub fn chain_token(&self) -> Result<Option<String>> {
        let enc: Option<Vec<u8>> = self.read(|c| {
            c.query_row("SELECT token_enc FROM chain_state WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sql("read chain token"))
        })?;
        enc.map(|e| self.sealer().open_str(&e)).transpose()
    }

    /// A random id generated once per ledger and kept in `meta`: with the
    /// machine's own id it makes the machine id a token is bound to.
    pub fn chain_machine_seed(&self) -> Result<String> {
        self.write("chain machine seed", |tx| {
            if let Some(v) = crate::get_meta(tx, "chain_machine_seed")? {
                return Ok(v);
            }
            let mut bytes = [0u8; 16];
            getrandom::fill(&mut bytes)
                .map_err(|e| StoreError::Invalid(format!("no randomness: {e}")))?;
            let v = hex::encode(bytes);
            crate::set_meta(tx, "chain_machine_seed", &v)?;
            Ok(v)
        })
    }

    /// Changelog rows not yet accepted by head office.
    pub fn chain_backlog(&self) -> Result<i64> {
        self.read(|c| {
            let push: i64 = c
                .query_row(
                    "SELECT push_cursor FROM chain_state WHERE id = 1",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql("read push cursor"))?
                .unwrap_or(0);
            c.query_row(
                "SELECT count(*) FROM chain_changelog WHERE cursor > ?1",
                [push],
                |r| r.get(0),
            )
            .map_err(sql("count chain backlog"))
        })
    }

    /// The next batch to push: the distinct rows changed after the push
    /// cursor (at most [`PUSH_BATCH`] changelog rows), each as it is now,
    /// parents before children. `None` when the changelog is drained or the
    /// counter is not registered.
    pub fn chain_next_push(&self) -> Result<Option<PushRequest>> {
        self.read(|c| {
            let Some(st) = read_state(c)? else {
                return Ok(None);
            };
            let site = st.registration.site_id;
            let store_code = st.registration.store_code.clone();
            let mut q = c
                .prepare(
                    "SELECT cursor, tbl, row_id, action FROM chain_changelog
                     WHERE cursor > ?1 ORDER BY cursor LIMIT ?2",
                )
                .map_err(sql("read changelog"))?;
            let rows = q
                .query_map(params![st.push_cursor, PUSH_BATCH as i64], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })
                .map_err(sql("read changelog"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(sql("read changelog"))?;
            let Some(up_to) = rows.last().map(|r| r.0) else {
                return Ok(None);
            };
            // (table order, row) → last action.
            let mut changed: BTreeMap<(usize, i64), (Table, String)> = BTreeMap::new();
            for (_, tbl, row, action) in rows {
                let Some(table) = Table::parse(&tbl) else {
                    tracing::warn!(table = %tbl, "changelog names an unknown table; skipped");
                    continue;
                };
                let order = Table::ALL
                    .iter()
                    .position(|t| *t == table)
                    .unwrap_or(usize::MAX);
                changed.insert((order, row), (table, action));
            }
            let mut records = Vec::with_capacity(changed.len());
            for ((_, row), (table, action)) in changed {
                let data = if action == "delete" {
                    None
                } else {
                    read_record(c, site, table, row)?
                };
                records.push(SyncRecord {
                    record_id: record_id(site, table, row),
                    source_site: site,
                    store_code: store_code.clone(),
                    action: if data.is_some() {
                        RowAction::Upsert
                    } else {
                        RowAction::Delete
                    },
                    data,
                    table,
                });
            }
            Ok(Some(PushRequest {
                site_id: site,
                protocol_version: PROTOCOL_VERSION,
                up_to_cursor: up_to,
                records,
            }))
        })
    }

    /// Head office accepted the batch up to `up_to_cursor`: advance the push
    /// cursor (never backwards), prune the changelog up to it and clear the
    /// blocked issues, in one committed transaction (`synchronous=FULL`).
    pub fn chain_push_accepted(&self, up_to_cursor: i64) -> Result<()> {
        self.write("advance push cursor", |tx| {
            tx.execute(
                "UPDATE chain_state SET push_cursor = max(push_cursor, ?1), issues_json = '[]' WHERE id = 1",
                [up_to_cursor],
            )
            .map_err(sql("advance push cursor"))?;
            tx.execute(
                "DELETE FROM chain_changelog
                 WHERE cursor <= (SELECT push_cursor FROM chain_state WHERE id = 1)",
                [],
            )
            .map_err(sql("prune changelog"))?;
            Ok(())
        })
    }

    /// Records how the last round ended: success (`code` empty) stamps the
    /// time; a failure keeps its code and words, and the blocked records of
    /// a refused batch.
    pub fn chain_record_outcome(
        &self,
        code: &str,
        message: &str,
        issues: Option<&[IntegrationIssue]>,
    ) -> Result<()> {
        let now = self.now_ms();
        let issues_json = issues.map(|i| serde_json::to_string(i).unwrap_or_else(|_| "[]".into()));
        self.write("record chain outcome", |tx| {
            if code.is_empty() {
                tx.execute(
                    "UPDATE chain_state SET last_sync_at = ?1, last_error_code = '', last_error_message = '' WHERE id = 1",
                    [now],
                )
            } else {
                tx.execute(
                    "UPDATE chain_state SET last_error_code = ?1, last_error_message = ?2 WHERE id = 1",
                    params![code, message],
                )
            }
            .map_err(sql("record chain outcome"))?;
            if let Some(j) = &issues_json {
                tx.execute("UPDATE chain_state SET issues_json = ?1 WHERE id = 1", [j])
                    .map_err(sql("record chain issues"))?;
            }
            Ok(())
        })
    }

    /// Integrates one pulled page and advances the pull cursor to its
    /// `next_cursor`, in one transaction.
    pub fn chain_integrate_pull(&self, page: &PullResponse) -> Result<PullOutcome> {
        self.write("integrate pulled records", |tx| {
            let st = read_state(tx)?.ok_or_else(|| {
                StoreError::Invalid("本柜台尚未注册到总部 / this counter is not registered".into())
            })?;
            let mut out = PullOutcome::default();
            for rec in &page.records {
                self.integrate_one(tx, &st.registration, rec, &mut out)?;
            }
            tx.execute(
                "UPDATE chain_state SET pull_cursor = max(pull_cursor, ?1) WHERE id = 1",
                [page.next_cursor],
            )
            .map_err(sql("advance pull cursor"))?;
            Ok(out)
        })
    }

    fn integrate_one(
        &self,
        tx: &Transaction<'_>,
        me: &ChainRegistration,
        rec: &SyncRecord,
        out: &mut PullOutcome,
    ) -> Result<()> {
        if rec.source_site == me.site_id {
            out.ignored += 1;
            return Ok(());
        }
        let rid = rec.record_id.to_string();
        let site = rec.source_site.to_string();
        let same_store = rec.store_code == me.store_code;
        match (&rec.data, rec.action) {
            (Some(RecordData::Product(p)), RowAction::Upsert) => {
                let price = p.price.normalize().to_string();
                let old: Option<(i64, String)> = tx
                    .query_row(
                        "SELECT id, price FROM drugs WHERE fixmedins_hilist_id = ?1",
                        [&p.fixmedins_hilist_id],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()
                    .map_err(sql("read product"))?;
                tx.execute(
                    "INSERT INTO drugs (fixmedins_hilist_id, med_list_codg, name, genname, dosform, spec, unit,
                                        prdr_name, aprvno, rx_flag, price, active, pinyin)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                     ON CONFLICT (fixmedins_hilist_id) DO UPDATE SET
                        pinyin = CASE WHEN name = excluded.name AND pinyin <> '' THEN pinyin ELSE excluded.pinyin END,
                        med_list_codg = excluded.med_list_codg, name = excluded.name,
                        genname = excluded.genname, dosform = excluded.dosform, spec = excluded.spec,
                        unit = excluded.unit, prdr_name = excluded.prdr_name, aprvno = excluded.aprvno,
                        rx_flag = excluded.rx_flag, price = excluded.price, active = excluded.active",
                    params![
                        p.fixmedins_hilist_id,
                        p.med_list_codg,
                        p.name,
                        p.genname,
                        p.dosform,
                        p.spec,
                        p.unit,
                        p.prdr_name,
                        p.aprvno,
                        p.rx_flag,
                        price,
                        p.active as i64,
                        rxdesk_core::catalogue::pinyin_initials(&p.name)
                    ],
                )
                .map_err(sql("upsert product"))?;
                out.products += 1;
                let changed = match &old {
                    Some((_, was)) => dec(was, "price").ok() != Some(p.price),
                    None => false,
                };
                if changed {
                    out.price_changes += 1;
                    auditlog::append(
                        tx,
                        self,
                        None,
                        "chain.price",
                        &serde_json::json!({
                            "fixmedins_hilist_id": p.fixmedins_hilist_id,
                            "old": old.map(|o| o.1),
                            "new": price,
                        }),
                    )?;
                }
            }
            (Some(RecordData::StockBatch(b)), RowAction::Upsert) if same_store => {
                tx.execute(
                    "INSERT OR REPLACE INTO chain_store_batches
                        (record_id, site_id, fixmedins_hilist_id, fixmedins_bchno, manu_lotnum, manu_date, expy_end)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![rid, site, b.fixmedins_hilist_id, b.fixmedins_bchno, b.manu_lotnum, b.manu_date, b.expy_end],
                )
                .map_err(sql("keep sibling batch"))?;
                out.sibling_rows += 1;
            }
            (Some(RecordData::StockBox(b)), RowAction::Upsert) if same_store => {
                tx.execute(
                    "INSERT INTO chain_store_boxes (record_id, site_id, code, batch_record, state, remaining_e4, changed_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (record_id) DO UPDATE SET state = excluded.state,
                        remaining_e4 = excluded.remaining_e4, changed_at = excluded.changed_at,
                        batch_record = excluded.batch_record",
                    params![rid, site, b.code, b.batch.to_string(), b.state, b.remaining_e4, b.changed_at],
                )
                .map_err(sql("keep sibling box"))?;
                out.sibling_rows += 1;
            }
            (Some(RecordData::TraceCode(t)), RowAction::Upsert) if same_store => {
                tx.execute(
                    "INSERT OR REPLACE INTO chain_store_sold_codes (record_id, site_id, code, returned)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![rid, site, t.code, t.returned as i64],
                )
                .map_err(sql("keep sibling sold code"))?;
                out.sibling_rows += 1;
                if !t.returned {
                    // A sibling sold a box this counter received: the box is
                    // this counter's, so it marks it sold (and pushes that).
                    let n = tx
                        .execute(
                            "UPDATE stock_boxes SET state = 'sold', remaining_e4 = 0, changed_at = ?2
                             WHERE code = ?1 AND state IN ('in_stock', 'opened')",
                            params![t.code, self.now_ms()],
                        )
                        .map_err(sql("mark own box sold by a sibling"))?;
                    if n > 0 {
                        tx.execute(
                            "UPDATE stock_batches SET qty_e4 = max(qty_e4 - ?2, 0)
                             WHERE id = (SELECT batch_id FROM stock_boxes WHERE code = ?1)",
                            params![t.code, WHOLE_BOX_E4],
                        )
                        .map_err(sql("take sibling-sold box from its batch"))?;
                        out.own_boxes_sold += 1;
                        tracing::info!("own box marked sold: a sibling counter sold it");
                    }
                } else {
                    // The sibling's refund gave the box back: this counter's
                    // own box is on the shelf again, unless this counter
                    // itself sold it (its own sale stands).
                    let n = tx
                        .execute(
                            "UPDATE stock_boxes SET state = 'in_stock', remaining_e4 = ?2, changed_at = ?3
                             WHERE code = ?1 AND state = 'sold'
                               AND NOT EXISTS (SELECT 1 FROM trace_codes WHERE code = ?1 AND returned = 0)",
                            params![t.code, WHOLE_BOX_E4, self.now_ms()],
                        )
                        .map_err(sql("give own box back after a sibling's refund"))?;
                    if n > 0 {
                        tx.execute(
                            "UPDATE stock_batches SET qty_e4 = qty_e4 + ?2
                             WHERE id = (SELECT batch_id FROM stock_boxes WHERE code = ?1)",
                            params![t.code, WHOLE_BOX_E4],
                        )
                        .map_err(sql("give own box back to its batch"))?;
                    }
                }
            }
            (Some(RecordData::Transfer(t)), RowAction::Upsert)
                if t.direction == "out" && t.to_store == me.store_code && !same_store =>
            {
                if self.receive_transfer(tx, &rid, t)? {
                    out.transfers_received += 1;
                } else {
                    out.ignored += 1;
                }
            }
            (Some(RecordData::Transfer(t)), RowAction::Upsert)
                if t.direction == "in" && t.from_store == me.store_code && !same_store =>
            {
                let confirmed = self.confirm_transfer(tx, me, t)?;
                if !confirmed {
                    out.ignored += 1;
                    return Ok(());
                }
                out.transfers_confirmed += 1;
            }
            _ => {
                out.ignored += 1;
                return Ok(());
            }
        }
        out.integrated += 1;
        Ok(())
    }

    /// The sending store's side of a forwarded `in` transfer (the receipt):
    /// if its `originating` names one of this counter's own `out` documents
    /// still `sent`, that document becomes `received` with the receiver's
    /// who and when, in the caller's transaction (the changelog trigger
    /// pushes the change). `false` when it names another counter's document
    /// (a sibling of this store sent it) or was already applied.
    fn confirm_transfer(
        &self,
        tx: &Transaction<'_>,
        me: &ChainRegistration,
        t: &rxdesk_sync::Transfer,
    ) -> Result<bool> {
        let Some(originating) = t.originating else {
            return Ok(false);
        };
        let sent: Vec<i64> = {
            let mut st = tx
                .prepare("SELECT id FROM transfers WHERE direction = 'out' AND state = 'sent'")
                .map_err(sql("find sent transfers"))?;
            let ids = st
                .query_map([], |r| r.get(0))
                .map_err(sql("find sent transfers"))?
                .collect::<std::result::Result<Vec<i64>, _>>()
                .map_err(sql("find sent transfers"))?;
            ids
        };
        let Some(id) = sent
            .into_iter()
            .find(|id| record_id(me.site_id, Table::Transfer, *id) == originating)
        else {
            return Ok(false);
        };
        let received_at = t.received_at.unwrap_or(t.at);
        tx.execute(
            "UPDATE transfers SET state = 'received', received_by = ?2, received_at = ?3
             WHERE id = ?1 AND state = 'sent'",
            params![id, t.received_by, received_at],
        )
        .map_err(sql("mark transfer received"))?;
        auditlog::append(
            tx,
            self,
            None,
            "chain.transfer_confirmed",
            &serde_json::json!({"doc_no": t.doc_no, "to": t.to_store, "received_by": t.received_by}),
        )?;
        tracing::info!(doc_no = %t.doc_no, "own transfer out marked received by the other store");
        Ok(true)
    }

    /// The receiving store's side of a forwarded `out` transfer: its paired
    /// `in` document and the boxes into stock (its own batch rows), in the
    /// caller's transaction. `false` when the document was already received.
    fn receive_transfer(
        &self,
        tx: &Transaction<'_>,
        out_record: &str,
        t: &rxdesk_sync::Transfer,
    ) -> Result<bool> {
        let seen: bool = tx
            .query_row(
                "SELECT 1 FROM transfers WHERE originating = ?1",
                [out_record],
                |_| Ok(true),
            )
            .optional()
            .map_err(sql("find received transfer"))?
            .unwrap_or(false);
        if seen {
            return Ok(false);
        }
        let now = self.now_ms();
        let operator_id: i64 = tx
            .query_row(
                "SELECT id FROM operators WHERE role = 'manager' AND active = 1 ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql("find receiving manager"))?
            .or(tx
                .query_row("SELECT id FROM operators ORDER BY id LIMIT 1", [], |r| r.get(0))
                .optional()
                .map_err(sql("find receiving operator"))?)
            .ok_or_else(|| StoreError::Rule("没有操作员，无法接收调拨 / no operator to receive the transfer".into()))?;
        let doc_no = format!("DB{}", t.doc_no);
        tx.execute(
            "INSERT INTO goods_docs (doc_no, kind, supplier, invoice_no, reason, operator_id, at)
             VALUES (?1, 'receipt', ?2, ?3, ?4, ?5, ?6)",
            params![
                doc_no,
                format!("调拨自 {}", t.from_store),
                t.doc_no,
                "transfer_in",
                operator_id,
                now
            ],
        )
        .map_err(sql("record transfer goods-in"))?;
        let doc_id = tx.last_insert_rowid();
        // One 3502 调拨入库 per batch, as the sender sent one 调拨出库 per batch.
        let mut received: std::collections::BTreeMap<(i64, i64), (Vec<String>, i64)> =
            std::collections::BTreeMap::new();
        for (n, l) in t.lines.iter().enumerate() {
            let code = normalise_code(&l.code)?;
            let drug_id: i64 = tx
                .query_row(
                    "SELECT id FROM drugs WHERE fixmedins_hilist_id = ?1",
                    [&l.fixmedins_hilist_id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql("find transferred product"))?
                .ok_or_else(|| {
                    StoreError::Rule(format!(
                        "调拨药品 {} 不在本店目录中 / transferred product not in the catalogue",
                        l.fixmedins_hilist_id
                    ))
                })?;
            let batch: Option<i64> = tx
                .query_row(
                    "SELECT id FROM stock_batches WHERE drug_id = ?1 AND manu_lotnum = ?2 AND expy_end = ?3
                     AND store = 'traced' ORDER BY id LIMIT 1",
                    params![drug_id, l.manu_lotnum, l.expy_end],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql("find batch"))?;
            let qty = l.qty_e4.max(0);
            let batch_id = match batch {
                Some(id) => {
                    tx.execute(
                        "UPDATE stock_batches SET qty_e4 = qty_e4 + ?2 WHERE id = ?1",
                        params![id, qty],
                    )
                    .map_err(sql("add transferred stock"))?;
                    id
                }
                None => {
                    tx.execute(
                        "INSERT INTO stock_batches (drug_id, fixmedins_bchno, manu_lotnum, manu_date, expy_end, qty_e4, store)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'traced')",
                        params![drug_id, format!("{doc_no}-{}", n + 1), l.manu_lotnum, l.manu_date, l.expy_end, qty],
                    )
                    .map_err(sql("create transferred batch"))?;
                    tx.last_insert_rowid()
                }
            };
            tx.execute(
                "INSERT INTO stock_boxes (code, drug_id, batch_id, doc_id, state, remaining_e4, changed_at)
                 VALUES (?1, ?2, ?3, ?4, CASE WHEN ?5 >= 10000 THEN 'in_stock' ELSE 'opened' END, ?5, ?6)
                 ON CONFLICT (code) DO UPDATE SET state = excluded.state, remaining_e4 = excluded.remaining_e4,
                    batch_id = excluded.batch_id, changed_at = excluded.changed_at",
                params![code, drug_id, batch_id, doc_id, qty, now],
            )
            .map_err(sql("receive transferred box"))?;
            let e = received.entry((drug_id, batch_id)).or_default();
            e.0.push(code);
            e.1 += qty;
        }
        let (operator_name, operator_login): (String, String) = tx
            .query_row(
                "SELECT display_name, login FROM operators WHERE id = ?1",
                [operator_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(sql("read receiving operator"))?;
        let reason = format!("调拨自 {}（调拨单 {}）", t.from_store, t.doc_no);
        for ((drug_id, batch_id), (codes, qty)) in &received {
            self.record_transfer_in_in(
                tx,
                operator_id,
                &operator_name,
                *drug_id,
                *batch_id,
                codes,
                *qty,
                &reason,
                now,
            )?;
        }
        tx.execute(
            "INSERT INTO transfers (direction, doc_no, from_store, to_store, originating, lines_json, state, operator, at,
                                    received_by, received_at)
             VALUES ('in', ?1, ?2, ?3, ?4, ?5, 'received', ?6, ?7, ?8, ?7)",
            params![
                t.doc_no,
                t.from_store,
                t.to_store,
                out_record,
                serde_json::to_string(&t.lines).unwrap_or_else(|_| "[]".into()),
                t.operator,
                now,
                operator_login
            ],
        )
        .map_err(sql("record transfer in"))?;
        // The in-stock list (when the profile publishes it) follows every stock change.
        self.publish_stock(tx)?;
        auditlog::append(
            tx,
            self,
            None,
            "chain.transfer_in",
            &serde_json::json!({"doc_no": t.doc_no, "from": t.from_store, "boxes": t.lines.len()}),
        )?;
        Ok(true)
    }

    /// A box a sibling counter of this store received, `None` when no
    /// sibling's box with this code was pulled.
    pub fn chain_sibling_box(&self, code: &str) -> Result<Option<SiblingBox>> {
        let code = rxdesk_core::text::to_half_width(code.trim());
        self.read(|c| sibling_box(c, &code))
    }

    /// A sibling counter of this store sold this code (and did not take it
    /// back), as far as this counter has pulled.
    pub fn chain_code_sold_elsewhere(&self, code: &str) -> Result<bool> {
        let code = rxdesk_core::text::to_half_width(code.trim());
        self.read(|c| sold_elsewhere(c, &code))
    }

    /// Takes a sibling's box onto this counter's books for a sale: the box
    /// is on the store's shared shelf, the dispensing rules need it in a
    /// batch of this ledger. The sibling's batch number is kept (the center
    /// knows the batch by it); one box's quantity is added once per code.
    /// Returns the batch number.
    pub fn chain_adopt_sibling_box(&self, code: &str) -> Result<String> {
        let code = normalise_code(code)?;
        self.write("take a sibling's box", |tx| {
            let b = sibling_box(tx, &code)?.ok_or_else(|| {
                StoreError::NotFound(format!("追溯码 {code} 不是本店其他柜台入库的药盒"))
            })?;
            if b.sold_elsewhere {
                return Err(StoreError::Rule(format!(
                    "追溯码 {code} 已在本店其他柜台售出 / sold at another counter"
                )));
            }
            let drug_id = b.drug_id.ok_or_else(|| {
                StoreError::Rule(format!("追溯码 {code} 的药品不在本柜台目录中"))
            })?;
            let adopted: bool = tx
                .query_row(
                    "SELECT 1 FROM meta WHERE key = ?1",
                    [format!("chain_adopted:{code}")],
                    |_| Ok(true),
                )
                .optional()
                .map_err(sql("read adopted box"))?
                .unwrap_or(false);
            if adopted {
                return Ok(b.fixmedins_bchno);
            }
            let id: Option<i64> = tx
                .query_row(
                    "SELECT id FROM stock_batches WHERE fixmedins_bchno = ?1",
                    [&b.fixmedins_bchno],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql("find batch"))?;
            match id {
                Some(id) => tx.execute(
                    "UPDATE stock_batches SET qty_e4 = qty_e4 + ?2 WHERE id = ?1",
                    params![id, WHOLE_BOX_E4],
                ),
                None => tx.execute(
                    "INSERT INTO stock_batches (drug_id, fixmedins_bchno, manu_lotnum, manu_date, expy_end, qty_e4, store)
                     SELECT ?1, fixmedins_bchno, manu_lotnum, manu_date, expy_end, ?3, 'traced'
                     FROM chain_store_batches b JOIN chain_store_boxes x ON x.batch_record = b.record_id
                     WHERE x.code = ?2 LIMIT 1",
                    params![drug_id, code, WHOLE_BOX_E4],
                ),
            }
            .map_err(sql("take sibling box into a batch"))?;
            crate::set_meta(tx, &format!("chain_adopted:{code}"), "1")?;
            Ok(b.fixmedins_bchno)
        })
    }

    /// Gives back the sibling boxes taken onto this counter's books for a
    /// sale that never happened (the visit or OTC sale was cancelled or
    /// abandoned): each adopted code that no open sale holds (`held`) and
    /// that was never sold here has its box's quantity taken off the batch
    /// again, so the store does not count it twice (the sibling still has
    /// it in stock, and this counter can take it again when it is scanned).
    /// A code whose batch no longer holds a whole box is left as it is and
    /// logged. Returns how many boxes were given back.
    pub fn chain_release_adopted_boxes(
        &self,
        held: &std::collections::HashSet<String>,
    ) -> Result<usize> {
        let adopted: Vec<String> = self.read(|c| {
            let mut st = c
                .prepare("SELECT substr(key, 15) FROM meta WHERE key LIKE 'chain_adopted:%'")
                .map_err(sql("list adopted boxes"))?;
            let rows = st
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(sql("list adopted boxes"))?;
            rows.collect::<std::result::Result<Vec<_>, _>>()
                .map_err(sql("list adopted boxes"))
        })?;
        let loose: Vec<String> = adopted.into_iter().filter(|c| !held.contains(c)).collect();
        if loose.is_empty() {
            return Ok(0);
        }
        self.write("give back sibling boxes", |tx| {
            let mut given = 0;
            for code in &loose {
                let sold_here: bool = tx
                    .query_row(
                        "SELECT EXISTS (SELECT 1 FROM trace_codes WHERE code = ?1)",
                        [code],
                        |r| r.get(0),
                    )
                    .map_err(sql("read sold codes"))?;
                if sold_here {
                    continue;
                }
                let Some(b) = sibling_box(tx, code)? else {
                    continue;
                };
                let n = tx
                    .execute(
                        "UPDATE stock_batches SET qty_e4 = qty_e4 - ?2
                         WHERE fixmedins_bchno = ?1 AND qty_e4 >= ?2",
                        params![b.fixmedins_bchno, WHOLE_BOX_E4],
                    )
                    .map_err(sql("give back a sibling box"))?;
                if n == 0 {
                    tracing::warn!(
                        batch = %b.fixmedins_bchno,
                        "a sibling box taken for a sale that did not happen: its batch no longer holds a whole box; left as it is"
                    );
                    continue;
                }
                tx.execute(
                    "DELETE FROM meta WHERE key = ?1",
                    [format!("chain_adopted:{code}")],
                )
                .map_err(sql("forget an adopted box"))?;
                given += 1;
            }
            Ok(given)
        })
    }

    /// 调拨出: the boxes leave this store for `to_store` (state
    /// `transferred`, the 3502 调拨出 per batch) and an `out` transfer
    /// document is written, all in one transaction; head office forwards it.
    pub fn transfer_out(
        &self,
        by: &Session,
        to_store: &str,
        codes: &[String],
    ) -> Result<TransferRow> {
        let to_store = to_store.trim().to_string();
        if !crate::msgid::valid_institution_code(&to_store) {
            return Err(StoreError::Invalid(format!(
                "调入门店编码必须为 12 位字母或数字 / store code must be 12 letters or digits, got {to_store:?}"
            )));
        }
        let now = self.now_ms();
        self.write("transfer out", |tx| {
            let from_store = crate::get_meta(tx, "fixmedins_code")?.ok_or(StoreError::NoInstitution)?;
            if from_store == to_store {
                return Err(StoreError::Invalid("不能调拨到本店 / cannot transfer to the same store".into()));
            }
            let mut lines = Vec::new();
            for raw in codes {
                let code = normalise_code(raw)?;
                let l: Option<TransferLine> = tx
                    .query_row(
                        "SELECT d.fixmedins_hilist_id, b.manu_lotnum, b.manu_date, b.expy_end, x.code, x.remaining_e4
                         FROM stock_boxes x JOIN stock_batches b ON b.id = x.batch_id JOIN drugs d ON d.id = x.drug_id
                         WHERE x.code = ?1",
                        [&code],
                        |r| {
                            Ok(TransferLine {
                                fixmedins_hilist_id: r.get(0)?,
                                manu_lotnum: r.get(1)?,
                                manu_date: r.get(2)?,
                                expy_end: r.get(3)?,
                                code: r.get(4)?,
                                qty_e4: r.get(5)?,
                            })
                        },
                    )
                    .optional()
                    .map_err(sql("read box to transfer"))?;
                lines.push(l.ok_or_else(|| {
                    StoreError::from(crate::inventory::InventoryError::NotInStock {
                        code: code.clone(),
                        why: "未入库".into(),
                    })
                })?);
            }
            let seq: i64 = tx
                .query_row("SELECT count(*) + 1 FROM transfers WHERE direction = 'out'", [], |r| r.get(0))
                .map_err(sql("number transfer"))?;
            let terminal = crate::get_meta(tx, "terminal_no")?.unwrap_or_else(|| "0".into());
            let doc_no = format!("{from_store}-{terminal}-{now}-{seq}");
            self.record_stock_change_in(
                tx,
                by,
                ChangeKind::TransferOut,
                codes,
                &format!("调拨至 {to_store}（{doc_no}）"),
                now,
            )?;
            tx.execute(
                "INSERT INTO transfers (direction, doc_no, from_store, to_store, originating, lines_json, state, operator, at)
                 VALUES ('out', ?1, ?2, ?3, NULL, ?4, 'sent', ?5, ?6)",
                params![
                    doc_no,
                    from_store,
                    to_store,
                    serde_json::to_string(&lines).unwrap_or_else(|_| "[]".into()),
                    by.login(),
                    now
                ],
            )
            .map_err(sql("record transfer out"))?;
            Ok(TransferRow {
                id: tx.last_insert_rowid(),
                direction: "out".into(),
                doc_no,
                from_store,
                to_store: to_store.clone(),
                lines,
                state: "sent".into(),
                received_by: String::new(),
                received_at: None,
            })
        })
    }

    /// Every transfer document, newest first.
    pub fn transfers(&self) -> Result<Vec<TransferRow>> {
        self.read(|c| {
            let mut st = c
                .prepare(
                    "SELECT id, direction, doc_no, from_store, to_store, lines_json, state, received_by, received_at
                     FROM transfers ORDER BY id DESC",
                )
                .map_err(sql("read transfers"))?;
            let rows = st
                .query_map([], |r| {
                    Ok(TransferRow {
                        id: r.get(0)?,
                        direction: r.get(1)?,
                        doc_no: r.get(2)?,
                        from_store: r.get(3)?,
                        to_store: r.get(4)?,
                        lines: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default(),
                        state: r.get(6)?,
                        received_by: r.get(7)?,
                        received_at: r.get(8)?,
                    })
                })
                .map_err(sql("read transfers"))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(sql("read transfers"));
            rows
        })
    }
}

fn sold_elsewhere(c: &Connection, code: &str) -> Result<bool> {
    c.query_row(
        "SELECT EXISTS (SELECT 1 FROM chain_store_sold_codes WHERE code = ?1 AND returned = 0)",
        [code],
        |r| r.get(0),
    )
    .map_err(sql("read sibling sold codes"))
}

fn sibling_box(c: &Connection, code: &str) -> Result<Option<SiblingBox>> {
    let row = c
        .query_row(
            "SELECT x.code, d.id, b.fixmedins_bchno, b.manu_lotnum, b.expy_end, x.state
             FROM chain_store_boxes x JOIN chain_store_batches b ON b.record_id = x.batch_record
             LEFT JOIN drugs d ON d.fixmedins_hilist_id = b.fixmedins_hilist_id
             WHERE x.code = ?1 ORDER BY x.changed_at DESC LIMIT 1",
            [code],
            |r| {
                Ok(SiblingBox {
                    code: r.get(0)?,
                    drug_id: r.get(1)?,
                    fixmedins_bchno: r.get(2)?,
                    manu_lotnum: r.get(3)?,
                    expy_end: r.get(4)?,
                    state: r.get(5)?,
                    sold_elsewhere: false,
                })
            },
        )
        .optional()
        .map_err(sql("read sibling box"))?;
    match row {
        Some(mut b) => {
            b.sold_elsewhere = sold_elsewhere(c, code)?;
            Ok(Some(b))
        }
        None => Ok(None),
    }
}

/// One owned row as its typed record, `None` when it no longer exists.
pub(crate) fn read_record(
    c: &Connection,
    site: Uuid,
    table: Table,
    id: i64,
) -> Result<Option<RecordData>> {
    let rid = |t: Table, id: i64| record_id(site, t, id);
    let one = |q: &str| -> Result<Option<Vec<rusqlite::types::Value>>> {
        let mut st = c.prepare_cached(q).map_err(sql("read changed row"))?;
        let n = st.column_count();
        st.query_row([id], |r| {
            (0..n)
                .map(|i| r.get::<_, rusqlite::types::Value>(i))
                .collect()
        })
        .optional()
        .map_err(sql("read changed row"))
    };
    use rusqlite::types::Value as V;
    let s = |v: &V| match v {
        V::Text(t) => t.clone(),
        V::Integer(i) => i.to_string(),
        _ => String::new(),
    };
    let i = |v: &V| match v {
        V::Integer(i) => *i,
        _ => 0,
    };
    let oi = |v: &V| match v {
        V::Integer(i) => Some(*i),
        _ => None,
    };
    let os = |v: &V| match v {
        V::Text(t) => Some(t.clone()),
        _ => None,
    };
    Ok(Some(match table {
        Table::Sale => {
            let Some(r) = one(
                "SELECT s.rtal_docno, coalesce(p.hi_rxno, ''), s.operator_id, s.sold_at, s.total, s.state, s.till_shift_id
                 FROM sales s LEFT JOIN prescriptions p ON p.id = s.prescription_id WHERE s.id = ?1",
            )?
            else {
                return Ok(None);
            };
            RecordData::Sale(rxdesk_sync::Sale {
                rtal_docno: s(&r[0]),
                hi_rxno: s(&r[1]),
                operator: login_of(c, i(&r[2]))?,
                sold_at: i(&r[3]),
                total: dec(&s(&r[4]), "sale total")?,
                state: s(&r[5]),
                till_shift: oi(&r[6]).map(|t| rid(Table::TillShift, t)),
            })
        }
        Table::SaleLine => {
            let Some(r) = one(
                "SELECT l.sale_id, d.fixmedins_hilist_id, d.med_list_codg, l.batch_id, l.qty_e4, l.price, l.amount, l.trdn_flag
                 FROM sale_lines l JOIN drugs d ON d.id = l.drug_id WHERE l.id = ?1",
            )?
            else {
                return Ok(None);
            };
            RecordData::SaleLine(rxdesk_sync::SaleLine {
                sale: rid(Table::Sale, i(&r[0])),
                fixmedins_hilist_id: s(&r[1]),
                med_list_codg: s(&r[2]),
                batch: rid(Table::StockBatch, i(&r[3])),
                qty_e4: i(&r[4]),
                price: dec(&s(&r[5]), "line price")?,
                amount: dec(&s(&r[6]), "line amount")?,
                trdn_flag: s(&r[7]),
            })
        }
        Table::TraceCode => {
            let Some(r) =
                one("SELECT sale_line_id, code, returned FROM trace_codes WHERE id = ?1")?
            else {
                return Ok(None);
            };
            RecordData::TraceCode(rxdesk_sync::TraceCode {
                sale_line: rid(Table::SaleLine, i(&r[0])),
                code: s(&r[1]),
                returned: i(&r[2]) != 0,
            })
        }
        Table::Settlement => {
            // Never psn_no: the record carries no personal data.
            let Some(r) = one(
                "SELECT sale_id, setl_id, mdtrt_id, medfee_sumamt, fund_pay_sumamt, psn_part_amt, acct_pay,
                        psn_cash_pay, insutype, setl_time FROM settlements WHERE id = ?1",
            )?
            else {
                return Ok(None);
            };
            RecordData::Settlement(rxdesk_sync::Settlement {
                sale: rid(Table::Sale, i(&r[0])),
                setl_id: s(&r[1]),
                mdtrt_id: s(&r[2]),
                medfee_sumamt: dec(&s(&r[3]), "medfee_sumamt")?,
                fund_pay_sumamt: dec(&s(&r[4]), "fund_pay_sumamt")?,
                psn_part_amt: dec(&s(&r[5]), "psn_part_amt")?,
                acct_pay: dec(&s(&r[6]), "acct_pay")?,
                psn_cash_pay: dec(&s(&r[7]), "psn_cash_pay")?,
                insutype: os(&r[8]).unwrap_or_default(),
                setl_time: i(&r[9]),
            })
        }
        Table::SalePayment => {
            let Some(r) =
                one("SELECT sale_id, method, amount, reference FROM sale_payments WHERE id = ?1")?
            else {
                return Ok(None);
            };
            RecordData::SalePayment(rxdesk_sync::SalePayment {
                sale: rid(Table::Sale, i(&r[0])),
                method: s(&r[1]),
                amount: dec(&s(&r[2]), "payment amount")?,
                reference: s(&r[3]),
            })
        }
        Table::Refund => {
            let Some(r) =
                one("SELECT sale_id, operator_id, reason, refunded_at FROM refunds WHERE id = ?1")?
            else {
                return Ok(None);
            };
            RecordData::Refund(rxdesk_sync::Refund {
                sale: rid(Table::Sale, i(&r[0])),
                operator: login_of(c, i(&r[1]))?,
                reason: s(&r[2]),
                refunded_at: i(&r[3]),
            })
        }
        Table::GoodsDoc => {
            let Some(r) = one(
                "SELECT doc_no, kind, supplier, invoice_no, operator_id, at FROM goods_docs WHERE id = ?1",
            )?
            else {
                return Ok(None);
            };
            RecordData::GoodsDoc(rxdesk_sync::GoodsDoc {
                doc_no: s(&r[0]),
                kind: s(&r[1]),
                supplier: s(&r[2]),
                invoice_no: s(&r[3]),
                operator: login_of(c, i(&r[4]))?,
                at: i(&r[5]),
            })
        }
        Table::StockBatch => {
            let Some(r) = one(
                "SELECT d.fixmedins_hilist_id, b.fixmedins_bchno, b.manu_lotnum, b.manu_date, b.expy_end, b.qty_e4
                 FROM stock_batches b JOIN drugs d ON d.id = b.drug_id WHERE b.id = ?1",
            )?
            else {
                return Ok(None);
            };
            RecordData::StockBatch(rxdesk_sync::StockBatch {
                fixmedins_hilist_id: s(&r[0]),
                fixmedins_bchno: s(&r[1]),
                manu_lotnum: s(&r[2]),
                manu_date: s(&r[3]),
                expy_end: s(&r[4]),
                qty_e4: i(&r[5]),
            })
        }
        Table::StockBox => {
            let Some(r) = one(
                "SELECT code, batch_id, doc_id, state, remaining_e4, changed_at FROM stock_boxes WHERE id = ?1",
            )?
            else {
                return Ok(None);
            };
            RecordData::StockBox(rxdesk_sync::StockBox {
                code: s(&r[0]),
                batch: rid(Table::StockBatch, i(&r[1])),
                doc: rid(Table::GoodsDoc, i(&r[2])),
                state: s(&r[3]),
                remaining_e4: i(&r[4]),
                changed_at: i(&r[5]),
            })
        }
        Table::StockChange => {
            let Some(r) = one(
                "SELECT kind, batch_id, qty_e4, codes, reason, operator_id, at FROM stock_changes WHERE id = ?1",
            )?
            else {
                return Ok(None);
            };
            RecordData::StockChange(rxdesk_sync::StockChange {
                kind: s(&r[0]),
                batch: rid(Table::StockBatch, i(&r[1])),
                qty_e4: i(&r[2]),
                codes: split_codes(&s(&r[3])),
                reason: s(&r[4]),
                operator: login_of(c, i(&r[5]))?,
                at: i(&r[6]),
            })
        }
        Table::StockTake => {
            let Some(r) = one(
                "SELECT counted, missing, unexpected, operator_id, at FROM stock_takes WHERE id = ?1",
            )?
            else {
                return Ok(None);
            };
            RecordData::StockTake(rxdesk_sync::StockTake {
                counted: i(&r[0]),
                missing: split_codes(&s(&r[1])),
                unexpected: split_codes(&s(&r[2])),
                operator: login_of(c, i(&r[3]))?,
                at: i(&r[4]),
            })
        }
        Table::UploadState => {
            // Never the payload or the answer: they may name the patient.
            let Some(r) = one(
                "SELECT msgid, op, ref_kind, ref_id, state, attempts, reject_code, created_at, updated_at
                 FROM uploads WHERE id = ?1",
            )?
            else {
                return Ok(None);
            };
            let kind = s(&r[2]);
            let ref_table = match kind.as_str() {
                "sale" => Some(Table::Sale),
                "sale_line" => Some(Table::SaleLine),
                "refund" => Some(Table::Refund),
                "goods_doc" => Some(Table::GoodsDoc),
                "stock_change" => Some(Table::StockChange),
                "stock_take" => Some(Table::StockTake),
                _ => None,
            };
            RecordData::UploadState(rxdesk_sync::UploadState {
                msgid: s(&r[0]),
                op: s(&r[1]),
                ref_record: ref_table.map(|t| rid(t, i(&r[3]))),
                ref_kind: kind,
                state: s(&r[4]),
                attempts: i(&r[5]),
                reject_code: os(&r[6]).unwrap_or_default(),
                created_at: i(&r[7]),
                updated_at: i(&r[8]),
            })
        }
        Table::Reconciliation => {
            let Some(r) = one(
                "SELECT day, outcome, summary, operator_id, at FROM reconciliations WHERE id = ?1",
            )?
            else {
                return Ok(None);
            };
            RecordData::Reconciliation(rxdesk_sync::Reconciliation {
                day: s(&r[0]),
                outcome: s(&r[1]),
                summary: s(&r[2]),
                operator: login_of(c, i(&r[3]))?,
                at: i(&r[4]),
            })
        }
        Table::TillShift => {
            let Some(r) = one(
                "SELECT opened_by, opened_at, float_amount, closed_at, cash_difference FROM till_shifts WHERE id = ?1",
            )?
            else {
                return Ok(None);
            };
            RecordData::TillShift(rxdesk_sync::TillShift {
                opened_by: login_of(c, i(&r[0]))?,
                opened_at: i(&r[1]),
                float_amount: dec(&s(&r[2]), "float")?,
                closed_at: oi(&r[3]),
                cash_difference: opt_dec(os(&r[4]), "cash difference")?,
            })
        }
        Table::Transfer => {
            let Some(r) = one(
                "SELECT direction, doc_no, from_store, to_store, originating, lines_json, state, operator, at,
                        received_by, received_at
                 FROM transfers WHERE id = ?1",
            )?
            else {
                return Ok(None);
            };
            RecordData::Transfer(rxdesk_sync::Transfer {
                direction: s(&r[0]),
                doc_no: s(&r[1]),
                from_store: s(&r[2]),
                to_store: s(&r[3]),
                originating: os(&r[4]).and_then(|u| Uuid::parse_str(&u).ok()),
                lines: serde_json::from_str(&s(&r[5])).unwrap_or_default(),
                state: s(&r[6]),
                operator: s(&r[7]),
                at: i(&r[8]),
                received_by: s(&r[9]),
                received_at: oi(&r[10]),
            })
        }
        Table::Product => return Ok(None),
    }))
}
