//! Keyboard-wedge burst classifier (pure; the UI's `ui/src/lib/wedge.ts` is
//! a line-for-line port, documented in docs/devices.md §Keyboard wedge).
//!
//! Most counter scanners pretend to be a keyboard: a scan is a burst of key
//! events a few milliseconds apart, usually ended by Enter. People type far
//! slower. Keys are read by *physical* code (`KeyboardEvent.code`), so an IME
//! or a Chinese layout cannot split or swallow the scan.

/// Tuning of the classifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WedgeOptions {
    /// Largest gap between two keys of one burst, in ms (inclusive).
    pub max_gap_ms: u64,
    /// Shortest burst that counts as a scan.
    pub min_length: usize,
}

impl Default for WedgeOptions {
    fn default() -> Self {
        WedgeOptions {
            max_gap_ms: 50,
            min_length: 5,
        }
    }
}

/// One key-down event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WedgeKey {
    /// `KeyboardEvent.code`, e.g. `Digit1`, `KeyA`, `Enter`.
    pub code: String,
    /// Shift held.
    pub shift: bool,
    /// Monotonic time in ms.
    pub time_ms: u64,
}

/// What a finished run of keys was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WedgeOutput {
    /// A scanner burst: hand to the scan classifier.
    Scan(String),
    /// Human typing: hand back to the focused input.
    Typing(String),
}

/// The character for a physical key on the US layout (what scanners emit).
pub fn char_for_code(code: &str, shift: bool) -> Option<char> {
    if let Some(c) = code.strip_prefix("Key") {
        let mut it = c.chars();
        if let (Some(ch), None) = (it.next(), it.next()) {
            if ch.is_ascii_uppercase() {
                return Some(if shift { ch } else { ch.to_ascii_lowercase() });
            }
        }
        return None;
    }
    if let Some(d) = code.strip_prefix("Digit") {
        let mut it = d.chars();
        if let (Some(ch), None) = (it.next(), it.next()) {
            if let Some(n) = ch.to_digit(10) {
                return Some(if shift {
                    ")!@#$%^&*(".chars().nth(n as usize)?
                } else {
                    ch
                });
            }
        }
        return None;
    }
    if let Some(d) = code.strip_prefix("Numpad") {
        let mut it = d.chars();
        if let (Some(ch), None) = (it.next(), it.next()) {
            if ch.is_ascii_digit() {
                return Some(ch);
            }
        }
    }
    let (plain, shifted) = match code {
        "Minus" => ('-', '_'),
        "Equal" => ('=', '+'),
        "BracketLeft" => ('[', '{'),
        "BracketRight" => (']', '}'),
        "Backslash" => ('\\', '|'),
        "Semicolon" => (';', ':'),
        "Quote" => ('\'', '"'),
        "Comma" => (',', '<'),
        "Period" => ('.', '>'),
        "Slash" => ('/', '?'),
        "Backquote" => ('`', '~'),
        "Space" => (' ', ' '),
        "NumpadDecimal" => ('.', '.'),
        "NumpadSubtract" => ('-', '-'),
        "NumpadAdd" => ('+', '+'),
        "NumpadMultiply" => ('*', '*'),
        "NumpadDivide" => ('/', '/'),
        _ => return None,
    };
    Some(if shift { shifted } else { plain })
}

/// Stateful burst classifier: feed every key-down, call [`Self::tick`] from a timer.
#[derive(Debug, Clone)]
pub struct WedgeClassifier {
    opts: WedgeOptions,
    buffer: String,
    last: Option<u64>,
}

impl Default for WedgeClassifier {
    fn default() -> Self {
        Self::new(WedgeOptions::default())
    }
}

impl WedgeClassifier {
    /// A classifier with these options.
    pub fn new(opts: WedgeOptions) -> Self {
        WedgeClassifier {
            opts,
            buffer: String::new(),
            last: None,
        }
    }

    /// True while a burst long enough to be a scan is being captured (the UI
    /// then suppresses the keys instead of typing them).
    pub fn capturing(&self) -> bool {
        self.buffer.chars().count() >= self.opts.min_length
    }

    fn gap_exceeded(&self, now: u64) -> bool {
        matches!(self.last, Some(last) if now.saturating_sub(last) > self.opts.max_gap_ms)
    }

