//! The OTC and retail sale (非处方销售): products scanned or found by name,
//! barcode or 拼音 initials, quantities and 拆零, each traced box scanned
//! with its trace code (无码不结) exactly as in a prescription visit, then
//! paid by the customer (自费) or from the 医保个人账户 (1101 → 2101/2102 as
//! 定点药店购药 `41`, no prescription), recorded as one sale whose 3505
//! uploads carry every box's trace code, and receipted.
//!
//! It exists beside the prescription visit because a sale without a
//! prescription has no signature, audit or `rxdesk_core::visit::Visit` state
//! machine to report to (that machine reaches `Settled` only through a
//! verified prescription); the rules it shares are not copied: the cart is
//! `rxdesk_core::otc` (处方药 refused), the boxes are filled by the same
//! `rxdesk_core::dispense::Dispensing`, the settlement plan is
//! `rxdesk_core::settle_kind` (`Purchase::OverTheCounterFromAccount`), and the
//! steps reuse the visit's own helpers: identification (`credential_of`,
//! `person_info`), stock (`stock_of`), the journalled 2102 and its 2601
//! resolution (`resolve_2102`), the payment (`take_payment`), the frozen
//! sale lines (`frozen_lines`) and the receipt (`print_sale`).
//!
//! Money safety as in the visit: 2102 is journalled before it leaves; an
//! answer other than a definite refusal leaves the sale uncertain until
//! 2601 proves it reversed or never settled; the sale is recorded from the
//! lines frozen when 2102 left. An attempt a crash left open is surfaced at
//! start-up like any other (`VisitService::new`).

use super::payment::Channel;
use super::recovery::{self, JournalLine};
use super::view::{PaymentView, SaleView, SplitView};
use super::{
    CenterAction, Holder, IdMethod, MethodKind, PatientInfo, PaymentState, ProductRow, StepError,
    Tender,
};
use chrono::Utc;
use rust_decimal::Decimal;
use rxdesk_center::messages::{DrugDetail, MedType, SettleData, SettleInput, SettleOutput};
use rxdesk_center::CenterError;
use rxdesk_core::catalogue::Catalogue;
use rxdesk_core::dispense::{BoxScan, DispensedItem, Dispensing};
use rxdesk_core::otc::{OtcCart, OtcError};
use rxdesk_core::prescription::mask_id_number;
use rxdesk_core::settle_kind::{self, Purchase, SettlementKind};
use rxdesk_core::settlement::{SelfPayBreakdown, SettlementContext, SettlementSplit};
use rxdesk_core::time::format_wire;
use rxdesk_core::{Amount, Price};
use rxdesk_devices::scan::{classify, ScanKind};
use rxdesk_store::ledger::{NewSale, NewSettlement};
use rxdesk_store::{AttemptState, Session};
use serde::Serialize;
use std::collections::HashMap;
use tracing::Instrument;

/// Who pays an OTC sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum OtcPayer {
    /// The customer pays everything (cash, pay code, terminal): no 2101.
    SelfPay,
    /// The 医保个人账户 (定点药店购药 `41`), the rest by the customer.
    PersonalAccount,
}

impl OtcPayer {
    /// From the wire: `self_pay` or `personal_account`.
    pub fn parse(s: &str) -> Result<Self, StepError> {
        match s.trim() {
            "self_pay" => Ok(Self::SelfPay),
            "personal_account" => Ok(Self::PersonalAccount),
            other => Err(StepError::BadMethod {
                kind: MethodKind::Payment,
                given: other.to_string(),
            }),
        }
    }
}

/// A cart quantity as typed at the edge (window, CLI): a number; the cart
/// itself refuses zero, negative or fractional quantities (`OTC_BAD_QUANTITY`).
pub fn parse_otc_quantity(s: &str) -> Result<Decimal, StepError> {
    let t = s.trim();
    match t.parse::<Decimal>() {
        Ok(q) if t.len() <= 12 => Ok(q),
        _ => Err(StepError::BadAmount {
            given: t.chars().take(32).collect(),
        }),
    }
}

/// Where an OTC sale stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum OtcStage {
    /// Products and boxes are being added.
    Cart,
    /// The split is known (2101 for the account; computed for self-pay).
    Checkout,
    /// 2102 answered: the account is charged; the customer pays the rest.
    Settled,
    /// 2102's outcome is unknown: 2601 first, nothing else.
    Uncertain,
    /// Recorded and receipted.
    Receipted,
    /// Dropped before any money moved.
    Cancelled,
}

impl OtcStage {
    fn label_zh(self) -> &'static str {
        match self {
            Self::Cart => "选购商品",
            Self::Checkout => "待确认结算",
            Self::Settled => "已结算，待收款",
            Self::Uncertain => "结算结果未知",
            Self::Receipted => "已完成",
            Self::Cancelled => "已取消",
        }
    }
}

/// One fill of a cart line.
#[derive(Debug, Clone, PartialEq)]
enum Fill {
    /// A traced box (whole, or opened for `split_units` smallest units).
    Box {
        hilist_id: String,
        trace_code: String,
        lot: Option<String>,
        split_units: Option<Decimal>,
    },
    /// Stock without trace codes (无码库), with the pharmacist's reason.
    NoCode {
        hilist_id: String,
        min_units: Decimal,
        reason: String,
    },
}

/// The OTC sale in progress.
pub(super) struct OtcSale {
    id: String,
    cart: OtcCart,
    products: HashMap<String, ProductRow>,
    fills: Vec<Fill>,
    pending_barcode: Option<String>,
    payer: OtcPayer,
    patient: Option<PatientInfo>,
    stage: OtcStage,
    split: Option<SettlementSplit>,
    settle_input: Option<SettleInput>,
    settle_output: Option<SettleOutput>,
    attempt_id: Option<i64>,
    msgid: Option<String>,
    sale_lines: Vec<JournalLine>,
    /// The boxes as checked out: shown once the codes are sold (a replay
    /// would then refuse them).
    checked_out: Option<Dispensing>,
    /// The credential the account customer was identified with (counted in
    /// the regulators' e-voucher and face shares, as for a visit).
    id_method: Option<rxdesk_store::reports::IdMethod>,
    payment: Option<PaymentState>,
    sale: Option<SaleView>,
    notice_zh: Option<String>,
    /// The notice's code and values (see [`OtcView::notice`]).
    notice: Option<OtcNotice>,
}

impl OtcSale {
    /// The trace codes of the boxes this sale holds (none once it is
    /// cancelled).
    pub(super) fn held_trace_codes(&self) -> Vec<String> {
        if self.stage == OtcStage::Cancelled {
            return Vec::new();
        }
        self.fills
            .iter()
            .filter_map(|f| match f {
                Fill::Box { trace_code, .. } => Some(trace_code.clone()),
                Fill::NoCode { .. } => None,
            })
            .collect()
    }

