//! Going live (README "Going live"), the "Done when" CLI sequence and its bad inputs,
//! through the built `rxdesk` binary against the emulator serving the
//! non-demo rehearsal deployment with freshly issued credentials:
//! `rxdesk setup …` exits 0, `rxdesk info --json` says production, and
//! `rxdesk counter --data-dir D --center URL --scenario production-visit.yaml`
//! runs a whole visit with no demo material. Each bad input (profile without
//! URL, wrong appSecret, a CA file that is not a certificate, a wrong
//! passphrase) is a clear message and leaves nothing half-imported.
//!
//! The vault runs with `RXDESK_KEK=passphrase` (no OS key holder), the path a
//! headless machine without a keyring takes: the counter is unlocked by the
//! manager's first sign-in.

use rxdesk_center::profile::ProfileFile;
use rxdesk_center_sim::rehearsal::Deployment;
use rxdesk_center_sim::{serve, SimConfig, SimHandle};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MANAGER: &str = "5001";
const PASSWORD: &str = "kangning-manager-2026";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rehearsal_profile() -> PathBuf {
    repo().join("assets/profiles/rehearsal.toml")
}

fn rxdesk(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rxdesk"));
    c.args(args).env("RXDESK_KEK", "passphrase");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run rxdesk")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The emulator as the rehearsal 医保局, and what it issued (in `dir`).
struct Center {
    rt: tokio::runtime::Runtime,
    sim: Option<SimHandle>,
    dir: tempfile::TempDir,
}

impl Center {
    fn start() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let file = ProfileFile::load(&rehearsal_profile()).unwrap();
        let d = Deployment::issue(&file).unwrap();
        let sim = rt
            .block_on(serve(SimConfig {
                deployment: Some(d.clone()),
                ..SimConfig::default()
            }))
            .unwrap();
        let (ca, crl) = {
            let st = sim.app.st.lock().unwrap();
            (st.ca.cert.to_pem(), st.crl_der.clone())
        };
        let dir = tempfile::tempdir().unwrap();
        d.write(dir.path(), &ca, &crl).unwrap();
        Self {
            rt,
            sim: Some(sim),
            dir,
        }
    }
    fn url(&self) -> String {
        self.sim.as_ref().unwrap().base_url()
    }
    fn credentials(&self) -> PathBuf {
        self.dir.path().join("credentials")
    }
    fn trust(&self) -> PathBuf {
        self.dir.path().join("trust")
    }
}

