// Keyboard-wedge scan capture. Most counter scanners pretend to be a
// keyboard: a scan arrives as a burst of key events a few milliseconds apart,
// usually ended by Enter. A person types far slower. We classify by timing so
// that a scan is captured wherever the focus is and is never typed into a text
// box by accident, while normal typing passes through untouched.
//
// Algorithm (same as rxdesk-devices' wedge classifier, docs/devices.md):
// - keys are read by physical code (`KeyboardEvent.code`), so an IME or a
//   Chinese layout cannot split or swallow the scan; Shift gives upper case;
// - a burst is a run of printable keys each ≤ maxGapMs after the previous;
// - a burst that reaches minLength characters is a scan; it ends at Enter/Tab
//   or when no key arrives for maxGapMs;
// - a run that ends shorter than minLength was typing: it is handed back.

/** The window's own keyboard-wedge timing (never sent over IPC; the devices' `WedgeOptions` is rxdesk-devices'). */
export interface KeyWedgeOptions {
  maxGapMs: number;
  minLength: number;
}

export const defaultWedgeOptions: KeyWedgeOptions = { maxGapMs: 50, minLength: 5 };

export interface KeyInput {
  code: string; // KeyboardEvent.code, e.g. "Digit1", "KeyA", "Enter"
  shift: boolean;
  time: number; // ms, monotonic (event.timeStamp)
}

export type WedgeOutput =
  | { kind: "scan"; text: string }
  | { kind: "typing"; text: string };

/** Character for a physical key, US layout as scanners emit; null if not printable. */
export function charForCode(code: string, shift: boolean): string | null {
  if (/^Key[A-Z]$/.test(code)) {
    const c = code.slice(3);
    return shift ? c : c.toLowerCase();
  }
  if (/^Digit[0-9]$/.test(code)) {
    const d = code.slice(5);
    if (!shift) return d;
    return ")!@#$%^&*("[Number(d)] ?? null;
  }
  if (/^Numpad[0-9]$/.test(code)) return code.slice(6);
  const table: Record<string, [string, string]> = {
    Minus: ["-", "_"], Equal: ["=", "+"], BracketLeft: ["[", "{"], BracketRight: ["]", "}"],
    Backslash: ["\\", "|"], Semicolon: [";", ":"], Quote: ["'", '"'], Comma: [",", "<"],
    Period: [".", ">"], Slash: ["/", "?"], Backquote: ["`", "~"], Space: [" ", " "],
    NumpadDecimal: [".", "."], NumpadSubtract: ["-", "-"], NumpadAdd: ["+", "+"],
    NumpadMultiply: ["*", "*"], NumpadDivide: ["/", "/"],
  };
  const pair = table[code];
  return pair ? pair[shift ? 1 : 0] : null;
}

/** Stateful burst classifier; feed every keydown, call `tick` from a timer. */
export class WedgeClassifier {
  private buffer = "";
  private last = -Infinity;
  constructor(private readonly opts: KeyWedgeOptions = defaultWedgeOptions) {}

  /** True while a burst long enough to be a scan is being captured. */
  get capturing(): boolean {
    return this.buffer.length >= this.opts.minLength;
  }

  /** Feeds one key; returns what completed, if anything. */
  feed(key: KeyInput): WedgeOutput[] {
    const out: WedgeOutput[] = [];
    if (this.buffer && key.time - this.last > this.opts.maxGapMs) {
      out.push(this.flush());
    }
    if (key.code === "Enter" || key.code === "NumpadEnter" || key.code === "Tab") {
      if (this.buffer) out.push(this.flush());
      return out;
    }
    const ch = charForCode(key.code, key.shift);
    if (ch === null) {
      if (this.buffer) out.push(this.flush());
      return out;
    }
    this.buffer += ch;
    this.last = key.time;
    return out;
  }

  /** Call periodically: ends a burst after the gap has passed. */
  tick(now: number): WedgeOutput | null {
    if (this.buffer && now - this.last > this.opts.maxGapMs) return this.flush();
    return null;
  }

  private flush(): WedgeOutput {
    const text = this.buffer;
    this.buffer = "";
    return text.length >= this.opts.minLength ? { kind: "scan", text } : { kind: "typing", text };
  }
}
