//! Typed business messages with their exact wire names.
//!
//! Rust field names are the family-A snake_case wire names. Family B
//! (camelCase) uses the same structs through a mechanical, tested key
//! mapping (`hi_rxno` ↔ `hiRxno`, `rxdesk_center::canonical::snake_to_camel`);
//! golden fixtures under `crates/rxdesk-center/tests/fixtures/` pin both
//! spellings. The upload inputs (7204–7208, 3505, 3506) are exactly what the
//! ledger's outbox stores and sends (`rxdesk-store` `ledger.rs`, goldens in
//! `crates/rxdesk-store/tests/golden/uploads/`): a field the ledger never
//! fills is `skip_serializing_if` empty, so it is absent on the wire as it
//! always was. Node names
//! marked [U] in docs/reference/wire-protocol.md are RxDesk's choices (docs/protocol.md).
//! Money is `Amount` (16,2) / `Price` (16,6); quantities are `Decimal`;
//! times are `yyyy-MM-dd HH:mm:ss` CST strings (`rxdesk_core::time`).

use rust_decimal::Decimal;
use rxdesk_core::codes::{AuditResult, CertType, DeliveryStatus, RxStatus};
use rxdesk_core::{Amount, Price};
use serde::{Deserialize, Serialize};

use rxdesk_core::code_table;

code_table! {
    /// `insutype` 险种类型.
    Insutype {
        /// 职工基本医疗保险
        Employee = "310" => "职工基本医疗保险",
        /// 公务员医疗补助
        CivilServant = "320" => "公务员医疗补助",
        /// 离休人员医疗保障
        Retired = "340" => "离休人员医疗保障",
        /// 城乡居民基本医疗保险
        Resident = "390" => "城乡居民基本医疗保险",
    }
}

code_table! {
    /// `med_type` 医疗类别.
    MedType {
        /// 普通门诊
        Outpatient = "11" => "普通门诊",
        /// 门诊慢特病
        ChronicOutpatient = "14" => "门诊慢特病",
        /// 门诊特药（双通道）: RxDesk's code, the national value is not in the
        /// public record (`rxdesk_core::settle_kind`, docs/settlement-types.md)
        DualChannel = "1402" => "门诊特药（双通道）",
        /// 定点药店购药
        PharmacyPurchase = "41" => "定点药店购药",
    }
}

code_table! {
    /// `gend` 性别.
    Gender {
        /// 男
        Male = "1" => "男",
        /// 女
        Female = "2" => "女",
        /// 未说明
        Unstated = "9" => "未说明",
    }
}

code_table! {
    /// `psn_cert_type` 人员证件类型 (the common values).
    PsnCertType {
        /// 居民身份证
        IdCard = "01" => "居民身份证",
        /// 社会保障卡
        SocialSecurityCard = "90" => "社会保障卡",
        /// 其他身份证件
        Other99 = "99" => "其他身份证件",
    }
}

code_table! {
    /// 7206 `payMode` 支付方式.
    PayMode {
        /// 自费
        SelfPay = "1" => "自费",
        /// 医保
        Insurance = "2" => "医保",
        /// 自费+医保
        Mixed = "3" => "自费+医保",
    }
}

/// `infno` of every family-A transaction RxDesk uses.
pub mod infno {
    /// 签到
    pub const SIGN_IN: &str = "9001";
    /// 签退
    pub const SIGN_OUT: &str = "9002";
    /// 人员基本信息获取
    pub const PERSON_INFO: &str = "1101";
    /// 药店预结算
    pub const PRE_SETTLE: &str = "2101";
    /// 药店结算
    pub const SETTLE: &str = "2102";
    /// 药店结算撤销
    pub const SETTLE_REVERSE: &str = "2103";
    /// 冲正
    pub const REVERSAL: &str = "2601";
    /// 结算信息查询
    pub const SETTLEMENT_QUERY: &str = "5203";
    /// 对总账
    pub const RECONCILE_TOTAL: &str = "3201";
    /// 对明细账
    pub const RECONCILE_DETAIL: &str = "3202";
    /// 商品销售
    pub const SALE: &str = "3505";
    /// 商品销售退货
    pub const SALE_RETURN: &str = "3506";
    /// 商品盘存上传
    pub const STOCK_TAKE: &str = "3501";
    /// 商品库存变更
    pub const STOCK_CHANGE: &str = "3502";
    /// 商品采购
    pub const PURCHASE: &str = "3503";
    /// 商品采购退货
    pub const PURCHASE_RETURN: &str = "3504";
    /// 进销存数据删除
    pub const INVENTORY_DELETE: &str = "3507";
    /// 商品销售追溯信息查询
    pub const SOLD_TRACE_QUERY: &str = "3513";
    /// 在库药品信息公开 (RxDesk's own name: the public record names no
    /// national transaction for it; docs/protocol.md)
    pub const STOCK_PUBLISH: &str = "stockPublish";
    /// 文件上传
    pub const FILE_UPLOAD: &str = "9101";
    /// 文件下载
    pub const FILE_DOWNLOAD: &str = "9102";
    /// 处方二维码解析
    pub const RX_QR_DECODE: &str = "7201";
    /// 电子处方查询
    pub const RX_QUERY: &str = "7202";
    /// 电子处方下载
    pub const RX_DOWNLOAD: &str = "7203";
    /// 电子处方审核
    pub const RX_AUDIT: &str = "7204";
    /// 配送信息上传
    pub const RX_DELIVERY: &str = "7205";
    /// 电子处方核销
    pub const RX_WRITE_OFF: &str = "7206";
    /// 销售出库明细上传 (docs/decisions/0010-record-silent-choices.md)
    pub const RX_SALES_UPLOAD: &str = "7207";
    /// 销售出库明细撤销 (docs/decisions/0010-record-silent-choices.md)
    pub const RX_SALES_UNDO: &str = "7208";
    /// Transactions safe to replay blindly (queries).
    pub const IDEMPOTENT_QUERIES: [&str; 8] = [
        PERSON_INFO,
        SOLD_TRACE_QUERY,
        SETTLEMENT_QUERY,
        RX_QR_DECODE,
        RX_QUERY,
        RX_DOWNLOAD,
        RECONCILE_TOTAL,
        FILE_DOWNLOAD,
    ];
}

// ------------------------------------------------------------------ 9001/9002

/// 9001 input node `signIn`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SignIn {
    /// 操作员编号
    pub opter_no: String,
    /// 签到MAC地址
    pub mac: String,
    /// 签到IP地址
    pub ip: String,
}
/// 9001 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SignInInput {
    /// node `signIn`
    #[serde(rename = "signIn")]
    pub sign_in: SignIn,
}
/// 9001 output node `signinoutb`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SignInOutB {
    /// 签到时间
    pub sign_time: String,
    /// 签到编号
    pub sign_no: String,
}
/// 9001 output.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SignInOutput {
    /// node `signinoutb`
    pub signinoutb: SignInOutB,
}
/// 9002 input node `signOut` (fields [U]: RxDesk sends the sign_no and operator).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SignOut {
    /// 签到编号
    pub sign_no: String,
    /// 操作员编号
    pub opter_no: String,
}
/// 9002 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SignOutInput {
    /// node `signOut`
    #[serde(rename = "signOut")]
    pub sign_out: SignOut,
}

// ------------------------------------------------------------------ 1101

