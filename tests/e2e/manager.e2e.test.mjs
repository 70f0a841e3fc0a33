// The manager's screen in the REAL app window (tauri-driver + WebKitWebDriver
// under Xvfb, started by scripts/e2e): the store manager signs in with the
// keyboard, opens 管理 (F7), sees the upload queue filled by the app's own
// background worker, watches uploads get rejected while the center's gateway
// refuses them (clock fault through the emulator's admin API), and retries a
// rejected upload after the center recovers until it is done. Then the daily
// reconciliation and the regulator figures with a PDF export.
//
// It runs on its own data directory (so `rxdesk queue demo` can seed an
// empty ledger with cash sales waiting to upload) against the emulator that
// scripts/e2e started (RXDESK_E2E_CENTER). Screenshots: test-output/e2e/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import * as steps from "./steps.mjs";

const port = Number(process.env.RXDESK_E2E_DRIVER_PORT ?? 4444);
const application = process.env.RXDESK_E2E_APP;
const center = process.env.RXDESK_E2E_CENTER;
// The CLI is built next to the app (scripts/build).
const cli = application ? resolve(dirname(application), "rxdesk") : "";
const home = resolve("test-output/e2e-manager-home");
const shots = "test-output/e2e";
let browser;

async function faults(body) {
  const r = await fetch(`${center}/admin/faults`, body
    ? { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }
    : { method: "DELETE" });
  assert.ok(r.ok, `fault API answered ${r.status}`);
}

before(async () => {
  // The upload worker signs in (9001) once per China-Standard-Time day. Near
  // CST midnight it signs in again, and under the skewed gateway clock below
  // that sign-in fails, so rows wait (transient) instead of being rejected:
  // a run that straddled 00:00 CST failed that way. Start on a settled day.
  const cstSecondsToMidnight = 86400 - ((Math.floor(Date.now() / 1000) + 8 * 3600) % 86400);
  if (cstSecondsToMidnight < 180) await new Promise((r) => setTimeout(r, (cstSecondsToMidnight + 5) * 1000));
  assert.ok(application && existsSync(application), `app binary missing: ${application}`);
  assert.ok(center, "RXDESK_E2E_CENTER not set (run through scripts/e2e)");
  assert.ok(existsSync(cli), `CLI missing: ${cli} (scripts/build)`);
  mkdirSync(shots, { recursive: true });
  rmSync(home, { recursive: true, force: true });
  mkdirSync(`${home}/trust`, { recursive: true });
  // Demo mode against the shared emulator, trusting its DEMO CA.
  const ca = await (await fetch(`${center}/admin/ca.pem`)).text();
  writeFileSync(`${home}/trust/DEMO-ONLY-center-sim-ca.pem`, ca);
  writeFileSync(`${home}/settings.json`, JSON.stringify({ demo_mode: true, center_url: center }, null, 2));
  // 60 cash sales waiting to upload, and the manager account 3001.
  execFileSync(cli, ["queue", "demo", "--db", `${home}/rxdesk.sqlite3`, "--sales", "60", "--manager", "3001"], {
    env: { ...process.env, RXDESK_HOME: home, RXDESK_PASSWORD: "demo-manager" },
    stdio: "pipe",
  });
  // A slow center: the worker (8 in parallel) needs about 25 s for all 60,
  // so the fault below lands while most rows still wait, even on a slow CI.
  await faults({ latency_ms: 3000 });
  browser = await steps.remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "warn",
    capabilities: { "tauri:options": { application, args: ["--data-dir", home] } },
  });
});

after(async () => {
  await faults(null).catch(() => undefined);
  await browser?.deleteSession();
});

test("the manager signs in and opens the upload queue with the keyboard", async () => {
  await browser.$("#login-form").waitForDisplayed({ timeout: 15000 });
  // The worker has signed in and sent its first rows; now the center's
  // gateway clock goes wrong and it refuses every message it gets.
  await browser.waitUntil(async () => {
    const s = JSON.parse(execFileSync(cli, ["queue", "status", "--json", "--db", `${home}/rxdesk.sqlite3`]).toString());
    return s.done > 0;
  }, { timeout: 30000, interval: 200, timeoutMsg: "the app's worker uploaded nothing" });
  await faults({ clock_skew_s: 3600 });

  await browser.$("#operator").setValue("3001");
  await browser.$("#password").setValue("demo-manager");
  await browser.$("#password").click();
  await browser.keys("Enter");
  await browser.$("#nav").waitForDisplayed({ timeout: 10000 });
  await browser.$("#product-name").click(); // focus off any field
  await browser.keys("F7");
  await browser.$("#manager").waitForDisplayed({ timeout: 15000 });
  await browser.$("#queue-table").waitForDisplayed({ timeout: 15000 });
  // Rejections arrive in the center's own words.
  await browser.waitUntil(async () => Number(await browser.$("#q-count-rejected b").getText()) > 0, {
    timeout: 30000,
    timeoutMsg: "no upload was rejected while the gateway refused",
  });
  await browser.waitUntil(async () => (await browser.$$(".q-row[data-state='rejected']")).length > 0, { timeout: 10000 });
  const firstRejected = await browser.$(".q-row[data-state='rejected']");
  assert.match(await firstRejected.$("td.err").getText(), /300秒/);
  assert.match(await browser.$("#status-queue").getText(), /上传队列：\d+/);
  await browser.saveScreenshot(`${shots}/20-manager-queue-rejected.png`);
});