    fn new(id: String) -> Self {
        Self {
            id,
            cart: OtcCart::new(),
            products: HashMap::new(),
            fills: Vec::new(),
            pending_barcode: None,
            payer: OtcPayer::SelfPay,
            patient: None,
            stage: OtcStage::Cart,
            split: None,
            settle_input: None,
            settle_output: None,
            attempt_id: None,
            msgid: None,
            sale_lines: Vec::new(),
            checked_out: None,
            id_method: None,
            payment: None,
            sale: None,
            notice_zh: None,
            notice: None,
        }
    }
    fn editable(&self) -> Result<(), StepError> {
        match self.stage {
            OtcStage::Cart | OtcStage::Checkout => Ok(()),
            _ => Err(StepError::OtcLocked),
        }
    }
}

/// A catalogue product as the OTC screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "OtcProduct"))]
#[serde(rename_all = "camelCase")]
pub struct OtcProductView {
    /// The pharmacy's product id.
    pub fixmedins_hilist_id: String,
    /// Name.
    pub name: String,
    /// Specification.
    pub spec: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Price per pack.
    pub price: String,
    /// Pack unit.
    pub unit: String,
    /// Smallest unit (拆零).
    pub min_unit: String,
    /// Smallest units per pack.
    pub pack_size: String,
    /// Barcode.
    pub barcode: String,
    /// 处方药: cannot be sold here.
    pub prescription_only: bool,
    /// Can be sold split (拆零).
    pub splittable: bool,
    /// Boxes carry trace codes.
    pub traced: bool,
    /// In stock (packs).
    pub on_hand: String,
}

/// One cart line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "OtcLine"))]
#[serde(rename_all = "camelCase")]
pub struct OtcLineView {
    /// Index in the cart.
    pub index: usize,
    /// The pharmacy's product id.
    pub fixmedins_hilist_id: String,
    /// Name.
    pub name: String,
    /// Specification.
    pub spec: String,
    /// Quantity in `unit`.
    pub quantity: String,
    /// Pack unit, or the smallest unit for 拆零.
    pub unit: String,
    /// 拆零.
    pub split: bool,
    /// Price per `unit`.
    pub price: String,
    /// Line amount.
    pub amount: String,
    /// Filled so far, in `unit`.
    pub filled: String,
    /// Every unit is filled (boxes scanned).
    pub complete: bool,
    /// Boxes of this product carry trace codes (scan each box).
    pub traced: bool,
}

/// One filled box or portion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "OtcBox"))]
#[serde(rename_all = "camelCase")]
pub struct OtcBoxView {
    /// Name.
    pub name: String,
    /// Trace code (none for 无码库 stock).
    pub trace_code: Option<String>,
    /// Lot.
    pub lot: String,
    /// Expiry.
    pub expiry: String,
    /// Packs (a fraction for 拆零).
    pub packs: String,
    /// 拆零.
    pub split: bool,
}

/// The customer identified for the personal account (masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "OtcPatient"))]
#[serde(rename_all = "camelCase")]
pub struct OtcPatientView {
    /// Name.
    pub name: String,
    /// First 6 + last 4 of the ID number.
    pub certno_masked: String,
    /// 险种 (zh-CN).
    pub insutype_label: String,
    /// 险种 code (`310`, `390` …): what a window in another language words.
    pub insutype: String,
    /// Personal-account balance.
    pub balance: String,
    /// How identified.
    pub identified_via_zh: String,
    /// Its code (`e_voucher`, `social_security_card`, `id_card`, `face`).
    pub identified_via: String,
}

/// Everything the OTC screen shows.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct OtcView {
    /// Correlation id (also the journal's visit id of its 2102).
    pub sale_ref: String,
    /// Stage.
    pub stage: OtcStage,
    /// Stage label.
    pub stage_zh: String,
    /// Who pays.
    pub payer: OtcPayer,
    /// Cart lines.
    pub lines: Vec<OtcLineView>,
    /// Boxes and portions filled.
    pub boxes: Vec<OtcBoxView>,
    /// Cart total at catalogue prices.
    pub total: String,
    /// Every line filled (无码不结).
    pub complete: bool,
    /// The customer, for the personal account.
    pub patient: Option<OtcPatientView>,
    /// The split once known.
    pub split: Option<SplitView>,
    /// The customer's part.
    pub payment: Option<PaymentView>,
    /// The recorded sale.
    pub sale: Option<SaleView>,
    /// A notice (refusal by the center, reversal done …).
    pub notice_zh: Option<String>,
    /// The notice's code and values, which a window in another language
    /// words (`quantity_trimmed`, `amount_differs`, `center_refused`,
    /// `not_sent`, `resolved`).
    pub notice: Option<OtcNotice>,
    /// What to do next.
    pub next_step_zh: String,
    /// Its code: `scan_product`, `scan_boxes`, `choose_payer`, `confirm`,
    /// `take_payment`, `resolve`, `done`, `cancelled`.
    pub next_step: String,
}

/// A notice of the OTC sale by code, with its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct OtcNotice {
    /// The notice's code.
    pub code: String,
    /// Its values by name (an amount, the center's code, a count).
    pub params: std::collections::BTreeMap<String, String>,
}

impl OtcNotice {
    fn new(code: &str, params: &[(&str, String)]) -> Self {
        Self {
            code: code.to_string(),
            params: params
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect(),
        }
    }
}

/// The outcome of one scan in an OTC sale.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct OtcScanOutcome {
    /// Accepted.
    pub ok: bool,
    /// Outcome code (`barcode_ok`, `box_ok`, a scan refusal's code or an
    /// `OTC_*` code).
    pub code: String,
    /// The sentence.
    pub message_zh: String,
    /// The English sentence of a refusal that is a step error (an `OTC_*`
    /// or ledger code, worded by the service in both languages); `None` for
    /// the scan codes the window words itself.
    pub message_en: Option<String>,
    /// The sale after the scan.
    pub sale: OtcView,
}

fn dec(d: Decimal) -> String {
    d.normalize().to_string()
}

/// A price as the counter shows it: at least two decimals, no trailing
/// zeros beyond (18.00, 0.95, 0.3333).
fn price_text(p: Price) -> String {
    let mut d = p.value().normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    d.to_string()
}

/// Price per smallest unit when sold split (6 decimals, as 2101 sends it).
fn unit_price(row: &rxdesk_store::CatalogueRow, split: bool) -> Result<Price, StepError> {
    if !split || row.pack_size <= Decimal::ONE {
        return Ok(row.price);
    }
    Price::round(row.price.value() / row.pack_size).map_err(StepError::Price)
}

impl super::VisitService {
    fn otc_span(&self, id: &str, step: &'static str) -> tracing::Span {
        tracing::info_span!("otc_step", sale = %id, step)
    }

    /// Starts an OTC sale (the previous one is dropped unless money moved).
    pub async fn otc_start(&self, by: &Session) -> Result<OtcView, StepError> {
        if let Some(a) = self.orphan() {
            return Err(Self::orphan_error(&a));
        }
        let mut guard = self.otc.lock().await;
        if let Some(s) = guard.as_ref() {
            match s.stage {
                OtcStage::Uncertain => {
                    return Err(StepError::SettlementUncertain {
                        interrupted: false,
                        charged: false,
                        reference: String::new(),
                    })
                }
                OtcStage::Settled => {
                    return Err(StepError::SettledNotCompleted { recovered: false })
                }
                _ => {}
            }
        }
        if self.store.current_till()?.is_none() {
            let e = crate::till::TillError::NotOpen;
            return Err(StepError::Till {
                code: e.code(),
                detail: e.to_string(),
            });
        }
        let id = format!("O{}", &self.fresh_visit_id()?[1..]);
        tracing::info!(sale = %id, operator = %by.login(), "OTC sale started");
        let s = OtcSale::new(id);
        let v = self.otc_view(&s);
        *guard = Some(s);
        drop(guard);
        // The dropped sale may have taken a sibling's box.
        self.release_unheld_sibling_boxes().await;
        Ok(v)
    }

