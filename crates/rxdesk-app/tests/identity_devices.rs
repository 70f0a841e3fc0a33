//! Identification through the counter's devices, end to end against the
//! center emulator, the serial card reader simulator (a PTY driven by the
//! real serial driver) and the stand-in NationECCode library (a real cdylib
//! loaded through the vendor adapter): a card read with the e-voucher
//! password typed on the PIN pad; wrong passwords (guidance, nothing
//! listed, the third locks); a card pulled mid-read, a garbage record, the
//! reader unplugged during a read, a card of another person; a scanned QR
//! decoded through `ec.query`, a payment code named; an oversize vendor
//! answer; face with its consent step and `settle.notify`; a 代购 sale with
//! the agent on the receipt and in the ledger.

mod common;

use common::devices::{
    IdentityDevicesRig, OTHER_PERSONS_CARD, WANGFANG_ID, WANGFANG_QR, ZHANGSAN_CARD,
};
use common::WANGFANG_EC;
use rxdesk_app::operators::DEMO_PHARMACIST_EC_TOKEN;
use rxdesk_app::visit::{AgentInput, IdMethod, Tender, VisitService, VisitView};
use rxdesk_app::{Counter, DataDir, Settings};
use rxdesk_center_sim::{serve, SimConfig, SimHandle};
use rxdesk_core::codes::AuditResult;
use rxdesk_demo::catalogue::{demo_boxes, demo_stock_csv, emulator_products};
use rxdesk_devices::sim::card_reader::CardReaderSim;
use rxdesk_store::catalogue::catalogue_csv;
use rxdesk_store::Session;
use serde_json::json;
use std::time::Duration;

const LORA: &str = "XR06AXL040A001010100003";

struct Rig {
    worker: Option<rxdesk_store::sync::SyncHandle>,
    _t: tempfile::TempDir,
    counter: Counter,
    sim: SimHandle,
    base: String,
    devices: IdentityDevicesRig,
}

