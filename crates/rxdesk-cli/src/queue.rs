//! `rxdesk queue`: look at and act on the upload outbox of the local ledger
//! (the same store API the desktop app's queue panel uses).
//!
//! Exit codes: 0 done, 1 refused (permission, rule, login), 2 bad input or
//! an unusable ledger.

use clap::{Args, Subcommand};
use rxdesk_store::{Session, Store, StoreError, UploadState};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options shared by the ledger commands.
#[derive(Args, Debug, Clone)]
pub struct LedgerArgs {
    /// Ledger file (default: `rxdesk.sqlite3` in the data directory).
    #[arg(long, global = true)]
    pub db: Option<PathBuf>,
}

/// `rxdesk queue …`
#[derive(Args, Debug)]
pub struct QueueArgs {
    #[command(flatten)]
    ledger: LedgerArgs,
    #[command(subcommand)]
    command: QueueCommand,
}

#[derive(Subcommand, Debug)]
enum QueueCommand {
    /// Queue depth, counts per state, oldest waiting row, last success and last error.
    Status {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// List upload rows (oldest first).
    List {
        /// Only rows in this state: pending, sending, uncertain, done, rejected, voided.
        #[arg(long)]
        state: Option<String>,
        /// At most this many rows.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Try a row again now (a rejected row gets a new msgid). Needs a manager.
    Retry {
        /// Row id.
        id: i64,
        #[command(flatten)]
        who: OperatorArgs,
    },
    /// Give up on an open row, with a reason (audit-logged). Needs a manager.
    Void {
        /// Row id.
        id: i64,
        /// Why (required).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        who: OperatorArgs,
    },
    /// Fill an EMPTY ledger with demo data: institution, a manager, a drug,
    /// stock and N cash sales waiting to upload.
    Demo {
        /// Sales to record.
        #[arg(long, default_value_t = 20)]
        sales: u32,
        /// Manager login to create (password from RXDESK_PASSWORD or stdin).
        #[arg(long, default_value = "admin")]
        manager: String,
    },
}

/// Who is acting.
#[derive(Args, Debug)]
pub struct OperatorArgs {
    /// Operator login; the password is read from RXDESK_PASSWORD, else from stdin.
    #[arg(long)]
    pub operator: String,
}

/// Opens the ledger named by `--db` or the data directory's.
pub fn open_ledger(args: &LedgerArgs) -> Result<Store, String> {
    match &args.db {
        // A ledger file named on its own opens with its key file.
        Some(p) => Store::open(p).map_err(|e| e.to_string()),
        None => {
            let dir = rxdesk_app::DataDir::resolve().map_err(|e| e.to_string())?;
            dir.ensure().map_err(|e| e.to_string())?;
            // The data directory's ledger: its key from the vault when the
            // directory has one (RXDESK_PASSPHRASE_FILE if the OS forgot it).
            rxdesk_app::credentials::open_ledger(&dir).map_err(|e| e.to_string())
        }
    }
}

fn password() -> Result<String, String> {
    if let Ok(p) = std::env::var("RXDESK_PASSWORD") {
        return Ok(p);
    }
    eprint!("密码 password: ");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read password: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Logs in `login` with the password from the environment or stdin.
pub fn login(store: &Store, login: &str) -> Result<Session, StoreError> {
    let pw = password().map_err(StoreError::Invalid)?;
    store.login(login, &pw)
}

/// Exit code for a store error: 1 when refused, 2 when broken.
pub fn exit_for(e: &StoreError) -> ExitCode {
    match e {
        StoreError::Forbidden { .. }
        | StoreError::BadCredentials
        | StoreError::Locked { .. }
        | StoreError::Rule(_)
        | StoreError::NotFound(_)
        | StoreError::SyncBusy(_) => ExitCode::from(1),
        _ => ExitCode::from(2),
    }
}

fn fail(e: StoreError) -> ExitCode {
    eprintln!("rxdesk: {e}");
    exit_for(&e)
}

fn print_status(s: &rxdesk_store::QueueStatus) {
    println!("队列深度 depth:      {}", s.depth);
    println!("  待上传 pending:    {}", s.pending);
    println!("  上传中 sending:    {}", s.sending);
    println!("  结果未知 uncertain: {}", s.uncertain);
    println!("被拒绝 rejected:     {}", s.rejected);
    println!("已上传 done:         {}", s.done);
    println!("已作废 voided:       {}", s.voided);
    match s.oldest_pending_age_secs {
        Some(a) => println!("最早待上传 oldest:   {a} s"),
        None => println!("最早待上传 oldest:   -"),
    }
    println!(
        "最近成功 last ok:    {}",
        s.last_success.as_deref().unwrap_or("-")
    );
    println!(
        "最近错误 last error: {}",
        s.last_error.as_deref().unwrap_or("-")
    );
}

/// Runs `rxdesk queue`.
pub fn run(args: QueueArgs) -> ExitCode {
    let store = match open_ledger(&args.ledger) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rxdesk: {e}");
            return ExitCode::from(2);
        }
    };
    match args.command {
        QueueCommand::Status { json } => match store.queue_status() {
            Ok(s) if json => {
                println!("{}", rxdesk_app::json_keys::pretty(&s));
                ExitCode::SUCCESS
            }
            Ok(s) => {
                print_status(&s);
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        QueueCommand::List { state, limit, json } => {
            let state = match state.as_deref().map(|s| (s, UploadState::from_code(s))) {
                None => None,
                Some((_, Some(st))) => Some(st),
                Some((s, None)) => {
                    eprintln!(
                        "rxdesk: unknown state {s:?}; use pending, sending, uncertain, done, rejected or voided"
                    );
                    return ExitCode::from(2);
                }
            };
            match store.list_uploads(state, limit) {
                Ok(rows) if json => {
                    println!("{}", rxdesk_app::json_keys::pretty(&rows));
                    ExitCode::SUCCESS
                }
                Ok(rows) => {
                    println!(
                        "{:>6}  {:<30}  {:<4}  {:<10}  {:>3}  {:<20}  note",
                        "id", "msgid", "op", "state", "try", "chain"
                    );
                    for r in rows {
                        let note = r
                            .void_reason
                            .or(r.last_error.map(|e| match r.reject_code {
                                Some(c) => format!("[{c}] {e}"),
                                None => e,
                            }))
                            .unwrap_or_default();
                        println!(
                            "{:>6}  {:<30}  {:<4}  {:<10}  {:>3}  {:<20}  {}",
                            r.id,
                            r.msgid,
                            r.op,
                            r.state.code(),
                            r.attempts,
                            r.chain_key,
                            note
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        QueueCommand::Retry { id, who } => {
            match login(&store, &who.operator).and_then(|s| store.retry_upload(&s, id)) {
                Ok(r) => {
                    println!(
                        "已重新排队 requeued: upload {} ({}, msgid {})",
                        r.id,
                        r.state.code(),
                        r.msgid
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        QueueCommand::Void { id, reason, who } => {
            match login(&store, &who.operator).and_then(|s| store.void_upload(&s, id, &reason)) {
                Ok(r) => {
                    println!("已作废 voided: upload {} (msgid {})", r.id, r.msgid);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        QueueCommand::Demo { sales, manager } => match demo(&store, sales, &manager) {
            Ok(n) => {
                println!("演示数据已写入 demo ledger ready: {n} sales waiting to upload");
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
    }
}

fn demo(store: &Store, sales: u32, manager: &str) -> Result<u32, StoreError> {
    use rxdesk_store::ledger::{NewBatch, NewDrug, NewSale, NewSaleLine};
    use rxdesk_store::operators::NewOperator;
    if store.ledger_counts()?.sales > 0 || store.institution()?.is_some() {
        return Err(StoreError::Rule("账本非空，不能写入演示数据 / the ledger is not empty; demo data goes only into a new ledger".into()));
    }
    let pw = password().map_err(StoreError::Invalid)?;
    // The emulator's demo pharmacy and catalogue, so `rxdesk sync` against
    // `rxdesk-center-sim` accepts the demo queue.
    store.set_institution(
        rxdesk_center::profile::demo::PHARMACY_CODE,
        rxdesk_center::profile::demo::PHARMACY_NAME,
    )?;
    store.create_operator(
        None,
        &NewOperator {
            login: manager.into(),
            display_name: "演示店长".into(),
            role: rxdesk_store::Role::Manager,
            password: pw.clone(),
            cert_type: None,
            certno: None,
            prac_cert_no: None,
        },
    )?;
    let boss = store.login(manager, &pw)?;
    let drug = store.add_drug(
        &boss,
        &NewDrug {
            fixmedins_hilist_id: "DEMO0001".into(),
            med_list_codg: "XA11GAW010A001010100004".into(),
            name: "维生素C片".into(),
            genname: "维生素C片".into(),
            dosform: "片剂".into(),
            spec: "0.1g*100片".into(),
            unit: "瓶".into(),
            prdr_name: "演示制药".into(),
            aprvno: "国药准字H00000000".into(),
            rx_flag: "0".into(),
            price: "5.00"
                .parse()
                .map_err(|e: rxdesk_core::MoneyError| StoreError::Invalid(e.to_string()))?,
        },
    )?;
    let batch = store.add_batch(
        &boss,
        &NewBatch {
            drug_id: drug,
            fixmedins_bchno: "DEMO-B1".into(),
            manu_lotnum: "L1".into(),
            manu_date: "2026-01-01".into(),
            expy_end: "2099-12-31".into(),
            quantity: rust_decimal::Decimal::from(100_000),
        },
    )?;
    for n in 0..sales {
        store.record_sale(
            &boss,
            &NewSale {
                prescription_id: None,
                lines: vec![NewSaleLine {
                    batch_id: batch,
                    quantity: rust_decimal::Decimal::ONE,
                    price: None,
                    split: false,
                    trace_codes: vec![format!("9{:019}", n)],
                }],
                settlement: None,
                doctor_name: String::new(),
                hi_feesetl_type: "1".into(),
            },
        )?;
    }
    Ok(sales)
}
