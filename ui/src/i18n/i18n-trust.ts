// Strings of the "counter screens a pharmacist can trust" work (docs/ui-glossary.md):
// the visit state labels and tones, the sign-out confirmation, the pending
// call indicator, the audit's standard opinions, and the zh-CN names of codes
// the backend sends raw (CRL reasons, signed fields, 险种). Terms follow
// docs/ui-glossary.md. zh-CN first; en-US for integrators.

export const trustZh = {
  // Visit state chip (UI-owned: the backend's `stateZh` named the step before the audit "处方已核对").
  "state.started": "等待识别患者",
  "state.evoucher_guidance": "医保电子凭证指引",
  "state.identified": "已识别患者",
  "state.prescriptions_listed": "已查询处方",
  "state.downloaded": "已下载处方",
  "state.verified": "签名已验证",
  "state.rules_checked": "待审方",
  "state.audited": "审方通过，待调配",
  "state.dispensing": "调配中",
  "state.dispensed": "已调配，待预结算",
  "state.pre_settled": "已预结算，待结算",
  "state.settling": "结算中",
  "state.settlement_uncertain": "结算结果未知",
  "state.settled": "已结算，待收款",
  "state.settled_paid": "已收款，待完成",
  "state.settled_nothing_due": "已结算，无需收款",
  "state.receipted": "已完成",
  "state.refunding": "退费中",
  "state.refund_uncertain": "退费结果未知",
  "state.refunded": "已退费",
  "state.delivery": "配送中",
  "state.closed": "已结束",
  "state.blocked": "已阻止",
  "state.cancelled": "已取消",
  // The payment step, in the counter's own words.
  "next.settled_due": "请收取患者自付 {due}：现金输入实收金额后按 F10，扫码或支付终端按 F11",
  "next.settled_paid": "已收款：按 F10 完成并打印小票",
  "next.settled_nothing_due": "患者无需付款（自付 ¥0.00）：按 F10 完成并打印小票",
  "next.identify": "请扫描患者医保电子凭证，或选择社保卡、身份证、人脸识别或电子处方二维码",
  "pay.nothing_due": "患者无需付款（自付 ¥0.00）。",
  "closed.blocked": "已阻止，不能调配和结算：",
  "sig.ok_but_blocked": "电子签名有效，但本处方已被阻止（原因见上方红框）",
  // Sign-out confirmation (F12 mid-visit).
  "signout.title": "确认退出登录？",
  "signout.visit": "正在接待患者{patient}（{state}）：退出后本次服务保留，须由下一位登录的操作员继续办理。",
  "signout.otc": "有一笔进行中的非处方销售（{state}）：退出后这笔销售保留，未收费。",
  "signout.payment": "患者已结算、尚未收款出票：请先完成收款，或确认后由下一位操作员继续。",
  "signout.confirm": "确认退出 (Enter)",
  "signout.cancel": "继续工作 (Esc)",
  // A backend call that takes a while.
  "busy.elapsed": "已等待 {s} 秒",
  "busy.no_cancel": "请勿重复操作；医保中心应答前不能取消",
  // Audit opinion.
  "audit.phrases": "常用意见（↑↓ 选择，自动填入）",
  "audit.phrase_none": "—— 选择常用意见 ——",
  "audit.phrase.1a": "处方合理，准予调配",
  "audit.phrase.1b": "用法用量适宜，准予调配",
  "audit.phrase.1c": "已核对适应证与禁忌，准予调配",
  "audit.phrase.2a": "用法用量不适宜，不予调配",
  "audit.phrase.2b": "存在配伍禁忌，不予调配",
  "audit.phrase.2c": "处方超出有效期或不规范，不予调配",
  "audit.phrase.3a": "剂量超出常规范围，请医生确认",
  "audit.phrase.3b": "诊断与用药不符，请医生确认",
  "audit.phrase.3c": "存在重复用药，请医生确认",
  // CRL reason names (RFC 5280 CRLReason), as the verifier reports them.
  "crl.unspecified": "未说明原因",
  "crl.keyCompromise": "密钥泄露",
  "crl.cACompromise": "CA 密钥泄露",
  "crl.affiliationChanged": "隶属关系变更",
  "crl.superseded": "证书已被替换",
  "crl.cessationOfOperation": "停止运营",
  "crl.certificateHold": "证书冻结",
  "crl.removeFromCRL": "已从吊销列表移除",
  "crl.privilegeWithdrawn": "权限撤销",
  "crl.aACompromise": "属性机构密钥泄露",
  // Signed fields named by their wire names in verifier messages.
  "field.originalValue": "签名原文",
  "field.signDigest": "签名值",
  "field.signCertSn": "签名证书序列号",
  "field.signCertDn": "签名证书主题",
  "field.rxFile": "处方版式文件",
  // 险种类型 (insutype), rxdesk-wire Insutype.
  "insutype.310": "职工基本医疗保险",
  "insutype.320": "公务员医疗补助",
  "insutype.340": "离休人员医疗保障",
  "insutype.390": "城乡居民基本医疗保险",
  "plain.unreadable": "系统返回了一条无法显示的错误信息：请重试；仍不行请联系管理员查看日志",
} as const;

