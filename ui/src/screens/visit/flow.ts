// Which panel the counter shows for a visit state, and what each key does on
// it. Pure: the server's state drives the screen, the keys only ask for the
// next step the server allows.
import type { VisitStateName } from "../../ipc/visit-api";

export type Panel =
  | "identify"
  | "guidance"
  | "list"
  | "rx"
  | "dispense"
  | "presettle"
  | "settling"
  | "uncertain"
  | "payment"
  | "receipt"
  | "closed"
  | "after";

export function panelFor(state: VisitStateName): Panel {
  switch (state) {
    case "started":
      return "identify";
    case "evoucher_guidance":
      return "guidance";
    case "identified":
    case "prescriptions_listed":
      return "list";
    case "downloaded":
    case "verified":
    case "rules_checked":
      return "rx";
    case "audited":
    case "dispensing":
    case "dispensed":
      return "dispense";
    case "pre_settled":
      return "presettle";
    case "settling":
      return "settling";
    case "settlement_uncertain":
      return "uncertain";
    case "settled":
      return "payment";
    case "receipted":
      return "receipt";
    case "closed":
      return "closed";
    case "refunding":
    case "refund_uncertain":
    case "refunded":
    case "delivery":
      return "after";
  }
}

export type Action =
  | "focus_credential"
  | "print_guidance"
  | "open_rx"
  | "back_to_list"
  | "new_visit"
  | "audit"
  | "finish_dispensing"
  | "pre_settle"
  | "settle"
  | "resolve_uncertain"
  | "pay_cash"
  | "pay_scan"
  | "complete"
  | "abandon"
  | "park"
  | "resume";

export interface KeyContext {
  state: VisitStateName;
  /** Focus is in a text field (digits and Enter belong to it). */
  inField: boolean;
  /** The settled visit is paid but not yet completed. */
  paid?: boolean;
  /** Visits parked (挂单) at this counter. */
  parked?: number;
}

/**
 * 挂单 (F11): the states the service parks — a patient identified, no settlement in flight, not
 * settled awaiting payment (`rxdesk_app::visit::park`). Not the e-voucher guidance: its patient is
 * usually unknown yet, and identifying again costs nothing.
 */
export function canPark(state: VisitStateName): boolean {
  return [
    "identified", "prescriptions_listed", "downloaded", "verified", "rules_checked",
    "audited", "dispensing", "dispensed", "pre_settled", "settlement_uncertain",
  ].includes(state);
}

/** One key on one panel → the action, or null when the key is not ours. */
export function keyAction(key: string, ctx: KeyContext): { action: Action; index?: number } | null {
  const panel = panelFor(ctx.state);
  if (key === "F2" && (panel === "identify" || panel === "guidance")) return { action: "focus_credential" };
  // F11 挂单 on a visit with work in it; on a free counter F11 取单 brings the first parked back.
  if (key === "F11" && canPark(ctx.state)) return { action: "park" };
  if (key === "F11" && panel === "identify" && (ctx.parked ?? 0) > 0) return { action: "resume", index: 0 };
  switch (panel) {
    case "guidance":
      if (key === "F3") return { action: "print_guidance" };
      break;
    case "list":
      if (!ctx.inField && /^[1-9]$/.test(key)) return { action: "open_rx", index: Number(key) - 1 };
      if (key === "Escape") return { action: "new_visit" };
      break;
    case "rx":
      if (key === "F2" && ctx.state === "rules_checked") return { action: "audit" };
      if (key === "Escape") return { action: "back_to_list" };
      break;
    case "dispense":
      if (key === "F3" && ctx.state !== "dispensed") return { action: "finish_dispensing" };
      if (key === "F4" && ctx.state === "dispensed") return { action: "pre_settle" };
      // The patient walked away after the audit: give the visit up (asked first).
      if (key === "Escape") return { action: "abandon" };
      break;
    case "presettle":
      if (key === "F9") return { action: "settle" };
      if (key === "Escape") return { action: "abandon" };
      break;
    case "uncertain":
      if (key === "F9" || (key === "Enter" && !ctx.inField)) return { action: "resolve_uncertain" };
      break;
    case "payment":
      if (key === "F10") return { action: ctx.paid ? "complete" : "pay_cash" };
      if (key === "F11" && !ctx.paid) return { action: "pay_scan" };
      break;
    case "receipt":
    case "after":
      if (key === "F1" || (key === "Enter" && !ctx.inField)) return { action: "new_visit" };
      break;
    case "closed":
      if (key === "F1" || (key === "Enter" && !ctx.inField)) return { action: "new_visit" };
      if (key === "Escape") return { action: "back_to_list" };
      break;
    default:
      break;
  }
  return null;
}

