//! Demo data for the emulator world: a deterministic catalogue of more than
//! 20,000 products (generic names composed from real ingredient, salt and
//! dosage-form parts, 中成药 names from real formula names, GS1 barcodes
//! `69…` with valid check digits, 7-digit trace prefixes, pinyin initials),
//! stock batches, and boxes to scan.
//!
//! It always contains the six drugs of the demo world, read from the one
//! source the emulator's seed reads too (`assets/demo/drugs.json`, see
//! [`crate::demo_drugs`]), under the same 医保目录编码, with an expired
//! batch of 阿莫西林胶囊 (FEFO and the expiry refusal can be shown), 无码库
//! batches, 盐酸吗啡片 marked narcotic and 维生素C片 marked 自费.
//! [`demo_boxes`] lists unsold boxes of those six (see `docs/demo.md`).
//!
//! This is product data for demo mode and rehearsal, not a test double: it
//! goes through the same CSV import as a pharmacy's own file.

use crate::DemoDrug;
use rust_decimal::Decimal;
use rxdesk_core::catalogue::pinyin_initials;
use rxdesk_core::Price;
use rxdesk_store::catalogue::{catalogue_csv, gtin_check_digit, CatalogueRow, STOCK_COLUMNS};
use rxdesk_store::inventory::{GoodsIn, GoodsInLine};
use serde::Serialize;
use std::collections::HashSet;

/// Generated products besides the emulator's six.
pub const GENERATED_PRODUCTS: usize = 20_000;
/// Boxes per emulator drug in [`demo_boxes`].
pub const BOXES_PER_DRUG: usize = 8;

/// One box on the demo shelf: what a scanner reads from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoBox {
    /// The product's 医保目录编码 (as on the emulator's prescriptions).
    pub med_list_codg: String,
    /// The product's name.
    pub name: String,
    /// GTIN-13 printed on the box.
    pub barcode: String,
    /// The box's 20-digit 药品追溯码 (starts with the product's trace prefix).
    pub trace_code: String,
    /// The product's 定点医药机构目录编号.
    pub fixmedins_hilist_id: String,
}

