//! The cart of a sale without prescription (OTC and retail): what may be
//! sold over the counter, in which quantities and units, and how the cart
//! becomes the lines the counter dispenses box by box.
//!
//! A pharmacy sells OTC medicine and health goods beside prescriptions; a
//! prescription-only drug (处方药, `rx_flag` = 1) may not leave the counter
//! without a prescription, and a traced box may not be sold without its
//! trace code (无码不结) exactly as in a prescription visit. To keep those
//! rules in one place the cart does not dispense by itself: [`OtcCart::lines`]
//! turns it into ordinary dispensing lines, and the same
//! [`crate::dispense::Dispensing`] (barcode + trace code per box, FEFO, 拆零,
//! 无码库) fills them. Pure: products and their flags come in as arguments.

use crate::catalogue::Product;
use crate::prescription::RxLine;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// `rx_flag` of a prescription-only drug (处方药).
pub const RX_ONLY: &str = "1";

/// One cart line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartLine {
    /// 医保药品代码 (`med_list_codg`) of the product.
    pub med_list_codg: String,
    /// The pharmacy's product id.
    pub fixmedins_hilist_id: String,
    /// Name shown and printed.
    pub name: String,
    /// Specification.
    pub spec: String,
    /// Quantity in `unit`.
    pub quantity: Decimal,
    /// The pack unit, or the smallest unit for 拆零.
    pub unit: String,
    /// 拆零: sold in smallest units out of an opened box.
    pub split: bool,
}

/// Why something cannot go into the cart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OtcError {
    /// 处方药 without a prescription.
    #[error("{0} is prescription-only")]
    PrescriptionOnly(String),
    /// Zero, negative or fractional where whole units are needed.
    #[error("quantity {0} is not a positive whole number of units")]
    BadQuantity(Decimal),
    /// 拆零 of a product that has no smaller unit.
    #[error("{0} is not sold split")]
    NotSplittable(String),
    /// Nothing in the cart.
    #[error("the cart is empty")]
    Empty,
    /// No cart line with that index.
    #[error("no cart line {0}")]
    NoLine(usize),
}

impl OtcError {
    /// Stable code (docs/rules.md).
    pub fn code(&self) -> &'static str {
        match self {
            Self::PrescriptionOnly(_) => "OTC_PRESCRIPTION_ONLY",
            Self::BadQuantity(_) => "OTC_BAD_QUANTITY",
            Self::NotSplittable(_) => "OTC_NOT_SPLITTABLE",
            Self::Empty => "OTC_EMPTY",
            Self::NoLine(_) => "OTC_NO_LINE",
        }
    }
    /// zh-CN sentence with the next step.
    pub fn message_zh(&self) -> String {
        match self {
            Self::PrescriptionOnly(n) => format!(
                "“{n}”是处方药，须凭医师处方销售，不能在非处方销售中出售；请患者提供电子处方后在处方服务（F1 柜台）中调配"
            ),
            Self::BadQuantity(q) => format!("数量 {q} 无效：请输入大于 0 的整数数量"),
            Self::NotSplittable(n) => format!("“{n}”没有拆零单位，只能整盒销售"),
            Self::Empty => "购物清单为空，请先扫码或搜索添加商品".to_string(),
            Self::NoLine(i) => format!("没有第 {} 行商品", i + 1),
        }
    }
}

/// The cart of one OTC sale.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OtcCart {
    lines: Vec<CartLine>,
}

impl OtcCart {
    /// An empty cart.
    pub fn new() -> Self {
        Self::default()
    }

    /// The lines, in the order added.
    pub fn items(&self) -> &[CartLine] {
        &self.lines
    }

