import { describe, expect, it } from "vitest";
import {
  axisPosition,
  csvField,
  cstDay,
  formatAge,
  formatMoney,
  integrityBanner,
  isDay,
  monthStart,
  niceMax,
  openCount,
  scaleBars,
  toCsv,
  type Figures,
  type QueueItem,
  type QueueSummary,
} from "./manager-api";
import { MockManagerBackend, recordedIntegrity } from "../mock/mock-manager";
import { managerZh } from "../i18n/i18n-manager";
import { managerEn } from "../i18n/i18n-manager-en";
import { translate, type Key } from "../i18n/i18n";

describe("formatting", () => {
  it("ages read like a counter clerk says them", () => {
    expect(formatAge(0)).toBe("0 秒");
    expect(formatAge(59)).toBe("59 秒");
    expect(formatAge(60)).toBe("1 分钟");
    expect(formatAge(3599)).toBe("59 分钟");
    expect(formatAge(3600 + 5 * 60 + 7)).toBe("1 小时 5 分");
    expect(formatAge(3 * 86400 + 10)).toBe("3 天");
    expect(formatAge(125, "en-US")).toBe("2 min");
    expect(formatAge(null)).toBe("—");
    expect(formatAge(-1)).toBe("—");
    expect(formatAge(Number.NaN)).toBe("—");
  });
  it("money keeps its exact digits, grouped, at least two decimals", () => {
    expect(formatMoney("0")).toBe("0.00");
    expect(formatMoney("12.5")).toBe("12.50");
    expect(formatMoney("1234567.80")).toBe("1,234,567.80");
    expect(formatMoney("-1000.05")).toBe("-1,000.05");
    expect(formatMoney("12.345600")).toBe("12.3456");
    expect(formatMoney("007.10")).toBe("7.10");
    // Not a number: shown as given rather than as NaN.
    expect(formatMoney("n/a")).toBe("n/a");
    // No float rounding: 0.1 + 0.2 style errors cannot appear.
    expect(formatMoney("99999999999999.99")).toBe("99,999,999,999,999.99");
  });
  it("open rows are pending + sending + uncertain + rejected", () => {
    const s = { depth: 4, pending: 2, sending: 1, uncertain: 1, rejected: 3, done: 9, voided: 1, oldestPendingAgeSecs: 5, lastSuccess: null, lastError: null, online: true };
    expect(openCount(s)).toBe(7);
  });
});

describe("chart scaling", () => {
  it("axis maxima are round numbers at or above the largest value", () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(-3)).toBe(1);
    expect(niceMax(1)).toBe(1);
    expect(niceMax(3)).toBe(5);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(12)).toBe(20);
    expect(niceMax(21)).toBe(25);
    expect(niceMax(26)).toBe(50);
    expect(niceMax(101)).toBe(200);
    expect(niceMax(0.3)).toBeCloseTo(0.5);
  });
  it("bars are proportional, never negative, small values stay visible", () => {
    const { bars, axisMax } = scaleBars(
      [
        { label: "a", value: 10 },
        { label: "b", value: 5 },
        { label: "c", value: 0 },
        { label: "d", value: -4 },
        { label: "e", value: 0.01 },
      ],
      100,
      500,
    );
    expect(axisMax).toBe(10);
    expect(bars.map((b) => b.size)).toEqual([100, 50, 0, 0, 1]);
    expect(bars[3]?.value).toBe(0);
    // Bars sit in equal slots across the span, inside their slot.
    expect(bars[0]?.offset).toBeCloseTo(15);
    expect(bars[1]?.offset).toBeCloseTo(115);
    expect(bars[0]?.thickness).toBeCloseTo(70);
    for (const b of bars) expect(b.offset + b.thickness).toBeLessThanOrEqual(500);
  });
  it("a fixed axis (percent) clips values above it", () => {
    const { bars, axisMax } = scaleBars([{ label: "x", value: 150 }, { label: "y", value: 30 }], 200, 100, 100);
    expect(axisMax).toBe(100);
    expect(bars[0]?.size).toBe(200);
    expect(bars[1]?.size).toBeCloseTo(60);
    expect(axisPosition(30, 100, 200)).toBeCloseTo(60);
    expect(axisPosition(-5, 100, 200)).toBe(0);
    expect(axisPosition(5, 0, 200)).toBe(0);
  });
  it("bars are capped in thickness and centred in their slot", () => {
    const { bars } = scaleBars([{ label: "only", value: 3 }], 100, 600, undefined, 60);
    expect(bars[0]?.thickness).toBe(60);
    expect(bars[0]?.offset).toBe(270);
  });
  it("an empty chart has no bars", () => {
    expect(scaleBars([], 100, 100).bars).toEqual([]);
  });
});

