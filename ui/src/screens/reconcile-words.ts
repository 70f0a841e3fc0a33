// The daily reconciliation's differences in the window's locale: the
// backend sends each difference as a stable code with its figures
// (`ReconcileOutcome.notes`, same order as the zh-CN sentences in
// `differences`, which stay for the CLI and the recorded summary); zh-CN
// shows the service's own sentence, another locale words the code from
// `i18n-manager.ts`. Pure, so vitest checks no Chinese reaches an en-US
// window and every code the Rust source sends has words.
import type { Key, Locale } from "../i18n/i18n";
import { insutypeName } from "../i18n/plain";
import type { ReconcileNote, ReconciliationRecord, TotalCheck } from "../ipc/generated/types";

type T = (key: Key) => string;

function keyed(t: T, key: string, fallback: string): string {
  const s = t(key as Key);
  return s === key ? fallback : s;
}

function fill(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => params[k] ?? "");
}

/** One difference: the service's zh-CN sentence in zh-CN, the code's words otherwise. */
export function reconcileNoteWords(t: T, note: ReconcileNote, sentenceZh: string | undefined, locale: Locale): string {
  if (locale === "zh-CN" && sentenceZh) return sentenceZh;
  const p: Record<string, string> = { ...(note.params as Record<string, string>), code: note.code };
  if (p.insutype !== undefined) p.insutype = insutypeName(p.insutype, locale);
  if (p.refunded !== undefined) p.refunded = t(p.refunded === "true" ? "mgr.rec.refunded" : "mgr.rec.not_refunded");
  return fill(keyed(t, `mgr.rec.note.${note.code}`, t("mgr.rec.note.other")), p);
}

/** The center's answer for one 险种: its own words in zh-CN, balanced / not otherwise. */
export function centerAnswerWords(t: T, tc: Pick<TotalCheck, "balanced" | "stmtRsltDscr">, locale: Locale): string {
  if (locale === "zh-CN" && tc.stmtRsltDscr) return tc.stmtRsltDscr;
  return t(tc.balanced ? "mgr.rec.balanced" : "mgr.rec.unbalanced");
}

/**
 * A past reconciliation's summary line: the recorded zh-CN summary in zh-CN;
 * otherwise the outcome and the number of differences, counted from the
 * recorded center answer (`centerJson`: the 险种 totals that did not balance
 * and the settlements that differ).
 */
export function recordSummaryWords(t: T, h: Pick<ReconciliationRecord, "outcome" | "centerJson" | "summary">, locale: Locale): string {
  if (locale === "zh-CN") return h.summary;
  if (h.outcome === "balanced") return t("mgr.rec.balanced");
  if (h.outcome !== "differences") return t("mgr.rec.summary.failed");
  let n = 0;
  try {
    const c = JSON.parse(h.centerJson) as { totals?: { balanced?: boolean }[]; details?: unknown[] };
    n = (c.totals ?? []).filter((x) => x.balanced === false).length + (c.details ?? []).length;
  } catch {
    n = 0;
  }
  return fill(t(n ? "mgr.rec.summary.differences" : "mgr.rec.differences"), { n: String(n) });
}