/// 1101 input node `data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonQuery {
    /// 就诊凭证类型
    pub mdtrt_cert_type: CertType,
    /// 就诊凭证编号 (ecToken / ID number / card number)
    pub mdtrt_cert_no: String,
    /// 卡识别码 (type 03)
    #[serde(default)]
    pub card_sn: String,
    /// 开始时间
    #[serde(default)]
    pub begntime: String,
    /// 人员证件类型
    #[serde(default)]
    pub psn_cert_type: String,
    /// 证件号码
    #[serde(default)]
    pub certno: String,
    /// 人员姓名
    #[serde(default)]
    pub psn_name: String,
}
/// 1101 input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonInfoInput {
    /// node `data`
    pub data: PersonQuery,
}
/// 1101 `baseinfo`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BaseInfo {
    /// 人员编号
    pub psn_no: String,
    /// 人员证件类型
    pub psn_cert_type: PsnCertType,
    /// 证件号码 (mask before logging)
    pub certno: String,
    /// 人员姓名
    pub psn_name: String,
    /// 性别
    pub gend: Gender,
    /// 民族
    pub naty: String,
    /// 出生日期
    pub brdy: String,
    /// 年龄
    pub age: Decimal,
}
/// 1101 `insuinfo` row.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct InsuInfo {
    /// 余额 (personal account)
    pub balc: Amount,
    /// 险种类型
    pub insutype: Insutype,
    /// 人员类别
    pub psn_type: String,
    /// 人员参保状态
    pub psn_insu_stas: String,
    /// 个人参保日期
    pub psn_insu_date: String,
    /// 暂停参保日期
    pub paus_insu_date: String,
    /// 公务员标志
    pub cvlserv_flag: String,
    /// 参保地医保区划
    pub insuplc_admdvs: String,
    /// 单位名称
    pub emp_name: String,
}
/// 1101 `idetinfo` row.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct IdetInfo {
    /// 人员身份类别
    pub psn_idet_type: String,
    /// 人员类别等级
    pub psn_type_lv: String,
    /// 备注
    pub memo: String,
    /// 开始时间
    pub begntime: String,
    /// 结束时间
    pub endtime: String,
}
/// 1101 output.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PersonInfoOutput {
    /// 基本信息
    pub baseinfo: BaseInfo,
    /// 参保信息
    pub insuinfo: Vec<InsuInfo>,
    /// 身份信息
    pub idetinfo: Vec<IdetInfo>,
}

// ------------------------------------------------------------------ 2101/2102/2103

/// 2101/2102 input node `data` (node name [U]; RxDesk: `data`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettleData {
    /// 人员编号
    pub psn_no: String,
    /// 就诊凭证类型
    pub mdtrt_cert_type: CertType,
    /// 就诊凭证编号
    pub mdtrt_cert_no: String,
    /// 开始时间
    pub begntime: String,
    /// 医疗费总额
    pub medfee_sumamt: Amount,
    /// 发票号
    #[serde(default)]
    pub invono: String,
    /// 险种类型
    pub insutype: Insutype,
    /// 病种编码
    #[serde(default)]
    pub dise_codg: String,
    /// 病种名称
    #[serde(default)]
    pub dise_name: String,
    /// 个人账户使用标志 (0/1)
    pub acct_used_flag: String,
    /// 医疗类别
    pub med_type: MedType,
    /// 扩展内容
    #[serde(default, rename = "expContent")]
    pub exp_content: String,
}
/// 2101/2102 `drugdetail` row.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DrugDetail {
    /// 费用明细流水号
    pub feedetl_sn: String,
    /// 处方号 (hi_rxno for circulated prescriptions)
    #[serde(default)]
    pub rxno: String,
    /// 外购处方标志
    #[serde(default)]
    pub rx_circ_flag: String,
    /// 费用发生时间
    pub fee_ocur_time: String,
    /// 医疗目录编码
    pub med_list_codg: String,
    /// 医药机构目录编码
    pub medins_list_codg: String,
    /// 明细项目费用总额
    pub det_item_fee_sumamt: Amount,
    /// 数量
    pub cnt: Decimal,
    /// 单价
    pub pric: Price,
    /// 单次剂量描述
    #[serde(default)]
    pub sin_dos_dscr: String,
    /// 使用频次描述
    #[serde(default)]
    pub used_frqu_dscr: String,
    /// 周期天数
    #[serde(default)]
    pub prd_days: Decimal,
    /// 用药途径描述
    #[serde(default)]
    pub medc_way_dscr: String,
    /// 开单医生编码
    #[serde(default)]
    pub bilg_dr_codg: String,
    /// 开单医师姓名
    #[serde(default)]
    pub bilg_dr_name: String,
    /// 中药使用方式
    #[serde(default)]
    pub tcmdrug_used_way: String,
    /// 本次结算应上传最小包装药品追溯码数量: the boxes' trace codes collected
    /// for this line, sent where the province's profile requires it
    /// (`[settlement] trace_count`; absent otherwise)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minpacunt_drug_trac_cnt: Option<Decimal>,
}
/// 2101/2102 input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettleInput {
    /// node `data`
    pub data: SettleData,
    /// node `drugdetail`
    pub drugdetail: Vec<DrugDetail>,
}
/// 2101/2102/2103 `setlinfo`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SetlInfo {
    /// 结算ID
    pub setl_id: String,
    /// 就诊ID
    pub mdtrt_id: String,
    /// 人员编号
    pub psn_no: String,
    /// 人员姓名
    pub psn_name: String,
    /// 人员证件类型
    pub psn_cert_type: String,
    /// 证件号码
    pub certno: String,
    /// 性别
    pub gend: String,
    /// 民族
    pub naty: String,
    /// 出生日期
    pub brdy: String,
    /// 年龄
    pub age: Decimal,
    /// 险种类型
    pub insutype: Insutype,
    /// 人员类别
    pub psn_type: String,
    /// 公务员标志
    pub cvlserv_flag: String,
    /// 结算时间
    pub setl_time: String,
    /// 就诊凭证类型
    pub mdtrt_cert_type: String,
    /// 医疗类别
    pub med_type: MedType,
    /// 医疗费总额
    pub medfee_sumamt: Amount,
    /// 全自费金额
    pub fulamt_ownpay_amt: Amount,
    /// 超限价自费费用
    pub overlmt_selfpay: Amount,
    /// 先行自付金额
    pub preselfpay_amt: Amount,
    /// 符合政策范围金额
    pub inscp_scp_amt: Amount,
    /// 实际支付起付线
    pub act_pay_dedc: Amount,
    /// 基本医疗保险统筹基金支出
    pub hifp_pay: Amount,
    /// 统筹基金支付比例
    pub pool_prop_selfpay: Decimal,
    /// 公务员医疗补助资金支出
    pub cvlserv_pay: Amount,
    /// 企业补充医疗保险基金支出
    pub hifes_pay: Amount,
    /// 居民大病保险资金支出
    pub hifmi_pay: Amount,
    /// 职工大额医疗费用补助基金支出
    pub hifob_pay: Amount,
    /// 医疗救助基金支出
    pub maf_pay: Amount,
    /// 其他支出
    pub oth_pay: Amount,
    /// 基金支付总额
    pub fund_pay_sumamt: Amount,
    /// 个人负担总金额
    pub psn_part_amt: Amount,
    /// 个人账户支出
    pub acct_pay: Amount,
    /// 个人现金支出
    pub psn_cash_pay: Amount,
    /// 余额
    pub balc: Amount,
    /// 个人账户共济支付金额
    pub acct_mulaid_pay: Amount,
    /// 医药机构结算ID (= the sender's msgid)
    pub medins_setl_id: String,
    /// 清算经办机构
    pub clr_optins: String,
    /// 清算方式
    pub clr_way: String,
    /// 清算类别
    pub clr_type: String,
}
/// `setldetail` row.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SetlDetail {
    /// 基金支付类型
    pub fund_pay_type: String,
    /// 符合政策范围金额
    pub inscp_scp_amt: Amount,
    /// 本次可支付限额金额
    pub crt_payb_lmt_amt: Amount,
    /// 基金支付金额
    pub fund_payamt: Amount,
    /// 基金支付类型名称
    pub fund_pay_type_name: String,
    /// 结算过程信息
    pub setl_proc_info: String,
}
/// `detlcutinfo` row.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DetlCutInfo {
    /// 费用明细流水号
    pub feedetl_sn: String,
    /// 明细项目费用总额
    pub det_item_fee_sumamt: Amount,
    /// 数量
    pub cnt: Decimal,
    /// 单价
    pub pric: Price,
    /// 定价上限金额
    pub pric_uplmt_amt: Price,
    /// 自付比例
    pub selfpay_prop: Decimal,
    /// 全自费金额
    pub fulamt_ownpay_amt: Amount,
    /// 超限价金额
    pub overlmt_amt: Amount,
    /// 先行自付金额
    pub preselfpay_amt: Amount,
    /// 符合政策范围金额
    pub inscp_scp_amt: Amount,
    /// 收费项目等级 (1 甲类, 2 乙类, 3 丙类)
    pub chrgitm_lv: String,
    /// 医疗收费项目类别
    pub med_chrgitm_type: String,
    /// 基本药物标志
    pub bas_medn_flag: String,
    /// 医保谈判药品标志
    pub hi_nego_drug_flag: String,
    /// 儿童用药标志
    pub chld_medc_flag: String,
    /// 目录特项标志
    pub list_sp_item_flag: String,
    /// 直报标志
    pub drt_reim_flag: String,
    /// 备注
    pub memo: String,
}
/// 2101/2102 output.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SettleOutput {
    /// 结算信息
    pub setlinfo: SetlInfo,
    /// 基金分项
    pub setldetail: Vec<SetlDetail>,
    /// 明细分割
    pub detlcutinfo: Vec<DetlCutInfo>,
}
/// 2103 input node `data`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SettleReverseData {
    /// 结算ID
    pub setl_id: String,
    /// 就诊ID
    pub mdtrt_id: String,
    /// 人员编号
    pub psn_no: String,
    /// 扩展内容
    #[serde(default, rename = "expContent")]
    pub exp_content: String,
}
/// 2103 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SettleReverseInput {
    /// node `data`
    pub data: SettleReverseData,
}
/// 2103 output (amounts of the reversal are negative).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SettleReverseOutput {
    /// 结算信息
    pub setlinfo: SetlInfo,
    /// 基金分项
    pub setldetail: Vec<SetlDetail>,
}

