//! A record's typed columns, in the order [`crate::schema::typed_columns`]
//! declares them.
//!
//! Why a separate module: the upsert of every mirror table is one generic
//! statement built from the column list; this is the one place that maps
//! each `rxdesk_sync` record onto those columns (a test checks the names
//! agree with the schema).

use rxdesk_sync::RecordData;

/// A bindable value (the `Any` driver's common types; money is text).
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// Text (ids, codes, decimal money).
    T(String),
    /// A 64-bit integer (times, quantities).
    I(i64),
    /// A boolean.
    B(bool),
}

fn t(s: &str) -> Val {
    Val::T(s.to_string())
}

/// The typed columns of `data`.
pub fn typed_values(data: &RecordData) -> Vec<(&'static str, Val)> {
    use RecordData as R;
    match data {
        R::Sale(s) => vec![
            ("rtal_docno", t(&s.rtal_docno)),
            ("sold_at", Val::I(s.sold_at)),
            ("total", Val::T(s.total.to_string())),
            ("state", t(&s.state)),
        ],
        R::SaleLine(l) => vec![
            ("sale", Val::T(l.sale.to_string())),
            ("fixmedins_hilist_id", t(&l.fixmedins_hilist_id)),
            ("qty_e4", Val::I(l.qty_e4)),
            ("price", Val::T(l.price.to_string())),
            ("amount", Val::T(l.amount.to_string())),
        ],
        R::TraceCode(c) => vec![
            ("sale_line", Val::T(c.sale_line.to_string())),
            ("code", t(&c.code)),
            ("returned", Val::B(c.returned)),
        ],
        R::Settlement(s) => vec![
            ("sale", Val::T(s.sale.to_string())),
            ("setl_id", t(&s.setl_id)),
            ("medfee_sumamt", Val::T(s.medfee_sumamt.to_string())),
            ("fund_pay_sumamt", Val::T(s.fund_pay_sumamt.to_string())),
            ("acct_pay", Val::T(s.acct_pay.to_string())),
            ("psn_cash_pay", Val::T(s.psn_cash_pay.to_string())),
            ("setl_time", Val::I(s.setl_time)),
        ],
        R::SalePayment(p) => vec![
            ("sale", Val::T(p.sale.to_string())),
            ("method", t(&p.method)),
            ("amount", Val::T(p.amount.to_string())),
        ],
        R::Refund(r) => vec![
            ("sale", Val::T(r.sale.to_string())),
            ("refunded_at", Val::I(r.refunded_at)),
        ],
        R::GoodsDoc(d) => vec![("doc_no", t(&d.doc_no)), ("kind", t(&d.kind))],
        R::StockBatch(b) => vec![
            ("fixmedins_hilist_id", t(&b.fixmedins_hilist_id)),
            ("qty_e4", Val::I(b.qty_e4)),
        ],
        R::StockBox(b) => vec![("code", t(&b.code)), ("state", t(&b.state))],
        R::StockChange(c) => vec![("kind", t(&c.kind)), ("at", Val::I(c.at))],
        R::StockTake(s) => vec![("at", Val::I(s.at))],
        R::UploadState(u) => vec![
            ("msgid", t(&u.msgid)),
            ("op", t(&u.op)),
            ("state", t(&u.state)),
            ("updated_at", Val::I(u.updated_at)),
        ],
        R::Reconciliation(r) => vec![
            ("day", t(&r.day)),
            ("outcome", t(&r.outcome)),
            ("at", Val::I(r.at)),
        ],
        R::TillShift(s) => vec![("opened_at", Val::I(s.opened_at))],
        R::Transfer(x) => vec![
            ("direction", t(&x.direction)),
            ("from_store", t(&x.from_store)),
            ("to_store", t(&x.to_store)),
            ("state", t(&x.state)),
        ],
        R::Product(p) => vec![
            ("fixmedins_hilist_id", t(&p.fixmedins_hilist_id)),
            ("name", t(&p.name)),
            ("price", Val::T(p.price.to_string())),
            ("active", Val::B(p.active)),
        ],
    }
}

/// The store a transfer is addressed to (pulled by that store's sites too):
/// an `out` document goes to the receiving store, the paired `in` document
/// (the receipt) back to the sending store.
pub fn addressed_to(data: &RecordData) -> &str {
    match data {
        RecordData::Transfer(x) if x.direction == "out" => &x.to_store,
        RecordData::Transfer(x) if x.direction == "in" => &x.from_store,
        _ => "",
    }
}
