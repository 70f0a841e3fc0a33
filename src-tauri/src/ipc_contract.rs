//! The command list of the IPC contract, generated from the source: every
//! command registered in `main.rs`'s `generate_handler!`, with its
//! arguments (camelCase, as Tauri maps them) and its Rust result type, is
//! written to `ui/src/ipc/generated/commands.ts`. The test fails (after
//! rewriting the file) when the committed list is out of date, so a command
//! added, renamed or removed on one side shows up on the other; a vitest
//! checks the window invokes only listed commands and every listed one.
//!
//! The types that cross the boundary are generated the same way with
//! `ts-rs` (docs/decisions/0018) into `ui/src/ipc/generated/types.ts`; the
//! window imports them instead of copying them by hand.

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    const ROOT: &str = env!("CARGO_MANIFEST_DIR");

    /// `module::name` entries of the `generate_handler!` list.
    fn registered(main: &str) -> Vec<(String, String)> {
        let start = main
            .find("generate_handler![")
            .expect("main.rs registers its commands");
        let body = &main[start + "generate_handler![".len()..];
        let body = &body[..body.find(']').expect("the list ends")];
        body.lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .flat_map(|l| l.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                let (m, n) = s.split_once("::").expect("module::command");
                (m.to_string(), n.to_string())
            })
            .collect()
    }

    fn camel(s: &str) -> String {
        let mut out = String::new();
        let mut up = false;
        for c in s.chars() {
            if c == '_' {
                up = true;
            } else if up {
                out.extend(c.to_uppercase());
                up = false;
            } else {
                out.push(c);
            }
        }
        out
    }

    /// One command's signature: its arguments (name, Rust type) without the
    /// injected state / app handle / window, and its result type.
    fn signature(src: &str, name: &str) -> (Vec<(String, String)>, String) {
        let at = [format!("pub fn {name}("), format!("pub async fn {name}(")]
            .iter()
            .find_map(|p| src.find(p.as_str()).map(|i| i + p.len()))
            .unwrap_or_else(|| panic!("command {name} not found"));
        let rest = &src[at..];
        // The argument list ends at the `)` that balances the opening one.
        let mut depth = 1usize;
        let mut end = 0;
        for (i, c) in rest.char_indices() {
            match c {
                '(' | '<' => depth += 1,
                ')' | '>' if depth > 1 => depth -= 1,
                ')' => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let args_src = &rest[..end];
        let mut args = Vec::new();
        let mut depth = 0i32;
        let mut cur = String::new();
        for c in args_src.chars().chain(std::iter::once(',')) {
            match c {
                '<' | '(' => depth += 1,
                '>' | ')' => depth -= 1,
                _ => {}
            }
            if c == ',' && depth == 0 {
                let a = cur.split_whitespace().collect::<Vec<_>>().join(" ");
                cur.clear();
                if let Some((n, t)) = a.split_once(':') {
                    let t = t.trim();
                    if !(t.starts_with("tauri::") || t.starts_with("State<")) {
                        args.push((camel(n.trim()), t.to_string()));
                    }
                }
            } else {
                cur.push(c);
            }
        }
        let after = &rest[end + 1..];
        let ret = after[..after.find('{').unwrap_or(after.len())]
            .trim()
            .trim_start_matches("->")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        (args, ret)
    }

    fn generated() -> String {
        let main = std::fs::read_to_string(format!("{ROOT}/src-tauri/src/main.rs")).unwrap();
        let mut names = String::new();
        let mut table = String::new();
        for (module, name) in registered(&main) {
            let src = std::fs::read_to_string(format!("{ROOT}/src-tauri/src/{module}.rs")).unwrap();
            let (args, ret) = signature(&src, &name);
            let _ = writeln!(names, "  \"{name}\",");
            let args = args
                .iter()
                .map(|(n, t)| format!("{n}: {:?}", t))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(
                table,
                "  {name}: {{ module: \"{module}\", args: {{ {args} }}, returns: {:?} }},",
                ret
            );
        }
        format!(
            "// Generated from src-tauri/src/main.rs by `cargo test -p rxdesk-desktop ipc_contract`\n\
             // (the test rewrites this file when it is out of date, then fails). Do not edit.\n\n\
             /** Every command the window may invoke. */\n\
             export const COMMANDS = [\n{names}] as const;\n\n\
             export type Command = (typeof COMMANDS)[number];\n\n\
             /** Each command's arguments (camelCase, as `invoke` takes them) with their Rust types, and its Rust result. */\n\
             export const SIGNATURES: Record<Command, {{ module: string; args: Record<string, string>; returns: string }}> = {{\n{table}}};\n"
        )
    }

    /// One `export type` per boundary type, in one file (no imports needed).
    fn generated_types() -> String {
        use ts_rs::TS;
        // A JSON number: 64-bit ids and counts cross as `number`, never bigint.
        let cfg = ts_rs::Config::default().with_large_int("number");
        let decls = [
            crate::ipc_error::IpcError::decl(&cfg),
            crate::ipc_error::Sentence::decl(&cfg),
            rxdesk_app::AppStatus::decl(&cfg),
            rxdesk_app::CenterLink::decl(&cfg),
            rxdesk_app::DevicesState::decl(&cfg),
            rxdesk_app::OperatorInfo::decl(&cfg),
            rxdesk_app::till::TillLineView::decl(&cfg),
            rxdesk_app::till::TillView::decl(&cfg),
            rxdesk_app::till::PrintedSlip::decl(&cfg),
            rxdesk_app::till::TillClosed::decl(&cfg),
            rxdesk_app::till::ShiftEnded::decl(&cfg),
            rxdesk_app::chain_view::ChainIssueView::decl(&cfg),
            rxdesk_app::chain_view::ChainErrorIpc::decl(&cfg),
            rxdesk_app::chain_view::ChainStatusView::decl(&cfg),
            // chain manager views
            rxdesk_app::chain_manager::ChainManagerSession::decl(&cfg),
            rxdesk_app::chain_manager::ChainCounterRow::decl(&cfg),
            rxdesk_app::chain_manager::ChainStoreRow::decl(&cfg),
            rxdesk_app::chain_manager::ChainUploadRow::decl(&cfg),
            rxdesk_app::chain_manager::ChainFailureRow::decl(&cfg),
            rxdesk_app::chain_manager::ChainInsutypeRow::decl(&cfg),
            rxdesk_app::chain_manager::ChainDayRow::decl(&cfg),
            rxdesk_app::chain_manager::ChainRegulatorRow::decl(&cfg),
            rxdesk_app::chain_manager::ChainStorePriceRow::decl(&cfg),
            rxdesk_app::chain_manager::ChainPriceRow::decl(&cfg),
            rxdesk_app::chain_manager::ChainViews::decl(&cfg),
            // ---- h-contract2: the visit's views (visit-api.ts) ----
            rxdesk_core::settle_kind::SettlementKind::decl(&cfg),
            rxdesk_app::visit::view::PatientView::decl(&cfg),
            rxdesk_app::visit::view::GuidanceView::decl(&cfg),
            rxdesk_app::visit::view::FindingView::decl(&cfg),
            rxdesk_app::visit::view::LayoutDifferenceView::decl(&cfg),
            rxdesk_app::visit::view::RulesView::decl(&cfg),
            rxdesk_app::visit::view::AuditView::decl(&cfg),
            rxdesk_app::visit::view::BoxView::decl(&cfg),
            rxdesk_app::visit::view::DispenseLineView::decl(&cfg),
            rxdesk_app::visit::view::TraceCollection::decl(&cfg),
            rxdesk_app::visit::view::SplitView::decl(&cfg),
            rxdesk_app::visit::view::PaymentView::decl(&cfg),
            rxdesk_app::visit::view::SaleView::decl(&cfg),
            rxdesk_app::visit::view::ListedDrug::decl(&cfg),
            rxdesk_app::visit::view::ListedDrugs::decl(&cfg),
            rxdesk_app::visit::view::VisitView::decl(&cfg),
            rxdesk_app::visit::view::ParkedView::decl(&cfg),
            rxdesk_app::visit::view::RecoveredLineView::decl(&cfg),
            rxdesk_app::visit::view::ScanOutcome::decl(&cfg),
            rxdesk_app::visit::view::ShiftView::decl(&cfg),
            rxdesk_app::visit::view::SaleSummary::decl(&cfg),
            rxdesk_app::visit::view::RefundMoneyView::decl(&cfg),
            rxdesk_app::visit::view::RefundView::decl(&cfg),
            rxdesk_app::visit::layout::LayoutPage::decl(&cfg),
            rxdesk_app::visit::layout::LayoutPages::decl(&cfg),
            // the OTC sale's views (otc-api.ts)
            rxdesk_app::visit::OtcPayer::decl(&cfg),
            rxdesk_app::visit::OtcStage::decl(&cfg),
            rxdesk_app::visit::OtcProductView::decl(&cfg),
            rxdesk_app::visit::OtcLineView::decl(&cfg),
            rxdesk_app::visit::OtcBoxView::decl(&cfg),
            rxdesk_app::visit::OtcPatientView::decl(&cfg),
            rxdesk_app::visit::OtcNotice::decl(&cfg),
            rxdesk_app::visit::OtcView::decl(&cfg),
            rxdesk_app::visit::OtcScanOutcome::decl(&cfg),
            // ---- end h-contract2 ----
            // ---- h-contract: every other command's arguments and results ----
            rxdesk_center::messages::AuthorisedRx::decl(&cfg),
            rxdesk_gm::download::DownloadedDrugLine::decl(&cfg),
            rxdesk_gm::download::DownloadedPrescription::decl(&cfg),
            rxdesk_gm::verify::SignerSummary::decl(&cfg),
            rxdesk_gm::verify::VerifyWarning::decl(&cfg),
            rxdesk_gm::verify::Verdict::decl(&cfg),
            rxdesk_app::desk::WarningView::decl(&cfg),
            rxdesk_app::desk::PrescriptionView::decl(&cfg),
            rxdesk_app::settings_view::TrustCert::decl(&cfg),
            rxdesk_store::operators::OperatorListing::decl(&cfg),
            rxdesk_app::settings_view::SettingsView::decl(&cfg),
            rxdesk_app::settings::Settings::decl(&cfg),
            rxdesk_app::settings_edit::SettingsPatch::decl(&cfg),
            rxdesk_app::settings_edit::SettingChange::decl(&cfg),
            rxdesk_app::settings_edit::SaveOutcome::decl(&cfg),
            rxdesk_devices::status::DeviceKind::decl(&cfg),
            rxdesk_devices::status::DeviceLine::decl(&cfg),
            rxdesk_app::devices::DeviceNotice::decl(&cfg),
            rxdesk_app::devices::DeviceScan::decl(&cfg),
            rxdesk_app::devices::DeviceScanError::decl(&cfg),
            rxdesk_devices::scan::wedge::WedgeOptions::decl(&cfg),
            rxdesk_devices::printer::PrinterLink::decl(&cfg),
            rxdesk_devices::printer::escpos::PaperWidth::decl(&cfg),
            rxdesk_devices::face::nationec::EcContext::decl(&cfg),
            rxdesk_devices::settings::QrDecode::decl(&cfg),
            rxdesk_devices::settings::ScannerSettings::decl(&cfg),
            rxdesk_devices::settings::PrinterSettings::decl(&cfg),
            rxdesk_devices::settings::CardReaderSettings::decl(&cfg),
            rxdesk_devices::settings::NationEcSettings::decl(&cfg),
            rxdesk_devices::settings::DeviceSettings::decl(&cfg),
            rxdesk_devices::discovery::SerialPortEntry::decl(&cfg),
            rxdesk_devices::discovery::HidEntry::decl(&cfg),
            rxdesk_devices::discovery::LibraryEntry::decl(&cfg),
            rxdesk_devices::discovery::Inventory::decl(&cfg),
            rxdesk_devices::api::DeviceTest::decl(&cfg),
            rxdesk_app::devices::TestKind::decl(&cfg),
            rxdesk_store::till::DayMethod::decl(&cfg),
            rxdesk_store::till::DayFigures::decl(&cfg),
            rxdesk_store::till::TillShift::decl(&cfg),
            rxdesk_store::till::DayReport::decl(&cfg),
            rxdesk_app::till::DayReportView::decl(&cfg),
            rxdesk_store::catalogue::ImportReport::decl(&cfg),
            rxdesk_store::catalogue::ImportPhase::decl(&cfg),
            rxdesk_store::catalogue::ImportProgress::decl(&cfg),
            rxdesk_app::import::ImportKind::decl(&cfg),
            rxdesk_app::inventory_screen::ProductChoice::decl(&cfg),
            rxdesk_app::inventory_screen::ScannedBox::decl(&cfg),
            rxdesk_app::inventory_screen::GoodsDocView::decl(&cfg),
            rxdesk_app::inventory_screen::StockTakeView::decl(&cfg),
            rxdesk_app::inventory_screen::StockLineView::decl(&cfg),
            rxdesk_app::inventory_screen::StockPage::decl(&cfg),
            rxdesk_app::inventory_screen::GoodsInLineForm::decl(&cfg),
            rxdesk_app::inventory_screen::GoodsInForm::decl(&cfg),
            rxdesk_app::inventory_screen::PlatformSale::decl(&cfg),
            rxdesk_app::inventory_screen::CodeTrace::decl(&cfg),
            rxdesk_app::trace_reconcile::DifferenceClass::decl(&cfg),
            rxdesk_app::trace_reconcile::TraceDifference::decl(&cfg),
            rxdesk_app::trace_reconcile::TraceReconciliation::decl(&cfg),
            rxdesk_store::outbox::UploadState::decl(&cfg),
            rxdesk_store::outbox::QueueStatus::decl(&cfg),
            rxdesk_store::outbox::UploadRow::decl(&cfg),
            rxdesk_app::integrity::AnchorHead::decl(&cfg),
            rxdesk_app::integrity::IntegrityStatus::decl(&cfg),
            rxdesk_app::manager::QueueSummary::decl(&cfg),
            rxdesk_app::manager::QueueItem::decl(&cfg),
            rxdesk_store::reports::CredentialCounts::decl(&cfg),
            rxdesk_store::reports::MonthShare::decl(&cfg),
            rxdesk_store::reports::PharmacistAudits::decl(&cfg),
            rxdesk_store::reports::DayRefunds::decl(&cfg),
            rxdesk_store::reports::PriceAlert::decl(&cfg),
            rxdesk_store::province_prices::PriceBasis::decl(&cfg),
            rxdesk_store::province_prices::PriceComparison::decl(&cfg),
            rxdesk_store::province_prices::PriceCheck::decl(&cfg),
            rxdesk_store::province_prices::PriceMonitor::decl(&cfg),
            rxdesk_app::manager::Figures::decl(&cfg),
            rxdesk_app::manager::Exported::decl(&cfg),
            rxdesk_store::reports::SettlementTotals::decl(&cfg),
            rxdesk_app::reconcile::TotalCheck::decl(&cfg),
            rxdesk_app::reconcile::DetailDifference::decl(&cfg),
            rxdesk_app::reconcile::ReconcileNote::decl(&cfg),
            rxdesk_app::reconcile::ReconcileOutcome::decl(&cfg),
            rxdesk_store::reports::ReconciliationRecord::decl(&cfg),
            rxdesk_store::delivery_orders::DeliveryOrder::decl(&cfg),
            rxdesk_store::delivery_orders::DeliverySale::decl(&cfg),
            rxdesk_app::delivery::DeliveryMoved::decl(&cfg),
            rxdesk_app::app::Pending::decl(&cfg),
            rxdesk_app::onboarding::ProfilePreview::decl(&cfg),
            rxdesk_app::onboarding::TrustItem::decl(&cfg),
            rxdesk_store::vault::VaultStatus::decl(&cfg),
            rxdesk_app::onboarding::SetupReport::decl(&cfg),
            crate::onboard_commands::WizardRequest::decl(&cfg),
            rxdesk_app::staff::NewStaff::decl(&cfg),
            rxdesk_app::staff::StaffChange::decl(&cfg),
            // ---- end h-contract ----
        ];
        let mut out = String::from(
            "// Generated from the Rust types by ts-rs in `cargo test -p rxdesk-desktop ipc_contract`\n\
             // (the test rewrites this file when it is out of date, then fails). Do not edit.\n",
        );
        // The visit's state names are generated from `state_name` (visit-states.ts).
        out.push_str("\nimport type { VisitStateName } from \"./visit-states\";\n");
        for d in decls {
            // JSON numbers: an i64 id must be declared `number` (`#[ts(type)]`), not bigint.
            assert!(!d.contains("bigint"), "a bigint in the contract: {d}");
            let _ = write!(out, "\nexport {d}\n");
        }
        out
    }

    fn compare_or_write(path: &str, want: &str) {
        let have = std::fs::read_to_string(path).unwrap_or_default();
        if have != want {
            std::fs::write(path, want).unwrap();
            panic!("{path} was out of date and has been regenerated: review and commit it");
        }
    }

    /// The visit's state names and their zh-CN labels, read from
    /// `rxdesk-app`'s `state_name` (one arm per state), so the browser
    /// mocks name the states exactly as the service does.
    fn generated_visit_states() -> String {
        let src =
            std::fs::read_to_string(format!("{ROOT}/crates/rxdesk-app/src/visit/view.rs")).unwrap();
        let start = src
            .find("fn state_name(")
            .expect("view.rs names the states");
        let body = &src[start..];
        let body = &body[..body.find("\n}\n").expect("state_name ends")];
        let mut rows = String::new();
        let mut n = 0;
        for line in body.lines() {
            // `VisitState::X => ("name", "标签"),`
            let Some((_, tuple)) = line.split_once("=> (\"") else {
                continue;
            };
            let mut parts = tuple.split('"');
            let (Some(name), Some(_), Some(label)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let _ = writeln!(rows, "  {name}: \"{label}\",");
            n += 1;
        }
        assert!(n >= 20, "only {n} visit states read from view.rs");
        format!(
            "// Generated from crates/rxdesk-app/src/visit/view.rs (`state_name`) by\n\
             // `cargo test -p rxdesk-desktop ipc_contract`. Do not edit.\n\n\
             /** Every visit state name with the zh-CN label the service sends as `stateZh`. */\n\
             export const VISIT_STATES = {{\n{rows}}} as const;\n\n\
             export type VisitStateName = keyof typeof VISIT_STATES;\n"
        )
    }

    #[test]
    fn the_generated_visit_states_are_current() {
        compare_or_write(
            &format!("{ROOT}/ui/src/ipc/generated/visit-states.ts"),
            &generated_visit_states(),
        );
    }

    #[test]
    fn the_generated_types_are_current() {
        compare_or_write(
            &format!("{ROOT}/ui/src/ipc/generated/types.ts"),
            &generated_types(),
        );
    }

    #[test]
    fn the_generated_command_list_is_current() {
        let path = format!("{ROOT}/ui/src/ipc/generated/commands.ts");
        let want = generated();
        compare_or_write(&path, &want);
    }

    #[test]
    fn signatures_are_read_as_written() {
        let src = "pub async fn f(\n    state: tauri::State<'_, Shared>,\n    auth_rxno: String,\n    counted: Option<BTreeMap<String, String>>,\n) -> Result<Vec<(String, u8)>, IpcError> {";
        let (args, ret) = signature(src, "f");
        assert_eq!(
            args,
            vec![
                ("authRxno".to_string(), "String".to_string()),
                (
                    "counted".to_string(),
                    "Option<BTreeMap<String, String>>".to_string()
                )
            ]
        );
        assert_eq!(ret, "Result<Vec<(String, u8)>, IpcError>");
    }
}
