// The OTC sale behind the mocked IPC (vitest and the headless-browser test,
// Vite `mock` mode only, never bundled): a hand-written stand-in with the
// shapes of src-tauri/src/otc_commands.rs over the demo world's drugs
// (assets/demo/drugs.json). It keeps the rules the screen must show — 处方药
// refused, a traced box needs its 20-digit trace code (prefix = product),
// no checkout before every box is scanned, 个人账户 only for "zhangsan" — so a
// test on it proves the screen, not the ledger (rxdesk-app tests/otc.rs does).
import { mockError, mockErrorText } from "./ipc-error";
import demoDrugs from "../../../assets/demo/drugs.json";
import { formatCents, parseCents } from "../lib/money";
import type { OtcLine, OtcPayer, OtcProduct, OtcScanOutcome, OtcView } from "../ipc/otc-api";

type DemoDrug = (typeof demoDrugs.drugs)[number];

function gtin13(company: number, item: number): string {
  const body = `69${String(company).padStart(5, "0")}${String(item).padStart(5, "0")}`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body[i]) * (i % 2 === 0 ? 1 : 3);
  return body + String((10 - (sum % 10)) % 10);
}

/** The demo drugs as the OTC screen lists them (pinyin initials for the search). */
const PINYIN: Record<string, string> = {
  YP000001: "amxljn",
  YP000002: "blfhsjn",
  YP000003: "lltdp",
  YP000004: "wssCp",
  YP000005: "ysejsghsp",
  YP000006: "ysmfp",
};

export function mockProducts(): OtcProduct[] {
  return demoDrugs.drugs.map((d: DemoDrug) => ({
    fixmedinsHilistId: d.fixmedins_hilist_id,
    name: d.name,
    spec: d.spec,
    manufacturer: demoDrugs.maker,
    price: d.price,
    unit: d.unit,
    minUnit: d.min_unit,
    packSize: String(d.pack_size),
    barcode: gtin13(demoDrugs.gs1_company, d.barcode_item),
    prescriptionOnly: d.rx_flag === "1",
    splittable: d.pack_size > 1 && d.min_unit !== d.unit,
    traced: d.trace_prefix !== "",
    onHand: "50",
  }));
}

interface CartLine {
  product: OtcProduct;
  quantity: bigint;
  split: boolean;
  codes: string[];
}

const RX_ONLY = (name: string) =>
  `“${name}”是处方药，须凭医师处方销售，不能在非处方销售中出售；请患者提供电子处方后在处方服务（F1 柜台）中调配`;

export class MockOtcBackend {
  private sale: {
    ref: string;
    stage: OtcView["stage"];
    payer: OtcPayer;
    lines: CartLine[];
    pending: OtcProduct | null;
    patient: OtcView["patient"];
    split: OtcView["split"];
    payment: OtcView["payment"];
    sale: OtcView["sale"];
    notice: string | null;
    noticeCode: OtcView["notice"];
  } | null = null;
  private seq = 0;
  private sold = new Set<string>();
  private products = mockProducts();

