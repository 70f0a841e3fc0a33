// The in-memory visit behind the mocked IPC (browser UI tests, vitest). It
// follows rxdesk_core::visit's state machine: each command is accepted only
// in the states the Rust visit accepts it, and answers with the same shapes
// (visit-api.ts). Magic inputs reach the unhappy paths:
// - (an e-voucher code containing "noact" / "unknown": replayed, see below);
// - one containing "rich" → the personal account covers everything (patient pays ¥0.00);
// - trace codes are 20 digits; the first 7 name the product (see PRODUCTS);
// These branches are hand-built because no recording drives them yet:
// 张三's prescriptions (AR-OK, AR-LAYOUT) and their scans are the mock's own.
// REPLAYED, not built here (the real service's answers recorded against the
// center emulator by `cargo test -p rxdesk-app --test recorded_views`):
// - 李四's e-voucher (`BLOCKED_PATIENT`): the prescription changed after
//   signing — identify and open (recorded/visit-blocked.json);
// - 王芳's e-voucher (`HAPPY_PATIENT`): a whole visit, identify to receipt
//   (recorded/visit-happy.json), step by step through `replay.ts`;
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
// Never bundled into the app.
import { mockError } from "./ipc-error";
import blockedRecording from "./recorded/visit-blocked.json";
import happyRecording from "./recorded/visit-happy.json";
import uncertainRecording from "./recorded/visit-uncertain.json";
import guidanceRecording from "./recorded/visit-guidance.json";
import recoveredRecording from "./recorded/visit-recovered.json";
import parkedRecording from "./recorded/visit-parked.json";
import pinpadRecording from "./recorded/visit-pinpad.json";
import { MockSales } from "./mock-sales";
import { Replay, filled, notRecorded, type RecordedFlow, type RecordedStep } from "./replay";
import { MockDuty, PHARMACIST_EVOUCHER } from "./mock-duty";
import { VISIT_STATES } from "../ipc/generated/visit-states";
import type { AuthorisedRx, OperatorInfo, PrescriptionView } from "../ipc/api";
// The demo world's drugs: the one source (assets/demo/drugs.json), also read
// by the emulator's seed and the demo pharmacy's catalogue (rxdesk-demo).
import demoDrugs from "../../../assets/demo/drugs.json";
import { formatCents, parseCents } from "../lib/money";
import type {
  DispenseLineView,
  IdMethod,
  RulesView,
  SaleView,
  ScanOutcome,
  ShiftView,
  VisitStateName,
  VisitView,
} from "../ipc/visit-api";

/** The next-step code the service sends with a state (`next_step_code` in `rxdesk-app` view.rs). */
function nextStepCode(v: VisitView): string {
  const settled = (): string => {
    if (v.recovered) return "recovered";
    if (v.payment?.paid && v.payment.method !== "none") return "settled_paid";
    return v.split && parseCents(v.split.cashPay) === 0n ? "settled_nothing_due" : "settled_due";
  };
  const closed = (): string =>
    v.closedReason === "signature_invalid" ? "closed_signature_invalid" : v.closedReason === "rules_blocked" ? "closed_rules_blocked" : "closed";
  const byState: Record<VisitStateName, () => string> = {
    started: () => "identify",
    evoucher_guidance: () => (v.guidance?.reason === "not_activated" ? "evoucher_not_activated" : "evoucher_password"),
    identified: () => (v.listed.length === 0 ? "no_prescriptions" : "choose_prescription"),
    prescriptions_listed: () => (v.listed.length === 0 ? "no_prescriptions" : "choose_prescription"),
    downloaded: () => "checking",
    verified: () => "checking",
    rules_checked: () => "audit",
    audited: () => "dispense",
    dispensing: () => "dispense",
    dispensed: () => "pre_settle",
    pre_settled: () => "settle",
    settling: () => "settling",
    settlement_uncertain: () => "settlement_uncertain",
    settled,
    receipted: () => "receipted",
    refunding: () => "refunding",
    refund_uncertain: () => "refunding",
    refunded: () => "refunding",
    delivery: () => "delivery",
    closed,
  };
  return byState[v.state]();
}

/** The zh-CN state labels exactly as the service sends them (generated from Rust). */
export const STATE_ZH: Record<VisitStateName, string> = VISIT_STATES;

/** The demo pharmacist's own e-voucher: the one the recorded duty started with (mock-duty.ts). */
export const DEMO_PHARMACIST_EVOUCHER = PHARMACIST_EVOUCHER;

