//! The self-paid part by scan-to-pay (付款码): an adapter trait for the
//! payment channel, the simulator used in demo mode (ST-EPC-02-010; compiled
//! only into a demo build, cargo feature `demo`), and
//! production's external payment terminal (聚合支付 POS), where the money
//! moves on the terminal and the cashier types or scans its transaction
//! reference, which is journalled ([`ExternalTerminalChannel`]).
//!
//! The simulator is a product feature, not a mock: it checks the scanned
//! pay code the way the channels define it (WeChat: 18 digits starting
//! 10–15; Alipay: 16–24 digits starting 25–30), refuses a non-positive
//! amount, and declines when told to (`decline_next`) or when the pay code
//! ends in `4004` (the demo's "insufficient balance" card), so the refusal
//! path can be rehearsed at the counter.

use rxdesk_core::Amount;
use std::sync::Mutex;

/// Which channel a pay code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 微信支付.
    WeChat,
    /// 支付宝.
    Alipay,
    /// An external payment terminal (聚合支付 POS); the money moved there.
    Terminal,
}

impl Channel {
    /// zh-CN name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Channel::WeChat => "微信支付",
            Channel::Alipay => "支付宝",
            Channel::Terminal => "聚合支付终端",
        }
    }

    /// The channel of a scanned pay code, if it is one.
    pub fn of_code(code: &str) -> Option<Channel> {
        let code = code.trim();
        if !code.bytes().all(|b| b.is_ascii_digit()) || code.len() < 2 {
            return None;
        }
        let head: u32 = code[..2].parse().ok()?;
        match (code.len(), head) {
            (18, 10..=15) => Some(Channel::WeChat),
            (16..=24, 25..=30) => Some(Channel::Alipay),
            _ => None,
        }
    }
}

/// A completed charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    /// The channel.
    pub channel: Channel,
    /// The channel's transaction number.
    pub transaction_id: String,
    /// Amount charged.
    pub amount: Amount,
}

/// Why a charge did not happen (zh-CN sentence with what to do).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PaymentDeclined(pub String);

/// A scan-to-pay channel.
pub trait PaymentChannel: Send + Sync {
    /// Charges `amount` to the pay code for order `order_id` (idempotent per order).
    fn charge(
        &self,
        pay_code: &str,
        amount: Amount,
        order_id: &str,
    ) -> Result<Charge, PaymentDeclined>;

    /// This channel is the external payment terminal: a `terminal` payment's
    /// reference is charged (journalled) through it.
    fn takes_terminal_references(&self) -> bool {
        false
    }

    /// Gives `amount` of the charge `transaction_id` back (a whole refund),
    /// idempotent per refund order `refund_id`. A channel that cannot refund
    /// by itself says so: the refund then stops before stock goes back.
    fn refund(
        &self,
        channel: Channel,
        transaction_id: &str,
        amount: Amount,
        refund_id: &str,
    ) -> Result<(), PaymentDeclined> {
        let _ = (transaction_id, amount, refund_id);
        Err(PaymentDeclined(format!(
            "{}收款渠道不支持自动退款：请在收款终端上原路退款后联系技术支持",
            channel.label_zh()
        )))
    }
}

/// The in-process channel simulator of demo mode (a demo build only: cargo
/// feature `demo`; a production build has no simulated channel to pay into).
#[cfg(feature = "demo")]
#[derive(Debug, Default)]
pub struct SimulatedPaymentChannel {
    decline_next: Mutex<Option<String>>,
    charged: Mutex<Vec<(String, Charge)>>,
    refunded: Mutex<Vec<(String, String, Amount)>>,
}

