import { describe, expect, it } from "vitest";
import { translate, type Key } from "../i18n/i18n";
import type { OtcView } from "../ipc/otc-api";
import { pendingWork } from "./signout";
import type { VisitView } from "../ipc/visit-api";

const zh = (k: Key) => translate("zh-CN", k);
const visit = (over: Partial<VisitView>): VisitView => ({
  visitId: "V1", state: "started", stateZh: "", patient: null, guidance: null, listed: [], listedDrugs: [], parked: [], prescription: null, rules: null,
  audit: null, dispensing: [], split: null, payment: null, sale: null, closedReasonZh: null, closedReason: null, nextStep: "identify", nextStepZh: "", recovered: false,
  recoveredLines: [], ...over,
});
const otc = (stage: OtcView["stage"], lines = 0): OtcView => ({
  saleRef: "O1", stage, stageZh: "购物中", payer: "self_pay", lines: Array.from({ length: lines }, () => ({}) as OtcView["lines"][number]),
  boxes: [], total: "0.00", complete: false, patient: null, split: null, payment: null, sale: null, noticeZh: null, notice: null, nextStepZh: "", nextStep: "scan_product",
});
const patient = { name: "张三", certnoMasked: "", psnNo: "", insutypeLabel: "", insutype: "310", balance: "0", agentName: null, agentRelationshipZh: null, agentCertnoMasked: null, identifiedViaZh: "", identifiedVia: "e_voucher", agentRelationship: null };

describe("F12 asks first while work is in progress", () => {
  it("signs out at once when nothing is in progress", () => {
    expect(pendingWork(null, null, zh)).toEqual([]);
    expect(pendingWork(visit({ state: "started" }), otc("cart"), zh)).toEqual([]);
    expect(pendingWork(visit({ state: "receipted" }), otc("receipted", 2), zh)).toEqual([]);
  });
  it("names a visit mid-way, a payment not taken, an OTC sale with goods", () => {
    expect(pendingWork(visit({ state: "dispensing", patient }), null, zh)[0]).toMatch(/正在接待患者 张三（调配中）/);
    expect(pendingWork(visit({ state: "settled" }), null, zh)[0]).toMatch(/尚未收款/);
    expect(pendingWork(null, otc("cart", 1), zh)[0]).toMatch(/非处方销售/);
    expect(pendingWork(visit({ state: "prescriptions_listed", patient }), otc("settled", 1), zh)).toHaveLength(2);
  });
});
