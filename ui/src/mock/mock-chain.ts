// Head-office sync for the mocked IPC (vitest and the headless-browser test,
// Vite `mock` mode only, never bundled): `chain_status` / `chain_sync_now`
// with the generated `ChainStatusView` shape (src-tauri/src/chain_commands.rs),
// and a test control, `mock_chain_state`, that puts the counter in one of the
// states the status bar and the manager view show and sends the
// `chain-status` event as the sync worker would.
// Hand-built, not a replay: recording these answers needs the head office
// (rxdesk-hq) running beside the center emulator, and the states the browser
// test puts the counter in (offline, backlog, refused records) are set here.
import { emit } from "@tauri-apps/api/event";
import { mockError } from "./ipc-error";
import type { ChainManagerSession, ChainViews } from "../ipc/generated/types";
import type { ChainStatusView } from "../ipc/generated/types";

/** The chain manager the mock head office knows (name, password). */
export const MOCK_CHAIN_MANAGER = { name: "王经理", password: "chain-demo-1" };

const DAY_MS = 86_400_000;

/** Two stores' views as head office answers them (exported for tests). */
export function mockChainViews(now: number = Date.now()): ChainViews {
  const today = new Date(now + 8 * 3_600_000).toISOString().slice(0, 10);
  const yesterday = new Date(now + 8 * 3_600_000 - DAY_MS).toISOString().slice(0, 10);
  return {
    stores: [
      {
        storeCode: "P11010100001",
        name: "朝阳门店",
        counters: [
          { counterNo: 1, lastPushAt: now - 3 * 60_000, backlog: 0, openIssues: 0, lastError: "" },
          { counterNo: 2, lastPushAt: now - 8 * 60_000, backlog: 3, openIssues: 0, lastError: "" },
        ],
      },
      {
        storeCode: "P11010100002",
        name: "海淀门店",
        counters: [{ counterNo: 1, lastPushAt: now - 26 * 60_000, backlog: 0, openIssues: 2, lastError: "batch_refused" }],
      },
    ],
    uploads: [
      { storeCode: "P11010100001", op: "3505", state: "done", count: 128 },
      { storeCode: "P11010100001", op: "3505", state: "pending", count: 2 },
      { storeCode: "P11010100002", op: "3505", state: "done", count: 64 },
      { storeCode: "P11010100002", op: "3505", state: "rejected", count: 1 },
      { storeCode: "P11010100002", op: "3507", state: "uncertain", count: 1 },
    ],
    failures: [
      {
        id: 12,
        storeCode: "P11010100002",
        table: "trace_code",
        code: "trace_code_sold_twice",
        message: "duplicate key value violates unique constraint \"trace_code_sold_once\"",
        at: now - 26 * 60_000,
        resolved: false,
      },
      {
        id: 11,
        storeCode: "P11010100002",
        table: "settlement",
        code: "settlement_has_two_sales",
        message: "duplicate key value violates unique constraint \"settlement_setl_id_once\"",
        at: now - 27 * 60_000,
        resolved: false,
      },
      {
        id: 7,
        storeCode: "P11010100001",
        table: "sale",
        code: "rtal_docno_reused",
        message: "duplicate key value violates unique constraint \"sale_rtal_docno_once\"",
        at: now - DAY_MS,
        resolved: true,
      },
    ],
    reconciliation: [
      { storeCode: "P11010100001", day: today, settlements: 41, counters: 2, medfeeSumamt: "3862.40", fundPaySumamt: "2105.18", acctPay: "812.00", psnCashPay: "945.22", outcome: null, byInsutype: [{ insutype: "310", settlements: 30, medfeeSumamt: "2962.40", fundPaySumamt: "1705.18" }, { insutype: "390", settlements: 11, medfeeSumamt: "900.00", fundPaySumamt: "400.00" }] },
      { storeCode: "P11010100002", day: today, settlements: 17, counters: 1, medfeeSumamt: "1290.50", fundPaySumamt: "702.30", acctPay: "300.00", psnCashPay: "288.20", outcome: null, byInsutype: [{ insutype: "310", settlements: 17, medfeeSumamt: "1290.50", fundPaySumamt: "702.30" }] },
      { storeCode: "P11010100001", day: yesterday, settlements: 52, counters: 2, medfeeSumamt: "4711.90", fundPaySumamt: "2604.02", acctPay: "1010.50", psnCashPay: "1097.38", outcome: "balanced", byInsutype: [{ insutype: "310", settlements: 52, medfeeSumamt: "4711.90", fundPaySumamt: "2604.02" }] },
      { storeCode: "P11010100002", day: yesterday, settlements: 23, counters: 1, medfeeSumamt: "1820.00", fundPaySumamt: "1003.60", acctPay: "400.00", psnCashPay: "416.40", outcome: "differences", byInsutype: [{ insutype: "310", settlements: 23, medfeeSumamt: "1820.00", fundPaySumamt: "1003.60" }] },
    ],
    regulator: [
      { storeCode: "P11010100001", sales: 93, salesAmount: "9120.30", fundPaid: "4709.20", refunds: 2, lines: 160, linesWithCodes: 158, traceCoveragePct: "98.75" },
      { storeCode: "P11010100002", sales: 40, salesAmount: "3310.50", fundPaid: "1705.90", refunds: 1, lines: 66, linesWithCodes: 61, traceCoveragePct: "92.42" },
      { storeCode: "", sales: 133, salesAmount: "12430.80", fundPaid: "6415.10", refunds: 3, lines: 226, linesWithCodes: 219, traceCoveragePct: "96.90" },
    ],
    prices: [
      {
        fixmedinsHilistId: "YP000002",
        name: "布洛芬缓释胶囊 0.3g×20粒",
        chainPrice: "18.50",
        stores: [
          { storeCode: "P11010100001", prices: ["18.50"], differs: false },
          { storeCode: "P11010100002", prices: ["18.50", "19.80"], differs: true },
        ],
      },
      {
        fixmedinsHilistId: "YP000005",
        name: "阿莫西林胶囊 0.25g×24粒",
        chainPrice: "12.00",
        stores: [{ storeCode: "P11010100001", prices: ["12.00"], differs: false }],
      },
      { fixmedinsHilistId: "YP000031", name: "", chainPrice: null, stores: [{ storeCode: "P11010100002", prices: ["6.80"], differs: true }] },
    ],
    fetchedAt: now,
  };
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
  private failures = 0;
  private resolved = new Set<number>();
  private views(): ChainViews {
    const v = mockChainViews();
    return { ...v, failures: v.failures.map((f) => (this.resolved.has(f.id) ? { ...f, resolved: true } : f)) };
  }

  private current(): ChainStatusView | null {
    return mockChainStatus(this.state);
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
        const s = this.current();
        if (!s) throw hqError("CHAIN_CHAIN_NOT_REGISTERED", "this counter is not registered with a head office");
        if (this.failures >= 5) throw hqError("CHAIN_LOGIN_LOCKED", "too many failed sign-ins", { minutes: 15 });
        if (args.name !== MOCK_CHAIN_MANAGER.name || args.password !== MOCK_CHAIN_MANAGER.password) {
          this.failures += 1;
          throw hqError("CHAIN_BAD_CREDENTIALS", "wrong name or password");
        }
        this.failures = 0;
        this.session = { manager: MOCK_CHAIN_MANAGER.name, hqUrl: s.hqUrl ?? "", expiresAt: Date.now() + 10 * 3_600_000 };
        return this.session;
      }
      case "chain_manager_session":
        return this.session;
      case "chain_manager_views":
        if (this.expired) {
          this.expired = false;
          this.session = null;
          throw hqError("CHAIN_SESSION_EXPIRED", "the session has expired");
        }
        if (!this.session) throw hqError("CHAIN_CHAIN_MANAGER_SIGNED_OUT", "no chain manager is signed in");
        return this.views();
      case "chain_manager_resolve": {
        if (!this.session) throw hqError("CHAIN_CHAIN_MANAGER_SIGNED_OUT", "no chain manager is signed in");
        const id = Number(args.id);
        if (!mockChainViews().failures.some((f) => f.id === id)) throw hqError("CHAIN_UNKNOWN_ISSUE", "no such failure at head office");
        this.resolved.add(id);
        return null;
      }
      case "chain_manager_sign_out":
        this.session = null;
        return null;
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
