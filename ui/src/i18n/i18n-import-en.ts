// The English words of i18n-import.ts, in a file of their own so that the window's
// first script carries only zh-CN: the English tables are one chunk, loaded
// when the window is switched to en-US (i18n.ts `useLocale`).
import type { importZh } from "./i18n-import";

export const importEn: Partial<Record<keyof typeof importZh, string>> = {
  "imp.lang": "en",
  "mgr.tab.import": "Import catalogue/stock",
  "imp.title": "Import the product catalogue or stock",
  "imp.intro": "From an Excel (.xlsx) or CSV (UTF-8) file. Every line is checked and summarised first and written only after you confirm; if any line is bad, nothing is imported.",
  "imp.kind": "What to import",
  "imp.kind.catalogue": "Product catalogue (insurance code, name, price, restricted classes…)",
  "imp.kind.stock": "Stock batches (batch number, lot, expiry, quantity)",
  "imp.kind.prices": "Province prices (listed platform price, province average and median, for the price monitor)",
  "imp.file": "Choose a file",
  "imp.columns": "Columns",
  "imp.circulation_help": "circulation: empty when the drug may circulate; otherwise the class codes or zh-CN names, several separated by ;, e.g. narcotic, psychotropic_class2;doping_controlled, vaccine.",
  "imp.phase.reading": "Reading the file…",
  "imp.phase.checking": "Checking",
  "imp.phase.writing": "Writing",
  "imp.rows": "rows",
  "imp.summary": "Summary (nothing written yet)",
  "imp.added": "Added",
  "imp.changed": "Changed",
  "imp.unchanged": "Unchanged",
  "imp.confirm": "Import",
  "imp.cancel": "Cancel",
  "imp.cancelled": "Cancelled: nothing was imported.",
  "imp.done": "Imported",
  "imp.bad_title": "The file has bad lines; nothing was imported. Correct these lines and choose the file again:",
  "imp.col.line": "Line",
  "imp.col.reason": "Reason",
  "imp.whole_file": "whole file",
  "imp.not_table": "Choose a .xlsx or .csv file.",
  "imp.nothing_new": "The file holds exactly what is already there: nothing to import.",
};
