// Generated from the Rust types by ts-rs in `cargo test -p rxdesk-desktop ipc_contract`
// (the test rewrites this file when it is out of date, then fails). Do not edit.

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
centerLabel: string, 
/**
 * Device state.
 */
devices: DevicesState, 
/**
 * Label for `devices`.
 */
devicesLabel: string, 
/**
 * Store name from settings.
 */
storeName: string, 
/**
 * Whether demo mode is on.
 */
demoMode: boolean, 
/**
 * Data directory in use.
 */
dataDir: string, 
/**
 * UI language from settings.
 */
locale: "zh-CN" | "en-US", 
/**
 * One zh-CN line per configured device ("打印机：就绪").
 */
deviceLines: Array<string>, 
/**
 * The same devices by code, as the window words them.
 */
deviceStates: Array<DeviceLine>, 
/**
 * False on a fresh data directory: the window offers 演示模式 or
 * 正式接入 first ([`Settings::configured`]).
 */
configured: boolean, 
/**
 * Minutes of inactivity before the window locks.
 */
idleLockMinutes: number, };

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
roleLabel: string, };

export type TillLineView = { 
/**
 * Method code.
 */
method: "cash" | "wechat" | "alipay" | "terminal", 
/**
 * zh-CN name.
 */
methodZh: string, 
/**
 * en-US name.
 */
methodEn: string, 
/**
 * Received.
 */
sales: string, 
/**
 * Payments.
 */
salesCount: number, 
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
openedBy: string, 
/**
 * Opened at (CST wire time).
 */
openedAt: string, 
/**
 * 备用金.
 */
float: string, 
/**
 * Closed by.
 */
closedBy: string | null, 
/**
 * Closed at.
 */
closedAt: string | null, 
/**
 * Sales in the shift.
 */
salesCount: number, 
/**
 * Their total.
 */
salesTotal: string, 
/**
 * Refunds in the shift.
 */
refundsCount: number, 
/**
 * Per method.
 */
lines: Array<TillLineView>, 
/**
 * Counted cash − expected cash (once closed).
 */
cashDifference: string | null, 
/**
 * The difference in words (once closed).
 */
differenceZh: string | null, 
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
printedZh: string, };

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
 * Head office's English sentence (for 详情 and support), trace codes
 * masked; the window words the refusal from `code` and `params`.
 */
message: string, 
/**
 * The refusal's particulars (`rxdesk_sync::IntegrationIssue::params`):
 * for `trace_code_sold_twice`, `trace_code` (masked as every ID the
 * window sees: `813***************21`), `store_code` and `counter_no`
 * of the sale that already holds the box. Empty when head office sent
 * none.
 */
params: Record<string, string>, };

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
 * Head office's words (English, for support), trace codes masked.
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
 * 险种 label (zh-CN).
 */
insutypeLabel: string, 
/**
 * 险种 code (`310`, `390` …): what a window in another language words.
 */
insutype: string, 
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
identifiedViaZh: string, 
/**
 * Its code (`e_voucher`, `social_security_card`, `id_card`, `face`,
 * `epc_qr`): what a window in another language words.
 */
identifiedVia: string, 
/**
 * 代购: the relationship's code (`spouse`, `parent` …).
 */
agentRelationship: string | null, };

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
 * Tries left before the lock when the terminal says (a wrong
 * password): `title_zh` says it, the window's en-US heading fills it.
 */
tries: number | null, 
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
line: number | null, 
/**
 * The values of `message_zh` by name (`rxdesk_core::rules::Finding`),
 * which a window in another language fills into its own sentence for
 * `code`.
 */
params: { [key in string]: string }, };

export type LayoutDifferenceView = { 
/**
 * Field code.
 */
field: string, 
/**
 * Drug line (0-based) for a drug's field, so the window marks that
 * line's cell; none for the prescription's own fields.
 */
line: number | null, 
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
 * 代购: the agent, relationship and masked ID number, zh-CN (the CLI;
 * the window words the three fields below).
 */
agentZh: string | null, 
/**
 * 代购: the agent's name.
 */
agentName: string | null, 
/**
 * 代购: the relationship's code (`spouse`, `parent` …).
 */
agentRelationship: string | null, 
/**
 * 代购: the agent's ID number, masked.
 */
agentCertnoMasked: string | null, };

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

export type LayoutPage = { 
/**
 * The page as a PNG, Base64.
 */
pngBase64: string, 
/**
 * Its width in device pixels.
 */
width: number, 
/**
 * Its height in device pixels.
 */
height: number, };

export type LayoutPages = { 
/**
 * The pages drawn, in order (at most [`MAX_PAGES`]).
 */
pages: Array<LayoutPage>, 
/**
 * How many pages the file has (more than `pages` when it was cut).
 */
pageCount: number, };

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
 * 险种 (zh-CN).
 */
insutypeLabel: string, 
/**
 * 险种 code (`310`, `390` …): what a window in another language words.
 */
insutype: string, 
/**
 * Personal-account balance.
 */
balance: string, 
/**
 * How identified.
 */
identifiedViaZh: string, 
/**
 * Its code (`e_voucher`, `social_security_card`, `id_card`, `face`).
 */
identifiedVia: string, };

export type OtcNotice = { 
/**
 * The notice's code.
 */
code: string, 
/**
 * Its values by name (an amount, the center's code, a count).
 */
params: { [key in string]: string }, };

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
 * The notice's code and values, which a window in another language
 * words (`quantity_trimmed`, `amount_differs`, `center_refused`,
 * `not_sent`, `resolved`).
 */
notice: OtcNotice | null, 
/**
 * What to do next.
 */
nextStepZh: string, 
/**
 * Its code: `scan_product`, `scan_boxes`, `choose_payer`, `confirm`,
 * `take_payment`, `resolve`, `done`, `cancelled`.
 */
nextStep: string, };

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
 * The English sentence of a refusal that is a step error (an `OTC_*`
 * or ledger code, worded by the service in both languages); `None` for
 * the scan codes the window words itself.
 */
messageEn: string | null, 
/**
 * The sale after the scan.
 */
sale: OtcView, };

export type AuthorisedRx = { 
/**
 * 医保处方授权编号 (single use)
 */
auth_rxno: string, 
/**
 * 主诊断名称
 */
diag_name: string, 
/**
 * 定点医疗机构编号
 */
fixmedins_code: string, 
/**
 * 定点医疗机构名称
 */
fixmedins_name: string, 
/**
 * 开方时间
 */
prsc_time: string, 
/**
 * 科室名称
 */
dept_name: string, 
/**
 * 有效截止时间
 */
valid_end_time: string, };

