// 挂单 / 取单 in the REAL app window against the center emulator and the device simulators
// (started by scripts/e2e): a settlement whose answer is lost (the emulator applies 2102 and drops
// the connection) is parked while the center stays down; it stays red in the parked list (its
// patient locked: crates/rxdesk-app/tests/visit.rs); when the center is back the app proves it by
// itself (2601 retried in the background, no click) while the counter is free; the next patient is
// served; resumed, it settles again — charged once. The next patient's visit, parked too, is
// resumed where it was.
// Screenshots: test-output/e2e/park-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openTillIfAsked } from "./steps.mjs";
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
const failWithError = (what) =>
  steps.failWithError(browser, what, { shot: (w) => browser.saveScreenshot(`${shots}/viewport-error-${w}.png`) });

// Demo world (docs/demo.md; crates/rxdesk-center-sim/src/seed.rs; assets/demo/drugs.json).
const ZHANGSAN = "110000ecdemo0000000000000000000zhangsan";
const LISI = "110000ecdemo000000000000000000000lisi";
const PHARMACIST = "110000ecdemo00000000000000000000liyaoshi";
const AMOX = ["81305112601010011873", "81305112601010388879"];
const IBU = "81305122601020013521";
const IBU_CODE = "XM01AEB080A001010100002"; // 布洛芬缓释胶囊's 医保 code
const FRESH_DIAG = "牙痛（挂单测试）";

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


const shot = (name) => browser.saveScreenshot(`${shots}/park-${name}.png`);

/** The emulator's fault injection (docs/protocol.md `/admin/faults`). */
async function faults(body) {
  const r = await fetch(`${center}/admin/faults`, body
    ? { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }
    : { method: "DELETE" });
  assert.ok(r.ok, `faults: HTTP ${r.status}`);
}

async function accepted(op) {
  const stats = await (await fetch(`${center}/admin/stats`)).json();
  return stats?.by_op?.[op]?.accepted ?? 0;
}

async function identify(code) {
  await wedge(code);
  await browser.waitUntil(
    async () => (await browser.$("#rx-list").isDisplayed()) || (await browser.$("#counter-error").isDisplayed()),
    { timeout: 60000, timeoutMsg: "no list and no error after the e-voucher scan" },
  );
}

