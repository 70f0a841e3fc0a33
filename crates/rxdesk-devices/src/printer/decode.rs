//! ESC/POS decoder (pure): bytes → events. The printer simulator uses it to
//! turn a job back into text, QR, barcode and cut events, and to answer
//! `DLE EOT` status requests in real time.
//!
//! Streaming: [`Decoder::push`] may get a command split across reads; the
//! incomplete tail is kept. Unknown commands become [`Event::Unknown`] and
//! decoding continues with the next byte, so garbage never stops a printer.

use super::escpos::{Align, DLE, EOT, ESC, FS, GS, LF};
use serde::Serialize;

/// One decoded printer action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// `ESC @`
    Init,
    /// `FS &` / `FS .`
    ChineseMode {
        /// on or off
        on: bool,
    },
    /// A printed line (text up to LF), decoded from GB18030 in Chinese mode.
    Line {
        /// The text.
        text: String,
    },
    /// `ESC a`
    Align {
        /// Alignment.
        align: Align,
    },
    /// `ESC E`
    Bold {
        /// on or off
        on: bool,
    },
    /// `GS !`
    Size {
        /// width multiplier
        w: u8,
        /// height multiplier
        h: u8,
    },
    /// `ESC d n`
    Feed {
        /// lines
        lines: u8,
    },
    /// QR printed (`GS ( k` print after store).
    Qr {
        /// The stored data.
        data: String,
    },
    /// `GS k` barcode.
    Barcode {
        /// The `m` (73 = CODE128).
        system: u8,
        /// Data (the `{B` code-set prefix removed).
        data: String,
    },
    /// `GS V`
    Cut,
    /// `ESC p`
    DrawerKick {
        /// pin (0 = pin 2, 1 = pin 5)
        pin: u8,
    },
    /// `DLE EOT n`: the host asks for real-time status.
    StatusRequest {
        /// n
        n: u8,
    },
    /// A command this decoder does not know (its first bytes).
    Unknown {
        /// raw bytes
        bytes: Vec<u8>,
    },
}

/// Streaming ESC/POS decoder.
#[derive(Debug, Default)]
pub struct Decoder {
    pending: Vec<u8>,
    line: Vec<u8>,
    chinese: bool,
    qr_data: Option<Vec<u8>>,
}

/// Result of trying to parse one command at the head of the buffer.
enum Step {
    /// consumed n bytes, maybe an event
    Done(usize, Option<Event>),
    /// need more bytes
    More,
}

impl Decoder {
    /// A decoder in the power-on state (Chinese mode off: text is read as GB18030 anyway,
    /// since ASCII is a subset).
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; returns the events they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Event> {
        self.pending.extend_from_slice(bytes);
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < self.pending.len() {
            match self.step(pos, &mut out) {
                Step::Done(n, ev) => {
                    pos += n;
                    if let Some(ev) = ev {
                        out.push(ev);
                    }
                }
                Step::More => break,
            }
        }
        self.pending.drain(..pos);
        out
    }

    /// Ends the stream: flushes a line without LF. Returns the events.
    pub fn finish(&mut self) -> Vec<Event> {
        let mut out = Vec::new();
        if !self.pending.is_empty() {
            out.push(Event::Unknown {
                bytes: std::mem::take(&mut self.pending),
            });
        }
        self.flush_line(&mut out);
        out
    }

    fn flush_line(&mut self, out: &mut Vec<Event>) {
        if !self.line.is_empty() {
            let (text, _) = encoding_rs::GB18030.decode_without_bom_handling(&self.line);
            out.push(Event::Line {
                text: text.into_owned(),
            });
            self.line.clear();
        }
    }

