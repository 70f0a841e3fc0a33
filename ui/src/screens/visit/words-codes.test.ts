// The English window shows no Chinese from the backend in what the service
// sends only as a zh-CN sentence beside a code: the rule findings (by code
// and params), how the patient was identified, the agent's relationship,
// the layout difference's field, the settlement kind, the signature's
// reason and next step, and the OTC sale's stage, next step and notice.
// Every code the backend sends is driven in en-US with Chinese in every
// `…Zh` field, and the words must have no CJK; zh-CN keeps the service's.
import { describe, expect, it } from "vitest";
import dispenseSrc from "../../../../crates/rxdesk-app/src/visit/dispense.rs?raw";
import otcCoreSrc from "../../../../crates/rxdesk-core/src/otc.rs?raw";
import { translate, type Key, type Locale } from "../../i18n/i18n";
import { plain } from "../../i18n/plain";
import type { FindingView, LayoutDifferenceView } from "../../ipc/visit-api";
import type { OtcView } from "../../ipc/otc-api";
import type { PrescriptionView } from "../../ipc/api";
import { findingWords, kindWords, layoutFieldWords, otcWords, relationWords, scanWords, viaWords } from "./words";
import { verdictWords } from "./verdict";

const CJK = /[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]/;
const t = (locale: Locale) => (k: Key) => translate(locale, k);
const p = (locale: Locale) => (s: string) => plain(s, locale);

/** The rule codes of rxdesk-core (docs/rules.md), with the params each finding carries. */
const FINDINGS: [string, Record<string, string>, number | null][] = [
  ["RX_OVER_7_DAYS", { issuedAt: "2026-12-01 08:00:00", voidAt: "2026-12-08 08:00:00" }, null],
  ["RX_PAST_VALID_END", { validEnd: "2026-12-03 00:00:00" }, null],
  ["RX_TIME_UNREADABLE", { value: "yesterday" }, null],
  ["RX_ISSUED_IN_FUTURE", { issuedAt: "2026-12-09 08:00:00", now: "2026-12-05 08:00:00" }, null],
  ["RX_REVOKED", {}, null],
  ["RX_ALREADY_USED", {}, null],
  ["RX_EXPIRED_AT_CENTER", {}, null],
  ["RX_STATUS_UNKNOWN", { status: "9" }, null],
  ["RX_REUSE_NOT_ALLOWED", { uses: "1" }, null],
  ["RX_REUSE_LIMIT_REACHED", { max: "3", uses: "3" }, null],
  ["RX_REUSE_TOO_SOON", { last: "2026-12-01", elapsed: "2", days: "7", nextDay: "2026-12-08" }, null],
  ["RX_REUSE_TERMS_INCOMPLETE", {}, null],
  ["RX_OVER_12_WEEKS", { days: "90" }, 0],
  ["RX_OVER_12_WEEKS", { times: "3", days: "30", total: "90" }, null],
  ["DRUG_NOT_IN_CIRCULATION", { classes: "narcotic" }, 1],
  ["DRUG_NOT_IN_CATALOGUE", { code: "XJ01CAA040A001010100925" }, 0],
  ["ITEM_SELF_PAY", {}, 1],
  ["PATIENT_CERT_MISSING", {}, null],
  ["PATIENT_CERT_MISMATCH", { expected: "110101********1234", read: "110101********9999" }, null],
  ["PATIENT_NAME_MISMATCH", {}, null],
  ["LAYOUT_MISMATCH", { count: "2" }, null],
  ["LAYOUT_UNREADABLE", {}, null],
];

const finding = (code: string, params: Record<string, string>, line: number | null): FindingView => ({
  code,
  titleZh: "规则标题",
  messageZh: "第 1 行 阿莫西林胶囊 的中文句子",
  blocks: true,
  line,
  params,
});

