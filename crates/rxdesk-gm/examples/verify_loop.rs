//! A loop of full prescription verifications on the bench's prescription,
//! for profiling (decision 0015: instruction counts with callgrind):
//!
//!   cargo build --release -p rxdesk-gm --example verify_loop
//!   valgrind --tool=callgrind --toggle-collect='*verify_prescription*' \
//!     target/release/examples/verify_loop 200
//!
//! Argument: how many verifications (default 200). `tables-off` as a second
//! argument turns the per-key tables off (limit 0); `bare` runs the bench's
//! reference instead, a 1 KiB SM2 verify through a key table
//! (`--toggle-collect='*verify_cached*'`); any other word (`full`) keeps the
//! full verification (`clones`: the first prescription cloned, so the
//! inputs vary but the signatures do not). A third argument cycles over that many signed
//! prescriptions (or, with `bare`, signatures), as the bench does
//! (decision 0026); default 1.

use chrono::{Duration, Utc};
use rxdesk_gm::download::DownloadedPrescription;
use rxdesk_gm::issue::{sign_prescription, DemoPki};
use rxdesk_gm::primitives::set_key_table_limit;
use rxdesk_gm::trust::{CrlStore, TrustStore};
use rxdesk_gm::verify::Verifier;
use rxdesk_gm::{PrivateKey, DEFAULT_USER_ID};
use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let mode = args.next();
    let k: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1).max(1);
    match mode.as_deref() {
        Some("tables-off") => set_key_table_limit(0),
        Some("bare") => return bare(n, k),
        _ => {}
    }
    let now = Utc::now();
    let pki = DemoPki::generate("H11010100001", "Bench Hospital", now, None).unwrap();
    let mut trust = TrustStore::new();
    trust.add_root(pki.root.cert.clone()).unwrap();
    let crls = CrlStore::new();
    crls.add(pki.crl.clone());
    let pdf = rxdesk_gm::pdf::simple_pdf(&["Bench prescription"]);
    let signed = if mode.as_deref() == Some("clones") {
        1
    } else {
        k
    };
    let rxs: Vec<DownloadedPrescription> = (0..signed)
        .map(|i| {
            let mut rx = DownloadedPrescription::demo(
                &format!("110000000000000{i:05}"),
                "H11010100001",
                "Bench Hospital",
                now - Duration::hours(1),
            );
            sign_prescription(&mut rx, &pdf, &pki.valid, now - Duration::hours(1)).unwrap();
            rx
        })
        .collect();
    // `clones`: k copies of the first prescription (same bytes, other
    // memory): tells the cost of k signatures from that of k inputs.
    let rxs = if mode.as_deref() == Some("clones") {
        vec![rxs[0].clone(); k]
    } else {
        rxs
    };
    let rx = &rxs[0];
    let verifier = Verifier::new(&trust, &crls);
    eprintln!(
        "rxFile {} B of Base64, signDigest {} B, originalValue {} B",
        rx.rx_file.len(),
        rx.sign_digest.len(),
        rx.original_value().len()
    );
    // Warm: caches filled, the signer key's table built.
    for rx in rxs.iter().cycle().take(4 * k) {
        verifier.verify_prescription(rx, now).unwrap();
    }
    let t = std::time::Instant::now();
    for rx in rxs.iter().cycle().take(n) {
        black_box(verifier.verify_prescription(black_box(rx), now).unwrap());
    }
    eprintln!("{n} verifications in {:?}", t.elapsed());
}

/// The bench's reference: a 1 KiB message verified through the key's table.
fn bare(n: usize, k: usize) {
    let msg: Vec<u8> = (0..1024u32).map(|i| (i * 31 % 251) as u8).collect();
    let sk = PrivateKey::generate().unwrap();
    let pk = sk.public_key();
    let sigs: Vec<_> = (0..k)
        .map(|_| sk.sign(&msg, DEFAULT_USER_ID).unwrap())
        .collect();
    for sig in sigs.iter().cycle().take(4 * k) {
        pk.verify_cached(&msg, sig, DEFAULT_USER_ID).unwrap();
    }
    assert!(pk.has_cached_table());
    let t = std::time::Instant::now();
    for sig in sigs.iter().cycle().take(n) {
        pk.verify_cached(black_box(&msg), black_box(sig), DEFAULT_USER_ID)
            .unwrap();
    }
    eprintln!("{n} bare verifications in {:?}", t.elapsed());
}