/// Western ingredients: (name, ATC-like class, base price in fen, strengths,
/// rx_flag, circulation, usual salt prefixes).
type Ingredient = (
    &'static str,
    &'static str,
    u32,
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static [&'static str],
);

const INGREDIENTS: &[Ingredient] = &[
    (
        "阿莫西林",
        "J01CA",
        900,
        &["0.125g", "0.25g", "0.5g"],
        "1",
        "",
        &[""],
    ),
    (
        "头孢克肟",
        "J01DD",
        2600,
        &["50mg", "100mg"],
        "1",
        "",
        &[""],
    ),
    (
        "头孢呋辛酯",
        "J01DC",
        2800,
        &["0.125g", "0.25g"],
        "1",
        "",
        &[""],
    ),
    (
        "头孢氨苄",
        "J01DB",
        800,
        &["0.125g", "0.25g"],
        "1",
        "",
        &[""],
    ),
    (
        "阿奇霉素",
        "J01FA",
        1900,
        &["0.1g", "0.25g", "0.5g"],
        "1",
        "",
        &[""],
    ),
    (
        "克拉霉素",
        "J01FA",
        2100,
        &["0.125g", "0.25g"],
        "1",
        "",
        &[""],
    ),
    (
        "左氧氟沙星",
        "J01MA",
        1700,
        &["0.1g", "0.2g", "0.5g"],
        "1",
        "",
        &["盐酸", "乳酸", ""],
    ),
    ("莫西沙星", "J01MA", 4200, &["0.4g"], "1", "", &["盐酸"]),
    ("甲硝唑", "P01AB", 500, &["0.2g"], "1", "", &[""]),
    (
        "布洛芬",
        "M01AE",
        1200,
        &["0.1g", "0.2g", "0.3g", "0.4g"],
        "0",
        "",
        &[""],
    ),
    (
        "对乙酰氨基酚",
        "N02BE",
        600,
        &["0.3g", "0.5g", "0.65g"],
        "0",
        "",
        &[""],
    ),
    (
        "双氯芬酸钠",
        "M01AB",
        1500,
        &["25mg", "50mg", "75mg"],
        "1",
        "",
        &[""],
    ),
    ("塞来昔布", "M01AH", 4800, &["0.1g", "0.2g"], "1", "", &[""]),
    ("氯雷他定", "R06AX", 1800, &["10mg"], "0", "", &[""]),
    ("西替利嗪", "R06AE", 1600, &["10mg"], "0", "", &["盐酸"]),
    (
        "孟鲁司特钠",
        "R03DC",
        5200,
        &["4mg", "5mg", "10mg"],
        "1",
        "",
        &[""],
    ),
    ("氨溴索", "R05CB", 1100, &["30mg"], "0", "", &["盐酸"]),
    (
        "二甲双胍",
        "A10BA",
        1400,
        &["0.25g", "0.5g", "0.85g"],
        "1",
        "",
        &["盐酸"],
    ),
    ("格列美脲", "A10BB", 2600, &["1mg", "2mg"], "1", "", &[""]),
    ("阿卡波糖", "A10BF", 4600, &["50mg", "0.1g"], "1", "", &[""]),
    (
        "西格列汀",
        "A10BH",
        9800,
        &["50mg", "0.1g"],
        "1",
        "",
        &["磷酸"],
    ),
    (
        "硝苯地平",
        "C08CA",
        2200,
        &["10mg", "20mg", "30mg"],
        "1",
        "",
        &[""],
    ),
    (
        "氨氯地平",
        "C08CA",
        1900,
        &["2.5mg", "5mg"],
        "1",
        "",
        &["苯磺酸", "马来酸"],
    ),
    (
        "厄贝沙坦",
        "C09CA",
        2400,
        &["75mg", "0.15g"],
        "1",
        "",
        &[""],
    ),
    (
        "缬沙坦",
        "C09CA",
        2700,
        &["40mg", "80mg", "160mg"],
        "1",
        "",
        &[""],
    ),
    ("氯沙坦钾", "C09CA", 2900, &["50mg", "0.1g"], "1", "", &[""]),
    (
        "美托洛尔",
        "C07AB",
        1300,
        &["25mg", "47.5mg", "50mg"],
        "1",
        "",
        &["酒石酸", "琥珀酸"],
    ),
    (
        "比索洛尔",
        "C07AB",
        2300,
        &["2.5mg", "5mg"],
        "1",
        "",
        &["富马酸"],
    ),
    (
        "阿托伐他汀钙",
        "C10AA",
        3600,
        &["10mg", "20mg", "40mg"],
        "1",
        "",
        &[""],
    ),
    (
        "瑞舒伐他汀钙",
        "C10AA",
        3900,
        &["5mg", "10mg", "20mg"],
        "1",
        "",
        &[""],
    ),
    ("辛伐他汀", "C10AA", 1500, &["10mg", "20mg"], "1", "", &[""]),
    ("阿司匹林", "B01AC", 1500, &["25mg", "0.1g"], "1", "", &[""]),
    (
        "氯吡格雷",
        "B01AC",
        4500,
        &["25mg", "75mg"],
        "1",
        "",
        &["硫酸"],
    ),
    ("华法林钠", "B01AA", 1200, &["2.5mg", "3mg"], "1", "", &[""]),
    ("奥美拉唑", "A02BC", 1600, &["10mg", "20mg"], "1", "", &[""]),
    (
        "雷贝拉唑钠",
        "A02BC",
        3800,
        &["10mg", "20mg"],
        "1",
        "",
        &[""],
    ),
    (
        "泮托拉唑钠",
        "A02BC",
        3100,
        &["20mg", "40mg"],
        "1",
        "",
        &[""],
    ),
    ("铝碳酸镁", "A02AD", 1800, &["0.5g"], "0", "", &[""]),
    ("多潘立酮", "A03FA", 1500, &["10mg"], "0", "", &[""]),
    ("蒙脱石", "A07BC", 1300, &["3g"], "0", "", &[""]),
    ("洛哌丁胺", "A07DA", 1400, &["2mg"], "0", "", &["盐酸"]),
    (
        "左甲状腺素钠",
        "H03AA",
        2600,
        &["50μg", "100μg"],
        "1",
        "",
        &[""],
    ),
    ("甲泼尼龙", "H02AB", 2700, &["4mg"], "1", "", &[""]),
    ("泼尼松", "H02AB", 600, &["5mg"], "1", "", &["醋酸"]),
    ("舍曲林", "N06AB", 5600, &["50mg"], "1", "", &["盐酸"]),
    ("帕罗西汀", "N06AB", 5200, &["20mg"], "1", "", &["盐酸"]),
    (
        "艾司唑仑",
        "N05CD",
        800,
        &["1mg", "2mg"],
        "1",
        "psychotropic",
        &[""],
    ),
    (
        "阿普唑仑",
        "N05BA",
        900,
        &["0.4mg"],
        "1",
        "psychotropic",
        &[""],
    ),
    (
        "地西泮",
        "N05BA",
        700,
        &["2.5mg", "5mg"],
        "1",
        "psychotropic",
        &[""],
    ),
    (
        "羟考酮",
        "N02AA",
        9800,
        &["5mg", "10mg", "20mg"],
        "1",
        "narcotic",
        &["盐酸"],
    ),
    (
        "可待因",
        "R05DA",
        1800,
        &["15mg", "30mg"],
        "1",
        "narcotic",
        &["磷酸"],
    ),
    (
        "伪麻黄碱",
        "R01BA",
        1400,
        &["30mg", "60mg"],
        "1",
        "precursor",
        &["盐酸"],
    ),
    ("维生素B1", "A11DA", 400, &["10mg"], "0", "", &[""]),
    ("维生素B6", "A11HA", 400, &["10mg"], "0", "", &[""]),
    ("维生素E", "A11HA", 1200, &["0.1g"], "0", "", &[""]),
    ("叶酸", "B03BB", 900, &["0.4mg", "5mg"], "0", "", &[""]),
    ("碳酸钙D3", "A12AX", 3500, &["0.6g"], "0", "", &[""]),
    ("葡萄糖酸锌", "A12CB", 1600, &["10mg"], "0", "", &[""]),
    ("螺内酯", "C03DA", 800, &["20mg"], "1", "", &[""]),
    ("呋塞米", "C03CA", 500, &["20mg"], "1", "", &[""]),
    ("氢氯噻嗪", "C03AA", 500, &["25mg"], "1", "", &[""]),
    ("坦索罗辛", "G04CA", 4500, &["0.2mg"], "1", "", &["盐酸"]),
    ("非那雄胺", "G04CB", 5200, &["1mg", "5mg"], "1", "", &[""]),
    ("别嘌醇", "M04AA", 900, &["0.1g"], "1", "", &[""]),
    ("非布司他", "M04AA", 6800, &["20mg", "40mg"], "1", "", &[""]),
    (
        "奥司他韦",
        "J05AH",
        7800,
        &["30mg", "75mg"],
        "1",
        "",
        &["磷酸"],
    ),
    ("阿昔洛韦", "J05AB", 900, &["0.1g", "0.2g"], "1", "", &[""]),
    ("氟康唑", "J02AC", 1900, &["50mg", "0.15g"], "1", "", &[""]),
    ("复方甘草", "R05CA", 700, &["0.2g"], "1", "", &[""]),
    ("右美沙芬", "R05DA", 1500, &["15mg"], "0", "", &["氢溴酸"]),
];

/// (display suffix, 剂型, smallest unit, form code).
const WESTERN_FORMS: &[(&str, &str, &str, u32)] = &[
    ("片", "片剂", "片", 1),
    ("胶囊", "胶囊剂", "粒", 2),
    ("缓释片", "片剂", "片", 3),
    ("分散片", "片剂", "片", 4),
    ("肠溶片", "片剂", "片", 5),
    ("肠溶胶囊", "胶囊剂", "粒", 6),
    ("颗粒", "颗粒剂", "袋", 7),
    ("干混悬剂", "混悬剂", "袋", 8),
    ("口服溶液", "溶液剂", "支", 9),
    ("咀嚼片", "片剂", "片", 10),
];

/// Real 中成药 formula names (the name stem) with a base price in fen.
const FORMULAS: &[(&str, u32)] = &[
    ("板蓝根", 1200),
    ("连花清瘟", 2800),
    ("银翘解毒", 1500),
    ("藿香正气", 1600),
    ("六味地黄", 2200),
    ("复方丹参", 1800),
    ("感冒清热", 1500),
    ("牛黄解毒", 900),
    ("双黄连", 2000),
    ("小柴胡", 1900),
    ("逍遥", 2100),
    ("补中益气", 2300),
    ("蒲地蓝消炎", 2600),
    ("清开灵", 1700),
    ("川贝枇杷", 2400),
    ("桂枝茯苓", 3200),
    ("血府逐瘀", 3400),
    ("金嗓子喉", 1500),
    ("复方板蓝根", 1300),
    ("归脾", 2500),
    ("香砂养胃", 1800),
    ("保和", 1200),
    ("参苓白术", 2700),
    ("脑心通", 4800),
    ("通心络", 5600),
    ("麝香保心", 4200),
    ("速效救心", 3900),
    ("三九胃泰", 2000),
    ("气滞胃痛", 2200),
    ("左归", 3000),
    ("知柏地黄", 2100),
    ("杞菊地黄", 2100),
    ("金匮肾气", 2600),
    ("玉屏风", 2900),
    ("防风通圣", 1800),
    ("黄连上清", 1400),
    ("穿心莲", 1100),
    ("抗病毒", 1900),
    ("急支", 2300),
    ("丹参", 1600),
];

const PATENT_FORMS: &[(&str, &str, &str, u32)] = &[
    ("颗粒", "颗粒剂", "袋", 21),
    ("胶囊", "胶囊剂", "粒", 22),
    ("片", "片剂", "片", 23),
    ("丸", "丸剂", "丸", 24),
    ("口服液", "合剂", "支", 25),
    ("滴丸", "滴丸剂", "丸", 26),
    ("软胶囊", "胶囊剂", "粒", 27),
    ("合剂", "合剂", "瓶", 28),
];

const MAKER_STEMS: &[&str] = &[
    "华北",
    "石药",
    "哈药",
    "华润双鹤",
    "扬子江",
    "修正",
    "白云山",
    "同仁堂",
    "齐鲁",
    "恒瑞",
    "科伦",
    "鲁南",
    "步长",
    "以岭",
    "太极",
    "国药集团",
    "上海信谊",
    "天士力",
    "东北",
    "江中",
    "仁和",
    "九芝堂",
    "云南白药",
    "浙江医药",
    "海正",
    "京新",
    "华海",
    "普洛",
    "信立泰",
    "人福",
    "西南",
    "新华",
    "千金",
    "葵花",
    "康恩贝",
    "昆药",
    "亚宝",
    "力生",
    "广州白云山光华",
    "中美天津史克",
];
const MAKER_SUFFIXES: &[&str] = &[
    "制药有限公司",
    "药业股份有限公司",
    "制药厂",
    "药业集团有限公司",
];

const PACK_COUNTS: &[u32] = &[6, 9, 10, 12, 14, 18, 20, 24, 28, 30, 36, 48, 60, 100];
const SACHET_COUNTS: &[u32] = &[6, 9, 10, 12, 18, 20, 24];

/// Ingredients made as 缓释 tablets.
const SUSTAINED: &[&str] = &[
    "布洛芬",
    "双氯芬酸钠",
    "二甲双胍",
    "硝苯地平",
    "美托洛尔",
    "坦索罗辛",
    "氨溴索",
    "羟考酮",
    "对乙酰氨基酚",
    "克拉霉素",
];
/// Ingredients made as 肠溶 tablets or capsules.
const ENTERIC: &[&str] = &[
    "阿司匹林",
    "奥美拉唑",
    "雷贝拉唑钠",
    "泮托拉唑钠",
    "双氯芬酸钠",
    "阿奇霉素",
    "二甲双胍",
];
/// Ingredients made as granules, suspensions, solutions, chewable tablets.
const PEDIATRIC: &[&str] = &[
    "阿莫西林",
    "头孢克肟",
    "头孢氨苄",
    "阿奇霉素",
    "克拉霉素",
    "布洛芬",
    "对乙酰氨基酚",
    "氯雷他定",
    "西替利嗪",
    "孟鲁司特钠",
    "氨溴索",
    "蒙脱石",
    "奥司他韦",
    "右美沙芬",
    "葡萄糖酸锌",
    "碳酸钙D3",
    "复方甘草",
];

fn form_fits(ingredient: &str, form: &str) -> bool {
    match form {
        "缓释片" => SUSTAINED.contains(&ingredient),
        "肠溶片" | "肠溶胶囊" => ENTERIC.contains(&ingredient),
        "颗粒" | "干混悬剂" | "口服溶液" | "咀嚼片" => PEDIATRIC.contains(&ingredient),
        _ => ingredient != "蒙脱石",
    }
}

/// A small deterministic generator (SplitMix64): the same data every run,
/// on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn gtin13(company: u32, item: u32) -> String {
    let body = format!("69{company:05}{item:05}");
    let check = gtin_check_digit(&body).unwrap_or('0');
    format!("{body}{check}")
}