// ------------------------------------------------------------------ 2601

/// 2601 input node `data`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReversalData {
    /// 人员编号
    pub psn_no: String,
    /// 原发送方报文ID
    pub omsgid: String,
    /// 原交易编号
    pub oinfno: String,
}
/// 2601 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReversalInput {
    /// node `data`
    pub data: ReversalData,
}

// ------------------------------------------------------------------ 5203

/// 5203 结算信息查询 input node `data`. National fields: `psn_no`,
/// `setl_id`, `mdtrt_id`. RxDesk's addition (docs/protocol.md):
/// `medins_setl_id` = the 2102 msgid, so a 2102 whose answer never arrived
/// (no `setl_id` known) can be looked up.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SettlementQueryData {
    /// 人员编号
    pub psn_no: String,
    /// 结算ID (empty when unknown)
    #[serde(default)]
    pub setl_id: String,
    /// 就诊ID (empty when unknown)
    #[serde(default)]
    pub mdtrt_id: String,
    /// 医药机构结算ID = the 2102 msgid (RxDesk's)
    #[serde(default)]
    pub medins_setl_id: String,
}
/// 5203 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SettlementQueryInput {
    /// node `data`
    pub data: SettlementQueryData,
}
/// 5203 output: the settlement as 2102 answered it, and whether it has been
/// reversed since (`refd_setl_flag` "1", RxDesk's). "No such settlement" is
/// the error 4001.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SettlementQueryOutput {
    /// 结算信息
    pub setlinfo: SetlInfo,
    /// 基金分项
    pub setldetail: Vec<SetlDetail>,
    /// 退费结算标志: "1" reversed (2103 / 2601), "0" standing
    pub refd_setl_flag: String,
}

impl SettlementQueryOutput {
    /// The settlement as a 2102 answer (for completing a sale from it).
    pub fn as_settle_output(&self) -> SettleOutput {
        SettleOutput {
            setlinfo: self.setlinfo.clone(),
            setldetail: self.setldetail.clone(),
            detlcutinfo: Vec::new(),
        }
    }
    /// True when the settlement was reversed.
    pub fn reversed(&self) -> bool {
        self.refd_setl_flag == "1"
    }
}

// ------------------------------------------------------------------ 3505/3506

/// One trace code (`drugtracinfo` element).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DrugTrace {
    /// 药品追溯码 (RxDesk: 20 digits)
    pub drug_trac_codg: String,
}
/// 3505 input node `selinfo`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SaleInfo {
    /// 医疗目录编码
    pub med_list_codg: String,
    /// 定点医药机构目录编号
    pub fixmedins_hilist_id: String,
    /// 定点医药机构目录名称
    pub fixmedins_hilist_name: String,
    /// 定点医药机构批次流水号
    pub fixmedins_bchno: String,
    /// 开方医师证件类型
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prsc_dr_cert_type: String,
    /// 开方医师证件号码
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prsc_dr_certno: String,
    /// 开方医师姓名
    pub prsc_dr_name: String,
    /// 药师证件类型
    #[serde(default)]
    pub phar_cert_type: String,
    /// 药师证件号码
    #[serde(default)]
    pub phar_certno: String,
    /// 药师姓名
    pub phar_name: String,
    /// 药师执业资格证号
    pub phar_prac_cert_no: String,
    /// 医保费用结算类型
    pub hi_feesetl_type: String,
    /// 结算ID
    #[serde(default)]
    pub setl_id: String,
    /// 就医流水号
    pub mdtrt_sn: String,
    /// 人员编号
    #[serde(default)]
    pub psn_no: String,
    /// 人员证件类型
    pub psn_cert_type: String,
    /// 证件号码
    #[serde(default)]
    pub certno: String,
    /// 人员姓名
    #[serde(default)]
    pub psn_name: String,
    /// 生产批号
    pub manu_lotnum: String,
    /// 生产日期
    pub manu_date: String,
    /// 有效期止
    pub expy_end: String,
    /// 处方药标志
    pub rx_flag: String,
    /// 拆零标志
    pub trdn_flag: String,
    /// 最终成交单价
    #[serde(default)]
    pub finl_trns_pric: Price,
    /// 处方号
    #[serde(default)]
    pub rxno: String,
    /// 外购处方标志
    pub rx_circ_flag: String,
    /// 零售单据号
    pub rtal_docno: String,
    /// 销售出库单据号
    #[serde(default)]
    pub stoout_no: String,
    /// 批次号
    #[serde(default)]
    pub bchno: String,
    /// 药品条形码
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub drug_prod_barc: String,
    /// 货架位
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub shelf_posi: String,
    /// 销售/退货数量
    pub sel_retn_cnt: Decimal,
    /// 销售/退货时间
    pub sel_retn_time: String,
    /// 销售/退货经办人姓名
    pub sel_retn_opter_name: String,
    /// 备注
    #[serde(default)]
    pub memo: String,
    /// 就诊结算类型 ("1" settled through insurance)
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mdtrt_setl_type: String,
    /// 溯源码节点信息
    #[serde(default)]
    pub drugtracinfo: Vec<DrugTrace>,
}
/// 3505 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SaleInput {
    /// node `selinfo`
    pub selinfo: SaleInfo,
}
/// 3505/3506 output node `result`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SaleResultNode {
    /// "1" 受理成功 / "0" rejected
    #[serde(rename = "retRslt")]
    pub ret_rslt: String,
    /// message
    #[serde(rename = "msgRslt")]
    pub msg_rslt: String,
}
/// 3505/3506 output.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SaleOutput {
    /// node `result`
    pub result: SaleResultNode,
}
/// 3506 input node `selinfo`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SaleReturnInfo {
    /// 医疗目录编码
    pub med_list_codg: String,
    /// 定点医药机构目录编号
    pub fixmedins_hilist_id: String,
    /// 定点医药机构目录名称
    pub fixmedins_hilist_name: String,
    /// 定点医药机构批次流水号
    pub fixmedins_bchno: String,
    /// 结算ID
    #[serde(default)]
    pub setl_id: String,
    /// 人员编号
    #[serde(default)]
    pub psn_no: String,
    /// 人员证件类型
    pub psn_cert_type: String,
    /// 证件号码
    #[serde(default)]
    pub certno: String,
    /// 人员姓名
    #[serde(default)]
    pub psn_name: String,
    /// 生产批号
    pub manu_lotnum: String,
    /// 生产日期
    pub manu_date: String,
    /// 有效期止
    pub expy_end: String,
    /// 处方药标志
    pub rx_flag: String,
    /// 拆零标志
    pub trdn_flag: String,
    /// 最终成交单价
    #[serde(default)]
    pub finl_trns_pric: Price,
    /// 销售/退货数量
    pub sel_retn_cnt: Decimal,
    /// 销售/退货时间
    pub sel_retn_time: String,
    /// 销售/退货经办人姓名
    pub sel_retn_opter_name: String,
    /// 备注
    #[serde(default)]
    pub memo: String,
    /// 商品销售流水号 (RxDesk: the 3505 `rtal_docno`)
    pub medins_prod_sel_no: String,
    /// 就医流水号
    pub mdtrt_sn: String,
    /// 溯源码节点信息
    #[serde(default)]
    pub drugtracinfo: Vec<DrugTrace>,
}
/// 3506 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SaleReturnInput {
    /// node `selinfo`
    pub selinfo: SaleReturnInfo,
}