export type DownloadedDrugLine = { 
/**
 * 医疗目录编码 (national drug code)
 */
medListCodg: string, 
/**
 * 药品通用名
 */
drugGenname: string, 
/**
 * 药品商品名
 */
drugProdname: string, 
/**
 * 药品剂型
 */
drugDosform: string, 
/**
 * 药品规格
 */
drugSpec: string, 
/**
 * 药品数量
 */
drugCnt: string, 
/**
 * 药品数量单位 (e.g. 盒)
 */
drugCntUnit: string, 
/**
 * 药品单价 (reference price), if sent
 */
drugPric?: string, 
/**
 * 单次用量
 */
sinDoscnt: string, 
/**
 * 单次剂量单位
 */
sinDosunt: string, 
/**
 * 使用频次名称
 */
usedFrquName: string, 
/**
 * 用药途径描述
 */
medcWayDscr: string, 
/**
 * 用药天数
 */
medcDays: string, 
/**
 * 院内制剂标志 (`1` = hospital-made preparation), empty when not sent
 */
hospPrepFlag: string, 
/**
 * The line's remark as the doctor wrote it (7203 `tcmherb_foote`
 * 草药脚注, e.g. 先煎 / 后下 / 饭后): printed in the medication
 * guidance. Not a signed field; empty when not sent.
 */
tcmherbFoote?: string, };

export type DownloadedPrescription = { 
/**
 * 1 处方追溯码
 */
rxTraceCode: string, 
/**
 * 2 医保处方编号
 */
hiRxno: string, 
/**
 * 3 医保就诊ID
 */
mdtrtId: string, 
/**
 * 4 患者姓名
 */
patnName: string, 
/**
 * 5 人员证件类型
 */
psnCertType: string, 
/**
 * 6 证件号码
 */
certno: string, 
/**
 * 7 定点医疗机构名称
 */
fixmedinsName: string, 
/**
 * 8 定点医疗机构编号
 */
fixmedinsCode: string, 
/**
 * 9 开方医保医师代码
 */
drCode: string, 
/**
 * 10 开方医师姓名
 */
prscDrName: string, 
/**
 * 11 审方药师科室名称
 */
pharDeptName: string, 
/**
 * 12 审方药师科室编号
 */
pharDeptCode: string, 
/**
 * 13 审方药师职称编码
 */
pharProfttlCodg: string, 
/**
 * 14 审方药师职称名称
 */
pharProfttlName: string, 
/**
 * 15 审方医保药师代码
 */
pharCode: string, 
/**
 * 16 审方药师证件类型
 */
pharCertType: string, 
/**
 * 17 审方药师证件号码
 */
pharCertno: string, 
/**
 * 18 审方药师姓名
 */
pharName: string, 
/**
 * 19 审方药师执业资格证号
 */
pharPracCertNo: string, 
/**
 * 20 医疗机构药师审方时间
 */
pharChkTime: string, 
/**
 * 开方时间 (`yyyy-MM-dd HH:mm:ss`, CST)
 */
prscTime: string, 
/**
 * 有效截止时间 (`yyyy-MM-dd HH:mm:ss`, CST)
 */
validEndTime: string, 
/**
 * 处方状态 at download time
 */
rxStasCodg: string, 
/**
 * 主诊断名称, if sent
 */
diagName?: string | null, 
/**
 * Drug lines (`rxdrugdetail`).
 */
rxDrugDetail: Array<DownloadedDrugLine>, 
/**
 * 复用（多次）使用标志 `0`/`1` (empty = not sent = single use)
 */
reptFlag: string, 
/**
 * 最大复用次数
 */
maxReptCnt?: number | null, 
/**
 * 已复用次数
 */
reptdCnt?: number | null, 
/**
 * 使用最小间隔（天数）
 */
minInrvDays?: number | null, 
/**
 * 长期处方标志 `0`/`1` (empty = not sent)
 */
longRxFlag: string, 
/**
 * 医疗类别 of the visit that issued it (7203 `mdtrtinfo.med_type`: 11
 * 普通门诊, 14 门诊慢特病 …); empty when not sent. Not a signed field:
 * it decides how the pharmacy settles (`rxdesk_core::settle_kind`).
 */
medType?: string, 
/**
 * 病种编码 (7203 `mdtrtinfo.dise_codg`: the 门慢特 / 特药 disease), empty
 * when not sent. Not a signed field.
 */
diseCodg?: string, 
/**
 * 病种名称 (7203 `mdtrtinfo.dise_name`), empty when not sent.
 */
diseName?: string, 
/**
 * 开方科室名称 (7203 `mdtrtinfo.prsc_dept_name`): the prescribing
 * doctor's department, printed as 开方科室. Not a signed field (the
 * signed `phar_dept_name` is the hospital pharmacist's department, e.g.
 * 药剂科); empty when not sent.
 */
prscDeptName?: string, 
/**
 * 处方整剂医嘱说明 (7203 `rx_drord_dscr`): the doctor's instructions
 * for the whole prescription, printed in the medication guidance. Not a
 * signed field; empty when not sent.
 */
rxDrordDscr?: string, 
/**
 * Base64 of the PDF signed by the institution (`/ByteRange` + detached CMS).
 */
rxFile: string, 
/**
 * Base64 DER of the detached CMS SignedData over `originalValue`.
 */
signDigest: string, 
/**
 * Signing certificate serial, upper-case hex without separators.
 */
signCertSn: string, 
/**
 * Signing certificate subject DN (RFC 4514 string as RxDesk prints it).
 */
signCertDn: string, };

export type SignerSummary = { 
/**
 * Subject DN (RFC 4514).
 */
subject: string, 
/**
 * Issuer DN (RFC 4514).
 */
issuer: string, 
/**
 * Serial, upper-case hex.
 */
serial: string, 
/**
 * notBefore.
 */
not_before: string, 
/**
 * notAfter.
 */
not_after: string, 
/**
 * Institution code in the certificate.
 */
institution: string | null, 
/**
 * Signing time (CMS signingTime), if present.
 */
signed_at: string | null, };

export type VerifyWarning = { "warning": "stale_crl", 
/**
 * nextUpdate of the CRL used.
 */
next_update: string | null, 
/**
 * After this instant the same CRL blocks with `crl_stale`.
 */
grace_until: string, 
/**
 * The CRL issuer (RFC 4514).
 */
issuer: string, } | { "warning": "no_crl", 
/**
 * Why.
 */
detail: string, };

export type Verdict = { "verdict": "verified", 
/**
 * Who signed.
 */
signer: SignerSummary, 
/**
 * Non-blocking warnings.
 */
warnings: Array<VerifyWarning>, } | { "verdict": "rejected", 
/**
 * The first failing check.
 */
reason: { code: string } & Record<string, unknown>, 
/**
 * The signer, when it could be identified.
 */
signer: SignerSummary | null, };