fn price_from_fen(fen: u64) -> Price {
    Price::round(Decimal::new(fen as i64, 2)).unwrap_or_default()
}

/// The emulator's six drugs as catalogue rows (from `assets/demo/drugs.json`).
pub fn emulator_products() -> Vec<CatalogueRow> {
    let file = crate::demo_drugs();
    file.drugs
        .iter()
        .map(|d: &DemoDrug| CatalogueRow {
            fixmedins_hilist_id: d.fixmedins_hilist_id.clone(),
            med_list_codg: d.med_list_codg.clone(),
            name: d.name.clone(),
            genname: d.name.clone(),
            dosform: d.dosform.clone(),
            spec: d.spec.clone(),
            unit: d.unit.clone(),
            prdr_name: file.maker.clone(),
            aprvno: format!("国药准字H2002{:04}", d.barcode_item),
            rx_flag: d.rx_flag.clone(),
            price: d.price.parse().unwrap_or_default(),
            barcode: gtin13(file.gs1_company, d.barcode_item),
            pack_size: Decimal::from(d.pack_size),
            min_unit: d.min_unit.clone(),
            trace_prefix: d.trace_prefix.clone(),
            circulation: d.circulation.clone(),
            self_pay: d.self_pay,
            reference_price: if d.reference_price.is_empty() {
                None
            } else {
                d.reference_price.parse().ok()
            },
            pinyin: pinyin_initials(&d.name),
            // None of the demo world's six needs 2–8 °C.
            cold_chain: false,
            nego_drug: d.nego_drug,
            warnings: d.warnings.join("；"),
            contraindications: d.contraindications.join("；"),
        })
        .collect()
}

