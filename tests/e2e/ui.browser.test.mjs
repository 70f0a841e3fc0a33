// The UI in headless Chromium with the mocked backend (Vite `--mode mock`):
// fast checks of the front end alone, no Rust build or X server needed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createServer } from "vite";
import { chromium } from "playwright-core";

let server, browser, page, url;
const errors = [];

before(async () => {
  server = await createServer({ configFile: "ui/vite.config.ts", mode: "mock", server: { port: 0, strictPort: false }, logLevel: "warn" });
  await server.listen();
  url = server.resolvedUrls.local[0];
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("pageerror", (e) => errors.push(e.message));
  mkdirSync("test-output/browser", { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test("login screen renders in zh-CN with the status bar", async () => {
  await page.goto(url);
  await page.waitForSelector("#status-center");
  assert.equal(await page.textContent("#product-name"), "RxDesk 药店处方收银台");
  assert.equal((await page.textContent("#status-center"))?.trim(), "医保中心：未连接");
  assert.equal((await page.textContent("#status-devices"))?.trim(), "设备：未配置");
  await page.screenshot({ path: "test-output/browser/login.png" });
  assert.deepEqual(errors, []);
});

test("F5 refreshes status; a wrong password is refused; a demo pharmacist signs in and out", async () => {
  await page.keyboard.press("F5");
  await page.waitForSelector("#toast");
  assert.equal(await page.textContent("#toast"), "状态已刷新");
  await page.fill("#operator", "2001");
  await page.fill("#password", "wrong-password");
  await page.selectOption("#role", "pharmacist");
  await page.press("#password", "Enter");
  await page.waitForSelector("#notice");
  assert.match((await page.textContent("#notice")) ?? "", /用户名或密码错误/);
  await page.fill("#password", "demo-pharmacist");
  await page.press("#password", "Enter");
  await page.waitForSelector("#counter");
  assert.match((await page.textContent("#status-operator")) ?? "", /李药师/);
  assert.match((await page.textContent("#header-operator")) ?? "", /李药师 · 药师/);
  await page.keyboard.press("F12");
  await page.waitForSelector("#login-form");
  assert.deepEqual(errors, []);
});

test("a scanner burst anywhere queries; a verified prescription shows signer and layout; a tampered one is blocked", async () => {
  await page.fill("#operator", "2001");
  await page.fill("#password", "demo-pharmacist");
  await page.selectOption("#role", "pharmacist");
  await page.press("#password", "Enter");
  await page.waitForSelector("#counter");
  // Focus away from the input, then "scan": a burst of key events a few ms
  // apart ending in Enter, as a keyboard-wedge scanner delivers them.
  await page.click("#product-name");
  await page.evaluate(async (text) => {
    const fire = (code, key, shiftKey = false) =>
      window.dispatchEvent(new KeyboardEvent("keydown", { code, key, shiftKey, bubbles: true }));
    for (const ch of text) {
      if (/[0-9]/.test(ch)) fire(`Digit${ch}`, ch);
      else fire(`Key${ch.toUpperCase()}`, ch, ch !== ch.toLowerCase());
      await new Promise((r) => setTimeout(r, 2));
    }
    fire("Enter", "Enter");
  }, "110000ecdemo0000000000000000000zhangsan");
  await page.waitForSelector("#rx-list");
  assert.equal(await page.inputValue("#credential-number"), "110000ecdemo0000000000000000000zhangsan");
  assert.equal(await page.locator(".rx-row").count(), 2);
  await page.screenshot({ path: "test-output/browser/rx-list.png" });
  await page.keyboard.press("1");
  await page.waitForSelector("#signature-panel.ok");
  assert.match((await page.textContent("#sig-institution")) ?? "", /北京市演示第一医院（H11010100001）/);
  await page.waitForSelector("#layout-pdf[data-pages='1']");
  await page.screenshot({ path: "test-output/browser/rx-verified.png" });
  await page.keyboard.press("Escape");
  await page.keyboard.press("2");
  await page.waitForSelector("#signature-panel.bad");
  assert.match((await page.textContent("#sig-reason")) ?? "", /处方内容与签名不一致/);
  assert.match((await page.textContent("#next-step")) ?? "", /已阻止/);
  await page.screenshot({ path: "test-output/browser/rx-blocked.png" });
  // Typing slowly into the box is typing, not a scan; an unknown credential gets the center's words.
  await page.keyboard.press("Escape");
  await page.fill("#credential-number", "");
  await page.type("#credential-number", "unknown", { delay: 80 });
  await page.press("#credential-number", "Enter");
  await page.waitForSelector("#counter-error");
  assert.match((await page.textContent("#counter-error")) ?? "", /就诊凭证无效/);
  assert.deepEqual(errors, []);
});
