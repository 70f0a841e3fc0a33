import { describe, expect, it } from "vitest";
import { IDLE_LOCK_MS, idleExpired, isLockKey, screenForKey } from "./lock";

describe("lock and navigation keys", () => {
  it("locks after five idle minutes, not before", () => {
    expect(IDLE_LOCK_MS).toBe(300_000);
    expect(idleExpired(1_000 + 299_999, 1_000)).toBe(false);
    expect(idleExpired(1_000 + 300_000, 1_000)).toBe(true);
    expect(idleExpired(2_500, 1_000, 1_500)).toBe(true);
  });
  it("Ctrl+L locks; L alone or Ctrl+Alt+L does not", () => {
    const k = (key: string, ctrlKey = false, altKey = false) => isLockKey({ key, ctrlKey, altKey, metaKey: false });
    expect(k("l", true)).toBe(true);
    expect(k("L", true)).toBe(true);
    expect(k("l")).toBe(false);
    expect(k("l", true, true)).toBe(false);
  });
  it("F-keys map to screens; F7 is the manager's only", () => {
    expect(screenForKey("F1", "cashier")).toBe("counter");
    expect(screenForKey("F6", "pharmacist")).toBe("history");
    expect(screenForKey("F7", "pharmacist")).toBe("denied");
    expect(screenForKey("F7", "manager")).toBe("manager");
    expect(screenForKey("F8", "cashier")).toBe("settings");
    expect(screenForKey("F2", "manager")).toBeNull();
    expect(screenForKey("F1", "cashier", true)).toBe("till");
    expect(screenForKey("F9", "cashier")).toBe("otc");
    expect(screenForKey("F6", "cashier", true)).toBe("delivery");
    // Shift+F7 库存: pharmacists and the manager.
    expect(screenForKey("F7", "pharmacist", true)).toBe("inventory");
    expect(screenForKey("F7", "manager", true)).toBe("inventory");
    expect(screenForKey("F7", "cashier", true)).toBe("denied");
  });
});
