// The mocked visit behind the mocked IPC (browser UI tests, vitest): the
// real service's answers, recorded against the center emulator by `cargo
// test -p rxdesk-app --test recorded_views` and replayed step by step
// through `replay.ts` (a request off the recorded paths is refused with
// MOCK_NOT_RECORDED, never invented). Replayed, by the e-voucher scanned:
// - 张三's (`ZHANGSAN_PATIENT`, and by face): his two prescriptions, one
//   that verifies and one whose layout PDF differs from its data ("第 1 行
//   阿莫西林胶囊 数量 2 盒 3 盒"): listed and left, the first opened and
//   left, the second blocked by the rules, the first dispensed from the
//   无码库 with its refusals, the whole visit (the audit refused without an
//   opinion, a substitution, a duplicate, an expired box, one box too many,
//   too little cash; 20.00 in cash, the receipt), by face without and with
//   the patient's consent (recorded/visit-zhangsan.json);
// - `RICH_PATIENT` (张三 again, his 500.00 personal account pays all):
//   nothing due, the receipt (the same recording's `rich` flow);
// - the audit while nobody is on duty: refused in the service's words
//   (the same recording's `refusedOffDuty`), whichever visit is open;
// - 李四's e-voucher (`BLOCKED_PATIENT`): the prescription changed after
//   signing — identify and open (recorded/visit-blocked.json);
// - 王芳's e-voucher (`HAPPY_PATIENT`): a whole visit, identify to receipt
//   (recorded/visit-happy.json);
// - an e-voucher containing "noact": the center does not know it, the
//   activation guidance; one containing "unknown": the identify while the
//   center was down (recorded/visit-guidance.json);
// - `RECOVERED_PATIENT` / `REVERSED_PATIENT` (王芳, three boxes) to the
//   settlement, then `restartAfterSettle()`: the counter reopened on the same
//   data directory shows the visit `recovered`; finished in cash, or refused
//   to a pharmacist and reversed by the manager (recorded/visit-recovered.json);
// - `UNCERTAIN_PATIENT` (王芳 again, three boxes): the settlement whose answer
//   was lost, 处理未知结算 (2601), settled again, a declined pay code, paid by
//   scan, the receipt (recorded/visit-uncertain.json, the emulator's
//   reset-after fault);
// - the pharmacist's duty (`shift_start`, `shift_current`, `shift_end`):
//   recorded/duty.json through `mock-duty.ts`;
// - `PARKED_PATIENT` (王芳, three boxes): 挂单 — her settlement whose answer
//   was lost is parked, 张三 served and parked meanwhile, her e-voucher
//   refused while it is parked, 取单, 处理未知结算, settled, paid by scan,
//   receipted, 张三's visit taken back and left; or, from the same start, hers
//   resolved where it is parked while 张三 is at the counter
//   (recorded/visit-parked.json);
//   `visit_park` / `visit_resume` / `visit_resolve_parked` off that path are
//   `MOCK_NOT_RECORDED`;
// - the sales history, reprints and refunds (`sales_find`, `sale_reprint`,
//   `sale_refund`): recorded/sales.json through `mock-sales.ts`;
// - the PIN pad (`social_security_card`, `id_card`): 张三's card on the
//   simulated reader, the e-voucher password typed on the stand-in terminal
//   (`mock_pin_pad` plays the patient): the right one, a wrong one (the
//   guidance), then the right one with a 代购 agent, cancelled on the pad,
//   his ID number with a wrong one, three wrong (locked)
//   (recorded/visit-pinpad.json); opening one of the prescriptions it lists
//   is `MOCK_NOT_RECORDED`.
// Still the mock's own: `visit_start`'s empty visit (the recorded one's
// fields, vitest recorded.test.ts), the refusals of a new patient while one
// is settled or its settlement is unknown, and the cancel of a visit no
// recording holds (the activation guidance's): its words are the recorded
// cancel's. The recordings carry no layout PDF (`rxFile` is normalised
// away): an opened prescription shows a one-page stand-in saying so
// (`mock-layout.ts` draws it).
// Never bundled into the app.
import { mockError } from "./ipc-error";
import blockedRecording from "./recorded/visit-blocked.json";
import happyRecording from "./recorded/visit-happy.json";
import uncertainRecording from "./recorded/visit-uncertain.json";
import guidanceRecording from "./recorded/visit-guidance.json";
import recoveredRecording from "./recorded/visit-recovered.json";
import parkedRecording from "./recorded/visit-parked.json";
import pinpadRecording from "./recorded/visit-pinpad.json";
import zhangsanRecording from "./recorded/visit-zhangsan.json";
import { MockSales } from "./mock-sales";
import { Replay, filled, notRecorded, type RecordedFlow, type RecordedStep } from "./replay";
import { MockDuty, PHARMACIST_EVOUCHER } from "./mock-duty";
import { VISIT_STATES } from "../ipc/generated/visit-states";
import type { OperatorInfo } from "../ipc/api";
import type { IdMethod, ScanOutcome, ShiftView, VisitStateName, VisitView } from "../ipc/visit-api";

