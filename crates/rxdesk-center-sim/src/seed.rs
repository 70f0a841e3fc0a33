//! `--seed demo`: hospitals with SM2 certificates from the demo CA (one of
//! them revoked), insured people with e-vouchers and cards, a drug catalogue
//! with 医保 codes, and one prescription for every interesting state. Key
//! material is derived from the seed name, so the CA key is stable across
//! runs (export the root with `GET /admin/ca.pem`). DEMO ONLY.

use crate::faults::{Dice, Faults};
use crate::state::*;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chrono::{DateTime, Duration, TimeZone, Utc};
use rust_decimal::Decimal;
use rxdesk_gm::issue::{CertSpec, Issuer, Revocation};
use rxdesk_gm::primitives::sm3;
use rxdesk_gm::{DownloadedPrescription, PrivateKey};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// Unknown seed name.
    #[error("unknown seed {0:?} (known: demo, empty)")]
    Unknown(String),
    /// Crypto material could not be made.
    #[error("seeding crypto failed: {0}")]
    Crypto(String),
    /// The demo drugs file is not what the seed needs.
    #[error("demo data file assets/demo/drugs.json: {0}")]
    DemoData(String),
}

fn c(e: impl std::fmt::Display) -> SeedError {
    SeedError::Crypto(e.to_string())
}

/// Deterministic key from the seed and a label.
pub fn derived_key(seed: &str, label: &str) -> Result<PrivateKey, SeedError> {
    let mut material = sm3(format!("rxdesk-center-sim/{seed}/{label}").as_bytes());
    // Keep the scalar well below n.
    material[0] &= 0x7f;
    PrivateKey::from_bytes(&material).map_err(c)
}

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

/// The CRL URL for a base URL.
pub fn crl_url(base_url: &str) -> String {
    format!("{base_url}/crl/demo-ca.crl")
}

/// Seed names starting with this are a rehearsal deployment (`--profile`):
/// the demo world's people and drugs, a fresh CA (the rest of the name is
/// random, and keys derive from it) and the rehearsal pharmacist.
pub const REHEARSAL_PREFIX: &str = "rehearsal-";

/// The rehearsal pharmacy's pharmacist as the center knows her (not a demo
/// account: the rehearsal's manager creates her operator account).
pub mod rehearsal_pharmacist {
    /// 人员编号.
    pub const PSN_NO: &str = "PSN1101000009";
    /// Name.
    pub const NAME: &str = "赵药师";
    /// ID number.
    pub const CERTNO: &str = "110101199107070016";
    /// Her e-voucher token.
    pub const EC_TOKEN: &str = "110000ecrehearsal0000000000000zhaoyaoshi";
    /// The rehearsal's first patient (人员编号, e-voucher token).
    pub const PATIENT_PSN_NO: &str = "PSN1101000010";
    /// Her e-voucher token.
    pub const PATIENT_EC_TOKEN: &str = "110000ecrehearsal00000000000000000sunli";
}