export type WarningView = { 
/**
 * Stable code (`stale_crl`, `no_crl`).
 */
code: string, 
/**
 * What the pharmacist reads (zh-CN).
 */
messageZh: string, };

export type PrescriptionView = { 
/**
 * Ledger row id.
 */
rxId: number, 
/**
 * The authorisation number used to download.
 */
authRxno: string, 
/**
 * The prescription as downloaded (structured fields, `rx_file` Base64 PDF).
 */
prescription: DownloadedPrescription, 
/**
 * Patient ID number, masked for display.
 */
certnoMasked: string, 
/**
 * The local verdict.
 */
verdict: Verdict, 
/**
 * The verdict's reason in zh-CN (empty when verified).
 */
reasonZh: string, 
/**
 * The verdict's non-blocking warnings (shown amber), in order.
 */
warnings: Array<WarningView>, 
/**
 * What the pharmacist should do next.
 */
nextStepZh: string, };

export type TrustCert = { 
/**
 * `root` or `intermediate`.
 */
kind: string, 
/**
 * Subject DN.
 */
subject: string, 
/**
 * Serial (hex).
 */
serial: string, 
/**
 * notAfter, CST wire time.
 */
notAfter: string, 
/**
 * Expired at the time the view was made.
 */
expired: boolean, };

export type OperatorListing = { 
/**
 * Login (工号).
 */
login: string, 
/**
 * Display name.
 */
displayName: string, 
/**
 * Role code.
 */
role: string, 
/**
 * Whether the account may sign in.
 */
active: boolean, 
/**
 * Locked after failed sign-ins until this CST time, if locked now.
 */
lockedUntil: string | null, 
/**
 * `psn_cert_type` registered ("" when none).
 */
certType: string, 
/**
 * The registered ID number, masked ("" when none).
 */
certnoMasked: string, 
/**
 * 执业资格证号 ("" when none).
 */
pracCertNo: string, 
/**
 * 医保药师代码 ("" when none).
 */
pharCode: string, 
/**
 * When the pharmacist last confirmed her own e-voucher (CST), if ever.
 */
ecBoundAt: string | null, };

export type SettingsView = { 
/**
 * Center base URL.
 */
centerUrl: string | null, 
/**
 * Store name.
 */
storeName: string, 
/**
 * 定点医药机构编号 (from the ledger, else settings).
 */
fixmedinsCode: string, 
/**
 * Demo mode.
 */
demoMode: boolean, 
/**
 * Data directory.
 */
dataDir: string, 
/**
 * CA certificates in `<data>/trust`.
 */
trust: Array<TrustCert>, 
/**
 * Why the trust directory could not be read, if so (zh-CN).
 */
trustError: string | null, 
/**
 * CRL files in `<data>/trust` (the CRL cache is refreshed from the distribution points).
 */
crlFiles: Array<string>, 
/**
 * One line per configured device with its live status.
 */
deviceLines: Array<string>, 
/**
 * The same devices by code, as the window words them.
 */
deviceStates: Array<DeviceLine>, 
/**
 * The configured devices (settings.json `devices`).
 */
devices: DeviceSettings, 
/**
 * Operators.
 */
operators: Array<OperatorListing>, };

export type Settings = { 
/**
 * UI language: `zh-CN` (default) or `en-US`.
 */
locale: string, 
/**
 * Demo mode: talk to the bundled center emulator and device simulators.
 */
demo_mode: boolean, 
/**
 * Center base URL; `None` until configured.
 */
center_url: string | null, 
/**
 * Store (定点零售药店) name shown on receipts.
 */
store_name: string, 
/**
 * 定点医药机构编号 (12 characters).
 */
fixmedins_code: string, 
/**
 * This counter's terminal number (收银台编号, 0–9), unique within the
 * pharmacy: the first digit of the serial of every msgid and 零售单据号
 * it issues, so two counters of one pharmacy never collide
 * (docs/protocol.md, "msgid layout"; docs/decisions/0007). Set at
 * onboarding (`rxdesk setup --terminal-no N`), changed with `rxdesk
 * terminal --set N`. `None` = never set: demo mode uses 0, production
 * refuses center work ([`Settings::checked_terminal_no`]).
 */
terminal_no: number | null, 
/**
 * Counter devices (scanner, receipt printer, card reader, e-voucher
 * library); nothing configured by default.
 */
devices: DeviceSettings, 
/**
 * Days receipts, medication guidance PDFs and exports are kept in the
 * data directory; older ones are deleted at start-up (at least 1).
 */
document_retention_days: number, 
/**
 * Minutes without a key or pointer event before the window locks
 * itself (1–120).
 */
idle_lock_minutes: number, 
/**
 * Receipt header: the pharmacy's address printed under its name.
 */
receipt_address: string, 
/**
 * Receipt header: the service phone printed under the address.
 */
receipt_phone: string, 
/**
 * Seconds between two chain sync rounds with head office (issue 17);
 * `None` = [`crate::chain::DEFAULT_INTERVAL`] (300 s). At least 10.
 */
chain_sync_interval_secs: number | null, };

export type SettingsPatch = { 
/**
 * Center base URL (empty: the profile's own address / not configured).
 */
center_url?: string, 
/**
 * Pharmacy name on receipts.
 */
store_name?: string, 
/**
 * This counter's terminal number (0–9).
 */
terminal_no?: number, 
/**
 * Receipt header: address.
 */
receipt_address?: string, 
/**
 * Receipt header: service phone.
 */
receipt_phone?: string, 
/**
 * Idle-lock time in minutes (1–120).
 */
idle_lock_minutes?: number, 
/**
 * Seconds between two head-office sync rounds
 * ([`CHAIN_SYNC_INTERVAL_SECS`]); takes effect at the next start.
 */
chain_sync_interval_secs?: number, };

export type SettingChange = { 
/**
 * Field name (as in settings.json).
 */
field: string, 
/**
 * Old value.
 */
old: unknown, 
/**
 * New value.
 */
new: unknown, };

export type SaveOutcome = { 
/**
 * What changed (empty: nothing to save).
 */
changes: Array<SettingChange>, 
/**
 * Fields that take effect at the next start of the app (zh-CN note),
 * if any.
 */
restartNote: string | null, };

export type DeviceKind = "scanner" | "printer" | "card_reader" | "face_terminal";

export type DeviceLine = { 
/**
 * Which device.
 */
kind: DeviceKind, 
/**
 * Its label (port, VID:PID, library).
 */
name: string, 
/**
 * `not_configured`, `not_installed`, `connecting`, `ready`,
 * `disconnected`, `warning`.
 */
state: "not_configured" | "not_installed" | "connecting" | "ready" | "disconnected" | "warning", 
/**
 * Disconnected: seconds to the next attempt.
 */
retryInSecs: number | null, 
/**
 * Warning: its code ([`DeviceState::Warning`]).
 */
warning: string | null, 
/**
 * The zh-CN line ("打印机：就绪").
 */
lineZh: string, };

