// Identification through the counter's devices in the REAL app window (scripts/e2e starts the
// simulators, scripts/demo-devices): the social-security card read from the simulated serial card
// reader with the e-voucher password typed on the simulated PIN pad (the stand-in NationECCode
// checks it; RxDesk never sees it); a wrong password shows ST-EPC-02-001's guidance and lists
// nothing; the face terminal after the consent step; a scanned e-voucher QR decoded through
// `ec.query`; a 代购 visit with the agent on the receipt and in the ledger (History).
// Screenshots go to test-output/e2e/3x-*.png — look at them as a pharmacist would.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openTillIfAsked } from "./steps.mjs";
import * as steps from "./steps.mjs";
import { mkdirSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";

const port = Number(process.env.RXDESK_E2E_DRIVER_PORT ?? 4444);
const application = process.env.RXDESK_E2E_APP;
const home = process.env.RXDESK_HOME;
const scanFifo = process.env.RXDESK_E2E_SCAN_FIFO;
const cardFifo = process.env.RXDESK_E2E_CARD_FIFO;
const pinFifo = process.env.RXDESK_E2E_PIN_FIFO;
const standinState = process.env.RXDESK_E2E_STANDIN_STATE;
const shots = "test-output/e2e";
let browser;
// Shared steps (steps.mjs), bound to this file's window.
const wedge = (code) => steps.wedge(browser, code);
const failWithError = (what) =>
  steps.failWithError(browser, what, { shot: (w) => browser.saveScreenshot(`${shots}/identity-error-${w}.png`) });

// Demo world (docs/demo.md).
const ZHANGSAN_CARD = "110000|110101198001010029|A10000001|SNA10000001|张三|008C544CB386844A2F8E5D|3.00|20200101|20300101|";
const ZHANGSAN_PIN = "246810";
const WANGFANG = "110000ecdemo00000000000000000000wangfang";
const PHARMACIST = "110000ecdemo00000000000000000000liyaoshi";
const METFORMIN = ["81305152601050016381", "81305152601050388615"];

before(async () => {
  assert.ok(application && existsSync(application), `app binary missing: ${application}`);
  for (const f of [scanFifo, cardFifo, pinFifo, standinState]) assert.ok(f && existsSync(f), `simulator missing: ${f}`);
  mkdirSync(shots, { recursive: true });
  browser = await steps.remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "warn",
    capabilities: { "tauri:options": { application, args: ["--data-dir", home] } },
  });
  await waitFor(() => existsSync(`${home}/logs`) && readdirSync(`${home}/logs`).some((f) =>
    readFileSync(`${home}/logs/${f}`, "utf8").includes("demo pharmacy ready")), 180000, "the demo catalogue import");
});

after(async () => {
  await browser?.deleteSession();
});

