// The window and the shell agree on the command list: every `invoke` names a
// command `main.rs` registers (the generated `COMMANDS`), every registered
// command is invoked somewhere (none is dead), and the mocked backend for
// the browser tests answers only commands that exist.
import { describe, expect, it } from "vitest";
import { COMMANDS } from "./generated/commands";

// Every source file of the window (not the tests, not the generated files), as text.
const sources = import.meta.glob(["../**/*.ts", "../**/*.svelte", "!../**/*.test.ts", "!./generated/**"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;
const all = Object.entries(sources).map(([p, text]) => ({ p, text }));
const isMock = (p: string) => /[\\/]mock[\\/]|[\\/]mock-[\w-]+\.ts$/.test(p);

describe("the command list", () => {
  const listed = new Set<string>(COMMANDS);

  it("every invoke names a registered command", () => {
    const invoked = all.filter((f) => !isMock(f.p)).flatMap((f) => [...f.text.matchAll(/invoke(?:<[^(]*>)?\(\s*"(\w+)"/g)].map((m) => m[1] as string));
    expect(invoked.length).toBeGreaterThan(50);
    expect(invoked.filter((c) => !listed.has(c))).toEqual([]);
  });

  it("every registered command is invoked by the window", () => {
    const text = all.filter((f) => !isMock(f.p)).map((f) => f.text).join("\n");
    expect(COMMANDS.filter((c) => !text.includes(`"${c}"`))).toEqual([]);
  });

  it("the mocks answer only commands that exist", () => {
    const mocked = all.filter((f) => isMock(f.p)).flatMap((f) => [...f.text.matchAll(/case "(\w+)":/g)].map((m) => m[1] as string));
    // `mock_*` are the mocks' own test controls, not commands.
    const notCommands = mocked.filter((c) => !listed.has(c) && !c.startsWith("mock_") && /^[a-z]+(_[a-z0-9]+)+$/.test(c));
    expect(notCommands).toEqual([]);
  });
});