export type DeviceNotice = { 
/**
 * `scanner`, `printer`, `card_reader`, `face_terminal`.
 */
kind: DeviceKind, 
/**
 * The device's label.
 */
name: string, 
/**
 * `true`: it works again.
 */
back: boolean, 
/**
 * What the counter shows (zh-CN).
 */
messageZh: string, };

export type DeviceScan = { 
/**
 * The scanned text (terminator and symbology identifier removed).
 */
text: string, 
/**
 * `e_voucher_qr`, `e_prescription_qr`, `gtin`, `trace_code`, `gs1`, `unknown`.
 */
kind: string, 
/**
 * zh-CN label of the kind.
 */
kindZh: string, 
/**
 * Which scanner (port path or VID:PID).
 */
source: string, };

export type DeviceScanError = { 
/**
 * Which scanner.
 */
source: string, 
/**
 * What happened: `disconnected`, `empty`, `garbled`, `bad_check_digit`,
 * `gs1`, `incomplete`, `too_long`, `io` (the window words it).
 */
code: "disconnected" | "empty" | "garbled" | "bad_check_digit" | "gs1" | "incomplete" | "too_long" | "io", 
/**
 * What happened and what to do, in zh-CN (for the log and the zh-CN window).
 */
messageZh: string, };

export type WedgeOptions = { 
/**
 * Largest gap between two keys of one burst, in ms (inclusive).
 */
max_gap_ms: number, 
/**
 * Shortest burst that counts as a scan.
 */
min_length: number, };

export type PrinterLink = { "kind": "tcp", 
/**
 * `host:port`
 */
addr: string, } | { "kind": "serial", 
/**
 * Port path.
 */
path: string, 
/**
 * Baud rate.
 */
baud: number, } | { "kind": "file", 
/**
 * Path.
 */
path: string, };

export type PaperWidth = "58mm" | "80mm";

export type EcContext = { 
/**
 * 定点机构编码.
 */
org_id: string, 
/**
 * 科室编号.
 */
office_id: string, 
/**
 * 科室名称.
 */
office_name: string, 
/**
 * 收款员编号.
 */
operator_id: string, 
/**
 * 收款员姓名.
 */
operator_name: string, 
/**
 * 业务类型, `01101` (pharmacy purchase) by default.
 */
business_type: string, };

export type QrDecode = "sdk" | "center";

export type ScannerSettings = { "kind": "serial", 
/**
 * Port path (a stable `/dev/serial/by-id/…` link survives replugging).
 */
path: string, 
/**
 * Baud rate (9600 for most).
 */
baud: number, } | { "kind": "hid", 
/**
 * Vendor ID.
 */
vid: number, 
/**
 * Product ID.
 */
pid: number, } | { "kind": "wedge" } & WedgeOptions;

export type PrinterSettings = { 
/**
 * Where it is.
 */
link: PrinterLink, 
/**
 * Roll width.
 */
width: PaperWidth, 
/**
 * Kick the cash drawer after a cash sale.
 */
cash_drawer: boolean, 
/**
 * Timeout for connect / write / status, ms.
 */
timeout_ms: number, };

export type CardReaderSettings = { "library": "hea_sec", 
/**
 * Library file; `None` = search the usual places.
 */
path: string | null, 
/**
 * The `Init` JSON (reader port, service address).
 */
init_json: string, } | { "library": "ss_card", 
/**
 * Library file.
 */
path: string | null, 
/**
 * `iType` (1 contact, 2 contactless, 3 either).
 */
itype: number, } | { "library": "serial", 
/**
 * `/dev/ttyUSB0`, `/dev/serial/by-id/…`, `COM4`.
 */
path: string, 
/**
 * Baud rate (8N1).
 */
baud: number, };

export type NationEcSettings = { 
/**
 * Library file; `None` = search the usual places.
 */
path: string | null, 
/**
 * The provincial `localQrCodeQuery` URL.
 */
url: string, 
/**
 * Org/operator fields sent with each call.
 */
context: EcContext, 
/**
 * A face terminal is attached.
 */
face_terminal: boolean, 
/**
 * Who decodes a scanned e-voucher QR (the province's profile decides).
 */
qr_decode: QrDecode, 
/**
 * The province wants `iot.medical.settle.notify` after a settlement
 * identified by face.
 */
settle_notify: boolean, };

export type DeviceSettings = { 
/**
 * Scanner, if any.
 */
scanner: ScannerSettings | null, 
/**
 * Printer, if any.
 */
printer: PrinterSettings | null, 
/**
 * Card reader library, if any.
 */
card_reader: CardReaderSettings | null, 
/**
 * NationECCode, if installed.
 */
nation_ec: NationEcSettings | null, 
/**
 * Extra directories searched for vendor libraries.
 */
library_dirs: Array<string>, };

export type SerialPortEntry = { 
/**
 * `/dev/ttyACM0`, `COM3`.
 */
path: string, 
/**
 * `usb`, `pci`, `bluetooth` or `unknown`.
 */
kind: string, 
/**
 * USB vendor ID.
 */
vid: number | null, 
/**
 * USB product ID.
 */
pid: number | null, 
/**
 * Manufacturer string.
 */
manufacturer: string | null, 
/**
 * Product string.
 */
product: string | null, 
/**
 * Serial number.
 */
serialNumber: string | null, };

export type HidEntry = { 
/**
 * Platform path (hidraw node on Linux).
 */
path: string, 
/**
 * Vendor ID.
 */
vid: number, 
/**
 * Product ID.
 */
pid: number, 
/**
 * HID usage page.
 */
usagePage: number, 
/**
 * HID usage.
 */
usage: number, 
/**
 * Manufacturer string.
 */
manufacturer: string | null, 
/**
 * Product string.
 */
product: string | null, 
/**
 * Usage page 0x8C: a HID POS bar-code scanner.
 */
posScanner: boolean, };

export type LibraryEntry = { 
/**
 * `HeaSecReadInfo`, `SSCardDriver`, `NationECCode`.
 */
name: string, 
/**
 * Where it was found, when it was.
 */
path: string | null, 
/**
 * 已安装 / 未安装.
 */
statusZh: string, 
/**
 * Found (`status_zh` as a flag, what a window in another language words).
 */
installed: boolean, };

export type Inventory = { 
/**
 * Serial ports.
 */
serialPorts: Array<SerialPortEntry>, 
/**
 * HID devices.
 */
hidDevices: Array<HidEntry>, 
/**
 * `/dev/usb/lp*`.
 */
printerFiles: Array<string>, 
/**
 * Vendor libraries.
 */
libraries: Array<LibraryEntry>, 
/**
 * Problems met while listing (each source is independent).
 */
problems: Array<string>, };

