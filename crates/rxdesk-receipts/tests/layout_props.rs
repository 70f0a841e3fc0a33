//! Layout properties over arbitrary CJK/ASCII text: never wider than the
//! paper, never panics, never loses a visible character.

use proptest::prelude::*;
use rxdesk_devices::printer::decode::{Decoder, Event};
use rxdesk_receipts::escpos::to_escpos;
use rxdesk_receipts::text::{display_width, sanitize, wrap, wrap_hanging};
use rxdesk_receipts::*;

fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range('a', 'z'),
        2 => proptest::char::range('0', '9'),
        3 => Just(' '),
        1 => prop::sample::select(vec!['.', '*', '-', '/', '(', ')', '\t', '\n']),
        6 => proptest::char::range('\u{4e00}', '\u{9fa5}'),
        2 => prop::sample::select(vec!['，', '。', '、', '：', '（', '）', '“', '”', '×', '元', '天', '％']),
        1 => prop::sample::select(vec!['\u{301}', '\u{200b}', '\u{1b}', '\u{7}', '😀', 'é', 'ｱ']),
        1 => any::<char>(),
    ]
}

fn any_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any_char(), 0..max).prop_map(|v| v.into_iter().collect())
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| *c != ' ').collect()
}

fn style() -> impl Strategy<Value = Style> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(bold, double_width, double_height)| {
        Style {
            bold,
            double_width,
            double_height,
        }
    })
}

fn align() -> impl Strategy<Value = Align> {
    prop_oneof![Just(Align::Left), Just(Align::Center), Just(Align::Right)]
}

fn element() -> impl Strategy<Value = ReceiptElement> {
    prop_oneof![
        (any_text(120), align(), style(), 0u8..40, 0u8..40).prop_map(
            |(text, align, style, indent, hanging)| ReceiptElement::Text {
                text,
                align,
                style,
                indent,
                hanging,
            }
        ),
        (any_text(80), any_text(30), style(), 0u8..40).prop_map(|(left, right, style, indent)| {
            ReceiptElement::Columns {
                left,
                right,
                style,
                indent,
            }
        }),
        any::<char>().prop_map(|ch| ReceiptElement::Rule { ch }),
        (0u8..4).prop_map(|lines| ReceiptElement::Feed { lines }),
        any_text(40).prop_map(|data| ReceiptElement::Qr { data }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn wrapped_lines_fit_and_keep_every_character(text in any_text(200), width in 2usize..60) {
        let lines = wrap(&text, width);
        prop_assert!(!lines.is_empty());
        for l in &lines {
            prop_assert!(display_width(l) <= width, "{:?} wider than {}", l, width);
        }
        prop_assert_eq!(squash(&lines.concat()), squash(&sanitize(&text)));
    }

    #[test]
    fn hanging_wrap_fits_both_widths(text in any_text(200), first in 2usize..40, rest in 2usize..40) {
        let lines = wrap_hanging(&text, first, rest);
        for (i, l) in lines.iter().enumerate() {
            let limit = if i == 0 { first } else { rest };
            prop_assert!(display_width(l) <= limit);
        }
        prop_assert_eq!(squash(&lines.concat()), squash(&sanitize(&text)));
    }

    #[test]
    fn laid_out_lines_never_exceed_the_paper(els in prop::collection::vec(element(), 0..8)) {
        for paper in [Paper::Mm58, Paper::Mm80] {
            let cols = paper.columns();
            for line in layout(&els, paper) {
                if let PrintLine::Text { indent, text, style, .. } = line {
                    let factor = if style.double_width { 2 } else { 1 };
                    prop_assert!(indent + display_width(&text) * factor <= cols,
                        "indent {} + {:?} x{} > {}", indent, text, factor, cols);
                }
            }
            for l in render_plain_text(&els, paper).lines() {
                prop_assert!(display_width(l) <= cols, "{:?}", l);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn escpos_decodes_to_the_laid_out_text(els in prop::collection::vec(element(), 0..6)) {
        let paper = Paper::Mm58;
        let bytes = to_escpos(&els, paper);
        let mut d = Decoder::new();
        let mut events = d.push(&bytes);
        events.extend(d.finish());
        let decoded: Vec<String> = events
            .into_iter()
            .filter_map(|e| match e {
                Event::Line { text } if !text.trim().is_empty() => Some(text.trim().to_string()),
                _ => None,
            })
            .collect();
        let expected: Vec<String> = layout(&els, paper)
            .into_iter()
            .filter_map(|l| match l {
                PrintLine::Text { text, .. } if !text.trim().is_empty() => Some(text.trim().to_string()),
                _ => None,
            })
            .collect();
        prop_assert_eq!(decoded, expected);
    }
}