describe("CSV", () => {
  it("quotes commas, quotes and line breaks; doubles quotes", () => {
    expect(csvField("阿莫西林胶囊")).toBe("阿莫西林胶囊");
    expect(csvField("0.25g*24粒,盒")).toBe('"0.25g*24粒,盒"');
    expect(csvField('说"明"')).toBe('"说""明"""');
    expect(csvField("第一行\n第二行")).toBe('"第一行\n第二行"');
    expect(csvField(null)).toBe("");
    expect(csvField(12)).toBe("12");
  });
  it("neutralises cells Excel would run as formulas, but not negative numbers", () => {
    expect(csvField("=HYPERLINK(\"x\")")).toBe("\"'=HYPERLINK(\"\"x\"\")\"");
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("-12.50")).toBe("-12.50");
    expect(csvField("-x")).toBe("'-x");
  });
  it("rows end with CRLF", () => {
    expect(toCsv([["a", "b,c"], [1, null]])).toBe('a,"b,c"\r\n1,\r\n');
  });
});

describe("dates", () => {
  it("today is taken in China Standard Time", () => {
    expect(cstDay(new Date("2026-11-23T15:59:59Z"))).toBe("2026-11-23");
    expect(cstDay(new Date("2026-11-23T16:00:00Z"))).toBe("2026-11-24");
  });
  it("month starts go back across years", () => {
    expect(monthStart("2026-11-24")).toBe("2026-11-01");
    expect(monthStart("2026-03-15", 5)).toBe("2025-10-01");
    expect(monthStart("2026-01-31", 1)).toBe("2025-12-01");
  });
  it("only real calendar days pass", () => {
    expect(isDay("2026-11-23")).toBe(true);
    expect(isDay("2026-02-30")).toBe(false);
    expect(isDay("2026/11/23")).toBe(false);
    expect(isDay("")).toBe(false);
  });
});

