// The per-line trace-code collection state on the dispensing list (应采 /
// 已采 / 申诉 / 无需采集, the last two with their reason): what the badge
// says and which tone it takes. 应采 holds settlement back (无码不结).
import type { Key } from "../../i18n/i18n";
import type { DispenseLineView } from "../../ipc/visit-api";

export interface CollectionBadge {
  state: string;
  text: string;
  tone: "ok" | "wait" | "warn";
}

export function collectionBadge(t: (key: Key) => string, line: DispenseLineView): CollectionBadge | null {
  const c = line.collection;
  if (!c) return null;
  const label = t(`disp.coll_${c.state}` as Key);
  const reason = "reason" in c && c.reason ? `：${c.reason}` : "";
  const tone = c.state === "collected" ? "ok" : c.state === "due" ? "wait" : "warn";
  return { state: c.state, text: `${label}${reason}`, tone };
}
