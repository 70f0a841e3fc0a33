//! Dispensing a verified, audited prescription (ST-EPC-02-010: "strictly per
//! the prescription, no substitution, no over-quantity").
//!
//! Every box is scanned: its barcode and its 20-digit trace code. The box's
//! product must carry the prescribed `med_list_codg`; the line's quantity
//! may not be exceeded; the stock batch is taken first-expiry-first-out from
//! the batches passed in and an expired batch is refused; a trace code
//! already sold (here or, per the center, anywhere) blocks the box, as does
//! the same code scanned twice in one sale. Stock without trace codes comes
//! only from the 无码库 and needs a reason. 拆零 (split packs) sells smallest
//! units out of an opened box, with the product's conversion factor.
//!
//! Quantities are kept in smallest units (`Decimal`) so that split sales
//! stay exact; a line's prescribed quantity is converted once.

use crate::catalogue::Product;
use crate::code_format::{CodeFormatError, TraceCode};
use crate::prescription::RxLine;
use crate::text::compact;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Which store a batch is held in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StoreKind {
    /// Boxes with trace codes (the normal store).
    Traced,
    /// 无码库: stock received without trace codes.
    NoCode,
}

/// One stock batch of a product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockBatch {
    /// 定点医药机构批次流水号 (`fixmedins_bchno`).
    pub batch_id: String,
    /// The product's 医保 code.
    pub med_list_codg: String,
    /// 生产批号.
    pub manu_lotnum: String,
    /// 生产日期.
    pub manu_date: NaiveDate,
    /// 有效期止: usable through this day.
    pub expy_end: NaiveDate,
    /// Quantity on hand, in smallest units.
    pub on_hand: Decimal,
    /// Which store.
    pub store: StoreKind,
}

impl StockBatch {
    /// Expired on `today` (the expiry day itself is still usable).
    pub fn expired(&self, today: NaiveDate) -> bool {
        self.expy_end < today
    }
}

/// What the ledger and the center know about a trace code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TraceState {
    /// Never sold.
    Unsold,
    /// Sold by this pharmacy.
    SoldLocally,
    /// Sold according to the center (3505 / trace platform).
    SoldPerCenter,
    /// An opened box sold by 拆零, with smallest units left in it.
    OpenedForSplit {
        /// Smallest units still in the box.
        remaining: Decimal,
    },
}

/// One scan at the counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoxScan {
    /// The barcode read from the box.
    pub barcode: String,
    /// The trace code read from the box.
    pub trace_code: String,
    /// The batch, when known from the box or the trace platform.
    pub batch_id: Option<String>,
}

/// One dispensed portion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DispensedItem {
    /// Prescription line (0-based).
    pub line: usize,
    /// The product's 医保 code (equals the line's).
    pub med_list_codg: String,
    /// The pharmacy's catalogue id.
    pub fixmedins_hilist_id: String,
    /// Batch taken from.
    pub batch_id: String,
    /// 生产批号 of the batch.
    pub manu_lotnum: String,
    /// 生产日期 of the batch.
    pub manu_date: NaiveDate,
    /// 有效期止 of the batch.
    pub expy_end: NaiveDate,
    /// The box's trace code (`None` only for 无码库 stock).
    pub trace_code: Option<TraceCode>,
    /// Quantity in smallest units.
    pub min_units: Decimal,
    /// Quantity in the prescription line's unit (`min_units` / the line's
    /// conversion factor), what the prescription's quantity is compared with.
    pub line_quantity: Decimal,
    /// Smallest units per pack of the product.
    pub pack_size: Decimal,
    /// 拆零 (`trdn_flag` = 1).
    pub split: bool,
    /// Why stock without a trace code was used.
    pub no_code_reason: Option<String>,
}

impl DispensedItem {
    /// Quantity in packs (exact for whole boxes).
    pub fn packs(&self) -> Decimal {
        if self.pack_size.is_zero() {
            return self.min_units;
        }
        self.min_units / self.pack_size
    }
}

