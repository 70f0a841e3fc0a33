import { describe, expect, it } from "vitest";
import { changeFor, formatCents, isZero, parseCents, sum, yuan } from "./money";

describe("money as integer cents", () => {
  it("parses the wire forms without floats", () => {
    expect(parseCents("12.50")).toBe(1250n);
    expect(parseCents("12.5")).toBe(1250n);
    expect(parseCents("12")).toBe(1200n);
    expect(parseCents(" 0.07 ")).toBe(7n);
    expect(parseCents("-3.05")).toBe(-305n);
    expect(parseCents("90071992547409.99")).toBe(9007199254740999n);
  });
  it("refuses what is not money", () => {
    for (const bad of ["", "abc", "1.234", "1,000.00", "1e3", ".5", "¥3"]) expect(parseCents(bad)).toBeNull();
  });
  it("formats with two decimals, keeping the wire scale", () => {
    expect(formatCents(0n)).toBe("0.00");
    expect(formatCents(5n)).toBe("0.05");
    expect(formatCents(-305n)).toBe("-3.05");
    expect(formatCents(123456789n)).toBe("1234567.89");
  });
  it("adds exactly where floats do not", () => {
    expect(sum(["0.10", "0.20"])).toBe("0.30");
    expect(sum(["25.00", "18.30", "-0.01"])).toBe("43.29");
    expect(sum(["1", "x"])).toBeNull();
  });
  it("shows yuan with grouping", () => {
    expect(yuan("43.3")).toBe("¥43.30");
    expect(yuan("1234567.8")).toBe("¥1,234,567.80");
    expect(yuan("-2.00")).toBe("-¥2.00");
    expect(yuan(null)).toBe("—");
  });
  it("computes change and says how much is short", () => {
    expect(changeFor("50", "43.30")).toEqual({ ok: true, change: "6.70" });
    expect(changeFor("43.30", "43.30")).toEqual({ ok: true, change: "0.00" });
    expect(changeFor("40", "43.30")).toEqual({ ok: false, reason: "short", short: "3.30" });
    expect(changeFor("4o", "43.30")).toEqual({ ok: false, reason: "not_money" });
    expect(isZero("0.00")).toBe(true);
    expect(isZero("0.01")).toBe(false);
  });
});