// ------------------------------------------------------------------ 3501–3504, 3507, 3513

/// `inv_chg_type` 库存变更类型 of 3502. The national code values are not in
/// the public record RxDesk has; these are RxDesk's (docs/protocol.md).
pub mod inv_chg_type {
    /// 调拨入库 (transfer in)
    pub const TRANSFER_IN: &str = "101";
    /// 调拨出库 (transfer out)
    pub const TRANSFER_OUT: &str = "102";
    /// 盘盈 / 报溢 (found more than the ledger holds)
    pub const SURPLUS: &str = "103";
    /// 盘亏 / 报损 (lost or damaged)
    pub const LOSS: &str = "104";
    /// 过期销毁 (expiry write-off)
    pub const EXPIRED: &str = "105";
    /// Every value RxDesk sends.
    pub const ALL: [&str; 5] = [TRANSFER_IN, TRANSFER_OUT, SURPLUS, LOSS, EXPIRED];
}

/// `inv_data_type` 进销存数据类型 of 3507.
pub mod inv_data_type {
    /// 盘存信息 (3501)
    pub const STOCK_TAKE: &str = "1";
    /// 库存变更信息 (3502)
    pub const STOCK_CHANGE: &str = "2";
    /// 采购信息 (3503/3504)
    pub const PURCHASE: &str = "3";
    /// 销售信息 (3505/3506)
    pub const SALE: &str = "4";
}

/// 3501 input node `invinfo`: one product batch as counted.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StockTakeInfo {
    /// 医疗目录编码
    pub med_list_codg: String,
    /// 定点医药机构目录编号
    pub fixmedins_hilist_id: String,
    /// 定点医药机构目录名称
    pub fixmedins_hilist_name: String,
    /// 处方药标志
    pub rx_flag: String,
    /// 盘存日期 (yyyy-MM-dd)
    pub invdate: String,
    /// 库存数量 (smallest units as counted; RxDesk: packs)
    pub inv_cnt: Decimal,
    /// 生产批号
    pub manu_lotnum: String,
    /// 定点医药机构批次流水号
    pub fixmedins_bchno: String,
    /// 生产日期
    pub manu_date: String,
    /// 有效期止
    pub expy_end: String,
    /// 备注
    #[serde(default)]
    pub memo: String,
    /// 溯源码节点信息: the codes counted
    #[serde(default)]
    pub drugtracinfo: Vec<DrugTrace>,
}
/// 3501 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StockTakeInput {
    /// node `invinfo`
    pub invinfo: StockTakeInfo,
}

/// 3502 input node `invinfo`: one stock change of one batch.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StockChangeInfo {
    /// 医疗目录编码
    pub med_list_codg: String,
    /// 库存变更类型 ([`inv_chg_type`])
    pub inv_chg_type: String,
    /// 定点医药机构目录编号
    pub fixmedins_hilist_id: String,
    /// 定点医药机构目录名称
    pub fixmedins_hilist_name: String,
    /// 定点医药机构批次流水号
    pub fixmedins_bchno: String,
    /// 单价
    pub pric: Price,
    /// 数量 (RxDesk: packs)
    pub cnt: Decimal,
    /// 处方药标志
    pub rx_flag: String,
    /// 库存变更时间
    pub inv_chg_time: String,
    /// 库存变更经办人姓名
    pub inv_chg_opter_name: String,
    /// 备注 (RxDesk: the reason)
    #[serde(default)]
    pub memo: String,
    /// 拆零标志
    pub trdn_flag: String,
    /// 溯源码节点信息: the boxes changed
    #[serde(default)]
    pub drugtracinfo: Vec<DrugTrace>,
}
/// 3502 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StockChangeInput {
    /// node `invinfo`
    pub invinfo: StockChangeInfo,
}

/// 3503 input node `purcinfo`: one received batch line of a goods-in document.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PurchaseInfo {
    /// 医疗目录编码
    pub med_list_codg: String,
    /// 定点医药机构目录编号
    pub fixmedins_hilist_id: String,
    /// 定点医药机构目录名称
    pub fixmedins_hilist_name: String,
    /// 随货单号
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dynt_no: String,
    /// 定点医药机构批次流水号
    pub fixmedins_bchno: String,
    /// 供应商名称
    pub spler_name: String,
    /// 供应商许可证号
    #[serde(default)]
    pub spler_pmtno: String,
    /// 生产批号
    pub manu_lotnum: String,
    /// 生产企业名称
    #[serde(default)]
    pub prodentp_name: String,
    /// 批准文号
    #[serde(default)]
    pub aprvno: String,
    /// 生产日期
    pub manu_date: String,
    /// 有效期止
    pub expy_end: String,
    /// 最终成交单价 (purchase price)
    #[serde(default)]
    pub finl_trns_pric: Price,
    /// 采购数量 (packs)
    pub purc_retn_cnt: Decimal,
    /// 采购发票编码
    #[serde(default)]
    pub purc_invo_codg: String,
    /// 采购发票号
    pub purc_invo_no: String,
    /// 处方药标志
    pub rx_flag: String,
    /// 采购入库时间
    pub purc_retn_stoin_time: String,
    /// 采购经办人姓名
    pub purc_retn_opter_name: String,
    /// 赠品标志 ("0" no)
    #[serde(default)]
    pub prod_geay_flag: String,
    /// 备注
    #[serde(default)]
    pub memo: String,
    /// 溯源码节点信息: every received box (RxDesk sends them, docs/protocol.md)
    #[serde(default)]
    pub drugtracinfo: Vec<DrugTrace>,
}
/// 3503 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PurchaseInput {
    /// node `purcinfo`
    pub purcinfo: PurchaseInfo,
}