export type DeviceTest = { 
/**
 * Which class.
 */
kind: DeviceKind, 
/**
 * Passed.
 */
ok: boolean, 
/**
 * What to show (zh-CN): the card holder's masked name, the model, the error.
 */
summaryZh: string, 
/**
 * The error's stable code when it failed.
 */
errorCode: string | null, 
/**
 * The outcome's stable code, passed or failed (`card_read`,
 * `card_reader_ok`, `face_ok`, `qr_decoded`, `scan_ok`, `printed`, or
 * the error's code): what a window in another language words.
 */
code: string, 
/**
 * The values the summary names (`name`, `cardNo`, `model`, `kind`,
 * `printer`, `idMasked`, `device`, `detail`), masked as in the summary.
 */
params: Record<string, string>, };

export type TestKind = "card" | "qr" | "face" | "print";

export type DayMethod = { 
/**
 * Method code.
 */
method: string, 
/**
 * zh-CN name.
 */
methodZh: string, 
/**
 * Received.
 */
received: string, 
/**
 * Given back.
 */
refunded: string, 
/**
 * `received − refunded`.
 */
net: string, };

export type DayFigures = { 
/**
 * Operator row id (0 for the day's total).
 */
operatorId: number, 
/**
 * Display name (`合计` for the total).
 */
operatorName: string, 
/**
 * Sales recorded.
 */
salesCount: number, 
/**
 * Their medical fee total (`sales.total`).
 */
salesTotal: string, 
/**
 * Paid by the insurance funds.
 */
fundPay: string, 
/**
 * Paid from the personal account.
 */
accountPay: string, 
/**
 * Self-paid at the counter (sum of the payments).
 */
selfPaid: string, 
/**
 * Refunds whose money went back.
 */
refundsCount: number, 
/**
 * Per method: `(method, received, given back, net)` as decimal text.
 */
byMethod: Array<DayMethod>, };

export type TillShift = { 
/**
 * Row id (the shift number printed on the 交班单).
 */
id: number, 
/**
 * Who opened it.
 */
openedBy: number, 
/**
 * Their display name.
 */
openedByName: string, 
/**
 * Unix ms.
 */
openedAt: number, 
/**
 * 备用金.
 */
float: string, 
/**
 * Who closed it.
 */
closedBy: number | null, 
/**
 * Their display name.
 */
closedByName: string | null, 
/**
 * Unix ms.
 */
closedAt: number | null, 
/**
 * Counted cash − expected cash, once closed.
 */
cashDifference: string | null, 
/**
 * The closing note.
 */
note: string, };

export type DayReport = { 
/**
 * `yyyy-MM-dd` (CST).
 */
day: string, 
/**
 * Per operator, by login order of first appearance (operator id).
 */
operators: Array<DayFigures>, 
/**
 * The day's total.
 */
total: DayFigures, 
/**
 * Till shifts opened that day.
 */
shifts: Array<TillShift>, };

export type DayReportView = { 
/**
 * The ledger's figures.
 */
report: DayReport, 
/**
 * The 日结单 text (printed only when asked).
 */
slip: PrintedSlip, };

export type ImportReport = { 
/**
 * New rows (written, or to be written by the commit).
 */
inserted: number, 
/**
 * Existing rows changed.
 */
updated: number, 
/**
 * Rows identical to what the store already holds (left as they are).
 */
unchanged: number, 
/**
 * `(line, zh-CN sentence)` of every bad line; non-empty means nothing
 * was written. Line 0 is the file as a whole.
 */
errors: Array<[number, string]>, 
/**
 * The same lines' en-US sentences, in the same order.
 */
errorsEn: Array<[number, string]>, 
/**
 * True when the rows were written (false for a preview and a failure).
 */
committed: boolean, };

export type ImportPhase = "reading" | "checking" | "writing";

export type ImportProgress = { 
/**
 * The step.
 */
phase: ImportPhase, 
/**
 * Rows done in this step.
 */
done: number, 
/**
 * Rows of this step.
 */
total: number, };

export type ImportKind = "catalogue" | "stock" | "prices";

export type ProductChoice = { 
/**
 * 定点医药机构目录编号.
 */
id: string, 
/**
 * Name.
 */
name: string, 
/**
 * Spec (规格).
 */
spec: string, 
/**
 * Maker.
 */
maker: string, 
/**
 * The 7-digit trace-code prefix (empty: 无码).
 */
prefix: string, 
/**
 * The box barcode (EAN-13).
 */
barcode: string, };

export type ScannedBox = { 
/**
 * The normalised 20-digit code.
 */
code: string, 
/**
 * The product's name.
 */
name: string, 
/**
 * 生产批号 (empty for a box not yet received).
 */
lot: string, 
/**
 * 有效期止 (empty for a box not yet received).
 */
expiry: string, 
/**
 * The ledger's state key (`in_stock`, `opened`, `lost` …; `new` at goods-in).
 */
state: string, };

export type GoodsDocView = { 
/**
 * 商品采购流水号.
 */
docNo: string, 
/**
 * Boxes received or returned.
 */
boxes: number, 
/**
 * Batches touched.
 */
batches: Array<string>, 
/**
 * Uploads queued (3503 or 3504).
 */
uploads: number, };

export type StockTakeView = { 
/**
 * Distinct codes counted.
 */
counted: number, 
/**
 * Counted and in stock.
 */
matched: number, 
/**
 * In stock per the ledger, not counted.
 */
missing: Array<ScannedBox>, 
/**
 * Counted, not in stock per the ledger (with where the ledger has it).
 */
unexpected: Array<ScannedBox>, 
/**
 * Uploads queued (3501), on commit only.
 */
uploads: number, };

export type StockLineView = { 
/**
 * Product id.
 */
id: string, 
/**
 * Name.
 */
name: string, 
/**
 * 批次流水号.
 */
batch: string, 
/**
 * 生产批号.
 */
lot: string, 
/**
 * 有效期止.
 */
expiry: string, 
/**
 * Days from today (CST) to the expiry; negative once expired.
 */
daysLeft: number, 
/**
 * Packs on hand ("3", "2.5").
 */
quantity: string, 
/**
 * `traced` or `nocode`.
 */
store: string, 
/**
 * The boxes' codes on the shelf.
 */
codes: Array<string>, };

export type StockPage = { 
/**
 * Batches matching, in all.
 */
total: number, 
/**
 * The first of them (first expiry first).
 */
lines: Array<StockLineView>, };

