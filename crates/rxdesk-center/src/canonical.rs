//! The family-B sign string (docs/reference/wire-protocol.md §3.4) and the snake_case ↔
//! camelCase mapping between the two families.
//!
//! Numbers keep their textual lexeme: the workspace builds serde_json with
//! `arbitrary_precision`, so `Number::to_string` returns the digits as
//! received (`1.50` stays `1.50`). Keys are sorted here explicitly (ordinal
//! order like Java's `TreeMap`), so the result does not depend on whether
//! some other crate turned on serde_json's `preserve_order`.

use serde_json::{Map, Value};

fn json_string(s: &str) -> String {
    // serde_json escapes only what JSON requires; non-ASCII stays as is.
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

fn is_dropped(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Canonical JSON of a value: keys sorted, scalars as strings, null/"" dropped,
/// empty arrays dropped, compact, non-ASCII unescaped.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn canonical_keep(v: &Value) -> bool {
    if is_dropped(v) {
        return false;
    }
    if let Value::Array(a) = v {
        return a.iter().any(|e| !is_dropped(e));
    }
    true
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().filter(|k| canonical_keep(&m[*k])).collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&json_string(k));
                out.push(':');
                write_canonical(&m[*k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            let mut first = true;
            for e in a.iter().filter(|e| !is_dropped(e)) {
                if !first {
                    out.push(',');
                }
                first = false;
                write_canonical(e, out);
            }
            out.push(']');
        }
        other => out.push_str(&json_string(&scalar_text(other).unwrap_or_default())),
    }
}

/// The sign string of an envelope object (without `encData`/`signData`):
/// `k=v&…` sorted case-insensitively, then `key=<appSecret>`.
pub fn sign_string(envelope: &Map<String, Value>, app_secret: &str) -> String {
    let mut items: Vec<String> = Vec::new();
    for (k, v) in envelope {
        if matches!(k.as_str(), "signData" | "encData" | "extra") || is_dropped(v) {
            continue;
        }
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Object(_) | Value::Array(_) => canonical_json(v),
            other => scalar_text(other).unwrap_or_default(),
        };
        items.push(format!("{k}={text}&"));
    }
    items.sort_by(|a, b| {
        a.to_lowercase()
            .cmp(&b.to_lowercase())
            .then_with(|| a.cmp(b))
    });
    let mut s: String = items.concat();
    s.push_str("key=");
    s.push_str(app_secret);
    s
}

/// `hi_rxno` → `hiRxno` (names already camel stay as they are).
pub fn snake_to_camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut up = false;
    for c in s.chars() {
        if c == '_' {
            up = !out.is_empty();
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Names that are camelCase already in the family-A catalogue; they are
/// the same in both families and must not be mapped back to snake_case.
pub const CAMEL_IN_FAMILY_A: [&str; 8] = [
    "payMode",
    "expContent",
    "retRslt",
    "msgRslt",
    "signIn",
    "signOut",
    "fsUploadIn",
    "fsDownloadIn",
];

/// `hiRxno` → `hi_rxno` (names in [`CAMEL_IN_FAMILY_A`] are kept).
pub fn camel_to_snake(s: &str) -> String {
    if CAMEL_IN_FAMILY_A.contains(&s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Rename every object key recursively.
pub fn rename_keys(v: Value, f: &dyn Fn(&str) -> String) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (f(&k), rename_keys(v, f)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(|e| rename_keys(e, f)).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_3_7_sign_string_vector() {
        let data: Value = serde_json::from_str(
            r#"{"hiRxno":"11000000000000000001","fixmedinsCode":"P11000000001","pharName":"张三","rxDrugCnt":2,"flag":true,"memo":"","list":[{"b":"2","a":1.5}]}"#,
        )
        .unwrap();
        let mut env = Map::new();
        env.insert("appId".into(), "1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6D".into());
        env.insert("encType".into(), "SM4".into());
        env.insert("signType".into(), "SM2".into());
        env.insert("timestamp".into(), "1700000000000".into());
        env.insert("version".into(), "1.0.0".into());
        env.insert("data".into(), data);
        let s = sign_string(&env, "SYNTHETICSECRET0123456789ABCDEF0");
        assert_eq!(
            s,
            r#"appId=1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6D&data={"fixmedinsCode":"P11000000001","flag":"true","hiRxno":"11000000000000000001","list":[{"a":"1.5","b":"2"}],"pharName":"张三","rxDrugCnt":"2"}&encType=SM4&signType=SM2&timestamp=1700000000000&version=1.0.0&key=SYNTHETICSECRET0123456789ABCDEF0"#
        );
        use sha2::Digest;
        assert_eq!(
            hex::encode(sha2::Sha256::digest(s.as_bytes())),
            "5a6b50224a7ae35154ef46a3b43ef817c74d5b993db2f9ce020624b84e191383"
        );
    }

    #[test]
    fn numeric_lexemes_are_kept() {
        let v: Value = serde_json::from_str(r#"{"a":1.50,"b":100,"c":[null,"",0.10]}"#).unwrap();
        assert_eq!(canonical_json(&v), r#"{"a":"1.50","b":"100","c":["0.10"]}"#);
        let v: Value = serde_json::from_str(r#"{"z":[],"y":[""],"x":{}}"#).unwrap();
        assert_eq!(canonical_json(&v), r#"{"x":{}}"#);
    }

    #[test]
    fn case_mapping_round_trips_wire_names() {
        for (s, c) in [
            ("hi_rxno", "hiRxno"),
            ("rx_chk_stas_codg", "rxChkStasCodg"),
            ("phar_prac_cert_no", "pharPracCertNo"),
            ("epc_token", "epcToken"),
        ] {
            assert_eq!(snake_to_camel(s), c);
            assert_eq!(camel_to_snake(c), s);
        }
        assert_eq!(snake_to_camel("payMode"), "payMode");
        assert_eq!(camel_to_snake("payMode"), "payMode");
    }
}
