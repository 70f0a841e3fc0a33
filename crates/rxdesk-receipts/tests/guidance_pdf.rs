//! The 用药指导单 PDF: Chinese text comes back out through poppler's pdftotext,
//! the font is embedded as a subset, long prescriptions flow onto more pages,
//! and a missing or wrong font is a clear error.
//!
//! Needs poppler-utils (`pdftotext`, `pdffonts`, `pdfinfo`) and
//! fonts-wqy-microhei, both installed by `scripts/setup-deps`.

#![cfg(feature = "pdf")]

mod common;

use common::*;
use rxdesk_receipts::pdf::{guidance_pdf_with_font, GuidanceFont, DEFAULT_FONT_PATH};
use rxdesk_receipts::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn font() -> &'static GuidanceFont {
    static FONT: OnceLock<GuidanceFont> = OnceLock::new();
    FONT.get_or_init(|| {
        GuidanceFont::load(Path::new(DEFAULT_FONT_PATH), 0)
            .expect("fonts-wqy-microhei must be installed (scripts/setup-deps)")
    })
}

fn write_pdf(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("guidance-pdf");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(pdf)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils) must be installed: {e}"));
    assert!(
        out.status.success(),
        "{tool} failed on {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn pages(pdf: &Path) -> usize {
    poppler("pdfinfo", &[], pdf)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo prints Pages:")
}

#[test]
fn guidance_text_comes_back_out_and_the_font_is_a_subset() {
    let bytes = guidance_pdf_with_font(&sale(), font(), PageSize::A5).unwrap();
    let path = write_pdf("guidance-a5.pdf", &bytes);
    let text = poppler("pdftotext", &[], &path);
    let flat = squash(&text);
    for needle in [
        "用药指导单",
        "康宁大药房（人民路店）",
        "张*丰",
        "RX110105202611240031",
        "北京市东城区第一人民医院",
        "李药师",
        "2026-11-2410:15:02",
        "1.阿莫西林胶囊",
        "口服，每次2粒，一日3次",
        "连用7天",
        "饭后服用，疗程内不要自行停药",
        "对青霉素类药物过敏者禁用",
        "服药期间避免饮酒",
        "高血压、低钾血症患者慎用",
        "3.维生素C片",
        "请遵医嘱或按药品说明书使用",
        "有效期至2027-10-31",
        "温馨提示",
        "010-64001234",
        // With the doctor's instructions, remarks and the catalogue's
        // warnings per drug, three drugs take two pages.
        "第1页/共2页",
        "第2页/共2页",
    ] {
        assert!(
            flat.contains(&squash(needle)),
            "{needle:?} missing from:\n{text}"
        );
    }
    assert!(
        !text.contains("张三丰"),
        "the full patient name must not be printed"
    );
    // Each label sits on the line of its value.
    let laid_out = poppler("pdftotext", &["-layout"], &path);
    for (label, value) in [
        ("用法用量", "口服，每次2粒，一日3次，连用7天"),
        ("医嘱", "饭后服用，疗程内不要自行停药"),
        ("禁忌", "• 对青霉素类药物过敏者禁用"),
        ("注意事项", "• 服药期间如出现皮疹、瘙痒，请立即停药并就医"),
        ("患者", "张*丰"),
        ("审方药师", "李药师"),
    ] {
        assert!(
            laid_out
                .lines()
                .any(|l| squash(l).contains(&squash(&format!("{label}{value}")))),
            "{label} / {value} not on one line:\n{laid_out}"
        );
    }

    let fonts = poppler("pdffonts", &[], &path);
    let wqy = fonts
        .lines()
        .find(|l| l.contains("WenQuanYi"))
        .unwrap_or_else(|| panic!("font not embedded:\n{fonts}"));
    // Columns: name type encoding emb sub uni.
    let cols: Vec<&str> = wqy.split_whitespace().collect();
    let n = cols.len();
    assert_eq!(
        &cols[n - 5..n - 2],
        &["yes", "yes", "yes"],
        "emb sub uni: {wqy}"
    );
    assert!(bytes.len() < 150_000, "PDF is {} bytes", bytes.len());
    // The 温馨提示 and the signature line flow onto a second A5 page once
    // every drug carries its instructions, remarks and warnings.
    assert_eq!(pages(&path), 2);
}