test("a rejected upload is retried after the center recovers and ends done", async () => {
  await faults(null);
  // Pick the first rejected row with the keyboard.
  await browser.$("#product-name").click();
  await browser.keys("ArrowRight"); // filter: 被拒绝
  await browser.waitUntil(async () => (await browser.$("#q-filter-rejected").getAttribute("class")).includes("active"), { timeout: 15000 });
  // The filtered list replaces the whole list when its query returns: until
  // then the rows shown (and the selection) may still be the unfiltered ones,
  // with rows the worker is sending. Wait until every row shown is rejected.
  await browser.waitUntil(async () => {
    const states = await browser.execute(() =>
      [...document.querySelectorAll(".q-row")].map((r) => r.getAttribute("data-state")));
    return states.length > 0 && states.every((s) => s === "rejected");
  }, { timeout: 15000, timeoutMsg: "the 被拒绝 filter did not show only rejected rows" });
  const row = await browser.$(".q-row.sel");
  const id = (await row.getAttribute("id")).replace("q-row-", "");
  assert.equal(await row.getAttribute("data-state"), "rejected");
  // Look at what was sent, then close.
  await browser.keys("Enter");
  await browser.$("#payload-text").waitForDisplayed({ timeout: 15000 });
  assert.match(await browser.$("#payload-text").getText(), /\{/);
  await browser.saveScreenshot(`${shots}/21-manager-payload.png`);
  await browser.keys("Escape");
  await browser.$("#payload-dialog").waitForDisplayed({ reverse: true, timeout: 15000 });
  await browser.keys("r");
  await browser.waitUntil(async () => (await browser.$("#q-notice").getText()).includes(`#${id}`), { timeout: 15000 });
  // The worker sends it again (new msgid); it shows under 已上传.
  await browser.$("#q-filter-done").click();
  await browser.waitUntil(async () => (await browser.$(`#q-row-${id}`).isExisting()) && (await browser.$(`#q-row-${id}`).getAttribute("data-state")) === "done", {
    timeout: 30000,
    timeoutMsg: `upload ${id} was not done after the retry`,
  });
  await browser.$(`#q-row-${id}`).scrollIntoView();
  await browser.saveScreenshot(`${shots}/22-manager-retried-done.png`);
});

test("another rejected upload is voided with a reason", async () => {
  await browser.$("#q-filter-rejected").click();
  await browser.waitUntil(async () => (await browser.$$(".q-row")).length > 0, { timeout: 15000 });
  await browser.$("#product-name").click();
  const id = (await browser.$(".q-row.sel").getAttribute("id")).replace("q-row-", "");
  await browser.keys("v");
  await browser.$("#void-reason").waitForDisplayed({ timeout: 15000 });
  await browser.keys("Enter");
  assert.match(await browser.$("#void-error").getText(), /作废原因/);
  await browser.$("#void-reason").setValue("演示：中心已人工补录");
  await browser.keys("Enter");
  await browser.$("#void-dialog").waitForDisplayed({ reverse: true, timeout: 15000 });
  await browser.$("#q-filter-voided").click();
  await browser.waitUntil(async () => await browser.$(`#q-row-${id}`).isExisting(), { timeout: 15000 });
  assert.match(await browser.$(`#q-row-${id} td.err`).getText(), /人工补录/);
});

test("daily reconciliation and the regulator figures with a PDF export", async () => {
  await browser.$("#product-name").click();
  await browser.keys("2");
  await browser.$("#rec-form").waitForDisplayed({ timeout: 15000 });
  await browser.$("#rec-run").click();
  await browser.$("#rec-result").waitForDisplayed({ timeout: 30000 });
  // This ledger holds cash sales only. The shared emulator may hold other
  // E2E tests' settlements of today: then each is listed with what to do.
  const outcome = await browser.$("#rec-outcome").getText();
  assert.match(outcome, /对账(平|不平)/);
  if (outcome.includes("不平")) {
    const diffs = await browser.$$("#rec-diffs li");
    assert.ok(diffs.length > 0, "differences are listed");
    assert.match(await diffs[0].getText(), /请/);
  }
  assert.ok((await browser.$$("#rec-history tbody tr")).length >= 1);
  await browser.saveScreenshot(`${shots}/23-manager-reconcile.png`);

  await browser.$("#product-name").click();
  await browser.keys("3");
  await browser.$("#fig-form").waitForDisplayed({ timeout: 15000 });
  await browser.$("#fig-pdf").click();
  await browser.$("#fig-exported").waitForDisplayed({ timeout: 20000 });
  const shown = await browser.$("#fig-exported").getText();
  const path = shown.replace(/^已导出到：/, "");
  assert.ok(path.startsWith(home) && path.endsWith(".pdf"), shown);
  assert.equal(readFileSync(path).subarray(0, 4).toString(), "%PDF");
  await browser.saveScreenshot(`${shots}/24-manager-figures.png`);
});
