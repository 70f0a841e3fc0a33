//! `rxdesk-devsim card-reader` and `rxdesk-devsim pinpad` end to end: the
//! serial card reader simulator driven from stdin and read through the real
//! driver, and the PIN the "patient" types on stdin reaching the stand-in
//! SDK's state file.

use rxdesk_devices::card::serial::SerialCardReader;
use rxdesk_devices::card::CardReader;
use rxdesk_devices::identity::IdentityError;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

const CARD: &str = "110100|110101199003071234|A12345678|110100D15600000500BF7C7A48FB4966|张三|008C544CB386844A2F8E5D|3.00|20200101|20300101|";

/// Sends one command line and waits for the simulator's `ok`.
fn command(stdin: &mut impl Write, stderr: &mut impl BufRead, line: &str) {
    writeln!(stdin, "{line}").unwrap();
    stdin.flush().unwrap();
    let mut l = String::new();
    loop {
        l.clear();
        assert!(stderr.read_line(&mut l).unwrap() > 0, "simulator ended");
        if l.trim() == "ok" {
            return;
        }
    }
}

#[test]
fn devsim_card_reader_is_driven_from_stdin() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rxdesk-devsim"))
        .arg("card-reader")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut path = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut path)
        .unwrap();
    let path = path.trim().to_string();
    let mut stdin = child.stdin.take().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut r = SerialCardReader::open(&path, 115_200).unwrap();
    let t = Duration::from_secs(5);
    assert_eq!(r.read_card(t).unwrap_err(), IdentityError::NothingPresented);
    command(&mut stdin, &mut stderr, &format!("insert {CARD}"));
    assert_eq!(r.read_card(t).unwrap().card_no, "A12345678");
    command(&mut stdin, &mut stderr, "pull-mid-read");
    assert_eq!(r.read_card(t).unwrap_err(), IdentityError::CardRemoved);
    // Ctrl-D: the reader is unplugged
    drop(stdin);
    assert!(child.wait().unwrap().success());
    assert!(matches!(
        r.read_card(t),
        Err(IdentityError::Disconnected(_))
    ));
}

#[test]
fn devsim_pinpad_types_into_the_standin_state() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("devsim-pinpad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state");
    std::fs::write(&state, "pwd.110101199003071234=246810\n").unwrap();
    std::fs::write(dir.join("state.pwdfail"), "110101199003071234=3\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rxdesk-devsim"))
        .args(["pinpad", "--state"])
        .arg(&state)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    command(&mut stdin, &mut stderr, "111111");
    let text = std::fs::read_to_string(&state).unwrap();
    assert!(text.contains("pin_typed=111111"), "{text}");
    assert!(
        text.contains("pwd.110101199003071234=246810"),
        "kept: {text}"
    );
    command(&mut stdin, &mut stderr, "reset");
    assert!(!dir.join("state.pwdfail").exists());
    command(&mut stdin, &mut stderr, "cancel");
    assert!(!std::fs::read_to_string(&state)
        .unwrap()
        .contains("pin_typed"));
    drop(stdin);
    assert!(child.wait().unwrap().success());
    let _ = std::fs::remove_dir_all(&dir);
}
