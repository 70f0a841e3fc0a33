// Step errors of the counter visit as the window shows them: the templates
// by code of the visit's step errors (`rxdesk-app` `visit::StepError`, codes
// listed in docs/rules.md). A command rejects with the generated `IpcError`
// (`ipc/errors.ts` renders it: these templates first, then the shell's
// catalogue, then the backend's two-language sentence, then a generic
// sentence with the code). Never a Chinese sentence translated back to
// English.
import type { Locale } from "../i18n/i18n";
import { inventoryErrors, stateWords } from "../i18n/i18n-inventory";

type Entry = { zh: string; en: string };

/** Sentences by code; `{name}` is filled from `params.name`. */
const catalogue: Record<string, Entry> = {
  NO_VISIT: { zh: "没有进行中的服务，请先开始接待", en: "No visit in progress: start a visit first" },
  VISIT_SETTLED_NOT_COMPLETED: {
    zh: "当前患者已结算但尚未收款出票，请先完成收款",
    en: "This patient is settled but not yet paid and receipted: finish the payment first",
  },
  NO_RX: { zh: "尚未下载处方", en: "No prescription downloaded yet" },
  NO_PATIENT: { zh: "尚未识别患者", en: "The patient is not identified yet" },
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
  const entry = catalogue[code];
  if (!entry) return null;
  return fill(pick(entry, locale), params);
}

/** Every sentence of the catalogue in `locale` (glossary tests). */
export function catalogueSentences(locale: Locale): string[] {
  return [catalogue, outOfStep, centerAction, centerTail, inventoryErrors].flatMap((table) => Object.values(table).map((e) => pick(e, locale)));
}

/** The codes this catalogue renders itself (tests). */
export const renderedCodes = (): string[] => [
  ...Object.keys(catalogue),
  "VISIT_ILLEGAL_TRANSITION",
  ...Object.keys(centerTail),
  ...Object.keys(inventoryErrors),
];

let current: Locale = "zh-CN";

/** The window's locale for errors rendered outside a component (set by App). */
export function setErrorLocale(locale: Locale): void {
  current = locale;
}

/** The locale set by `setErrorLocale`. */
export function errorLocale(): Locale {
  return current;
}