interface Product {
  line: number | null;
  name: string;
  expired?: boolean;
}
type DemoDrug = (typeof demoDrugs.drugs)[number];
function demoDrug(id: string): DemoDrug {
  const d = demoDrugs.drugs.find((x) => x.fixmedins_hilist_id === id);
  if (!d) throw new Error(`assets/demo/drugs.json lacks ${id}`);
  return d;
}
/** The mock prescription's two lines: 阿莫西林 and 布洛芬 of the demo world. */
export const MOCK_LINES: readonly DemoDrug[] = [demoDrug("YP000001"), demoDrug("YP000002")];
const [AMOX, IBU] = MOCK_LINES as [DemoDrug, DemoDrug];
/** A prefix of a product the mock prescription does not list (wrong product). */
export const OTHER_PREFIX = "8100003";
/** A prefix whose only batch has expired (阿莫西林's expired batch). */
export const EXPIRED_PREFIX = "8100009";

/** Trace-code product prefixes (first 7 digits). */
export const PRODUCTS: Record<string, Product> = {
  [AMOX.trace_prefix]: { line: 0, name: AMOX.name },
  [IBU.trace_prefix]: { line: 1, name: IBU.name },
  [OTHER_PREFIX]: { line: null, name: "头孢克肟胶囊" },
  [EXPIRED_PREFIX]: { line: 0, name: AMOX.name, expired: true },
};
const PRICES = MOCK_LINES.map((d) => d.price);

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

export const mockList: AuthorisedRx[] = [
  { auth_rxno: "AR-OK", diag_name: "急性上呼吸道感染", fixmedins_code: "H11010100001", fixmedins_name: "北京市演示第一医院", prsc_time: "2026-11-23 09:00:00", dept_name: "呼吸内科", valid_end_time: "2026-11-30 09:00:00" },
  { auth_rxno: "AR-LAYOUT", diag_name: "慢性胃炎", fixmedins_code: "H11010100001", fixmedins_name: "北京市演示第一医院", prsc_time: "2026-11-21 15:30:00", dept_name: "消化内科", valid_end_time: "2026-11-28 15:30:00" },
];

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

export function mockRxView(auth: string): PrescriptionView {
  const no = auth === "AR-OK" ? "RX0001" : "RX0003";
  const signer = {
    subject: "CN=北京市演示第一医院,O=H11010100001,C=CN", issuer: "CN=RxDesk Demo 医保 CA (DEMO ONLY),O=RxDesk Demo,C=CN",
    serial: "0A01", not_before: "2025-01-01T00:00:00Z", not_after: "2030-01-01T00:00:00Z", institution: "H11010100001", signed_at: "2026-11-23T01:00:00Z",
  };
  return {
    rxId: mockList.findIndex((r) => r.auth_rxno === auth) + 1,
    authRxno: auth,
    certnoMasked: "110101********0029",
    prescription: {
      rxTraceCode: `RT${no}`, mdtrtId: `MD${no}`, psnCertType: "01", certno: "110101********0029", drCode: "D110101000001",
      pharDeptCode: "YJK", pharProfttlCodg: "", pharProfttlName: "", pharCode: "Y110101000001", pharCertType: "", pharCertno: "",
      pharName: "钱药师", pharPracCertNo: "", pharChkTime: "2026-11-23 09:05:00", rxStasCodg: "1", reptFlag: "", longRxFlag: "", signDigest: "", medType: "11", rxDrordDscr: "按医嘱服用",
      hiRxno: no, patnName: "张三", fixmedinsName: "北京市演示第一医院", fixmedinsCode: "H11010100001",
      prscDrName: "赵医生", pharDeptName: "药剂科", prscDeptName: mockList.find((r) => r.auth_rxno === auth)?.dept_name ?? "呼吸内科", prscTime: "2026-11-23 09:00:00", validEndTime: "2026-11-30 09:00:00",
      diagName: "急性上呼吸道感染", rxFile: tinyPdfText(`MOCK LAYOUT ${no}`), signCertSn: "0A01", signCertDn: signer.subject,
      rxDrugDetail: [
        { medListCodg: AMOX.med_list_codg, drugGenname: AMOX.name, drugSpec: AMOX.spec, drugCnt: "2", drugCntUnit: AMOX.unit,
          sinDoscnt: "0.5", sinDosunt: "g", usedFrquName: "每日三次", medcWayDscr: "口服", medcDays: "7", drugProdname: "", drugDosform: "胶囊剂", hospPrepFlag: "", drugPric: "12.000000" },
        { medListCodg: IBU.med_list_codg, drugGenname: IBU.name, drugSpec: IBU.spec, drugCnt: "1", drugCntUnit: IBU.unit,
          sinDoscnt: "1", sinDosunt: "粒", usedFrquName: "每日两次", medcWayDscr: "口服", medcDays: "5", drugProdname: "", drugDosform: "胶囊剂", hospPrepFlag: "", drugPric: "12.000000" },
      ],
    },
    verdict: { verdict: "verified", signer, warnings: [] },
    reasonZh: "",
    warnings: [],
    nextStepZh: "签名有效：请药师核对版式文件与结构化信息后审方。",
  };
}

