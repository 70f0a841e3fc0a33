import { describe, expect, it } from "vitest";
import { mockErrorText } from "./ipc-error";
import { filled } from "./replay";
import type { OperatorInfo } from "../ipc/api";
import { BLOCKED_PATIENT, DEMO_PHARMACIST_EVOUCHER, EXPIRED_PREFIX, HAPPY_PATIENT, MOCK_LINES, MockVisitBackend, OTHER_PREFIX, UNCERTAIN_PATIENT, happyFlow, recordedBlocked, uncertainFlow } from "./mock-visit";
import type { ScanOutcome, VisitView } from "../ipc/visit-api";

const pharmacist: OperatorInfo = { login: "2001", name: "李药师", role: "pharmacist", roleLabel: "药师" };
// Boxes of the demo drugs (assets/demo/drugs.json): prefix + 13-digit serial.
const box = (prefix: string, n: number) => `${prefix}${String(n).padStart(13, "0")}`;
const [amox, ibu] = [MOCK_LINES[0]!.trace_prefix, MOCK_LINES[1]!.trace_prefix];
const AMOX = [box(amox, 1), box(amox, 2)];
const IBU = box(ibu, 1);

function backend(): { b: MockVisitBackend; call: (cmd: string, args?: Record<string, unknown>) => VisitView } {
  const b = new MockVisitBackend(() => pharmacist);
  return { b, call: (cmd, args = {}) => b.handle(cmd, args) as VisitView };
}
function throws(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return mockErrorText(e);
  }
  throw new Error("did not throw");
}

