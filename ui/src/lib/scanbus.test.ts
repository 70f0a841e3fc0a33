import { afterEach, describe, expect, it, vi } from "vitest";
import { burstKeptBy, deferUnlessBurst, deliverScan, errorCodeOf, notePrintableKey, refusalDeservesTone, setScanHandler } from "./scanbus";

afterEach(() => vi.useRealTimers());

describe("scan bus", () => {
  it("delivers to the screen on show and to nobody after it unregisters", () => {
    const got: string[] = [];
    const off = setScanHandler((t) => got.push(t));
    expect(deliverScan("81000010000000000001")).toBe(true);
    off();
    expect(deliverScan("81000010000000000002")).toBe(false);
    expect(got).toEqual(["81000010000000000001"]);
  });
  it("a newer screen's handler is not removed by the older one's unregister", () => {
    const a: string[] = [];
    const b: string[] = [];
    const offA = setScanHandler((t) => a.push(t));
    const offB = setScanHandler((t) => b.push(t));
    offA();
    expect(deliverScan("x")).toBe(true);
    expect(b).toEqual(["x"]);
    offB();
  });
  it("a digit shortcut runs alone but not as the first key of a burst", () => {
    vi.useFakeTimers();
    let runs = 0;
    notePrintableKey(); // the digit itself
    deferUnlessBurst(() => runs++);
    vi.advanceTimersByTime(61);
    expect(runs).toBe(1);
    notePrintableKey();
    deferUnlessBurst(() => runs++);
    vi.advanceTimersByTime(3);
    notePrintableKey(); // the scanner's second character 3 ms later
    vi.advanceTimersByTime(60);
    expect(runs).toBe(1);
  });
});

describe("a fast run of keys typed into a field", () => {
  it("stays in a password field or a field that takes scans, never becomes a scan elsewhere", () => {
    expect(burstKeptBy({ tagName: "INPUT", type: "password", dataset: {} })).toBe(true);
    expect(burstKeptBy({ tagName: "INPUT", type: "text", dataset: { scanTarget: "" } })).toBe(true);
    expect(burstKeptBy({ tagName: "INPUT", type: "text", dataset: {} })).toBe(false);
    expect(burstKeptBy(null)).toBe(false);
  });
  it("the till not yet open is a prompt without the refusal tone; any other refusal, or one without a code, sounds", () => {
    expect(refusalDeservesTone(errorCodeOf({ code: "TILL_NOT_OPEN", params: {}, detail: "" }))).toBe(false);
    expect(refusalDeservesTone(errorCodeOf({ code: "SIGNATURE_INVALID", params: {}, detail: "" }))).toBe(true);
    expect(refusalDeservesTone(errorCodeOf(new Error("network")))).toBe(true);
    expect(errorCodeOf("text")).toBeNull();
    expect(errorCodeOf(null)).toBeNull();
    expect(errorCodeOf({ code: 7 })).toBeNull();
  });
});
