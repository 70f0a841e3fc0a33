// The English counter shows no Chinese from the backend.
// Every view the mocked visit answers with (happy path, guidance, the
// blocked and cancelled closes, scan refusals) is worded in en-US by code,
// and the words have no CJK; in zh-CN the service's sentence is kept.
import { describe, expect, it } from "vitest";
import { translate, type Key, type Locale } from "../../i18n/i18n";
import type { OperatorInfo } from "../../ipc/api";
import type { ScanOutcome, VisitView } from "../../ipc/visit-api";
import { plain } from "../../i18n/plain";
import { BLOCKED_PATIENT, DEMO_PHARMACIST_EVOUCHER, MockVisitBackend, ZHANGSAN_PATIENT, zhangsanFlow } from "../../mock/mock-visit";
import { nextStepText } from "./states";
import { closedReasonWords, commaJoin, guidanceWords, labelOf, paren, printedWords, scanWords, splitExplanation } from "./words";

const CJK = /[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]/;
const pharmacist: OperatorInfo = { login: "2001", name: "李药师", role: "pharmacist", roleLabel: "药师" };

/** Everything the counter words from the backend for one view, in `locale`. */
function words(v: VisitView, locale: Locale): string[] {
  const t = (k: Key) => translate(locale, k);
  const p = (s: string) => plain(s, locale);
  const out = [nextStepText(v, t, { locale }), closedReasonWords(v, t, locale, p)];
  if (v.guidance) {
    const g = guidanceWords(v.guidance, t, locale);
    out.push(g.title, ...g.steps);
  }
  if (v.split) out.push(...splitExplanation(v.split, t, locale));
  if (v.sale) out.push(printedWords(v.sale.printedZh, t, locale));
  if (v.audit) out.push(t(`audit.r${v.audit.result}` as Key));
  return out;
}

/** Drives the mock through the visits the counter shows; returns each view and scan outcome. */
function drive(): { views: VisitView[]; scans: ScanOutcome[] } {
  const b = new MockVisitBackend(() => pharmacist);
  const views: VisitView[] = [];
  const scans: ScanOutcome[] = [];
  const call = (cmd: string, args: Record<string, unknown> = {}) => {
    const v = b.handle(cmd, args) as VisitView;
    views.push(v);
    return v;
  };
  const scan = (code: string) => {
    const o = b.handle("visit_scan", { code }) as ScanOutcome;
    scans.push(o);
    views.push(o.visit);
  };
  b.handle("shift_start", { evoucher: DEMO_PHARMACIST_EVOUCHER });
  call("visit_start");
  call("visit_identify", { method: "e_voucher", code: "110000ecdemo0000000000000000000noact" });
  call("visit_cancel");
  call("visit_start");
  const zhang = call("visit_identify", { method: "e_voucher", code: ZHANGSAN_PATIENT });
  call("visit_open", { authRxno: zhang.listed[0]!.auth_rxno });
  call("visit_audit", { result: "1", opinion: "处方合理，准予调配", reconfirmEvoucher: DEMO_PHARMACIST_EVOUCHER });
  // 张三's recorded boxes: a substitution, a box, the same box again, an expired one, one too many, the rest.
  for (const s of zhangsanFlow("whole").steps.filter((x) => x.command === "visit_scan")) scan(String(s.args.code));
  call("visit_finish_dispensing");
  call("visit_pre_settle");
  call("visit_settle");
  call("visit_pay", { method: "cash", tendered: "20.00" });
  call("visit_complete");
  // Blocked by the signature (the recorded real visit, replayed) and by the rules.
  call("visit_start");
  const listed = call("visit_identify", { method: "e_voucher", code: BLOCKED_PATIENT, consent: null, agent: null }) as VisitView;
  call("visit_open", { authRxno: listed.listed[0]?.auth_rxno });
  call("visit_start");
  const again = call("visit_identify", { method: "e_voucher", code: ZHANGSAN_PATIENT });
  call("visit_open", { authRxno: again.listed[1]!.auth_rxno });
  return { views, scans };
}

