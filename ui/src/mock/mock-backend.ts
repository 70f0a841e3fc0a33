// A fake backend for UI tests in a plain browser (Vite `--mode mock`): it
// answers the same commands with the same shapes as src-tauri. Never bundled
// into the app.
import { mockError } from "./ipc-error";
import { emit } from "@tauri-apps/api/event";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { AppStatus, OperatorInfo } from "../ipc/api";
import { MockVisitBackend, tinyPdfText } from "./mock-visit";
import { MockManagerBackend } from "./mock-manager";
import { MockTillBackend } from "./mock-till";
import { MockOtcBackend } from "./mock-otc";
import { MockDeliveryBackend } from "./mock-delivery";
import { MockInventoryBackend } from "./mock-inventory";
import { MockChainBackend } from "./mock-chain";
import { mockLayoutPages } from "./mock-layout";
import type { VisitView } from "../ipc/generated/types";

/** A one-page PDF with a line of ASCII text, built by hand (valid xref). */
export const tinyPdf = tinyPdfText;

const accounts: Record<string, [string, OperatorInfo["role"], string, string]> = {
  "3001": ["王店长", "manager", "店长", "demo-manager"],
  "2001": ["李药师", "pharmacist", "药师", "demo-pharmacist"],
  "1001": ["张收银", "cashier", "收银员", "demo-cashier"],
};
let current: OperatorInfo | null = null;

export const mockStatus: AppStatus = {
  version: "0.1.0",
  center: "not_connected",
  centerLabel: "未连接",
  devices: "not_configured",
  devicesLabel: "未配置",
  storeName: "演示药店",
  demoMode: true,
  dataDir: "/tmp/rxdesk-mock",
  locale: "zh-CN",
  deviceLines: [],
  deviceStates: [],
  configured: true,
  idleLockMinutes: 5,
};

