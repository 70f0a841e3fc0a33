import { describe, expect, it } from "vitest";
import { stateWord, translate } from "./i18n";

describe("i18n", () => {
  it("speaks zh-CN by default and English on request", () => {
    expect(translate("zh-CN", "login.title")).toBe("操作员登录");
    expect(translate("en-US", "login.title")).toBe("Operator sign-in");
  });
  it("words the link and device state codes in the locale (never the backend's Chinese label)", () => {
    expect(stateWord("en-US", "not_connected")).toBe("not connected");
    expect(stateWord("zh-CN", "not_connected")).toBe("未连接");
    expect(stateWord("en-US", "degraded")).toBe("fault");
    expect(stateWord("en-US", "something_new")).toBe("something_new");
  });
});
