// The OTC / retail sale (非处方销售) contract between the UI and `rxdesk-app`'s
// `visit::otc` (src-tauri/src/otc_commands.rs): typed wrappers and the pure
// helpers of the OTC screen (what a typed line is, which key does what, what
// the cart still needs). Money stays decimal text (lib/money.ts). No DOM here,
// so vitest covers it.
import { invoke } from "@tauri-apps/api/core";
import type { IdMethod } from "./visit-api";

/** The OTC sale's views, generated from `rxdesk-app` `visit/otc.rs` by ts-rs (docs/decisions/0018). */
export type { OtcBox, OtcLine, OtcPatient, OtcPayer, OtcProduct, OtcScanOutcome, OtcStage, OtcView } from "./generated/types";
import type { OtcLine, OtcPayer, OtcProduct, OtcScanOutcome, OtcView } from "./generated/types";

export const otcStart = () => invoke<OtcView>("otc_start");
export const otcCurrent = () => invoke<OtcView | null>("otc_current");
export const otcSearch = (query: string) => invoke<OtcProduct[]>("otc_search", { query });
export const otcAdd = (productId: string, quantity: string, split: boolean) =>
  invoke<OtcView>("otc_add", { productId, quantity, split });
export const otcSetQuantity = (index: number, quantity: string) => invoke<OtcView>("otc_set_quantity", { index, quantity });
export const otcScan = (code: string) => invoke<OtcScanOutcome>("otc_scan", { code });
export const otcNoCode = (index: number, reason: string) => invoke<OtcView>("otc_no_code", { index, reason });
export const otcIdentify = (method: IdMethod, code: string, consent?: boolean) =>
  invoke<OtcView>("otc_identify", { method, code, consent: consent ?? null });
export const otcCheckout = (payer: OtcPayer) => invoke<OtcView>("otc_checkout", { payer });
export const otcSettle = () => invoke<OtcView>("otc_settle");
export const otcResolveUncertain = () => invoke<OtcView>("otc_resolve_uncertain");
export const otcPay = (method: "cash" | "scan" | "terminal", tendered: string | null, payCode: string | null) =>
  invoke<OtcView>("otc_pay", { method, tendered, payCode });
export const otcComplete = () => invoke<OtcView>("otc_complete");
export const otcCancel = () => invoke<OtcView>("otc_cancel");

/**
 * What the line typed (or wedge-scanned) into the scan field is: a code for
 * the scanner path (GTIN 8–14 digits, 20-digit trace code, GS1 with AI 01),
 * an e-voucher QR (the customer, for the personal account), or a search
 * (name, 拼音 initials such as "blf").
 */
export function classifyInput(text: string): "scan" | "voucher" | "search" | "empty" {
  const s = text.trim();
  if (!s) return "empty";
  if (/^\d{8}$|^\d{12,14}$|^\d{20}$/.test(s)) return "scan";
  if (/^(\(01\)|01)\d{14}/.test(s) && s.length > 16) return "scan";
  // The national e-voucher QR: region code + "ec" + token (demo: 110000ecdemo…).
  if (/^\d{6}ec[0-9a-z]{8,}$/i.test(s)) return "voucher";
  return "search";
}

/** Quantity typed for a cart line: a positive whole number (the cart re-checks). */
export function validQuantity(text: string): boolean {
  return /^\d{1,5}$/.test(text.trim()) && Number.parseInt(text.trim(), 10) > 0;
}

/** Lines still waiting for boxes (traced products scanned box by box: 无码不结). */
export function missingBoxes(view: OtcView | null): OtcLine[] {
  return view ? view.lines.filter((l) => !l.complete) : [];
}

export type OtcAction = "new_sale" | "checkout" | "settle" | "pay" | "complete" | "toggle_payer" | "cancel" | "resolve";

/**
 * The screen's keys: F2 toggles 自费 / 个人账户, F3 moves the sale on (结算 →
 * 确认 → 收款/出票, like the visit's pay key), F4 a new sale after the
 * receipt, Esc cancels before any money moved.
 */
export function keyAction(key: string, view: OtcView | null, paid: boolean): OtcAction | null {
  if (!view) return key === "F4" ? "new_sale" : null;
  const s = view.stage;
  switch (key) {
    case "F2":
      return s === "cart" || s === "checkout" ? "toggle_payer" : null;
    case "F3":
      if (s === "cart") return view.complete ? "checkout" : null;
      if (s === "checkout") return "settle";
      if (s === "settled") return paid || isNothingDue(view) ? "complete" : "pay";
      if (s === "uncertain") return "resolve";
      return null;
    case "F4":
      return s === "receipted" || s === "cancelled" ? "new_sale" : null;
    case "Escape":
      return s === "cart" || s === "checkout" ? "cancel" : null;
    default:
      return null;
  }
}

/** Nothing left for the customer to pay (the personal account paid it all). */
export function isNothingDue(view: OtcView): boolean {
  const c = view.split?.cashPay;
  return c !== undefined && /^0+(\.0+)?$/.test(c);
}