describe("the counter words the backend's sentences in the window's locale", () => {
  const { views, scans } = drive();

  it("covers the happy path, the guidance, the scan refusals and the blocked closes", () => {
    const states = new Set(views.map((v) => v.state));
    for (const s of ["started", "evoucher_guidance", "prescriptions_listed", "dispensing", "pre_settled", "settled", "receipted", "closed"]) {
      expect(states, s).toContain(s);
    }
    expect(new Set(views.map((v) => v.closedReason))).toEqual(new Set([null, "cancelled", "signature_invalid", "rules_blocked"]));
    expect(scans.some((s) => !s.ok)).toBe(true);
  });

  it("en-US: no Chinese from the backend", () => {
    for (const v of views) {
      for (const w of words(v, "en-US")) expect(w, `${v.state}/${v.nextStep}`).not.toMatch(CJK);
      expect(words(v, "en-US")[0], v.nextStep).not.toBe("");
    }
    for (const s of scans) {
      const w = scanWords(s, (k) => translate("en-US", k), "en-US", (x) => x);
      expect(w, s.code).not.toMatch(CJK);
      expect(w, s.code).not.toMatch(/Scan result: /); // every code the mock answers with has its words
    }
  });

  it("zh-CN keeps the service's own sentence", () => {
    const dispensing = views.find((v) => v.state === "dispensing")!;
    expect(words(dispensing, "zh-CN")[0]).toBe(dispensing.nextStepZh);
    const s = scans[0]!;
    expect(scanWords(s, (k) => translate("zh-CN", k), "zh-CN", (x) => x)).toBe(s.messageZh);
  });

  it("every next-step, close and scan code the service sends has zh-CN and en-US words", () => {
    const next = [
      "notice", "recovered", "identify", "evoucher_not_activated", "evoucher_password", "no_prescriptions", "choose_prescription",
      "checking", "audit", "dispense", "pre_settle", "settle", "settling", "settlement_uncertain", "orphan_uncertain",
      "settled_paid", "settled_nothing_due", "settled_due", "receipted", "refunding", "delivery",
      "closed_signature_invalid", "closed_rules_blocked", "closed",
    ];
    const keys = [
      ...next.map((c) => `next.${c}`),
      ...["cancelled", "signature_invalid", "rules_blocked", "audit_not_approved"].map((c) => `closed.reason.${c}`),
    ];
    for (const k of keys) {
      for (const l of ["zh-CN", "en-US"] as const) expect(translate(l, k as Key), `${l} ${k}`).not.toBe(k);
      expect(translate("en-US", k as Key)).not.toMatch(CJK);
    }
  });
});

describe("a wrong e-voucher password says the tries left in both languages", () => {
  it("the recorded PIN pad guidance (tries 2, then 1) is worded with its tries in en-US, the service's heading in zh-CN", async () => {
    const pinpad = (await import("../../mock/recorded/visit-pinpad.json")).default as unknown as {
      flows: { steps: { response?: { guidance?: VisitView["guidance"] } }[] }[];
    };
    const guidance = pinpad.flows.flatMap((f) => f.steps).map((s) => s.response?.guidance).filter((g) => g && g.tries !== null);
    expect(guidance.map((g) => g!.tries)).toContain(2);
    expect(guidance.map((g) => g!.tries)).toContain(1);
    for (const g of guidance) {
      const en = guidanceWords(g!, (k: Key) => translate("en-US", k), "en-US");
      expect(en.title).toContain(`tries left: ${g!.tries}`);
      expect(en.title).not.toMatch(CJK);
      const zh = guidanceWords(g!, (k: Key) => translate("zh-CN", k), "zh-CN");
      expect(zh.title).toContain(`还可尝试 ${g!.tries} 次`);
    }
  });

  it("without the tries (the terminal did not say) the heading has none", async () => {
    const { renderError } = await import("../../ipc/errors");
    const g = { reason: "password_failed" as const, titleZh: "医保电子凭证密码验证未通过", tries: null, stepsZh: [], text: "" };
    expect(guidanceWords(g, (k: Key) => translate("en-US", k), "en-US").title).toBe(translate("en-US", "guidance.password_failed.title"));
    // The step error carries them as `params.tries` (StepError::params) and both languages say them.
    const e = { code: "DEVICE_PASSWORD_WRONG", params: { tries: 2 }, detail: "e-voucher password wrong (2 tries left)" };
    expect(renderError("en-US", e).text).toContain("tries left: 2");
    expect(renderError("zh-CN", e).text).toContain("还可尝试 2 次");
  });
});

describe("punctuation follows the locale", () => {
  const zh = (k: Key) => translate("zh-CN", k);
  const en = (k: Key) => translate("en-US", k);
  it("parentheses, labels and commas are full-width in zh-CN only", () => {
    expect(paren(zh, "H11010100001")).toBe("（H11010100001）");
    expect(paren(en, "H11010100001")).toBe(" (H11010100001)");
    expect(labelOf(zh, "sig.institution")).toBe(`${zh("sig.institution")}：`);
    expect(labelOf(en, "sig.institution")).toBe(`${en("sig.institution")}: `);
    expect(commaJoin(zh, ["a", "", "b"])).toBe("a，b");
    expect(commaJoin(en, ["a", "", "b"])).toBe("a, b");
    for (const s of [paren(en, "x"), labelOf(en, "split.kind"), commaJoin(en, ["a", "b"])]) {
      expect(s).not.toMatch(/[（）：，；]/);
    }
  });
});
