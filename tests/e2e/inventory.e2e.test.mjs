// The inventory screen (库存, Shift+F7) in the REAL app window against the
// center emulator (started by scripts/e2e), demo mode: the pharmacist
// receives four new boxes of 布洛芬 by scanning — the product picked by its
// box barcode, three codes typed by the USB (keyboard-wedge) scanner into the
// scan field and one from the serial scanner (device-scan) — is refused a box
// already in stock (and another product's box, and a mangled read), commits the goods-in (3503), then counts every 布洛芬 box
// on the shelf but one in a stock-take, sees the missing box named before the
// commit, and commits it (3501), then books the missing box as a loss under
// 库存变更 (3502). The ledger (`rxdesk stock list`) and the emulator's books
// must show the received boxes, the stock-take record and the loss. Screenshots go to test-output/e2e/ — look
// at them as a pharmacist would.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, existsSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { openTillIfAsked } from "./steps.mjs";
import * as steps from "./steps.mjs";

const port = Number(process.env.RXDESK_E2E_DRIVER_PORT ?? 4444);
const application = process.env.RXDESK_E2E_APP;
const home = process.env.RXDESK_HOME;
const center = process.env.RXDESK_E2E_CENTER;
const scanFifo = process.env.RXDESK_E2E_SCAN_FIFO;
const shots = "test-output/e2e";
// The CLI is built next to the app: the ledger's own view of the stock.
const cli = application ? resolve(dirname(application), "rxdesk") : "";
let browser;
// Shared steps (steps.mjs), bound to this file's window.
const waitForDemoCatalogue = (timeout) => steps.waitForDemoCatalogue(home, timeout);
const typeInto = (sel, value) => steps.typeInto(browser, sel, value);

// Demo world (docs/demo.md): 布洛芬缓释胶囊 YP000002, its box barcode, its
// trace-code prefix, and its first demo box (received by the demo seeding).
const IBU = "YP000002";
const IBU_BARCODE = "6923456001022";
const IBU_PREFIX = "8130512";
const IBU_IN_STOCK = "81305122601020013521";
// Four boxes this pharmacy never received: prefix + a serial outside the demo's.
const NEW_BOXES = [1, 2, 3, 4].map((n) => `${IBU_PREFIX}${String(9_870_000_000_000 + n).padStart(13, "0")}`);

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
  await waitForDemoCatalogue(180000);
});

after(async () => {
  await browser?.deleteSession();
});


const shot = (name) => browser.saveScreenshot(`${shots}/${name}.png`);
const text = async (sel) => (await browser.$(sel).getText()).trim();
const shown = (sel, timeout = 30000) => browser.$(sel).waitForDisplayed({ timeout });
const attr = (sel, name) => browser.$(sel).getAttribute(name);

/** Sets an input as typing would (WebDriver keystrokes drop characters under load). */

/** A USB (keyboard-wedge) scan into the focused scan field: the code, then the scanner's Enter. */
async function wedgeScan(value) {
  await typeInto("#inv-scan", value);
  await browser.execute(() => document.querySelector("#inv-scan").form.requestSubmit());
}

async function banner(includes, timeout = 30000) {
  await browser.waitUntil(async () => (await browser.$("#inv-banner").isDisplayed()) && (await text("#inv-banner")).includes(includes), {
    timeout,
    timeoutMsg: `no banner with “${includes}”; shown: ${await browser.$("#inv-banner").getText().catch(() => "(none)")}`,
  });
}

async function count(n) {
  await browser.waitUntil(async () => (await attr("#inv-count", "data-count")) === String(n), {
    timeout: 30000,
    timeoutMsg: `the scan list never reached ${n} boxes: ${await text("#inventory")}`,
  });
}

/** The ledger's stock list (`rxdesk stock list`): the codes on the shelf of each batch. */
function ledgerStock() {
  const out = execFileSync(cli, ["stock", "list", "--db", `${home}/rxdesk.sqlite3`], {
    env: { ...process.env, RXDESK_HOME: home },
    // Every batch of the demo catalogue: tens of megabytes of JSON.
    maxBuffer: 512 * 1024 * 1024,
  });
  return JSON.parse(out.toString());
}

async function books() {
  const r = await fetch(`${center}/admin/books`);
  assert.ok(r.ok, `books answered ${r.status}`);
  return (await r.json()).stock;
}

