// The inventory mock replays the real service's recorded answers
// (recorded/inventory.json), every tab in one world: what a document changed
// shows in the checks and lists after it, never before, and the trace tab's
// sold box is the goods-in tab's sold box.
import { describe, expect, it } from "vitest";
import { INVENTORY_STEPS, MockInventoryBackend } from "./mock-inventory";
import type { CodeTrace, GoodsDocView, ScannedBox, StockPage, StockTakeView, TraceReconciliation } from "../ipc/inventory-api";

const args = (cmd: string, n = 0) => INVENTORY_STEPS.filter((s) => s.command === cmd)[n]!.args;
const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return "";
};

describe("the inventory tabs replay one recorded world", () => {
  it("goods-in, stock-take, return, 报损 in the recorded order; each list as of where the run is", () => {
    const m = new MockInventoryBackend();
    const before = m.handle("stock_list", { query: "", limit: 300 }) as StockPage;
    const [lookedUp, sold] = INVENTORY_STEPS.filter((s) => s.command === "trace_code_lookup").map((s) => String(s.args.code));
    // The box the trace tab finds sold is refused as sold at goods-in, and on no shelf.
    expect(before.lines.flatMap((l) => l.codes)).not.toContain(sold);
    expect(before.lines.flatMap((l) => l.codes)).not.toContain(lookedUp);
    const again = INVENTORY_STEPS.find((s) => s.command === "inventory_check_receive" && s.args.code === sold)!;
    expect(refusal(() => m.handle("inventory_check_receive", again.args))).toBe("INVENTORY_ALREADY_RECEIVED");
    expect(again.error?.params).toMatchObject({ stateKey: "sold" });
    // A stock-take before the goods-in is off the recording.
    expect(refusal(() => m.handle("stocktake_commit", args("stocktake_commit")))).toBe("MOCK_NOT_RECORDED");
    const doc = m.handle("inventory_receive", args("inventory_receive")) as GoodsDocView;
    expect(doc).toMatchObject({ boxes: 4, uploads: 2 });
    // The goods-in's checks are gone with their document.
    expect(refusal(() => m.handle("inventory_check_receive", args("inventory_check_receive")))).toBe("MOCK_NOT_RECORDED");
    const take = m.handle("stocktake_commit", args("stocktake_commit")) as StockTakeView;
    expect(take.missing).toHaveLength(1);
    expect(take.counted).toBe((args("stocktake_commit").codes as string[]).length);
    m.handle("inventory_return", args("inventory_return"));
    const missing = take.missing[0]!.code;
    expect((m.handle("inventory_check_box", { code: missing, incoming: false, whole: false, scanned: [] }) as ScannedBox).state).toBe("in_stock");
    expect(m.handle("inventory_change", { kind: "loss", codes: [missing], reason: args("inventory_change").reason })).toBe(1);
    const returned = (args("inventory_return").codes as string[])[0]!;
    const after = m.handle("stock_list", { query: "", limit: 300 }) as StockPage;
    const shelf = after.lines.flatMap((l) => l.codes);
    expect(shelf).not.toContain(missing);
    const received = (args("inventory_receive").form as { lines: { codes: string[] }[] }).lines.flatMap((l) => l.codes);
    expect(shelf).toEqual(expect.arrayContaining(received.filter((c) => c !== returned)));
    expect(shelf).not.toContain(returned);
    // The new 阿莫西林 batch expires within 90 days of the recorded day: near expiry.
    const near = m.handle("near_expiry", { days: 180, limit: 300 }) as StockPage;
    expect(near.lines.some((l) => l.id === "YP000001" && l.daysLeft > 0 && l.daysLeft <= 90)).toBe(true);
  });

  it("the trace tab: any day is the recorded one, the codes looked up on both sides, any other code not recorded", () => {
    const m = new MockInventoryBackend();
    const r = m.handle("trace_reconcile_day", { day: "2030-01-01" }) as TraceReconciliation;
    expect(r).toMatchObject({ ledger: 2, platform: 1, matched: 1 });
    const [held, uploaded] = INVENTORY_STEPS.filter((s) => s.command === "trace_code_lookup").map((s) => String(s.args.code));
    expect(r.differences.map((d) => [d.class, d.code])).toEqual([["NotAtPlatform", held]]);
    expect(m.handle("trace_code_lookup", { code: held }) as CodeTrace).toMatchObject({ ledger: { state: "sold" }, platform: [] });
    expect((m.handle("trace_code_lookup", { code: uploaded }) as CodeTrace).platform).toHaveLength(1);
    expect(refusal(() => m.handle("trace_code_lookup", { code: "81305122601020099999" }))).toBe("MOCK_NOT_RECORDED");
  });
});
