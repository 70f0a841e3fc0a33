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

fn key_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "key") {
                found.push(p);
            }
        }
    }
    found
}

/// The ledger's master key (from which its SM4 sealing and audit-log keys
/// derive) is sealed in the credential vault: an onboarded directory has no
/// key file, the ledger opens only once the vault does, a wrong passphrase
/// changes nothing, and a ledger made before the first credential import
/// has its key file moved into the vault and deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_key_is_sealed_in_the_vault_never_in_a_file() {
    let c = Center::start().await;
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("home");
    onboarding::setup(&c.request(&data)).await.unwrap();
    let dir = DataDir::at(&data);
    assert!(dir.database().is_file());
    assert_eq!(key_files(&data), Vec::<PathBuf>::new(), "no key in clear");
    let st = rxdesk_app::credentials::status(&dir).unwrap();
    assert!(
        st.fingerprints
            .contains_key(rxdesk_store::vault::LEDGER_KEY),
        "{:?}",
        st.fingerprints.keys()
    );

    // After a restart without the OS key (RXDESK_KEK=passphrase), the
    // ledger does not open until the vault does; a wrong passphrase is
    // refused and nothing changes.
    rxdesk_app::credentials::forget(&dir);
    let ledger_before = std::fs::read(dir.database()).unwrap();
    let vault_before = std::fs::read(data.join("credentials/vault.json")).unwrap();
    let e = rxdesk_app::credentials::open_ledger(&dir).unwrap_err();
    assert!(e.to_string().contains("店长口令"), "{e}");
    let e = rxdesk_app::credentials::unlock(&dir, "not-the-passphrase").unwrap_err();
    assert_eq!(e.code(), "VAULT_WRONG_PASSPHRASE");
    assert!(std::fs::read(dir.database()).unwrap() == ledger_before);
    assert!(std::fs::read(data.join("credentials/vault.json")).unwrap() == vault_before);
    rxdesk_app::credentials::unlock(&dir, "kangning-manager-2026").unwrap();
    let store = rxdesk_app::credentials::open_ledger(&dir).unwrap();
    store.login("5001", "kangning-manager-2026").unwrap();
    let sealed = store.sealer().seal_field("110101199003078888");
    drop(store);
    assert_eq!(key_files(&data), Vec::<PathBuf>::new());
    let ledger_before = std::fs::read(dir.database()).unwrap();

    // A ledger sealed under another key (a vault from elsewhere) is refused.
    let other = t.path().join("other");
    onboarding::setup(&c.request(&other)).await.unwrap();
    std::fs::copy(
        other.join("credentials/vault.json"),
        data.join("credentials/vault.json"),
    )
    .unwrap();
    rxdesk_app::credentials::forget(&dir);
    rxdesk_app::credentials::unlock(&dir, "kangning-manager-2026").unwrap();
    let e = rxdesk_app::credentials::open_ledger(&dir).unwrap_err();
    assert!(e.to_string().contains("账本密钥不匹配"), "{e}");
    assert!(
        std::fs::read(dir.database()).unwrap() == ledger_before,
        "the ledger changed under a wrong key"
    );
    std::fs::write(data.join("credentials/vault.json"), &vault_before).unwrap();
    rxdesk_app::credentials::forget(&dir);
    rxdesk_app::credentials::unlock(&dir, "kangning-manager-2026").unwrap();
    let store = rxdesk_app::credentials::open_ledger(&dir).unwrap();
    assert_eq!(
        store.sealer().open_field(&sealed).unwrap(),
        "110101199003078888"
    );
    drop(store);

    // Production before the first import: the ledger has a key file; the
    // import moves it into the vault, and the next open deletes it.
    let early = DataDir::at(t.path().join("early"));
    early.ensure().unwrap();
    let store = rxdesk_store::Store::open(early.database()).unwrap();
    let sealed = store.sealer().seal_field("110101199003078888");
    drop(store);
    assert_eq!(key_files(early.root()).len(), 1);
    rxdesk_app::credentials::import(
        &early,
        &c.dir.path().join("credentials"),
        "kangning-manager-2026",
    )
    .unwrap();
    let store = rxdesk_app::credentials::open_ledger(&early).unwrap();
    assert_eq!(
        store.sealer().open_field(&sealed).unwrap(),
        "110101199003078888"
    );
    drop(store);
    assert_eq!(key_files(early.root()), Vec::<PathBuf>::new());
    rxdesk_app::credentials::forget(&early);
    rxdesk_app::credentials::unlock(&early, "kangning-manager-2026").unwrap();
    let store = rxdesk_app::credentials::open_ledger(&early).unwrap();
    assert_eq!(
        store.sealer().open_field(&sealed).unwrap(),
        "110101199003078888"
    );
    c.stop().await;
}

