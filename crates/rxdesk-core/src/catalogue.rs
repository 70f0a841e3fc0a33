//! The pharmacy's drug catalogue in memory, and its search: a pharmacist
//! types a few Chinese characters, pinyin initials (`amxl` for 阿莫西林), a
//! 医保 code or scans a barcode, and gets ranked matches at once over
//! 100,000 products.
//!
//! **Index, not scan:** names and pinyin initials go into unigram/bigram
//! posting lists (a query's rarest n-gram gives the candidates, each verified
//! by the scoring function); barcodes and 医保 codes are in hash maps plus
//! sorted arrays for prefix ranges. [`Catalogue::search_linear`] applies the
//! same scoring to every product: it is the reference the index must agree
//! with (a property test) and the baseline of `benches/catalogue.rs`.

use crate::money::Price;
use crate::rules::circulation::RestrictedClass;
use crate::text::compact;
use pinyin::ToPinyin;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// 医保 reimbursement class of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InsuranceClass {
    /// 甲类: fully in the pooled scope.
    #[serde(rename = "A")]
    A,
    /// 乙类: in scope after a first self-paid share (先行自付).
    #[serde(rename = "B")]
    B,
    /// 丙类 / 自费: outside the catalogue, paid in full by the patient.
    #[serde(rename = "C")]
    SelfPay,
}

impl InsuranceClass {
    /// zh-CN label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::A => "甲类",
            Self::B => "乙类",
            Self::SelfPay => "自费",
        }
    }
}

/// What the rules need to know about a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrugFacts {
    /// Special-control classes (empty for ordinary drugs).
    pub restricted: Vec<RestrictedClass>,
    /// Reimbursement class.
    pub insurance_class: InsuranceClass,
    /// Needs the cold chain (2–8 °C) — delivery must handle it (ST-EPC-02-011).
    pub cold_chain: bool,
}

/// One product of the pharmacy's catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// 定点医药机构目录编号 (`fixmedins_hilist_id`): the pharmacy's own id.
    pub fixmedins_hilist_id: String,
    /// 医保药品代码 (`med_list_codg`).
    pub med_list_codg: String,
    /// Product (trade) name.
    pub name: String,
    /// Generic name (通用名).
    pub generic_name: String,
    /// Specification (规格).
    pub spec: String,
    /// Manufacturer (生产厂家).
    pub manufacturer: String,
    /// Barcode on the box (药品条形码), may be empty.
    pub barcode: String,
    /// Retail price per pack.
    pub price: Price,
    /// Pack unit (e.g. 盒).
    pub pack_unit: String,
    /// Smallest unit for split sales (e.g. 片), equal to `pack_unit` when
    /// the product is never split.
    pub min_unit: String,
    /// Smallest units per pack (拆零 conversion factor, ≥ 1).
    pub pack_size: Decimal,
    /// Rule facts.
    pub facts: DrugFacts,
}

/// How a product matched a query (the best way, for display).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MatchKind {
    /// Barcode equal.
    Barcode,
    /// 医保 code equal.
    Code,
    /// Name or generic name equal.
    NameExact,
    /// Name or generic name starts with the query.
    NamePrefix,
    /// Pinyin initials start with the query.
    PinyinPrefix,
    /// Barcode or 医保 code starts with the query.
    CodePrefix,
    /// Name or generic name contains the query.
    NameContains,
    /// Pinyin initials contain the query.
    PinyinContains,
}

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchHit {
    /// Index into [`Catalogue::products`].
    pub index: usize,
    /// Higher is better.
    pub score: u32,
    /// How it matched.
    pub kind: MatchKind,
}

/// Pinyin initials of a name: the first letter of each Chinese character's
/// (most common) reading, ASCII letters and digits kept lower-case, anything
/// else dropped. `阿莫西林胶囊(0.25g)` → `amxljn025g`.
pub fn pinyin_initials(name: &str) -> String {
    compact(name)
        .chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() {
                Some(c.to_ascii_lowercase())
            } else {
                c.to_pinyin().and_then(|p| p.first_letter().chars().next())
            }
        })
        .collect()
}

fn fold(s: &str) -> String {
    compact(s).to_lowercase()
}

/// Normalised searchable forms of one product.
#[derive(Debug, Clone)]
struct Keys {
    name: String,
    generic: String,
    name_py: String,
    generic_py: String,
    barcode: String,
    code: String,
}

