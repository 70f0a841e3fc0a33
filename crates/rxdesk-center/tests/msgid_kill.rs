//! A restarted process never reuses a msgid, with the high-water file
//! reserving seconds ahead and a background thread extending it
//! (docs/decisions/0030): a child process issues ids as fast as a busy
//! counter and prints each one it hands out; it is SIGKILLed at random
//! moments (a reservation being written by its thread or on its path), and
//! each restart must issue only ids above every id printed before.
//!
//! The child is this test binary re-run with `--ignored --exact msgid_child`
//! and `RXDESK_MSGID_FILE` set.

use rxdesk_center::MsgIdGenerator;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn a_killed_process_never_has_its_msgids_reused_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("msgid.hwm");
    let mut all: Vec<String> = Vec::new();
    // Kill delays (ms after the child's first id): short ones land in the
    // first write on the path, longer ones in the thread's extensions.
    for (round, after_ms) in [0u64, 3, 700, 1_600, 2_300, 40, 1_100]
        .into_iter()
        .enumerate()
    {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "msgid_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("RXDESK_MSGID_FILE", &file)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(id) = l.strip_prefix("ID ") {
                    if tx.send(id.to_string()).is_err() {
                        return;
                    }
                }
            }
        });
        // Wait for the child's first id, then kill it a while later.
        let first = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the child issues ids");
        std::thread::sleep(Duration::from_millis(after_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();
        let ids: Vec<String> = std::iter::once(first).chain(rx.try_iter()).collect();
        assert!(!ids.is_empty(), "round {round}: no id printed");
        let before_max = all.iter().max().cloned();
        for id in &ids {
            if let Some(m) = &before_max {
                assert!(
                    id > m,
                    "round {round}: {id} issued again or below {m} after a restart"
                );
            }
        }
        for w in ids.windows(2) {
            assert!(w[1] > w[0], "round {round}: {} then {}", w[0], w[1]);
        }
        all.extend(ids);
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "a msgid was issued twice");
}

/// Child of the kill test: issues ids (a 2 s reservation extended by the
/// background thread when under 1 s is left) every 2 ms, printing each one
/// as it is handed out, until killed.
#[test]
#[ignore = "child process of a_killed_process_never_has_its_msgids_reused_after_a_restart"]
fn msgid_child() {
    let Ok(file) = std::env::var("RXDESK_MSGID_FILE") else {
        return;
    };
    let g = MsgIdGenerator::with_high_water_file("P11010100001", &file)
        .unwrap()
        .with_reservation(2, 1);
    let stdout = std::io::stdout();
    loop {
        let id = g.next().unwrap();
        {
            let mut out = stdout.lock();
            writeln!(out, "ID {id}").unwrap();
            out.flush().unwrap();
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}
