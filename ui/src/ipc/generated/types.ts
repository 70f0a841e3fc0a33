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

export type TillLineView = { 
/**
 * Method code.
 */
method: "cash" | "wechat" | "alipay" | "terminal", 
/**
 * zh-CN name.
 */
method_zh: string, 
/**
 * en-US name.
 */
method_en: string, 
/**
 * Received.
 */
sales: string, 
/**
 * Payments.
 */
sales_count: number, 
/**
 * Given back.
 */
refunds: string, 
/**
 * The float (cash).
 */
float: string, 
/**
 * What the drawer / channel should hold.
 */
expected: string, 
/**
 * Counted (once closed).
 */
counted: string | null, 
/**
 * counted − expected (once closed).
 */
difference: string | null, };

export type TillView = { 
/**
 * Shift number.
 */
id: number, 
/**
 * Opened by (display name).
 */
opened_by: string, 
/**
 * Opened at (CST wire time).
 */
opened_at: string, 
/**
 * 备用金.
 */
float: string, 
/**
 * Closed by.
 */
closed_by: string | null, 
/**
 * Closed at.
 */
closed_at: string | null, 
/**
 * Sales in the shift.
 */
sales_count: number, 
/**
 * Their total.
 */
sales_total: string, 
/**
 * Refunds in the shift.
 */
refunds_count: number, 
/**
 * Per method.
 */
lines: Array<TillLineView>, 
/**
 * Counted cash − expected cash (once closed).
 */
cash_difference: string | null, 
/**
 * The difference in words (once closed).
 */
difference_zh: string | null, 
/**
 * The closing note.
 */
note: string, };

export type PrintedSlip = { 
/**
 * Plain-text rendering.
 */
text: string, 
/**
 * `已打印`, or where the job was saved, or why not.
 */
printed_zh: string, };

export type TillClosed = { 
/**
 * The shift as closed.
 */
till: TillView, 
/**
 * The 交班单.
 */
slip: PrintedSlip, };

export type ShiftEnded = { 
/**
 * A duty was open and is now ended.
 */
ended: boolean, 
/**
 * What happened, in zh-CN.
 */
messageZh: string, };

export type ChainIssueView = { 
/**
 * The record's id (UUID).
 */
recordId: string, 
/**
 * Its table (`sale`, `sale_line`, `sale_box`, …).
 */
table: string, 
/**
 * Head office's stable code (`trace_code_sold_twice`, …).
 */
code: string, 
/**
 * Head office's sentence, for the manager.
 */
message: string, };

export type ChainErrorIpc = { 
/**
 * Stable code (`hq_unreachable`, `batch_refused`, `bad_token`, …).
 */
code: string, 
/**
 * zh-CN sentence with what to do.
 */
messageZh: string, 
/**
 * en-US sentence.
 */
messageEn: string, };

export type ChainStatusView = { 
/**
 * Registered with head office.
 */
registered: boolean, 
/**
 * Head office's URL.
 */
hqUrl: string | null, 
/**
 * The store's code.
 */
storeCode: string | null, 
/**
 * This counter's number.
 */
counterNo: number | null, 
/**
 * Last successful round (Unix ms).
 */
lastSyncAt: number | null, 
/**
 * Changelog rows not yet accepted by head office.
 */
backlog: number, 
/**
 * A round is running now.
 */
syncing: boolean, 
/**
 * The last round's error, if it failed.
 */
error: ChainErrorIpc | null, 
/**
 * Records head office blocked.
 */
issues: Array<ChainIssueView>, };
