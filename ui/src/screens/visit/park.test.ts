// 挂单 / 取单 on the counter: the keys (F11), the hints, and the mocked service, which replays
// the real service's recorded 挂单 (ui/src/mock/recorded/visit-parked.json: a parked uncertain
// settlement stays uncertain and locks its patient) and refuses any other parking.
import { describe, expect, it } from "vitest";
import type { OperatorInfo } from "../../ipc/api";
import { MockVisitBackend, PARKED_PATIENT, parkedFlow, resolvedParkedFlow } from "../../mock/mock-visit";
import type { VisitView } from "../../ipc/visit-api";
import { canPark, hintsFor, keyAction } from "./flow";
import { mockErrorText } from "../../mock/ipc-error";

const ZHANGSAN = "110000ecdemo0000000000000000000zhangsan";
const PHARMACIST = "110000ecdemo00000000000000000000liyaoshi";

describe("挂单 and 取单 keys", () => {
  it("F11 parks a visit with work in it, never one being settled or settled awaiting payment", () => {
    expect(keyAction("F11", { state: "rules_checked", inField: false })).toEqual({ action: "park" });
    expect(keyAction("F11", { state: "settlement_uncertain", inField: false })).toEqual({ action: "park" });
    expect(keyAction("F11", { state: "settling", inField: false })).toBeNull();
    expect(canPark("settled")).toBe(false);
    // On the payment step F11 stays the pay-mode switch.
    expect(keyAction("F11", { state: "settled", inField: false })).toEqual({ action: "pay_scan" });
    expect(hintsFor("dispensing")).toContainEqual(["F11", "hint.park"]);
  });
  it("on a free counter F11 resumes the first parked visit, and the hint says so", () => {
    expect(keyAction("F11", { state: "started", inField: false, parked: 0 })).toBeNull();
    expect(keyAction("F11", { state: "started", inField: false, parked: 2 })).toEqual({ action: "resume", index: 0 });
    expect(hintsFor("started", false, 1)).toContainEqual(["F11", "hint.resume"]);
    expect(hintsFor("started", false, 0)).not.toContainEqual(["F11", "hint.resume"]);
  });
});

describe("the mocked service replays the recorded 挂单 (the real service's answers)", () => {
  const op: OperatorInfo = { login: "2001", name: "李药师", role: "pharmacist", roleLabel: "药师" };
  const setup = () => {
    const b = new MockVisitBackend(() => op);
    const call = (cmd: string, args: Record<string, unknown> = {}) => b.handle(cmd, args) as VisitView;
    return { b, call };
  };
  const fails = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return mockErrorText(e);
    }
    throw new Error("did not fail");
  };
  /** 王芳 (`PARKED_PATIENT`) to her settlement whose answer was lost, along `flow`'s recorded scans. */
  const toUncertain = ({ b, call }: ReturnType<typeof setup>, flow: typeof parkedFlow): VisitView => {
    call("visit_start");
    call("visit_identify", { method: "e_voucher", code: PARKED_PATIENT });
    call("visit_open", { authRxno: flow.steps[1]!.args.authRxno });
    b.handle("shift_start", { evoucher: PHARMACIST });
    expect(call("visit_audit", { result: "1", opinion: "同意", reconfirmEvoucher: PHARMACIST }).state).toBe("dispensing");
    for (const s of flow.steps.filter((x) => x.command === "visit_scan")) expect((b.handle("visit_scan", { code: s.args.code }) as { ok: boolean }).ok).toBe(true);
    call("visit_finish_dispensing");
    call("visit_pre_settle");
    const u = call("visit_settle");
    expect(u.state).toBe("settlement_uncertain");
    return u;
  };
  const codeOf = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return (e as { code: string }).code;
    }
    return "ok";
  };

  it("parks the uncertain settlement, serves and parks 张三, refuses her meanwhile, resumes, resolves and settles her, then 张三's comes back", () => {
    const rig = setup();
    const { call } = rig;
    const u = toUncertain(rig, parkedFlow);
    const next = call("visit_park");
    expect(next.state).toBe("started");
    expect(next.parked[0]).toMatchObject({ visitId: u.visitId, patientName: "王芳", uncertain: true, state: "settlement_uncertain" });
    expect(call("visit_identify", { method: "e_voucher", code: ZHANGSAN }).patient?.name).toBe("张三");
    const opened = call("visit_open", { authRxno: parkedFlow.steps[1]!.args.authRxno });
    expect(opened.state).toBe("rules_checked");
    const two = call("visit_park");
    expect(two.parked.map((p) => p.patientName)).toEqual(["王芳", "张三"]);
    expect(new Set(two.parked.map((p) => p.visitId)).size).toBe(2);
    expect(fails(() => call("visit_identify", { method: "e_voucher", code: PARKED_PATIENT }))).toMatch(/结算结果未知的取药已挂单/);
    expect(call("visit_resume", { visitId: u.visitId }).state).toBe("settlement_uncertain");
    expect(call("visit_resolve_uncertain").state).toBe("pre_settled");
    expect(call("visit_settle").state).toBe("settled");
    expect(call("visit_pay", { method: "scan", tendered: null, payCode: "134567890123456789" }).payment?.paid).toBe(true);
    expect(call("visit_complete").state).toBe("receipted");
    expect(call("visit_start").parked).toHaveLength(1);
    const back = call("visit_resume", { visitId: opened.visitId });
    expect(back).toMatchObject({ state: "rules_checked", parked: [] });
    expect(back.patient?.name).toBe("张三");
    expect(call("visit_cancel").state).toBe("closed");
    expect(call("visit_start").state).toBe("started");
  });

  it("resolves a parked uncertain settlement where it is parked, the counter's visit untouched, then resumes it pre-settled", () => {
    const rig = setup();
    const { call } = rig;
    const u = toUncertain(rig, resolvedParkedFlow);
    call("visit_park");
    expect(call("visit_identify", { method: "e_voucher", code: ZHANGSAN }).patient?.name).toBe("张三");
    const v = call("visit_resolve_parked", { visitId: u.visitId });
    expect(v.patient?.name).toBe("张三");
    expect(v.state).toBe("prescriptions_listed");
    expect(v.parked[0]).toMatchObject({ visitId: u.visitId, uncertain: false, state: "pre_settled" });
    call("visit_cancel");
    const back = call("visit_resume", { visitId: u.visitId });
    expect(back).toMatchObject({ state: "pre_settled", parked: [] });
    expect(back.patient?.name).toBe("王芳");
    // The recording ends here: parking again is not answered.
    expect(codeOf(() => call("visit_park"))).toBe("MOCK_NOT_RECORDED");
  });

  it("parks nothing off the recording: 张三's recorded visits hold no 挂单", () => {
    const { call } = setup();
    call("visit_start");
    const listed = call("visit_identify", { method: "e_voucher", code: ZHANGSAN });
    call("visit_open", { authRxno: listed.listed[0]!.auth_rxno });
    expect(codeOf(() => call("visit_park"))).toBe("MOCK_NOT_RECORDED");
  });
});
