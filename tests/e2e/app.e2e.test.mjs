// End-to-end test of the REAL app window: tauri-driver + WebKitWebDriver under
// Xvfb, started by scripts/e2e. Reads the zh-CN login screen, calls Rust
// commands through the UI, and saves screenshots to test-output/e2e/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, readdirSync, existsSync } from "node:fs";
import * as steps from "./steps.mjs";

const port = Number(process.env.RXDESK_E2E_DRIVER_PORT ?? 4444);
const application = process.env.RXDESK_E2E_APP;
const home = process.env.RXDESK_HOME;
const shots = "test-output/e2e";
let browser;

before(async () => {
  assert.ok(application && existsSync(application), `app binary missing: ${application}`);
  mkdirSync(shots, { recursive: true });
  browser = await steps.remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "warn",
    capabilities: { "tauri:options": { application, args: ["--data-dir", home] } },
  });
});

after(async () => {
  await browser?.deleteSession();
});

test("login screen speaks zh-CN and shows the real status from Rust", async () => {
  const name = await browser.$("#product-name");
  await name.waitForDisplayed({ timeout: 15000 });
  assert.equal(await name.getText(), "RxDesk 药店处方收银台");
  assert.equal(await browser.$("#login-title").getText(), "操作员登录");

  // The status bar is filled by the `app_status` Rust command.
  const center = await browser.$("#status-center");
  await center.waitForDisplayed({ timeout: 10000 });
  await browser.waitUntil(async () => (await center.getText()) === "医保中心：在线", {
    timeout: 10000,
    timeoutMsg: "center emulator not shown online",
  });
  // scripts/e2e starts the printer and scanner simulators (scripts/demo-devices).
  await browser.waitUntil(async () => (await browser.$("#status-devices").getText()) === "设备：就绪", {
    timeout: 10000,
    timeoutMsg: "simulated devices not shown ready",
  });
  const cargoToml = readFileSync("Cargo.toml", "utf8");
  const version = /\[workspace\.package\][^[]*?version\s*=\s*"([^"]+)"/s.exec(cargoToml)?.[1];
  assert.equal(await browser.$("#status-version").getText(), `版本 ${version}`);
  await browser.saveScreenshot(`${shots}/01-login-zh.png`);
});

// The processes of this session's app and their descendants (steps.mjs).
const appProcesses = () => steps.appProcesses(application, home);

test("WebKit's web process runs without a JIT, paints on the CPU without the compositor and has fixed malloc thresholds", () => {
  const web = appProcesses().filter((p) => /WebKitWebProcess/.test(p.cmd[0]));
  assert.ok(web.length >= 1, "no WebKitWebProcess under the app");
  for (const p of web) {
    const raw = readFileSync(`/proc/${p.pid}/environ`, "utf8");
    const env = new Map(
      raw.split("\0").filter(Boolean).map((kv) => {
        const i = kv.indexOf("=");
        return [kv.slice(0, i), kv.slice(i + 1)];
      }),
    );
    assert.equal(env.get("JSC_useJIT"), "0");
    assert.equal(env.get("WEBKIT_SKIA_ENABLE_CPU_RENDERING"), "1");
    // Painted without WebKit's compositor (decision 0034).
    assert.equal(env.get("WEBKIT_DISABLE_COMPOSITING_MODE"), "1");
    // glibc 2.36 splits GLIBC_TUNABLES at its ':' in place when the process
    // starts, so /proc shows the second tunable as an entry of its own.
    assert.match(raw, /(^|\0)GLIBC_TUNABLES=glibc\.malloc\.mmap_threshold=131072[:\0]glibc\.malloc\.trim_threshold=131072\0/);
  }
});

test("the app process hands freed heap memory back after the window's commands (its heap trim thread runs)", () => {
  const app = appProcesses().filter((p) => p.cmd[0] === application && p.cmd.includes(home));
  assert.equal(app.length, 1, "one app process");
  const threads = readdirSync(`/proc/${app[0].pid}/task`).map((t) => {
    try {
      return readFileSync(`/proc/${app[0].pid}/task/${t}/comm`, "utf8").trim();
    } catch {
      return "";
    }
  });
  assert.ok(threads.includes("heap trim"), `threads: ${threads.join(", ")}`);
});