/// Every demo product: the emulator's six first, then
/// [`GENERATED_PRODUCTS`] generated ones.
pub fn demo_catalogue_rows() -> Vec<CatalogueRow> {
    let mut all = Vec::with_capacity(GENERATED_PRODUCTS + 6);
    let done = for_each_demo_catalogue_chunk(4096, |chunk| {
        all.extend_from_slice(chunk);
        Ok::<(), std::convert::Infallible>(())
    });
    match done {
        Ok(()) => all,
        Err(never) => match never {},
    }
}

/// The id (`fixmedins_hilist_id`) of the last demo product
/// [`for_each_demo_catalogue_chunk`] hands over: once it is in a ledger, the
/// whole demo catalogue is.
pub fn last_demo_product_id() -> String {
    generated_id(GENERATED_PRODUCTS)
}

fn generated_id(n: usize) -> String {
    format!("YP{:06}", 100_000 + n)
}

/// Every demo product, in [`demo_catalogue_rows`]'s order, handed to `each`
/// at most `size` at a time, so that demo mode can import the catalogue
/// without holding all of it (and its CSV text) in memory at once
/// (docs/decisions/0019). Stops at the first error `each` returns.
pub fn for_each_demo_catalogue_chunk<E>(
    size: usize,
    mut each: impl FnMut(&[CatalogueRow]) -> Result<(), E>,
) -> Result<(), E> {
    let size = size.max(1);
    let mut rows = emulator_products();
    let makers: Vec<(String, u32)> = MAKER_STEMS
        .iter()
        .enumerate()
        .flat_map(|(i, stem)| {
            MAKER_SUFFIXES.iter().enumerate().map(move |(j, suf)| {
                (
                    format!("{stem}{suf}"),
                    30_000 + (i * MAKER_SUFFIXES.len() + j) as u32 * 37,
                )
            })
        })
        .collect();
    let mut next_item = vec![1u32; makers.len()];
    let mut rng = Rng(0x5258_4465_736B_2026); // "RXDesk" 2026
    let mut seen: HashSet<(String, String, usize)> = HashSet::new();
    let mut n = 0usize;
    while n < GENERATED_PRODUCTS {
        let maker_ix = rng.below(makers.len());
        let mut count = *rng.pick(PACK_COUNTS);
        let western = rng.chance(70);
        let (name, class, dosform, min_unit, form_code, strength, base_fen, rx_flag, circ, letter) =
            if western {
                let ing = rng.pick(INGREDIENTS);
                let salt = *rng.pick(ing.6);
                let mut form = rng.pick(WESTERN_FORMS);
                while !form_fits(ing.0, form.0) {
                    form = rng.pick(WESTERN_FORMS);
                }
                let strength = *rng.pick(ing.3);
                (
                    format!("{salt}{}{}", ing.0, form.0),
                    ing.1,
                    form.1,
                    form.2,
                    form.3,
                    strength.to_string(),
                    ing.2,
                    ing.4,
                    ing.5,
                    'X',
                )
            } else {
                let (stem, fen) = *rng.pick(FORMULAS);
                let form = rng.pick(PATENT_FORMS);
                let strength = match form.2 {
                    "袋" => *rng.pick(&["3g", "5g", "6g", "10g"]),
                    "支" => *rng.pick(&["10ml", "20ml"]),
                    "瓶" => *rng.pick(&["100ml", "150ml"]),
                    "丸" => *rng.pick(&["0.2g", "3g", "6g"]),
                    _ => *rng.pick(&["0.25g", "0.3g", "0.4g", "0.5g"]),
                };
                (
                    format!("{stem}{}", form.0),
                    "A01AA",
                    form.1,
                    form.2,
                    form.3,
                    strength.to_string(),
                    fen,
                    "0",
                    "",
                    'Z',
                )
            };
        match min_unit {
            "袋" | "支" => count = *rng.pick(SACHET_COUNTS),
            "瓶" => count = 1,
            _ => {}
        }
        let spec = if count == 1 {
            strength.clone()
        } else {
            format!("{strength}*{count}{min_unit}")
        };
        if !seen.insert((name.clone(), spec.clone(), maker_ix)) {
            continue;
        }
        n += 1;
        let (maker, company) = &makers[maker_ix];
        let item = next_item[maker_ix];
        next_item[maker_ix] += 1;
        // Price scales with the pack, with a maker's spread; 1.50 minimum.
        let fen =
            (u64::from(base_fen) * u64::from(count) / 20).max(150) * (85 + rng.next() % 40) / 100;
        let fen = fen / 10 * 10; // whole jiao, like real price tags
        let price = price_from_fen(fen.max(150));
        let reference_price = rng
            .chance(60)
            .then(|| price_from_fen(fen.max(150) * 110 / 100 / 10 * 10));
        let self_pay = rng.chance(6);
        let barcode = if rng.chance(96) {
            gtin13(*company, item)
        } else {
            String::new()
        };
        let trace_prefix = if rng.chance(92) {
            format!("8{:06}", 200_000 + n)
        } else {
            String::new()
        };
        if rows.len() >= size {
            each(&rows)?;
            rows.clear();
        }
        rows.push(CatalogueRow {
            fixmedins_hilist_id: generated_id(n),
            med_list_codg: format!("{letter}{class}{:03}A{form_code:03}{:010}", n % 997, n),
            genname: name.clone(),
            pinyin: pinyin_initials(&name),
            name,
            dosform: dosform.into(),
            spec,
            unit: if min_unit == "瓶" { "瓶" } else { "盒" }.into(),
            prdr_name: maker.clone(),
            aprvno: format!(
                "国药准字{}{}{:04}",
                if western { 'H' } else { 'Z' },
                1995 + n % 30,
                (n * 13) % 10_000
            ),
            rx_flag: rx_flag.into(),
            price,
            barcode,
            pack_size: Decimal::from(count),
            min_unit: min_unit.into(),
            trace_prefix,
            circulation: circ.into(),
            self_pay,
            reference_price,
            cold_chain: false,
            nego_drug: false,
            warnings: String::new(),
            contraindications: String::new(),
        });
    }
    if rows.is_empty() {
        Ok(())
    } else {
        each(&rows)
    }
}

