//! `rxdesk-center-sim --profile assets/profiles/rehearsal.toml
//! --issue-credentials DIR`: the emulator as a province's 医保局 for a
//! non-demo deployment — fresh credentials and CA on every start, written
//! where a pharmacy expects them, and only those accepted (the demo
//! accounts and a wrong appSecret are refused).

use rxdesk_center::profile::{Credentials, ProfileFile};
use rxdesk_center::{
    CenterClient, CenterError, CenterProfile, Family, MsgIdGenerator, Operator, PrescriptionCenter,
};
use rxdesk_center_sim::rehearsal::files;
use rxdesk_gm::{PrivateKey, PublicKey};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

const BIN: &str = env!("CARGO_BIN_EXE_rxdesk-center-sim");

fn profile_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/profiles/rehearsal.toml")
}

fn start(dir: &Path) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--profile"])
        .arg(profile_path())
        .arg("--issue-credentials")
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut addr = None;
    for l in lines.by_ref() {
        let l = l.unwrap();
        if let Some(a) = l.strip_prefix("listening on ") {
            addr = Some(format!("http://{a}"));
            break;
        }
    }
    (child, addr.expect("listening line"))
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join("credentials").join(name)).unwrap()
}

fn issued(dir: &Path) -> Credentials {
    Credentials {
        app_id: read(dir, files::APP_ID).trim().into(),
        app_secret: read(dir, files::APP_SECRET).trim().into(),
        paas_id: None,
        paas_secret: None,
        private_key: PrivateKey::from_pem(&read(dir, files::PHARMACY_PRIVATE_KEY)).unwrap(),
        platform_public_key: PublicKey::from_pem(&read(dir, files::PLATFORM_PUBLIC_KEY)).unwrap(),
    }
}

fn client(p: CenterProfile) -> CenterClient {
    let code = p.institution.fixmedins_code.clone();
    CenterClient::new(p, Arc::new(MsgIdGenerator::new(&code).unwrap())).unwrap()
}

#[tokio::test]
async fn issues_fresh_credentials_and_accepts_only_those() {
    let t = tempfile_dir();
    let (mut child, url) = start(&t);
    for f in [
        files::APP_ID,
        files::APP_SECRET,
        files::PLATFORM_PUBLIC_KEY,
        files::PHARMACY_PRIVATE_KEY,
        files::PHARMACY_PUBLIC_KEY,
    ] {
        assert!(t.join("credentials").join(f).is_file(), "{f}");
    }
    assert!(t.join("trust").join(files::CA_ROOT).is_file());
    assert!(t.join("trust").join(files::CA_CRL).is_file());
    let ca = std::fs::read_to_string(t.join("trust").join(files::CA_ROOT)).unwrap();
    let ca = rxdesk_gm::cert::Certificate::from_pem(&ca).unwrap();
    assert!(!ca.subject_dn().contains("DEMO"), "{}", ca.subject_dn());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let m = std::fs::metadata(t.join("credentials").join(files::PHARMACY_PRIVATE_KEY))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(m & 0o077, 0, "private key readable by others");
    }

    let file = ProfileFile::load(&profile_path()).unwrap();
    let op = Operator::clerk("5001", "周店长");
    let mut good = file.to_profile(&issued(&t)).unwrap();
    good.base_url = url.clone();
    client(good.clone()).sign_in(&op).await.unwrap();

    let mut wrong = issued(&t);
    wrong.app_secret = "NOTTHESECRET".into();
    let mut p = file.to_profile(&wrong).unwrap();
    p.base_url = url.clone();
    let e = client(p).sign_in(&op).await.unwrap_err();
    assert_eq!(e.rejection_code(), Some("1002"), "{e}");

    let demo = CenterProfile::demo(&url, Family::A).unwrap();
    let e = client(demo).sign_in(&op).await.unwrap_err();
    assert!(matches!(e, CenterError::Rejected { .. }), "{e}");
    assert_eq!(e.rejection_code(), Some("1003"), "{e}");

    let first_id = read(&t, files::APP_ID);
    child.kill().unwrap();
    let _ = child.wait();

    // Fresh on every start: new appId, the old credentials refused.
    let (mut child, url2) = start(&t);
    assert_ne!(read(&t, files::APP_ID), first_id);
    let mut old = good;
    old.base_url = url2;
    let e = client(old).sign_in(&op).await.unwrap_err();
    assert_eq!(e.rejection_code(), Some("1003"), "{e}");
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn the_demo_profile_and_a_bad_profile_are_refused() {
    let t = tempfile_dir();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/profiles/demo.toml");
    let out = Command::new(BIN)
        .args(["--port", "0", "--profile"])
        .arg(&demo)
        .arg("--issue-credentials")
        .arg(&t)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("demo profile"));
    let bad = t.join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\n").unwrap();
    let out = Command::new(BIN)
        .args(["--port", "0", "--profile"])
        .arg(&bad)
        .arg("--issue-credentials")
        .arg(&t)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("center.base_url"));
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "rxdesk-rehearsal-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rand_suffix() -> String {
    hex::encode(&PrivateKey::generate().unwrap().to_bytes()[..6])
}
