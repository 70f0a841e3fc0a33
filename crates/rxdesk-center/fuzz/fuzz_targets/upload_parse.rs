//! Uploads as the emulator receives them and the outbox stores them: any
//! bytes, under any upload `infno`, either parse into the typed message or
//! give a typed error — never a panic — and a message that parses comes back
//! the same after it is written out and read again (what the outbox stores is
//! exactly what goes on the wire).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rxdesk_center::messages::infno;
use rxdesk_center::upload::UploadMessage;

const UPLOADS: [&str; 8] = [
    infno::RX_AUDIT,
    infno::RX_DELIVERY,
    infno::RX_WRITE_OFF,
    infno::RX_SALES_UPLOAD,
    infno::RX_SALES_UNDO,
    infno::SALE,
    infno::SALE_RETURN,
    "9999",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, json)) = data.split_first() else {
        return;
    };
    let code = UPLOADS[usize::from(pick) % UPLOADS.len()];
    let Ok(input) = serde_json::from_slice::<serde_json::Value>(json) else {
        return;
    };
    match UploadMessage::parse(code, &input) {
        Ok(m) => {
            assert_eq!(m.infno(), code);
            let out = m.to_value().expect("a parsed upload serialises");
            let again = UploadMessage::parse(code, &out).expect("what we write we read");
            assert_eq!(again, m);
        }
        Err(e) => {
            let _ = e.code();
        }
    }
});
