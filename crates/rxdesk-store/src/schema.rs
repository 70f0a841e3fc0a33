//! The ledger schema as an ordered list of migrations (`rusqlite_migration`,
//! version kept in `PRAGMA user_version`). Never edit a released migration:
//! append a new one. `docs/schema.md` documents every table.
//!
//! Conventions: times are Unix milliseconds (UTC) in `INTEGER`; money is exact
//! decimal text (`Amount`/`Price` as the wire writes them, never REAL);
//! quantities are `INTEGER` ten-thousandths (`numeric(16,4)` on the wire), so
//! stock can carry a `CHECK (… >= 0)`; personal data is sealed (`BLOB`,
//! SM4-CBC + HMAC-SM3, see `protect.rs`) with a keyed SM3 hash for lookup.

use rusqlite_migration::{Migrations, M};

const V1: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE roles (
    code    TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL
) STRICT;
INSERT INTO roles (code, name_zh) VALUES
    ('cashier', '收银员'), ('pharmacist', '药师'), ('manager', '店长');

CREATE TABLE operators (
    id              INTEGER PRIMARY KEY,
    login           TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL REFERENCES roles(code),
    password_hash   TEXT NOT NULL,            -- argon2id PHC string
    cert_type       TEXT,                     -- psn_cert_type of the pharmacist
    certno_enc      BLOB,                     -- sealed ID number
    prac_cert_no    TEXT,                     -- 执业资格证号
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER,                  -- unix ms
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE drugs (
    id                    INTEGER PRIMARY KEY,
    fixmedins_hilist_id   TEXT NOT NULL UNIQUE,  -- 定点医药机构目录编号
    med_list_codg         TEXT NOT NULL,         -- 医疗目录编码
    name                  TEXT NOT NULL,
    genname               TEXT NOT NULL DEFAULT '',
    dosform               TEXT NOT NULL DEFAULT '',
    spec                  TEXT NOT NULL DEFAULT '',
    unit                  TEXT NOT NULL DEFAULT '',
    prdr_name             TEXT NOT NULL DEFAULT '',
    aprvno                TEXT NOT NULL DEFAULT '',
    rx_flag               TEXT NOT NULL DEFAULT '1',
    price                 TEXT NOT NULL,          -- Price, numeric(16,6)
    active                INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;
CREATE INDEX drugs_med_list_codg ON drugs(med_list_codg);

CREATE TABLE stock_batches (
    id               INTEGER PRIMARY KEY,
    drug_id          INTEGER NOT NULL REFERENCES drugs(id),
    fixmedins_bchno  TEXT NOT NULL UNIQUE,  -- 定点医药机构批次流水号
    manu_lotnum      TEXT NOT NULL,         -- 生产批号
    manu_date        TEXT NOT NULL,         -- yyyy-MM-dd
    expy_end         TEXT NOT NULL,         -- yyyy-MM-dd
    qty_e4           INTEGER NOT NULL CHECK (qty_e4 >= 0)
) STRICT;
CREATE INDEX stock_batches_drug ON stock_batches(drug_id);

CREATE TABLE prescriptions (
    id                  INTEGER PRIMARY KEY,
    hi_rxno             TEXT NOT NULL UNIQUE,
    fixmedins_code      TEXT NOT NULL,       -- issuing institution
    download_ide_code   TEXT NOT NULL,       -- epc_token / auth_rxno used for 7203
    raw_payload         BLOB NOT NULL,       -- sealed, the 7203 output verbatim
    sign_digest         TEXT,                -- Base64 DER CMS over originalValue
    sign_cert_sn        TEXT,
    sign_cert_dn        TEXT,
    patient_name_enc    BLOB NOT NULL,
    patient_certno_enc  BLOB NOT NULL,
    patient_certno_hash BLOB NOT NULL,       -- keyed SM3, for lookup
    downloaded_at       INTEGER NOT NULL,
    downloaded_by       INTEGER NOT NULL REFERENCES operators(id)
) STRICT;
CREATE INDEX prescriptions_patient ON prescriptions(patient_certno_hash);

CREATE TABLE verdicts (
    id              INTEGER PRIMARY KEY,
    prescription_id INTEGER NOT NULL REFERENCES prescriptions(id),
    valid           INTEGER NOT NULL CHECK (valid IN (0, 1)),
    reason          TEXT NOT NULL,           -- exact reason when invalid, summary when valid
    signer_dn       TEXT,
    signer_sn       TEXT,
    checked_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX verdicts_rx ON verdicts(prescription_id);

CREATE TABLE rx_audits (
    id              INTEGER PRIMARY KEY,
    prescription_id INTEGER NOT NULL REFERENCES prescriptions(id),
    pharmacist_id   INTEGER NOT NULL REFERENCES operators(id),
    status_code     TEXT NOT NULL CHECK (status_code IN ('1', '2', '3')),
    opinion         TEXT NOT NULL,
    audited_at      INTEGER NOT NULL,
    CHECK (status_code <> '2' OR length(trim(opinion)) > 0)
) STRICT;
CREATE INDEX rx_audits_rx ON rx_audits(prescription_id);

CREATE TABLE sales (
    id              INTEGER PRIMARY KEY,
    rtal_docno      TEXT NOT NULL UNIQUE,    -- 零售单据号
    prescription_id INTEGER REFERENCES prescriptions(id),
    operator_id     INTEGER NOT NULL REFERENCES operators(id),
    sold_at         INTEGER NOT NULL,
    total           TEXT NOT NULL,           -- Amount
    state           TEXT NOT NULL DEFAULT 'completed' CHECK (state IN ('completed', 'refunded'))
) STRICT;

CREATE TABLE sale_lines (
    id        INTEGER PRIMARY KEY,
    sale_id   INTEGER NOT NULL REFERENCES sales(id),
    drug_id   INTEGER NOT NULL REFERENCES drugs(id),
    batch_id  INTEGER NOT NULL REFERENCES stock_batches(id),
    qty_e4    INTEGER NOT NULL CHECK (qty_e4 > 0),
    price     TEXT NOT NULL,                 -- Price
    amount    TEXT NOT NULL,                 -- Amount
    trdn_flag TEXT NOT NULL DEFAULT '0' CHECK (trdn_flag IN ('0', '1'))
) STRICT;
CREATE INDEX sale_lines_sale ON sale_lines(sale_id);

CREATE TABLE trace_codes (
    id           INTEGER PRIMARY KEY,
    sale_line_id INTEGER NOT NULL REFERENCES sale_lines(id),
    code         TEXT NOT NULL CHECK (length(code) = 20 AND code NOT GLOB '*[^0-9]*'),
    returned     INTEGER NOT NULL DEFAULT 0 CHECK (returned IN (0, 1))
) STRICT;
-- One box is sold once: a code may appear again only after it was returned.
CREATE UNIQUE INDEX trace_codes_sold_once ON trace_codes(code) WHERE returned = 0;
CREATE INDEX trace_codes_line ON trace_codes(sale_line_id);

CREATE TABLE settlements (
    id              INTEGER PRIMARY KEY,
    sale_id         INTEGER NOT NULL UNIQUE REFERENCES sales(id),
    setl_id         TEXT NOT NULL,
    mdtrt_id        TEXT NOT NULL DEFAULT '',
    psn_no          TEXT NOT NULL DEFAULT '',
    medfee_sumamt   TEXT NOT NULL,
    fund_pay_sumamt TEXT NOT NULL,
    psn_part_amt    TEXT NOT NULL,
    acct_pay        TEXT NOT NULL,
    psn_cash_pay    TEXT NOT NULL,
    setl_time       INTEGER NOT NULL
) STRICT;

CREATE TABLE refunds (
    id          INTEGER PRIMARY KEY,
    sale_id     INTEGER NOT NULL UNIQUE REFERENCES sales(id),
    operator_id INTEGER NOT NULL REFERENCES operators(id),
    reason      TEXT NOT NULL,
    refunded_at INTEGER NOT NULL
) STRICT;

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    prescription_id INTEGER NOT NULL REFERENCES prescriptions(id),
    delv_no         TEXT NOT NULL DEFAULT '',
    delv_entp_name  TEXT NOT NULL,
    delv_stas_codg  TEXT NOT NULL CHECK (delv_stas_codg IN ('1', '2', '3', '4')),
    delv_stas_dscr  TEXT NOT NULL DEFAULT '',
    at              INTEGER NOT NULL,
    operator_id     INTEGER NOT NULL REFERENCES operators(id)
) STRICT;

-- The transactional outbox: one row per message the center must receive.
CREATE TABLE uploads (
    id              INTEGER PRIMARY KEY,
    msgid           TEXT NOT NULL UNIQUE,    -- fixed at creation (a rejected row's retry gets a new one)
    op              TEXT NOT NULL,           -- infno: 7204 7205 7206 3505 3506 2103
    chain_key       TEXT NOT NULL,           -- rows of one chain are sent in id order
    ref_kind        TEXT NOT NULL,           -- rx_audit / sale / sale_line / refund / delivery
    ref_id          INTEGER NOT NULL,
    payload         BLOB NOT NULL,           -- sealed JSON of the `input` node
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sending', 'uncertain', 'done', 'rejected', 'voided')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    done_at         INTEGER,
    ack             TEXT,                    -- the center's output (JSON) when done
    last_error      TEXT,
    reject_code     TEXT,
    voided_by       INTEGER REFERENCES operators(id),
    void_reason     TEXT,
    CHECK (state <> 'voided' OR (voided_by IS NOT NULL AND length(trim(void_reason)) > 0))
) STRICT;
CREATE INDEX uploads_open ON uploads(chain_key, id) WHERE state NOT IN ('done', 'voided');
CREATE INDEX uploads_state ON uploads(state, next_attempt_at);

CREATE TABLE upload_attempts (
    id        INTEGER PRIMARY KEY,
    upload_id INTEGER NOT NULL REFERENCES uploads(id),
    msgid     TEXT NOT NULL,
    at        INTEGER NOT NULL,
    outcome   TEXT NOT NULL,  -- sending accepted rejected transient uncertain resolved-applied resolved-not-applied unresolved
    detail    TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX upload_attempts_upload ON upload_attempts(upload_id);

-- msgid = fixmedins_code(12) + yyyyMMddHHmmss(CST) + seq(4): the last one issued.
CREATE TABLE msgid_seq (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    stamp TEXT NOT NULL,
    seq   INTEGER NOT NULL
) STRICT;
INSERT INTO msgid_seq (id, stamp, seq) VALUES (1, '00000000000000', 0);

-- Append-only, hash-chained log of security-relevant events.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    operator_id INTEGER,
    event       TEXT NOT NULL,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"#;

/// V2: the claim query walks open rows in id order through this partial
/// index and stops at its LIMIT, instead of sorting every due row.
const V2: &str = r#"
CREATE INDEX uploads_due ON uploads(id) WHERE state IN ('pending', 'uncertain');
"#;

/// V3: the counter's catalogue (barcode, pack size, trace prefix,
/// circulation class, 自费, reference price, pinyin), the stock batch's store
/// (traced or 无码库), and the settlement attempt journal (2102), so a crash
/// between the center's settlement and the local sale never double-charges.
/// Added columns have defaults: rows written by `add_drug`/`add_batch` and by
/// older builds stay valid.
const V3: &str = r#"
ALTER TABLE drugs ADD COLUMN barcode TEXT NOT NULL DEFAULT '';
ALTER TABLE drugs ADD COLUMN pack_size_e4 INTEGER NOT NULL DEFAULT 10000 CHECK (pack_size_e4 > 0);
ALTER TABLE drugs ADD COLUMN min_unit TEXT NOT NULL DEFAULT '';
ALTER TABLE drugs ADD COLUMN trace_prefix TEXT NOT NULL DEFAULT ''
    CHECK (trace_prefix = '' OR (length(trace_prefix) = 7 AND trace_prefix NOT GLOB '*[^0-9]*'));
ALTER TABLE drugs ADD COLUMN circulation TEXT NOT NULL DEFAULT ''
    CHECK (circulation IN ('', 'narcotic', 'psychotropic', 'toxic', 'radioactive', 'hosp_prep', 'precursor'));
ALTER TABLE drugs ADD COLUMN self_pay INTEGER NOT NULL DEFAULT 0 CHECK (self_pay IN (0, 1));
ALTER TABLE drugs ADD COLUMN reference_price TEXT;          -- Price, price monitoring
ALTER TABLE drugs ADD COLUMN pinyin TEXT NOT NULL DEFAULT '';
CREATE INDEX drugs_barcode ON drugs(barcode) WHERE barcode <> '';
CREATE INDEX drugs_trace_prefix ON drugs(trace_prefix) WHERE trace_prefix <> '';

ALTER TABLE stock_batches ADD COLUMN store TEXT NOT NULL DEFAULT 'traced'
    CHECK (store IN ('traced', 'nocode'));

-- One row per 2102 sent: written (sending) BEFORE the request leaves.
CREATE TABLE settlement_attempts (
    id              INTEGER PRIMARY KEY,
    visit_id        TEXT NOT NULL,
    prescription_id INTEGER REFERENCES prescriptions(id),
    msgid           TEXT NOT NULL UNIQUE,
    input_json      BLOB NOT NULL,            -- sealed (names the patient)
    state           TEXT NOT NULL DEFAULT 'sending'
                    CHECK (state IN ('sending', 'settled', 'failed', 'uncertain', 'reversed', 'not_settled')),
    setl_id         TEXT,
    output_json     BLOB,                     -- sealed
    detail          TEXT NOT NULL DEFAULT '',
    operator_id     INTEGER NOT NULL REFERENCES operators(id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK (state <> 'settled' OR length(setl_id) > 0)
) STRICT;
CREATE INDEX settlement_attempts_open ON settlement_attempts(id) WHERE state IN ('sending', 'uncertain');
CREATE INDEX settlement_attempts_rx ON settlement_attempts(prescription_id);
CREATE INDEX settlement_attempts_visit ON settlement_attempts(visit_id);
CREATE INDEX settlements_setl_id ON settlements(setl_id);
CREATE INDEX sales_sold_at ON sales(sold_at);
CREATE INDEX sales_rx ON sales(prescription_id);
"#;

/// V4 (manager figures): the credential and insurance type of a settlement
/// (from the 2102 answer; the e-voucher share and 3201 per 险种 need them),
/// and the recorded results of daily reconciliations (3201/3202).
const V4: &str = r#"
ALTER TABLE settlements ADD COLUMN mdtrt_cert_type TEXT;   -- 01 医保电子凭证, 02 身份证, 03 社保卡
ALTER TABLE settlements ADD COLUMN insutype TEXT;          -- 310 职工基本医疗保险 …
CREATE INDEX settlements_setl_time ON settlements(setl_time);
CREATE INDEX rx_audits_audited_at ON rx_audits(audited_at);

CREATE TABLE reconciliations (
    id          INTEGER PRIMARY KEY,
    day         TEXT NOT NULL,                -- yyyy-MM-dd (CST)
    outcome     TEXT NOT NULL CHECK (outcome IN ('balanced', 'differences', 'failed')),
    local_json  TEXT NOT NULL,                -- local totals sent
    center_json TEXT NOT NULL,                -- 3201 answers and 3202 differing rows
    summary     TEXT NOT NULL,                -- the differences in words
    operator_id INTEGER NOT NULL REFERENCES operators(id),
    at          INTEGER NOT NULL
) STRICT;
CREATE INDEX reconciliations_day ON reconciliations(day);
"#;

/// V5 (ST-EPC-02-011): products that must travel in the cold chain
/// (2–8 °C), so a delivery of one needs the cold chain confirmed.
const V5: &str = r#"
ALTER TABLE drugs ADD COLUMN cold_chain INTEGER NOT NULL DEFAULT 0 CHECK (cold_chain IN (0, 1));
"#;

/// V6 (issue 18): the warnings of a valid signature verdict (a stale CRL
/// accepted within its grace period), a JSON array of `code: message`.
const V6: &str = r#"
ALTER TABLE verdicts ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
"#;

/// V7 (money safety): the counter visit survives the process, the
/// self-paid part's method is kept with the sale, and a refund is journalled
/// step by step (2103 first, then the money, then stock and uploads).
const V7: &str = r#"
CREATE TABLE visit_journal (
    visit_id   TEXT PRIMARY KEY,
    state      TEXT NOT NULL,                 -- rxdesk_core VisitState code at the last step
    snapshot   BLOB NOT NULL,                 -- sealed JSON (names the patient)
    open       INTEGER NOT NULL DEFAULT 1 CHECK (open IN (0, 1)),
    outcome    TEXT NOT NULL DEFAULT '',      -- why it was closed (completed, cancelled, …)
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX visit_journal_open ON visit_journal(updated_at) WHERE open = 1;

CREATE TABLE sale_payments (
    id        INTEGER PRIMARY KEY,
    sale_id   INTEGER NOT NULL REFERENCES sales(id),
    method    TEXT NOT NULL CHECK (method IN ('cash', 'wechat', 'alipay')),
    amount    TEXT NOT NULL,                  -- Amount
    reference TEXT NOT NULL DEFAULT ''        -- the channel's transaction number
) STRICT;
CREATE INDEX sale_payments_sale ON sale_payments(sale_id);

CREATE TABLE refund_journal (
    id            INTEGER PRIMARY KEY,
    sale_id       INTEGER NOT NULL UNIQUE REFERENCES sales(id),
    step          TEXT NOT NULL CHECK (step IN ('reversing', 'uncertain', 'failed', 'reversed', 'money_returned', 'done')),
    msgid         TEXT NOT NULL DEFAULT '',   -- the last 2103 msgid
    reason        TEXT NOT NULL,
    operator_id   INTEGER NOT NULL REFERENCES operators(id),
    detail        TEXT NOT NULL DEFAULT '',
    returned_json TEXT NOT NULL DEFAULT '[]', -- money given back: [{method, amount, reference}]
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
"#;

/// V8 (personal data at rest, docs/schema.md): rows written before this version
/// keep `settlements.psn_no`, center answers (`uploads.ack`) and center
/// error texts in clear. SQL cannot seal (the key is outside the database),
/// so this version only sets a marker; `Store::open` then converts the rows
/// with the key in one transaction (`protect::convert_legacy_rows`) and
/// clears it. New rows are written sealed/redacted.
const V8: &str = r#"
INSERT OR REPLACE INTO meta (key, value) VALUES ('pii_conversion_pending', '1');
"#;

/// V9 (代购, docs/devices.md §11): the agent who bought for the patient,
/// stored with the sale. Name and ID number sealed (plus a keyed hash for
/// lookup), the relationship from a fixed list, and where the authorisation
/// came from (the identification flow, never typed).
const V9: &str = r#"
CREATE TABLE sale_proxies (
    sale_id       INTEGER PRIMARY KEY REFERENCES sales(id),
    agent_name    BLOB NOT NULL,              -- sealed
    agent_certno  BLOB NOT NULL,              -- sealed
    agent_hash    BLOB NOT NULL,              -- keyed SM3 of the ID number
    relationship  TEXT NOT NULL CHECK (relationship IN
                    ('spouse', 'parent', 'child', 'grandparent', 'grandchild', 'sibling', 'guardian')),
    authorisation TEXT NOT NULL CHECK (length(authorisation) > 0)
) STRICT;
CREATE INDEX sale_proxies_agent ON sale_proxies(agent_hash);
"#;

/// V10 (issue 13, operators managed in the window): the pharmacist's
/// 医保药师代码 (`phar_code`, sent with the audit upload where the wire
/// carries it) and when the pharmacist last confirmed her own e-voucher.
const V10: &str = r#"
ALTER TABLE operators ADD COLUMN phar_code TEXT;
ALTER TABLE operators ADD COLUMN ec_bound_at INTEGER;
"#;

/// V11 (issue 13, catalogue import): every restricted class can be flagged.
/// V3's `circulation` column allows six codes by a CHECK that SQLite cannot
/// change in place, so the classes move to a new column `restricted` (the
/// `;`-separated `RestrictedClass` codes, `catalogue::circulation_field`);
/// existing flags are carried over and `circulation` is no longer written.
const V11: &str = r#"
ALTER TABLE drugs ADD COLUMN restricted TEXT NOT NULL DEFAULT '';
UPDATE drugs SET restricted = CASE circulation
    WHEN 'narcotic' THEN 'narcotic'
    WHEN 'psychotropic' THEN 'psychotropic_class1'
    WHEN 'toxic' THEN 'medical_toxic'
    WHEN 'radioactive' THEN 'radioactive'
    WHEN 'hosp_prep' THEN 'hospital_preparation'
    WHEN 'precursor' THEN 'precursor_chemical'
    ELSE '' END;
"#;

/// V12 (the till and the pharmacist's duty): a payment keeps the money
/// handed over and the change (cash) and may be an external terminal
/// (聚合支付 / bank card) with its reference — V7's CHECK on `method` cannot
/// change in place, so `sale_payments` is rebuilt with its rows copied;
/// the till shift (班次: float, counted cash, expected per method, the cash
/// difference) that each sale and each refund's money belongs to; the
/// pharmacist's duty (上岗/下岗) as rows; the 复核药师 of an audit.
const V12: &str = r#"
CREATE TABLE sale_payments_v12 (
    id           INTEGER PRIMARY KEY,
    sale_id      INTEGER NOT NULL REFERENCES sales(id),
    method       TEXT NOT NULL CHECK (method IN ('cash', 'wechat', 'alipay', 'terminal')),
    amount       TEXT NOT NULL,               -- Amount
    tendered     TEXT,                        -- Amount handed over (cash only)
    change_given TEXT,                        -- Amount given back (cash only)
    reference    TEXT NOT NULL DEFAULT '',    -- the channel's or terminal's transaction number
    CHECK ((tendered IS NULL) = (change_given IS NULL)),
    CHECK (method = 'cash' OR tendered IS NULL),
    CHECK (method <> 'terminal' OR length(reference) > 0)
) STRICT;
INSERT INTO sale_payments_v12 (id, sale_id, method, amount, reference)
    SELECT id, sale_id, method, amount, reference FROM sale_payments;
DROP TABLE sale_payments;
ALTER TABLE sale_payments_v12 RENAME TO sale_payments;
CREATE INDEX sale_payments_sale ON sale_payments(sale_id);
-- A terminal's transaction reference pays for one sale only.
CREATE UNIQUE INDEX sale_payments_terminal_ref ON sale_payments(reference) WHERE method = 'terminal';

CREATE TABLE till_shifts (
    id              INTEGER PRIMARY KEY,
    opened_by       INTEGER NOT NULL REFERENCES operators(id),
    opened_at       INTEGER NOT NULL,
    float_amount    TEXT NOT NULL,             -- 备用金, Amount
    closed_by       INTEGER REFERENCES operators(id),
    closed_at       INTEGER,
    expected_json   TEXT,                      -- at close: {method: Amount} (cash includes the float)
    counted_json    TEXT,                      -- at close: {method: Amount} as counted
    cash_difference TEXT,                      -- counted cash − expected cash
    note            TEXT NOT NULL DEFAULT '',
    CHECK ((closed_at IS NULL) = (closed_by IS NULL)),
    CHECK (closed_at IS NULL OR (expected_json IS NOT NULL AND counted_json IS NOT NULL
                                 AND cash_difference IS NOT NULL))
) STRICT;
-- One till per ledger (one counter): at most one shift open.
CREATE UNIQUE INDEX till_shifts_one_open ON till_shifts((closed_at IS NULL)) WHERE closed_at IS NULL;
CREATE INDEX till_shifts_opened_at ON till_shifts(opened_at);
ALTER TABLE sales ADD COLUMN till_shift_id INTEGER REFERENCES till_shifts(id);
CREATE INDEX sales_till_shift ON sales(till_shift_id);
ALTER TABLE refund_journal ADD COLUMN till_shift_id INTEGER REFERENCES till_shifts(id);
ALTER TABLE refund_journal ADD COLUMN money_returned_at INTEGER;

CREATE TABLE duty_shifts (
    id          INTEGER PRIMARY KEY,
    operator_id INTEGER NOT NULL REFERENCES operators(id),
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    end_reason  TEXT NOT NULL DEFAULT ''       -- off_duty, replaced
) STRICT;
CREATE INDEX duty_shifts_open ON duty_shifts(operator_id) WHERE ended_at IS NULL;
ALTER TABLE rx_audits ADD COLUMN reviewer_id INTEGER REFERENCES operators(id);
ALTER TABLE rx_audits ADD COLUMN duty_shift_id INTEGER REFERENCES duty_shifts(id);
"#;

/// V13 (medication guidance): the catalogue's 注意事项 and 禁忌 per product
/// (`;`-separated), printed in the guidance slip and PDF.
const V13: &str = r#"
ALTER TABLE drugs ADD COLUMN warnings TEXT NOT NULL DEFAULT '';
ALTER TABLE drugs ADD COLUMN contraindications TEXT NOT NULL DEFAULT '';
"#;

/// V14 (the regulators' figures): the credential a sale's patient was actually identified with
/// (`e_voucher` QR, `epc_qr` e-prescription QR, `face`,
/// `social_security_card`, `id_card`; '' when not recorded — older sales
/// fall back on `mdtrt_cert_type`), and the province's price figures a
/// manager imports (挂网价, the province's average and median retail price
/// per 医保目录编码) for the price monitor.
const V14: &str = r#"
ALTER TABLE settlements ADD COLUMN id_method TEXT NOT NULL DEFAULT ''
    CHECK (id_method IN ('', 'e_voucher', 'epc_qr', 'face', 'social_security_card', 'id_card'));
CREATE TABLE province_prices (
    med_list_codg TEXT PRIMARY KEY,
    name          TEXT NOT NULL DEFAULT '',
    listed_price  TEXT NOT NULL DEFAULT '',   -- 挂网价 (Price), '' when not given
    average_price TEXT NOT NULL DEFAULT '',   -- 全省平均价
    median_price  TEXT NOT NULL DEFAULT '',   -- 全省中位价
    period        TEXT NOT NULL DEFAULT '',   -- the period the province's figures cover
    imported_at   INTEGER NOT NULL
) STRICT;
"#;

/// V15 (inventory and traceability): goods-in and purchase-return documents
/// (`goods_docs`), every received box by its trace code with the batch it
/// belongs to and where it is now (`stock_boxes`; a box that was never
/// received cannot be sold), the stock changes (报损/报溢/调拨/过期销毁,
/// `stock_changes`), stock-takes (`stock_takes`), and the bureau's
/// duplicate-code lists as imported and explained (`trace_disputes`). A sold
/// code may appear
/// again while an earlier sale of it stands only for 拆零 (each split sale
/// of one opened box records the box's code with the range it took), so the
/// sold-once index now covers whole boxes only.
const V15: &str = r#"
CREATE TABLE goods_docs (
    id              INTEGER PRIMARY KEY,
    doc_no          TEXT NOT NULL UNIQUE,        -- 商品采购流水号 (RxDesk's, from the msgid sequence)
    kind            TEXT NOT NULL CHECK (kind IN ('receipt', 'return')),
    supplier        TEXT NOT NULL CHECK (length(trim(supplier)) > 0),
    supplier_permit TEXT NOT NULL DEFAULT '',
    invoice_code    TEXT NOT NULL DEFAULT '',
    invoice_no      TEXT NOT NULL CHECK (length(trim(invoice_no)) > 0),
    reason          TEXT NOT NULL DEFAULT '',
    operator_id     INTEGER NOT NULL REFERENCES operators(id),
    at              INTEGER NOT NULL
) STRICT;

CREATE TABLE stock_boxes (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE CHECK (length(code) = 20 AND code NOT GLOB '*[^0-9]*'),
    drug_id      INTEGER NOT NULL REFERENCES drugs(id),
    batch_id     INTEGER NOT NULL REFERENCES stock_batches(id),
    doc_id       INTEGER NOT NULL REFERENCES goods_docs(id),
    carton_code  TEXT NOT NULL DEFAULT '',      -- the carton's code when received by the supplier's 关联码 list
    state        TEXT NOT NULL DEFAULT 'in_stock'
                 CHECK (state IN ('in_stock', 'opened', 'sold', 'returned', 'lost', 'written_off', 'transferred')),
    remaining_e4 INTEGER NOT NULL CHECK (remaining_e4 >= 0),  -- packs left ×10⁴ (10000 = a whole box)
    purchase_price TEXT NOT NULL DEFAULT '',    -- Price per pack on its goods-in document (3504 sends it back)
    changed_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX stock_boxes_batch ON stock_boxes(batch_id, state);
CREATE INDEX stock_boxes_drug ON stock_boxes(drug_id, state);

CREATE TABLE stock_changes (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('loss', 'surplus', 'transfer_in', 'transfer_out', 'expired')),
    batch_id    INTEGER NOT NULL REFERENCES stock_batches(id),
    qty_e4      INTEGER NOT NULL CHECK (qty_e4 > 0),
    codes       TEXT NOT NULL DEFAULT '',       -- the boxes' trace codes, space separated
    reason      TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    operator_id INTEGER NOT NULL REFERENCES operators(id),
    at          INTEGER NOT NULL
) STRICT;

CREATE TABLE stock_takes (
    id          INTEGER PRIMARY KEY,
    counted     INTEGER NOT NULL,               -- codes scanned
    missing     TEXT NOT NULL DEFAULT '',       -- in stock per the ledger, not found (space separated)
    unexpected  TEXT NOT NULL DEFAULT '',       -- found, not in stock per the ledger
    operator_id INTEGER NOT NULL REFERENCES operators(id),
    at          INTEGER NOT NULL
) STRICT;

CREATE TABLE trace_disputes (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL,                  -- the listed trace code
    listed      TEXT NOT NULL,                  -- the bureau's row as imported (JSON)
    class       TEXT NOT NULL,                  -- what the ledger says (split_sales, resold_after_refund, …)
    status      TEXT NOT NULL CHECK (status IN ('explained', 'to_void', 'to_reupload')),
    explanation TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    operator_id INTEGER NOT NULL REFERENCES operators(id),
    at          INTEGER NOT NULL
) STRICT;
CREATE INDEX trace_disputes_code ON trace_disputes(code);

ALTER TABLE trace_codes ADD COLUMN split INTEGER NOT NULL DEFAULT 0 CHECK (split IN (0, 1));
ALTER TABLE trace_codes ADD COLUMN range_from_e4 INTEGER;   -- 拆零: the part of the box taken (packs ×10⁴)
ALTER TABLE trace_codes ADD COLUMN range_to_e4 INTEGER;
DROP INDEX trace_codes_sold_once;
CREATE UNIQUE INDEX trace_codes_sold_once ON trace_codes(code) WHERE returned = 0 AND split = 0;
"#;

/// V16: the catalogue's 国谈 flag (national negotiated drug), shown in the
/// in-stock list published for public channels (docs/protocol.md).
const V16: &str = r#"
ALTER TABLE drugs ADD COLUMN nego_drug INTEGER NOT NULL DEFAULT 0 CHECK (nego_drug IN (0, 1));
"#;

/// V17 (issue 17, chains): the chain changelog — one row per change of a
/// row this counter owns and that crosses to head office, written by
/// triggers, so it is in the same transaction as the business row by
/// construction; existing rows are seeded so a ledger older than V17 pushes
/// its whole history on first registration. The chain state (site, store,
/// HQ URL, cursors, last sync, last error; the token sealed), the store's
/// sibling counters' boxes, batches and sold codes (not owned: never pushed),
/// and the transfer documents (调拨) this counter writes.
const V17: &str = r#"
CREATE TABLE chain_changelog (
    cursor INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl    TEXT NOT NULL,                     -- rxdesk_sync::Table::as_str
    row_id INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('upsert', 'delete'))
) STRICT;

CREATE TABLE chain_state (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    site_id            TEXT NOT NULL,           -- UUID given by head office
    store_code         TEXT NOT NULL,
    counter_no         INTEGER NOT NULL,
    hq_url             TEXT NOT NULL,
    machine_id         TEXT NOT NULL,
    token_enc          BLOB NOT NULL,           -- sealed bearer token
    push_cursor        INTEGER NOT NULL DEFAULT 0,
    pull_cursor        INTEGER NOT NULL DEFAULT 0,
    last_sync_at       INTEGER,
    last_error_code    TEXT NOT NULL DEFAULT '',
    last_error_message TEXT NOT NULL DEFAULT '',
    issues_json        TEXT NOT NULL DEFAULT '[]',  -- blocked records of the last refused batch
    registered_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE transfers (
    id          INTEGER PRIMARY KEY,
    direction   TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    doc_no      TEXT NOT NULL,
    from_store  TEXT NOT NULL,
    to_store    TEXT NOT NULL,
    originating TEXT UNIQUE,                    -- record id of the `out` document an `in` answers
    lines_json  TEXT NOT NULL,                  -- [rxdesk_sync::TransferLine]
    state       TEXT NOT NULL CHECK (state IN ('sent', 'received')),
    operator    TEXT NOT NULL,                  -- login, or the sender's for a received one
    at          INTEGER NOT NULL
) STRICT;

-- Sibling counters of this store (pulled, never pushed).
CREATE TABLE chain_store_batches (
    record_id           TEXT PRIMARY KEY,
    site_id             TEXT NOT NULL,
    fixmedins_hilist_id TEXT NOT NULL,
    fixmedins_bchno     TEXT NOT NULL,
    manu_lotnum         TEXT NOT NULL,
    manu_date           TEXT NOT NULL,
    expy_end            TEXT NOT NULL
) STRICT;
CREATE TABLE chain_store_boxes (
    record_id    TEXT PRIMARY KEY,
    site_id      TEXT NOT NULL,
    code         TEXT NOT NULL,
    batch_record TEXT NOT NULL,
    state        TEXT NOT NULL,
    remaining_e4 INTEGER NOT NULL,
    changed_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX chain_store_boxes_code ON chain_store_boxes(code);
CREATE TABLE chain_store_sold_codes (
    record_id TEXT PRIMARY KEY,
    site_id   TEXT NOT NULL,
    code      TEXT NOT NULL,
    returned  INTEGER NOT NULL CHECK (returned IN (0, 1))
) STRICT;
CREATE INDEX chain_store_sold_codes_code ON chain_store_sold_codes(code);

-- The changelog's triggers (one per table and action) and the seed of the
-- rows written before V17, parents before children.
CREATE TRIGGER chain_log_till_shifts_ins AFTER INSERT ON till_shifts BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('till_shift', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_till_shifts_upd AFTER UPDATE ON till_shifts BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('till_shift', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_till_shifts_del AFTER DELETE ON till_shifts BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('till_shift', OLD.id, 'delete'); END;
CREATE TRIGGER chain_log_goods_docs_ins AFTER INSERT ON goods_docs BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('goods_doc', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_goods_docs_upd AFTER UPDATE ON goods_docs BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('goods_doc', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_goods_docs_del AFTER DELETE ON goods_docs BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('goods_doc', OLD.id, 'delete'); END;
CREATE TRIGGER chain_log_stock_batches_ins AFTER INSERT ON stock_batches BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('stock_batch', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_stock_batches_upd AFTER UPDATE ON stock_batches BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('stock_batch', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_stock_batches_del AFTER DELETE ON stock_batches BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('stock_batch', OLD.id, 'delete'); END;
CREATE TRIGGER chain_log_stock_boxes_ins AFTER INSERT ON stock_boxes BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('stock_box', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_stock_boxes_upd AFTER UPDATE ON stock_boxes BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('stock_box', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_stock_boxes_del AFTER DELETE ON stock_boxes BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('stock_box', OLD.id, 'delete'); END;
CREATE TRIGGER chain_log_sales_ins AFTER INSERT ON sales BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('sale', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_sales_upd AFTER UPDATE ON sales BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('sale', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_sales_del AFTER DELETE ON sales BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('sale', OLD.id, 'delete'); END;
CREATE TRIGGER chain_log_sale_lines_ins AFTER INSERT ON sale_lines BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('sale_line', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_sale_lines_upd AFTER UPDATE ON sale_lines BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('sale_line', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_sale_lines_del AFTER DELETE ON sale_lines BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('sale_line', OLD.id, 'delete'); END;
CREATE TRIGGER chain_log_trace_codes_ins AFTER INSERT ON trace_codes BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('trace_code', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_trace_codes_upd AFTER UPDATE ON trace_codes BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('trace_code', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_trace_codes_del AFTER DELETE ON trace_codes BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('trace_code', OLD.id, 'delete'); END;
CREATE TRIGGER chain_log_settlements_ins AFTER INSERT ON settlements BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('settlement', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_settlements_upd AFTER UPDATE ON settlements BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('settlement', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_settlements_del AFTER DELETE ON settlements BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('settlement', OLD.id, 'delete'); END;
CREATE TRIGGER chain_log_sale_payments_ins AFTER INSERT ON sale_payments BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('sale_payment', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_sale_payments_upd AFTER UPDATE ON sale_payments BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('sale_payment', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_sale_payments_del AFTER DELETE ON sale_payments BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('sale_payment', OLD.id, 'delete'); END;
CREATE TRIGGER chain_log_refunds_ins AFTER INSERT ON refunds BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('refund', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_refunds_upd AFTER UPDATE ON refunds BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('refund', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_refunds_del AFTER DELETE ON refunds BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('refund', OLD.id, 'delete'); END;
CREATE TRIGGER chain_log_stock_changes_ins AFTER INSERT ON stock_changes BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('stock_change', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_stock_changes_upd AFTER UPDATE ON stock_changes BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('stock_change', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_stock_changes_del AFTER DELETE ON stock_changes BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('stock_change', OLD.id, 'delete'); END;
CREATE TRIGGER chain_log_stock_takes_ins AFTER INSERT ON stock_takes BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('stock_take', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_stock_takes_upd AFTER UPDATE ON stock_takes BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('stock_take', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_stock_takes_del AFTER DELETE ON stock_takes BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('stock_take', OLD.id, 'delete'); END;
CREATE TRIGGER chain_log_uploads_ins AFTER INSERT ON uploads BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('upload_state', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_uploads_upd AFTER UPDATE OF state, reject_code ON uploads BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('upload_state', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_uploads_del AFTER DELETE ON uploads BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('upload_state', OLD.id, 'delete'); END;
CREATE TRIGGER chain_log_reconciliations_ins AFTER INSERT ON reconciliations BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('reconciliation', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_reconciliations_upd AFTER UPDATE ON reconciliations BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('reconciliation', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_reconciliations_del AFTER DELETE ON reconciliations BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('reconciliation', OLD.id, 'delete'); END;
CREATE TRIGGER chain_log_transfers_ins AFTER INSERT ON transfers BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('transfer', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_transfers_upd AFTER UPDATE ON transfers BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('transfer', NEW.id, 'upsert'); END;
CREATE TRIGGER chain_log_transfers_del AFTER DELETE ON transfers BEGIN INSERT INTO chain_changelog (tbl, row_id, action) VALUES ('transfer', OLD.id, 'delete'); END;
INSERT INTO chain_changelog (tbl, row_id, action) SELECT 'till_shift', id, 'upsert' FROM till_shifts ORDER BY id;
INSERT INTO chain_changelog (tbl, row_id, action) SELECT 'goods_doc', id, 'upsert' FROM goods_docs ORDER BY id;
INSERT INTO chain_changelog (tbl, row_id, action) SELECT 'stock_batch', id, 'upsert' FROM stock_batches ORDER BY id;
INSERT INTO chain_changelog (tbl, row_id, action) SELECT 'stock_box', id, 'upsert' FROM stock_boxes ORDER BY id;
INSERT INTO chain_changelog (tbl, row_id, action) SELECT 'sale', id, 'upsert' FROM sales ORDER BY id;
INSERT INTO chain_changelog (tbl, row_id, action) SELECT 'sale_line', id, 'upsert' FROM sale_lines ORDER BY id;
INSERT INTO chain_changelog (tbl, row_id, action) SELECT 'trace_code', id, 'upsert' FROM trace_codes ORDER BY id;
INSERT INTO chain_changelog (tbl, row_id, action) SELECT 'settlement', id, 'upsert' FROM settlements ORDER BY id;
INSERT INTO chain_changelog (tbl, row_id, action) SELECT 'sale_payment', id, 'upsert' FROM sale_payments ORDER BY id;
INSERT INTO chain_changelog (tbl, row_id, action) SELECT 'refund', id, 'upsert' FROM refunds ORDER BY id;
INSERT INTO chain_changelog (tbl, row_id, action) SELECT 'stock_change', id, 'upsert' FROM stock_changes ORDER BY id;
INSERT INTO chain_changelog (tbl, row_id, action) SELECT 'stock_take', id, 'upsert' FROM stock_takes ORDER BY id;
INSERT INTO chain_changelog (tbl, row_id, action) SELECT 'upload_state', id, 'upsert' FROM uploads ORDER BY id;
INSERT INTO chain_changelog (tbl, row_id, action) SELECT 'reconciliation', id, 'upsert' FROM reconciliations ORDER BY id;
"#;

/// V18 (chains, transfers): who received a transfer's boxes and when. The
/// receiving counter writes them on its `in` document; the sending counter
/// copies them onto its own `out` document when head office forwards the
/// `in` back (and pushes that change like any other).
const V18: &str = r#"
ALTER TABLE transfers ADD COLUMN received_by TEXT NOT NULL DEFAULT '';
ALTER TABLE transfers ADD COLUMN received_at INTEGER;
"#;

/// All migrations, oldest first.
pub fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

static MIGRATIONS: &[M<'static>] = &[
    M::up(V1),
    M::up(V2),
    M::up(V3),
    M::up(V4),
    M::up(V5),
    M::up(V6),
    M::up(V7),
    M::up(V8),
    M::up(V9),
    M::up(V10),
    M::up(V11),
    M::up(V12),
    M::up(V13),
    M::up(V14),
    M::up(V15),
    M::up(V16),
    M::up(V17),
    M::up(V18),
];

/// The schema version this build writes.
pub const LATEST_VERSION: i64 = 18;

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }
}
