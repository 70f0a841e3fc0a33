// The mocked visit against recorded real responses:
// `recorded/visit-happy.json` is written by `cargo test -p rxdesk-app --test
// recorded_views` from one visit driven against the center emulator. The
// mock's answers at the same steps — its own empty visit at `visit_start`,
// 张三's replayed visit (recorded/visit-zhangsan.json) after it — must have
// exactly the fields of the real ones, at every depth (a field the service
// sends that the mock forgets, or one the mock invents, fails here), and
// the recorded views must be the generated types' shape.
import { describe, expect, it } from "vitest";
import recorded from "./recorded/visit-happy.json";
import type { OperatorInfo } from "../ipc/api";
import type { ScanOutcome, VisitView } from "../ipc/visit-api";
import { DEMO_PHARMACIST_EVOUCHER, MockVisitBackend, ZHANGSAN_PATIENT, zhangsanFlow } from "./mock-visit";

type Step = { step: string; response: unknown };
const steps = recorded.steps as Step[];

/** Paths of the fields of `a` and `b` that only one of them has (nulls and empty arrays match anything). */
function fieldDiff(a: unknown, b: unknown, path = ""): string[] {
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return [];
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return [`${path}: array on one side only`];
    return a.length && b.length ? fieldDiff(a[0], b[0], `${path}[0]`) : [];
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  const out = [
    ...ka.filter((k) => !kb.includes(k)).map((k) => `${path}.${k}: only in the real view`),
    ...kb.filter((k) => !ka.includes(k)).map((k) => `${path}.${k}: only in the mock`),
  ];
  for (const k of ka.filter((x) => kb.includes(x))) {
    out.push(...fieldDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return out;
}

/** The mock's answers along the happy path, by command (the last answer of each). */
function mockAnswers(): Map<string, unknown> {
  const pharmacist: OperatorInfo = { login: "2001", name: "李药师", role: "pharmacist", roleLabel: "药师" };
  const b = new MockVisitBackend(() => pharmacist);
  const out = new Map<string, unknown>();
  const call = (cmd: string, args: Record<string, unknown> = {}) => {
    const v = b.handle(cmd, args);
    out.set(cmd, v);
    return v as VisitView;
  };
  b.handle("shift_start", { evoucher: DEMO_PHARMACIST_EVOUCHER });
  call("visit_start");
  const listed = call("visit_identify", { method: "e_voucher", code: ZHANGSAN_PATIENT });
  call("visit_open", { authRxno: listed.listed[0]!.auth_rxno });
  call("visit_audit", { result: "1", opinion: "处方合理，准予调配", reconfirmEvoucher: DEMO_PHARMACIST_EVOUCHER });
  const boxes = zhangsanFlow("whole").steps.filter((s) => s.command === "visit_scan" && (s.response as ScanOutcome).ok);
  for (const s of boxes) call("visit_scan", s.args);
  call("visit_finish_dispensing");
  call("visit_pre_settle");
  call("visit_settle");
  call("visit_pay", { method: "cash", tendered: "20.00" });
  call("visit_complete");
  return out;
}

describe("the mocked visit answers with the fields of recorded real views", () => {
  const mock = mockAnswers();

  it("the recording covers the happy path", () => {
    expect(steps.map((s) => s.step)).toEqual(expect.arrayContaining(["visit_start", "visit_identify", "visit_open", "visit_audit", "visit_scan", "visit_settle", "visit_complete"]));
    const last = steps[steps.length - 1]!.response as VisitView;
    expect(last.state).toBe("receipted");
    expect(last.nextStep).toBe("receipted");
  });

  for (const s of steps) {
    it(`${s.step}: same fields as the service's answer`, () => {
      const m = mock.get(s.step);
      expect(m, s.step).toBeDefined();
      // The recorded scan is a box's barcode or its trace code; 张三's are trace codes.
      const real = s.step === "visit_scan" ? (s.response as ScanOutcome) : s.response;
      // The downloaded prescription too: its type is generated (rxdesk-gm's `DownloadedPrescription`).
      const diff = fieldDiff(real, m);
      expect(diff.join("\n")).toBe("");
    });
  }
});

describe("the recorded refusals are masked as the shell masks them", () => {
  // Every recording (Vite's glob, read at test time).
  const files = import.meta.glob("./recorded/*.json", { eager: true, import: "default" }) as Record<string, unknown>;
  const errors = (v: unknown, out: unknown[] = []): unknown[] => {
    if (Array.isArray(v)) v.forEach((x) => errors(x, out));
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (k === "error" && x && typeof x === "object" && "detail" in x) out.push(x);
        else errors(x, out);
      }
    }
    return out;
  };

  it("no refusal in any recording carries a run of 15+ digits (an ID, card or trace code)", () => {
    const all = Object.values(files).flatMap((f) => errors(f));
    expect(all.length).toBeGreaterThan(20);
    const texts = all.map((e) => JSON.stringify(e));
    expect(texts.filter((t) => /\d{15,}/.test(t))).toEqual([]);
    // The inventory's refusals of a sold box name it masked (`813***************21`).
    expect(texts.some((t) => /813\*{15}21/.test(t))).toBe(true);
  });
});
