// F12 退出 asks first while work is in progress: a visit past identification
// (or showing a patient's guidance), a settled visit not yet paid and
// receipted, an OTC sale with goods or money moving. Pure: what is in
// progress, in the window's words.
import type { Key } from "../i18n/i18n";
import type { OtcView } from "../ipc/otc-api";
import { stateLabel } from "../screens/visit/states";
import type { VisitView } from "../ipc/visit-api";

const IDLE_VISIT = new Set(["started", "closed", "receipted", "refunded"]);

/** One sentence per piece of work in progress; empty: sign out at once. */
export function pendingWork(visit: VisitView | null, otc: OtcView | null, t: (key: Key) => string): string[] {
  const out: string[] = [];
  if (visit && !IDLE_VISIT.has(visit.state)) {
    if (visit.state === "settled" && !visit.payment?.paid) out.push(t("signout.payment"));
    else {
      const who = visit.patient?.name ? ` ${visit.patient.name}` : "";
      out.push(t("signout.visit").replace("{patient}", who).replace("{state}", t(stateLabel(visit))));
    }
  }
  if (otc && (otc.stage === "checkout" || otc.stage === "settled" || otc.stage === "uncertain" || (otc.stage === "cart" && otc.lines.length > 0))) {
    out.push(t("signout.otc").replace("{state}", otc.stageZh));
  }
  return out;
}