describe("mock backend (browser tests): the upload queue replays the real service's recorded answers (recorded/queue.json)", () => {
  type Step = { command: string; args: Record<string, unknown>; response?: unknown; error?: unknown };
  const loadSteps = async () => ((await import("../mock/recorded/queue.json")).default as unknown as { flows: { steps: Step[] }[] }).flows[0]!.steps;
  const ids = (rows: unknown) => (rows as QueueItem[]).map((r) => [r.id, r.op, r.state, r.ageSecs]);

  it("lists the recorded rows under each filter, a retried row is sent by the next list, a void needs a reason", async () => {
    const steps = await loadSteps();
    const lists = steps.filter((s) => s.command === "queue_list");
    const m = new MockManagerBackend();
    const summary = m.handle("queue_summary", {}) as QueueSummary;
    expect(summary.status.rejected).toBe(2);
    expect(summary.status.lastError).toMatch(/^2026-12-05 10:00:00 P11010100001202612051000000001 rejected: 1002: .*300秒$/);
    // Before anything is done: every filter answers the recorded list.
    for (const s of lists.slice(0, lists.length / 2)) expect(ids(m.handle("queue_list", s.args)), JSON.stringify(s.args)).toEqual(ids(s.response));
    const rejected = m.handle("queue_list", { filter: "rejected" }) as QueueItem[];
    expect(rejected.map((r) => [r.op, r.state, r.age, r.rejectCode])).toEqual([["3505", "rejected", "12 分钟", "1002"], ["3505", "rejected", "12 分钟", "1002"]]);
    expect(JSON.parse(m.handle("queue_payload", { id: rejected[0]!.id }) as string).selinfo.drugtracinfo).toHaveLength(1);
    let refused: unknown = null;
    try {
      m.handle("queue_void", { id: rejected[1]!.id, reason: " " });
    } catch (e) {
      refused = e;
    }
    expect(refused).toMatchObject({ code: "STORE_INVALID" });
    expect((m.handle("queue_void", { id: rejected[1]!.id, reason: "中心已补录" }) as QueueItem)).toMatchObject({ state: "voided", voidReason: "中心已补录" });
    // Between the recorded snapshots: the counts are the rows'.
    expect((m.handle("queue_summary", {}) as QueueSummary).status).toMatchObject({ rejected: 1, voided: 1 });
    expect((m.handle("queue_retry", { id: rejected[0]!.id }) as QueueItem).state).toBe("pending");
    // After: the recorded lists and summary of the run after the void and the retry.
    for (const s of lists.slice(lists.length / 2)) expect(ids(m.handle("queue_list", s.args)), JSON.stringify(s.args)).toEqual(ids(s.response));
    expect((m.handle("queue_summary", {}) as QueueSummary).status).toMatchObject({ rejected: 0, done: 2, voided: 1 });
    // A step the recording does not have is refused loudly.
    expect(() => m.handle("queue_retry", { id: 99 })).toThrow();
    expect(m.handle("nope", {})).toBeUndefined();
  });
});

describe("the mocked figures replay the real service's recorded answer (recorded/figures.json)", () => {
  it("answers the recorded figures for any period and the recorded refusal for a reversed one", async () => {
    const recorded = (await import("../mock/recorded/figures.json")).default as unknown as { flows: { steps: { response?: unknown; error?: { code: string } }[] }[] };
    const real = recorded.flows[0]!.steps[0]!.response as Figures;
    const f = new MockManagerBackend().figures("2026-12-01", "2026-12-31");
    expect([f.from, f.to]).toEqual(["2026-12-01", "2026-12-31"]);
    // Nothing invented: every figure is the real one, the day and month filled with the demo values.
    expect(f.audits).toEqual(real.audits);
    expect(f.priceMonitor.above.map((a) => [a.name, a.price, a.comparisons])).toEqual(real.priceMonitor.above.map((a) => [a.name, a.price, a.comparisons]));
    expect(f.evoucher.map((m) => ({ ...m, month: "" }))).toEqual(real.evoucher.map((m) => ({ ...m, month: "" })));
    expect(f.evoucher[0]?.month).toBe("2026-12");
    expect(f.priceAlerts[0]?.soldAt).toBe("2026-12-05 10:00:00");
    let refused: unknown = null;
    try {
      new MockManagerBackend().figures("2026-12-31", "2026-12-01");
    } catch (e) {
      refused = e;
    }
    expect(refused).toEqual(recorded.flows[0]!.steps[1]!.error);
  });
});

