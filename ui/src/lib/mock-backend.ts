// A fake backend for UI tests in a plain browser (Vite `--mode mock`): it
// answers the same commands with the same shapes as src-tauri. Never bundled
// into the app.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { AppStatus } from "./api";

export const mockStatus: AppStatus = {
  version: "0.1.0",
  center: "not_connected",
  center_label: "未连接",
  devices: "not_configured",
  devices_label: "未配置",
  store_name: "演示药店",
  demo_mode: true,
  data_dir: "/tmp/rxdesk-mock",
  locale: "zh-CN",
};

export function installMockBackend(): void {
  mockIPC((cmd, args) => {
    switch (cmd) {
      case "app_status":
        return mockStatus;
      case "set_locale": {
        const locale = (args as { locale?: string } | undefined)?.locale;
        if (locale !== "zh-CN" && locale !== "en-US") throw new Error(`不支持的语言 ${String(locale)}`);
        return locale;
      }
      case "ui_ready":
        return 0;
      default:
        throw new Error(`mock backend: unknown command ${cmd}`);
    }
  });
}