#[cfg(feature = "demo")]
impl SimulatedPaymentChannel {
    /// A simulator that accepts valid pay codes.
    pub fn new() -> Self {
        Self::default()
    }
    /// The next charge is declined with this reason.
    pub fn decline_next(&self, reason: &str) {
        *self.decline_next.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason.to_string());
    }
    /// Every refund made (refund order id, transaction id, amount).
    pub fn refunds(&self) -> Vec<(String, String, Amount)> {
        self.refunded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
    /// Every charge made (order id, charge).
    pub fn charges(&self) -> Vec<(String, Charge)> {
        self.charged
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

#[cfg(feature = "demo")]
impl PaymentChannel for SimulatedPaymentChannel {
    fn charge(
        &self,
        pay_code: &str,
        amount: Amount,
        order_id: &str,
    ) -> Result<Charge, PaymentDeclined> {
        let code = pay_code.trim();
        let channel = Channel::of_code(code).ok_or_else(|| {
            PaymentDeclined("付款码无效：请让患者刷新微信或支付宝付款码后重新扫描".into())
        })?;
        if amount.value() <= rust_decimal::Decimal::ZERO {
            return Err(PaymentDeclined("支付金额必须大于 0".into()));
        }
        let mut charged = self.charged.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, c)) = charged.iter().find(|(o, _)| o == order_id) {
            return Ok(c.clone());
        }
        if let Some(reason) = self
            .decline_next
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            return Err(PaymentDeclined(format!(
                "{}未成功：{reason}。请让患者换一种支付方式或改收现金",
                channel.label_zh()
            )));
        }
        if code.ends_with("4004") {
            return Err(PaymentDeclined(format!(
                "{}未成功：余额不足。请让患者换一张卡或改收现金",
                channel.label_zh()
            )));
        }
        let c = Charge {
            channel,
            transaction_id: format!("SIM{}{:06}", order_id, charged.len() + 1),
            amount,
        };
        charged.push((order_id.to_string(), c.clone()));
        Ok(c)
    }

    fn refund(
        &self,
        channel: Channel,
        transaction_id: &str,
        amount: Amount,
        refund_id: &str,
    ) -> Result<(), PaymentDeclined> {
        let mut refunded = self.refunded.lock().unwrap_or_else(|p| p.into_inner());
        if refunded.iter().any(|(r, _, _)| r == refund_id) {
            return Ok(());
        }
        let charged = self.charged.lock().unwrap_or_else(|p| p.into_inner());
        let found = charged
            .iter()
            .find(|(_, c)| c.transaction_id == transaction_id && c.channel == channel);
        let Some((_, c)) = found else {
            // The simulator forgets its charges when the program restarts:
            // one of its own transaction numbers is still refundable.
            if transaction_id.starts_with("SIM") {
                refunded.push((refund_id.to_string(), transaction_id.to_string(), amount));
                return Ok(());
            }
            return Err(PaymentDeclined(format!(
                "{}找不到原交易 {transaction_id}",
                channel.label_zh()
            )));
        };
        if amount > c.amount {
            return Err(PaymentDeclined(format!(
                "退款金额 {amount} 超过原支付金额 {}",
                c.amount
            )));
        }
        refunded.push((refund_id.to_string(), transaction_id.to_string(), amount));
        Ok(())
    }
}

/// Production's channel: an external payment terminal. The cashier takes
/// the amount on the terminal, then types or scans the terminal's
/// transaction reference; the reference is checked (6–64 letters, digits or
/// `-`), refused when already used for another order, and journalled
/// (`<data>/payments/terminal.jsonl`, one JSON line per charge, fsync'd)
/// before the charge is reported.
#[derive(Debug)]
pub struct ExternalTerminalChannel {
    journal: std::path::PathBuf,
    lock: Mutex<()>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct TerminalLine {
    order_id: String,
    reference: String,
    amount: String,
    at: String,
}

impl ExternalTerminalChannel {
    /// The channel journalling into `journal`.
    pub fn new(journal: impl Into<std::path::PathBuf>) -> Self {
        Self {
            journal: journal.into(),
            lock: Mutex::new(()),
        }
    }

    /// Every journalled charge (order id, reference, amount).
    pub fn journal(&self) -> Vec<(String, String, String)> {
        std::fs::read_to_string(&self.journal)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<TerminalLine>(l).ok())
            .map(|l| (l.order_id, l.reference, l.amount))
            .collect()
    }
}

/// A terminal's transaction reference as the cashier types it: 6–64
/// letters, digits or `-`.
pub fn check_terminal_reference(reference: &str) -> Result<(), PaymentDeclined> {
    let r = reference.trim();
    if r.len() < 6 || r.len() > 64 || !r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(PaymentDeclined(
            "请输入或扫描支付终端小票上的交易参考号（6–64 位字母、数字）".into(),
        ));
    }
    Ok(())
}

impl PaymentChannel for ExternalTerminalChannel {
    fn takes_terminal_references(&self) -> bool {
        true
    }

