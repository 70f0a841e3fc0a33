import { describe, expect, it } from "vitest";
import type { VisitStateName } from "../../ipc/visit-api";
import { hintsFor, keyAction, panelFor, scanTarget } from "./flow";

const all: VisitStateName[] = [
  "started", "evoucher_guidance", "identified", "prescriptions_listed", "downloaded", "verified", "rules_checked",
  "audited", "dispensing", "dispensed", "pre_settled", "settling", "settlement_uncertain", "settled", "receipted",
  "refunding", "refund_uncertain", "refunded", "delivery", "closed",
];

describe("visit state → panel", () => {
  it("maps every state the server names", () => {
    const map = Object.fromEntries(all.map((s) => [s, panelFor(s)]));
    expect(map).toEqual({
      started: "identify", evoucher_guidance: "guidance", identified: "list", prescriptions_listed: "list",
      downloaded: "rx", verified: "rx", rules_checked: "rx", audited: "dispense", dispensing: "dispense",
      dispensed: "dispense", pre_settled: "presettle", settling: "settling", settlement_uncertain: "uncertain",
      settled: "payment", receipted: "receipt", refunding: "after", refund_uncertain: "after", refunded: "after",
      delivery: "after", closed: "closed",
    });
  });
  it("shows at least one key hint wherever the operator has something to do", () => {
    for (const s of all) if (s !== "settling") expect(hintsFor(s).length, s).toBeGreaterThan(0);
    expect(hintsFor("settled", true)).toEqual([["F10", "hint.complete"]]);
  });
});

describe("keys per panel", () => {
  const k = (key: string, state: VisitStateName, inField = false, paid = false) => keyAction(key, { state, inField, paid });
  it("digits open a listed prescription unless typing in a field", () => {
    expect(k("3", "prescriptions_listed")).toEqual({ action: "open_rx", index: 2 });
    expect(k("3", "prescriptions_listed", true)).toBeNull();
    expect(k("0", "prescriptions_listed")).toBeNull();
    expect(k("3", "dispensing")).toBeNull();
  });
  it("F2 audits only a prescription whose rules passed", () => {
    expect(k("F2", "rules_checked")).toEqual({ action: "audit" });
    expect(k("F2", "verified")).toBeNull();
    expect(k("F2", "started")).toEqual({ action: "focus_credential" });
  });
  it("the money keys act only in their step", () => {
    expect(k("F3", "dispensing")).toEqual({ action: "finish_dispensing" });
    expect(k("F3", "dispensed")).toBeNull();
    expect(k("F4", "dispensed")).toEqual({ action: "pre_settle" });
    expect(k("F9", "pre_settled")).toEqual({ action: "settle" });
    expect(k("F9", "settled")).toBeNull();
    expect(k("F10", "settled")).toEqual({ action: "pay_cash" });
    expect(k("F10", "settled", false, true)).toEqual({ action: "complete" });
    expect(k("F11", "settled", false, true)).toBeNull();
  });
  it("an uncertain settlement offers its resolution, or parking it (F11) while the next patient is served — nothing else", () => {
    for (const key of ["F1", "F2", "F3", "F4", "F10", "Escape", "1"]) expect(k(key, "settlement_uncertain")).toBeNull();
    expect(k("F11", "settlement_uncertain")).toEqual({ action: "park" });
    expect(k("Enter", "settlement_uncertain")).toEqual({ action: "resolve_uncertain" });
    expect(k("F9", "settlement_uncertain")).toEqual({ action: "resolve_uncertain" });
  });
  it("a finished visit starts the next with Enter; Esc goes back from a prescription", () => {
    expect(k("Enter", "receipted")).toEqual({ action: "new_visit" });
    expect(k("Enter", "receipted", true)).toBeNull();
    expect(k("Escape", "closed")).toEqual({ action: "back_to_list" });
    expect(k("Escape", "verified")).toEqual({ action: "back_to_list" });
  });

  it("after the audit and before settlement Esc gives the visit up (asked first); never once money moved", () => {
    for (const s of ["audited", "dispensing", "dispensed", "pre_settled"] as const) {
      expect(k("Escape", s)).toEqual({ action: "abandon" });
    }
    for (const s of ["settling", "settlement_uncertain", "settled"] as const) {
      expect(k("Escape", s)).toBeNull();
    }
    expect(hintsFor("dispensing").map(([key]) => key)).toContain("Esc");
    expect(hintsFor("pre_settled").map(([key]) => key)).toContain("Esc");
  });
});

describe("where a scan goes", () => {
  it("identifies, starts the shift, reconfirms, or dispenses", () => {
    expect(scanTarget("started", false, false)).toBe("identify");
    expect(scanTarget("rules_checked", true, false)).toBe("shift");
    expect(scanTarget("rules_checked", true, true)).toBe("reconfirm");
    expect(scanTarget("rules_checked", false, true)).toBe("none");
    expect(scanTarget("audited", false, true)).toBe("box");
    expect(scanTarget("dispensing", false, true)).toBe("box");
    expect(scanTarget("dispensed", false, true)).toBe("none");
    expect(scanTarget("settled", false, true)).toBe("none");
  });
});

describe("what a scan looks like", () => {
  it("tells the identify step's codes from box codes", async () => {
    const { scanLooks } = await import("./flow");
    expect(scanLooks("110000ecdemo0000000000000000000zhangsan")).toBe("e_voucher");
    expect(scanLooks("RX0000000000000000000000001")).toBe("epc_qr");
    expect(scanLooks("81000010000000000001")).toBe("trace_code");
    expect(scanLooks("6901234567892")).toBe("gtin");
    expect(scanLooks("hello")).toBe("unknown");
  });
});