/// The demo catalogue as CSV (UTF-8, header, CRLF), for
/// [`rxdesk_store::Store::import_catalogue_csv`].
pub fn demo_catalogue_csv() -> String {
    catalogue_csv(&demo_catalogue_rows())
}

/// Batches of the emulator's six: (drug id, batch, lot, made, expires,
/// packs, store). The first of 阿莫西林 expired in 2024.
const EMULATOR_BATCHES: &[EmulatorBatch] = &[
    (
        "YP000001",
        "DEMO-AMX-01",
        "A220701",
        "2022-07-01",
        "2024-06-30",
        "12",
        "traced",
    ),
    (
        "YP000001",
        "DEMO-AMX-02",
        "A250315",
        "2025-03-15",
        "2028-03-14",
        "40",
        "traced",
    ),
    (
        "YP000001",
        "DEMO-AMX-03",
        "A250820",
        "2025-08-20",
        "2028-08-19",
        "60",
        "traced",
    ),
    (
        "YP000001",
        "DEMO-AMX-NC",
        "A250501",
        "2025-05-01",
        "2028-04-30",
        "5",
        "nocode",
    ),
    (
        "YP000002",
        "DEMO-IBU-01",
        "I250210",
        "2025-02-10",
        "2028-02-09",
        "30",
        "traced",
    ),
    (
        "YP000002",
        "DEMO-IBU-02",
        "I250910",
        "2025-09-10",
        "2028-09-09",
        "30",
        "traced",
    ),
    (
        "YP000003",
        "DEMO-LOR-01",
        "L250405",
        "2025-04-05",
        "2028-04-04",
        "25",
        "traced",
    ),
    (
        "YP000004",
        "DEMO-VC-01",
        "V250601",
        "2025-06-01",
        "2028-05-31",
        "50",
        "traced",
    ),
    (
        "YP000004",
        "DEMO-VC-NC",
        "V250602",
        "2025-06-02",
        "2028-06-01",
        "20",
        "nocode",
    ),
    (
        "YP000005",
        "DEMO-MET-01",
        "M250118",
        "2025-01-18",
        "2028-01-17",
        "36",
        "traced",
    ),
    (
        "YP000005",
        "DEMO-MET-02",
        "M250722",
        "2025-07-22",
        "2028-07-21",
        "36",
        "traced",
    ),
    (
        "YP000006",
        "DEMO-MOR-01",
        "N250301",
        "2025-03-01",
        "2028-02-28",
        "10",
        "traced",
    ),
];

