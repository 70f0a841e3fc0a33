// Typed wrappers over the manager commands (src-tauri/src/manager_commands.rs)
// and the pure helpers of the manager screen: age and money formatting,
// chart scaling, CSV fields, date defaults. No DOM here, so vitest covers it.
import { invoke } from "@tauri-apps/api/core";

// The manager screen's shapes, generated from Rust (ts-rs).
import type {
  AnchorHead,
  CredentialCounts,
  Exported,
  Figures,
  PriceBasis,
  PriceCheck,
  PriceComparison,
  QueueItem,
  QueueStatus,
  QueueSummary,
  ReconcileOutcome,
  ReconciliationRecord,
  UploadState,
} from "./generated/types";
export type {
  AnchorHead,
  CredentialCounts,
  DayRefunds,
  DetailDifference,
  Exported,
  Figures,
  IntegrityStatus,
  MonthShare,
  PharmacistAudits,
  PriceAlert,
  PriceBasis,
  PriceCheck,
  PriceComparison,
  PriceMonitor,
  QueueItem,
  QueueStatus,
  QueueSummary,
  ReconcileOutcome,
  ReconciliationRecord,
  SettlementTotals,
  TotalCheck,
  UploadState,
} from "./generated/types";

export type QueueFilter = "open" | UploadState | "all";

/**
 * What the queue tab says about the start-up ledger check: the red banner
 * when the audit log failed its check (with the problem found), a quiet
 * line when it passed, nothing before the first check.
 */
export type IntegrityBanner =
  | { kind: "broken"; problem: string; code: string | null; params: Record<string, string> }
  | { kind: "ok"; anchor: string; head: AnchorHead | null }
  | null;

export function integrityBanner(s: QueueSummary | null | undefined): IntegrityBanner {
  const i = s?.integrity;
  if (!i) return null;
  if (!i.auditOk) return { kind: "broken", problem: i.auditProblem ?? "", code: i.auditProblemCode ?? null, params: i.auditProblemParams ?? {} };
  return { kind: "ok", anchor: i.auditAnchor ?? "", head: i.auditAnchorHead ?? null };
}

/** The columns of the price monitor, 挂网价 first (the order the regulator reads them in). */
export const PRICE_BASES: readonly PriceBasis[] = ["listed", "average", "median"];

/** The comparison of one basis, or null when the province gave no such figure. */
export function comparisonOf(c: PriceCheck, basis: PriceBasis): PriceComparison | null {
  return c.comparisons.find((x) => x.basis === basis) ?? null;
}

/** The credentials in the order the manager screen lists them, with their i18n keys. */
export const CREDENTIAL_COLUMNS: readonly { key: keyof CredentialCounts; label: string }[] = [
  { key: "eVoucher", label: "mgr.fig.cred.e_voucher" },
  { key: "epcQr", label: "mgr.fig.cred.epc_qr" },
  { key: "face", label: "mgr.fig.cred.face" },
  { key: "socialSecurityCard", label: "mgr.fig.cred.card" },
  { key: "idCard", label: "mgr.fig.cred.id_card" },
  { key: "unknown", label: "mgr.fig.cred.unknown" },
];
export const queueSummary = (): Promise<QueueSummary> => invoke<QueueSummary>("queue_summary");
export const queueList = (filter: QueueFilter, limit = 200): Promise<QueueItem[]> =>
  invoke<QueueItem[]>("queue_list", { filter: filter === "all" ? null : filter, limit });
export const queuePayload = (id: number): Promise<string> => invoke<string>("queue_payload", { id });
export const queueRetry = (id: number): Promise<QueueItem> => invoke<QueueItem>("queue_retry", { id });
export const queueVoid = (id: number, reason: string): Promise<QueueItem> =>
  invoke<QueueItem>("queue_void", { id, reason });
export const managerFigures = (from: string, to: string): Promise<Figures> =>
  invoke<Figures>("manager_figures", { from, to });
export const managerExport = (from: string, to: string, format: "csv" | "pdf"): Promise<Exported> =>
  invoke<Exported>("manager_export", { from, to, format });
export const reconcileDay = (day: string): Promise<ReconcileOutcome> => invoke<ReconcileOutcome>("reconcile_day", { day });
export const reconciliations = (): Promise<ReconciliationRecord[]> => invoke<ReconciliationRecord[]>("reconciliations");

/** The queue filters in screen order. */
export const QUEUE_FILTERS: QueueFilter[] = ["open", "rejected", "uncertain", "pending", "sending", "done", "voided", "all"];

/** Rows that still need something: pending + sending + uncertain + rejected. */
export function openCount(s: QueueStatus): number {
  return s.pending + s.sending + s.uncertain + s.rejected;
}

