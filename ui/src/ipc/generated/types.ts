// Generated from the Rust types by ts-rs in `cargo test -p rxdesk-desktop ipc_contract`
// (the test rewrites this file when it is out of date, then fails). Do not edit.

import type { AuthorisedRx, PrescriptionView } from "../api";
import type { VisitStateName } from "./visit-states";

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

export type ChainManagerSession = { 
/**
 * The manager's name.
 */
manager: string, 
/**
 * Head office's URL.
 */
hqUrl: string, 
/**
 * When the session ends (Unix ms).
 */
expiresAt: number, };

export type ChainCounterRow = { 
/**
 * Terminal number.
 */
counterNo: number, 
/**
 * Last accepted upload to head office (Unix ms).
 */
lastPushAt: number | null, 
/**
 * Records waiting for it at head office.
 */
backlog: number, 
/**
 * Its unresolved failures.
 */
openIssues: number, 
/**
 * Head office's code of its last refused upload ("" when none).
 */
lastError: string, };

export type ChainStoreRow = { 
/**
 * 定点医药机构编码.
 */
storeCode: string, 
/**
 * Its name.
 */
name: string, 
/**
 * Its counters.
 */
counters: Array<ChainCounterRow>, };

export type ChainUploadRow = { 
/**
 * Store.
 */
storeCode: string, 
/**
 * 交易编号 (2101, 3501, …).
 */
op: string, 
/**
 * pending, sending, uncertain, done, rejected, voided.
 */
state: string, 
/**
 * How many.
 */
count: number, };

export type ChainFailureRow = { 
/**
 * Its id at head office (to resolve it).
 */
id: number, 
/**
 * Store.
 */
storeCode: string, 
/**
 * The record's table.
 */
table: string, 
/**
 * Head office's stable code (`trace_code_sold_twice`, …).
 */
code: string, 
/**
 * Head office's words (English, for support).
 */
message: string, 
/**
 * When (Unix ms).
 */
at: number, 
/**
 * Resolved by a manager.
 */
resolved: boolean, };

export type ChainInsutypeRow = { 
/**
 * 险种类型 code (e.g. `310`), empty when the counter did not know it.
 */
insutype: string, 
/**
 * Settlements that stand.
 */
settlements: number, 
/**
 * 医疗费总额 (decimal string).
 */
medfeeSumamt: string, 
/**
 * 基金支付总额.
 */
fundPaySumamt: string, };

export type ChainDayRow = { 
/**
 * Store.
 */
storeCode: string, 
/**
 * yyyy-MM-dd (China Standard Time).
 */
day: string, 
/**
 * Settlements counted.
 */
settlements: number, 
/**
 * Counters that settled.
 */
counters: number, 
/**
 * 医疗费总额 (decimal string).
 */
medfeeSumamt: string, 
/**
 * 基金支付总额.
 */
fundPaySumamt: string, 
/**
 * 个人账户支出.
 */
acctPay: string, 
/**
 * 个人现金支出.
 */
psnCashPay: string, 
/**
 * The store's reconciliation outcome that day (`balanced`, …), if any.
 */
outcome: string | null, 
/**
 * The same day per 险种 (the center's 3201 is per 险种).
 */
byInsutype: Array<ChainInsutypeRow>, };

export type ChainRegulatorRow = { 
/**
 * Store; empty for the whole chain.
 */
storeCode: string, 
/**
 * Sales.
 */
sales: number, 
/**
 * Their total (decimal string).
 */
salesAmount: string, 
/**
 * 医保 fund paid, net of refunds.
 */
fundPaid: string, 
/**
 * Refunds.
 */
refunds: number, 
/**
 * Sale lines.
 */
lines: number, 
/**
 * Lines with a trace code.
 */
linesWithCodes: number, 
/**
 * Trace-code coverage, percent with two decimals.
 */
traceCoveragePct: string, };

export type ChainStorePriceRow = { 
/**
 * Store.
 */
storeCode: string, 
/**
 * Distinct unit prices sold at (decimal strings), ascending.
 */
prices: Array<string>, 
/**
 * Some price differs from the chain's.
 */
differs: boolean, };

