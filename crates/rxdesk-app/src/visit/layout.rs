//! The prescription's layout file (the signed PDF), read two ways:
//!
//! - its **text**, for the structured-vs-layout rule (ST-EPC-02-007).
//!   `pdf-extract` (pure Rust, on `lopdf`) reads the emulator's Chinese PDFs
//!   (CID fonts with ToUnicode maps) back exactly. A PDF it cannot read gives
//!   an empty text, which the rule reports as `LAYOUT_UNREADABLE` (blocking),
//!   never as "no difference";
//! - its **pages drawn as pictures** for the pharmacist to compare with the
//!   structured fields ([`draw_pages`], `rxdesk_receipts::pages`): each page
//!   is drawn at the width the window shows it and goes to the window as a
//!   PNG, so the window's web process never parses the PDF
//!   nor holds a PDF engine (docs/decisions/0025: that engine, pdf.js, kept
//!   tens of MiB in the web process for the rest of the day).
//!
//! Both run under `catch_unwind`: a hostile or broken PDF must not take the
//! counter down. The drawing also runs in a child process when the
//! composition root says so ([`draw_in_child_process`]; the desktop does,
//! decision 0028): the renderer's code and caches never stay resident in the
//! counter, and a crash or a hang on a hostile file ends only the child
//! (killed after [`CHILD_TIMEOUT`]).

use base64::Engine as _;
use serde::Serialize;

/// The text of a Base64 PDF (`rxFile`), or `""` when it cannot be read.
/// The extractor runs under `catch_unwind`: a hostile or broken PDF must not
/// take the counter down.
pub fn layout_text_b64(rx_file_b64: &str) -> String {
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(rx_file_b64.trim()) else {
        tracing::warn!("layout file is not Base64");
        return String::new();
    };
    layout_text(&bytes)
}

/// The text of PDF bytes, or `""` when it cannot be read.
pub fn layout_text(pdf: &[u8]) -> String {
    let pdf = pdf.to_vec();
    match std::panic::catch_unwind(move || pdf_extract::extract_text_from_mem(&pdf)) {
        Ok(Ok(text)) => text,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "layout file text could not be extracted");
            String::new()
        }
        Err(_) => {
            tracing::warn!("layout file text extraction panicked");
            String::new()
        }
    }
}

pub use rxdesk_receipts::pages::{DrawError as LayoutDrawError, MAX_PAGES};

use std::ffi::OsString;
use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// How long a child may take to draw a layout file before it is killed (a
/// prescription's one or two pages take well under a second).
pub const CHILD_TIMEOUT: Duration = Duration::from_secs(30);

/// Where this process draws layout files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drawer {
    /// In this process (tests, the CLI).
    InProcess,
    /// In a child: `exe args…`, the request on its stdin, the answer on its
    /// stdout (`rxdesk_receipts::pages::{encode_request, serve, decode_result}`).
    Child {
        /// The program (the desktop: its own executable).
        exe: PathBuf,
        /// Its arguments (the desktop: `--draw-layout`).
        args: Vec<OsString>,
    },
}

static DRAWER: OnceLock<Drawer> = OnceLock::new();

/// The composition root's choice for the whole process: layout files are
/// drawn by `exe args…` from now on (set once; a second call is ignored).
pub fn draw_in_child_process(exe: PathBuf, args: Vec<OsString>) {
    if DRAWER.set(Drawer::Child { exe, args }).is_err() {
        tracing::warn!("layout drawer already chosen; kept");
    }
}

/// The drawer in use ([`Drawer::InProcess`] unless the root chose a child).
pub fn drawer() -> &'static Drawer {
    DRAWER.get().unwrap_or(&Drawer::InProcess)
}

/// The child's side: reads a request on stdin, answers on stdout. The
/// desktop binary calls this first thing when started with `--draw-layout`.
pub fn serve_stdio() -> std::io::Result<()> {
    let mut request = Vec::new();
    std::io::stdin()
        .take(rxdesk_receipts::pages::MAX_ANSWER_BYTES as u64)
        .read_to_end(&mut request)?;
    let answer = rxdesk_receipts::pages::serve(&request);
    let mut out = std::io::stdout().lock();
    out.write_all(&answer)?;
    out.flush()
}