test("goods-in of four boxes by scanning, a box already in stock refused, 3503 at the emulator", async () => {
  await shown("#login-form");
  await browser.$("#operator").setValue("2001");
  await typeInto("#password", "demo-pharmacist");
  await browser.keys("Enter");
  await shown("#counter", 15000);
  await openTillIfAsked(browser);

  // Shift+F7 库存: the goods-in tab, the scan field has the focus.
  await browser.$("#product-name").click();
  await browser.keys(["Shift", "F7"]);
  await shown("#inventory", 15000);
  assert.equal(await attr("#inventory", "data-tab"), "receive");

  await typeInto("#inv-supplier", "国药控股北京有限公司");
  await typeInto("#inv-invoice", "04417788");
  // The box's barcode scanned into the scan field picks the product.
  await wedgeScan(IBU_BARCODE);
  await shown("#inv-product-picked");
  assert.equal(await attr("#inv-product-picked", "data-product"), IBU);
  assert.match(await text("#inv-product-picked"), /布洛芬/);
  await typeInto("#inv-lot", "L2611E2E");
  await typeInto("#inv-manu", "2026-10-01");
  await typeInto("#inv-expiry", "2028-09-30");
  await typeInto("#inv-price", "12.50");
  await typeInto("#inv-expected", "4");

  // Three boxes by the USB scanner, one by the serial scanner (device-scan).
  for (const [i, code] of NEW_BOXES.slice(0, 3).entries()) {
    await wedgeScan(code);
    await count(i + 1);
  }
  // The serial scanner's read arrives as a device-scan event, not typed into the field.
  await browser.$("#product-name").click();
  writeFileSync(scanFifo, `${NEW_BOXES[3]}\n`);
  await count(4);
  assert.equal(await attr("#inv-receive-progress", "aria-valuenow"), "100");

  // A box already in stock is refused with a sentence, and not added.
  await wedgeScan(IBU_IN_STOCK);
  await banner("不能重复入库");
  assert.equal(await attr("#inv-banner", "data-ok"), "0");
  await count(4);
  // Another product's box (阿莫西林's prefix) and a mangled read are refused too.
  await wedgeScan("81305112601010010011");
  await banner("这盒是别的药品");
  await wedgeScan("8130512260102");
  await banner("不是20位追溯码");
  await count(4);
  await wedgeScan(IBU_IN_STOCK);
  await banner("不能重复入库");
  await shot("inventory-01-goods-in-refused");

  // F10 commits; 3503 queued and delivered to the emulator.
  await browser.$("#inv-scan").click();
  await browser.keys("F10");
  await banner("已入库 4 盒");
  await shot("inventory-02-goods-in-done");
  await browser.waitUntil(async () => {
    const inStock = (await books()).in_stock;
    return NEW_BOXES.every((c) => c in inStock);
  }, { timeout: 60000, interval: 500, timeoutMsg: "the emulator never received the goods-in (3503)" });
  // The ledger holds the new batch with its four boxes on the shelf.
  const batch = ledgerStock().find((l) => l.manu_lotnum === "L2611E2E");
  assert.ok(batch, "the ledger has the received batch");
  assert.equal(batch.fixmedins_hilist_id, IBU);
  assert.deepEqual([...batch.codes].sort(), [...NEW_BOXES].sort());
  const records = (await books()).records.filter((r) => r.infno === "3503" && NEW_BOXES.some((c) => r.codes.includes(c)));
  assert.equal(records.length, 1, "one 3503 for the one batch");
  assert.deepEqual([...records[0].codes].sort(), [...NEW_BOXES].sort());
});

test("stock-take: every 布洛芬 box but one scanned, the missing box named before the commit, 3501 at the emulator", async () => {
  // The stock list shows the boxes on the shelf, with the new batch.
  await browser.$("#inv-tab-stock").click();
  await typeInto("#inv-stock-query", IBU);
  await browser.execute(() => document.querySelector("#inv-stock-query").form.requestSubmit());
  await shown("#inv-stock");
  await browser.waitUntil(async () => (await browser.$$(`#inv-stock tr[data-product='${IBU}']`)).length >= 2, {
    timeout: 15000,
    timeoutMsg: "the stock list does not show the demo batch and the new one",
  });
  const onShelf = await browser.execute(
    (id) => [...document.querySelectorAll(`#inv-stock tr[data-product='${id}'] [data-codes]`)].flatMap((el) => el.dataset.codes.split(" ").filter(Boolean)),
    IBU,
  );
  for (const c of NEW_BOXES) assert.ok(onShelf.includes(c), `${c} is on the stock list`);
  await browser.$(`#inv-stock tr[data-product='${IBU}'] .show-codes`).click();
  await shot("inventory-03-stock-list");

  // The stock-take: all but the last new box.
  const missing = NEW_BOXES[3];
  const counted = onShelf.filter((c) => c !== missing);
  await browser.$("#inv-tab-take").click();
  await shown("#inv-scan");
  for (const c of counted) await wedgeScan(c);
  await browser.waitUntil(async () => (await attr("#inv-take-count", "data-count")) === String(counted.length), {
    timeout: 30000,
    timeoutMsg: "not every scan was counted",
  });
  await browser.$("#inv-take-preview").click();
  await browser.waitUntil(async () => (await browser.$("#inv-take").isDisplayed()) && (await attr("#inv-take", "data-stale")) === "0", {
    timeout: 30000,
    timeoutMsg: "no differences shown",
  });
  assert.equal(await attr("#inv-take", "data-missing"), "1");
  assert.equal(await attr("#inv-take", "data-unexpected"), "0");
  assert.equal(await attr("#inv-take", "data-matched"), String(counted.length));
  const missingRow = await text("#inv-take-missing");
  assert.ok(missingRow.includes(missing.replace(/(\d{4})(?=\d)/g, "$1 ")), `the missing box is named: ${missingRow}`);
  assert.match(missingRow, /布洛芬/);
  assert.match(await text("#inv-take-progress-text"), new RegExp(`${counted.length} / ${onShelf.length}`));
  await shot("inventory-04-stocktake-differences");

  await browser.$("#inv-commit").click();
  await banner("盘点已提交");
  assert.match(await text("#inv-banner"), /未扫到 1 盒/);
  await shot("inventory-05-stocktake-committed");

  // The emulator got the 3501 of the new batch with the three codes counted.
  await browser.waitUntil(async () => (await books()).records.some((r) => r.infno === "3501" && r.codes.includes(NEW_BOXES[0])), {
    timeout: 60000,
    interval: 500,
    timeoutMsg: "the emulator never received the stock-take (3501)",
  });
  const take = (await books()).records.find((r) => r.infno === "3501" && r.codes.includes(NEW_BOXES[0]));
  assert.deepEqual([...take.codes].sort(), NEW_BOXES.slice(0, 3).sort(), "the new batch's 3501 counts the three boxes found");
  assert.equal(String(take.cnt), "3");
});

