// Typed wrappers over the Tauri commands in src-tauri/src/commands.rs.
// Keep this file the only place that names a command string.
import { invoke } from "@tauri-apps/api/core";
import type { AppStatus, OperatorInfo } from "./generated/types";
import type { Locale } from "../i18n/i18n";
import { plain } from "../i18n/plain";
import { errorLocale } from "./step-errors";
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

/** 7202 output row: one authorised prescription. */
export interface AuthorisedRx {
  auth_rxno: string;
  diag_name: string;
  fixmedins_code: string;
  fixmedins_name: string;
  prsc_time: string;
  dept_name: string;
  valid_end_time: string;
}

export interface DrugLine {
  medListCodg: string;
  drugGenname: string;
  drugProdname?: string;
  drugDosform?: string;
  drugSpec: string;
  drugCnt: string;
  drugCntUnit: string;
  sinDoscnt: string;
  sinDosunt: string;
  usedFrquName: string;
  medcWayDscr: string;
  medcDays: string;
}

/** The downloaded prescription as the center serves it (camelCase). */
export interface DownloadedPrescription {
  hiRxno: string;
  patnName: string;
  fixmedinsName: string;
  fixmedinsCode: string;
  prscDrName: string;
  /** 审方药师科室 (signed; the hospital pharmacist's, e.g. 药剂科) — never shown as 开方科室. */
  pharDeptName: string;
  /** 开方科室: the prescribing doctor's department (7203 `mdtrtinfo.prsc_dept_name`); absent when not sent. */
  prscDeptName?: string;
  prscTime: string;
  validEndTime: string;
  diagName?: string;
  rxDrugDetail: DrugLine[];
  rxFile: string;
  signCertSn: string;
  signCertDn: string;
}

export interface SignerSummary {
  subject: string;
  issuer: string;
  serial: string;
  not_before: string;
  not_after: string;
  institution: string | null;
  signed_at: string | null;
}

export type Verdict =
  | { verdict: "verified"; signer: SignerSummary; warnings: unknown[] }
  | { verdict: "rejected"; reason: { code: string } & Record<string, unknown>; signer: SignerSummary | null };

export interface PrescriptionView {
  rx_id: number;
  auth_rxno: string;
  prescription: DownloadedPrescription;
  certno_masked: string;
  verdict: Verdict;
  reason_zh: string;
  /** Non-blocking warnings of a verified signature (also inside `verdict`). */
  warnings: { code: string; message_zh: string }[];
  next_step_zh: string;
}

/** The settings screen's content (`settings_view`). */
export interface SettingsView {
  center_url: string | null;
  store_name: string;
  fixmedins_code: string;
  demo_mode: boolean;
  data_dir: string;
  trust: { kind: "root" | "intermediate"; subject: string; serial: string; not_after: string; expired: boolean }[];
  trust_error: string | null;
  crl_files: string[];
  device_lines: string[];
  devices: Record<string, unknown>;
  operators: {
    login: string;
    display_name: string;
    role: string;
    active: boolean;
    locked_until: string | null;
    cert_type?: string;
    certno_masked?: string;
    prac_cert_no?: string;
    phar_code?: string;
    ec_bound_at?: string | null;
  }[];
}

export function settingsView(): Promise<SettingsView> {
  return invoke<SettingsView>("settings_view");
}

/** Prints a test slip on the configured receipt printer; the outcome in words. */
export function deviceTestPrint(): Promise<string> {
  return invoke<string>("device_test_print");
}
