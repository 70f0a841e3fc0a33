// A cashier's session in the REAL app window against the center emulator
// (started by scripts/e2e), demo mode: the pharmacist goes on duty and signs
// out; the cashier 张收银 then serves a prescription visit whose audit the
// on-duty pharmacist makes at the cashier's screen with her own e-voucher,
// dispenses, settles and completes it; then a refund at the cashier's session
// is refused until the store manager authorises it there (店长授权).
// Screenshots go to test-output/e2e/ — look at them as a pharmacist would.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { openTillIfAsked } from "./steps.mjs";
import * as steps from "./steps.mjs";

const port = Number(process.env.RXDESK_E2E_DRIVER_PORT ?? 4444);
const application = process.env.RXDESK_E2E_APP;
const home = process.env.RXDESK_HOME;
const scanFifo = process.env.RXDESK_E2E_SCAN_FIFO;
const center = process.env.RXDESK_E2E_CENTER;
const shots = "test-output/e2e";
let browser;
// Shared steps (steps.mjs), bound to this file's window.
const wedge = (code) => steps.wedge(browser, code);
const failWithError = (what) =>
  steps.failWithError(browser, what, { shot: (w) => browser.saveScreenshot(`${shots}/cashier-error-${w}.png`) });

// Demo world (docs/demo.md): 王芳's e-voucher, the pharmacist's, a 阿莫西林 box.
const WANGFANG = "110000ecdemo00000000000000000000wangfang";
const PHARMACIST = "110000ecdemo00000000000000000000liyaoshi";
const AMOX_CODE = "XJ01CAA040A001010100001";
const AMOX_BOX = "81305112601010388879";
const LABEL = "收银员办理（窗口测试）";

before(async () => {
  assert.ok(application && existsSync(application), `app binary missing: ${application}`);
  assert.ok(center, "RXDESK_E2E_CENTER not set (run through scripts/e2e)");
  assert.ok(scanFifo && existsSync(scanFifo), `scanner simulator FIFO missing: ${scanFifo}`);
  mkdirSync(shots, { recursive: true });
  browser = await steps.remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "warn",
    capabilities: { "tauri:options": { application, args: ["--data-dir", home] } },
  });
  const logs = `${home}/logs`;
  const deadline = Date.now() + 180000;
  while (Date.now() < deadline) {
    if (existsSync(logs) && readdirSync(logs).some((f) => readFileSync(`${logs}/${f}`, "utf8").includes("demo pharmacy ready"))) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail("the demo catalogue was not imported within 180 s");
});

after(async () => {
  await browser?.deleteSession();
});

const shot = (name) => browser.saveScreenshot(`${shots}/${name}.png`);
const text = async (sel) => (await browser.$(sel).getText()).trim();
const shown = (sel, timeout = 30000) => browser.$(sel).waitForDisplayed({ timeout });

/** A keyboard-wedge burst: key events back to back on the window, then Enter. */


async function signIn(login, password) {
  await shown("#login-form");
  await browser.$("#operator").setValue(login);
  await browser.$("#password").setValue(password);
  await browser.keys("Enter");
  await shown("#counter", 15000);
  await openTillIfAsked(browser);
}

