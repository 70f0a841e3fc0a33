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
use std::hash::{BuildHasherDefault, Hasher};

/// A fast non-cryptographic hasher (FxHash) for the index maps: keys are
/// the pharmacy's own catalogue, not attacker-chosen, and SipHash would
/// dominate building the index.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.add(u64::from(*b));
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

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
    pinyin_initial_variants(name).swap_remove(0)
}

/// At most this many initials spellings are indexed per name.
pub const MAX_PINYIN_VARIANTS: usize = 8;

/// Polyphonic characters of drug names whose usual reading there differs
/// from the general default, with the extra initial(s): 人参/丹参 `shen`
/// (default `can`), 白术 `zhu`, 阿胶 `e`, 枸杞 `gou`/`ju`, 车前子 `che`/`ju`,
/// 莨菪 `lang`, 芫花 `yuan`, 石 as the unit `dan`…. Only these are
/// expanded, so an ordinary name keeps one spelling.
const DRUG_NAME_READINGS: &[(char, &str)] = &[
    ('参', "s"),
    ('术', "z"),
    ('阿', "e"),
    ('长', "cz"),
    ('重', "cz"),
    ('行', "hx"),
    ('枸', "gj"),
    ('车', "cj"),
    ('莨', "l"),
    ('芫', "y"),
    ('单', "sd"),
    ('卡', "kq"),
    ('便', "bp"),
    ('合', "hg"),
    ('藏', "zc"),
    ('乐', "ly"),
    ('茜', "qx"),
    ('石', "sd"),
    ('蔓', "mw"),
    ('蛤', "gh"),
    ('荠', "jq"),
    ('调', "td"),
    ('降', "jx"),
    ('解', "jx"),
    ('仔', "zz"),
    ('区', "qo"),
];

/// Every initials spelling of a name over the readings of its polyphonic
/// drug-name characters (`丹参片` → `dcp`, `dsp`), the default reading
/// first, at most [`MAX_PINYIN_VARIANTS`].
pub fn pinyin_initial_variants(name: &str) -> Vec<String> {
    let mut variants = vec![String::new()];
    for c in compact(name).chars() {
        let mut letters: Vec<char> = if c.is_ascii_alphanumeric() {
            vec![c.to_ascii_lowercase()]
        } else {
            c.to_pinyin()
                .and_then(|p| p.first_letter().chars().next())
                .into_iter()
                .collect()
        };
        if let Some((_, extra)) = DRUG_NAME_READINGS.iter().find(|(ch, _)| *ch == c) {
            for l in extra.chars() {
                if !letters.contains(&l) {
                    letters.push(l);
                }
            }
        }
        let Some((first, rest)) = letters.split_first() else {
            continue;
        };
        let mut extra = Vec::new();
        for l in rest {
            for v in &variants {
                if variants.len() + extra.len() < MAX_PINYIN_VARIANTS {
                    let mut w = v.clone();
                    w.push(*l);
                    extra.push(w);
                }
            }
        }
        for v in &mut variants {
            v.push(*first);
        }
        variants.extend(extra);
    }
    variants
}

fn fold(s: &str) -> String {
    compact(s).to_lowercase()
}

/// Normalised searchable forms of one product (pinyin fields hold every
/// initials spelling; the others one value).
#[derive(Debug, Clone)]
struct Keys {
    name: Vec<String>,
    generic: Vec<String>,
    name_py: Vec<String>,
    generic_py: Vec<String>,
    barcode: Vec<String>,
    code: Vec<String>,
}

impl Keys {
    fn of(p: &Product) -> Self {
        Self {
            name: vec![fold(&p.name)],
            generic: vec![fold(&p.generic_name)],
            name_py: pinyin_initial_variants(&p.name),
            generic_py: pinyin_initial_variants(&p.generic_name),
            barcode: vec![fold(&p.barcode)],
            code: vec![fold(&p.med_list_codg)],
        }
    }

