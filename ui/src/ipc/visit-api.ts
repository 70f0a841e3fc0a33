// The counter-visit contract between the UI and `rxdesk-app`'s visit service
// (issues #7/#8). Rust serializes exactly these shapes (serde camelCase for
// the structs declared here); the Tauri commands are thin wrappers named in
// each function. Money is always a decimal string ("12.50"), never a number.
// Times are CST wire strings "yyyy-MM-dd HH:mm:ss".
import { invoke } from "@tauri-apps/api/core";
import type { AuthorisedRx, PrescriptionView } from "./api";
/**
 * Every visit command rejects with a step error `{ code, message, params }` (camelCase; codes in
 * docs/rules.md); `errorText` renders it by code in the window's locale (`step-errors.ts`).
 */
export type { IpcError } from "./errors";

/** How the patient identifies. `epc_qr` = the 27-char e-prescription QR (goes straight to download). */
export type IdMethod = "e_voucher" | "social_security_card" | "id_card" | "face" | "epc_qr";

/** The visit's state, as `rxdesk_core::visit::VisitState` names it (snake_case). */
/** The visit's state names, generated from the service (`rxdesk-app` `visit/view.rs`). */
export type { VisitStateName } from "./generated/visit-states";
import type { VisitStateName } from "./generated/visit-states";

export interface PatientView {
  /** Name as on the insurance record (shown to the pharmacist in full). */
  name: string;
  /** ID number masked: first 6 + last 4 ("110101********002X"). Never the full number. */
  certnoMasked: string;
  psnNo: string;
  /** Insurance type label, e.g. "职工基本医疗保险". */
  insutypeLabel: string;
  /** Personal account balance, decimal string. */
  balance: string;
  /** 代购: the agent who came for the patient, if any. */
  agentName: string | null;
  /** 代购: relationship to the patient (zh-CN, from the fixed list). */
  agentRelationshipZh: string | null;
  /** 代购: the agent's ID number, masked. */
  agentCertnoMasked: string | null;
  /** How the patient was identified (社保卡 …, 刷脸, 医保电子凭证). */
  identifiedViaZh: string;
}

/** 代购 relationships (codes the ledger accepts) with their zh-CN / en-US labels. */
export const AGENT_RELATIONSHIPS: { code: string; zh: string; en: string }[] = [
  { code: "spouse", zh: "配偶", en: "spouse" },
  { code: "parent", zh: "父母", en: "parent" },
  { code: "child", zh: "子女", en: "child" },
  { code: "grandparent", zh: "祖父母/外祖父母", en: "grandparent" },
  { code: "grandchild", zh: "孙子女/外孙子女", en: "grandchild" },
  { code: "sibling", zh: "兄弟姐妹", en: "sibling" },
  { code: "guardian", zh: "监护人", en: "guardian" },
];

/** On-screen and printable e-voucher activation guidance (ST-EPC-02-001). */
export interface GuidanceView {
  titleZh: string;
  stepsZh: string[];
  /** Plain text for the receipt printer. */
  text: string;
}

/** One rule finding (rxdesk_core::rules::Finding). */
export interface FindingView {
  code: string;
  titleZh: string;
  messageZh: string;
  blocks: boolean;
  line: number | null;
}

/** One structured-vs-layout difference, shown side by side. */
export interface LayoutDifferenceView {
  field: string;
  fieldZh: string;
  structured: string;
  layout: string;
}

export interface RulesView {
  blocks: boolean;
  findings: FindingView[];
  layoutDifferences: LayoutDifferenceView[];
  selfPayLines: number[];
}

export interface AuditView {
  pharmacistName: string;
  result: "1" | "2" | "3";
  resultZh: string;
  opinion: string;
  reviewerName: string | null;
  at: string;
  /** The outbox row of the 7204 upload. */
  uploadId: number | null;
}

/** A prescription line while dispensing. */
export interface DispenseLineView {
  line: number;
  medListCodg: string;
  name: string;
  spec: string;
  unit: string;
  prescribed: string;
  dispensed: string;
  done: boolean;
  selfPay: boolean;
  /** Each box scanned: trace code, batch, expiry. */
  boxes: { traceCode: string | null; batch: string; lotnum: string; expyEnd: string; quantity: string; split: boolean }[];
  /** Trace-code collection state (rxdesk-app `TraceCollection`): 应采 holds 2101 back. */
  collection?: TraceCollection;
  /** 应采 / 已采 / 申诉 / 无需采集. */
  collectionZh?: string;
}

