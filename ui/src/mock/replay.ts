// Replays recorded real answers (ui/src/mock/recorded/*.json, written by
// `cargo test -p rxdesk-app --test recorded_views` against the center
// emulator) instead of re-implementing a service: the requests of the
// current run are matched against each recorded flow, step by step (command
// and arguments as the window sends them), and the answer is the recorded
// one — the view, or the refusal as an `IpcError`. A request no flow has at
// that point is refused with `MOCK_NOT_RECORDED`, so a browser test that
// leaves the recorded paths fails loudly instead of meeting invented data.
// A recorded refusal (an error, a refused scan) that the run does not send
// is passed over: it changed nothing, so one flow recorded with every
// refusal serves a run that makes none of them.
// The recordings' volatile fields were normalised to placeholders
// (`<time>`, `<saleRef>` …); the replay fills them with fixed demo values.
import type { IpcError } from "../ipc/generated/error-codes";
import { mockError } from "./ipc-error";

/** One recorded step: what the window sent and what the real command answered. */
export interface RecordedStep {
  command: string;
  args: Record<string, unknown>;
  response?: unknown;
  error?: IpcError;
}

/** A recorded flow: the steps of one real run, in order. */
export interface RecordedFlow {
  name: string;
  steps: RecordedStep[];
}

/** A recorded refusal (an error, or a scan refused): the service's state stayed as it was. */
function refusal(s: RecordedStep): boolean {
  const r = s.response as { ok?: unknown } | null | undefined;
  return !!s.error || (typeof r === "object" && r !== null && r.ok === false);
}

/** The fixed values the placeholders of the recordings stand for. */
const PLACEHOLDERS: Record<string, string> = {
  "<time>": "2026-12-05 10:00:00",
  "<startedAt>": "2026-12-05 08:00:00",
  "<at>": "2026-12-05 10:00:00",
  "<parkedAt>": "10:00",
  "<hash>": "3f9a0c1b2d4e5f60",
  "<day>": "2026-12-05",
  "<month>": "2026-12",
  "<number>": "P11010100001202612051000000001",
  "<saleRef>": "O202612051000000001",
  // A goods document's number (a msgid: the institution, the time, a sequence); numbered `<docNo1>` ….
  "<docNo>": "P11010100001202612051000000100",
  "<receiptText>": "（演示小票：录制时的小票文本已略去）",
  "<rtalDocno>": "RD202612050001",
  "<hiRxno>": "RX202612050001",
  "<hi_rxno>": "RX202612050001",
  "<setlId>": "SETL202612050001",
  "<guidanceText>": "（演示：录制时的用药指导文本已略去）",
  "<prsc_time>": "2026-12-05 09:00:00",
  "<prscTime>": "2026-12-05 09:00:00",
  "<valid_end_time>": "2026-12-08 09:00:00",
  "<validEndTime>": "2026-12-08 09:00:00",
  // A synced record's id is a UUID (v5 of its site, table and local row,
  // rxdesk_sync::record_id); the recording numbers them apart, the mock
  // shows a UUID-shaped stand-in ending in that number.
  "<recordId>": "5b0e8c3a-41d7-5f2e-9c6a-7d21e04b9a30",
};

/** A recorded value with its placeholders filled (a deep copy: the recording is never changed). */
export function filled<T>(v: T): T {
  return JSON.parse(JSON.stringify(v), (_k, x: unknown) => {
    if (typeof x !== "string") return x;
    // A placeholder without a fixed value: a stable demo value named after the field, the same
    // for its snake_case and camelCase spellings (`<auth_rxno>` in a list, `<authRxno>` in a request).
    // A numbered one (`<rtalDocno2>`: the recording kept two apart) ends in its number.
    const value = (p: string) => {
      const fixed = PLACEHOLDERS[p];
      if (fixed) return fixed;
      const [, name, n] = /^<(\w*?)(\d+)>$/.exec(p) ?? [];
      const base = name && n ? PLACEHOLDERS[`<${name}>`] : undefined;
      if (base && n) return base.slice(0, -n.length) + n;
      return `DEMO-${p.slice(1, -1).replace(/_/g, "").toLowerCase()}`;
    };
    if (/^<\w+>$/.test(x)) return value(x);
    // Inside a text (the center's words with the time of a rejection, a receipt): the same values.
    return x.includes("<") ? x.replace(/<\w+>/g, value) : x;
  }) as T;
}