test("switching language goes through Rust and is persisted in RXDESK_HOME", async () => {
  await browser.$("#locale-switch").click();
  await browser.waitUntil(async () => (await browser.$("#login-title").getText()) === "Operator sign-in", {
    timeout: 15000,
    timeoutMsg: "locale did not switch to en-US",
  });
  assert.equal(await browser.$("#status-center").getText(), "Center: online");
  const settings = JSON.parse(readFileSync(`${home}/settings.json`, "utf8"));
  assert.equal(settings.locale, "en-US");
  await browser.saveScreenshot(`${shots}/02-login-en.png`);
  // A refusal from Rust reads in English from the window's catalogue (no
  // Chinese from the backend); its code and detail wait behind Details.
  await browser.$("#operator").setValue("2001");
  await browser.$("#password").setValue("not-the-password");
  await browser.keys("Enter");
  await browser.$(".error-details-toggle").waitForDisplayed({ timeout: 10000 });
  const refusal = await browser.$("#notice").getText();
  assert.doesNotMatch(refusal, /[\u3400-\u9fff]/, `Chinese in the English window: ${refusal}`);
  assert.ok(!(await browser.$(".error-code").isExisting()), "details are hidden until asked for");
  await browser.$(".error-details-toggle").click();
  assert.match(await browser.$(".error-code").getText(), /^[A-Z_]+$/);
  await browser.saveScreenshot(`${shots}/02b-error-details-en.png`);
  await browser.$("#password").clearValue();
  await browser.$("#locale-switch").click();
  await browser.waitUntil(async () => (await browser.$("#login-title").getText()) === "操作员登录");
});

test("operators sign in against the real ledger (argon2id); the 工号 fixes the role", async () => {
  await browser.$("#login-submit").click();
  assert.equal(await browser.$("#notice").getText(), "请输入工号和密码。");
  // Demo accounts are listed in demo mode; a wrong password is refused with a sentence.
  await browser.$("#demo-accounts").waitForDisplayed({ timeout: 15000 });
  assert.ok(!(await browser.$("#role").isExisting()), "no role to choose: the 工号 fixes it");
  await browser.$("#operator").setValue("2001");
  await browser.$("#password").setValue("not-the-password");
  await browser.keys("Enter");
  await browser.waitUntil(async () => /密码/.test(await browser.$("#notice").getText()), {
    timeout: 10000,
    timeoutMsg: "a wrong password was not refused",
  });
  await browser.$(".error-details-toggle").click();
  assert.match(await browser.$(".error-code").getText(), /^[A-Z_]+$/);
  await browser.saveScreenshot(`${shots}/03a-error-details-zh.png`);
  await browser.$("#password").setValue("demo-pharmacist");
  await browser.keys("Enter");
  await browser.$("#counter").waitForDisplayed({ timeout: 10000 });
  assert.equal(await browser.$("#header-operator").getText(), "李药师 · 药师");
  assert.equal(await browser.$("#status-operator").getText(), "当前操作员：李药师（药师）");
  await browser.saveScreenshot(`${shots}/03-counter-pharmacist.png`);
  // The ledger exists in RXDESK_HOME.
  const { statSync } = await import("node:fs");
  assert.ok(statSync(`${home}/rxdesk.sqlite3`).size > 0);
});

// The counter visit itself is tests/e2e/visit.e2e.test.mjs.

test("the window reopens at the size the pharmacist left it", async () => {
  // Resized by the window manager's way (WebDriver's window rect), then the
  // app is closed and started again on the same data directory.
  await browser.setWindowSize(1100, 740);
  await browser.waitUntil(
    async () => {
      try {
        const g = JSON.parse(readFileSync(`${home}/window.json`, "utf8"));
        return g.width === 1100 && g.height === 740;
      } catch {
        return false;
      }
    },
    { timeout: 10000, timeoutMsg: "the new size was not saved to window.json" },
  );
  await browser.deleteSession();
  browser = await steps.remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "warn",
    capabilities: { "tauri:options": { application, args: ["--data-dir", home] } },
  });
  await browser.$("#product-name").waitForDisplayed({ timeout: 15000 });
  const size = await browser.execute(() => [window.innerWidth, window.innerHeight]);
  assert.deepEqual(size, [1100, 740], `reopened at ${size}`);
  await browser.saveScreenshot(`${shots}/03-window-size-kept.png`);
});
