// In-memory stand-in for the manager commands, for browser UI tests and
// vitest (merged into mock-backend.ts). Same shapes as src-tauri. A retried
// row is "sent" by the next list, like the app's worker would.
// The daily reconciliation and the regulator figures REPLAY the real
// service's answers recorded against the emulator (recorded/manager.json,
// recorded/figures.json, `cargo test -p rxdesk-app --test recorded_views`).
// Still hand-built: the upload queue (its rows in every state, a rejected
// 3505 with the center's words, a retry that is "sent") — no recording
// drives the emulator to those states yet — and the audit-log state
// (mock_integrity: a test hook that breaks the check on demand).
import { mockError } from "./ipc-error";
import recorded from "./recorded/manager.json";
import recordedFigures from "./recorded/figures.json";
import { filled, type RecordedFlow } from "./replay";
import type { Figures, IntegrityStatus, QueueItem, QueueSummary, ReconcileOutcome, ReconciliationRecord, UploadState } from "../ipc/manager-api";

const RECORDED = (recorded as unknown as { flows: RecordedFlow[] }).flows[0]!.steps;
const RECONCILED = RECORDED.filter((s) => s.command === "reconcile_day");
const LOG = RECORDED.find((s) => s.command === "reconciliations")!.response as ReconciliationRecord[];
const FIGURE_STEPS = (recordedFigures as unknown as { flows: RecordedFlow[] }).flows[0]!.steps;
const FIGURES = FIGURE_STEPS.find((s) => s.response)!;
const FIGURES_REFUSED = FIGURE_STEPS.find((s) => s.error)!;
/** The demo day the browser test reconciles with differences. */
export const DIFFERENCES_DAY = "2026-11-23";

const LABELS: Record<UploadState, string> = {
  pending: "待上传",
  sending: "上传中",
  uncertain: "结果未知",
  done: "已上传",
  rejected: "被拒绝",
  voided: "已作废",
};

function row(id: number, op: string, opLabel: string, state: UploadState, error: string | null, code: string | null): QueueItem {
  const open = state === "pending" || state === "uncertain" || state === "rejected";
  return {
    id, msgid: `H11010100001202611240900${String(5000 + id).padStart(4, "0")}`, op, chainKey: `rx:${id}`, refKind: "sale", refId: id,
    state, attempts: state === "pending" ? 0 : 1, createdAt: 0, nextAttemptAt: 0, lastError: error, rejectCode: code,
    voidReason: null, stateLabel: LABELS[state], opLabel: opLabel, created: "2026-11-24 09:00:00", age: "12 分钟", ageSecs: 720,
    canRetry: open, canVoid: open,
  };
}

const ANCHOR = "审计日志锚点 #42 3f9a0c1b2d4e5f60…";

export class MockManagerBackend {
  rows: QueueItem[] = [
    row(1, "7206", "电子处方核销", "done", null, null),
    row(2, "3505", "商品销售（追溯码）", "rejected", "追溯码格式错误：drugtracinfo 第1行", "2001"),
    row(3, "7207", "销售出库明细上传", "pending", null, null),
  ];
  history: ReconciliationRecord[] = [];
  /** The start-up ledger check the summary reports (browser tests break it with `mock_integrity`). */
  integrity: IntegrityStatus = { auditOk: true, auditEntries: 42, auditProblem: null, auditAnchor: ANCHOR, auditAnchorHead: { seq: 42, hash: "3f9a0c1b2d4e5f60" }, auditProblemCode: null, auditProblemParams: {}, permissionsFixed: 0, documentsPurged: 0 };

  private set(r: QueueItem, state: UploadState): void {
    const open = state === "pending" || state === "uncertain" || state === "rejected";
    Object.assign(r, { state, stateLabel: LABELS[state], canRetry: open, canVoid: open });
  }

  summary(): QueueSummary {
    const n = (s: UploadState) => this.rows.filter((r) => r.state === s).length;
    const status = {
      depth: n("pending") + n("sending") + n("uncertain"), pending: n("pending"), sending: n("sending"), uncertain: n("uncertain"),
      rejected: n("rejected"), done: n("done"), voided: n("voided"), oldestPendingAgeSecs: n("pending") ? 720 : null,
      lastSuccess: "2026-11-24 09:01:00", lastError: n("rejected") ? "2026-11-24 09:02:00 … rejected: 2001: 追溯码格式错误" : null, online: true,
    };
    return { status, open: status.depth + status.rejected, oldestLabel: status.oldestPendingAgeSecs ? "12 分钟" : null, workerRunning: true, workerProblem: null,
      integrity: { ...this.integrity } };
  }