function rulesFor(auth: string): RulesView {
  if (auth === "AR-LAYOUT") {
    return {
      blocks: true,
      findings: [{ code: "LAYOUT_MISMATCH", titleZh: "结构化数据与版式文件不一致", messageZh: `第 1 行 ${AMOX.name} 数量：结构化处方为 2 盒，版式文件为 3 盒`, blocks: true, line: 0, params: { count: "1" } }],
      layoutDifferences: [
        { field: "rxDrugDetail[0].drugCnt", fieldZh: `第 1 行 ${AMOX.name} 数量`, structured: "2 盒", layout: "3 盒" },
        { field: "prscDrName", fieldZh: "开方医师", structured: "赵医生", layout: "赵医师" },
      ],
      selfPayLines: [],
    };
  }
  return {
    blocks: false,
    findings: [{ code: "ITEM_SELF_PAY", titleZh: "自费药品", messageZh: `第 2 行 ${IBU.name} 为自费药品，费用由患者全额自付`, blocks: false, line: 1, params: {} }],
    layoutDifferences: [],
    selfPayLines: [1],
  };
}

function err(message: string, code = "MOCK_REFUSED"): never {
  throw mockError(code, message);
}

export class MockVisitBackend {
  visit: VisitView | null = null;
  /** The recorded visit being replayed (王芳's), until the next `visit_start`. */
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
  private traceCodes: string[] = [];
  private nextUpload = 100;
  private saleSeq = 0;
  private seq = 0;
  private noCodeReasons = new Map<number, string>();

  constructor(private readonly operator: () => OperatorInfo | null) {
    this.duty = new MockDuty(operator);
  }

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

  private go(state: VisitStateName, next: string, nextStep?: string): VisitView {
    const v = this.need();
    v.state = state;
    v.stateZh = STATE_ZH[state];
    v.nextStepZh = next;
    // The code of the service's next step (`next_step_code` in view.rs).
    v.nextStep = nextStep ?? nextStepCode(v);
    // As `TraceCollection::of_line`: due until filled (or dispensing ended), then appeal / collected / not required.
    const finished = !["audited", "dispensing"].includes(state);
    for (const l of v.dispensing) {
      if (!l.done && !finished) l.collection = { state: "due" };
      else if (l.boxes.some((b) => b.traceCode === null)) l.collection = { state: "appeal", reason: this.noCodeReasons.get(l.line) ?? "" };
      else if (l.boxes.length === 0) l.collection = { state: "notRequired", reason: "本次未调配此行，不销售、不采集追溯码" };
      else l.collection = { state: "collected" };
      l.collectionZh = { due: "应采", collected: "已采", appeal: "申诉", notRequired: "无需采集" }[l.collection.state];
    }
    // As the service does: each listed prescription's drugs, from its download for the list.
    v.listedDrugs = v.listed.map((r) => ({
      authRxno: r.auth_rxno,
      drugs: mockRxView(r.auth_rxno).prescription.rxDrugDetail.map((l) => ({
        genname: l.drugGenname, prodname: l.drugProdname ?? "", spec: l.drugSpec, count: l.drugCnt, unit: l.drugCntUnit,
      })),
      missing: null,
    }));
    return structuredClone(v);
  }

  private need(): VisitView {
    if (!this.visit) err("当前没有进行中的接诊，请先开始接诊。");
    return this.visit;
  }

