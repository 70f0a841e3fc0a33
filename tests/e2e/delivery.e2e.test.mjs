// A prescription sold for delivery, then the delivery orders screen (Shift+F6)
// in the REAL app window against the center emulator and the device
// simulators (started by scripts/e2e): the order is accepted by the sale's
// document number, put in transit, refused for someone at the door who is not
// the patient, and signed for by the patient with name and ID number; each
// status reaches the emulator once as 7205. Screenshots go to
// test-output/e2e/ — look at them as a pharmacist would.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openTillIfAsked } from "./steps.mjs";
import * as steps from "./steps.mjs";
import { mkdirSync, existsSync, writeFileSync } from "node:fs";

const port = Number(process.env.RXDESK_E2E_DRIVER_PORT ?? 4444);
const application = process.env.RXDESK_E2E_APP;
const home = process.env.RXDESK_HOME;
const scanFifo = process.env.RXDESK_E2E_SCAN_FIFO;
const center = process.env.RXDESK_E2E_CENTER;
const shots = "test-output/e2e";
let browser;
// Shared steps (steps.mjs), bound to this file's window.
const wedge = (code) => steps.wedge(browser, code);
const waitForDemoCatalogue = (timeout) => steps.waitForDemoCatalogue(home, timeout);
const failWithError = (sel, what) =>
  steps.failWithError(browser, what, { sel, shot: (w) => browser.saveScreenshot(`${shots}/delivery-error-${w}.png`) });

// Demo world (docs/demo.md; crates/rxdesk-center-sim/src/seed.rs; rxdesk_demo::catalogue).
const ZHANGSAN = "110000ecdemo0000000000000000000zhangsan";
const ZHANGSAN_ID = "110101198001010029";
const PHARMACIST = "110000ecdemo00000000000000000000liyaoshi";
const AMOX = ["81305112601010011873", "81305112601010388879"];
const IBU = "81305122601020013521";

before(async () => {
  assert.ok(application && existsSync(application), `app binary missing: ${application}`);
  assert.ok(scanFifo && existsSync(scanFifo), `scanner simulator FIFO missing: ${scanFifo}`);
  mkdirSync(shots, { recursive: true });
  browser = await steps.remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "warn",
    capabilities: { "tauri:options": { application, args: ["--data-dir", home] } },
  });
  await waitForDemoCatalogue(180000);
});


after(async () => {
  await browser?.deleteSession();
});

const shot = (name) => browser.saveScreenshot(`${shots}/${name}.png`);
const text = async (sel) => (await browser.$(sel).getText()).trim();
const shown = (sel, timeout = 30000) => browser.$(sel).waitForDisplayed({ timeout });

/** A keyboard-wedge burst: key events back to back on the window, then Enter. */

/** A function key on the window (shift optional), as the screens listen for it. */
async function fkey(key, shiftKey = false) {
  await browser.execute(
    (key, shiftKey) => window.dispatchEvent(new KeyboardEvent("keydown", { key, code: key, shiftKey, bubbles: true, cancelable: true })),
    key,
    shiftKey,
  );
}

/** Sets an input's value as typing would (WebDriver keystrokes drop characters under load). */
async function fill(sel, value) {
  await browser.execute(
    (sel, value) => {
      const el = document.querySelector(sel);
      el.value = value;
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    },
    sel,
    value,
  );
}

function serialScan(code) {
  writeFileSync(scanFifo, `${code}\n`);
}


async function accepted7205() {
  const stats = await (await fetch(`${center}/admin/stats`)).json();
  return stats?.by_op?.["7205"]?.accepted ?? 0;
}

let docno = "";