impl Keys {
    fn of(p: &Product) -> Self {
        Self {
            name: fold(&p.name),
            generic: fold(&p.generic_name),
            name_py: pinyin_initials(&p.name),
            generic_py: pinyin_initials(&p.generic_name),
            barcode: fold(&p.barcode),
            code: fold(&p.med_list_codg),
        }
    }
}

/// The query folded the way keys are.
struct Query {
    text: String,
}

fn score(k: &Keys, q: &Query) -> Option<(u32, MatchKind)> {
    let q = q.text.as_str();
    let mut best: Option<(u32, MatchKind)> = None;
    let mut offer = |s: u32, kind: MatchKind| {
        if best.is_none_or(|(b, _)| s > b) {
            best = Some((s, kind));
        }
    };
    if !k.barcode.is_empty() {
        if k.barcode == q {
            offer(1000, MatchKind::Barcode);
        } else if q.len() >= 4 && k.barcode.starts_with(q) {
            offer(600, MatchKind::CodePrefix);
        }
    }
    if !k.code.is_empty() {
        if k.code == q {
            offer(1000, MatchKind::Code);
        } else if q.len() >= 2 && k.code.starts_with(q) {
            offer(500, MatchKind::CodePrefix);
        }
    }
    for (field, bonus) in [(&k.name, 20), (&k.generic, 0)] {
        if field.is_empty() {
            continue;
        }
        if *field == q {
            offer(880 + bonus, MatchKind::NameExact);
        } else if field.starts_with(q) {
            offer(780 + bonus, MatchKind::NamePrefix);
        } else if field.contains(q) {
            offer(380 + bonus, MatchKind::NameContains);
        }
    }
    for (field, bonus) in [(&k.name_py, 20), (&k.generic_py, 0)] {
        if field.is_empty() {
            continue;
        }
        if field.starts_with(q) {
            offer(680 + bonus, MatchKind::PinyinPrefix);
        } else if q.len() >= 2 && field.contains(q) {
            offer(280 + bonus, MatchKind::PinyinContains);
        }
    }
    best
}

type Gram = (char, char);

/// Posting lists of unigrams and bigrams over some strings.
#[derive(Debug, Default)]
struct GramIndex {
    uni: HashMap<char, Vec<u32>>,
    bi: HashMap<Gram, Vec<u32>>,
}

impl GramIndex {
    fn add(&mut self, id: u32, s: &str) {
        let chars: Vec<char> = s.chars().collect();
        for c in &chars {
            push_unique(self.uni.entry(*c).or_default(), id);
        }
        for w in chars.windows(2) {
            push_unique(self.bi.entry((w[0], w[1])).or_default(), id);
        }
    }

    /// The shortest posting list that every string containing `q` is in,
    /// or `None` when `q` is empty.
    fn candidates(&self, q: &str) -> Option<&[u32]> {
        let chars: Vec<char> = q.chars().collect();
        const EMPTY: &[u32] = &[];
        match chars.len() {
            0 => None,
            1 => Some(self.uni.get(&chars[0]).map_or(EMPTY, Vec::as_slice)),
            _ => chars
                .windows(2)
                .map(|w| self.bi.get(&(w[0], w[1])).map_or(EMPTY, Vec::as_slice))
                .min_by_key(|l| l.len()),
        }
    }
}

fn push_unique(list: &mut Vec<u32>, id: u32) {
    // Ids are added in increasing order, so a duplicate is always the last.
    if list.last() != Some(&id) {
        list.push(id);
    }
}

/// Sorted `(key, id)` pairs for prefix ranges.
#[derive(Debug, Default)]
struct PrefixIndex(Vec<(String, u32)>);

impl PrefixIndex {
    fn build(mut v: Vec<(String, u32)>) -> Self {
        v.sort();
        Self(v)
    }
    fn with_prefix<'a>(&'a self, q: &'a str) -> impl Iterator<Item = u32> + 'a {
        let start = self.0.partition_point(|(k, _)| k.as_str() < q);
        self.0[start..]
            .iter()
            .take_while(move |(k, _)| k.starts_with(q))
            .map(|(_, id)| *id)
    }
}

