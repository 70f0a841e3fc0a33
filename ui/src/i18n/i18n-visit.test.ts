import { describe, expect, it } from "vitest";
import { translate, type Key } from "./i18n";
import { visitZh } from "./i18n-visit";
import { visitEn } from "./i18n-visit-en";

describe("visit-flow strings", () => {
  it("every zh-CN string has an en-US one, none empty", () => {
    for (const [k, zh] of Object.entries(visitZh)) {
      expect(zh.length, k).toBeGreaterThan(0);
      expect(visitEn[k as keyof typeof visitZh], k).toBeTruthy();
    }
  });
  it("are reachable through translate()", () => {
    expect(translate("zh-CN", "uncertain.action" as Key)).toBe("处理未知结算");
    expect(translate("en-US", "uncertain.action" as Key)).toBe("Resolve unknown settlement");
    expect(translate("zh-CN", "hint.audit" as Key)).toBe("审方");
  });
});
