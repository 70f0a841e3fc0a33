// A whole counter visit in the REAL app window against the center emulator and
// the device simulators (started by scripts/e2e): keyboard-wedge bursts for the
// e-vouchers, the simulated USB-serial scanner (a FIFO feeding its PTY) for the
// boxes, the TCP receipt-printer simulator for the receipt. Screenshots of every
// step go to test-output/e2e/ — look at them as a pharmacist would.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openTillIfAsked } from "./steps.mjs";
import * as steps from "./steps.mjs";
import { mkdirSync, existsSync, readdirSync, writeFileSync } from "node:fs";

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
const failWithError = (what) =>
  steps.failWithError(browser, what, { shot: (w) => browser.saveScreenshot(`${shots}/visit-error-${w}.png`) });

// Demo world (docs/demo.md; crates/rxdesk-center-sim/src/seed.rs; rxdesk_demo::catalogue; assets/demo/drugs.json).
const ZHANGSAN = "110000ecdemo0000000000000000000zhangsan";
const LISI = "110000ecdemo000000000000000000000lisi";
const PHARMACIST = "110000ecdemo00000000000000000000liyaoshi";
const AMOX = ["81305112601010011873", "81305112601010388879"];
const IBU = "81305122601020013521";
const LORA = "81305132601030015797";

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
  // On a first demo start the app imports the demo catalogue (20,006 products)
  // in the background; a visit before it ends finds "本店目录无此药品". On a
  // loaded machine that takes long, so wait for the app to log that it is done.
  await waitForDemoCatalogue(180000);
});

/** Waits until the app's log says the demo pharmacy (catalogue + stock) is ready. */

after(async () => {
  await browser?.deleteSession();
});

const shot = (name) => browser.saveScreenshot(`${shots}/${name}.png`);
const text = async (sel) => (await browser.$(sel).getText()).trim();
const shown = (sel, timeout = 30000) => browser.$(sel).waitForDisplayed({ timeout });


/** A keyboard-wedge burst: key events back to back on the window, then Enter. */

/** A scan on the simulated USB-serial scanner: through the app's serial driver and a `device-scan` event. */
function serialScan(code) {
  writeFileSync(scanFifo, `${code}\n`);
}

async function boxesOnList() {
  return browser.execute(() => document.querySelectorAll("#dispense-list td.small div").length);
}


