//! `rxdesk-hq`: the head-office service's command line — serve the chain,
//! add a store (printing its registration code), import the catalogue.
//!
//! Why a binary of its own: head office runs on a server, not in the
//! counter's desktop app; this is the one process a chain deploys there.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rxdesk_chain::{ChainDb, VersionWindow};
use rxdesk_hq::{now_ms, AppState, HqConfig, DEFAULT_BODY_LIMIT};

#[derive(Parser)]
#[command(
    name = "rxdesk-hq",
    about = "RxDesk head office: the chain's sync server and views"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the sync endpoints and the chain views.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8470.
        #[arg(long)]
        listen: String,
        /// postgres://… (head office) or sqlite:PATH (a single-store server).
        #[arg(long)]
        database_url: String,
        /// A file holding the chain manager's admin token (one line).
        #[arg(long)]
        admin_token_file: PathBuf,
        /// Oldest protocol version accepted.
        #[arg(long, default_value_t = rxdesk_sync::PROTOCOL_VERSION)]
        min_protocol: u32,
        /// Newest protocol version accepted.
        #[arg(long, default_value_t = rxdesk_sync::PROTOCOL_VERSION)]
        max_protocol: u32,
        /// Largest request body in bytes.
        #[arg(long, default_value_t = DEFAULT_BODY_LIMIT)]
        body_limit: usize,
    },
    /// Stores of the chain.
    Store {
        #[command(subcommand)]
        cmd: StoreCmd,
    },
    /// The chain's catalogue.
    Products {
        #[command(subcommand)]
        cmd: ProductsCmd,
    },
    /// Chain-manager accounts (who signs in to the chain views).
    Manager {
        #[command(subcommand)]
        cmd: ManagerCmd,
    },
}

#[derive(Subcommand)]
enum ManagerCmd {
    /// Add a manager; the password is read from standard input (asked
    /// twice, without echo, at a terminal).
    Add {
        /// The manager's sign-in name.
        name: String,
        /// The chain database.
        #[arg(long)]
        database_url: String,
    },
    /// Set a manager's password (read as for `add`) and end their sessions.
    Passwd {
        /// The manager's sign-in name.
        name: String,
        /// The chain database.
        #[arg(long)]
        database_url: String,
    },
    /// List the managers.
    List {
        /// The chain database.
        #[arg(long)]
        database_url: String,
    },
}

/// Switches the terminal's echo (best effort, through `stty`).
fn echo(on: bool) {
    let _ = std::process::Command::new("stty")
        .arg(if on { "echo" } else { "-echo" })
        .stdin(std::process::Stdio::inherit())
        .status();
}

/// A password from standard input: at a terminal asked twice without
/// echo; from a pipe, its first line.
fn read_password() -> Result<String, String> {
    use std::io::{BufRead, IsTerminal, Write};
    let stdin = std::io::stdin();
    let tty = stdin.is_terminal();
    let ask = |prompt: &str| -> Result<String, String> {
        if tty {
            eprint!("{prompt}");
            let _ = std::io::stderr().flush();
            echo(false);
        }
        let mut line = String::new();
        let r = stdin.lock().read_line(&mut line);
        if tty {
            echo(true);
            eprintln!();
        }
        r.map_err(|e| format!("cannot read the password: {e}"))?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    };
    let pw = ask("Password / 密码: ")?;
    if tty && ask("Again / 再输一次: ")? != pw {
        return Err("the two passwords differ".into());
    }
    Ok(pw)
}

#[derive(Subcommand)]
enum StoreCmd {
    /// Add a store; prints the registration code its counters use.
    Add {
        /// 定点医药机构编码 (12 characters).
        code: String,
        /// The store's name.
        name: String,
        /// The chain database.
        #[arg(long)]
        database_url: String,
    },
}

#[derive(Subcommand)]
enum ProductsCmd {
    /// Import and publish a catalogue CSV (header row naming the fields).
    Import {
        /// The CSV file.
        file: PathBuf,
        /// The chain database.
        #[arg(long)]
        database_url: String,
    },
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.cmd {
        Cmd::Serve {
            listen,
            database_url,
            admin_token_file,
            min_protocol,
            max_protocol,
            body_limit,
        } => {
            let token = std::fs::read_to_string(&admin_token_file)
                .map_err(|e| format!("{}: {e}", admin_token_file.display()))?
                .trim()
                .to_string();
            if token.len() < 16 {
                return Err("the admin token must be at least 16 characters".into());
            }
            let db = ChainDb::open(&database_url)
                .await
                .map_err(|e| e.to_string())?;
            let state = AppState::new(
                db,
                HqConfig {
                    admin_token: token,
                    window: VersionWindow {
                        min: min_protocol,
                        max: max_protocol,
                    },
                    body_limit,
                },
            );
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .map_err(|e| format!("{listen}: {e}"))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            println!("rxdesk-hq listening on {addr}");
            tracing::info!(%addr, "head office listening");
            rxdesk_hq::serve(listener, state)
                .await
                .map_err(|e| e.to_string())
        }
        Cmd::Store {
            cmd:
                StoreCmd::Add {
                    code,
                    name,
                    database_url,
                },
        } => {
            let db = ChainDb::open(&database_url)
                .await
                .map_err(|e| e.to_string())?;
            let reg = db
                .add_store(&code, &name, now_ms())
                .await
                .map_err(|e| e.to_string())?;
            println!("{reg}");
            Ok(())
        }
        Cmd::Products {
            cmd: ProductsCmd::Import { file, database_url },
        } => {
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let products = rxdesk_hq::csv::parse_products(&text)?;
            let db = ChainDb::open(&database_url)
                .await
                .map_err(|e| e.to_string())?;
            let n = db
                .publish_products(products, now_ms())
                .await
                .map_err(|e| e.to_string())?;
            println!("published {n} products");
            Ok(())
        }
        Cmd::Manager { cmd } => manager(cmd).await,
    }
}

async fn manager(cmd: ManagerCmd) -> Result<(), String> {
    let open = |url: String| async move { ChainDb::open(&url).await.map_err(|e| e.to_string()) };
    match cmd {
        ManagerCmd::Add { name, database_url } => {
            let pw = read_password()?;
            let phc = rxdesk_chain::managers::hash_password(&pw).map_err(|e| e.to_string())?;
            open(database_url)
                .await?
                .add_manager(&name, &phc, now_ms())
                .await
                .map_err(|e| e.to_string())?;
            println!("manager {name} added");
            Ok(())
        }
        ManagerCmd::Passwd { name, database_url } => {
            let pw = read_password()?;
            let phc = rxdesk_chain::managers::hash_password(&pw).map_err(|e| e.to_string())?;
            if open(database_url)
                .await?
                .set_manager_password(&name, &phc)
                .await
                .map_err(|e| e.to_string())?
            {
                println!("password of {name} set; their sessions ended");
                Ok(())
            } else {
                Err(format!("no manager named {name}"))
            }
        }
        ManagerCmd::List { database_url } => {
            for n in open(database_url)
                .await?
                .managers()
                .await
                .map_err(|e| e.to_string())?
            {
                println!("{n}");
            }
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rxdesk-hq: {e}");
            ExitCode::FAILURE
        }
    }
}
