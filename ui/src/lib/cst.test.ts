import { describe, expect, it } from "vitest";
import { cstText } from "./cst";

describe("CST times", () => {
  it("are written exactly as zh-CN toLocaleString writes them in Asia/Shanghai", () => {
    // 2,000 times spread over 1992–2099, plus the day and year edges.
    const times = [Date.UTC(2026, 11, 5, 16, 0, 0), Date.UTC(2026, 11, 31, 15, 59, 59), Date.UTC(2027, 0, 1, 0, 0, 0)];
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      times.push(Date.UTC(1992, 0, 1) + Math.floor((seed / 2147483648) * (Date.UTC(2099, 0, 1) - Date.UTC(1992, 0, 1))));
    }
    for (const ms of times) {
      const iso = new Date(ms).toISOString();
      expect(cstText(iso)).toBe(new Date(ms).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false }));
    }
  });
  it("shows a dash for nothing and for text that is not a time", () => {
    expect(cstText(null)).toBe("—");
    expect(cstText(undefined)).toBe("—");
    expect(cstText("")).toBe("—");
    expect(cstText("not a time")).toBe("—");
    expect(cstText("2026-12-05T08:00:00+08:00")).toBe("2026/12/5 08:00:00");
  });
});
