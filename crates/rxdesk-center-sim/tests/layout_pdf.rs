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

/// The admin knobs a recording uses: a prescription whose layout differs
/// from its data as asked (`layout_edits`), and a person's account balance.
#[tokio::test]
async fn admin_knobs_edit_a_new_layout_and_set_a_balance() {
    let sim = start().await;
    let base = sim.base_url();
    let amox = get(&base, "/admin/drugs")
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["genname"] == "阿莫西林胶囊")
        .map(|d| d["med_list_codg"].as_str().unwrap().to_string())
        .unwrap();
    let (st, made) = post(
        &base,
        "/admin/prescriptions",
        &serde_json::json!({"hospital": "H11010100001", "psn_no": "PSN1101000001",
            "lines": [[amox, 2]], "label": "edited layout",
            "layout_edits": [["× 2", "× 3"], ["每日三次", "每日两次"]]}),
    )
    .await;
    assert_eq!(st, 200, "{made}");
    let c = client_with(&base, Family::B, |p| {
        if let Some(b) = p.b.as_mut() {
            b.user_id = b.app_secret.clone();
        }
    });
    let cx = ctx();
    let t = c
        .decode_qr(&cx, &qr(made["epc_qrcd"].as_str().unwrap()))
        .await
        .unwrap()
        .epc_token;
    let dl = c.download(&cx, &DownloadKey::EpcToken(t)).await.unwrap();
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(&dl.rx_file)
        .unwrap();
    assert!(
        rxdesk_gm::pdf::verify_pdf(&pdf, &[]).is_ok(),
        "still signed"
    );
    let text = pdf_text(&pdf);
    assert!(
        text.contains("× 3 盒") && text.contains("每日两次"),
        "{text}"
    );
    assert!(
        !text.contains("× 2 盒") && !text.contains("每日三次"),
        "{text}"
    );
    assert_eq!(dl.rx_drug_detail[0].drug_cnt, rust_decimal::Decimal::TWO);
    assert_eq!(dl.rx_drug_detail[0].used_frqu_name, "每日三次");

    let (st, v) = post(
        &base,
        "/admin/persons/PSN1101000001/balance",
        &serde_json::json!({"balance": "12.00"}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(person(&base, "PSN1101000001", "balance").await, "12.00");
    for (path, body, want) in [
        (
            "/admin/persons/PSN1101000001/balance",
            serde_json::json!({"balance": "-1"}),
            400,
        ),
        (
            "/admin/persons/PSN9/balance",
            serde_json::json!({"balance": "1"}),
            404,
        ),
        (
            "/admin/persons/PSN1101000001/balance",
            serde_json::json!({"nope": 1}),
            400,
        ),
    ] {
        assert_eq!(post(&base, path, &body).await.0, want, "{path} {body}");
    }
    assert_eq!(person(&base, "PSN1101000001", "balance").await, "12.00");
    sim.shutdown().await;
}