test("a pharmacist completes a visit with the keyboard and the simulated devices", async () => {
  await shown("#login-form");
  await browser.$("#operator").setValue("2001");
  await browser.$("#password").setValue("demo-pharmacist");
  await browser.keys("Enter");
  await shown("#counter", 15000);
  await openTillIfAsked(browser);

  // Identify: the patient's e-voucher, scanned anywhere in the window.
  await wedge(ZHANGSAN);
  await browser.waitUntil(
    async () => (await browser.$("#rx-list").isDisplayed()) || (await browser.$("#counter-error").isDisplayed()),
    { timeout: 30000, timeoutMsg: "no list and no error after the e-voucher scan" },
  );
  await failWithError("query");
  assert.match(await text("#visit-patient"), /张三/);
  await shot("10-visit-rx-list");

  // The first authorised prescription: verified locally, rules checked, layout beside the data.
  await browser.keys("1");
  await shown("#signature-panel");
  await failWithError("open");
  assert.match(await browser.$("#signature-panel").getAttribute("class"), /\bok\b/);
  assert.match(await text("#sig-institution"), /北京市演示第一医院（H11010100001）/);
  // pdf.js draws the page in chunks: wait until every page is drawn
  // (data-pages), or the screenshot shows half a layout (issue 13's doubt).
  await browser.$("#layout-pdf[data-pages]").waitForExist({ timeout: 30000 });
  await shot("11-visit-rx-verified");

  // Audit: shift start with the pharmacist's own e-voucher, then re-confirm it for this audit.
  await browser.keys("F2");
  await shown("#audit-form");
  if (await browser.$("#shift-step").isDisplayed()) {
    await wedge(PHARMACIST);
    await shown("#audit-result");
  }
  await failWithError("shift start");
  assert.match(await text("#nav-duty"), /李药师/);
  await wedge(PHARMACIST);
  await shown("#audit-reconfirm.ok");
  await browser.$("#audit-opinion").setValue("处方规范，用法用量适宜，准予调配。");
  await browser.execute(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await shot("12-visit-audit");
  await browser.keys("F2");
  await shown("#dispense-list");
  await failWithError("audit");

  // Each line shows its trace-code collection state: 应采 until its boxes are scanned.
  assert.equal(await browser.$$("#dispense-list [data-collection='due']").length, 2);
  assert.match(await text("#dispense-list"), /应采/);

  // Dispense through the serial scanner: a substitution and a duplicate box are refused loudly.
  serialScan(LORA);
  await shown("#scan-banner.bad");
  assert.equal(await browser.$("#scan-banner").getAttribute("data-code"), "wrong_product");
  await shot("13-visit-scan-substitution");
  // en-US mid-visit: the real service's next step crosses as a code
  // (VisitView.nextStep) and is worded from the window's catalogue, no Chinese.
  const lang = () => browser.execute(() => document.documentElement.lang);
  await browser.$("#locale-switch").click();
  await browser.waitUntil(async () => (await lang()) === "en-US", { timeout: 15000, timeoutMsg: "the counter did not switch to en-US" });
  const nextEn = await text("#visit-next");
  assert.doesNotMatch(nextEn, /[\u3400-\u9fff]/, `Chinese in the English counter: ${nextEn}`);
  assert.match(nextEn, /barcode and trace code/, nextEn);
  await shot("13b-visit-dispensing-en");
  await browser.$("#locale-switch").click();
  await browser.waitUntil(async () => (await lang()) === "zh-CN", { timeout: 15000, timeoutMsg: "the counter did not switch back" });
  serialScan(AMOX[0]);
  await browser.waitUntil(async () => (await boxesOnList()) === 1, { timeout: 20000, timeoutMsg: "first box not ticked" });
  serialScan(AMOX[0]);
  await browser.waitUntil(
    async () => (await browser.$("#scan-banner").getAttribute("data-code")) === "duplicate_trace_code",
    { timeout: 20000, timeoutMsg: "duplicate trace code not refused" },
  );
  serialScan(AMOX[1]);
  serialScan(IBU);
  await browser.waitUntil(async () => (await boxesOnList()) === 3, { timeout: 20000, timeoutMsg: "boxes not ticked" });
  await browser.waitUntil(
    async () => (await browser.$$("#dispense-list [data-collection='collected']").length) === 2,
    { timeout: 10000, timeoutMsg: "the lines are not shown as 已采 after their boxes" },
  );
  // The list names the box's own lot, the one the banner, receipt and
  // guidance print (not the ledger's internal batch number).
  assert.match(await text("#dispense-list"), /批号 I250210/);
  assert.doesNotMatch(await text("#dispense-list"), /DEMO-IBU-01/);
  await shot("14-visit-dispensed");

  // Settle: 2101 preview in plain words, then 2102; cash for the self-paid part.
  await browser.keys("F3");
  await shown("#counter[data-state='dispensed']");
  await browser.keys("F4");
  await shown("#split");
  await failWithError("pre-settle");
  assert.equal(await text("#split-total"), "¥43.00");
  assert.ok((await text("#split-explain")).length > 10);
  await shot("15-visit-pre-settled");
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
    await shot("16-visit-payment");
    await browser.keys("F10");
  }
  if ((await step()) === "paid") {
    // 张三's personal account covers it all: nothing to collect, F10 completes.
    await shot("16-visit-settled-nothing-due");
    await browser.keys("F10");
  }
  await shown("#receipt-text");
  await failWithError("complete");
  assert.match(await text("#receipt-text"), /43\.00/);
  assert.match(await text("#print-outcome"), /已打印/);
  // The medication guidance is shown as the slip printed with the receipt
  // (the doctor's instructions included), never as a file path.
  const guidance = await text("#guidance-text");
  assert.match(guidance, /用药指导/);
  assert.match(guidance, /医嘱/);
  assert.doesNotMatch(guidance + (await text("#print-outcome")), /(^|\s)\/[\w.-]+\/|\.pdf\b|\.escpos\b/);
  assert.match(await text("#print-outcome"), /用药指导已打印/);
  await shot("17-visit-receipt");
  await browser.execute(() => document.querySelector("#guidance-text")?.scrollIntoView());
  await shot("17b-visit-guidance");
  // en-US: the panel's words switch; the slip is the patient's (zh-CN) as printed.
  await browser.$("#locale-switch").click();
  await browser.waitUntil(async () => /Medication guidance/.test(await text("#receipt-view")), {
    timeout: 15000,
    timeoutMsg: "the receipt panel did not switch to en-US",
  });
  assert.match(await text("#guidance-text"), /医嘱/);
  await shot("17c-visit-guidance-en");
  await browser.$("#locale-switch").click();
  await browser.waitUntil(async () => /用药指导/.test(await text("#receipt-view")));
  // The printer simulator decoded the ESC/POS job and saved the cut receipt.
  await browser.waitUntil(async () => readdirSync(`${home}/printed`).some((f) => f.endsWith(".png")), {
    timeout: 10000,
    timeoutMsg: "the printer simulator received no receipt",
  });
  await browser.keys("Enter");
  await shown("#credential-number");

  // The uploads reach the emulator through the outbox and the sync worker.
  if (center) {
    await browser.waitUntil(
      async () => {
        const stats = await (await fetch(`${center}/admin/stats`)).json();
        return JSON.stringify(stats).includes("7206");
      },
      { timeout: 60000, timeoutMsg: "the write-off (7206) never reached the emulator" },
    );
  }
});

