// The counter's start-up notice for a visit settled at the center before the
// program stopped but never completed: plain words, shown before
// anything else, with the actions the operator may take — finish it at the
// settled amounts, or (a manager) reverse the settlement. Pure, so vitest can
// pin the words and the actions.
import type { Key } from "../i18n";
import { yuan } from "../money";
import type { VisitView } from "../visit-api";

export type RecoveredAction = "finish" | "reverse";

export interface RecoveredNotice {
  title: string;
  body: string;
  /** What the signed-in operator may do, first the default. */
  actions: RecoveredAction[];
  /** Said to a non-manager: who can reverse. */
  managerNote: string | null;
}

/** The notice for a recovered visit, or null when the visit is not one. */
export function recoveredNotice(v: VisitView | null, role: string | null, t: (key: Key) => string): RecoveredNotice | null {
  if (!v || !v.recovered || v.state !== "settled" || !v.split) return null;
  const s = v.split;
  const body = t("recovered.body")
    .replace("{patient}", v.patient?.name ?? t("recovered.patient_unknown"))
    .replace("{setlId}", s.setlId ?? "")
    .replace("{total}", yuan(s.total))
    .replace("{fund}", yuan(s.fundPay))
    .replace("{account}", yuan(s.accountPay))
    .replace("{cash}", yuan(s.cashPay));
  const manager = role === "manager";
  return {
    title: t("recovered.title"),
    body,
    actions: manager ? ["finish", "reverse"] : ["finish"],
    managerNote: manager ? null : t("recovered.reverse_manager_only"),
  };
}
