// Head-office sync (issue 17): the chain status for the status bar and the
// manager view, and 立即同步 (src-tauri/src/chain_commands.rs). Each status
// change also arrives as a `chain-status` event (`CHAIN_STATUS_EVENT`).
import { invoke } from "@tauri-apps/api/core";
import type { ChainStatusView } from "./generated/types";

export type { ChainErrorIpc, ChainIssueView, ChainStatusView } from "./generated/types";

/** The window event carrying each status change (main.rs `ToWindow::chain`). */
export const CHAIN_STATUS_EVENT = "chain-status";

/** The current status, or null when the counter is not in a chain. */
export function chainStatus(): Promise<ChainStatusView | null> {
  return invoke<ChainStatusView | null>("chain_status");
}

/** Runs a round now; the outcome arrives as `chain-status` events. */
export function chainSyncNow(): Promise<void> {
  return invoke<void>("chain_sync_now");
}