  private require(action: string, ...states: VisitStateName[]): VisitView {
    const v = this.need();
    if (v.state === "settlement_uncertain") err("上一笔结算结果未知，须先查询结算结果或冲正后才能继续，切勿重复收费");
    if (!states.includes(v.state)) err(`当前步骤不允许此操作，请按流程办理（${STATE_ZH[v.state]}，${action}）`);
    return v;
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
    if (cmd === "visit_start") {
      this.replaying = null;
      this.pinPad = null;
    }
    if (this.replaying && cmd.startsWith("visit_") && cmd !== "visit_current") {
      // The recorded visit: its next step's answer (or refusal), nothing built here.
      const out = this.replaying.answer(cmd, args) as VisitView | ScanOutcome;
      this.visit = "ok" in out ? out.visit : out;
      return out;
    }
    switch (cmd) {
      case "visit_reverse_settled": {
        if (this.operator()?.role !== "manager") err("权限不足：撤销结算须由店长操作");
        const v = this.need();
        if (v.state !== "settled") err("只有已结算、尚未完成销售的服务可以撤销结算");
        v.recovered = false;
        v.recoveredLines = [];
        v.payment = null;
        return this.go("refunded", "已撤销该笔医保结算（医保基金和个人账户已退回，未记销售）。如患者仍需取药，请开始接待重新办理");
      }
      case "visit_start": {
        if (!this.operator()) err("请先登录 / sign in first");
        const v = this.visit;
        if (v && ["settling", "settlement_uncertain", "refund_uncertain"].includes(v.state)) {
          err("当前患者的结算结果未知，须先处理（冲正）后才能接待下一位患者");
        }
        if (v?.state === "settled") err("当前患者已结算但尚未收款出票，请先完成收款");
        this.visit = this.fresh();
        this.traceCodes = [];
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
      case "visit_audit":
        return this.audit(args as { result: "1" | "2" | "3"; opinion: string; reconfirmEvoucher: string; reviewerLogin: string | null });
      case "visit_scan":
        return this.scan(String(args.code));
      case "visit_dispense_no_code":
        return this.noCode(Number(args.line), String(args.packs), String(args.reason));
      case "visit_finish_dispensing": {
        const v = this.require("finish_dispensing", "dispensing");
        if (!v.dispensing.some((l) => l.boxes.length > 0)) err("尚未调配任何药品");
        return this.go("dispensed", "调配完成：请按 F4 预结算，向患者说明费用。");
      }
      case "visit_pre_settle":
        return this.preSettle();
      case "visit_settle": {
        const v = this.require("settle", "pre_settled");
        if (v.split) v.split.setlId = `S${v.visitId}`;
        // Like the service: nothing due is paid already, while its next step
        // still asks for the (zero) amount.
        const cash = v.split?.cashPay ?? "0.00";
        v.payment = (parseCents(cash) ?? 0n) === 0n ? { method: "none", due: cash, tendered: null, change: null, paid: true } : null;
        return this.go("settled", `请收取患者自付 ${cash} 元（现金或扫码），然后完成出票`);
      }
      case "visit_resolve_uncertain": {
        const v = this.need();
        if (v.state !== "settlement_uncertain") err("当前步骤不允许此操作，请按流程办理");
        return this.go("pre_settled", "已冲正（2601），本次结算未生效：请重新结算（F9）。");
      }
      case "visit_pay":
        return this.pay(String(args.method), args.tendered === null || args.tendered === undefined ? null : String(args.tendered), args.payCode === null || args.payCode === undefined ? null : String(args.payCode));
      case "visit_complete":
        return this.complete();
      case "visit_park":
      case "visit_resume":
      case "visit_resolve_parked":
        // Only the recorded 挂单 parks (`PARKED_PATIENT`, handled above).
        throw notRecorded(cmd, args);
      case "visit_cancel": {
        const v = this.require("cancel", "started", "evoucher_guidance", "identified", "prescriptions_listed", "downloaded", "verified", "rules_checked", "audited", "dispensing", "dispensed", "pre_settled");
        v.closedReasonZh = "已取消接诊";
        v.closedReason = "cancelled";
        return this.go("closed", "接诊已取消：按 Enter 接待下一位患者。");
      }
      case "sales_find":
      case "sale_reprint":
      case "sale_refund":
        return this.history.handle(cmd, args);
      default:
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

  private identify(a: { method: IdMethod; code: string; consent: boolean | null; agent: { name: string; certNo: string; relation: string } | null }): VisitView {
    const v = this.require("identify", "started", "evoucher_guidance");
    const code = a.method === "face" ? "张三" : (a.code ?? "").trim();
    if (a.method === "face" && a.consent !== true) err("刷脸前须请患者本人确认同意使用人脸识别获取医保电子凭证");
    if (a.agent && !["spouse", "parent", "child", "grandparent", "grandchild", "sibling", "guardian"].includes(a.agent.relation)) {
      err("代购人与患者的关系须从列表中选择");
    }
    if (a.method === "social_security_card" || a.method === "id_card") {
      // Replayed: the terminal checks the password; RxDesk only sees the answer.
      this.code = "";
      return this.identifyOnPinPad(a);
    }
    this.pinPad = null;
    if (!code) err("凭证为空或无法识别，请重新扫码或输入");
    if (a.method === "e_voucher" && code === PARKED_PATIENT && !a.agent) {
      // Replayed from here to the next patient's start: the recorded 挂单 (both patients).
      this.code = code;
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
      this.code = code;
      this.visit = { ...real, visitId: v.visitId };
      return structuredClone(this.visit);
    }
    if (code.includes("noact")) {
      v.guidance = {
        reason: "not_activated",
        titleZh: "您的医保电子凭证尚未激活，请按以下步骤激活",
        tries: null,
        stepsZh: [
          "打开微信、支付宝或“国家医保服务平台”App，搜索并进入“医保电子凭证”",
          "选择参保地，按提示填写本人姓名和身份证号码，完成人脸识别实名认证",
          "激活成功后，在“医保电子凭证”页面设置支付密码",
          "回到柜台出示医保码（医保电子凭证二维码）重新扫码",
          "如无法激活，可携带本人社保卡或身份证，并由本人输入医保电子凭证密码确认",
        ],
        text: "医保电子凭证激活指引\n1. 打开微信、支付宝或国家医保服务平台App…",
      };
      return this.go("evoucher_guidance", "请按屏幕上的步骤指导患者激活医保电子凭证（F3 打印指引），激活后重新扫码。");
    }
    if (a.agent && (!a.agent.name.trim() || !a.agent.certNo.trim())) err("代购人须登记姓名和身份证号码，请补全后再查询。");
    if (a.method === "e_voucher" && code === HAPPY_PATIENT && !a.agent) {
      // Replayed from here to the receipt: the real service's answers.
      this.code = code;
      this.replaying = new Replay([happyFlow], "visit_identify", HAPPY_COMPARED);
      this.visit = this.replaying.answer("visit_identify", a) as VisitView;
      return structuredClone(this.visit);
    }
    const recovery = a.method === "e_voucher" && !a.agent ? RECOVERY[code] : undefined;
    if (recovery) {
      // Replayed to its settlement; `restartAfterSettle()` plays the restart the recording made.
      this.code = code;
      this.recovery = recovery;
      this.replaying = new Replay([recovery], "visit_identify", UNCERTAIN_COMPARED);
      this.visit = this.replaying.answer("visit_identify", a) as VisitView;
      return structuredClone(this.visit);
    }
    if (a.method === "e_voucher" && code === UNCERTAIN_PATIENT && !a.agent) {
      // Replayed from here to the receipt: the real uncertain settlement and its resolution.
      this.code = code;
      this.replaying = new Replay([uncertainFlow], "visit_identify", UNCERTAIN_COMPARED);
      this.visit = this.replaying.answer("visit_identify", a) as VisitView;
      return structuredClone(this.visit);
    }
    if (a.method === "e_voucher" && code === BLOCKED_PATIENT && !a.agent) {
      // Replayed: the real service's answer for this patient.
      this.code = code;
      this.visit = { ...recordedBlocked("visit_identify"), visitId: v.visitId };
      return structuredClone(this.visit);
    }
    this.code = code;
    v.patient = {
      name: code.includes("lisi") ? "李四" : code.includes("wangfang") ? "王芳" : "张三", certnoMasked: "110101********0029", psnNo: "P110000000001", insutypeLabel: "职工基本医疗保险", insutype: "310", balance: code.includes("rich") ? "100.00" : "10.00",
      agentName: a.agent ? a.agent.name : null,
      agentRelationshipZh: a.agent ? ({ spouse: "配偶", parent: "父母", child: "子女", grandparent: "祖父母/外祖父母", grandchild: "孙子女/外孙子女", sibling: "兄弟姐妹", guardian: "监护人" } as Record<string, string>)[a.agent.relation] ?? null : null,
      agentCertnoMasked: a.agent ? `${a.agent.certNo.slice(0, 6)}********${a.agent.certNo.slice(-4)}` : null,
      identifiedVia: a.method === "epc_qr" ? "epc_qr" : a.method,
      agentRelationship: a.agent ? a.agent.relation : null,
      // (The card and ID card are replayed above.)
      identifiedViaZh: a.method === "face" ? "刷脸" : "医保电子凭证",
    };
    if (a.method === "epc_qr") {
      v.listed = [mockList[0] as AuthorisedRx];
      this.go("identified", "");
      return this.open("AR-OK");
    }
    v.listed = structuredClone(mockList);
    return this.go("prescriptions_listed", "请选择要取药的处方并下载");
  }

  private open(auth: string): VisitView {
    const v = this.require("open", "identified", "prescriptions_listed");
    // The PIN pad's recording lists 张三's real prescriptions and opens none.
    if (this.pinPad) throw notRecorded("visit_open", { authRxno: auth });
    if (!v.listed.some((r) => r.auth_rxno === auth)) err("所选处方不在本次查询结果中，请重新查询");
    if (this.code === BLOCKED_PATIENT) {
      // Replayed: the real service's answer (the signature check blocks the visit).
      this.visit = { ...recordedBlocked("visit_open"), visitId: v.visitId };
      return structuredClone(this.visit);
    }
    const rx = mockRxView(auth);
    v.prescription = rx;
    v.rules = rulesFor(auth);
    if (v.rules.blocks) {
      v.closedReasonZh = "处方规则检查未通过：结构化数据与版式文件不一致";
      v.closedReason = "rules_blocked";
      return this.go("closed", "已阻止：结构化处方与版式文件不一致，不能调配。请联系开方医院核实后重新开具。");
    }
    v.dispensing = rx.prescription.rxDrugDetail.map((d, i): DispenseLineView => ({
      line: i, medListCodg: d.medListCodg, name: d.drugGenname, spec: d.drugSpec, unit: d.drugCntUnit, prescribed: d.drugCnt,
      dispensed: "0", done: false, selfPay: v.rules?.selfPayLines.includes(i) ?? false, boxes: [],
      collection: { state: "due" }, collectionZh: "应采",
    }));
    return this.go("rules_checked", "签名有效、规则检查通过：请药师核对版式文件与结构化信息后审方（F2）。");
  }

  private audit(a: { result: "1" | "2" | "3"; opinion: string; reconfirmEvoucher: string; reviewerLogin: string | null }): VisitView {
    const v = this.require("audit", "rules_checked");
    if (!this.shift) err("该药师当前不在岗（未上岗或已下岗），不能审方");
    if (a.reconfirmEvoucher !== DEMO_PHARMACIST_EVOUCHER) err("审方确认时扫描的医保电子凭证不是在岗药师本人的");
    if (!a.opinion.trim()) err("请填写处方审核意见"); // like the service: for every result
    if (a.reviewerLogin && a.reviewerLogin === this.operator()?.login) err("复核药师不能与审方药师为同一人");
    const resultZh = a.result === "1" ? "通过" : a.result === "2" ? "不通过" : "需医生确认";
    v.audit = {
      pharmacistName: this.shift.pharmacistName, result: a.result, resultZh, opinion: a.opinion.trim(),
      reviewerName: a.reviewerLogin ? `复核 ${a.reviewerLogin}` : null, at: "2026-11-24 09:30:00", uploadId: this.nextUpload++,
    };
    if (a.result !== "1") {
      v.closedReasonZh = `审方${resultZh}：${a.opinion.trim()}`;
      v.closedReason = "audit_not_approved";
      return this.go("closed", "审方未通过：请向患者说明原因，处方不能调配。按 Enter 接待下一位。");
    }
    // Like the service: an approved audit starts dispensing at once.
    return this.go("dispensing", "请逐盒扫描药盒条码和追溯码，配齐后点击“调配完成”");
  }

  private scan(raw: string): ScanOutcome {
    const v = this.need();
    const code = raw.trim();
    const refuse = (c: string, m: string): ScanOutcome => ({ ok: false, code: c, messageZh: m, visit: structuredClone(v) });
    if (v.state !== "dispensing") return refuse("not_dispensing", "当前不在调配步骤，扫码未使用");
    if (!/^\d{20}$/.test(code)) return refuse("bad_format", `扫描内容不是药品追溯码（应为 20 位数字，收到 ${code.length} 位）。请扫描药盒上的追溯码。`);
    const product = PRODUCTS[code.slice(0, 7)];
    if (!product) return refuse("unknown_product", "追溯码对应的药品不在本店目录中，请核对后扫描处方上的药品。");
    if (product.line === null) {
      return refuse("wrong_product", `扫描的是「${product.name}」，不是处方开具的药品。不得替换药品，请取处方上的药品重新扫描。`);
    }
    const line = v.dispensing[product.line];
    if (!line) return refuse("wrong_product", `扫描的是「${product.name}」，不是处方开具的药品。`);
    if (this.traceCodes.includes(code)) return refuse("duplicate_trace_code", `追溯码 …${code.slice(-6)} 已扫描过：同一盒不能重复调配，请扫描另一盒。`);
    if (product.expired) return refuse("expired_batch", `「${product.name}」批号 B2023X 已于 2025-06-30 过期，不得调配。请将此盒下架，取有效期内的药品。`);
    if (line.done) return refuse("over_quantity", `「${line.name}」已发 ${line.dispensed} ${line.unit}，处方开 ${line.prescribed} ${line.unit}，不能多发。`);
    this.traceCodes.push(code);
    line.boxes.push({ traceCode: code, batch: "B2026A", lotnum: "L0611", expyEnd: "2028-06-30", quantity: "1", split: false });
    line.dispensed = String(line.boxes.length);
    line.done = line.dispensed === line.prescribed;
    const rest = v.dispensing.filter((l) => !l.done).length;
    const out = this.go("dispensing", rest ? `继续扫码：还有 ${rest} 种药品未发齐。` : "全部配齐：请按 F3 调配完成。");
    return { ok: true, code: "box_ok", messageZh: `已扫描「${line.name}」第 ${line.dispensed}/${line.prescribed} ${line.unit}`, visit: out };
  }

  private noCode(lineNo: number, packs: string, reason: string): ScanOutcome {
    const v = this.need();
    const refuse = (c: string, m: string): ScanOutcome => ({ ok: false, code: c, messageZh: m, visit: structuredClone(v) });
    if (v.state !== "dispensing") return refuse("not_dispensing", "当前不在调配步骤");
    const line = v.dispensing[lineNo];
    if (!line) return refuse("no_such_line", `处方没有第 ${lineNo + 1} 行药品`);
    if (!reason.trim()) return refuse("no_code_reason_missing", "从无码库调配必须填写原因");
    if (!/^\d+$/.test(packs.trim()) || packs.trim() === "0") return refuse("bad_quantity", `数量“${packs}”无效：请输入大于 0 的盒数`);
    const n = Number(packs.trim());
    if (line.boxes.length + n > Number(line.prescribed)) return refuse("over_quantity", `「${line.name}」不能多发`);
    this.noCodeReasons.set(lineNo, reason.trim());
    for (let i = 0; i < n; i++) line.boxes.push({ traceCode: null, batch: "DEMO-NC", lotnum: "L0501", expyEnd: "2028-04-30", quantity: "1", split: false });
    line.dispensed = String(line.boxes.length);
    line.done = line.dispensed === line.prescribed;
    const out = this.go("dispensing", v.dispensing.every((l) => l.done) ? "全部配齐：请按 F3 调配完成。" : "继续扫码。");
    return { ok: true, code: "no_code_ok", messageZh: `「${line.name}」从无码库配 ${n} ${line.unit}（原因：${reason.trim()}）`, visit: out };
  }

  private preSettle(): VisitView {
    const v = this.require("pre_settle", "dispensed");
    let covered = 0n;
    let self = 0n;
    v.dispensing.forEach((l, i) => {
      const amount = (parseCents(PRICES[i] ?? "0") ?? 0n) * BigInt(l.boxes.length);
      if (l.selfPay) self += amount;
      else covered += amount;
    });
    const total = covered + self;
    const fund = (covered * 60n) / 100n;
    const balance = parseCents(v.patient?.balance ?? "0") ?? 0n;
    const account = total - fund < balance ? total - fund : balance;
    const cash = total - fund - account;
    v.split = {
      kind: "outpatient_pooling", kindZh: "门诊统筹", disease: null,
      total: formatCents(total), fundPay: formatCents(fund), accountPay: formatCents(account), cashPay: formatCents(cash),
      explanationZh: [
        `本次药费合计 ${formatCents(total)} 元，其中医保目录内 ${formatCents(covered)} 元，自费药品 ${formatCents(self)} 元。`,
        `医保统筹基金按 60% 支付目录内药费 ${formatCents(fund)} 元。`,
        `个人账户支付 ${formatCents(account)} 元（账户余额 ${formatCents(balance)} 元）。`,
        `剩余 ${formatCents(cash)} 元由患者现金或扫码支付。`,
      ],
      setlId: null,
    };
    return this.go("pre_settled", "请向患者说明费用分担，患者同意后按 F9 结算。");
  }

  private pay(method: string, tendered: string | null, payCode: string | null = null): VisitView {
    const v = this.require("pay", "settled");
    const due = v.split?.cashPay ?? "0.00";
    if (method === "cash") {
      const t = parseCents(tendered ?? "");
      if (t === null) err("请输入实收现金金额（例如 50 或 50.00）。");
      const d = parseCents(due) ?? 0n;
      if (t < d) err(`实收现金不足：应收 ${due} 元，实收 ${formatCents(t)} 元。`);
      v.payment = { method: "cash", due, tendered: formatCents(t), change: formatCents(t - d), paid: true };
    } else if (method === "scan") {
      if (!payCode || !/^\d{18}$/.test(payCode)) err("付款码无效（应为 18 位数字）：请患者刷新付款码后重新扫描。");
      v.payment = { method: "scan", due, tendered: null, change: null, paid: true };
    } else if (method === "terminal") {
      if (!payCode || !/^[A-Za-z0-9-]{6,64}$/.test(payCode)) err("请输入或扫描支付终端小票上的交易参考号（6–64 位字母、数字）");
      v.payment = { method: "terminal", due, tendered: null, change: null, paid: true };
    } else err(`不支持的收款方式 ${method}`);
    return this.go("settled", "已收款：按 F10 完成并打印小票。");
  }

  private complete(): VisitView {
    const v = this.require("complete", "settled");
    if (!v.payment?.paid) err("尚未收款：请先收取自付部分（现金 F10，扫码 F11）。");
    const rx = v.prescription?.prescription;
    v.sale = this.saleView(rx?.hiRxno ?? "", "2026-11-24 09:41:00", v);
    v.recovered = false;
    v.recoveredLines = [];
    return this.go("receipted", "已完成：请将药品、小票和用药指导单交给患者。按 Enter 接待下一位。");
  }

  /** The hand-built visit's sale as the receipt step shows it (not kept: the history is recorded, mock-sales.ts). */
  private saleView(hiRxno: string, at: string, v: VisitView): SaleView {
    const saleId = ++this.saleSeq;
    const name = v.patient?.name ?? "";
    const total = v.split?.total ?? "0.00";
    const docno = `P11010100001${at.slice(0, 10).replaceAll("-", "")}${String(saleId).padStart(4, "0")}`;
    const lines = v.dispensing.map((l) => `${l.name.padEnd(10, "　")} ${l.dispensed}${l.unit}`);
    const receiptText = [
      "        演示药店  医保电子处方销售小票",
      `单号: ${docno}`,
      `时间: ${at}`,
      `处方: ${hiRxno}   患者: ${name}`,
      "----------------------------------------",
      ...lines,
      "----------------------------------------",
      `合计:       ${total}`,
      `统筹支付:   ${v.split?.fundPay ?? "—"}`,
      `个人账户:   ${v.split?.accountPay ?? "—"}`,
      `自付:       ${v.split?.cashPay ?? "—"}`,
      v.payment?.method === "cash" ? `实收现金:   ${v.payment.tendered ?? ""}   找零: ${v.payment.change ?? ""}` : "扫码支付",
      "----------------------------------------",
      "请按用药指导单服药，如有不适请及时就医。",
    ].join("\n");
    return { saleId, rtalDocno: docno, total, receiptText, guidancePdfPath: `/tmp/rxdesk-mock/guidance/${docno}.pdf`, guidanceText: [
      "        演示药店  用药指导",
      `处方编号: ${hiRxno}`,
      ...v.dispensing.map((l, i) => `${i + 1}. ${l.name}\n   用法 口服，每次1片，一日3次，连用7天\n   医嘱 饭后服用，服药期间忌酒`),
      "温馨提示 请按医嘱和本单用药。",
    ].join("\n"), printedZh: "已打印；用药指导已打印", uploadIds: [this.nextUpload++, this.nextUpload++] };
  }
}
