// The drugs of each prescription in the 7202 list. 7202 itself names none: the visit service
// downloads each listed prescription for the list (`VisitView.listedDrugs`), so the pharmacist
// chooses by the drugs, not only by hospital and time.
import type { ListedDrug, ListedDrugs } from "../../ipc/visit-api";

/** One drug as the list shows it: 通用名（商品名） 规格 ×数量单位. */
export function listedDrugText(d: ListedDrug): string {
  const name = d.prodname && d.prodname !== d.genname ? `${d.genname}（${d.prodname}）` : d.genname;
  const spec = d.spec ? ` ${d.spec}` : "";
  return `${name}${spec} ×${d.count}${d.unit}`;
}

/**
 * What the list shows in the drugs cell of the prescription `authRxno`: the drug texts, or the
 * i18n key saying why there are none (`rx.drugs_refused`, `rx.drugs_unreachable`).
 */
export function listedDrugsCell(
  all: ListedDrugs[] | undefined,
  authRxno: string,
): { drugs: string[]; missingKey: "rx.drugs_refused" | "rx.drugs_unreachable" | null } {
  const entry = (all ?? []).find((e) => e.authRxno === authRxno);
  if (!entry) return { drugs: [], missingKey: "rx.drugs_unreachable" };
  if (entry.missing === "refused") return { drugs: [], missingKey: "rx.drugs_refused" };
  if (entry.missing === "unreachable") return { drugs: [], missingKey: "rx.drugs_unreachable" };
  return { drugs: entry.drugs.map(listedDrugText), missingKey: null };
}
