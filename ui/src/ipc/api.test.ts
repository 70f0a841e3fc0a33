import { afterEach, describe, expect, it } from "vitest";
// mockIPC writes window.__TAURI_INTERNALS__; vitest runs in node.
(globalThis as unknown as { window: unknown }).window ??= globalThis;
import { clearMocks } from "@tauri-apps/api/mocks";
import { appStatus, errorText, setLocale, setupErrorText } from "./api";
import { installMockBackend, mockStatus } from "../mock/mock-backend";

afterEach(() => clearMocks());

describe("api wrappers", () => {
  it("app_status returns the status bar snapshot", async () => {
    installMockBackend();
    expect(await appStatus()).toEqual(mockStatus);
  });
  it("set_locale rejects unsupported locales with a sentence", async () => {
    installMockBackend();
    expect(await setLocale("en-US")).toBe("en-US");
    await expect(setLocale("fr-FR" as never)).rejects.toMatchObject({ code: "LOCALE_UNSUPPORTED" });
  });
  it("errorText turns anything into text", () => {
    expect(errorText("x")).toBe("x");
    expect(errorText(new Error("y"))).toBe("y");
    expect(errorText({ code: 1 })).toBe('{"code":1}');
    expect(errorText({ code: "VISIT_ILLEGAL_TRANSITION", params: { step: "notPreSettled" }, detail: "d" }, "zh-CN")).toBe("请先预结算并向患者说明费用后再确认结算");
  });
});

describe("setupErrorText", () => {
  it("keeps the profile field, the address and the file an administrator must correct", () => {
    const e = "中心配置文件有 1 处错误： center.base_url：缺少中心地址（必填），例如 https://hsa.example.gov.cn/prod；文件 /etc/rxdesk/profile.toml";
    expect(setupErrorText(e, "zh-CN")).toBe(e);
    // The counter's rendering drops them (a pharmacist has nothing to edit there).
    expect(errorText(e, "zh-CN")).not.toContain("/etc/rxdesk/profile.toml");
  });
});
