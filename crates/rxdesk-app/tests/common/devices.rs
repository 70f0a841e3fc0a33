//! The counter's identity devices for the tests that identify through them
//! (`identity_devices.rs`, and `recorded_views.rs` recording the PIN pad for
//! the window's mocks): the serial card reader simulator (a PTY driven by the
//! real serial driver) and the stand-in NationECCode library (a real cdylib
//! loaded through the vendor adapter, built once, offline), seeded with 张三's
//! and 王芳's e-voucher passwords and identities and 王芳's e-voucher QR, and
//! attached to a counter's visit service.

use rxdesk_app::devices::IdentityDevices;
use rxdesk_app::Counter;
use rxdesk_devices::face::nationec::EcContext;
use rxdesk_devices::settings::{CardReaderSettings, DeviceSettings, NationEcSettings, QrDecode};
use rxdesk_devices::sim::card_reader::CardReaderSim;
use rxdesk_devices::sim::standin::StandinState;
use rxdesk_devices::status::StatusBoard;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub const ZHANGSAN_ID: &str = "110101198001010029";
pub const ZHANGSAN_EC: &str = "110000ecdemo0000000000000000000zhangsan";
/// 张三's e-voucher password, as the stand-in terminal checks it.
pub const ZHANGSAN_PIN: &str = "246810";
pub const WANGFANG_ID: &str = "110101196803030049";
/// 张三's card as the emulator knows it (card number A10000001, chip serial SNA10000001).
pub const ZHANGSAN_CARD: &str =
    "110000|110101198001010029|A10000001|SNA10000001|张三|008C544CB386844A2F8E5D|3.00|20200101|20300101|";
/// 张三's card number, another person's ID number on the chip.
pub const OTHER_PERSONS_CARD: &str =
    "110000|110101199003070011|A10000001|SNA10000001|王小明|008C544CB386844A2F8E5D|3.00|20200101|20300101|";
/// The QR text of 王芳's e-voucher as her phone shows it (decoded by ec.query).
pub const WANGFANG_QR: &str = "ECQR:110000:wangfang:2026120500000001";

/// Builds the stand-in vendor library once (no dependencies, offline) and
/// installs it as libNationECCode.
pub fn standin_nation_ec() -> &'static Path {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| {
        let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../rxdesk-devices/standins/vendor/Cargo.toml");
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
        assert!(status.success(), "building the stand-in failed");
        let built = target.join("debug").join(format!(
            "{}rxdesk_standin_vendor{}",
            std::env::consts::DLL_PREFIX,
            std::env::consts::DLL_SUFFIX
        ));
        let dir = tmp.join(format!("app-standin-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let lib = dir.join(rxdesk_devices::vendor::worker::platform_file_name(
            "NationECCode",
        ));
        std::fs::copy(&built, &lib).unwrap();
        lib
    })
}

/// The identity the stand-in terminal answers for a holder.
pub fn identity_json(name: &str, id: &str, token: &str) -> String {
    json!({"idNo": id, "userName": name, "idType": "01", "ecToken": token, "insuOrg": "110000"})
        .to_string()
}

/// The simulated card reader and PIN-pad terminal attached to a counter.
pub struct IdentityDevicesRig {
    _t: tempfile::TempDir,
    /// The card reader (taken by a test that unplugs it).
    pub card: Option<CardReaderSim>,
    /// The stand-in terminal's state: what the patient types, the calls made.
    pub standin: StandinState,
}

impl IdentityDevicesRig {
    /// Starts the card reader, seeds the stand-in terminal and attaches both
    /// to `counter`'s visit service.
    pub fn attach(counter: &Counter) -> Self {
        let t = tempfile::tempdir().unwrap();
        let card = CardReaderSim::start().unwrap();
        let state_path = t.path().join("standin.state");
        let mut standin = StandinState::create(&state_path).unwrap();
        // The library remembers the last `standin:` URL in a process-wide
        // static, and the tests of a file run in parallel: each rig loads
        // its own copy (another file is another instance to the loader), so
        // no test reads another's state.
        let own_copy = t
            .path()
            .join(rxdesk_devices::vendor::worker::platform_file_name(
                "NationECCode",
            ));
        std::fs::copy(standin_nation_ec(), &own_copy).unwrap();
        let st = &mut standin;
        st.set(&format!("pwd.{ZHANGSAN_ID}"), Some(ZHANGSAN_PIN))
            .unwrap();
        st.set(
            &format!("pwdid.{ZHANGSAN_ID}"),
            Some(&identity_json("张三", ZHANGSAN_ID, ZHANGSAN_EC)),
        )
        .unwrap();
        st.set(&format!("pwd.{WANGFANG_ID}"), Some("135790"))
            .unwrap();
        st.set(
            &format!("pwdid.{WANGFANG_ID}"),
            Some(&identity_json("王芳", WANGFANG_ID, super::WANGFANG_EC)),
        )
        .unwrap();
        st.set(
            &format!("ecqr.{WANGFANG_QR}"),
            Some(&format!(
                r#"{{"code":0,"message":"交易成功","data":{}}}"#,
                identity_json("王芳", WANGFANG_ID, super::WANGFANG_EC)
            )),
        )
        .unwrap();
        let devices = DeviceSettings {
            card_reader: Some(CardReaderSettings::Serial {
                path: card.path(),
                baud: 115_200,
            }),
            nation_ec: Some(NationEcSettings {
                path: Some(own_copy),
                url: format!("standin:{}", state_path.display()),
                context: EcContext {
                    org_id: "P11010100001".into(),
                    business_type: "01101".into(),
                    ..EcContext::default()
                },
                face_terminal: true,
                qr_decode: QrDecode::Sdk,
                settle_notify: true,
            }),
            ..DeviceSettings::default()
        };
        let ids = IdentityDevices::from_settings(&devices, &StatusBoard::default());
        assert!(ids.ec.is_some(), "{:?}", ids.ec_problem);
        counter.visits().unwrap().attach_devices(ids);
        Self {
            _t: t,
            card: Some(card),
            standin,
        }
    }

    /// The card reader.
    pub fn card(&self) -> &CardReaderSim {
        self.card.as_ref().unwrap()
    }

    /// What the patient types on the PIN pad (`None`: cancels).
    pub fn pin(&mut self, typed: Option<&str>) {
        self.standin.set("pin_typed", typed).unwrap();
    }
}
