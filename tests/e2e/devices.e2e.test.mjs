// The counter's devices in the REAL app window (scripts/e2e starts the simulators,
// scripts/demo-devices): a device choice saved in Settings → 设备 takes effect at once (no
// restart) — the card reader removed, then chosen again, and the visit identifies through it; the
// simulated card reader's USB cable pulled in the middle of a visit shows the banner, plugged back
// in shows it return; Settings' "decode a QR" (ec.query through the stand-in NationECCode) and
// "test print" (the printer simulator saves the page as a PNG).
// Screenshots go to test-output/e2e/5x-*.png — look at them as a pharmacist would.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openTillIfAsked } from "./steps.mjs";
import { mkdirSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as steps from "./steps.mjs";

const port = Number(process.env.RXDESK_E2E_DRIVER_PORT ?? 4444);
const application = process.env.RXDESK_E2E_APP;
const home = process.env.RXDESK_HOME;
const cardFifo = process.env.RXDESK_E2E_CARD_FIFO;
const pinFifo = process.env.RXDESK_E2E_PIN_FIFO;
const standinState = process.env.RXDESK_E2E_STANDIN_STATE;
const shots = "test-output/e2e";
let browser;

// Demo world (docs/demo.md).
const ZHANGSAN_CARD = "110000|110101198001010029|A10000001|SNA10000001|张三|008C544CB386844A2F8E5D|3.00|20200101|20300101|";
const ZHANGSAN_PIN = "246810";
const WANGFANG = "110000ecdemo00000000000000000000wangfang";

before(async () => {
  assert.ok(application && existsSync(application), `app binary missing: ${application}`);
  for (const f of [cardFifo, pinFifo, standinState]) assert.ok(f && existsSync(f), `simulator missing: ${f}`);
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

/** A command to the simulated serial card reader (`insert …`, `pull`, `unplug`, `plug`). */
function cardReader(command) {
  writeFileSync(cardFifo, `${command}\n`);
}

/** Sets an input's value as typing would (input + change events). */
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

/** Chooses an option of a <select> as a click would (change event). */
async function choose(sel, value) {
  await browser.execute(
    (sel, value) => {
      const el = document.querySelector(sel);
      el.value = value;
      el.dispatchEvent(new Event("change", { bubbles: true }));
    },
    sel,
    value,
  );
}

async function openDeviceSettings() {
  await browser.keys("F8").catch(() => undefined);
  if (!(await browser.$("#devices-settings").isExisting())) {
    const nav = await browser.$("#nav-settings");
    if (await nav.isExisting()) await nav.click();
  }
  await shown("#devices-settings");
  await shown("#card-kind");
}

async function saveDevices() {
  await browser.$("#devices-save").click();
  await browser.waitUntil(async () => /生效|失败|错误/.test(await text("#devices-saved").catch(() => "")), {
    timeout: 20000,
    timeoutMsg: "the device settings were not saved",
  });
  assert.match(await text("#devices-saved"), /已生效/, "saved and applied at once");
}


async function toCounter() {
  await browser.keys("F1");
  await shown("#counter", 15000);
  if (!(await browser.$("#credential-type").isDisplayed())) {
    await openTillIfAsked(browser);
  }
  if (!(await browser.$("#credential-type").isDisplayed())) {
    await browser.keys("Escape");
  }
  await shown("#credential-type");
}

test("a card reader removed and chosen again in Settings takes effect at once, without restart", async () => {
  await shown("#login-form");
  await browser.$("#operator").setValue("2001");
  await browser.$("#password").setValue("demo-pharmacist");
  await browser.keys("Enter");
  await shown("#counter", 15000);

  // No card reader: the counter says so at once.
  await openDeviceSettings();
  await choose("#card-kind", "none");
  await saveDevices();
  await shot("50-devices-card-reader-removed");
  await toCounter();
  await browser.$("#credential-type").selectByAttribute("value", "social_security_card");
  await browser.$("#query").click();
  await shown("#counter-error");
  assert.match(await text("#counter-error"), /未配置社保卡读卡器/);
  await shot("51-counter-no-card-reader");

  // The serial reader chosen again: the very next query reads the card through it.
  await openDeviceSettings();
  await choose("#card-kind", "serial");
  await fill("#card-path", `${home}/card-pty`);
  await saveDevices();
  await toCounter();
  cardReader(`insert ${ZHANGSAN_CARD}`);
  await pinPad(ZHANGSAN_PIN);
  await browser.$("#credential-type").selectByAttribute("value", "social_security_card");
  await browser.$("#query").click();
  await browser.waitUntil(
    async () => (await browser.$("#rx-list").isDisplayed()) || (await browser.$("#counter-error").isDisplayed()),
    { timeout: 60000, timeoutMsg: "card + PIN: no list and no error" },
  );
  if (await browser.$("#counter-error").isDisplayed()) assert.fail(`card + PIN: ${await text("#counter-error")}`);
  assert.match(await text("#visit-patient"), /张三/);
  assert.match(await text("#identified-via"), /社保卡/);
  await shot("52-card-reader-chosen-again-listed");
});

test("the card reader unplugged mid-visit shows the banner; plugged back in, it says so", async () => {
  // The visit of the previous test is open (张三's prescriptions listed).
  assert.ok(await browser.$("#rx-list").isDisplayed(), "a visit is open");
  cardReader("unplug");
  await shown("#device-notice[data-back='false']", 20000);
  assert.match(await text("#device-notice"), /断开|拔出|未连接|读卡器/);
  assert.ok(await browser.$("#rx-list").isDisplayed(), "the visit stays open");
  // The status bar follows the event (no F5): devices 异常 while unplugged.
  await browser.waitUntil(async () => /异常/.test(await text("#status-devices")), {
    timeout: 10000,
    timeoutMsg: "the status bar still says the devices are ready",
  });
  await shot("53-card-reader-unplugged-banner");

  cardReader("plug");
  await shown("#device-notice[data-back='true']", 30000);
  assert.match(await text("#device-notice"), /恢复|已连接|重新|读卡器/);
  await browser.waitUntil(async () => /就绪/.test(await text("#status-devices")), {
    timeout: 10000,
    timeoutMsg: "the status bar did not return to 就绪",
  });
  await shot("54-card-reader-back-banner");
  // en-US: the real event is worded from its kind and state (device-event's generated payload), no Chinese.
  await browser.$("#locale-switch").click();
  await browser.waitUntil(async () => /Card reader is connected again/.test(await text("#device-notice")), {
    timeout: 10000,
    timeoutMsg: "the device notice is not worded in English",
  });
  assert.doesNotMatch(await text("#device-notice"), /[\u3400-\u9fff\uff00-\uffef]/);
  await shot("54b-card-reader-back-banner-en");
  await browser.$("#locale-switch").click();
  await browser.waitUntil(async () => /恢复/.test(await text("#device-notice")), { timeout: 10000 });
  // It works again: the card is read in a test from Settings.
  await openDeviceSettings();
  cardReader(`insert ${ZHANGSAN_CARD}`);
  await browser.$("#test-card").click();
  await shown("#test-card-result");
  assert.match(await text("#test-card-result"), /✔/);
});

test("Settings: decode a QR and ping the face terminal through the SDK, and print a test page", async () => {
  await openDeviceSettings();
  await fill("#test-qr-code", WANGFANG);
  await browser.$("#test-qr").click();
  await shown("#test-qr-result");
  assert.match(await text("#test-qr-result"), /✔ 解码成功：王芳/);
  // The face terminal answers a ping through the same SDK.
  await browser.$("#test-face").click();
  await shown("#test-face-result");
  assert.match(await text("#test-face-result"), /^✔/, "the face terminal answers");
  assert.ok(readFileSync(`${standinState}.calls`, "utf8").includes(`"ecQrCode":"${WANGFANG}"`), "ec.query decoded the QR");

  const before = existsSync(`${home}/printed`) ? readdirSync(`${home}/printed`).length : 0;
  await browser.$("#dev-test-print").click();
  await shown("#dev-test-print-result");
  assert.match(await text("#dev-test-print-result"), /✔/);
  await waitFor(() => readdirSync(`${home}/printed`).filter((f) => f.endsWith(".png")).length > before, 20000,
    "the printer simulator's PNG of the test page");
  await browser.$("#dev-test-print-result").scrollIntoView();
  await shot("55-settings-qr-decoded-test-printed");
});
