// The done-when of the generated contract (docs/decisions/0018): no file of
// the window declares its own copy of a type generated from Rust
// (`ipc/generated/`), and the `ipc/*-api.ts` wrappers declare no type for
// data that crosses the boundary — what `invoke` returns and what a command
// takes come from the generated files; a wrapper may keep only the window's
// own shapes (a scan's verdict, a chart bar), listed below with why.
import { describe, expect, it } from "vitest";

const generated = import.meta.glob(["./generated/*.ts"], { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const sources = import.meta.glob(["../**/*.ts", "../**/*.svelte", "!./generated/**"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;
const apis = import.meta.glob(["./*-api.ts", "./api.ts"], { query: "?raw", import: "default", eager: true }) as Record<string, string>;

/** The names of the types and interfaces a text declares. */
export function declaredTypes(text: string): string[] {
  return [...text.matchAll(/^\s*(?:export\s+)?(?:declare\s+)?(?:interface|type)\s+([A-Z]\w*)\s*(?:=|<|\{|extends)/gm)].map((m) => m[1] as string);
}

const generatedNames = new Set(Object.values(generated).flatMap(declaredTypes));

/**
 * Types an `ipc/*-api.ts` may declare: the window's own, never sent by or to
 * a command. Anything else there is a hand-written copy of the boundary.
 */
const WINDOW_ONLY: Record<string, string> = {
  ScanVerdict: "inventory: what a scan means on the document's list, judged in the window",
  GoodsInDraft: "inventory: the goods-in form as typed, before it becomes a GoodsInForm",
  ChangeKind: "inventory: the window's names of inventory_change's kinds (a string on the wire)",
  IntegrityBanner: "manager: what the queue tab shows about the ledger check",
  QueueFilter: "manager: the queue tab's filter buttons",
  Bar: "manager: a chart bar",
  BadLine: "import: one bad line as shown",
  DeliveryMove: "delivery: the screen's buttons",
  DeliveryStatusCode: "delivery: the window's names of the status codes",
  PayMethod: "till: the payment methods' names in the window",
  TillLine: "till: a local alias of the generated TillLineView",
  Credential: "counter: the credential buttons",
  IdMethod: "visit: the window's names of visit_identify's method (a string on the wire)",
  RefundIdMethod: "visit: the refund's identification buttons (a string on the wire)",
  OtcAction: "OTC: the screen's actions",
};

describe("the generated contract has no hand-written copy", () => {
  it("the generated files declare the boundary types", () => {
    expect(generatedNames.size).toBeGreaterThan(100);
    for (const n of ["VisitView", "PrescriptionView", "AuthorisedRx", "DayReportView", "QueueItem", "DeliveryOrder", "SettingsView", "IpcError"]) {
      expect(generatedNames.has(n), n).toBe(true);
    }
  });

  it("no file outside ipc/generated declares a type with a generated type's name", () => {
    const copies = Object.entries(sources).flatMap(([p, text]) =>
      declaredTypes(text)
        .filter((n) => generatedNames.has(n))
        .map((n) => `${p}: ${n}`),
    );
    expect(copies).toEqual([]);
  });

  it("an ipc/*-api.ts declares only the window's own shapes", () => {
    expect(Object.keys(apis).length).toBeGreaterThanOrEqual(9);
    const own = Object.entries(apis).flatMap(([p, text]) =>
      declaredTypes(text)
        .filter((n) => !(n in WINDOW_ONLY))
        .map((n) => `${p}: ${n}`),
    );
    expect(own).toEqual([]);
  });

  it("every type an ipc/*-api.ts passes to invoke is generated", () => {
    // A generated type imported under another name (`Pending as StartupState`) is still generated.
    const aliases = new Set(
      Object.values(apis).flatMap((text) =>
        [...text.matchAll(/import type \{([^}]*)\} from "\.\/generated\/types"/g)].flatMap((m) =>
          [...(m[1] as string).matchAll(/(\w+)\s+as\s+(\w+)/g)].filter((a) => generatedNames.has(a[1] as string)).map((a) => a[2] as string),
        ),
      ),
    );
    const builtin = new Set(["string", "number", "boolean", "void", "null", "unknown", "Record", "Partial", "Array", "Locale"]);
    const bad = Object.entries(apis).flatMap(([p, text]) =>
      [...text.matchAll(/invoke<([^(]*)>\(/g)].flatMap((m) =>
        [...(m[1] as string).replace(/"[^"]*"/g, "").matchAll(/[A-Za-z_]\w*/g)]
          .map((x) => x[0])
          .filter((n) => !builtin.has(n) && !generatedNames.has(n) && !aliases.has(n))
          .map((n) => `${p}: invoke<${m[1]}> names ${n}`),
      ),
    );
    expect(bad).toEqual([]);
  });

  it("the guard sees a copy (self-test)", () => {
    expect(declaredTypes("export interface VisitView {\n  a: 1 }\ntype Foo = { b: 2 };\nimport {\n  type AppStatus,\n} from 'x';")).toEqual(["VisitView", "Foo"]);
  });
});
