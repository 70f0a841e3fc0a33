import { describe, expect, it } from "vitest";
import { classifyInput, isNothingDue, keyAction, missingBoxes, validQuantity, type OtcView } from "./otc-api";
import { MockOtcBackend, mockProducts } from "../mock/mock-otc";
import { otcEn, otcZh } from "../i18n/i18n-otc";

const IBU = mockProducts().find((p) => p.fixmedinsHilistId === "YP000002")!;
const AMOX = mockProducts().find((p) => p.fixmedinsHilistId === "YP000001")!;
const IBU_CODES = ["81305122601020013521", "81305122601020386013"];

describe("OTC screen helpers", () => {
  it("tells a scanned code from a search and a customer's e-voucher", () => {
    expect(classifyInput("6923456001022")).toBe("scan");
    expect(classifyInput("81305122601020013521")).toBe("scan");
    expect(classifyInput("0106923456001022108L2026A\u001d2181305122601020013521")).toBe("scan");
    expect(classifyInput("blf")).toBe("search");
    expect(classifyInput("布洛芬")).toBe("search");
    expect(classifyInput("110000ecdemo0000000000000000000zhangsan")).toBe("voucher");
    expect(classifyInput("  ")).toBe("empty");
  });
  it("accepts whole positive quantities only", () => {
    expect(validQuantity("2")).toBe(true);
    for (const bad of ["0", "-1", "1.5", "", "abc"]) expect(validQuantity(bad)).toBe(false);
  });
  it("F3 moves the sale on only when it may: 无码不结, then confirm, pay, receipt", () => {
    const base = { stage: "cart", complete: false, split: null } as unknown as OtcView;
    expect(keyAction("F3", base, false)).toBeNull();
    expect(keyAction("F3", { ...base, complete: true }, false)).toBe("checkout");
    expect(keyAction("F3", { ...base, stage: "checkout" }, false)).toBe("settle");
    const settled = { ...base, stage: "settled", split: { cashPay: "36.00" } } as unknown as OtcView;
    expect(keyAction("F3", settled, false)).toBe("pay");
    expect(keyAction("F3", settled, true)).toBe("complete");
    const accountPaid = { ...settled, split: { cashPay: "0.00" } } as unknown as OtcView;
    expect(isNothingDue(accountPaid)).toBe(true);
    expect(keyAction("F3", accountPaid, false)).toBe("complete");
    expect(keyAction("F3", { ...base, stage: "uncertain" }, false)).toBe("resolve");
    expect(keyAction("Escape", settled, false)).toBeNull();
    expect(keyAction("F2", base, false)).toBe("toggle_payer");
    expect(keyAction("F4", { ...base, stage: "receipted" }, false)).toBe("new_sale");
  });
  it("has every OTC string in both languages", () => {
    expect(Object.keys(otcEn).sort()).toEqual(Object.keys(otcZh).sort());
  });
});

describe("mock OTC backend", () => {
  it("a self-paid sale: barcode then trace code per box, cash, receipt", () => {
    const m = new MockOtcBackend();
    m.handle("otc_start", {});
    let out = m.handle("otc_scan", { code: IBU.barcode }) as { ok: boolean; code: string };
    expect(out.code).toBe("barcode_ok");
    out = m.handle("otc_scan", { code: IBU_CODES[0] }) as { ok: boolean; code: string };
    expect(out.ok).toBe(true);
    let v = m.handle("otc_add", { productId: "YP000002", quantity: "1", split: false }) as OtcView;
    expect(v.lines[0]?.quantity).toBe("2");
    expect(missingBoxes(v)).toHaveLength(1);
    expect(() => m.handle("otc_checkout", { payer: "self_pay" })).toThrow();
    m.handle("otc_scan", { code: IBU_CODES[1] });
    v = m.handle("otc_checkout", { payer: "self_pay" }) as OtcView;
    expect(v.split?.cashPay).toBe("36.00");
    m.handle("otc_settle", {});
    v = m.handle("otc_pay", { method: "cash", tendered: "50.00", payCode: null }) as OtcView;
    expect(v.payment?.change).toBe("14.00");
    v = m.handle("otc_complete", {}) as OtcView;
    expect(v.stage).toBe("receipted");
    expect(v.sale?.receiptText).toContain("布洛芬缓释胶囊");
  });
  it("refuses a prescription-only drug and finds by pinyin initials", () => {
    const m = new MockOtcBackend();
    m.handle("otc_start", {});
    expect(() => m.handle("otc_add", { productId: AMOX.fixmedinsHilistId, quantity: "1", split: false })).toThrow();
    const out = m.handle("otc_scan", { code: AMOX.barcode }) as { ok: boolean; code: string };
    expect(out.ok).toBe(false);
    expect(out.code).toBe("OTC_PRESCRIPTION_ONLY");
    const hits = m.handle("otc_search", { query: "blf" }) as { name: string }[];
    expect(hits[0]?.name).toBe("布洛芬缓释胶囊");
  });
});
