// A visit settled at the center but never completed (the program was killed
// between 2102 and the sale record) is the first thing the counter shows
// after start-up, in plain words, and is finished from its settled figures —
// in the REAL app window. The data directory is prepared before the app
// starts: `rxdesk counter` runs a visit up to 2102 against the same center
// emulator with the crash point `visit_after_2102_before_sale` armed
// (RXDESK_CRASH_AT, rxdesk_store::crashpoint), so the process aborts right
// after the settlement took effect. Screenshots go to test-output/e2e/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openTillIfAsked } from "./steps.mjs";
import { spawnSync } from "node:child_process";
import { mkdirSync, existsSync, writeFileSync, rmSync, copyFileSync } from "node:fs";
import { resolve } from "node:path";
import * as steps from "./steps.mjs";

const port = Number(process.env.RXDESK_E2E_DRIVER_PORT ?? 4444);
const application = process.env.RXDESK_E2E_APP;
const home = process.env.RXDESK_HOME;
const center = process.env.RXDESK_E2E_CENTER;
const shots = "test-output/e2e";
const cli = resolve("target/debug/rxdesk");
// The ledger `rxdesk counter` builds for the scenario file (one per file stem).
const work = resolve(`${home}-recovered`);
const scenario = resolve("test-output/recovered-e2e.yaml");
const data = `${work}/recovered-e2e`;
let browser;
let setlId = "";

// 王芳 (demo world, crates/rxdesk-center-sim/src/seed.rs): one box of 阿莫西林
// (box #6: no other window test sells it, the emulator is shared).
const WANGFANG = "110000ecdemo00000000000000000000wangfang";

before(async () => {
  assert.ok(application && existsSync(application), `app binary missing: ${application}`);
  assert.ok(existsSync(cli), `rxdesk CLI missing: ${cli} (scripts/build)`);
  assert.ok(center, "RXDESK_E2E_CENTER not set (run through scripts/e2e)");
  mkdirSync(shots, { recursive: true });
  rmSync(work, { recursive: true, force: true });
  writeFileSync(
    scenario,
    [
      "id: ST-EPC-02-010",
      "title_zh: 医保结算后程序中断（窗口测试准备）",
      "title_en: killed after the settlement (window test set-up)",
      "steps:",
      "  - login: pharmacist",
      "  - shift_start: {}",
      "  - prescribe: {psn_no: PSN1101000003, lines: [[XJ01CAA040A001010100001, 1]], diag_name: 急性支气管炎（中断恢复）, label: recovered}",
      "  - start:",
      `  - identify: {method: e_voucher, code: ${WANGFANG}}`,
      "  - open: {label: recovered}",
      '  - audit: {result: "1", opinion: 处方合理，准予调配}',
      '  - scan: {box: "XJ01CAA040A001010100001#6"}',
      "  - finish:",
      "  - pre_settle:",
      "  - settle:",
      "",
    ].join("\n"),
  );
  // The counter process dies right after 2102 took effect at the center.
  const run = spawnSync(cli, ["counter", "--center", center, "--data-dir", work, "--scenario", scenario], {
    env: { ...process.env, RXDESK_CRASH_AT: "visit_after_2102_before_sale" },
    encoding: "utf8",
    timeout: 120000,
  });
  const out = `${run.stdout}\n${run.stderr}`;
  assert.ok(run.signal === "SIGABRT" || run.status !== 0, `the counter was not killed:\n${out}`);
  assert.match(out, /crashpoint: visit_after_2102_before_sale/, out);
  assert.ok(existsSync(`${data}/rxdesk.sqlite3`), `no ledger in ${data}:\n${out}`);
  // The app reads the center and the simulated devices from the settings
  // scripts/e2e wrote (WebDriver cannot pass environment variables).
  copyFileSync(`${home}/settings.json`, `${data}/settings.json`);
  browser = await steps.remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "warn",
    capabilities: { "tauri:options": { application, args: ["--data-dir", data] } },
  });
});

after(async () => {
  await browser?.deleteSession();
});