    /// The OTC sale in progress.
    pub async fn otc_current(&self) -> Option<OtcView> {
        self.otc.lock().await.as_ref().map(|s| self.otc_view(s))
    }

    /// Catalogue search by name, 通用名, 拼音 initials (`blf` → 布洛芬),
    /// barcode or 医保 code; best first.
    pub fn otc_search(&self, query: &str, limit: usize) -> Result<Vec<OtcProductView>, StepError> {
        let rows = self.store.catalogue_with_ids()?;
        let products = rows.iter().map(|(_, r)| r.to_product()).collect();
        let cat = Catalogue::new(products);
        let hits = cat.search(query.trim(), limit.clamp(1, 50));
        let mut out = Vec::new();
        for h in hits {
            let Some((id, row)) = rows.get(h.index) else {
                continue;
            };
            out.push(self.product_view(*id, row)?);
        }
        Ok(out)
    }

    fn product_view(
        &self,
        drug_id: i64,
        row: &rxdesk_store::CatalogueRow,
    ) -> Result<OtcProductView, StepError> {
        let on_hand: Decimal = self
            .store
            .stock_batches(drug_id)?
            .iter()
            .map(|b| b.quantity)
            .sum();
        let p = row.to_product();
        Ok(OtcProductView {
            fixmedins_hilist_id: row.fixmedins_hilist_id.clone(),
            name: row.name.clone(),
            spec: row.spec.clone(),
            manufacturer: row.prdr_name.clone(),
            price: price_text(row.price),
            unit: row.unit.clone(),
            min_unit: p.min_unit.clone(),
            pack_size: dec(row.pack_size),
            barcode: row.barcode.clone(),
            prescription_only: row.rx_flag.trim() == rxdesk_core::otc::RX_ONLY,
            splittable: p.pack_size > Decimal::ONE && p.min_unit.trim() != p.pack_unit.trim(),
            traced: !row.trace_prefix.is_empty(),
            on_hand: dec(on_hand),
        })
    }

    /// Adds `quantity` packs (or smallest units with `split`, 拆零) of a
    /// product; a 处方药 is refused.
    pub async fn otc_add(
        &self,
        _by: &Session,
        fixmedins_hilist_id: &str,
        quantity: Decimal,
        split: bool,
    ) -> Result<OtcView, StepError> {
        let mut guard = self.otc.lock().await;
        let s = guard.as_mut().ok_or(StepError::NoOtcSale)?;
        let _e = self.otc_span(&s.id, "add").entered();
        s.editable()?;
        let (id, row) = self
            .store
            .product(fixmedins_hilist_id.trim())?
            .ok_or_else(|| StepError::OtcUnknownProduct {
                query: fixmedins_hilist_id.trim().to_string(),
            })?;
        self.add_to_cart(s, id, row, quantity, split)?;
        Ok(self.otc_view(s))
    }

    fn add_to_cart(
        &self,
        s: &mut OtcSale,
        drug_id: i64,
        row: rxdesk_store::CatalogueRow,
        quantity: Decimal,
        split: bool,
    ) -> Result<(), StepError> {
        let line = s
            .cart
            .add(&row.to_product(), &row.rx_flag, quantity, split)
            .map_err(|e| {
                tracing::info!(code = e.code(), "cart refused");
                StepError::Otc(e)
            })?;
        tracing::info!(product = %line.fixmedins_hilist_id, quantity = %line.quantity, split, "added to cart");
        s.products
            .insert(row.fixmedins_hilist_id.clone(), (drug_id, row));
        self.back_to_cart(s);
        Ok(())
    }

    /// A cart change drops a computed split (it must be computed again).
    fn back_to_cart(&self, s: &mut OtcSale) {
        if s.stage == OtcStage::Checkout {
            s.stage = OtcStage::Cart;
            s.split = None;
            s.settle_input = None;
            s.settle_output = None;
        }
    }

    /// Sets a cart line's quantity (0 removes it); boxes that no longer fit
    /// are taken off the sale.
    pub async fn otc_set_quantity(
        &self,
        _by: &Session,
        index: usize,
        quantity: Decimal,
    ) -> Result<OtcView, StepError> {
        let mut guard = self.otc.lock().await;
        let s = guard.as_mut().ok_or(StepError::NoOtcSale)?;
        let _e = self.otc_span(&s.id, "set_quantity").entered();
        s.editable()?;
        s.cart
            .set_quantity(index, quantity)
            .map_err(StepError::Otc)?;
        self.back_to_cart(s);
        let (_, kept) = self.replay(s, None);
        let dropped = s.fills.len() - kept.len();
        s.fills = kept;
        s.notice_zh =
            (dropped > 0).then(|| format!("数量已修改，{dropped} 个多出的已扫盒子已移除"));
        s.notice = (dropped > 0)
            .then(|| OtcNotice::new("quantity_trimmed", &[("count", dropped.to_string())]));
        Ok(self.otc_view(s))
    }

    /// The sale's dispensing rebuilt from the cart and the fills in order
    /// (plus `extra`); fills that no longer fit are left out.
    fn replay(&self, s: &OtcSale, extra: Option<&Fill>) -> (Dispensing, Vec<Fill>) {
        let mut d = Dispensing::new(s.cart.lines().unwrap_or_default());
        let mut kept = Vec::new();
        for f in s.fills.iter().chain(extra) {
            if self.apply(&mut d, s, f).is_ok() {
                kept.push(f.clone());
            }
        }
        (d, kept)
    }

    fn apply(&self, d: &mut Dispensing, s: &OtcSale, f: &Fill) -> Result<(), StepError> {
        let hilist = match f {
            Fill::Box { hilist_id, .. } | Fill::NoCode { hilist_id, .. } => hilist_id,
        };
        let (drug_id, row) = s.products.get(hilist).ok_or(StepError::NoProduct)?;
        let batches = self.stock_of(*drug_id, &row.med_list_codg)?;
        let product = row.to_product();
        let today = super::today_cst();
        match f {
            Fill::Box {
                trace_code,
                lot,
                split_units,
                ..
            } => {
                // The box's own state and the batch it was received into
                // (a GS1 lot must be that batch's lot).
                let (state, batch_id) = self
                    .received_box(
                        *drug_id,
                        trace_code,
                        &row.name,
                        row.pack_size,
                        lot.as_deref(),
                    )
                    .map_err(|r| match r {
                        super::ScanRefusal::Ledger(e) => e,
                        _ => StepError::NoBatch {
                            batch: trace_code.clone(),
                        },
                    })?;
                let traces = move |_: &rxdesk_core::code_format::TraceCode| state;
                let scan = BoxScan {
                    barcode: product.barcode.clone(),
                    trace_code: trace_code.clone(),
                    batch_id,
                };
                match split_units {
                    None => d
                        .scan_box(&scan, &product, &batches, &traces, today)
                        .map(|_| ())?,
                    Some(u) => d
                        .split_from_box(&scan, &product, *u, &batches, &traces, today)
                        .map(|_| ())?,
                }
            }
            Fill::NoCode {
                min_units, reason, ..
            } => {
                d.from_no_code_store(&product, *min_units, reason, &batches, today)?;
            }
        }
        Ok(())
    }

