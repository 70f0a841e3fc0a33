// History screen helpers: the day the screen opens on and a day's total,
// in exact cents (money is never a float).
import { sum } from "./money";
import type { SaleSummary } from "../ipc/visit-api";

/** The counter's local day as the history search takes it (`YYYY-MM-DD`). */
export function dayQuery(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** A search text that is a day (the backend lists that day's sales). */
export function isDay(q: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(q.trim());
}

/** The sales that stand (refunded ones apart) and their exact total. */
export function dayTotal(rows: SaleSummary[]): { count: number; refunded: number; total: string } {
  const standing = rows.filter((r) => r.state !== "refunded");
  return {
    count: standing.length,
    refunded: rows.length - standing.length,
    total: sum(standing.map((r) => r.total)) ?? "—",
  };
}