/** The F-key hints shown on each panel (i18n keys of their labels). */
export function hintsFor(state: VisitStateName, paid = false, parked = 0): [string, HintKey][] {
  const hints = stepHints(state, paid);
  if (canPark(state)) hints.push(["F11", "hint.park"]);
  else if (panelFor(state) === "identify" && parked > 0) hints.push(["F11", "hint.resume"]);
  return hints;
}

function stepHints(state: VisitStateName, paid: boolean): [string, HintKey][] {
  switch (panelFor(state)) {
    case "identify":
      return [["F2", "hint.credential"], ["Enter", "hint.query"]];
    case "guidance":
      return [["F3", "hint.print_guidance"], ["F2", "hint.credential"]];
    case "list":
      return [["1–9", "hint.open"], ["Esc", "hint.reidentify"]];
    case "rx":
      return state === "rules_checked" ? [["F2", "hint.audit"], ["Esc", "hint.back"]] : [["Esc", "hint.back"]];
    case "dispense":
      return state === "dispensed"
        ? [["F4", "hint.pre_settle"], ["Esc", "hint.abandon"]]
        : [["扫码", "hint.scan_box"], ["F3", "hint.finish"], ["Esc", "hint.abandon"]];
    case "presettle":
      return [["F9", "hint.settle"], ["Esc", "hint.abandon"]];
    case "settling":
      return [];
    case "uncertain":
      return [["Enter", "hint.resolve"]];
    case "payment":
      return paid ? [["F10", "hint.complete"]] : [["F10", "hint.pay_cash"], ["F11", "hint.pay_scan"]];
    case "receipt":
    case "after":
      return [["Enter", "hint.new_visit"]];
    case "closed":
      return [["Enter", "hint.new_visit"], ["Esc", "hint.back"]];
  }
}

export type HintKey =
  | "hint.credential"
  | "hint.query"
  | "hint.print_guidance"
  | "hint.open"
  | "hint.reidentify"
  | "hint.audit"
  | "hint.back"
  | "hint.scan_box"
  | "hint.finish"
  | "hint.abandon"
  | "hint.pre_settle"
  | "hint.settle"
  | "hint.resolve"
  | "hint.pay_cash"
  | "hint.pay_scan"
  | "hint.complete"
  | "hint.new_visit"
  | "hint.park"
  | "hint.resume";

/** Scans on each panel: where a scanner burst goes. */
export type ScanTarget = "identify" | "shift" | "reconfirm" | "box" | "none";

export function scanTarget(state: VisitStateName, auditOpen: boolean, shiftOpen: boolean): ScanTarget {
  const panel = panelFor(state);
  if (panel === "identify" || panel === "guidance") return "identify";
  if (panel === "rx" && auditOpen) return shiftOpen ? "reconfirm" : "shift";
  if (panel === "dispense" && state !== "dispensed") return "box";
  return "none";
}

/** What a scanned text looks like (the same rules as rxdesk-devices' classify, minus GS1). */
export type ScanLooks = "epc_qr" | "e_voucher" | "trace_code" | "gtin" | "unknown";

export function scanLooks(text: string): ScanLooks {
  const t = text.trim();
  const digits = /^\d+$/.test(t);
  if (digits && t.length === 20) return "trace_code";
  if (digits && [8, 12, 13, 14].includes(t.length)) return "gtin";
  if (t.length === 27 && /^[A-Za-z0-9]+$/.test(t)) return "epc_qr";
  if (t.length >= 28 && t.length <= 512 && /^[A-Za-z0-9+/=_:.-]+$/.test(t) && /[A-Za-z]/.test(t) && /\d/.test(t)) return "e_voucher";
  return "unknown";
}
