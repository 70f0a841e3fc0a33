//! Scripted scenarios (YAML or JSON) for the simulators: scan this code,
//! insert this card, the face terminal succeeds / fails / times out, the
//! printer runs out of paper or stops answering.
//!
//! ```yaml
//! steps:
//!   - scan: "320000ecnqssaor2nj7a2a480a0000a4cef57c"
//!   - evoucher: { name: 李四, id_no: "320102199001011234", insu_org: "320500", ec_token: "320000ecnq…" }
//!   - insert_card: "110100|110101199003071234|A12345678|…|20300101|"
//!   - face: { result: success, name: 王五, id_no: "…", ec_token: "…" }
//!   - face: { result: fail, message: 人脸识别失败 }
//!   - face: { result: timeout, delay_ms: 5000 }
//!   - face: { result: not_recognised, message: 未识别到人脸 }
//!   - face: { result: consent_refused }
//!   - patient: { name: 张三, id_no: "…", insu_org: "110100", ec_token: "…", password: "123456" }
//!   - pin_pad: "123456"          # what the patient types on the terminal (null: cancels)
//!   - reset_password_lock: true
//!   - serial_card: "110100|…|"   # the generic serial card reader (PTY)
//!   - serial_card_pull_mid_read: true
//!   - printer: { paper_out: true }
//!   - wait_ms: 200
//! ```
//!
//! [`ScenarioRunner::apply`] performs one step on the attached simulators;
//! the app or a test then drives the real drivers.

use super::printer::PrinterSim;
use super::scanner::ScannerSim;
use super::standin::StandinState;
use crate::printer::PrinterStatus;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;

/// A scenario file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Scenario {
    /// Optional description.
    #[serde(default)]
    pub name: String,
    /// The steps in order.
    pub steps: Vec<Step>,
}

/// An identity a simulated terminal returns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct SimIdentity {
    /// 姓名
    pub name: String,
    /// 证件号码
    pub id_no: String,
    /// 参保地
    #[serde(default)]
    pub insu_org: String,
    /// 电子凭证令牌
    pub ec_token: String,
}

/// What the face terminal does next.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum FaceOutcome {
    /// Recognised.
    Success(SimIdentity),
    /// Not recognised.
    Fail {
        /// The terminal's message.
        message: String,
    },
    /// Never answers within `delay_ms`.
    Timeout {
        /// How long the terminal hangs.
        delay_ms: u64,
    },
    /// The terminal does not recognise the face (code -2).
    NotRecognised {
        /// The terminal's message.
        message: String,
    },
    /// The patient refuses the consent step (code -4).
    ConsentRefused,
}

/// A demo patient known to the simulated e-voucher SDK (password check).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct SimPatient {
    /// Identity returned once the password is confirmed.
    #[serde(flatten)]
    pub id: SimIdentity,
    /// The e-voucher password (absent: not set).
    #[serde(default)]
    pub password: Option<String>,
}

/// One scenario step.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The scanner reads a code (sent with CR LF).
    Scan(String),
    /// Raw bytes on the scanner line (`\r`, `\n`, `\xHH` escapes).
    ScanRaw(String),
    /// What `ec.query` answers for the next e-voucher.
    Evoucher(SimIdentity),
    /// A card is inserted (the `|` record the library returns).
    InsertCard(String),
    /// The card is pulled out (`ReadCardBas` fails with this code/message).
    PullCard {
        /// return code
        rc: i64,
        /// message
        message: String,
    },
    /// The library returns malformed card output.
    GarbleCard(String),
    /// The face terminal's next outcome.
    Face(FaceOutcome),
    /// A patient the e-voucher SDK knows (and their password).
    Patient(SimPatient),
    /// What the patient types on the terminal's PIN pad (`null`: cancels).
    PinPad(Option<String>),
    /// The SDK's password lock is reset.
    ResetPasswordLock(bool),
    /// A card is inserted in the serial card reader.
    SerialCard(String),
    /// The serial card reader's card is pulled out.
    SerialCardPull(bool),
    /// The next serial read sends one frame, then the card is pulled.
    SerialCardPullMidRead(bool),
    /// The printer's status bits.
    Printer(PrinterStatus),
    /// The printer stops (true) or resumes (false) answering.
    PrinterMute(bool),
    /// Pause.
    WaitMs(u64),
}