/// Build the state for `seed` served at `base_url`.
pub fn build(seed: &str, base_url: &str, faults: Faults) -> Result<State, SeedError> {
    let now = Utc::now();
    let ca_key = derived_key(seed, "ca")?;
    let rehearsal = seed.starts_with(REHEARSAL_PREFIX);
    let ca_spec = CertSpec::ca(
        if rehearsal {
            "CN=RxDesk Rehearsal 医保 CA,O=RxDesk Rehearsal,C=CN"
        } else {
            "CN=RxDesk Demo 医保 CA (DEMO ONLY),O=RxDesk Demo,C=CN"
        },
        &[0x01],
        Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or(now),
        Utc.with_ymd_and_hms(2045, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or(now),
    );
    let ca = Issuer::new_root(&ca_spec, ca_key).map_err(c)?;
    let mut st = State {
        seed: seed.to_string(),
        base_url: base_url.to_string(),
        ca,
        crl_number: 0,
        crl_der: Vec::new(),
        persons: BTreeMap::new(),
        drugs: BTreeMap::new(),
        hospitals: BTreeMap::new(),
        rxs: BTreeMap::new(),
        epc_tokens: HashMap::new(),
        auth_rxnos: HashMap::new(),
        sign_ins: HashMap::new(),
        settlements: BTreeMap::new(),
        sold_codes: HashMap::new(),
        sales: HashMap::new(),
        stock: Default::default(),
        sales_uploads: HashMap::new(),
        files: HashMap::new(),
        responses: HashMap::new(),
        uploads: Vec::new(),
        stats: Stats::default(),
        dice: Dice::new(faults.seed),
        faults,
        serial: 0,
        held_2102: None,
        days_ahead: 0,
    };
    match seed {
        "demo" => seed_demo(&mut st, now)?,
        "empty" => {}
        _ if rehearsal => {
            seed_demo(&mut st, now)?;
            use rehearsal_pharmacist as r;
            let p = person(
                r::PSN_NO,
                r::NAME,
                r::CERTNO,
                "2",
                "1991-07-07",
                35,
                "310",
                r::EC_TOKEN,
                "A10000009",
                "0.00",
                "0.00",
            );
            st.persons.insert(p.psn_no.clone(), p);
            let q = person(
                r::PATIENT_PSN_NO,
                "孙丽",
                "11010119930303002X",
                "2",
                "1993-03-03",
                33,
                "310",
                r::PATIENT_EC_TOKEN,
                "A10000010",
                "0.00",
                "0.00",
            );
            st.persons.insert(q.psn_no.clone(), q);
        }
        other => return Err(SeedError::Unknown(other.to_string())),
    }
    refresh_crl(&mut st)?;
    Ok(st)
}

/// Re-issue the CRL from the hospitals' revocation flags.
pub fn refresh_crl(st: &mut State) -> Result<(), SeedError> {
    let now = Utc::now();
    let revoked: Vec<Revocation> = st
        .hospitals
        .values()
        .filter(|h| h.cert_revoked)
        .map(|h| Revocation {
            serial: h.cert.serial(),
            date: now - Duration::days(1),
            reason: x509_cert::ext::pkix::CrlReason::KeyCompromise,
        })
        .collect();
    st.crl_number += 1;
    let crl = st
        .ca
        .issue_crl(
            now - Duration::hours(1),
            Some(now + Duration::days(7)),
            &revoked,
            st.crl_number,
        )
        .map_err(c)?;
    st.crl_der = crl.to_der().to_vec();
    Ok(())
}

/// Add a hospital with a certificate from the demo CA.
pub fn add_hospital(st: &mut State, code: &str, name: &str, serial: u8) -> Result<(), SeedError> {
    let key = derived_key(&st.seed, code)?;
    let spec = CertSpec::institution(
        code,
        name,
        &[0x10, serial],
        Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_else(Utc::now),
        Utc.with_ymd_and_hms(2035, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_else(Utc::now),
        Some(&crl_url(&st.base_url)),
    );
    let cert = st.ca.issue(&spec, &key.public_key()).map_err(c)?;
    st.hospitals.insert(
        code.to_string(),
        Hospital {
            code: code.into(),
            name: name.into(),
            cert,
            key,
            cert_revoked: false,
        },
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn person(
    psn_no: &str,
    name: &str,
    certno: &str,
    gend: &str,
    brdy: &str,
    age: u32,
    insutype: &str,
    ec_token: &str,
    card_no: &str,
    balance: &str,
    deductible: &str,
) -> Person {
    Person {
        psn_no: psn_no.into(),
        name: name.into(),
        certno: certno.into(),
        gend: gend.into(),
        brdy: brdy.into(),
        age,
        insutype: insutype.into(),
        psn_type: if insutype == "310" {
            "11".into()
        } else {
            "15".into()
        },
        insuplc_admdvs: "110101".into(),
        emp_name: if insutype == "310" {
            "演示科技有限公司".into()
        } else {
            String::new()
        },
        ec_token: ec_token.into(),
        card_no: card_no.into(),
        card_sn: format!("SN{card_no}"),
        balance: d(balance),
        deductible_left: d(deductible),
        registered_diseases: Vec::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn drug(
    code: &str,
    genname: &str,
    prodname: &str,
    spec: &str,
    dosform: &str,
    unit: &str,
    price: &str,
    uplmt: &str,
    level: &str,
    restricted: bool,
) -> Drug {
    Drug {
        med_list_codg: code.into(),
        genname: genname.into(),
        prodname: prodname.into(),
        spec: spec.into(),
        dosform: dosform.into(),
        unit: unit.into(),
        price: d(price),
        pric_uplmt: d(uplmt),
        level: level.into(),
        restricted,
        prdr_name: "演示制药有限公司".into(),
    }
}

/// The demo 门慢特 disease (`dise_codg`, name): 赵建国 is registered for it.
/// DEMO values, not the national 病种 table.
pub const DEMO_CHRONIC_DISEASE: (&str, &str) = ("M03900", "糖尿病");
/// The demo 双通道 特药 disease (`dise_codg`, name): 钱秀英 is registered for it.
/// DEMO values, not the national 病种 table.
pub const DEMO_DUAL_CHANNEL_DISEASE: (&str, &str) = ("M00500", "重症哮喘（特药）");

/// What to create in [`create_rx`].
#[derive(Debug, Clone, serde::Deserialize)]
pub struct NewRx {
    /// hospital code
    pub hospital: String,
    /// patient psn_no
    pub psn_no: String,
    /// (med_list_codg, quantity)
    pub lines: Vec<(String, Decimal)>,
    /// 有效天数 (≤ 7)
    #[serde(default = "seven")]
    pub valid_days: i64,
    /// prescribed this many hours ago
    #[serde(default)]
    pub age_hours: i64,
    /// and this many minutes more
    #[serde(default)]
    pub age_minutes: i64,
    /// reusable
    #[serde(default)]
    pub rept_flag: bool,
    /// 最大复用次数
    #[serde(default)]
    pub max_rept_cnt: u32,
    /// 使用最小间隔（天数） of a reusable prescription
    #[serde(default)]
    pub min_inrv_days: u32,
    /// 处方整剂医嘱说明 (the doctor's instructions), default 遵医嘱 advice
    #[serde(default = "default_drord")]
    pub rx_drord_dscr: String,
    /// One remark per line (`tcmherb_foote`), by line; missing = none
    #[serde(default)]
    pub line_remarks: Vec<String>,
    /// 诊断名称
    #[serde(default = "default_diag")]
    pub diag_name: String,
    /// label shown in the admin list
    #[serde(default)]
    pub label: String,
    /// Pad the layout PDF with comment lines to about this many KiB (load tests).
    #[serde(default)]
    pub pad_kb: usize,
    /// 医疗类别 of the issuing visit: `11` 普通门诊 (default), `14` 门诊慢特病,
    /// `1402` 门诊特药（双通道）.
    #[serde(default = "outpatient")]
    pub med_type: String,
    /// 病种编码 (门慢特 / 特药), empty for an ordinary outpatient visit.
    #[serde(default)]
    pub dise_codg: String,
    /// 病种名称.
    #[serde(default)]
    pub dise_name: String,
    /// 主诊断代码 (ICD-10), default `J06.900`.
    #[serde(default = "default_diag_code")]
    pub diag_code: String,
    /// Text replacements `(from, to)` made in the layout PDF's lines after
    /// the structured data is signed: a layout that differs from its data
    /// (`[["× 2", "× 3"]]`: the layout says 3 boxes, the data 2). Empty:
    /// the layout prints the data.
    #[serde(default)]
    pub layout_edits: Vec<(String, String)>,
}
fn outpatient() -> String {
    "11".into()
}
fn default_diag_code() -> String {
    "J06.900".into()
}
fn default_drord() -> String {
    "饭后服用，服药期间忌酒；如出现皮疹或不适请停药并就医".into()
}
fn seven() -> i64 {
    7
}
fn default_diag() -> String {
    "急性上呼吸道感染".into()
}

/// Create and sign a prescription (also the admin API's create).
pub fn create_rx(st: &mut State, n: &NewRx) -> Result<String, String> {
    create_rx_with(st, n, |layout, _| edit_layout(layout, &n.layout_edits))
}

/// Applies [`NewRx::layout_edits`] to every layout line.
fn edit_layout(layout: &mut [crate::pdf::LayoutLine], edits: &[(String, String)]) {
    for l in layout.iter_mut() {
        for (from, to) in edits.iter().filter(|(f, _)| !f.is_empty()) {
            l.1 = l.1.replace(from.as_str(), to);
        }
    }
}

/// Create with a hook that may change the layout lines or the download
/// after signing (the "differs from layout" and "tampered" demo cases).
pub fn create_rx_with(
    st: &mut State,
    n: &NewRx,
    tweak: impl FnOnce(&mut Vec<crate::pdf::LayoutLine>, &mut Option<DownloadedPrescription>),
) -> Result<String, String> {
    let now = st.now();
    let hosp = st
        .hospitals
        .get(&n.hospital)
        .cloned()
        .ok_or_else(|| format!("unknown hospital {}", n.hospital))?;
    let p = st
        .persons
        .get(&n.psn_no)
        .cloned()
        .ok_or_else(|| format!("unknown person {}", n.psn_no))?;
    if n.lines.is_empty() {
        return Err("a prescription needs at least one line".into());
    }
    let serial = st.next_serial();
    let hi_rxno = format!("11010{:015}", 100_000 + serial);
    let epc_qrcd = format!("EPC{:024}", 7_000_000 + serial);
    let prsc_time = now - Duration::hours(n.age_hours) - Duration::minutes(n.age_minutes);
    let valid_end = prsc_time + Duration::days(n.valid_days);
    let mdtrt_id = format!("MD{:018}", serial);
    let fmt = rxdesk_core::time::format_wire;
    let mut lines_json = Vec::new();
    let mut layout: Vec<crate::pdf::LayoutLine> = vec![
        (16.0, format!("{} 处方笺", hosp.name)),
        (
            9.0,
            format!("医保处方编号 {hi_rxno}    开方时间 {}", fmt(prsc_time)),
        ),
        (
            10.0,
            format!(
                "姓名 {}   性别 {}   年龄 {} 岁",
                p.name,
                if p.gend == "1" { "男" } else { "女" },
                p.age
            ),
        ),
        (10.0, format!("临床诊断 {}", n.diag_name)),
        (
            9.0,
            match n.med_type.as_str() {
                "14" => format!("门诊慢特病  病种 {} {}", n.dise_codg, n.dise_name),
                "1402" => format!("门诊特药（双通道）  病种 {} {}", n.dise_codg, n.dise_name),
                _ => "普通门诊".to_string(),
            },
        ),
        (12.0, "Rp.".into()),
    ];
    for (i, (code, cnt)) in n.lines.iter().enumerate() {
        let dr = st
            .drugs
            .get(code)
            .ok_or_else(|| format!("unknown drug {code}"))?;
        layout.push((
            11.0,
            format!(
                "{}. {} {}  × {} {}",
                i + 1,
                dr.genname,
                dr.spec,
                cnt.normalize(),
                dr.unit
            ),
        ));
        layout.push((9.0, "    用法：口服  每日三次  每次一粒".into()));
        lines_json.push(serde_json::json!({
            "medListCodg": dr.med_list_codg, "drugGenname": dr.genname, "drugProdname": dr.prodname,
            "drugDosform": dr.dosform, "drugSpec": dr.spec, "drugCnt": cnt, "drugCntUnit": dr.unit,
            "drugPric": dr.price.to_string(), "sinDoscnt": "1", "sinDosunt": "粒", "usedFrquName": "每日三次",
            "medcWayDscr": "口服", "medcDays": 7, "hospPrepFlag": "0"
        }));
        if let Some(r) = n.line_remarks.get(i).filter(|r| !r.is_empty()) {
            lines_json[i]["tcmherbFoote"] = r.clone().into();
        }
    }
    layout.push((
        10.0,
        format!(
            "医师 王医生    审方药师 李药师    有效期至 {}",
            fmt(valid_end)
        ),
    ));
    layout.push((8.0, "本处方由 RxDesk 演示中心生成 (DEMO ONLY)".into()));
    let mut v = serde_json::json!({
        "rxTraceCode": format!("RT{:018}", serial), "hiRxno": hi_rxno, "mdtrtId": mdtrt_id,
        "patnName": p.name, "psnCertType": "01", "certno": p.certno,
        "fixmedinsName": hosp.name, "fixmedinsCode": hosp.code,
        "drCode": "D110101000001", "prscDrName": "王医生", "prscDeptName": "内科",
        "pharDeptName": "药剂科", "pharDeptCode": "YJK01", "pharProfttlCodg": "235", "pharProfttlName": "主管药师",
        "pharCode": "Y110101000001", "pharCertType": "01", "pharCertno": "110101198502021234", "pharName": "李药师",
        "pharPracCertNo": "ZY2025000001", "pharChkTime": fmt(prsc_time + Duration::minutes(5)),
        "prscTime": fmt(prsc_time), "validEndTime": fmt(valid_end), "rxStasCodg": "1",
        "diagName": n.diag_name, "rxDrugDetail": lines_json,
        "medType": n.med_type, "diseCodg": n.dise_codg, "diseName": n.dise_name,
        "reptFlag": if n.rept_flag { "1" } else { "0" },
        "rxDrordDscr": n.rx_drord_dscr,
        "rxFile": "", "signDigest": "", "signCertSn": hosp.cert.serial_hex(), "signCertDn": hosp.cert.subject_dn(),
    });
    if n.rept_flag {
        v["maxReptCnt"] = n.max_rept_cnt.into();
        v["reptdCnt"] = 0.into();
        v["minInrvDays"] = n.min_inrv_days.into();
    }
    let mut dl: DownloadedPrescription = serde_json::from_value(v).map_err(|e| e.to_string())?;
    let ov = dl.original_value();
    let digest = rxdesk_gm::cms::sign_detached(ov.as_bytes(), &hosp.cert, &hosp.key)
        .map_err(|e| e.to_string())?;
    dl.sign_digest = B64.encode(digest);
    let mut tweaked: Option<DownloadedPrescription> = None;
    tweak(&mut layout, &mut tweaked);
    let mut pdf = crate::pdf::render(&hi_rxno, &layout);
    // Comments after %%EOF keep every offset of the original revision valid.
    while pdf.len() < n.pad_kb * 1024 {
        pdf.extend_from_slice(b"% padding ");
        pdf.extend_from_slice(&[b'x'; 100]);
        pdf.push(b'\n');
    }
    let signed =
        rxdesk_gm::pdf::sign_pdf(&pdf, &hosp.cert, &hosp.key, now).map_err(|e| e.to_string())?;
    dl.rx_file = B64.encode(signed);
    if let Some(t) = tweaked {
        // The tamper hook receives None and returns a changed copy when it wants one.
        dl = t;
    }
    st.rxs.insert(
        hi_rxno.clone(),
        Rx {
            hi_rxno: hi_rxno.clone(),
            epc_qrcd,
            label: n.label.clone(),
            psn_no: p.psn_no.clone(),
            hospital: hosp.code.clone(),
            state: RxState::Valid,
            prsc_time,
            valid_end,
            rept_flag: n.rept_flag,
            max_rept_cnt: n.max_rept_cnt,
            reptd_cnt: 0,
            min_inrv_days: if n.rept_flag { n.min_inrv_days } else { 0 },
            last_used: None,
            lines: n
                .lines
                .iter()
                .map(|(c, q)| RxLine {
                    med_list_codg: c.clone(),
                    cnt: *q,
                })
                .collect(),
            mdtrt_id,
            diag_code: n.diag_code.clone(),
            diag_name: n.diag_name.clone(),
            dept_name: "内科".into(),
            med_type: n.med_type.clone(),
            dise_codg: n.dise_codg.clone(),
            dise_name: n.dise_name.clone(),
            download: dl,
            downloaded_keys: HashSet::new(),
            sign_verify_sn: None,
            audit: None,
            setl_id: None,
        },
    );
    Ok(hi_rxno)
}

/// The demo world's drugs, `assets/demo/drugs.json`: the one source the
/// emulator, the demo pharmacy's catalogue (`rxdesk-demo`) and the UI mocks
/// read.
pub const DEMO_DRUGS_JSON: &str = include_str!("../../../assets/demo/drugs.json");

/// The fields of `assets/demo/drugs.json` the emulator serves.
#[derive(serde::Deserialize)]
struct DemoDrugFile {
    maker: String,
    drugs: Vec<DemoDrugEntry>,
}

#[derive(serde::Deserialize)]
struct DemoDrugEntry {
    fixmedins_hilist_id: String,
    med_list_codg: String,
    name: String,
    prodname: String,
    dosform: String,
    spec: String,
    unit: String,
    price: String,
    pric_uplmt: String,
    insurance_level: String,
    circulation: String,
}

fn seed_demo(st: &mut State, _now: DateTime<Utc>) -> Result<(), SeedError> {
    add_hospital(st, "H11010100001", "北京市演示第一医院", 1)?;
    add_hospital(st, "H11010100002", "北京市演示中医医院", 2)?;
    add_hospital(st, "H11010100003", "北京市演示社区卫生服务中心", 3)?;
    if let Some(h) = st.hospitals.get_mut("H11010100003") {
        h.cert_revoked = true;
    }
    for p in [
        person(
            "PSN1101000001",
            "张三",
            "110101198001010029",
            "1",
            "1980-01-01",
            46,
            "310",
            "110000ecdemo0000000000000000000zhangsan",
            "A10000001",
            "500.00",
            "100.00",
        ),
        person(
            "PSN1101000002",
            "李四",
            "110101199005050030",
            "1",
            "1990-05-05",
            36,
            "390",
            "110000ecdemo000000000000000000000lisi",
            "A10000002",
            "0.00",
            "0.00",
        ),
        person(
            "PSN1101000003",
            "王芳",
            "110101196803030049",
            "2",
            "1968-03-03",
            58,
            "310",
            "110000ecdemo00000000000000000000wangfang",
            "A10000003",
            "20.00",
            "0.00",
        ),
        // The demo pharmacy's pharmacist (RxDesk operator 2001): checks in
        // for the shift and re-confirms each audit with her own e-voucher.
        person(
            "PSN1101000004",
            "李药师",
            "110101198805050034",
            "2",
            "1988-05-05",
            38,
            "310",
            "110000ecdemo00000000000000000000liyaoshi",
            "A10000004",
            "0.00",
            "0.00",
        ),
        // 门慢特: registered for 糖尿病 (M03900) — settles 14 with that code.
        person(
            "PSN1101000005",
            "赵建国",
            "11010119550707005X",
            "1",
            "1955-07-07",
            71,
            "310",
            "110000ecdemo0000000000000000zhaojianguo",
            "A10000005",
            "300.00",
            "0.00",
        ),
        // 双通道: a resident registered for the 特药 disease M00500.
        person(
            "PSN1101000006",
            "钱秀英",
            "110101196209090065",
            "2",
            "1962-09-09",
            64,
            "390",
            "110000ecdemo0000000000000000qianxiuying",
            "A10000006",
            "0.00",
            "0.00",
        ),
    ] {
        st.persons.insert(p.psn_no.clone(), p);
    }
    for (psn, dise) in [
        ("PSN1101000005", DEMO_CHRONIC_DISEASE),
        ("PSN1101000006", DEMO_DUAL_CHANNEL_DISEASE),
    ] {
        if let Some(p) = st.persons.get_mut(psn) {
            p.registered_diseases.push(dise.0.to_string());
        }
    }
    let file: DemoDrugFile =
        serde_json::from_str(DEMO_DRUGS_JSON).map_err(|e| SeedError::DemoData(e.to_string()))?;
    for dr in &file.drugs {
        let mut d = drug(
            &dr.med_list_codg,
            &dr.name,
            &dr.prodname,
            &dr.spec,
            &dr.dosform,
            &dr.unit,
            &dr.price,
            &dr.pric_uplmt,
            &dr.insurance_level,
            !dr.circulation.is_empty(),
        );
        d.prdr_name = file.maker.clone();
        st.drugs.insert(d.med_list_codg.clone(), d);
    }
    let code = |id: &str| -> Result<String, SeedError> {
        file.drugs
            .iter()
            .find(|d| d.fixmedins_hilist_id == id)
            .map(|d| d.med_list_codg.clone())
            .ok_or_else(|| SeedError::DemoData(format!("no drug {id}")))
    };
    let amox = code("YP000001")?;
    let ibu = code("YP000002")?;
    let lora = code("YP000003")?;
    let metf = code("YP000005")?;
    let morph = code("YP000006")?;
    let one = Decimal::ONE;
    let two = Decimal::TWO;
    let mk = |label: &str, hospital: &str, psn: &str, lines: Vec<(String, Decimal)>| NewRx {
        hospital: hospital.into(),
        psn_no: psn.into(),
        lines,
        valid_days: 7,
        age_hours: 2,
        age_minutes: 0,
        rept_flag: false,
        max_rept_cnt: 0,
        min_inrv_days: 0,
        rx_drord_dscr: default_drord(),
        line_remarks: Vec::new(),
        diag_name: default_diag(),
        label: label.into(),
        pad_kb: 0,
        med_type: outpatient(),
        dise_codg: String::new(),
        dise_name: String::new(),
        diag_code: default_diag_code(),
        layout_edits: Vec::new(),
    };
    let e = |s: String| SeedError::Crypto(s);
    create_rx(
        st,
        &mk(
            "valid",
            "H11010100001",
            "PSN1101000001",
            vec![(amox.clone(), two), (ibu.clone(), one)],
        ),
    )
    .map_err(e)?;
    let mut today = mk(
        "expiring_today",
        "H11010100001",
        "PSN1101000001",
        vec![(lora.clone(), one)],
    );
    // Prescribed so that the 7-day validity ends at 23:59 today (CST).
    let cst_now = Utc::now().with_timezone(&rxdesk_core::time::cst());
    let minutes_left = (23 - i64::from(chrono::Timelike::hour(&cst_now))) * 60
        + (59 - i64::from(chrono::Timelike::minute(&cst_now)));
    today.age_hours = 0;
    today.age_minutes = 7 * 24 * 60 - minutes_left;
    create_rx(st, &today).map_err(e)?;
    let mut old = mk(
        "expired",
        "H11010100001",
        "PSN1101000001",
        vec![(amox.clone(), one)],
    );
    old.age_hours = 9 * 24;
    create_rx(st, &old).map_err(e)?;
    let revoked = create_rx(
        st,
        &mk(
            "revoked_by_hospital",
            "H11010100002",
            "PSN1101000001",
            vec![(ibu.clone(), one)],
        ),
    )
    .map_err(e)?;
    if let Some(r) = st.rxs.get_mut(&revoked) {
        r.state = RxState::Revoked;
        r.download.rx_stas_codg = rxdesk_core::codes::RxStatus::Revoked;
    }
    let used = create_rx(
        st,
        &mk(
            "already_used",
            "H11010100001",
            "PSN1101000002",
            vec![(lora.clone(), one)],
        ),
    )
    .map_err(e)?;
    if let Some(r) = st.rxs.get_mut(&used) {
        r.state = RxState::Used;
        r.download.rx_stas_codg = rxdesk_core::codes::RxStatus::Used;
    }
    let mut reuse = mk(
        "reusable",
        "H11010100002",
        "PSN1101000003",
        vec![(metf.clone(), two)],
    );
    // A long prescription for a stable chronic patient: three dispensings of
    // 7 days' medication, at least 7 days apart, within 30 days.
    reuse.rept_flag = true;
    reuse.max_rept_cnt = 3;
    reuse.min_inrv_days = 7;
    reuse.valid_days = 30;
    reuse.diag_name = "2型糖尿病".into();
    create_rx(st, &reuse).map_err(e)?;
    let mut chronic = mk(
        "chronic_disease",
        "H11010100001",
        "PSN1101000005",
        vec![(metf.clone(), two)],
    );
    chronic.med_type = "14".into();
    chronic.dise_codg = DEMO_CHRONIC_DISEASE.0.into();
    chronic.dise_name = DEMO_CHRONIC_DISEASE.1.into();
    chronic.diag_code = "E11.900".into();
    chronic.diag_name = "2型糖尿病".into();
    create_rx(st, &chronic).map_err(e)?;
    let mut dual = mk(
        "dual_channel",
        "H11010100001",
        "PSN1101000006",
        vec![(lora.clone(), one)],
    );
    dual.med_type = "1402".into();
    dual.dise_codg = DEMO_DUAL_CHANNEL_DISEASE.0.into();
    dual.dise_name = DEMO_DUAL_CHANNEL_DISEASE.1.into();
    dual.diag_code = "J45.900".into();
    dual.diag_name = "支气管哮喘".into();
    create_rx(st, &dual).map_err(e)?;
    create_rx(
        st,
        &mk(
            "restricted_drug",
            "H11010100001",
            "PSN1101000001",
            vec![(morph, one)],
        ),
    )
    .map_err(e)?;
    create_rx_with(
        st,
        &mk(
            "layout_differs",
            "H11010100001",
            "PSN1101000002",
            vec![(amox.clone(), two)],
        ),
        |layout, _| {
            // The layout file says 3 boxes; the structured data says 2.
            for l in layout.iter_mut() {
                if l.1.contains("阿莫西林") {
                    l.1 = l.1.replace("× 2", "× 3");
                }
            }
        },
    )
    .map_err(e)?;
    create_rx(
        st,
        &mk(
            "revoked_certificate",
            "H11010100003",
            "PSN1101000001",
            vec![(ibu, one)],
        ),
    )
    .map_err(e)?;
    let tampered = create_rx(
        st,
        &mk(
            "tampered",
            "H11010100001",
            "PSN1101000002",
            vec![(amox, one)],
        ),
    )
    .map_err(e)?;
    if let Some(r) = st.rxs.get_mut(&tampered) {
        // Changed after signing: signDigest no longer covers the fields.
        r.download.patn_name = "李四四".into();
    }
    Ok(())
}
