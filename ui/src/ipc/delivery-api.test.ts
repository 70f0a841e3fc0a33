import { describe, expect, it } from "vitest";
import { allowedMoves, descriptionWords, refusalCode, refusalText, sortOrders, statusKey, type DeliveryMoved, type DeliveryOrder, type DeliveryStatusCode } from "./delivery-api";
import { MockDeliveryBackend } from "../mock/mock-delivery";
import { deliveryZh } from "../i18n/i18n-delivery";
import { deliveryEn } from "../i18n/i18n-delivery-en";
import { translate } from "../i18n/i18n";

// The replayed sale (recorded/delivery.json): 王芳's, its receipt number the replay's stand-in, its id normalised to 0.
const DOC = "RD202612050001";
const SALE = 0;
const CO = "演示同城配送";

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected a refusal");
}

describe("delivery screen helpers", () => {
  it("allows the visit's moves only: accepted → in transit → signed | refused", () => {
    expect(allowedMoves("1")).toEqual(["in_transit"]);
    expect(allowedMoves("2")).toEqual(["sign", "refuse"]);
    expect(allowedMoves("3")).toEqual([]);
    expect(allowedMoves("4")).toEqual([]);
  });
  it("names every status in both languages", () => {
    for (const c of ["1", "2", "3", "4"]) {
      const k = statusKey(c);
      expect(translate("zh-CN", k)).not.toBe(k);
      expect(translate("en-US", k)).not.toBe(translate("zh-CN", k));
    }
    expect(Object.keys(deliveryEn).sort()).toEqual(Object.keys(deliveryZh).sort());
  });
  it("shows a refusal in the window's locale", () => {
    const e = { code: "DELIVERY_INCOMPLETE", params: {}, detail: "d", sentence: { zhCn: "请填写配送单号和配送企业", enUs: "Enter the delivery number" } };
    expect(refusalText(e, "zh-CN")).toBe("请填写配送单号和配送企业");
    expect(refusalText(e, "en-US")).toBe("Enter the delivery number and the delivery company");
    expect(refusalCode(e)).toBe("DELIVERY_INCOMPLETE");
    expect(refusalText("纯文本", "zh-CN")).toBe("纯文本");
    expect(refusalText("纯文本", "en-US")).toContain("error code UI_UNEXPECTED");
    expect(refusalCode("x")).toBeNull();
  });
  it("lists in transit first, then accepted, then closed", () => {
    const o = (saleId: number, statusCode: DeliveryStatusCode, updatedAt: string): DeliveryOrder => ({
      saleId, statusCode, updatedAt, rtalDocno: "", total: "0.00", prescriptionId: 1, hiRxno: "", patientName: "", delvNo: "", delvEntpName: "", description: "", acceptedAt: "", open: statusCode < "3",
    });
    const sorted = sortOrders([o(1, "3", "2026-12-05 10:09:00"), o(2, "1", "2026-12-05 10:01:00"), o(3, "2", "2026-12-05 10:02:00"), o(4, "1", "2026-12-05 10:05:00")]);
    expect(sorted.map((x) => x.saleId)).toEqual([3, 4, 2, 1]);
  });
});

describe("mock delivery backend", () => {
  it("accepts by receipt number, moves in order and signs for the patient only (the recorded real answers)", () => {
    const m = new MockDeliveryBackend();
    expect(m.handle("delivery_orders", {})).toEqual([]);
    expect(refusalCode(thrown(() => m.handle("delivery_accept", { docno: DOC, delvNo: "", company: CO, coldChainHandled: false })))).toBe("DELIVERY_INCOMPLETE");
    expect(refusalCode(thrown(() => m.handle("delivery_accept", { docno: "NO-SUCH-DOC", delvNo: "DLV-9", company: CO, coldChainHandled: false })))).toBe("DELIVERY_SALE_NOT_FOUND");
    // Off the recording: refused as such, never answered with invented data.
    expect(refusalCode(thrown(() => m.handle("delivery_accept", { docno: "OTHER", delvNo: "D2", company: CO, coldChainHandled: false })))).toBe("MOCK_NOT_RECORDED");
    const a = m.handle("delivery_accept", { docno: DOC, delvNo: "DLV-0009", company: CO, coldChainHandled: false }) as DeliveryMoved;
    expect(a.order.statusCode).toBe("1");
    expect(a.order.patientName).toBe("王芳");
    expect((m.handle("delivery_orders", {}) as DeliveryOrder[]).map((o) => o.statusCode)).toEqual(["1"]);
    expect(refusalCode(thrown(() => m.handle("delivery_accept", { docno: DOC, delvNo: "DLV-0010", company: CO, coldChainHandled: false })))).toBe("DELIVERY_ALREADY_ORDERED");
    expect(refusalCode(thrown(() => m.handle("delivery_sign", { saleId: SALE, name: "王芳", certNo: "110101196803030049" })))).toBe("DELIVERY_ILLEGAL_STEP");
    m.handle("delivery_in_transit", { saleId: SALE });
    expect(refusalCode(thrown(() => m.handle("delivery_sign", { saleId: SALE, name: "张三", certNo: "110101198001010029" })))).toBe("DELIVERY_RECIPIENT_NOT_PATIENT");
    const s = m.handle("delivery_sign", { saleId: SALE, name: "王芳", certNo: "110101196803030049" }) as DeliveryMoved;
    expect(s.order.statusCode).toBe("3");
    expect(s.order.open).toBe(false);
    expect(s.deliveryId).toBe(3);
    expect((m.handle("delivery_orders", {}) as DeliveryOrder[]).map((o) => o.statusCode)).toEqual(["3"]);
    expect(refusalCode(thrown(() => m.handle("delivery_refuse", { saleId: SALE, reason: "不要了" })))).toBe("DELIVERY_ILLEGAL_STEP");
    expect(m.handle("unknown_cmd", {})).toBeUndefined();
  });
});

describe("an order's last move in en-US", () => {
  it("is worded from the status code for every status, never the service's Chinese line", () => {
    const en = (k: Parameters<typeof translate>[1]) => translate("en-US", k);
    const zh = (k: Parameters<typeof translate>[1]) => translate("zh-CN", k);
    for (const code of ["1", "2", "3", "4"]) {
      const w = descriptionWords({ statusCode: code, description: "王芳 本人签收（已核验身份）" }, en, "en-US");
      expect(w, code).not.toBe("");
      expect(w, code).not.toMatch(/[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]/);
    }
    expect(descriptionWords({ statusCode: "3", description: "王芳 本人签收（已核验身份）" }, zh, "zh-CN")).toBe("王芳 本人签收（已核验身份）");
  });
});
