import { describe, expect, it } from "vitest";
import { allStrings, stateWord, translate, useLocale } from "./i18n";

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
  it("the locale's own punctuation: en-US strings carry no full-width marks (（）：；，。)", async () => {
    await useLocale("en-US");
    const fullWidth = /[\u3000-\u303f\uff00-\uffef]/;
    const bad = allStrings("en-US").filter(([, v]) => fullWidth.test(v));
    expect(bad).toEqual([]);
    expect(translate("en-US", "fmt.paren").replace("{x}", "3")).toBe(" (3)");
    expect(translate("zh-CN", "fmt.paren").replace("{x}", "3")).toBe("（3）");
    expect(translate("en-US", "fmt.label").replace("{label}", "3001")).toBe("3001: ");
    expect(translate("en-US", "mgr.chain.blocked_title")).toBe("Records head office refused ({n})");
  });
});
