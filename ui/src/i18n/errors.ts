// The one error catalogue of the window, zh-CN and en-US, by code: the
// visit's step errors (`rxdesk-app` `visit::StepError`, codes listed in
// docs/rules.md) with their out-of-order steps and center failures, the
// inventory refusals (`i18n-inventory.ts`), and the codes the shell assigns
// itself (the list is generated from Rust:
// `ui/src/ipc/generated/error-codes.ts`). `{name}` is filled from
// `params.name`. `{reason}` is the service's own zh-CN sentence (a refusal it
// gives only as a sentence): the zh-CN text shows it, the en-US text says
// the same by code. `ipc/errors.ts` renders a rejected command from here.
import { translate, type Key, type Locale } from "./i18n";
import { inventoryErrors, inventoryZh } from "./i18n-inventory";

/** The box state's words for an error's `{state}` (null for a state the tables do not know). */
function stateWords(locale: Locale, key: string): string | null {
  const k = `inv.state.${key}`;
  return k in inventoryZh ? translate(locale, k as Key) : null;
}

export type Entry = { zh: string; en: string };

/** Every code in `CATALOGUED_CODES` (a vitest checks it). */
export const shellErrors: Record<string, Entry> = {
  COUNTER_UNAVAILABLE: {
    zh: "{reason}",
    en: "The counter could not open its ledger or settings: see Details, fix the cause and restart RxDesk",
  },
  VISITS_UNAVAILABLE: {
    zh: "医保中心尚未就绪，不能办理医保业务：请在设置中配置医保中心后重启",
    en: "The insurance center is not set up: configure it in Settings, then restart",
  },
  NO_SESSION: { zh: "请先登录", en: "Sign in first" },
  TASK_FAILED: { zh: "后台任务失败，请重试", en: "A background task failed: try again" },
  LOCALE_UNSUPPORTED: { zh: "不支持的语言 {locale}（可选 zh-CN、en-US）", en: "Language {locale} is not supported (choose zh-CN or en-US)" },
  ALREADY_SET_UP: { zh: "此数据目录已经设置过", en: "This data directory is already set up" },
  MANAGER_SIGN_IN: { zh: "请先以店长账户登录", en: "Sign in as a manager first" },
  IMPORT_INCOMPLETE_UPLOAD: { zh: "文件内容传输不完整，请重新选择文件", en: "The file did not arrive whole: choose it again" },
  DEVICE_TEST_FAILED: { zh: "{reason}", en: "The device test did not succeed: check the device and its settings, then try again" },
  SETUP_REFUSED: { zh: "{reason}", en: "Setting up this counter did not succeed: check the entries and try again" },
  UNLOCK_REFUSED: { zh: "{reason}", en: "The credentials were not unlocked: check the passphrase and try again" },
  STAFF_REFUSED: { zh: "{reason}", en: "The account change was refused: check the entries and try again" },
  CHAIN_NOT_RUNNING: {
    zh: "总部同步未在运行：本柜台未注册到总部，或另一个程序正在同步；收银不受影响",
    en: "Head-office sync is not running: this counter is not registered with head office, or another program is syncing; selling is not affected",
  },
  CHAIN_CHAIN_NOT_REGISTERED: {
    zh: "本柜台未注册到总部，不能进行连锁管理员登录",
    en: "This counter is not registered with a head office: chain manager sign-in is not available",
  },
  CHAIN_CHAIN_MANAGER_SIGNED_OUT: { zh: "连锁管理员尚未登录：请重新登录", en: "No chain manager is signed in: sign in again" },
  CHAIN_HQ_UNREACHABLE: {
    zh: "无法连接总部服务器：请检查网络后重试（收银不受影响）",
    en: "Head office cannot be reached: check the network and try again (selling is not affected)",
  },
  CHAIN_BAD_CREDENTIALS: { zh: "管理员账户或密码不正确", en: "Wrong manager account or password" },
  CHAIN_LOGIN_LOCKED: {
    zh: "登录失败次数过多，该账户已暂时锁定：请 {minutes} 分钟后再试",
    en: "Too many failed sign-ins: this account is locked for now; try again in {minutes} min",
  },
  CHAIN_SESSION_EXPIRED: { zh: "总部登录已过期：请重新登录", en: "The head-office session has expired: sign in again" },
  CHAIN_SESSION_UNKNOWN: {
    zh: "总部登录已失效（已在别处退出或密码已更改）：请重新登录",
    en: "The head-office session has ended (signed out elsewhere or the password changed): sign in again",
  },
  CHAIN_UNKNOWN_ISSUE: { zh: "总部没有这条失败记录（可能已被处理）：请刷新", en: "Head office has no such failure (it may be resolved already): refresh" },
  CHAIN_HQ_REFUSED: { zh: "总部拒绝了请求（代码 {hqCode}）", en: "Head office refused the request (code {hqCode})" },
  CHAIN_HQ_PROTOCOL: {
    zh: "总部的应答无法识别（地址或版本不对）：请联系技术支持",
    en: "Head office's answer was not understood (wrong address or version): contact support",
  },
  CHAIN_STATUS_UNREADABLE: { zh: "读取总部同步状态失败：{reason}", en: "The head-office sync status could not be read from the ledger" },
  APP_NO_DATA_DIR: { zh: "找不到数据目录：请设置 RXDESK_HOME 或用户主目录", en: "No data directory: set RXDESK_HOME or a home directory" },
  APP_IO: { zh: "读写文件失败：请检查磁盘和权限后重试", en: "A file could not be read or written: check the disk and its permissions, then try again" },
  NOT_SIGNED_IN: { zh: "请先登录", en: "Sign in first" },
  DESK_UNAVAILABLE: { zh: "医保中心未就绪：请在设置中检查医保中心配置", en: "The insurance center is not ready: check its settings" },
  WRONG_ROLE: { zh: "工号 {login} 的角色是{role}，请选择正确的角色登录", en: "Operator {login} has another role: choose that role to sign in" },
  BAD_SETTINGS: { zh: "设置文件格式错误：请修正或删除后重启（未覆盖任何内容）", en: "The settings file is not valid: fix or remove it and restart (nothing was overwritten)" },
  CENTER_REJECTED: { zh: "医保中心拒绝了请求（代码 {centerCode}）", en: "The insurance center refused the request (code {centerCode})" },
  CENTER_UNAVAILABLE: { zh: "医保中心暂不可用：请检查网络后重试", en: "The insurance center cannot be reached: check the network and try again" },
  CENTER_UNCERTAIN: { zh: "医保中心结果未知：请查询或冲正后再处理", en: "The center's outcome is unknown: query or reverse it before going on" },
  CENTER_INVALID: { zh: "请求未发送（配置或输入错误）：请检查后重试", en: "The request was not sent (a setting or an entry is wrong): check and try again" },
  DESK_INTERNAL: { zh: "内部错误，请重试或联系技术支持", en: "Internal error: try again or contact support" },
  DESK_BAD_CREDENTIAL: { zh: "凭证无效：请重新扫描或输入", en: "The credential is not usable: scan or type it again" },
  STORE_DISK_FULL: { zh: "磁盘已满，本次操作未保存（账本完好）；请清理磁盘后重试", en: "The disk is full: nothing was saved and the ledger is intact; free some space and try again" },
  STORE_CORRUPT: { zh: "账本文件已损坏，不会自动重建：请联系技术支持从备份恢复", en: "The ledger file is damaged and was not recreated: contact support to restore it from a backup" },
  STORE_SCHEMA_TOO_NEW: { zh: "账本由更新版本的 RxDesk 创建：请升级 RxDesk", en: "The ledger was written by a newer RxDesk: upgrade RxDesk" },
  STORE_FAILED: { zh: "账本读写失败：请重试，如仍不行请联系技术支持", en: "The ledger could not be read or written: try again, then contact support" },
  STORE_KEY: { zh: "账本密钥不可用：请联系技术支持", en: "The ledger's key is not usable: contact support" },
  STORE_BAD_CREDENTIALS: { zh: "工号或密码不正确", en: "Wrong login or password" },
  STORE_LOCKED: { zh: "{reason}", en: "This account is locked until {until}: wait, or ask the manager to unlock it" },
  STORE_FORBIDDEN: { zh: "{reason}", en: "Permission denied: this action needs another role; ask an operator with that role to sign in" },
  STORE_NOT_FOUND: { zh: "{reason}", en: "Not found in the ledger: check the entry and try again" },
  STORE_RULE: { zh: "{reason}", en: "The ledger refused this by its rules: see Details" },
  STORE_NO_INSTITUTION: { zh: "未设置定点机构编号：请在设置中填写", en: "The institution code is not configured: set it in Settings" },
  STORE_INVALID: { zh: "{reason}", en: "An entry is not valid: check it and try again" },
  STORE_INVENTORY: { zh: "{reason}", en: "The stock change was refused: see Details" },
  STORE_SYNC_BUSY: { zh: "另一个同步正在进行：请稍后重试", en: "Another sync is running: try again shortly" },
  CREDENTIAL_FILE: { zh: "医保凭证文件不可用：请检查文件或重新导入", en: "The credential file is not usable: check it or import it again" },
  LEDGER_KEY: { zh: "账本密钥未能解锁：请店长输入口令解锁", en: "The ledger's key did not unlock: the manager enters the passphrase" },
  SETUP_PROFILE: { zh: "{reason}", en: "The center profile is not valid: check the file" },
  SETUP_DEMO_PROFILE: { zh: "{reason}", en: "The demo profile is not valid" },
  SETUP_PHARMACY_CODE: { zh: "{reason}", en: "The pharmacy code is not valid: P + 6-digit division + 5 digits" },
  SETUP_TRUST_FILE: { zh: "{reason}", en: "The trust certificate file is not usable: check the file" },
  SETUP_MANAGER: { zh: "{reason}", en: "The manager's account is not valid: check the login, name and password" },
  SETUP_TERMINAL_NO: { zh: "{reason}", en: "The terminal number is not valid: check it" },
  SETUP_DATA_DIR: { zh: "{reason}", en: "The data directory could not be prepared: check the disk and permissions" },
  SETUP_CONNECTIVITY: { zh: "{reason}", en: "The insurance center could not be reached: check the address and the network" },
  SETTINGS_NOT_MANAGER: { zh: "只有店长可以修改设置", en: "Only a manager can change the settings" },
  SETTINGS_INVALID: { zh: "{reason}", en: "A setting is not valid: check it and save again" },
  SETTINGS_IO: { zh: "{reason}", en: "The settings could not be saved: check the disk and permissions" },
  TILL_NOT_OPEN: {
    zh: "收银尚未开班：请先在“收银班次”页输入备用金开班，再开始服务和收款",
    en: "The till is not open: open it on the Till page with the float before serving and taking payments",
  },
  TILL_BAD_AMOUNT: { zh: "{reason}", en: "The amount is not valid: type an amount like 200.00 (not negative)" },
  TILL_BAD_DAY: { zh: "日期无效：请输入如 2026-12-05 的日期", en: "The date is not valid: type a date like 2026-12-05" },
  TILL_REFUSED: { zh: "{reason}", en: "The till refused this: see Details" },
  TILL_LEDGER: { zh: "{reason}", en: "The till could not read or write the ledger: try again" },
  IMPORT_UNKNOWN_FORMAT: { zh: "{reason}", en: "The file's format is not one RxDesk reads: export it as CSV or XLSX" },
  IMPORT_TOO_LARGE: { zh: "{reason}", en: "The file is too large: split it and import the parts" },
  IMPORT_UNREADABLE: { zh: "{reason}", en: "The file could not be read: check it and choose it again" },
  IMPORT_NOT_ALLOWED: { zh: "{reason}", en: "Importing needs a manager: sign in as a manager" },
  IMPORT_LEDGER: { zh: "{reason}", en: "The import could not be written to the ledger: try again" },
  TRACE_RECONCILE_STORE: { zh: "{reason}", en: "The ledger could not be read for the reconciliation: try again" },
  TRACE_RECONCILE_CENTER: { zh: "{reason}", en: "The platform did not answer the sold-code query (3513): try again later" },
};

