// UI strings. zh-CN is the product's language; en-US is offered for
// integrators. A missing key falls back to zh-CN, then to the key itself, so
// a gap shows up visibly instead of as an empty label.

import { visitZh } from "./i18n-visit";
import { managerZh } from "./i18n-manager";
import { onboardZh } from "./i18n-onboard";
import { importZh } from "./i18n-import";
import { tillZh } from "./i18n-till";
import { otcZh } from "./i18n-otc";
import { deliveryZh } from "./i18n-delivery";
import { trustZh } from "./i18n-trust";
import { inventoryZh } from "./i18n-inventory";
import { chainZh } from "./i18n-chain";
import { devicesZh } from "./i18n-devices";

export type Locale = "zh-CN" | "en-US";

const zh = {
  ...visitZh,
  ...managerZh,
  ...onboardZh,
  ...importZh,
  ...tillZh,
  ...otcZh,
  ...deliveryZh,
  ...trustZh,
  ...inventoryZh,
  ...chainZh,
  ...devicesZh,
  "app.name": "RxDesk 药店处方收银台",
  "app.tagline": "医保电子处方 · 定点零售药店",
  "app.screen_failed": "此页面未能加载：安装可能已损坏。请重启 RxDesk；仍不行请联系维护人员重新安装。",
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
  "state.not_connected": "未连接",
  "state.online": "在线",
  "state.offline": "离线",
  "state.not_configured": "未配置",
  "state.ready": "就绪",
  "state.degraded": "异常",
  "status.demo": "演示模式",
  "status.operator": "当前操作员",
  "status.refresh": "刷新状态 (F5)",
  "status.refreshed": "状态已刷新",
  "status.error": "无法读取状态：",
  "locale.switch": "English",
  "login.demo": "演示账户（点击填入）：",
  "home.logout": "退出登录 (F12)",
  "counter.cred.e_voucher": "医保电子凭证",
  "counter.cred.card": "社会保障卡",
  "counter.cred.id_card": "居民身份证",
  "counter.placeholder": "扫码或输入凭证号 (F2)",
  "counter.query": "查询处方 (Enter)",
  "counter.need_credential": "请扫描医保电子凭证，或输入卡号/证件号。",
  "counter.password_hint": "使用社保卡或身份证时，请患者在密码键盘上输入医保电子凭证密码确认。",
  "counter.querying": "正在向医保中心查询已授权处方…",
  "counter.downloading": "正在下载处方并在本地验证电子签名…",
  "counter.none": "该患者暂无可取药的授权处方。请确认患者已在医院完成处方授权流转。",
  "counter.pick": "按数字键 1–9 或点击打开处方。",
  "counter.back": "按 Esc 返回处方列表。",
  "sig.ok": "电子签名有效",
  "sig.blocked": "电子签名验证未通过，已阻止",
  "sig.institution": "签名机构",
  "sig.details": "证书详情",
  "sig.subject": "证书主题",
  "sig.serial": "证书序列号",
  "sig.validity": "有效期",
  "sig.ca": "签发 CA",
  "sig.signed_at": "签名时间",
  "sig.ok_warn": "电子签名有效，但有警告",
  "sig.warnings": "警告",
  "sig.warn.stale_crl": "证书吊销列表（CRL）已过期未能更新（应于 {next} 更新），宽限期至 {grace} 内暂按有效处理；宽限期后将阻止结算，请尽快检查网络或联系医保中心。",
  "sig.warn.no_crl": "未检查证书吊销状态（无可用的吊销列表，仅演练模式允许）。",
  "sig.warn.other": "验签警告：",
  "rx.no": "处方编号",
  "rx.patient": "患者",
  "rx.hospital": "开方机构",
  "rx.doctor": "开方医师",
  "rx.dept": "开方科室",
  "rx.time": "开方时间",
  "rx.valid_end": "有效截止",
  "rx.diag": "诊断",
  "rx.drugs": "药品",
  "rx.drugs_refused": "医保中心拒绝下载（打开可见原因）",
  "rx.drugs_unreachable": "药品暂未取得（打开时重试）",
  "rx.drug": "药品",
  "rx.spec": "规格",
  "rx.qty": "数量",
  "rx.usage": "用法用量",
  "rx.layout": "处方版式文件",
  "rx.layout_failed": "版式文件无法显示：",
  // The locale's own punctuation around words and values (en-US has no full-width marks).
  "fmt.label": "{label}：",
  "fmt.paren": "（{x}）",
  "fmt.empty": "（空）",
  "fmt.sep": "；",
  "fmt.comma": "，",
} as const;

export type Key = keyof typeof zh;

// English: empty until `useLocale("en-US")` has loaded the English chunk
// (i18n-en.ts); until then every key falls back to zh-CN.
let en: Partial<Record<Key, string>> = {};
let english: Promise<void> | null = null;

/** Loads the English tables once (a chunk of their own); zh-CN needs nothing. */
export function useLocale(locale: Locale): Promise<void> {
  if (locale !== "en-US") return Promise.resolve();
  english ??= import("./i18n-en").then(
    (m) => {
      en = m.en;
    },
    (e: unknown) => {
      english = null;
      throw e;
    },
  );
  return english;
}

const tables = (locale: Locale): Partial<Record<Key, string>> => (locale === "en-US" ? en : zh);

/** Every string of a locale's table (glossary and raw-text tests). */
export function allStrings(locale: Locale): [Key, string][] {
  return Object.entries(tables(locale)) as [Key, string][];
}

export function translate(locale: Locale, key: Key): string {
  return tables(locale)[key] ?? zh[key] ?? key;
}

/** The words of the center link's and the devices' state codes (`AppStatus.center`, `.devices`). */
export function stateWord(locale: Locale, code: string): string {
  const key = `state.${code}`;
  return key in zh ? translate(locale, key as Key) : code;
}