impl Drop for Center {
    fn drop(&mut self) {
        if let Some(s) = self.sim.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

fn password_file(dir: &Path, pw: &str) -> PathBuf {
    let p = dir.join(format!("pw-{}", pw.len()));
    std::fs::write(&p, format!("{pw}\n")).unwrap();
    p
}

fn setup(
    c: &Center,
    profile: &Path,
    creds: &Path,
    trust: &Path,
    data: &Path,
    pw_file: &Path,
) -> Output {
    rxdesk(
        &[
            "setup",
            "--profile",
            profile.to_str().unwrap(),
            "--credentials",
            creds.to_str().unwrap(),
            "--trust",
            trust.to_str().unwrap(),
            "--pharmacy-code",
            "P11010100007",
            "--manager",
            MANAGER,
            "--manager-name",
            "周店长",
            "--password-file",
            pw_file.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
            "--center",
            &c.url(),
            "--terminal-no",
            "1",
        ],
        &[],
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// Nothing was kept: the data directory is absent (or empty), and no
/// staging directory is left next to it.
fn nothing_kept(data: &Path) {
    assert!(
        !data.exists() || std::fs::read_dir(data).unwrap().next().is_none(),
        "{} has content",
        data.display()
    );
    let parent = data.parent().unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(parent)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".setup-"))
        .collect();
    assert!(leftovers.is_empty(), "staging left: {leftovers:?}");
}

#[test]
fn done_when_setup_info_and_a_whole_production_visit() {
    let c = Center::start();
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("pharmacy");
    let pw = password_file(t.path(), PASSWORD);
    let o = setup(
        &c,
        &rehearsal_profile(),
        &c.credentials(),
        &c.trust(),
        &data,
        &pw,
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("9001 签到：成功"), "{out}");
    assert!(out.contains("P11010100007"), "{out}");

    // No demo material in the onboarded directory; no secret in clear.
    for e in std::fs::read_dir(data.join("trust")).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            let body = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            assert!(!p.to_string_lossy().contains("DEMO"), "{}", p.display());
            if let Ok(cert) = rxdesk_gm::cert::Certificate::from_pem(&body) {
                assert!(!cert.subject_dn().contains("Demo"), "{}", cert.subject_dn());
            }
        }
    }
    let secret = std::fs::read_to_string(c.credentials().join("app_secret")).unwrap();
    let vault = std::fs::read_to_string(data.join("credentials/vault.json")).unwrap();
    assert!(!vault.contains(secret.trim()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data.join("credentials/vault.json")), 0o600);
        assert_eq!(mode(&data.join("credentials")), 0o700);
    }

    let o = rxdesk(&["info", "--json"], &[("RXDESK_HOME", &data)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["mode"], "production", "{v}");
    // The CLI keeps its snake_case keys (the window's `AppStatus` is camelCase).
    assert!(
        v["center_label"].is_string() && v["store_name"].is_string(),
        "{v}"
    );

    let o = rxdesk(
        &["keys", "status", "--data-dir", data.to_str().unwrap()],
        &[],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("app_secret") && !out.contains(secret.trim()),
        "{out}"
    );

    let scenario = repo().join("assets/scenarios/production-visit.yaml");
    let o = rxdesk(
        &[
            "counter",
            "--data-dir",
            data.to_str().unwrap(),
            "--center",
            &c.url(),
            "--scenario",
            scenario.to_str().unwrap(),
        ],
        &[],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("全部通过 ALL PASS"), "{out}");
    assert!(
        !out.lines().any(|l| l.trim_start().starts_with("FAIL")),
        "{out}"
    );
    assert!(
        out.lines()
            .filter(|l| l.trim_start().starts_with("PASS"))
            .count()
            >= 15,
        "{out}"
    );
    assert!(!out.contains("DEMO"), "demo material used:\n{out}");
    // The patient has no account balance: the self-paid part was taken on
    // the payment terminal and its reference journalled.
    let journal = std::fs::read_to_string(data.join("payments/terminal.jsonl")).unwrap();
    assert!(journal.contains("T20260101-000123"), "{journal}");

    // The ledger's key is sealed in the vault: no key file in clear, and a
    // backup with its key copies the vault (opened by the passphrase).
    assert!(
        !data.join("rxdesk.sqlite3.key").exists(),
        "the ledger key lies in clear"
    );
    let backup = t.path().join("backup.sqlite3");
    let o = rxdesk(
        &["backup", backup.to_str().unwrap(), "--with-key"],
        &[("RXDESK_HOME", &data), ("RXDESK_PASSPHRASE_FILE", &pw)],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(backup.is_file() && t.path().join("backup.vault.json").is_file());
    assert!(!t.path().join("backup.sqlite3.key").exists());
    // Without the passphrase (no OS key here) the ledger stays shut.
    let o = rxdesk(
        &["backup", t.path().join("b2.sqlite3").to_str().unwrap()],
        &[("RXDESK_HOME", &data)],
    );
    assert_ne!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("店长口令"), "{}", text(&o));

    // The terminal number given at setup is this counter's (docs/decisions/0007).
    let settings: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("settings.json")).unwrap()).unwrap();
    assert_eq!(settings["terminal_no"], 1, "{settings}");
    let o = rxdesk(&["terminal"], &[("RXDESK_HOME", &data)]);
    assert!(text(&o).contains("terminal: 1"), "{}", text(&o));
    // A production counter whose number was lost does no 医保 work and says
    // which command sets it.
    let mut lost = settings.clone();
    lost.as_object_mut().unwrap().remove("terminal_no");
    std::fs::write(
        data.join("settings.json"),
        serde_json::to_vec_pretty(&lost).unwrap(),
    )
    .unwrap();
    let o = rxdesk(
        &[
            "counter",
            "--data-dir",
            data.to_str().unwrap(),
            "--center",
            &c.url(),
            "--scenario",
            scenario.to_str().unwrap(),
        ],
        &[],
    );
    let out = text(&o);
    assert_ne!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("尚未设置收银台编号") && out.contains("rxdesk terminal --set"),
        "{out}"
    );
}

