// The visit's backend sentences in the window's locale:
// the service sends its zh-CN sentence AND a code (`nextStep`,
// `closedReason`, `guidance.reason`, a scan's `code`, an audit's `result`);
// a zh-CN window shows the service's sentence (it carries the names and
// amounts), any other locale words the code from `ui/src/i18n/`, so an
// en-US window never shows Chinese from the backend. Pure.
import { translate, type Key, type Locale } from "../../i18n/i18n";
import { AGENT_RELATIONSHIPS } from "../../ipc/visit-api";
import type { OtcView } from "../../ipc/otc-api";
import type { FindingView, GuidanceView, LayoutDifferenceView, ScanOutcome, SplitView, VisitView } from "../../ipc/visit-api";
import { yuan } from "../../lib/money";
import { shellErrors, stepTemplate } from "../../i18n/errors";
export { commaJoin, labelOf, paren } from "../../i18n/punct";

type T = (key: Key) => string;

/**
 * The locale `t` speaks. The screens get `t` as a prop, which changes with the
 * locale; the error locale (`errorLocale`) is set by an effect after the
 * screen has rendered, so a render reading it shows the previous locale.
 */
export function localeOf(t: T): Locale {
  // Compared with zh-CN, which is always loaded (the English tables are a
  // chunk loaded on switching: before that, en-US lookups fall back to zh-CN).
  return t("next.identify") === translate("zh-CN", "next.identify") ? "zh-CN" : "en-US";
}

/** `t(key)` when the key has text, else `fallback` (t returns the key itself when it has none). */
function keyed(t: T, key: string, fallback: string): string {
  const s = t(key as Key);
  return s === key ? fallback : s;
}

const CJK = /[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]/;

/**
 * A scan's outcome: the service's sentence in zh-CN; otherwise its code's
 * words (`scanmsg.*`), then the error catalogue's sentence for a step
 * error's code (an OTC sale's `OTC_*` and ledger codes), then the service's
 * English sentence of that step error (`messageEn`), never Chinese.
 */
export function scanWords(
  out: Pick<ScanOutcome, "code" | "messageZh"> & { messageEn?: string | null },
  t: T,
  locale: Locale,
  plain: (s: string) => string,
): string {
  if (locale === "zh-CN") return plain(out.messageZh);
  const own = t(`scanmsg.${out.code}` as Key);
  if (own !== `scanmsg.${out.code}`) return own;
  const step = stepTemplate(locale, out.code, {});
  if (step && !CJK.test(step)) return step;
  const shell = shellErrors[out.code];
  if (shell && !/\{\w+\}/.test(shell.en)) return shell.en;
  if (out.messageEn && !CJK.test(out.messageEn)) return out.messageEn;
  return t("scanmsg.other").replace("{code}", out.code);
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
  // A wrong password says how many tries are left in both languages (zh-CN: the service's heading).
  const title =
    g.reason === "password_failed" && g.tries !== null && g.tries !== undefined
      ? t("guidance.password_failed.title_tries").replace("{tries}", String(g.tries))
      : t(`guidance.${g.reason}.title` as Key);
  return {
    title,
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

/** `{name}` filled from `params`; a value missing leaves null. */
function fillParams(template: string, params: Record<string, string | number | undefined>): string | null {
  if (!template) return null;
  let missing = false;
  const out = template.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = params[k];
    if (v === undefined || v === "") missing = true;
    return v === undefined ? "" : String(v);
  });
  return missing ? null : out;
}

/**
 * A rule finding's heading and sentence: the service's in zh-CN (it names
 * the drug and the patient), else the code's words filled from its params
 * and its line (`rxdesk_core::rules::Finding`).
 */