export type GoodsInLineForm = { 
/**
 * The product's catalogue id.
 */
product: string, 
/**
 * 生产批号.
 */
lot: string, 
/**
 * 生产日期 `yyyy-MM-dd`.
 */
manuDate: string, 
/**
 * 有效期止 `yyyy-MM-dd`.
 */
expiry: string, 
/**
 * Purchase price per pack, a decimal string ("12.50").
 */
price: string, 
/**
 * The scanned boxes' codes.
 */
codes: Array<string>, };

export type GoodsInForm = { 
/**
 * 供应商.
 */
supplier: string, 
/**
 * 发票号.
 */
invoiceNo: string, 
/**
 * The lines.
 */
lines: Array<GoodsInLineForm>, };

export type PlatformSale = { 
/**
 * 记账流水号 (the sale's 零售单据号).
 */
bkkpSn: string, 
/**
 * The product's name as the platform has it.
 */
name: string, 
/**
 * When the platform recorded it.
 */
at: string, 
/**
 * Sold by 拆零.
 */
split: boolean, };

export type CodeTrace = { 
/**
 * The code.
 */
code: string, 
/**
 * The ledger's box (state `not_received` when this pharmacy never had it).
 */
ledger: ScannedBox, 
/**
 * The platform's sold records of the code.
 */
platform: Array<PlatformSale>, };

export type DifferenceClass = "NotAtPlatform" | "NotInLedger";

export type TraceDifference = { 
/**
 * The trace code.
 */
code: string, 
/**
 * The 零售单据号 / 记账流水号 it was sold under.
 */
rtalDocno: string, 
/**
 * Why it differs.
 */
class: DifferenceClass, 
/**
 * What the manager reads, with what to do.
 */
sentenceZh: string, };

export type TraceReconciliation = { 
/**
 * Sold codes in the ledger.
 */
ledger: number, 
/**
 * Rows the platform returned.
 */
platform: number, 
/**
 * Codes on both sides.
 */
matched: number, 
/**
 * The differences, ledger-only first.
 */
differences: Array<TraceDifference>, };

export type UploadState = "pending" | "sending" | "uncertain" | "done" | "rejected" | "voided";

export type QueueStatus = { 
/**
 * Rows waiting (pending + sending + uncertain).
 */
depth: number, 
/**
 * Pending rows.
 */
pending: number, 
/**
 * Rows in flight.
 */
sending: number, 
/**
 * Rows awaiting resolution.
 */
uncertain: number, 
/**
 * Rows that need attention.
 */
rejected: number, 
/**
 * Done rows.
 */
done: number, 
/**
 * Voided rows.
 */
voided: number, 
/**
 * Age in seconds of the oldest waiting row.
 */
oldestPendingAgeSecs: number | null, 
/**
 * CST time of the last accepted upload.
 */
lastSuccess: string | null, 
/**
 * The last error (CST time, message id, text).
 */
lastError: string | null, 
/**
 * Whether the worker currently reaches the center (None: no worker).
 */
online: boolean | null, };

export type UploadRow = { 
/**
 * Row id.
 */
id: number, 
/**
 * Message id sent as `msgid`.
 */
msgid: string, 
/**
 * Transaction code (`infno`).
 */
op: string, 
/**
 * Ordering chain.
 */
chainKey: string, 
/**
 * What it reports (`rx_audit`, `sale_line`, `sale`, `refund`, …).
 */
refKind: string, 
/**
 * Row id of that record.
 */
refId: number, 
/**
 * State.
 */
state: UploadState, 
/**
 * Send attempts so far.
 */
attempts: number, 
/**
 * Unix ms of creation.
 */
createdAt: number, 
/**
 * Unix ms of the next attempt.
 */
nextAttemptAt: number, 
/**
 * Last error text, if any.
 */
lastError: string | null, 
/**
 * The center's rejection code, when rejected.
 */
rejectCode: string | null, 
/**
 * Void reason, when voided.
 */
voidReason: string | null, };

export type AnchorHead = { 
/**
 * The head entry's number.
 */
seq: number, 
/**
 * The first 16 hex digits of its hash.
 */
hash: string, };

export type IntegrityStatus = { 
/**
 * The audit log (chain and anchors) verified intact.
 */
auditOk: boolean, 
/**
 * Entries checked.
 */
auditEntries: number, 
/**
 * What is wrong, in words for the manager (zh-CN); `None` when intact.
 */
auditProblem: string | null, 
/**
 * Its stable code (`edited`, `broken`, `truncated`, `rolled_back`,
 * `anchor_mismatch`, `anchor_unreadable`, `anchor_not_written`,
 * `unverifiable`) and values: what a window in another language words.
 */
auditProblemCode: string | null, 
/**
 * The values the problem names (entry numbers, the anchor file's line, `detail`).
 */
auditProblemParams: Record<string, string>, 
/**
 * The head anchored at start-up (`审计日志锚点 #n hash…`), when intact.
 */
auditAnchor: string | null, 
/**
 * That anchor's entry number and the first 16 hex digits of its hash
 * (what a window in another language words).
 */
auditAnchorHead: AnchorHead | null, 
/**
 * File and directory modes tightened.
 */
permissionsFixed: number, 
/**
 * Old receipts, guidance sheets and exports deleted.
 */
documentsPurged: number, };

export type QueueSummary = { 
/**
 * Counts per state and last success / error (from the ledger).
 */
status: QueueStatus, 
/**
 * Rows that still need something: pending + sending + uncertain + rejected.
 */
open: number, 
/**
 * Age of the oldest waiting row, in words ("3 分钟"), if any.
 */
oldestLabel: string | null, 
/**
 * Whether the worker runs.
 */
workerRunning: boolean, 
/**
 * Why it does not, in words.
 */
workerProblem: string | null, 
/**
 * The start-up integrity check of this ledger (audit log and anchors).
 */
integrity: IntegrityStatus | null, };

export type QueueItem = { 
/**
 * zh-CN state label.
 */
stateLabel: string, 
/**
 * zh-CN name of the transaction.
 */
opLabel: string, 
/**
 * CST creation time.
 */
created: string, 
/**
 * Age in words (zh-CN).
 */
age: string, 
/**
 * Age in seconds (what a window in another language words).
 */
ageSecs: number, 
/**
 * Can be retried now (pending, uncertain, rejected).
 */
canRetry: boolean, 
/**
 * Can be voided (pending, uncertain, rejected).
 */
canVoid: boolean, 
/**
 * Row id.
 */
id: number, 
/**
 * Message id sent as `msgid`.
 */
msgid: string, 
/**
 * Transaction code (`infno`).
 */
op: string, 
/**
 * Ordering chain.
 */
chainKey: string, 
/**
 * What it reports (`rx_audit`, `sale_line`, `sale`, `refund`, …).
 */
refKind: string, 
/**
 * Row id of that record.
 */
refId: number, 
/**
 * State.
 */
state: UploadState, 
/**
 * Send attempts so far.
 */
attempts: number, 
/**
 * Unix ms of creation.
 */
createdAt: number, 
/**
 * Unix ms of the next attempt.
 */
nextAttemptAt: number, 
/**
 * Last error text, if any.
 */
lastError: string | null, 
/**
 * The center's rejection code, when rejected.
 */
rejectCode: string | null, 
/**
 * Void reason, when voided.
 */
voidReason: string | null, };