    /// Adds `quantity` packs (or smallest units with `split`) of a product
    /// whose `rx_flag` is given. A prescription-only drug is refused; the
    /// same product in the same unit adds up on one line.
    pub fn add(
        &mut self,
        p: &Product,
        rx_flag: &str,
        quantity: Decimal,
        split: bool,
    ) -> Result<&CartLine, OtcError> {
        if rx_flag.trim() == RX_ONLY {
            return Err(OtcError::PrescriptionOnly(p.name.clone()));
        }
        if quantity <= Decimal::ZERO || quantity.fract() != Decimal::ZERO {
            return Err(OtcError::BadQuantity(quantity));
        }
        if split && (p.pack_size <= Decimal::ONE || p.min_unit.trim() == p.pack_unit.trim()) {
            return Err(OtcError::NotSplittable(p.name.clone()));
        }
        let unit = if split { &p.min_unit } else { &p.pack_unit };
        let at = match self
            .lines
            .iter()
            .position(|l| l.fixmedins_hilist_id == p.fixmedins_hilist_id && l.split == split)
        {
            Some(i) => {
                self.lines[i].quantity += quantity;
                i
            }
            None => {
                self.lines.push(CartLine {
                    med_list_codg: p.med_list_codg.clone(),
                    fixmedins_hilist_id: p.fixmedins_hilist_id.clone(),
                    name: p.name.clone(),
                    spec: p.spec.clone(),
                    quantity,
                    unit: unit.clone(),
                    split,
                });
                self.lines.len() - 1
            }
        };
        Ok(&self.lines[at])
    }

    /// Sets a line's quantity (0 removes it).
    pub fn set_quantity(&mut self, index: usize, quantity: Decimal) -> Result<(), OtcError> {
        if index >= self.lines.len() {
            return Err(OtcError::NoLine(index));
        }
        if quantity.is_zero() {
            self.lines.remove(index);
            return Ok(());
        }
        if quantity < Decimal::ZERO || quantity.fract() != Decimal::ZERO {
            return Err(OtcError::BadQuantity(quantity));
        }
        self.lines[index].quantity = quantity;
        Ok(())
    }

