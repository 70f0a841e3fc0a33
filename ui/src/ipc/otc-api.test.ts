import { describe, expect, it } from "vitest";
import { classifyInput, isNothingDue, keyAction, missingBoxes, validQuantity, type OtcView } from "./otc-api";
import { MockOtcBackend, otcRecording } from "../mock/mock-otc";
import { otcZh } from "../i18n/i18n-otc";
import { otcEn } from "../i18n/i18n-otc-en";

// The codes the recorded real sales scanned (recorded/otc.json).
const IBU = { barcode: otcRecording.boxes.ibu[0]!.barcode };
const IBU_CODES = otcRecording.boxes.ibu.map((b) => b.traceCode);

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

describe("mock OTC backend: replays the recorded real sales", () => {
  it("a self-paid sale: barcode then trace code per box, 无码不结, cash, receipt", () => {
    const m = new MockOtcBackend();
    expect(m.handle("otc_current", {})).toBeNull();
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
    expect(v.sale?.total).toBe("36.00");
    // The placeholders of the recording are filled: no "<…>" reaches a screen.
    expect(JSON.stringify(v)).not.toMatch(/"<\w+>"/);
    expect((m.handle("otc_current", {}) as OtcView).stage).toBe("receipted");
  });
  it("refuses a prescription-only drug, finds by pinyin initials, identifies the customer", () => {
    const m = new MockOtcBackend();
    m.handle("otc_start", {});
    const out = m.handle("otc_scan", { code: otcRecording.boxes.amoxBarcode }) as { ok: boolean; code: string };
    expect(out.ok).toBe(false);
    expect(out.code).toBe("OTC_PRESCRIPTION_ONLY");
    const hits = m.handle("otc_search", { query: "blf" }) as { name: string }[];
    expect(hits[0]?.name).toBe("布洛芬缓释胶囊");
    m.handle("otc_scan", { code: otcRecording.boxes.unknown });
    const v = m.handle("otc_identify", { method: "e_voucher", code: otcRecording.boxes.customer, consent: null }) as OtcView;
    expect(v.patient?.insutype).toBe("310");
  });
  it("refuses what no recording answers, instead of inventing an answer", () => {
    const m = new MockOtcBackend();
    m.handle("otc_start", {});
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { code: string }).code;
      }
      return "answered";
    };
    expect(refusal(() => m.handle("otc_scan", { code: "6900000000000" }))).toBe("MOCK_NOT_RECORDED");
    expect(refusal(() => m.handle("otc_add", { productId: "YP000004", quantity: "9", split: false }))).toBe("MOCK_NOT_RECORDED");
    // The refused request did not move the run: the recorded next step still answers.
    expect(refusal(() => m.handle("otc_add", { productId: "YP000002", quantity: "1", split: false }))).toBe("answered");
    expect(m.handle("visit_start", {})).toBeUndefined();
  });
});