export type ChainPriceRow = { 
/**
 * 定点医药机构目录编号.
 */
fixmedinsHilistId: string, 
/**
 * Name ("" when not in the published catalogue).
 */
name: string, 
/**
 * The chain's published price, if any.
 */
chainPrice: string | null, 
/**
 * Per store.
 */
stores: Array<ChainStorePriceRow>, };

export type ChainViews = { 
/**
 * Stores and their counters.
 */
stores: Array<ChainStoreRow>, 
/**
 * Uploads to the 医保 center.
 */
uploads: Array<ChainUploadRow>, 
/**
 * Refused or blocked records.
 */
failures: Array<ChainFailureRow>, 
/**
 * Per store and day.
 */
reconciliation: Array<ChainDayRow>, 
/**
 * Per store, then the chain's (last, `storeCode` "").
 */
regulator: Array<ChainRegulatorRow>, 
/**
 * The price monitor.
 */
prices: Array<ChainPriceRow>, 
/**
 * When read (Unix ms).
 */
fetchedAt: number, };

export type SettlementKind = "pharmacy_purchase" | "outpatient_pooling" | "chronic_special" | "dual_channel";

export type PatientView = { 
/**
 * Name.
 */
name: string, 
/**
 * First 6 + last 4 of the ID number.
 */
certnoMasked: string, 
/**
 * 人员编号.
 */
psnNo: string, 
/**
 * 险种 label.
 */
insutypeLabel: string, 
/**
 * Personal account balance.
 */
balance: string, 
/**
 * 代购 agent.
 */
agentName: string | null, 
/**
 * 代购: relationship to the patient (zh-CN).
 */
agentRelationshipZh: string | null, 
/**
 * 代购: the agent's ID number, masked.
 */
agentCertnoMasked: string | null, 
/**
 * How the patient was identified (社保卡 …, 刷脸, 医保电子凭证).
 */
identifiedViaZh: string, };

export type GuidanceView = { 
/**
 * Why the guidance is shown (`not_activated`, `password_failed`,
 * `password_not_set`): the window's en-US text is keyed by it.
 */
reason: "not_activated" | "password_failed" | "password_not_set", 
/**
 * Heading.
 */
titleZh: string, 
/**
 * Steps.
 */
stepsZh: Array<string>, 
/**
 * For the receipt printer.
 */
text: string, };

export type FindingView = { 
/**
 * Rule code.
 */
code: string, 
/**
 * Rule title.
 */
titleZh: string, 
/**
 * The sentence.
 */
messageZh: string, 
/**
 * Stops the sale.
 */
blocks: boolean, 
/**
 * Drug line (0-based).
 */
line: number | null, };

export type LayoutDifferenceView = { 
/**
 * Field code.
 */
field: string, 
/**
 * Field label.
 */
fieldZh: string, 
/**
 * Structured value.
 */
structured: string, 
/**
 * Layout value.
 */
layout: string, };

export type RulesView = { 
/**
 * Anything blocks.
 */
blocks: boolean, 
/**
 * Findings.
 */
findings: Array<FindingView>, 
/**
 * Side by side.
 */
layoutDifferences: Array<LayoutDifferenceView>, 
/**
 * 自费 lines.
 */
selfPayLines: Array<number>, };

export type AuditView = { 
/**
 * Pharmacist.
 */
pharmacistName: string, 
/**
 * "1" | "2" | "3".
 */
result: "1" | "2" | "3", 
/**
 * Label.
 */
resultZh: string, 
/**
 * Opinion.
 */
opinion: string, 
/**
 * Reviewer.
 */
reviewerName: string | null, 
/**
 * When (CST wire).
 */
at: string, 
/**
 * The 7204 outbox row.
 */
uploadId: number | null, };

export type BoxView = { 
/**
 * Trace code.
 */
traceCode: string | null, 
/**
 * Batch (fixmedins_bchno).
 */
batch: string, 
/**
 * 生产批号.
 */
lotnum: string, 
/**
 * Expiry.
 */
expyEnd: string, 
/**
 * Packs.
 */
quantity: string, 
/**
 * 拆零.
 */
split: boolean, };

