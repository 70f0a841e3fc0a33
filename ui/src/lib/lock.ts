// Lock screen timing: the screen locks by itself after this long without a
// key or pointer event. Ctrl+L locks at once.
export const IDLE_LOCK_MINUTES = 5;
export const IDLE_LOCK_MS = IDLE_LOCK_MINUTES * 60_000;

/** True when the time since the last activity reaches the idle limit. */
export function idleExpired(now: number, lastActivity: number, limitMs: number = IDLE_LOCK_MS): boolean {
  return now - lastActivity >= limitMs;
}

/** The navigation key of each screen; F7 only for managers; Shift+F7 the stock (pharmacists and managers); Shift+F1 the till; F9 the OTC sale; Shift+F6 delivery orders. */
export type Screen = "counter" | "till" | "otc" | "history" | "delivery" | "manager" | "inventory" | "settings";

export function screenForKey(key: string, role: "cashier" | "pharmacist" | "manager", shift = false): Screen | "denied" | null {
  switch (key) {
    case "F1":
      return shift ? "till" : "counter";
    case "F6":
      return shift ? "delivery" : "history";
    case "F7":
      if (shift) return role === "cashier" ? "denied" : "inventory";
      return role === "manager" ? "manager" : "denied";
    case "F8":
      return "settings";
    case "F9":
      return "otc";
    default:
      return null;
  }
}

/** Ctrl+L (either case, no other modifier). */
export function isLockKey(e: { key: string; ctrlKey: boolean; altKey: boolean; metaKey: boolean }): boolean {
  return e.ctrlKey && !e.altKey && !e.metaKey && (e.key === "l" || e.key === "L");
}