  private unitPrice(l: CartLine): bigint {
    const p = parseCents(l.product.price) ?? 0n;
    return l.split ? p / BigInt(l.product.packSize) : p;
  }
  private needed(l: CartLine): number {
    // Boxes to scan: one per pack, one opened box for a split line.
    return l.split ? 1 : Number(l.quantity);
  }
  private total(): bigint {
    return (this.sale?.lines ?? []).reduce((a, l) => a + this.unitPrice(l) * l.quantity, 0n);
  }
  private view(): OtcView {
    const s = this.sale!;
    const lines: OtcLine[] = s.lines.map((l, i) => ({
      index: i,
      fixmedinsHilistId: l.product.fixmedinsHilistId,
      name: l.product.name,
      spec: l.product.spec,
      quantity: String(l.quantity),
      unit: l.split ? l.product.minUnit : l.product.unit,
      split: l.split,
      price: formatCents(this.unitPrice(l)),
      amount: formatCents(this.unitPrice(l) * l.quantity),
      filled: l.split ? (l.codes.length > 0 ? String(l.quantity) : "0") : String(l.codes.length),
      complete: l.codes.length >= this.needed(l),
      traced: l.product.traced,
    }));
    const complete = lines.length > 0 && lines.every((l) => l.complete);
    const next: Record<OtcView["stage"], string> = {
      cart: lines.length === 0 ? "请扫描商品条码，或输入名称/拼音首字母搜索" : complete ? "请选择自费或医保个人账户，按 F3 结算" : "请逐盒扫描追溯码（无码不结）",
      checkout: "请核对金额，按 F3 确认结算",
      settled: "请收取顾客应付金额，按 F3 收款并出票",
      uncertain: "结算结果未知：请按“处理未知结算”冲正后再继续，切勿重复收费",
      receipted: "已完成，可开始下一笔销售",
      cancelled: "已取消，可开始下一笔销售",
    };
    const nextCode: Record<OtcView["stage"], string> = {
      cart: lines.length === 0 ? "scan_product" : complete ? "choose_payer" : "scan_boxes",
      checkout: "confirm",
      settled: "take_payment",
      uncertain: "resolve",
      receipted: "done",
      cancelled: "cancelled",
    };
    const stageZh: Record<OtcView["stage"], string> = {
      cart: "选购商品",
      checkout: "待确认结算",
      settled: "已结算，待收款",
      uncertain: "结算结果未知",
      receipted: "已完成",
      cancelled: "已取消",
    };
    return {
      saleRef: s.ref,
      stage: s.stage,
      stageZh: stageZh[s.stage],
      payer: s.payer,
      lines,
      boxes: s.lines.flatMap((l) =>
        l.codes.map((c) => ({ name: l.product.name, traceCode: c, lot: "L2026A", expiry: "2028-06-30", packs: l.split ? "0.15" : "1", split: l.split })),
      ),
      total: formatCents(this.total()),
      complete,
      patient: s.patient,
      split: s.split,
      payment: s.payment,
      sale: s.sale,
      noticeZh: s.notice,
      notice: s.noticeCode,
      nextStepZh: next[s.stage],
      nextStep: nextCode[s.stage],
    };
  }
  private need(): NonNullable<MockOtcBackend["sale"]> {
    if (!this.sale) throw mockError("OTC_NO_SALE", "没有进行中的非处方销售，请在非处方销售（F9）中开始新的销售（F4）");
    return this.sale;
  }
  private add(p: OtcProduct, qty: bigint, split: boolean): void {
    const s = this.need();
    if (p.prescriptionOnly) throw mockError("OTC_PRESCRIPTION_ONLY", RX_ONLY(p.name));
    const l = s.lines.find((x) => x.product.fixmedinsHilistId === p.fixmedinsHilistId && x.split === split);
    if (l) l.quantity += qty;
    else s.lines.push({ product: p, quantity: qty, split, codes: [] });
    if (s.stage === "checkout") {
      s.stage = "cart";
      s.split = null;
    }
  }
  private scan(code: string): OtcScanOutcome {
    const s = this.need();
    const out = (ok: boolean, c: string, m: string, en: string | null = null): OtcScanOutcome => ({ ok, code: c, messageZh: m, messageEn: en, sale: this.view() });
    const byBarcode = this.products.find((p) => p.barcode === code);
    if (byBarcode) {
      const waiting = s.lines.some((l) => l.product === byBarcode && l.codes.length < this.needed(l));
      if (!waiting) {
        try {
          this.add(byBarcode, 1n, false);
        } catch (e) {
          return out(false, "OTC_PRESCRIPTION_ONLY", mockErrorText(e));
        }
      }
      s.pending = byBarcode;
      return out(true, "barcode_ok", `${byBarcode.name}：请扫描该盒药品的追溯码`);
    }
    if (!/^\d{20}$/.test(code)) return out(false, "unknown_barcode", `条码 ${code} 不在本店药品目录中`);
    const drug = demoDrugs.drugs.find((d) => code.startsWith(d.trace_prefix));
    const p = s.pending ?? this.products.find((x) => x.fixmedinsHilistId === drug?.fixmedins_hilist_id);
    s.pending = null;
    if (!p) return out(false, "needs_barcode", "请先扫描药盒条码，再扫追溯码");
    if (this.sold.has(code) || s.lines.some((l) => l.codes.includes(code))) return out(false, "duplicate_trace_code", `追溯码 ${code} 已扫描或已售出`);
    let l = s.lines.find((x) => x.product === p && x.codes.length < this.needed(x));
    if (!l) {
      try {
        this.add(p, 1n, false);
      } catch (e) {
        return out(false, "OTC_PRESCRIPTION_ONLY", mockErrorText(e));
      }
      l = s.lines.find((x) => x.product === p && x.codes.length < this.needed(x))!;
    }
    l.codes.push(code);
    return out(true, "box_ok", `${p.name} 已配 1 盒（批号 L2026A，有效期至 2028-06-30）`);
  }