test("the missing box booked as a loss (报损) under 库存变更: 3502 at the emulator, off the ledger's shelf", async () => {
  const missing = NEW_BOXES[3];
  await browser.$("#inv-tab-change").click();
  await shown("#inv-kind");
  assert.equal(await browser.$("#inv-kind").getValue(), "loss");
  await typeInto("#inv-change-reason", "盘点未找到");
  await wedgeScan(missing);
  await count(1);
  // A box not on the shelf any more (sold demo boxes aside, a code never received) is refused.
  await wedgeScan(`${IBU_PREFIX}9999999999999`);
  await banner("不是本店在库药盒");
  await count(1);
  await browser.$("#inv-commit").click();
  await banner("已登记报损 1 盒");
  await shot("inventory-06-stock-change-loss");
  await browser.waitUntil(async () => (await books()).records.some((r) => r.infno === "3502" && r.codes.includes(missing)), {
    timeout: 60000,
    interval: 500,
    timeoutMsg: "the emulator never received the loss (3502)",
  });
  const batch = ledgerStock().find((l) => l.manu_lotnum === "L2611E2E");
  assert.deepEqual([...batch.codes].sort(), NEW_BOXES.slice(0, 3).sort(), "the lost box left the ledger's shelf");
});

test("追溯对账 of today against the platform (3513): a sentence with the day and the counts; one code looked up on both sides", async () => {
  await browser.$("#inv-tab-trace").click();
  await shown("#inv-trace-day");
  const day = await browser.$("#inv-trace-day").getValue();
  assert.match(day, /^\d{4}-\d{2}-\d{2}$/, "today (CST) is filled in");
  await browser.$("#inv-trace-run").click();
  await shown("#inv-trace-result", 60000);
  const said = await text("#inv-trace-result");
  assert.ok(said.includes(day), `the sentence names the day: ${said}`);
  // No sale today in this fresh demo pharmacy: both sides agree.
  assert.equal(await attr("#inv-trace", "data-balanced"), "1", said);
  // One code looked up on both sides: the box booked as lost, never sold at the platform.
  await typeInto("#inv-trace-code", NEW_BOXES[3]);
  await browser.execute(() => document.querySelector("#inv-trace-code").form.requestSubmit());
  await shown("#inv-code-trace", 60000);
  assert.equal(await attr("#inv-code-trace", "data-state"), "lost");
  assert.equal(await attr("#inv-code-trace", "data-platform"), "0");
  assert.match(await text("#inv-code-trace"), /布洛芬.*已报损/s);
  await shot("inventory-07-trace-reconciliation");
});

test("the screen in en-US: tabs and a refusal in English", async () => {
  await browser.$("#locale-switch").click();
  await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.lang)) === "en-US", { timeout: 10000 });
  await browser.$("#inv-tab-receive").click();
  await shown("#inv-scan");
  await wedgeScan(IBU_IN_STOCK);
  await banner("already received");
  const screen = await text("#inventory");
  assert.doesNotMatch(screen, /入库|盘点|追溯码|库存|供应商|发票/, "the screen's own words are English");
  await shot("inventory-08-en-us");
  await browser.$("#locale-switch").click();
});
