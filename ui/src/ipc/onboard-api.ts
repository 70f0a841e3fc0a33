// Typed wrappers over the first-start, unlock, settings-edit and staff
// commands (src-tauri/src/onboard_commands.rs). The wizard calls the same
// service as `rxdesk setup` (rxdesk_app::onboarding).
import { invoke } from "@tauri-apps/api/core";

export type StartupState =
  | { state: "unconfigured" }
  | { state: "locked"; message: string }
  | { state: "ready" };

export function startupState(): Promise<StartupState> {
  return invoke<StartupState>("startup_state");
}

export function onboardDemo(locale: string): Promise<void> {
  return invoke<void>("onboard_demo", { locale });
}

export interface ProfilePreview {
  name: string;
  base_url: string;
  institution_code: string;
  institution_name: string;
  admdvs: string;
  gateway: string;
  family: string;
}

export interface TrustItem {
  file: string;
  kind: "root" | "intermediate" | "crl";
  name: string;
  valid_until: string | null;
}

export function checkProfile(path: string): Promise<ProfilePreview> {
  return invoke<ProfilePreview>("onboard_check_profile", { path });
}

export function checkCredentials(path: string): Promise<Record<string, string>> {
  return invoke<Record<string, string>>("onboard_check_credentials", { path });
}

export function checkTrust(path: string): Promise<TrustItem[]> {
  return invoke<TrustItem[]>("onboard_check_trust", { path });
}

export function checkPharmacy(code: string, profile: string): Promise<void> {
  return invoke<void>("onboard_check_pharmacy", { code, profile });
}

export interface WizardRequest {
  profile: string;
  credentials: string;
  trust: string;
  pharmacy_code: string;
  pharmacy_name: string;
  terminal_no: number;
  manager_login: string;
  manager_name: string;
  password: string;
  locale: string;
}

export interface SetupReport {
  profile: string;
  pharmacy_code: string;
  center_url: string;
  credentials: { fingerprints: Record<string, string>; os_holder: string; os_key_present: boolean };
  trust: TrustItem[];
  connectivity: string[];
}

export function runSetup(request: WizardRequest): Promise<SetupReport> {
  return invoke<SetupReport>("onboard_setup", { request });
}

export function unlockCredentials(passphrase: string): Promise<void> {
  return invoke<void>("credentials_unlock", { passphrase });
}

/** The fields a manager edits (settings.json). */
export interface EditableSettings {
  center_url: string | null;
  store_name: string;
  fixmedins_code: string;
  terminal_no: number | null;
  receipt_address: string;
  receipt_phone: string;
  idle_lock_minutes: number;
  /** Seconds between head-office sync rounds (null: 300). */
  chain_sync_interval_secs: number | null;
  demo_mode: boolean;
}

export type SettingsPatch = Partial<{
  center_url: string;
  store_name: string;
  terminal_no: number;
  receipt_address: string;
  receipt_phone: string;
  idle_lock_minutes: number;
  chain_sync_interval_secs: number;
}>;

export interface SaveOutcome {
  changes: { field: string; old: unknown; new: unknown }[];
  restart_note: string | null;
}

export function settingsCurrent(): Promise<EditableSettings> {
  return invoke<EditableSettings>("settings_current");
}

export function settingsSave(patch: SettingsPatch): Promise<SaveOutcome> {
  return invoke<SaveOutcome>("settings_save", { patch });
}

export interface NewStaff {
  login: string;
  name: string;
  role: "cashier" | "pharmacist" | "manager";
  password: string;
  cert_type: string;
  certno: string;
  prac_cert_no: string;
  phar_code: string;
}

export type StaffChange =
  | { action: "set_active"; active: boolean }
  | { action: "reset_password"; password: string }
  | { action: "set_role"; role: string }
  | { action: "register"; name: string; cert_type: string; certno: string; prac_cert_no: string; phar_code: string }
  | { action: "unlock" };

export function staffCreate(staff: NewStaff): Promise<void> {
  return invoke<void>("staff_create", { staff });
}

export function staffChange(login: string, change: StaffChange): Promise<string> {
  return invoke<string>("staff_change", { login, change });
}

export function evoucherBind(evoucher: string): Promise<string> {
  return invoke<string>("evoucher_bind", { evoucher });
}

/** Client-side format pre-check of a 定点零售药店 code (P + 6-digit division + 5 digits); the service checks again. */
export function pharmacyCodeShape(code: string): boolean {
  return /^P\d{11}$/.test(code.trim());
}