export type DispenseLineView = { 
/**
 * Line (0-based).
 */
line: number, 
/**
 * 医保 code.
 */
medListCodg: string, 
/**
 * Name.
 */
name: string, 
/**
 * Spec.
 */
spec: string, 
/**
 * Unit.
 */
unit: string, 
/**
 * Prescribed.
 */
prescribed: string, 
/**
 * Dispensed so far.
 */
dispensed: string, 
/**
 * Filled.
 */
done: boolean, 
/**
 * 自费.
 */
selfPay: boolean, 
/**
 * Boxes.
 */
boxes: Array<BoxView>, 
/**
 * The line's trace-code collection state (应采 / 已采 / 申诉 / 无需采集).
 */
collection: TraceCollection, 
/**
 * Its words: 应采, 已采, 申诉 or 无需采集.
 */
collectionZh: string, };

export type TraceCollection = { "state": "due" } | { "state": "collected" } | { "state": "appeal", 
/**
 * The reasons given, `；`-joined.
 */
reason: string, } | { "state": "notRequired", 
/**
 * Why.
 */
reason: string, };

export type SplitView = { 
/**
 * The kind of settlement (`outpatient_pooling`, `chronic_special`,
 * `dual_channel`, `pharmacy_purchase`), when known.
 */
kind: SettlementKind | null, 
/**
 * Its zh-CN name (门诊统筹, 门诊慢特病 …).
 */
kindZh: string | null, 
/**
 * 病种 of a 门慢特 / 双通道 settlement (code and name).
 */
disease: string | null, 
/**
 * Total.
 */
total: string, 
/**
 * Fund.
 */
fundPay: string, 
/**
 * Personal account.
 */
accountPay: string, 
/**
 * Cash.
 */
cashPay: string, 
/**
 * Plain words.
 */
explanationZh: Array<string>, 
/**
 * Once settled.
 */
setlId: string | null, };

export type PaymentView = { 
/**
 * "cash" | "scan" | "none".
 */
method: "cash" | "scan" | "terminal" | "none", 
/**
 * Due.
 */
due: string, 
/**
 * Tendered (cash).
 */
tendered: string | null, 
/**
 * Change (cash).
 */
change: string | null, 
/**
 * Paid.
 */
paid: boolean, };

export type SaleView = { 
/**
 * Sale row id.
 */
saleId: number, 
/**
 * 零售单据号.
 */
rtalDocno: string, 
/**
 * Total.
 */
total: string, 
/**
 * Receipt preview.
 */
receiptText: string, 
/**
 * Guidance PDF (kept for support and the CLI; the window shows
 * `guidance_text`, never a path).
 */
guidancePdfPath: string | null, 
/**
 * The medication guidance slip as printed (plain text).
 */
guidanceText: string, 
/**
 * Printer outcome.
 */
printedZh: string, 
/**
 * Outbox rows.
 */
uploadIds: number[], };

export type ListedDrug = { 
/**
 * 药品通用名
 */
genname: string, 
/**
 * 药品商品名 (empty when not sent)
 */
prodname: string, 
/**
 * 药品规格
 */
spec: string, 
/**
 * 药品数量 (exact decimal text)
 */
count: string, 
/**
 * 药品数量单位
 */
unit: string, };

export type ListedDrugs = { 
/**
 * The listed prescription.
 */
authRxno: string, 
/**
 * Its drug lines; empty when `missing`.
 */
drugs: Array<ListedDrug>, 
/**
 * Why there are none to show: `refused` (the center refused the
 * download; opening it says why) or `unreachable` (opening it tries
 * again). `None` when the drugs are shown.
 */
missing: "refused" | "unreachable" | null, };

