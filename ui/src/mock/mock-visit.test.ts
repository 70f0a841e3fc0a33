import { describe, expect, it } from "vitest";
import { mockErrorText } from "./ipc-error";
import { filled } from "./replay";
import type { OperatorInfo } from "../ipc/api";
import { BLOCKED_PATIENT, DEMO_PHARMACIST_EVOUCHER, HAPPY_PATIENT, MockVisitBackend, RICH_PATIENT, UNCERTAIN_PATIENT, ZHANGSAN_PATIENT, happyFlow, recordedBlocked, uncertainFlow, zhangsanFlow } from "./mock-visit";
import type { ScanOutcome, VisitView } from "../ipc/visit-api";

const pharmacist: OperatorInfo = { login: "2001", name: "李药师", role: "pharmacist", roleLabel: "药师" };

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

describe("the mocked visit replays the real service", () => {
  it("walks 张三's whole visit to a receipt with the service's refusals on the way (recorded/visit-zhangsan.json)", () => {
    const { b, call } = backend();
    const whole = zhangsanFlow("whole").steps;
    const scans = whole.filter((s) => s.command === "visit_scan").map((s) => String(s.args.code));
    expect(call("visit_start").state).toBe("started");
    const listed = call("visit_identify", { method: "e_voucher", code: ZHANGSAN_PATIENT });
    expect(listed.state).toBe("prescriptions_listed");
    expect(listed.patient?.name).toBe("张三");
    expect(listed.listed.length).toBe(2);
    expect(call("visit_open", { authRxno: listed.listed[0]!.auth_rxno }).state).toBe("rules_checked");
    // Nobody on duty: the service's refusal, whichever visit.
    const audit = (result: string, opinion: string) => call("visit_audit", { result, opinion, reconfirmEvoucher: DEMO_PHARMACIST_EVOUCHER });
    expect(throws(() => audit("1", "处方合理，准予调配"))).toMatch(/尚未上岗/);
    b.handle("shift_start", { evoucher: DEMO_PHARMACIST_EVOUCHER });
    expect(throws(() => audit("2", " "))).toMatch(/审核意见/);
    expect(throws(() => audit("1", ""))).toMatch(/审核意见/);
    expect(audit("1", "处方合理，准予调配").state).toBe("dispensing");
    const scan = (code: string) => b.handle("visit_scan", { code }) as ScanOutcome;
    expect(scan(scans[0]!)).toMatchObject({ ok: false, code: "wrong_product" });
    expect(scan(scans[1]!).ok).toBe(true);
    expect(scan(scans[2]!)).toMatchObject({ ok: false, code: "duplicate_trace_code" });
    expect(scan(scans[3]!)).toMatchObject({ ok: false, code: "expired_batch" });
    expect(scan(scans[4]!).ok).toBe(true);
    expect(scan(scans[5]!)).toMatchObject({ ok: false, code: "over_quantity" });
    expect(throws(() => call("visit_settle"))).toMatch(/预结算/);
    const last = scan(scans[6]!);
    expect(last.visit.state).toBe("dispensing");
    expect(last.visit.dispensing.every((l) => l.done)).toBe(true);
    expect(call("visit_finish_dispensing").state).toBe("dispensed");
    const pre = call("visit_pre_settle");
    // 2 × 12.50 (阿莫西林) + 5.00 (维生素C片, 自费): 25.00 to the deductible, his account (12.00) pays a part.
    expect(pre.split).toMatchObject({ total: "30.00", fundPay: "0.00", accountPay: "12.00", cashPay: "18.00" });
    expect(call("visit_settle").state).toBe("settled");
    expect(throws(() => call("visit_complete"))).toMatch(/请先收款/);
    expect(throws(() => call("visit_pay", { method: "cash", tendered: "10.00" }))).toMatch(/少于应收/);
    expect(call("visit_pay", { method: "cash", tendered: "20.00" }).payment).toMatchObject({ change: "2.00", paid: true });
    const done = call("visit_complete");
    expect(done.state).toBe("receipted");
    expect(done.sale?.receiptText).toMatch(/合计（2种）\s+30\.00/);
    expect(done.sale?.printedZh).toMatch(/已打印/);
    // Off the recording: refused, never invented.
    expect(throws(() => call("visit_pay", { method: "cash", tendered: "5.00" }))).toMatch(/没有录制/);
  });
  it("张三 whose account pays all (`RICH_PATIENT`): nothing due, the receipt (recorded)", () => {
    const { b, call } = backend();
    const rich = zhangsanFlow("rich").steps;
    b.handle("shift_start", { evoucher: DEMO_PHARMACIST_EVOUCHER });
    call("visit_start");
    const listed = call("visit_identify", { method: "e_voucher", code: RICH_PATIENT });
    expect(listed.patient).toMatchObject({ name: "张三", balance: "500.00" });
    expect(listed.listed.length).toBe(1);
    call("visit_open", { authRxno: listed.listed[0]!.auth_rxno });
    call("visit_audit", { result: "1", opinion: "处方合理，准予调配", reconfirmEvoucher: DEMO_PHARMACIST_EVOUCHER });
    for (const s of rich.filter((x) => x.command === "visit_scan")) expect((b.handle("visit_scan", s.args) as ScanOutcome).ok).toBe(true);
    call("visit_finish_dispensing");
    call("visit_pre_settle");
    const settled = call("visit_settle");
    expect(settled.split).toMatchObject({ accountPay: "30.00", cashPay: "0.00" });
    expect(settled.payment).toMatchObject({ method: "none", paid: true });
    expect(call("visit_complete").state).toBe("receipted");
  });
  it("a visit no recording holds (the activation guidance's) is cancelled in the recorded cancel's words", () => {
    const { call } = backend();
    call("visit_start");
    expect(call("visit_identify", { method: "e_voucher", code: "110000ecdemo0000000000000000000noact" }).state).toBe("evoucher_guidance");
    const cancelled = call("visit_cancel");
    const real = zhangsanFlow("listed").steps.find((x) => x.command === "visit_cancel")!.response as VisitView;
    expect(cancelled).toMatchObject({ state: "closed", closedReason: "cancelled", nextStep: real.nextStep, nextStepZh: real.nextStepZh, closedReasonZh: real.closedReasonZh });
    // Nothing else is answered off a recording.
    expect(throws(() => call("visit_open", { authRxno: "AR-OK" }))).toMatch(/没有录制/);
    call("visit_start");
    expect(throws(() => call("visit_identify", { method: "e_voucher", code: "110000ecdemo0000000000000000000nobody" }))).toMatch(/没有录制/);
  });
  it("answers a browser run that makes none of the refusals from the same recording", () => {
    const { b, call } = backend();
    const whole = zhangsanFlow("whole").steps;
    b.handle("shift_start", { evoucher: DEMO_PHARMACIST_EVOUCHER });
    call("visit_start");
    const listed = call("visit_identify", { method: "e_voucher", code: ZHANGSAN_PATIENT, consent: null, agent: null });
    call("visit_open", { authRxno: listed.listed[0]!.auth_rxno });
    call("visit_audit", { result: "1", opinion: "处方合理，准予调配", reconfirmEvoucher: DEMO_PHARMACIST_EVOUCHER });
    for (const s of whole.filter((x) => x.command === "visit_scan" && (x.response as ScanOutcome).ok)) {
      expect((b.handle("visit_scan", s.args) as ScanOutcome).ok).toBe(true);
    }
    for (const c of ["visit_finish_dispensing", "visit_pre_settle", "visit_settle"]) call(c);
    call("visit_pay", { method: "cash", tendered: "20.00" });
    // The recorded receipt, the layout file's stand-in aside (the recordings carry none).
    const done = call("visit_complete");
    const real = filled(whole[whole.length - 1]!.response) as VisitView;
    expect({ ...done, prescription: null }).toEqual({ ...real, prescription: null });
    expect({ ...done.prescription!.prescription, rxFile: "" }).toEqual({ ...real.prescription!.prescription, rxFile: "" });
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
    // Face without the patient's consent: the service's refusal (recorded); with it, 张三 listed.
    expect(throws(() => call("visit_identify", { method: "face", code: "", consent: null, agent: null }))).toMatch(/同意/);
    const face = call("visit_identify", { method: "face", code: "", consent: true, agent: null });
    expect(face.patient).toMatchObject({ name: "张三", identifiedVia: "face" });
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
    const zhang = call("visit_identify", { method: "e_voucher", code: ZHANGSAN_PATIENT });
    const layout = call("visit_open", { authRxno: zhang.listed[1]!.auth_rxno });
    expect(layout.state).toBe("closed");
    expect(layout.closedReason).toBe("rules_blocked");
    expect(layout.rules?.layoutDifferences.map((d) => [d.fieldZh, d.structured, d.layout])).toEqual([
      ["第 1 行 数量", "2盒", "3盒"],
      ["第 1 行 频次", "每日三次", "每日两次"],
    ]);
    // The layout file is not recorded: a one-page stand-in the mock draws.
    expect(layout.prescription?.prescription.rxFile).toMatch(/^JVBER/);
  });
});

describe("no-code stock in the mocked visit", () => {
  it("needs a reason and a sane quantity, and never over-dispenses: the service's answers (recorded)", () => {
    const { b, call } = backend();
    call("visit_start");
    const listed = call("visit_identify", { method: "e_voucher", code: ZHANGSAN_PATIENT });
    call("visit_open", { authRxno: listed.listed[0]!.auth_rxno });
    b.handle("shift_start", { evoucher: DEMO_PHARMACIST_EVOUCHER });
    call("visit_audit", { result: "1", opinion: "处方合理，准予调配", reconfirmEvoucher: DEMO_PHARMACIST_EVOUCHER });
    const noCode = (line: number, packs: string, reason: string) =>
      b.handle("visit_dispense_no_code", { line, packs, reason }) as ScanOutcome;
    expect(noCode(0, "2", " ")).toMatchObject({ ok: false, messageZh: expect.stringMatching(/须填写原因/) });
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
    m.handle("shift_start", { evoucher: DEMO_PHARMACIST_EVOUCHER });
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
    // The next patient: a new visit.
    expect(call("visit_start").state).toBe("started");
  });
});