/**
 * Arguments as a comparable string: only `keys` when given, `undefined` as
 * `null`, object keys sorted at every depth (a recording's nested objects, a
 * 代购 agent, come with serde_json's sorted keys, the window's in its own order).
 */
function key(args: Record<string, unknown>, keys?: readonly string[]): string {
  const norm: Record<string, unknown> = {};
  for (const k of keys ?? Object.keys(args)) norm[k] = args[k] === undefined ? null : args[k];
  return JSON.stringify(norm, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, (x as Record<string, unknown>)[k] ?? null]))
      : x,
  );
}

/** Whether two requests' arguments are the same once placeholders are filled. */
export function sameArgs(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return key(filled(a)) === key(filled(b));
}

/** The refusal for a request no recording answers. */
export function notRecorded(command: string, args: Record<string, unknown>): IpcError {
  return mockError(
    "MOCK_NOT_RECORDED",
    `演示界面：没有录制这一步（${command}），请按录制的步骤操作`,
    { command, args: JSON.stringify(args) },
    `Demo window: this step (${command}) was not recorded; follow the recorded steps`,
  );
}

/**
 * The replay of a set of flows. `start` (a command every flow begins with)
 * begins a new run; the other requests extend the current run.
 */
export class Replay {
  private run: RecordedStep[] = [];

  /**
   * `compared`: per command, the arguments that must match (the others are
   * free text the operator types, e.g. an audit opinion or the cash tendered).
   */
  constructor(
    private readonly flows: RecordedFlow[],
    private readonly start: string | null,
    private readonly compared: Record<string, readonly string[]> = {},
  ) {}

  /**
   * The recorded step answering `command(args)` after the run so far, or
   * null. A recorded refusal the run did not send is passed over: it
   * changed nothing, so the run is on the same path without it (one flow
   * serves the browser test that sends none and the vitest that sends each).
   */
  private find(command: string, args: Record<string, unknown>): RecordedStep | null {
    const run = command === this.start ? [] : this.run;
    const k = (c: string, a: Record<string, unknown>) => `${c} ${key(filled(a), this.compared[c])}`;
    const want = [...run.map((s) => k(s.command, s.args)), k(command, args)];
    for (const f of this.flows) {
      const keys = f.steps.map((s) => k(s.command, s.args ?? {}));
      let i = 0;
      let hit: RecordedStep | null = null;
      for (const w of want) {
        while (i < keys.length && keys[i] !== w && refusal(f.steps[i]!)) i++;
        if (i >= keys.length || keys[i] !== w) {
          hit = null;
          break;
        }
        hit = f.steps[i++]!;
      }
      if (hit) return hit;
    }
    return null;
  }

  /** Answers a request: the recorded response, or throws the recorded refusal (or `MOCK_NOT_RECORDED`). */
  answer(command: string, args: Record<string, unknown>): unknown {
    const step = this.find(command, args) ?? this.refusedAgain(command, args);
    if (!step) throw notRecorded(command, args);
    if (step === this.run[this.run.length - 1] && step.error) throw filled(step.error);
    if (command === this.start) this.run = [];
    this.run.push(step);
    if (step.error) throw filled(step.error);
    return filled(step.response);
  }

  /**
   * The last answer again when it was a refusal of this very request: a
   * refused step changed nothing, so the real service refuses it the same way
   * (the operator scans the declined pay code twice).
   */
  private refusedAgain(command: string, args: Record<string, unknown>): RecordedStep | null {
    const last = this.run[this.run.length - 1];
    if (!last?.error || last.command !== command) return null;
    const k = (a: Record<string, unknown>) => key(filled(a), this.compared[command]);
    return k(last.args ?? {}) === k(args) ? last : null;
  }

  /** Whether the run has reached the last step of a flow (nothing recorded comes after it). */
  finished(): boolean {
    const last = this.run[this.run.length - 1];
    return !!last && this.flows.some((f) => f.steps[f.steps.length - 1] === last);
  }

  /** The run's steps that were answered, oldest first (the mock derives its read-only answers from them). */
  answered(): readonly RecordedStep[] {
    return this.run;
  }
}
