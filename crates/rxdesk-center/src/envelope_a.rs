//! Family A envelope (docs/reference/wire-protocol.md §2.2–§2.3).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The request envelope; `input` is the business payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestEnvelope {
    /// 交易编号
    pub infno: String,
    /// 发送方报文ID
    pub msgid: String,
    /// 就医地医保区划
    pub mdtrtarea_admvs: String,
    /// 参保地医保区划
    #[serde(default)]
    pub insuplc_admdvs: String,
    /// 接收方系统代码
    pub recer_sys_code: String,
    /// 设备编号
    #[serde(default)]
    pub dev_no: String,
    /// 设备安全信息
    #[serde(default)]
    pub dev_safe_info: String,
    /// 数字签名信息
    #[serde(default)]
    pub cainfo: String,
    /// 签名类型
    #[serde(default)]
    pub signtype: String,
    /// 接口版本号
    pub infver: String,
    /// 经办人类别
    pub opter_type: String,
    /// 经办人
    pub opter: String,
    /// 经办人姓名
    pub opter_name: String,
    /// 交易时间
    pub inf_time: String,
    /// 定点医药机构编号
    pub fixmedins_code: String,
    /// 定点医药机构名称
    pub fixmedins_name: String,
    /// 交易签到流水号
    #[serde(default)]
    pub sign_no: String,
    /// 交易输入
    pub input: Value,
}

/// The response envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseEnvelope {
    /// 0 = success (number; some gateways send a string)
    pub infcode: Value,
    /// 接收方报文ID
    #[serde(default)]
    pub inf_refmsgid: String,
    /// 接收报文时间 yyyyMMddHHmmssSSS
    #[serde(default)]
    pub refmsg_time: String,
    /// 响应报文时间
    #[serde(default)]
    pub respond_time: String,
    /// 加密类型
    #[serde(default)]
    pub enctype: String,
    /// 签名类型
    #[serde(default)]
    pub signtype: String,
    /// 错误信息
    #[serde(default)]
    pub err_msg: Option<String>,
    /// 交易输出
    #[serde(default)]
    pub output: Value,
}

impl ResponseEnvelope {
    /// `infcode` as an integer (`None` when it is neither a number nor a numeric string).
    pub fn code(&self) -> Option<i64> {
        match &self.infcode {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// Parse a response body (never panics; used by the proptest and the fuzz target).
pub fn parse_response(body: &[u8]) -> Result<ResponseEnvelope, String> {
    let r: ResponseEnvelope = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    if r.code().is_none() {
        return Err(format!("infcode is not a number: {}", r.infcode));
    }
    Ok(r)
}
