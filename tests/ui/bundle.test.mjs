// The window's first script carries the login screen and nothing it does
// not need (decision 0028): every other screen is a chunk loaded when first
// shown, and the English tables are one chunk loaded when the window
// switches to en-US. Builds the production bundle (not the mock mode) with
// Vite's manifest and checks the chunk graph, so a static import that pulls
// a screen or the English back into the first script fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "vite";

const LAZY_SCREENS = ["Counter", "History", "Settings", "Manager", "Onboarding", "Unlock", "Till", "Otc", "Delivery",
  "Inventory", "ChainManager"];

test("the login's script holds no other screen and no English table; those are chunks of their own", async () => {
  const out = mkdtempSync(join(tmpdir(), "rxdesk-bundle-"));
  try {
    await build({ configFile: "ui/vite.config.ts", logLevel: "warn", build: { outDir: out, emptyOutDir: true, manifest: true } });
    const manifest = JSON.parse(readFileSync(join(out, ".vite", "manifest.json"), "utf8"));
    const [entryKey] = Object.entries(manifest).find(([, c]) => c.isEntry);
    // The first script and everything it imports statically.
    const first = new Set();
    const walk = (key) => {
      if (first.has(key)) return;
      first.add(key);
      for (const k of manifest[key].imports ?? []) walk(k);
    };
    walk(entryKey);
    const sources = [...first].map((k) => manifest[k].src ?? k);
    for (const name of LAZY_SCREENS) {
      const src = `src/screens/${name}.svelte`;
      assert.ok(!sources.includes(src), `${name} is in the first script`);
      assert.ok(manifest[src]?.isDynamicEntry, `${name} is not a chunk of its own`);
    }
    assert.ok(!sources.some((s) => /i18n\/i18n-.*en\.ts$/.test(s)), `English tables in the first script: ${sources}`);
    assert.ok(manifest["src/i18n/i18n-en.ts"]?.isDynamicEntry, "the English tables are not a chunk of their own");
    assert.ok(sources.includes("src/screens/Login.svelte") || sources.includes(entryKey), "the login is not in the first script");
    // The first script is well under half of all the script there is.
    const size = (k) => statSync(join(out, manifest[k].file)).size;
    const firstBytes = [...first].reduce((n, k) => n + size(k), 0);
    const allBytes = Object.keys(manifest).filter((k) => manifest[k].file.endsWith(".js")).reduce((n, k) => n + size(k), 0);
    assert.ok(firstBytes < allBytes * 0.45, `first script ${firstBytes} B of ${allBytes} B`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