/// Demo stock as CSV: the emulator's batches, plus one or two batches for
/// every fifth generated product (a realistic in-stock listing).
pub fn demo_stock_csv() -> String {
    let mut out = String::new();
    out.push_str(&STOCK_COLUMNS.join(","));
    out.push_str("\r\n");
    let received: Vec<&str> = EMULATOR_BATCHES
        .iter()
        .filter_map(|b| receiving_batch(b.0).map(|r| r.1))
        .collect();
    for b in EMULATOR_BATCHES {
        let mut fields = [b.0, b.1, b.2, b.3, b.4, b.5, b.6].map(str::to_string);
        // The demo boxes arrive through goods-in (`demo_goods_in`): the CSV
        // holds the rest of their batch.
        if received.contains(&b.1) {
            let packs: usize = b.5.parse().unwrap_or(0);
            fields[5] = packs.saturating_sub(BOXES_PER_DRUG).to_string();
        }
        push_line(&mut out, &fields);
    }
    let mut rng = Rng(0x5354_4F43_4B00_2026);
    for n in (5..=GENERATED_PRODUCTS).step_by(5) {
        let batches = 1 + rng.below(2);
        for k in 0..batches {
            let month = 1 + rng.below(10);
            let day = 1 + rng.below(28);
            let made = format!("2025-{month:02}-{day:02}");
            let expires = format!("{}-{month:02}-{day:02}", 2028 + k + rng.below(2));
            let fields = [
                format!("YP{:06}", 100_000 + n),
                format!("B{:06}{k}", n),
                format!("{}{:02}{:02}{:02}", 25, month, day, rng.below(100)),
                made,
                expires,
                (5 + rng.below(96)).to_string(),
                if rng.chance(3) { "nocode" } else { "traced" }.to_string(),
            ];
            push_line(&mut out, &fields);
        }
    }
    out
}

