// Head-office sync for the mocked IPC (vitest and the headless-browser test,
// Vite `mock` mode only, never bundled).
// REPLAYED: the chain manager's desk (`chain_manager_*`) answers what the real
// desk answered against the real head office (`rxdesk-hq` over a throwaway
// PostgreSQL, recorded/chain-manager.json, written by `cargo test -p
// rxdesk-app --test recorded_views`): two stores, their counters, uploads by
// state, two refused records, reconciliations, the regulator figures and the
// price monitor; a wrong password refused, signed in, the views, a failure
// resolved, the views again, signed out; a session head office ended. Its
// times are moved to the time the mock answers (the recording's "now" is the
// mock's). A request off the recording is `MOCK_NOT_RECORDED`.
// Hand-built: `chain_status` / `chain_sync_now` with the generated
// `ChainStatusView` shape (src-tauri/src/chain_commands.rs), and a test
// control, `mock_chain_state`, that puts the counter in one of the states the
// status bar and the manager view show and sends the `chain-status` event as
// the sync worker would. Recording those needs the sync worker of a counter
// on the emulator pushing to head office while head office is stopped, backed
// up or refusing (`tests/chain.rs` drives each), not recorded yet; and the
// not-registered refusal of `chain_manager_sign_in`, the shell's own check.
import { emit } from "@tauri-apps/api/event";
import { mockError } from "./ipc-error";
import recorded from "./recorded/chain-manager.json";
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

/** A chain-manager refusal exactly as `manager_error` sends it (no sentence: the catalogue has the words). */
function hqError(code: string, detail: string, params: Record<string, unknown> = {}) {
  return { code, params, detail };
}

export type MockChainState = "none" | "synced" | "backlog" | "offline" | "blocked";

const base = (): ChainStatusView => ({
  registered: true,
  hqUrl: "https://hq.demo-chain.example:8443",
  storeCode: "P11010100001",
  counterNo: 1,
  lastSyncAt: new Date(new Date().setHours(12, 3, 0, 0)).getTime(),
  backlog: 0,
  syncing: false,
  error: null,
  issues: [],
});

/** The chain status of each state (exported for tests). */
export function mockChainStatus(state: MockChainState): ChainStatusView | null {
  const s = base();
  switch (state) {
    case "none":
      return null;
    case "synced":
      return s;
    case "backlog":
      return { ...s, backlog: 37 };
    case "offline":
      return {
        ...s,
        backlog: 37,
        error: {
          code: "hq_unreachable",
          messageZh: "无法连接总部服务器：本柜台照常收银，数据保存在本机，恢复连接后自动补传",
          messageEn: "head office is unreachable: the counter keeps selling, records stay here and are sent when it is back",
        },
      };
    case "blocked":
      return {
        ...s,
        backlog: 4,
        error: {
          code: "batch_refused",
          messageZh: "总部拒收了 2 条记录（涉及金额或追溯码），这批数据会一直保留并重试：请店长在管理界面查看并联系总部处理",
          messageEn: "head office refused 2 money or trace-code record(s); the batch is kept and retried — see the manager view",
        },
        issues: [
          {
            recordId: "0b5e7c1a-3f2d-4e8b-9a61-2c4d5e6f7a80",
            table: "trace_code",
            code: "trace_code_sold_twice",
            message: "追溯码 83012345678901234567 已由 2 号柜台售出",
          },
          {
            recordId: "5d2c9e4b-8a17-4f3e-b2d0-6e1f3a4b5c69",
            table: "settlement",
            code: "settlement_has_two_sales",
            message: "结算 S20261205000123 已关联另一笔销售",
          },
        ],
      };
  }
}

export class MockChainBackend {
  private state: MockChainState = "synced";
  private session: ChainManagerSession | null = null;
  private expired = false;
  private resolved = false;

  private current(): ChainStatusView | null {
    return mockChainStatus(this.state);
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
        const s = this.current();
        if (!s) throw mockError("CHAIN_NOT_RUNNING", "总部同步未在运行");
        void emit("chain-status", { ...s, syncing: true });
        // The round ends as the state says (offline stays offline).
        setTimeout(() => void emit("chain-status", this.current()), 300);
        return null;
      }
      case "chain_manager_sign_in": {
        // The shell's own check (no head office to ask): hand-built.
        if (!this.current()) throw hqError("CHAIN_CHAIN_NOT_REGISTERED", "this counter is not registered with a head office");
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
