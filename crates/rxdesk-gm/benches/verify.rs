//! SM2 verify and full prescription verification throughput, against
//! OpenSSL's SM2 verify measured in the same run.
//!
//!   cargo bench -p rxdesk-gm --bench verify
//!
//! Criterion reports each function; at the end the bench prints ops/s and
//! the ratios RxDesk / OpenSSL, for OpenSSL in-process (the `openssl` crate,
//! EVP_DigestVerify with SM3 and the SM2 Z value) and `openssl speed sm2`.
//! RustCrypto `sm2`'s own verify (the backend before decision 0002) is
//! printed as a third figure. RxDesk, OpenSSL EVP and the full verification
//! are timed in alternating one-second slices of this thread's CPU time
//! (`/proc/thread-self/schedstat`; wall clock where it is missing), so the
//! other processes on the machine do not enter the ratios.
//!
//! Decision 0015 (per-key tables): the same slices also time the 1 KiB
//! verify through its key's table and the full verification with tables off
//! (`set_key_table_limit(0)`). The full verification is divided twice: by
//! the bare verify without a table (the issue's row: not like for like,
//! since the full path's signer key has its table; counted met only if the
//! next row is) and by the verify with a table (like for like: what the
//! full verification costs beyond its two verifies).

use chrono::{Duration, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use rxdesk_gm::download::DownloadedPrescription;
use rxdesk_gm::issue::{sign_prescription, DemoPki};
use rxdesk_gm::primitives::{set_key_table_limit, KEY_TABLES_DEFAULT_LIMIT};
use rxdesk_gm::trust::{CrlStore, TrustStore};
use rxdesk_gm::verify::Verifier;
use rxdesk_gm::{PrivateKey, DEFAULT_USER_ID};
use std::hint::black_box;
use std::time::Instant;

/// Signatures the SM2 reference cycles over, and twice the prescriptions
/// the full verification cycles over (decision 0026: a run's ratio should
/// not depend on which signature was drawn).
const SIGNATURES: usize = 16;

/// A message the size of a typical sign string / originalValue.
fn message() -> Vec<u8> {
    (0..1024u32).map(|i| (i * 31 % 251) as u8).collect()
}

/// CPU time of the calling thread (ns on the CPU, from
/// `/proc/thread-self/schedstat`), or `None` where that file is missing.
///
/// The machine is shared (2 cores, other builds running): wall-clock rates
/// of two one-second slices then mostly measure who else got the CPU, and
/// the same-run ratio moved between 0.27x and 0.45x from run to run. On-CPU
/// time of this thread counts only the work itself.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Operations per second of `f`: per second of this thread's CPU time when
/// the kernel reports it, else per second of wall clock.
fn ops_per_sec(secs: f64, mut f: impl FnMut()) -> f64 {
    // Warm up, then count whole iterations for `secs` (of CPU time; at most
    // 20x that of wall clock, so a starved run still ends).
    for _ in 0..50 {
        f();
    }
    let start = Instant::now();
    let cpu0 = thread_cpu_ns();
    let spent = || match (cpu0, thread_cpu_ns()) {
        (Some(a), Some(b)) => b.saturating_sub(a) as f64 / 1e9,
        _ => start.elapsed().as_secs_f64(),
    };
    let mut n = 0u64;
    while spent() < secs && start.elapsed().as_secs_f64() < 20.0 * secs {
        for _ in 0..20 {
            f();
        }
        n += 20;
    }
    n as f64 / spent().max(1e-9)
}

struct OpenSslSm2 {
    pkey: openssl::pkey::PKey<openssl::pkey::Public>,
    sig: Vec<u8>,
}

fn openssl_setup(msg: &[u8]) -> OpenSslSm2 {
    use openssl::hash::MessageDigest;
    // An SM2 key through OpenSSL itself (PKCS#8 written by rxdesk-gm).
    let sk = PrivateKey::generate().unwrap();
    let priv_pkey =
        openssl::pkey::PKey::private_key_from_pem(sk.to_pkcs8_pem().unwrap().as_bytes()).unwrap();
    let pub_pkey =
        openssl::pkey::PKey::public_key_from_pem(sk.public_key().to_pem().unwrap().as_bytes())
            .unwrap();
    // OpenSSL signs with its default (empty) SM2 id; the Z computation costs
    // the same for any id, so this times the same work as ours.
    let mut signer = openssl::sign::Signer::new(MessageDigest::sm3(), &priv_pkey).unwrap();
    let sig = signer.sign_oneshot_to_vec(msg).unwrap();
    // rxdesk-gm agrees with OpenSSL's signature (empty id) — same computation.
    let ours = rxdesk_gm::Signature::from_der(&sig).unwrap();
    sk.public_key().verify(msg, &ours, "").unwrap();
    OpenSslSm2 {
        pkey: pub_pkey,
        sig,
    }
}

fn openssl_verify(o: &OpenSslSm2, msg: &[u8]) -> bool {
    let mut v = openssl::sign::Verifier::new(openssl::hash::MessageDigest::sm3(), &o.pkey).unwrap();
    v.verify_oneshot(&o.sig, msg).unwrap()
}

/// `openssl speed -elapsed -seconds N sm2` → verify/s (None if unavailable).
///
/// `-elapsed` divides by wall-clock time like every other figure here; without
/// it `openssl speed` divides by its CPU user time, which on a loaded machine
/// inflates its rate by the share of the CPU it did not get.
fn openssl_speed(seconds: u32) -> Option<f64> {
    let out = std::process::Command::new("openssl")
        .args(["speed", "-elapsed", "-seconds", &seconds.to_string(), "sm2"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().rev().find(|l| l.contains("SM2"))?;
    line.split_whitespace().last()?.parse().ok()
}

fn bench(c: &mut Criterion) {
    let msg = message();
    let sk = PrivateKey::generate().unwrap();
    let pk = sk.public_key();
    let sig = sk.sign(&msg, DEFAULT_USER_ID).unwrap();
    let ossl = openssl_setup(&msg);

    let now = Utc::now();
    let pki = DemoPki::generate("H11010100001", "Bench Hospital", now, None).unwrap();
    let mut trust = TrustStore::new();
    trust.add_root(pki.root.cert.clone()).unwrap();
    let crls = CrlStore::new();
    crls.add(pki.crl.clone());
    // Several signed prescriptions (decision 0026): a verify's cost depends
    // on the nibbles of its signature's scalars, so one prescription (two
    // signatures) would make the full rate depend on one draw.
    let pdf = rxdesk_gm::pdf::simple_pdf(&["Bench prescription"]);
    let rxs: Vec<DownloadedPrescription> = (0..SIGNATURES / 2)
        .map(|k| {
            let mut rx = DownloadedPrescription::demo(
                &format!("110000000000000000{k:02}"),
                "H11010100001",
                "Bench Hospital",
                now - Duration::hours(1),
            );
            sign_prescription(&mut rx, &pdf, &pki.valid, now - Duration::hours(1)).unwrap();
            rx
        })
        .collect();
    let rx = &rxs[0];
    let verifier = Verifier::new(&trust, &crls);
    for rx in &rxs {
        verifier.verify_prescription(rx, now).unwrap();
    }
    // The reference cycles over as many signatures of the 1 KiB message.
    let sigs: Vec<rxdesk_gm::Signature> = (0..SIGNATURES)
        .map(|_| sk.sign(&msg, DEFAULT_USER_ID).unwrap())
        .collect();
    let next = std::cell::Cell::new(0usize);
    let cycle = || {
        let k = next.get();
        next.set((k + 1) % SIGNATURES);
        k
    };
    let full_once = || {
        verifier
            .verify_prescription(&rxs[cycle() % rxs.len()], now)
            .unwrap();
    };

    let mut g = c.benchmark_group("sm2");
    g.bench_function("rxdesk_verify_1KiB", |b| {
        b.iter(|| {
            pk.verify(black_box(&msg), black_box(&sig), DEFAULT_USER_ID)
                .unwrap()
        })
    });
    g.bench_function("openssl_verify_1KiB", |b| {
        b.iter(|| assert!(openssl_verify(&ossl, black_box(&msg))))
    });
    g.bench_function("rxdesk_sign_1KiB", |b| {
        b.iter(|| sk.sign(black_box(&msg), DEFAULT_USER_ID).unwrap())
    });
    g.finish();
    c.bench_function("prescription_verify_full", |b| {
        b.iter(|| verifier.verify_prescription(black_box(rx), now).unwrap())
    });

    // Ratios in the same run: alternate one-second slices, average them.
    let rc_pk = sm2::PublicKey::from_sec1_bytes(&pk.to_sec1()).unwrap();
    let rc_sig = sm2::dsa::Signature::from_slice(&sig.to_raw()).unwrap();
    let rustcrypto_verify = || {
        use sm2::dsa::signature::Verifier as _;
        // As rxdesk-gm called it before decision 0002: key + Z_A per verify.
        let vk = sm2::dsa::VerifyingKey::new(DEFAULT_USER_ID, rc_pk).unwrap();
        vk.verify(&msg, &rc_sig).unwrap();
    };
    // The full verification is timed in the same alternation as the bare
    // verify it is compared with (it used to run alone afterwards, so a
    // change of load between the two moved the ratio).
    // The same verify through the key's cached table (decision 0015: what a
    // hospital certificate's key does from its third signature on), so the
    // full verification can also be divided by the verify it actually runs
    // (its structural overhead), and the full verification once more with
    // key tables off (limit 0: what it was before decision 0015), all in the
    // same alternation.
    // Decision 0026: the signer's own key as the full verification holds it
    // (the parse cache's certificate, so the very same key table), verifying
    // 16 signatures of its own over the 1 KiB message. A fresh key per run
    // gave the reference its own table, and the reference moved 42k–46k/s
    // from run to run with it; now both sides of the ratio share one table.
    let tabled = rxdesk_gm::cert::Certificate::from_der(pki.valid.cert.to_der())
        .unwrap()
        .public_key()
        .clone();
    assert!(
        tabled.has_cached_table(),
        "the full verifications above built the signer key's table"
    );
    let tsigs: Vec<rxdesk_gm::Signature> = (0..SIGNATURES)
        .map(|_| pki.valid.key.sign(&msg, DEFAULT_USER_ID).unwrap())
        .collect();
    let tsig = &tsigs[0];
    for s in &tsigs {
        tabled.verify_cached(&msg, s, DEFAULT_USER_ID).unwrap();
    }
    let (mut ours, mut theirs, mut rustcrypto, mut full) = (0.0, 0.0, 0.0, 0.0);
    let (mut ours_tabled, mut full_untabled) = (0.0, 0.0);
    // As the bench measured before decision 0026 (one prescription, one
    // signature, repeated), for comparison in the same run.
    let (mut full_one, mut ours_tabled_one) = (0.0, 0.0);
    for _ in 0..3 {
        ours += ops_per_sec(1.0, || {
            pk.verify(&msg, &sigs[cycle()], DEFAULT_USER_ID).unwrap()
        }) / 3.0;
        ours_tabled += ops_per_sec(1.0, || {
            tabled
                .verify_cached(&msg, &tsigs[cycle()], DEFAULT_USER_ID)
                .unwrap()
        }) / 3.0;
        full += ops_per_sec(1.0, full_once) / 3.0;
        full_one += ops_per_sec(1.0, || {
            verifier.verify_prescription(rx, now).unwrap();
        }) / 3.0;
        ours_tabled_one += ops_per_sec(1.0, || {
            tabled.verify_cached(&msg, tsig, DEFAULT_USER_ID).unwrap()
        }) / 3.0;
        set_key_table_limit(0);
        full_untabled += ops_per_sec(1.0, full_once) / 3.0;
        set_key_table_limit(KEY_TABLES_DEFAULT_LIMIT);
        // The tables come back on their key's next verifications (in the
        // warm-up of the next slice); the bench key's is rebuilt here.
        for _ in 0..3 {
            tabled.verify_cached(&msg, tsig, DEFAULT_USER_ID).unwrap();
        }
        assert!(tabled.has_cached_table());
        theirs += ops_per_sec(1.0, || assert!(openssl_verify(&ossl, &msg))) / 3.0;
        rustcrypto += ops_per_sec(1.0, rustcrypto_verify) / 3.0;
    }
    println!();
    println!("== SM2 verify, 1 KiB message, SM3 + Z included ==");
    println!("rxdesk-gm (own verify, 0002)    {ours:10.0} verify/s");
    println!("OpenSSL in-process (EVP)        {theirs:10.0} verify/s");
    println!("RustCrypto sm2 0.14 verify      {rustcrypto:10.0} verify/s");
    println!("ratio rxdesk / OpenSSL (EVP)    {:10.2}x", ours / theirs);
    println!(
        "ratio RustCrypto / OpenSSL (EVP){:10.2}x",
        rustcrypto / theirs
    );
    let speed = openssl_speed(3);
    let speed_note = match speed {
        Some(speed) => {
            println!("openssl speed -elapsed sm2 (CLI) {speed:10.0} verify/s");
            println!("ratio rxdesk / openssl speed    {:10.2}x", ours / speed);
            format!(
                "`openssl speed -elapsed -seconds 3 sm2` (CLI, same run): {speed:.0} verify/s of wall clock, not comparable with the CPU-time rates of this row when the machine is loaded (wall-clock ratio {:.2}x)",
                ours / speed
            )
        }
        None => {
            println!("openssl speed sm2: not available");
            "`openssl speed sm2` not available".to_string()
        }
    };
    println!("rxdesk-gm, key's cached table   {ours_tabled:10.0} verify/s");
    println!("full prescription verification  {full:10.1} /s (2 CMS + PDF + chain + CRL)");
    println!("full, key tables off            {full_untabled:10.1} /s");
    println!("full / bare verify (no table)   {:10.2}x", full / ours);
    println!(
        "full / verify with key table    {:10.2}x",
        full / ours_tabled
    );
    println!("one prescription repeated       {full_one:10.1} /s (as before decision 0026)");
    println!("one signature, key's table      {ours_tabled_one:10.0} verify/s");
    println!(
        "same, full / tabled verify      {:10.2}x",
        full_one / ours_tabled_one
    );
    // SM3 throughput, ours (RustCrypto `sm3`, decision 0001) against
    // OpenSSL's in the same run, alternating slices (the hashing inside a
    // full verification: originalValue, the PDF's signed bytes, two sets of
    // signed attributes).
    let block: Vec<u8> = (0..64 * 1024u32).map(|i| (i * 7 % 253) as u8).collect();
    let (mut sm3_ours, mut sm3_ossl) = (0.0, 0.0);
    for _ in 0..3 {
        sm3_ours += ops_per_sec(0.5, || {
            black_box(rxdesk_gm::primitives::sm3(black_box(&block)));
        }) * block.len() as f64
            / 1e6
            / 3.0;
        sm3_ossl += ops_per_sec(0.5, || {
            black_box(
                openssl::hash::hash(openssl::hash::MessageDigest::sm3(), black_box(&block))
                    .unwrap(),
            );
        }) * block.len() as f64
            / 1e6
            / 3.0;
    }
    println!("SM3 (RustCrypto sm3)            {sm3_ours:10.1} MB/s");
    println!("SM3 (OpenSSL EVP)               {sm3_ossl:10.1} MB/s");
    let version = openssl::version::version();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let clock = if thread_cpu_ns().is_some() {
        "/proc/thread-self/schedstat"
    } else {
        "wall clock: schedstat unavailable"
    };
    let round1 = |x: f64| (x * 10.0).round() / 10.0;
    let round2 = |x: f64| (x * 100.0).round() / 100.0;
    let ratio = ours / theirs;
    println!(
        "BENCH_ROW {}",
        serde_json::json!({
            "row": "SM2 verify, 1 KiB message, SM3 + Z included (one thread)",
            "rxdesk": round1(ours), "reference": round1(theirs),
            "reference_name": format!("{version} libcrypto in-process (EVP_DigestVerify, SM3, SM2 Z)"),
            "unit": "verify/s", "ratio": round2(ratio), "goal": ">= 2x", "met": ratio >= 2.0,
            "note": format!("rates per second of the bench thread's CPU time ({clock}), OpenSSL EVP in the same thread; rxdesk-gm = own variable-time SM2 verify (decision 0002; signing stays RustCrypto sm2 0.14); RustCrypto sm2 0.14 verify in the same run: {:.0}/s ({:.2}x); {speed_note}; ratio = RxDesk / OpenSSL (higher is better); {cores} cores", rustcrypto, rustcrypto / theirs)
        })
    );
    // The issue's row divides by the bare verify above, which runs without a
    // key table; the full verification's signer key has one (decision 0015).
    // So that row's ratio is not like for like: it is judged met only if the
    // like-for-like ratio (next row: the same verify through a key table)
    // meets the goal too.
    let ratio = full / ours;
    let structural = full / ours_tabled;
    let setup = format!("rates per second of the bench thread's CPU time ({clock}); {} signed prescriptions cycled (one signer), each with a small layout PDF (rxFile 23 KB of Base64, mostly the /Contents placeholder), trust store with the demo root, CRL in memory, one long-lived Verifier as the counter keeps (chain-link and CRL-signature caches warm, certificates parsed once; nothing keyed on the prescription's own bytes is cached); every figure timed in the same alternating one-second slices; SM3 in the same run: ours {sm3_ours:.0} MB/s, OpenSSL {sm3_ossl:.0} MB/s ({:.2}x); the SM2 references cycle over {SIGNATURES} signatures (untabled: a fresh key; tabled: the signer's key and its very table)", SIGNATURES / 2, sm3_ours / sm3_ossl);
    println!(
        "BENCH_ROW {}",
        serde_json::json!({
            "row": "full prescription verification (2 CMS + PDF + chain + CRL) / bare SM2 verify without key table",
            "rxdesk": round1(full), "reference": round1(ours),
            "reference_name": "RxDesk SM2 verify alone, no key table (the SM2 row above)",
            "unit": "verifications/s", "ratio": round2(ratio), "goal": ">= 0.45x (limit 0.5x: two SM2 verifies)",
            "met": ratio >= 0.45 && structural >= 0.45,
            "note": format!("{setup}; NOT like for like: the full verification's signer key verifies through its key table (decision 0015: built on the key's third signature, kept with the shared certificate), the reference does not; like-for-like ratio in the next row ({structural:.2}x), and this row is counted met only if that one is too; the same full verification with key tables off (limit 0), same run: {full_untabled:.1}/s = {:.2}x the bare verify; tables on / off: {:.2}x; ratio = full / bare untabled verify (higher is better)", full_untabled / ours, full / full_untabled)
        })
    );
    println!(
        "BENCH_ROW {}",
        serde_json::json!({
            "row": "full prescription verification / the same SM2 verify through a key table (structural overhead)",
            "rxdesk": round1(full), "reference": round1(ours_tabled),
            "reference_name": "RxDesk SM2 verify through the signer key's own table (decisions 0015, 0026), 1 KiB, same run",
            "unit": "verifications/s", "ratio": round2(structural), "goal": ">= 0.45x (limit 0.5x: two SM2 verifies)", "met": structural >= 0.45,
            "note": format!("{setup}; like for like: the reference is the verify the full verification runs for each of its two signatures (the signer's key and the very same key table, 16 signatures cycled); 0.5x would be two verifies and nothing else; one prescription and one signature repeated (the bench before decision 0026), same run: {full_one:.1}/s over {ours_tabled_one:.0}/s = {:.2}x; the rest is parsing, Base64, hashing, PDF and the checks (decision 0020: callgrind 969k instructions per full verification against 456k per tabled verify, 0.47x by instructions; CPU time lags: what is not the two verifies or SM3 retires far fewer instructions per second); ratio = full / tabled verify (higher is better)", full_one / ours_tabled_one)
        })
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