    /// Smallest units still missing on the whole-pack and the split lines
    /// of a product.
    fn missing(&self, s: &OtcSale, d: &Dispensing, hilist: &str) -> (Decimal, Decimal) {
        let mut whole = Decimal::ZERO;
        let mut split = Decimal::ZERO;
        let pack = s
            .products
            .get(hilist)
            .map(|(_, r)| r.pack_size)
            .unwrap_or(Decimal::ONE);
        for (l, p) in s.cart.items().iter().zip(d.progress()) {
            if l.fixmedins_hilist_id != hilist {
                continue;
            }
            let factor = if l.split { Decimal::ONE } else { pack };
            let left = (l.quantity * factor - p.dispensed_min_units).max(Decimal::ZERO);
            if l.split {
                split += left;
            } else {
                whole += left;
            }
        }
        (whole, split)
    }

    /// One scan: a box's barcode (adds a pack when none of that product is
    /// waiting for its box), then its trace code (fills a box; a whole-pack
    /// need first, else opens the box for the 拆零 line), or a GS1 code
    /// carrying both. A refusal leaves the sale unchanged.
    pub async fn otc_scan(&self, _by: &Session, code: &str) -> Result<OtcScanOutcome, StepError> {
        let mut guard = self.otc.lock().await;
        let s = guard.as_mut().ok_or(StepError::NoOtcSale)?;
        let span = self.otc_span(&s.id, "scan");
        let _e = span.enter();
        let r = self.otc_scan_in(s, code);
        let (ok, code, message_zh, message_en) = match r {
            Ok((c, m)) => (true, c, m, None),
            Err((c, m, en)) => {
                tracing::info!(code = %c, "OTC scan refused");
                (false, c, m, en)
            }
        };
        Ok(OtcScanOutcome {
            ok,
            code,
            message_zh,
            message_en,
            sale: self.otc_view(s),
        })
    }

    fn otc_scan_in(
        &self,
        s: &mut OtcSale,
        raw: &str,
    ) -> Result<(String, String), (String, String, Option<String>)> {
        use super::{ScanAccepted, ScanRefusal};
        let refuse = |r: ScanRefusal| (r.code().to_string(), r.message_zh(), None);
        let step = |e: StepError| (e.code().to_string(), e.message_zh(), Some(e.message_en()));
        s.editable().map_err(step)?;
        let scan = classify(raw).map_err(|e| refuse(ScanRefusal::Unreadable(e)))?;
        let first = |rows: Vec<ProductRow>| rows.into_iter().next();
        let (product, trace, lot) = match &scan.kind {
            ScanKind::Gtin { gtin } => {
                let rows = self
                    .store
                    .products_by_barcode(gtin)
                    .map_err(|e| step(e.into()))?;
                let Some((id, row)) = first(rows) else {
                    s.pending_barcode = None;
                    return Err(refuse(ScanRefusal::UnknownBarcode { gtin: gtin.clone() }));
                };
                let name = row.name.clone();
                let hilist = row.fixmedins_hilist_id.clone();
                let waiting = if s.products.contains_key(&hilist) {
                    let (d, _) = self.replay(s, None);
                    let (w, sp) = self.missing(s, &d, &hilist);
                    w > Decimal::ZERO || sp > Decimal::ZERO
                } else {
                    false
                };
                if !waiting {
                    self.add_to_cart(s, id, row, Decimal::ONE, false)
                        .map_err(step)?;
                }
                s.pending_barcode = Some(gtin.clone());
                let a = ScanAccepted::BarcodeRead { name };
                return Ok((a.code().to_string(), a.message_zh()));
            }
            ScanKind::TraceCode => {
                let t = scan.text.clone();
                let rows = match s.pending_barcode.take() {
                    Some(bc) => self.store.products_by_barcode(&bc),
                    None => self.store.products_by_trace_prefix(&t[..7]),
                }
                .map_err(|e| step(e.into()))?;
                if rows.len() > 1 {
                    return Err(refuse(ScanRefusal::NeedsBarcode { ambiguous: true }));
                }
                let Some(p) = first(rows) else {
                    return Err(refuse(ScanRefusal::NeedsBarcode { ambiguous: false }));
                };
                (p, t, None)
            }
            ScanKind::Gs1(g) => {
                let (Some(gtin14), Some(serial)) = (g.gtin(), g.get("21")) else {
                    return Err(refuse(ScanRefusal::Gs1Incomplete));
                };
                let gtin13 = gtin14.strip_prefix('0').unwrap_or(gtin14);
                let mut rows = self
                    .store
                    .products_by_barcode(gtin13)
                    .map_err(|e| step(e.into()))?;
                if rows.is_empty() {
                    rows = self
                        .store
                        .products_by_barcode(gtin14)
                        .map_err(|e| step(e.into()))?;
                }
                let Some(p) = first(rows) else {
                    return Err(refuse(ScanRefusal::UnknownBarcode {
                        gtin: gtin13.to_string(),
                    }));
                };
                (p, serial.to_string(), g.lot().map(str::to_string))
            }
            _ => {
                return Err(refuse(ScanRefusal::NotABoxCode {
                    kind_zh: scan.kind.label_zh().to_string(),
                }))
            }
        };
        let (drug_id, row) = product;
        if !row.trace_prefix.is_empty() && !trace.starts_with(&row.trace_prefix) {
            return Err(refuse(ScanRefusal::TraceCodeMismatch {
                trace,
                name: row.name.clone(),
            }));
        }
        self.received_box(drug_id, &trace, &row.name, row.pack_size, lot.as_deref())
            .map_err(refuse)?;
        let hilist = row.fixmedins_hilist_id.clone();
        let name = row.name.clone();
        // A box of a product nothing is waiting for adds one pack.
        let (d, _) = self.replay(s, None);
        let (whole, split) = if s.products.contains_key(&hilist) {
            self.missing(s, &d, &hilist)
        } else {
            (Decimal::ZERO, Decimal::ZERO)
        };
        let mut added = false;
        let split_units = if whole > Decimal::ZERO {
            None
        } else if split > Decimal::ZERO {
            Some(split.min(row.pack_size))
        } else {
            self.add_to_cart(s, drug_id, row.clone(), Decimal::ONE, false)
                .map_err(step)?;
            added = true;
            None
        };
        let fill = Fill::Box {
            hilist_id: hilist.clone(),
            trace_code: trace.clone(),
            lot,
            split_units,
        };
        let mut d = self.replay(s, None).0;
        match self.apply(&mut d, s, &fill) {
            Ok(()) => {
                s.fills.push(fill);
                let item = d.items().last().cloned();
                tracing::info!(trace = %trace, split = split_units.is_some(), "OTC box scanned");
                let (lot, expiry) = item
                    .map(|i| (i.manu_lotnum, i.expy_end))
                    .unwrap_or_default();
                let a = ScanAccepted::BoxDispensed { name, lot, expiry };
                Ok((a.code().to_string(), a.message_zh()))
            }
            Err(e) => {
                if added {
                    // The pack this box added goes again with it.
                    if let Some(i) = s
                        .cart
                        .items()
                        .iter()
                        .position(|l| l.fixmedins_hilist_id == hilist && !l.split)
                    {
                        let q = s.cart.items()[i].quantity - Decimal::ONE;
                        let _ = s.cart.set_quantity(i, q);
                    }
                }
                Err(match e {
                    StepError::Dispense(de) => refuse(ScanRefusal::Dispense(de)),
                    other => step(other),
                })
            }
        }
    }

