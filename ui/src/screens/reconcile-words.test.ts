// The English window shows no Chinese from the backend on the manager's and
// the inventory's reconciliations and in the sales history: each difference
// the Rust services send as a code (the daily reconciliation's `NOTE_CODES`,
// the trace reconciliation's `DifferenceClass`, a past sale's 代购 agent by
// relationship code, the keyboard-wedge scanner's `WEDGE_NAME`) has words in
// both locales, and the en-US words have no CJK. The codes are read from the
// Rust sources, so a new one without words fails here.
import { describe, expect, it } from "vitest";
import reconcileSrc from "../../../crates/rxdesk-app/src/reconcile.rs?raw";
import traceSrc from "../../../crates/rxdesk-app/src/trace_reconcile.rs?raw";
import devicesSrc from "../../../crates/rxdesk-app/src/devices.rs?raw";
import relationSrc from "../../../crates/rxdesk-store/src/ledger.rs?raw";
import { translate, type Key } from "../i18n/i18n";
import { centerAnswerWords, reconcileNoteWords, recordSummaryWords } from "./reconcile-words";
import { saleAgentWords } from "./visit/words";
import { deviceNameWords } from "./settings/device-words";

const CJK = /[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]/;
const en = (k: Key) => translate("en-US", k);
const zh = (k: Key) => translate("zh-CN", k);

/** Every `"REC_…"` code of `NOTE_CODES` in reconcile.rs. */
function noteCodes(): string[] {
  const at = reconcileSrc.indexOf("pub const NOTE_CODES");
  expect(at).toBeGreaterThan(-1);
  const body = reconcileSrc.slice(at, reconcileSrc.indexOf("];", at));
  return [...body.matchAll(/"(REC_[A-Z_]+)"/g)].map((m) => m[1] as string);
}

describe("the daily reconciliation's differences in en-US", () => {
  it("every code the service sends has words in both locales, no Chinese in English", () => {
    const codes = noteCodes();
    expect(codes).toEqual(["REC_TOTAL_UNBALANCED", "REC_DETAIL_CENTER_ONLY", "REC_DETAIL_LOCAL_ONLY", "REC_DETAIL_MISMATCH"]);
    // Every code the source assigns is on the list.
    const used = new Set([...reconcileSrc.matchAll(/"(REC_[A-Z_]+)"/g)].map((m) => m[1] as string));
    expect([...used].sort()).toEqual([...codes].sort());
    const params = { insutype: "310", count: "1", medfee: "5.00", fund: "4.00", acct: "1.00", setlId: "S1", refunded: "true" };
    for (const code of codes) {
      expect(en(`mgr.rec.note.${code}` as Key), code).not.toBe(`mgr.rec.note.${code}`);
      expect(zh(`mgr.rec.note.${code}` as Key), code).toMatch(CJK);
      const w = reconcileNoteWords(en, { code, params }, "结算 S1：中文句子", "en-US");
      expect(w, code).not.toMatch(CJK);
      expect(w, code).not.toMatch(/\{\w+\}/);
    }
    expect(reconcileNoteWords(en, { code: "REC_TOTAL_UNBALANCED", params }, undefined, "en-US")).toBe(
      "Employees' basic medical insurance: the totals do not balance (here: settlements 1, medical fees ¥5.00, fund ¥4.00, personal account ¥1.00). Check the detail differences below one by one.",
    );
    expect(reconcileNoteWords(en, { code: "REC_DETAIL_MISMATCH", params }, undefined, "en-US")).toContain("¥5.00, fund ¥4.00, refunded)");
    // An unknown code still says something, in English.
    expect(reconcileNoteWords(en, { code: "REC_NEW", params: {} }, "新差异", "en-US")).toBe("Difference REC_NEW: check it settlement by settlement.");
    // zh-CN keeps the service's own sentence.
    expect(reconcileNoteWords(zh, { code: "REC_DETAIL_LOCAL_ONLY", params }, "结算 S1：本机有记录", "zh-CN")).toBe("结算 S1：本机有记录");
  });

  it("the center's answer per 险种: its own words in zh-CN, balanced / not in en-US", () => {
    expect(centerAnswerWords(en, { balanced: false, stmtRsltDscr: "不平" }, "en-US")).toBe("Not balanced");
    expect(centerAnswerWords(en, { balanced: true, stmtRsltDscr: "对账平" }, "en-US")).toBe("Balanced");
    expect(centerAnswerWords(zh, { balanced: false, stmtRsltDscr: "金额不符" }, "zh-CN")).toBe("金额不符");
  });
});