export type TraceCollection =
  | { state: "due" }
  | { state: "collected" }
  | { state: "appeal"; reason: string }
  | { state: "notRequired"; reason: string };

/** Which 医保 settlement (rxdesk_core::settle_kind). */
export type SettlementKind = "pharmacy_purchase" | "outpatient_pooling" | "chronic_special" | "dual_channel";

export interface SplitView {
  /** The kind settled, when known; its zh-CN name. */
  kind?: SettlementKind | null;
  kindZh?: string | null;
  /** 病种 of a 门慢特 / 双通道 settlement (code and name). */
  disease?: string | null;
  total: string;
  fundPay: string;
  accountPay: string;
  cashPay: string;
  /** Plain words: what the fund pays, what the account pays, what is left, why. */
  explanationZh: string[];
  setlId: string | null;
}

export interface PaymentView {
  method: "cash" | "scan" | "terminal" | "none";
  due: string;
  tendered: string | null;
  change: string | null;
  paid: boolean;
}

export interface SaleView {
  saleId: number;
  rtalDocno: string;
  total: string;
  /** The receipt as plain text (preview; the printer got ESC/POS). */
  receiptText: string;
  /** Where the medication-guidance PDF was written (support only: the
   * window never shows it; it shows `guidanceText`). */
  guidancePdfPath: string | null;
  /** The medication guidance slip as printed (plain text). */
  guidanceText: string;
  /** Printer outcome in words ("已打印" or the printer's error and what to do). */
  printedZh: string;
  uploadIds: number[];
}

/** One drug of a listed prescription (`rxdesk_app::visit::view::ListedDrug`). */
export interface ListedDrug {
  genname: string;
  prodname: string;
  spec: string;
  /** Exact decimal text. */
  count: string;
  unit: string;
}

/** The drugs of one listed prescription, or why there are none (`refused` / `unreachable`). */
export interface ListedDrugs {
  authRxno: string;
  drugs: ListedDrug[];
  missing: "refused" | "unreachable" | null;
}

/** Everything the counter screen shows about the visit in progress. */
export interface VisitView {
  visitId: string;
  state: VisitStateName;
  stateZh: string;
  patient: PatientView | null;
  guidance: GuidanceView | null;
  listed: AuthorisedRx[];
  /** The drugs of each listed prescription (7202 names none; the service downloads each for the list). */
  listedDrugs: ListedDrugs[];
  prescription: PrescriptionView | null;
  rules: RulesView | null;
  audit: AuditView | null;
  dispensing: DispenseLineView[];
  split: SplitView | null;
  payment: PaymentView | null;
  sale: SaleView | null;
  /** Why the visit closed (signature invalid, rule blocked, audit not approved, cancelled). */
  closedReasonZh: string | null;
  /** One sentence: what the operator should do now. */
  nextStepZh: string;
  /**
   * Found at start-up: this patient was settled at the center before the
   * program stopped, but the sale was not completed. Shown before anything
   * else; finish it (at the settled amounts) or a manager reverses it.
   */
  recovered: boolean;
  /** For a recovered visit: the drugs as settled (so the pharmacist finds the right bag). */
  recoveredLines: RecoveredLineView[];
  /** Visits parked (挂单) at this counter, oldest first. */
  parked: ParkedView[];
}

/** A parked visit (`rxdesk_app::visit::view::ParkedView`). */
export interface ParkedView {
  visitId: string;
  patientName: string;
  state: VisitStateName;
  stateZh: string;
  /** Its settlement's outcome is unknown: resume it and resolve (处理未知结算); its patient is locked. */
  uncertain: boolean;
  /** CST HH:MM. */
  parkedAt: string;
  drugs: string[];
}

/** One drug of a recovered visit, as settled. */
export interface RecoveredLineView {
  name: string;
  spec: string;
  quantity: string;
  unit: string;
  amount: string;
}

/** The outcome of one scan while dispensing: loud and specific. */
export interface ScanOutcome {
  ok: boolean;
  /** e.g. "wrong_product", "over_quantity", "duplicate_trace_code", "expired_batch", "trace_code_sold". */
  code: string;
  messageZh: string;
  visit: VisitView;
}

export interface ShiftView {
  pharmacistName: string;
  certnoMasked: string;
  startedAt: string;
}

export interface SaleSummary {
  /** 代购: agent, relationship and masked ID number, when the sale was bought by one. */
  agentZh: string | null;
  saleId: number;
  rtalDocno: string;
  soldAt: string;
  hiRxno: string | null;
  patientName: string;
  total: string;
  state: "completed" | "refunded";
  setlId: string | null;
}

