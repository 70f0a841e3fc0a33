//! rxdesk-devsim — the counter devices in software, for demos and manual
//! testing. Each simulator is reached through the real driver path: a PTY
//! for serial devices, TCP for the network printer, the stand-in vendor
//! library (state file) for card readers and face terminals.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand, ValueEnum};
use rxdesk_devices::printer::decode::Event;
use rxdesk_devices::printer::escpos::PaperWidth;
use rxdesk_devices::printer::render::{render_png, DEFAULT_FONT};
use rxdesk_devices::sim::card_reader::CardReaderSim;
use rxdesk_devices::sim::printer::PrinterSim;
use rxdesk_devices::sim::scanner::ScannerSim;
use rxdesk_devices::sim::scenario::{unescape_bytes, Scenario, ScenarioRunner};
use rxdesk_devices::sim::standin::{StandinState, STATE_ENV};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Counter-device simulators for RxDesk (扫码枪、小票打印机、读卡器、刷脸终端模拟器).
#[derive(Parser)]
#[command(name = "rxdesk-devsim", version, about)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, ValueEnum)]
enum Width {
    #[value(name = "58mm")]
    Mm58,
    #[value(name = "80mm")]
    Mm80,
}

impl From<Width> for PaperWidth {
    fn from(w: Width) -> Self {
        match w {
            Width::Mm58 => PaperWidth::Mm58,
            Width::Mm80 => PaperWidth::Mm80,
        }
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// A network receipt printer: decodes ESC/POS, prints events as JSON
    /// lines, writes a PNG per cut receipt.
    Printer {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:9100")]
        listen: String,
        /// Directory for receipt PNGs.
        #[arg(long)]
        png_dir: Option<PathBuf>,
        /// Paper width for the PNGs.
        #[arg(long, value_enum, default_value = "80mm")]
        width: Width,
        /// Exit after this many receipts.
        #[arg(long)]
        count: Option<usize>,
    },
    /// A USB-serial scanner on a PTY; each stdin line is scanned
    /// (a line starting with `!raw ` is sent as is, with \r \n \xHH escapes).
    Scanner {
        /// Also make this symlink to the PTY (a stable path for settings).
        #[arg(long)]
        link: Option<PathBuf>,
    },
    /// A generic serial card reader on a PTY (docs/devices.md). Stdin lines:
    /// `insert <| record>`, `pull`, `pull-mid-read` (the next read sends one
    /// frame, then the card leaves), `silent on|off`.
    CardReader {
        /// Also make this symlink to the PTY.
        #[arg(long)]
        link: Option<PathBuf>,
    },
    /// The terminal's PIN pad for the stand-in e-voucher SDK: each stdin
    /// line is the password the patient types (`cancel`: the patient
    /// cancels; `reset`: the SDK's lock is reset), written to the state file.
    Pinpad {
        /// Stand-in state file (the one the app's RXDESK_STANDIN_STATE names).
        #[arg(long, default_value = "rxdesk-standin.state")]
        state: PathBuf,
    },
    /// Plays a scenario (YAML/JSON) on a scanner PTY, a TCP printer and the
    /// stand-in vendor libraries' state file.
    Run {
        /// The scenario file.
        scenario: PathBuf,
        /// Stand-in state file (export RXDESK_STANDIN_STATE=<it> for the app).
        #[arg(long, default_value = "rxdesk-standin.state")]
        state: PathBuf,
        /// Printer address.
        #[arg(long, default_value = "127.0.0.1:9100")]
        printer: String,
        /// Wait for Enter before each step (demo mode).
        #[arg(long)]
        interactive: bool,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rxdesk-devsim: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.cmd {
        Cmd::Printer {
            listen,
            png_dir,
            width,
            count,
        } => {
            let sim = PrinterSim::start_tcp(&listen).map_err(|e| format!("{listen}: {e}"))?;
            eprintln!(
                "打印机模拟器 printer simulator on {}",
                sim.addr().map(|a| a.to_string()).unwrap_or_default()
            );
            pump_printer(&sim, png_dir.as_deref(), width.into(), count)
        }
        Cmd::Scanner { link } => {
            let mut sim = ScannerSim::new().map_err(|e| e.to_string())?;
            println!("{}", sim.path());
            if let Some(l) = &link {
                let _ = std::fs::remove_file(l);
                std::os::unix::fs::symlink(sim.path(), l).map_err(|e| e.to_string())?;
                eprintln!("link {} -> {}", l.display(), sim.path());
            }
            eprintln!("扫码枪模拟器: type a code and Enter to scan it; Ctrl-D to quit");
            for line in std::io::stdin().lock().lines() {
                let line = line.map_err(|e| e.to_string())?;
                let r = match line.strip_prefix("!raw ") {
                    Some(raw) => sim.send_raw(&unescape_bytes(raw)),
                    None => sim.scan(line.trim_end()),
                };
                r.map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        Cmd::CardReader { link } => {
            // The reader as plugged in: a fresh PTY, the link pointed at it.
            let plug = || -> Result<CardReaderSim, String> {
                let sim = CardReaderSim::start().map_err(|e| e.to_string())?;
                println!("{}", sim.path());
                if let Some(l) = &link {
                    let _ = std::fs::remove_file(l);
                    std::os::unix::fs::symlink(sim.path(), l).map_err(|e| e.to_string())?;
                    eprintln!("link {} -> {}", l.display(), sim.path());
                }
                Ok(sim)
            };
            let mut sim = Some(plug()?);
            eprintln!("串口读卡器模拟器: insert <record> | pull | pull-mid-read | silent on|off | unplug | plug; Ctrl-D to quit");
            for line in std::io::stdin().lock().lines() {
                let line = line.map_err(|e| e.to_string())?;
                let (cmd, arg) = line.trim().split_once(' ').unwrap_or((line.trim(), ""));
                match (cmd, sim.as_ref()) {
                    ("insert", Some(s)) => s.insert(arg.trim()),
                    ("pull", Some(s)) => s.remove(),
                    ("pull-mid-read", Some(s)) => s.remove_during_next_read(),
                    ("silent", Some(s)) => s.set_silent(arg.trim() == "on"),
                    // The USB cable pulled: the device node goes away.
                    ("unplug", Some(_)) => {
                        if let Some(s) = sim.take() {
                            s.unplug();
                        }
                        if let Some(l) = &link {
                            let _ = std::fs::remove_file(l);
                        }
                    }
                    // Plugged back in: a new device node behind the same link.
                    ("plug", None) => sim = Some(plug()?),
                    ("", _) => continue,
                    (other, _) => {
                        eprintln!("cannot {other} now (unplugged: only `plug`)");
                        continue;
                    }
                }
                eprintln!("ok");
            }
            if let Some(s) = sim {
                s.unplug();
            }
            Ok(())
        }
        Cmd::Pinpad { state } => {
            let mut st = StandinState::open(&state).map_err(|e| e.to_string())?;
            eprintln!("密码键盘模拟器: type the password the patient enters, `cancel` or `reset`");
            for line in std::io::stdin().lock().lines() {
                let line = line.map_err(|e| e.to_string())?;
                let r = match line.trim() {
                    "cancel" => st.set("pin_typed", None),
                    "reset" => st.reset_password_lock(),
                    "" => continue,
                    pin => st.set("pin_typed", Some(pin)),
                };
                r.map_err(|e| e.to_string())?;
                eprintln!("ok");
            }
            Ok(())
        }
        Cmd::Run {
            scenario,
            state,
            printer,
            interactive,
        } => {
            let text = std::fs::read_to_string(&scenario)
                .map_err(|e| format!("{}: {e}", scenario.display()))?;
            let sc = Scenario::parse(&text).map_err(|e| e.to_string())?;
            let scanner = ScannerSim::new().map_err(|e| e.to_string())?;
            let standin = StandinState::create(&state).map_err(|e| e.to_string())?;
            let psim = PrinterSim::start_tcp(&printer).map_err(|e| format!("{printer}: {e}"))?;
            let card_reader = CardReaderSim::start().map_err(|e| e.to_string())?;
            println!("scanner {}", scanner.path());
            println!("card_reader {}", card_reader.path());
            println!(
                "printer {}",
                psim.addr().map(|a| a.to_string()).unwrap_or_default()
            );
            println!(
                "{STATE_ENV}={}",
                std::fs::canonicalize(standin.path())
                    .unwrap_or(state.clone())
                    .display()
            );
            let mut runner = ScenarioRunner {
                scanner: Some(scanner),
                printer: Some(psim.clone()),
                standin: Some(standin),
                card_reader: Some(card_reader),
            };
            let stdin = std::io::stdin();
            for (i, step) in sc.steps.iter().enumerate() {
                if interactive {
                    eprint!("[{}/{}] {step:?} — Enter to run ", i + 1, sc.steps.len());
                    let mut s = String::new();
                    stdin.lock().read_line(&mut s).map_err(|e| e.to_string())?;
                }
                runner.apply(step).map_err(|e| e.to_string())?;
                println!("step {} done", i + 1);
            }
            eprintln!("scenario done; printer still listening (Ctrl-C to quit)");
            pump_printer(&psim, None, PaperWidth::Mm80, None)
        }
    }
}

/// Prints printer events as JSON lines and renders each cut receipt.
fn pump_printer(
    sim: &PrinterSim,
    png_dir: Option<&Path>,
    width: PaperWidth,
    max_receipts: Option<usize>,
) -> Result<(), String> {
    let mut job: Vec<Event> = Vec::new();
    let mut n = 0;
    loop {
        for ev in sim.take_events() {
            println!("{}", serde_json::to_string(&ev).unwrap_or_default());
            let cut = ev == Event::Cut;
            job.push(ev);
            if cut {
                n += 1;
                if let Some(dir) = png_dir {
                    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                    let png = render_png(&job, width, Path::new(DEFAULT_FONT))
                        .map_err(|e| e.to_string())?;
                    let f = dir.join(format!("receipt-{n:04}.png"));
                    std::fs::write(&f, png).map_err(|e| e.to_string())?;
                    eprintln!("receipt {n} -> {}", f.display());
                }
                job.clear();
                if max_receipts.is_some_and(|m| n >= m) {
                    return Ok(());
                }
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
