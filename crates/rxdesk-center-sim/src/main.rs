//! # rxdesk-center-sim — the e-prescription center emulator
//!
//! A product feature, not a test mock: it serves both wire families on
//! loopback with real SM2/SM4 so a pharmacy can rehearse, the app can run a
//! demo, and the tests run the real client against it. The protocol
//! implementation lands with the "center" issue; until then this binary only
//! explains itself and refuses to pretend.
#![forbid(unsafe_code)]

use clap::Parser;

/// Emulator of the national medical-insurance e-prescription center.
#[derive(Parser, Debug)]
#[command(name = "rxdesk-center-sim", version, about, long_about = None)]
struct Args {
    /// Data set to start with (`demo`: hospitals, patients, prescriptions in every state).
    #[arg(long, default_value = "demo")]
    seed: String,
    /// TCP port on 127.0.0.1.
    #[arg(long, default_value_t = 18080)]
    port: u16,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    eprintln!(
        "rxdesk-center-sim: the center protocol is not implemented yet (seed {}, port {}); nothing is served",
        args.seed, args.port
    );
    std::process::ExitCode::from(2)
}
