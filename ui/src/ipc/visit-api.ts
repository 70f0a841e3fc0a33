// The counter-visit contract between the UI and `rxdesk-app`'s visit service
// (issues #7/#8). The views are generated from Rust (`rxdesk-app`
// `visit/view.rs`, ts-rs, serde camelCase) into `generated/types.ts`; the Tauri commands are thin wrappers named in
// each function. Money is always a decimal string ("12.50"), never a number.
// Times are CST wire strings "yyyy-MM-dd HH:mm:ss".
import { invoke } from "@tauri-apps/api/core";
import type { LayoutPages, RefundView, SaleSummary, SaleView, ScanOutcome, ShiftView, VisitView } from "./generated/types";
/** The visit's views, generated from `rxdesk-app` `visit/view.rs` by ts-rs (docs/decisions/0018). */
export type {
  PatientView, GuidanceView, FindingView, LayoutDifferenceView, RulesView, AuditView, DispenseLineView, TraceCollection, SettlementKind, SplitView, PaymentView, SaleView, ListedDrug, ListedDrugs, VisitView, ParkedView, RecoveredLineView, ScanOutcome, ShiftView, SaleSummary, RefundMoneyView, RefundView,
} from "./generated/types";
/**
 * Every visit command rejects with a step error `{ code, message, params }` (camelCase; codes in
 * docs/rules.md); `errorText` renders it by code in the window's locale (`i18n/errors.ts`).
 */
export type { IpcError } from "./errors";

/** How the patient identifies. `epc_qr` = the 27-char e-prescription QR (goes straight to download). */
export type IdMethod = "e_voucher" | "social_security_card" | "id_card" | "face" | "epc_qr";

/** The visit's state names, generated from the service (`rxdesk-app` `visit/view.rs`). */
export type { VisitStateName } from "./generated/visit-states";

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
/** The opened prescription's layout file, each page drawn `width` device pixels wide (PNG, by the backend). */
export const visitLayout = (width: number) => invoke<LayoutPages>("visit_layout", { width: Math.round(width) });
export type { LayoutPage, LayoutPages } from "./generated/types";
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
