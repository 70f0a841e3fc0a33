// Head-office sync for the mocked IPC (vitest and the headless-browser test,
// Vite `mock` mode only, never bundled). Everything here replays recordings
// written by `cargo test -p rxdesk-app --test recorded_views`:
// - the sync status (`chain_status`, `chain_sync_now` and the `chain-status`
//   events of its round) is what the shell answered for a counter's real
//   `ChainWorker` against the real head office (`rxdesk-hq` over a throwaway
//   PostgreSQL, recorded/chain-sync.json) in each state: not in a chain,
//   records waiting (the worker not running), synced, blocked (head office
//   refused a box another counter sold first), head office offline. The
//   test control `mock_chain_state` selects the recorded state and sends its
//   status as the `chain-status` event; the last round's time is moved to
//   the time the mock answers (recorded "3 minutes ago", still so).
// - the chain manager's desk (`chain_manager_*`) answers what the real desk
//   answered against the real head office (recorded/chain-manager.json): two
//   stores, their counters, uploads by state, two refused records,
//   reconciliations, the regulator figures and the price monitor; a wrong
//   password refused, signed in, the views, a failure resolved, the views
//   again, signed out; a session head office ended. Its times are moved to
//   the time the mock answers (the recording's "now" is the mock's).
// - `chain_manager_sign_in` on a counter not in a chain: the shell's own
//   refusal before any head office is asked (recorded with the "none" state
//   of chain-sync.json, from that ledger's real status).
// A request off the recordings is `MOCK_NOT_RECORDED`.
import { emit } from "@tauri-apps/api/event";
import recorded from "./recorded/chain-manager.json";
import syncRecorded from "./recorded/chain-sync.json";
import { filled, notRecorded, sameArgs, type RecordedFlow, type RecordedStep } from "./replay";
import type { ChainManagerSession, ChainViews } from "../ipc/generated/types";
import type { ChainStatusView } from "../ipc/generated/types";

const FLOWS = (recorded as unknown as { flows: RecordedFlow[] }).flows;
/** The recorded desk: signed out, a wrong password, signed in, views, a failure resolved, views, signed out. */
export const CHAIN_MANAGER_STEPS: readonly RecordedStep[] = FLOWS.find((f) => f.name === "manager")!.steps;
/** A session head office ended: signed in, the views refused. */
const EXPIRED_STEPS: readonly RecordedStep[] = FLOWS.find((f) => f.name === "expired")!.steps;
const signIn = CHAIN_MANAGER_STEPS.find((s) => s.command === "chain_manager_sign_in" && !s.error)!;

/** The chain manager head office knows in the recording (name, password). */
export const MOCK_CHAIN_MANAGER = { name: String(signIn.args.name), password: String(signIn.args.password) };

/** The recording's "now" (when its views were read). */
const RECORDED_NOW = Number((CHAIN_MANAGER_STEPS.find((s) => s.command === "chain_manager_views" && !s.error)!.response as ChainViews).fetchedAt);
const TIMES = new Set(["fetchedAt", "lastPushAt", "at", "expiresAt"]);

/** A recorded answer with its placeholders filled and its times moved by `now` − the recording's now. */
function answered<T>(v: T, now: number): T {
  const shift = now - RECORDED_NOW;
  return JSON.parse(JSON.stringify(filled(v)), (k, x: unknown) => (TIMES.has(k) && typeof x === "number" ? x + shift : x)) as T;
}

/** The recorded views before the failure was resolved, or after (exported for tests). */
export function recordedChainViews(resolved = false, now: number = RECORDED_NOW): ChainViews {
  const views = CHAIN_MANAGER_STEPS.filter((s) => s.command === "chain_manager_views" && !s.error);
  return answered((resolved ? views[1] : views[0])!.response as ChainViews, now);
}

export type MockChainState = "none" | "synced" | "backlog" | "offline" | "blocked";

const SYNC = syncRecorded as unknown as { recordedNow: number; flows: RecordedFlow[] };