impl Rig {
    async fn new() -> Self {
        let sim = serve(SimConfig::default()).await.expect("emulator starts");
        let base = sim.base_url();
        let t = tempfile::tempdir().unwrap();
        let dir = DataDir::at(t.path().join("data"));
        dir.ensure().unwrap();
        let ca = reqwest::get(format!("{base}/admin/ca.pem"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        std::fs::write(dir.trust().join("demo-ca.pem"), ca).unwrap();
        let settings = Settings {
            center_url: Some(base.clone()),
            ..Settings::default()
        };
        let counter = Counter::open(&dir, &settings).expect("counter opens");
        let boss = counter.store().login("3001", "demo-manager").unwrap();
        let r = counter
            .store()
            .import_catalogue_csv(&boss, catalogue_csv(&emulator_products()).as_bytes())
            .unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        let stock: String = demo_stock_csv()
            .split_inclusive("\r\n")
            .enumerate()
            .filter(|(i, l)| *i == 0 || l.starts_with("YP00000"))
            .map(|(_, l)| l)
            .collect();
        let r = counter
            .store()
            .import_stock_csv(&boss, stock.as_bytes())
            .unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        // The demo boxes are received goods (goods-in, 3503): only received
        // boxes can be sold.
        rxdesk_demo::pharmacy::receive_demo_boxes(counter.store(), &boss).unwrap();
        counter
            .login("2001", "demo-pharmacist", Some("pharmacist"))
            .unwrap();
        // A visit needs an open till shift.
        let till = counter.till();
        if till.current().unwrap().is_none() {
            till.open(&counter.session().unwrap(), "0").unwrap();
        }

        // The devices: the serial card reader on a PTY, the stand-in
        // NationECCode with the patients' passwords (tests/common/devices.rs).
        let devices = IdentityDevicesRig::attach(&counter);
        Self {
            worker: None,
            _t: t,
            counter,
            sim,
            base,
            devices,
        }
    }

    /// The upload worker (the audit must reach the center before 2101).
    fn start_worker(&mut self) {
        use rxdesk_center::{CenterClient, CenterProfile, Family, MsgIdGenerator, Operator};
        use std::sync::Arc;
        let mut p = CenterProfile::demo(&self.base, Family::A).unwrap();
        p.request_timeout = Duration::from_secs(5);
        let gen = MsgIdGenerator::new(&p.institution.fixmedins_code)
            .unwrap()
            .with_sequence_range(4000, 4999);
        let client = Arc::new(CenterClient::new(p, Arc::new(gen)).unwrap());
        let up = Arc::new(rxdesk_app::uploader::CenterUploader::new(
            client,
            Operator::clerk("rxdesk-sync", "后台上传"),
        ));
        let cfg = rxdesk_store::sync::SyncConfig {
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(500),
            probe_interval: Duration::from_millis(200),
            ..rxdesk_store::sync::SyncConfig::default()
        };
        self.worker =
            Some(rxdesk_store::sync::spawn(Arc::clone(self.counter.store()), up, cfg).unwrap());
    }

    fn visits(&self) -> &VisitService {
        self.counter.visits().expect("visit service")
    }

    fn session(&self) -> Session {
        self.counter.session().unwrap()
    }

    fn card(&self) -> &CardReaderSim {
        self.devices.card()
    }

    fn pin(&mut self, typed: Option<&str>) {
        self.devices.pin(typed);
    }

    async fn start(&self) {
        self.visits().start(&self.session()).await.unwrap();
    }

    async fn identify(
        &self,
        method: IdMethod,
        code: &str,
        consent: Option<bool>,
        agent: Option<(&str, &str, &str)>,
    ) -> Result<VisitView, rxdesk_app::visit::StepError> {
        self.visits()
            .identify(
                &self.session(),
                method,
                code,
                consent,
                agent.map(|(name, cert_no, relationship)| AgentInput {
                    name: name.into(),
                    cert_no: cert_no.into(),
                    relationship: relationship.into(),
                }),
            )
            .await
    }

    fn calls(&self) -> Vec<String> {
        self.devices
            .standin
            .calls()
            .into_iter()
            .map(|(_, arg)| arg)
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_read_with_the_pin_on_the_pad_lists_wrong_passwords_guide_and_the_third_locks() {
    let mut rig = Rig::new().await;
    rig.start().await;
    rig.card().insert(ZHANGSAN_CARD);

    // Wrong twice: ST-EPC-02-001's guidance, nothing listed.
    rig.pin(Some("917364"));
    for left in ["2", "1"] {
        let v = rig
            .identify(IdMethod::SocialSecurityCard, "", None, None)
            .await
            .unwrap();
        assert_eq!(v.state, "evoucher_guidance");
        assert!(v.listed.is_empty());
        assert!(v.patient.is_none());
        let g = v.guidance.unwrap();
        assert!(g.title_zh.contains("密码"), "{}", g.title_zh);
        assert!(g.title_zh.contains(left), "{}", g.title_zh);
    }
    // The password never reaches RxDesk: the request names the holder only.
    assert!(rig.calls().iter().all(|c| !c.contains("917364")));
    // Third wrong: locked as the SDK locks; the right one is refused now too.
    let v = rig
        .identify(IdMethod::SocialSecurityCard, "", None, None)
        .await
        .unwrap();
    assert!(v.guidance.unwrap().title_zh.contains("锁定"));
    rig.pin(Some("246810"));
    let v = rig
        .identify(IdMethod::SocialSecurityCard, "", None, None)
        .await
        .unwrap();
    assert_eq!(v.state, "evoucher_guidance");
    assert!(v.listed.is_empty());
    assert!(v.guidance.unwrap().title_zh.contains("锁定"));

    // The SDK's reset, then the right password: 张三's prescriptions.
    rig.devices.standin.reset_password_lock().unwrap();
    let v = rig
        .identify(IdMethod::SocialSecurityCard, "", None, None)
        .await
        .unwrap();
    assert_eq!(v.state, "prescriptions_listed", "{:?}", v.guidance);
    assert!(!v.listed.is_empty());
    let p = v.patient.unwrap();
    assert_eq!(p.name, "张三");
    assert!(
        p.identified_via_zh.contains("社保卡"),
        "{}",
        p.identified_via_zh
    );
    rig.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_pulled_garbage_other_person_and_unplugged_during_a_read_are_clear_messages() {
    let mut rig = Rig::new().await;
    rig.start().await;
    rig.pin(Some("246810"));

    // No card on the reader.
    let e = rig
        .identify(IdMethod::SocialSecurityCard, "", None, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "DEVICE_NOTHING_PRESENTED", "{e}");
    // Pulled out between two frames.
    rig.card().insert(ZHANGSAN_CARD);
    rig.card().remove_during_next_read();
    let e = rig
        .identify(IdMethod::SocialSecurityCard, "", None, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "DEVICE_CARD_REMOVED");
    assert!(e.message_zh().contains("拔出"), "{e}");
    // A record that does not parse.
    rig.card().insert("110000|@@@|x");
    let e = rig
        .identify(IdMethod::SocialSecurityCard, "", None, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "DEVICE_BAD_CARD_RECORD");
    assert!(e.message_zh().contains("卡片信息无法识别"), "{e}");
    // 张三's card number with another person's chip identity (whose
    // password is right).
    rig.devices
        .standin
        .set("pwd.110101199003070011", Some("246810"))
        .unwrap();
    rig.card().insert(OTHER_PERSONS_CARD);
    let e = rig
        .identify(IdMethod::SocialSecurityCard, "", None, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "CARD_OTHER_PERSON", "{e}");
    // The visit is still waiting for a patient: nothing was identified.
    let v = rig.visits().current().await.unwrap();
    assert!(v.patient.is_none());
    assert!(v.listed.is_empty());

    // The reader goes silent, the read starts, the USB cable is pulled.
    rig.card().insert(ZHANGSAN_CARD);
    rig.card().set_silent(true);
    let card = rig.devices.card.take().unwrap();
    let unplug = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        card.unplug();
    });
    let e = rig
        .identify(IdMethod::SocialSecurityCard, "", None, None)
        .await
        .unwrap_err();
    unplug.join().unwrap();
    assert_eq!(e.code(), "DEVICE_DISCONNECTED", "{e}");
    assert!(e.message_zh().contains("断开"), "{e}");
    rig.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evoucher_qr_is_decoded_by_ec_query_a_payment_code_is_named_an_oversize_answer_refused() {
    let mut rig = Rig::new().await;
    rig.start().await;
    // A WeChat payment code is named, and never sent to the library.
    let e = rig
        .identify(IdMethod::EVoucher, "134567890123454004", None, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "DEVICE_NOT_E_VOUCHER");
    assert!(e.message_zh().contains("微信付款码"), "{e}");
    assert!(rig.calls().is_empty());
    // An answer longer than the declared buffer is an error, never memory corruption.
    rig.devices
        .standin
        .set("ec_oversize.ec.query", Some(&(64 * 1024 + 100).to_string()))
        .unwrap();
    let e = rig
        .identify(IdMethod::EVoucher, WANGFANG_QR, None, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "DEVICE_RESPONSE_TOO_LONG", "{e}");
    rig.devices
        .standin
        .set("ec_oversize.ec.query", None)
        .unwrap();
    // The QR decoded at the counter: the token queries the center.
    let v = rig
        .identify(IdMethod::EVoucher, WANGFANG_QR, None, None)
        .await
        .unwrap();
    assert_eq!(v.state, "prescriptions_listed");
    assert_eq!(v.patient.as_ref().unwrap().name, "王芳");
    assert!(rig
        .calls()
        .iter()
        .any(|c| c.contains("\"ecQrCode\":\"ECQR:110000:wangfang:2026120500000001\"")));
    rig.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn face_needs_consent_offers_other_methods_when_not_recognised_and_a_proxy_sale_keeps_the_agent(
) {
    let mut rig = Rig::new().await;
    rig.start_worker();
    rig.start().await;
    // No consent step confirmed: the terminal is not asked.
    let e = rig
        .identify(IdMethod::Face, "", None, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "FACE_CONSENT_REQUIRED");
    assert!(rig.calls().is_empty());
    // Not recognised: the message offers the other methods.
    rig.devices
        .standin
        .set(
            "ec.iot.gain.ec.qrcode",
            Some(r#"{"code":-2,"message":"未识别到人脸"}"#),
        )
        .unwrap();
    let e = rig
        .identify(IdMethod::Face, "", Some(true), None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "DEVICE_FACE_NOT_RECOGNISED");
    assert!(e.message_zh().contains("改用"), "{e}");
    // A neighbour is not a 代购 relationship.
    let face_ok = format!(
        r#"{{"code":0,"message":"成功","data":{}}}"#,
        json!({"idNo": WANGFANG_ID, "userName": "王芳", "idType": "01", "ecToken": WANGFANG_EC, "consentFlag": "1"})
    );
    rig.devices
        .standin
        .set("ec.iot.gain.ec.qrcode", Some(&face_ok))
        .unwrap();
    let e = rig
        .identify(
            IdMethod::Face,
            "",
            Some(true),
            Some(("王小明", "110101197001010016", "邻居")),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "AGENT_RELATIONSHIP");

    // A fresh prescription for 王芳; her son buys it for her, identified by face.
    let r = reqwest::Client::new()
        .post(format!("{}/admin/prescriptions", rig.base))
        .body(
            json!({"hospital": "H11010100001", "psn_no": "PSN1101000003", "lines": [[LORA, 1]],
                   "valid_days": 7, "rept_flag": false, "max_rept_cnt": 0,
                   "diag_name": "过敏性鼻炎（代购）", "label": "proxy"})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let v = rig
        .identify(
            IdMethod::Face,
            "",
            Some(true),
            Some(("王小明", "110101197001010016", "child")),
        )
        .await
        .unwrap();
    assert_eq!(v.state, "prescriptions_listed");
    let p = v.patient.clone().unwrap();
    assert_eq!(p.agent_name.as_deref(), Some("王小明"));
    assert_eq!(p.agent_relationship_zh.as_deref(), Some("子女"));
    assert_eq!(p.identified_via_zh, "刷脸");
    let auth = v
        .listed
        .iter()
        .find(|r| r.diag_name == "过敏性鼻炎（代购）")
        .unwrap()
        .auth_rxno
        .clone();
    let s = rig.session();
    let v = rig.visits().open(&s, &auth).await.unwrap();
    assert_eq!(v.state, "rules_checked", "{:?}", v.rules);
    rig.visits()
        .shift_start(&s, DEMO_PHARMACIST_EC_TOKEN)
        .await
        .unwrap();
    rig.visits()
        .audit(
            &s,
            AuditResult::Approved,
            "处方用药合理，同意调配",
            DEMO_PHARMACIST_EC_TOKEN,
            None,
        )
        .await
        .unwrap();
    let b = demo_boxes()
        .into_iter()
        .filter(|b| b.med_list_codg == LORA)
        .nth(6)
        .unwrap();
    assert!(rig.visits().scan(&s, &b.barcode).await.unwrap().ok);
    assert!(rig.visits().scan(&s, &b.trace_code).await.unwrap().ok);
    rig.visits().finish_dispensing(&s).await.unwrap();
    rig.visits().pre_settle(&s).await.unwrap();
    let v = rig.visits().settle(&s).await.unwrap();
    if let Some(p) = &v.payment {
        if !p.paid {
            rig.visits()
                .pay(&s, Tender::parse("cash", Some(&p.due), None).unwrap())
                .await
                .unwrap();
        }
    }
    let v = rig.visits().complete(&s).await.unwrap();
    let sale = v.sale.unwrap();
    // On the receipt: the agent (name masked), relationship, masked ID.
    assert!(
        sale.receipt_text.contains("代购人"),
        "{}",
        sale.receipt_text
    );
    assert!(
        sale.receipt_text.contains("王*明（子女）"),
        "{}",
        sale.receipt_text
    );
    assert!(!sale.receipt_text.contains("110101197001010016"));
    // In the ledger: stored with the sale, ID number sealed at rest.
    let rec = rig
        .counter
        .store()
        .sale_proxy(sale.sale_id)
        .unwrap()
        .expect("the agent is stored with the sale");
    assert_eq!(rec.agent_name, "王小明");
    assert_eq!(rec.relationship, "child");
    assert!(
        rec.authorisation.starts_with("刷脸"),
        "{}",
        rec.authorisation
    );
    assert!(!rec.agent_certno_masked.contains("197001010016"));
    let found = rig.visits().sales_find("王芳").unwrap();
    let row = found.iter().find(|r| r.sale_id == sale.sale_id).unwrap();
    assert!(row.agent_zh.as_deref().unwrap().contains("王小明（子女"));
    // The same agent by name, relationship code and masked number: what a
    // window in another language words.
    assert_eq!(row.agent_name.as_deref(), Some("王小明"));
    assert_eq!(row.agent_relationship.as_deref(), Some("child"));
    assert_eq!(
        row.agent_certno_masked.as_deref(),
        Some(rec.agent_certno_masked.as_str())
    );
    // settle.notify told the face terminal (in the background).
    let mut told = false;
    for _ in 0..100 {
        if rig
            .calls()
            .iter()
            .any(|c| c.contains("iot.medical.settle.notify"))
        {
            told = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(told, "settle.notify after the face-identified settlement");
    rig.worker.take().unwrap().shutdown().await.unwrap();
    rig.sim.shutdown().await;
}
