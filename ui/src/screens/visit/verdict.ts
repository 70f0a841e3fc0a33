// How the signature verdict is presented: its tone (green verified, amber
// verified with warnings, red blocked) and one line per warning, in the
// operator's language. Pure, so the verdict panel's choices are unit-tested.

import type { Verdict } from "../../ipc/api";
import type { Key } from "../../i18n/i18n";
import { cstText as cst } from "../../lib/cst";

export type VerdictTone = "ok" | "warn" | "bad" | "muted";

export interface WarningLine {
  code: string;
  text: string;
}


/**
 * green: verified and clean; amber: verified with warnings; red: rejected;
 * grey ("muted"): verified, but the prescription is blocked for another
 * reason (rules, audit) — the blocked verdict must look blocked first.
 */
export function verdictTone(v: Verdict, blocked = false): VerdictTone {
  if (v.verdict === "rejected") return "bad";
  if (blocked) return "muted";
  return v.warnings.length > 0 ? "warn" : "ok";
}

/** One translated line per warning; an unknown code still shows (by its code). */
export function warningLines(v: Verdict, t: (key: Key) => string): WarningLine[] {
  if (v.verdict !== "verified") return [];
  // `VerifyWarning` (generated from rxdesk-gm, tag `warning`).
  return v.warnings.map((w): WarningLine => {
    switch (w.warning) {
      case "stale_crl":
        return {
          code: w.warning,
          text: t("sig.warn.stale_crl")
            .replace("{next}", cst(w.next_update))
            .replace("{grace}", cst(w.grace_until)),
        };
      case "no_crl":
        return { code: w.warning, text: t("sig.warn.no_crl") };
      default: {
        // A warning a newer backend sends that this window does not know yet.
        const code = (w as { warning: string }).warning;
        return { code, text: `${t("sig.warn.other")}${code}` };
      }
    }
  });
}

/** The verdict's reason and next step: the service's sentences in zh-CN, by the verdict's code otherwise. */
export function verdictWords(
  view: { verdict: Verdict; reasonZh: string; nextStepZh: string },
  t: (key: Key) => string,
  zhCn: boolean,
): { reason: string; next: string } {
  if (zhCn) return { reason: view.reasonZh, next: view.nextStepZh };
  const v = view.verdict;
  if (v.verdict === "verified") return { reason: "", next: t(v.warnings.length > 0 ? "sig.next.verified_warn" : "sig.next.verified") };
  const code = String(v.reason.code);
  const next = code === "crl_stale" || code === "crl_unavailable" ? t("sig.next.blocked_crl") : t("sig.next.blocked");
  return { reason: t("sig.reason.other").replace("{code}", code), next };
}