/// 3504 input node `purcinfo`: boxes of one batch sent back to the supplier.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PurchaseReturnInfo {
    /// 医疗目录编码
    pub med_list_codg: String,
    /// 定点医药机构目录编号
    pub fixmedins_hilist_id: String,
    /// 定点医药机构目录名称
    pub fixmedins_hilist_name: String,
    /// 定点医药机构批次流水号
    pub fixmedins_bchno: String,
    /// 供应商名称
    pub spler_name: String,
    /// 供应商许可证号
    #[serde(default)]
    pub spler_pmtno: String,
    /// 生产日期
    pub manu_date: String,
    /// 有效期止
    pub expy_end: String,
    /// 最终成交单价
    #[serde(default)]
    pub finl_trns_pric: Price,
    /// 退货数量 (packs)
    pub purc_retn_cnt: Decimal,
    /// 采购发票编码
    #[serde(default)]
    pub purc_invo_codg: String,
    /// 采购发票号
    pub purc_invo_no: String,
    /// 处方药标志
    pub rx_flag: String,
    /// 退货出库时间
    pub purc_retn_stoin_time: String,
    /// 退货经办人姓名
    pub purc_retn_opter_name: String,
    /// 备注 (RxDesk: the reason)
    #[serde(default)]
    pub memo: String,
    /// 商品采购流水号 (RxDesk: the goods-in document number)
    #[serde(default)]
    pub medins_prod_purc_no: String,
    /// 溯源码节点信息: the boxes returned
    #[serde(default)]
    pub drugtracinfo: Vec<DrugTrace>,
}
/// 3504 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PurchaseReturnInput {
    /// node `purcinfo`
    pub purcinfo: PurchaseReturnInfo,
}

/// One drug of the published in-stock list (node `stkinfo`): the packs on
/// the shelf of one catalogue entry, all batches together.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StockPublishItem {
    /// 医疗目录编码 (the 医保 code)
    pub med_list_codg: String,
    /// 定点医药机构目录编号
    pub fixmedins_hilist_id: String,
    /// 药品名称
    pub fixmedins_hilist_name: String,
    /// 规格
    #[serde(default)]
    pub spec: String,
    /// 在库数量 (packs; a split box counts its part)
    pub stock_cnt: Decimal,
    /// 零售价 per pack
    pub pric: Price,
    /// 国谈药品标志 ("1" a national negotiated drug, "0" not)
    pub nego_drug_flag: String,
}
/// The in-stock list published for public channels (ST-EPC-02-004,
/// [`infno::STOCK_PUBLISH`]): the whole list each time, so only the newest
/// one matters (docs/protocol.md).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StockPublishInput {
    /// 定点医药机构编号
    pub fixmedins_code: String,
    /// 公布时间 (yyyy-MM-dd HH:mm:ss, CST): when the list was taken
    pub pub_time: String,
    /// node `stkinfo`: every drug with packs in stock
    #[serde(default)]
    pub stkinfo: Vec<StockPublishItem>,
}

/// 3507 input node `data`: delete what was uploaded under a batch number.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InventoryDeleteData {
    /// 定点医药机构批次流水号 of the upload to delete
    pub fixmedins_bchno: String,
    /// 进销存数据类型 ([`inv_data_type`])
    pub inv_data_type: String,
}
/// 3507 input.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InventoryDeleteInput {
    /// node `data`
    pub data: InventoryDeleteData,
}

/// 3513 input node `data`: what the platform recorded for sold codes, by
/// day range and/or by code.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SoldTraceQueryData {
    /// 定点医药机构编号
    pub fixmedins_code: String,
    /// 医药机构目录编码
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub medins_list_codg: String,
    /// 定点医药机构批次流水号
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fixmedins_bchno: String,
    /// 开始日期 (yyyy-MM-dd)
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub begndate: String,
    /// 结束日期 (yyyy-MM-dd)
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub enddate: String,
    /// 医疗目录编码
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub med_list_codg: String,
    /// 就诊ID
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mdtrt_id: String,
    /// 人员编号
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub psn_no: String,
    /// 人员证件类型
    #[serde(default)]
    pub psn_cert_type: String,
    /// 证件号码
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub certno: String,
    /// 人员姓名
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub psn_name: String,
    /// 药品追溯码
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub drug_trac_codg: String,
}
/// 3513 input.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SoldTraceQueryInput {
    /// node `data`
    pub data: SoldTraceQueryData,
}
/// One 3513 output row (camelCase on the wire, as the public model names
/// them): one sold code as the platform recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SoldTraceRecord {
    /// 定点医药机构编号
    pub fixmedins_code: String,
    /// 医疗目录编码
    pub med_list_codg: String,
    /// 医药机构目录编码
    pub medins_list_codg: String,
    /// 医药机构目录名称
    pub medins_list_name: String,
    /// 定点医药机构批次流水号
    pub fixmedins_bchno: String,
    /// 就诊ID
    pub mdtrt_id: String,
    /// 就诊结算类型
    pub mdtrt_setl_type: String,
    /// 记账流水号 (RxDesk's emulator: the 3505 `rtal_docno`)
    pub bkkp_sn: String,
    /// 药品追溯码
    pub drug_trac_codg: String,
    /// 人员编号
    pub psn_no: String,
    /// 人员证件类型
    pub psn_cert_type: String,
    /// 证件号码
    pub certno: String,
    /// 人员姓名
    pub psn_name: String,
    /// 备注
    pub memo: String,
    /// 拆零标志
    pub trdn_flag: String,
    /// 数据更新时间
    pub updt_time: String,
    /// 经办人姓名
    pub opter_name: String,
    /// 数据唯一记录号
    pub rid: String,
    /// 数据创建时间
    pub crte_time: String,
    /// 经办时间
    pub opt_time: String,
    /// 经办人ID
    pub opter_id: String,
    /// 创建人姓名
    pub crter_name: String,
    /// 创建人ID
    pub crter_id: String,
    /// 经办机构编号
    pub optins_no: String,
}
/// 3513 output: the rows (node name `data` is RxDesk's, docs/protocol.md).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SoldTraceQueryOutput {
    /// node `data`
    pub data: Vec<SoldTraceRecord>,
}

// ------------------------------------------------------------------ 3201/3202

/// 3201 input node `data`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReconcileTotalData {
    /// 险种
    pub insutype: Insutype,
    /// 清算类别
    pub clr_type: String,
    /// 结算经办机构
    pub setl_optins: String,
    /// 对账开始日期 (yyyy-MM-dd)
    pub stmt_begndate: String,
    /// 对账结束日期 (yyyy-MM-dd)
    pub stmt_enddate: String,
    /// 医疗费总额
    pub medfee_sumamt: Amount,
    /// 基金支付总额
    pub fund_pay_sumamt: Amount,
    /// 个人账户支出
    pub acct_pay: Amount,
    /// 定点医药机构结算笔数
    pub fixmedins_setl_cnt: u64,
}
/// 3201 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReconcileTotalInput {
    /// node `data`
    pub data: ReconcileTotalData,
}
/// 3201 output node `stmtinfo` (node name [U]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StmtInfo {
    /// 结算经办机构
    pub setl_optins: String,
    /// 对账结果 ("0" 平, "1" 不平 — RxDesk's table)
    pub stmt_rslt: String,
    /// 对账结果说明
    pub stmt_rslt_dscr: String,
}
/// 3201 output.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReconcileTotalOutput {
    /// node `stmtinfo`
    pub stmtinfo: StmtInfo,
}
/// 3202 input node `data`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReconcileDetailData {
    /// 结算经办机构
    pub setl_optins: String,
    /// 文件查询号 (from 9101)
    pub file_qury_no: String,
    /// 对账开始日期
    pub stmt_begndate: String,
    /// 对账结束日期
    pub stmt_enddate: String,
    /// 医疗费总额
    pub medfee_sumamt: Amount,
    /// 基金支付总额
    pub fund_pay_sumamt: Amount,
    /// 现金支付金额
    pub cash_payamt: Amount,
    /// 结算笔数
    pub fixmedins_setl_cnt: u64,
}
/// 3202 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReconcileDetailInput {
    /// node `data`
    pub data: ReconcileDetailData,
}
/// 3202 / 9101 output node `fileinfo`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FileInfo {
    /// 文件查询号
    pub file_qury_no: String,
    /// 文件名
    pub filename: String,
    /// 下载截止时间
    pub dld_endtime: String,
}
/// 3202 output.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReconcileDetailOutput {
    /// node `fileinfo`
    pub fileinfo: FileInfo,
}
/// 9101 input node `fsUploadIn` (node name [U]); `in` = Base64 of the file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FileUpload {
    /// file bytes, Base64
    #[serde(rename = "in")]
    pub content: String,
    /// 文件名
    pub filename: String,
    /// 定点医药机构编号
    pub fixmedins_code: String,
}
/// 9101 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FileUploadInput {
    /// node `fsUploadIn`
    #[serde(rename = "fsUploadIn")]
    pub fs_upload_in: FileUpload,
}
/// 9102 input node `fsDownloadIn`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FileDownload {
    /// 文件查询号
    pub file_qury_no: String,
    /// 文件名
    pub filename: String,
    /// 定点医药机构编号
    pub fixmedins_code: String,
}
/// 9102 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FileDownloadInput {
    /// node `fsDownloadIn`
    #[serde(rename = "fsDownloadIn")]
    pub fs_download_in: FileDownload,
}