test("a prescription tampered after signing is blocked with the reason", async () => {
  await wedge(LISI);
  await shown("#rx-list");
  const rows = (await browser.$$(".rx-row")).length;
  let blocked = false;
  for (let i = 1; i <= rows && !blocked; i++) {
    await browser.keys(String(i));
    await shown("#signature-panel");
    if ((await browser.$("#signature-panel").getAttribute("class")).includes("bad")) {
      blocked = true;
      assert.match(await text("#sig-reason"), /处方内容与签名不一致/);
      assert.match(await text("#next-step"), /已阻止|不能/);
      await shot("18-visit-tampered-blocked");
    }
    await browser.keys("Escape");
    await shown("#rx-list, #credential-number");
    if (!(await browser.$("#rx-list").isDisplayed())) break;
  }
  assert.ok(blocked, "李四's tampered prescription was not blocked");
});

async function refundFromHistory(reason, authorise) {
  await browser.keys("F6");
  await shown("#history");
  await browser.$("#history-query").setValue(AMOX[0]);
  await browser.keys("Enter");
  await shown("#history-list");
  assert.match(await text("#history-detail"), /张三/);
  await browser.keys("F4");
  await shown("#refund-reason");
  await browser.$("#refund-reason").setValue(reason);
  // An insured sale: the patient identifies again as at the sale (e-voucher).
  await browser.$("#refund-identity").setValue(ZHANGSAN);
  if (authorise) {
    // 店长授权: the manager types 工号 and password on this (pharmacist's) screen.
    await browser.$("#refund-mgr-login").setValue(authorise.login);
    await browser.$("#refund-mgr-password").setValue(authorise.password);
  }
  await browser.$("#refund-reason").click();
  await browser.keys("Enter");
  if (!authorise) return;
  await browser.pause(500);
  await shot("19b-history-refund-authorised");
  await shown("#refund-confirm");
  await browser.keys("F4");
  await browser.waitUntil(
    async () => (await browser.$("#refund-receipt").isDisplayed()) || (await browser.$("#history-error").isDisplayed()),
    { timeout: 30000, timeoutMsg: "no refund receipt and no error" },
  );
}

test("history: a pharmacist may not refund alone; the store manager authorises the refund at her session", async () => {
  await browser.keys("Escape");
  await refundFromHistory("患者过敏，整单退费");
  await shown("#history-error");
  assert.match(await text("#history-error"), /店长/);
  assert.ok(!(await browser.$("#refund-confirm").isExisting()), "refused before the confirmation");
  await shot("19-history-refund-needs-manager");
  await browser.keys("Escape");
  await refundFromHistory("患者过敏，整单退费", { login: "3001", password: "demo-manager" });
  if (await browser.$("#history-error").isDisplayed()) assert.fail(`refund: ${await text("#history-error")}`);
  assert.match(await text("#refund-receipt"), /患者过敏/);
  assert.match(await text("#history-list"), /已退费/);
  await shot("20-history-refunded");
});