    fn step(&mut self, pos: usize, out: &mut Vec<Event>) -> Step {
        let b = &self.pending[pos..];
        let need = |n: usize| b.len() < n;
        match b[0] {
            LF => {
                if self.line.is_empty() {
                    out.push(Event::Line {
                        text: String::new(),
                    });
                } else {
                    self.flush_line(out);
                }
                Step::Done(1, None)
            }
            b'\r' => Step::Done(1, None),
            DLE => {
                if need(3) {
                    return Step::More;
                }
                if b[1] == EOT {
                    Step::Done(3, Some(Event::StatusRequest { n: b[2] }))
                } else {
                    Step::Done(1, Some(Event::Unknown { bytes: vec![DLE] }))
                }
            }
            ESC => {
                if need(2) {
                    return Step::More;
                }
                let arg = |n: usize| if b.len() > n { Some(b[n]) } else { None };
                match b[1] {
                    b'@' => {
                        self.chinese = false;
                        Step::Done(2, Some(Event::Init))
                    }
                    b'a' => match arg(2) {
                        None => Step::More,
                        Some(n) => {
                            let align = match n {
                                1 | b'1' => Align::Center,
                                2 | b'2' => Align::Right,
                                _ => Align::Left,
                            };
                            Step::Done(3, Some(Event::Align { align }))
                        }
                    },
                    b'E' => match arg(2) {
                        None => Step::More,
                        Some(n) => Step::Done(3, Some(Event::Bold { on: n & 1 == 1 })),
                    },
                    b'd' => match arg(2) {
                        None => Step::More,
                        Some(n) => {
                            self.flush_line(out);
                            Step::Done(3, Some(Event::Feed { lines: n }))
                        }
                    },
                    b'p' => {
                        if need(5) {
                            return Step::More;
                        }
                        Step::Done(5, Some(Event::DrawerKick { pin: b[2] & 1 }))
                    }
                    b'!' | b'-' | b'M' | b'2' | b'3' | b'J' | b't' | b'R' => {
                        // single-argument formatting commands we accept and ignore
                        let n = if b[1] == b'2' { 2 } else { 3 };
                        if need(n) {
                            return Step::More;
                        }
                        Step::Done(n, None)
                    }
                    other => Step::Done(
                        2,
                        Some(Event::Unknown {
                            bytes: vec![ESC, other],
                        }),
                    ),
                }
            }
            FS => {
                if need(2) {
                    return Step::More;
                }
                match b[1] {
                    b'&' => {
                        self.chinese = true;
                        Step::Done(2, Some(Event::ChineseMode { on: true }))
                    }
                    b'.' => {
                        self.chinese = false;
                        Step::Done(2, Some(Event::ChineseMode { on: false }))
                    }
                    other => Step::Done(
                        2,
                        Some(Event::Unknown {
                            bytes: vec![FS, other],
                        }),
                    ),
                }
            }
            GS => self.step_gs(pos, out),
            c if c < 0x20 && c != 0x09 => Step::Done(1, Some(Event::Unknown { bytes: vec![c] })),
            c => {
                self.line.push(c);
                Step::Done(1, None)
            }
        }
    }

    fn step_gs(&mut self, pos: usize, out: &mut Vec<Event>) -> Step {
        let b = &self.pending[pos..];
        if b.len() < 2 {
            return Step::More;
        }
        match b[1] {
            b'!' => {
                if b.len() < 3 {
                    return Step::More;
                }
                let n = b[2];
                Step::Done(
                    3,
                    Some(Event::Size {
                        w: (n >> 4) + 1,
                        h: (n & 0x0f) + 1,
                    }),
                )
            }
            b'H' | b'h' | b'w' | b'f' | b'B' => {
                if b.len() < 3 {
                    return Step::More;
                }
                Step::Done(3, None)
            }
            b'V' => {
                if b.len() < 3 {
                    return Step::More;
                }
                let n = if b[2] == 65 || b[2] == 66 { 4 } else { 3 };
                if b.len() < n {
                    return Step::More;
                }
                self.flush_line(out);
                Step::Done(n, Some(Event::Cut))
            }
            b'k' => {
                if b.len() < 3 {
                    return Step::More;
                }
                let m = b[2];
                if m >= 65 {
                    if b.len() < 4 {
                        return Step::More;
                    }
                    let n = usize::from(b[3]);
                    if b.len() < 4 + n {
                        return Step::More;
                    }
                    let raw = &b[4..4 + n];
                    let raw = if m == 73 && raw.len() >= 2 && raw[0] == b'{' {
                        &raw[2..]
                    } else {
                        raw
                    };
                    let data = String::from_utf8_lossy(raw).into_owned();
                    self.flush_line(out);
                    Step::Done(4 + n, Some(Event::Barcode { system: m, data }))
                } else {
                    // NUL-terminated form
                    match b[3..].iter().position(|&c| c == 0) {
                        None => Step::More,
                        Some(end) => {
                            let data = String::from_utf8_lossy(&b[3..3 + end]).into_owned();
                            self.flush_line(out);
                            Step::Done(4 + end, Some(Event::Barcode { system: m, data }))
                        }
                    }
                }
            }
            b'(' => {
                if b.len() < 5 {
                    return Step::More;
                }
                let len = usize::from(b[3]) | (usize::from(b[4]) << 8);
                if b.len() < 5 + len {
                    return Step::More;
                }
                let params = &b[5..5 + len];
                let mut ev = None;
                if b[2] == b'k' && params.len() >= 3 && params[0] == 0x31 {
                    match params[1] {
                        0x50 => self.qr_data = Some(params[3..].to_vec()),
                        0x51 => {
                            self.flush_line(out);
                            let data = self.qr_data.take().unwrap_or_default();
                            ev = Some(Event::Qr {
                                data: String::from_utf8_lossy(&data).into_owned(),
                            });
                        }
                        _ => {}
                    }
                }
                Step::Done(5 + len, ev)
            }
            other => Step::Done(
                2,
                Some(Event::Unknown {
                    bytes: vec![GS, other],
                }),
            ),
        }
    }
}