async function waitFor(cond, timeout, what) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what} did not happen within ${timeout / 1000} s`);
}

const shot = (name) => browser.saveScreenshot(`${shots}/${name}.png`);
const text = async (sel) => (await browser.$(sel).getText()).trim();
const shown = (sel, timeout = 30000) => browser.$(sel).waitForDisplayed({ timeout });


/** The patient types on the simulated PIN pad (it writes the stand-in's state file). */
async function pinPad(typed) {
  writeFileSync(pinFifo, `${typed}\n`);
  await waitFor(() => readFileSync(standinState, "utf8").includes(`pin_typed=${typed}`), 10000, "the PIN pad");
}

/** A card put on the simulated serial card reader. */
function insertCard(record) {
  writeFileSync(cardFifo, `insert ${record}\n`);
}

/** A keyboard-wedge burst: key events back to back on the window, then Enter. */


async function listOrError(what) {
  await browser.waitUntil(
    async () => (await browser.$("#rx-list").isDisplayed()) || (await browser.$("#counter-error").isDisplayed()),
    { timeout: 60000, timeoutMsg: `${what}: no list and no error` },
  );
  await failWithError(what);
}

/** Sets an input's value as typing would (one input event). */
async function fill(sel, value) {
  await browser.execute(
    (sel, value) => {
      const el = document.querySelector(sel);
      el.value = value;
      el.dispatchEvent(new Event("input", { bubbles: true }));
    },
    sel,
    value,
  );
}

async function method(value) {
  await browser.$("#credential-type").selectByAttribute("value", value);
}

/** Ends the visit on screen and starts the next one. */
async function nextPatient() {
  await browser.keys("Escape");
  await shown("#counter[data-state='started']");
}

test("card read from the simulated reader, a wrong password on the PIN pad lists nothing, the right one lists", async () => {
  await shown("#login-form");
  await browser.$("#operator").setValue("2001");
  await browser.$("#password").setValue("demo-pharmacist");
  await browser.keys("Enter");
  await shown("#counter", 15000);
  await openTillIfAsked(browser);

  insertCard(ZHANGSAN_CARD);
  await pinPad("000000");
  await method("social_security_card");
  await shown("#pinpad-hint");
  assert.equal(await browser.$("#id-password").isExisting(), false, "no password field in RxDesk");
  await shot("30-identify-card-pinpad");
  await browser.$("#query").click();
  await shown("#guidance");
  assert.match(await text("#guidance"), /密码验证未通过/);
  assert.match(await text("#guidance"), /还可尝试 2 次/);
  assert.equal(await browser.$("#rx-list").isExisting(), false, "nothing is listed after a wrong password");
  assert.equal(await browser.$("#visit-patient").isExisting(), false);
  await shot("31-card-wrong-password-guidance");

  await pinPad(ZHANGSAN_PIN);
  await browser.$("#query").click();
  await listOrError("card + PIN");
  assert.match(await text("#visit-patient"), /张三/);
  assert.match(await text("#identified-via"), /社保卡/);
  await shot("32-card-pin-listed");
  // The password never reached RxDesk: the SDK's request names the holder only.
  assert.ok(!readFileSync(`${standinState}.calls`, "utf8").includes(ZHANGSAN_PIN));
});

test("face terminal after the consent step", async () => {
  await nextPatient();
  await method("face");
  await shown("#face-consent-step");
  await browser.$("#query").click();
  await shown("#counter-error");
  assert.match(await text("#counter-error"), /同意/);
  await browser.$("#face-consent").click();
  await shot("33-face-consent");
  await browser.$("#query").click();
  await listOrError("face");
  assert.match(await text("#visit-patient"), /张三/);
  assert.match(await text("#identified-via"), /刷脸/);
  await shot("34-face-listed");
});

test("an e-voucher QR decoded through ec.query; a 代购 visit keeps the agent on the receipt and in the ledger", async () => {
  await nextPatient();
  await method("e_voucher");
  await browser.$("#agent-toggle").click();
  // Typed as a person types (WebDriver's keystrokes arrive as fast as a scanner's burst).
  await fill("#agent-name", "王小明");
  await fill("#agent-certno", "110101197001010016");
  await browser.$("#agent-relation").selectByAttribute("value", "child");
  await shot("35-agent-before-scan");
  await wedge(WANGFANG);
  await listOrError("e-voucher QR");
  assert.match(await text("#visit-patient"), /王芳/);
  assert.match(await text("#visit-agent"), /王小明（子女/);
  assert.match(await text("#identified-via"), /终端解码/);
  assert.ok(readFileSync(`${standinState}.calls`, "utf8").includes(`"ecQrCode":"${WANGFANG}"`), "ec.query decoded the QR");
  await shot("36-evoucher-decoded-agent");

  // 王芳's reusable prescription (metformin ×2): open, audit, dispense, settle, pay.
  const rows = await browser.$$(".rx-row");
  let opened = false;
  for (let i = 1; i <= rows.length && !opened; i++) {
    const row = await text(`.rx-row:nth-child(${i})`).catch(() => "");
    if (/2型糖尿病|H11010100002|第二/.test(row) || i === rows.length) {
      await browser.keys(String(i));
      opened = true;
    }
  }
  await shown("#signature-panel");
  await failWithError("open");
  await browser.keys("F2");
  await shown("#audit-form");
  if (await browser.$("#shift-step").isDisplayed()) {
    await wedge(PHARMACIST);
    await browser.waitUntil(
      async () => (await browser.$("#audit-result").isDisplayed()) || (await browser.$("#counter-error").isDisplayed()),
      { timeout: 60000, timeoutMsg: "the shift did not start after the pharmacist's e-voucher" },
    ).catch(async (e) => {
      await shot("identity-error-shift");
      throw e;
    });
    await failWithError("shift start");
  }
  await wedge(PHARMACIST);
  await shown("#audit-reconfirm.ok");
  await browser.$("#audit-opinion").setValue("处方规范，准予调配；由子女代购。");
  await browser.execute(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await browser.keys("F2");
  await shown("#dispense-list");
  await failWithError("audit");
  for (const code of METFORMIN) writeFileSync(scanFifo, `${code}\n`);
  await browser.waitUntil(
    async () => (await browser.execute(() => document.querySelectorAll("#dispense-list td.small div").length)) === 2,
    { timeout: 20000, timeoutMsg: "metformin boxes not ticked" },
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
  const receipt = await text("#receipt-text");
  assert.match(receipt, /代购人/);
  assert.match(receipt, /王\*明（子女）/);
  assert.ok(!receipt.includes("110101197001010016"), "the agent's ID number is masked on the receipt");
  await shot("37-proxy-receipt");
  await browser.keys("Enter");
  await shown("#counter[data-state='started']");

  // The ledger: History finds the sale with its agent.
  await browser.keys("F6");
  await shown("#history");
  await browser.$("#history-query").setValue(METFORMIN[0]);
  await browser.keys("Enter");
  await shown("#history-list");
  assert.match(await text("#history-list"), /王小明（子女/);
  assert.match(await text("#history-detail"), /王小明/);
  await shot("38-history-proxy-agent");
  await browser.keys("Escape");
});

test("Settings → devices: discovery and a test of the card reader and the face terminal", async () => {
  await browser.keys("F8").catch(() => undefined);
  if (!(await browser.$("#devices-settings").isExisting())) {
    const nav = await browser.$("#nav-settings");
    if (await nav.isExisting()) await nav.click();
  }
  await shown("#devices-settings");
  await browser.$("#devices-discover").click();
  await shown("#devices-libraries");
  assert.match(await text("#devices-libraries"), /NationECCode/);
  insertCard(ZHANGSAN_CARD);
  await browser.$("#test-card").click();
  await shown("#test-card-result");
  assert.match(await text("#test-card-result"), /✔/);
  await browser.$("#test-face").click();
  await shown("#test-face-result");
  assert.match(await text("#test-face-result"), /✔/);
  await shot("39-settings-devices");
});
