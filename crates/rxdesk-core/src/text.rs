//! Text normalisation shared by the rules: what the counter compares is the
//! *value*, not how a PDF extractor, a card reader or a keyboard happened to
//! space or widen it. Full-width ASCII (`０１２`, `：`, `Ｘ`) becomes
//! half-width, the ideographic space becomes a space, and whitespace can be
//! dropped entirely. Nothing here changes which characters are compared
//! otherwise: `张三` and `张三丰` stay different.

/// Maps full-width ASCII variants (U+FF01–U+FF5E) to ASCII and the
/// ideographic space (U+3000) to a space; everything else is unchanged.
pub fn to_half_width(s: &str) -> String {
    s.chars().map(half_width_char).collect()
}

/// One character of [`to_half_width`].
pub fn half_width_char(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Half-width and with every whitespace character (spaces, tabs, line
/// breaks, the ideographic space) removed.
pub fn compact(s: &str) -> String {
    s.chars()
        .map(half_width_char)
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The middle dots seen in names of ethnic-minority and foreign patients
/// (`阿卜杜·热合曼`), which input methods and card readers write differently.
fn is_name_dot(c: char) -> bool {
    matches!(
        c,
        '·' | '•' | '・' | '‧' | '∙' | '⋅' | '.' | '．' | '･' | '●'
    )
}

/// A person's name for comparison: half-width, no whitespace, every middle
/// dot variant as `·`, Latin letters upper-case.
pub fn normalize_name(s: &str) -> String {
    compact(s)
        .chars()
        .map(|c| if is_name_dot(c) { '·' } else { c })
        .flat_map(|c| c.to_uppercase())
        .collect()
}

/// Multiplication signs in specifications (`0.25g×24粒`, `0.25g＊24粒`) as `*`.
pub fn normalize_spec(s: &str) -> String {
    compact(s)
        .chars()
        .map(|c| match c {
            '×' | '✕' | '✖' | '*' => '*',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_and_punctuation_become_ascii() {
        assert_eq!(to_half_width("０１２３ＡＢｘ：（）"), "0123ABx:()");
        assert_eq!(to_half_width("张\u{3000}三"), "张 三");
        assert_eq!(to_half_width("中文不变"), "中文不变");
    }

    #[test]
    fn compact_drops_every_whitespace() {
        assert_eq!(compact(" 张 \n三\t\u{3000}"), "张三");
        assert_eq!(compact("２ 盒"), "2盒");
    }

    #[test]
    fn names_compare_by_value() {
        assert_eq!(
            normalize_name("阿卜杜 • 热合曼"),
            normalize_name("阿卜杜·热合曼")
        );
        assert_eq!(normalize_name("john smith"), "JOHNSMITH");
        assert_ne!(normalize_name("张三"), normalize_name("张三丰"));
    }

    #[test]
    fn specs_unify_multiplication_signs() {
        assert_eq!(normalize_spec("0.25g × 24粒"), "0.25g*24粒");
        assert_eq!(normalize_spec("0.25g＊24粒"), "0.25g*24粒");
    }
}