/// Decodes a whole job.
pub fn decode_all(bytes: &[u8]) -> Vec<Event> {
    let mut d = Decoder::new();
    let mut ev = d.push(bytes);
    ev.extend(d.finish());
    ev
}

/// The printed lines of a job, in order.
pub fn printed_lines(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Line { text } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::escpos::{EscPosBuilder, PaperWidth};
    use proptest::prelude::*;

    #[test]
    fn round_trips_a_receipt() {
        let job = EscPosBuilder::new(PaperWidth::Mm80)
            .align(Align::Center)
            .bold(true)
            .size(2, 2)
            .line("仁心大药房")
            .bold(false)
            .size(1, 1)
            .align(Align::Left)
            .pair("阿莫西林胶囊 0.25g×24粒", "¥12.50")
            .qr("https://example.invalid/r/123", 6)
            .code128("RX20261123001")
            .feed(3)
            .cut()
            .drawer_kick()
            .build();
        let ev = decode_all(&job);
        let lines = printed_lines(&ev);
        assert_eq!(lines[0], "仁心大药房");
        assert!(lines[1].starts_with("阿莫西林胶囊 0.25g×24粒"));
        assert!(lines[1].ends_with("¥12.50"));
        assert!(ev.contains(&Event::Qr {
            data: "https://example.invalid/r/123".into()
        }));
        assert!(ev.contains(&Event::Barcode {
            system: 73,
            data: "RX20261123001".into()
        }));
        assert!(ev.contains(&Event::Cut));
        assert!(ev.contains(&Event::DrawerKick { pin: 0 }));
        assert!(
            !ev.iter().any(|e| matches!(e, Event::Unknown { .. })),
            "{ev:?}"
        );
    }

    #[test]
    fn status_request_is_seen_mid_stream() {
        let mut d = Decoder::new();
        assert!(d.push(&[DLE]).is_empty());
        assert_eq!(d.push(&[EOT, 4]), vec![Event::StatusRequest { n: 4 }]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn never_panics_and_chunking_is_irrelevant(data in proptest::collection::vec(any::<u8>(), 0..600), cut in 0usize..600) {
            let whole = decode_all(&data);
            let cut = cut.min(data.len());
            let mut d = Decoder::new();
            let mut parts = d.push(&data[..cut]);
            parts.extend(d.push(&data[cut..]));
            parts.extend(d.finish());
            prop_assert_eq!(whole, parts);
        }

        #[test]
        fn text_round_trips(lines in proptest::collection::vec("[a-zA-Z0-9 ￥：，。药房阿莫西林胶囊张三医保统筹支付]{0,40}", 1..8)) {
            let mut b = EscPosBuilder::new(PaperWidth::Mm58);
            for l in &lines { b = b.line(l); }
            let got = printed_lines(&decode_all(&b.build()));
            prop_assert_eq!(got, lines);
        }
    }
}
