//! Builds the services from the settings and the data directory: the center
//! client for the configured profile, the trust store (`<data>/trust/*.pem|der`)
//! and the CRL store (files there, distribution points over HTTP, cached in
//! `<data>/trust/crl-cache`).
//!
//! Demo mode uses the emulator's demo profile (a demo build only, cargo
//! feature `demo`; a production build refuses demo mode); production (`demo_mode` off)
//! the data directory's profile file with the sealed credentials
//! (`onboarding::production_profile`). `RXDESK_CENTER_URL` overrides the
//! configured URL (scripts/run points it at the emulator it started).

use crate::desk::PrescriptionDesk;
use crate::{DataDir, Settings};
use rxdesk_center::{CenterClient, CenterProfile, IdRole, MsgIdGenerator};
use rxdesk_gm::trust::{CrlStore, HttpCrlFetcher, TrustStore};
use std::sync::Arc;

/// Environment variable overriding `settings.center_url`.
pub const CENTER_URL_ENV: &str = "RXDESK_CENTER_URL";

/// The center URL in force: environment override, then settings.
pub fn center_url(settings: &Settings) -> Option<String> {
    std::env::var(CENTER_URL_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| settings.center_url.clone())
}

/// The center profile in force: demo mode → the built-in demo profile at the
/// configured URL; production → the data directory's profile file and sealed
/// credentials. A zh-CN sentence when there is none.
pub fn center_profile(dir: &DataDir, settings: &Settings) -> Result<CenterProfile, String> {
    if !settings.demo_mode {
        return crate::onboarding::production_profile(dir, settings);
    }
    demo_profile(settings)
}

/// Demo mode's profile: the built-in demo profile with its compiled-in demo
/// credentials — present only in a demo build (cargo feature `demo`).
#[cfg(feature = "demo")]
fn demo_profile(settings: &Settings) -> Result<CenterProfile, String> {
    let url =
        center_url(settings).ok_or_else(|| "未配置医保中心地址（设置 → 中心）".to_string())?;
    CenterProfile::demo(&url, rxdesk_center::Family::A)
        .map_err(|e| format!("演示中心参数无效：{e}"))
}

/// A production build has no demo center: demo mode is refused in words.
#[cfg(not(feature = "demo"))]
fn demo_profile(_settings: &Settings) -> Result<CenterProfile, String> {
    Err(NO_DEMO_IN_THIS_BUILD.to_string())
}

/// What a production build says when its data directory asks for demo mode.
pub const NO_DEMO_IN_THIS_BUILD: &str =
    "此版本为正式版，不含演示模式（演示中心、演示账号、模拟设备）：请按“正式接入”完成接入";

/// The desk, or a zh-CN sentence saying why there is none.
pub fn build_desk(dir: &DataDir, settings: &Settings) -> Result<PrescriptionDesk, String> {
    // The desk's own part of this terminal's serial block (T000-T399; the
    // background client, the CLI and the outbox have theirs: docs/protocol.md).
    // Checked first: production without a terminal number does no center work.
    let terminal = settings.checked_terminal_no()?;
    let profile = center_profile(dir, settings)?;
    let institution = profile.institution.fixmedins_code.clone();
    let admdvs = profile.institution.mdtrtarea_admvs.clone();
    let crl_grace_hours = profile.trust.crl_grace_hours;
    let trace_count = profile.settlement.trace_count;
    let msgids = Arc::new(
        MsgIdGenerator::for_role(&institution, terminal, IdRole::Desk, dir.root())
            .map_err(|e| format!("报文编号文件不可用：{e}"))?,
    );
    let client = CenterClient::new(profile, Arc::clone(&msgids))
        .map_err(|e| format!("中心客户端无法创建：{e}"))?;
    let trust_dir = dir.trust();
    let crls = CrlStore::new()
        .with_fetcher(Box::new(HttpCrlFetcher::default()))
        .with_cache_dir(trust_dir.join("crl-cache"));
    let trust = if trust_dir.is_dir() {
        let trust = TrustStore::load_dir(&trust_dir).map_err(|e| format!("信任库读取失败：{e}"))?;
        crls.load_dir(&trust_dir)
            .map_err(|e| format!("吊销列表读取失败：{e}"))?;
        trust
    } else {
        TrustStore::new()
    };
    Ok(
        PrescriptionDesk::new(Arc::new(client), trust, crls, &institution, &admdvs)
            .with_crl_grace_hours(crl_grace_hours)
            .with_trace_count(trace_count)
            .with_msgids(msgids),
    )
}