describe("backend sentences worded by code in en-US", () => {
  it("every rule finding has an English title and sentence from its params, no CJK, no unfilled {name}", () => {
    for (const [code, params, line] of FINDINGS) {
      const w = findingWords(finding(code, params, line), t("en-US"), "en-US", p("en-US"));
      for (const s of [w.title, w.message]) {
        expect(CJK.test(s), `${code}: ${s}`).toBe(false);
        expect(s, code).not.toMatch(/\{\w+\}/);
      }
      expect(w.title, code).not.toBe(translate("en-US", "rule.other.title"));
      expect(w.message, code).not.toMatch(/^Rule /);
    }
    const w = findingWords(finding("DRUG_NOT_IN_CATALOGUE", { code: "X1" }, 2), t("en-US"), "en-US", p("en-US"));
    expect(w.message).toContain("Line 3");
    expect(w.message).toContain("X1");
    // zh-CN keeps the service's sentence (it names the drug).
    expect(findingWords(finding("ITEM_SELF_PAY", {}, 1), t("zh-CN"), "zh-CN", p("zh-CN")).message).toContain("阿莫西林");
  });

  it("an unknown rule code or a missing param falls back to words with the code, never Chinese", () => {
    const w = findingWords(finding("RX_NEW_RULE", {}, null), t("en-US"), "en-US", p("en-US"));
    expect(w.message).toBe("Rule RX_NEW_RULE");
    const missing = findingWords(finding("LAYOUT_MISMATCH", {}, null), t("en-US"), "en-US", p("en-US"));
    expect(missing.message).toBe("Rule LAYOUT_MISMATCH");
  });

  it("how identified, the relationship, the layout field and the settlement kind", () => {
    for (const via of ["e_voucher", "social_security_card", "id_card", "face", "epc_qr"]) {
      const s = viaWords({ identifiedVia: via, identifiedViaZh: "社保卡 1234（已读卡）" }, t("en-US"), "en-US");
      expect(s, via).not.toBe("");
      expect(CJK.test(s), via).toBe(false);
    }
    expect(viaWords({ identifiedVia: "face", identifiedViaZh: "刷脸" }, t("zh-CN"), "zh-CN")).toBe("刷脸");
    for (const rel of ["spouse", "parent", "child", "grandparent", "grandchild", "sibling", "guardian"]) {
      const s = relationWords({ agentRelationship: rel, agentRelationshipZh: "配偶" }, t("en-US"), "en-US");
      expect(s).not.toBe("");
      expect(CJK.test(s)).toBe(false);
    }
    const fields = ["PatientName", "PatientCertNo", "DrugName", "DrugSpec", "Quantity", "SingleDose", "Frequency", "Route", "Days", "UnlistedDrug", "RxNo", "IssuedAt", "ValidEnd", "Status", "DrugCode"];
    for (const field of fields) {
      const d: LayoutDifferenceView = { field, line: null, fieldZh: "药品名称", structured: "", layout: "" };
      const s = layoutFieldWords(d, t("en-US"), "en-US");
      expect(s, field).toBe(translate("en-US", `layout.field.${field}` as Key));
      expect(CJK.test(s), field).toBe(false);
    }
    // A drug's field names its line, as the service's zh-CN label does.
    const qty: LayoutDifferenceView = { field: "Quantity", line: 0, fieldZh: "第 1 行 数量", structured: "2盒", layout: "3盒" };
    expect(layoutFieldWords(qty, t("en-US"), "en-US")).toBe("Line 1: Quantity");
    expect(layoutFieldWords(qty, t("zh-CN"), "zh-CN")).toBe("第 1 行 数量");
    for (const kind of ["outpatient_pooling", "chronic_special", "dual_channel", "pharmacy_purchase"] as const) {
      const s = kindWords({ kind, kindZh: "门诊统筹" }, t("en-US"), "en-US");
      expect(s).not.toBe("");
      expect(CJK.test(s)).toBe(false);
    }
  });

  it("the signature's reason and next step", () => {
    const signer = { subject: "CN=医院", issuer: "CN=CA", serial: "01", not_before: "", not_after: "", institution: null, signed_at: null };
    const views: Pick<PrescriptionView, "verdict" | "reasonZh" | "nextStepZh">[] = [
      { verdict: { verdict: "verified", signer, warnings: [] }, reasonZh: "", nextStepZh: "签名有效" },
      { verdict: { verdict: "verified", signer, warnings: [{ warning: "no_crl", detail: "offline" }] }, reasonZh: "", nextStepZh: "签名有效但有警告" },
      { verdict: { verdict: "rejected", reason: { code: "crl_stale" }, signer: null }, reasonZh: "吊销列表过期", nextStepZh: "已阻止" },
      { verdict: { verdict: "rejected", reason: { code: "bad_signature" }, signer }, reasonZh: "签名无效", nextStepZh: "已阻止" },
    ];
    for (const v of views) {
      const w = verdictWords(v, t("en-US"), false);
      expect(w.next).not.toBe("");
      expect(CJK.test(w.reason) || CJK.test(w.next), JSON.stringify(w)).toBe(false);
    }
  });

  it("the OTC sale's stage, next step and every notice", () => {
    const stages: [OtcView["stage"], string][] = [
      ["cart", "scan_product"],
      ["cart", "scan_boxes"],
      ["cart", "choose_payer"],
      ["checkout", "confirm"],
      ["settled", "take_payment"],
      ["uncertain", "resolve"],
      ["receipted", "done"],
      ["cancelled", "cancelled"],
    ];
    const notices: NonNullable<OtcView["notice"]>[] = [
      { code: "quantity_trimmed", params: { count: "2" } },
      { code: "amount_differs", params: { total: "12.50" } },
      { code: "center_refused", params: { code: "E1001" } },
      { code: "not_sent", params: {} },
      { code: "resolved", params: { outcome: "reversed" } },
    ];
    for (const [stage, nextStep] of stages) {
      for (const notice of notices) {
        const w = otcWords({ stage, stageZh: "选购商品", nextStep, nextStepZh: "请扫描", notice, noticeZh: "医保中心拒绝结算" }, t("en-US"), "en-US", p("en-US"));
        for (const s of [w.stage, w.next, w.notice ?? ""]) expect(CJK.test(s), `${stage}/${nextStep}/${notice.code}: ${s}`).toBe(false);
        expect(w.next, nextStep).not.toBe("");
        expect(w.stage).not.toBe(stage);
        expect(w.notice, notice.code).toBeTruthy();
      }
    }
    const zh = otcWords({ stage: "cart", stageZh: "选购商品", nextStep: "scan_product", nextStepZh: "请扫描商品条码", notice: null, noticeZh: null }, t("zh-CN"), "zh-CN", p("zh-CN"));
    expect(zh.stage).toBe("选购商品");
  });
});

