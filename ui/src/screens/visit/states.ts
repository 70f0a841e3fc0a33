// One visual language for states, on every screen: green = done, amber =
// waiting / in progress, red = blocked or unknown. The counter's state chip
// takes its words and its colour from here (UI-owned, in the glossary's
// terms), and the payment step's prompt agrees with what the panel shows.
// Pure, so vitest pins the choices.
import type { Key, Locale } from "../../i18n/i18n";
import { localeOf, nextStepWords } from "./words";
import { isZero, yuan } from "../../lib/money";
import type { OtcStage } from "../../ipc/otc-api";
import type { VisitStateName, VisitView } from "../../ipc/visit-api";

export type Tone = "done" | "wait" | "bad";

type StateView = Pick<VisitView, "state" | "prescription" | "rules" | "audit" | "payment" | "split">;

/** A closed visit that was stopped by a check (signature, rules, audit), not cancelled. */
export function visitBlocked(v: StateView): boolean {
  if (v.state !== "closed") return false;
  return v.prescription?.verdict.verdict === "rejected" || v.rules?.blocks === true || (v.audit !== null && v.audit.result !== "1");
}

/** The patient's part is zero: nothing to take. */
export function nothingDue(v: Pick<VisitView, "payment" | "split">): boolean {
  const due = v.payment?.due ?? v.split?.cashPay ?? null;
  return due !== null && isZero(due);
}

export function stateTone(v: StateView): Tone {
  switch (v.state) {
    case "receipted":
    case "refunded":
      return "done";
    case "settlement_uncertain":
    case "refund_uncertain":
      return "bad";
    case "closed":
      return visitBlocked(v) ? "bad" : "wait";
    default:
      return "wait";
  }
}

/** The chip's label (an i18n key). */
export function stateLabel(v: StateView): Key {
  if (v.state === "closed") return visitBlocked(v) ? "state.blocked" : v.prescription || v.audit ? "state.closed" : "state.cancelled";
  if (v.state === "settled") {
    if (nothingDue(v)) return "state.settled_nothing_due";
    if (v.payment?.paid) return "state.settled_paid";
  }
  return `state.${v.state}` as Key;
}

/** The OTC sale's stage in the same colours. */
export function otcStageTone(stage: OtcStage | null | undefined): Tone {
  if (stage === "receipted") return "done";
  if (stage === "uncertain") return "bad";
  return "wait";
}

/**
 * The line under the chip ("➜ …"). The payment step is the counter's own words
 * (never "请收取 0.00 元" beside "已收款"); an identify step whose guidance was
 * for someone else says to identify; otherwise the service's next step.
 */
export function nextStepText(v: VisitView, t: (key: Key) => string, opts: { guidanceShown?: boolean; locale?: Locale } = {}): string {
  if (v.state === "settled" && !v.recovered) {
    if (nothingDue(v)) return t("next.settled_nothing_due");
    if (v.payment?.paid) return t("next.settled_paid");
    return t("next.settled_due").replace("{due}", yuan(v.payment?.due ?? v.split?.cashPay ?? "0.00"));
  }
  if (v.state === "evoucher_guidance" && opts.guidanceShown === false) return t("next.identify");
  return nextStepWords(v, t, opts.locale ?? localeOf(t));
}

/** The audit's standard opinions for a result (i18n keys), first the usual one. */
export function auditPhrases(result: "1" | "2" | "3"): Key[] {
  return (["a", "b", "c"] as const).map((x) => `audit.phrase.${result}${x}` as Key);
}

export const ALL_STATES: VisitStateName[] = [
  "started",
  "evoucher_guidance",
  "identified",
  "prescriptions_listed",
  "downloaded",
  "verified",
  "rules_checked",
  "audited",
  "dispensing",
  "dispensed",
  "pre_settled",
  "settling",
  "settlement_uncertain",
  "settled",
  "receipted",
  "refunding",
  "refund_uncertain",
  "refunded",
  "delivery",
  "closed",
];
