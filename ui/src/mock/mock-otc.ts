// The OTC sale behind the mocked IPC (vitest and the headless-browser test,
// Vite `mock` mode only, never bundled): it REPLAYS the real service's
// answers recorded against the center emulator (`recorded/otc.json`, written
// by `cargo test -p rxdesk-app --test recorded_views`), it does not
// re-implement the sale. Recorded: the searches by query; the flows from
// `otc_start` — a cart found by 拼音, the refusals (a 处方药's barcode, a code
// naming no product) with the customer identified for the personal account,
// and a self-paid sale box by box to its receipt. A request off those paths
// is refused with `MOCK_NOT_RECORDED` (see `replay.ts`).
import recorded from "./recorded/otc.json";
import { Replay, filled, notRecorded, type RecordedFlow } from "./replay";
import type { OtcProduct, OtcScanOutcome, OtcView } from "../ipc/otc-api";

/** The recording (typed by the generated types; the JSON is the real commands' output). */
export const otcRecording = recorded as unknown as {
  searches: Record<string, OtcProduct[]>;
  flows: RecordedFlow[];
  /** The codes the recorded flows scanned: a 处方药's barcode, two 布洛芬 boxes, a code naming no product, the customer. */
  boxes: { ibu: { barcode: string; traceCode: string }[]; amoxBarcode: string; unknown: string; customer: string };
};

const OTC_COMMANDS = new Set([
  "otc_start",
  "otc_current",
  "otc_search",
  "otc_add",
  "otc_set_quantity",
  "otc_scan",
  "otc_no_code",
  "otc_identify",
  "otc_checkout",
  "otc_settle",
  "otc_resolve_uncertain",
  "otc_pay",
  "otc_complete",
  "otc_cancel",
]);

export class MockOtcBackend {
  private readonly replay = new Replay(otcRecording.flows, "otc_start");

  /** The sale as the last answered step left it (what the real `otc_current` returns), or null. */
  private current(): OtcView | null {
    const steps = this.replay.answered().filter((s) => s.response !== undefined);
    const last = steps[steps.length - 1]?.response as OtcView | OtcScanOutcome | undefined;
    if (!last) return null;
    return filled("ok" in last ? last.sale : last);
  }

  handle(cmd: string, a: Record<string, unknown>): unknown {
    if (!OTC_COMMANDS.has(cmd)) return undefined;
    switch (cmd) {
      // Read-only: derived from the replayed run, as the real command derives it from the sale.
      case "otc_current":
        return this.current();
      case "otc_search": {
        const q = String(a.query ?? "").trim();
        const hits = otcRecording.searches[q];
        if (!hits) throw notRecorded(cmd, a);
        return filled(hits);
      }
      default:
        return this.replay.answer(cmd, a);
    }
  }
}
