// The inventory mock's trace tab replays the real service's recorded answers
// (recorded/trace.json): the day's 3513 reconciliation and the look-ups by code.
import { describe, expect, it } from "vitest";
import recorded from "./recorded/trace.json";
import { MockInventoryBackend } from "./mock-inventory";
import type { CodeTrace, TraceReconciliation } from "../ipc/inventory-api";

const looked = (recorded as unknown as { flows: { steps: { command: string; args: { code?: string } }[] }[] }).flows[0]!.steps
  .filter((s) => s.command === "trace_code_lookup")
  .map((s) => String(s.args.code));

describe("the trace tab replays the recorded real answers", () => {
  it("reconciles any day as the recorded one: one matched, one the platform has not heard of", () => {
    const r = new MockInventoryBackend().handle("trace_reconcile_day", { day: "2030-01-01" }) as TraceReconciliation;
    expect(r).toMatchObject({ ledger: 2, platform: 1, matched: 1 });
    expect(r.differences.map((d) => [d.class, d.code])).toEqual([["NotAtPlatform", looked[0]]]);
  });

  it("looks up the recorded codes on both sides; any other code is not recorded", () => {
    const m = new MockInventoryBackend();
    const [held, uploaded] = looked.map((code) => m.handle("trace_code_lookup", { code }) as CodeTrace);
    expect(held).toMatchObject({ ledger: { state: "sold" }, platform: [] });
    expect(uploaded?.platform).toHaveLength(1);
    let code = "";
    try {
      m.handle("trace_code_lookup", { code: "81305122601020099999" });
    } catch (e) {
      code = (e as { code: string }).code;
    }
    expect(code).toBe("MOCK_NOT_RECORDED");
  });
});