    fn charge(
        &self,
        reference: &str,
        amount: Amount,
        order_id: &str,
    ) -> Result<Charge, PaymentDeclined> {
        let r = reference.trim();
        check_terminal_reference(r)?;
        if amount.value() <= rust_decimal::Decimal::ZERO {
            return Err(PaymentDeclined("支付金额必须大于 0".into()));
        }
        let _g = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        for (order, used, amt) in self.journal() {
            if used == r && order == order_id {
                return Ok(Charge {
                    channel: Channel::Terminal,
                    transaction_id: used,
                    amount: amt.parse().unwrap_or(amount),
                });
            }
            if used == r {
                return Err(PaymentDeclined(format!(
                    "交易参考号 {r} 已用于另一笔订单：请核对支付终端小票"
                )));
            }
        }
        let line = TerminalLine {
            order_id: order_id.into(),
            reference: r.into(),
            amount: amount.to_string(),
            at: chrono::Utc::now().to_rfc3339(),
        };
        let write = || -> std::io::Result<()> {
            use std::io::Write;
            if let Some(d) = self.journal.parent() {
                std::fs::create_dir_all(d)?;
            }
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.journal)?;
            let mut body = serde_json::to_vec(&line).map_err(std::io::Error::other)?;
            body.push(b'\n');
            f.write_all(&body)?;
            f.sync_all()
        };
        write().map_err(|e| {
            PaymentDeclined(format!("支付记录无法保存（{e}）：请勿重复收款，联系店长"))
        })?;
        tracing::info!(order_id, "external terminal payment recorded");
        Ok(Charge {
            channel: Channel::Terminal,
            transaction_id: r.into(),
            amount,
        })
    }
}

#[cfg(all(test, feature = "demo"))]
mod tests {
    use super::*;

    fn a(s: &str) -> Amount {
        s.parse().unwrap()
    }

    #[test]
    fn codes_are_checked_and_refusals_are_sentences() {
        assert_eq!(
            Channel::of_code("134567890123456789"),
            Some(Channel::WeChat)
        );
        assert_eq!(
            Channel::of_code("280012345678901234"),
            Some(Channel::Alipay)
        );
        assert_eq!(Channel::of_code("990012345678901234"), None);
        assert_eq!(Channel::of_code("13456789012345678x"), None);
        let sim = SimulatedPaymentChannel::new();
        assert!(sim
            .charge("12345", a("1.00"), "O1")
            .unwrap_err()
            .0
            .contains("付款码无效"));
        let refused = sim
            .charge("134567890123454004", a("1.00"), "O1")
            .unwrap_err()
            .0;
        assert!(refused.contains("余额不足"), "{refused}");
        // The channel's name is not doubled ("微信支付支付失败").
        assert!(
            refused.starts_with("微信支付未成功") && !refused.contains("支付支付"),
            "{refused}"
        );
        sim.decline_next("网络超时");
        assert!(sim
            .charge("134567890123456789", a("1.00"), "O1")
            .unwrap_err()
            .0
            .contains("网络超时"));
        let c = sim.charge("134567890123456789", a("1.00"), "O1").unwrap();
        assert_eq!(c.channel, Channel::WeChat);
        // Refunds go back to the original transaction, once, never above it.
        assert!(sim
            .refund(Channel::WeChat, &c.transaction_id, a("2.00"), "R1")
            .unwrap_err()
            .0
            .contains("超过"));
        assert!(sim
            .refund(Channel::Alipay, "ALI-UNKNOWN", a("1.00"), "R1")
            .is_err());
        sim.refund(Channel::WeChat, &c.transaction_id, a("1.00"), "R1")
            .unwrap();
        sim.refund(Channel::WeChat, &c.transaction_id, a("1.00"), "R1")
            .unwrap();
        assert_eq!(sim.refunds().len(), 1);
        // Same order again: the same charge, not a second one.
        assert_eq!(
            sim.charge("134567890123456789", a("1.00"), "O1").unwrap(),
            c
        );
        assert_eq!(sim.charges().len(), 1);
        assert!(sim.charge("134567890123456789", a("0.00"), "O2").is_err());
    }

    #[test]
    fn terminal_reference_is_checked_journalled_and_not_reused() {
        let t = tempfile::tempdir().unwrap();
        let ch = ExternalTerminalChannel::new(t.path().join("payments/terminal.jsonl"));
        assert!(ch
            .charge("12", a("5.00"), "O1")
            .unwrap_err()
            .0
            .contains("交易参考号"));
        assert!(ch.charge("REF 123456", a("5.00"), "O1").is_err());
        let c = ch.charge("T20260101-0001", a("5.00"), "O1").unwrap();
        assert_eq!(c.channel, Channel::Terminal);
        assert_eq!(c.transaction_id, "T20260101-0001");
        // Same order again: the same charge; another order: refused.
        assert_eq!(ch.charge("T20260101-0001", a("5.00"), "O1").unwrap(), c);
        assert!(ch
            .charge("T20260101-0001", a("5.00"), "O2")
            .unwrap_err()
            .0
            .contains("另一笔订单"));
        assert_eq!(
            ch.journal(),
            vec![("O1".into(), "T20260101-0001".into(), "5.00".into())]
        );
        // A fresh channel on the same journal remembers (restart).
        let again = ExternalTerminalChannel::new(t.path().join("payments/terminal.jsonl"));
        assert!(again.charge("T20260101-0001", a("5.00"), "O3").is_err());
    }
}
