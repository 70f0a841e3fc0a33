// Head-office sync for the mocked IPC (vitest and the headless-browser test,
// Vite `mock` mode only, never bundled): `chain_status` / `chain_sync_now`
// with the generated `ChainStatusView` shape (src-tauri/src/chain_commands.rs),
// and a test control, `mock_chain_state`, that puts the counter in one of the
// states the status bar and the manager view show and sends the
// `chain-status` event as the sync worker would.
import { emit } from "@tauri-apps/api/event";
import { mockError } from "./ipc-error";
import type { ChainStatusView } from "../ipc/generated/types";

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
      case "mock_chain_state":
        this.state = (args.state as MockChainState) ?? "synced";
        void emit("chain-status", this.current());
        return null;
      default:
        return undefined;
    }
  }
}