  handle(cmd: string, a: Record<string, unknown>): unknown {
    switch (cmd) {
      case "otc_start":
        if (this.sale?.stage === "settled") throw mockError("VISIT_SETTLED_NOT_COMPLETED", "当前患者已结算但尚未收款出票，请先完成收款");
        this.seq += 1;
        this.sale = { ref: `O20261205100000${String(this.seq).padStart(4, "0")}`, stage: "cart", payer: "self_pay", lines: [], pending: null, patient: null, split: null, payment: null, sale: null, notice: null, noticeCode: null };
        return this.view();
      case "otc_current":
        return this.sale ? this.view() : null;
      case "otc_search": {
        const q = String(a.query ?? "").trim().toLowerCase();
        if (!q) return [];
        return this.products.filter(
          (p) => p.name.includes(q) || PINYIN[p.fixmedinsHilistId]?.toLowerCase().startsWith(q) || p.barcode.startsWith(q),
        );
      }
      case "otc_add": {
        const p = this.products.find((x) => x.fixmedinsHilistId === a.productId);
        if (!p) throw mockError("OTC_UNKNOWN_PRODUCT", `本店药品目录中没有“${String(a.productId)}”，请核对后重新扫码或搜索`);
        const q = String(a.quantity ?? "");
        if (!/^\d+$/.test(q) || q === "0") throw mockError("OTC_BAD_QUANTITY", `数量 ${q} 无效：请输入大于 0 的整数数量`);
        this.add(p, BigInt(q), Boolean(a.split));
        return this.view();
      }
      case "otc_set_quantity": {
        const s = this.need();
        const i = Number(a.index);
        const q = BigInt(String(a.quantity));
        if (q === 0n) s.lines.splice(i, 1);
        else if (s.lines[i]) {
          s.lines[i].quantity = q;
          s.lines[i].codes = s.lines[i].codes.slice(0, this.needed(s.lines[i]));
        }
        return this.view();
      }
      case "otc_scan":
        return this.scan(String(a.code ?? "").trim());
      case "otc_identify": {
        const s = this.need();
        const code = String(a.code ?? "");
        if (!code.includes("zhangsan"))
          throw mockError("SETTLE_NO_PERSONAL_ACCOUNT", "患者没有可用的医保个人账户余额（居民医保无个人账户），不能用个人账户支付；请按自费销售");
        s.patient = { name: "张三", certnoMasked: "110101********0029", insutypeLabel: "职工基本医疗保险", insutype: "310", balance: "500.00", identifiedViaZh: "医保电子凭证", identifiedVia: "e_voucher" };
        s.payer = "personal_account";
        return this.view();
      }
      case "otc_checkout": {
        const s = this.need();
        const v = this.view();
        if (v.lines.length === 0) throw mockError("OTC_EMPTY", "购物清单为空，请先扫码或搜索添加商品");
        if (!v.complete) throw mockError("DISPENSE_INCOMPLETE", "仍有药品未扫追溯码，不能结算（无码不结）");
        const payer = a.payer as OtcPayer;
        if (payer === "personal_account" && !s.patient) throw mockError("NO_PATIENT", "尚未识别患者");
        const total = this.total();
        const account = payer === "personal_account" ? (total < 50000n ? total : 50000n) : 0n;
        s.payer = payer;
        s.split = {
          kind: payer === "personal_account" ? "pharmacy_purchase" : null,
          kindZh: payer === "personal_account" ? "定点药店购药" : "自费",
          disease: null,
          total: formatCents(total),
          fundPay: "0.00",
          accountPay: formatCents(account),
          cashPay: formatCents(total - account),
          explanationZh: [`本次药费共 ${formatCents(total)} 元`],
          setlId: null,
        } as OtcView["split"];
        s.stage = "checkout";
        return this.view();
      }
      case "otc_settle": {
        const s = this.need();
        if (s.stage !== "checkout") throw mockError("OTC_LOCKED", "该笔销售已提交结算，不能再修改商品");
        s.stage = "settled";
        if (s.payer === "personal_account" && s.split) s.split = { ...s.split, setlId: "S0000000000000000000000000000001" };
        return this.view();
      }
      case "otc_pay": {
        const s = this.need();
        const due = s.split?.cashPay ?? "0.00";
        if (a.method === "cash") {
          const t = parseCents(String(a.tendered ?? ""));
          const d = parseCents(due) ?? 0n;
          if (t === null || t < d) throw mockError("SETTLE_INSUFFICIENT_CASH", `实收 ${String(a.tendered)} 元少于应收 ${due} 元`);
          s.payment = { method: "cash", due, tendered: formatCents(t), change: formatCents(t - d), paid: true };
        } else {
          s.payment = { method: a.method === "terminal" ? "terminal" : "scan", due, tendered: null, change: null, paid: true };
        }
        return this.view();
      }
      case "otc_complete": {
        const s = this.need();
        for (const l of s.lines) l.codes.forEach((c) => this.sold.add(c));
        const total = formatCents(this.total());
        const lines = s.lines.map((l) => `${l.product.name} ${l.quantity}${l.split ? l.product.minUnit : l.product.unit}  ${formatCents(this.unitPrice(l) * l.quantity)}`);
        s.sale = {
          saleId: this.seq,
          rtalDocno: `H11010500001T0010020261205100000${this.seq}`,
          total,
          receiptText: ["演示药店", "零售小票（非处方）", ...lines, `合计 ${total}`, s.payment?.change ? `实收 ${s.payment.tendered} 找零 ${s.payment.change}` : ""].join("\n"),
          guidancePdfPath: null,
          printedZh: "未配置小票打印机：小票已保存",
          uploadIds: s.lines.map((_, i) => i + 1),
        } as OtcView["sale"];
        s.stage = "receipted";
        return this.view();
      }
      case "otc_cancel": {
        const s = this.need();
        s.stage = "cancelled";
        return this.view();
      }
      case "otc_no_code":
      case "otc_resolve_uncertain":
        return this.view();
      default:
        return undefined;
    }
  }
}