describe("audit-log integrity banner", () => {
  const summaryWith = (integrity: QueueSummary["integrity"]): QueueSummary => ({
    ...(new MockManagerBackend().summary()),
    integrity,
  });
  const base = { auditEntries: 42, permissionsFixed: 0, documentsPurged: 0, auditProblemCode: null, auditProblemParams: {} };

  it("is red with the problem when the start-up check failed", () => {
    const problem = "审计日志第 7 条的内容被改动过（哈希不符）。";
    expect(integrityBanner(summaryWith({ ...base, auditOk: false, auditProblem: problem, auditAnchor: null, auditAnchorHead: null }))).toEqual({ kind: "broken", problem, code: null, params: {} });
    // A failure without a sentence is still a failure.
    expect(integrityBanner(summaryWith({ ...base, auditOk: false, auditProblem: null, auditAnchor: null, auditAnchorHead: null }))?.kind).toBe("broken");
  });

  it("is not shown when the check passed or has not run", () => {
    expect(integrityBanner(summaryWith({ ...base, auditOk: true, auditProblem: null, auditAnchor: "审计日志锚点 #42", auditAnchorHead: { seq: 42, hash: "3f9a" } }))).toEqual({ kind: "ok", anchor: "审计日志锚点 #42", head: { seq: 42, hash: "3f9a" } });
    expect(integrityBanner(summaryWith(null))).toBeNull();
    expect(integrityBanner(null)).toBeNull();
  });

  it("the mock backend replays the recorded start-up checks: intact, then an entry edited (recorded/integrity.json)", () => {
    const m = new MockManagerBackend();
    const intact = recordedIntegrity("intact");
    expect(integrityBanner(m.summary())).toEqual({ kind: "ok", anchor: intact.auditAnchor, head: intact.auditAnchorHead });
    expect(intact.auditAnchor).toBe(`审计日志锚点 #${intact.auditAnchorHead!.seq} 3f9a0c1b2d4e5f60…`);
    m.handle("mock_integrity", { startup: "edited" });
    const edited = recordedIntegrity("edited");
    expect(edited.auditProblem).toMatch(/第 2 条/);
    expect(integrityBanner(m.summary())).toEqual({ kind: "broken", problem: edited.auditProblem, code: "edited", params: { id: "2" } });
    expect(m.summary().integrity?.auditAnchor).toBeNull();
    m.handle("mock_integrity", { startup: "intact" });
    expect(integrityBanner(m.summary())?.kind).toBe("ok");
  });
});

describe("manager strings", () => {
  it("every zh-CN string has an en-US one and is reachable", () => {
    for (const [k, zh] of Object.entries(managerZh)) {
      expect(zh.length, k).toBeGreaterThan(0);
      expect(managerEn[k as keyof typeof managerZh], k).toBeTruthy();
    }
    expect(translate("zh-CN", "mgr.tab.queue" as Key)).toBe("上传队列");
    expect(translate("en-US", "mgr.retry" as Key)).toBe("Retry (R)");
  });
});

describe("regulators' figures: credentials and the price monitor", () => {
  it("lists the 挂网价 first, then the province's average and median", async () => {
    const { PRICE_BASES, comparisonOf, CREDENTIAL_COLUMNS } = await import("./manager-api");
    const { MockManagerBackend } = await import("../mock/mock-manager");
    const { translate } = await import("../i18n/i18n");
    expect(PRICE_BASES).toEqual(["listed", "average", "median"]);
    const f = new MockManagerBackend().figures("2026-10-01", "2026-11-30");
    const p = f.priceMonitor.above[0]!;
    expect(p.comparisons[0]?.basis).toBe("listed");
    expect(comparisonOf(p, "listed")?.above).toBe(true);
    expect(comparisonOf(p, "average")?.above).toBe(false);
    expect(comparisonOf({ ...p, comparisons: [] }, "median")).toBeNull();
    // Every credential column has words in both languages; counts add up to the settlements.
    for (const c of CREDENTIAL_COLUMNS) {
      expect(translate("zh-CN", c.label as never)).not.toBe(c.label);
      expect(translate("en-US", c.label as never)).not.toBe(translate("zh-CN", c.label as never));
    }
    for (const m of f.evoucher) {
      const sum = CREDENTIAL_COLUMNS.reduce((n, c) => n + m.byCredential[c.key], 0);
      expect(sum).toBe(m.settlements);
      expect(m.byCredential.eVoucher + m.byCredential.epcQr + m.byCredential.face).toBe(m.evoucher);
    }
    for (const b of PRICE_BASES) expect(translate("en-US", `mgr.fig.basis.${b}` as never)).not.toContain("mgr.");
  });
});
