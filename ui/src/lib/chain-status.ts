// The head-office sync item of the status bar (issue 17 item 3), as a pure
// function of the chain status so its states are tested without a window:
// 总部 ✓ 12:03 (green, synced) / 总部 积压 37 (amber, a backlog waits) /
// 总部 离线 or 总部 拒收 2 or 总部 同步失败 (red: the last round failed or head
// office blocks records). Nothing when the counter is not in a chain.
import type { ChainIssueView, ChainStatusView } from "../ipc/generated/types";
import type { Key, Locale } from "../i18n/i18n";
import { fill } from "../ipc/errors";
import { failureWord } from "./chain-views";

export type ChainTone = "ok" | "warn" | "bad";

export interface ChainItem {
  tone: ChainTone;
  /** The compact text in the status bar (one line at 1024 px). */
  text: string;
  /** The tooltip: last sync, backlog, the error sentence, in the locale. */
  title: string;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `12:03` today, `12-04 12:03` on another day (local time). */
export function syncTime(ms: number, now: number = Date.now()): string {
  const d = new Date(ms);
  const n = new Date(now);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const sameDay = d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
  return sameDay ? hm : `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
}

/** `2026-12-05 12:03` (local time), for the tooltip and the manager view. */
export function syncDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The error sentence in the window's locale (the backend makes both). */
export function chainErrorSentence(s: ChainStatusView, locale: Locale): string | null {
  if (!s.error) return null;
  return locale === "en-US" ? s.error.messageEn : s.error.messageZh;
}

/** The status bar item, or null when not in a chain. */
export function chainItem(s: ChainStatusView | null | undefined, locale: Locale, now: number = Date.now()): ChainItem | null {
  if (!s || !s.registered) return null;
  const en = locale === "en-US";
  const hq = en ? "HQ" : "总部";
  let tone: ChainTone;
  let state: string;
  if (s.error?.code === "hq_unreachable") {
    tone = "bad";
    state = en ? "offline" : "离线";
  } else if (s.issues.length > 0) {
    tone = "bad";
    state = en ? `refused ${s.issues.length}` : `拒收 ${s.issues.length}`;
  } else if (s.error) {
    tone = "bad";
    state = en ? "sync failed" : "同步失败";
  } else if (s.backlog > 0) {
    tone = "warn";
    state = en ? `backlog ${s.backlog}` : `积压 ${s.backlog}`;
  } else if (s.lastSyncAt === null) {
    tone = "warn";
    state = en ? "not synced" : "未同步";
  } else {
    tone = "ok";
    state = `✓ ${syncTime(s.lastSyncAt, now)}`;
  }
  const lines: string[] = [];
  lines.push(
    s.lastSyncAt === null
      ? en
        ? "Last sync: never"
        : "上次同步：从未"
      : en
        ? `Last sync: ${syncDateTime(s.lastSyncAt)}`
        : `上次同步：${syncDateTime(s.lastSyncAt)}`,
  );
  lines.push(en ? `Waiting to upload: ${s.backlog}` : `待上传：${s.backlog} 条`);
  if (s.syncing) lines.push(en ? "Syncing now…" : "正在同步…");
  const sentence = chainErrorSentence(s, locale);
  if (sentence) lines.push(sentence);
  if (s.issues.length > 0 && s.error?.code !== "batch_refused") {
    lines.push(
      en
        ? `${s.issues.length} record(s) refused by head office: see the manager view`
        : `总部拒收 ${s.issues.length} 条记录：请店长在管理界面查看`,
    );
  }
  return { tone, text: `${hq} ${state}`, title: lines.join("\n") };
}

/** What each synced table is called at the counter (the manager reads these, not wire names). */
const TABLE_NAMES: Record<string, { zh: string; en: string }> = {
  sale: { zh: "销售单", en: "Sale" },
  sale_line: { zh: "销售明细", en: "Sale line" },
  trace_code: { zh: "追溯码", en: "Trace code" },
  settlement: { zh: "医保结算", en: "Insurance settlement" },
  sale_payment: { zh: "收款", en: "Payment" },
  refund: { zh: "退费", en: "Refund" },
  goods_doc: { zh: "入库/退货单", en: "Goods-in or return" },
  stock_batch: { zh: "批次", en: "Batch" },
  stock_box: { zh: "药品盒", en: "Box" },
  stock_change: { zh: "库存变更", en: "Stock change" },
  stock_take: { zh: "盘点", en: "Stock-take" },
  upload_state: { zh: "上传状态", en: "Upload state" },
  reconciliation: { zh: "对账", en: "Reconciliation" },
  till_shift: { zh: "收银班次", en: "Till shift" },
  transfer: { zh: "调拨单", en: "Transfer" },
  product: { zh: "商品目录", en: "Product" },
};

/** A synced table's name in the window's locale (the wire name if unknown). */
export function tableLabel(table: string, locale: Locale): string {
  const n = TABLE_NAMES[table];
  return n ? (locale === "zh-CN" ? n.zh : n.en) : table;
}

/**
 * A record head office refused, in the pharmacist's words from the catalogue
 * (`mgr.chain.issue.*`): what happened and what to do. A box already sold
 * names the counter that sold it (and its store when it is another store),
 * the trace code masked as the shell sends it; other refusals, and a head
 * office that sent no particulars, get the code's general words.
 */
export function issueSentence(i: ChainIssueView, ownStore: string | null, t: (key: Key) => string, locale: Locale): string {
  if (i.code === "trace_code_sold_twice") {
    const p = i.params ?? {};
    const params = { code: p.trace_code, counter: p.counter_no, store: p.store_code };
    const key: Key = p.store_code && p.store_code !== ownStore ? "mgr.chain.issue.sold_other_store" : "mgr.chain.issue.sold_here";
    return fill(t(key), params) ?? t("mgr.chain.issue.sold_elsewhere");
  }
  return failureWord(i.code, locale);
}
