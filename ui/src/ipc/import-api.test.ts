import { describe, expect, it } from "vitest";
import { badLines, formatOf, percent, toBase64, type ImportReport } from "./import-api";

describe("import helpers", () => {
  it("knows the two formats", () => {
    expect(formatOf("目录.XLSX")).toBe("xlsx");
    expect(formatOf("stock.csv")).toBe("csv");
    expect(formatOf("old.xls")).toBeNull();
  });

  it("encodes bytes as base64, also past one chunk", () => {
    expect(toBase64(new TextEncoder().encode("阿莫西林"))).toBe(btoa(unescape(encodeURIComponent("阿莫西林"))));
    const big = new Uint8Array(40_000);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    const bin = atob(toBase64(big));
    let same = bin.length === big.length;
    for (let i = 0; same && i < big.length; i++) same = bin.charCodeAt(i) === big[i];
    expect(same).toBe(true);
  });

  it("turns progress into a bounded percent", () => {
    expect(percent(null)).toBe(0);
    expect(percent({ phase: "checking", done: 500, total: 2000 })).toBe(25);
    expect(percent({ phase: "writing", done: 0, total: 0 })).toBe(100);
    expect(percent({ phase: "writing", done: 9, total: 3 })).toBe(100);
  });

  it("shows reasons in the locale, zh-CN when en-US is missing", () => {
    const r: ImportReport = {
      inserted: 0,
      updated: 0,
      unchanged: 0,
      errors: [[3, "零售价不是有效金额"]],
      errorsEn: [[3, "price is not an amount"]],
      committed: false,
    };
    expect(badLines(r, false)).toEqual([{ line: 3, reason: "零售价不是有效金额" }]);
    expect(badLines(r, true)).toEqual([{ line: 3, reason: "price is not an amount" }]);
    expect(badLines({ ...r, errorsEn: [] }, true)[0]?.reason).toBe("零售价不是有效金额");
  });
});
