// The counter's start-up notice for a visit settled at the center before the
// program stopped but never completed: plain words, shown before
// anything else, with the actions the operator may take — finish it at the
// settled amounts, or (a manager) reverse the settlement. Pure, so vitest can
// pin the words and the actions.
import type { Key } from "../../i18n/i18n";
import { yuan } from "../../lib/money";
import type { VisitView } from "../../ipc/visit-api";

export type RecoveredAction = "finish" | "reverse";

export interface RecoveredNotice {
  title: string;
  body: string;
  /** The drugs as settled, one line each ("阿莫西林胶囊 0.25g*24粒 ×1盒 ¥12.50"). */
  drugs: string[];
  /** "医保结算ID：S…" on its own line (a long id would break the sentence). */
  setlId: string;
  /** What to do now: take the patient's part, or nothing is due, or it is taken. */
  finish: string;
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
    .replace("{total}", yuan(s.total))
    .replace("{fund}", yuan(s.fundPay))
    .replace("{account}", yuan(s.accountPay))
    .replace("{cash}", yuan(s.cashPay));
  const manager = role === "manager";
  const nothingDue = Number(s.cashPay) === 0;
  const finish = nothingDue
    ? t("recovered.finish_nothing_due")
    : v.payment?.paid
      ? t("recovered.finish_paid")
      : t("recovered.finish").replace("{cash}", yuan(s.cashPay));
  const drugs = (v.recoveredLines ?? []).map(
    (l) => `${l.name}${l.spec ? ` ${l.spec}` : ""} ×${l.quantity}${l.unit} ${yuan(l.amount)}`,
  );
  return {
    title: t("recovered.title"),
    body,
    drugs,
    setlId: `${t("recovered.setl_id")}${s.setlId ?? ""}`,
    finish,
    actions: manager ? ["finish", "reverse"] : ["finish"],
    managerNote: manager ? null : t("recovered.reverse_manager_only"),
  };
}
