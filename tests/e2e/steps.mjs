// Steps shared by the real-window E2E files (imported, not a test file itself).
import { readdirSync, readFileSync } from "node:fs";
import { remote as wdioRemote } from "webdriverio";

// WebKitGTK's automation takes a screenshot at the page's next rendering
// update. Painted without the compositor (docs/decisions/0034), a page that
// does not change has none, and the second screenshot of a session waited
// forever. This gives it one: a 1-pixel, nearly transparent element in the
// bottom-right corner changes shade for about two seconds, then goes.
const KICK = `const d = document.createElement("div");
  d.setAttribute("aria-hidden", "true");
  d.style.cssText = "position:fixed;right:0;bottom:0;width:1px;height:1px;pointer-events:none;z-index:2147483647";
  document.body.appendChild(d);
  let n = 0;
  const f = () => {
    d.style.background = n++ % 2 ? "rgba(0,0,0,0.01)" : "rgba(0,0,0,0.02)";
    if (n < 120) requestAnimationFrame(f); else d.remove();
  };
  requestAnimationFrame(f);`;

/** webdriverio's `remote`, with screenshots that do not wait for a change of the page (see KICK). */
export async function remote(options) {
  const browser = await wdioRemote(options);
  for (const command of ["takeScreenshot", "saveScreenshot"]) {
    browser.overwriteCommand(command, async function (original, ...args) {
      await this.execute(KICK);
      return original(...args);
    });
  }
  return browser;
}

/** The processes of the app launched with `--data-dir home` and their descendants (WebKit's). */
export function appProcesses(application, home) {
  const all = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0");
      all.push({ pid: Number(d), ppid, cmd });
    } catch {
      // gone meanwhile
    }
  }
  const roots = all.filter((p) => p.cmd[0] === application && p.cmd.includes(home));
  const out = [...roots];
  for (let i = 0; i < out.length; i++) out.push(...all.filter((p) => p.ppid === out[i].pid));
  return out;
}

/** The shared libraries mapped by the app's WebKit web processes (file names). */
export function webProcessLibraries(application, home) {
  const libs = new Set();
  for (const p of appProcesses(application, home).filter((q) => /WebKitWebProcess/.test(q.cmd[0]))) {
    for (const line of readFileSync(`/proc/${p.pid}/maps`, "utf8").split("\n")) {
      const m = /\/([^/\s]+\.so[.\d]*)$/.exec(line);
      if (m) libs.add(m[1]);
    }
  }
  return [...libs];
}

/** A visit needs an open till shift: where the counter offers the float, open the till with 0.00. */
export async function openTillIfAsked(browser) {
  // Ask the app whether a till shift is open instead of guessing from the
  // screen: the counter asks for the till only after its first visit start
  // is refused, which can take longer than any fixed wait on a loaded
  // machine (a short wait once lost that race and the scan that followed
  // went nowhere).
  const open = await browser
    .executeAsync((done) => {
      window.__TAURI_INTERNALS__
        .invoke("till_current")
        .then((t) => done(t === null ? "closed" : "open"))
        .catch(() => done("unknown"));
    })
    .catch(() => "unknown");
  if (open !== "open") {
    const offered = await browser
      .$("#counter-till")
      .waitForDisplayed({ timeout: open === "closed" ? 30000 : 8000 })
      .then(() => true)
      .catch(() => false);
    if (offered) {
      await browser.execute(() => {
        const el = document.querySelector("#counter-till-float");
        el.value = "0";
        el.dispatchEvent(new Event("input", { bubbles: true }));
      });
      await browser.$("#counter-till-open").click();
      await browser.$("#counter-till").waitForDisplayed({ reverse: true, timeout: 30000 });
    }
  }
  // The counter (re)starts the visit: a scan before its identify form is
  // there would reach no one. Some callers expect another screen (a visit
  // restored at start-up), so this wait does not fail them.
  await browser
    .$("#identify-form")
    .waitForDisplayed({ timeout: 15000 })
    .catch(() => {});
}

/** The trimmed text of an element. */
export async function textOf(browser, sel) {
  return (await browser.$(sel).getText()).trim();
}

/**
 * A USB keyboard-wedge scanner: the code typed as fast key events on the window (nothing
 * focused), then Enter — what the counter's scan bus sees from a real wedge scanner.
 */
export async function wedge(browser, code) {
  await browser.execute((t) => {
    if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
    const fire = (code, key, shiftKey = false) =>
      window.dispatchEvent(new KeyboardEvent("keydown", { code, key, shiftKey, bubbles: true, cancelable: true }));
    for (const ch of t) {
      if (/[0-9]/.test(ch)) fire(`Digit${ch}`, ch);
      else fire(`Key${ch.toUpperCase()}`, ch, ch !== ch.toLowerCase());
    }
    fire("Enter", "Enter");
  }, code);
}

/** Waits until the app's log in `home` says the demo pharmacy's catalogue is imported. */
export async function waitForDemoCatalogue(home, timeout) {
  const { existsSync, readdirSync, readFileSync } = await import("node:fs");
  const { default: assert } = await import("node:assert/strict");
  const logs = `${home}/logs`;
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const ready =
      existsSync(logs) && readdirSync(logs).some((f) => readFileSync(`${logs}/${f}`, "utf8").includes("demo pharmacy ready"));
    if (ready) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`the demo catalogue was not imported within ${timeout / 1000} s (see ${logs})`);
}

/** Sets an input's value as typing would (input and change events). */
export async function typeInto(browser, sel, value) {
  await browser.execute(
    (s, v) => {
      const el = document.querySelector(s);
      el.focus();
      el.value = v;
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    },
    sel,
    value,
  );
}

/**
 * Fails the test with the error the screen shows at `sel` (saving `shotName` first), if any:
 * a refused step reads as its sentence, not as a later timeout.
 */
export async function failWithError(browser, what, { sel = "#counter-error", shot }) {
  if (await browser.$(sel).isDisplayed()) {
    await shot(what);
    const { default: assert } = await import("node:assert/strict");
    assert.fail(`${what}: ${await textOf(browser, sel)}`);
  }
}
