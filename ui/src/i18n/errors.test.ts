import { afterEach, describe, expect, it } from "vitest";
import { errorText } from "../ipc/api";
import { renderedCodes } from "./errors";
import { errorDetails, ipcErrorText, setErrorLocale, type IpcError } from "../ipc/errors";

const CJK = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;
const err = (code: string, params: Record<string, unknown> = {}, zh = "中文", en = ""): IpcError => ({
  code,
  params,
  detail: "support text",
  sentence: { zhCn: zh, enUs: en },
});

describe("step errors rendered by code", () => {
  afterEach(() => setErrorLocale("zh-CN"));

  it("a known code renders in English in en-US with no CJK characters, whatever the backend sent", () => {
    const e = err("NOT_PAID", { due: "12.50" }, "患者还需自付 12.50 元，请先收款");
    const en = ipcErrorText("en-US", e);
    expect(en).toBe("The patient still pays 12.50 yuan: take the payment first");
    expect(CJK.test(en)).toBe(false);
    expect(ipcErrorText("zh-CN", e)).toBe("患者还需自付 12.50 元，请先收款");
    setErrorLocale("en-US");
    expect(errorText(e)).toBe(en);
    expect(errorDetails(en)).toEqual({ code: "NOT_PAID", detail: "support text" });
  });

  it("every code the catalogue knows renders without CJK in en-US", () => {
    const params = { detail: "timeout", step: "notDispensed", action: "preSettle", batch: "B1", login: "p2", uploadId: 7, due: "1.00", open: 2, waitSecs: 30, query: "YP9", max: 5, code: "81305122601020013521", name: "Ibuprofen", prefix: "8130512", product: "YP9", stateKey: "sold", type: "9", value: "x" };
    for (const code of renderedCodes()) {
      const en = ipcErrorText("en-US", err(code, params));
      expect(CJK.test(en), `${code}: ${en}`).toBe(false);
    }
  });

  it("an out-of-order step and a center failure render from their params", () => {
    expect(ipcErrorText("en-US", err("VISIT_ILLEGAL_TRANSITION", { step: "notDispensed" }))).toBe("Finish dispensing before the pre-settlement");
    expect(ipcErrorText("en-US", err("CENTER_UNAVAILABLE", { action: "preSettle" }))).toBe(
      "Pre-settlement failed: the insurance center cannot be reached; check the network and try again",
    );
  });

  it("an unknown code, or a template missing its params, falls back to the backend's sentence in the locale, then to a generic sentence with the code", () => {
    expect(ipcErrorText("en-US", err("SOMETHING_NEW", {}, "中文", "the backend's sentence"))).toBe("the backend's sentence");
    expect(ipcErrorText("zh-CN", err("SOMETHING_NEW", {}, "后端的句子"))).toBe("后端的句子");
    expect(ipcErrorText("en-US", err("SOMETHING_NEW"))).toBe(
      "The action did not complete (error code SOMETHING_NEW). Try again; if it persists, contact support with the Details.",
    );
    expect(ipcErrorText("en-US", err("NOT_PAID"))).toContain("error code NOT_PAID");
    // An English sentence with Chinese data in it is not shown in en-US.
    expect(ipcErrorText("en-US", err("SOMETHING_NEW", {}, "中文", "The center said 拒绝"))).toContain("error code SOMETHING_NEW");
  });
});