describe("the trace reconciliation's differences in en-US", () => {
  it("every DifferenceClass is worded from its class, never from sentenceZh", () => {
    const at = traceSrc.indexOf("pub enum DifferenceClass");
    const body = traceSrc.slice(at, traceSrc.indexOf("\n}\n", at));
    const classes = [...body.matchAll(/^ {4}([A-Z]\w+),/gm)].map((m) => m[1] as string);
    expect(classes).toEqual(["NotAtPlatform", "NotInLedger"]);
    for (const c of classes) {
      const w = en(`inv.trace_class.${c}` as Key);
      expect(w, c).not.toBe(`inv.trace_class.${c}`);
      expect(w, c).not.toMatch(CJK);
      expect(zh(`inv.trace_class.${c}` as Key), c).toMatch(CJK);
    }
  });
});

describe("a past sale's 代购 agent in en-US", () => {
  it("is worded from the relationship code, for every relationship the ledger accepts", () => {
    const at = relationSrc.indexOf("pub const PROXY_RELATIONSHIPS");
    expect(at).toBeGreaterThan(-1);
    const body = relationSrc.slice(at, relationSrc.indexOf("];", at));
    const rels = [...body.matchAll(/\("([a-z_]+)",/g)].map((m) => m[1] as string);
    expect(rels.length).toBeGreaterThan(4);
    for (const rel of rels) {
      const w = saleAgentWords({ agentZh: "王小明（子女，110…1234）", agentName: "Wang", agentRelationship: rel, agentCertnoMasked: "110…1234" }, en, "en-US");
      expect(w, rel).not.toMatch(CJK);
      expect(w, rel).toMatch(/^Wang \(\w[\w /-]*, 110…1234\)$/);
    }
    expect(saleAgentWords({ agentZh: "王小明（子女，110…1234）", agentName: "王小明", agentRelationship: "child", agentCertnoMasked: "110…1234" }, zh, "zh-CN")).toBe("王小明（子女，110…1234）");
    expect(saleAgentWords({ agentZh: null, agentName: null, agentRelationship: null, agentCertnoMasked: null }, en, "en-US")).toBe("");
  });
});

describe("the keyboard-wedge scanner's name", () => {
  it("is the stable label of devices.rs, worded in each locale", () => {
    const m = devicesSrc.match(/pub const WEDGE_NAME: &str = "([^"]+)";/);
    expect(m?.[1]).toBe("keyboard-wedge");
    expect(deviceNameWords(en, m?.[1] ?? "")).toBe("keyboard wedge");
    expect(deviceNameWords(zh, m?.[1] ?? "")).toBe("键盘模式");
    expect(deviceNameWords(en, "/dev/ttyUSB0")).toBe("/dev/ttyUSB0");
  });
});

describe("a past reconciliation's summary in en-US", () => {
  it("counts the differences from the recorded center answer; zh-CN keeps the recorded summary", () => {
    const centerJson = JSON.stringify({ totals: [{ insutype: "310", balanced: false }], details: [{ setl_id: "S1" }, { setl_id: "S2" }] });
    const h = { outcome: "differences", centerJson, summary: "险种 310 对总账不平…" };
    expect(recordSummaryWords(en, h, "en-US")).toBe("3 differences: reconcile the day again to see each with what to do.");
    expect(recordSummaryWords(zh, h, "zh-CN")).toBe("险种 310 对总账不平…");
    expect(recordSummaryWords(en, { ...h, outcome: "balanced" }, "en-US")).toBe("Balanced");
    expect(recordSummaryWords(en, { ...h, outcome: "failed", centerJson: "{}" }, "en-US")).toMatch(/^Not completed/);
    expect(recordSummaryWords(en, { ...h, centerJson: "not json" }, "en-US")).toBe("Differences");
    for (const x of [h, { ...h, outcome: "failed" }, { ...h, outcome: "balanced" }]) expect(recordSummaryWords(en, x, "en-US")).not.toMatch(CJK);
  });
});
