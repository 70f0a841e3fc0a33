// The manager's catalogue import in the REAL app window (issue 13 item 5):
// the manager signs in, opens 管理 (F7) → 4 导入目录/库存, chooses an Excel
// file with bad lines and sees every bad line with its row number and reason
// (nothing imported), then a good Excel file: the summary (added / changed /
// unchanged) before anything is written, confirms, and the CLI then finds the
// same file unchanged. The XLSX files are written by the test
// (tests/e2e/xlsx.mjs). Screenshots: test-output/e2e/30-…, 31-…, 32-….
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { xlsx } from "./xlsx.mjs";
import * as steps from "./steps.mjs";

const port = Number(process.env.RXDESK_E2E_DRIVER_PORT ?? 4444);
const application = process.env.RXDESK_E2E_APP;
const center = process.env.RXDESK_E2E_CENTER;
const cli = application ? resolve(dirname(application), "rxdesk") : "";
const home = resolve("test-output/e2e-import-home");
const shots = "test-output/e2e";
const db = `${home}/rxdesk.sqlite3`;
const env = { ...process.env, RXDESK_HOME: home, RXDESK_PASSWORD: "demo-manager" };
let browser;

const HEADER = ["fixmedins_hilist_id", "med_list_codg", "name", "genname", "spec", "unit", "price", "barcode", "pack_size", "min_unit", "circulation"];
const AMOX = "XJ01CAA040A001010100001";
const IBU = "XM01AEB080A001010100002";
const LORA = "XR06AXL040A001010100003";
const row = (id, codg, name, price, barcode = null, circulation = null) =>
  [id, codg, name, name, "0.25g*24粒", "盒", price, barcode, 24, "粒", circulation];

const badFile = resolve(home, "目录-有错误.xlsx");
const goodFile = resolve(home, "目录.xlsx");

before(async () => {
  assert.ok(application && existsSync(application), `app binary missing: ${application}`);
  assert.ok(center, "RXDESK_E2E_CENTER not set (run through scripts/e2e)");
  assert.ok(existsSync(cli), `CLI missing: ${cli} (scripts/build)`);
  mkdirSync(shots, { recursive: true });
  rmSync(home, { recursive: true, force: true });
  mkdirSync(`${home}/trust`, { recursive: true });
  const ca = await (await fetch(`${center}/admin/ca.pem`)).text();
  writeFileSync(`${home}/trust/DEMO-ONLY-center-sim-ca.pem`, ca);
  writeFileSync(`${home}/settings.json`, JSON.stringify({ demo_mode: true, center_url: center }, null, 2));
  // The manager account 3001 (and one cash sale) in an empty ledger.
  execFileSync(cli, ["queue", "demo", "--db", db, "--sales", "1", "--manager", "3001"], { env, stdio: "pipe" });
  // Two products already there, imported with the CLI from CSV.
  const csv = [HEADER.join(","), row("IMP001", AMOX, "阿莫西林胶囊", "12.50").join(","), row("IMP002", IBU, "布洛芬缓释胶囊", "18.00").join(",")]
    .map((l) => l.replace(/,null/g, ",").replace(/^null/, ""))
    .join("\r\n");
  writeFileSync(`${home}/seed.csv`, csv + "\r\n");
  const out = execFileSync(cli, ["catalogue", "import", `${home}/seed.csv`, "--operator", "3001", "--yes", "--db", db], { env }).toString();
  assert.match(out, /新增 added 2/);
  // Rows 3, 5, 6 and 7 are bad (row 4 is empty in the sheet); row 2 is good
  // but must not be imported while others are bad.
  writeFileSync(badFile, xlsx([
    HEADER,
    row("IMP003", LORA, "氯雷他定片", 22.8),
    row("IMP004", LORA, "某药", "22.8元"),
    [],
    row("IMP005", LORA, "某药", 5, "6901234567891"),
    row("IMP006", LORA, "某药", 5, null, "drugs"),
    row("IMP003", LORA, "重复", 5),
  ]));
  // IMP001 as it is, IMP002 at a new price, IMP003 and IMP004 new (IMP004 a vaccine).
  writeFileSync(goodFile, xlsx([
    HEADER,
    row("IMP001", AMOX, "阿莫西林胶囊", 12.5),
    row("IMP002", IBU, "布洛芬缓释胶囊", 19.5),
    row("IMP003", LORA, "氯雷他定片", 22.8, "6901234567892"),
    row("IMP004", LORA, "流感疫苗", 80, null, "疫苗"),
  ]));
  browser = await steps.remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "warn",
    capabilities: { "tauri:options": { application, args: ["--data-dir", home] } },
  });
});