const SOURCES: Record<string, string> = {
  "crates/rxdesk-app/src/visit/dispense.rs": dispenseSrc,
  "crates/rxdesk-core/src/otc.rs": otcCoreSrc,
};
/** A Rust source of the workspace (imported raw, so a change re-runs the test). */
const rust = (path: string): string => SOURCES[path] ?? "";
/** The string literals a Rust `fn NAME` body returns after `=>` (the body ends at its indent's closing brace). */
function codesOf(src: string, fn: string, from = 0): string[] {
  const at = src.indexOf(`fn ${fn}(`, from);
  expect(at, `fn ${fn}`).toBeGreaterThan(-1);
  const ends = ["\n    }\n", "\n}\n"].map((e) => src.indexOf(e, at)).filter((i) => i > at);
  return [...src.slice(at, Math.min(...ends)).matchAll(/=> "([A-Za-z0-9_]+)"/g)].map((m) => m[1] as string);
}

describe("a scan's outcome in en-US: every code the counter and the OTC sale answer with is worded", () => {
  it("each accepted and refused scan code and each OTC step code, no Chinese and never the bare code", () => {
    const dispense = rust("crates/rxdesk-app/src/visit/dispense.rs");
    const accepted = codesOf(dispense, "code", dispense.indexOf("impl ScanAccepted"));
    const refused = codesOf(dispense, "code", dispense.indexOf("impl ScanRefusal"));
    const dispensing = codesOf(dispense, "dispense_code");
    const otc = codesOf(rust("crates/rxdesk-core/src/otc.rs"), "code");
    expect(accepted).toEqual(["barcode_ok", "box_ok", "no_code_ok"]);
    expect(refused).toContain("trace_code_not_received");
    expect(dispensing).toContain("out_of_stock");
    expect(otc).toContain("OTC_PRESCRIPTION_ONLY");
    // The step errors an OTC scan can meet besides the cart's (otc.rs `otc_scan_in`).
    const step = ["OTC_LOCKED", "STORE_FAILED", "STORE_DISK_FULL", "STORE_CORRUPT"];
    const codes = [...accepted, ...refused, ...dispensing, ...otc, ...step];
    for (const code of codes) {
      const out = { code, messageZh: "“布洛芬缓释胶囊”是处方药", messageEn: null };
      const w = scanWords(out, t("en-US"), "en-US", p("en-US"));
      expect(CJK.test(w), `${code}: ${w}`).toBe(false);
      expect(w, `${code} has its own words`).not.toMatch(/\(code /);
      expect(scanWords(out, t("zh-CN"), "zh-CN", p("zh-CN"))).toBe(out.messageZh);
    }
    // A code this window does not know yet: the service's English sentence, else the code.
    expect(scanWords({ code: "OTC_NEW", messageZh: "新", messageEn: "New refusal" }, t("en-US"), "en-US", p("en-US"))).toBe("New refusal");
    expect(scanWords({ code: "OTC_NEW", messageZh: "新", messageEn: "新" }, t("en-US"), "en-US", p("en-US"))).toBe("The scan was not accepted (code OTC_NEW)");
  });
});