  /**
   * REPLAYED: the regulator's figures the real service answered after 王芳's
   * recorded visit (recorded/figures.json): her e-voucher settlement, 李药师's
   * approval, the sale above its reference price and against the province's
   * figures. The recorded day and month were normalised away: any period
   * gets that day's figures (its from/to are the request's); a period that
   * ends before it starts gets the recorded refusal.
   */
  figures(from: string, to: string): Figures {
    if (to < from) throw filled(FIGURES_REFUSED.error!);
    return { ...filled(FIGURES.response as Figures), from, to };
  }

  /** Answers a manager command, or undefined when `cmd` is not one. */
  handle(cmd: string, args: Record<string, unknown>): unknown {
    switch (cmd) {
      case "queue_summary":
        return this.summary();
      case "mock_integrity": {
        // Test-only: the audit log fails (problem text, its code and values) or passes (null) its check.
        // As the app reports it: a broken log has a problem sentence and no anchor.
        const problem = (args.problem ?? null) as string | null;
        const code = (args.code ?? null) as string | null;
        const params = (args.params ?? {}) as Record<string, string>;
        this.integrity = problem === null
          ? { ...this.integrity, auditOk: true, auditProblem: null, auditProblemCode: null, auditProblemParams: {}, auditAnchor: ANCHOR, auditAnchorHead: { seq: 42, hash: "3f9a0c1b2d4e5f60" } }
          : { ...this.integrity, auditOk: false, auditProblem: problem, auditProblemCode: code, auditProblemParams: params, auditAnchor: null, auditAnchorHead: null };
        return this.summary().integrity;
      }
      case "queue_list": {
        for (const r of this.rows) if (r.state === "pending") this.set(r, "done");
        const f = args.filter as string | null;
        if (!f) return this.rows;
        if (f === "open") return this.rows.filter((r) => ["pending", "sending", "uncertain", "rejected"].includes(r.state));
        return this.rows.filter((r) => r.state === f);
      }
      case "queue_payload":
        return JSON.stringify({ selinfo: { id: args.id, drugtracinfo: [{ drug_trac_codg: "81234560000000000001" }] } }, null, 2);
      case "queue_retry": {
        const r = this.rows.find((x) => x.id === args.id);
        if (!r) throw mockError("STORE_NOT_FOUND", `上传记录 ${String(args.id)} 不存在`, { reason: `上传记录 ${String(args.id)} 不存在` });
        this.set(r, "pending");
        r.rejectCode = null;
        return r;
      }
      case "queue_void": {
        const r = this.rows.find((x) => x.id === args.id);
        if (!r) throw mockError("STORE_NOT_FOUND", `上传记录 ${String(args.id)} 不存在`, { reason: `上传记录 ${String(args.id)} 不存在` });
        if (String(args.reason ?? "").trim().length < 2) throw mockError("STORE_INVALID", "请填写作废原因（至少两个字）", { reason: "请填写作废原因（至少两个字）" });
        this.set(r, "voided");
        r.voidReason = String(args.reason);
        return r;
      }
      case "manager_figures":
        return this.figures(String(args.from), String(args.to));
      case "manager_export":
        return { path: `/demo/exports/figures_${String(args.from)}_${String(args.to)}.${String(args.format)}`, bytes: 1234 };
      case "manager_save_csv":
        return { path: `/demo/exports/${String(args.stem)}_20261124090000.csv`, bytes: String(args.text).length + 3 };
      case "reconcile_day": {
        // REPLAYED: the real reconciliation against the emulator
        // (recorded/manager.json). The recorded day was normalised away: the
        // demo day 2026-11-23 gets the day with a settlement the center never
        // made (differences), any other day the one with nothing settled.
        const day = String(args.day);
        const which = day === DIFFERENCES_DAY ? "differences" : "balanced";
        const out = filled(RECONCILED.find((s) => (s.response as ReconcileOutcome).outcome === which)!.response as ReconcileOutcome);
        const record = filled(LOG.find((r) => r.outcome === which)!);
        out.day = day;
        out.recordId = this.history.length + 1;
        if (out.auditAnchorHead) out.auditAnchor = `审计日志锚点 #${out.auditAnchorHead.seq} ${out.auditAnchorHead.hash}…`;
        this.history.unshift({ ...record, id: out.recordId, day });
        return out;
      }
      case "reconciliations":
        return this.history;
      default:
        return undefined;
    }
  }
}