#[test]
fn bad_inputs_are_named_and_nothing_is_half_imported() {
    let c = Center::start();
    let t = tempfile::tempdir().unwrap();
    let pw = password_file(t.path(), PASSWORD);

    // A profile without a URL: `profile check` and `setup` name the field.
    let no_url = t.path().join("no-url.toml");
    let text_profile = std::fs::read_to_string(rehearsal_profile()).unwrap();
    let stripped: String = text_profile
        .lines()
        .filter(|l| !l.trim_start().starts_with("base_url"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&no_url, stripped).unwrap();
    let o = rxdesk(&["profile", "check", no_url.to_str().unwrap()], &[]);
    assert_ne!(o.status.code(), Some(0));
    assert!(text(&o).contains("center.base_url"), "{}", text(&o));
    assert!(text(&o).contains("缺少中心地址"), "{}", text(&o));
    let o = rxdesk(
        &["profile", "check", rehearsal_profile().to_str().unwrap()],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let data = t.path().join("d1");
    let o = setup(&c, &no_url, &c.credentials(), &c.trust(), &data, &pw);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("center.base_url"), "{}", text(&o));
    nothing_kept(&data);

    // A wrong appSecret: the gateway refuses and setup says which credential.
    let wrong = t.path().join("wrong-creds");
    copy_dir(&c.credentials(), &wrong);
    std::fs::write(
        wrong.join("app_secret"),
        "NOTTHEISSUEDSECRET00000000000000\n",
    )
    .unwrap();
    let data = t.path().join("d2");
    let o = setup(&c, &rehearsal_profile(), &wrong, &c.trust(), &data, &pw);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("appSecret") && out.contains("网关签名被拒"),
        "{out}"
    );
    nothing_kept(&data);

    // A CA file that is not a certificate.
    let trust = t.path().join("bad-trust");
    copy_dir(&c.trust(), &trust);
    std::fs::write(
        trust.join("province-root.pem"),
        "this is not a certificate\n",
    )
    .unwrap();
    let data = t.path().join("d3");
    let o = setup(
        &c,
        &rehearsal_profile(),
        &c.credentials(),
        &trust,
        &data,
        &pw,
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("province-root.pem") && out.contains("不是证书"),
        "{out}"
    );
    nothing_kept(&data);

    // The demo profile cannot go live; a pharmacy code other than the profile's is refused.
    let data = t.path().join("d4");
    let o = setup(
        &c,
        &repo().join("assets/profiles/demo.toml"),
        &c.credentials(),
        &c.trust(),
        &data,
        &pw,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("演示配置"), "{}", text(&o));
    nothing_kept(&data);

    // A good setup, then a wrong passphrase: a clear error, the vault unchanged.
    let data = t.path().join("d5");
    let o = setup(
        &c,
        &rehearsal_profile(),
        &c.credentials(),
        &c.trust(),
        &data,
        &pw,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let vault = data.join("credentials/vault.json");
    let before = std::fs::read(&vault).unwrap();
    let bad_pw = password_file(t.path(), "not-the-passphrase");
    let new_pw = password_file(t.path(), "a-brand-new-passphrase-2026");
    let o = rxdesk(
        &[
            "keys",
            "rotate",
            "--data-dir",
            data.to_str().unwrap(),
            "--passphrase-file",
            bad_pw.to_str().unwrap(),
            "--new-passphrase-file",
            new_pw.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("口令不正确"), "{}", text(&o));
    assert_eq!(std::fs::read(&vault).unwrap(), before, "vault changed");
    // A counter started with a wrong first sign-in cannot unlock the credentials.
    let sc = t.path().join("wrong-login.yaml");
    std::fs::write(
        &sc,
        "id: T\ntitle_zh: 口令错误\ntitle_en: wrong passphrase\nsteps:\n  - login: {user: \"5001\", password: \"not-the-passphrase\"}\n",
    )
    .unwrap();
    let o = rxdesk(
        &[
            "counter",
            "--data-dir",
            data.to_str().unwrap(),
            "--center",
            &c.url(),
            "--scenario",
            sc.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("口令不正确"), "{}", text(&o));
    assert_eq!(std::fs::read(&vault).unwrap(), before, "vault changed");
    // Rotation with the right passphrase works, and the old one no longer does.
    let o = rxdesk(
        &[
            "keys",
            "rotate",
            "--data-dir",
            data.to_str().unwrap(),
            "--passphrase-file",
            pw.to_str().unwrap(),
            "--new-passphrase-file",
            new_pw.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_ne!(std::fs::read(&vault).unwrap(), before);

    // `keys import` through the binary: an incomplete directory is named and
    // nothing is written; the issued directory is sealed, never copied.
    let fresh = t.path().join("fresh");
    std::fs::create_dir_all(&fresh).unwrap();
    let partial = t.path().join("partial");
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::copy(c.credentials().join("app_id"), partial.join("app_id")).unwrap();
    let o = rxdesk(
        &[
            "keys",
            "import",
            partial.to_str().unwrap(),
            "--data-dir",
            fresh.to_str().unwrap(),
            "--passphrase-file",
            pw.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("app_secret"), "{}", text(&o));
    assert!(!fresh.join("credentials/vault.json").exists());
    let o = rxdesk(
        &[
            "keys",
            "import",
            c.credentials().to_str().unwrap(),
            "--data-dir",
            fresh.to_str().unwrap(),
            "--passphrase-file",
            pw.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let sealed = std::fs::read_to_string(fresh.join("credentials/vault.json")).unwrap();
    let secret = std::fs::read_to_string(c.credentials().join("app_secret")).unwrap();
    assert!(
        !secret.trim().is_empty() && !sealed.contains(secret.trim()),
        "the appSecret is sealed, not copied"
    );
    let o = rxdesk(
        &["keys", "status", "--data-dir", fresh.to_str().unwrap()],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        !text(&o).contains(secret.trim()),
        "status shows fingerprints only"
    );
}