test("an uncertain settlement parked during an outage is proven in the background when the center is back, the next patient is served meanwhile, and it is charged once", async () => {
  assert.ok(center, "RXDESK_E2E_CENTER (the emulator) is needed");
  await shown("#login-form");
  await browser.$("#operator").setValue("2001");
  await browser.$("#password").setValue("demo-pharmacist");
  await browser.keys("Enter");
  await shown("#counter", 15000);
  await openTillIfAsked(browser);
  await shown("#credential-number");

  // 张三: verified, audited, dispensed, pre-settled.
  await identify(ZHANGSAN);
  await failWithError("query");
  await browser.keys("1");
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
  await browser.$("#audit-opinion").setValue("处方规范，用法用量适宜，准予调配。");
  await browser.execute(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await browser.keys("F2");
  await shown("#dispense-list");
  await failWithError("audit");
  const boxes = async () => browser.execute(() => document.querySelectorAll("#dispense-list td.small div").length);
  for (const [i, c] of [AMOX[0], AMOX[1], IBU].entries()) {
    serialScan(c);
    await browser.waitUntil(async () => (await boxes()) === i + 1, { timeout: 20000, timeoutMsg: `box ${i + 1} not ticked` });
  }
  await browser.keys("F3");
  await shown("#counter[data-state='dispensed']");
  await browser.keys("F4");
  await shown("#split");
  await failWithError("pre-settle");

  // 2102 applied at the center, its answer lost: the outcome is unknown.
  await faults({ reset_after_rate: 1.0 });
  await browser.keys("F9");
  await shown("#uncertain-panel", 90000);
  await faults({ error_rate: 1.0 }); // the center stays unreachable while the next patient waits
  await shot("01-uncertain");

  // 挂单: the counter is free for the next patient; the parked row is red.
  await browser.keys("F11");
  await shown("#counter[data-state='started'] #credential-number");
  assert.equal(await browser.$("#credential-number").getValue(), "", "the next patient's form starts empty");
  await shown("#parked .parked-row[data-uncertain='1']");
  assert.match(await text("#parked"), /张三/);
  assert.match(await text("#parked"), /结算结果未知/);
  await shot("02-parked-uncertain");

  assert.equal(await accepted("2601"), 0, "the center is down: nothing reversed yet");

  // The center comes back: the app proves the parked settlement by itself (2601, retried in the
  // background), with no click, while the counter stays free for the next patient.
  await faults(null);
  await browser.waitUntil(async () => !(await browser.$("#parked .parked-row[data-uncertain='1']").isExisting()), {
    timeout: 60000,
    timeoutMsg: "the parked settlement was not resolved in the background after the center came back",
  });
  assert.equal(await accepted("2601"), 1, "one 2601 in all");
  assert.equal(await browser.$("#counter").getAttribute("data-state"), "started", "the counter's own visit is untouched");
  await shot("03-resolved-in-the-background");

  // The next patient, 李四, is served while 张三's visit stays parked.
  const made = await fetch(`${center}/admin/prescriptions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ hospital: "H11010100001", psn_no: "PSN1101000002", lines: [[IBU_CODE, 1]], valid_days: 7,
      rept_flag: false, max_rept_cnt: 0, diag_name: FRESH_DIAG, label: FRESH_DIAG }),
  });
  assert.ok(made.ok, `fresh prescription: HTTP ${made.status}`);
  await identify(LISI);
  await failWithError("query next patient");
  assert.match(await text("#visit-patient"), /李四/);
  // A fresh prescription for 李四 (his seeded ones are the blocked cases): open it by its row.
  const rows = await browser.execute(() => [...document.querySelectorAll(".rx-row")].map((r) => r.textContent ?? ""));
  const row = rows.findIndex((t) => t.includes(FRESH_DIAG));
  assert.ok(row >= 0, `the fresh prescription is listed: ${rows.join(" | ")}`);
  await browser.keys(String(row + 1));
  await shown("#counter[data-state='rules_checked'] #signature-panel");
  assert.ok(await browser.$("#parked .parked-row").isDisplayed(), "张三's parked visit stays in sight");
  await shot("04-next-patient-while-parked");

  // 李四 steps away; 张三 is back: 取单 (F11 takes the oldest): pre-settled again; F9 settles, charged once.
  await browser.keys("F11");
  await shown("#counter[data-state='started'] #credential-number");
  assert.equal((await browser.$$("#parked .parked-row")).length, 2);
  await browser.keys("F11");
  await shown("#split");
  assert.equal(await browser.$("#counter").getAttribute("data-state"), "pre_settled");
  await browser.keys("F9");
  const step = async () =>
    (await browser.$("#tendered").isDisplayed())
      ? "cash"
      : (await browser.$("#paid").isDisplayed())
        ? "paid"
        : (await browser.$("#counter-error").isDisplayed())
          ? "error"
          : null;
  await browser.waitUntil(step, { timeout: 90000, timeoutMsg: "no payment step after settling again" });
  await failWithError("settle again");
  assert.equal(await accepted("2102"), 2, "the reversed settlement and the real one: charged once");
  await shot("06-settled-again");
  if ((await step()) === "cash") {
    const due = (await text("#pay-due")).replace(/[^0-9.]/g, "");
    await browser.$("#tendered").setValue(String(Math.ceil(Number(due)) + 1));
  }
  await browser.keys("F10");
  await shown("#receipt-text");
  await failWithError("complete");
  assert.match(await text("#receipt-text"), /43\.00/);
  await browser.keys("Enter");
  await shown("#counter[data-state='started'] #credential-number");

  // 李四's visit comes back where it was.
  assert.equal((await browser.$$("#parked .parked-row")).length, 1);
  await browser.$("#resume-0").click();
  await shown("#counter[data-state='rules_checked'] #signature-panel");
  assert.match(await text("#visit-patient"), /李四/);
  assert.ok(!(await browser.$("#parked").isExisting()), "nothing left parked");
  await shot("07-resumed-next-patient");
});
