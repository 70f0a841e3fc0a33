import { describe, expect, it } from "vitest";
import { amountCents, differenceKind, liveDifference, todayCst } from "./till-api";
import { MockTillBackend } from "../mock/mock-till";
import { tillZh } from "../i18n/i18n-till";
import { tillEn } from "../i18n/i18n-till-en";
import { mockErrorText } from "../mock/ipc-error";
/** The zh-CN sentence `f` rejects with. */
function thrown(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return mockErrorText(e);
  }
  throw new Error("did not throw");
}


describe("till helpers", () => {
  it("reads typed money as cents, refuses the rest", () => {
    expect(amountCents("200")).toBe(20000n);
    expect(amountCents(" ¥12.5 ")).toBe(1250n);
    for (const bad of ["", "-1", "abc", "1.005", "1e3"]) expect(amountCents(bad)).toBeNull();
  });
  it("shows the difference as it is typed: short, over, balanced", () => {
    expect(liveDifference("210.00", "212.50")).toBe("-2.50");
    expect(differenceKind(liveDifference("210.00", "212.50"))).toBe("short");
    expect(differenceKind(liveDifference("215", "212.50"))).toBe("over");
    expect(differenceKind(liveDifference("212.5", "212.50"))).toBe("balanced");
    expect(liveDifference("", "212.50")).toBeNull();
    expect(differenceKind(null)).toBe("none");
  });
  it("takes today's date in China Standard Time", () => {
    expect(todayCst(new Date("2026-12-04T16:30:00Z"))).toBe("2026-12-05");
    expect(todayCst(new Date("2026-12-05T15:59:00Z"))).toBe("2026-12-05");
  });
  it("has every till string in both languages", () => {
    expect(Object.keys(tillEn).sort()).toEqual(Object.keys(tillZh).sort());
  });
  it("mock: replays the recorded till — refused close, open, refused second open, close 10.00 over, day report", () => {
    const m = new MockTillBackend();
    expect(m.handle("till_current", {})).toBeNull();
    expect(thrown(() => m.handle("till_close", { countedCash: "1", counted: {}, note: "" }))).toMatch(/尚未开班/);
    expect(m.handle("till_current", {})).toBeNull();
    const open = m.handle("till_open", { float: "200" }) as { float: string };
    expect(open.float).toBe("200.00");
    expect((m.handle("till_current", {}) as { float: string } | null)?.float).toBe("200.00");
    expect(thrown(() => m.handle("till_open", { float: "1" }))).toMatch(/尚未交班/);
    expect((m.handle("till_current", {}) as { float: string } | null)?.float).toBe("200.00");
    const closed = m.handle("till_close", { countedCash: "210.00", counted: {}, note: "" }) as { till: { cashDifference: string; differenceZh: string } };
    expect(closed.till.cashDifference).toBe("10.00");
    expect(closed.till.differenceZh).toContain("长款 10.00");
    expect(m.handle("till_current", {})).toBeNull();
    const day = m.handle("day_report", { day: "2026-12-05", print: false }) as { report: { day: string; total: { byMethod: { method: string }[] } } };
    expect(day.report.day).toBe("2026-12-05");
    expect(day.report.total.byMethod.map((x) => x.method)).toEqual(["cash", "wechat", "alipay", "terminal"]);
    // Off the recorded path: refused, not invented.
    expect(thrown(() => m.handle("till_open", { float: "5" }))).toMatch(/没有录制/);
  });
});
