//! The window's 正式接入 wizard at service level (`rxdesk_app::onboarding`,
//! the same service as `rxdesk setup`), against the emulator serving the
//! non-demo rehearsal deployment with freshly issued credentials: the
//! window's own data directory (its first start left `logs/` and an empty
//! `trust/`) is adopted, the wizard's extra fields (pharmacy name, terminal
//! number, language) are kept, and each bad input — a profile without URL,
//! a file that is not a certificate, a wrong appSecret — is a sentence that
//! names it while nothing is kept.

use rxdesk_app::onboarding::{self, SetupRequest};
use rxdesk_app::{DataDir, Settings};
use rxdesk_center::profile::ProfileFile;
use rxdesk_center_sim::rehearsal::Deployment;
use rxdesk_center_sim::{serve, SimConfig, SimHandle};
use std::path::{Path, PathBuf};

fn rehearsal() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/profiles/rehearsal.toml")
}

struct Center {
    sim: Option<SimHandle>,
    dir: tempfile::TempDir,
}

impl Center {
    async fn start() -> Self {
        std::env::set_var("RXDESK_KEK", "passphrase");
        let file = ProfileFile::load(&rehearsal()).unwrap();
        let d = Deployment::issue(&file).unwrap();
        let sim = serve(SimConfig {
            deployment: Some(d.clone()),
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let (ca, crl) = {
            let st = sim.app.st.lock().unwrap();
            (st.ca.cert.to_pem(), st.crl_der.clone())
        };
        let dir = tempfile::tempdir().unwrap();
        d.write(dir.path(), &ca, &crl).unwrap();
        Self {
            sim: Some(sim),
            dir,
        }
    }

    /// The profile as the 医保局 hands it over, naming this center's address.
    fn profile(&self) -> PathBuf {
        let url = self.sim.as_ref().unwrap().base_url();
        let text = std::fs::read_to_string(rehearsal()).unwrap();
        let text = text
            .lines()
            .map(|l| {
                if l.starts_with("base_url") {
                    format!("base_url = \"{url}\"")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let p = self.dir.path().join("profile.toml");
        std::fs::write(&p, text).unwrap();
        p
    }

    fn request(&self, data: &Path) -> SetupRequest {
        SetupRequest {
            profile: self.profile(),
            credentials: self.dir.path().join("credentials"),
            trust: self.dir.path().join("trust"),
            pharmacy_code: "P11010100007".into(),
            manager_login: "5001".into(),
            manager_name: "周店长".into(),
            password: "kangning-manager-2026".into(),
            data_dir: DataDir::at(data),
            center_url: None,
            pharmacy_name: Some("康宁大药房（人民路店）".into()),
            terminal_no: 3,
            locale: Some("en-US".into()),
        }
    }

    async fn stop(mut self) {
        if let Some(s) = self.sim.take() {
            s.shutdown().await;
        }
    }
}

/// What the window's first start leaves in its data directory.
fn first_start(dir: &Path) {
    DataDir::at(dir).ensure().unwrap();
    std::fs::write(dir.join("logs").join("rxdesk.log"), "first start\n").unwrap();
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_data_directory_is_adopted_with_the_wizard_fields() {
    let c = Center::start().await;
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("home");
    first_start(&data);
    assert!(!Settings::configured(&DataDir::at(&data)));
    assert!(onboarding::fresh_target(&data));
    let report = onboarding::setup(&c.request(&data)).await.unwrap();
    assert!(report
        .connectivity
        .iter()
        .any(|l| l.contains("9001 签到：成功")));
    let dir = DataDir::at(&data);
    assert!(Settings::configured(&dir));
    let s = Settings::load(&dir).unwrap();
    assert!(!s.demo_mode);
    assert_eq!(s.store_name, "康宁大药房（人民路店）");
    assert_eq!(s.terminal_no, Some(3));
    assert_eq!(s.locale, "en-US");
    // The first start's log survived the move into place.
    assert_eq!(
        std::fs::read_to_string(data.join("logs").join("rxdesk.log")).unwrap(),
        "first start\n"
    );
    // Once set up, it is not fresh any more: a second setup is refused.
    assert!(!onboarding::fresh_target(&data));
    let e = onboarding::setup(&c.request(&data)).await.unwrap_err();
    assert_eq!(e.code(), "SETUP_DATA_DIR");
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_bad_input_is_named_and_nothing_is_kept() {
    let c = Center::start().await;
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("home");
    first_start(&data);
    let before = entries(&data);

    // A profile without the center URL: the field is named.
    let good = c.profile();
    let no_url = t.path().join("no-url.toml");
    let text = std::fs::read_to_string(&good).unwrap();
    std::fs::write(
        &no_url,
        text.lines()
            .filter(|l| !l.starts_with("base_url"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let e = onboarding::preview_profile(&no_url)
        .unwrap_err()
        .to_string();
    assert!(e.contains("center.base_url"), "{e}");
    let mut req = c.request(&data);
    req.profile = no_url;
    let e = onboarding::setup(&req).await.unwrap_err();
    assert_eq!(e.code(), "SETUP_PROFILE");

    // A "CA root" that is not a certificate: the file is named.
    let not_cert = t.path().join("not-a-cert.pem");
    std::fs::write(&not_cert, "not a certificate\n").unwrap();
    let e = onboarding::check_trust_dir(&not_cert)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("not-a-cert.pem") && e.contains("不是证书"),
        "{e}"
    );
    // One good root file on its own is accepted, with subject and validity.
    let one = onboarding::check_trust_dir(
        &c.dir
            .path()
            .join("trust")
            .join(rxdesk_center_sim::rehearsal::files::CA_ROOT),
    )
    .unwrap();
    assert_eq!(one.len(), 1);
    assert!(one[0].1.valid_until.is_some() && !one[0].1.name.is_empty());

    // A wrong appSecret: only the center can tell, and the sentence says which.
    let wrong = t.path().join("wrong-secret");
    std::fs::create_dir_all(&wrong).unwrap();
    for e in std::fs::read_dir(c.dir.path().join("credentials")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), wrong.join(e.file_name())).unwrap();
    }
    std::fs::write(wrong.join("app_secret"), "WRONGSECRET000000\n").unwrap();
    assert!(onboarding::preview_credentials(&wrong).is_ok());
    let mut req = c.request(&data);
    req.credentials = wrong;
    let e = onboarding::setup(&req).await.unwrap_err();
    assert_eq!(e.code(), "SETUP_CONNECTIVITY");
    assert!(e.to_string().contains("appSecret"), "{e}");

    // A wrong pharmacy code and terminal number.
    let mut req = c.request(&data);
    req.pharmacy_code = "P11010100008".into();
    let e = onboarding::setup(&req).await.unwrap_err().to_string();
    assert!(e.contains("institution.code"), "{e}");
    let mut req = c.request(&data);
    req.terminal_no = 12;
    assert_eq!(
        onboarding::setup(&req).await.unwrap_err().code(),
        "SETUP_TERMINAL_NO"
    );

    // Nothing half-imported: the directory is as the first start left it,
    // and no staging directory remains next to it.
    assert_eq!(entries(&data), before);
    assert!(!Settings::configured(&DataDir::at(&data)));
    assert_eq!(
        entries(t.path())
            .iter()
            .filter(|n| n.contains(".setup-"))
            .count(),
        0
    );
    c.stop().await;
}

#[test]
fn a_directory_with_anything_else_is_not_adopted() {
    let t = tempfile::tempdir().unwrap();
    assert!(onboarding::fresh_target(&t.path().join("absent")));
    assert!(onboarding::fresh_target(t.path()));
    first_start(t.path());
    assert!(onboarding::fresh_target(t.path()));
    std::fs::write(t.path().join("trust").join("ca.pem"), "x").unwrap();
    assert!(!onboarding::fresh_target(t.path()));
    std::fs::remove_file(t.path().join("trust").join("ca.pem")).unwrap();
    std::fs::write(t.path().join("rxdesk.sqlite3"), "x").unwrap();
    assert!(!onboarding::fresh_target(t.path()));
}
