import { describe, expect, it } from "vitest";
import { dayQuery, dayTotal, isDay } from "./history";
import type { SaleSummary } from "../ipc/visit-api";

const row = (total: string, state: "completed" | "refunded"): SaleSummary =>
  ({ saleId: 1, rtalDocno: "R", soldAt: "2026-12-05 10:00:00", hiRxno: null, patientName: "张三", total, state, setlId: null, agentZh: null }) as unknown as SaleSummary;

describe("history day view", () => {
  it("opens on the counter's local day", () => {
    expect(dayQuery(new Date(2026, 0, 5, 23, 59))).toBe("2026-01-05");
    expect(isDay("2026-12-05")).toBe(true);
    expect(isDay("张三")).toBe(false);
  });
  it("totals the sales that stand in exact cents, refunded ones counted apart", () => {
    const t = dayTotal([row("0.10", "completed"), row("0.20", "completed"), row("43.00", "refunded")]);
    expect(t).toEqual({ count: 2, refunded: 1, total: "0.30" });
    expect(dayTotal([])).toEqual({ count: 0, refunded: 0, total: "0.00" });
  });
});
