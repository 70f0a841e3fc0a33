// Typed wrappers over the inventory commands (src-tauri/src/inventory_commands.rs)
// and the pure logic of the inventory screen (库存): the scan list of a
// document, the code pre-check, the goods-in form's missing fields, the
// stock-take's progress, expiry classes. No DOM here, so vitest covers it.
// Quantities and prices are decimal strings from the backend, never floats.
import { invoke } from "@tauri-apps/api/core";

// The inventory screen's shapes, generated from Rust (ts-rs).
import type {
  CodeTrace,
  GoodsDocView,
  GoodsInForm,
  GoodsInLineForm,
  ProductChoice,
  ScannedBox,
  StockPage,
  StockTakeView,
  TraceReconciliation,
} from "./generated/types";
export type {
  CodeTrace,
  DifferenceClass,
  GoodsDocView,
  GoodsInForm,
  GoodsInLineForm,
  PlatformSale,
  ProductChoice,
  ScannedBox,
  StockLineView,
  StockPage,
  StockTakeView,
  TraceDifference,
  TraceReconciliation,
} from "./generated/types";

/** The header and the line being scanned, as the form holds them. */
export type GoodsInDraft = { supplier: string; invoiceNo: string } & GoodsInLineForm;

export type ChangeKind = "loss" | "surplus" | "transfer_in" | "transfer_out" | "expired";
export const CHANGE_KINDS: ChangeKind[] = ["loss", "surplus", "transfer_in", "transfer_out", "expired"];
/** 报溢 and 调拨入库 bring written-off boxes back; the others take boxes off the shelf. */
export const incomingKind = (k: ChangeKind): boolean => k === "surplus" || k === "transfer_in";

export const findProducts = (query: string) => invoke<ProductChoice[]>("inventory_products", { query });
export const checkReceive = (product: string, code: string, scanned: string[]) =>
  invoke<ScannedBox>("inventory_check_receive", { product, code, scanned });
export const checkBox = (code: string, incoming: boolean, whole: boolean, scanned: string[]) =>
  invoke<ScannedBox>("inventory_check_box", { code, incoming, whole, scanned });
export const receiveGoods = (form: GoodsInForm) => invoke<GoodsDocView>("inventory_receive", { form });
export const returnGoods = (supplier: string, invoiceNo: string, codes: string[], reason: string) =>
  invoke<GoodsDocView>("inventory_return", { supplier, invoiceNo, codes, reason });
export const stockChange = (kind: ChangeKind, codes: string[], reason: string) => invoke<number>("inventory_change", { kind, codes, reason });
export const stockTakePreview = (codes: string[]) => invoke<StockTakeView>("stocktake_preview", { codes });
export const stockTakeCommit = (codes: string[]) => invoke<StockTakeView>("stocktake_commit", { codes });
export const stockList = (query = "", limit = 300) => invoke<StockPage>("stock_list", { query, limit });
export const nearExpiry = (days: number, limit = 300) => invoke<StockPage>("near_expiry", { days, limit });
export const traceReconcileDay = (day: string) => invoke<TraceReconciliation>("trace_reconcile_day", { day });
export const traceCodeLookup = (code: string) => invoke<CodeTrace>("trace_code_lookup", { code });

/** Full-width digits (a Chinese IME left on) to ASCII, spaces trimmed. */
export function normaliseScan(raw: string): string {
  return raw.trim().replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

/** A 20-digit drug trace code (after normalising). */
export function isTraceCode(raw: string): boolean {
  return /^\d{20}$/.test(normaliseScan(raw));
}

/**
 * What a scan means on a document's scan list: a new code, one already on
 * the list (said, not added twice), or not a trace code at all (a box's
 * 13-digit barcode scanned by mistake, a mangled read).
 */
export type ScanVerdict = { kind: "new"; code: string } | { kind: "repeat"; code: string } | { kind: "malformed"; raw: string };

export function judgeScan(raw: string, list: readonly string[] | ReadonlySet<string>): ScanVerdict {
  const code = normaliseScan(raw);
  if (!/^\d{20}$/.test(code)) return { kind: "malformed", raw: code };
  const seen = list instanceof Set ? list.has(code) : (list as readonly string[]).includes(code);
  return seen ? { kind: "repeat", code } : { kind: "new", code };
}

/** The goods-in form's missing fields, in screen order (i18n keys' tails). */
export function missingGoodsIn(f: GoodsInDraft): string[] {
  return [...missingHeader(f), ...missingLine(f)];
}

/** The document's header fields missing. */
export function missingHeader(f: { supplier: string; invoiceNo: string }): string[] {
  const out: string[] = [];
  if (!f.supplier.trim()) out.push("supplier");
  if (!f.invoiceNo.trim()) out.push("invoice");
  return out;
}

/** A line's fields missing (the product, lot, dates, price, at least one box). */
export function missingLine(f: GoodsInLineForm): string[] {
  const out: string[] = [];
  if (!f.product.trim()) out.push("product");
  if (!f.lot.trim()) out.push("lot");
  if (!isDay(f.manuDate)) out.push("manu_date");
  if (!isDay(f.expiry)) out.push("expiry");
  if (!isMoney(f.price)) out.push("price");
  if (f.codes.length === 0) out.push("boxes");
  return out;
}

/**
 * The document to commit: the lines finished so far and the line being
 * scanned when it has boxes; or what is missing (the line being scanned is
 * checked whole once it has a box, an empty one is left out).
 */
export function goodsInDocument(d: GoodsInDraft, done: readonly GoodsInLineForm[]): { form: GoodsInForm } | { missing: string[] } {
  const current: GoodsInLineForm = { product: d.product, lot: d.lot, manuDate: d.manuDate, expiry: d.expiry, price: d.price, codes: d.codes };
  const withCurrent = d.codes.length > 0 || done.length === 0;
  const missing = [...missingHeader(d), ...(withCurrent ? missingLine(current) : [])];
  if (missing.length) return { missing };
  return { form: { supplier: d.supplier, invoiceNo: d.invoiceNo, lines: withCurrent ? [...done, current] : [...done] } };
}

/** `yyyy-MM-dd`. */
export function isDay(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s.trim()) && !Number.isNaN(Date.parse(`${s.trim()}T00:00:00Z`));
}

/** A non-negative decimal amount with at most 4 decimals ("12", "12.50"). */
export function isMoney(s: string): boolean {
  return /^\d{1,9}(\.\d{1,4})?$/.test(s.trim());
}

/**
 * A scan progress: goods-in counts scanned boxes against the boxes expected
 * (the delivery note's count, optional); the stock-take counts the boxes
 * found against the boxes the ledger has in scope. Percent 0–100, integer.
 */
export function progressPercent(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.floor((done * 100) / total));
}

/** How far a stock-take is: boxes found of those the ledger expects. */
export function takeProgress(v: StockTakeView | null): { found: number; expected: number; percent: number } {
  if (!v) return { found: 0, expected: 0, percent: 0 };
  const expected = v.matched + v.missing.length;
  return { found: v.matched, expected, percent: progressPercent(v.matched, expected) };
}

/** A batch's expiry class: expired, within 90 days (near), or fine. */
export function expiryClass(daysLeft: number): "expired" | "near" | "ok" {
  if (daysLeft < 0) return "expired";
  return daysLeft <= 90 ? "near" : "ok";
}

/** Today's CST day `yyyy-MM-dd` (the reconciliation's default). */
export function cstDay(now: Date = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** A code grouped 4-4-4-4-4 for reading aloud ("8130 5122 …"). */
export function groupCode(code: string): string {
  return code.replace(/(\d{4})(?=\d)/g, "$1 ");
}