test("a prescription is sold at the counter for delivery", async () => {
  await shown("#login-form");
  await browser.$("#operator").setValue("2001");
  await browser.$("#password").setValue("demo-pharmacist");
  await browser.keys("Enter");
  await shown("#counter", 15000);
  await openTillIfAsked(browser);

  await wedge(ZHANGSAN);
  await browser.waitUntil(
    async () => (await browser.$("#rx-list").isDisplayed()) || (await browser.$("#counter-error").isDisplayed()),
    { timeout: 30000, timeoutMsg: "no list and no error after the e-voucher scan" },
  );
  await failWithError("#counter-error", "query");
  await browser.keys("1");
  await shown("#signature-panel");
  await failWithError("#counter-error", "open");
  await browser.keys("F2");
  await shown("#audit-form");
  if (await browser.$("#shift-step").isDisplayed()) {
    await wedge(PHARMACIST);
    await shown("#audit-result");
  }
  await wedge(PHARMACIST);
  await shown("#audit-reconfirm.ok");
  await fill("#audit-opinion", "处方规范，同意调配并配送到家。");
  await browser.execute(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await browser.keys("F2");
  await shown("#dispense-list");
  await failWithError("#counter-error", "audit");
  const boxes = () => browser.execute(() => document.querySelectorAll("#dispense-list td.small div").length);
  for (const [i, code] of [AMOX[0], AMOX[1], IBU].entries()) {
    serialScan(code);
    await browser.waitUntil(async () => (await boxes()) === i + 1, { timeout: 20000, timeoutMsg: `box ${i + 1} not ticked` });
  }
  await browser.keys("F3");
  await shown("#counter[data-state='dispensed']");
  await browser.keys("F4");
  await shown("#split");
  await failWithError("#counter-error", "pre-settle");
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
  await failWithError("#counter-error", "settle");
  if ((await step()) === "cash") {
    const due = (await text("#pay-due")).replace(/[^0-9.]/g, "");
    await fill("#tendered", String(Math.ceil(Number(due)) + 1));
    await browser.keys("F10");
  }
  if ((await step()) === "paid") await browser.keys("F10");
  await shown("#receipt-text");
  await failWithError("#counter-error", "complete");
  docno = await text("#receipt-docno");
  assert.match(docno, /^\S{10,}$/);
  await shot("40-delivery-sold");
  await browser.keys("Enter");
  await shown("#credential-number");
});

test("the delivery screen accepts the order, puts it in transit and signs it off with the patient's identity", async () => {
  assert.ok(docno, "the sale before has a document number");
  await fkey("F6", true);
  await shown("#delivery");
  assert.match(await text("#nav-delivery"), /配送订单/);
  await shown("#dlv-none");

  // Accept: the receipt's document number, the courier's number and company.
  await fill("#dlv-docno", docno);
  await fill("#dlv-delv-no", "DLV-20261205-001");
  await fill("#dlv-company", "演示同城配送");
  await browser.$("#dlv-accept").click();
  await shown("#dlv-orders tr[data-status='1']");
  await failWithError("#dlv-error", "accept");
  assert.match(await text("#dlv-orders"), /张三/);
  assert.match(await text("#dlv-orders"), /已接单/);
  assert.match(await text("#dlv-notice"), /已接单/);
  await shot("41-delivery-accepted");

  // The same sale cannot be ordered twice.
  await fill("#dlv-docno", docno);
  await fill("#dlv-delv-no", "DLV-20261205-002");
  await browser.$("#dlv-accept").click();
  await shown("#dlv-error");
  assert.match(await text("#dlv-error"), /已有配送订单/);

  // The courier picked it up (F3).
  await fkey("F3");
  await shown("#dlv-orders tr[data-status='2']");
  await failWithError("#dlv-error", "in transit");
  assert.match(await text("#dlv-orders"), /配送中/);
  await shot("42-delivery-in-transit");

  // Someone else at the door: refused, the order stays in transit.
  await fkey("F4");
  await shown("#dlv-sign-form");
  await fill("#dlv-sign-name", "李四");
  await fill("#dlv-sign-cert", "110101199003070011");
  await browser.$("#dlv-sign").click();
  await shown("#dlv-error");
  assert.match(await text("#dlv-error"), /不是处方患者本人/);
  assert.ok(await browser.$("#dlv-orders tr[data-status='2']").isDisplayed());
  await shot("43-delivery-wrong-recipient");

  // The patient signs with name and ID number.
  await fill("#dlv-sign-name", "张三");
  await fill("#dlv-sign-cert", ZHANGSAN_ID);
  await browser.$("#dlv-sign").click();
  await shown("#dlv-orders tr[data-status='3']");
  await failWithError("#dlv-error", "sign-off");
  assert.match(await text("#dlv-notice"), /已签收/);
  assert.ok(!(await browser.$("#dlv-sign-form").isDisplayed()));
  assert.ok(!(await browser.$("#dlv-actions").isExisting()), "a signed order offers no further move");
  await shot("44-delivery-signed");

  // Each status once at the center (7205 through the outbox).
  if (center) {
    await browser.waitUntil(async () => (await accepted7205()) === 3, {
      timeout: 60000,
      timeoutMsg: "the three 7205 statuses did not all reach the emulator",
    });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await accepted7205(), 3, "each status is uploaded once");
  }
});
