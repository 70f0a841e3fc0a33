import { describe, expect, it } from "vitest";
import { translate, type Key } from "../../i18n/i18n";
import { recordedBlocked, recordedZhangsan } from "../../mock/mock-visit";
import type { VisitView } from "../../ipc/visit-api";
import { verdictTone } from "./verdict";
import { ALL_STATES, nextStepText, otcStageTone, stateLabel, stateTone, visitBlocked } from "./states";

const zh = (k: Key) => translate("zh-CN", k);
const en = (k: Key) => translate("en-US", k);

function visit(over: Partial<VisitView>): VisitView {
  return {
    visitId: "V1", state: "started", stateZh: "", patient: null, guidance: null, listed: [], listedDrugs: [], parked: [], prescription: null, rules: null,
    audit: null, dispensing: [], split: null, payment: null, sale: null, closedReasonZh: null, closedReason: null, nextStep: "identify", nextStepZh: "backend says",
    recovered: false, recoveredLines: [], ...over,
  };
}
const split = (cash: string) => ({
  kind: "outpatient_pooling" as const, kindZh: "门诊统筹", disease: null, total: "43.00", fundPay: "15.00", accountPay: "10.00", cashPay: cash,
  explanationZh: [], setlId: "S1",
});

describe("one visual language for states", () => {
  it("completed is green, blocked and unknown are red, the rest amber — never one colour for all", () => {
    expect(stateTone(visit({ state: "receipted" }))).toBe("done");
    expect(stateTone(visit({ state: "settlement_uncertain" }))).toBe("bad");
    expect(stateTone(visit({ state: "refund_uncertain" }))).toBe("bad");
    expect(stateTone(visit({ state: "dispensing" }))).toBe("wait");
    const tampered = visit({ state: "closed", prescription: recordedBlocked("visit_open").prescription! });
    expect(visitBlocked(tampered)).toBe(true);
    expect(stateTone(tampered)).toBe("bad");
    expect(zh(stateLabel(tampered))).toBe("已阻止");
    // 张三's prescription whose layout says otherwise: the real view, closed by the rules.
    const rulesBlocked = recordedZhangsan("layout", "visit_open");
    expect(rulesBlocked).toMatchObject({ state: "closed", closedReason: "rules_blocked", rules: { blocks: true } });
    expect(stateTone(rulesBlocked)).toBe("bad");
    expect(zh(stateLabel(visit({ state: "closed" })))).toBe("已取消");
    expect(stateTone(visit({ state: "closed" }))).toBe("wait");
  });

  it("a valid signature on a blocked prescription is grey, not the green go-ahead", () => {
    const v = recordedZhangsan("layout", "visit_open").prescription!.verdict;
    expect(verdictTone(v)).toBe("ok");
    expect(verdictTone(v, true)).toBe("muted");
    expect(verdictTone(recordedBlocked("visit_open").prescription!.verdict, true)).toBe("bad");
  });

  it("every state has its own label in both languages; the step before the audit is 待审方, not 处方已核对", () => {
    for (const s of ALL_STATES) {
      const key = stateLabel(visit({ state: s }));
      expect(zh(key), s).not.toBe(key);
      expect(en(key), s).not.toBe(zh(key));
    }
    expect(zh(stateLabel(visit({ state: "rules_checked" })))).toBe("待审方");
    expect(zh(stateLabel(visit({ state: "dispensing" })))).toBe("调配中");
  });

  it("the payment step never says 请收取 0.00 元 beside 已收款", () => {
    const zero = visit({ state: "settled", split: split("0.00"), payment: { method: "none", due: "0.00", tendered: null, change: null, paid: true }, nextStepZh: "请收取患者自付 0.00 元（现金或扫码），然后完成出票" });
    const text = nextStepText(zero, zh);
    expect(text).not.toMatch(/请收取/);
    expect(text).toMatch(/无需付款/);
    expect(zh(stateLabel(zero))).toBe("已结算，无需收款");
    const due = visit({ state: "settled", split: split("18.00") });
    expect(nextStepText(due, zh)).toMatch(/请收取患者自付 ¥18\.00/);
    const paid = visit({ state: "settled", split: split("18.00"), payment: { method: "cash", due: "18.00", tendered: "20.00", change: "2.00", paid: true } });
    expect(nextStepText(paid, zh)).toMatch(/^已收款/);
    expect(zh(stateLabel(paid))).toBe("已收款，待完成");
  });

  it("guidance for the previous identification does not speak for the next one", () => {
    const g = visit({ state: "evoucher_guidance", nextStepZh: "请按指引帮助患者激活医保电子凭证" });
    expect(nextStepText(g, zh)).toMatch(/激活/);
    expect(nextStepText(g, zh, { guidanceShown: false })).not.toMatch(/激活/);
  });

  it("the OTC stage chip uses the same colours", () => {
    expect(otcStageTone("receipted")).toBe("done");
    expect(otcStageTone("uncertain")).toBe("bad");
    expect(otcStageTone("cart")).toBe("wait");
  });
});