export type VisitView = { 
/**
 * Correlation id.
 */
visitId: string, 
/**
 * State name (snake_case).
 */
state: VisitStateName, 
/**
 * State label.
 */
stateZh: string, 
/**
 * Patient.
 */
patient: PatientView | null, 
/**
 * Guidance.
 */
guidance: GuidanceView | null, 
/**
 * 7202 list.
 */
listed: AuthorisedRx[], 
/**
 * The drugs of each listed prescription, in the list's order.
 */
listedDrugs: Array<ListedDrugs>, 
/**
 * The opened prescription.
 */
prescription: PrescriptionView | null, 
/**
 * Rules.
 */
rules: RulesView | null, 
/**
 * Audit.
 */
audit: AuditView | null, 
/**
 * Dispensing.
 */
dispensing: Array<DispenseLineView>, 
/**
 * Split.
 */
split: SplitView | null, 
/**
 * Payment.
 */
payment: PaymentView | null, 
/**
 * Sale.
 */
sale: SaleView | null, 
/**
 * Why closed.
 */
closedReasonZh: string | null, 
/**
 * Why closed, as a code the window words in its locale (`cancelled`,
 * `signature_invalid`, `rules_blocked`, `audit_not_approved`).
 */
closedReason: "cancelled" | "signature_invalid" | "rules_blocked" | "audit_not_approved" | null, 
/**
 * What to do now.
 */
nextStepZh: string, 
/**
 * What to do now, as a code the window words in its locale
 * ([`next_step_code`]); `notice` when `next_step_zh` is a one-off notice.
 */
nextStep: string, 
/**
 * Restored at start-up: settled at the center before the program
 * stopped, not completed (finish it, or a manager reverses it).
 */
recovered: boolean, 
/**
 * For a restored visit: the drugs settled (names from the catalogue,
 * quantities and amounts from the 2102 that was sent), so the
 * pharmacist knows which bag is this patient's. Empty otherwise.
 */
recoveredLines: Array<RecoveredLineView>, 
/**
 * The visits parked (挂单) at this counter, oldest first.
 */
parked: Array<ParkedView>, };

export type ParkedView = { 
/**
 * Its visit id (what 取单 takes).
 */
visitId: string, 
/**
 * The patient.
 */
patientName: string, 
/**
 * State name (snake_case) and label.
 */
state: VisitStateName, 
/**
 * State label.
 */
stateZh: string, 
/**
 * Its settlement's outcome is unknown: it must be resumed and resolved
 * (处理未知结算); its patient cannot be served meanwhile.
 */
uncertain: boolean, 
/**
 * When it was parked (CST `HH:MM`).
 */
parkedAt: string, 
/**
 * The prescription's drugs (generic names), if one was opened.
 */
drugs: Array<string>, };

export type RecoveredLineView = { 
/**
 * Product name (the 医保 code when the catalogue no longer has it).
 */
name: string, 
/**
 * Specification.
 */
spec: string, 
/**
 * Quantity settled.
 */
quantity: string, 
/**
 * Unit (盒…).
 */
unit: string, 
/**
 * Amount settled for the line (yuan, 2 decimals).
 */
amount: string, };

export type ScanOutcome = { 
/**
 * Accepted.
 */
ok: boolean, 
/**
 * Outcome code.
 */
code: string, 
/**
 * The sentence.
 */
messageZh: string, 
/**
 * The visit after the scan.
 */
visit: VisitView, };

export type ShiftView = { 
/**
 * Name.
 */
pharmacistName: string, 
/**
 * Masked ID.
 */
certnoMasked: string, 
/**
 * CST wire.
 */
startedAt: string, };

export type SaleSummary = { 
/**
 * Sale row id.
 */
saleId: number, 
/**
 * 零售单据号.
 */
rtalDocno: string, 
/**
 * CST wire.
 */
soldAt: string, 
/**
 * 医保处方编号.
 */
hiRxno: string | null, 
/**
 * Patient.
 */
patientName: string, 
/**
 * Total.
 */
total: string, 
/**
 * completed | refunded.
 */
state: "completed" | "refunded", 
/**
 * 结算ID.
 */
setlId: string | null, 
/**
 * 代购: the agent, relationship and masked ID number.
 */
agentZh: string | null, };

export type RefundMoneyView = { 
/**
 * `cash`, `wechat` or `alipay`.
 */
method: "cash" | "wechat" | "alipay", 
/**
 * zh-CN name.
 */
methodZh: string, 
/**
 * Amount.
 */
amount: string, 
/**
 * The channel's transaction number (empty for cash).
 */
reference: string, };

export type RefundView = { 
/**
 * The refunded sale.
 */
saleId: number, 
/**
 * Outbox rows (3506…, 7208).
 */
uploadIds: number[], 
/**
 * Refund receipt preview.
 */
receiptText: string, 
/**
 * Printer outcome.
 */
printedZh: string, 
/**
 * The self-paid part given back, by method.
 */
returned: Array<RefundMoneyView>, };

