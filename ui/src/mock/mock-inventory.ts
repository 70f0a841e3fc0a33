// In-memory stand-in for the inventory commands, for browser UI tests and
// vitest (merged into mock-backend.ts). Same shapes and refusal codes as
// src-tauri/src/inventory_commands.rs: 布洛芬 with three boxes on the shelf,
// 阿莫西林 near expiry; a goods-in adds boxes, a stock-take compares.
// Hand-built, not a replay, but for the trace tab: the window's inventory
// views (ProductChoice, ScannedBox, StockLineView…) are built in rxdesk-app's
// inventory_screen.rs, so `recorded_views` could record them against the
// emulator, but no recording of goods-in, returns or stock-takes exists yet
// and the browser test's inventory path is tied to these boxes (decision
// 0018). REPLAYED: the trace tab (`trace_reconcile_day`, `trace_code_lookup`)
// answers what the real service answered against the emulator
// (recorded/trace.json: two received 布洛芬 boxes sold, the second's 3505
// held — one matched, one the platform has not heard of).
import { mockError } from "./ipc-error";
import traceRecording from "./recorded/trace.json";
import { filled, notRecorded, type RecordedFlow } from "./replay";
import type { IpcError } from "../ipc/errors";
import type { GoodsInForm, ProductChoice, ScannedBox, StockLineView, StockTakeView } from "../ipc/inventory-api";

interface Box {
  code: string;
  product: string;
  lot: string;
  expiry: string;
  state: string;
}

const PRODUCTS: ProductChoice[] = [
  { id: "YP000002", name: "布洛芬缓释胶囊", spec: "0.3g*20粒", maker: "演示制药", prefix: "8130512", barcode: "6923456001022" },
  { id: "YP000001", name: "阿莫西林胶囊", spec: "0.25g*24粒", maker: "演示制药", prefix: "8130511", barcode: "6923456001015" },
];

function wire(code: string, message: string, params: Record<string, unknown> = {}): IpcError {
  return mockError(code, message, params);
}

/** The recorded trace tab's answers (day reconciliation, look-ups by code). */
const TRACE = (traceRecording as unknown as { flows: RecordedFlow[] }).flows[0]!.steps;

const STATE_ZH: Record<string, string> = { in_stock: "在库", opened: "已拆零", sold: "已售出", lost: "已报损", returned: "已退供应商", transferred: "已调出", written_off: "已过期销毁" };

export class MockInventoryBackend {
  boxes: Box[] = [
    { code: "81305122601020013521", product: "YP000002", lot: "L2401", expiry: "2027-06-30", state: "in_stock" },
    { code: "81305122601020013558", product: "YP000002", lot: "L2401", expiry: "2027-06-30", state: "in_stock" },
    { code: "81305122601020013595", product: "YP000002", lot: "L2401", expiry: "2027-06-30", state: "in_stock" },
    { code: "81305112601010010011", product: "YP000001", lot: "A2312", expiry: "2026-12-31", state: "in_stock" },
  ];
  private doc = 0;

  private name(id: string): string {
    return PRODUCTS.find((p) => p.id === id)?.name ?? "";
  }

  private view(b: Box): ScannedBox {
    return { code: b.code, name: this.name(b.product), lot: b.lot, expiry: b.expiry, state: b.state };
  }

  private code(raw: string): string {
    const c = String(raw).trim();
    if (!/^\d{20}$/.test(c)) throw wire("INVENTORY_BAD_CODE", `追溯码 ${c} 不是20位数字`, { code: c });
    return c;
  }

  private lines(query: string): StockLineView[] {
    const by = new Map<string, Box[]>();
    for (const b of this.boxes.filter((x) => x.state === "in_stock" || x.state === "opened")) {
      const k = `${b.product}|${b.lot}`;
      by.set(k, [...(by.get(k) ?? []), b]);
    }
    const today = Date.parse("2026-11-24T00:00:00Z");
    return [...by.values()]
      .map((bs) => {
        const b = bs[0] as Box;
        return {
          id: b.product, name: this.name(b.product), batch: `${b.product}-${b.lot}`, lot: b.lot, expiry: b.expiry,
          daysLeft: Math.round((Date.parse(`${b.expiry}T00:00:00Z`) - today) / 86400_000), quantity: String(bs.length), store: "traced",
          codes: bs.map((x) => x.code).sort(),
        };
      })
      .filter((l) => !query || l.name.includes(query) || l.id === query || l.codes.includes(query))
      .sort((a, b) => a.expiry.localeCompare(b.expiry));
  }

  private take(codes: string[]): StockTakeView {
    const counted = [...new Set(codes)];
    const products = new Set(counted.map((c) => this.boxes.find((b) => b.code === c)?.product ?? PRODUCTS.find((p) => c.startsWith(p.prefix))?.id));
    const inScope = this.boxes.filter((b) => (b.state === "in_stock" || b.state === "opened") && products.has(b.product));
    const missing = inScope.filter((b) => !counted.includes(b.code)).map((b) => this.view(b));
    const unexpected = counted
      .filter((c) => !inScope.some((b) => b.code === c))
      .map((c) => {
        const b = this.boxes.find((x) => x.code === c);
        return b ? this.view(b) : { code: c, name: PRODUCTS.find((p) => c.startsWith(p.prefix))?.name ?? "", lot: "", expiry: "", state: "not_received" };
      });
    return { counted: counted.length, matched: counted.length - unexpected.length, missing, unexpected, uploads: 0 };
  }

