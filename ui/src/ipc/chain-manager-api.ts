// The chain manager's desk (src-tauri/src/chain_commands.rs `chain_manager_*`):
// sign in at this ledger's head office with a chain manager's name and
// password, read every chain view (money as decimal strings), resolve a
// failure, sign out. The session token stays in the Rust process.
import { invoke } from "@tauri-apps/api/core";
import type { ChainManagerSession, ChainViews } from "./generated/types";

export type {
  ChainCounterRow,
  ChainDayRow,
  ChainFailureRow,
  ChainManagerSession,
  ChainPriceRow,
  ChainRegulatorRow,
  ChainStorePriceRow,
  ChainStoreRow,
  ChainUploadRow,
  ChainViews,
} from "./generated/types";

/** 连锁管理员登录: signs in at head office. */
export function chainManagerSignIn(name: string, password: string): Promise<ChainManagerSession> {
  return invoke<ChainManagerSession>("chain_manager_sign_in", { name, password });
}

/** The signed-in chain manager of this window, or null. */
export function chainManagerSession(): Promise<ChainManagerSession | null> {
  return invoke<ChainManagerSession | null>("chain_manager_session");
}

/** Every chain view, read from head office now. */
export function chainManagerViews(): Promise<ChainViews> {
  return invoke<ChainViews>("chain_manager_views");
}

/** Marks a failure resolved at head office. */
export function chainManagerResolve(id: number): Promise<void> {
  return invoke<void>("chain_manager_resolve", { id });
}

/** Signs out (head office forgets the session when it can be reached). */
export function chainManagerSignOut(): Promise<void> {
  return invoke<void>("chain_manager_sign_out");
}

/** Codes after which the window goes back to the sign-in (the session is over). */
export const SESSION_OVER = ["CHAIN_SESSION_EXPIRED", "CHAIN_SESSION_UNKNOWN", "CHAIN_CHAIN_MANAGER_SIGNED_OUT"];