/// Why a box or portion cannot be dispensed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DispenseError {
    /// The product looked up does not carry the scanned barcode.
    #[error("scanned barcode {scanned} is not the product's barcode")]
    BarcodeMismatch {
        /// The barcode read.
        scanned: String,
    },
    /// The trace code is malformed.
    #[error("invalid trace code: {0}")]
    TraceCodeInvalid(CodeFormatError),
    /// The same trace code was already scanned in this sale.
    #[error("trace code {0} already scanned in this sale")]
    TraceCodeDuplicate(TraceCode),
    /// The box was already sold.
    #[error("trace code {code} already sold ({})", if *per_center { "per the center" } else { "locally" })]
    TraceCodeSold {
        /// The code.
        code: TraceCode,
        /// True when the center reported it, false when the local ledger did.
        per_center: bool,
    },
    /// An opened (split) box was scanned as a whole box.
    #[error("box {0} was opened for split sales")]
    BoxOpened(TraceCode),
    /// The product is not prescribed (no substitution).
    #[error("product {scanned} is not prescribed")]
    Substitution {
        /// The product's 医保 code.
        scanned: String,
        /// Its name.
        name: String,
    },
    /// More than prescribed.
    #[error("line {line}: {attempted} more would exceed the prescribed {prescribed} (already {already})")]
    OverQuantity {
        /// Line (0-based).
        line: usize,
        /// Drug name.
        name: String,
        /// Prescribed, in the line's unit.
        prescribed: Decimal,
        /// Already dispensed, in the line's unit.
        already: Decimal,
        /// This portion, in the line's unit.
        attempted: Decimal,
        /// The line's unit.
        unit: String,
    },
    /// The line's unit is neither the product's pack unit nor its smallest unit.
    #[error("line unit {line_unit} matches neither {pack_unit} nor {min_unit}")]
    UnitMismatch {
        /// The prescription's unit.
        line_unit: String,
        /// The product's pack unit.
        pack_unit: String,
        /// The product's smallest unit.
        min_unit: String,
    },
    /// The batch is past its expiry date.
    #[error("batch {batch_id} expired on {expy_end}")]
    ExpiredBatch {
        /// Batch.
        batch_id: String,
        /// Its expiry.
        expy_end: NaiveDate,
    },
    /// Not enough unexpired stock.
    #[error("not enough stock of {0}")]
    OutOfStock(String),
    /// The named batch is not stock of this product in this store.
    #[error("unknown batch {0}")]
    UnknownBatch(String),
    /// 无码库 stock without a reason.
    #[error("a reason is required for stock without trace codes")]
    NoCodeReasonMissing,
    /// Not a positive quantity, or a split of more than a box.
    #[error("bad quantity {0}")]
    BadQuantity(Decimal),
    /// Split sale of a product that has no smaller unit.
    #[error("product {0} cannot be split")]
    SplitNotAllowed(String),
    /// The opened box has fewer units left than asked.
    #[error("box {code} has only {remaining} left")]
    SplitExceedsBox {
        /// The box.
        code: TraceCode,
        /// Units left.
        remaining: Decimal,
    },
    /// A product with another pack size than the one already on the line.
    #[error("pack size differs from the boxes already dispensed for {0}")]
    PackSizeConflict(String),
    /// Not every line is filled.
    #[error("dispensing incomplete")]
    Incomplete,
    /// Nothing was dispensed.
    #[error("nothing dispensed")]
    NothingDispensed,
}

impl DispenseError {
    /// Stable English code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BarcodeMismatch { .. } => "DISPENSE_BARCODE_MISMATCH",
            Self::TraceCodeInvalid(_) => "DISPENSE_TRACE_CODE_INVALID",
            Self::TraceCodeDuplicate(_) => "DISPENSE_TRACE_CODE_DUPLICATE",
            Self::TraceCodeSold { .. } => "DISPENSE_TRACE_CODE_SOLD",
            Self::BoxOpened(_) => "DISPENSE_BOX_OPENED",
            Self::Substitution { .. } => "DISPENSE_SUBSTITUTION",
            Self::OverQuantity { .. } => "DISPENSE_OVER_QUANTITY",
            Self::UnitMismatch { .. } => "DISPENSE_UNIT_MISMATCH",
            Self::ExpiredBatch { .. } => "DISPENSE_EXPIRED_BATCH",
            Self::OutOfStock(_) => "DISPENSE_OUT_OF_STOCK",
            Self::UnknownBatch(_) => "DISPENSE_UNKNOWN_BATCH",
            Self::NoCodeReasonMissing => "DISPENSE_NO_CODE_REASON_MISSING",
            Self::BadQuantity(_) => "DISPENSE_BAD_QUANTITY",
            Self::SplitNotAllowed(_) => "DISPENSE_SPLIT_NOT_ALLOWED",
            Self::SplitExceedsBox { .. } => "DISPENSE_SPLIT_EXCEEDS_BOX",
            Self::PackSizeConflict(_) => "DISPENSE_PACK_SIZE_CONFLICT",
            Self::Incomplete => "DISPENSE_INCOMPLETE",
            Self::NothingDispensed => "DISPENSE_NOTHING_DISPENSED",
        }
    }

    /// The sentence shown to the pharmacist.
    pub fn message_zh(&self) -> String {
        let d = |x: &Decimal| x.normalize().to_string();
        match self {
            Self::BarcodeMismatch { scanned } => {
                format!("条形码 {scanned} 与所选药品不符，请重新扫描药盒")
            }
            Self::TraceCodeInvalid(e) => format!("{}，请重新扫描药品追溯码", e.message_zh()),
            Self::TraceCodeDuplicate(c) => {
                format!("追溯码 {c} 在本单中已扫描过，同一盒药不能重复销售")
            }
            Self::TraceCodeSold { code, per_center } => format!(
                "追溯码 {code} 对应的药盒{}已售出，不能再次销售，请更换药盒并核查",
                if *per_center { "经医保中心核验" } else { "在本店" }
            ),
            Self::BoxOpened(c) => format!("追溯码 {c} 的药盒已拆零，请按拆零销售处理"),
            Self::Substitution { scanned, name } => format!(
                "{name}（医保代码 {scanned}）不是处方开具的药品，处方药品不得替换"
            ),
            Self::OverQuantity {
                name,
                prescribed,
                already,
                attempted,
                unit,
                ..
            } => format!(
                "{name} 处方数量为 {}{unit}，已配 {}{unit}，再配 {}{unit} 将超出处方数量",
                d(prescribed),
                d(already),
                d(attempted)
            ),
            Self::UnitMismatch {
                line_unit,
                pack_unit,
                min_unit,
            } => format!(
                "处方单位“{line_unit}”与药品包装单位“{pack_unit}”或最小单位“{min_unit}”不一致，请核对目录"
            ),
            Self::ExpiredBatch { batch_id, expy_end } => {
                format!("批次 {batch_id} 已于 {expy_end} 过期，过期药品不得销售")
            }
            Self::OutOfStock(name) => format!("{name} 库存不足（不含过期批次）"),
            Self::UnknownBatch(b) => format!("批次 {b} 不是该药品的在库批次"),
            Self::NoCodeReasonMissing => "使用无码库存须填写原因".to_string(),
            Self::BadQuantity(q) => format!("数量 {} 无效", d(q)),
            Self::SplitNotAllowed(name) => format!("{name} 没有拆零单位，不能拆零销售"),
            Self::SplitExceedsBox { code, remaining } => {
                format!("拆零药盒 {code} 仅剩 {}，数量不足", d(remaining))
            }
            Self::PackSizeConflict(name) => {
                format!("{name} 已按另一包装规格配药，同一处方行请使用相同包装规格的药品")
            }
            Self::Incomplete => "仍有处方药品未配齐".to_string(),
            Self::NothingDispensed => "尚未配药".to_string(),
        }
    }
}