/** Any code the catalogue has no sentence for. */
export const genericError: Entry = {
  zh: "操作未完成（错误代码 {code}）。请重试；如仍不行，请联系技术支持并提供“详情”中的内容。",
  en: "The action did not complete (error code {code}). Try again; if it persists, contact support with the Details.",
};

/** The words of the details toggle. */
export const detailsWords: Record<"show" | "hide" | "code" | "detail" | "outside", Entry> = {
  show: { zh: "详情", en: "Details" },
  outside: { zh: "支付渠道原话", en: "The payment channel's words" },
  hide: { zh: "收起详情", en: "Hide details" },
  code: { zh: "错误代码", en: "Error code" },
  detail: { zh: "技术信息（供技术支持）", en: "Technical detail (for support)" },
};

// ---- the visit's step errors ----

/** Sentences by code; `{name}` is filled from `params.name`. */
const stepErrors: Record<string, Entry> = {
  NO_VISIT: { zh: "没有进行中的服务，请先开始接待", en: "No visit in progress: start a visit first" },
  VISIT_SETTLED_NOT_COMPLETED: {
    zh: "当前患者已结算但尚未收款出票，请先完成收款",
    en: "This patient is settled but not yet paid and receipted: finish the payment first",
  },
  NO_RX: { zh: "尚未下载处方", en: "No prescription downloaded yet" },
  LAYOUT_NOT_DRAWN: {
    zh: "版式文件无法显示。没有版式文件不能完成审方：请联系开方机构或技术支持",
    en: "The layout file cannot be shown. The audit cannot be completed without it: contact the prescribing institution or support",
  },
  NO_PATIENT: { zh: "尚未识别患者", en: "The patient is not identified yet" },
  // Only with the tries left (`params.tries`); without them the service's own sentence.
  DEVICE_PASSWORD_WRONG: {
    zh: "电子凭证密码错误，还可尝试 {tries} 次；忘记密码请在国家医保服务平台 App 重置",
    en: "The e-voucher password is wrong, tries left: {tries}. A forgotten password is reset in the National Medical Insurance Service app",
  },
  NO_PRODUCT: { zh: "调配的药品不在目录中", en: "A dispensed product is not in the catalogue" },
  NO_BATCH: { zh: "找不到批次 {batch}", en: "Batch {batch} not found" },
  NO_PRESETTLE: { zh: "请先预结算", en: "Pre-settle first" },
  NO_SETTLEMENT: { zh: "找不到结算结果", en: "The settlement result is missing" },
  NO_MSGID: { zh: "找不到待冲正的结算报文", en: "The settlement message to reverse is missing" },
  NOT_UNCERTAIN: { zh: "当前没有结果未知的结算", en: "There is no settlement of unknown outcome" },
  PARK_NOT_ALLOWED: {
    zh: "当前不能挂单：须已识别患者，且不在结算中、不是已结算待收款",
    en: "This visit cannot be parked: the patient must be identified, and it must be neither being settled nor settled awaiting payment",
  },
  AUTHORISE_REFUSED: {
    zh: "店长工号或密码不正确，未授权：请店长重新输入",
    en: "The manager's login or password is wrong: not authorised; the manager types them again",
  },
  PARK_FULL: { zh: "已挂起 {max} 笔，不能再挂单：请先取单办理", en: "{max} visits are parked already: resume one before parking another" },
  RESUME_BUSY: {
    zh: "当前还有进行中的取药：请先挂单或办理完成后再取单",
    en: "A visit is in progress: park or finish it before resuming another",
  },
  PARKED_NOT_FOUND: { zh: "找不到该挂单，可能已被取回", en: "That parked visit is not there (it may have been resumed already)" },
  PARKED_RESOLVING: {
    zh: "正在向医保中心查询这笔挂单的结算结果：请稍候几秒再取单",
    en: "The center is being asked about this parked visit's settlement: resume it in a few seconds",
  },
  PATIENT_PARKED_UNCERTAIN: {
    zh: "该患者有一笔结算结果未知的取药已挂单：请先取单并点击“处理未知结算”，切勿重复收费",
    en: "This patient has a parked visit whose settlement outcome is unknown: resume it and click \"Resolve unknown settlement\" first; never charge twice",
  },
  AGENT_NAME: { zh: "请填写代购人姓名", en: "Enter the agent's name" },
  AGENT_RELATIONSHIP: {
    zh: "代购人与患者的关系须从列表中选择（配偶、父母、子女、祖父母/外祖父母、孙子女/外孙子女、兄弟姐妹、监护人）",
    en: "Choose the agent's relationship to the patient from the list (spouse, parent, child, grandparent, grandchild, sibling, guardian)",
  },
  FACE_CONSENT_REQUIRED: {
    zh: "刷脸前须请患者本人确认同意使用人脸识别获取医保电子凭证",
    en: "Before face identification the patient must agree to it",
  },
  CARD_OTHER_PERSON: {
    zh: "读到的卡片/人脸与医保中心登记的参保人不是同一人，请核对患者本人证件后重新识别",
    en: "The card or face read is not the insured person the center registered: check the patient's own documents and identify again",
  },
  NO_OPERATOR: { zh: "找不到当前药师账号", en: "The signed-in pharmacist's account is missing" },
  AUDIT_RESULT: {
    zh: "审方结果须为 1 通过、2 不通过或 3 需医生确认",
    en: "The audit result must be 1 approved, 2 rejected or 3 needs the doctor's confirmation",
  },
  OTC_NO_SALE: { zh: "没有进行中的非处方销售，请先开始新的销售", en: "No OTC sale in progress: start a new sale" },
  OTC_LOCKED: {
    zh: "该笔销售已提交结算，不能再修改商品；请完成收款，或先处理未知结算",
    en: "This sale was sent for settlement: the cart cannot change; finish the payment, or resolve the unknown settlement first",
  },
  OTC_UNKNOWN_PRODUCT: {
    zh: "本店药品目录中没有“{query}”，请核对后重新扫码或搜索",
    en: "\"{query}\" is not in the pharmacy's catalogue: check it and scan or search again",
  },
  OTC_EMPTY: { zh: "购物清单为空，请先扫码或搜索添加商品", en: "The cart is empty: scan or search a product first" },
  AUDIT_NOT_ON_DUTY: {
    zh: "当前登录药师尚未上岗：请先扫描本人医保电子凭证上岗后再审方",
    en: "The signed-in pharmacist is not on duty: scan your own e-voucher to go on duty, then audit",
  },
  AUDIT_OPINION_REQUIRED: {
    zh: "请填写审核意见（任何审核结果都必须填写，可从常用意见中选择）",
    en: "Enter the audit opinion (required for every result; choose a standard one if it fits)",
  },
  AUDIT_RECONFIRM_MISMATCH: {
    zh: "审方确认时扫描的医保电子凭证不是在岗药师本人的",
    en: "The e-voucher scanned to confirm the audit is not the on-duty pharmacist's own",
  },
  AUDIT_REVIEWER_IS_AUDITOR: { zh: "复核药师不能与审方药师为同一人", en: "The review pharmacist cannot be the auditing pharmacist" },
  REVIEWER_UNKNOWN: {
    zh: "工号 {login} 不是本店在职药师，不能复核",
    en: "Login {login} is not an active pharmacist of this store and cannot review",
  },
  AUDIT_UPLOAD_REJECTED: {
    zh: "审方结果上传被医保中心拒绝（上传队列第 {uploadId} 条），请在上传队列中查看原因并处理",
    en: "The center refused the audit upload (upload queue row {uploadId}): see the reason in the upload queue and deal with it",
  },
  AUDIT_NOT_UPLOADED: {
    zh: "审方结果尚未上传到医保中心（上传队列第 {uploadId} 条），请检查网络后稍候重试预结算",
    en: "The audit has not reached the center yet (upload queue row {uploadId}): check the network and retry the pre-settlement shortly",
  },
  BAD_AMOUNT: { zh: "请输入实收金额（如 50.00）", en: "Enter the amount tendered (e.g. 50.00)" },
  PAY_CODE_MISSING: { zh: "请扫描患者的微信或支付宝付款码", en: "Scan the patient's WeChat or Alipay pay code" },
  // zh-CN: the channel's own sentence; en-US: ours, the channel's words shown apart (`OUTSIDE_WORDS`).
  PAYMENT_DECLINED: { zh: "{reason}", en: "The payment channel declined the payment" },
  NOT_PAID: { zh: "患者还需自付 {due} 元，请先收款", en: "The patient still pays {due} yuan: take the payment first" },
  DELIVERY_INCOMPLETE: { zh: "请填写配送单号和配送企业", en: "Enter the delivery number and the delivery company" },
  DELIVERY_NOT_ACCEPTED: { zh: "请先接单", en: "Accept the order first" },
  ALREADY_REFUNDED: { zh: "该笔销售已退费", en: "This sale was refunded already" },
  SALE_UPLOADS_PENDING: {
    zh: "该笔销售还有 {open} 条上传未送达医保中心，请待上传完成后再退费（可在上传队列查看）",
    en: "{open} uploads of this sale have not reached the center: refund once they are delivered (see the upload queue)",
  },
  REFUND_IDENTITY_REQUIRED: {
    zh: "医保退费须核验患者身份：请扫描患者医保电子凭证或读社保卡（与购药时相同）",
    en: "An insurance refund checks the patient's identity: scan the patient's e-voucher or read the social-security card (as at the sale)",
  },
  REFUND_IDENTITY_MISMATCH: {
    zh: "出示的医保凭证不是该笔销售的患者本人，不能退费",
    en: "The credential shown is not the patient of this sale: no refund",
  },
  RECOVERY_INCOMPLETE: {
    zh: "中断的结算缺少结算结果或调配明细",
    en: "The interrupted settlement lacks its result or its dispensing lines",
  },
  RECOVERY_TOTAL_DIFFERS: {
    zh: "中断的结算金额与预结算不一致，不能按此完成销售",
    en: "The interrupted settlement's total differs from the pre-settlement: the sale cannot be completed from it",
  },
  SETTLEMENT_NOT_FOUND_YET: {
    zh: "医保中心暂未查到该笔结算，但请求可能仍在途中：为防止重复扣费，请约 {waitSecs} 秒后再次点击“处理未知结算”确认（期间不要重新结算）",
    en: "The center has not found the settlement yet, but the request may still be on its way: to avoid charging twice, click \"Resolve unknown settlement\" again in about {waitSecs} s (do not settle again meanwhile)",
  },
};