export type OtcPayer = "self_pay" | "personal_account";

export type OtcStage = "cart" | "checkout" | "settled" | "uncertain" | "receipted" | "cancelled";

export type OtcProduct = { 
/**
 * The pharmacy's product id.
 */
fixmedinsHilistId: string, 
/**
 * Name.
 */
name: string, 
/**
 * Specification.
 */
spec: string, 
/**
 * Manufacturer.
 */
manufacturer: string, 
/**
 * Price per pack.
 */
price: string, 
/**
 * Pack unit.
 */
unit: string, 
/**
 * Smallest unit (拆零).
 */
minUnit: string, 
/**
 * Smallest units per pack.
 */
packSize: string, 
/**
 * Barcode.
 */
barcode: string, 
/**
 * 处方药: cannot be sold here.
 */
prescriptionOnly: boolean, 
/**
 * Can be sold split (拆零).
 */
splittable: boolean, 
/**
 * Boxes carry trace codes.
 */
traced: boolean, 
/**
 * In stock (packs).
 */
onHand: string, };

export type OtcLine = { 
/**
 * Index in the cart.
 */
index: number, 
/**
 * The pharmacy's product id.
 */
fixmedinsHilistId: string, 
/**
 * Name.
 */
name: string, 
/**
 * Specification.
 */
spec: string, 
/**
 * Quantity in `unit`.
 */
quantity: string, 
/**
 * Pack unit, or the smallest unit for 拆零.
 */
unit: string, 
/**
 * 拆零.
 */
split: boolean, 
/**
 * Price per `unit`.
 */
price: string, 
/**
 * Line amount.
 */
amount: string, 
/**
 * Filled so far, in `unit`.
 */
filled: string, 
/**
 * Every unit is filled (boxes scanned).
 */
complete: boolean, 
/**
 * Boxes of this product carry trace codes (scan each box).
 */
traced: boolean, };

export type OtcBox = { 
/**
 * Name.
 */
name: string, 
/**
 * Trace code (none for 无码库 stock).
 */
traceCode: string | null, 
/**
 * Lot.
 */
lot: string, 
/**
 * Expiry.
 */
expiry: string, 
/**
 * Packs (a fraction for 拆零).
 */
packs: string, 
/**
 * 拆零.
 */
split: boolean, };

export type OtcPatient = { 
/**
 * Name.
 */
name: string, 
/**
 * First 6 + last 4 of the ID number.
 */
certnoMasked: string, 
/**
 * 险种.
 */
insutypeLabel: string, 
/**
 * Personal-account balance.
 */
balance: string, 
/**
 * How identified.
 */
identifiedViaZh: string, };

export type OtcView = { 
/**
 * Correlation id (also the journal's visit id of its 2102).
 */
saleRef: string, 
/**
 * Stage.
 */
stage: OtcStage, 
/**
 * Stage label.
 */
stageZh: string, 
/**
 * Who pays.
 */
payer: OtcPayer, 
/**
 * Cart lines.
 */
lines: Array<OtcLine>, 
/**
 * Boxes and portions filled.
 */
boxes: Array<OtcBox>, 
/**
 * Cart total at catalogue prices.
 */
total: string, 
/**
 * Every line filled (无码不结).
 */
complete: boolean, 
/**
 * The customer, for the personal account.
 */
patient: OtcPatient | null, 
/**
 * The split once known.
 */
split: SplitView | null, 
/**
 * The customer's part.
 */
payment: PaymentView | null, 
/**
 * The recorded sale.
 */
sale: SaleView | null, 
/**
 * A notice (refusal by the center, reversal done …).
 */
noticeZh: string | null, 
/**
 * What to do next.
 */
nextStepZh: string, };

export type OtcScanOutcome = { 
/**
 * Accepted.
 */
ok: boolean, 
/**
 * Outcome code (`barcode_ok`, `box_ok`, a scan refusal's code or an
 * `OTC_*` code).
 */
code: string, 
/**
 * The sentence.
 */
messageZh: string, 
/**
 * The sale after the scan.
 */
sale: OtcView, };
