//! Codes are typed or scanned: every validator must answer, never panic,
//! and an accepted ID number must carry its own check character.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rxdesk_core::code_format::*;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = validate_drug_code(&s);
    let _ = validate_pharmacy_code(&s);
    let _ = validate_institution_code(&s);
    let _ = validate_pharmacist_code(&s);
    if let Ok(t) = TraceCode::parse(&s) {
        assert_eq!(t.as_str().len(), 20);
    }
    if validate_id_number(&s).is_ok() {
        let t: String = s.trim().to_uppercase();
        let ascii: String = t
            .chars()
            .map(|c| match c {
                '\u{FF10}'..='\u{FF19}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '\u{FF38}' | '\u{FF58}' => 'X',
                _ => c,
            })
            .collect();
        assert_eq!(id_check_char(&ascii[..17]), ascii.chars().nth(17));
    }
    if let Some(up) = upgrade_id_15_to_18(&s) {
        assert_eq!(up.len(), 18);
    }
});