/// The connectivity check names the layer that failed: a host that does
/// not resolve (DNS), a port nobody listens on (TCP), and a center that
/// does not speak TLS where the profile says https (TLS) — each a sentence
/// with what to check, and nothing kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dns_tcp_and_tls_failures_are_named() {
    let c = Center::start().await;
    let t = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(c.profile()).unwrap();
    let emulator = c.sim.as_ref().unwrap().base_url();
    let port = emulator.rsplit(':').next().unwrap().trim_end_matches('/');
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let cases = [
        (
            "https://no-such-center.invalid:8443".to_string(),
            "域名解析（DNS）",
        ),
        (format!("http://127.0.0.1:{closed}"), "网络连接失败"),
        (format!("https://127.0.0.1:{port}"), "TLS"),
    ];
    for (i, (url, expect)) in cases.iter().enumerate() {
        let profile = t.path().join(format!("p{i}.toml"));
        std::fs::write(
            &profile,
            good.lines()
                .map(|l| {
                    if l.starts_with("base_url") {
                        format!("base_url = \"{url}\"")
                    } else {
                        l.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
        )
        .unwrap();
        let data = t.path().join(format!("home{i}"));
        let mut req = c.request(&data);
        req.profile = profile;
        let e = onboarding::setup(&req).await.unwrap_err();
        assert_eq!(e.code(), "SETUP_CONNECTIVITY", "{url}: {e}");
        assert!(e.to_string().contains(expect), "{url}: {e}");
        assert!(!data.exists() || entries(&data).is_empty(), "{url}: kept");
    }
    c.stop().await;
}

/// After a restart whose OS forgot the vault key, the composition root
/// opens nothing — not even the ledger, whose key is in the vault — and
/// waits for the passphrase: a wrong one changes nothing, the right one
/// opens the counter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_vault_keeps_the_counter_shut_until_the_passphrase() {
    use rxdesk_app::app::{App, Pending, StartOptions, WindowEvents};
    struct Silent;
    impl WindowEvents for Silent {
        fn scan(
            &self,
            _: Result<rxdesk_app::devices::DeviceScan, rxdesk_app::devices::DeviceScanError>,
        ) {
        }
        fn device(&self, _: rxdesk_app::devices::DeviceNotice) {}
        fn center(&self, _: rxdesk_app::CenterLink) {}
    }
    let c = Center::start().await;
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("home");
    onboarding::setup(&c.request(&data)).await.unwrap();
    rxdesk_app::credentials::forget(&DataDir::at(&data));
    let app = App::start(
        StartOptions {
            data_dir: Some(data.clone()),
            ..StartOptions::default()
        },
        tokio::runtime::Handle::current(),
        std::sync::Arc::new(Silent),
    )
    .unwrap();
    assert!(
        matches!(app.counter.pending(), Pending::Locked { .. }),
        "{:?}",
        app.counter.pending()
    );
    assert!(app.counter.as_ref().is_err());
    let e = app.unlock("not-the-passphrase").unwrap_err();
    assert!(e.contains("口令不正确"), "{e}");
    assert!(matches!(app.counter.pending(), Pending::Locked { .. }));
    app.unlock("kangning-manager-2026").unwrap();
    assert_eq!(app.counter.pending(), Pending::Ready);
    app.counter
        .as_ref()
        .unwrap()
        .login("5001", "kangning-manager-2026", None)
        .unwrap();
    tokio::task::spawn_blocking(move || app.stop())
        .await
        .unwrap();
    c.stop().await;
}