test("a cashier completes a visit audited by the on-duty pharmacist at the cashier's screen", async () => {
  // The pharmacist goes on duty (F4, her own e-voucher) and signs out.
  await signIn("2001", "demo-pharmacist");
  await browser.$("#product-name").click();
  await browser.keys("F4");
  await shown("#shift-mode");
  await wedge(PHARMACIST);
  await browser.waitUntil(async () => /李药师/.test(await text("#nav-duty")), {
    timeout: 20000,
    timeoutMsg: "the pharmacist did not go on duty",
  });
  await browser.keys("F12");
  await shown("#login-form");

  // The hospital issues 王芳's prescription (emulator's admin API).
  const rx = await fetch(`${center}/admin/prescriptions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      hospital: "H11010100001",
      psn_no: "PSN1101000003",
      lines: [[AMOX_CODE, "1"]],
      valid_days: 7,
      rept_flag: false,
      max_rept_cnt: 0,
      diag_name: LABEL,
      label: LABEL,
    }),
  });
  assert.equal(rx.status, 200, await rx.text());

  // The cashier serves 王芳.
  await signIn("1001", "demo-cashier");
  assert.match(await text("#nav-duty"), /李药师/);
  await wedge(WANGFANG);
  await shown("#rx-list");
  await failWithError("query");
  const row = await browser.execute(
    (label) => [...document.querySelectorAll(".rx-row")].findIndex((r) => r.textContent.includes(label)),
    LABEL,
  );
  assert.ok(row >= 0, "the new prescription is listed");
  await browser.keys(String(row + 1));
  await shown("#signature-panel");
  await failWithError("open");
  assert.match(await browser.$("#signature-panel").getAttribute("class"), /\bok\b/);

  // The audit at the cashier's screen: the on-duty pharmacist's own e-voucher.
  await browser.keys("F2");
  await shown("#audit-form");
  await wedge(PHARMACIST);
  await shown("#audit-reconfirm.ok");
  await browser.$("#audit-opinion").setValue("处方规范，用法用量适宜，准予调配。");
  await browser.execute(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await shot("50-cashier-audit-by-pharmacist");
  await browser.keys("F2");
  await shown("#dispense-list");
  await failWithError("audit");

  writeFileSync(scanFifo, `${AMOX_BOX}\n`);
  await browser.waitUntil(
    async () => (await browser.execute(() => document.querySelectorAll("#dispense-list td.small div").length)) === 1,
    { timeout: 20000, timeoutMsg: "the box was not ticked" },
  );
  await browser.keys("F3");
  await shown("#counter[data-state='dispensed']");
  await browser.keys("F4");
  await shown("#split");
  await failWithError("pre-settle");
  await browser.keys("F9");
  const step = async () =>
    (await browser.$("#tendered").isDisplayed())
      ? "cash"
      : (await browser.$("#paid").isDisplayed())
        ? "paid"
        : (await browser.$("#receipt-text").isDisplayed())
          ? "receipt"
          : (await browser.$("#counter-error").isDisplayed())
            ? "error"
            : null;
  await browser.waitUntil(step, { timeout: 60000, timeoutMsg: "no payment step after settling" });
  await failWithError("settle");
  if ((await step()) === "cash") {
    const due = (await text("#pay-due")).replace(/[^0-9.]/g, "");
    await browser.$("#tendered").setValue(String(Math.ceil(Number(due)) + 1));
    await browser.keys("F10");
  }
  if ((await step()) === "paid") await browser.keys("F10");
  await shown("#receipt-text");
  await failWithError("complete");
  // The receipt names the cashier who took it; the audit is the pharmacist's.
  assert.match(await text("#receipt-text"), /张收银/);
  await shot("51-cashier-receipt");

  // The 7204 at the center names the pharmacist, not the cashier.
  await browser.waitUntil(
    async () => JSON.stringify(await (await fetch(`${center}/admin/stats`)).json()).includes("7204"),
    { timeout: 60000, timeoutMsg: "the audit (7204) never reached the emulator" },
  );
  await browser.keys("Enter");
  await shown("#credential-number");
});

async function refund(authorise) {
  await browser.keys("F6");
  await shown("#history");
  await browser.$("#history-query").setValue(AMOX_BOX);
  await browser.keys("Enter");
  await shown("#history-list");
  assert.match(await text("#history-detail"), /王芳/);
  await browser.keys("F4");
  await shown("#refund-reason");
  await browser.$("#refund-reason").setValue("患者改用其他药品，整单退费");
  await browser.$("#refund-identity").setValue(WANGFANG);
  if (authorise) {
    await browser.$("#refund-mgr-login").setValue("3001");
    await browser.$("#refund-mgr-password").setValue("demo-manager");
  }
  await browser.$("#refund-reason").click();
  await browser.keys("Enter");
}

test("店长授权: a refund at the cashier's session is refused until the manager authorises it there", async () => {
  await refund(false);
  await shown("#history-error");
  assert.match(await text("#history-error"), /店长/);
  assert.ok(!(await browser.$("#refund-confirm").isExisting()), "refused before the confirmation");
  await shot("52-cashier-refund-needs-manager");
  await browser.keys("Escape");
  await refund(true);
  await shown("#refund-confirm");
  await browser.keys("F4");
  await browser.waitUntil(
    async () => (await browser.$("#refund-receipt").isDisplayed()) || (await browser.$("#history-error").isDisplayed()),
    { timeout: 30000, timeoutMsg: "no refund receipt and no error" },
  );
  if (await browser.$("#history-error").isDisplayed()) assert.fail(`refund: ${await text("#history-error")}`);
  assert.match(await text("#history-list"), /已退费/);
  // Still the cashier's session: the manager authorised one refund only.
  assert.match(await text("#status-operator"), /张收银/);
  await shot("53-cashier-refund-authorised");
});