after(async () => {
  await browser?.deleteSession();
});

async function choose(path) {
  const input = await browser.$("#imp-file");
  await input.waitForEnabled({ timeout: 30000 });
  await input.addValue(path);
}

test("the manager opens the import screen from the manager area", async () => {
  await browser.$("#login-form").waitForDisplayed({ timeout: 15000 });
  await browser.$("#operator").setValue("3001");
  await browser.$("#password").setValue("demo-manager");
  await browser.$("#password").click();
  await browser.keys("Enter");
  await browser.$("#nav").waitForDisplayed({ timeout: 10000 });
  await browser.$("#product-name").click();
  await browser.keys("F7");
  await browser.$("#manager").waitForDisplayed({ timeout: 15000 });
  await browser.$("#product-name").click();
  await browser.keys("4");
  await browser.$("#import-panel").waitForDisplayed({ timeout: 15000 });
  assert.equal(await browser.$("#imp-kind-catalogue").isSelected(), true);
});

test("an Excel file with bad lines lists each line and its reason; nothing is imported", async () => {
  await choose(badFile);
  await browser.$("#imp-errors").waitForDisplayed({ timeout: 60000 });
  const lines = await browser.execute(() =>
    [...document.querySelectorAll("#imp-errors tr.bad-line")].map((r) => [Number(r.dataset.line), r.textContent]));
  assert.deepEqual(lines.map((l) => l[0]), [3, 5, 6, 7]);
  const reason = (n) => lines.find((l) => l[0] === n)[1];
  assert.match(reason(3), /零售价.*不是有效金额/);
  assert.match(reason(5), /校验位/);
  assert.match(reason(6), /流通类别/);
  assert.match(reason(7), /与第 2 行重复/);
  assert.match(await browser.$("#imp-bad-title").getText(), /未导入任何内容/);
  assert.equal(await browser.$("#imp-summary").isExisting(), false, "no summary, no confirm");
  await browser.saveScreenshot(`${shots}/30-import-bad-lines.png`);
});

test("a good Excel file shows its summary first, then is imported on confirm", async () => {
  await choose(goodFile);
  await browser.$("#imp-summary").waitForDisplayed({ timeout: 60000 });
  // IMP003 counts as added: the bad file's good row 2 was not imported.
  assert.equal(await browser.$("#imp-added").getText(), "2");
  assert.equal(await browser.$("#imp-changed").getText(), "1");
  assert.equal(await browser.$("#imp-unchanged").getText(), "1");
  // Nothing is written before the manager confirms.
  const before = execFileSync(cli, ["catalogue", "import", goodFile, "--operator", "3001", "--dry-run", "--db", db], { env }).toString();
  assert.match(before, /新增 added 2，修改 changed 1，未变 unchanged 1/);
  await browser.saveScreenshot(`${shots}/31-import-summary.png`);
  await browser.$("#imp-confirm").click();
  await browser.$("#imp-done").waitForDisplayed({ timeout: 60000 });
  assert.match(await browser.$("#imp-done").getText(), /已导入.*新增 2.*修改 1.*未变 1/s);
  await browser.saveScreenshot(`${shots}/32-import-done.png`);
  const after = execFileSync(cli, ["catalogue", "import", goodFile, "--operator", "3001", "--dry-run", "--db", db], { env }).toString();
  assert.match(after, /新增 added 0，修改 changed 0，未变 unchanged 4/);
});