/// Progress of one prescription line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineProgress {
    /// Prescribed, in smallest units.
    pub prescribed_min_units: Decimal,
    /// Dispensed so far, in smallest units.
    pub dispensed_min_units: Decimal,
}

/// The dispensing of one prescription (one sale).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dispensing {
    lines: Vec<RxLine>,
    /// Smallest units per line unit, fixed by the first product dispensed
    /// on the line.
    factors: Vec<Option<Decimal>>,
    items: Vec<DispensedItem>,
}

fn same_unit(a: &str, b: &str) -> bool {
    compact(a) == compact(b)
}

/// Smallest units per unit of the line, for this product.
fn line_factor(line: &RxLine, p: &Product) -> Result<Decimal, DispenseError> {
    if p.pack_size < Decimal::ONE {
        // A catalogue error; dividing by it would be meaningless.
        return Err(DispenseError::BadQuantity(p.pack_size));
    }
    if same_unit(&line.unit, &p.pack_unit) {
        Ok(p.pack_size)
    } else if same_unit(&line.unit, &p.min_unit) {
        Ok(Decimal::ONE)
    } else {
        Err(DispenseError::UnitMismatch {
            line_unit: line.unit.clone(),
            pack_unit: p.pack_unit.clone(),
            min_unit: p.min_unit.clone(),
        })
    }
}

impl Dispensing {
    /// Starts dispensing these prescription lines.
    pub fn new(lines: Vec<RxLine>) -> Self {
        let n = lines.len();
        Self {
            lines,
            factors: vec![None; n],
            items: Vec::new(),
        }
    }

    /// Everything dispensed so far.
    pub fn items(&self) -> &[DispensedItem] {
        &self.items
    }

    /// Dispensed smallest units on a line.
    fn dispensed(&self, line: usize) -> Decimal {
        self.items
            .iter()
            .filter(|i| i.line == line)
            .map(|i| i.min_units)
            .sum()
    }

    /// Per-line progress (prescribed and dispensed, smallest units; a line
    /// nothing was dispensed on yet counts its prescribed quantity in the
    /// line's own unit).
    pub fn progress(&self) -> Vec<LineProgress> {
        self.lines
            .iter()
            .enumerate()
            .map(|(i, l)| LineProgress {
                prescribed_min_units: l
                    .quantity
                    .checked_mul(self.factors[i].unwrap_or(Decimal::ONE))
                    .unwrap_or(Decimal::MAX),
                dispensed_min_units: self.dispensed(i),
            })
            .collect()
    }

    /// Every line filled exactly.
    pub fn is_complete(&self) -> bool {
        self.progress().iter().enumerate().all(|(i, p)| {
            self.factors[i].is_some() && p.dispensed_min_units == p.prescribed_min_units
        })
    }

    fn already_scanned(&self, code: &TraceCode) -> bool {
        self.items
            .iter()
            .any(|i| i.trace_code.as_ref() == Some(code))
    }

