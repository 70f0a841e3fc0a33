//! The emulator's own books, for checks from outside (the chaos harness,
//! `scripts/chaos`): every settlement it holds (with its 2102 msgid, the
//! prescriptions it covers and whether it was reversed by 2103 or 2601) and
//! every trace code it counts as sold, and its stock-side books (the boxes it
//! believes are in the pharmacy's stock, every 3501–3504 record, every sold
//! code's 3513 row; `crate::stock`). Read-only: `GET /admin/books`.

use crate::http::App;
use axum::extract::State as AxState;
use axum::Json;
use serde_json::{json, Value};

/// `GET /admin/books` → `{"settlements": [..], "sold_codes": {"<code>": "<rtal_docno>"},
/// "stock": {"in_stock": {"<code>": {..}}, "records": [..], "sold": [..]}}`.
pub async fn books(AxState(app): AxState<App>) -> Json<Value> {
    let st = app.st.lock().unwrap_or_else(|p| p.into_inner());
    let settlements: Vec<&crate::state::Settlement> = st.settlements.values().collect();
    Json(json!({
        "settlements": settlements,
        "sold_codes": st.sold_codes,
        "stock": st.stock,
    }))
}

/// `GET /admin/stock-published`: the last in-stock list each store published
/// (`stockPublish`), by `fixmedins_code` — what the public channels show.
pub async fn stock_published(AxState(app): AxState<App>) -> Json<Value> {
    let st = app.st.lock().unwrap_or_else(|p| p.into_inner());
    Json(serde_json::to_value(&st.stock.published).unwrap_or(Value::Null))
}