// ------------------------------------------------------------------ 7201-7208

/// 7201 input node `data`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QrDecodeData {
    /// 应用渠道ID
    pub app_chnl_id: String,
    /// 应用渠道用户ID
    pub app_chnl_user_id: String,
    /// 授权码
    #[serde(default)]
    pub auth_code: String,
    /// 终端信息
    pub dev_info: String,
    /// 电子处方二维码值
    pub epc_qrcd: String,
    /// 终端IP
    pub ip_info: String,
    /// 操作人ID
    pub opter: String,
    /// 操作人姓名
    pub opter_name: String,
    /// 操作机构
    pub optins: String,
}
/// 7201 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QrDecodeInput {
    /// node `data`
    pub data: QrDecodeData,
}
/// 7201 output (flat, node `data` [U]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct QrDecoded {
    /// 电子处方令牌
    pub epc_token: String,
    /// 证件类型
    pub cert_type: String,
    /// 用户姓名
    pub name: String,
    /// 证件号码
    pub certno: String,
    /// 参保地医保区划
    pub insuplc_admdvs: String,
}
/// 7201 output.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct QrDecodeOutput {
    /// node `data`
    pub data: QrDecoded,
}
/// 7202 input node `data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RxQueryData {
    /// 就诊凭证类型
    pub mdtrt_cert_type: CertType,
    /// 就诊凭证编号
    pub mdtrt_cert_no: String,
    /// 卡识别码
    #[serde(default)]
    pub card_sn: String,
    /// 参保地医保区划
    pub insuplc_admdvs: String,
    /// 终端IP
    pub ip_info: String,
    /// 操作人ID
    pub opter: String,
    /// 操作人姓名
    pub opter_name: String,
    /// 操作机构
    pub optins: String,
}
/// 7202 input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RxQueryInput {
    /// node `data`
    pub data: RxQueryData,
}
/// 7202 output row.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuthorisedRx {
    /// 医保处方授权编号 (single use)
    pub auth_rxno: String,
    /// 主诊断名称
    pub diag_name: String,
    /// 定点医疗机构编号
    pub fixmedins_code: String,
    /// 定点医疗机构名称
    pub fixmedins_name: String,
    /// 开方时间
    pub prsc_time: String,
    /// 科室名称
    pub dept_name: String,
    /// 有效截止时间
    pub valid_end_time: String,
}
/// 7202 output (list node `data` [I]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RxQueryOutput {
    /// node `data`
    pub data: Vec<AuthorisedRx>,
}
/// 7203 input node `data`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RxDownloadData {
    /// 电子处方令牌 (one of the two)
    #[serde(default)]
    pub epc_token: String,
    /// 医保处方授权编号 (one of the two)
    #[serde(default)]
    pub auth_rxno: String,
    /// 参保地医保区划
    pub insuplc_admdvs: String,
}
/// 7203 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RxDownloadInput {
    /// node `data`
    pub data: RxDownloadData,
}
/// 7203 output `data`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RxDownloadHead {
    /// 医保处方编号
    pub hi_rxno: String,
    /// 定点医疗机构编号
    pub fixmedins_code: String,
    /// 定点医疗机构名称
    pub fixmedins_name: String,
    /// 开方时间
    pub prsc_time: String,
    /// 药品数量（剂数）
    pub rx_drug_nums: Decimal,
    /// 处方整剂用法编号
    pub rx_way_codg: String,
    /// 处方整剂用法名称
    pub rx_way_name: String,
    /// 处方整剂频次编号
    pub rx_freq_codg: String,
    /// 处方整剂频次名称
    pub rx_freq_name: String,
    /// 处方整剂剂量单位
    pub rx_dosunt: String,
    /// 处方整剂单次剂量数
    pub rx_doscnt: Decimal,
    /// 处方整剂医嘱说明
    pub rx_drord_dscr: String,
    /// 处方有效天数
    pub valid_days: Decimal,
    /// 有效截止时间
    pub valid_end_time: String,
    /// 复用标志
    pub rept_flag: String,
    /// 最大复用次数
    pub max_rept_cnt: Decimal,
    /// 已复用次数
    pub reptd_cnt: Decimal,
    /// 使用最小间隔（天数）
    pub min_inrv_days: Decimal,
    /// 处方原件 (Base64; RxDesk: the institution-signed PDF)
    pub rx_file: String,
    /// 医保处方状态 (RxDesk extension)
    pub rx_stas_codg: Option<RxStatus>,
}
/// 7203 output `rxdrugdetail` row.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RxDrugDetail {
    /// 医疗目录编码
    pub med_list_codg: String,
    /// 定点医药机构目录编号
    pub fixmedins_hilist_id: String,
    /// 院内制剂标志
    pub hosp_prep_flag: String,
    /// 处方项目分类代码
    pub rx_item_type_code: String,
    /// 药物类型代码
    pub medn_type_code: String,
    /// 基本药物标志
    pub bas_medn_flag: String,
    /// 药品商品名
    pub drug_prodname: String,
    /// 药品通用名
    pub drug_genname: String,
    /// 药品剂型
    pub drug_dosform: String,
    /// 药品规格
    pub drug_spec: String,
    /// 生厂厂家
    pub prdr_name: String,
    /// 药品单价
    pub drug_pric: Option<Price>,
    /// 药品数量
    pub drug_cnt: Decimal,
    /// 药品数量单位
    pub drug_cnt_unit: String,
    /// 药品总金额
    pub drug_sumamt: Option<Amount>,
    /// 用药途径代码
    pub medc_way_codg: String,
    /// 用药途径描述
    pub medc_way_dscr: String,
    /// 用药开始时间
    pub medc_starttime: String,
    /// 用药结束时间
    pub medc_endtime: String,
    /// 用药天数
    pub medc_days: Decimal,
    /// 单次用量
    pub sin_doscnt: Decimal,
    /// 单次剂量单位
    pub sin_dosunt: String,
    /// 使用频次编码
    pub used_frqu_codg: String,
    /// 使用频次名称
    pub used_frqu_name: String,
    /// 草药脚注 (the line's remark)
    pub tcmherb_foote: String,
}
/// 7203 output `mdtrtinfo` (the fields RxDesk uses).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MdtrtInfo {
    /// 就诊ID
    pub mdtrt_id: String,
    /// 医疗类别
    pub med_type: String,
    /// 住院/门诊号
    pub ipt_op_no: String,
    /// 人员编号
    pub psn_no: String,
    /// 患者姓名
    pub patn_name: String,
    /// 年龄
    pub age: Decimal,
    /// 性别
    pub gend: String,
    /// 参保地医保区划
    pub insuplc_admdvs: String,
    /// 人员证件类型
    pub psn_cert_type: String,
    /// 证件号码
    pub certno: String,
    /// 险种类型
    pub insutype: String,
    /// 开方科室名称
    pub prsc_dept_name: String,
    /// 开方科室编号
    pub prsc_dept_code: String,
    /// 开方医师姓名
    pub prsc_dr_name: String,
    /// 药师姓名
    pub phar_name: String,
    /// 医疗机构药师审方时间
    pub phar_chk_time: String,
    /// 就诊时间
    pub mdtrt_time: String,
    /// 主诊断代码
    pub diag_code: String,
    /// 主诊断名称
    pub diag_name: String,
    /// 是否特殊病种
    pub sp_dise_flag: String,
    /// 病种编码 (门慢特 / 特药 disease of the visit)
    pub dise_codg: String,
    /// 病种名称
    pub dise_name: String,
}
/// 7203 output `diseinfo` row.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DiseInfo {
    /// 诊断类别
    pub diag_type: String,
    /// 主诊断标志
    pub maindiag_flag: String,
    /// 诊断排序号
    pub diag_srt_no: Decimal,
    /// 诊断代码
    pub diag_code: String,
    /// 诊断名称
    pub diag_name: String,
    /// 诊断科室
    pub diag_dept: String,
    /// 诊断医生编码
    pub dise_dor_no: String,
    /// 诊断医生姓名
    pub dise_dor_name: String,
    /// 诊断时间
    pub diag_time: String,
}
/// 7203 RxDesk extension node `signinfo` ([U] in the 2021 catalogue): the
/// 20 signed fields of docs/reference/wire-protocol.md §5 (snake_case) and the signature material.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SignInfo {
    /// 处方追溯码
    pub rx_trace_code: String,
    /// 开方医保医师代码
    pub dr_code: String,
    /// 审方药师科室名称
    pub phar_dept_name: String,
    /// 审方药师科室编号
    pub phar_dept_code: String,
    /// 审方药师职称编码
    pub phar_profttl_codg: String,
    /// 审方药师职称名称
    pub phar_profttl_name: String,
    /// 审方医保药师代码
    pub phar_code: String,
    /// 审方药师证件类型
    pub phar_cert_type: String,
    /// 审方药师证件号码
    pub phar_certno: String,
    /// 审方药师执业资格证号
    pub phar_prac_cert_no: String,
    /// Base64 DER detached CMS over originalValue
    pub sign_digest: String,
    /// 签名证书序列号
    pub sign_cert_sn: String,
    /// 签名证书主题
    pub sign_cert_dn: String,
}
/// 7203 output.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RxDownloadOutput {
    /// node `data`
    pub data: RxDownloadHead,
    /// node `rxdrugdetail`
    pub rxdrugdetail: Vec<RxDrugDetail>,
    /// node `mdtrtinfo`
    pub mdtrtinfo: MdtrtInfo,
    /// node `diseinfo`
    pub diseinfo: Vec<DiseInfo>,
    /// RxDesk extension node `signinfo`
    pub signinfo: SignInfo,
}