/// Draws in a child process `exe args…` (see [`Drawer::Child`]): no
/// environment is passed on, the working directory is `/`, stderr is
/// dropped; the child is killed after `timeout`. Whatever goes wrong on the
/// child's side is [`LayoutDrawError::Drawer`].
pub fn draw_in_child(
    exe: &std::path::Path,
    args: &[OsString],
    pdf: &[u8],
    width_px: u32,
    timeout: Duration,
) -> Result<rxdesk_receipts::pages::DrawnPages, LayoutDrawError> {
    let failed = LayoutDrawError::Drawer;
    // A child given up on is killed and reaped, never left behind.
    let abandon = |child: &mut std::process::Child| {
        let _ = child.kill();
        let _ = child.wait();
    };
    let mut child = Command::new(exe)
        .args(args)
        .env_clear()
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| failed(format!("could not start {}: {e}", exe.display())))?;
    let pid = child.id();
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        abandon(&mut child);
        return Err(failed("no pipes to the child".into()));
    };
    let request = rxdesk_receipts::pages::encode_request(width_px, pdf);
    // Written from a thread so that a child answering before it has read
    // everything cannot block both sides; a broken pipe shows in the answer.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&request);
    });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut answer = Vec::new();
        let read = stdout
            .take(rxdesk_receipts::pages::MAX_ANSWER_BYTES as u64 + 1)
            .read_to_end(&mut answer)
            .map(|_| answer);
        let _ = tx.send(read);
    });
    let answer = match rx.recv_timeout(timeout) {
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => {
            abandon(&mut child);
            return Err(failed(format!("reading the child's answer: {e}")));
        }
        Err(_) => {
            abandon(&mut child);
            tracing::warn!(
                pid,
                timeout_s = timeout.as_secs(),
                "layout drawer killed: too slow"
            );
            return Err(failed(format!("no answer within {} s", timeout.as_secs())));
        }
    };
    let status = child
        .wait()
        .map_err(|e| failed(format!("waiting for the child: {e}")))?;
    let _ = writer.join();
    if !status.success() {
        return Err(failed(format!("the child ended with {status}")));
    }
    tracing::debug!(pid, bytes = answer.len(), "layout drawn in a child process");
    rxdesk_receipts::pages::decode_result(&answer)
}

/// One page of the layout file, drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LayoutPage {
    /// The page as a PNG, Base64.
    pub png_base64: String,
    /// Its width in device pixels.
    pub width: u32,
    /// Its height in device pixels.
    pub height: u32,
}

/// The layout file's pages, drawn at one width.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LayoutPages {
    /// The pages drawn, in order (at most [`MAX_PAGES`]).
    pub pages: Vec<LayoutPage>,
    /// How many pages the file has (more than `pages` when it was cut).
    pub page_count: u32,
}

/// Draws the pages of the layout file (PDF bytes) `width_px` device pixels
/// wide, for the window (`rxdesk_receipts::pages`).
pub fn draw_pages(pdf: &[u8], width_px: u32) -> Result<LayoutPages, LayoutDrawError> {
    draw_pages_with(drawer(), pdf, width_px)
}

/// [`draw_pages`] with the drawer given.
pub fn draw_pages_with(
    drawer: &Drawer,
    pdf: &[u8],
    width_px: u32,
) -> Result<LayoutPages, LayoutDrawError> {
    let drawn = match drawer {
        Drawer::InProcess => rxdesk_receipts::pages::draw_pdf_pages(pdf, width_px)?,
        Drawer::Child { exe, args } => draw_in_child(exe, args, pdf, width_px, CHILD_TIMEOUT)?,
    };
    Ok(LayoutPages {
        pages: drawn
            .pages
            .into_iter()
            .map(|p| LayoutPage {
                png_base64: base64::engine::general_purpose::STANDARD.encode(p.png),
                width: p.width,
                height: p.height,
            })
            .collect(),
        page_count: u32::try_from(drawn.page_count).unwrap_or(u32::MAX),
    })
}

/// [`draw_pages`] of a Base64 PDF (`rxFile`).
pub fn draw_pages_b64(rx_file_b64: &str, width_px: u32) -> Result<LayoutPages, LayoutDrawError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(rx_file_b64.trim())
        .map_err(|_| LayoutDrawError::Unreadable("not Base64".into()))?;
    draw_pages(&bytes, width_px)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_typed_refusal_not_a_panic() {
        for bad in [
            &b"not a pdf"[..],
            b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog",
            b"",
        ] {
            let e = draw_pages(bad, 800).unwrap_err();
            assert!(
                matches!(e, LayoutDrawError::Unreadable(_) | LayoutDrawError::NoPage),
                "{e:?}"
            );
        }
        assert_eq!(
            draw_pages_b64("***", 800).unwrap_err().code(),
            "LAYOUT_NOT_OPENED"
        );
    }

    #[test]
    fn garbage_gives_empty_text_not_a_panic() {
        assert_eq!(layout_text(b"not a pdf"), "");
        assert_eq!(layout_text(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog"), "");
        assert_eq!(layout_text_b64("***"), "");
    }
}