    /// Feeds one key; returns the runs it completed (zero, one or two).
    pub fn feed(&mut self, key: &WedgeKey) -> Vec<WedgeOutput> {
        let mut out = Vec::new();
        if !self.buffer.is_empty() && self.gap_exceeded(key.time_ms) {
            out.push(self.flush());
        }
        if matches!(key.code.as_str(), "Enter" | "NumpadEnter" | "Tab") {
            if !self.buffer.is_empty() {
                out.push(self.flush());
            }
            return out;
        }
        match char_for_code(&key.code, key.shift) {
            None => {
                if !self.buffer.is_empty() {
                    out.push(self.flush());
                }
            }
            Some(ch) => {
                self.buffer.push(ch);
                self.last = Some(key.time_ms);
            }
        }
        out
    }

    /// Ends a burst once the gap has passed with no key.
    pub fn tick(&mut self, now_ms: u64) -> Option<WedgeOutput> {
        if !self.buffer.is_empty() && self.gap_exceeded(now_ms) {
            Some(self.flush())
        } else {
            None
        }
    }

    fn flush(&mut self) -> WedgeOutput {
        let text = std::mem::take(&mut self.buffer);
        if text.chars().count() >= self.opts.min_length {
            WedgeOutput::Scan(text)
        } else {
            WedgeOutput::Typing(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: &str, shift: bool, t: u64) -> WedgeKey {
        WedgeKey {
            code: code.into(),
            shift,
            time_ms: t,
        }
    }

    /// Keys for an ASCII string, at the given offsets.
    fn keys_for(s: &str, times: &[u64]) -> Vec<WedgeKey> {
        s.chars()
            .zip(times)
            .map(|(c, &t)| match c {
                '0'..='9' => key(&format!("Digit{c}"), false, t),
                'a'..='z' => key(&format!("Key{}", c.to_ascii_uppercase()), false, t),
                'A'..='Z' => key(&format!("Key{c}"), true, t),
                '\n' => key("Enter", false, t),
                _ => panic!("no key for {c}"),
            })
            .collect()
    }

    fn run(keys: &[WedgeKey], end: u64) -> Vec<WedgeOutput> {
        let mut w = WedgeClassifier::default();
        let mut out: Vec<_> = keys.iter().flat_map(|k| w.feed(k)).collect();
        out.extend(w.tick(end));
        out
    }

    // Timings recorded from a Honeywell-style wedge scanner (≈ 8–15 ms/key)
    // and from a person typing (≈ 120–250 ms/key).
    const SCANNER_MS: [u64; 21] = [
        0, 9, 17, 26, 35, 43, 52, 61, 69, 78, 87, 95, 104, 113, 121, 130, 139, 147, 156, 165, 173,
    ];
    const HUMAN_MS: [u64; 6] = [0, 140, 310, 450, 640, 790];

    #[test]
    fn scanner_burst_is_a_scan() {
        let k = keys_for("81234567890123456789\n", &SCANNER_MS);
        assert_eq!(
            run(&k, 1000),
            vec![WedgeOutput::Scan("81234567890123456789".into())]
        );
    }

    #[test]
    fn human_typing_passes_through() {
        let k = keys_for("abc12\n", &HUMAN_MS);
        let out = run(&k, 2000);
        assert_eq!(out.len(), 5);
        assert!(out
            .iter()
            .all(|o| matches!(o, WedgeOutput::Typing(t) if t.len() == 1)));
    }

    #[test]
    fn gap_at_exactly_50ms_continues_and_51_splits() {
        let k = keys_for("12345", &[0, 50, 100, 150, 200]);
        assert_eq!(run(&k, 300), vec![WedgeOutput::Scan("12345".into())]);
        let k = keys_for("12345", &[0, 51, 102, 153, 204]);
        assert_eq!(run(&k, 300).len(), 5);
    }

    #[test]
    fn short_burst_is_typing_and_shift_gives_upper_case() {
        let k = keys_for("AB1\n", &[0, 5, 10, 15]);
        assert_eq!(run(&k, 100), vec![WedgeOutput::Typing("AB1".into())]);
    }

    #[test]
    fn tick_ends_a_burst_without_enter() {
        let mut w = WedgeClassifier::default();
        for k in keys_for("123456", &[0, 10, 20, 30, 40, 50]) {
            assert!(w.feed(&k).is_empty());
        }
        assert!(w.capturing());
        assert_eq!(w.tick(90), None);
        assert_eq!(w.tick(101), Some(WedgeOutput::Scan("123456".into())));
    }

    #[test]
    fn non_printable_key_breaks_the_burst() {
        let mut w = WedgeClassifier::default();
        let mut out = Vec::new();
        for k in keys_for("123456", &[0, 1, 2, 3, 4, 5]) {
            out.extend(w.feed(&k));
        }
        out.extend(w.feed(&key("ShiftLeft", false, 6)));
        assert_eq!(out, vec![WedgeOutput::Scan("123456".into())]);
    }
}
