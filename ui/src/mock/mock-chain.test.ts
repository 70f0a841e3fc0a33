// The head-office sync status replays the real sync worker's recorded
// statuses (recorded/chain-sync.json): each state the `mock_chain_state`
// control selects is the recorded one, 立即同步 is refused or publishes the
// recorded round, and nothing is built by hand.
import { afterEach, describe, expect, it, vi } from "vitest";

const emitted: [string, unknown][] = [];
vi.mock("@tauri-apps/api/event", () => ({
  emit: (event: string, payload: unknown) => {
    emitted.push([event, payload]);
    return Promise.resolve();
  },
}));

import recorded from "./recorded/chain-sync.json";
import { MockChainBackend, recordedChainStatus, type MockChainState } from "./mock-chain";
import { chainItem } from "../lib/chain-status";
import { filled } from "./replay";
import type { ChainStatusView } from "../ipc/generated/types";

const SYNC = recorded as unknown as { recordedNow: number; flows: { name: string; steps: { command: string; response?: unknown; error?: { code: string }; events?: ChainStatusView[] }[] }[] };
const flow = (name: string) => SYNC.flows.find((f) => f.name === name)!.steps;
const STATES: MockChainState[] = ["none", "backlog", "synced", "blocked", "offline"];

afterEach(() => {
  emitted.length = 0;
  vi.useRealTimers();
});

describe("head-office sync status replays the recording", () => {
  it("records every state, each with chain_status and chain_sync_now (not in a chain: 连锁管理员登录 too)", () => {
    expect(SYNC.flows.map((f) => f.name).sort()).toEqual([...STATES].sort());
    for (const s of STATES) {
      const extra = s === "none" ? ["chain_manager_sign_in"] : [];
      expect(flow(s).map((x) => x.command)).toEqual(["chain_status", "chain_sync_now", ...extra]);
    }
  });

  it("连锁管理员登录 on a counter not in a chain: the shell's recorded refusal; in a chain, head office answers", () => {
    const m = new MockChainBackend();
    m.handle("mock_chain_state", { state: "none" });
    const refusal = flow("none").find((x) => x.command === "chain_manager_sign_in")!.error!;
    expect(refusal.code).toBe("CHAIN_CHAIN_NOT_REGISTERED");
    expect(() => m.handle("chain_manager_sign_in", { name: "王经理", password: "demo-chain-manager" })).toThrow(
      expect.objectContaining({ code: "CHAIN_CHAIN_NOT_REGISTERED", detail: "this counter is not registered with a head office" }),
    );
    m.handle("mock_chain_state", { state: "synced" });
    expect(() => m.handle("chain_manager_sign_in", { name: "王经理", password: "not-the-password" })).toThrow(
      expect.objectContaining({ code: "CHAIN_BAD_CREDENTIALS" }),
    );
  });

  it("answers chain_status with the recorded status, the last round moved to as long ago as recorded", () => {
    const m = new MockChainBackend();
    const now = Date.now();
    for (const s of STATES) {
      m.handle("mock_chain_state", { state: s });
      const got = m.handle("chain_status", {}) as ChainStatusView | null;
      const want = flow(s)[0]!.response as ChainStatusView | null;
      if (want === null) {
        expect(got).toBeNull();
        continue;
      }
      expect({ ...got, lastSyncAt: null }).toEqual({ ...filled(want), lastSyncAt: null });
      if (want.lastSyncAt === null) expect(got!.lastSyncAt).toBeNull();
      else expect(Math.abs(got!.lastSyncAt! - (now - (SYNC.recordedNow - want.lastSyncAt)))).toBeLessThan(1000);
    }
  });

  it("each state reads as the status bar shows it", () => {
    const item = (s: MockChainState) => chainItem(recordedChainStatus(s), "zh-CN");
    expect(item("none")).toBeNull();
    expect(item("synced")).toMatchObject({ tone: "ok" });
    expect(item("synced")!.text).toMatch(/^总部 ✓ \d{2}:\d{2}$/);
    expect(item("backlog")).toMatchObject({ tone: "warn", text: `总部 积压 ${recordedChainStatus("backlog")!.backlog}` });
    expect(item("offline")).toMatchObject({ tone: "bad", text: "总部 离线" });
    expect(item("blocked")).toMatchObject({ tone: "bad", text: `总部 拒收 ${recordedChainStatus("blocked")!.issues.length}` });
    expect(recordedChainStatus("blocked")!.error!.code).toBe("batch_refused");
    // The refused box: a UUID-shaped record id (as a real one), the particulars
    // head office sent (the counter that sold it first, the trace code masked).
    const [issue] = recordedChainStatus("blocked")!.issues;
    expect(issue!.recordId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(issue!.params).toMatchObject({ counter_no: "1", store_code: recordedChainStatus("blocked")!.storeCode });
    expect(issue!.params.trace_code).toMatch(/^\d{3}\*+\d{2}$/);
    expect(issue!.message).not.toMatch(/constraint/);
  });

  it("立即同步 without a running worker is the shell's refusal", () => {
    const m = new MockChainBackend();
    for (const s of ["none", "backlog"] as const) {
      m.handle("mock_chain_state", { state: s });
      expect(() => m.handle("chain_sync_now", {})).toThrow(expect.objectContaining({ code: "CHAIN_NOT_RUNNING" }));
    }
  });

  it("立即同步 publishes the recorded round's statuses: running, then as it ended", () => {
    vi.useFakeTimers();
    const m = new MockChainBackend();
    for (const s of ["synced", "blocked", "offline"] as const) {
      m.handle("mock_chain_state", { state: s });
      emitted.length = 0;
      expect(m.handle("chain_sync_now", {})).toBeNull();
      vi.advanceTimersByTime(1000);
      const events = emitted.filter(([e]) => e === "chain-status").map(([, p]) => p as ChainStatusView);
      const rec = flow(s)[1]!.events!;
      expect(events.map((e) => e.syncing)).toEqual(rec.map((e) => e.syncing));
      expect(events[0]!.syncing).toBe(true);
      const last = events[events.length - 1]!;
      expect({ ...last, lastSyncAt: null }).toEqual({ ...filled(rec[rec.length - 1]!), lastSyncAt: null });
      expect(last.error?.code ?? null).toBe(recordedChainStatus(s)!.error?.code ?? null);
    }
  });
});
