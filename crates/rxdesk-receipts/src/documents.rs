//! The documents a counter prints on the receipt printer: the sale receipt with
//! the settlement explained in plain words (ST-EPC-02-010), the refund receipt
//! (退费凭证) and the e-voucher activation guide (ST-EPC-02-001).
//!
//! Builders are pure: plain input in, `Vec<ReceiptElement>` out, independent of
//! the paper width (layout decides the line breaks). Inputs whose money does
//! not add up are refused with a typed error instead of being printed.

use crate::layout::{ReceiptElement as El, Style};
use crate::model::{
    Coverage, EVoucherGuide, EVoucherGuideReason, PaymentMethod, ReceiptLine, RefundReceipt,
    SaleReceipt, SettlementSplit, StoreInfo,
};
use crate::text::Align;
use crate::ReceiptError;
use rust_decimal::Decimal;
use rxdesk_core::time::format_wire;
use rxdesk_core::{Amount, Price};

/// Masks a patient name for paper: `张三` → `张*`, `欧阳娜娜` → `欧**娜`.
///
/// Idempotent, so a name the caller already masked stays the same.
pub fn mask_patient_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_string(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// `12.500000` → `12.50`, `0.335000` → `0.335`: at least fen, no trailing zeros beyond.
pub(crate) fn format_price(p: Price) -> String {
    let mut d = p.value().normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    d.to_string()
}

/// `2.000` → `2`, `0.50` → `0.5`.
pub(crate) fn format_quantity(q: Decimal) -> String {
    q.normalize().to_string()
}

/// A refunded amount as printed: `-25.00` (zero stays `0.00`).
fn negative(a: Amount) -> String {
    if a == Amount::ZERO {
        a.to_string()
    } else {
        format!("-{a}")
    }
}

fn sum(amounts: impl IntoIterator<Item = Amount>) -> Result<Amount, ReceiptError> {
    amounts
        .into_iter()
        .try_fold(Amount::ZERO, |acc, a| acc.checked_add(a))
        .map_err(ReceiptError::from)
}

fn non_negative(field: &'static str, value: Amount) -> Result<(), ReceiptError> {
    if value.is_negative() {
        Err(ReceiptError::NegativeAmount { field, value })
    } else {
        Ok(())
    }
}

/// Checks that the settlement and lines add up; used before any printing.
fn check_money(lines: &[ReceiptLine], s: &SettlementSplit) -> Result<(), ReceiptError> {
    if lines.is_empty() {
        return Err(ReceiptError::NoLines);
    }
    non_negative("total", s.total)?;
    non_negative("fund_pay", s.fund_pay)?;
    non_negative("account_pay", s.account_pay)?;
    non_negative("cash_pay", s.cash_pay)?;
    for l in lines {
        non_negative("line amount", l.amount)?;
    }
    for f in &s.fund_items {
        non_negative("fund item", f.amount)?;
    }
    for (field, v) in [
        ("full_self_pay", s.full_self_pay),
        ("pre_self_pay", s.pre_self_pay),
        ("deductible", s.deductible),
        ("over_limit", s.over_limit),
        ("account_balance_after", s.account_balance_after),
    ] {
        if let Some(v) = v {
            non_negative(field, v)?;
        }
    }
    let parts = sum([s.fund_pay, s.account_pay, s.cash_pay])?;
    if parts != s.total {
        return Err(ReceiptError::SettlementDoesNotAddUp {
            total: s.total,
            fund: s.fund_pay,
            account: s.account_pay,
            cash: s.cash_pay,
        });
    }
    if !s.fund_items.is_empty() {
        let items = sum(s.fund_items.iter().map(|f| f.amount))?;
        if items != s.fund_pay {
            return Err(ReceiptError::FundItemsDoNotAddUp {
                items,
                fund: s.fund_pay,
            });
        }
    }
    let line_total = sum(lines.iter().map(|l| l.amount))?;
    if line_total != s.total {
        return Err(ReceiptError::LinesDoNotAddUp {
            lines: line_total,
            total: s.total,
        });
    }
    Ok(())
}

fn fund_phrase(s: &SettlementSplit) -> String {
    match s.fund_items.as_slice() {
        [] => format!("医保统筹支付 {} 元", s.fund_pay),
        [one] => format!("医保基金支付 {} 元（{}）", s.fund_pay, one.name),
        items => {
            let parts: Vec<String> = items
                .iter()
                .map(|f| format!("{} {} 元", f.name, f.amount))
                .collect();
            format!("医保基金支付 {} 元（{}）", s.fund_pay, parts.join("、"))
        }
    }
}

fn drug_names(lines: &[&ReceiptLine]) -> String {
    let names: Vec<String> = lines.iter().map(|l| format!("“{}”", l.drug_name)).collect();
    names.join("、")
}

/// The settlement in plain words, one sentence per entry: who paid what and why
/// the patient paid their part (ST-EPC-02-010).
pub fn explain_settlement(
    s: &SettlementSplit,
    lines: &[ReceiptLine],
    method: &PaymentMethod,
    tendered: Option<Amount>,
    change: Option<Amount>,
) -> Vec<String> {
    let mut out = vec![format!(
        "本次药品费用共 {} 元：{}，个人账户支付 {} 元，您自付 {} 元。",
        s.total,
        fund_phrase(s),
        s.account_pay,
        s.cash_pay
    )];

    let kind = s
        .med_type
        .as_deref()
        .and_then(rxdesk_core::settle_kind::SettlementKind::from_med_type);
    if let Some(k) = kind {
        let disease = s
            .disease
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .map(|d| format!("（病种：{d}）"))
            .unwrap_or_default();
        out.push(format!("本次按“{}”{disease}结算。", k.label_zh()));
        if !k.fund_pays() {
            out.push(
                "定点药店购药不使用统筹基金：费用先从您的医保个人账户支付，不足部分由您自付。"
                    .to_string(),
            );
        }
    }

    let mut reasons = 0;
    let self_paid: Vec<&ReceiptLine> = lines
        .iter()
        .filter(|l| l.coverage == Coverage::SelfPaid)
        .collect();
    let self_paid_sum = sum(self_paid.iter().map(|l| l.amount)).unwrap_or(Amount::ZERO);
    let full_self = s.full_self_pay.unwrap_or(self_paid_sum);
    if full_self > Amount::ZERO {
        reasons += 1;
        if self_paid.is_empty() {
            out.push(format!(
                "其中 {full_self} 元为医保目录外（自费）费用，医保不予支付，由您全额负担。"
            ));
        } else {
            out.push(format!(
                "{}不在医保药品目录内（自费），共 {full_self} 元，医保不予支付，由您全额负担。",
                drug_names(&self_paid)
            ));
        }
    }
    if let Some(pre) = s.pre_self_pay.filter(|a| *a > Amount::ZERO) {
        reasons += 1;
        let class_b: Vec<&ReceiptLine> = lines
            .iter()
            .filter(|l| l.coverage == Coverage::ClassB)
            .collect();
        let which = if class_b.is_empty() {
            "乙类药品".to_string()
        } else {
            format!("乙类药品{}", drug_names(&class_b))
        };
        out.push(format!(
            "{which}按医保规定先由个人支付一定比例，计 {pre} 元。"
        ));
    }
    if let Some(o) = s.over_limit.filter(|a| *a > Amount::ZERO) {
        reasons += 1;
        out.push(format!(
            "其中 {o} 元超出医保支付限价，超出部分医保不予支付，由您负担。"
        ));
    }
    if let Some(d) = s.deductible.filter(|a| *a > Amount::ZERO) {
        reasons += 1;
        out.push(format!(
            "本次有 {d} 元计入起付标准（起付线），起付线以内的费用由个人支付。"
        ));
    }
    if let Some(r) = s
        .fund_ratio_percent
        .filter(|r| !r.is_zero() && kind.is_none_or(|k| k.fund_pays()))
    {
        reasons += 1;
        out.push(format!(
            "医保政策范围内的费用由统筹基金按 {}% 支付，其余按比例由个人负担。",
            r.normalize()
        ));
    }
    if s.cash_pay == Amount::ZERO {
        out.push("本次您无需另付现金。".to_string());
    } else if reasons == 0 {
        out.push(
            "您自付的部分是按医保政策由个人负担的费用，具体计算以医保结算单为准。".to_string(),
        );
    }
    if s.account_pay > Amount::ZERO {
        let mut sentence = format!(
            "个人账户支付的 {} 元从您的医保个人账户中扣除",
            s.account_pay
        );
        if let Some(b) = s.account_balance_after {
            sentence.push_str(&format!("，扣除后余额 {b} 元"));
        }
        sentence.push('。');
        out.push(sentence);
    }
    if s.cash_pay > Amount::ZERO {
        // "微信支付" is already a way to pay: "通过微信支付支付" reads doubled.
        let label = method.label_zh();
        let mut sentence = if label.ends_with("支付") {
            format!("您已通过{label} {} 元", s.cash_pay)
        } else {
            format!("您已通过{label}支付 {} 元", s.cash_pay)
        };
        match (tendered, change) {
            (Some(t), Some(c)) => sentence.push_str(&format!("（实收 {t} 元，找零 {c} 元）")),
            (Some(t), None) => sentence.push_str(&format!("（实收 {t} 元）")),
            _ => {}
        }
        sentence.push('。');
        out.push(sentence);
    }
    out
}

/// Double width and height when it fits one 58 mm line, else double height
/// only (a title broken over two lines reads badly).
fn title_style(text: &str) -> Style {
    if crate::text::display_width(text) * 2 <= crate::layout::Paper::Mm58.columns() {
        Style::TITLE
    } else {
        Style::TALL
    }
}

fn header(out: &mut Vec<El>, store: &StoreInfo, title: &str) {
    out.push(El::styled(
        &store.name,
        Align::Center,
        title_style(&store.name),
    ));
    out.push(El::styled(
        format!("定点编号 {}", store.fixmedins_code),
        Align::Center,
        Style::PLAIN,
    ));
    if let Some(addr) = &store.address {
        out.push(El::styled(addr, Align::Center, Style::PLAIN));
    }
    out.push(El::Feed { lines: 1 });
    out.push(El::styled(title, Align::Center, title_style(title)));
}

/// `label  value`, wrapping under the value.
fn field(out: &mut Vec<El>, label: &str, value: &str) {
    let indent = crate::text::display_width(label) + 1;
    out.push(El::indented(
        format!("{label} {value}"),
        0,
        u8::try_from(indent).unwrap_or(u8::MAX),
    ));
}

fn line_details(out: &mut Vec<El>, i: usize, l: &ReceiptLine, refund: bool) {
    let class = l
        .coverage
        .label_zh()
        .map(|c| format!("〔{c}〕"))
        .unwrap_or_default();
    out.push(El::Text {
        text: format!("{}. {}{class}", i + 1, l.drug_name),
        align: Align::Left,
        style: Style::BOLD,
        indent: 0,
        hanging: 3,
    });
    out.push(El::indented(format!("规格 {}", l.spec), 3, 8));
    let amount = if refund {
        negative(l.amount)
    } else {
        l.amount.to_string()
    };
    let sign = if refund { "退 " } else { "" };
    out.push(El::columns_styled(
        format!(
            "{sign}{}{} × {}元",
            format_quantity(l.quantity),
            l.unit,
            format_price(l.unit_price)
        ),
        amount,
        Style::PLAIN,
        3,
    ));
    // A 23-character code does not fit beside its label on 58 mm: let it
    // drop to the next line whole rather than hang and break.
    out.push(El::indented(format!("医保编码 {}", l.med_list_code), 3, 3));
    out.push(El::columns_styled(
        format!("批号 {}", l.batch),
        format!("效期 {}", l.expiry.format("%Y-%m-%d")),
        Style::PLAIN,
        3,
    ));
    if l.trace_codes.is_empty() {
        out.push(El::indented("追溯码 无（无码库存）", 3, 10));
    } else {
        for code in &l.trace_codes {
            out.push(El::indented(format!("追溯码 {code}"), 3, 10));
        }
    }
    if !refund {
        let usage = l.guidance.as_ref().map(usage_summary).unwrap_or_default();
        if !usage.is_empty() {
            out.push(El::indented(format!("用法 {usage}"), 3, 8));
        }
    }
}

/// `口服，每次2粒，一日3次，连用7天` from the guidance fields.
pub(crate) fn usage_summary(g: &crate::model::MedicationGuidance) -> String {
    let mut parts = Vec::new();
    if !g.route.trim().is_empty() {
        parts.push(g.route.trim().to_string());
    }
    if !g.single_dose.trim().is_empty() {
        parts.push(format!("每次{}", g.single_dose.trim()));
    }
    if !g.frequency.trim().is_empty() {
        parts.push(g.frequency.trim().to_string());
    }
    if let Some(d) = g.days {
        parts.push(format!("连用{d}天"));
    }
    parts.join("，")
}

/// The sale receipt (ST-EPC-02-010): store, time, prescription, every line with
/// batch, expiry and trace codes, the insurance split, the settlement id, the
/// settlement explained in plain words, and a QR code of the sale id.
pub fn sale_receipt(r: &SaleReceipt) -> Result<Vec<El>, ReceiptError> {
    let s = &r.settlement;
    check_money(&r.lines, s)?;
    if let Some(t) = r.payment.tendered {
        let expected = t.checked_sub(s.cash_pay)?;
        let change = r.payment.change.unwrap_or(expected);
        if change != expected || expected.is_negative() {
            return Err(ReceiptError::WrongChange {
                tendered: t,
                cash: s.cash_pay,
                change,
            });
        }
    }
    let change = match (r.payment.tendered, r.payment.change) {
        (Some(t), None) => Some(t.checked_sub(s.cash_pay)?),
        (_, c) => c,
    };

    let mut out = Vec::new();
    // A sale without prescription (OTC / retail) has no prescription to name.
    let with_rx = !r.prescription.rx_no.trim().is_empty();
    header(
        &mut out,
        &r.store,
        if with_rx {
            "医保处方购药小票"
        } else {
            "零售小票（非处方药品）"
        },
    );
    if let Some(at) = r.reprinted_at {
        out.push(El::styled(
            format!("** 重印 {} **", format_wire(at)),
            Align::Center,
            Style::BOLD,
        ));
    }
    out.push(El::Rule { ch: '=' });
    field(&mut out, "销售单号", &r.sale_id);
    field(&mut out, "结算时间", &format_wire(r.settled_at));
    if with_rx {
        field(&mut out, "处方编号", &r.prescription.rx_no);
        let mut hospital = r.prescription.hospital.clone();
        if let Some(dept) = &r.prescription.department {
            hospital.push(' ');
            hospital.push_str(dept);
        }
        field(&mut out, "开方医院", &hospital);
        if let Some(doc) = &r.prescription.doctor {
            field(&mut out, "开方医师", doc);
        }
    }
    if with_rx || !r.prescription.patient_name.trim().is_empty() {
        field(
            &mut out,
            "患者",
            &mask_patient_name(&r.prescription.patient_name),
        );
    }
    if let Some(a) = &r.prescription.agent {
        field(
            &mut out,
            "代购人",
            &format!(
                "{}（{}）{}",
                mask_patient_name(&a.name),
                a.relationship_zh,
                a.certno_masked
            ),
        );
    }
    field(
        &mut out,
        if with_rx { "审方药师" } else { "药师" },
        &r.pharmacist,
    );
    field(&mut out, "收银员", &r.operator);
    out.push(El::rule());
    for (i, l) in r.lines.iter().enumerate() {
        if i > 0 {
            out.push(El::Feed { lines: 1 });
        }
        line_details(&mut out, i, l, false);
    }
    out.push(El::rule());
    out.push(El::columns_styled(
        format!("合计（{}种）", r.lines.len()),
        s.total.to_string(),
        Style::TALL,
        0,
    ));
    out.push(El::columns("医保统筹基金支付", s.fund_pay.to_string()));
    if s.fund_items.len() > 1 {
        for f in &s.fund_items {
            out.push(El::columns_styled(
                format!("其中 {}", f.name),
                f.amount.to_string(),
                Style::PLAIN,
                2,
            ));
        }
    }
    out.push(El::columns("个人账户支付", s.account_pay.to_string()));
    out.push(El::columns_styled(
        format!("您自付（{}）", r.payment.method.label_zh()),
        s.cash_pay.to_string(),
        Style::TALL,
        0,
    ));
    if let Some(t) = r.payment.tendered {
        out.push(El::columns_styled("实收", t.to_string(), Style::PLAIN, 2));
    }
    if let Some(c) = change {
        out.push(El::columns_styled("找零", c.to_string(), Style::PLAIN, 2));
    }
    for (label, v) in [
        ("其中 起付线", s.deductible),
        ("其中 先行自付", s.pre_self_pay),
        ("其中 目录外自费", s.full_self_pay),
        ("其中 超限价自费", s.over_limit),
    ] {
        if let Some(v) = v.filter(|v| *v > Amount::ZERO) {
            out.push(El::columns_styled(label, v.to_string(), Style::PLAIN, 2));
        }
    }
    if let Some(b) = s.account_balance_after {
        out.push(El::columns("个人账户余额", b.to_string()));
    }
    if let Some(k) = s
        .med_type
        .as_deref()
        .and_then(rxdesk_core::settle_kind::SettlementKind::from_med_type)
    {
        field(&mut out, "结算类别", k.label_zh());
    }
    if let Some(d) = s.disease.as_deref().filter(|d| !d.trim().is_empty()) {
        field(&mut out, "病种", d);
    }
    field(&mut out, "医保结算ID", &s.setl_id);
    out.push(El::rule());
    out.push(El::styled("结算说明", Align::Left, Style::BOLD));
    for sentence in explain_settlement(s, &r.lines, &r.payment.method, r.payment.tendered, change) {
        out.push(El::text(sentence));
    }
    out.push(El::rule());
    out.push(El::Qr {
        data: r.sale_id.clone(),
    });
    out.push(El::styled(
        format!("销售单号 {}", r.sale_id),
        Align::Center,
        Style::PLAIN,
    ));
    out.push(El::styled(
        "退费、查询请出示本小票",
        Align::Center,
        Style::PLAIN,
    ));
    out.push(El::styled(
        "请按用药指导单用药",
        Align::Center,
        Style::PLAIN,
    ));
    out.push(El::styled(
        "如有疑问请咨询药师",
        Align::Center,
        Style::PLAIN,
    ));
    if let Some(phone) = &r.store.phone {
        out.push(El::styled(
            format!("咨询电话 {phone}"),
            Align::Center,
            Style::PLAIN,
        ));
    }
    out.push(El::Feed { lines: 2 });
    out.push(El::Cut);
    Ok(out)
}

/// The refund receipt (退费凭证) after a whole-prescription 冲销: every amount
/// returned is printed with a minus sign, per payer, with both settlement ids
/// and lines for the patient's and operator's signatures.
pub fn refund_receipt(r: &RefundReceipt) -> Result<Vec<El>, ReceiptError> {
    let s = &r.settlement;
    check_money(&r.lines, s)?;
    let mut out = Vec::new();
    header(&mut out, &r.store, "退费凭证");
    out.push(El::styled(
        "（金额前的负号表示退还）",
        Align::Center,
        Style::PLAIN,
    ));
    out.push(El::Rule { ch: '=' });
    field(&mut out, "退费单号", &r.refund_id);
    field(&mut out, "退费时间", &format_wire(r.refunded_at));
    field(&mut out, "原销售单号", &r.original_sale_id);
    field(&mut out, "原结算时间", &format_wire(r.original_settled_at));
    field(&mut out, "原结算ID", &r.original_setl_id);
    field(&mut out, "处方编号", &r.prescription.rx_no);
    field(&mut out, "开方医院", &r.prescription.hospital);
    field(
        &mut out,
        "患者",
        &mask_patient_name(&r.prescription.patient_name),
    );
    field(&mut out, "经办人", &r.operator);
    if let Some(m) = &r.authorised_by {
        field(&mut out, "授权店长", m);
    }
    field(&mut out, "退费原因", &r.reason);
    out.push(El::rule());
    for (i, l) in r.lines.iter().enumerate() {
        if i > 0 {
            out.push(El::Feed { lines: 1 });
        }
        line_details(&mut out, i, l, true);
    }
    out.push(El::rule());
    out.push(El::columns_styled(
        format!("退费合计（{}种）", r.lines.len()),
        negative(s.total),
        Style::TALL,
        0,
    ));
    out.push(El::columns("退回医保统筹基金", negative(s.fund_pay)));
    out.push(El::columns("退回个人账户", negative(s.account_pay)));
    out.push(El::columns_styled(
        format!("退还您（{}）", r.refund_method.label_zh()),
        negative(s.cash_pay),
        Style::TALL,
        0,
    ));
    if !s.setl_id.trim().is_empty() {
        field(&mut out, "冲销结算ID", &s.setl_id);
    }
    out.push(El::rule());
    out.push(El::styled("退费说明", Align::Left, Style::BOLD));
    out.push(El::text(format!(
        "本次退费共 {} 元：退回医保统筹基金 {} 元，退回个人账户 {} 元，通过{}退还您 {} 元。",
        s.total,
        s.fund_pay,
        s.account_pay,
        r.refund_method.label_zh(),
        s.cash_pay
    )));
    out.push(El::text("原医保结算已冲销，处方内全部药品已退回本店。"));
    out.push(El::rule());
    out.push(El::Qr {
        data: r.refund_id.clone(),
    });
    out.push(El::styled(
        format!("退费单号 {}", r.refund_id),
        Align::Center,
        Style::PLAIN,
    ));
    out.push(El::Feed { lines: 1 });
    out.push(El::text("患者签字：________________"));
    out.push(El::Feed { lines: 1 });
    out.push(El::text("经办人签字：______________"));
    out.push(El::Feed { lines: 2 });
    out.push(El::Cut);
    Ok(out)
}

/// General advice closing every guidance document.
pub(crate) const GENERAL_ADVICE: &str = "请按医嘱和本单用药，不要自行增减剂量或停药；同时使用其他药品（含中药、保健品）前请先咨询药师。\
如出现皮疹、呼吸困难等不适，请立即停药并就医。药品请放在儿童接触不到的地方，按说明书储存，过期勿用。";

/// Medication guidance on the receipt printer (ST-EPC-02-012), for counters
/// without an A4/A5 printer or as a slip to keep with the medicine: per drug
/// the usage, the doctor's instructions, contraindications and warnings.
pub fn guidance_slip(r: &SaleReceipt) -> Result<Vec<El>, ReceiptError> {
    if r.lines.is_empty() {
        return Err(ReceiptError::NoLines);
    }
    let mut out = Vec::new();
    header(&mut out, &r.store, "用药指导");
    out.push(El::Rule { ch: '=' });
    field(
        &mut out,
        "患者",
        &mask_patient_name(&r.prescription.patient_name),
    );
    field(&mut out, "处方编号", &r.prescription.rx_no);
    field(&mut out, "审方药师", &r.pharmacist);
    field(&mut out, "日期", &format_wire(r.settled_at));
    out.push(El::Rule { ch: '=' });
    for (i, l) in r.lines.iter().enumerate() {
        if i > 0 {
            out.push(El::rule());
        }
        out.push(El::Text {
            text: format!("{}. {}", i + 1, l.drug_name),
            align: Align::Left,
            style: Style::BOLD,
            indent: 0,
            hanging: 3,
        });
        out.push(El::indented(
            format!(
                "规格 {}  共{}{}",
                l.spec,
                format_quantity(l.quantity),
                l.unit
            ),
            3,
            8,
        ));
        let usage = l.guidance.as_ref().map(usage_summary).unwrap_or_default();
        if usage.is_empty() {
            out.push(El::indented("用法 请遵医嘱或按药品说明书使用", 3, 8));
        } else {
            out.push(El::indented(format!("用法 {usage}"), 3, 8));
        }
        let Some(g) = &l.guidance else { continue };
        if let Some(instr) = g
            .doctor_instructions
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            out.push(El::Text {
                text: format!("医嘱 {instr}"),
                align: Align::Left,
                style: Style::BOLD,
                indent: 3,
                hanging: 8,
            });
        }
        for (label, items) in [
            ("备注", &g.remarks),
            ("禁忌", &g.contraindications),
            ("注意", &g.warnings),
        ] {
            for item in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
                out.push(El::indented(format!("{label} {item}"), 3, 8));
            }
        }
    }
    out.push(El::Rule { ch: '=' });
    out.push(El::styled("温馨提示", Align::Left, Style::BOLD));
    out.push(El::text(GENERAL_ADVICE));
    let mut ask = format!("如有疑问请咨询本店药师{}", r.pharmacist);
    if let Some(phone) = &r.store.phone {
        ask.push_str(&format!("，电话 {phone}"));
    }
    ask.push('。');
    out.push(El::text(ask));
    out.push(El::Feed { lines: 1 });
    out.push(El::text("药师签名：______________"));
    out.push(El::Feed { lines: 2 });
    out.push(El::Cut);
    Ok(out)
}

