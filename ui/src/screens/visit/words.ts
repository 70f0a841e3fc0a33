// The visit's backend sentences in the window's locale:
// the service sends its zh-CN sentence AND a code (`nextStep`,
// `closedReason`, `guidance.reason`, a scan's `code`, an audit's `result`);
// a zh-CN window shows the service's sentence (it carries the names and
// amounts), any other locale words the code from `ui/src/i18n/`, so an
// en-US window never shows Chinese from the backend. Pure.
import { translate, type Key, type Locale } from "../../i18n/i18n";
import type { GuidanceView, ScanOutcome, SplitView, VisitView } from "../../ipc/visit-api";
import { yuan } from "../../lib/money";

type T = (key: Key) => string;

/**
 * The locale `t` speaks. The screens get `t` as a prop, which changes with the
 * locale; the error locale (`errorLocale`) is set by an effect after the
 * screen has rendered, so a render reading it shows the previous locale.
 */
export function localeOf(t: T): Locale {
  return t("next.identify") === translate("en-US", "next.identify") ? "en-US" : "zh-CN";
}

/** `t(key)` when the key has text, else `fallback` (t returns the key itself when it has none). */
function keyed(t: T, key: string, fallback: string): string {
  const s = t(key as Key);
  return s === key ? fallback : s;
}

/** A scan's outcome: the service's sentence in zh-CN, its code's words otherwise. */
export function scanWords(out: Pick<ScanOutcome, "code" | "messageZh">, t: T, locale: Locale, plain: (s: string) => string): string {
  if (locale === "zh-CN") return plain(out.messageZh);
  return keyed(t, `scanmsg.${out.code}`, `${t("scanmsg.other")}${out.code}`);
}

/** What to do now (after the counter's own settled-step words in `nextStepText`). */
export function nextStepWords(v: Pick<VisitView, "nextStep" | "nextStepZh">, t: T, locale: Locale): string {
  if (locale === "zh-CN") return v.nextStepZh;
  return keyed(t, `next.${v.nextStep}`, t("next.notice"));
}

/** Why the visit closed. */
export function closedReasonWords(v: Pick<VisitView, "closedReason" | "closedReasonZh">, t: T, locale: Locale, plain: (s: string) => string): string {
  if (locale === "zh-CN") return plain(v.closedReasonZh ?? "");
  return v.closedReason ? t(`closed.reason.${v.closedReason}` as Key) : "";
}

/** The steps of each guidance, as i18n keys (the order of `rxdesk_core::visit::evoucher_guidance`). */
const GUIDANCE_STEPS: Record<GuidanceView["reason"], string[]> = {
  not_activated: ["guidance.open", "guidance.not_activated.1", "guidance.not_activated.2", "guidance.not_activated.3", "guidance.not_activated.4"],
  password_failed: ["guidance.password_failed.0", "guidance.open", "guidance.password_failed.2", "guidance.password_failed.3"],
  password_not_set: ["guidance.open", "guidance.password_not_set.1", "guidance.password_not_set.2"],
};

/** The e-voucher guidance's heading and steps. */
export function guidanceWords(g: GuidanceView, t: T, locale: Locale): { title: string; steps: string[] } {
  if (locale === "zh-CN") return { title: g.titleZh, steps: g.stepsZh };
  return {
    title: t(`guidance.${g.reason}.title` as Key),
    steps: (GUIDANCE_STEPS[g.reason] ?? []).map((k) => t(k as Key)),
  };
}

/** The printer's outcome: the service's words in zh-CN, printed / not printed otherwise. */
export function printedWords(printedZh: string, t: T, locale: Locale): string {
  if (locale === "zh-CN") return printedZh;
  return printedZh.startsWith("已打印") ? t("receipt.printed_ok") : t("receipt.printed_failed");
}

/** The split's plain-words explanation: the service's lines in zh-CN, one line from the figures otherwise. */
export function splitExplanation(split: SplitView, t: T, locale: Locale): string[] {
  if (locale === "zh-CN") return split.explanationZh;
  return [
    t("split.explain_figures")
      .replace("{fund}", yuan(split.fundPay))
      .replace("{account}", yuan(split.accountPay))
      .replace("{cash}", yuan(split.cashPay)),
  ];
}
