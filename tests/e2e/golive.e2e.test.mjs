// Going live in the REAL window (issue 13): a fresh data directory with no
// configuration, the emulator serving the NON-demo rehearsal deployment
// (`rxdesk-center-sim --profile assets/profiles/rehearsal.toml
// --issue-credentials DIR`), freshly issued credentials. The window is driven
// through 正式接入 (bad inputs first: a profile without URL, a file that is
// not a certificate, a wrong appSecret — each a clear message, nothing
// kept), then the manager creates the pharmacist, edits settings and imports
// the pharmacy's own catalogue and stock in the import tab (管理 → 导入), and a
// whole visit runs to the receipt with the uploads arriving at the emulator.
// No demo material: the mode is production, the demo CA is not trusted, the
// demo accounts do not exist.
//
// Run by scripts/e2e (tauri-driver on RXDESK_E2E_DRIVER_PORT); this file
// starts its own emulator and uses its own data directory, not RXDESK_HOME.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openTillIfAsked } from "./steps.mjs";
import * as steps from "./steps.mjs";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

const port = Number(process.env.RXDESK_E2E_DRIVER_PORT ?? 4444);
const application = process.env.RXDESK_E2E_APP;
const root = resolve(".");
const work = resolve("test-output/e2e-golive");
const home = `${work}/home`;
const issued = `${work}/issued`;
const shots = "test-output/e2e";
const MANAGER = "5001";
const PASSWORD = "kangning-manager-2026";
const PHARMACIST_PW = "zhao-pharmacist-2026";
const PATIENT = "110000ecrehearsal00000000000000000sunli";
const PHARMACIST_EC = "110000ecrehearsal0000000000000zhaoyaoshi";

let browser;
// Shared steps (steps.mjs), bound to this file's window.
const wedge = (code) => steps.wedge(browser, code);
const typeInto = (sel, value) => steps.typeInto(browser, sel, value);
const failWithError = (what) =>
  steps.failWithError(browser, what, { shot: (w) => browser.saveScreenshot(`${shots}/golive-error-${w}.png`) });
let sim;
let center;

const shot = (name) => browser.saveScreenshot(`${shots}/${name}.png`);
const text = async (sel) => (await browser.$(sel).getText()).trim();
const shown = (sel, timeout = 30000) => browser.$(sel).waitForDisplayed({ timeout });

/** Sets an input's value as typing would (input + change events): WebDriver
 *  keystrokes lost characters under load ("初始密码至少需要 8 个字符"). */
const setValue = async (sel, v) => {
  await browser.$(sel).waitForExist({ timeout: 30000 });
  await browser.execute(
    (sel, value) => {
      const el = document.querySelector(sel);
      el.value = value;
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    },
    sel,
    v,
  );
};

async function session() {
  browser = await steps.remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "warn",
    capabilities: { "tauri:options": { application, args: ["--data-dir", home] } },
  });
}

