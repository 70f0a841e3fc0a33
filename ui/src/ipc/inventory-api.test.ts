// The inventory screen's logic: what a scan means on a document, the
// goods-in form's missing fields, money and dates as typed, the progress of
// a goods-in and of a stock-take, expiry classes, the refusals rendered by
// code in both languages, and the mock backend (a replay) the browser test drives.
import { describe, expect, it } from "vitest";
import {
  cstDay,
  expiryClass,
  groupCode,
  isMoney,
  isTraceCode,
  judgeScan,
  missingGoodsIn,
  normaliseScan,
  progressPercent,
  takeProgress,
  goodsInDocument,
  type GoodsInDraft,
  type StockTakeView,
} from "./inventory-api";
import { ipcErrorText as renderStepError } from "./errors";
import { inventoryZh } from "../i18n/i18n-inventory";
import { inventoryEn } from "../i18n/i18n-inventory-en";
import { INVENTORY_STEPS, MockInventoryBackend } from "../mock/mock-inventory";

const CJK = /[\u4e00-\u9fff]/;
const CODE = "81305122601020013521";

describe("inventory screen logic", () => {
  it("a scan is a new code, a repeat, or not a trace code (full-width digits normalised)", () => {
    expect(judgeScan(` ${CODE}\n`, [])).toEqual({ kind: "new", code: CODE });
    expect(judgeScan(CODE, [CODE])).toEqual({ kind: "repeat", code: CODE });
    expect(judgeScan(CODE, new Set([CODE]))).toEqual({ kind: "repeat", code: CODE });
    expect(judgeScan(CODE, new Set<string>())).toEqual({ kind: "new", code: CODE });
    expect(judgeScan("6923456001022", [])).toEqual({ kind: "malformed", raw: "6923456001022" });
    expect(judgeScan("8130512260102001352", []).kind).toBe("malformed");
    expect(normaliseScan("８１３０")).toBe("8130");
    expect(isTraceCode("８１３０５１２２６０１０２００１３５２１")).toBe(true);
  });

  it("the goods-in form names every missing field in screen order", () => {
    const empty: GoodsInDraft = { supplier: "", invoiceNo: "", product: "", lot: "", manuDate: "", expiry: "", price: "", codes: [] };
    expect(missingGoodsIn(empty)).toEqual(["supplier", "invoice", "product", "lot", "manu_date", "expiry", "price", "boxes"]);
    const full: GoodsInDraft = { supplier: "国药控股", invoiceNo: "12345678", product: "YP000002", lot: "L1", manuDate: "2026-01-01", expiry: "2028-01-01", price: "12.50", codes: [CODE] };
    expect(missingGoodsIn(full)).toEqual([]);
    expect(missingGoodsIn({ ...full, price: "12.5元" })).toEqual(["price"]);
    expect(missingGoodsIn({ ...full, expiry: "2028/01/01" })).toEqual(["expiry"]);
    // Every field has its words in both languages.
    for (const f of missingGoodsIn(empty)) {
      expect(inventoryZh[`inv.f.${f}` as keyof typeof inventoryZh]).toBeTruthy();
      expect(CJK.test(inventoryEn[`inv.f.${f}` as keyof typeof inventoryEn])).toBe(false);
    }
  });

  it("a document of several lines: the line being scanned joins it once it has a box", () => {
    const line = { product: "YP000002", lot: "L1", manuDate: "2026-01-01", expiry: "2028-01-01", price: "12.50", codes: [CODE] };
    const header = { supplier: "国药控股", invoiceNo: "1" };
    const blank = { product: "", lot: "", manuDate: "", expiry: "", price: "", codes: [] };
    // Nothing scanned yet: a box is missing.
    expect(goodsInDocument({ ...header, ...blank }, [])).toEqual({ missing: ["product", "lot", "manu_date", "expiry", "price", "boxes"] });
    // One line done, the next not started: the document is the done line.
    expect(goodsInDocument({ ...header, ...blank }, [line])).toEqual({ form: { ...header, lines: [line] } });
    // The next line half filled with a box: it must be whole.
    expect(goodsInDocument({ ...header, ...blank, codes: ["81305112601010010011"] }, [line])).toEqual({ missing: ["product", "lot", "manu_date", "expiry", "price"] });
    const second = { ...line, product: "YP000001", codes: ["81305112601010010011"] };
    expect(goodsInDocument({ ...header, ...second }, [line])).toEqual({ form: { ...header, lines: [line, second] } });
    expect(goodsInDocument({ supplier: "", invoiceNo: "", ...second }, [line])).toEqual({ missing: ["supplier", "invoice"] });
  });

  it("money is a decimal string, never a float", () => {
    expect(isMoney("12.50")).toBe(true);
    expect(isMoney("0")).toBe(true);
    expect(isMoney("12.123456")).toBe(false);
    expect(isMoney("-1")).toBe(false);
    expect(isMoney("1e3")).toBe(false);
  });

  it("progress: boxes scanned of those expected, boxes found of those the ledger has", () => {
    expect(progressPercent(3, 4)).toBe(75);
    expect(progressPercent(5, 4)).toBe(100);
    expect(progressPercent(1, 0)).toBe(0);
    const v: StockTakeView = { counted: 3, matched: 3, missing: [{ code: CODE, name: "布洛芬", lot: "", expiry: "", state: "in_stock" }], unexpected: [], uploads: 0 };
    expect(takeProgress(v)).toEqual({ found: 3, expected: 4, percent: 75 });
    expect(takeProgress(null).percent).toBe(0);
  });

  it("expiry classes, the CST day and a code grouped for reading", () => {
    expect(expiryClass(-1)).toBe("expired");
    expect(expiryClass(30)).toBe("near");
    expect(expiryClass(91)).toBe("ok");
    expect(cstDay(new Date("2026-11-23T17:00:00Z"))).toBe("2026-11-24");
    expect(groupCode(CODE)).toBe("8130 5122 6010 2001 3521");
  });

  it("every tab string has an English one without Chinese", () => {
    for (const k of Object.keys(inventoryZh) as (keyof typeof inventoryZh)[]) {
      expect(inventoryEn[k], k).toBeTruthy();
      expect(CJK.test(inventoryEn[k]), `${k}: ${inventoryEn[k]}`).toBe(false);
    }
  });

  it("refusals render by code: the state in the window's language, never the backend's Chinese", () => {
    const e = { code: "INVENTORY_ALREADY_RECEIVED", detail: "追溯码已入库", params: { code: CODE, state: "已售出", stateKey: "sold" } };
    expect(renderStepError("en-US", e)).toBe(`Trace code ${CODE} was already received (now sold): the same box cannot be received twice`);
    expect(renderStepError("zh-CN", e)).toBe(`追溯码 ${CODE} 已入库（当前状态：已售出），同一盒药不能重复入库`);
    const wrong = { code: "INVENTORY_WRONG_PRODUCT", detail: "x", params: { code: "81305112601010010011", name: "布洛芬缓释胶囊", prefix: "8130512" } };
    expect(renderStepError("zh-CN", wrong)).toContain("这盒是别的药品");
  });
});

describe("the mock backend answers as the real commands did", () => {
  it("goods-in refuses a sold code and another product's, then a stock-take finds one missing (recorded)", () => {
    const m = new MockInventoryBackend();
    const checks = INVENTORY_STEPS.filter((s) => s.command === "inventory_check_receive");
    const codes = checks.map((s) => {
      try {
        m.handle(s.command, s.args);
        return "ok";
      } catch (e) {
        return (e as { code: string }).code;
      }
    });
    expect(codes).toContain("INVENTORY_ALREADY_RECEIVED");
    expect(codes).toContain("INVENTORY_WRONG_PRODUCT");
    m.handle("inventory_receive", INVENTORY_STEPS.find((s) => s.command === "inventory_receive")!.args);
    const shelf = INVENTORY_STEPS.find((s) => s.command === "stocktake_commit")!.args.codes as string[];
    const v = m.handle("stocktake_preview", { codes: shelf }) as StockTakeView;
    expect(v.missing).toHaveLength(1);
    expect(v.unexpected).toEqual([]);
    expect(takeProgress(v)).toMatchObject({ found: shelf.length, expected: shelf.length + 1 });
  });
});
