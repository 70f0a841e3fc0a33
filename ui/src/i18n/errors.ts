// The sentences of the error codes the shell assigns itself (the list is
// generated from Rust: `ui/src/ipc/generated/error-codes.ts`), zh-CN and
// en-US; `{name}` is filled from `params.name`. `{reason}` is the
// service's own zh-CN sentence (a refusal it gives only as a sentence): the
// zh-CN text shows it, the en-US text says the same by code. The visit's
// step codes have their templates in `ipc/step-errors.ts`.

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
export const detailsWords: Record<"show" | "hide" | "code" | "detail", Entry> = {
  show: { zh: "详情", en: "Details" },
  hide: { zh: "收起详情", en: "Hide details" },
  code: { zh: "错误代码", en: "Error code" },
  detail: { zh: "技术信息（供技术支持）", en: "Technical detail (for support)" },
};
