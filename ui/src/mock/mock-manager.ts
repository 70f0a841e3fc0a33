// In-memory stand-in for the manager commands, for browser UI tests and
// vitest (merged into mock-backend.ts). It REPLAYS the real service's
// answers recorded against the emulator (`cargo test -p rxdesk-app --test
// recorded_views`): the daily reconciliation (recorded/manager.json), the
// regulator figures (recorded/figures.json) and the upload queue
// (recorded/queue.json: two sales' 3505 rejected by the center's gateway,
// twelve minutes old; one voided with a reason, the other retried and sent
// by the app's worker) and the audit log's start-up check the queue summary
// carries (recorded/integrity.json: a ledger found intact, then the same one
// with an entry edited behind the counter's back; `mock_integrity`, a test
// hook, chooses which start the counter had).
import recorded from "./recorded/manager.json";
import recordedFigures from "./recorded/figures.json";
import recordedQueue from "./recorded/queue.json";
import integrityRecording from "./recorded/integrity.json";
import { filled, notRecorded, type RecordedFlow, type RecordedStep } from "./replay";
import type { Figures, IntegrityStatus, QueueItem, QueueSummary, ReconcileOutcome, ReconciliationRecord } from "../ipc/manager-api";

const RECORDED = (recorded as unknown as { flows: RecordedFlow[] }).flows[0]!.steps;
const RECONCILED = RECORDED.filter((s) => s.command === "reconcile_day");
const LOG = RECORDED.find((s) => s.command === "reconciliations")!.response as ReconciliationRecord[];
const FIGURE_STEPS = (recordedFigures as unknown as { flows: RecordedFlow[] }).flows[0]!.steps;
const FIGURES = FIGURE_STEPS.find((s) => s.response)!;
const FIGURES_REFUSED = FIGURE_STEPS.find((s) => s.error)!;
/** The demo day the browser test reconciles with differences. */
export const DIFFERENCES_DAY = "2026-11-23";

const QUEUE = (recordedQueue as unknown as { flows: RecordedFlow[] }).flows[0]!.steps;
/** The recorded queue before (0) and after (1) the void and the retry: its summary and its list under each filter. */
const SNAPSHOTS = (() => {
  const second = QUEUE.findIndex((s, i) => i > 0 && s.command === "queue_summary");
  return [QUEUE.slice(0, second), QUEUE.slice(second)].map((steps) => ({
    summary: steps[0]!.response as QueueSummary,
    lists: new Map(steps.filter((s) => s.command === "queue_list").map((s) => [(s.args.filter ?? null) as string | null, s.response as QueueItem[]])),
  }));
})();
const ACTION = (command: string, error = false): RecordedStep => QUEUE.find((s) => s.command === command && Boolean(s.error) === error)!;
const RETRY = ACTION("queue_retry");
const VOID = ACTION("queue_void");
const VOID_REFUSED = ACTION("queue_void", true);
const PAYLOAD = ACTION("queue_payload");
/** The states the "open" filter lists (`manager::list_queue`). */
const OPEN = ["pending", "sending", "uncertain", "rejected"];

/** The recorded start-up checks, by how the ledger was found (`intact`, `edited`). */
const INTEGRITY = new Map(
  (integrityRecording as unknown as { flows: RecordedFlow[] }).flows[0]!.steps.map((s) => [
    String(s.args.startup),
    (s.response as { integrity: IntegrityStatus }).integrity,
  ]),
);
/** The recorded check of a start (its anchor's hash a fixed stand-in), or MOCK_NOT_RECORDED. */
export function recordedIntegrity(startup: "intact" | "edited"): IntegrityStatus {
  const i = INTEGRITY.get(startup);
  if (!i) throw notRecorded("mock_integrity", { startup });
  return filled(i);
}

export class MockManagerBackend {
  /** What the manager did to the recorded queue: the row voided, the row retried, and whether the worker has sent it. */
  private voided = false;
  private retried = false;
  private sent = false;
  history: ReconciliationRecord[] = [];
  /** The start-up ledger check the summary reports (browser tests choose the edited one with `mock_integrity`). */
  integrity: IntegrityStatus = recordedIntegrity("intact");

  /** The recorded snapshot the queue is in now, or null between them (one of the two actions done). */
  private snapshot(): (typeof SNAPSHOTS)[number] | null {
    if (!this.voided && !this.retried) return SNAPSHOTS[0]!;
    if (this.voided && this.sent) return SNAPSHOTS[1]!;
    return null;
  }

  /** The rows now: the recorded ones, with the recorded answers of the actions taken. */
  private rows(): QueueItem[] {
    const after = SNAPSHOTS[1]!.lists.get(null)!;
    return SNAPSHOTS[0]!.lists.get(null)!.map((r) => {
      if (this.voided && r.id === (VOID.args.id as number)) return VOID.response as QueueItem;
      if (this.retried && r.id === (RETRY.args.id as number)) return this.sent ? after.find((x) => x.id === r.id)! : (RETRY.response as QueueItem);
      return r;
    });
  }

  summary(): QueueSummary {
    const snap = this.snapshot();
    let out: QueueSummary;
    if (snap) out = filled(snap.summary);
    else {
      // Between the recorded snapshots: the first one's words, the counts of the rows as they are.
      const rows = this.rows();
      const n = (st: string) => rows.filter((r) => r.state === st).length;
      const base = filled(SNAPSHOTS[0]!.summary);
      const status = { ...base.status, pending: n("pending"), sending: n("sending"), uncertain: n("uncertain"), rejected: n("rejected"), done: n("done"), voided: n("voided"),
        depth: n("pending") + n("sending") + n("uncertain") };
      out = { ...base, status, open: status.depth + status.rejected };
    }
    return { ...out, integrity: { ...this.integrity } };
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
      case "mock_integrity":
        // Test-only: which recorded start the counter had (`intact`, or `edited`: an entry changed behind its back).
        this.integrity = recordedIntegrity(args.startup === "edited" ? "edited" : "intact");
        return this.summary().integrity;
      case "queue_list": {
        // The app's worker sends a retried row: the next list shows it sent, as it did in the recording.
        if (this.retried) this.sent = true;
        const f = (args.filter ?? null) as string | null;
        const snap = this.snapshot();
        if (snap?.lists.has(f)) return filled(snap.lists.get(f)!);
        const rows = filled(this.rows());
        if (!f) return rows;
        return rows.filter((r) => (f === "open" ? OPEN.includes(r.state) : r.state === f));
      }
      case "queue_payload":
        if (args.id !== PAYLOAD.args.id) throw notRecorded(cmd, args);
        return filled(PAYLOAD.response);
      case "queue_retry":
        if (args.id !== RETRY.args.id || this.retried) throw notRecorded(cmd, args);
        this.retried = true;
        return filled(RETRY.response);
      case "queue_void": {
        if (args.id !== VOID.args.id || this.voided) throw notRecorded(cmd, args);
        // The reason is free text: too short, the recorded refusal; else the recorded void with the reason given.
        if (String(args.reason ?? "").trim().length < 2) throw filled(VOID_REFUSED.error!);
        this.voided = true;
        return { ...filled(VOID.response as QueueItem), voidReason: String(args.reason) };
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
