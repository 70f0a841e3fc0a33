import { describe, expect, it } from "vitest";
import { backendLabel, translate } from "./i18n";

describe("i18n", () => {
  it("speaks zh-CN by default and English on request", () => {
    expect(translate("zh-CN", "login.title")).toBe("操作员登录");
    expect(translate("en-US", "login.title")).toBe("Operator sign-in");
  });
  it("maps backend status labels for English and keeps unknown ones", () => {
    expect(backendLabel("en-US", "未连接")).toBe("not connected");
    expect(backendLabel("zh-CN", "未连接")).toBe("未连接");
    expect(backendLabel("en-US", "某状态")).toBe("某状态");
  });
});