/// The catalogue with its search indexes.
#[derive(Debug)]
pub struct Catalogue {
    products: Vec<Product>,
    keys: Vec<Keys>,
    names: GramIndex,
    initials: GramIndex,
    codes: PrefixIndex,
    barcodes: PrefixIndex,
    by_code: HashMap<String, Vec<u32>>,
    by_barcode: HashMap<String, Vec<u32>>,
}

impl Catalogue {
    /// Builds the indexes (O(total name length)).
    pub fn new(products: Vec<Product>) -> Self {
        let keys: Vec<Keys> = products.iter().map(Keys::of).collect();
        let mut names = GramIndex::default();
        let mut initials = GramIndex::default();
        let mut codes = Vec::with_capacity(keys.len());
        let mut barcodes = Vec::with_capacity(keys.len());
        let mut by_code: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_barcode: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, k) in keys.iter().enumerate() {
            let id = i as u32;
            names.add(id, &k.name);
            names.add(id, &k.generic);
            initials.add(id, &k.name_py);
            initials.add(id, &k.generic_py);
            if !k.code.is_empty() {
                codes.push((k.code.clone(), id));
                by_code.entry(k.code.clone()).or_default().push(id);
            }
            if !k.barcode.is_empty() {
                barcodes.push((k.barcode.clone(), id));
                by_barcode.entry(k.barcode.clone()).or_default().push(id);
            }
        }
        Self {
            products,
            keys,
            names,
            initials,
            codes: PrefixIndex::build(codes),
            barcodes: PrefixIndex::build(barcodes),
            by_code,
            by_barcode,
        }
    }

    /// All products, in the order given.
    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// Products with this barcode (several when a barcode is shared by
    /// catalogue entries, e.g. different suppliers).
    pub fn by_barcode(&self, barcode: &str) -> Vec<&Product> {
        self.lookup(&self.by_barcode, &fold(barcode))
    }

    /// Products with this 医保 code.
    pub fn by_med_list_code(&self, code: &str) -> Vec<&Product> {
        self.lookup(&self.by_code, &fold(code))
    }

    fn lookup(&self, map: &HashMap<String, Vec<u32>>, key: &str) -> Vec<&Product> {
        map.get(key)
            .map(|ids| ids.iter().map(|i| &self.products[*i as usize]).collect())
            .unwrap_or_default()
    }

    /// Rule facts for a 医保 code (the first product with that code).
    pub fn facts(&self, med_list_codg: &str) -> Option<DrugFacts> {
        self.by_med_list_code(med_list_codg)
            .first()
            .map(|p| p.facts.clone())
    }

    /// Ranked matches for a query (indexed).
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let q = Query { text: fold(query) };
        if q.text.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut seen: HashSet<u32> = HashSet::new();
        let mut hits = Vec::new();
        let mut consider = |id: u32, hits: &mut Vec<SearchHit>| {
            if seen.insert(id) {
                if let Some((score, kind)) = score(&self.keys[id as usize], &q) {
                    hits.push(SearchHit {
                        index: id as usize,
                        score,
                        kind,
                    });
                }
            }
        };
        for src in [&self.names, &self.initials] {
            if let Some(list) = src.candidates(&q.text) {
                for id in list {
                    consider(*id, &mut hits);
                }
            }
        }
        for id in self.codes.with_prefix(&q.text) {
            consider(id, &mut hits);
        }
        for id in self.barcodes.with_prefix(&q.text) {
            consider(id, &mut hits);
        }
        self.rank(hits, limit)
    }

    /// The same ranking by scoring every product (the reference).
    pub fn search_linear(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let q = Query { text: fold(query) };
        if q.text.is_empty() || limit == 0 {
            return Vec::new();
        }
        let hits = self
            .keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| {
                score(k, &q).map(|(score, kind)| SearchHit {
                    index: i,
                    score,
                    kind,
                })
            })
            .collect();
        self.rank(hits, limit)
    }

    fn rank(&self, mut hits: Vec<SearchHit>, limit: usize) -> Vec<SearchHit> {
        let key = |h: &SearchHit| {
            (
                std::cmp::Reverse(h.score),
                self.keys[h.index].name.chars().count(),
                h.index,
            )
        };
        if hits.len() > limit {
            hits.select_nth_unstable_by_key(limit - 1, key);
            hits.truncate(limit);
        }
        hits.sort_by_key(key);
        hits
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn product(name: &str, generic: &str, code: &str, barcode: &str) -> Product {
        Product {
            fixmedins_hilist_id: format!("L{code}"),
            med_list_codg: code.into(),
            name: name.into(),
            generic_name: generic.into(),
            spec: "0.25g*24粒".into(),
            manufacturer: "示例制药".into(),
            barcode: barcode.into(),
            price: "12.50".parse().unwrap(),
            pack_unit: "盒".into(),
            min_unit: "粒".into(),
            pack_size: Decimal::from(24),
            facts: DrugFacts {
                restricted: vec![],
                insurance_class: InsuranceClass::A,
                cold_chain: false,
            },
        }
    }

    fn demo() -> Catalogue {
        Catalogue::new(vec![
            product(
                "阿莫西林胶囊",
                "阿莫西林",
                "XJ01CAA040A001010100028",
                "6901234567890",
            ),
            product(
                "阿莫西林克拉维酸钾片",
                "阿莫西林克拉维酸钾",
                "XJ01CRA040A001010100029",
                "6901234567891",
            ),
            product(
                "布洛芬缓释胶囊",
                "布洛芬",
                "XM01AEB010E001010100030",
                "6902222222222",
            ),
            product("复方甘草片", "复方甘草", "ZA01AAA0015010100521AB1", ""),
        ])
    }

    #[test]
    fn pinyin_initials_of_drug_names() {
        assert_eq!(pinyin_initials("阿莫西林胶囊"), "amxljn");
        assert_eq!(pinyin_initials("布洛芬 缓释胶囊(0.3g)"), "blfhsjn03g");
        assert_eq!(pinyin_initials("维生素C片"), "wsscp");
    }

    #[test]
    fn barcode_and_code_rank_first() {
        let c = demo();
        let h = c.search("6902222222222", 5);
        assert_eq!(h[0].index, 2);
        assert_eq!(h[0].kind, MatchKind::Barcode);
        let h = c.search("xj01caa040a001010100028", 5);
        assert_eq!(h[0].index, 0);
        assert_eq!(h[0].kind, MatchKind::Code);
        let h = c.search("XJ01C", 5);
        assert_eq!(h.len(), 2);
        assert!(h.iter().all(|x| x.kind == MatchKind::CodePrefix));
    }

    #[test]
    fn chinese_and_pinyin_queries() {
        let c = demo();
        let h = c.search("阿莫西林", 5);
        assert_eq!(h.iter().map(|x| x.index).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(h[0].kind, MatchKind::NameExact, "generic name equal");
        let h = c.search("amxl", 5);
        assert_eq!(h.iter().map(|x| x.index).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(h[0].kind, MatchKind::PinyinPrefix);
        let h = c.search("胶囊", 5);
        assert_eq!(h.iter().map(|x| x.index).collect::<Vec<_>>(), vec![0, 2]);
        let h = c.search("jn", 5);
        assert!(h.iter().all(|x| x.kind == MatchKind::PinyinContains));
        assert!(c.search("  ", 5).is_empty());
        assert!(c.search("青霉素", 5).is_empty());
        assert_eq!(c.search("阿", 1).len(), 1);
    }

    #[test]
    fn lookups_and_facts() {
        let c = demo();
        assert_eq!(c.by_barcode(" 6901234567890 ")[0].name, "阿莫西林胶囊");
        assert_eq!(c.by_med_list_code("XM01AEB010E001010100030").len(), 1);
        assert!(c.facts("XM01AEB010E001010100030").is_some());
        assert!(c.facts("nope").is_none());
    }

    const CHARS: &[char] = &[
        '阿', '莫', '西', '林', '胶', '囊', '布', '洛', '芬', '片', '复', '方', '甘', '草', 'a',
        'b', '1', '2', 'X', ' ',
    ];

    fn word() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(CHARS), 0..8)
            .prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn index_agrees_with_linear_scan(
            items in prop::collection::vec((word(), word(), "[XZ][0-9A-C]{0,4}", "[0-9]{0,6}"), 1..40),
            query in word(),
            limit in 1usize..10,
        ) {
            let c = Catalogue::new(items.iter().map(|(n, g, code, bc)| product(n, g, code, bc)).collect());
            prop_assert_eq!(c.search(&query, limit), c.search_linear(&query, limit));
        }
    }
}
