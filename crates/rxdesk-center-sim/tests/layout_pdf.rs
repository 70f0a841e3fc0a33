//! The layout files are real Chinese PDFs (pdftotext from poppler-utils,
//! installed by scripts/setup-deps, reads the text back), signed, and the
//! "layout differs" case really differs from its structured data.

mod common;

use base64::Engine as _;
use common::*;
use rxdesk_center::{DownloadKey, Family, PrescriptionCenter};

fn pdf_text(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!(
        "rxdesk-sim-pdf-{}-{}",
        std::process::id(),
        pdf.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("rx.pdf");
    std::fs::write(&p, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args([p.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils, scripts/setup-deps) is installed");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn layout_pdfs_carry_chinese_text_and_the_differing_case_differs() {
    let sim = start().await;
    let base = sim.base_url();
    // family B with the appSecret as SM2 user id: the emulator accepts both ids
    let c = client_with(&base, Family::B, |p| {
        if let Some(b) = p.b.as_mut() {
            b.user_id = b.app_secret.clone();
        }
    });
    let cx = ctx();
    let b64 = base64::engine::general_purpose::STANDARD;
    for (label, expect) in [("valid", "× 2 盒"), ("layout_differs", "× 3 盒")] {
        let (_, q) = rx(&base, label).await;
        let t = match c.decode_qr(&cx, &qr(&q)).await {
            Ok(d) => d.epc_token,
            Err(e) => panic!("{label}: {e}"),
        };
        let dl = c.download(&cx, &DownloadKey::EpcToken(t)).await.unwrap();
        let pdf = b64.decode(&dl.rx_file).unwrap();
        assert!(
            rxdesk_gm::pdf::verify_pdf(&pdf, &[]).is_ok(),
            "{label} PDF signature"
        );
        if let Ok(dir) = std::env::var("RXDESK_DUMP_LAYOUT") {
            std::fs::write(format!("{dir}/{label}.pdf"), &pdf).unwrap();
        }
        let text = pdf_text(&pdf);
        assert!(text.contains("处方笺"), "{label}: {text}");
        // Every drug of the structured data is printed on the layout.
        for line in &dl.rx_drug_detail {
            assert!(
                text.contains(&line.drug_genname),
                "{label}: {} missing from the layout: {text}",
                line.drug_genname
            );
        }
        assert!(text.contains("阿莫西林胶囊"), "{label}: {text}");
        assert!(text.contains(&dl.patn_name), "{label}: {text}");
        assert!(text.contains(expect), "{label}: {text}");
        assert_eq!(
            dl.rx_drug_detail[0].drug_cnt,
            rust_decimal::Decimal::TWO,
            "{label}: structured data says 2"
        );
    }
    sim.shutdown().await;
}