/** The recorded steps of a sync state: `chain_status`, then `chain_sync_now` with its round's events. */
function syncSteps(state: MockChainState): readonly (RecordedStep & { events?: ChainStatusView[] })[] {
  const f = SYNC.flows.find((x) => x.name === state);
  if (!f) throw notRecorded("mock_chain_state", { state });
  return f.steps;
}

/** A recorded status with its last round moved by `now` − the recording's now. */
function statusAt(v: ChainStatusView | null, now: number): ChainStatusView | null {
  if (!v) return null;
  const s = filled(v);
  return s.lastSyncAt === null ? s : { ...s, lastSyncAt: s.lastSyncAt + (now - SYNC.recordedNow) };
}

/** The recorded chain status of each state (exported for tests). */
export function recordedChainStatus(state: MockChainState, now: number = Date.now()): ChainStatusView | null {
  const st = syncSteps(state).find((x) => x.command === "chain_status")!;
  return statusAt(st.response as ChainStatusView | null, now);
}

/** The recorded 立即同步 of a state: the refusal, or the statuses its round published (exported for tests). */
export function recordedSyncNow(state: MockChainState, now: number = Date.now()): { error?: unknown; events: (ChainStatusView | null)[] } {
  const st = syncSteps(state).find((x) => x.command === "chain_sync_now")!;
  if (st.error) return { error: filled(st.error), events: [] };
  return { events: (st.events ?? []).map((e) => statusAt(e, now)) };
}

export class MockChainBackend {
  private state: MockChainState = "synced";
  private session: ChainManagerSession | null = null;
  private expired = false;
  private resolved = false;

  private current(): ChainStatusView | null {
    return recordedChainStatus(this.state);
  }

  /** The recorded answer of the manager's desk to `cmd(args)`, or throws its refusal. */
  private recorded(steps: readonly RecordedStep[], cmd: string, args: Record<string, unknown>): unknown {
    const hit = steps.find((s) => s.command === cmd && sameArgs(s.args ?? {}, args));
    if (!hit) throw notRecorded(cmd, args);
    if (hit.error) throw filled(hit.error);
    return answered(hit.response, Date.now());
  }

  handle(cmd: string, args: Record<string, unknown>): unknown {
    switch (cmd) {
      case "chain_status":
        return this.current();
      case "chain_sync_now": {
        const round = recordedSyncNow(this.state);
        if (round.error) throw round.error;
        // The round's statuses as the worker published them: running, then its end.
        const [first, ...rest] = round.events;
        void emit("chain-status", first);
        rest.forEach((e, i) => setTimeout(() => void emit("chain-status", e), 300 * (i + 1)));
        return null;
      }
      case "chain_manager_sign_in": {
        // Not in a chain: the shell's own refusal, recorded for the unregistered ledger (chain-sync.json).
        const refused = syncSteps(this.state).find((x) => x.command === "chain_manager_sign_in");
        if (refused?.error) throw filled(refused.error);
        this.session = this.recorded(CHAIN_MANAGER_STEPS, cmd, { name: args.name, password: args.password }) as ChainManagerSession;
        return this.session;
      }
      case "chain_manager_session":
        return this.session;
      case "chain_manager_views":
        if (this.expired) {
          // Head office ended the session: the recorded refusal, and the desk forgets it.
          this.expired = false;
          this.session = null;
          return this.recorded(EXPIRED_STEPS, cmd, {});
        }
        if (!this.session) return this.recorded(CHAIN_MANAGER_STEPS, cmd, {});
        return recordedChainViews(this.resolved, Date.now());
      case "chain_manager_resolve": {
        if (!this.session) throw notRecorded(cmd, args);
        const out = this.recorded(CHAIN_MANAGER_STEPS, cmd, { id: args.id });
        this.resolved = true;
        return out ?? null;
      }
      case "chain_manager_sign_out":
        this.session = null;
        return this.recorded(CHAIN_MANAGER_STEPS, cmd, {}) ?? null;
      case "mock_chain_manager_expire":
        // Head office ended the session (expiry): the next call is refused.
        this.expired = true;
        return null;
      case "mock_chain_state":
        this.state = (args.state as MockChainState) ?? "synced";
        void emit("chain-status", this.current());
        return null;
      default:
        return undefined;
    }
  }
}