    /// Reserved smallest units per batch in this sale.
    fn allocated(&self) -> HashMap<&str, Decimal> {
        let mut m: HashMap<&str, Decimal> = HashMap::new();
        for i in &self.items {
            *m.entry(i.batch_id.as_str()).or_default() += i.min_units;
        }
        m
    }

    /// The line this product fills with `min_units` more, or why none.
    fn line_for(&self, p: &Product, min_units: Decimal) -> Result<(usize, Decimal), DispenseError> {
        let mut over = None;
        for (i, l) in self.lines.iter().enumerate() {
            if l.med_list_codg != p.med_list_codg {
                continue;
            }
            let factor = line_factor(l, p)?;
            if self.factors[i].is_some_and(|f| f != factor) {
                return Err(DispenseError::PackSizeConflict(l.drug_genname.clone()));
            }
            let prescribed = l.quantity.checked_mul(factor).unwrap_or(Decimal::ZERO);
            let already = self.dispensed(i);
            if already
                .checked_add(min_units)
                .is_some_and(|total| total <= prescribed)
            {
                return Ok((i, factor));
            }
            if over.is_none() {
                over = Some(DispenseError::OverQuantity {
                    line: i,
                    name: l.drug_genname.clone(),
                    prescribed: l.quantity,
                    already: already / factor,
                    attempted: min_units / factor,
                    unit: l.unit.clone(),
                });
            }
        }
        Err(over.unwrap_or_else(|| DispenseError::Substitution {
            scanned: p.med_list_codg.clone(),
            name: p.name.clone(),
        }))
    }

    fn trace(scan: &BoxScan, p: &Product) -> Result<TraceCode, DispenseError> {
        if compact(&scan.barcode).to_lowercase() != compact(&p.barcode).to_lowercase() {
            return Err(DispenseError::BarcodeMismatch {
                scanned: scan.barcode.clone(),
            });
        }
        TraceCode::parse(&scan.trace_code).map_err(DispenseError::TraceCodeInvalid)
    }

    /// A whole box: barcode + trace code.
    pub fn scan_box(
        &mut self,
        scan: &BoxScan,
        product: &Product,
        batches: &[StockBatch],
        traces: &dyn Fn(&TraceCode) -> TraceState,
        today: NaiveDate,
    ) -> Result<&DispensedItem, DispenseError> {
        let code = Self::trace(scan, product)?;
        if self.already_scanned(&code) {
            return Err(DispenseError::TraceCodeDuplicate(code));
        }
        match traces(&code) {
            TraceState::Unsold => {}
            TraceState::SoldLocally => {
                return Err(DispenseError::TraceCodeSold {
                    code,
                    per_center: false,
                })
            }
            TraceState::SoldPerCenter => {
                return Err(DispenseError::TraceCodeSold {
                    code,
                    per_center: true,
                })
            }
            TraceState::OpenedForSplit { .. } => return Err(DispenseError::BoxOpened(code)),
        }
        let units = product.pack_size;
        let (line, factor) = self.line_for(product, units)?;
        let batch = choose_batch(
            batches,
            &product.med_list_codg,
            StoreKind::Traced,
            units,
            scan.batch_id.as_deref(),
            &self.allocated(),
            today,
        )?
        .clone();
        Ok(self.push(
            line,
            factor,
            product,
            &batch,
            Some(code),
            units,
            false,
            None,
        ))
    }

    /// 拆零: `min_units` smallest units out of the box with this trace code
    /// (a new box is opened when the code is unsold).
    #[allow(clippy::too_many_arguments)]
    pub fn split_from_box(
        &mut self,
        scan: &BoxScan,
        product: &Product,
        min_units: Decimal,
        batches: &[StockBatch],
        traces: &dyn Fn(&TraceCode) -> TraceState,
        today: NaiveDate,
    ) -> Result<&DispensedItem, DispenseError> {
        if product.pack_size <= Decimal::ONE || same_unit(&product.pack_unit, &product.min_unit) {
            return Err(DispenseError::SplitNotAllowed(product.name.clone()));
        }
        if min_units <= Decimal::ZERO || min_units > product.pack_size {
            return Err(DispenseError::BadQuantity(min_units));
        }
        let code = Self::trace(scan, product)?;
        if self.already_scanned(&code) {
            return Err(DispenseError::TraceCodeDuplicate(code));
        }
        let remaining = match traces(&code) {
            TraceState::Unsold => product.pack_size,
            TraceState::OpenedForSplit { remaining } => remaining,
            TraceState::SoldLocally => {
                return Err(DispenseError::TraceCodeSold {
                    code,
                    per_center: false,
                })
            }
            TraceState::SoldPerCenter => {
                return Err(DispenseError::TraceCodeSold {
                    code,
                    per_center: true,
                })
            }
        };
        if min_units > remaining {
            return Err(DispenseError::SplitExceedsBox { code, remaining });
        }
        let (line, factor) = self.line_for(product, min_units)?;
        let batch = choose_batch(
            batches,
            &product.med_list_codg,
            StoreKind::Traced,
            min_units,
            scan.batch_id.as_deref(),
            &self.allocated(),
            today,
        )?
        .clone();
        Ok(self.push(
            line,
            factor,
            product,
            &batch,
            Some(code),
            min_units,
            true,
            None,
        ))
    }

