//! The layout drawer's child process (`visit::layout::draw_in_child`), as the
//! desktop runs it: this test binary is its own child host (`harness =
//! false`; started with `--draw-layout` it serves one request on stdin, as
//! the desktop binary does), so the real spawn, pipes, timeout and decoding
//! are exercised. A child that is not a drawer, hangs or cannot start is the
//! drawer's failure (`LAYOUT_DRAWER_FAILED`), never a panic or a hang.
use rxdesk_app::visit::layout::{draw_in_child, draw_pages_with, Drawer};
use std::ffi::OsString;
use std::path::Path;
use std::time::{Duration, Instant};

fn blank_pdf() -> Vec<u8> {
    let objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] >>",
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn main() {
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == "--draw-layout")
    {
        std::process::exit(match rxdesk_app::visit::layout::serve_stdio() {
            Ok(()) => 0,
            Err(_) => 1,
        });
    }
    // `cargo test` passes libtest's flags; a filter other than ours skips.
    if std::env::args().skip(1).any(|a| a == "--list") {
        println!("layout_child: test");
        return;
    }
    let me = std::env::current_exe().expect("own path");
    let child = Drawer::Child {
        exe: me.clone(),
        args: vec!["--draw-layout".into()],
    };
    let pdf = blank_pdf();

    // 1. The child draws what this process draws, page for page.
    let there = draw_pages_with(&child, &pdf, 640).expect("drawn in the child");
    let here = draw_pages_with(&Drawer::InProcess, &pdf, 640).expect("drawn here");
    assert_eq!(there, here);
    assert_eq!(there.pages[0].width, 640);
    // A broken file is the same typed refusal there as here.
    let e = draw_pages_with(&child, b"not a pdf", 640).unwrap_err();
    assert_eq!(e.code(), "LAYOUT_NOT_OPENED");

    let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
    // 2. A child that answers nothing, or garbage, or fails.
    for (exe, a) in [
        ("/bin/true", vec![]),
        ("/bin/echo", vec!["RXL1 hello"]),
        ("/bin/false", vec![]),
    ] {
        let e = draw_in_child(
            Path::new(exe),
            &args(&a),
            &pdf,
            640,
            Duration::from_secs(10),
        )
        .unwrap_err();
        assert_eq!(e.code(), "LAYOUT_DRAWER_FAILED", "{exe}: {e:?}");
    }
    // 3. A child that hangs is killed at the timeout.
    let t = Instant::now();
    let e = draw_in_child(
        Path::new("/bin/sleep"),
        &args(&["30"]),
        &pdf,
        640,
        Duration::from_millis(300),
    )
    .unwrap_err();
    assert_eq!(e.code(), "LAYOUT_DRAWER_FAILED");
    assert!(e.to_string().contains("no answer within"), "{e}");
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "waited {:?}",
        t.elapsed()
    );
    // 4. A drawer that cannot start.
    let e = draw_in_child(
        Path::new("/nonexistent/rxdesk"),
        &[],
        &pdf,
        640,
        Duration::from_secs(5),
    )
    .unwrap_err();
    assert_eq!(e.code(), "LAYOUT_DRAWER_FAILED");
    assert!(e.to_string().contains("could not start"), "{e}");
    // 5. The child gets no environment (no secrets, no RXDESK_* settings):
    // a shell in between draws only if the variable set here is not there.
    std::env::set_var("RXDESK_CHILD_ENV_PROBE", "secret");
    let script = format!(
        "test -z \"$RXDESK_CHILD_ENV_PROBE\" && exec '{}' --draw-layout",
        me.display()
    );
    let drawn = draw_in_child(
        Path::new("/bin/sh"),
        &args(&["-c", &script]),
        &pdf,
        300,
        Duration::from_secs(30),
    );
    assert!(
        drawn.is_ok(),
        "the child saw this process's environment: {drawn:?}"
    );
    println!("test layout_child ... ok");
}