/** Seconds as a counter reads them: "45 秒", "3 分钟", "2 小时 5 分", "3 天" (en: "45 s", "3 min", "2 h 5 min", "3 d"). */
export function formatAge(secs: number | null | undefined, locale: "zh-CN" | "en-US" = "zh-CN"): string {
  if (secs === null || secs === undefined || !Number.isFinite(secs) || secs < 0) return "—";
  const s = Math.floor(secs);
  const zh = locale === "zh-CN";
  if (s < 60) return zh ? `${s} 秒` : `${s} s`;
  if (s < 3600) return zh ? `${Math.floor(s / 60)} 分钟` : `${Math.floor(s / 60)} min`;
  if (s < 86400) {
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return zh ? `${h} 小时 ${m} 分` : `${h} h ${m} min`;
  }
  return zh ? `${Math.floor(s / 86400)} 天` : `${Math.floor(s / 86400)} d`;
}

/** A money string ("1234.5") with thousands separators and two decimals, exact (no float). */
export function formatMoney(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return text;
  const [, sign = "", int = "0", frac = ""] = m;
  const grouped = int.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${grouped}.${(frac + "00").slice(0, Math.max(2, frac.replace(/0+$/, "").length))}`;
}

/**
 * A "nice" axis maximum at or above `max`: 1, 2, 2.5, 5 or 10 times a power
 * of ten, so gridlines fall on round numbers. 0 or less gives 1.
 */
export function niceMax(max: number): number {
  if (!Number.isFinite(max) || max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * p >= max - 1e-9) return m * p;
  }
  return 10 * p;
}

export interface Bar {
  label: string;
  value: number;
  /** Bar height (vertical chart) or length (horizontal), in chart units. */
  size: number;
  /** Offset from the chart's start edge. */
  offset: number;
  /** Bar thickness. */
  thickness: number;
}

/**
 * Bars for `values` in a chart `length` long along the value axis and `span`
 * wide across it; the value axis runs to `axisMax` (default: niceMax of the
 * largest value). Negative and non-finite values draw as 0. A non-zero value
 * is at least 1 unit, so it never disappears. Bars are centred in equal
 * slots, at most `maxThickness` thick (a single month is not a wall).
 */
export function scaleBars(
  values: { label: string; value: number }[],
  length: number,
  span: number,
  axisMax?: number,
  maxThickness = Number.POSITIVE_INFINITY,
): { bars: Bar[]; axisMax: number } {
  const top = axisMax ?? niceMax(Math.max(0, ...values.map((v) => (Number.isFinite(v.value) ? v.value : 0))));
  const slot = values.length ? span / values.length : span;
  const bars = values.map((v, i) => {
    const val = Number.isFinite(v.value) && v.value > 0 ? v.value : 0;
    const raw = (Math.min(val, top) / top) * length;
    return {
      label: v.label,
      value: val,
      size: val > 0 ? Math.max(1, raw) : 0,
      offset: i * slot + (slot - Math.min(slot * 0.7, maxThickness)) / 2,
      thickness: Math.min(slot * 0.7, maxThickness),
    };
  });
  return { bars, axisMax: top };
}

/** Where a value falls on an axis of `length` that runs to `axisMax`. */
export function axisPosition(value: number, axisMax: number, length: number): number {
  if (axisMax <= 0) return 0;
  return (Math.max(0, Math.min(value, axisMax)) / axisMax) * length;
}

/**
 * One CSV field as Excel reads it: quoted when it holds a comma, a quote or
 * a line break (quotes doubled); a text that Excel would run as a formula
 * (=, +, @, or - not followed by a digit) gets a leading apostrophe.
 */
export function csvField(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? "" : String(value);
  if (/^[=+@\t\r]/.test(s) || /^-(?!\d)/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV text (CRLF line ends, no BOM: the backend adds it when writing a file). */
export function toCsv(rows: (string | number | null | undefined)[][]): string {
  return rows.map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}

/** yyyy-MM-dd of `d` in China Standard Time (UTC+8), whatever the machine's zone. */
export function cstDay(d: Date = new Date()): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** The first day of the month `monthsBack` months before `day` (yyyy-MM-dd). */
export function monthStart(day: string, monthsBack = 0): string {
  const [y = 1970, m = 1] = day.split("-").map(Number);
  const total = y * 12 + (m - 1) - monthsBack;
  const yy = Math.floor(total / 12);
  const mm = (total % 12) + 1;
  return `${yy}-${String(mm).padStart(2, "0")}-01`;
}

/** True for a real yyyy-MM-dd calendar date. */
export function isDay(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** Saves CSV text built here as `<data>/exports/<stem>_<time>.csv` (BOM added by the backend). */
export const managerSaveCsv = (stem: string, text: string): Promise<Exported> =>
  invoke<Exported>("manager_save_csv", { stem, text });