export function findingWords(f: Pick<FindingView, "code" | "titleZh" | "messageZh" | "line" | "params">, t: T, locale: Locale, plain: (s: string) => string): { title: string; message: string } {
  if (locale === "zh-CN") return { title: f.titleZh, message: plain(f.messageZh) };
  const params: Record<string, string | number | undefined> = { ...f.params, lineNo: f.line === null ? undefined : f.line + 1 };
  const title = keyed(t, `rule.${f.code}.title`, t("rule.other.title"));
  const key = f.code === "RX_OVER_12_WEEKS" && f.params.total ? "rule.RX_OVER_12_WEEKS.reuse" : `rule.${f.code}.msg`;
  const message = fillParams(keyed(t, key, ""), params) ?? (fillParams(t("rule.other.msg"), { code: f.code }) as string);
  return { title, message };
}

/** How the patient was identified: the service's words in zh-CN, the method's otherwise. */
export function viaWords(p: { identifiedVia: string; identifiedViaZh: string }, t: T, locale: Locale): string {
  if (locale === "zh-CN") return p.identifiedViaZh;
  return p.identifiedVia ? keyed(t, `via.${p.identifiedVia}`, "") : "";
}

/** A 代购 agent's relationship to the patient. */
export function relationWords(p: { agentRelationship: string | null; agentRelationshipZh: string | null }, t: T, locale: Locale): string {
  if (locale === "zh-CN") return p.agentRelationshipZh ?? "";
  return AGENT_RELATIONSHIPS.find((r) => r.code === p.agentRelationship)?.en ?? "";
}

/**
 * A past sale's 代购 agent: "王小明（子女，110…1234）" — the service's own line in
 * zh-CN, the name, the relationship by its code and the masked ID otherwise.
 */
export function saleAgentWords(
  s: { agentZh: string | null; agentName: string | null; agentRelationship: string | null; agentCertnoMasked: string | null },
  t: T,
  locale: Locale,
): string {
  if (!s.agentName && !s.agentZh) return "";
  if (locale === "zh-CN" && s.agentZh) return s.agentZh;
  const rel = relationWords({ agentRelationship: s.agentRelationship, agentRelationshipZh: null }, t, locale);
  const inner = [rel, s.agentCertnoMasked ?? ""].filter(Boolean).join(", ");
  return `${s.agentName ?? ""}${inner ? ` (${inner})` : ""}`;
}

/** A layout difference's field. */
export function layoutFieldWords(d: Pick<LayoutDifferenceView, "field" | "fieldZh" | "line">, t: T, locale: Locale): string {
  if (locale === "zh-CN") return d.fieldZh;
  const field = keyed(t, `layout.field.${d.field}`, d.field);
  // A drug's field names its line, as the zh-CN label does (第 1 行 数量).
  return d.line === null ? field : (fillParams(t("layout.field_of_line"), { n: d.line + 1, field }) ?? field);
}

/** The OTC sale's stage, next step and notice: the service's words in zh-CN, the codes' otherwise. */
export function otcWords(
  s: Pick<OtcView, "stage" | "stageZh" | "nextStep" | "nextStepZh" | "notice" | "noticeZh">,
  t: T,
  locale: Locale,
  plain: (s: string) => string,
): { stage: string; next: string; notice: string | null } {
  if (locale === "zh-CN") return { stage: s.stageZh, next: plain(s.nextStepZh), notice: s.noticeZh ? plain(s.noticeZh) : null };
  const notice = s.notice ? (fillParams(keyed(t, `otc.notice.${s.notice.code}`, ""), s.notice.params) ?? null) : null;
  return { stage: keyed(t, `otc.stage.${s.stage}`, s.stage), next: keyed(t, `otc.next.${s.nextStep}`, ""), notice };
}

/** A settlement kind's name: the service's in zh-CN, the kind's words otherwise. */
export function kindWords(split: Pick<SplitView, "kind" | "kindZh">, t: T, locale: Locale): string {
  if (locale === "zh-CN") return split.kindZh ?? "";
  return split.kind ? keyed(t, `split.kind.${split.kind}`, "") : "";
}
