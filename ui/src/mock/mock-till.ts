// The till commands for the mocked IPC (vitest and the headless-browser test,
// Vite `mock` mode only, never bundled): a hand-written stand-in with the
// shapes of src-tauri/src/till_commands.rs, so a test on it proves the
// screen, not the ledger's sums (those are tested in rxdesk-store).
import { mockError } from "./ipc-error";
import { formatCents, parseCents } from "../lib/money";
import type { DayReportView, PayMethod, TillClosed, TillLine, TillView } from "../ipc/till-api";

/** A till refusal: `TillError` crosses with its sentence as `params.reason`. */
const tillError = (code: string, reason: string) => mockError(code, reason, { reason });

const METHODS: [PayMethod, string, string][] = [
  ["cash", "现金", "Cash"],
  ["wechat", "微信支付", "WeChat Pay"],
  ["alipay", "支付宝", "Alipay"],
  ["terminal", "聚合支付/银行卡终端", "Payment terminal"],
];

export class MockTillBackend {
  private open: TillView | null = null;
  private seq = 0;
  /** Payments taken in the open shift (the mock visit reports them). */
  private taken: Record<PayMethod, bigint> = { cash: 0n, wechat: 0n, alipay: 0n, terminal: 0n };

  take(method: PayMethod, amount: string): void {
    this.taken[method] += parseCents(amount) ?? 0n;
  }

  private lines(float: bigint): TillLine[] {
    return METHODS.map(([method, zh, en]) => {
      const f = method === "cash" ? float : 0n;
      return {
        method,
        methodZh: zh,
        methodEn: en,
        sales: formatCents(this.taken[method]),
        salesCount: this.taken[method] > 0n ? 1 : 0,
        refunds: "0.00",
        float: formatCents(f),
        expected: formatCents(this.taken[method] + f),
        counted: null,
        difference: null,
      };
    });
  }

  handle(cmd: string, a: Record<string, unknown>): unknown {
    switch (cmd) {
      case "till_current":
        if (this.open) this.open.lines = this.lines(parseCents(this.open.float) ?? 0n);
        return this.open;
      case "till_open": {
        if (this.open) throw tillError("TILL_REFUSED", `收银班次 ${this.open.id} 尚未交班：请先交班再开新班`);
        const f = parseCents(String(a.float ?? ""));
        if (f === null || f < 0n) throw tillError("TILL_BAD_AMOUNT", "备用金金额无效：请输入如 200.00 的金额（不能为负数）");
        this.seq += 1;
        this.open = {
          id: this.seq,
          openedBy: "张收银",
          openedAt: "2026-12-05 09:00:00",
          float: formatCents(f),
          closedBy: null,
          closedAt: null,
          salesCount: 0,
          salesTotal: "0.00",
          refundsCount: 0,
          lines: this.lines(f),
          cashDifference: null,
          differenceZh: null,
          note: "",
        };
        return this.open;
      }
      case "till_close": {
        if (!this.open) throw tillError("TILL_NOT_OPEN", "收银尚未开班：请先在“收银班次”页输入备用金开班，再开始服务和收款");
        const counted = parseCents(String(a.countedCash ?? ""));
        if (counted === null) throw tillError("TILL_BAD_AMOUNT", "清点现金金额无效：请输入如 200.00 的金额（不能为负数）");
        const lines = this.lines(parseCents(this.open.float) ?? 0n).map((l) => {
          const c = l.method === "cash" ? counted : (parseCents(String((a.counted as Record<string, string> | undefined)?.[l.method] ?? "")) ?? parseCents(l.expected) ?? 0n);
          return { ...l, counted: formatCents(c), difference: formatCents(c - (parseCents(l.expected) ?? 0n)) };
        });
        const diff = lines[0]?.difference ?? "0.00";
        const d = parseCents(diff) ?? 0n;
        const words = d === 0n ? "现金账实相符" : d < 0n ? `现金短款 ${formatCents(-d)} 元：请复点现金并在备注中说明` : `现金长款 ${diff} 元：请复点现金并在备注中说明`;
        const closed: TillClosed = {
          till: { ...this.open, lines, closedBy: "张收银", closedAt: "2026-12-05 18:00:00", cashDifference: diff, differenceZh: words, note: String(a.note ?? "") },
          slip: { text: `交班单\n班次 ${this.open.id}\n${words}`, printedZh: "未配置小票打印机：已保存" },
        };
        this.open = null;
        this.taken = { cash: 0n, wechat: 0n, alipay: 0n, terminal: 0n };
        return closed;
      }
      case "shift_end":
        return { ended: true, messageZh: "李药师已下岗（已记入账本和审计日志）" };
      case "day_report": {
        const total = {
          operatorId: 0,
          operatorName: "合计",
          salesCount: 0,
          salesTotal: "0.00",
          fundPay: "0.00",
          accountPay: "0.00",
          selfPaid: "0.00",
          refundsCount: 0,
          byMethod: METHODS.map(([method, zh]) => ({ method, methodZh: zh, received: "0.00", refunded: "0.00", net: "0.00" })),
        };
        const view: DayReportView = {
          report: { day: String(a.day || "2026-12-05"), operators: [], total, shifts: [] },
          slip: { text: "日结单", printedZh: a.print ? "未配置小票打印机：已保存" : "" },
        };
        return view;
      }
      default:
        return undefined;
    }
  }
}
