import { describe, expect, it } from "vitest";
import { translate } from "../i18n/i18n";
import { elapsedSeconds, PENDING_SHOW_MS } from "./pending";

describe("pending backend call indicator", () => {
  it("appears after about a second and counts whole seconds", () => {
    expect(PENDING_SHOW_MS).toBeLessThanOrEqual(1000);
    expect(elapsedSeconds(1000, 1999)).toBe(0);
    expect(elapsedSeconds(1000, 46_000)).toBe(45);
    expect(elapsedSeconds(5000, 1000)).toBe(0);
    expect(translate("zh-CN", "busy.elapsed").replace("{s}", "45")).toBe("已等待 45 秒");
  });
});