/** The zh-CN state labels exactly as the service sends them (generated from Rust). */
export const STATE_ZH: Record<VisitStateName, string> = VISIT_STATES;

/** The demo pharmacist's own e-voucher: the one the recorded duty started with (mock-duty.ts). */
export const DEMO_PHARMACIST_EVOUCHER = PHARMACIST_EVOUCHER;

/** A one-page PDF with a line of ASCII text, built by hand (valid xref): the layout's stand-in. */
export function tinyPdfText(text: string): string {
  const objs = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    "",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  const stream = `BT /F1 14 Tf 40 540 Td (${text}) Tj ET`;
  objs[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return btoa(out);
}

/** 张三's e-voucher: his recorded visits (recorded/visit-zhangsan.json). */
export const ZHANGSAN_PATIENT = "110000ecdemo0000000000000000000zhangsan";
/** The e-voucher the browser tests scan for 张三 whose personal account pays all (it stands for his own). */
export const RICH_PATIENT = "110000ecdemo000000000000000000richpatient";
const ZHANGSAN = zhangsanRecording as unknown as { flows: RecordedFlow[]; rich: RecordedFlow; refusedOffDuty: RecordedStep };
/** 张三's recorded flows, by name (`listed`, `opened`, `layout`, `no-code`, `whole`, `face-no-consent`, `face`, `rich`). */
export function zhangsanFlow(name: string): RecordedFlow {
  const f = name === "rich" ? ZHANGSAN.rich : ZHANGSAN.flows.find((x) => x.name === name);
  if (!f) throw new Error(`visit-zhangsan.json has no flow ${name}`);
  return f;
}
/**
 * Matched: the credential, the audit's result, opinion and re-confirmation,
 * the tender; the window sends the opinion of a standard phrase.
 */
const ZHANGSAN_COMPARED = {
  visit_identify: ["method", "code", "consent", "agent"],
  visit_audit: ["result", "opinion", "reconfirmEvoucher"],
  visit_pay: ["method", "tendered", "payCode"],
} as const;
/** The service's refusal of an audit while nobody is on duty (recorded beside 张三's flows). */
const OFF_DUTY = ZHANGSAN.refusedOffDuty.error!;
/** The recorded cancel's words (张三's list left): a visit no recording holds is cancelled with them. */
const CANCELLED = ZHANGSAN.flows.find((f) => f.name === "listed")!.steps.find((s) => s.command === "visit_cancel")!.response as VisitView;

/** A recorded view with the layout file's stand-in (the recordings carry none). */
function withLayout<T extends VisitView | ScanOutcome>(out: T): T {
  const v = "ok" in out ? out.visit : (out as VisitView);
  if (v.prescription) v.prescription.prescription.rxFile = tinyPdfText("RECORDED LAYOUT (PDF NOT RECORDED)");
  return out;
}

/** The recorded answer of 张三's `flow` to `command` (its first), placeholders filled, with the layout's stand-in. */
export function recordedZhangsan(flow: string, command: string): VisitView {
  const step = zhangsanFlow(flow).steps.find((s) => s.command === command);
  if (!step?.response) throw new Error(`${flow} has no answer to ${command}`);
  return withLayout(filled(step.response as VisitView));
}

/** The recorded blocked visit's answers, by command (identify, open). */
const blocked = Object.fromEntries(
  (blockedRecording as unknown as { steps: { step: string; response: VisitView }[] }).steps.map((s) => [s.step, s.response]),
) as Record<"visit_start" | "visit_identify" | "visit_open", VisitView>;
/** The e-voucher of the recorded whole visit's patient (王芳). */
export const HAPPY_PATIENT = "110000ecdemo00000000000000000000wangfang";
/** The recorded whole visit from identify on (`visit_start` is the mock's own). */
export const happyFlow: RecordedFlow = {
  name: "happy",
  steps: (happyRecording as unknown as { steps: { step: string; args: Record<string, unknown>; response: unknown }[] }).steps
    .filter((s) => s.step !== "visit_start")
    .map((s) => ({ command: s.step, args: s.args, response: s.response })),
};
/** What the operator types freely is not matched: the opinion, the cash tendered. */
const HAPPY_COMPARED = { visit_audit: ["result"], visit_pay: ["method"], visit_identify: ["method", "code"] } as const;

/**
 * The e-voucher the browser tests scan for the recorded uncertain settlement:
 * 王芳's three boxes whose 2102 answer was lost (recorded/visit-uncertain.json),
 * resolved by 2601, settled again, a declined pay code, paid by scan, receipted.
 */
export const UNCERTAIN_PATIENT = "110000ecdemo000000000000000uncertain";
/** The recorded flow from identify on; its identify was by 王芳's own e-voucher (`UNCERTAIN_PATIENT` stands for it). */
export const uncertainFlow: RecordedFlow = (uncertainRecording as unknown as { flows: RecordedFlow[] }).flows[0]!;
/**
 * The recorded identifications that list nothing (recorded/visit-guidance.json):
 * an e-voucher the center does not know → the activation guidance; the next
 * query while the center is down → CENTER_UNAVAILABLE. Replayed for the codes
 * with `noact` and `unknown` in them.
 */
const GUIDANCE = (guidanceRecording as unknown as { flows: RecordedFlow[] }).flows[0]!.steps;

/** A recorded visit settled, then the program restarted (recorded/visit-recovered.json): before and after the restart. */
type RecoveredFlow = RecordedFlow & { afterRestart: RecordedStep[] };
const RECOVERED = (recoveredRecording as unknown as { flows: RecoveredFlow[] }).flows;
/** The e-voucher for the recorded visit recovered after a restart and finished (cash, receipt). */
export const RECOVERED_PATIENT = "110000ecdemo00000000000000recoverfinish";
/** The e-voucher for the recorded one recovered and reversed by the manager (a pharmacist refused). */
export const REVERSED_PATIENT = "110000ecdemo0000000000000recoverreverse";
const RECOVERY: Record<string, RecoveredFlow> = { [RECOVERED_PATIENT]: RECOVERED[0]!, [REVERSED_PATIENT]: RECOVERED[1]! };

/** The service's refusals of a new patient and of cancelling while the outcome is unknown (recorded beside the flow). */
const UNCERTAIN_REFUSALS = (uncertainRecording as unknown as { refusedWhileUncertain: RecordedStep[] }).refusedWhileUncertain;
/** Free text is not matched (the opinion); the pay code is (a declined one and the good one). */
const UNCERTAIN_COMPARED = { visit_audit: ["result"], visit_pay: ["method", "payCode"], visit_identify: ["method"] } as const;

/** The e-voucher of the patient whose listed prescription was changed after signing (the recording's 李四). */
export const BLOCKED_PATIENT = "110000ecdemo000000000000000000000lisi";
/**
 * The e-voucher the browser tests scan for the recorded 挂单 (recorded/visit-parked.json):
 * it stands for 王芳's own, with which the flow was recorded.
 */
export const PARKED_PATIENT = "110000ecdemo00000000000000parkedwangfang";
const PARKED_FLOWS = (parkedRecording as unknown as { flows: RecordedFlow[] }).flows;
/** The recorded 挂单 flow, identify to the next patient's start (one run: two patients, parked and resumed). */
export const parkedFlow: RecordedFlow = PARKED_FLOWS[0]!;
/**
 * The same start, then 处理未知结算 of the parked visit while 张三 is at the
 * counter (it stays parked, pre-settled, unlocked), 张三's left, hers resumed.
 */
export const resolvedParkedFlow: RecordedFlow = PARKED_FLOWS[1]!;
const PARKED_RECORDED_CODE = String(parkedFlow.steps[0]!.args.code);
/** The credentials and the pay code are matched; the opinion is free text. */
const PARKED_COMPARED = { visit_audit: ["result"], visit_pay: ["method", "payCode"], visit_identify: ["method", "code"] } as const;

/**
 * The recorded PIN-pad identifications (recorded/visit-pinpad.json), each
 * identify's arguments with `pinTyped`: what the patient typed on the
 * terminal (`null`: cancelled), which the window never sends.
 */
const PINPAD_FLOWS = (pinpadRecording as unknown as { flows: RecordedFlow[] }).flows;

/** The recorded blocked visit's answer to `command`, its placeholders filled. */
export function recordedBlocked(command: "visit_identify" | "visit_open"): VisitView {
  const v = filled(blocked[command]);
  // The layout PDF was left out of the recording: a one-page stand-in saying so.
  if (v.prescription) v.prescription.prescription.rxFile = tinyPdfText("RECORDED LAYOUT (PDF NOT RECORDED)");
  return v;
}

function err(message: string, code = "MOCK_REFUSED"): never {
  throw mockError(code, message);
}

export class MockVisitBackend {
  visit: VisitView | null = null;
  /** The recorded visit being replayed (张三's, 王芳's …), until the next `visit_start`. */
  private replaying: Replay | null = null;
  /** The pharmacist's duty: replayed from recorded/duty.json (mock-duty.ts). */
  readonly duty: MockDuty;
  get shift(): ShiftView | null {
    return this.duty.shift;
  }
  /** The sales history, reprints and refunds: replayed from recorded/sales.json (mock-sales.ts). */
  readonly history = new MockSales();
  /** The recorded 挂单 being replayed (`PARKED_PATIENT`), until its last step. */
  private parking: Replay | null = null;
  private code = "";
  private seq = 0;

  constructor(private readonly operator: () => OperatorInfo | null) {
    this.duty = new MockDuty(operator);
  }

  /** `visit_start`'s empty visit: the fields of the recorded one (recorded.test.ts holds them together). */
  private fresh(): VisitView {
    return {
      visitId: `V${Date.now()}${String(++this.seq).padStart(4, "0")}`, state: "started", stateZh: STATE_ZH.started, patient: null, guidance: null, listed: [], listedDrugs: [],
      prescription: null, rules: null, audit: null, dispensing: [], split: null, payment: null, sale: null,
      closedReasonZh: null, closedReason: null, nextStepZh: "请扫描患者医保电子凭证，或选择社保卡、身份证、人脸识别或电子处方二维码。", nextStep: "identify",
      recovered: false,
      recoveredLines: [],
      parked: [],
    };
  }

  private need(): VisitView {
    if (!this.visit) err("当前没有进行中的接诊，请先开始接诊。");
    return this.visit;
  }

  /** The recorded visit being replayed up to its settlement, then the one restarted (recorded/visit-recovered.json). */
  private recovery: RecoveredFlow | null = null;
  private restarted: RecoveredFlow | null = null;

  /**
   * The program restarts between 2102 and the sale (`RECOVERED_PATIENT` /
   * `REVERSED_PATIENT`, settled): the counter shows the recorded recovered visit
   * and answers what the real one answered after its restart.
   */
  restartAfterSettle(): void {
    if (!this.recovery || this.visit?.state !== "settled") err("只有录制的、已结算的服务会在重启后恢复");
    this.restarted = this.recovery;
    this.replaying = null;
    this.visit = filled(this.recovery.afterRestart.find((s) => s.command === "visit_current")!.response as VisitView);
  }

  /** After the recorded restart: its answers, by command (a pharmacist's and the manager's reverse by role). */
  private afterRestart(cmd: string, args: Record<string, unknown>): unknown {
    const steps = this.restarted!.afterRestart.filter((s) => s.command === cmd);
    const step =
      cmd === "visit_reverse_settled"
        ? steps.find((s) => (s.args.role === "manager") === (this.operator()?.role === "manager"))
        : cmd === "visit_pay"
          ? steps.find((s) => s.args.method === args.method)
          : steps[0];
    if (!step) throw notRecorded(cmd, args);
    if (step.error) throw filled(step.error);
    this.visit = filled(step.response as VisitView);
    if (!this.visit.recovered) this.restarted = null;
    return structuredClone(this.visit);
  }

  handle(cmd: string, args: Record<string, unknown>): unknown {
    if (this.restarted && cmd.startsWith("visit_")) {
      if (cmd === "visit_current") return structuredClone(this.visit);
      return this.afterRestart(cmd, args);
    }
    if (this.parking && cmd.startsWith("visit_") && cmd !== "visit_current") {
      // The recorded 挂单: every step of both patients from the recording, nothing built here.
      const a = cmd === "visit_identify" && args.code === PARKED_PATIENT ? { ...args, code: PARKED_RECORDED_CODE } : args;
      const out = this.parking.answer(cmd, a) as VisitView | ScanOutcome;
      this.visit = "ok" in out ? out.visit : out;
      if (this.parking.finished()) this.parking = null;
      return structuredClone(out);
    }
    if (this.replaying && this.visit?.state === "settlement_uncertain") {
      // The recorded refusals while the outcome is unknown (the service's words), wherever they come.
      const refused = UNCERTAIN_REFUSALS.find((r) => r.command === cmd);
      if (refused) throw filled(refused.error!);
    }
    // The service's refusal of an audit while nobody is on duty (recorded), whichever visit.
    if (cmd === "visit_audit" && this.visit && !this.shift) throw filled(OFF_DUTY);
    if (cmd === "visit_start") {
      this.replaying = null;
      this.pinPad = null;
    }
    if (this.replaying && cmd.startsWith("visit_") && cmd !== "visit_current" && cmd !== "visit_identify") {
      // The recorded visit: its next step's answer (or refusal), nothing built here.
      const out = withLayout(this.replaying.answer(cmd, args) as VisitView | ScanOutcome);
      this.visit = "ok" in out ? out.visit : out;
      return out;
    }
    switch (cmd) {
      case "visit_start": {
        if (!this.operator()) err("请先登录 / sign in first");
        const v = this.visit;
        if (v && ["settling", "settlement_uncertain", "refund_uncertain"].includes(v.state)) {
          err("当前患者的结算结果未知，须先处理（冲正）后才能接待下一位患者");
        }
        if (v?.state === "settled") err("当前患者已结算但尚未收款出票，请先完成收款");
        this.visit = this.fresh();
        return structuredClone(this.visit);
      }
      case "visit_current":
        return this.visit ? structuredClone(this.visit) : null;
      case "visit_identify":
        return this.identify(args as { method: IdMethod; code: string; consent: boolean | null; agent: { name: string; certNo: string; relation: string } | null });
      case "mock_pin_pad":
        // What the patient types on the terminal's PIN pad (the browser tests' stand-in).
        this.pinTyped = args.typed === null || args.typed === undefined ? null : String(args.typed);
        return null;
      case "visit_open":
        return this.open(String(args.authRxno));
      case "shift_current":
      case "shift_start":
      case "shift_end":
        return this.duty.handle(cmd, args);
      case "visit_cancel": {
        // A visit no recording holds (the activation guidance's, a started one): the recorded cancel's words.
        const v = this.need();
        if (!["started", "evoucher_guidance", "identified", "prescriptions_listed"].includes(v.state)) throw notRecorded(cmd, args);
        const { state, stateZh, closedReason, closedReasonZh, nextStep, nextStepZh } = CANCELLED;
        this.visit = { ...v, state, stateZh, closedReason, closedReasonZh, nextStep, nextStepZh };
        return structuredClone(this.visit);
      }
      case "sales_find":
      case "sale_reprint":
      case "sale_refund":
        return this.history.handle(cmd, args);
      default:
        // Every other visit command off a recording (an audit, a scan, a 挂单 …): not recorded.
        if (cmd.startsWith("visit_")) throw notRecorded(cmd, args);
        return undefined;
    }
  }

  /** The PIN pad: what the patient types (`null`: cancels); 张三's password is 246810. */
  private pinTyped: string | null = "246810";
  /** The recorded PIN-pad identifications being replayed, until the next `visit_start`. */
  private pinPad: Replay | null = null;

  /**
   * A card or ID-card identification: the recorded answer to what the
   * patient typed, continuing this visit's recorded tries (a wrong password,
   * then another), or a recorded flow's first try.
   */
  private identifyOnPinPad(a: Record<string, unknown>): VisitView {
    const args = { ...a, pinTyped: this.pinTyped };
    const v = this.need();
    if (this.pinPad) {
      try {
        this.visit = { ...(this.pinPad.answer("visit_identify", args) as VisitView), visitId: v.visitId };
        return structuredClone(this.visit);
      } catch (e) {
        if ((e as { code?: string }).code !== "MOCK_NOT_RECORDED") throw e;
      }
    }
    this.pinPad = new Replay(PINPAD_FLOWS, null);
    this.visit = { ...(this.pinPad.answer("visit_identify", args) as VisitView), visitId: v.visitId };
    return structuredClone(this.visit);
  }

  /** Starts replaying `flows` at this identify: the recorded answer (or refusal). */
  private replay(flows: RecordedFlow[], compared: Record<string, readonly string[]>, a: Record<string, unknown>): VisitView {
    this.replaying = new Replay(flows, "visit_identify", compared);
    this.visit = withLayout(this.replaying.answer("visit_identify", a) as VisitView);
    return structuredClone(this.visit);
  }

  private identify(a: { method: IdMethod; code: string; consent: boolean | null; agent: { name: string; certNo: string; relation: string } | null }): VisitView {
    const v = this.need();
    const code = (a.code ?? "").trim();
    // Each identify begins anew (every recorded flow begins at one).
    this.replaying = null;
    if (a.method === "social_security_card" || a.method === "id_card") {
      // Replayed: the terminal checks the password; RxDesk only sees the answer.
      this.code = "";
      return this.identifyOnPinPad(a);
    }
    this.pinPad = null;
    this.code = code;
    const evoucher = a.method === "e_voucher" && !a.agent;
    if (evoucher && code === PARKED_PATIENT) {
      // Replayed from here to the next patient's start: the recorded 挂单 (both patients).
      this.parking = new Replay(PARKED_FLOWS, null, PARKED_COMPARED);
      this.visit = this.parking.answer("visit_identify", { ...a, code: PARKED_RECORDED_CODE }) as VisitView;
      return structuredClone(this.visit);
    }
    // Replayed: the real identify while the center was down (the service's words).
    if (code.includes("unknown") && a.method === "e_voucher") {
      this.code = "";
      throw filled(GUIDANCE[1]!.error!);
    }
    if (code.includes("noact") && a.method === "e_voucher") {
      // Replayed: the real answer to an e-voucher the center does not know (not activated).
      const real = filled(GUIDANCE[0]!.response as VisitView);
      this.visit = { ...real, visitId: v.visitId };
      return structuredClone(this.visit);
    }
    // 张三's visits (by his e-voucher or by face) and his rich one: replayed from the identify on.
    if (a.method === "face" || code === ZHANGSAN_PATIENT) return this.replay(ZHANGSAN.flows, ZHANGSAN_COMPARED, a);
    if (code === RICH_PATIENT && a.method === "e_voucher") return this.replay([ZHANGSAN.rich], ZHANGSAN_COMPARED, { ...a, code: ZHANGSAN_PATIENT });
    // Replayed from here to the receipt: the real service's answers.
    if (evoucher && code === HAPPY_PATIENT) return this.replay([happyFlow], HAPPY_COMPARED, a);
    const recovery = evoucher ? RECOVERY[code] : undefined;
    if (recovery) {
      // Replayed to its settlement; `restartAfterSettle()` plays the restart the recording made.
      this.recovery = recovery;
      return this.replay([recovery], UNCERTAIN_COMPARED, a);
    }
    // Replayed from here to the receipt: the real uncertain settlement and its resolution.
    if (evoucher && code === UNCERTAIN_PATIENT) return this.replay([uncertainFlow], UNCERTAIN_COMPARED, a);
    if (evoucher && code === BLOCKED_PATIENT) {
      // Replayed: the real service's answer for this patient.
      this.visit = { ...recordedBlocked("visit_identify"), visitId: v.visitId };
      return structuredClone(this.visit);
    }
    throw notRecorded("visit_identify", a);
  }

  private open(auth: string): VisitView {
    const v = this.need();
    // The PIN pad's recording lists 张三's real prescriptions and opens none.
    if (this.pinPad || this.code !== BLOCKED_PATIENT) throw notRecorded("visit_open", { authRxno: auth });
    if (!v.listed.some((r) => r.auth_rxno === auth)) throw notRecorded("visit_open", { authRxno: auth });
    // Replayed: the real service's answer (the signature check blocks the visit).
    this.visit = { ...recordedBlocked("visit_open"), visitId: v.visitId };
    return structuredClone(this.visit);
  }
}
