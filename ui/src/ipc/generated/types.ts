// Generated from the Rust types by ts-rs in `cargo test -p rxdesk-desktop ipc_contract`
// (the test rewrites this file when it is out of date, then fails). Do not edit.

export type IpcError = { 
/**
 * The stable code (docs/rules.md); the catalogue key.
 */
code: string, 
/**
 * The data the catalogue's sentence is filled from.
 */
params: Record<string, unknown>, 
/**
 * Technical detail for support (hidden by default).
 */
detail: string, 
/**
 * The backend's own sentence in both languages, when it has one.
 */
sentence?: Sentence, };

export type Sentence = { 
/**
 * 简体中文.
 */
zhCn: string, 
/**
 * English.
 */
enUs: string, };

export type AppStatus = { 
/**
 * App version.
 */
version: string, 
/**
 * Center link state.
 */
center: CenterLink, 
/**
 * Label for `center`.
 */
center_label: string, 
/**
 * Device state.
 */
devices: DevicesState, 
/**
 * Label for `devices`.
 */
devices_label: string, 
/**
 * Store name from settings.
 */
store_name: string, 
/**
 * Whether demo mode is on.
 */
demo_mode: boolean, 
/**
 * Data directory in use.
 */
data_dir: string, 
/**
 * UI language from settings.
 */
locale: "zh-CN" | "en-US", 
/**
 * One zh-CN line per configured device ("打印机：就绪").
 */
device_lines: Array<string>, 
/**
 * False on a fresh data directory: the window offers 演示模式 or
 * 正式接入 first ([`Settings::configured`]).
 */
configured: boolean, 
/**
 * Minutes of inactivity before the window locks.
 */
idle_lock_minutes: number, };

export type CenterLink = "not_connected" | "online" | "offline";

export type DevicesState = "not_configured" | "ready" | "degraded";

export type OperatorInfo = { 
/**
 * Login (工号).
 */
login: string, 
/**
 * Display name.
 */
name: string, 
/**
 * Role code: cashier, pharmacist, manager.
 */
role: "cashier" | "pharmacist" | "manager", 
/**
 * zh-CN label of the role.
 */
role_label: string, };
