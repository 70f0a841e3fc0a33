// UI strings. zh-CN is the product's language; en-US is offered for
// integrators. A missing key falls back to zh-CN, then to the key itself, so
// a gap shows up visibly instead of as an empty label.

export type Locale = "zh-CN" | "en-US";

const zh = {
  "app.name": "RxDesk 药店处方收银台",
  "app.tagline": "医保电子处方 · 定点零售药店",
  "login.title": "操作员登录",
  "login.operator": "工号",
  "login.password": "密码",
  "login.role": "角色",
  "login.role.cashier": "收银员",
  "login.role.pharmacist": "药师",
  "login.role.manager": "店长",
  "login.submit": "登录 (Enter)",
  "login.missing": "请输入工号和密码。",
  "status.version": "版本",
  "status.center": "医保中心",
  "status.devices": "设备",
  "status.demo": "演示模式",
  "status.operator": "当前操作员",
  "status.refresh": "刷新状态 (F5)",
  "status.refreshed": "状态已刷新",
  "status.error": "无法读取状态：",
  "locale.switch": "English",
  "login.demo": "演示账户（点击填入）：",
  "home.welcome": "您好，",
  "home.pending": "接诊、审方、发药与结算界面随柜台服务模块接入后在此开放；当前可确认账户、角色与系统状态。",
  "home.logout": "退出登录 (F12)",
} as const;

export type Key = keyof typeof zh;

const en: Partial<Record<Key, string>> = {
  "app.name": "RxDesk Pharmacy Prescription Counter",
  "app.tagline": "Medical-insurance e-prescriptions · designated retail pharmacy",
  "login.title": "Operator sign-in",
  "login.operator": "Operator ID",
  "login.password": "Password",
  "login.role": "Role",
  "login.role.cashier": "Cashier",
  "login.role.pharmacist": "Pharmacist",
  "login.role.manager": "Manager",
  "login.submit": "Sign in (Enter)",
  "login.missing": "Enter operator ID and password.",
  "status.version": "Version",
  "status.center": "Center",
  "status.devices": "Devices",
  "status.demo": "Demo mode",
  "status.operator": "Operator",
  "status.refresh": "Refresh status (F5)",
  "status.refreshed": "Status refreshed",
  "status.error": "Cannot read status: ",
  "locale.switch": "中文",
  "login.demo": "Demo accounts (click to fill):",
  "home.welcome": "Hello, ",
  "home.pending": "Visit, audit, dispensing and settlement screens open here as the counter services are connected; for now this confirms account, role and system status.",
  "home.logout": "Sign out (F12)",
};

const tables: Record<Locale, Partial<Record<Key, string>>> = { "zh-CN": zh, "en-US": en };

export function translate(locale: Locale, key: Key): string {
  return tables[locale][key] ?? zh[key] ?? key;
}

/** Labels the backend sends in zh-CN, mapped for the English locale. */
const backendLabelsEn: Record<string, string> = {
  未连接: "not connected",
  在线: "online",
  离线: "offline",
  未配置: "not configured",
  就绪: "ready",
  异常: "fault",
};

export function backendLabel(locale: Locale, label: string): string {
  return locale === "en-US" ? (backendLabelsEn[label] ?? label) : label;
}
