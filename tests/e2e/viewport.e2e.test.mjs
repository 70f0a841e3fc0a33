// The counter on the common counter screens, in the REAL app window: 1024×768 and 1366×768
// (the window as shipped is 1280×800). One visit against the center emulator and the device
// simulators (started by scripts/e2e); at every step the window is sized to each screen in turn
// and asserted: nothing scrolls sideways (`document.documentElement.scrollWidth <= innerWidth`,
// and the scrolling main area likewise) and the drug lines and the step's primary action lie
// inside the visible part of the window. Screenshots of every step at both sizes go to
// test-output/e2e/viewport-*.png — look at them as a pharmacist would.
// Xvfb's screen must be larger than 1366×768: run with -screen 0 1920x1080x24.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openTillIfAsked } from "./steps.mjs";
import * as steps from "./steps.mjs";
import { mkdirSync, existsSync, writeFileSync } from "node:fs";

const port = Number(process.env.RXDESK_E2E_DRIVER_PORT ?? 4444);
const application = process.env.RXDESK_E2E_APP;
const home = process.env.RXDESK_HOME;
const scanFifo = process.env.RXDESK_E2E_SCAN_FIFO;
const shots = "test-output/e2e";
const SIZES = [[1024, 768], [1366, 768]];
let browser;
// Shared steps (steps.mjs), bound to this file's window.
const wedge = (code) => steps.wedge(browser, code);
const waitForDemoCatalogue = (timeout) => steps.waitForDemoCatalogue(home, timeout);
const failWithError = (what) =>
  steps.failWithError(browser, what, { shot: (w) => browser.saveScreenshot(`${shots}/viewport-error-${w}.png`) });

// Demo world (docs/demo.md; crates/rxdesk-center-sim/src/seed.rs; assets/demo/drugs.json).
const ZHANGSAN = "110000ecdemo0000000000000000000zhangsan";
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

/** Waits until the app's log says the demo pharmacy (catalogue + stock) is ready. */

const text = async (sel) => (await browser.$(sel).getText()).trim();
const shown = (sel, timeout = 30000) => browser.$(sel).waitForDisplayed({ timeout });

/** A keyboard-wedge burst: key events back to back on the window, then Enter. */

/** A scan on the simulated USB-serial scanner. */
function serialScan(code) {
  writeFileSync(scanFifo, `${code}\n`);
}


/** Sizes the page (the web view, not the frame) to `w`×`h` through WebDriver's window rect. */
async function sizeTo(w, h) {
  await browser.setWindowSize(w, h);
  for (let i = 0; i < 5; i++) {
    await browser.pause(250);
    const [iw, ih] = await browser.execute(() => [window.innerWidth, window.innerHeight]);
    if (iw === w && ih === h) return;
    const { width, height } = await browser.getWindowSize();
    await browser.setWindowSize(width + (w - iw), height + (h - ih));
  }
  const got = await browser.execute(() => [window.innerWidth, window.innerHeight]);
  assert.deepEqual(got, [w, h], "the window could not be sized");
}

/** Nothing scrolls sideways, and each selector lies in the visible part of the window. */
async function problems(selectors) {
  return browser.execute((sels) => {
    const main = document.querySelector("main");
    const box = main ? main.getBoundingClientRect() : { top: 0, bottom: window.innerHeight };
    const out = [];
    const de = document.documentElement;
    if (de.scrollWidth > window.innerWidth) out.push(`page scrolls sideways: ${de.scrollWidth} > ${window.innerWidth}`);
    if (main && main.scrollWidth > main.clientWidth) out.push(`main scrolls sideways: ${main.scrollWidth} > ${main.clientWidth}`);
    for (const s of sels) {
      const el = document.querySelector(s);
      if (!el) {
        out.push(`${s} missing`);
        continue;
      }
      const b = el.getBoundingClientRect();
      const inMain = main && main.contains(el);
      const top = inMain ? Math.max(box.top, 0) : 0;
      const bottom = inMain ? Math.min(box.bottom, window.innerHeight) : window.innerHeight;
      if (b.top < top - 1 || b.bottom > bottom + 1 || b.left < -1 || b.right > window.innerWidth + 1) {
        out.push(`${s} outside the view: ${Math.round(b.top)}–${Math.round(b.bottom)} (visible ${Math.round(top)}–${Math.round(bottom)})`);
      }
    }
    return out;
  }, selectors);
}

/** At both counter sizes: a screenshot, then the fit asserted. */
async function fitsAtEachSize(step, selectors) {
  for (const [w, h] of SIZES) {
    await sizeTo(w, h);
    // Let the layout settle after the resize (the layout PDF redraws for its new width).
    await browser.pause(400);
    await browser.saveScreenshot(`${shots}/viewport-${w}x${h}-${step}.png`);
    assert.deepEqual(await problems(selectors), [], `${w}×${h} ${step}: does not fit`);
  }
}