    fn values(&self, f: Field) -> &[String] {
        match f {
            Field::Name => &self.name,
            Field::Generic => &self.generic,
            Field::NamePy => &self.name_py,
            Field::GenericPy => &self.generic_py,
            Field::Barcode => &self.barcode,
            Field::Code => &self.code,
        }
    }

    fn passes(&self, f: Field, t: Test, q: &str) -> bool {
        self.values(f).iter().any(|v| match t {
            Test::Exact => v == q,
            Test::Prefix => v.starts_with(q),
            Test::Contains => v.contains(q),
        })
    }
}

/// The score of a product for a folded query: its first (best) level.
fn score(k: &Keys, q: &str) -> Option<(u32, MatchKind)> {
    LEVELS
        .iter()
        .find(|(_, _, f, t, min_len)| q.len() >= *min_len && k.passes(*f, *t, q))
        .map(|(s, kind, ..)| (*s, *kind))
}

type Gram = (char, char);

/// Rank order inside one score level: shorter product names first, then
/// catalogue order. Every posting list is sorted by it, so a level's best
/// members are its first verified ones.
type RankKey = (usize, u32);

/// Posting lists of unigrams and bigrams over one field, each sorted by
/// [`RankKey`].
#[derive(Debug, Default)]
struct GramIndex {
    uni: FxMap<char, Vec<u32>>,
    bi: FxMap<Gram, Vec<u32>>,
}

impl GramIndex {
    /// `order` lists the ids by rank, so every posting list comes out
    /// sorted by rank without a sort.
    fn build(fields: &[&[String]], order: &[u32]) -> Self {
        let mut g = Self::default();
        for &id in order {
            for s in fields[id as usize].iter() {
                let chars: Vec<char> = s.chars().collect();
                for c in &chars {
                    push_unique(g.uni.entry(*c).or_default(), id);
                }
                for w in chars.windows(2) {
                    push_unique(g.bi.entry((w[0], w[1])).or_default(), id);
                }
            }
        }
        g
    }

    /// The shortest posting list that every field containing `q` is in.
    fn candidates(&self, q: &str) -> &[u32] {
        let chars: Vec<char> = q.chars().collect();
        const EMPTY: &[u32] = &[];
        match chars.len() {
            0 => EMPTY,
            1 => self.uni.get(&chars[0]).map_or(EMPTY, Vec::as_slice),
            _ => chars
                .windows(2)
                .map(|w| self.bi.get(&(w[0], w[1])).map_or(EMPTY, Vec::as_slice))
                .min_by_key(|l| l.len())
                .unwrap_or(EMPTY),
        }
    }
}

fn push_unique(list: &mut Vec<u32>, id: u32) {
    // Ids are added in increasing order, so a duplicate is always the last.
    if list.last() != Some(&id) {
        list.push(id);
    }
}

/// Sorted `(key, id)` pairs for exact and prefix ranges.
#[derive(Debug, Default)]
struct PrefixIndex(Vec<(String, u32)>);

impl PrefixIndex {
    fn build(fields: &[&[String]]) -> Self {
        let mut v: Vec<(String, u32)> = fields
            .iter()
            .enumerate()
            .flat_map(|(i, values)| values.iter().map(move |s| (s.clone(), i as u32)))
            .filter(|(s, _)| !s.is_empty())
            .collect();
        v.sort();
        Self(v)
    }
    fn range(&self, q: &str, exact: bool) -> impl Iterator<Item = u32> + '_ {
        let start = self.0.partition_point(|(k, _)| k.as_str() < q);
        let q = q.to_string();
        self.0[start..]
            .iter()
            .take_while(move |(k, _)| if exact { *k == q } else { k.starts_with(&q) })
            .map(|(_, id)| *id)
    }
}

/// The searchable fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Generic,
    NamePy,
    GenericPy,
    Barcode,
    Code,
}

/// How a level finds its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Test {
    Exact,
    Prefix,
    Contains,
}

