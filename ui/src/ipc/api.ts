// Typed wrappers over the Tauri commands in src-tauri/src/commands.rs.
// Keep this file the only place that names a command string.
import { invoke } from "@tauri-apps/api/core";
import type { AppStatus, OperatorInfo } from "./generated/types";
import type { Locale } from "../i18n/i18n";
import { plain } from "../i18n/plain";
import { errorLocale } from "./errors";
import { remember, renderError } from "./errors";

export type { AppStatus, OperatorInfo } from "./generated/types";

export function appStatus(): Promise<AppStatus> {
  return invoke<AppStatus>("app_status");
}

export function setLocale(locale: Locale): Promise<Locale> {
  return invoke<Locale>("set_locale", { locale });
}

/**
 * Turns whatever a command rejected with into a sentence for the user, in the
 * window's locale (`ipc/errors.ts`: by code from one catalogue, never Chinese
 * in en-US); its code and detail stay behind the 详情 toggle (`errorDetails`).
 */
export function errorText(e: unknown, locale: Locale = errorLocale()): string {
  // A zh-CN screen shows no raw backend text (English tails, paths, CRL reason names).
  const r = renderError(locale, e);
  const shown = plain(r.text, locale);
  remember(shown, r);
  return shown;
}

/**
 * As `errorText`, but keeps what an administrator must correct — file names,
 * profile field keys (`center.base_url`), addresses — untouched: for the
 * set-up screens (onboarding, settings, devices, import), never the counter.
 */
export function setupErrorText(e: unknown, locale: Locale = errorLocale()): string {
  const r = renderError(locale, e);
  remember(r.text, r);
  return r.text;
}

/** Tells the shell the first screen is usable (start-up measurement). */
export function uiReady(): Promise<number> {
  return invoke<number>("ui_ready");
}


export function login(loginId: string, password: string, role: OperatorInfo["role"] | null): Promise<OperatorInfo> {
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

export type Credential = "e_voucher" | "social_security_card" | "id_card";

// The prescription, its signature check and the settings screen, generated from Rust (ts-rs).
import type { SettingsView } from "./generated/types";
export type {
  AuthorisedRx,
  DownloadedDrugLine,
  DownloadedPrescription,
  PrescriptionView,
  SettingsView,
  SignerSummary,
  Verdict,
} from "./generated/types";

export function settingsView(): Promise<SettingsView> {
  return invoke<SettingsView>("settings_view");
}

/** Prints a test slip on the configured receipt printer; the outcome in words. */
export function deviceTestPrint(): Promise<string> {
  return invoke<string>("device_test_print");
}
