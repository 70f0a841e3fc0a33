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
  await page.waitForSelector("#welcome");
  assert.equal(await page.textContent("#welcome"), "您好，李药师（药师）");
  assert.match((await page.textContent("#status-operator")) ?? "", /李药师/);
  await page.screenshot({ path: "test-output/browser/home.png" });
  await page.keyboard.press("F12");
  await page.waitForSelector("#login-form");
  assert.deepEqual(errors, []);
});
