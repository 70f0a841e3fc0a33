//! # rxdesk-center-sim — the e-prescription center emulator
//!
//! A product feature, not a test mock: it serves both wire families on
//! loopback with real SM2/SM4 so a pharmacy can rehearse, the app can run a
//! demo, and the tests run the real client against it.
//!
//! Layout (mini-redis style): [`faults`] decides what goes wrong, [`http`]
//! parses envelopes and dispatches, [`ops`] holds the business rules over
//! [`state`], [`seed`] builds the demo world with [`pdf`] layouts and the
//! demo CA, [`policy`] computes settlements; [`rehearsal`] plays the
//! 医保局 of a non-demo profile (fresh credentials and CA on every start). [`serve`] runs the accept loop
//! with a per-connection kill switch (for "reset" faults) and drains on
//! shutdown.
#![forbid(unsafe_code)]

pub mod books;
pub mod dedupe;
pub mod faults;
pub mod http;
pub mod ops;
pub mod pdf;
pub mod policy;
pub mod rehearsal;
pub mod seed;
pub mod state;
pub mod stock;

use faults::Faults;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

/// How to start the emulator.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Port on 127.0.0.1 (0 = pick a free one).
    pub port: u16,
    /// Seed data set (`demo` or `empty`).
    pub seed: String,
    /// Faults active from the start.
    pub faults: Faults,
    /// A non-demo deployment (`--profile`): its freshly issued credentials
    /// are the only ones accepted, and the hospitals sign with a fresh CA.
    pub deployment: Option<rehearsal::Deployment>,
    /// How a repeated msgid is answered (docs/decisions/0004).
    pub duplicates: dedupe::DuplicateMsgid,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            port: 0,
            seed: "demo".into(),
            faults: Faults::default(),
            deployment: None,
            duplicates: dedupe::DuplicateMsgid::Replay,
        }
    }
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Bind failed.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// port
        port: u16,
        /// cause
        source: std::io::Error,
    },
    /// Seeding failed.
    #[error(transparent)]
    Seed(#[from] seed::SeedError),
    /// Bad configuration.
    #[error("bad configuration: {0}")]
    Config(String),
}

/// A running emulator.
pub struct SimHandle {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The state (for in-process tests and tools).
    pub app: http::App,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// Stop accepting, let in-flight requests finish (up to 5 s), return.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
    /// Resolve when the server stops (e.g. after [`SimHandle::shutdown`] from elsewhere).
    pub fn shutdown_sender(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// Start serving; returns once the socket is bound and the state seeded.
pub async fn serve(config: SimConfig) -> Result<SimHandle, SimError> {
    config.faults.validate().map_err(SimError::Config)?;
    let listener = TcpListener::bind(("127.0.0.1", config.port))
        .await
        .map_err(|source| SimError::Bind {
            port: config.port,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind {
        port: config.port,
        source,
    })?;
    let base_url = format!("http://{addr}");
    let seed_name = match &config.deployment {
        // A fresh CA and hospital keys on every start (keys derive from the name).
        Some(_) => format!(
            "{}{}",
            seed::REHEARSAL_PREFIX,
            hex::encode(
                rxdesk_gm::PrivateKey::generate()
                    .map_err(|e| SimError::Config(e.to_string()))?
                    .to_bytes()
            )
        ),
        None => config.seed.clone(),
    };
    let faults = config.faults.clone();
    let state = tokio::task::spawn_blocking(move || seed::build(&seed_name, &base_url, faults))
        .await
        .map_err(|e| SimError::Config(format!("seeding task failed: {e}")))??;
    let accounts = match &config.deployment {
        Some(d) => d.accounts(),
        None => http::Accounts::demo().map_err(|e| SimError::Config(e.to_string()))?,
    };
    let app = http::App {
        st: Arc::new(Mutex::new(state)),
        accounts: Arc::new(accounts),
        duplicates: dedupe::DuplicateSwitch::new(config.duplicates),
    };
    let router = http::router(app.clone());
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, router, rx));
    Ok(SimHandle {
        addr,
        app,
        shutdown: tx,
        task,
    })
}

async fn accept_loop(
    listener: TcpListener,
    router: axum::Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            acc = listener.accept() => {
                let Ok((stream, _)) = acc else { continue };
                let kill = http::Kill(Arc::new(Notify::new()));
                let k2 = kill.clone();
                let svc = tower::ServiceExt::map_request(router.clone(), move |mut req: axum::http::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(k2.clone());
                    req
                });
                let mut stop = shutdown.clone();
                conns.spawn(async move {
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc));
                    tokio::pin!(conn);
                    loop {
                        tokio::select! {
                            _ = conn.as_mut() => break,
                            _ = kill.0.notified() => break, // drop = reset
                            _ = stop.changed() => conn.as_mut().graceful_shutdown(),
                        }
                    }
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    let drain = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), drain)
        .await
        .is_err()
    {
        conns.abort_all();
    }
}
