import { afterEach, describe, expect, it } from "vitest";
// mockIPC writes window.__TAURI_INTERNALS__; vitest runs in node.
(globalThis as unknown as { window: unknown }).window ??= globalThis;
import { clearMocks } from "@tauri-apps/api/mocks";
import { appStatus, errorText, setLocale } from "./api";
import { installMockBackend, mockStatus } from "./mock-backend";

afterEach(() => clearMocks());

describe("api wrappers", () => {
  it("app_status returns the status bar snapshot", async () => {
    installMockBackend();
    expect(await appStatus()).toEqual(mockStatus);
  });
  it("set_locale rejects unsupported locales with a sentence", async () => {
    installMockBackend();
    expect(await setLocale("en-US")).toBe("en-US");
    await expect(setLocale("fr-FR" as never)).rejects.toThrow(/不支持的语言/);
  });
  it("errorText turns anything into text", () => {
    expect(errorText("x")).toBe("x");
    expect(errorText(new Error("y"))).toBe("y");
    expect(errorText({ code: 1 })).toBe('{"code":1}');
    expect(errorText({ code: "VISIT_ILLEGAL_TRANSITION", message_zh: "请先预结算" })).toBe("请先预结算");
    expect(errorText({ code: "X", messageZh: "扫码不是追溯码" })).toBe("扫码不是追溯码");
  });
});