export type CredentialCounts = { 
/**
 * 医保电子凭证 QR.
 */
eVoucher: number, 
/**
 * 电子处方二维码.
 */
epcQr: number, 
/**
 * 刷脸.
 */
face: number, 
/**
 * 社保卡.
 */
socialSecurityCard: number, 
/**
 * 身份证.
 */
idCard: number, 
/**
 * Not recorded and no known `mdtrt_cert_type`.
 */
unknown: number, };

export type MonthShare = { 
/**
 * `yyyy-MM`.
 */
month: string, 
/**
 * Settlements that stand.
 */
settlements: number, 
/**
 * Of which identified by a form of the 医保电子凭证: its QR, the
 * e-prescription QR or the face ([`IdMethod::is_evoucher`]).
 */
evoucher: number, 
/**
 * Of which the ledger does not know the credential.
 */
unknown: number, 
/**
 * `evoucher / settlements` in percent, one decimal ("0.0" when none).
 */
sharePercent: string, 
/**
 * At or above [`EVOUCHER_TARGET_PERCENT`].
 */
meetsTarget: boolean, 
/**
 * Of which identified by face (生物识别结算).
 */
face: number, 
/**
 * `face / settlements` in percent, one decimal.
 */
faceSharePercent: string, 
/**
 * Every credential's count.
 */
byCredential: CredentialCounts, };

export type PharmacistAudits = { 
/**
 * Login (工号).
 */
login: string, 
/**
 * Display name.
 */
name: string, 
/**
 * All audits.
 */
total: number, 
/**
 * 通过 (1).
 */
approved: number, 
/**
 * 不通过 (2).
 */
rejected: number, 
/**
 * 需医生确认 (3).
 */
referred: number, };

export type DayRefunds = { 
/**
 * `yyyy-MM-dd`.
 */
day: string, 
/**
 * Refunded sales.
 */
count: number, 
/**
 * Their total.
 */
amount: string, };

export type PriceAlert = { 
/**
 * Sale row id.
 */
saleId: number, 
/**
 * 零售单据号.
 */
rtalDocno: string, 
/**
 * CST time of the sale.
 */
soldAt: string, 
/**
 * Product name.
 */
name: string, 
/**
 * Specification.
 */
spec: string, 
/**
 * 医保目录编码.
 */
medListCodg: string, 
/**
 * Price charged.
 */
price: string, 
/**
 * Reference price.
 */
referencePrice: string, 
/**
 * How far above, in percent, one decimal.
 */
overPercent: string, };

export type PriceBasis = "listed" | "average" | "median";

export type PriceComparison = { 
/**
 * Compared with.
 */
basis: PriceBasis, 
/**
 * The figure compared with.
 */
reference: string, 
/**
 * The price is above it.
 */
above: boolean, 
/**
 * How far above (negative: below), percent, one decimal.
 */
overPercent: string, };

export type PriceCheck = { 
/**
 * Sale row id.
 */
saleId: number, 
/**
 * 零售单据号.
 */
rtalDocno: string, 
/**
 * CST time of the sale.
 */
soldAt: string, 
/**
 * Product name.
 */
name: string, 
/**
 * Specification.
 */
spec: string, 
/**
 * 医保目录编码.
 */
medListCodg: string, 
/**
 * Price charged.
 */
price: string, 
/**
 * The comparisons, 挂网价 first, then average, then median (a figure
 * the province did not give is left out).
 */
comparisons: Array<PriceComparison>, };

export type PriceMonitor = { 
/**
 * Products with province figures imported.
 */
productsWithFigures: number, 
/**
 * Sale lines of the period compared.
 */
linesCompared: number, 
/**
 * The lines above at least one figure, newest first.
 */
above: Array<PriceCheck>, };

export type Figures = { 
/**
 * First day (CST, `yyyy-MM-dd`).
 */
from: string, 
/**
 * Last day, inclusive.
 */
to: string, 
/**
 * E-voucher share per month.
 */
evoucher: Array<MonthShare>, 
/**
 * Target share, percent.
 */
evoucherTargetPercent: number, 
/**
 * Audits per pharmacist.
 */
audits: Array<PharmacistAudits>, 
/**
 * Refunds per day.
 */
refunds: Array<DayRefunds>, 
/**
 * Sales above the reference price.
 */
priceAlerts: Array<PriceAlert>, 
/**
 * Prices charged compared with the province's figures (挂网价 first,
 * then the province's average and median).
 */
priceMonitor: PriceMonitor, };

export type Exported = { 
/**
 * Full path.
 */
path: string, 
/**
 * Size in bytes.
 */
bytes: number, };

export type SettlementTotals = { 
/**
 * 结算笔数.
 */
count: number, 
/**
 * 医疗费总额.
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
psnCashPay: string, };

export type TotalCheck = { 
/**
 * 险种.
 */
insutype: string, 
/**
 * Local totals sent.
 */
local: SettlementTotals, 
/**
 * `stmt_rslt` ("0" 平).
 */
stmtRslt: string, 
/**
 * The center's words.
 */
stmtRsltDscr: string, 
/**
 * Balanced.
 */
balanced: boolean, };

export type DetailDifference = { 
/**
 * 结算ID.
 */
setlId: string, 
/**
 * The center's memo ("中心无此结算", "机构无此结算", "金额或退费标志不符").
 */
memo: string, 
/**
 * The sentence in zh-CN, with what to do (the CLI, the log, the
 * recorded summary).
 */
sentence: string, 
/**
 * Its stable code (`REC_DETAIL_*`): what the window words in the
 * user's locale, with `params`.
 */
code: string, 
/**
 * The code's figures (`setlId`, `medfee`, `fund`, `refunded`).
 */
params: { [key in string]: string }, };

export type ReconcileNote = { 
/**
 * `REC_TOTAL_UNBALANCED`, `REC_DETAIL_CENTER_ONLY`,
 * `REC_DETAIL_LOCAL_ONLY`, `REC_DETAIL_MISMATCH`.
 */
code: string, 
/**
 * The figures the sentence names.
 */
params: { [key in string]: string }, };

