// Typed wrappers over the first-start, unlock, settings-edit and staff
// commands (src-tauri/src/onboard_commands.rs). The wizard calls the same
// service as `rxdesk setup` (rxdesk_app::onboarding).
import { invoke } from "@tauri-apps/api/core";
// The shapes are generated from Rust (ts-rs). `Settings` (what a manager
// edits) and `SettingsPatch` keep the snake_case of settings.json, where
// they are stored; `StartupState` is rxdesk-app's `Pending`.
import type {
  NewStaff,
  Pending as StartupState,
  ProfilePreview,
  SaveOutcome,
  Settings as EditableSettings,
  SettingsPatch,
  SetupReport,
  StaffChange,
  TrustItem,
  WizardRequest,
} from "./generated/types";
export type {
  NewStaff,
  Pending as StartupState,
  ProfilePreview,
  SaveOutcome,
  Settings as EditableSettings,
  SettingsPatch,
  SetupReport,
  StaffChange,
  TrustItem,
  WizardRequest,
} from "./generated/types";


export function startupState(): Promise<StartupState> {
  return invoke<StartupState>("startup_state");
}

export function onboardDemo(locale: string): Promise<void> {
  return invoke<void>("onboard_demo", { locale });
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



export function runSetup(request: WizardRequest): Promise<SetupReport> {
  return invoke<SetupReport>("onboard_setup", { request });
}

export function unlockCredentials(passphrase: string): Promise<void> {
  return invoke<void>("credentials_unlock", { passphrase });
}




export function settingsCurrent(): Promise<EditableSettings> {
  return invoke<EditableSettings>("settings_current");
}

export function settingsSave(patch: SettingsPatch): Promise<SaveOutcome> {
  return invoke<SaveOutcome>("settings_save", { patch });
}



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