/// The batch an emulator drug's demo boxes are received into: its traced
/// batch that expires first among those not yet expired in the demo's time
/// (so a box scanned at the counter is recorded under the batch first
/// expiry would also pick).
type EmulatorBatch = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

fn receiving_batch(hilist_id: &str) -> Option<&'static EmulatorBatch> {
    EMULATOR_BATCHES
        .iter()
        .filter(|b| b.0 == hilist_id && b.6 == "traced" && b.4 > "2026-12-31")
        .min_by_key(|b| b.4)
}

/// The demo boxes ([`demo_boxes`]) as one goods-in document from the demo
/// supplier: every box by its trace code into its drug's receiving batch.
/// Demo mode and the tests receive their boxes through it, as a pharmacy
/// receives goods, so that only received boxes can be sold.
pub fn demo_goods_in() -> GoodsIn {
    let boxes = demo_boxes();
    let mut lines = Vec::new();
    for p in emulator_products() {
        let Some(b) = receiving_batch(&p.fixmedins_hilist_id) else {
            continue;
        };
        lines.push(GoodsInLine {
            fixmedins_hilist_id: p.fixmedins_hilist_id.clone(),
            manu_lotnum: b.2.to_string(),
            manu_date: b.3.to_string(),
            expy_end: b.4.to_string(),
            purchase_price: p.price,
            boxes: boxes
                .iter()
                .filter(|x| x.fixmedins_hilist_id == p.fixmedins_hilist_id)
                .map(|x| x.trace_code.clone())
                .collect(),
            cartons: Vec::new(),
        });
    }
    GoodsIn {
        supplier: "演示医药有限公司".into(),
        supplier_permit: "DEMO-PERMIT-0001".into(),
        invoice_code: "DEMO".into(),
        invoice_no: "DEMO-INV-0001".into(),
        lines,
    }
}