    /// Fills what is missing of cart line `index` from the 无码库 (stock
    /// received without trace codes), with the pharmacist's reason.
    pub async fn otc_no_code(
        &self,
        _by: &Session,
        index: usize,
        reason: &str,
    ) -> Result<OtcView, StepError> {
        let mut guard = self.otc.lock().await;
        let s = guard.as_mut().ok_or(StepError::NoOtcSale)?;
        let _e = self.otc_span(&s.id, "no_code").entered();
        s.editable()?;
        let line = s
            .cart
            .items()
            .get(index)
            .cloned()
            .ok_or(StepError::Otc(OtcError::NoLine(index)))?;
        let (d, _) = self.replay(s, None);
        let pack = s
            .products
            .get(&line.fixmedins_hilist_id)
            .map(|(_, r)| r.pack_size)
            .unwrap_or(Decimal::ONE);
        let factor = if line.split { Decimal::ONE } else { pack };
        let done = d
            .progress()
            .get(index)
            .map(|p| p.dispensed_min_units)
            .unwrap_or_default();
        let min_units = line.quantity * factor - done;
        if min_units <= Decimal::ZERO {
            return Ok(self.otc_view(s));
        }
        let fill = Fill::NoCode {
            hilist_id: line.fixmedins_hilist_id.clone(),
            min_units,
            reason: reason.trim().to_string(),
        };
        let mut d = d;
        self.apply(&mut d, s, &fill)?;
        tracing::info!(line = index, "OTC line filled from the no-code store");
        s.fills.push(fill);
        Ok(self.otc_view(s))
    }

    /// Identifies the customer for the 医保个人账户 (1101): e-voucher, card,
    /// ID card or face, as in a visit. Someone without a personal account
    /// (or balance) is told so and the sale stays self-paid.
    pub async fn otc_identify(
        &self,
        by: &Session,
        method: IdMethod,
        code: &str,
        consent: Option<bool>,
    ) -> Result<OtcView, StepError> {
        let mut guard = self.otc.lock().await;
        let s = guard.as_mut().ok_or(StepError::NoOtcSale)?;
        let span = self.otc_span(&s.id, "identify");
        async {
            s.editable()?;
            let code = code.trim();
            if method == IdMethod::EpcQr || code.len() > 512 || code.chars().any(char::is_control) {
                return Err(StepError::BadCredential {
                    holder: Holder::Patient,
                });
            }
            // The visit's identification, on a scratch visit: a password
            // refusal only shows guidance there.
            let mut scratch = super::Active::new(s.id.clone());
            let Some(id) = self
                .credential_of(&mut scratch, by, method.as_str(), code, consent)
                .await?
            else {
                return Err(StepError::BadCredential {
                    holder: Holder::Patient,
                });
            };
            let info = self
                .person_info(by, id.cert_type.clone(), &id.cert_no, &id.card_sn)
                .await
                .map_err(|e| StepError::center(CenterAction::PersonInfo, &e))?;
            if let Some(holder) = &id.holder_id {
                if !rxdesk_core::rules::identity::same_cert_no(holder, &info.baseinfo.certno) {
                    return Err(StepError::CardOtherPerson);
                }
            }
            let mut p = self.patient_of(&info, id.cert_type.clone(), &id.cert_no, None);
            p.identified_via_zh = id.via_zh.clone();
            p.identified_via = super::identify::via_code(&id.method).to_string();
            p.face_out_biz_no = id.face_out_biz_no.clone();
            let insured =
                crate::settle_types::insured_facts(p.insutype.code(), &p.insu_status, p.balance);
            settle_kind::plan(&Purchase::OverTheCounterFromAccount, &insured)
                .map_err(StepError::SettlementKind)?;
            tracing::info!(via = %p.identified_via_zh, "OTC customer identified (1101)");
            s.patient = Some(p);
            // The ledger's credential names are the identify step's wire names.
            s.id_method = rxdesk_store::reports::IdMethod::parse(method.as_str());
            s.payer = OtcPayer::PersonalAccount;
            self.back_to_cart(s);
            Ok(())
        }
        .instrument(span)
        .await?;
        Ok(self.otc_view(s))
    }

    /// The split: all paid by the customer (自费), or 2101 as 定点药店购药
    /// from the personal account. Every line must be filled (无码不结).
    pub async fn otc_checkout(&self, by: &Session, payer: OtcPayer) -> Result<OtcView, StepError> {
        let mut guard = self.otc.lock().await;
        let s = guard.as_mut().ok_or(StepError::NoOtcSale)?;
        let span = self.otc_span(&s.id, "checkout");
        async {
            s.editable()?;
            s.cart.lines().map_err(StepError::Otc)?;
            let (d, _) = self.replay(s, None);
            let snapshot = d.clone();
            let items = d.finish(false).map_err(StepError::Dispense)?;
            let lines = self.frozen_lines(&items, &s.products)?;
            let mut total = Amount::ZERO;
            for l in &lines {
                let a = l.price.times(l.quantity).map_err(StepError::Price)?;
                total = total.checked_add(a).map_err(StepError::Price)?;
            }
            match payer {
                OtcPayer::SelfPay => {
                    let split = SettlementSplit::new(
                        total,
                        Amount::ZERO,
                        Amount::ZERO,
                        total,
                        SelfPayBreakdown::default(),
                    )
                    .map_err(StepError::Settlement)?;
                    s.split = Some(split);
                    s.settle_input = None;
                    s.settle_output = None;
                }
                OtcPayer::PersonalAccount => {
                    let p = s.patient.as_ref().ok_or(StepError::NoPatient)?;
                    let input = self.otc_settle_input(s, p, &items)?;
                    if input.data.medfee_sumamt != total {
                        return Err(StepError::RecoveryTotalDiffers);
                    }
                    let out = self
                        .desk
                        .center()
                        .pre_settle(&self.otc_ctx(by, s), &input)
                        .await
                        .map_err(|e| StepError::center(CenterAction::PreSettle, &e))?;
                    let split = super::settle::split_of(&out)?;
                    tracing::info!(total = %total, account = %split.personal_account(), cash = %split.cash(), "OTC pre-settled (2101)");
                    s.split = Some(split);
                    s.settle_input = Some(input);
                    s.settle_output = Some(out);
                }
            }
            s.payer = payer;
            s.sale_lines = lines;
            s.checked_out = Some(snapshot);
            s.stage = OtcStage::Checkout;
            s.notice_zh = None;
            s.notice = None;
            Ok(())
        }
        .instrument(span)
        .await?;
        Ok(self.otc_view(s))
    }

