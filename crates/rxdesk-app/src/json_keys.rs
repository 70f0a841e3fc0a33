//! Stored and printed JSON keeps its snake_case keys while the same structs
//! cross to the window in camelCase (docs/decisions/0018): the CLI's
//! `info`, `queue status`, `devices list` and `setup --json` print through
//! [`pretty`], and the reconciliation record's `local_json` / `center_json`
//! are written through [`stored`], so scripts and older ledger rows read
//! the same keys as before.

use serde::Serialize;
use serde_json::Value;

/// `centerLabel` → `center_label`; a key without capitals is unchanged.
fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The value with every object key (at any depth) in snake_case.
pub fn snake_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (snake(&k), snake_keys(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(snake_keys).collect()),
        other => other,
    }
}

/// Compact JSON of `value` with snake_case keys (what the ledger stores).
pub fn stored<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .map(snake_keys)
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// Pretty JSON of `value` with snake_case keys.
pub fn pretty<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .map(snake_keys)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_keys_become_snake_at_every_depth_and_values_are_untouched() {
        let v = serde_json::json!({
            "centerLabel": "在线 onlineX",
            "deviceLines": [{"statusZh": "就绪", "vid": 1}],
            "fingerprints": {"ledger_master_key": "ab"},
        });
        assert_eq!(
            snake_keys(v),
            serde_json::json!({
                "center_label": "在线 onlineX",
                "device_lines": [{"status_zh": "就绪", "vid": 1}],
                "fingerprints": {"ledger_master_key": "ab"},
            })
        );
    }
}