/// One score level: every product satisfying `test` on `field` (and not
/// in a higher level) scores `score`. This table and [`score`] must agree:
/// the property test `index_agrees_with_linear_scan` checks it.
const LEVELS: [(u32, MatchKind, Field, Test, usize); 14] = [
    (1000, MatchKind::Barcode, Field::Barcode, Test::Exact, 1),
    (1000, MatchKind::Code, Field::Code, Test::Exact, 1),
    (900, MatchKind::NameExact, Field::Name, Test::Exact, 1),
    (880, MatchKind::NameExact, Field::Generic, Test::Exact, 1),
    (800, MatchKind::NamePrefix, Field::Name, Test::Prefix, 1),
    (780, MatchKind::NamePrefix, Field::Generic, Test::Prefix, 1),
    (700, MatchKind::PinyinPrefix, Field::NamePy, Test::Prefix, 1),
    (
        680,
        MatchKind::PinyinPrefix,
        Field::GenericPy,
        Test::Prefix,
        1,
    ),
    (600, MatchKind::CodePrefix, Field::Barcode, Test::Prefix, 4),
    (500, MatchKind::CodePrefix, Field::Code, Test::Prefix, 2),
    (400, MatchKind::NameContains, Field::Name, Test::Contains, 1),
    (
        380,
        MatchKind::NameContains,
        Field::Generic,
        Test::Contains,
        1,
    ),
    (
        300,
        MatchKind::PinyinContains,
        Field::NamePy,
        Test::Contains,
        2,
    ),
    (
        280,
        MatchKind::PinyinContains,
        Field::GenericPy,
        Test::Contains,
        2,
    ),
];

/// The catalogue with its search indexes.
#[derive(Debug)]
pub struct Catalogue {
    products: Vec<Product>,
    keys: Vec<Keys>,
    rank: Vec<RankKey>,
    grams: HashMap<FieldKey, GramIndex>,
    sorted: HashMap<FieldKey, PrefixIndex>,
}

/// `Field` as a map key.
type FieldKey = u8;

fn fk(f: Field) -> FieldKey {
    f as u8
}

