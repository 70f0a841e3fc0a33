//! What the window may see of an ID, card or trace code in an error: runs of
//! 15+ digits masked (`110*************2X`). The desktop shell's `IpcError`
//! masks its `params`, `detail` and `sentence` with these functions; the
//! recordings the browser-test mocks replay (`tests/recorded_views.rs`) pass
//! their refusals through [`mask_error_json`], built on the same functions,
//! so a mock shows what the window shows. Here rather than in the shell so
//! both use one implementation (the shell depends on this crate, not the
//! other way round).

use serde_json::{Map, Value};

/// Replaces every run of 15 or more digits (an ID or card number, with an
/// `X` check digit) by its first 3 and last 2 characters around `*`s.
pub fn mask_ids(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let mut j = i;
        while j < chars.len()
            && (chars[j].is_ascii_digit()
                || (j > i && j - i >= 14 && matches!(chars[j], 'X' | 'x')))
        {
            j += 1;
        }
        if j - i >= 15 {
            out.extend(&chars[i..i + 3]);
            out.extend(std::iter::repeat_n('*', j - i - 5));
            out.extend(&chars[j - 2..j]);
            i = j;
        } else if j > i {
            out.extend(&chars[i..j]);
            i = j;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The detail for support: a "中文 / English" sentence keeps its English
/// half (support reads English); anything else as it is. IDs masked.
pub fn support_detail(s: &str) -> String {
    let cjk = |t: &str| t.chars().any(|c| ('\u{3400}'..='\u{9fff}').contains(&c));
    let s = match s.rsplit_once(" / ") {
        Some((zh, en)) if cjk(zh) && !cjk(en) && !en.trim().is_empty() => en.trim(),
        _ => s,
    };
    mask_ids(s)
}

/// An error's `params` as they cross: an object's string values masked
/// (anything but an object is no params).
pub fn masked_params(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m.into_iter().map(|(k, v)| (k, masked_value(v))).collect(),
        _ => Map::new(),
    }
}

/// One parameter as it crosses: a string masked, anything else as it is.
pub fn masked_value(v: Value) -> Value {
    match v {
        Value::String(s) => Value::String(mask_ids(&s)),
        other => other,
    }
}

/// An `IpcError`-shaped JSON object (`{code, params, detail, sentence?}`)
/// masked as the shell masks it: `params` by [`masked_params`], `detail` and
/// the sentence's two languages by [`mask_ids`].
pub fn mask_error_json(e: &mut Value) {
    let Some(m) = e.as_object_mut() else { return };
    if let Some(p) = m.remove("params") {
        m.insert("params".into(), Value::Object(masked_params(p)));
    }
    if let Some(Value::String(d)) = m.get_mut("detail") {
        *d = mask_ids(d);
    }
    if let Some(Value::Object(s)) = m.get_mut("sentence") {
        for k in ["zhCn", "enUs"] {
            if let Some(Value::String(t)) = s.get_mut(k) {
                *t = mask_ids(t);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_detail_keeps_the_english_half() {
        assert_eq!(support_detail("请先登录 / sign in first"), "sign in first");
        assert_eq!(support_detail("只有中文"), "只有中文");
    }

    #[test]
    fn ids_are_masked() {
        assert_eq!(
            mask_ids("证件 11010119900307002X 不符"),
            "证件 110*************2X 不符"
        );
        assert_eq!(
            mask_ids("单号 12345 / 2026-12-05"),
            "单号 12345 / 2026-12-05"
        );
    }

    #[test]
    fn an_error_object_is_masked_where_the_shell_masks() {
        let mut e = json!({
            "code": "INV_SOLD",
            "params": { "code": "81305122601020013521", "n": 813051226010200135u64 },
            "detail": "box 81305122601020013521 sold",
            "sentence": { "zhCn": "追溯码 81305122601020013521 已售出", "enUs": "81305122601020013521 sold" }
        });
        mask_error_json(&mut e);
        assert_eq!(e["params"]["code"], "813***************21");
        assert_eq!(
            e["params"]["n"], 813051226010200135u64,
            "numbers are not text"
        );
        assert_eq!(e["detail"], "box 813***************21 sold");
        assert_eq!(e["sentence"]["zhCn"], "追溯码 813***************21 已售出");
        assert_eq!(e["sentence"]["enUs"], "813***************21 sold");
        assert_eq!(e["code"], "INV_SOLD");
    }
}