    /// The cart as dispensing lines (one per cart line, in order), for
    /// [`crate::dispense::Dispensing::new`]: each box is then scanned with
    /// its trace code as in a prescription visit.
    pub fn lines(&self) -> Result<Vec<RxLine>, OtcError> {
        if self.lines.is_empty() {
            return Err(OtcError::Empty);
        }
        Ok(self
            .lines
            .iter()
            .map(|l| RxLine {
                med_list_codg: l.med_list_codg.clone(),
                drug_genname: l.name.clone(),
                drug_spec: l.spec.clone(),
                quantity: l.quantity,
                unit: l.unit.clone(),
                single_dose: String::new(),
                frequency: String::new(),
                route: String::new(),
                days: 0,
                price: None,
                hosp_prep_flag: false,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{DrugFacts, InsuranceClass};
    use crate::dispense::{BoxScan, DispenseError, Dispensing, StockBatch, StoreKind, TraceState};
    use chrono::NaiveDate;

    fn product(id: &str, codg: &str, name: &str, barcode: &str) -> Product {
        Product {
            fixmedins_hilist_id: id.into(),
            med_list_codg: codg.into(),
            name: name.into(),
            generic_name: name.into(),
            spec: "0.3g*20粒".into(),
            manufacturer: "演示制药".into(),
            barcode: barcode.into(),
            price: "18.00".parse().unwrap(),
            pack_unit: "盒".into(),
            min_unit: "粒".into(),
            pack_size: Decimal::from(20),
            facts: DrugFacts {
                restricted: Vec::new(),
                insurance_class: InsuranceClass::B,
                cold_chain: false,
            },
        }
    }

    fn ibu() -> Product {
        product(
            "YP000002",
            "XM01AEB080A001010100002",
            "布洛芬缓释胶囊",
            "6923456701020",
        )
    }

    #[test]
    fn a_prescription_only_drug_is_refused_with_a_clear_message() {
        let mut c = OtcCart::new();
        let amox = product("YP000001", "XJ01", "阿莫西林胶囊", "6923456701013");
        let e = c.add(&amox, "1", Decimal::ONE, false).unwrap_err();
        assert_eq!(e, OtcError::PrescriptionOnly("阿莫西林胶囊".into()));
        assert_eq!(e.code(), "OTC_PRESCRIPTION_ONLY");
        assert!(e
            .message_zh()
            .contains("“阿莫西林胶囊”是处方药，须凭医师处方销售"));
        assert!(c.items().is_empty(), "nothing added");
    }

    #[test]
    fn quantities_add_up_and_split_sales_use_the_smallest_unit() {
        let mut c = OtcCart::new();
        c.add(&ibu(), "0", Decimal::ONE, false).unwrap();
        let l = c.add(&ibu(), "0", Decimal::TWO, false).unwrap();
        assert_eq!(l.quantity, Decimal::from(3));
        assert_eq!(l.unit, "盒");
        let s = c.add(&ibu(), "0", Decimal::from(6), true).unwrap();
        assert_eq!(
            (s.quantity, s.unit.as_str(), s.split),
            (Decimal::from(6), "粒", true)
        );
        assert_eq!(c.items().len(), 2);
        assert_eq!(
            c.add(&ibu(), "0", Decimal::new(15, 1), false)
                .unwrap_err()
                .code(),
            "OTC_BAD_QUANTITY"
        );
        let mut whole = ibu();
        whole.pack_size = Decimal::ONE;
        whole.min_unit = "盒".into();
        assert_eq!(
            c.add(&whole, "0", Decimal::ONE, true).unwrap_err().code(),
            "OTC_NOT_SPLITTABLE"
        );
        c.set_quantity(0, Decimal::ZERO).unwrap();
        assert_eq!(c.items().len(), 1);
        assert_eq!(
            c.set_quantity(5, Decimal::ONE).unwrap_err().code(),
            "OTC_NO_LINE"
        );
        assert_eq!(OtcCart::new().lines().unwrap_err().code(), "OTC_EMPTY");
    }

    /// 无码不结 as in a prescription visit: the cart's lines are dispensed by
    /// the same `Dispensing`, a box needs its trace code, the sale cannot
    /// finish before every box is scanned, and a code sells once.
    #[test]
    fn the_cart_is_dispensed_box_by_box_with_trace_codes() {
        let mut c = OtcCart::new();
        c.add(&ibu(), "0", Decimal::TWO, false).unwrap();
        let mut d = Dispensing::new(c.lines().unwrap());
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let batches = vec![StockBatch {
            batch_id: "B1".into(),
            med_list_codg: ibu().med_list_codg,
            manu_lotnum: "L1".into(),
            manu_date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            expy_end: NaiveDate::from_ymd_opt(2028, 1, 1).unwrap(),
            on_hand: Decimal::from(200),
            store: StoreKind::Traced,
        }];
        let unsold = |_: &crate::code_format::TraceCode| TraceState::Unsold;
        let scan = |code: &str| BoxScan {
            barcode: "6923456701020".into(),
            trace_code: code.into(),
            batch_id: None,
        };
        d.scan_box(
            &scan("81305120000000000001"),
            &ibu(),
            &batches,
            &unsold,
            today,
        )
        .unwrap();
        assert!(!d.is_complete(), "one box of two");
        assert_eq!(
            d.clone().finish(false).unwrap_err(),
            DispenseError::Incomplete,
            "无码不结: not settled before every box is scanned"
        );
        assert!(matches!(
            d.scan_box(
                &scan("81305120000000000001"),
                &ibu(),
                &batches,
                &unsold,
                today
            ),
            Err(DispenseError::TraceCodeDuplicate(_))
        ));
        assert!(matches!(
            d.scan_box(&scan("123"), &ibu(), &batches, &unsold, today),
            Err(DispenseError::TraceCodeInvalid(_))
        ));
        d.scan_box(
            &scan("81305120000000000002"),
            &ibu(),
            &batches,
            &unsold,
            today,
        )
        .unwrap();
        let items = d.finish(false).unwrap();
        assert_eq!(items.len(), 2);
        assert!(items.iter().all(|i| i.trace_code.is_some()));
    }
}
