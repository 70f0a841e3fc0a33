// The OTC / retail sale (非处方销售, F9) in the REAL app window against the
// center emulator (started by scripts/e2e): the pharmacist opens the till when
// the counter asks, goes to the OTC screen, finds 布洛芬 by its 拼音 initials,
// is refused 阿莫西林 (处方药) when its box is scanned, cannot check out before
// the box's trace code is scanned (无码不结), scans it, and sells it self-paid
// in cash with the receipt on screen. Screenshots go to test-output/e2e/ —
// look at them as a pharmacist would.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, existsSync } from "node:fs";
import { openTillIfAsked } from "./steps.mjs";
import * as steps from "./steps.mjs";

const port = Number(process.env.RXDESK_E2E_DRIVER_PORT ?? 4444);
const application = process.env.RXDESK_E2E_APP;
const home = process.env.RXDESK_HOME;
const shots = "test-output/e2e";
let browser;
// Shared steps (steps.mjs), bound to this file's window.
const waitForDemoCatalogue = (timeout) => steps.waitForDemoCatalogue(home, timeout);
const typeInto = (sel, value) => steps.typeInto(browser, sel, value);

// Demo world (docs/demo.md): the first box of 布洛芬 (OTC) and 阿莫西林 (处方药).
const IBU_BARCODE = "6923456001022";
const IBU_TRACE = "81305122601020013521";
const AMOX_BARCODE = "6923456001015";

before(async () => {
  assert.ok(application && existsSync(application), `app binary missing: ${application}`);
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

/** Types into the scan field and submits it (what a wedge scanner's Enter does). */
async function enter(value) {
  await typeInto("#otc-input", value);
  await browser.execute(() => document.querySelector("#otc-input").form.requestSubmit());
}

async function noError(what) {
  if (await browser.$("#otc-error").isDisplayed()) {
    await shot(`otc-error-${what}`);
    assert.fail(`${what}: ${await text("#otc-error")}`);
  }
}

test("an OTC sale: pinyin search, 处方药 refused, trace code per box, cash, receipt", async () => {
  await shown("#login-form");
  await browser.$("#operator").setValue("2001");
  await typeInto("#password", "demo-pharmacist");
  await browser.keys("Enter");
  await shown("#counter", 15000);
  await openTillIfAsked(browser);

  // F9 非处方销售: the scan field has the focus.
  await browser.$("#nav-otc").click();
  await shown("#otc-input");
  await browser.waitUntil(async () => (await browser.$("#otc").getAttribute("data-stage")) === "cart", {
    timeout: 30000,
    timeoutMsg: "no OTC sale started",
  });
  await noError("start");
  assert.equal(await browser.execute(() => document.activeElement?.id), "otc-input", "scanner first");
  await shot("60-otc-empty");

  // 拼音 initials find 布洛芬; a 处方药's box is refused.
  await enter("blf");
  await shown("#otc-hits");
  // The demo pharmacy's large catalogue has several 布洛芬 products: the best hit is one.
  const names = await browser.execute(() => [...document.querySelectorAll("#otc-hits li .name")].map((e) => e.textContent));
  assert.ok(names.length > 0 && names[0].startsWith("布洛芬"), `hits: ${names}`);
  await shot("61-otc-search-blf");
  await enter(AMOX_BARCODE);
  await shown("#otc-scan-msg");
  assert.match(await text("#otc-scan-msg"), /处方药/);
  assert.ok(await browser.$("#otc-empty").isDisplayed(), "nothing entered the cart");
  await shot("62-otc-rx-only-refused");

  // The box's barcode adds a pack; checkout waits for its trace code.
  await enter(IBU_BARCODE);
  await browser.waitUntil(async () => (await browser.$$("#otc-cart tbody tr")).length === 1, { timeout: 30000 });
  assert.match(await text("#otc-cart tr[data-line='0'] td[data-boxes]"), /待扫/);
  assert.ok(!(await browser.$("#otc-next-action").isExisting()), "no checkout before the trace code (无码不结)");
  await shot("63-otc-box-waiting-for-trace-code");
  await enter(IBU_TRACE);
  await browser.waitUntil(async () => /已扫齐/.test(await text("#otc-cart tr[data-line='0'] td[data-boxes]")), { timeout: 30000 });
  assert.match(await text("#otc-total"), /18\.00/);
  await noError("scan");
  await shot("64-otc-cart-complete");

  // F3 结算 (自费) → F3 确认 → cash tendered → F3 收款并出票.
  await browser.keys("F3");
  await browser.waitUntil(async () => (await browser.$("#otc").getAttribute("data-stage")) === "checkout", { timeout: 30000 });
  await noError("checkout");
  assert.match(await text("#otc-split"), /自费/);
  await browser.keys("F3");
  await shown("#otc-tendered");
  await typeInto("#otc-tendered", "20");
  await shown("#otc-change");
  assert.match(await text("#otc-change"), /2\.00/);
  await shot("65-otc-cash-tendered");
  await browser.keys("F3");
  await shown("#otc-receipt", 60000);
  await noError("pay");
  const receipt = await text("#otc-receipt");
  assert.match(receipt, /布洛芬缓释胶囊/);
  assert.match(receipt, /找零/);
  assert.match(await text("#otc-done"), /销售完成/);
  // What the customer handed over stays on screen beside the change.
  assert.match(await text("#otc-paid-tendered"), /实收现金 ¥20\.00/);
  assert.match(await text("#otc-paid-change"), /找零 ¥2\.00/);
  await shot("66-otc-receipt");

  // F4: the next sale starts empty.
  await browser.keys("F4");
  await browser.waitUntil(async () => (await browser.$("#otc").getAttribute("data-stage")) === "cart", { timeout: 30000 });
  assert.ok(await browser.$("#otc-empty").isDisplayed());
});