/// The printable guide for activating the 医保电子凭证 and setting its
/// password (ST-EPC-02-001).
pub fn evoucher_guide(g: &EVoucherGuide) -> Vec<El> {
    let mut out = Vec::new();
    header(&mut out, &g.store, "医保电子凭证激活指引");
    out.push(El::Rule { ch: '=' });
    out.push(El::text(match g.reason {
        EVoucherGuideReason::NotActivated => {
            "您的医保电子凭证（医保码）尚未激活。激活后即可在本店出示医保码购药，并用医保结算。"
        }
        EVoucherGuideReason::PasswordProblem => {
            "您的医保电子凭证密码未能通过验证（密码错误、已锁定或尚未设置）。请按下列步骤设置或重置密码后再试。"
        }
    }));
    out.push(El::text("以下任选一种方式即可，需本人操作并完成人脸识别："));
    let ways: [(&str, &[&str]); 3] = [
        (
            "方式一 国家医保服务平台 App",
            &[
                "在手机应用商店搜索“国家医保服务平台”，下载安装；",
                "注册并登录，按提示完成实名认证和人脸识别；",
                "在首页点击“医保码”，按提示激活医保电子凭证；",
                "在医保码页面的设置中找到“支付密码”，设置6位数字密码。",
            ],
        ),
        (
            "方式二 微信",
            &[
                "打开微信，在顶部搜索“医保电子凭证”；",
                "进入“医保电子凭证”，点击激活，授权并完成人脸识别；",
                "按提示设置6位数字医保支付密码。",
            ],
        ),
        (
            "方式三 支付宝",
            &[
                "打开支付宝，搜索“医保码”；",
                "点击激活（领取），授权并完成人脸识别；",
                "按提示设置6位数字医保支付密码。",
            ],
        ),
    ];
    for (title, steps) in ways {
        out.push(El::Feed { lines: 1 });
        out.push(El::styled(title, Align::Left, Style::BOLD));
        for (i, step) in steps.iter().enumerate() {
            out.push(El::indented(format!("{}. {step}", i + 1), 1, 4));
        }
    }
    out.push(El::Feed { lines: 1 });
    out.push(El::styled("忘记密码或密码被锁定", Align::Left, Style::BOLD));
    out.push(El::indented(
        "在激活医保码的 App 中打开医保码页面，进入设置中的密码管理，通过人脸识别重置密码。",
        1,
        1,
    ));
    out.push(El::Feed { lines: 1 });
    out.push(El::styled("激活后如何在本店购药", Align::Left, Style::BOLD));
    out.push(El::indented(
        "出示医保码由收银员扫码；或刷社保卡、身份证，并在密码键盘上输入医保电子凭证密码确认。",
        1,
        1,
    ));
    out.push(El::Feed { lines: 1 });
    out.push(El::text(
        "各 App 的入口名称可能随版本略有不同，请以 App 内提示为准。请勿将医保支付密码告诉任何人，本店工作人员不会索要您的密码。",
    ));
    if let Some(url) = &g.help_url {
        out.push(El::rule());
        out.push(El::Qr { data: url.clone() });
        out.push(El::styled("扫码查看帮助", Align::Center, Style::PLAIN));
    }
    out.push(El::rule());
    out.push(El::styled(
        "如需帮助请咨询店员",
        Align::Center,
        Style::PLAIN,
    ));
    if let Some(phone) = &g.store.phone {
        out.push(El::styled(
            format!("电话 {phone}"),
            Align::Center,
            Style::PLAIN,
        ));
    }
    out.push(El::styled(
        format!("打印时间 {}", format_wire(g.printed_at)),
        Align::Center,
        Style::PLAIN,
    ));
    out.push(El::Feed { lines: 2 });
    out.push(El::Cut);
    out
}