/// Why a scenario could not be loaded or applied.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// Parse error.
    #[error("scenario does not parse: {0}")]
    Parse(String),
    /// A step needs a simulator that is not attached.
    #[error("step needs the {0} simulator")]
    NoSimulator(&'static str),
    /// I/O.
    #[error("scenario I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl Scenario {
    /// Parses YAML (a superset of JSON).
    pub fn parse(text: &str) -> Result<Self, ScenarioError> {
        // via a JSON value: serde_yaml wants `!tag` enums, we want `{scan: …}` maps
        let v: serde_json::Value =
            serde_yaml::from_str(text).map_err(|e| ScenarioError::Parse(e.to_string()))?;
        serde_json::from_value(v).map_err(|e| ScenarioError::Parse(e.to_string()))
    }
}

/// Unescapes `\r`, `\n`, `\t`, `\\` and `\xHH`.
pub fn unescape_bytes(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'r' => {
                    out.push(b'\r');
                    i += 2;
                    continue;
                }
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                b't' => {
                    out.push(b'\t');
                    i += 2;
                    continue;
                }
                b'\\' => {
                    out.push(b'\\');
                    i += 2;
                    continue;
                }
                b'x' if i + 4 <= b.len() => {
                    let hex = std::str::from_utf8(&b[i + 2..i + 4]).unwrap_or("");
                    if let Ok(v) = u8::from_str_radix(hex, 16) {
                        out.push(v);
                        i += 4;
                        continue;
                    }
                }
                _ => {}
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// The `ec.query` / gain JSON answer for an identity.
pub fn ec_answer(id: &SimIdentity) -> String {
    json!({"code": 0, "message": "交易成功", "data": {
        "ecToken": id.ec_token, "idNo": id.id_no, "idType": "01",
        "userName": id.name, "insuOrg": id.insu_org,
    }})
    .to_string()
}

/// Applies steps to whichever simulators are attached.
#[derive(Default)]
pub struct ScenarioRunner {
    /// The scanner simulator.
    pub scanner: Option<ScannerSim>,
    /// The printer simulator.
    pub printer: Option<PrinterSim>,
    /// The stand-in vendor libraries' state.
    pub standin: Option<StandinState>,
    /// The serial card reader simulator.
    pub card_reader: Option<super::card_reader::CardReaderSim>,
}

impl ScenarioRunner {
    fn standin(&mut self) -> Result<&mut StandinState, ScenarioError> {
        self.standin
            .as_mut()
            .ok_or(ScenarioError::NoSimulator("stand-in library"))
    }

    fn card_reader(&self) -> Result<&super::card_reader::CardReaderSim, ScenarioError> {
        self.card_reader
            .as_ref()
            .ok_or(ScenarioError::NoSimulator("serial card reader"))
    }

    /// Performs one step.
    pub fn apply(&mut self, step: &Step) -> Result<(), ScenarioError> {
        match step {
            Step::Patient(p) => {
                let s = self.standin()?;
                let data = json!({
                    "ecToken": p.id.ec_token, "idNo": p.id.id_no, "idType": "01",
                    "userName": p.id.name, "insuOrg": p.id.insu_org,
                })
                .to_string();
                s.set(&format!("pwdid.{}", p.id.id_no), Some(&data))?;
                s.set(&format!("pwd.{}", p.id.id_no), p.password.as_deref())?;
            }
            Step::PinPad(typed) => self.standin()?.set("pin_typed", typed.as_deref())?,
            Step::ResetPasswordLock(_) => self.standin()?.reset_password_lock()?,
            Step::SerialCard(rec) => self.card_reader()?.insert(rec),
            Step::SerialCardPull(_) => self.card_reader()?.remove(),
            Step::SerialCardPullMidRead(_) => self.card_reader()?.remove_during_next_read(),
            Step::Scan(code) => self
                .scanner
                .as_mut()
                .ok_or(ScenarioError::NoSimulator("scanner"))?
                .scan(code)?,
            Step::ScanRaw(raw) => self
                .scanner
                .as_mut()
                .ok_or(ScenarioError::NoSimulator("scanner"))?
                .send_raw(&unescape_bytes(raw))?,
            Step::Evoucher(id) => self.standin()?.set("ec.ec.query", Some(&ec_answer(id)))?,
            Step::InsertCard(rec) => {
                let s = self.standin()?;
                s.set("card_rc", None)?;
                s.set("card_unterminated", None)?;
                s.set("card", Some(rec))?;
            }
            Step::PullCard { rc, message } => {
                let s = self.standin()?;
                s.set("card", None)?;
                s.set("card_rc", Some(&rc.to_string()))?;
                s.set("card_err", Some(message))?;
            }
            Step::GarbleCard(text) => {
                let s = self.standin()?;
                s.set("card_rc", None)?;
                s.set("card", Some(text))?;
            }
            Step::Face(outcome) => {
                let s = self.standin()?;
                let key = "ec.iot.gain.ec.qrcode";
                match outcome {
                    FaceOutcome::Success(id) => {
                        s.set("delay.iot.gain.ec.qrcode", None)?;
                        let mut v: serde_json::Value =
                            serde_json::from_str(&ec_answer(id)).unwrap_or_default();
                        v["data"]["consentFlag"] = json!("1");
                        s.set(key, Some(&v.to_string()))?;
                    }
                    FaceOutcome::Fail { message } => {
                        s.set("delay.iot.gain.ec.qrcode", None)?;
                        let j = json!({"code": -1, "message": message}).to_string();
                        s.set(key, Some(&j))?;
                    }
                    FaceOutcome::Timeout { delay_ms } => {
                        s.set("delay.iot.gain.ec.qrcode", Some(&delay_ms.to_string()))?;
                    }
                    FaceOutcome::NotRecognised { message } => {
                        s.set("delay.iot.gain.ec.qrcode", None)?;
                        let j = json!({"code": -2, "message": message}).to_string();
                        s.set(key, Some(&j))?;
                    }
                    FaceOutcome::ConsentRefused => {
                        s.set("delay.iot.gain.ec.qrcode", None)?;
                        let j = json!({"code": -4, "message": "患者拒绝授权"}).to_string();
                        s.set(key, Some(&j))?;
                    }
                }
            }
            Step::Printer(st) => self
                .printer
                .as_ref()
                .ok_or(ScenarioError::NoSimulator("printer"))?
                .set_status(*st),
            Step::PrinterMute(m) => self
                .printer
                .as_ref()
                .ok_or(ScenarioError::NoSimulator("printer"))?
                .set_mute(*m),
            Step::WaitMs(ms) => std::thread::sleep(Duration::from_millis(*ms)),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_yaml_steps() {
        let s = Scenario::parse(
            r#"
name: demo
steps:
  - scan: "12345678901234567890"
  - scan_raw: "\\x1d12\\r"
  - face: { result: fail, message: 人脸识别失败 }
  - face: { result: timeout, delay_ms: 3000 }
  - printer: { paper_out: true, paper_low: false, cover_open: false, error: false }
  - pull_card: { rc: -201, message: 卡片已拔出 }
  - wait_ms: 10
"#,
        )
        .unwrap();
        assert_eq!(s.steps.len(), 7);
        assert_eq!(
            s.steps[3],
            Step::Face(FaceOutcome::Timeout { delay_ms: 3000 })
        );
        assert!(Scenario::parse("steps: [ {nope: 1} ]").is_err());
        assert_eq!(unescape_bytes("\\x1d12\\r"), vec![0x1d, b'1', b'2', b'\r']);
        assert_eq!(unescape_bytes("\\xzz"), b"\\xzz".to_vec());
    }
}
