//! Catalogue search over 100,000 products: the index against a linear scan
//! of the same data, in the same run. Prints the p95 of each and their
//! ratio, then runs criterion on a few representative queries.
//!
//! `cargo bench -p rxdesk-core --bench catalogue`

use criterion::{black_box, Criterion};
use rust_decimal::Decimal;
use rxdesk_core::catalogue::{Catalogue, DrugFacts, InsuranceClass, Product};
use std::time::{Duration, Instant};

const PRODUCTS: usize = 100_000;

const GENERICS: [&str; 40] = [
    "阿莫西林",
    "布洛芬",
    "头孢克肟",
    "氨氯地平",
    "二甲双胍",
    "奥美拉唑",
    "阿托伐他汀",
    "氯雷他定",
    "蒙脱石",
    "维生素C",
    "对乙酰氨基酚",
    "阿奇霉素",
    "左氧氟沙星",
    "硝苯地平",
    "美托洛尔",
    "缬沙坦",
    "厄贝沙坦",
    "格列美脲",
    "阿卡波糖",
    "瑞舒伐他汀",
    "氯吡格雷",
    "阿司匹林",
    "雷贝拉唑",
    "多潘立酮",
    "蒙脱石散",
    "板蓝根",
    "连花清瘟",
    "复方甘草",
    "藿香正气",
    "六味地黄",
    "银翘解毒",
    "感冒灵",
    "氨溴索",
    "孟鲁司特",
    "西替利嗪",
    "甲硝唑",
    "克拉霉素",
    "头孢呋辛",
    "利巴韦林",
    "双氯芬酸",
];
const FORMS: [&str; 8] = [
    "胶囊",
    "片",
    "缓释片",
    "颗粒",
    "分散片",
    "口服液",
    "软膏",
    "肠溶片",
];
const BRANDS: [&str; 24] = [
    "仁和",
    "同仁堂",
    "华北",
    "石药",
    "扬子江",
    "白云山",
    "修正",
    "哈药",
    "太极",
    "康恩贝",
    "云南白药",
    "九芝堂",
    "国药",
    "上药",
    "华润",
    "齐鲁",
    "恒瑞",
    "复星",
    "丽珠",
    "天士力",
    "步长",
    "以岭",
    "葵花",
    "江中",
];

/// Deterministic pseudo-random sequence (no seed from the clock).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

fn products() -> Vec<Product> {
    let mut r = Lcg(7);
    (0..PRODUCTS)
        .map(|i| {
            let generic = format!("{}{}", r.pick(&GENERICS), r.pick(&FORMS));
            let brand = r.pick(&BRANDS);
            Product {
                fixmedins_hilist_id: format!("L{i:08}"),
                med_list_codg: format!("X{}{:021}", (b'A' + (i % 20) as u8) as char, i),
                name: format!("{brand}{generic}"),
                generic_name: generic,
                spec: format!("{}mg*{}粒", 10 + r.next() % 500, 6 + r.next() % 42),
                manufacturer: format!("{brand}制药有限公司"),
                barcode: format!("69{:011}", i * 7 + 13),
                price: "12.500000".parse().expect("price literal"),
                pack_unit: "盒".into(),
                min_unit: "粒".into(),
                pack_size: Decimal::from(24),
                facts: DrugFacts {
                    restricted: vec![],
                    insurance_class: InsuranceClass::A,
                    cold_chain: false,
                },
            }
        })
        .collect()
}

fn queries() -> Vec<String> {
    [
        "阿莫西林",
        "amxl",
        "布洛",
        "头孢克肟分散片",
        "同仁堂六味",
        "jn",
        "6900000700013",
        "XA0000000000",
        "hxzq",
        "片",
        "lhqw",
        "维生素C",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn p95(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[(v.len() * 95).div_ceil(100).saturating_sub(1)]
}

fn time_queries(f: impl Fn(&str), qs: &[String], rounds: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(qs.len() * rounds);
    for _ in 0..rounds {
        for q in qs {
            let t = Instant::now();
            f(q);
            out.push(t.elapsed());
        }
    }
    out
}

fn main() {
    let t = Instant::now();
    let cat = Catalogue::new(products());
    let build = t.elapsed();
    let qs = queries();
    for q in &qs {
        assert_eq!(
            cat.search(q, 20),
            cat.search_linear(q, 20),
            "index and scan disagree on {q}"
        );
    }
    let indexed = p95(time_queries(
        |q| {
            black_box(cat.search(black_box(q), 20));
        },
        &qs,
        30,
    ));
    let linear = p95(time_queries(
        |q| {
            black_box(cat.search_linear(black_box(q), 20));
        },
        &qs,
        5,
    ));
    println!(
        "catalogue search, {PRODUCTS} products, {} queries: index built in {build:?}; \
         p95 indexed = {indexed:?}, p95 linear scan = {linear:?}, ratio linear/indexed = {:.1}",
        qs.len(),
        linear.as_secs_f64() / indexed.as_secs_f64().max(1e-9)
    );
    let ms = |d: Duration| (d.as_secs_f64() * 1e6).round() / 1e3;
    let ratio = indexed.as_secs_f64() / linear.as_secs_f64().max(1e-9);
    let row = serde_json::json!({
        "row": format!("catalogue search p95 over {PRODUCTS} products (pinyin initials, name, code, barcode)"),
        "rxdesk": ms(indexed),
        "reference": ms(linear),
        "reference_name": "linear scan of the same data, same queries (p95)",
        "unit": "ms",
        "ratio": (ratio * 10_000.0).round() / 10_000.0,
        "goal": "<= 20 ms",
        "met": indexed <= Duration::from_millis(20),
        "note": format!(
            "{} queries x 30 rounds (index) / x 5 rounds (scan), top 20, results asserted equal; index built in {} ms (not timed); ratio = index / scan (lower is better)",
            qs.len(),
            build.as_millis()
        ),
    });
    println!("BENCH_ROW {row}");

    let mut c = Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    for q in ["amxl", "阿莫西林", "jn"] {
        c.bench_function(&format!("indexed {q}"), |b| {
            b.iter(|| cat.search(black_box(q), 20))
        });
        c.bench_function(&format!("linear {q}"), |b| {
            b.iter(|| cat.search_linear(black_box(q), 20))
        });
    }
    c.final_summary();
}
