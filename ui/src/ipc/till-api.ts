// Typed wrappers over the till commands (src-tauri/src/till_commands.rs) and
// the pure helpers of the till screen: the difference in words, the float
// and counted-cash checks. Money stays decimal text (lib/money.ts), never
// Number. No DOM here, so vitest covers it.
import { invoke } from "@tauri-apps/api/core";
import { parseCents, formatCents } from "../lib/money";

export type PayMethod = "cash" | "wechat" | "alipay" | "terminal";

// The shapes of rxdesk_app::till, generated from Rust (ts-rs).
import type { DayReportView, ShiftEnded, TillClosed, TillLineView, TillView } from "./generated/types";
export type { DayFigures, DayMethod, DayReport, DayReportView, PrintedSlip, ShiftEnded, TillClosed, TillView } from "./generated/types";
export type TillLine = TillLineView;

/** 药师下岗: ends the signed-in pharmacist's duty (recorded in the ledger and the audit log). */
export const shiftEnd = () => invoke<ShiftEnded>("shift_end");
export const tillCurrent = () => invoke<TillView | null>("till_current");
export const tillOpen = (float: string) => invoke<TillView>("till_open", { float });
export const tillClose = (countedCash: string, counted: Partial<Record<PayMethod, string>>, note: string) =>
  invoke<TillClosed>("till_close", { countedCash, counted, note });
export const tillReprint = (shiftId: number) => invoke<TillClosed>("till_reprint", { shiftId });
export const dayReport = (day: string, print: boolean) => invoke<DayReportView>("day_report", { day, print });

/** A typed amount as cents, or null when it is not money (or negative). */
export function amountCents(text: string): bigint | null {
  const t = text.trim().replace(/^¥/, "");
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return null;
  return parseCents(t);
}

/** counted − expected, as decimal text (null while nothing is typed or it is not money). */
export function liveDifference(counted: string, expected: string): string | null {
  const c = amountCents(counted);
  const e = parseCents(expected);
  if (c === null || e === null) return null;
  return formatCents(c - e);
}

/** The sign of a difference: balanced, short (短款) or over (长款). */
export function differenceKind(diff: string | null): "none" | "balanced" | "short" | "over" {
  if (diff === null) return "none";
  const c = parseCents(diff);
  if (c === null) return "none";
  if (c === 0n) return "balanced";
  return c < 0n ? "short" : "over";
}

/** Today's CST date (yyyy-MM-dd), the 日结's default day. */
export function todayCst(now: Date = new Date()): string {
  const cst = new Date(now.getTime() + 8 * 3_600_000);
  return cst.toISOString().slice(0, 10);
}
