//! `rxdesk verify-signature` and `rxdesk verify-prescription`: a fixed
//! contract other tools call.
//!
//! Exit codes: 0 = valid, 1 = rejected, 2 = bad usage or unreadable input.
//! `--json` prints exactly one object:
//! `{"valid": bool, "reason": "snake_case"|null, "detail": "...",
//!   "signer": {"subject","issuer","serial","not_before","not_after"}|null}`.
//!
//! `verify-prescription` proves the signatures: the 20 sign fields
//! (`originalValue`) and the layout PDF. The drug lines, times and status of
//! a download are not signed; the counter compares them with the signed
//! layout before anything is sold (docs/rules.md, "What the signature does
//! not cover"), so "valid" here is not "fit to dispense".
//!
//! Without `--trust`, the roots and intermediates in the data directory's
//! `trust/` folder are used; without `--crl`, the `*.crl` files there plus
//! CRLs fetched from the certificate's distribution point (cached in
//! `trust/crl-cache/`).

use chrono::{DateTime, SubsecRound, Utc};
use clap::Args;
use rxdesk_gm::download::DownloadedPrescription;
use rxdesk_gm::trust::{CrlStore, HttpCrlFetcher, TrustStore};
use rxdesk_gm::verify::{Rejection, SignerSummary, Verifier, VerifyWarning};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Options shared by both verify commands.
#[derive(Args, Debug)]
pub struct TrustArgs {
    /// Trusted 医保 CA certificate(s) (PEM bundle or DER); repeatable.
    /// Default: the files in the data directory's trust/ folder.
    #[arg(long = "trust", value_name = "PEM")]
    pub trust: Vec<PathBuf>,
    /// CRL file(s) (PEM or DER); repeatable. Default: trust/*.crl plus the
    /// certificate's CRL distribution point over HTTP.
    #[arg(long = "crl", value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// Verify as of this instant (RFC 3339) instead of now.
    #[arg(long = "at", value_name = "RFC3339", value_parser = parse_rfc3339)]
    pub at: Option<DateTime<Utc>>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `verify-signature`: a detached CMS (DER or Base64 text) over a file's bytes.
#[derive(Args, Debug)]
pub struct VerifySignatureArgs {
    /// The signed content.
    #[arg(long, value_name = "FILE")]
    pub content: PathBuf,
    /// The detached CMS SignedData (DER, PEM or Base64 text).
    #[arg(long, value_name = "FILE")]
    pub signature: PathBuf,
    #[command(flatten)]
    pub common: TrustArgs,
}

/// `verify-prescription`: a downloaded prescription (the JSON the center serves).
#[derive(Args, Debug)]
pub struct VerifyPrescriptionArgs {
    /// The download JSON.
    #[arg(value_name = "FILE.json")]
    pub file: PathBuf,
    #[command(flatten)]
    pub common: TrustArgs,
}

fn parse_rfc3339(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 time: {e}"))
}

/// Unreadable input: exit 2.
struct InputError(String);

fn read(path: &Path) -> Result<Vec<u8>, InputError> {
    std::fs::read(path).map_err(|e| InputError(format!("cannot read {}: {e}", path.display())))
}

fn load_trust(args: &TrustArgs) -> Result<(TrustStore, CrlStore), InputError> {
    let data_trust = rxdesk_app::DataDir::resolve().ok().map(|d| d.trust());
    let mut trust = TrustStore::new();
    if args.trust.is_empty() {
        if let Some(dir) = data_trust.as_ref().filter(|d| d.is_dir()) {
            trust = TrustStore::load_dir(dir).map_err(|e| InputError(e.to_string()))?;
        }
    } else {
        for p in &args.trust {
            trust.add_file(p).map_err(|e| InputError(e.to_string()))?;
        }
    }
    let crls = if args.crl.is_empty() {
        let mut store = CrlStore::new().with_fetcher(Box::new(HttpCrlFetcher::default()));
        if let Some(dir) = data_trust.as_ref().filter(|d| d.is_dir()) {
            store = store.with_cache_dir(dir.join("crl-cache"));
            store.load_dir(dir).map_err(|e| InputError(e.to_string()))?;
        }
        store
    } else {
        let store = CrlStore::new();
        for p in &args.crl {
            store.add_file(p).map_err(|e| InputError(e.to_string()))?;
        }
        store
    };
    Ok((trust, crls))
}

fn signer_json(s: &SignerSummary) -> serde_json::Value {
    serde_json::json!({
        "subject": s.subject,
        "issuer": s.issuer,
        "serial": s.serial,
        "not_before": s.not_before.to_rfc3339(),
        "not_after": s.not_after.to_rfc3339(),
    })
}

fn warning_text(w: &VerifyWarning) -> String {
    format!("警告：{} / warning: {}", w.message_zh(), w.code())
}

fn report(outcome: Result<(SignerSummary, Vec<VerifyWarning>), Rejection>, json: bool) -> ExitCode {
    match outcome {
        Ok((signer, warnings)) => {
            let mut detail = String::from("签名有效 / signature valid");
            for w in &warnings {
                detail.push_str("; ");
                detail.push_str(&warning_text(w));
            }
            if json {
                let obj = serde_json::json!({
                    "valid": true,
                    "reason": null,
                    "detail": detail,
                    "signer": signer_json(&signer),
                });
                println!("{obj}");
            } else {
                println!("签名有效 valid");
                println!("签名者 subject:   {}", signer.subject);
                println!("签发者 issuer:    {}", signer.issuer);
                println!("序列号 serial:    {}", signer.serial);
                println!(
                    "有效期 validity:  {} — {}",
                    signer.not_before.to_rfc3339(),
                    signer.not_after.to_rfc3339()
                );
                if let Some(i) = &signer.institution {
                    println!("机构 institution: {i}");
                }
                if let Some(t) = signer.signed_at {
                    println!("签名时间 signed:  {}", t.to_rfc3339());
                }
                for w in &warnings {
                    println!("{}", warning_text(w));
                }
            }
            ExitCode::SUCCESS
        }
        Err(r) => {
            let detail = format!("{}; {}", r.reason.message_zh(), r.reason);
            if json {
                let obj = serde_json::json!({
                    "valid": false,
                    "reason": r.reason.code(),
                    "detail": detail,
                    "signer": r.signer.as_deref().map(signer_json),
                });
                println!("{obj}");
            } else {
                println!("签名无效 rejected: {}", r.reason.code());
                println!("{}", r.reason.message_zh());
                println!("{}", r.reason);
                if let Some(s) = r.signer.as_deref() {
                    println!("签名者 subject:   {}", s.subject);
                    println!("序列号 serial:    {}", s.serial);
                }
            }
            ExitCode::from(1)
        }
    }
}

fn input_error(e: InputError) -> ExitCode {
    eprintln!("rxdesk: {}", e.0);
    ExitCode::from(2)
}

/// Run `verify-signature`.
pub fn verify_signature(args: VerifySignatureArgs) -> ExitCode {
    let inputs = (|| {
        let content = read(&args.content)?;
        let sig = read(&args.signature)?;
        let (trust, crls) = load_trust(&args.common)?;
        Ok::<_, InputError>((content, sig, trust, crls))
    })();
    let (content, sig, trust, crls) = match inputs {
        Ok(v) => v,
        Err(e) => return input_error(e),
    };
    let now = args
        .common
        .at
        .unwrap_or_else(|| Utc::now().trunc_subsecs(0));
    let v = Verifier::new(&trust, &crls);
    let outcome = v
        .verify_detached(&content, &sig, now)
        .map(|ok| (ok.signer().clone(), ok.warnings().to_vec()));
    report(outcome, args.common.json)
}

/// Run `verify-prescription`.
pub fn verify_prescription(args: VerifyPrescriptionArgs) -> ExitCode {
    let inputs = (|| {
        let bytes = read(&args.file)?;
        let rx: DownloadedPrescription = serde_json::from_slice(&bytes).map_err(|e| {
            InputError(format!(
                "{} is not a downloaded prescription: {e}",
                args.file.display()
            ))
        })?;
        let (trust, crls) = load_trust(&args.common)?;
        Ok::<_, InputError>((rx, trust, crls))
    })();
    let (rx, trust, crls) = match inputs {
        Ok(v) => v,
        Err(e) => return input_error(e),
    };
    let now = args
        .common
        .at
        .unwrap_or_else(|| Utc::now().trunc_subsecs(0));
    let v = Verifier::new(&trust, &crls);
    let outcome = v
        .verify_prescription(&rx, now)
        .map(|ok| (ok.signer().clone(), ok.warnings().to_vec()));
    report(outcome, args.common.json)
}