export function installMockBackend(): void {
  // Browser tests play the serial scanner: window.__rxEmit("device-scan", {...}).
  (window as unknown as { __rxEmit: typeof emit }).__rxEmit = emit;
  const visits = new MockVisitBackend(() => current);
  const managerMock = new MockManagerBackend();
  const tillMock = new MockTillBackend();
  const otcMock = new MockOtcBackend();
  const deliveryMock = new MockDeliveryBackend();
  const inventoryMock = new MockInventoryBackend();
  const chainMock = new MockChainBackend();
  // A slow center (browser tests): the visit's center calls answer after this long.
  let centerDelayMs = 0;
  const CENTER_CALLS = new Set(["visit_identify", "visit_open", "visit_pre_settle", "visit_settle", "visit_resolve_uncertain", "otc_settle"]);
  mockIPC((cmd, args) => {
    if (cmd === "mock_center_delay") {
      centerDelayMs = Number((args as { ms?: number } | undefined)?.ms ?? 0);
      return null;
    }
    if (centerDelayMs > 0 && CENTER_CALLS.has(cmd)) {
      const ms = centerDelayMs;
      return new Promise((resolve, reject) =>
        setTimeout(() => {
          try {
            resolve(visits.handle(cmd, (args ?? {}) as Record<string, unknown>) ?? otcMock.handle(cmd, (args ?? {}) as Record<string, unknown>));
          } catch (e) {
            reject(e);
          }
        }, ms),
      );
    }
    switch (cmd) {
      case "visit_layout":
        return mockLayoutPages(
          visits.handle("visit_current", {}) as VisitView | null | undefined,
          Number((args as { width?: number } | undefined)?.width ?? 560),
        );
      case "app_status":
        return mockStatus;
      case "devices_settings":
        return { scanner: null, printer: null, card_reader: null, nation_ec: null, library_dirs: [] };
      case "devices_discover":
        return { serialPorts: [], hidDevices: [], printerFiles: [], libraries: [{ name: "NationECCode", path: null, statusZh: "未安装", installed: false }], problems: [] };
      case "device_test":
        return { kind: String((args as { kind?: string }).kind ?? ""), ok: false, summaryZh: "未配置该设备，请先在上方选择并保存", errorCode: "not_configured", code: "not_configured", params: {} };
      case "devices_save":
        return "设备设置已保存，重启 RxDesk 后生效";
      case "settings_view":
        if (!current) throw mockError("NOT_SIGNED_IN", "请先登录");
        return {
          center_url: "http://127.0.0.1:18080",
          store_name: mockStatus.storeName,
          fixmedins_code: "P11010100001",
          demo_mode: true,
          dataDir: mockStatus.dataDir,
          trust: [
            {
              kind: "root",
              subject: "CN=RxDesk Demo 医保 CA (DEMO ONLY),O=RxDesk Demo,C=CN",
              serial: "01",
              not_after: "2035-01-01 08:00:00",
              expired: false,
            },
          ],
          trustError: null,
          crlFiles: [],
          deviceLines: ["扫码枪：就绪", "打印机：就绪"],
          deviceStates: [
            { kind: "scanner", name: "/dev/ttyUSB0", state: "ready", retryInSecs: null, warning: null, lineZh: "扫码枪：就绪" },
            { kind: "printer", name: "tcp://127.0.0.1:9100", state: "ready", retryInSecs: null, warning: null, lineZh: "打印机：就绪" },
          ],
          devices: {},
          operators: Object.entries(accounts).map(([login, a]) => ({
            login,
            displayName: a[0],
            role: a[1],
            active: true,
            lockedUntil: null,
          })),
        };
      case "device_test_print":
        return "已发送测试页到 127.0.0.1:9100";
      case "set_locale": {
        const locale = (args as { locale?: string } | undefined)?.locale;
        if (locale !== "zh-CN" && locale !== "en-US") throw mockError("LOCALE_UNSUPPORTED", `不支持的语言 ${String(locale)}`, { locale: String(locale) });
        return locale;
      }
      case "ui_ready":
        return 0;
      case "login": {
        const a = args as { login: string; password: string; role?: string };
        const acc = accounts[a.login.trim()];
        if (!acc || acc[3] !== a.password) throw mockError("STORE_BAD_CREDENTIALS", "用户名或密码错误");
        if (a.role && a.role !== acc[1]) throw mockError("WRONG_ROLE", `工号 ${a.login} 的角色是${acc[2]}，请选择正确的角色登录`, { login: a.login, role: acc[2] });
        current = { login: a.login.trim(), name: acc[0], role: acc[1], roleLabel: acc[2] };
        return current;
      }
      case "logout":
        current = null;
        return null;
      case "current_operator":
        return current;
      case "startup_state":
        return { state: "ready" };
      case "settings_current":
        if (!current) throw mockError("NOT_SIGNED_IN", "请先登录");
        return {
          center_url: "http://127.0.0.1:18080",
          store_name: mockStatus.storeName,
          fixmedins_code: "P11010100001",
          terminal_no: 0,
          receipt_address: "",
          receipt_phone: "",
          idle_lock_minutes: 5,
          chain_sync_interval_secs: null,
          demo_mode: true,
        };
      case "settings_save":
        return { changes: [], restartNote: null };
      case "staff_create":
        return null;
      case "staff_change":
        return "已保存";
      case "demo_accounts":
        return Object.entries(accounts).map(([login, [name, role, , pw]]) => [`${login} ${name}`, role, pw]);
      default: {
        const a = (args ?? {}) as Record<string, unknown>;
        // `undefined` means "not mine"; `null` is an answer (no OTC sale open).
        for (const mock of [managerMock, tillMock, otcMock, deliveryMock, inventoryMock, chainMock, visits]) {
          const answer = mock.handle(cmd, a);
          if (answer !== undefined) return answer;
        }
        throw new Error(`mock backend: unknown command ${cmd}`);
      }
    }
  }, { shouldMockEvents: true });
}