/** `VISIT_ILLEGAL_TRANSITION` by `params.step`. */
const outOfStep: Record<string, Entry> = {
  alreadyIdentified: {
    zh: "本次服务已识别患者；接待下一位患者请先开始新的服务",
    en: "The patient of this visit is identified already; start a new visit for the next patient",
  },
  cannotDownload: { zh: "当前步骤不能下载处方，请按流程办理", en: "A prescription cannot be downloaded at this step; follow the steps in order" },
  notChecked: { zh: "处方尚未通过核对，不能审方", en: "The prescription has not passed the checks: it cannot be audited" },
  notDispensing: { zh: "当前不在调配步骤", en: "Not at the dispensing step" },
  notDispensed: { zh: "请先完成调配再预结算", en: "Finish dispensing before the pre-settlement" },
  notPreSettled: {
    zh: "请先预结算并向患者说明费用后再确认结算",
    en: "Pre-settle and explain the costs to the patient before confirming the settlement",
  },
  payBeforeSettled: { zh: "请先完成医保结算再收款", en: "Complete the insurance settlement before taking payment" },
  completeBeforeSettled: { zh: "请先完成医保结算", en: "Complete the insurance settlement first" },
  notReversible: {
    zh: "只有已结算、尚未完成销售的服务可以撤销结算",
    en: "Only a visit settled but not completed can have its settlement reversed",
  },
};