    /// Stock without trace codes, only from the 无码库 and with a reason.
    pub fn from_no_code_store(
        &mut self,
        product: &Product,
        min_units: Decimal,
        reason: &str,
        batches: &[StockBatch],
        today: NaiveDate,
    ) -> Result<&DispensedItem, DispenseError> {
        if reason.trim().is_empty() {
            return Err(DispenseError::NoCodeReasonMissing);
        }
        if min_units <= Decimal::ZERO {
            return Err(DispenseError::BadQuantity(min_units));
        }
        let (line, factor) = self.line_for(product, min_units)?;
        let batch = choose_batch(
            batches,
            &product.med_list_codg,
            StoreKind::NoCode,
            min_units,
            None,
            &self.allocated(),
            today,
        )?
        .clone();
        let split = min_units % product.pack_size != Decimal::ZERO;
        Ok(self.push(
            line,
            factor,
            product,
            &batch,
            None,
            min_units,
            split,
            Some(reason.trim().to_string()),
        ))
    }

    /// Takes back a dispensed portion (the pharmacist corrects a scan).
    pub fn remove(&mut self, index: usize) -> Option<DispensedItem> {
        (index < self.items.len()).then(|| {
            let item = self.items.remove(index);
            if !self.items.iter().any(|i| i.line == item.line) {
                self.factors[item.line] = None;
            }
            item
        })
    }

    /// Ends dispensing: every line must be filled unless `allow_partial`
    /// (then at least one item).
    pub fn finish(self, allow_partial: bool) -> Result<Vec<DispensedItem>, DispenseError> {
        if self.items.is_empty() {
            return Err(DispenseError::NothingDispensed);
        }
        if !allow_partial && !self.is_complete() {
            return Err(DispenseError::Incomplete);
        }
        Ok(self.items)
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        line: usize,
        factor: Decimal,
        p: &Product,
        b: &StockBatch,
        trace_code: Option<TraceCode>,
        min_units: Decimal,
        split: bool,
        no_code_reason: Option<String>,
    ) -> &DispensedItem {
        self.factors[line] = Some(factor);
        self.items.push(DispensedItem {
            line,
            med_list_codg: p.med_list_codg.clone(),
            fixmedins_hilist_id: p.fixmedins_hilist_id.clone(),
            batch_id: b.batch_id.clone(),
            manu_lotnum: b.manu_lotnum.clone(),
            manu_date: b.manu_date,
            expy_end: b.expy_end,
            trace_code,
            min_units,
            line_quantity: if factor.is_zero() {
                min_units
            } else {
                min_units / factor
            },
            pack_size: p.pack_size,
            split,
            no_code_reason,
        });
        let n = self.items.len() - 1;
        &self.items[n]
    }
}