/// One CSV line (the demo fields need no quoting; checked).
fn push_line(out: &mut String, fields: &[String]) {
    debug_assert!(fields.iter().all(|f| !f.contains([',', '"', '\n', '\r'])));
    out.push_str(&fields.join(","));
    out.push_str("\r\n");
}

/// Four check digits for a demo trace code (deterministic; the national
/// algorithm is not public, and the counter checks only the format).
fn trace_check(body: &str) -> u64 {
    let n = body.bytes().fold(0u64, |acc, b| {
        acc.wrapping_mul(10).wrapping_add(u64::from(b - b'0'))
    });
    Rng(n).next() % 10_000
}

/// [`BOXES_PER_DRUG`] unsold boxes of each emulator drug: barcode and a
/// 20-digit trace code (trace prefix + 9-digit serial + 4 check digits).
pub fn demo_boxes() -> Vec<DemoBox> {
    let mut out = Vec::new();
    for (i, p) in emulator_products().into_iter().enumerate() {
        for k in 0..BOXES_PER_DRUG {
            let serial = 260_100_000 + (i as u32 + 1) * 1_000 + k as u32 * 37 + 1;
            let body = format!("{}{serial:09}", p.trace_prefix);
            let trace_code = format!("{body}{:04}", trace_check(&body));
            out.push(DemoBox {
                med_list_codg: p.med_list_codg.clone(),
                name: p.name.clone(),
                barcode: p.barcode.clone(),
                trace_code,
                fixmedins_hilist_id: p.fixmedins_hilist_id.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_unique() {
        let a = demo_catalogue_rows();
        assert_eq!(a.len(), GENERATED_PRODUCTS + 6);
        assert_eq!(a, demo_catalogue_rows());
        assert_eq!(demo_stock_csv(), demo_stock_csv());
        let ids: HashSet<&str> = a.iter().map(|r| r.fixmedins_hilist_id.as_str()).collect();
        let codes: HashSet<&str> = a.iter().map(|r| r.med_list_codg.as_str()).collect();
        let barcodes: Vec<&str> = a
            .iter()
            .map(|r| r.barcode.as_str())
            .filter(|b| !b.is_empty())
            .collect();
        let unique_barcodes: HashSet<&str> = barcodes.iter().copied().collect();
        let prefixes: Vec<&str> = a
            .iter()
            .map(|r| r.trace_prefix.as_str())
            .filter(|b| !b.is_empty())
            .collect();
        let unique_prefixes: HashSet<&str> = prefixes.iter().copied().collect();
        assert_eq!(ids.len(), a.len());
        assert_eq!(codes.len(), a.len());
        assert_eq!(unique_barcodes.len(), barcodes.len());
        assert_eq!(unique_prefixes.len(), prefixes.len());
        for r in &a {
            assert!(r.barcode.is_empty() || rxdesk_store::catalogue::gtin_valid(&r.barcode));
            assert!(r.barcode.is_empty() || r.barcode.starts_with("69"));
            assert!(
                rxdesk_core::code_format::validate_drug_code(&r.med_list_codg).is_ok(),
                "{}",
                r.med_list_codg
            );
            assert!(!r.price.is_negative() && !r.price.value().is_zero());
        }
    }
}