impl RxDownloadOutput {
    /// The download in the shared shape `rxdesk_gm::DownloadedPrescription`
    /// (built through its serde form so fields gm adds as optional keep working).
    pub fn to_downloaded(&self) -> Result<rxdesk_gm::DownloadedPrescription, serde_json::Error> {
        let s = &self.signinfo;
        let m = &self.mdtrtinfo;
        let h = &self.data;
        let lines: Vec<serde_json::Value> = self
            .rxdrugdetail
            .iter()
            .map(|d| {
                let mut l = serde_json::json!({
                    "medListCodg": d.med_list_codg,
                    "drugGenname": d.drug_genname,
                    "drugProdname": d.drug_prodname,
                    "drugDosform": d.drug_dosform,
                    "drugSpec": d.drug_spec,
                    "drugCnt": d.drug_cnt,
                    "drugCntUnit": d.drug_cnt_unit,
                    "sinDoscnt": if d.sin_doscnt.is_zero() { String::new() } else { d.sin_doscnt.to_string() },
                    "sinDosunt": d.sin_dosunt,
                    "usedFrquName": d.used_frqu_name,
                    "medcWayDscr": d.medc_way_dscr,
                    "medcDays": d.medc_days,
                    "hospPrepFlag": d.hosp_prep_flag,
                });
                if !d.tcmherb_foote.is_empty() {
                    l["tcmherbFoote"] = d.tcmherb_foote.clone().into();
                }
                if let Some(p) = d.drug_pric {
                    l["drugPric"] = serde_json::to_value(p).unwrap_or_default();
                }
                l
            })
            .collect();
        let to_u32 = |d: Decimal| -> Option<u32> { d.trunc().to_string().parse().ok() };
        let mut v = serde_json::json!({
            "rxTraceCode": s.rx_trace_code,
            "hiRxno": h.hi_rxno,
            "mdtrtId": m.mdtrt_id,
            "patnName": m.patn_name,
            "psnCertType": m.psn_cert_type,
            "certno": m.certno,
            "fixmedinsName": h.fixmedins_name,
            "fixmedinsCode": h.fixmedins_code,
            "drCode": s.dr_code,
            "prscDrName": m.prsc_dr_name,
            "pharDeptName": s.phar_dept_name,
            "pharDeptCode": s.phar_dept_code,
            "pharProfttlCodg": s.phar_profttl_codg,
            "pharProfttlName": s.phar_profttl_name,
            "pharCode": s.phar_code,
            "pharCertType": s.phar_cert_type,
            "pharCertno": s.phar_certno,
            "pharName": m.phar_name,
            "pharPracCertNo": s.phar_prac_cert_no,
            "pharChkTime": m.phar_chk_time,
            "prscTime": h.prsc_time,
            "validEndTime": h.valid_end_time,
            "rxStasCodg": h.rx_stas_codg.as_ref().map(|c| c.code().to_string()).unwrap_or_default(),
            "rxDrugDetail": lines,
            "reptFlag": h.rept_flag,
            "rxFile": h.rx_file,
            "signDigest": s.sign_digest,
            "signCertSn": s.sign_cert_sn,
            "signCertDn": s.sign_cert_dn,
        });
        if !m.diag_name.is_empty() {
            v["diagName"] = m.diag_name.clone().into();
        }
        for (k, val) in [
            ("medType", &m.med_type),
            ("diseCodg", &m.dise_codg),
            ("diseName", &m.dise_name),
            ("rxDrordDscr", &h.rx_drord_dscr),
            ("prscDeptName", &m.prsc_dept_name),
        ] {
            if !val.is_empty() {
                v[k] = val.clone().into();
            }
        }
        if h.rept_flag == "1" {
            v["maxReptCnt"] = to_u32(h.max_rept_cnt).into();
            v["reptdCnt"] = to_u32(h.reptd_cnt).into();
            v["minInrvDays"] = to_u32(h.min_inrv_days).into();
        }
        serde_json::from_value(v)
    }
}

