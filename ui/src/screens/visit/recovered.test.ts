import { describe, expect, it } from "vitest";
import type { OperatorInfo } from "../../ipc/api";
import { translate, type Key } from "../../i18n/i18n";
import { DEMO_PHARMACIST_EVOUCHER, MockVisitBackend, RECOVERED_PATIENT, REVERSED_PATIENT } from "../../mock/mock-visit";
import recording from "../../mock/recorded/visit-recovered.json";
import { filled } from "../../mock/replay";
import type { VisitView } from "../../ipc/visit-api";
import { recoveredNotice } from "./recovered";
import { mockErrorText } from "../../mock/ipc-error";
/** The zh-CN sentence `f` rejects with. */
function thrown(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return mockErrorText(e);
  }
  throw new Error("did not throw");
}


const pharmacist: OperatorInfo = { login: "2001", name: "李药师", role: "pharmacist", roleLabel: "药师" };
const manager: OperatorInfo = { login: "3001", name: "王店长", role: "manager", roleLabel: "店长" };
const zh = (k: Key) => translate("zh-CN", k);
const en = (k: Key) => translate("en-US", k);

type Flow = { steps: { command: string; args: Record<string, unknown>; response?: VisitView }[]; afterRestart: { command: string; response?: VisitView }[] };
const FLOWS = (recording as unknown as { flows: Flow[] }).flows;
/** The real recovered visit (after the restart) of the recorded flow `n`, its placeholders filled. */
const recovered = (n: number) => filled(FLOWS[n]!.afterRestart.find((s) => s.command === "visit_current")!.response!);

/** A recorded visit settled at the emulator, then the program restarts (recorded/visit-recovered.json). */
function settledThenRestarted(op: { current: OperatorInfo }, code = RECOVERED_PATIENT): { b: MockVisitBackend; v: VisitView } {
  const b = new MockVisitBackend(() => op.current);
  const flow = FLOWS[code === RECOVERED_PATIENT ? 0 : 1]!;
  const call = (cmd: string, args: Record<string, unknown> = {}) => b.handle(cmd, args) as VisitView;
  call("visit_start");
  call("visit_identify", { method: "e_voucher", code, consent: null, agent: null });
  call("visit_open", flow.steps.find((s) => s.command === "visit_open")!.args);
  b.handle("shift_start", { evoucher: DEMO_PHARMACIST_EVOUCHER });
  call("visit_audit", { result: "1", opinion: "处方合理，准予调配", reconfirmEvoucher: DEMO_PHARMACIST_EVOUCHER, reviewerLogin: null });
  for (const s of flow.steps.filter((x) => x.command === "visit_scan")) b.handle("visit_scan", s.args);
  call("visit_finish_dispensing");
  call("visit_pre_settle");
  expect(call("visit_settle").state).toBe("settled");
  b.restartAfterSettle();
  return { b, v: b.handle("visit_current", {}) as VisitView };
}

describe("a visit settled before the program stopped comes first, in plain words", () => {
  it("says what happened and what to do, in zh-CN and en-US", () => {
    const op = { current: pharmacist };
    const { v } = settledThenRestarted(op);
    expect(v.recovered).toBe(true);
    const n = recoveredNotice(v, "pharmacist", zh);
    expect(n).not.toBeNull();
    expect(n?.title).toMatch(/已在医保结算.*没有完成/);
    // The settled figures in yuan; the settlement id on its own line.
    expect(n?.setlId).toBe(`医保结算ID：${v.split?.setlId ?? "missing"}`);
    expect(n?.body).not.toContain(v.split?.setlId ?? "missing");
    // The real settled figures (王芳's three boxes; her 20.00 personal account).
    const real = recovered(0);
    expect(v).toEqual(real);
    expect(n?.body).toContain(`药费合计 ¥${real.split!.total}`);
    expect(n?.body).toContain(`个人账户已支付 ¥${real.split!.accountPay}`);
    expect(n?.body).toContain(`患者还需自付 ¥${real.split!.cashPay}`);
    expect(n?.body).toContain("王芳");
    // Which drugs (the pharmacist finds the right bag), and what to do now.
    expect(n?.drugs.length).toBeGreaterThan(0);
    expect(n?.drugs[0]).toMatch(/×\d/);
    expect(n?.finish).toBe(`先收取患者自付 ¥${real.split!.cashPay}，再按 F10 完成销售并打印小票`);
    // A pharmacist finishes; only a manager reverses, and is told so.
    expect(n?.actions).toEqual(["finish"]);
    expect(n?.managerNote).toMatch(/店长/);
    const e = recoveredNotice(v, "manager", en);
    expect(e?.title).toMatch(/settled with insurance/);
    expect(e?.body).toContain(`total ¥${real.split!.total}`);
    expect(e?.actions).toEqual(["finish", "reverse"]);
    expect(e?.managerNote).toBeNull();
  });
  it("says plainly when nothing is due, or when the patient's part is already taken", () => {
    const op = { current: pharmacist };
    const { v } = settledThenRestarted(op);
    const free = { ...v, split: v.split && { ...v.split, cashPay: "0.00" } };
    expect(recoveredNotice(free, "pharmacist", zh)?.finish).toBe("患者无需再付款：按 F10 完成销售并打印小票");
    const taken = { ...v, payment: { method: "cash" as const, due: "8.30", tendered: "10.00", change: "1.70", paid: true } };
    expect(recoveredNotice(taken, "pharmacist", zh)?.finish).toMatch(/^自付部分已收/);
    expect(recoveredNotice(free, "manager", en)?.finish).toMatch(/^Nothing more to pay/);
  });
  it("is not shown for an ordinary settled visit, nor once the sale is completed", () => {
    const op = { current: pharmacist };
    const { b, v } = settledThenRestarted(op);
    expect(recoveredNotice({ ...v, recovered: false }, "manager", zh)).toBeNull();
    expect(recoveredNotice(null, "manager", zh)).toBeNull();
    // Nothing else starts before it is finished.
    expect(thrown(() => b.handle("visit_start", {}))).toMatch(/已在医保结算但未完成销售/);
    b.handle("visit_pay", { method: "cash", tendered: "5.00" });
    const done = b.handle("visit_complete", {}) as VisitView;
    expect(done.state).toBe("receipted");
    expect(done.recovered).toBe(false);
    expect(recoveredNotice(done, "manager", zh)).toBeNull();
  });
  it("a manager may reverse it; a pharmacist may not", () => {
    const op = { current: pharmacist };
    const { b, v: shown } = settledThenRestarted(op, REVERSED_PATIENT);
    expect(shown).toEqual(recovered(1));
    expect(thrown(() => b.handle("visit_reverse_settled", {}))).toMatch(/店长/);
    op.current = manager;
    const v = b.handle("visit_reverse_settled", {}) as VisitView;
    expect(v.state).toBe("refunded");
    expect(v.recovered).toBe(false);
    expect(v.nextStepZh).toMatch(/已撤销/);
  });
});