    fn otc_ctx(&self, by: &Session, s: &OtcSale) -> rxdesk_center::Ctx {
        let mut ctx = self.desk.ctx(by);
        if let Some(p) = &s.patient {
            if !p.insuplc_admdvs.is_empty() {
                ctx.insuplc_admdvs = p.insuplc_admdvs.clone();
            }
        }
        ctx
    }

    /// 2101/2102 input of an account purchase: `med_type` 41, no
    /// prescription (`rxno` empty, `rx_circ_flag` 0), no doctor.
    fn otc_settle_input(
        &self,
        s: &OtcSale,
        p: &PatientInfo,
        items: &[DispensedItem],
    ) -> Result<SettleInput, StepError> {
        let insured =
            crate::settle_types::insured_facts(p.insutype.code(), &p.insu_status, p.balance);
        let plan = settle_kind::plan(&Purchase::OverTheCounterFromAccount, &insured)
            .map_err(StepError::SettlementKind)?;
        let now = format_wire(Utc::now());
        let mut total = Amount::ZERO;
        let mut lines = Vec::new();
        for (n, l) in s.cart.items().iter().enumerate() {
            let filled: Vec<&DispensedItem> = items.iter().filter(|i| i.line == n).collect();
            if filled.is_empty() {
                continue;
            }
            let (_, row) = s
                .products
                .get(&l.fixmedins_hilist_id)
                .ok_or(StepError::NoProduct)?;
            let cnt: Decimal = filled.iter().map(|i| i.line_quantity).sum();
            // Priced so that 2101 equals the sale: per pack, or per smallest
            // unit out of an opened box.
            let packs: Decimal = filled.iter().map(|i| i.packs()).sum();
            let pric = unit_price(row, l.split)?;
            let sum = row
                .price
                .times(packs.normalize())
                .map_err(StepError::Price)?;
            let sum = if pric.times(cnt).map_err(StepError::Price)? == sum {
                sum
            } else {
                // 2101 checks 单价×数量: keep its product, the receipt follows 2102.
                pric.times(cnt).map_err(StepError::Price)?
            };
            total = total.checked_add(sum).map_err(StepError::Price)?;
            lines.push(DrugDetail {
                feedetl_sn: format!("{}{:02}", s.id, n + 1),
                rxno: String::new(),
                rx_circ_flag: "0".into(),
                fee_ocur_time: now.clone(),
                med_list_codg: l.med_list_codg.clone(),
                medins_list_codg: row.fixmedins_hilist_id.clone(),
                det_item_fee_sumamt: sum,
                cnt,
                pric,
                sin_dos_dscr: String::new(),
                used_frqu_dscr: String::new(),
                prd_days: Decimal::ZERO,
                medc_way_dscr: String::new(),
                bilg_dr_codg: String::new(),
                bilg_dr_name: String::new(),
                tcmdrug_used_way: String::new(),
                minpacunt_drug_trac_cnt: self.desk.trace_count().then(|| {
                    Decimal::from(filled.iter().filter(|i| i.trace_code.is_some()).count())
                }),
            });
        }
        Ok(SettleInput {
            data: SettleData {
                psn_no: p.psn_no.clone(),
                mdtrt_cert_type: p.mdtrt_cert_type.clone(),
                mdtrt_cert_no: p.mdtrt_cert_no.clone(),
                begntime: now,
                medfee_sumamt: total,
                invono: String::new(),
                insutype: p.insutype.clone(),
                dise_codg: String::new(),
                dise_name: String::new(),
                acct_used_flag: plan.acct_used_flag.clone(),
                med_type: MedType::from_code(&plan.med_type),
                exp_content: String::new(),
            },
            drugdetail: lines,
        })
    }

    /// Confirms the split: nothing to send for a self-paid sale; 2102
    /// (journalled before it leaves) for the personal account.
    pub async fn otc_settle(&self, by: &Session) -> Result<OtcView, StepError> {
        let mut guard = self.otc.lock().await;
        let s = guard.as_mut().ok_or(StepError::NoOtcSale)?;
        let span = self.otc_span(&s.id, "settle");
        async {
            if s.stage != OtcStage::Checkout {
                return Err(StepError::OtcLocked);
            }
            if s.payer == OtcPayer::SelfPay {
                s.stage = OtcStage::Settled;
                return Ok(());
            }
            let input = s.settle_input.clone().ok_or(StepError::NoPreSettlement)?;
            let msgid = self
                .desk
                .next_msgid()
                .map_err(|e| StepError::center(CenterAction::Settle, &e))?;
            let input_json = serde_json::to_string(&input).map_err(|e| StepError::Internal {
                detail: e.to_string(),
            })?;
            let attempt = self
                .store
                .begin_settlement_attempt(by, &s.id, None, &msgid, &input_json)?;
            s.attempt_id = Some(attempt);
            s.msgid = Some(msgid.clone());
            s.stage = OtcStage::Uncertain;
            tracing::info!(%msgid, "OTC settling (2102)");
            let ctx = self.otc_ctx(by, s).with_msgid(&msgid);
            let presettled = s.split.map(|x| x.total());
            match self.desk.center().settle(&ctx, &input).await {
                Ok(out) => {
                    let out_json = serde_json::to_string(&out).unwrap_or_default();
                    self.store.finish_settlement_attempt(
                        attempt,
                        AttemptState::Settled,
                        Some(&out.setlinfo.setl_id),
                        Some(&out_json),
                        "2102 answered",
                    )?;
                    let total = out.setlinfo.medfee_sumamt;
                    let split = super::settle::split_of(&out);
                    match split {
                        Ok(split)
                            if total == input.data.medfee_sumamt
                                && presettled.is_none_or(|t| t == total) =>
                        {
                            tracing::info!(setl_id = %out.setlinfo.setl_id, "OTC settled");
                            s.split = Some(split);
                            s.settle_output = Some(out);
                            s.stage = OtcStage::Settled;
                            s.notice_zh = None;
                            s.notice = None;
            s.notice = None;
                        }
                        _ => {
                            // Charged another amount than agreed: stays
                            // uncertain; 2601 of the 2102 reverses it.
                            tracing::error!(settled = %total, "OTC 2102 differs from 2101: reversal needed");
                            s.notice_zh = Some(format!(
                                "医保结算金额 {total} 元与预结算金额不一致：请按“处理未知结算”冲正，切勿收费"
                            ));
                            s.notice = Some(OtcNotice::new(
                                "amount_differs",
                                &[("total", total.to_string())],
                            ));
                        }
                    }
                }
                Err(CenterError::Rejected { code, message }) => {
                    self.store.finish_settlement_attempt(
                        attempt,
                        AttemptState::Failed,
                        None,
                        None,
                        &format!("{code} {message}"),
                    )?;
                    tracing::warn!(%code, "OTC settlement refused by the center");
                    s.stage = OtcStage::Cart;
                    s.split = None;
                    s.notice_zh = Some(format!(
                        "医保中心拒绝结算（{code}）：{message}。未扣费；可改为自费或取消"
                    ));
                    s.notice = Some(OtcNotice::new("center_refused", &[("code", code.to_string())]));
                }
                Err(CenterError::Invalid(m)) => {
                    self.store.finish_settlement_attempt(
                        attempt,
                        AttemptState::Failed,
                        None,
                        None,
                        &format!("not sent: {m}"),
                    )?;
                    s.stage = OtcStage::Cart;
                    s.split = None;
                    s.notice_zh = Some(format!("结算请求未发送（{m}），未扣费"));
                    s.notice = Some(OtcNotice::new("not_sent", &[]));
                }
                Err(e) => {
                    self.store.finish_settlement_attempt(
                        attempt,
                        AttemptState::Uncertain,
                        None,
                        None,
                        &e.to_string(),
                    )?;
                    tracing::warn!(error = %e, "OTC settlement uncertain: 2601 needed");
                }
            }
            Ok(())
        }
        .instrument(span)
        .await?;
        Ok(self.otc_view(s))
    }