const shot = (name) => browser.saveScreenshot(`${shots}/${name}.png`);
const text = async (sel) => (await browser.$(sel).getText()).trim();
const shown = (sel, timeout = 30000) => browser.$(sel).waitForDisplayed({ timeout });

const amount = (s) => Number(String(s).replace(/[^0-9.]/g, ""));

test("start-up shows the settled, unfinished visit first, in plain words, and finishes it at the settled amounts", async () => {
  await shown("#login-form");
  await browser.$("#operator").setValue("2001");
  await browser.$("#password").setValue("demo-pharmacist");
  await browser.keys("Enter");
  await shown("#counter", 15000);
  await shown("#recovered-panel", 30000);

  // The box is the first thing on the counter screen, and nothing asks for
  // the next patient while it stands.
  const layout = await browser.execute(() => {
    const c = document.querySelector("#counter");
    const box = document.querySelector("#recovered-panel");
    const r = box.getBoundingClientRect();
    return {
      first: c.firstElementChild?.id ?? "",
      top: r.top,
      inView: r.top >= 0 && r.bottom <= window.innerHeight,
      identify: !!document.querySelector("#credential-number"),
    };
  });
  assert.equal(layout.first, "recovered-panel");
  assert.ok(layout.inView, `the box is not fully in view: ${JSON.stringify(layout)}`);
  assert.equal(layout.identify, false, "the identify form is offered while a settled visit is unfinished");

  const title = await text("#recovered-title");
  const body = await text("#recovered-body");
  assert.match(title, /上次中断/);
  assert.match(title, /已在医保结算/);
  assert.match(body, /王芳/);
  assert.match(body, /医保基金已支付/);
  assert.match(body, /还需自付/);
  // Which drugs, so the pharmacist hands over the right bag.
  assert.match(await text("#recovered-drugs"), /阿莫西林胶囊.*×1盒/);
  // What to do now, in words that fit the amount due.
  const finish = await text("#recovered-finish");
  assert.match(finish, /F10/);
  if (/还需自付 ¥0\.00/.test(body)) assert.match(finish, /无需再付款/);
  else assert.match(finish, /先收取患者自付/);
  // A pharmacist is told who can reverse it.
  assert.match(await text("#recovered-manager"), /店长/);
  setlId = (await text("#recovered-setl")).replace(/^医保结算ID：/, "");
  assert.ok(setlId, `no settlement id in: ${body}`);
  const total = amount(body.match(/药费合计\s*(¥?[0-9.]+)/)?.[1] ?? "");
  assert.ok(total > 0, `no total in: ${body}`);
  await shot("30-recovered-at-start-up");

  // Finish it: take the patient's part if any, then complete (F10).
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
  await browser.waitUntil(step, { timeout: 30000, timeoutMsg: "no payment step for the recovered visit" });
  if ((await step()) === "error") assert.fail(`recovered visit: ${await text("#counter-error")}`);
  if ((await step()) === "cash") {
    const due = amount(await text("#pay-due"));
    await browser.$("#tendered").setValue(String(Math.ceil(due) + 1));
    await shot("31-recovered-payment");
    await browser.keys("F10");
  }
  if ((await step()) === "paid") {
    await shot("31-recovered-nothing-due");
    await browser.keys("F10");
  }
  await shown("#receipt-text");
  if (await browser.$("#counter-error").isDisplayed()) assert.fail(`complete: ${await text("#counter-error")}`);
  // The sale is at the settled figures: the receipt's total is the settlement's.
  const receipt = await text("#receipt-text");
  assert.ok(receipt.includes(total.toFixed(2)), `receipt without the settled total ${total}:\n${receipt}`);
  assert.equal(await browser.$("#recovered-panel").isExisting(), false);
  await shot("32-recovered-finished");
  await browser.keys("Enter");
  await openTillIfAsked(browser);
  await shown("#credential-number");
});

test("the center holds that settlement once, standing (charged once, not reversed)", async () => {
  const books = await (await fetch(`${center}/admin/books`)).json();
  const mine = books.settlements.filter((s) => s.setl_id === setlId);
  assert.equal(mine.length, 1, JSON.stringify(mine));
  assert.equal(mine[0].reversed, false);
});
