// The chain manager's views as the chain screen shows them, as pure
// functions tested without a window: words for upload states, the
// reconciliation outcome (平账 / 有差异 / 未对账) with its tone, head
// office's failure codes, store names by code, and the regulator's chain
// row apart from the stores'.
import type { ChainDayRow, ChainRegulatorRow, ChainViews } from "../ipc/generated/types";
import type { Locale } from "../i18n/i18n";

type Words = Record<string, { zh: string; en: string }>;

const word = (w: Words, code: string, locale: Locale): string => {
  const e = w[code];
  return e ? (locale === "en-US" ? e.en : e.zh) : code;
};

const UPLOAD_STATES: Words = {
  pending: { zh: "待上传", en: "Waiting" },
  sending: { zh: "上传中", en: "Sending" },
  uncertain: { zh: "结果未知", en: "Outcome unknown" },
  done: { zh: "已完成", en: "Done" },
  rejected: { zh: "被拒绝", en: "Rejected" },
  voided: { zh: "已作废", en: "Voided" },
};

/** An upload state in the locale (the code itself when unknown). */
export function uploadStateWord(state: string, locale: Locale): string {
  return word(UPLOAD_STATES, state, locale);
}

/** Upload states that need the manager's eye. */
export function uploadStateTone(state: string): "ok" | "warn" | "bad" {
  if (state === "rejected" || state === "uncertain") return "bad";
  if (state === "pending" || state === "sending") return "warn";
  return "ok";
}

const FAILURE_CODES: Words = {
  trace_code_sold_twice: { zh: "追溯码已在别处售出", en: "Trace code already sold elsewhere" },
  settlement_has_two_sales: { zh: "同一结算关联了两笔销售", en: "One settlement linked to two sales" },
  sale_settled_twice: { zh: "同一销售结算了两次", en: "A sale settled twice" },
  rtal_docno_reused: { zh: "零售单据号重复", en: "Retail document number reused" },
  not_owner: { zh: "记录不属于该收银台", en: "Record not owned by the counter" },
  malformed_record: { zh: "记录格式错误", en: "Malformed record" },
  rejected_by_database: { zh: "总部数据库拒收", en: "Refused by head office's database" },
};

/** Head office's failure code in words (the code itself when unknown). */
export function failureWord(code: string, locale: Locale): string {
  return word(FAILURE_CODES, code, locale);
}

export interface Outcome {
  text: string;
  tone: "ok" | "bad" | "warn";
}

/** A store's day: balanced (平账), with differences, failed, or not reconciled yet. */
export function outcomeOf(day: ChainDayRow, locale: Locale): Outcome {
  const en = locale === "en-US";
  switch (day.outcome) {
    case "balanced":
      return { text: en ? "Balanced" : "平账", tone: "ok" };
    case "differences":
      return { text: en ? "Differences" : "有差异", tone: "bad" };
    case "failed":
      return { text: en ? "Reconciliation failed" : "对账失败", tone: "bad" };
    case null:
    case undefined:
      return { text: en ? "Not reconciled" : "未对账", tone: "warn" };
    default:
      return { text: day.outcome, tone: "warn" };
  }
}

/** `名称（编码）` (`Name (code)` in en-US), or the code when the store is unknown; the chain for "". */
export function storeLabel(views: Pick<ChainViews, "stores">, code: string, locale: Locale): string {
  if (code === "") return locale === "en-US" ? "Whole chain" : "全连锁合计";
  const s = views.stores.find((x) => x.storeCode === code);
  if (!s) return code;
  return locale === "en-US" ? `${s.name} (${code})` : `${s.name}（${code}）`;
}

/** The regulator's rows: per store, and the chain's (storeCode ""). */
export function splitRegulator(rows: ChainRegulatorRow[]): { stores: ChainRegulatorRow[]; chain: ChainRegulatorRow | null } {
  return { stores: rows.filter((r) => r.storeCode !== ""), chain: rows.find((r) => r.storeCode === "") ?? null };
}

/** Open (unresolved) failures per store code. */
export function openFailuresByStore(views: Pick<ChainViews, "failures">): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of views.failures) if (!f.resolved) m.set(f.storeCode, (m.get(f.storeCode) ?? 0) + 1);
  return m;
}
