// Typed wrappers over the Tauri commands in src-tauri/src/commands.rs.
// Keep this file the only place that names a command string.
import { invoke } from "@tauri-apps/api/core";
import type { Locale } from "./i18n";

export interface AppStatus {
  version: string;
  center: "not_connected" | "online" | "offline";
  center_label: string;
  devices: "not_configured" | "ready" | "degraded";
  devices_label: string;
  store_name: string;
  demo_mode: boolean;
  data_dir: string;
  locale: Locale;
}

export function appStatus(): Promise<AppStatus> {
  return invoke<AppStatus>("app_status");
}

export function setLocale(locale: Locale): Promise<Locale> {
  return invoke<Locale>("set_locale", { locale });
}

/** Turns whatever a command rejected with into a sentence for the user. */
export function errorText(e: unknown): string {
  if (typeof e === "string") return e;
  if (e instanceof Error) return e.message;
  return JSON.stringify(e);
}

/** Tells the shell the first screen is usable (start-up measurement). */
export function uiReady(): Promise<number> {
  return invoke<number>("ui_ready");
}

export interface OperatorInfo {
  login: string;
  name: string;
  role: "cashier" | "pharmacist" | "manager";
  role_label: string;
}

export function login(loginId: string, password: string, role: OperatorInfo["role"]): Promise<OperatorInfo> {
  return invoke<OperatorInfo>("login", { login: loginId, password, role });
}

export function logout(): Promise<void> {
  return invoke<void>("logout");
}

export function currentOperator(): Promise<OperatorInfo | null> {
  return invoke<OperatorInfo | null>("current_operator");
}

/** [label, role, password] of the demo accounts; empty outside demo mode. */
export function demoAccounts(): Promise<[string, OperatorInfo["role"], string][]> {
  return invoke<[string, OperatorInfo["role"], string][]>("demo_accounts");
}