    /// Resolves an uncertain OTC settlement by 2601 of its 2102 (proved as
    /// in the visit: `resolve_2102`); the sale goes back to the cart.
    pub async fn otc_resolve_uncertain(&self, by: &Session) -> Result<OtcView, StepError> {
        let mut guard = self.otc.lock().await;
        let s = guard.as_mut().ok_or(StepError::NoOtcSale)?;
        let span = self.otc_span(&s.id, "resolve_uncertain");
        async {
            if s.stage != OtcStage::Uncertain {
                return Err(StepError::NotUncertain);
            }
            let msgid = s.msgid.clone().ok_or(StepError::NoMsgid)?;
            let psn_no = s
                .patient
                .as_ref()
                .map(|p| p.psn_no.clone())
                .unwrap_or_default();
            let sent_at = match s.attempt_id {
                Some(id) => self.store.settlement_attempt(id)?.created_at,
                None => self.store.now_ms(),
            };
            let outcome = match self.resolve_2102(by, &psn_no, &msgid, sent_at).await? {
                recovery::Uncertain2102::Reversed => AttemptState::Reversed,
                recovery::Uncertain2102::NotSettled => AttemptState::NotSettled,
            };
            if let Some(id) = s.attempt_id {
                self.store.finish_settlement_attempt(
                    id,
                    outcome,
                    None,
                    None,
                    "resolved by 2601",
                )?;
            }
            tracing::info!(%msgid, outcome = outcome.code(), "OTC uncertain settlement resolved");
            s.stage = OtcStage::Cart;
            s.split = None;
            s.settle_output = None;
            s.notice_zh = Some(format!(
                "上一笔结算已处理（{}），未扣费。可重新结算",
                outcome.label_zh()
            ));
            s.notice = Some(OtcNotice::new(
                "resolved",
                &[("outcome", outcome.code().to_string())],
            ));
            Ok(())
        }
        .instrument(span)
        .await?;
        Ok(self.otc_view(s))
    }

    /// The customer's part: cash, pay code or terminal, as in a visit.
    pub async fn otc_pay(&self, _by: &Session, tender: Tender) -> Result<OtcView, StepError> {
        let mut guard = self.otc.lock().await;
        let s = guard.as_mut().ok_or(StepError::NoOtcSale)?;
        let _e = self.otc_span(&s.id, "pay").entered();
        if s.stage != OtcStage::Settled {
            return Err(StepError::OutOfStep {
                step: super::OutOfStep::PayBeforeSettled,
            });
        }
        let due = s.split.map(|x| x.cash()).unwrap_or(Amount::ZERO);
        s.payment = Some(self.take_payment(&s.id, due, tender)?);
        Ok(self.otc_view(s))
    }

    /// Records the sale (lines, trace codes, settlement, payments, 3505 per
    /// line: one ledger transaction) and prints the receipt.
    pub async fn otc_complete(&self, by: &Session) -> Result<OtcView, StepError> {
        let mut guard = self.otc.lock().await;
        let s = guard.as_mut().ok_or(StepError::NoOtcSale)?;
        let span = self.otc_span(&s.id, "complete");
        async {
            if s.stage != OtcStage::Settled {
                return Err(StepError::OutOfStep {
                    step: super::OutOfStep::CompleteBeforeSettled,
                });
            }
            let due = s.split.map(|x| x.cash()).unwrap_or(Amount::ZERO);
            if !due.value().is_zero() && !s.payment.as_ref().is_some_and(|p| p.paid) {
                return Err(StepError::NotPaid { due });
            }
            let settlement = match (&s.payer, &s.settle_output) {
                (OtcPayer::PersonalAccount, Some(out)) => {
                    let x = &out.setlinfo;
                    Some(NewSettlement {
                        setl_id: x.setl_id.clone(),
                        mdtrt_id: x.mdtrt_id.clone(),
                        psn_no: x.psn_no.clone(),
                        medfee_sumamt: x.medfee_sumamt,
                        fund_pay_sumamt: x.fund_pay_sumamt,
                        psn_part_amt: x.psn_part_amt,
                        acct_pay: x.acct_pay,
                        psn_cash_pay: x.psn_cash_pay,
                        setl_time: rxdesk_core::time::parse_wire(&x.setl_time)
                            .map(|t| t.timestamp_millis())
                            .unwrap_or_else(|| self.store.now_ms()),
                    })
                }
                (OtcPayer::PersonalAccount, None) => return Err(StepError::NoSettlement),
                _ => None,
            };
            let sale = NewSale {
                prescription_id: None,
                lines: s.sale_lines.iter().map(JournalLine::to_sale_line).collect(),
                settlement,
                doctor_name: String::new(),
                hi_feesetl_type: "1".into(),
            };
            let payments = s
                .payment
                .as_ref()
                .map(PaymentState::sale_payments)
                .unwrap_or_default();
            let rec = self.store.record_sale_full(by, &sale, &payments, None)?;
            tracing::info!(sale_id = rec.sale_id, docno = %rec.rtal_docno, uploads = ?rec.upload_ids, "OTC sale recorded");
            // An account sale has its 2102 settlement row; a failure here
            // leaves it counted by its mdtrt_cert_type.
            if let (Some(m), OtcPayer::PersonalAccount) = (s.id_method, s.payer) {
                if let Err(e) = self.store.record_id_method(by, rec.sale_id, m) {
                    tracing::warn!(error = %e, "identification method not recorded with the OTC sale");
                }
            }
            let printed = self.print_sale(rec.sale_id, s.payment.as_ref(), None).await;
            s.sale = Some(SaleView {
                sale_id: rec.sale_id,
                rtal_docno: rec.rtal_docno,
                total: rec.total,
                receipt_text: printed.text,
                guidance_pdf_path: printed.pdf,
                guidance_text: printed.guidance_text,
                printed_zh: printed.printed_zh,
                upload_ids: rec.upload_ids,
            });
            s.stage = OtcStage::Receipted;
            Ok(())
        }
        .instrument(span)
        .await?;
        Ok(self.otc_view(s))
    }