describe("the mocked visit follows the Rust state machine", () => {
  it("walks a whole visit to a receipt and finds the sale", () => {
    const { b, call } = backend();
    expect(call("visit_start").state).toBe("started");
    expect(call("visit_identify", { method: "e_voucher", code: "110000ecdemo0000000000000000000zhangsan" }).state).toBe("prescriptions_listed");
    expect(call("visit_open", { authRxno: "AR-OK" }).state).toBe("rules_checked");
    expect(throws(() => call("visit_audit", { result: "1", opinion: "", reconfirmEvoucher: DEMO_PHARMACIST_EVOUCHER }))).toMatch(/不在岗/);
    b.handle("shift_start", { evoucher: DEMO_PHARMACIST_EVOUCHER });
    expect(throws(() => call("visit_audit", { result: "2", opinion: " ", reconfirmEvoucher: DEMO_PHARMACIST_EVOUCHER }))).toMatch(/审核意见/);
    expect(throws(() => call("visit_audit", { result: "1", opinion: "", reconfirmEvoucher: DEMO_PHARMACIST_EVOUCHER }))).toMatch(/审核意见/);
    expect(call("visit_audit", { result: "1", opinion: "处方合理，准予调配", reconfirmEvoucher: DEMO_PHARMACIST_EVOUCHER }).state).toBe("dispensing");
    const scan = (code: string) => b.handle("visit_scan", { code }) as ScanOutcome;
    expect(scan(box(OTHER_PREFIX, 1))).toMatchObject({ ok: false, code: "wrong_product" });
    expect(scan(AMOX[0] as string).ok).toBe(true);
    expect(scan(AMOX[0] as string)).toMatchObject({ ok: false, code: "duplicate_trace_code" });
    expect(scan(box(EXPIRED_PREFIX, 1))).toMatchObject({ ok: false, code: "expired_batch" });
    expect(scan(AMOX[1] as string).ok).toBe(true);
    expect(scan(box(amox, 3))).toMatchObject({ ok: false, code: "over_quantity" });
    const last = scan(IBU);
    expect(last.visit.state).toBe("dispensing");
    expect(last.visit.dispensing.every((l) => l.done)).toBe(true);
    expect(throws(() => call("visit_settle"))).toMatch(/不允许/);
    expect(call("visit_finish_dispensing").state).toBe("dispensed");
    const pre = call("visit_pre_settle");
    // 2 × 12.50 (阿莫西林) + 18.00 (布洛芬, 自费 in the mock): the demo prices.
    expect(pre.split).toMatchObject({ total: "43.00", fundPay: "15.00", accountPay: "10.00", cashPay: "18.00" });
    expect(call("visit_settle").state).toBe("settled");
    expect(throws(() => call("visit_complete"))).toMatch(/尚未收款/);
    expect(throws(() => call("visit_pay", { method: "cash", tendered: "10" }))).toMatch(/不足/);
    expect(call("visit_pay", { method: "cash", tendered: "20" }).payment).toMatchObject({ change: "2.00", paid: true });
    const done = call("visit_complete");
    expect(done.state).toBe("receipted");
    expect(done.sale?.receiptText).toMatch(/43\.00/);
  });
  it("an uncertain settlement accepts only its resolution, then settles: the real service's recorded answers (recorded/visit-uncertain.json)", () => {
    const { b, call } = backend();
    call("visit_start");
    const steps = uncertainFlow.steps;
    const at = (cmd: string, n = 0) => steps.filter((s) => s.command === cmd)[n]!;
    expect(call("visit_identify", { method: "e_voucher", code: UNCERTAIN_PATIENT, consent: null, agent: null }).patient?.name).toBe("王芳");
    call("visit_open", at("visit_open").args);
    b.handle("shift_start", { evoucher: DEMO_PHARMACIST_EVOUCHER });
    call("visit_audit", { result: "1", opinion: "准予调配", reconfirmEvoucher: DEMO_PHARMACIST_EVOUCHER, reviewerLogin: null });
    for (const s of steps.filter((x) => x.command === "visit_scan")) expect((b.handle("visit_scan", s.args) as ScanOutcome).ok).toBe(true);
    call("visit_finish_dispensing");
    call("visit_pre_settle");
    expect(call("visit_settle").state).toBe("settlement_uncertain");
    // Nothing but the resolution, in the service's words.
    expect(throws(() => call("visit_cancel"))).toMatch(/结算结果未知/);
    expect(throws(() => call("visit_start"))).toMatch(/结算结果未知/);
    expect(call("visit_resolve_uncertain").state).toBe("pre_settled");
    const settled = call("visit_settle");
    expect(settled.state).toBe("settled");
    expect(settled.split).toEqual(filled(at("visit_settle", 1).response as VisitView).split);
    expect(throws(() => call("visit_pay", { method: "scan", tendered: null, payCode: "13456789" }))).toMatch(/付款码无效/);
    expect(call("visit_pay", { method: "scan", tendered: null, payCode: "134567890123456789" }).payment).toMatchObject({ method: "scan", paid: true });
    const done = call("visit_complete");
    expect(done.state).toBe("receipted");
    expect(done.sale?.receiptText).not.toMatch(/<\w+>/);
    // A step the recording does not have is refused, never invented.
    expect(throws(() => call("visit_pay", { method: "cash", tendered: "5", payCode: null }))).toMatch(/没有录制/);
  });
  it("an e-voucher the center does not know gets the real activation guidance; a query while the center is down, its refusal (recorded/visit-guidance.json)", async () => {
    const rec = ((await import("./recorded/visit-guidance.json")).default as unknown as { flows: { steps: { response?: VisitView; error?: { code: string; sentence: { zhCn: string } } }[] }[] }).flows[0]!.steps;
    const { call } = backend();
    call("visit_start");
    const g = call("visit_identify", { method: "e_voucher", code: "110000ecdemo0000000000000000000noact", consent: null, agent: null });
    expect(g.state).toBe("evoucher_guidance");
    expect(g.guidance).toEqual(rec[0]!.response!.guidance);
    expect(g.nextStep).toBe(rec[0]!.response!.nextStep);
    expect(throws(() => call("visit_identify", { method: "e_voucher", code: "110000ecdemo0000000000000000000unknown", consent: null, agent: null }))).toBe(rec[1]!.error!.sentence.zhCn);
  });
  it("the PIN pad replays the real answers (recorded/visit-pinpad.json): wrong twice, locked the third time, the right one refused while locked; cancelled on the pad; a 代购 agent", async () => {
    const rec = ((await import("./recorded/visit-pinpad.json")).default as unknown as { flows: { name: string; steps: { args: { pinTyped: string | null }; response?: VisitView; error?: { code: string } }[] }[] }).flows;
    const locked = rec.find((f) => f.name === "card-locked")!.steps;
    const { call } = backend();
    const card = (typed: string | null, agent: unknown = null) => {
      call("mock_pin_pad", { typed });
      return call("visit_identify", { method: "social_security_card", code: "", consent: null, agent });
    };
    call("visit_start");
    const tries = [card("000000"), card("000000"), card("000000"), card("246810")];
    expect(tries.map((v) => v.guidance?.titleZh)).toEqual(locked.map((s) => s.response!.guidance!.titleZh));
    expect(tries[2]!.guidance?.titleZh).toMatch(/锁定/);
    expect(tries.every((v) => v.listed.length === 0 && v.patient === null)).toBe(true);
    // A new visit: the patient cancels on the pad (the service's refusal), types a wrong one, then
    // the right one with his son as agent.
    call("visit_start");
    expect(throws(() => card(null))).toBe("患者已取消输入密码");
    expect(card("000000").guidance?.titleZh).toMatch(/还可尝试 2 次/);
    const v = card("246810", { name: "李四", certNo: "110101199003070011", relation: "child" });
    expect(v.state).toBe("prescriptions_listed");
    expect(v.patient).toMatchObject({ name: "张三", agentName: "李四", agentRelationship: "child", identifiedVia: "social_security_card" });
    // Its prescriptions are the center's; opening one was not recorded.
    expect(throws(() => call("visit_open", { authRxno: v.listed[0]!.auth_rxno }))).toMatch(/没有录制/);
  });
  it("blocks a tampered signature and a layout mismatch; a wrong PIN-pad password lists nothing", () => {
    const { call } = backend();
    call("visit_start");
    call("mock_pin_pad", { typed: "000000" });
    const g = call("visit_identify", { method: "id_card", code: "110101198001010029", consent: null, agent: null });
    expect(g.state).toBe("evoucher_guidance");
    expect(g.listed.length).toBe(0);
    expect(g.guidance?.titleZh).toMatch(/密码错误/);
    expect(throws(() => call("visit_identify", { method: "face", code: "", consent: null, agent: null }))).toMatch(/同意/);
    call("mock_pin_pad", { typed: "246810" });
    expect(call("visit_identify", { method: "social_security_card", code: "", consent: null, agent: null }).state).toBe("prescriptions_listed");
    // The prescription changed after signing: the recorded real answers, replayed.
    call("visit_start");
    const listed = call("visit_identify", { method: "e_voucher", code: BLOCKED_PATIENT, consent: null, agent: null });
    expect(listed.patient?.name).toBe("李四");
    expect(listed).toEqual({ ...recordedBlocked("visit_identify"), visitId: listed.visitId });
    const bad = call("visit_open", { authRxno: listed.listed[0]!.auth_rxno });
    expect(bad.state).toBe("closed");
    expect(bad.closedReason).toBe("signature_invalid");
    expect(bad.nextStepZh).toMatch(/已阻止/);
    expect(bad.prescription?.verdict.verdict).toBe("rejected");
    call("visit_start");
    call("visit_identify", { method: "e_voucher", code: "110000ecdemo0000000000000000000zhangsan" });
    const layout = call("visit_open", { authRxno: "AR-LAYOUT" });
    expect(layout.state).toBe("closed");
    expect(layout.rules?.layoutDifferences.length).toBe(2);
  });
});

