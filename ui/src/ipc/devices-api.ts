// Settings → 设备: the shapes of rxdesk-devices' `DeviceSettings` (serde), discovery and the
// per-class test, and the commands of src-tauri/src/device_commands.rs.
import { invoke } from "@tauri-apps/api/core";

export type CardReaderSettings =
  | { library: "serial"; path: string; baud: number }
  | { library: "hea_sec"; path: string | null; init_json: string }
  | { library: "ss_card"; path: string | null; itype: number };

export interface NationEcSettings {
  path: string | null;
  url: string;
  context: {
    org_id: string;
    office_id: string;
    office_name: string;
    operator_id: string;
    operator_name: string;
    business_type: string;
  };
  face_terminal: boolean;
  /** `sdk`: ec.query decodes the scanned e-voucher QR; `center`: the scanned text is the token. */
  qr_decode: "sdk" | "center";
  settle_notify: boolean;
}

export interface DeviceSettings {
  scanner: Record<string, unknown> | null;
  printer: Record<string, unknown> | null;
  card_reader: CardReaderSettings | null;
  nation_ec: NationEcSettings | null;
  library_dirs: string[];
}

export interface Inventory {
  serial_ports: { path: string; kind: string; vid: number | null; pid: number | null; manufacturer: string | null; product: string | null }[];
  hid_devices: { path: string; vid: number; pid: number; usage_page: number; manufacturer: string | null; product: string | null }[];
  printer_files: string[];
  libraries: { name: string; path: string | null; status_zh: string }[];
  problems: string[];
}

export interface DeviceTest {
  kind: string;
  ok: boolean;
  summary_zh: string;
  error_code: string | null;
}

export type TestKind = "card" | "qr" | "face" | "print";

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
