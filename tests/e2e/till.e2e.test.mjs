// The till in the REAL app window against the center emulator and the device
// simulators (started by scripts/e2e): a refused visit offers the float, the
// till screen (Shift+F1) opens a shift, one cash sale is made at the counter
// with the keyboard and the simulated scanner, then the till is closed with
// the cash counted short: the difference is shown and the 交班单 printed.
// Screenshots go to test-output/e2e/ — look at them as a cashier would.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
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
const typeInto = (sel, value) => steps.typeInto(browser, sel, value);
const failWithError = (what) =>
  steps.failWithError(browser, what, { shot: (w) => browser.saveScreenshot(`${shots}/till-error-${w}.png`) });

// Demo world (docs/demo.md): 李四 (resident scheme, no personal account)
// pays his part at the counter; the first demo boxes of amoxicillin and ibuprofen.
const LISI = "110000ecdemo000000000000000000000lisi";
const PHARMACIST = "110000ecdemo00000000000000000000liyaoshi";
const AMOX = ["81305112601010011873", "81305112601010388879"];
const IBU = "81305122601020013521";
const DIAG = "急性上呼吸道感染（交班演练）";

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

/** Sets an input as typing would (WebDriver keystrokes drop characters under load). */



/** The box codes of a prescription line as the dispense list asks for them. */
async function boxesOnList() {
  return browser.execute(() => document.querySelectorAll("#dispense-list td.small div").length);
}

test("open the till, one cash sale, close with a cash difference", async () => {
  await shown("#login-form");
  await browser.$("#operator").setValue("2001");
  await typeInto("#password", "demo-pharmacist");
  await browser.keys("Enter");
  await shown("#counter", 15000);

  // No till shift: the counter says so and offers the float right there.
  await shown("#counter-till", 30000);
  assert.match(await text("#counter-error"), /收银尚未开班/);
  // The visit service did answer: no "press F1 to retry" beside the offer.
  assert.ok(!(await browser.$("#visit-retry").isExisting()), "a retry notice beside the till offer");
  await shot("40-till-counter-needs-till");
  // A prompt, not a refusal: no refusal tone, so the web process has not
  // opened an audio output (the tone's AudioContext loads PulseAudio's
  // client for the rest of the day).
  const audio = steps.webProcessLibraries(application, home).filter((l) => /pulse/.test(l));
  assert.deepEqual(audio, [], "the web process opened audio at the till prompt");
  // The same offer in en-US: it follows the error's code, not its Chinese
  // sentence (F1 asks for the visit again, so the refusal is worded anew).
  await browser.$("#locale-switch").click();
  await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.lang)) === "en-US");
  await browser.keys("F1");
  await browser.waitUntil(async () => /The till is not open/.test(await text("#counter-error")), { timeout: 15000 });
  await shown("#counter-till");
  assert.doesNotMatch(await text("#counter-till"), /[\u4e00-\u9fff]/);
  await shot("40-till-counter-needs-till-en");
  await browser.$("#locale-switch").click();
  await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.lang)) === "zh-CN");

  // The till screen (Shift+F1): open with a float of 200.00.
  await browser.$("#nav-till").click();
  await shown("#till-none");
  await typeInto("#till-float", "200.00");
  await browser.keys("F2");
  await shown("#till-lines");
  assert.match(await text("#till-state"), /已开班/);
  const cashExpected = async () => (await text("#till-lines tr[data-method='cash'] td[data-expected]")).replace(/[^0-9.]/g, "");
  assert.equal(await cashExpected(), "200.00");
  await shot("41-till-opened");

  // The hospital prescribes for 李四 (the emulator's admin API plays the hospital).
  assert.ok(center, "RXDESK_E2E_CENTER is not set");
  const r = await fetch(`${center}/admin/prescriptions`, {
    method: "POST",
    body: JSON.stringify({
      hospital: "H11010100001",
      psn_no: "PSN1101000002",
      lines: [["XJ01CAA040A001010100001", "2"], ["XM01AEB080A001010100002", "1"]],
      diag_name: DIAG,
      label: "till-e2e",
    }),
  });
  assert.ok(r.ok, `prescribe: ${r.status} ${await r.text()}`);

  // Back to the counter: a visit for 李四, paid in cash.
  await browser.$("#nav-counter").click();
  await shown("#credential-number", 30000);
  await wedge(LISI);
  await shown("#rx-list");
  const row = await browser.execute(
    (d) => [...document.querySelectorAll(".rx-row")].findIndex((tr) => tr.textContent.includes(d)),
    DIAG,
  );
  assert.ok(row >= 0, "the new prescription is not listed");
  await browser.keys(String(row + 1));
  await shown("#signature-panel");
  await failWithError("open");
  await browser.keys("F2");
  await shown("#audit-form");
  if (await browser.$("#shift-step").isDisplayed()) {
    await wedge(PHARMACIST);
    await shown("#audit-result");
  }
  await wedge(PHARMACIST);
  await shown("#audit-reconfirm.ok");
  await typeInto("#audit-opinion", "处方规范，准予调配。");
  await browser.execute(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await browser.keys("F2");
  await shown("#dispense-list");
  await failWithError("audit");
  // The boxes through the simulated serial scanner.
  for (const c of [...AMOX, IBU]) writeFileSync(scanFifo, `${c}\n`);
  await browser.waitUntil(async () => (await boxesOnList()) === 3, { timeout: 30000, timeoutMsg: "boxes not ticked" });
  await browser.keys("F3");
  await shown("#counter[data-state='dispensed']");
  await browser.keys("F4");
  await shown("#split");
  await browser.keys("F9");
  await browser.waitUntil(
    async () => (await browser.$("#tendered").isDisplayed()) || (await browser.$("#counter-error").isDisplayed()),
    { timeout: 60000, timeoutMsg: "no cash step after settling" },
  );
  await failWithError("settle");
  const due = (await text("#pay-due")).replace(/[^0-9.]/g, "");
  await typeInto("#tendered", "100.00");
  await shot("42-till-cash-payment");
  await browser.keys("F10");
  await shown("#receipt-text");
  await failWithError("complete");
  assert.match(await text("#receipt-text"), /现金/);
  assert.match(await text("#receipt-text"), /找零/);
  await shot("43-till-cash-receipt");

  // The till: cash expected = float + the cash taken; count 2.50 short.
  await browser.$("#nav-till").click();
  await shown("#till-lines");
  const expected = await cashExpected();
  const cents = (s) => Math.round(Number(s) * 100);
  assert.equal(cents(expected), cents("200.00") + cents(due));
  const counted = ((cents(expected) - 250) / 100).toFixed(2);
  await typeInto("#till-counted-cash", counted);
  await shown("#till-diff-words");
  assert.match(await text("#till-diff-words"), /短款/);
  assert.equal(await text("#till-lines tr[data-method='cash'] td[data-difference]"), "-2.50");
  await shot("44-till-close-counted");
  await browser.execute(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await browser.keys("F3");
  await shown("#till-confirm");
  await browser.keys("F3");
  await shown("#till-closed");
  assert.match(await text("#till-closed-diff"), /现金短款 2\.50 元/);
  assert.match(await text("#till-slip"), /交班单/);
  assert.match(await text("#till-printed"), /已打印|已保存/);
  await shot("45-till-closed-slip");

  // The 日结 of today: one sale.
  await browser.keys("F4");
  await shown("#till-day-table");
  assert.match(await text("#till-day-table tr[data-operator='0']"), /1/);
  await shot("46-till-day-report");
});
