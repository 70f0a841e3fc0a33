import { afterEach, describe, expect, it } from "vitest";
import { errorText } from "./api";
import { renderStepError, renderedCodes, setErrorLocale, type WireError } from "./step-errors";

const CJK = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;

describe("step errors rendered by code", () => {
  afterEach(() => setErrorLocale("zh-CN"));

  it("a known code renders in English in en-US with no CJK characters, whatever the backend sent", () => {
    const e: WireError = { code: "NOT_PAID", message: "患者还需自付 12.50 元，请先收款", params: { due: "12.50" } };
    const en = renderStepError("en-US", e);
    expect(en).toBe("The patient still pays 12.50 yuan: take the payment first");
    expect(CJK.test(en)).toBe(false);
    expect(renderStepError("zh-CN", e)).toBe("患者还需自付 12.50 元，请先收款");
    setErrorLocale("en-US");
    expect(errorText(e)).toBe(en);
  });

  it("every code the catalogue knows renders without CJK in en-US", () => {
    const params = { detail: "timeout", step: "notDispensed", action: "preSettle", batch: "B1", login: "p2", uploadId: 7, due: "1.00", open: 2, waitSecs: 30, query: "YP9", max: 5, code: "81305122601020013521", name: "Ibuprofen", prefix: "8130512", product: "YP9", stateKey: "sold", type: "9", value: "x" };
    for (const code of renderedCodes()) {
      const en = renderStepError("en-US", { code, message: "中文", params });
      expect(CJK.test(en), `${code}: ${en}`).toBe(false);
      expect(en).not.toBe("中文");
    }
  });

  it("an out-of-order step and a center failure render from their params", () => {
    expect(renderStepError("en-US", { code: "VISIT_ILLEGAL_TRANSITION", message: "请先完成调配再预结算", params: { step: "notDispensed" } })).toBe(
      "Finish dispensing before the pre-settlement",
    );
    expect(renderStepError("en-US", { code: "CENTER_UNAVAILABLE", message: "x", params: { action: "preSettle" } })).toBe(
      "Pre-settlement failed: the insurance center cannot be reached; check the network and try again",
    );
  });

  it("an unknown code, or a template missing its params, falls back to the backend message", () => {
    expect(renderStepError("en-US", { code: "SOMETHING_NEW", message: "the backend's sentence", params: {} })).toBe("the backend's sentence");
    expect(renderStepError("en-US", { code: "NOT_PAID", message: "fallback", params: {} })).toBe("fallback");
    expect(renderStepError("en-US", { code: "VISIT_ILLEGAL_TRANSITION", message: "fallback", params: { step: "unheardOf" } })).toBe("fallback");
  });
});