#[test]
fn long_prescriptions_flow_onto_more_pages_with_a_running_head() {
    let mut s = sale();
    let template = s.lines[0].clone();
    s.lines = (0..12)
        .map(|i| {
            let mut l = template.clone();
            l.drug_name = format!("测试药品{i:02}号缓释片");
            l
        })
        .collect();
    let bytes = guidance_pdf_with_font(&s, font(), PageSize::A5).unwrap();
    let path = write_pdf("guidance-long.pdf", &bytes);
    let n = pages(&path);
    assert!(
        n >= 3,
        "12 sections on A5 should need at least 3 pages, got {n}"
    );
    let flat = squash(&poppler("pdftotext", &[], &path));
    for i in 0..12 {
        assert!(
            flat.contains(&format!("测试药品{i:02}号缓释片")),
            "section {i} lost"
        );
    }
    assert!(flat.contains("用药指导单（续）患者张*丰处方编号RX110105202611240031"));
    assert!(flat.contains(&format!("第{n}页/共{n}页")));

    // A4 holds more per page.
    let bytes = guidance_pdf_with_font(&s, font(), PageSize::A4).unwrap();
    let a4 = write_pdf("guidance-long-a4.pdf", &bytes);
    assert!(pages(&a4) < n);
}

#[test]
fn missing_or_wrong_font_is_a_clear_error() {
    let opts = PdfOptions {
        font_path: "/nonexistent/fonts/nothere.ttf".into(),
        ..PdfOptions::default()
    };
    let err = guidance_pdf(&sale(), &opts).unwrap_err();
    assert!(matches!(err, ReceiptError::FontUnreadable { .. }));
    let msg = err.to_string();
    assert!(msg.contains("/nonexistent/fonts/nothere.ttf"), "{msg}");
    assert!(msg.contains("fonts-wqy-microhei"), "{msg}");

    let not_a_font = write_pdf("not-a-font.ttf", b"this is not a font");
    let err = GuidanceFont::load(&not_a_font, 0).unwrap_err();
    assert!(matches!(err, ReceiptError::FontInvalid { .. }), "{err}");

    // A good font without Chinese glyphs (fonts-dejavu-core) would print boxes.
    let latin = Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    let err = GuidanceFont::load(latin, 0).unwrap_err();
    assert!(matches!(err, ReceiptError::FontLacksCjk { .. }), "{err}");

    // A face index past the end of the collection.
    let err = GuidanceFont::load(Path::new(DEFAULT_FONT_PATH), 99).unwrap_err();
    assert!(
        matches!(err, ReceiptError::FontInvalid { index: 99, .. }),
        "{err}"
    );
}

#[test]
fn no_lines_no_sheet() {
    let mut s = sale();
    s.lines.clear();
    assert!(matches!(
        guidance_pdf_with_font(&s, font(), PageSize::A5),
        Err(ReceiptError::NoLines)
    ));
}

#[test]
fn empty_guidance_falls_back_to_the_package_insert_advice() {
    let mut s = sale();
    s.lines.truncate(1);
    s.lines[0].guidance = Some(MedicationGuidance {
        warnings: vec!["  ".into(), "避光保存".into()],
        ..MedicationGuidance::default()
    });
    let bytes = guidance_pdf_with_font(&s, font(), PageSize::A5).unwrap();
    let path = write_pdf("guidance-empty.pdf", &bytes);
    // -layout keeps each label on the line of its value.
    let flat = squash(&poppler("pdftotext", &["-layout"], &path));
    assert!(
        flat.contains("用法用量请遵医嘱或按药品说明书使用"),
        "{flat}"
    );
    assert!(flat.contains("注意事项•避光保存"), "{flat}");
    assert!(!flat.contains("医嘱饭后"), "{flat}");
}

#[test]
fn hostile_text_still_makes_a_readable_pdf() {
    let mut s = sale();
    s.store.phone = None;
    s.prescription.patient_name = String::new();
    s.lines[0].drug_name = "超长药品名称".repeat(30);
    s.lines[0].spec = "0.25g*24粒".repeat(12);
    s.lines[1].drug_name = "\u{1b}[31m药\u{200b}品\u{0}\t名\n称😀".into();
    if let Some(g) = &mut s.lines[1].guidance {
        g.doctor_instructions = Some("饭后服用。".repeat(150));
        g.warnings = vec![String::new(), "a".repeat(500)];
        g.frequency = "\r\n".into();
    }
    let bytes = guidance_pdf_with_font(&s, font(), PageSize::A5).unwrap();
    let path = write_pdf("guidance-hostile.pdf", &bytes);
    assert!(pages(&path) >= 2);
    let flat = squash(&poppler("pdftotext", &[], &path));
    assert!(
        flat.contains("药品名称"),
        "control characters are dropped, text kept"
    );
    assert!(flat.contains(&"超长药品名称".repeat(3)));
    assert!(flat.contains("3.维生素C片"));
}