  handle(cmd: string, a: Record<string, unknown>): unknown {
    switch (cmd) {
      case "inventory_products": {
        const q = String(a.query ?? "").trim();
        if (/^\d{20}$/.test(q)) return PRODUCTS.filter((p) => q.startsWith(p.prefix));
        return PRODUCTS.filter((p) => p.barcode === q || p.id === q || (q && p.name.includes(q)));
      }
      case "inventory_check_receive": {
        const p = PRODUCTS.find((x) => x.id === a.product);
        if (!p) throw wire("INVENTORY_UNKNOWN_PRODUCT", "目录中没有药品", { product: a.product });
        const c = this.code(String(a.code));
        if (!c.startsWith(p.prefix)) throw wire("INVENTORY_WRONG_PRODUCT", "追溯码不是该药品的", { code: c, name: p.name, prefix: p.prefix });
        if ((a.scanned as string[]).includes(c)) throw wire("INVENTORY_DUPLICATE_IN_DOCUMENT", "重复扫描", { code: c });
        const b = this.boxes.find((x) => x.code === c);
        if (b) throw wire("INVENTORY_ALREADY_RECEIVED", `追溯码 ${c} 已入库（当前状态：${STATE_ZH[b.state]}）`, { code: c, state: STATE_ZH[b.state], stateKey: b.state });
        return { code: c, name: p.name, lot: "", expiry: "", state: "new" };
      }
      case "inventory_check_box": {
        const c = this.code(String(a.code));
        const b = this.boxes.find((x) => x.code === c);
        const ok = b && (a.incoming ? b.state === "lost" || b.state === "transferred" : a.whole ? b.state === "in_stock" : b.state === "in_stock" || b.state === "opened");
        if (!b || !ok) throw wire("INVENTORY_NOT_IN_STOCK", `追溯码 ${c} 不是本店在库药盒`, { code: c, why: b ? STATE_ZH[b.state] : "未入库", stateKey: b?.state ?? "not_received" });
        return this.view(b);
      }
      case "inventory_receive": {
        const f = a.form as GoodsInForm;
        if (!f.supplier.trim() || !f.invoiceNo.trim()) throw wire("INVENTORY_DOCUMENT_INCOMPLETE", "请填写供应商和发票号");
        let boxes = 0;
        for (const l of f.lines) {
          for (const c of l.codes) this.boxes.push({ code: c, product: l.product, lot: l.lot, expiry: l.expiry, state: "in_stock" });
          boxes += l.codes.length;
        }
        this.doc += 1;
        return { docNo: `GI${String(this.doc).padStart(4, "0")}`, boxes, batches: f.lines.map((l) => `${l.product}-${l.lot}`), uploads: f.lines.length };
      }
      case "inventory_return": {
        const codes = a.codes as string[];
        for (const b of this.boxes.filter((x) => codes.includes(x.code))) b.state = "returned";
        this.doc += 1;
        return { docNo: `GR${String(this.doc).padStart(4, "0")}`, boxes: codes.length, batches: ["B"], uploads: 1 };
      }
      case "inventory_change": {
        if (!String(a.reason ?? "").trim()) throw wire("INVENTORY_REASON_MISSING", "请填写原因");
        const codes = a.codes as string[];
        const into = a.kind === "surplus" || a.kind === "transfer_in";
        const out = a.kind === "loss" ? "lost" : a.kind === "expired" ? "written_off" : "transferred";
        for (const b of this.boxes.filter((x) => codes.includes(x.code))) b.state = into ? "in_stock" : out;
        return 1;
      }
      case "stocktake_preview":
        return this.take(a.codes as string[]);
      case "stocktake_commit":
        return { ...this.take(a.codes as string[]), uploads: 1 };
      case "stock_list": {
        const lines = this.lines(String(a.query ?? "").trim());
        return { total: lines.length, lines: lines.slice(0, Number(a.limit ?? 300)) };
      }
      case "near_expiry": {
        const lines = this.lines("").filter((l) => l.daysLeft <= Number(a.days ?? 180));
        return { total: lines.length, lines: lines.slice(0, Number(a.limit ?? 300)) };
      }
      case "trace_code_lookup": {
        // Replayed (recorded/trace.json): the real look-up of a code on both sides.
        const hit = TRACE.find((x) => x.command === cmd && x.args.code === String(a.code).trim());
        if (!hit) throw notRecorded(cmd, a);
        return filled(hit.response);
      }
      case "trace_reconcile_day":
        // Replayed: the real day's 3513 reconciliation (any day stands for the recorded one).
        return filled(TRACE.find((x) => x.command === cmd)!.response);
      default:
        return undefined;
    }
  }
}
