// Typed wrappers over the manager commands (src-tauri/src/manager_commands.rs)
// and the pure helpers of the manager screen: age and money formatting,
// chart scaling, CSV fields, date defaults. No DOM here, so vitest covers it.
import { invoke } from "@tauri-apps/api/core";

export type UploadState = "pending" | "sending" | "uncertain" | "done" | "rejected" | "voided";
export type QueueFilter = "open" | UploadState | "all";

export interface QueueStatus {
  depth: number;
  pending: number;
  sending: number;
  uncertain: number;
  rejected: number;
  done: number;
  voided: number;
  oldest_pending_age_secs: number | null;
  last_success: string | null;
  last_error: string | null;
  online: boolean | null;
}

export interface QueueSummary {
  status: QueueStatus;
  open: number;
  oldest_label: string | null;
  worker_running: boolean;
  worker_problem: string | null;
  /** The start-up check of the ledger (audit log against its anchors); null before the first. */
  integrity?: IntegrityStatus | null;
}

export interface IntegrityStatus {
  audit_ok: boolean;
  audit_entries: number;
  audit_problem: string | null;
  audit_anchor: string | null;
  permissions_fixed: number;
  documents_purged: number;
}

/**
 * What the queue tab says about the start-up ledger check: the red banner
 * when the audit log failed its check (with the problem found), a quiet
 * line when it passed, nothing before the first check.
 */
export type IntegrityBanner =
  | { kind: "broken"; problem: string }
  | { kind: "ok"; anchor: string }
  | null;

export function integrityBanner(s: QueueSummary | null | undefined): IntegrityBanner {
  const i = s?.integrity;
  if (!i) return null;
  if (!i.audit_ok) return { kind: "broken", problem: i.audit_problem ?? "" };
  return { kind: "ok", anchor: i.audit_anchor ?? "" };
}

export interface QueueItem {
  id: number;
  msgid: string;
  op: string;
  chain_key: string;
  ref_kind: string;
  ref_id: number;
  state: UploadState;
  attempts: number;
  created_at: number;
  next_attempt_at: number;
  last_error: string | null;
  reject_code: string | null;
  void_reason: string | null;
  state_label: string;
  op_label: string;
  created: string;
  age: string;
  can_retry: boolean;
  can_void: boolean;
}

/** Settlements per credential actually used (rxdesk_store::reports::CredentialCounts). */
export interface CredentialCounts {
  e_voucher: number;
  epc_qr: number;
  face: number;
  social_security_card: number;
  id_card: number;
  unknown: number;
}
export interface MonthShare {
  month: string;
  settlements: number;
  /** E-voucher forms: its QR, the e-prescription QR and the face. */
  evoucher: number;
  unknown: number;
  share_percent: string;
  meets_target: boolean;
  face: number;
  face_share_percent: string;
  by_credential: CredentialCounts;
}
export interface PharmacistAudits {
  login: string;
  name: string;
  total: number;
  approved: number;
  rejected: number;
  referred: number;
}
export interface DayRefunds {
  day: string;
  count: number;
  amount: string;
}
export interface PriceAlert {
  sale_id: number;
  rtal_docno: string;
  sold_at: string;
  name: string;
  spec: string;
  med_list_codg: string;
  price: string;
  reference_price: string;
  over_percent: string;
}
export type PriceBasis = "listed" | "average" | "median";
export interface PriceComparison {
  basis: PriceBasis;
  reference: string;
  above: boolean;
  over_percent: string;
}
export interface PriceCheck {
  sale_id: number;
  rtal_docno: string;
  sold_at: string;
  name: string;
  spec: string;
  med_list_codg: string;
  price: string;
  /** 挂网价 first, then the province's average, then its median. */
  comparisons: PriceComparison[];
}
export interface PriceMonitor {
  products_with_figures: number;
  lines_compared: number;
  above: PriceCheck[];
}
export interface Figures {
  from: string;
  to: string;
  evoucher: MonthShare[];
  evoucher_target_percent: number;
  audits: PharmacistAudits[];
  refunds: DayRefunds[];
  price_alerts: PriceAlert[];
  price_monitor: PriceMonitor;
}

/** The columns of the price monitor, 挂网价 first (the order the regulator reads them in). */
export const PRICE_BASES: readonly PriceBasis[] = ["listed", "average", "median"];

/** The comparison of one basis, or null when the province gave no such figure. */
export function comparisonOf(c: PriceCheck, basis: PriceBasis): PriceComparison | null {
  return c.comparisons.find((x) => x.basis === basis) ?? null;
}

/** The credentials in the order the manager screen lists them, with their i18n keys. */
export const CREDENTIAL_COLUMNS: readonly { key: keyof CredentialCounts; label: string }[] = [
  { key: "e_voucher", label: "mgr.fig.cred.e_voucher" },
  { key: "epc_qr", label: "mgr.fig.cred.epc_qr" },
  { key: "face", label: "mgr.fig.cred.face" },
  { key: "social_security_card", label: "mgr.fig.cred.card" },
  { key: "id_card", label: "mgr.fig.cred.id_card" },
  { key: "unknown", label: "mgr.fig.cred.unknown" },
];
export interface Exported {
  path: string;
  bytes: number;
}
export interface SettlementTotals {
  count: number;
  medfee_sumamt: string;
  fund_pay_sumamt: string;
  acct_pay: string;
  psn_cash_pay: string;
}
export interface TotalCheck {
  insutype: string;
  local: SettlementTotals;
  stmt_rslt: string;
  stmt_rslt_dscr: string;
  balanced: boolean;
}
export interface DetailDifference {
  setl_id: string;
  memo: string;
  sentence: string;
}
export interface ReconcileOutcome {
  record_id: number;
  day: string;
  outcome: "balanced" | "differences";
  local: SettlementTotals;
  detail_rows: number;
  totals: TotalCheck[];
  details: DetailDifference[];
  differences: string[];
  audit_anchor: string;
}
export interface ReconciliationRecord {
  id: number;
  day: string;
  outcome: "balanced" | "differences" | "failed";
  local_json: string;
  center_json: string;
  summary: string;
  operator_name: string;
  at: string;
}

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
