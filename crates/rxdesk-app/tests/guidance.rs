//! Medication guidance (ST-EPC-02-012) through the counter against the
//! center emulator and the (demo-only) receipt-printer simulator: after a
//! sale the guidance slip is printed on the receipt printer with the
//! doctor's instructions (7203 `rx_drord_dscr`), the line's remark
//! (`tcmherb_foote`) and the catalogue's 注意事项, 禁忌 and 自费 warning; the window gets the
//! same text, never a file path; a reprint from history prints it again.

mod common;

use common::*;
use rxdesk_demo::catalogue::{demo_boxes, DemoBox};
use rxdesk_devices::printer::decode::Event;
use rxdesk_devices::printer::escpos::PaperWidth;
use rxdesk_devices::printer::PrinterLink;
use rxdesk_devices::settings::PrinterSettings;
use rxdesk_devices::sim::printer::PrinterSim;
use serde_json::json;
use std::time::Duration;

const VITC: &str = "XA11GAW010A001010100004";
const GUIDE_DIAG: &str = "2型糖尿病（用药指导打印）";
const INSTRUCTIONS: &str = "饭后半小时服用，服药期间忌酒";
const REMARK: &str = "随餐服用";

/// The printed lines so far, whitespace removed, joined.
fn printed(sim: &PrinterSim) -> String {
    sim.events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Line { text } => Some(text),
            _ => None,
        })
        .collect::<String>()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Waits (bounded) until the printer has received `n` guidance slips.
fn wait_for_slips(sim: &PrinterSim, n: usize) -> String {
    for _ in 0..200 {
        let p = printed(sim);
        if p.matches("用药指导").count() >= n && p.matches("药师签名").count() >= n {
            return p;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{n} guidance slips not printed: {}", printed(sim));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visits_guidance_is_printed_with_the_doctors_instructions() {
    let rig = Rig::new().await;
    let sim = PrinterSim::start_tcp("127.0.0.1:0").expect("printer simulator");
    rig.visits().set_printer(Some(PrinterSettings {
        link: PrinterLink::Tcp {
            addr: sim.addr().unwrap().to_string(),
        },
        width: PaperWidth::Mm80,
        cash_drawer: false,
        timeout_ms: 5000,
    }));
    post(
        &rig.base,
        "/admin/prescriptions",
        json!({"hospital": "H11010100001", "psn_no": "PSN1101000003", "lines": [[METF, 1], [VITC, 1]],
               "diag_name": GUIDE_DIAG, "rx_drord_dscr": INSTRUCTIONS, "line_remarks": [REMARK],
               "label": "guidance test"}),
    )
    .await;
    let auth = rig.listed_diag(GUIDE_DIAG).await.expect("listed");
    let v = rig.visits().open(&rig.session(), &auth).await.unwrap();
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    let boxes: Vec<DemoBox> = [METF, VITC]
        .iter()
        .map(|c| {
            demo_boxes()
                .into_iter()
                .find(|b| b.med_list_codg == *c)
                .unwrap()
        })
        .collect();
    let sale = rig.dispense_all_and_complete(&boxes).await;

    // On paper: the receipt, then the slip with the doctor's instructions,
    // the line's remark and the catalogue's warning.
    let paper = wait_for_slips(&sim, 1);
    // The whole prescription's 医嘱 stands with each of its two drugs.
    let once = paper.matches(&format!("医嘱{INSTRUCTIONS}")).count();
    assert_eq!(once, 2, "{paper}");
    for needle in [
        format!("医嘱{INSTRUCTIONS}"),
        format!("备注{REMARK}"),
        "注意本药品为自费药品，医保不予支付".to_string(),
        // The catalogue's own 注意事项 and 禁忌 (assets/demo/drugs.json).
        "注意随餐服用，定期监测血糖和肾功能".to_string(),
        "禁忌严重肾功能不全者禁用".to_string(),
        "用法口服".to_string(),
    ] {
        assert!(paper.contains(&needle), "{needle} not printed: {paper}");
    }
    assert!(
        sale.printed_zh.contains("用药指导已打印"),
        "{}",
        sale.printed_zh
    );
    // The window shows the same content, never a path.
    let shown: String = sale
        .guidance_text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(shown.contains(&format!("医嘱{INSTRUCTIONS}")), "{shown}");
    assert!(!sale.printed_zh.contains('/'), "{}", sale.printed_zh);

    // A reprint from history prints the guidance again.
    let again = rig
        .visits()
        .reprint(&rig.session(), sale.sale_id)
        .await
        .unwrap();
    assert!(again.guidance_text.contains(INSTRUCTIONS));
    let paper = wait_for_slips(&sim, 2);
    assert_eq!(
        paper.matches(&format!("医嘱{INSTRUCTIONS}")).count(),
        2 * once
    );
    sim.stop();
}
