//! A throwaway PostgreSQL cluster started by our own code, for tests and
//! the chain bench.
//!
//! Why: head office's store is PostgreSQL, and its tests must run against
//! the real engine without assuming a server is running. [`TempPostgres`]
//! finds the Debian binaries, `initdb`s a fresh cluster in a temp dir (as
//! the `postgres` user when we are root: postgres refuses to run as root),
//! starts it on 127.0.0.1 with a free port and `fsync=off`, and hands out
//! URLs of fresh databases. Drop stops it (`pg_ctl stop -m immediate`) and
//! deletes the dir; a watcher process does the same if the test process
//! dies without dropping (a `static` shared cluster is never dropped).
//! Missing binaries are an error naming `scripts/setup-deps`, never a skip.
//! Nothing here runs unless called.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Errors of starting a throwaway cluster.
#[derive(Debug, thiserror::Error)]
pub enum TempPgError {
    /// The PostgreSQL server binaries are not installed.
    #[error("PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin or `pg_config --bindir`: run scripts/setup-deps (it installs the Debian package `postgresql`)")]
    NoBinaries,
    /// A step failed.
    #[error("{step} failed: {detail}")]
    Step {
        /// Which step.
        step: &'static str,
        /// Its output.
        detail: String,
    },
}

/// A running throwaway cluster.
#[derive(Debug)]
pub struct TempPostgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// The directory of `initdb` and `pg_ctl`.
pub fn find_bindir() -> Result<PathBuf, TempPgError> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(rd) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut v: Vec<PathBuf> = rd.flatten().map(|e| e.path().join("bin")).collect();
        v.sort();
        v.reverse();
        candidates.extend(v);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        if out.status.success() {
            candidates.push(PathBuf::from(
                String::from_utf8_lossy(&out.stdout).trim().to_string(),
            ));
        }
    }
    candidates
        .into_iter()
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
        .ok_or(TempPgError::NoBinaries)
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn run(step: &'static str, cmd: &mut Command) -> Result<(), TempPgError> {
    let out = cmd.output().map_err(|e| TempPgError::Step {
        step,
        detail: e.to_string(),
    })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(TempPgError::Step {
            step,
            detail: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        })
    }
}

fn free_port() -> Result<u16, TempPgError> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| TempPgError::Step {
        step: "finding a free port",
        detail: e.to_string(),
    })?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| TempPgError::Step {
            step: "finding a free port",
            detail: e.to_string(),
        })
}

static SEQ: AtomicU32 = AtomicU32::new(0);

impl TempPostgres {
    fn cmd(&self, tool: &str) -> Command {
        pg_command(&self.bin, tool, self.as_postgres)
    }

    /// Starts a fresh cluster.
    pub fn start() -> Result<TempPostgres, TempPgError> {
        let bin = find_bindir()?;
        let as_postgres = running_as_root();
        let dir = std::env::temp_dir().join(format!(
            "rxdesk-pg-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| TempPgError::Step {
            step: "creating the temp dir",
            detail: e.to_string(),
        })?;
        if as_postgres {
            run(
                "chown to postgres",
                Command::new("chown").arg("postgres:").arg(&dir),
            )?;
        }
        let data = dir.join("data");
        run(
            "initdb",
            pg_command(&bin, "initdb", as_postgres)
                .arg("-D")
                .arg(&data)
                .args([
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "-N",
                ]),
        )?;
        let mut last = None;
        for _ in 0..5 {
            let port = free_port()?;
            let opts = format!(
                "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                dir.display()
            );
            let started = run(
                "pg_ctl start",
                pg_command(&bin, "pg_ctl", as_postgres)
                    .arg("-D")
                    .arg(&data)
                    .arg("-l")
                    .arg(dir.join("log"))
                    .args(["-o", &opts, "-w", "-t", "60", "start"]),
            );
            match started {
                Ok(()) => {
                    let pg = TempPostgres {
                        dir,
                        bin,
                        port,
                        as_postgres,
                    };
                    pg.spawn_watcher();
                    pg.wait_ready()?;
                    return Ok(pg);
                }
                Err(e) => last = Some(e),
            }
        }
        let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
        let _ = std::fs::remove_dir_all(&dir);
        Err(match last {
            Some(TempPgError::Step { step, detail }) => TempPgError::Step {
                step,
                detail: format!("{detail}\n{log}"),
            },
            Some(e) => e,
            None => TempPgError::NoBinaries,
        })
    }

