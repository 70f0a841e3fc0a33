// The mocked duty answers with the real service's recorded answers
// (recorded/duty.json), not invented ones: each request of the recorded
// run gets the recorded view or refusal, and a request off it is refused.
import { describe, expect, it } from "vitest";
import recorded from "./recorded/duty.json";
import { MockDuty, PHARMACIST_EVOUCHER } from "./mock-duty";
import type { OperatorInfo } from "../ipc/generated/types";

const op = (role: OperatorInfo["role"]) => ({ login: role === "pharmacist" ? "2001" : "1001", name: "x", role, roleLabel: "" }) as unknown as OperatorInfo;
const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return "answered";
};

describe("the mocked duty replays recorded/duty.json", () => {
  it("refuses a cashier and someone else's e-voucher, starts and ends the pharmacist's duty as recorded", () => {
    let who = op("cashier");
    const d = new MockDuty(() => who);
    const steps = (recorded as unknown as { flows: { steps: { command: string; args: Record<string, unknown>; response?: unknown }[] }[] }).flows[0]!.steps;
    expect(PHARMACIST_EVOUCHER).toMatch(/^110000ecdemo0+liyaoshi$/);
    expect(d.handle("shift_current", {})).toBeNull();
    expect(codeOf(() => d.handle("shift_start", { evoucher: PHARMACIST_EVOUCHER }))).toBe("NOT_PHARMACIST");
    who = op("pharmacist");
    expect(codeOf(() => d.handle("shift_start", { evoucher: "110000ecdemo0000000000000000000zhangsan" }))).toBe("SHIFT_IDENTITY_MISMATCH");
    expect(codeOf(() => d.handle("shift_start", { evoucher: "never-recorded" }))).toBe("MOCK_NOT_RECORDED");
    const on = d.handle("shift_start", { evoucher: PHARMACIST_EVOUCHER }) as { pharmacistName: string; certnoMasked: string; startedAt: string };
    const rec = steps.find((s) => s.command === "shift_start" && s.response)!.response as { pharmacistName: string; certnoMasked: string };
    expect(on.pharmacistName).toBe(rec.pharmacistName);
    expect(on.certnoMasked).toBe(rec.certnoMasked);
    expect(on.startedAt).toBe("2026-12-05 08:00:00");
    expect(d.handle("shift_current", {})).toEqual(on);
    expect(d.handle("shift_end", {})).toMatchObject({ ended: true });
    expect(d.handle("shift_current", {})).toBeNull();
    expect(d.handle("shift_end", {})).toMatchObject({ ended: false });
  });
});