export type ReconcileOutcome = { 
/**
 * Row id of the recorded result.
 */
recordId: number, 
/**
 * `yyyy-MM-dd`.
 */
day: string, 
/**
 * `balanced` or `differences`.
 */
outcome: string, 
/**
 * All local settlements of the day (refunded included).
 */
local: SettlementTotals, 
/**
 * Local settlement rows sent in the detail file.
 */
detailRows: number, 
/**
 * 3201 per 险种.
 */
totals: Array<TotalCheck>, 
/**
 * 3202 rows that differ.
 */
details: Array<DetailDifference>, 
/**
 * Every difference in words, zh-CN (empty when balanced).
 */
differences: Array<string>, 
/**
 * The same differences as codes and figures, same order: what the
 * window words.
 */
notes: Array<ReconcileNote>, 
/**
 * The audit-log anchor written with this reconciliation
 * (`审计日志锚点 #n hash…`), or why none could be written.
 */
auditAnchor: string, 
/**
 * That anchor by number and hash (what a window in another language
 * words); `None` when none could be written.
 */
auditAnchorHead: AnchorHead | null, };

export type ReconciliationRecord = { 
/**
 * Row id.
 */
id: number, 
/**
 * `yyyy-MM-dd` (CST) reconciled.
 */
day: string, 
/**
 * `balanced` or `differences` or `failed`.
 */
outcome: string, 
/**
 * Local totals (JSON of [`SettlementTotals`]).
 */
localJson: string, 
/**
 * What the center answered, and the differences (JSON).
 */
centerJson: string, 
/**
 * The differences in words, one per line.
 */
summary: string, 
/**
 * Who ran it.
 */
operatorName: string, 
/**
 * CST time it ran.
 */
at: string, };

export type DeliveryOrder = { 
/**
 * Sale row id (the order's key on the screen).
 */
saleId: number, 
/**
 * 零售单据号.
 */
rtalDocno: string, 
/**
 * Sale total.
 */
total: string, 
/**
 * Prescription row id.
 */
prescriptionId: number, 
/**
 * 医保处方编号.
 */
hiRxno: string, 
/**
 * The patient's name (to hand the parcel over).
 */
patientName: string, 
/**
 * 配送业务编号.
 */
delvNo: string, 
/**
 * 配送企业名称.
 */
delvEntpName: string, 
/**
 * Latest `delv_stas_codg`.
 */
statusCode: string, 
/**
 * Latest status description.
 */
description: string, 
/**
 * CST time of the latest status.
 */
updatedAt: string, 
/**
 * CST time the order was accepted.
 */
acceptedAt: string, 
/**
 * Still open (accepted or in transit).
 */
open: boolean, };

export type DeliverySale = { 
/**
 * Sale row id.
 */
saleId: number, 
/**
 * 零售单据号.
 */
rtalDocno: string, 
/**
 * Prescription row id (`None`: a sale without prescription).
 */
prescriptionId: number | null, 
/**
 * The sale was refunded.
 */
refunded: boolean, 
/**
 * A product of the sale must travel in the cold chain.
 */
coldChain: boolean, 
/**
 * The sale already has a delivery order.
 */
hasOrder: boolean, };

export type DeliveryMoved = { 
/**
 * The order after the step.
 */
order: DeliveryOrder, 
/**
 * The `deliveries` row written (its 7205 is queued with it).
 */
deliveryId: number, };

export type Pending = { "state": "unconfigured" } | { "state": "locked", 
/**
 * The vault's sentence.
 */
message: string, } | { "state": "ready" };

export type ProfilePreview = { 
/**
 * Profile name.
 */
name: string, 
/**
 * Center URL.
 */
baseUrl: string, 
/**
 * 定点医药机构编号 the profile names.
 */
institutionCode: string, 
/**
 * Its name.
 */
institutionName: string, 
/**
 * 医保区划.
 */
admdvs: string, 
/**
 * Gateway header scheme.
 */
gateway: string, 
/**
 * Wire family of the e-prescription operations.
 */
family: string, };

export type TrustItem = { 
/**
 * File name.
 */
file: string, 
/**
 * `root`, `intermediate` or `crl`.
 */
kind: string, 
/**
 * Subject (certificates) or issuer (CRLs).
 */
name: string, 
/**
 * Valid until (certificate notAfter, CRL nextUpdate), Beijing time
 * (`yyyy-MM-dd HH:mm:ss`).
 */
validUntil: string | null, };

export type VaultStatus = { 
/**
 * Random id of this vault.
 */
id: string, 
/**
 * When the secrets were sealed (RFC 3339).
 */
sealed_at: string, 
/**
 * Who holds the KEK besides the passphrase (`linux-kernel-keyring`, `none`).
 */
os_holder: string, 
/**
 * Whether the OS currently holds the key (start without passphrase).
 */
os_key_present: boolean, 
/**
 * Name → SM3 fingerprint (first 16 hex digits) of each secret.
 */
fingerprints: { [key in string]: string }, };

export type SetupReport = { 
/**
 * Profile name.
 */
profile: string, 
/**
 * Pharmacy code.
 */
pharmacyCode: string, 
/**
 * Center URL in force.
 */
centerUrl: string, 
/**
 * Credential fingerprints and key holder.
 */
credentials: VaultStatus, 
/**
 * Trust files imported.
 */
trust: Array<TrustItem>, 
/**
 * The sign-in and connectivity check, in words.
 */
connectivity: Array<string>, 
/**
 * This counter's terminal number.
 */
terminalNo: number, };

export type WizardRequest = { profile: string, credentials: string, trust: string, pharmacyCode: string, pharmacyName: string, terminalNo: number, managerLogin: string, managerName: string, password: string, locale: string | null, };

export type NewStaff = { 
/**
 * 工号.
 */
login: string, 
/**
 * Name shown on receipts and uploads.
 */
name: string, 
/**
 * `cashier`, `pharmacist` or `manager`.
 */
role: string, 
/**
 * First password (at least 8 characters).
 */
password: string, 
/**
 * `psn_cert_type` (`01` when empty and an ID number is given).
 */
certType: string, 
/**
 * ID number (a pharmacist's is needed for her e-voucher checks).
 */
certno: string, 
/**
 * 执业资格证号.
 */
pracCertNo: string, 
/**
 * 医保药师代码.
 */
pharCode: string, };

export type StaffChange = { "action": "set_active", 
/**
 * New state.
 */
active: boolean, } | { "action": "reset_password", 
/**
 * At least 8 characters.
 */
password: string, } | { "action": "set_role", 
/**
 * Role code.
 */
role: string, } | { "action": "register", 
/**
 * Display name.
 */
name: string, 
/**
 * `psn_cert_type`.
 */
cert_type: string, 
/**
 * ID number; empty keeps the registered one.
 */
certno: string, 
/**
 * 执业资格证号.
 */
prac_cert_no: string, 
/**
 * 医保药师代码.
 */
phar_code: string, } | { "action": "unlock" };