/** What the center was asked (`params.action`). */
const centerAction: Record<string, Entry> = {
  decodeRxQr: { zh: "电子处方二维码解码失败", en: "Decoding the e-prescription QR failed" },
  personInfo: { zh: "查询参保信息失败", en: "Querying the insurance record failed" },
  download: { zh: "下载处方失败", en: "Downloading the prescription failed" },
  pharmacistEVoucher: { zh: "核验药师医保电子凭证失败", en: "Checking the pharmacist's e-voucher failed" },
  preSettle: { zh: "预结算失败", en: "Pre-settlement failed" },
  settle: { zh: "结算", en: "Settlement" },
  reverseSettlement: { zh: "撤销结算", en: "Reversing the settlement" },
  resolveUncertain: {
    zh: "冲正未完成，结算结果仍未知，请稍后再试",
    en: "The reversal did not finish and the settlement is still unknown; try again shortly",
  },
  patientIdentity: { zh: "核验患者身份失败", en: "Checking the patient's identity failed" },
  reverseTakenEffect: {
    zh: "该笔结算已在医保中心生效，冲正未完成，结果仍未知，请稍后再试",
    en: "The settlement took effect at the center and the reversal did not finish; the outcome is still unknown, try again shortly",
  },
  querySettlement: {
    zh: "医保中心暂未查到该笔结算，查询结算信息失败，结果仍未知，请稍后再试",
    en: "The center has not found the settlement and the settlement query failed; the outcome is still unknown, try again shortly",
  },
};

