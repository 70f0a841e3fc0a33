// Settings → 设备: the shapes of rxdesk-devices' `DeviceSettings` (serde), discovery and the
// per-class test, and the commands of src-tauri/src/device_commands.rs.
import { invoke } from "@tauri-apps/api/core";

// The shapes are generated from Rust (ts-rs); `DeviceSettings` keeps the
// snake_case of settings.json, where it is stored.
import type { DeviceSettings, DeviceTest, Inventory, NationEcSettings, TestKind } from "./generated/types";
export type { CardReaderSettings, DeviceSettings, DeviceTest, Inventory, NationEcSettings, TestKind } from "./generated/types";
// The device events' payloads (`device-scan`, `device-scan-error`, `device-event`) and a device's status line.
export type { DeviceLine, DeviceNotice, DeviceScan, DeviceScanError } from "./generated/types";

export const devicesSettings = () => invoke<DeviceSettings>("devices_settings");
export const devicesDiscover = () => invoke<Inventory>("devices_discover");
export const deviceTest = (kind: TestKind, settings: DeviceSettings, qr?: string) =>
  invoke<DeviceTest>("device_test", { kind, settings, qr: qr ?? null });
export const devicesSave = (settings: DeviceSettings) => invoke<string>("devices_save", { settings });

/** A NationECCode section with the org fields filled from what is known. */
export function defaultNationEc(orgId = ""): NationEcSettings {
  return {
    path: null,
    url: "",
    context: { org_id: orgId, office_id: "", office_name: "", operator_id: "", operator_name: "", business_type: "01101" },
    face_terminal: false,
    qr_decode: "sdk",
    settle_notify: false,
  };
}

/** USB VID:PID as the label shows it. */
export function usbId(vid: number | null, pid: number | null): string {
  if (vid === null || pid === null) return "";
  const h = (n: number) => n.toString(16).padStart(4, "0");
  return `${h(vid)}:${h(pid)}`;
}
