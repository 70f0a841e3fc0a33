// 连锁管理员登录 in the REAL app window (tauri-driver + WebKitWebDriver under
// Xvfb, started by scripts/e2e): this file starts its own head office — a
// throwaway PostgreSQL (scripts/pg) and `rxdesk-hq serve` — adds the demo
// pharmacy as a store and a chain manager (`rxdesk-hq manager add`, the
// password on standard input), registers the counter's ledger with it
// (`rxdesk chain register`), then signs in as the chain manager from the
// sign-in screen: a wrong password is refused in words, the right one opens
// the chain screen with the stores and the five tabs, read from head office.
// Screenshots: test-output/e2e/chainmgr-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import * as steps from "./steps.mjs";

const port = Number(process.env.RXDESK_E2E_DRIVER_PORT ?? 4444);
const application = process.env.RXDESK_E2E_APP;
const center = process.env.RXDESK_E2E_CENTER;
const bin = application ? dirname(application) : "";
const cli = join(bin, "rxdesk");
const hqBin = join(bin, "rxdesk-hq");
const home = resolve("test-output/e2e-chainmgr-home");
const shots = "test-output/e2e";
const STORE = "P11010100001"; // the demo pharmacy (rxdesk-demo DEMO_PHARMACY_CODE)
let browser, work, hq, hqUrl, dbUrl;

function freePort() {
  return Number(
    execFileSync("python3", ["-c", 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])']).toString(),
  );
}

before(async () => {
  assert.ok(application && existsSync(application), `app binary missing: ${application}`);
  assert.ok(existsSync(hqBin), `rxdesk-hq missing: ${hqBin} (cargo build -p rxdesk-hq)`);
  assert.ok(center, "RXDESK_E2E_CENTER not set (run through scripts/e2e)");
  mkdirSync(shots, { recursive: true });
  work = mkdtempSync(join(tmpdir(), "rxdesk-chainmgr-"));
  chmodSync(work, 0o711); // the postgres user (scripts/pg as root) must reach its cluster dir
  dbUrl = execFileSync("scripts/pg", ["start", join(work, "pg")]).toString().trim();
  writeFileSync(join(work, "admin-token"), "e2e-admin-token-0123456789abcdef\n", { mode: 0o600 });
  const hqPort = freePort();
  hqUrl = `http://127.0.0.1:${hqPort}`;
  hq = spawn(hqBin, ["serve", "--listen", `127.0.0.1:${hqPort}`, "--database-url", dbUrl, "--admin-token-file", join(work, "admin-token")], {
    stdio: "ignore",
  });
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${hqUrl}/v1/views/stores`, { headers: { authorization: "Bearer e2e-admin-token-0123456789abcdef" } })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const reg = execFileSync(hqBin, ["store", "add", STORE, "演示药房", "--database-url", dbUrl]).toString().trim().split("\n").pop();
  execFileSync(hqBin, ["manager", "add", "连锁经理", "--database-url", dbUrl], { input: "chain-manager-2026\n" });
  // The counter: the demo ledger (institution P11010100001, manager 3001), registered with head office.
  rmSync(home, { recursive: true, force: true });
  mkdirSync(`${home}/trust`, { recursive: true });
  const ca = await (await fetch(`${center}/admin/ca.pem`)).text();
  writeFileSync(`${home}/trust/DEMO-ONLY-center-sim-ca.pem`, ca);
  writeFileSync(`${home}/settings.json`, JSON.stringify({ demo_mode: true, center_url: center }, null, 2));
  const env = { ...process.env, RXDESK_HOME: home, RXDESK_PASSWORD: "demo-manager" };
  execFileSync(cli, ["queue", "demo", "--db", `${home}/rxdesk.sqlite3`, "--sales", "3", "--manager", "3001"], { env, stdio: "pipe" });
  execFileSync(cli, ["chain", "register", "--hq", hqUrl, "--store", STORE, "--counter", "1", "--code", reg], { env, stdio: "pipe" });
  // Its three sales reach head office before the window opens.
  execFileSync(cli, ["chain", "sync"], { env, stdio: "pipe" });
  browser = await steps.remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "warn",
    capabilities: { "tauri:options": { application, args: ["--data-dir", home] } },
  });
});

after(async () => {
  await browser?.deleteSession().catch(() => undefined);
  hq?.kill();
  if (work) {
    try {
      execFileSync("scripts/pg", ["stop", join(work, "pg")], { stdio: "ignore" });
    } catch {
      // already stopped
    }
    rmSync(work, { recursive: true, force: true });
  }
});

test("连锁管理员登录: a wrong password is refused, the right one opens the chain screen read from head office", async () => {
  await browser.$("#chain-manager-entry").waitForDisplayed({ timeout: 20000 });
  await browser.saveScreenshot(`${shots}/chainmgr-10-login-entry.png`);
  await browser.$("#chain-manager-entry").click();
  await browser.$("#chain-login-form").waitForDisplayed({ timeout: 5000 });
  await browser.$("#chain-manager-name").setValue("连锁经理");
  await browser.$("#chain-manager-password").setValue("wrong-password");
  await browser.$("#chain-login-submit").click();
  await browser.$("#notice").waitForDisplayed({ timeout: 10000 });
  assert.equal(await browser.$("#notice").getText(), "管理员账户或密码不正确");
  await browser.$("#chain-manager-password").setValue("chain-manager-2026");
  await browser.$("#chain-login-submit").click();
  await browser.$("#chain-manager").waitForDisplayed({ timeout: 15000 });
  await browser.$("#cm-stores").waitForDisplayed({ timeout: 15000 });
  assert.match(await browser.$("#cm-stores").getText(), /演示药房（P11010100001）/);
  assert.match(await browser.$("#chain-manager-who").getText(), /连锁经理/);
  // The counter's upload reached head office: its last upload has a time.
  assert.doesNotMatch(await browser.$("#cm-stores").getText(), /从未/);
  await browser.saveScreenshot(`${shots}/chainmgr-20-uploads.png`);
  for (const [tab, table] of [["regulator", "#cm-regulator"], ["prices", "#cm-prices"]]) {
    await browser.$(`#cm-tab-${tab}`).click();
    await browser.$(table).waitForDisplayed({ timeout: 5000 });
  }
  await browser.$("#cm-tab-regulator").click();
  const reg = await browser.$("#cm-regulator").getText();
  assert.match(reg, /全连锁合计/);
  // WebKit's text of a row runs its cells together: 演示药房（…） 3 (sales) 15.00 (amount) ….
  assert.match(reg, /演示药房（P11010100001）\s*3\s*15\.00/, "the store's three sales, read from head office");
  await browser.saveScreenshot(`${shots}/chainmgr-30-regulator.png`);
  // Signing out returns to the counter's sign-in.
  await browser.$("#chain-sign-out").click();
  await browser.$("#login-form").waitForDisplayed({ timeout: 10000 });
});
