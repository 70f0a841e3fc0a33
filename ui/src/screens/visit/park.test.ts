// 挂单 / 取单 on the counter: the keys (F11), the hints, and the mocked service's rules (which
// follow rxdesk_app::visit::park: a parked uncertain settlement stays uncertain and locks its patient).
import { describe, expect, it } from "vitest";
import type { OperatorInfo } from "../../ipc/api";
import { MockVisitBackend } from "../../mock/mock-visit";
import type { VisitView } from "../../ipc/visit-api";
import { canPark, hintsFor, keyAction } from "./flow";
import { mockErrorText } from "../../mock/ipc-error";

const ZHANGSAN = "110000ecdemo0000000000000000000zhangsan";
const LISI = "110000ecdemo000000000000000000000lisi";
const UNCERTAIN = "110000ecdemo000000000000000uncertain01";
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

describe("the mocked service parks and resumes like the Rust one", () => {
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

  it("parks the visit, serves the next patient, resumes it where it was", () => {
    const { call } = setup();
    call("visit_start");
    expect(fails(() => call("visit_park"))).toMatch(/不能挂单/);
    call("visit_identify", { method: "e_voucher", code: ZHANGSAN });
    const opened = call("visit_open", { authRxno: "AR-OK" });
    const v = call("visit_park");
    expect(v.state).toBe("started");
    expect(v.parked).toHaveLength(1);
    expect(v.parked[0]).toMatchObject({ visitId: opened.visitId, patientName: "张三", state: "rules_checked", uncertain: false });
    expect(call("visit_identify", { method: "e_voucher", code: LISI }).patient?.name).toBe("李四");
    expect(fails(() => call("visit_resume", { visitId: opened.visitId }))).toMatch(/请先挂单或办理完成/);
    call("visit_cancel");
    const back = call("visit_resume", { visitId: opened.visitId });
    expect(back.state).toBe("rules_checked");
    expect(back.patient?.name).toBe("张三");
    expect(back.parked).toHaveLength(0);
  });

  it("a parked uncertain settlement stays uncertain and locks its patient until resolved", () => {
    const { b, call } = setup();
    call("visit_start");
    call("visit_identify", { method: "e_voucher", code: UNCERTAIN });
    call("visit_open", { authRxno: "AR-OK" });
    b.handle("shift_start", { evoucher: PHARMACIST });
    call("visit_audit", { result: "1", opinion: "处方合理，准予调配", reconfirmEvoucher: PHARMACIST });
    for (const d of b.visit!.dispensing) d.done = true;
    b.visit!.state = "dispensed";
    call("visit_pre_settle");
    const u = call("visit_settle");
    expect(u.state).toBe("settlement_uncertain");
    const next = call("visit_park");
    expect(next.parked[0]).toMatchObject({ uncertain: true, state: "settlement_uncertain" });
    expect(fails(() => call("visit_identify", { method: "e_voucher", code: UNCERTAIN }))).toMatch(/结算结果未知的取药已挂单/);
    const back = call("visit_resume", { visitId: u.visitId });
    expect(back.state).toBe("settlement_uncertain");
    expect(call("visit_resolve_uncertain").state).toBe("pre_settled");
  });

  it("a parked uncertain settlement is resolved where it is parked, the counter's visit untouched", () => {
    const { b, call } = setup();
    call("visit_start");
    call("visit_identify", { method: "e_voucher", code: UNCERTAIN });
    call("visit_open", { authRxno: "AR-OK" });
    b.handle("shift_start", { evoucher: PHARMACIST });
    call("visit_audit", { result: "1", opinion: "处方合理，准予调配", reconfirmEvoucher: PHARMACIST });
    for (const d of b.visit!.dispensing) d.done = true;
    b.visit!.state = "dispensed";
    call("visit_pre_settle");
    const u = call("visit_settle");
    call("visit_park");
    call("visit_identify", { method: "e_voucher", code: LISI });
    const v = call("visit_resolve_parked", { visitId: u.visitId });
    expect(v.patient?.name).toBe("李四");
    expect(v.parked[0]).toMatchObject({ uncertain: false, state: "pre_settled" });
    // Unlocked: the patient may be served again (here: resumed and settled).
    call("visit_cancel");
    expect(call("visit_resume", { visitId: u.visitId }).state).toBe("pre_settled");
  });
});
