import { describe, expect, it } from "vitest";
import { WedgeClassifier, charForCode, type KeyInput } from "./wedge";

function keys(text: string, start: number, gap: number): KeyInput[] {
  return [...text].map((c, i) => {
    const upper = /[A-Z]/.test(c);
    const code = /[0-9]/.test(c) ? `Digit${c}` : `Key${c.toUpperCase()}`;
    return { code, shift: upper, time: start + i * gap };
  });
}

describe("keyboard-wedge classifier", () => {
  it("recognises a 20-digit trace code burst ended by Enter", () => {
    const w = new WedgeClassifier();
    const out = keys("81234567890123456789", 0, 8).flatMap((k) => w.feed(k));
    expect(out).toEqual([]);
    expect(w.capturing).toBe(true);
    expect(w.feed({ code: "Enter", shift: false, time: 170 })).toEqual([{ kind: "scan", text: "81234567890123456789" }]);
  });

  it("ends a burst without Enter after the gap", () => {
    const w = new WedgeClassifier();
    keys("6901234567892", 0, 10).forEach((k) => w.feed(k));
    expect(w.tick(125)).toBeNull();
    expect(w.tick(200)).toEqual({ kind: "scan", text: "6901234567892" });
  });

  it("hands human typing back (slow keys, or a short burst)", () => {
    const w = new WedgeClassifier();
    const out = keys("1001", 0, 120).flatMap((k) => w.feed(k));
    const last = w.tick(1000);
    expect(last).toEqual({ kind: "typing", text: "1" });
    expect(out).toEqual([
      { kind: "typing", text: "1" },
      { kind: "typing", text: "0" },
      { kind: "typing", text: "0" },
    ]);
    const w2 = new WedgeClassifier();
    keys("abc", 0, 5).forEach((k) => w2.feed(k));
    expect(w2.tick(100)).toEqual({ kind: "typing", text: "abc" });
  });

  it("reads physical codes so case and symbols survive a Chinese IME", () => {
    expect(charForCode("KeyA", true)).toBe("A");
    expect(charForCode("Digit1", true)).toBe("!");
    expect(charForCode("Minus", false)).toBe("-");
    expect(charForCode("F5", false)).toBeNull();
  });

  it("splits two scans separated by a pause", () => {
    const w = new WedgeClassifier();
    const out = [...keys("12345678", 0, 5), ...keys("ABCDEFGH", 500, 5)].flatMap((k) => w.feed(k));
    expect(out).toEqual([{ kind: "scan", text: "12345678" }]);
    expect(w.tick(1000)).toEqual({ kind: "scan", text: "ABCDEFGH" });
  });
});