const centerTail: Record<string, Entry> = {
  CENTER_UNAVAILABLE: {
    zh: "{action}：医保中心暂时无法连接，请检查网络后重试",
    en: "{action}: the insurance center cannot be reached; check the network and try again",
  },
  CENTER_UNCERTAIN: {
    zh: "{action}：医保中心没有应答，结果未知，请稍后重试",
    en: "{action}: the insurance center did not answer and the outcome is unknown; try again shortly",
  },
};

function fill(template: string, params: Record<string, unknown>): string | null {
  let missing = false;
  const out = template.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = params[k];
    if (v === undefined || v === null) {
      missing = true;
      return "";
    }
    return String(v);
  });
  return missing ? null : out;
}

function pick(e: Entry, locale: Locale): string {
  return locale === "en-US" ? e.en : e.zh;
}

/**
 * The codes whose `params` carry an outside party's own words (the payment
 * channel's answer, in Chinese): an en-US window shows them apart, marked as
 * theirs (`data-center-words`), never inside its English sentence.
 */
export const OUTSIDE_WORDS: Record<string, string> = { PAYMENT_DECLINED: "reason" };

/** The step template for `code` in `locale`, filled from `params`; null when there is none or a parameter is missing. */
export function stepTemplate(locale: Locale, code: string, params: Record<string, unknown>): string | null {
  if (code === "VISIT_ILLEGAL_TRANSITION") {
    const s = outOfStep[String(params.step)];
    return s ? pick(s, locale) : null;
  }
  const tail = centerTail[code];
  if (tail) {
    const a = centerAction[String(params.action)];
    if (!a) return null;
    return fill(pick(tail, locale), { ...params, action: pick(a, locale) });
  }
  const inv = inventoryErrors[code];
  if (inv) {
    const state = typeof params.stateKey === "string" ? stateWords(locale, params.stateKey) : null;
    return fill(pick(inv, locale), state ? { ...params, state } : params);
  }
  const entry = stepErrors[code];
  if (!entry) return null;
  return fill(pick(entry, locale), params);
}

/** Every sentence of the catalogue in `locale` (glossary tests). */
export function catalogueSentences(locale: Locale): string[] {
  return [stepErrors, outOfStep, centerAction, centerTail, inventoryErrors].flatMap((table) => Object.values(table).map((e) => pick(e, locale)));
}

/** The codes this catalogue renders itself (tests). */
export const renderedCodes = (): string[] => [
  ...Object.keys(stepErrors),
  "VISIT_ILLEGAL_TRANSITION",
  ...Object.keys(centerTail),
  ...Object.keys(inventoryErrors),
];
