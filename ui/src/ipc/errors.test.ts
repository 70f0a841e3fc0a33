import { describe, expect, it } from "vitest";
import { CATALOGUED_CODES } from "./generated/error-codes";
import { shellErrors } from "../i18n/errors";
import { ipcErrorText, renderError } from "./errors";

const CJK = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;

describe("the error catalogue", () => {
  it("has zh-CN and en-US text for every code the Rust side assigns (generated list)", () => {
    for (const code of CATALOGUED_CODES) {
      const e = shellErrors[code];
      expect(e, `${code} has no catalogue entry`).toBeDefined();
      expect(e?.zh.trim(), `${code} zh-CN`).toBeTruthy();
      expect(e?.en.trim(), `${code} en-US`).toBeTruthy();
      expect(CJK.test(e?.en ?? ""), `${code}: Chinese in the English text`).toBe(false);
    }
  });

  it("lists no code Rust does not give", () => {
    const listed = new Set<string>(CATALOGUED_CODES);
    expect(Object.keys(shellErrors).filter((c) => !listed.has(c))).toEqual([]);
  });

  it("renders every listed code in en-US without Chinese, even when the params are Chinese", () => {
    for (const code of CATALOGUED_CODES) {
      const params = { reason: "后端的中文句子", locale: "fr-FR", login: "1001", role: "药师", centerCode: "1101", until: "2026-12-05 21:00", action: "x" };
      const en = ipcErrorText("en-US", { code, params, detail: "d" });
      expect(CJK.test(en), `${code}: ${en}`).toBe(false);
      expect(ipcErrorText("zh-CN", { code, params, detail: "d" }).trim()).not.toBe("");
    }
  });

  it("keeps the code and the detail for the 详情 toggle, and never shows Chinese text thrown raw in en-US", () => {
    const r = renderError("en-US", { code: "STORE_DISK_FULL", params: {}, detail: "disk full while saving" });
    expect(r).toEqual({
      text: "The disk is full: nothing was saved and the ledger is intact; free some space and try again",
      code: "STORE_DISK_FULL",
      detail: "disk full while saving",
    });
    expect(renderError("en-US", "中心拒绝").text).toContain("error code UI_UNEXPECTED");
    expect(renderError("zh-CN", "中心拒绝").text).toBe("中心拒绝");
  });

  it("shows a declined payment's channel words apart in en-US, never inside the English sentence", () => {
    const reason = "付款码无效：请让患者刷新微信或支付宝付款码后重新扫描";
    const e = { code: "PAYMENT_DECLINED", params: { reason }, detail: "The payment channel declined the payment" };
    const en = renderError("en-US", e);
    expect(en.text).toBe("The payment channel declined the payment");
    expect(en.words).toBe(reason);
    const zh = renderError("zh-CN", e);
    expect(zh.text).toBe(reason);
    expect(zh.words).toBeUndefined();
  });
});
