// The till commands for the mocked IPC (vitest and the headless-browser test,
// Vite `mock` mode only, never bundled): they REPLAY the real till's answers
// recorded against a fresh ledger (`recorded/till.json`, written by
// `cargo test -p rxdesk-app --test recorded_views`): a close with no shift
// open (refused), a shift opened with 200.00, a second open refused, the
// close with 210.00 counted (10.00 over), the day report. The reads
// (`till_current`, `day_report`) are answered from the recorded reads at the
// point the run has reached; the changes are replayed step by step
// (`replay.ts`), anything else is refused with `MOCK_NOT_RECORDED`.
import recorded from "./recorded/till.json";
import { Replay, filled, type RecordedFlow, type RecordedStep } from "./replay";
import type { DayReportView, TillView } from "../ipc/till-api";

const flow = (recorded as unknown as { flows: RecordedFlow[] }).flows[0] as RecordedFlow;
const READS = new Set(["till_current", "day_report"]);

export class MockTillBackend {
  /** The changes (open, close) replayed in their recorded order; the reads are not part of a run. */
  private readonly replay = new Replay([{ name: flow.name, steps: flow.steps.filter((s) => !READS.has(s.command)) }], null);

  /** Where the run stands in the recorded flow: the index after the last replayed change. */
  private position(): number {
    const done = this.replay.answered();
    const last = done[done.length - 1];
    return last ? flow.steps.indexOf(last as RecordedStep) + 1 : 0;
  }

  /** The recorded read `command` nearest before the run's position (else the first after it). */
  private read(command: string): RecordedStep | undefined {
    const at = this.position();
    const before = flow.steps.slice(0, at).filter((s) => s.command === command).pop();
    const after = flow.steps.slice(at).find((s) => s.command === command);
    // A read recorded after the last change and before the next one that took effect
    // (a refused change changes nothing) tells the state there.
    const nextChange = flow.steps.slice(at).findIndex((s) => !READS.has(s.command) && !s.error);
    const afterIsHere = after && (nextChange === -1 || flow.steps.indexOf(after) < at + nextChange);
    return afterIsHere ? after : (before ?? after);
  }

  handle(cmd: string, a: Record<string, unknown>): unknown {
    switch (cmd) {
      case "till_current":
        return filled((this.read(cmd)?.response ?? null) as TillView | null);
      case "day_report": {
        const r = filled(this.read(cmd)?.response as DayReportView);
        // The recorded day was normalised away: the report is of the day asked for.
        if (typeof a.day === "string" && a.day.trim()) r.report.day = a.day.trim();
        return r;
      }
      case "till_open":
      case "till_close":
        return this.replay.answer(cmd, a);
      default:
        return undefined;
    }
  }
}
