//! Test support: builds the stand-in vendor library (a real cdylib) once per
//! test binary and installs it under the three vendor file names.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Serialises tests that use `$RXDESK_STANDIN_STATE` (process-global).
pub static STANDIN_LOCK: Mutex<()> = Mutex::new(());

/// Directory holding libHeaSecReadInfo.so, libSSCardDriver.so, libNationECCode.so.
pub fn standin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("standins/vendor/Cargo.toml");
        let target = tmp.join("standin-build");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .args(["build", "--quiet", "--offline", "--manifest-path"])
            .arg(&manifest)
            .arg("--target-dir")
            .arg(&target)
            .env_remove("RUSTFLAGS")
            .status()
            .expect("run cargo to build the stand-in vendor library");
        assert!(
            status.success(),
            "building the stand-in vendor library failed"
        );
        let built = target.join("debug").join(format!(
            "{}rxdesk_standin_vendor{}",
            std::env::consts::DLL_PREFIX,
            std::env::consts::DLL_SUFFIX
        ));
        let dir = tmp.join(format!("standin-libs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["HeaSecReadInfo", "SSCardDriver", "NationECCode"] {
            let file = rxdesk_devices::vendor::worker::platform_file_name(name);
            std::fs::copy(&built, dir.join(file)).unwrap();
        }
        dir
    })
}

/// Full path of one stand-in library.
pub fn standin(name: &str) -> PathBuf {
    standin_dir().join(rxdesk_devices::vendor::worker::platform_file_name(name))
}