    /// Stops the cluster and deletes its dir when this process is gone.
    fn spawn_watcher(&self) {
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop}; rm -rf '{dir}'",
            pid = std::process::id(),
            stop = self.stop_command_line(),
            dir = self.dir.display()
        );
        let _ = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
    }

    fn stop_command_line(&self) -> String {
        let pg_ctl = self.bin.join("pg_ctl");
        let data = self.dir.join("data");
        let inner = format!(
            "'{}' -D '{}' stop -m immediate >/dev/null 2>&1",
            pg_ctl.display(),
            data.display()
        );
        if self.as_postgres {
            format!(
                "runuser -u postgres -- {} -D '{}' stop -m immediate >/dev/null 2>&1",
                pg_ctl.display(),
                data.display()
            )
        } else {
            inner
        }
    }

    fn wait_ready(&self) -> Result<(), TempPgError> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ok = Command::new(self.bin.join("pg_isready"))
                .args([
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &self.port.to_string(),
                    "-U",
                    "postgres",
                ])
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            if ok {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(TempPgError::Step {
                    step: "waiting for the server",
                    detail: std::fs::read_to_string(self.dir.join("log")).unwrap_or_default(),
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Creates a fresh database and returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String, TempPgError> {
        run(
            "createdb",
            self.cmd("createdb").args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                name,
            ]),
        )?;
        Ok(self.url(name))
    }

    /// A fresh database with a unique name.
    pub fn fresh_database(&self) -> Result<String, TempPgError> {
        static N: AtomicU32 = AtomicU32::new(0);
        self.create_database(&format!("t{}", N.fetch_add(1, Ordering::Relaxed)))
    }

    /// The URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// One cluster for the whole test process (stopped by its watcher when
    /// the process ends); give each test a [`TempPostgres::fresh_database`].
    pub fn shared() -> &'static TempPostgres {
        static SHARED: OnceLock<TempPostgres> = OnceLock::new();
        SHARED.get_or_init(|| match TempPostgres::start() {
            Ok(pg) => pg,
            Err(e) => panic!("cannot start the test PostgreSQL: {e}"),
        })
    }

    /// The cluster's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn pg_command(bin: &Path, tool: &str, as_postgres: bool) -> Command {
    if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        c
    } else {
        Command::new(bin.join(tool))
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let _ = self
            .cmd("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["stop", "-m", "immediate"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A temp SQLite database URL: a fresh file in a directory of this
/// process, removed (by a watcher process) when the process ends.
pub fn temp_sqlite_url() -> String {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("rxdesk-chain-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&d);
        let script = format!(
            "while kill -0 {} 2>/dev/null; do sleep 1; done; rm -rf '{}'",
            std::process::id(),
            d.display()
        );
        let _ = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        d
    });
    let p = dir.join(format!("{}.sqlite", SEQ.fetch_add(1, Ordering::Relaxed)));
    let _ = std::fs::remove_file(&p);
    format!("sqlite:{}", p.display())
}

/// One sale as a counter pushes it: the sale, one line, its trace code,
/// its 医保 settlement and the cash payment of the rest.
#[derive(Debug, Clone)]
pub struct SaleSpec {
    /// The counter's local row number (the record ids derive from it).
    pub local_id: i64,
    /// The line's 追溯码.
    pub code: String,
    /// The settlement's 结算ID.
    pub setl_id: String,
    /// The product's 定点医药机构目录编号.
    pub hilist_id: String,
    /// The unit price (one pack).
    pub price: rust_decimal::Decimal,
    /// The fund's share.
    pub fund: rust_decimal::Decimal,
    /// When (Unix ms).
    pub sold_at: i64,
}

/// The records of `spec` owned by `site` of `store`, parents first.
pub fn sale_records(
    site: uuid::Uuid,
    store: &str,
    spec: &SaleSpec,
) -> Vec<rxdesk_sync::SyncRecord> {
    use rxdesk_sync::{record_id, RecordData as R, RowAction, SyncRecord, Table};
    let id = spec.local_id;
    let sale = record_id(site, Table::Sale, id);
    let line = record_id(site, Table::SaleLine, id);
    let rec = |table: Table, data: R| SyncRecord {
        record_id: record_id(site, table, id),
        source_site: site,
        store_code: store.to_string(),
        action: RowAction::Upsert,
        table,
        data: Some(data),
    };
    let cash = spec.price - spec.fund;
    vec![
        rec(
            Table::Sale,
            R::Sale(rxdesk_sync::Sale {
                rtal_docno: format!("{store}-{}-{id}", &site.simple().to_string()[..8]),
                hi_rxno: String::new(),
                operator: "pharm01".into(),
                sold_at: spec.sold_at,
                total: spec.price,
                state: "completed".into(),
                till_shift: None,
            }),
        ),
        rec(
            Table::SaleLine,
            R::SaleLine(rxdesk_sync::SaleLine {
                sale,
                fixmedins_hilist_id: spec.hilist_id.clone(),
                med_list_codg: format!("XN{}", spec.hilist_id),
                batch: record_id(site, Table::StockBatch, 1),
                qty_e4: 10_000,
                price: spec.price,
                amount: spec.price,
                trdn_flag: "0".into(),
            }),
        ),
        rec(
            Table::TraceCode,
            R::TraceCode(rxdesk_sync::TraceCode {
                sale_line: line,
                code: spec.code.clone(),
                returned: false,
            }),
        ),
        rec(
            Table::Settlement,
            R::Settlement(rxdesk_sync::Settlement {
                sale,
                setl_id: spec.setl_id.clone(),
                mdtrt_id: format!("MD{}", spec.setl_id),
                medfee_sumamt: spec.price,
                fund_pay_sumamt: spec.fund,
                psn_part_amt: cash,
                acct_pay: rust_decimal::Decimal::ZERO,
                psn_cash_pay: cash,
                insutype: "310".into(),
                setl_time: spec.sold_at,
            }),
        ),
        rec(
            Table::SalePayment,
            R::SalePayment(rxdesk_sync::SalePayment {
                sale,
                method: "cash".into(),
                amount: cash,
                reference: String::new(),
            }),
        ),
    ]
}
