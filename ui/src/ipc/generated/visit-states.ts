// Generated from crates/rxdesk-app/src/visit/view.rs (`state_name`) by
// `cargo test -p rxdesk-desktop ipc_contract`. Do not edit.

/** Every visit state name with the zh-CN label the service sends as `stateZh`. */
export const VISIT_STATES = {
  started: "等待识别患者",
  evoucher_guidance: "医保电子凭证指引",
  identified: "已识别患者",
  prescriptions_listed: "已查询处方",
  downloaded: "已下载处方",
  verified: "签名已验证",
  rules_checked: "待审方",
  audited: "药师已审方",
  dispensing: "调配中",
  dispensed: "已调配",
  pre_settled: "已预结算",
  settling: "结算中",
  settlement_uncertain: "结算结果未知",
  settled: "已结算",
  receipted: "已完成",
  refunding: "退费中",
  refund_uncertain: "退费结果未知",
  refunded: "已退费",
  delivery: "配送中",
  closed: "已结束",
} as const;

export type VisitStateName = keyof typeof VISIT_STATES;
