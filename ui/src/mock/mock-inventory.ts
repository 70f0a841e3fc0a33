// The inventory screen's commands for the mocked IPC (vitest and the
// headless-browser test, Vite `mock` mode only, never bundled): it REPLAYS
// the real service's answers recorded against the center emulator
// (`recorded/inventory.json`, written by `cargo test -p rxdesk-app --test
// recorded_views`), every tab in one world: two received 布洛芬 boxes sold
// (…3521 uploaded, the other's 3505 held); the stock and near-expiry lists;
// a goods-in of three new 布洛芬 boxes and one 阿莫西林 box with the
// refusals (the sold …3521 again, another product's code); a stock-take of
// 布洛芬 with one box missing; a return (a box never received refused); the
// missing box written off (a sold box refused); the lists again; the day's
// 3513 reconciliation and both sold codes looked up; a demo 阿莫西林 box on
// the shelf refused at goods-in.
//
// A recorded document (goods-in, stock-take, return, stock change) moves the
// world on: a check, a preview or a list is answered as recorded since the
// last document the run committed and before the next one, a document when
// it is the next one recorded with the same arguments. The products (the
// catalogue) and the trace tab (the documents touch neither the day's sales
// nor the codes looked up) are answered at any point; any day stands for the
// recorded one. Anything else is refused with `MOCK_NOT_RECORDED`.
import recorded from "./recorded/inventory.json";
import { filled, notRecorded, sameArgs, type RecordedFlow, type RecordedStep } from "./replay";

/** The recorded run, in order. */
export const INVENTORY_STEPS: readonly RecordedStep[] = (recorded as unknown as { flows: RecordedFlow[] }).flows[0]!.steps;

/** The commands this mock answers. */
const COMMANDS = new Set([
  "inventory_products",
  "inventory_check_receive",
  "inventory_check_box",
  "inventory_receive",
  "inventory_return",
  "inventory_change",
  "stocktake_preview",
  "stocktake_commit",
  "stock_list",
  "near_expiry",
  "trace_reconcile_day",
  "trace_code_lookup",
]);

/** The commands that write a document: each moves the recorded world on. */
const DOCUMENTS = new Set(["inventory_receive", "inventory_return", "inventory_change", "stocktake_commit"]);

/** Answered at any point of the run (see the file's header). */
const ANY_TIME = new Set(["inventory_products", "trace_reconcile_day", "trace_code_lookup"]);

const written = (s: RecordedStep) => DOCUMENTS.has(s.command) && !s.error;

export class MockInventoryBackend {
  /** The index of the last recorded document this run committed (-1: none yet). */
  private at = -1;

  handle(cmd: string, a: Record<string, unknown>): unknown {
    if (!COMMANDS.has(cmd)) return undefined;
    const args = cmd === "trace_reconcile_day" ? { day: "<day>" } : a;
    const next = INVENTORY_STEPS.findIndex((s, i) => i > this.at && written(s));
    const end = next < 0 ? INVENTORY_STEPS.length : next;
    const [from, to] = ANY_TIME.has(cmd) ? [0, INVENTORY_STEPS.length] : [this.at + 1, DOCUMENTS.has(cmd) ? end + 1 : end];
    const i = INVENTORY_STEPS.findIndex((s, k) => k >= from && k < to && s.command === cmd && sameArgs(s.args ?? {}, args));
    const hit = INVENTORY_STEPS[i];
    if (!hit) throw notRecorded(cmd, a);
    if (hit.error) throw filled(hit.error);
    if (DOCUMENTS.has(cmd)) this.at = i;
    return filled(hit.response);
  }
}
