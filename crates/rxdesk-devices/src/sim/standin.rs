//! Writes the state file the stand-in vendor library reads
//! (`crates/rxdesk-devices/standins/vendor`, selected by
//! `$RXDESK_STANDIN_STATE`): which card is in the reader, what the face
//! terminal answers, how long it takes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The environment variable naming the state file.
pub const STATE_ENV: &str = "RXDESK_STANDIN_STATE";

/// A stand-in library's scripted state.
#[derive(Debug)]
pub struct StandinState {
    path: PathBuf,
    keys: BTreeMap<String, String>,
}

impl StandinState {
    /// A state file at `path` (created empty).
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let s = StandinState {
            path: path.to_path_buf(),
            keys: BTreeMap::new(),
        };
        s.write()?;
        let _ = std::fs::remove_file(s.calls_path());
        s.reset_password_lock()?;
        Ok(s)
    }

    /// An existing state file (kept as it is; created empty when absent),
    /// e.g. to type a PIN into a scenario that `rxdesk-devsim run` is playing.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e),
        };
        let keys = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.to_string()))
            .collect();
        let s = StandinState {
            path: path.to_path_buf(),
            keys,
        };
        s.write()?;
        Ok(s)
    }

    /// The state file path (put it in [`STATE_ENV`]).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn calls_path(&self) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(".calls");
        PathBuf::from(p)
    }

    /// Calls the library logged, as (symbol, argument).
    pub fn calls(&self) -> Vec<(String, String)> {
        std::fs::read_to_string(self.calls_path())
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let (a, b) = l.split_once('\t').unwrap_or((l, ""));
                (a.to_string(), b.to_string())
            })
            .collect()
    }

    /// Resets the simulated SDK's e-voucher password lock (and wrong-try counts).
    pub fn reset_password_lock(&self) -> std::io::Result<()> {
        let mut p = self.path.clone().into_os_string();
        p.push(".pwdfail");
        match std::fs::remove_file(p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Sets a key (`None` removes it) and rewrites the file atomically.
    pub fn set(&mut self, key: &str, value: Option<&str>) -> std::io::Result<()> {
        match value {
            Some(v) => self.keys.insert(key.into(), v.replace('\n', "\\n")),
            None => self.keys.remove(key),
        };
        self.write()
    }

    fn write(&self) -> std::io::Result<()> {
        let text: String = self
            .keys
            .iter()
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect();
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(".tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &self.path)
    }
}
