// The status bar tells the truth without being asked: the real window signed
// out on its login screen shows the center emulator 在线; the emulator is then
// killed, and the bar must say 离线 within 5 s, with no F5 (Rust probes the
// link in the background and sends each change as a `center-status` event).
// Runs in its own file: the center stays dead for the rest of it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, existsSync } from "node:fs";
import * as steps from "./steps.mjs";

const port = Number(process.env.RXDESK_E2E_DRIVER_PORT ?? 4444);
const application = process.env.RXDESK_E2E_APP;
const home = process.env.RXDESK_HOME;
const centerPid = Number(process.env.RXDESK_E2E_CENTER_PID);
const shots = "test-output/e2e";
let browser;

before(async () => {
  assert.ok(application && existsSync(application), `app binary missing: ${application}`);
  assert.ok(centerPid > 0, "scripts/e2e exports RXDESK_E2E_CENTER_PID");
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

test("the status bar turns 离线 within 5 s of the center dying, without F5", async () => {
  const center = await browser.$("#status-center");
  await center.waitForDisplayed({ timeout: 15000 });
  await browser.waitUntil(async () => (await center.getText()) === "医保中心：在线", {
    timeout: 15000,
    timeoutMsg: "center emulator not shown online",
  });
  process.kill(centerPid, "SIGKILL");
  await browser.waitUntil(async () => (await center.getText()) === "医保中心：离线", {
    timeout: 5000,
    interval: 200,
    timeoutMsg: "the status bar still says online 5 s after the center died",
  });
  assert.ok((await center.getAttribute("class")).includes("warn"), "offline is shown as a warning");
  await browser.saveScreenshot(`${shots}/status-01-center-died.png`);
});