impl Catalogue {
    /// Builds the indexes (O(total name length · log)).
    pub fn new(products: Vec<Product>) -> Self {
        let keys: Vec<Keys> = products.iter().map(Keys::of).collect();
        let rank: Vec<RankKey> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.name[0].chars().count(), i as u32))
            .collect();
        let mut order: Vec<u32> = (0..keys.len() as u32).collect();
        order.sort_by_key(|id| rank[*id as usize]);
        let mut grams = HashMap::new();
        let mut sorted = HashMap::new();
        for f in [
            Field::Name,
            Field::Generic,
            Field::NamePy,
            Field::GenericPy,
            Field::Barcode,
            Field::Code,
        ] {
            let fields: Vec<&[String]> = keys.iter().map(|k| k.values(f)).collect();
            sorted.insert(fk(f), PrefixIndex::build(&fields));
            if !matches!(f, Field::Barcode | Field::Code) {
                grams.insert(fk(f), GramIndex::build(&fields, &order));
            }
        }
        Self {
            products,
            keys,
            rank,
            grams,
            sorted,
        }
    }

    /// All products, in the order given.
    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// Products with this barcode (several when a barcode is shared by
    /// catalogue entries, e.g. different suppliers).
    pub fn by_barcode(&self, barcode: &str) -> Vec<&Product> {
        self.exact(Field::Barcode, &fold(barcode))
    }

    /// Products with this 医保 code.
    pub fn by_med_list_code(&self, code: &str) -> Vec<&Product> {
        self.exact(Field::Code, &fold(code))
    }

    fn exact(&self, f: Field, key: &str) -> Vec<&Product> {
        if key.is_empty() {
            return Vec::new();
        }
        let mut ids: Vec<u32> = self.sorted[&fk(f)].range(key, true).collect();
        ids.sort_unstable();
        ids.iter().map(|i| &self.products[*i as usize]).collect()
    }

    /// Rule facts for a 医保 code (the first product with that code).
    pub fn facts(&self, med_list_codg: &str) -> Option<DrugFacts> {
        self.by_med_list_code(med_list_codg)
            .first()
            .map(|p| p.facts.clone())
    }

    /// Ranked matches for a query, through the indexes: score levels are
    /// visited best first and the search stops once `limit` hits are in.
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let q = fold(query);
        let mut hits: Vec<SearchHit> = Vec::new();
        if q.is_empty() || limit == 0 {
            return hits;
        }
        let mut taken: HashSet<u32> = HashSet::new();
        let mut at = 0;
        while at < LEVELS.len() && hits.len() < limit {
            // Levels of equal score are ranked together.
            let score = LEVELS[at].0;
            let group: Vec<_> = LEVELS[at..]
                .iter()
                .take_while(|l| l.0 == score)
                .copied()
                .collect();
            at += group.len();
            let want = limit - hits.len();
            let mut level: Vec<(u32, MatchKind)> = Vec::new();
            for (_, kind, field, test, min_len) in group {
                if q.len() < min_len {
                    continue;
                }
                match test {
                    Test::Exact | Test::Prefix => level.extend(
                        self.sorted[&fk(field)]
                            .range(&q, test == Test::Exact)
                            .filter(|id| !taken.contains(id))
                            .map(|id| (id, kind)),
                    ),
                    Test::Contains => {
                        // Sorted by rank: the first `want` verified are the best.
                        let mut found = 0;
                        for id in self.grams[&fk(field)].candidates(&q) {
                            if found == want {
                                break;
                            }
                            if !taken.contains(id)
                                && self.keys[*id as usize].passes(field, Test::Contains, &q)
                            {
                                level.push((*id, kind));
                                found += 1;
                            }
                        }
                    }
                }
            }
            // A product can be listed twice (two levels of one score, two
            // pinyin spellings); the stable sort keeps its first listing.
            level.sort_by_key(|(id, _)| self.rank[*id as usize]);
            level.dedup_by_key(|(id, _)| *id);
            level.truncate(want);
            for (id, kind) in level {
                taken.insert(id);
                hits.push(SearchHit {
                    index: id as usize,
                    score,
                    kind,
                });
            }
        }
        hits
    }

    /// The same ranking by scoring every product (the reference).
    pub fn search_linear(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let q = fold(query);
        if q.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut hits: Vec<SearchHit> = self
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
        let key = |h: &SearchHit| (std::cmp::Reverse(h.score), self.rank[h.index]);
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
    fn polyphonic_characters_index_every_reading() {
        assert_eq!(
            pinyin_initial_variants("阿莫西林胶囊"),
            vec!["amxljn", "emxljn"]
        );
        assert_eq!(pinyin_initial_variants("布洛芬"), vec!["blf"]);
        let v = pinyin_initial_variants("丹参片");
        assert_eq!(v[0], "dcp", "default reading first");
        assert!(v.contains(&"dsp".to_string()));
        assert_eq!(pinyin_initials("丹参片"), "dcp");
        let many = pinyin_initial_variants("参参参参参参");
        assert_eq!(many.len(), MAX_PINYIN_VARIANTS);
        assert_eq!(many[0], "cccccc");
        let c = Catalogue::new(vec![
            product("复方丹参片", "复方丹参片", "ZA01", ""),
            product("丹参滴丸", "丹参滴丸", "ZA02", ""),
        ]);
        let h = c.search("dsp", 5);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].kind, MatchKind::PinyinContains);
        let h = c.search("ds", 5);
        assert_eq!(h.iter().map(|x| x.index).collect::<Vec<_>>(), vec![1, 0]);
        assert_eq!(h[0].kind, MatchKind::PinyinPrefix);
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
            items in prop::collection::vec((word(), word(), "[XZ][0-9A-C]{0,4}", "[0-9X]{0,6}"), 1..40),
            query in word(),
            limit in 1usize..10,
        ) {
            let c = Catalogue::new(items.iter().map(|(n, g, code, bc)| product(n, g, code, bc)).collect());
            prop_assert_eq!(c.search(&query, limit), c.search_linear(&query, limit));
        }
    }
}
