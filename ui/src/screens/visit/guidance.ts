// What the receipt panel shows of the medication guidance: the slip as it
// was printed (dose, frequency, route, days, the doctor's instructions, the
// line's remarks and the catalogue's warnings) — its content, never where a
// file was written. Pure, so that promise is unit-tested.

import type { SaleView } from "../../ipc/visit-api";

export interface GuidanceDisplay {
  /** The slip's text, or null when none was produced. */
  text: string | null;
}

/** A path-looking token: `/…/x.pdf`, `C:\…`, `…/receipts/…`. */
const PATH = /(^|[\s：:（(])(?:[A-Za-z]:\\|\/)[^\s，。；）)]*|\S+\.(?:pdf|escpos)\b/g;

/** The guidance to show for a completed sale (never a file path). */
export function guidanceDisplay(sale: Pick<SaleView, "guidanceText">): GuidanceDisplay {
  const text = (sale.guidanceText ?? "").trim();
  return { text: text === "" ? null : text };
}

/** The printer outcome sentence without any file path in it. */
export function withoutPaths(sentence: string): string {
  return sentence.replace(PATH, (_m, lead: string | undefined) => lead ?? "").replace(/\s{2,}/g, " ").trim();
}
