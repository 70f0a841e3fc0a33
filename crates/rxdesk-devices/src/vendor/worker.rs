//! A dedicated thread per vendor library. The library is loaded on it and
//! every call runs on it; the caller waits with a timeout. A call that hangs
//! inside vendor code leaves the thread stuck, never the counter: the caller
//! gets [`IdentityError::Timeout`], and later calls get
//! [`IdentityError::Busy`] until the stuck call returns.

use crate::identity::IdentityError;
use libloading::Library;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

type Job = Box<dyn FnOnce(&Library) + Send>;

/// A loaded vendor library behind its thread.
pub struct VendorThread {
    library: String,
    tx: mpsc::Sender<Job>,
    busy: Arc<AtomicBool>,
}

impl std::fmt::Debug for VendorThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VendorThread")
            .field("library", &self.library)
            .finish_non_exhaustive()
    }
}

/// The file names a library has on this platform, e.g. `libNationECCode.so`.
pub fn platform_file_name(base: &str) -> String {
    format!(
        "{}{base}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

fn is_not_found(e: &libloading::Error) -> bool {
    let s = e.to_string();
    s.contains("No such file")
        || s.contains("cannot open shared object")
        || s.contains("not found")
        || s.contains("126")
}

impl VendorThread {
    /// Loads `library` (a display name like `HeaSecReadInfo`) from `path`, or
    /// by its platform file name through the loader's search path when `None`.
    /// An absent library is [`IdentityError::NotInstalled`].
    pub fn load(
        library: &str,
        path: Option<&Path>,
        timeout: Duration,
    ) -> Result<Self, IdentityError> {
        let target: PathBuf = match path {
            Some(p) => {
                if !p.exists() {
                    return Err(IdentityError::NotInstalled(library.to_string()));
                }
                p.to_path_buf()
            }
            None => PathBuf::from(platform_file_name(library)),
        };
        let (tx, rx) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), IdentityError>>();
        let name = library.to_string();
        std::thread::Builder::new()
            .name(format!("vendor {library}"))
            .spawn(move || {
                let lib = match super::ffi::load(target.as_os_str()) {
                    Ok(lib) => lib,
                    Err(e) => {
                        let err = if is_not_found(&e) {
                            IdentityError::NotInstalled(name.clone())
                        } else {
                            IdentityError::LoadFailed {
                                library: name.clone(),
                                detail: e.to_string(),
                            }
                        };
                        let _ = ready_tx.send(Err(err));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                while let Ok(job) = rx.recv() {
                    job(&lib);
                }
            })
            .map_err(|e| IdentityError::LoadFailed {
                library: library.to_string(),
                detail: e.to_string(),
            })?;
        match ready_rx.recv_timeout(timeout) {
            Ok(Ok(())) => Ok(VendorThread {
                library: library.to_string(),
                tx,
                busy: Arc::new(AtomicBool::new(false)),
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(IdentityError::Timeout(timeout)),
        }
    }

    /// The library's display name.
    pub fn library(&self) -> &str {
        &self.library
    }

    /// Runs `f` with the library on the vendor thread, waiting up to `timeout`.
    pub fn call<T: Send + 'static>(
        &self,
        timeout: Duration,
        f: impl FnOnce(&Library) -> T + Send + 'static,
    ) -> Result<T, IdentityError> {
        if self
            .busy
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return Err(IdentityError::Busy);
        }
        let (rtx, rrx) = mpsc::channel();
        let busy = self.busy.clone();
        let job: Job = Box::new(move |lib| {
            let r = f(lib);
            busy.store(false, Ordering::Release);
            let _ = rtx.send(r);
        });
        if self.tx.send(job).is_err() {
            self.busy.store(false, Ordering::Release);
            return Err(IdentityError::LoadFailed {
                library: self.library.clone(),
                detail: "vendor thread ended".into(),
            });
        }
        rrx.recv_timeout(timeout).map_err(|_| {
            tracing::warn!(library = %self.library, ?timeout, "vendor call timed out");
            IdentityError::Timeout(timeout)
        })
    }
}

/// Maps an FFI error to an identity error for `library`.
pub fn ffi_error(library: &str, e: super::ffi::FfiError) -> IdentityError {
    match e {
        super::ffi::FfiError::MissingSymbol(s) => IdentityError::LoadFailed {
            library: library.into(),
            detail: format!("missing symbol {s}"),
        },
        e @ (super::ffi::FfiError::ResponseTooLong { .. }
        | super::ffi::FfiError::Overrun { .. }) => IdentityError::ResponseTooLong {
            library: library.into(),
            detail: e.to_string(),
        },
        other => IdentityError::Malformed {
            library: library.into(),
            detail: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_library_is_not_installed() {
        let e = VendorThread::load("NoSuchVendorLib", None, Duration::from_secs(5)).unwrap_err();
        assert_eq!(e, IdentityError::NotInstalled("NoSuchVendorLib".into()));
        assert_eq!(e.message_zh(), "NoSuchVendorLib 未安装");
        let e = VendorThread::load(
            "HeaSecReadInfo",
            Some(Path::new("/nonexistent/libHeaSecReadInfo.so")),
            Duration::from_secs(5),
        )
        .unwrap_err();
        assert_eq!(e, IdentityError::NotInstalled("HeaSecReadInfo".into()));
    }
}