describe("no-code stock in the mocked visit", () => {
  it("needs a reason and a sane quantity, and never over-dispenses", () => {
    const { b, call } = backend();
    call("visit_start");
    call("visit_identify", { method: "e_voucher", code: "110000ecdemo0000000000000000000zhangsan" });
    call("visit_open", { authRxno: "AR-OK" });
    b.handle("shift_start", { evoucher: DEMO_PHARMACIST_EVOUCHER });
    call("visit_audit", { result: "1", opinion: "处方合理，准予调配", reconfirmEvoucher: DEMO_PHARMACIST_EVOUCHER });
    const noCode = (line: number, packs: string, reason: string) =>
      b.handle("visit_dispense_no_code", { line, packs, reason }) as ScanOutcome;
    expect(noCode(0, "2", " ")).toMatchObject({ ok: false, code: "no_code_reason_missing" });
    expect(noCode(0, "x", "未赋码")).toMatchObject({ ok: false, code: "bad_quantity" });
    expect(noCode(9, "1", "未赋码")).toMatchObject({ ok: false, code: "no_such_line" });
    const ok = noCode(0, "2", "到货未赋码");
    expect(ok.ok).toBe(true);
    expect(ok.visit.dispensing[0]?.done).toBe(true);
    expect(ok.visit.dispensing[0]?.boxes.every((x) => x.traceCode === null)).toBe(true);
    expect(noCode(0, "1", "到货未赋码")).toMatchObject({ ok: false, code: "over_quantity" });
  });
});

describe("the recorded whole visit (王芳's), replayed", () => {
  it("answers each step with the real service's view, and refuses what was not recorded", () => {
    const m = new MockVisitBackend(() => pharmacist);
    const call = (cmd: string, args: Record<string, unknown> = {}) => m.handle(cmd, args) as VisitView;
    call("visit_start");
    const listed = call("visit_identify", { method: "e_voucher", code: HAPPY_PATIENT, consent: null, agent: null });
    expect(listed.patient?.name).toBe("王芳");
    expect(call("visit_open", { authRxno: listed.listed[0]!.auth_rxno }).state).toBe("rules_checked");
    // Off the recorded path (a second open): refused, not invented.
    expect(() => call("visit_cancel")).toThrow();
    const audit = happyFlow.steps.find((s) => s.command === "visit_audit")!;
    expect(call("visit_audit", { ...audit.args, opinion: "typed by the pharmacist" }).state).toBe("dispensing");
    for (const s of happyFlow.steps.filter((x) => x.command === "visit_scan")) expect((m.handle("visit_scan", s.args) as ScanOutcome).ok).toBe(true);
    expect(call("visit_current").state).toBe("dispensing");
    expect(call("visit_finish_dispensing").state).toBe("dispensed");
    expect(call("visit_pre_settle").state).toBe("pre_settled");
    expect(call("visit_settle").state).toBe("settled");
    const done = call("visit_complete");
    expect(done.state).toBe("receipted");
    expect(done.sale?.total).toBe((happyFlow.steps[happyFlow.steps.length - 1]!.response as VisitView).sale?.total);
    // The next patient: the hand-built visit again.
    expect(call("visit_start").state).toBe("started");
  });
});