/** Money given back at a refund, by the method it was paid with. */
export interface RefundMoneyView {
  method: "cash" | "wechat" | "alipay";
  methodZh: string;
  amount: string;
  /** The channel's transaction number (empty for cash). */
  reference: string;
}

export interface RefundView {
  saleId: number;
  /** Outbox rows queued after the reversal: 3506 per line, 7208. */
  uploadIds: number[];
  receiptText: string;
  printedZh: string;
  returned: RefundMoneyView[];
}

/** How the patient identifies for a refund of a settled sale (as at the sale). */
export type RefundIdMethod = "e_voucher" | "social_security_card";

export const visitStart = () => invoke<VisitView>("visit_start");
export const visitCurrent = () => invoke<VisitView | null>("visit_current");
/**
 * Identifies the patient. Card: read from the configured reader; card and ID card are confirmed by the
 * e-voucher password the patient types on the terminal's PIN pad (never sent from here). Face: `consent`
 * is the patient's agreement on the consent step. `agent.relation` is one of AGENT_RELATIONSHIPS' codes.
 */
export const visitIdentify = (method: IdMethod, code: string, consent?: boolean, agent?: { name: string; certNo: string; relation: string }) =>
  invoke<VisitView>("visit_identify", { method, code, consent: consent ?? null, agent: agent ?? null });
export const visitOpen = (authRxno: string) => invoke<VisitView>("visit_open", { authRxno });
export const shiftStart = (evoucher: string) => invoke<ShiftView>("shift_start", { evoucher });
export const shiftCurrent = () => invoke<ShiftView | null>("shift_current");
export const visitAudit = (result: "1" | "2" | "3", opinion: string, reconfirmEvoucher: string, reviewerLogin?: string) =>
  invoke<VisitView>("visit_audit", { result, opinion, reconfirmEvoucher, reviewerLogin: reviewerLogin ?? null });
export const visitScan = (code: string) => invoke<ScanOutcome>("visit_scan", { code });
/** Stock without trace codes: only from the 无码库, with a reason; `packs` may be a fraction (拆零). */
export const visitDispenseNoCode = (line: number, packs: string, reason: string) =>
  invoke<ScanOutcome>("visit_dispense_no_code", { line, packs, reason });
export const visitFinishDispensing = () => invoke<VisitView>("visit_finish_dispensing");
export const visitPreSettle = () => invoke<VisitView>("visit_pre_settle");
export const visitSettle = () => invoke<VisitView>("visit_settle");
export const visitResolveUncertain = () => invoke<VisitView>("visit_resolve_uncertain");
/** `payCode`: the patient's scanned pay code for `scan` (null for cash); extra arg, ignored by a command that does not take it. */
export const visitPay = (method: "cash" | "scan" | "terminal", tendered?: string, payCode?: string) =>
  invoke<VisitView>("visit_pay", { method, tendered: tendered ?? null, payCode: payCode ?? null });
export const visitComplete = () => invoke<VisitView>("visit_complete");
export const visitCancel = () => invoke<VisitView>("visit_cancel");
/** 挂单: sets the visit in progress aside; the answer is the next (fresh) visit. */
export const visitPark = () => invoke<VisitView>("visit_park");
/** 取单: brings a parked visit back (the counter must be free). */
export const visitResume = (visitId: string) => invoke<VisitView>("visit_resume", { visitId });
/** 处理未知结算 of a parked visit, while the counter serves another patient; the answer is the counter's visit. */
export const visitResolveParked = (visitId: string) => invoke<VisitView>("visit_resolve_parked", { visitId });
export const salesFind = (query: string) => invoke<SaleSummary[]>("sales_find", { query });
export const saleReprint = (saleId: number) => invoke<SaleView>("sale_reprint", { saleId });
/** Money first: 2103, then the self-paid part by its method, then stock. A settled sale needs the patient's credential. */
export const saleRefund = (
  saleId: number,
  reason: string,
  identityMethod?: RefundIdMethod,
  identityCode?: string,
  /** 店长授权: a manager's 工号 and password typed at this (non-manager) session, for this refund only. */
  authorise?: { login: string; password: string },
) =>
  invoke<RefundView>("sale_refund", {
    saleId,
    reason,
    identityMethod: identityMethod ?? null,
    identityCode: identityCode ?? null,
    managerLogin: authorise?.login ?? null,
    managerPassword: authorise?.password ?? null,
  });
/** A manager reverses (2103) the settled-but-unfinished visit found at start-up. */
export const visitReverseSettled = () => invoke<VisitView>("visit_reverse_settled");
