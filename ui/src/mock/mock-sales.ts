// The sales history for the mocked IPC (vitest and the headless-browser test,
// Vite `mock` mode only, never bundled): it REPLAYS the real service's answers
// recorded against the center emulator (`recorded/sales.json`, written by
// `cargo test -p rxdesk-app --test recorded_views`): the day's two sales (王芳's
// paid partly by WeChat after her parked uncertain settlement, 张三's bought
// by his son, 代购), found by the day, by name and by a trace code; 王芳's
// receipt reprinted; her refund at the pharmacist's session with the
// manager's authorisation — a wrong password, the wrong patient's
// e-voucher and no credential refused, then refunded; the lists again.
// `sales_find` answers the recorded search with the same query (any day
// stands for the recorded day, `<day>`) as recorded before the refund or,
// once the mock refunded, after it; `sale_reprint` / `sale_refund` the
// recorded step with the same arguments. Anything else is refused with
// `MOCK_NOT_RECORDED` rather than answered with invented sales.
import recorded from "./recorded/sales.json";
import { filled, notRecorded, sameArgs, type RecordedFlow, type RecordedStep } from "./replay";
import type { RefundView, SaleSummary, SaleView } from "../ipc/visit-api";

const STEPS = (recorded as unknown as { flows: RecordedFlow[] }).flows[0]!.steps;
/** Where the recorded refund succeeded: the searches after it see the sale refunded. */
const REFUNDED_AT = STEPS.findIndex((s) => s.command === "sale_refund" && !s.error);

/** The recorded patient whose sale the browser test refunds (王芳's e-voucher, as at the sale). */
export const REFUND_IDENTITY = String(STEPS[REFUNDED_AT]?.args.identityCode ?? "");

const isDay = (q: string) => /^\d{4}-\d{2}-\d{2}$/.test(q);

export class MockSales {
  /** Whether the recorded refund was made in this run. */
  private refunded = false;

  /** Answers a sales-history command, or undefined when `cmd` is not one. */
  handle(cmd: string, args: Record<string, unknown>): unknown {
    if (cmd === "sales_find") return this.find(String(args.query ?? ""));
    if (cmd !== "sale_reprint" && cmd !== "sale_refund") return undefined;
    const hit = STEPS.find((s) => s.command === cmd && sameArgs(s.args ?? {}, args) && !(cmd === "sale_refund" && !s.error && this.refunded));
    if (!hit) throw notRecorded(cmd, args);
    if (hit.error) throw filled(hit.error);
    if (cmd === "sale_refund") this.refunded = true;
    return filled(hit.response) as SaleView | RefundView;
  }

  private find(raw: string): SaleSummary[] {
    const query = isDay(raw.trim()) ? "<day>" : raw.trim();
    const found = (s: RecordedStep) => s.command === "sales_find" && s.args.query === query;
    const before = STEPS.slice(0, REFUNDED_AT).filter(found).pop();
    const after = STEPS.slice(REFUNDED_AT).filter(found).pop();
    if (!this.refunded) {
      if (before) return filled(before.response) as SaleSummary[];
    } else if (after) {
      return filled(after.response) as SaleSummary[];
    } else if (before) {
      // Recorded only before the refund: true still when the refunded sale is not in it.
      const rows = filled(before.response) as SaleSummary[];
      const gone = Number(STEPS[REFUNDED_AT]?.args.saleId);
      if (!rows.some((r) => r.saleId === gone)) return rows;
    }
    throw notRecorded("sales_find", { query: raw });
  }
}