/// 7204 input node `data`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RxAuditData {
    /// 医保处方编号
    pub hi_rxno: String,
    /// 药师证件类型
    pub phar_cert_type: String,
    /// 药师证件号码
    pub phar_certno: String,
    /// 药师姓名
    pub phar_name: String,
    /// 药师执业资格证号
    #[serde(default)]
    pub phar_prac_cert_no: String,
    /// 执业药师签名
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phar_sign_info: String,
    /// 复核药师证件类型
    #[serde(default)]
    pub rchk_phar_cert_type: String,
    /// 复核药师证件编号
    #[serde(default)]
    pub rchk_phar_certno: String,
    /// 复核药师姓名
    #[serde(default)]
    pub rchk_phar_name: String,
    /// 处方审核意见
    pub rx_chk_opnn: String,
    /// 处方审核状态代码
    pub rx_chk_stas_codg: AuditResult,
    /// 处方审核时间
    pub rx_chk_time: String,
    /// 审方附件
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rx_chk_file: String,
    /// New generation (family B `rxChkUpld`): 电子处方令牌
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub epc_token: String,
    /// New generation: 审方药师电子凭证令牌
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ec_token: String,
    /// New generation: 审方医保药师代码
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phar_code: String,
    /// New generation: 处方签名验签流水号
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rx_sign_verify_sn: String,
    /// New generation: 定点医药机构编码
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fixmedins_code: String,
    /// New generation: 定点医药机构名称
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fixmedins_name: String,
}
/// 7204 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RxAuditInput {
    /// node `data`
    pub data: RxAuditData,
}
/// 7204 / rxChkUpld output (docs/reference/wire-protocol.md §4.3 fields; for 7204 [U] the same).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RxAuditOutput {
    /// "0" success
    pub msg_code: String,
    /// "True" on success
    pub flag: String,
    /// 处方审核业务流水号
    pub rx_chk_biz_sn: String,
}
/// 7205 input node `data`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeliveryData {
    /// 医保处方编号
    pub hi_rxno: String,
    /// 配送业务编号
    #[serde(default)]
    pub delv_no: String,
    /// 配送地址
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub delv_addr: String,
    /// 配送企业名称
    pub delv_entp_name: String,
    /// 配送员姓名
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub delver_name: String,
    /// 配送员电话
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub delver_tel: String,
    /// 状态编码
    pub delv_stas_codg: DeliveryStatus,
    /// 状态名称
    pub delv_stas_name: String,
    /// 状态描述
    #[serde(default)]
    pub delv_stas_dscr: String,
    /// 状态变更时间
    #[serde(default)]
    pub delv_stas_time: String,
}
/// 7205 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DeliveryInput {
    /// node `data`
    pub data: DeliveryData,
}
/// 7206/7207 sales line (`selinfo`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RxSaleLine {
    /// 医疗目录编码
    pub med_list_codg: String,
    /// 定点医药机构目录编号
    pub fixmedins_hilist_id: String,
    /// 定点医药机构目录名称
    pub fixmedins_hilist_name: String,
    /// 通用名
    #[serde(default)]
    pub drug_genname: String,
    /// 商品名 (RxDesk sends the catalogue name)
    #[serde(default)]
    pub drug_prodname: String,
    /// 剂型
    pub drug_dosform: String,
    /// 规格
    pub drug_spec: String,
    /// 生产批号
    pub manu_lotnum: String,
    /// 生厂厂家
    pub prdr_name: String,
    /// 生产日期
    pub manu_date: String,
    /// 有效期止
    #[serde(default)]
    pub expy_end: String,
    /// 处方药标志
    pub rx_flag: String,
    /// 拆零标志
    pub trdn_flag: String,
    /// 最终成交单价
    pub finl_trns_pric: Price,
    /// 批次号 (RxDesk: the 定点医药机构批次流水号)
    #[serde(default)]
    pub bchno: String,
    /// 药品追溯码 (older single-code field)
    #[serde(default)]
    pub drug_trac_codg: String,
    /// 销售数量
    pub sel_retn_cnt: Decimal,
    /// 药品数量单位
    pub drug_cnt_unit: String,
    /// 合计金额
    pub sumamt: Amount,
    /// 溯源码 (RxDesk: also on 7206/7207 lines)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drugtracinfo: Vec<DrugTrace>,
}
/// 7206 input node `data`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WriteOffData {
    /// 医保处方编号
    pub hi_rxno: String,
    /// 审核药师证件类型
    #[serde(default)]
    pub phar_cert_type: String,
    /// 审核药师证件号码
    #[serde(default)]
    pub phar_certno: String,
    /// 审核药师姓名
    pub phar_name: String,
    /// 审核药师执业资格证号
    pub phar_prac_cert_no: String,
    /// 配药人姓名
    pub dspeer_name: String,
    /// 核对、发药人姓名
    pub pro_name: String,
    /// 医保费用结算类型
    #[serde(default)]
    pub hi_feesetl_type: String,
    /// 结算ID (from 2102)
    #[serde(default)]
    pub setl_id: String,
    /// 销售时间
    pub sel_retn_time: String,
    /// 备注
    #[serde(default)]
    pub memo: String,
    /// 下载处方时的识别码 (the epc_token or auth_rxno used for 7203)
    pub download_ide_code: String,
    /// 支付方式
    #[serde(rename = "payMode")]
    pub pay_mode: PayMode,
    /// 基金支付总额
    pub fund_pay_sumamt: Amount,
    /// 个人负担总金额
    pub psn_part_amt: Amount,
    /// 个人账户支出
    pub acct_pay: Amount,
    /// 个人现金支出
    pub psn_cash_pay: Amount,
    /// 结算时间
    pub setl_time: String,
    /// 定点医药机构名称 (the pharmacy)
    #[serde(default)]
    pub fixmedins_name: String,
}
/// 7206 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WriteOffInput {
    /// node `data`
    pub data: WriteOffData,
    /// node `selinfo`
    pub selinfo: Vec<RxSaleLine>,
}
/// 7207 input node `data` (fields RxDesk's, docs/decisions/0010-record-silent-choices.md).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SalesUploadData {
    /// 医保处方编号
    pub hi_rxno: String,
    /// 结算ID
    #[serde(default)]
    pub setl_id: String,
    /// 零售单据号
    pub rtal_docno: String,
    /// 销售时间
    pub sel_time: String,
    /// 经办人姓名
    pub opter_name: String,
}
/// 7207 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SalesUploadInput {
    /// node `data`
    pub data: SalesUploadData,
    /// node `selinfo`
    pub selinfo: Vec<RxSaleLine>,
}
/// 7207 output.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SalesUploadOutput {
    /// 销售上传流水号
    pub sel_upld_sn: String,
}
/// 7208 input node `data`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SalesUndoData {
    /// 医保处方编号
    pub hi_rxno: String,
    /// 销售上传流水号 (from 7207); empty = undo the 7206 write-off of
    /// `hi_rxno` after a whole refund (RxDesk's, docs/protocol.md)
    #[serde(default)]
    pub sel_upld_sn: String,
    /// 结算ID of the refunded sale (RxDesk's; empty for a self-paid sale —
    /// sent empty, as the ledger always has)
    #[serde(default)]
    pub setl_id: String,
    /// 撤销原因
    pub undo_rea: String,
    /// 撤销时间
    pub undo_time: String,
}
/// 7208 input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SalesUndoInput {
    /// node `data`
    pub data: SalesUndoData,
}
/// Family B `rxSignVerify` input (RxDesk's).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SignVerifyData {
    /// 医保处方编号
    pub hi_rxno: String,
    /// 电子处方令牌 / auth_rxno used for the download
    pub epc_token: String,
    /// 定点医药机构编码
    pub fixmedins_code: String,
}
/// Family B `rxSignVerify` output (RxDesk's).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SignVerifyOutput {
    /// 处方签名验签流水号
    pub rx_sign_verify_sn: String,
    /// "1" 验签通过 / "0" 不通过
    pub verify_rslt: String,
    /// 说明
    pub verify_dscr: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_tables_keep_unknown_values() {
        let t: Insutype = serde_json::from_str("\"999\"").unwrap();
        assert_eq!(t, Insutype::Other("999".into()));
        let t: Insutype = serde_json::from_str("310").unwrap();
        assert_eq!(t, Insutype::Employee);
        assert_eq!(serde_json::to_string(&PayMode::Mixed).unwrap(), "\"3\"");
    }

    #[test]
    fn settle_output_parses_numbers_and_strings_without_floats() {
        let o: SettleOutput = serde_json::from_str(
            r#"{"setlinfo":{"setl_id":"S1","medfee_sumamt":"25.50","fund_pay_sumamt":12.3,"pool_prop_selfpay":0.7},"setldetail":[]}"#,
        )
        .unwrap();
        assert_eq!(o.setlinfo.medfee_sumamt.to_string(), "25.50");
        assert_eq!(o.setlinfo.fund_pay_sumamt.to_string(), "12.30");
        assert!(
            serde_json::from_str::<SettleOutput>(r#"{"setlinfo":{"acct_pay":"1.234"}}"#).is_err()
        );
    }
}
