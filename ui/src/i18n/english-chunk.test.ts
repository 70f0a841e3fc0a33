// The English tables are a chunk loaded when the window switches to en-US
// (i18n.ts `useLocale`). Before that, en-US lookups fall back to zh-CN; code
// that tells the locale from `t` must not mistake zh-CN for en-US then (it
// did: every zh-CN scan message lost its drug name, read as en-US).
import { describe, expect, it, vi } from "vitest";

describe("before and after the English chunk is loaded", () => {
  it("zh-CN stays zh-CN, en-US falls back until loaded, then speaks English", async () => {
    vi.resetModules(); // a fresh i18n module: the set-up file loaded English into the old one
    const i18n = await import("./i18n");
    const words = await import("../screens/visit/words");
    const zh = (k: Parameters<typeof i18n.translate>[1]) => i18n.translate("zh-CN", k);
    const en = (k: Parameters<typeof i18n.translate>[1]) => i18n.translate("en-US", k);
    expect(words.localeOf(zh)).toBe("zh-CN");
    expect(en("login.title")).toBe(zh("login.title"));
    await i18n.useLocale("en-US");
    expect(en("login.title")).toBe("Operator sign-in");
    expect(words.localeOf(zh)).toBe("zh-CN");
    expect(words.localeOf(en)).toBe("en-US");
    // zh-CN needs no chunk; loading twice is one load.
    await i18n.useLocale("zh-CN");
    await i18n.useLocale("en-US");
    expect(en("login.title")).toBe("Operator sign-in");
  });
});