async function startEmulator() {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(issued, { recursive: true });
  sim = spawn(
    `${root}/target/debug/rxdesk-center-sim`,
    ["--profile", "assets/profiles/rehearsal.toml", "--issue-credentials", issued, "--port", "0"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  sim.stdout.on("data", (d) => (out += d));
  sim.stderr.on("data", (d) => (out += d));
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const m = /listening on (127\.0\.0\.1:\d+)/.exec(out);
    if (m) return `http://${m[1]}`;
    if (sim.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`the rehearsal emulator did not start: ${out}`);
}

/** A scan as a keyboard-wedge burst (key events back to back, then Enter). */

/** Sets an input as typing would (WebDriver keystrokes drop characters under load). */

/** A USB (keyboard-wedge) scan into the 库存 screen's scan field. */
async function invScan(value) {
  await typeInto("#inv-scan", value);
  await browser.execute(() => document.querySelector("#inv-scan").form.requestSubmit());
}


async function login(user, password, role) {
  await shown("#login-form");
  await setValue("#operator", user);
  await setValue("#password", password);
  await browser.keys("Enter");
}

before(async () => {
  assert.ok(application && existsSync(application), `app binary missing: ${application}`);
  mkdirSync(shots, { recursive: true });
  center = await startEmulator();
  // The 医保局's profile names the real center; the rehearsal center listens on a free port.
  const profile = readFileSync("assets/profiles/rehearsal.toml", "utf8").replace(
    /^base_url = ".*"$/m,
    `base_url = "${center}"`,
  );
  writeFileSync(`${work}/profile.toml`, profile);
  // Bad inputs: a profile without URL, a wrong appSecret, a "CA" that is not a certificate.
  writeFileSync(`${work}/no-url.toml`, profile.replace(/^base_url = ".*"$/m, ""));
  cpSync(`${issued}/credentials`, `${work}/wrong-secret`, { recursive: true });
  writeFileSync(`${work}/wrong-secret/app_secret`, "WRONGSECRET0000000000000000\n");
  writeFileSync(`${work}/not-a-cert.pem`, "这不是证书 / not a certificate\n");
  mkdirSync(home, { recursive: true });
  await session();
});

after(async () => {
  await browser?.deleteSession().catch(() => undefined);
  sim?.kill();
});

test("a fresh data directory offers 演示模式 or 正式接入", async () => {
  await shown("#first-start", 20000);
  assert.match(await text("#first-start"), /演示模式/);
  assert.match(await text("#first-start"), /正式接入/);
  // Nothing was written that would make it a (demo) counter.
  assert.ok(!existsSync(`${home}/settings.json`));
  await shot("30-golive-first-start");
  // en-US too; switching the language does not write settings.json.
  await browser.$("#locale-switch").click();
  await browser.waitUntil(async () => (await text("#first-start")).includes("Go live"), { timeout: 10000 });
  await shot("30-golive-first-start-en");
  assert.ok(!existsSync(`${home}/settings.json`));
  await browser.$("#locale-switch").click();
  await browser.waitUntil(async () => (await text("#first-start")).includes("正式接入"), { timeout: 10000 });
  await browser.$("#choose-live").click();
  await shown("#ob-wizard");
});

test("the wizard names each bad input and keeps nothing", async () => {
  // A profile without the center URL: the field is named.
  await setValue("#ob-profile", `${work}/no-url.toml`);
  await browser.$("#ob-profile-check").click();
  await shown("#ob-profile-error");
  assert.match(await text("#ob-profile-error"), /center\.base_url/);
  await shot("31-golive-profile-missing-url");
  await setValue("#ob-profile", `${work}/profile.toml`);
  await browser.$("#ob-profile-check").click();
  await shown("#ob-profile-ok");
  assert.match(await text("#ob-profile-ok"), /康宁大药房（P11010100007）/);

  // A CA file that is not a certificate.
  await setValue("#ob-trust", `${work}/not-a-cert.pem`);
  await browser.$("#ob-trust-check").click();
  await shown("#ob-trust-error");
  assert.match(await text("#ob-trust-error"), /not-a-cert\.pem.*不是证书/);
  await setValue("#ob-trust", `${issued}/trust`);
  await browser.$("#ob-trust-check").click();
  await shown("#ob-trust-ok");
  assert.match(await text("#ob-trust-ok"), /根证书/);
  assert.match(await text("#ob-trust-ok"), /吊销列表/);
  assert.doesNotMatch(await text("#ob-trust-ok"), /DEMO/i);

  // Credentials whose appSecret the center does not accept: the files are
  // well-formed, so only the sign-in can tell — and the screen says which one.
  await setValue("#ob-credentials", `${work}/wrong-secret`);
  await browser.$("#ob-credentials-check").click();
  await shown("#ob-credentials-ok");
  assert.equal(await browser.$("#ob-code").getValue(), "P11010100007");
  await setValue("#ob-manager", MANAGER);
  await setValue("#ob-manager-name", "周店长");
  await setValue("#ob-password", PASSWORD);
  await setValue("#ob-password2", PASSWORD);
  await shot("32-golive-wizard-filled");
  await browser.$("#ob-run").click();
  await shown("#ob-error", 60000);
  assert.match(await text("#ob-error"), /appSecret/);
  assert.match(await text("#ob-error"), /未保存任何内容/);
  await shot("33-golive-wrong-app-secret");
  // Nothing half-imported: no settings, no ledger, no vault, no staging directory.
  for (const f of ["settings.json", "rxdesk.sqlite3", "credentials", "profile.toml"]) {
    assert.ok(!existsSync(`${home}/${f}`), `${f} was left behind`);
  }
  assert.deepEqual(readdirSync(work).filter((f) => f.startsWith(".home.setup")), []);
});

test("正式接入 with the issued credentials signs in (9001) and opens a production counter", async () => {
  await setValue("#ob-credentials", `${issued}/credentials`);
  await browser.$("#ob-credentials-check").click();
  await shown("#ob-credentials-ok");
  assert.match(await text("#ob-credentials-ok"), /app_secret/);
  assert.doesNotMatch(await text("#ob-credentials-ok"), new RegExp(readFileSync(`${issued}/credentials/app_secret`, "utf8").trim()));
  await browser.$("#ob-run").click();
  await shown("#ob-finished", 60000);
  assert.match(await text("#ob-connectivity"), /9001 签到：成功/);
  assert.match(await text("#ob-connectivity"), /网关签名与 appId：中心已接受/);
  await shot("34-golive-done");

  const settings = JSON.parse(readFileSync(`${home}/settings.json`, "utf8"));
  assert.equal(settings.demo_mode, false);
  assert.equal(settings.fixmedins_code, "P11010100007");
  // The demo CA is not trusted: only the rehearsal 医保 CA is in the trust store.
  const trusted = readdirSync(`${home}/trust`);
  assert.ok(trusted.includes("medical-insurance-ca.pem"), trusted.join(","));
  assert.ok(!trusted.some((f) => /demo/i.test(f)), trusted.join(","));
  for (const f of trusted.filter((f) => f.endsWith(".pem"))) {
    assert.doesNotMatch(readFileSync(`${home}/trust/${f}`, "utf8"), /Demo/);
  }

  await browser.$("#ob-to-login").click();
  await shown("#login-form");
  // Production: no demo accounts offered, none exists.
  assert.equal(await browser.$("#demo-accounts").isExisting(), false);
  assert.equal(await browser.$("#status-demo").isExisting(), false);
  await login("3001", "demo-manager", "manager");
  await browser.waitUntil(async () => (await text("#notice")).includes("密码"), { timeout: 10000 });
});

test("the manager creates the pharmacist and edits settings (validated, audit-logged)", async () => {
  await login(MANAGER, PASSWORD, "manager");
  await shown("#nav", 15000);
  await browser.keys("F8");
  await shown("#set-staff");
  // Settings: a bad value is refused with a sentence, a good one saved.
  await browser.$("#set-edit").click();
  await setValue("#set-idle", "0");
  await browser.$("#set-save").click();
  await shown("#set-save-result");
  assert.match(await text("#set-save-result"), /自动锁屏时间须为 1–120 分钟/);
  await setValue("#set-idle", "15");
  await setValue("#set-phone", "010-6512 3456");
  await setValue("#set-address", "北京市东城区人民路 8 号");
  await browser.$("#set-save").click();
  await browser.waitUntil(async () => (await text("#set-save-result")).includes("自动锁屏: 5 → 15"), {
    timeout: 10000,
    timeoutMsg: "settings change not confirmed",
  });
  assert.equal(JSON.parse(readFileSync(`${home}/settings.json`, "utf8")).idle_lock_minutes, 15);

  // The pharmacist, with a bad ID number first, then the right one.
  await browser.$("#staff-add").click();
  await setValue("#staff-login", "2101");
  await setValue("#staff-name", "赵药师");
  await browser.$("#staff-role").selectByAttribute("value", "pharmacist");
  await setValue("#staff-password", PHARMACIST_PW);
  await setValue("#staff-certno", "110101199107070017");
  await setValue("#staff-prac", "ZYZS-2026-0021");
  await setValue("#staff-phar-code", "YS110101000021");
  await browser.$("#staff-create").click();
  await shown("#staff-result");
  assert.match(await text("#staff-result"), /身份证号/);
  await setValue("#staff-certno", "110101199107070016");
  await browser.$("#staff-create").click();
  await browser.waitUntil(async () => (await text("#staff-result")).includes("账户已建立"), { timeout: 10000 });
  await shown("#staff-row-2101");
  assert.match(await text("#staff-row-2101"), /赵药师/);
  assert.match(await text("#staff-row-2101"), /YS110101000021/);
  assert.match(await text("#staff-row-2101"), /ZYZS-2026-0021/);
  assert.doesNotMatch(await text("#staff-row-2101"), /110101199107070016/);
  await shot("35-golive-settings-staff");

  // The pharmacy's own catalogue and stock, through the window's import tab
  // (管理 → 导入): each file's summary first, then imported on confirm.
  await browser.execute(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await browser.keys("F7");
  await shown("#manager", 15000);
  await browser.keys("4");
  await shown("#import-panel", 15000);
  for (const kind of ["catalogue", "stock"]) {
    await browser.$(`#imp-kind-${kind}`).click();
    const input = await browser.$("#imp-file");
    await input.waitForEnabled({ timeout: 30000 });
    await input.addValue(`${root}/assets/scenarios/production/${kind}.csv`);
    await browser.waitUntil(
      async () => (await browser.$("#imp-summary").isDisplayed()) || (await browser.$("#imp-error").isDisplayed()),
      { timeout: 60000, timeoutMsg: `${kind}: no summary and no error` },
    );
    if (await browser.$("#imp-error").isDisplayed()) assert.fail(`${kind} import: ${await text("#imp-error")}`);
    assert.equal(await browser.$("#imp-errors").isExisting(), false, `${kind}: no bad lines`);
    assert.equal(await text("#imp-added"), "1", `${kind}: one new row`);
    await shot(`35${kind === "catalogue" ? "a" : "b"}-golive-import-${kind}-summary`);
    await browser.$("#imp-confirm").click();
    await shown("#imp-done", 60000);
    assert.match(await text("#imp-done"), new RegExp(`${kind}\\.csv`));
  }
  await shot("35c-golive-import-done");
  await browser.keys("F12");
  await shown("#login-form");
});

test("after a restart the counter takes the pharmacy's own catalogue and a whole visit reaches the center", async () => {
  // The catalogue and stock were imported in the window (管理 → 导入) above.
  await browser.deleteSession();
  browser = undefined;

  // A reboot makes the OS forget the vault key (here: `rxdesk keys lock`);
  // the window then asks for the manager's passphrase before anything else.
  const locked = spawnSync(`${root}/target/debug/rxdesk`, ["keys", "lock", "--data-dir", home], { encoding: "utf8" });
  assert.equal(locked.status, 0, `${locked.stdout}\n${locked.stderr}`);
  const vaultBefore = readFileSync(`${home}/credentials/vault.json`);

  await session();
  // If the OS no longer holds the vault key, the manager's passphrase
  // unlocks it: a wrong one is refused with a sentence first.
  await browser.waitUntil(
    async () => (await browser.$("#unlock-form").isDisplayed()) || (await browser.$("#login-form").isDisplayed()),
    { timeout: 20000 },
  );
  if (await browser.$("#unlock-form").isDisplayed()) {
    await setValue("#unlock-passphrase", "not-the-passphrase");
    await browser.$("#unlock-submit").click();
    await shown("#unlock-error");
    assert.match(await text("#unlock-error"), /店长口令不正确/);
    await shot("36-golive-unlock-wrong");
    // Nothing was changed by the wrong passphrase.
    assert.deepEqual(readFileSync(`${home}/credentials/vault.json`), vaultBefore);
    await setValue("#unlock-passphrase", PASSWORD);
    await browser.$("#unlock-submit").click();
  }
  await login("2101", PHARMACIST_PW, "pharmacist");
  await shown("#counter", 15000);
  await openTillIfAsked(browser);

  // Goods in (库存 → 入库): the imported stock has no boxes on the shelf yet;
  // the delivered box is received by scanning its barcode and trace code
  // (only received boxes can be sold).
  await browser.$("#product-name").click();
  await browser.keys(["Shift", "F7"]);
  await shown("#inventory", 15000);
  await typeInto("#inv-supplier", "康宁医药供应链有限公司");
  await typeInto("#inv-invoice", "00026001");
  await invScan("6971234500014");
  await shown("#inv-product-picked");
  assert.equal(await browser.$("#inv-product-picked").getAttribute("data-product"), "KN-AMX-0001");
  await typeInto("#inv-lot", "L260115");
  await typeInto("#inv-manu", "2026-01-15");
  await typeInto("#inv-expiry", "2028-01-14");
  await typeInto("#inv-price", "8.20");
  await invScan("81700012601000011234");
  await browser.waitUntil(async () => (await browser.$("#inv-count").getAttribute("data-count")) === "1", {
    timeout: 30000,
    timeoutMsg: "the box was not added to the goods-in",
  });
  await browser.$("#inv-scan").click();
  await browser.keys("F10");
  await browser.waitUntil(async () => /已入库 1 盒/.test(await text("#inv-banner").catch(() => "")), {
    timeout: 30000,
    timeoutMsg: "the goods-in was not committed",
  });
  await shot("36b-golive-goods-in");
  await browser.keys("F1");
  await shown("#counter", 15000);

  // The hospital issues the e-prescription (rehearsal center's admin API).
  const rx = await fetch(`${center}/admin/prescriptions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      hospital: "H11010100001",
      psn_no: "PSN1101000010",
      lines: [["XJ01CAA040A001010100001", "1"]],
      valid_days: 7,
      rept_flag: false,
      max_rept_cnt: 0,
      diag_name: "急性支气管炎",
      label: "golive-e2e",
    }),
  });
  assert.equal(rx.status, 200, await rx.text());

  await wedge(PATIENT);
  await browser.waitUntil(
    async () => (await browser.$("#rx-list").isDisplayed()) || (await browser.$("#counter-error").isDisplayed()),
    { timeout: 30000, timeoutMsg: "no list and no error after the e-voucher scan" },
  );
  await failWithError("query");
  assert.match(await text("#visit-patient"), /孙丽/);
  await browser.keys("1");
  await shown("#signature-panel");
  await failWithError("open");
  // Verified against the imported provincial CA root, not the demo CA.
  assert.match(await browser.$("#signature-panel").getAttribute("class"), /\bok\b/);
  await shot("37-golive-rx-verified");

  await browser.keys("F2");
  await shown("#audit-form");
  if (await browser.$("#shift-step").isDisplayed()) {
    await wedge(PHARMACIST_EC);
    await shown("#audit-result");
  }
  await failWithError("shift start");
  assert.match(await text("#nav-duty"), /赵药师/);
  await wedge(PHARMACIST_EC);
  await shown("#audit-reconfirm.ok");
  await browser.$("#audit-opinion").setValue("处方合理，准予调配。");
  await browser.execute(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await browser.keys("F2");
  await shown("#dispense-list");
  await failWithError("audit");

  await wedge("81700012601000011234");
  await browser.waitUntil(
    async () => (await browser.execute(() => document.querySelectorAll("#dispense-list td.small div").length)) === 1,
    { timeout: 20000, timeoutMsg: "the box was not ticked" },
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
  assert.match(receipt, /康宁大药房/);
  assert.match(receipt, /010-6512 3456/);
  await shot("38-golive-receipt");

  // The uploads reach the rehearsal center: the audit with the pharmacist's
  // 医保药师代码, the sale with her licence number and the trace code.
  await browser.waitUntil(
    async () => {
      const stats = JSON.stringify(await (await fetch(`${center}/admin/stats`)).json());
      return stats.includes("3505") && stats.includes("7204");
    },
    { timeout: 60000, timeoutMsg: "the uploads never reached the rehearsal center" },
  );
  const audit = JSON.stringify(await (await fetch(`${center}/admin/uploads?op=7204`)).json());
  assert.match(audit, /phar_code/);
  assert.match(audit, /YS110101000021/);
  assert.match(audit, /ZYZS-2026-0021/);
  const sale = JSON.stringify(await (await fetch(`${center}/admin/uploads?op=3505`)).json());
  assert.match(sale, /81700012601000011234/);
});
