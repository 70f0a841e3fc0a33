//! `rxdesk-center-sim`: run the e-prescription center emulator.
#![forbid(unsafe_code)]

use clap::Parser;
use rxdesk_center_sim::faults::Faults;
use rxdesk_center_sim::rehearsal::Deployment;
use rxdesk_center_sim::{serve, SimConfig};

/// Emulator of the national medical-insurance e-prescription center (DEMO ONLY).
///
/// Serves, on 127.0.0.1 only:
///   family A (classic gateway, infno + msgid + x-tif headers):  POST /fsi/api/rsfComIfsService/callService
///     9001 9002 1101 2101 2102 2103 2601 3201 3202 3505 3506 9101 9102 7201-7208
///   family B (SM4 encData + SM2 signData):  POST /epc/api/fixmedins/{rxQrcodeDecode|rxAuthQuery|rxDownload|
///     rxSignVerify|rxChkUpld|rxDelvUpld|rxSetlUpld|rxSelUpld|rxSelUndo}
///   admin:  GET /admin/stats  GET|POST|DELETE /admin/faults  GET /admin/uploads?op=3505
///     GET /admin/persons /admin/drugs /admin/prescriptions  POST /admin/prescriptions
///     POST /admin/persons/{psn_no}/balance
///     POST /admin/prescriptions/{hi_rxno}/revoke  POST /admin/certs/{hospital}/revoke
///     GET /admin/ca.pem (trust root)  GET /crl/demo-ca.crl
///
/// Every business request is idempotent by msgid (family B: by signData): an identical replay
/// returns the original answer and counts as "duplicate"; a msgid reused with other input or a
/// signed body replayed to another path is refused (1001). Family-B timestamps must be within
/// ±300 s. See docs/protocol.md ("Emulator strictness") for codes and choices.
///
/// Rehearsal of going live (a non-demo deployment): with --profile FILE --issue-credentials DIR the
/// emulator plays that province's 医保局: it issues fresh credentials on every start into
/// DIR/credentials/ (app_id, app_secret, platform_public_key.pem, pharmacy_private_key.pem,
/// pharmacy_public_key.pem) and DIR/trust/ (the CA root and CRL its hospitals sign with), and
/// accepts only those credentials.
///
/// Examples:
///   rxdesk-center-sim --seed demo --port 18080
///   rxdesk-center-sim --profile assets/profiles/rehearsal.toml --issue-credentials /tmp/issued --port 18090
///   rxdesk-center-sim --port 0 --error-rate 0.1 --reset-after-rate 0.05 --seed-faults 7
///   curl -s 127.0.0.1:18080/admin/prescriptions        # the demo QR codes and their states
///   curl -s -X POST 127.0.0.1:18080/admin/faults -d '{"latency_ms":200}'
#[derive(Parser, Debug)]
#[command(name = "rxdesk-center-sim", version, verbatim_doc_comment)]
struct Args {
    /// Data set: `demo` (hospitals, patients, prescriptions in every state) or `empty`.
    #[arg(long, default_value = "demo")]
    seed: String,
    /// TCP port on 127.0.0.1; 0 picks a free port (printed on stdout).
    #[arg(long, default_value_t = 18080)]
    port: u16,
    /// Delay added to every business request (ms).
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Probability of HTTP 503 without applying (0..1).
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Probability of dropping the connection before applying (0..1).
    #[arg(long, default_value_t = 0.0)]
    reset_before_rate: f64,
    /// Probability of applying, then dropping the connection: the "uncertain" case (0..1).
    #[arg(long, default_value_t = 0.0)]
    reset_after_rate: f64,
    /// Probability of applying, then answering a truncated non-JSON body (0..1).
    #[arg(long, default_value_t = 0.0)]
    malformed_rate: f64,
    /// Trickle every response body over this many ms.
    #[arg(long, default_value_t = 0)]
    slow_body_ms: u64,
    /// Run the emulator's clock this many seconds off (x-tif timestamps must be within ±300 s).
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    clock_skew_s: i64,
    /// Seed of the fault dice (same seed, same fault sequence).
    #[arg(long = "seed-faults", default_value_t = 1)]
    fault_seed: u64,
    /// Serve the non-demo deployment of this profile file (fresh credentials and CA).
    #[arg(long, requires = "issue_credentials", conflicts_with = "seed")]
    profile: Option<std::path::PathBuf>,
    /// Where the freshly issued credentials/ and trust/ are written (with --profile).
    #[arg(long, requires = "profile")]
    issue_credentials: Option<std::path::PathBuf>,
    /// How a repeated msgid is answered: `replay` the original answer
    /// (a de-duplicating gateway) or `reject` it with 1008 "already received".
    #[arg(long, default_value = "replay")]
    duplicate_msgid: rxdesk_center_sim::dedupe::DuplicateMsgid,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let a = Args::parse();
    let faults = Faults {
        latency_ms: a.latency_ms,
        error_rate: a.error_rate,
        reset_before_rate: a.reset_before_rate,
        reset_after_rate: a.reset_after_rate,
        malformed_rate: a.malformed_rate,
        slow_body_ms: a.slow_body_ms,
        clock_skew_s: a.clock_skew_s,
        seed: a.fault_seed,
        ..Faults::default()
    };
    let deployment = match &a.profile {
        None => None,
        Some(path) => {
            let file = match rxdesk_center::profile::ProfileFile::load(path) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("rxdesk-center-sim: {}: {e}", path.display());
                    return std::process::ExitCode::from(2);
                }
            };
            match Deployment::issue(&file) {
                Ok(d) => Some(d),
                Err(e) => {
                    eprintln!("rxdesk-center-sim: {e}");
                    return std::process::ExitCode::from(2);
                }
            }
        }
    };
    let handle = match serve(SimConfig {
        port: a.port,
        seed: a.seed.clone(),
        faults,
        deployment: deployment.clone(),
        duplicates: a.duplicate_msgid,
    })
    .await
    {
        Ok(h) => h,
        Err(e) => {
            eprintln!("rxdesk-center-sim: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    if let (Some(d), Some(dir)) = (&deployment, &a.issue_credentials) {
        let (ca, crl) = {
            let st = handle.app.st.lock().unwrap_or_else(|p| p.into_inner());
            (st.ca.cert.to_pem(), st.crl_der.clone())
        };
        if let Err(e) = d.write(dir, &ca, &crl) {
            eprintln!("rxdesk-center-sim: cannot write the issued credentials: {e}");
            handle.shutdown().await;
            return std::process::ExitCode::from(2);
        }
        println!(
            "deployment {} ({}): credentials in {}, trust in {}",
            d.name,
            d.pharmacy_code,
            dir.join("credentials").display(),
            dir.join("trust").display()
        );
    }
    println!("listening on {}", handle.addr);
    tracing::info!(seed = %a.seed, "emulator ready; Ctrl-C to stop");
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("rxdesk-center-sim: cannot watch SIGTERM: {e}");
                    return std::process::ExitCode::from(2);
                }
            };
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
    handle.shutdown().await;
    std::process::ExitCode::SUCCESS
}