    /// Drops the sale before any money moved.
    pub async fn otc_cancel(&self, _by: &Session) -> Result<OtcView, StepError> {
        let mut guard = self.otc.lock().await;
        let s = guard.as_mut().ok_or(StepError::NoOtcSale)?;
        s.editable()?;
        tracing::info!(sale = %s.id, "OTC sale cancelled");
        s.stage = OtcStage::Cancelled;
        let v = self.otc_view(s);
        drop(guard);
        self.release_unheld_sibling_boxes().await;
        Ok(v)
    }

    fn otc_view(&self, s: &OtcSale) -> OtcView {
        let d = match (&s.checked_out, s.stage) {
            (Some(d), OtcStage::Settled | OtcStage::Uncertain | OtcStage::Receipted) => d.clone(),
            _ => self.replay(s, None).0,
        };
        let progress = d.progress();
        let mut total = Amount::ZERO;
        let lines: Vec<OtcLineView> = s
            .cart
            .items()
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let row = s.products.get(&l.fixmedins_hilist_id).map(|(_, r)| r);
                let price = row
                    .and_then(|r| unit_price(r, l.split).ok())
                    .unwrap_or_default();
                let amount = price.times(l.quantity).unwrap_or(Amount::ZERO);
                total = total.checked_add(amount).unwrap_or(total);
                let pack = row.map(|r| r.pack_size).unwrap_or(Decimal::ONE);
                let factor = if l.split { Decimal::ONE } else { pack };
                let done = progress
                    .get(i)
                    .map(|p| p.dispensed_min_units)
                    .unwrap_or_default();
                let filled = if factor.is_zero() {
                    done
                } else {
                    done / factor
                };
                OtcLineView {
                    index: i,
                    fixmedins_hilist_id: l.fixmedins_hilist_id.clone(),
                    name: l.name.clone(),
                    spec: l.spec.clone(),
                    quantity: dec(l.quantity),
                    unit: l.unit.clone(),
                    split: l.split,
                    price: price_text(price),
                    amount: amount.to_string(),
                    filled: dec(filled),
                    complete: filled == l.quantity,
                    traced: row.is_some_and(|r| !r.trace_prefix.is_empty()),
                }
            })
            .collect();
        let boxes = d
            .items()
            .iter()
            .map(|i| OtcBoxView {
                name: s
                    .products
                    .get(&i.fixmedins_hilist_id)
                    .map(|(_, r)| r.name.clone())
                    .unwrap_or_default(),
                trace_code: i.trace_code.as_ref().map(|t| t.as_str().to_string()),
                lot: i.manu_lotnum.clone(),
                expiry: i.expy_end.to_string(),
                packs: dec(i.packs()),
                split: i.split,
            })
            .collect();
        let complete = !lines.is_empty() && d.is_complete();
        let split = s.split.map(|x| {
            let kind =
                (s.payer == OtcPayer::PersonalAccount).then_some(SettlementKind::PharmacyPurchase);
            let ctx = SettlementContext {
                kind,
                disease: String::new(),
                fund_ratio_percent: None,
            };
            SplitView {
                kind,
                kind_zh: Some(match kind {
                    Some(k) => k.label_zh().to_string(),
                    None => "自费".to_string(),
                }),
                disease: None,
                total: x.total().to_string(),
                fund_pay: x.fund().to_string(),
                account_pay: x.personal_account().to_string(),
                cash_pay: x.cash().to_string(),
                explanation_zh: x
                    .explain_in_context_zh(&ctx, &[])
                    .split(['；', '。'])
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect(),
                setl_id: s
                    .settle_output
                    .as_ref()
                    .filter(|_| s.stage != OtcStage::Checkout)
                    .map(|o| o.setlinfo.setl_id.clone()),
            }
        });
        let payment = s.payment.as_ref().map(|p| PaymentView {
            method: match p.channel {
                Some(Channel::Terminal) => "terminal".into(),
                _ => p.method.clone(),
            },
            due: p.due.to_string(),
            tendered: p.tendered.map(|t| t.to_string()),
            change: p.change.map(|c| c.to_string()),
            paid: p.paid,
        });
        let next_step = match s.stage {
            OtcStage::Cart if lines.is_empty() => "scan_product",
            OtcStage::Cart if !complete => "scan_boxes",
            OtcStage::Cart => "choose_payer",
            OtcStage::Checkout => "confirm",
            OtcStage::Settled => "take_payment",
            OtcStage::Uncertain => "resolve",
            OtcStage::Receipted => "done",
            OtcStage::Cancelled => "cancelled",
        };
        let next_step_zh = match s.stage {
            OtcStage::Cart if lines.is_empty() => {
                "请扫描商品条码，或输入名称/拼音首字母搜索".to_string()
            }
            OtcStage::Cart if !complete => {
                "请逐盒扫描追溯码（无码不结）；无追溯码的库存可从无码库出库".to_string()
            }
            OtcStage::Cart => "请选择自费或医保个人账户，按 F3 结算".to_string(),
            OtcStage::Checkout => "请核对金额，按 F3 确认结算".to_string(),
            OtcStage::Settled => "请收取顾客应付金额，按 F3 收款并出票".to_string(),
            OtcStage::Uncertain => {
                "结算结果未知：请按“处理未知结算”冲正后再继续，切勿重复收费".to_string()
            }
            OtcStage::Receipted => "已完成，可开始下一笔销售".to_string(),
            OtcStage::Cancelled => "已取消，可开始下一笔销售".to_string(),
        };
        OtcView {
            sale_ref: s.id.clone(),
            stage: s.stage,
            stage_zh: s.stage.label_zh().to_string(),
            payer: s.payer,
            lines,
            boxes,
            total: total.to_string(),
            complete,
            patient: s.patient.as_ref().map(|p| OtcPatientView {
                name: p.name.clone(),
                certno_masked: mask_id_number(&p.certno),
                insutype_label: p.insutype.label_zh().to_string(),
                insutype: p.insutype.code().to_string(),
                balance: p.balance.to_string(),
                identified_via_zh: p.identified_via_zh.clone(),
                identified_via: p.identified_via.clone(),
            }),
            split,
            payment,
            sale: s.sale.clone(),
            notice_zh: s.notice_zh.clone(),
            notice: s.notice.clone(),
            next_step_zh,
            next_step: next_step.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payers_are_parsed_at_the_edge() {
        assert_eq!(OtcPayer::parse("self_pay").unwrap(), OtcPayer::SelfPay);
        assert_eq!(
            OtcPayer::parse(" personal_account ").unwrap(),
            OtcPayer::PersonalAccount
        );
        assert_eq!(OtcPayer::parse("fund").unwrap_err().code(), "BAD_METHOD");
        assert_eq!(parse_otc_quantity(" 3 ").unwrap(), Decimal::from(3));
        assert_eq!(parse_otc_quantity("3盒").unwrap_err().code(), "BAD_AMOUNT");
        assert_eq!(
            parse_otc_quantity("1111111111111111111")
                .unwrap_err()
                .code(),
            "BAD_AMOUNT"
        );
    }
}