test("a visit fits 1024×768 and 1366×768 at every step", async () => {
  await shown("#login-form");
  await fitsAtEachSize("01-login", ["#login-form button[type=submit]", ".statusbar"]);
  await browser.$("#operator").setValue("2001");
  await browser.$("#password").setValue("demo-pharmacist");
  await browser.keys("Enter");
  await shown("#counter", 15000);
  await openTillIfAsked(browser);
  await shown("#credential-number");
  await fitsAtEachSize("02-identify", ["#credential-number", "#fkeys", ".statusbar"]);

  await wedge(ZHANGSAN);
  await browser.waitUntil(
    async () => (await browser.$("#rx-list").isDisplayed()) || (await browser.$("#counter-error").isDisplayed()),
    { timeout: 60000, timeoutMsg: "no list and no error after the e-voucher scan" },
  );
  await failWithError("query");
  // The list names the drugs (downloaded for the list).
  assert.match(await text("#rx-list"), /阿莫西林/);
  await fitsAtEachSize("03-rx-list", ["#rx-list .rx-drugs-cell", "#fkeys"]);

  await browser.keys("1");
  await shown("#signature-panel");
  await failWithError("open");
  await browser.$("#layout-pdf[data-pages]").waitForExist({ timeout: 30000 });
  // 开方科室 is the doctor's department, not the signed 药剂科.
  assert.doesNotMatch(await text("#rx-dept"), /药剂科/);
  await fitsAtEachSize("04-rx-verified", ["#signature-panel h3", "#rx-drugs", "#fkeys", "#visit-next"]);

  await browser.keys("F2");
  await shown("#audit-form");
  if (await browser.$("#shift-step").isDisplayed()) {
    await wedge(PHARMACIST);
    await shown("#audit-result");
  }
  await failWithError("shift start");
  await wedge(PHARMACIST);
  await shown("#audit-reconfirm.ok");
  await browser.$("#audit-opinion").setValue("处方规范，用法用量适宜，准予调配。");
  await browser.execute(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await fitsAtEachSize("05-audit", ["#rx-drugs", "#audit-submit", "#visit-next"]);
  await browser.keys("F2");
  await shown("#dispense-list");
  await failWithError("audit");
  await fitsAtEachSize("06-dispense", ["#dispense-list", "#scan-prompt", "#fkeys"]);

  const boxes = async () => browser.execute(() => document.querySelectorAll("#dispense-list td.small div").length);
  for (const [i, c] of [AMOX[0], AMOX[1], IBU].entries()) {
    serialScan(c);
    await browser.waitUntil(async () => (await boxes()) === i + 1, { timeout: 20000, timeoutMsg: `box ${i + 1} not ticked` });
  }
  await browser.keys("F3");
  await shown("#counter[data-state='dispensed']");
  await fitsAtEachSize("07-dispensed", ["#dispense-list", "#fkeys"]);

  await browser.keys("F4");
  await shown("#split");
  await failWithError("pre-settle");
  await fitsAtEachSize("08-pre-settled", ["#split-total", "#fkeys"]);
  await browser.keys("F9");
  const step = async () =>
    (await browser.$("#tendered").isDisplayed())
      ? "cash"
      : (await browser.$("#paid").isDisplayed())
        ? "paid"
        : (await browser.$("#counter-error").isDisplayed())
          ? "error"
          : null;
  await browser.waitUntil(step, { timeout: 60000, timeoutMsg: "no payment step after settling" });
  await failWithError("settle");
  if ((await step()) === "cash") {
    const due = (await text("#pay-due")).replace(/[^0-9.]/g, "");
    await browser.$("#tendered").setValue(String(Math.ceil(Number(due)) + 1));
    await fitsAtEachSize("09-payment", ["#pay-due", "#tendered", "#pay-cash"]);
  } else {
    await fitsAtEachSize("09-paid", ["#paid", "#complete"]);
  }
  await browser.keys("F10");
  await shown("#receipt-text");
  await failWithError("complete");
  await fitsAtEachSize("10-receipt", ["#new-visit", "#print-outcome", "#receipt-docno"]);
});

test("in en-US the manager's navigation, Sign out and the duty chip fit 1024×768 on the counter, delivery and manager screens", async () => {
  await sizeTo(1024, 768);
  await browser.keys("F12");
  await browser.waitUntil(
    async () => (await browser.$("#login-form").isDisplayed()) || (await browser.$("#signout-yes").isDisplayed()),
    { timeout: 15000, timeoutMsg: "F12 did not sign out" },
  );
  if (await browser.$("#signout-yes").isDisplayed()) await browser.$("#signout-yes").click();
  await shown("#login-form");
  await browser.$("#locale-switch").click();
  await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.lang)) === "en-US", { timeout: 10000 });
  await browser.$("#operator").setValue("3001");
  await browser.$("#password").setValue("demo-manager");
  await browser.keys("Enter");
  await shown("#nav", 15000);
  await openTillIfAsked(browser);
  const nav = ["#nav-counter", "#nav-manager", "#nav-settings", "#nav-lock", "#nav-logout", "#nav-duty", "#logout", "#locale-switch"];
  for (const [name, sel] of [["counter", "#nav-counter"], ["delivery", "#nav-delivery"], ["manager", "#nav-manager"]]) {
    await browser.$(sel).click();
    await browser.pause(600);
    await browser.saveScreenshot(`${shots}/viewport-1024x768-en-${name}.png`);
    const clipped = await browser.execute(() =>
      ["header", "#nav"].flatMap((s) => {
        const el = document.querySelector(s);
        return el && el.scrollWidth > el.clientWidth + 1 ? [`${s} ${el.scrollWidth} > ${el.clientWidth}`] : [];
      }));
    assert.deepEqual([...clipped, ...(await problems(nav))], [], `en-US ${name} at 1024×768`);
  }
});