/// First-expiry-first-out: the unexpired batch of this product and store
/// with enough stock left (after what this sale already took) that expires
/// first (then the older manufacture, then the batch id). A named batch is
/// used as named, but refused when expired or short.
pub fn choose_batch<'a>(
    batches: &'a [StockBatch],
    med_list_codg: &str,
    store: StoreKind,
    need: Decimal,
    requested: Option<&str>,
    allocated: &HashMap<&str, Decimal>,
    today: NaiveDate,
) -> Result<&'a StockBatch, DispenseError> {
    let avail = |b: &StockBatch| {
        b.on_hand
            - allocated
                .get(b.batch_id.as_str())
                .copied()
                .unwrap_or_default()
    };
    let mut own = batches
        .iter()
        .filter(|b| b.med_list_codg == med_list_codg && b.store == store);
    if let Some(id) = requested {
        let b = own
            .find(|b| b.batch_id == id)
            .ok_or_else(|| DispenseError::UnknownBatch(id.to_string()))?;
        if b.expired(today) {
            return Err(DispenseError::ExpiredBatch {
                batch_id: b.batch_id.clone(),
                expy_end: b.expy_end,
            });
        }
        if avail(b) < need {
            return Err(DispenseError::OutOfStock(med_list_codg.to_string()));
        }
        return Ok(b);
    }
    let own: Vec<&StockBatch> = own.collect();
    if let Some(b) = own
        .iter()
        .filter(|b| !b.expired(today) && avail(b) >= need)
        .min_by(|a, b| {
            (a.expy_end, a.manu_date, &a.batch_id).cmp(&(b.expy_end, b.manu_date, &b.batch_id))
        })
    {
        return Ok(b);
    }
    match own
        .iter()
        .filter(|b| b.expired(today) && avail(b) >= need)
        .min_by_key(|b| b.expy_end)
    {
        Some(b) => Err(DispenseError::ExpiredBatch {
            batch_id: b.batch_id.clone(),
            expy_end: b.expy_end,
        }),
        None => Err(DispenseError::OutOfStock(med_list_codg.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::tests::product;
    use crate::testdata::{line, AMOXICILLIN};
    use proptest::prelude::*;
    use std::collections::HashSet;

    const BARCODE: &str = "6901234567890";

    fn amox() -> Product {
        product("阿莫西林胶囊", "阿莫西林", AMOXICILLIN, BARCODE)
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn batch(id: &str, expy: &str, on_hand: i64, store: StoreKind) -> StockBatch {
        StockBatch {
            batch_id: id.into(),
            med_list_codg: AMOXICILLIN.into(),
            manu_lotnum: format!("LOT-{id}"),
            manu_date: d("2025-01-01"),
            expy_end: d(expy),
            on_hand: Decimal::from(on_hand),
            store,
        }
    }

    fn stock() -> Vec<StockBatch> {
        vec![
            batch("B-LATE", "2028-06-30", 240, StoreKind::Traced),
            batch("B-EARLY", "2027-01-31", 48, StoreKind::Traced),
            batch("B-OLD", "2026-10-31", 240, StoreKind::Traced),
            batch("N-1", "2027-12-31", 240, StoreKind::NoCode),
        ]
    }

    fn scan(tc: &str) -> BoxScan {
        BoxScan {
            barcode: BARCODE.into(),
            trace_code: tc.into(),
            batch_id: None,
        }
    }

    fn tc(n: u32) -> String {
        format!("8{n:019}")
    }

    fn unsold(_: &TraceCode) -> TraceState {
        TraceState::Unsold
    }

    fn today() -> NaiveDate {
        d("2026-11-23")
    }

    #[test]
    fn two_boxes_fill_the_line_first_expiry_first() {
        let mut s = Dispensing::new(vec![line()]);
        let b = stock();
        let i = s
            .scan_box(&scan(&tc(1)), &amox(), &b, &unsold, today())
            .unwrap();
        assert_eq!(i.batch_id, "B-EARLY", "the expired B-OLD is skipped");
        assert_eq!(i.packs(), Decimal::ONE);
        assert!(!s.is_complete());
        let i = s
            .scan_box(&scan(&tc(2)), &amox(), &b, &unsold, today())
            .unwrap();
        assert_eq!(i.batch_id, "B-EARLY", "48 units = two boxes of 24");
        assert!(s.is_complete());
        let e = s
            .scan_box(&scan(&tc(3)), &amox(), &b, &unsold, today())
            .unwrap_err();
        assert_eq!(e.code(), "DISPENSE_OVER_QUANTITY");
        assert!(e.message_zh().contains("处方数量为 2盒"));
        let items = s.finish(false).unwrap();
        assert_eq!(items.len(), 2);
    }

    #[test]
    fn fefo_moves_on_when_the_earliest_batch_is_used_up() {
        let mut s = Dispensing::new(vec![RxLine {
            quantity: Decimal::from(3),
            ..line()
        }]);
        let b = stock();
        for n in 1..=3 {
            s.scan_box(&scan(&tc(n)), &amox(), &b, &unsold, today())
                .unwrap();
        }
        let batches: Vec<&str> = s.items().iter().map(|i| i.batch_id.as_str()).collect();
        assert_eq!(batches, vec!["B-EARLY", "B-EARLY", "B-LATE"]);
    }

    #[test]
    fn substitution_is_blocked() {
        let mut s = Dispensing::new(vec![line()]);
        let other = product(
            "阿莫西林克拉维酸钾片",
            "阿莫西林克拉维酸钾",
            "XJ01CRA040A001010100029",
            "6901234567891",
        );
        let e = s
            .scan_box(
                &BoxScan {
                    barcode: "6901234567891".into(),
                    ..scan(&tc(1))
                },
                &other,
                &stock(),
                &unsold,
                today(),
            )
            .unwrap_err();
        assert!(matches!(e, DispenseError::Substitution { .. }));
        assert!(e.message_zh().contains("不得替换"));
        let e = s
            .scan_box(
                &BoxScan {
                    barcode: "6900000000000".into(),
                    ..scan(&tc(1))
                },
                &amox(),
                &stock(),
                &unsold,
                today(),
            )
            .unwrap_err();
        assert_eq!(e.code(), "DISPENSE_BARCODE_MISMATCH");
    }

    #[test]
    fn trace_code_rules() {
        let mut s = Dispensing::new(vec![line()]);
        let b = stock();
        let e = s
            .scan_box(&scan("123"), &amox(), &b, &unsold, today())
            .unwrap_err();
        assert_eq!(e.code(), "DISPENSE_TRACE_CODE_INVALID");
        let sold_here = |_: &TraceCode| TraceState::SoldLocally;
        let e = s
            .scan_box(&scan(&tc(1)), &amox(), &b, &sold_here, today())
            .unwrap_err();
        assert_eq!(
            e,
            DispenseError::TraceCodeSold {
                code: TraceCode::parse(&tc(1)).unwrap(),
                per_center: false
            }
        );
        let sold_there = |_: &TraceCode| TraceState::SoldPerCenter;
        let e = s
            .scan_box(&scan(&tc(1)), &amox(), &b, &sold_there, today())
            .unwrap_err();
        assert!(e.message_zh().contains("医保中心"));
        let opened = |_: &TraceCode| TraceState::OpenedForSplit {
            remaining: Decimal::from(10),
        };
        assert_eq!(
            s.scan_box(&scan(&tc(1)), &amox(), &b, &opened, today())
                .unwrap_err()
                .code(),
            "DISPENSE_BOX_OPENED"
        );
        s.scan_box(&scan(&tc(1)), &amox(), &b, &unsold, today())
            .unwrap();
        let e = s
            .scan_box(
                &scan(&format!(" {} ", tc(1))),
                &amox(),
                &b,
                &unsold,
                today(),
            )
            .unwrap_err();
        assert_eq!(e.code(), "DISPENSE_TRACE_CODE_DUPLICATE");
        assert_eq!(s.items().len(), 1);
    }

    #[test]
    fn expired_batches_are_refused() {
        let mut s = Dispensing::new(vec![line()]);
        let b = stock();
        let e = s
            .scan_box(
                &BoxScan {
                    batch_id: Some("B-OLD".into()),
                    ..scan(&tc(1))
                },
                &amox(),
                &b,
                &unsold,
                today(),
            )
            .unwrap_err();
        assert_eq!(
            e,
            DispenseError::ExpiredBatch {
                batch_id: "B-OLD".into(),
                expy_end: d("2026-10-31")
            }
        );
        // Only expired stock left: the error says so rather than "out of stock".
        let only_old = vec![batch("B-OLD", "2026-10-31", 240, StoreKind::Traced)];
        let e = s
            .scan_box(&scan(&tc(1)), &amox(), &only_old, &unsold, today())
            .unwrap_err();
        assert_eq!(e.code(), "DISPENSE_EXPIRED_BATCH");
        // The expiry day itself is still usable.
        let last_day = vec![batch("B-TODAY", "2026-11-23", 24, StoreKind::Traced)];
        assert!(s
            .scan_box(&scan(&tc(1)), &amox(), &last_day, &unsold, today())
            .is_ok());
        let e = s
            .scan_box(&scan(&tc(2)), &amox(), &last_day, &unsold, today())
            .unwrap_err();
        assert_eq!(e.code(), "DISPENSE_OUT_OF_STOCK");
        let e = s
            .scan_box(
                &BoxScan {
                    batch_id: Some("N-1".into()),
                    ..scan(&tc(2))
                },
                &amox(),
                &stock(),
                &unsold,
                today(),
            )
            .unwrap_err();
        assert_eq!(
            e.code(),
            "DISPENSE_UNKNOWN_BATCH",
            "no-code stock is not scannable"
        );
    }

    #[test]
    fn no_code_stock_needs_the_no_code_store_and_a_reason() {
        let mut s = Dispensing::new(vec![line()]);
        let e = s
            .from_no_code_store(&amox(), Decimal::from(24), " ", &stock(), today())
            .unwrap_err();
        assert_eq!(e, DispenseError::NoCodeReasonMissing);
        let i = s
            .from_no_code_store(
                &amox(),
                Decimal::from(24),
                "2024 年前入库，无追溯码",
                &stock(),
                today(),
            )
            .unwrap();
        assert_eq!(i.batch_id, "N-1");
        assert!(i.trace_code.is_none());
        assert!(!i.split);
        let traced_only = vec![batch("B-LATE", "2028-06-30", 240, StoreKind::Traced)];
        let e = s
            .from_no_code_store(&amox(), Decimal::from(24), "原因", &traced_only, today())
            .unwrap_err();
        assert_eq!(e.code(), "DISPENSE_OUT_OF_STOCK");
    }

    #[test]
    fn split_sales_in_smallest_units() {
        // Prescribed 30 粒; the product is 24 粒 per 盒.
        let mut s = Dispensing::new(vec![RxLine {
            quantity: Decimal::from(30),
            unit: "粒".into(),
            ..line()
        }]);
        let b = stock();
        s.scan_box(&scan(&tc(1)), &amox(), &b, &unsold, today())
            .unwrap();
        let e = s
            .split_from_box(
                &scan(&tc(2)),
                &amox(),
                Decimal::from(7),
                &b,
                &unsold,
                today(),
            )
            .unwrap_err();
        assert_eq!(e.code(), "DISPENSE_OVER_QUANTITY");
        let opened = |_: &TraceCode| TraceState::OpenedForSplit {
            remaining: Decimal::from(4),
        };
        let e = s
            .split_from_box(
                &scan(&tc(2)),
                &amox(),
                Decimal::from(6),
                &b,
                &opened,
                today(),
            )
            .unwrap_err();
        assert_eq!(e.code(), "DISPENSE_SPLIT_EXCEEDS_BOX");
        let i = s
            .split_from_box(
                &scan(&tc(2)),
                &amox(),
                Decimal::from(6),
                &b,
                &unsold,
                today(),
            )
            .unwrap()
            .clone();
        assert!(i.split);
        assert_eq!(i.packs(), Decimal::new(25, 2));
        assert!(s.is_complete());
        assert_eq!(
            s.progress()[0],
            LineProgress {
                prescribed_min_units: Decimal::from(30),
                dispensed_min_units: Decimal::from(30)
            }
        );
        let e = s
            .split_from_box(
                &scan(&tc(3)),
                &amox(),
                Decimal::from(25),
                &b,
                &unsold,
                today(),
            )
            .unwrap_err();
        assert_eq!(e.code(), "DISPENSE_BAD_QUANTITY");
        let mut whole = amox();
        whole.min_unit = "盒".into();
        whole.pack_size = Decimal::ONE;
        let e = s
            .split_from_box(&scan(&tc(3)), &whole, Decimal::ONE, &b, &unsold, today())
            .unwrap_err();
        assert_eq!(e.code(), "DISPENSE_SPLIT_NOT_ALLOWED");
    }

    #[test]
    fn a_zero_pack_size_is_refused_not_divided_by() {
        let mut s = Dispensing::new(vec![line()]);
        let mut broken = amox();
        broken.pack_size = Decimal::ZERO;
        let e = s
            .from_no_code_store(&broken, Decimal::ONE, "原因", &stock(), today())
            .unwrap_err();
        assert_eq!(e.code(), "DISPENSE_BAD_QUANTITY");
        let huge = Decimal::MAX;
        let e = s
            .from_no_code_store(&amox(), huge, "原因", &stock(), today())
            .unwrap_err();
        assert_eq!(e.code(), "DISPENSE_OVER_QUANTITY");
    }

    #[test]
    fn unit_mismatch_and_completion() {
        let mut s = Dispensing::new(vec![RxLine {
            unit: "瓶".into(),
            ..line()
        }]);
        let e = s
            .scan_box(&scan(&tc(1)), &amox(), &stock(), &unsold, today())
            .unwrap_err();
        assert_eq!(e.code(), "DISPENSE_UNIT_MISMATCH");
        assert_eq!(
            Dispensing::new(vec![line()]).finish(true).unwrap_err(),
            DispenseError::NothingDispensed
        );
        let mut s = Dispensing::new(vec![line()]);
        s.scan_box(&scan(&tc(1)), &amox(), &stock(), &unsold, today())
            .unwrap();
        assert_eq!(
            s.clone().finish(false).unwrap_err(),
            DispenseError::Incomplete
        );
        assert_eq!(s.clone().finish(true).unwrap().len(), 1);
        assert!(s.remove(0).is_some());
        assert!(s.remove(0).is_none());
        assert!(s.items().is_empty());
    }

    #[derive(Debug, Clone)]
    enum Op {
        Box(u32),
        Split(u32, u32),
        NoCode(u32),
        Remove(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u32..12).prop_map(Op::Box),
            (0u32..12, 0u32..30).prop_map(|(c, n)| Op::Split(c, n)),
            (0u32..60).prop_map(Op::NoCode),
            (0usize..6).prop_map(Op::Remove),
        ]
    }

    proptest! {
        #[test]
        fn never_over_quantity_never_a_box_twice(
            qty in 1i64..5, in_units in any::<bool>(), ops in prop::collection::vec(op(), 0..40)
        ) {
            let l = if in_units {
                RxLine { quantity: Decimal::from(qty * 10), unit: "粒".into(), ..line() }
            } else {
                RxLine { quantity: Decimal::from(qty), ..line() }
            };
            let mut s = Dispensing::new(vec![l.clone()]);
            let b = stock();
            for o in ops {
                let _ = match o {
                    Op::Box(c) => s.scan_box(&scan(&tc(c)), &amox(), &b, &unsold, today()).map(|_| ()),
                    Op::Split(c, n) => s
                        .split_from_box(&scan(&tc(c)), &amox(), Decimal::from(n), &b, &unsold, today())
                        .map(|_| ()),
                    Op::NoCode(n) => s
                        .from_no_code_store(&amox(), Decimal::from(n), "原因", &b, today())
                        .map(|_| ()),
                    Op::Remove(i) => { s.remove(i); Ok(()) }
                };
                let factor = if in_units { Decimal::ONE } else { Decimal::from(24) };
                let total: Decimal = s.items().iter().map(|i| i.min_units).sum();
                prop_assert!(total <= l.quantity * factor, "{total} > {}", l.quantity * factor);
                let codes: Vec<_> = s.items().iter().filter_map(|i| i.trace_code.clone()).collect();
                let set: HashSet<_> = codes.iter().collect();
                prop_assert_eq!(set.len(), codes.len());
                for i in s.items() {
                    prop_assert!(i.expy_end >= today());
                    prop_assert_eq!(&i.med_list_codg, AMOXICILLIN);
                }
            }
        }
    }
}
