// The English window shows no Chinese from the backend on the devices and
// the upload queue: every code the backend sends (a device line's state and
// warning, a Settings test's outcome, a library's presence, a device event,
// a scanner problem, an upload's transaction, an age) is worded from the
// catalogue in en-US with Chinese in every `…Zh` field, and the words must
// have no CJK; zh-CN keeps the service's sentence. The codes are read from
// the Rust sources, so a new one without words fails here.
import { describe, expect, it } from "vitest";
import printerSrc from "../../../../crates/rxdesk-devices/src/printer/mod.rs?raw";
import identitySrc from "../../../../crates/rxdesk-devices/src/identity.rs?raw";
import apiSrc from "../../../../crates/rxdesk-devices/src/api.rs?raw";
import appDevicesSrc from "../../../../crates/rxdesk-app/src/devices.rs?raw";
import managerSrc from "../../../../crates/rxdesk-app/src/manager.rs?raw";
import auditlogSrc from "../../../../crates/rxdesk-store/src/auditlog.rs?raw";
import integritySrc from "../../../../crates/rxdesk-app/src/integrity.rs?raw";
import { translate, type Key } from "../../i18n/i18n";
import type { DeviceKind, DeviceLine } from "../../ipc/generated/types";
import { deviceLineWords, deviceNoticeWords, deviceTestWords, kindName, libraryWords, scanErrorWords, uploadOpWords } from "./device-words";

const CJK = /[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]/;
const en = (k: Key) => translate("en-US", k);
const zh = (k: Key) => translate("zh-CN", k);
const SOURCES: Record<string, string> = {
  "crates/rxdesk-devices/src/printer/mod.rs": printerSrc,
  "crates/rxdesk-devices/src/identity.rs": identitySrc,
  "crates/rxdesk-devices/src/api.rs": apiSrc,
  "crates/rxdesk-app/src/devices.rs": appDevicesSrc,
  "crates/rxdesk-app/src/manager.rs": managerSrc,
  "crates/rxdesk-store/src/auditlog.rs": auditlogSrc,
  "crates/rxdesk-app/src/integrity.rs": integritySrc,
};
/** A Rust source of the workspace (imported raw, so a change re-runs the test). */
const rust = (path: string): string => SOURCES[path] ?? "";
/** The string literals a Rust `fn NAME` body returns after `=>`. */
function codesOf(src: string, fn: string): string[] {
  const at = src.indexOf(`fn ${fn}(`);
  expect(at, `fn ${fn}`).toBeGreaterThan(-1);
  // The body ends at the first closing brace at a method's or a free function's indent.
  const ends = ["\n    }\n", "\n}\n"].map((e) => src.indexOf(e, at)).filter((i) => i > at);
  const body = src.slice(at, Math.min(...ends));
  return [...body.matchAll(/=> "([a-z0-9_]+)"/g)].map((m) => m[1] as string);
}

const KINDS: DeviceKind[] = ["scanner", "printer", "card_reader", "face_terminal"];

describe("devices in en-US: worded by code, no Chinese", () => {
  it("every device kind, state and warning code of rxdesk-devices", () => {
    const printer = rust("crates/rxdesk-devices/src/printer/mod.rs");
    const warnings = [...codesOf(printer, "code"), "paper_low"];
    expect(warnings).toContain("paper_out");
    const ident = codesOf(rust("crates/rxdesk-devices/src/identity.rs"), "code");
    expect(ident).toContain("not_installed");
    const lines: DeviceLine[] = [];
    for (const kind of KINDS) {
      for (const state of ["not_configured", "not_installed", "connecting", "ready"] as const)
        lines.push({ kind, name: "COM3", state, retryInSecs: null, warning: null, lineZh: "扫码枪：就绪" });
      lines.push({ kind, name: "COM3", state: "disconnected", retryInSecs: 4, warning: null, lineZh: "已断开" });
    }
    for (const w of [...warnings, ...ident]) lines.push({ kind: "printer", name: "p", state: "warning", retryInSecs: null, warning: w, lineZh: "打印机缺纸" });
    for (const l of lines) {
      const w = deviceLineWords(en, l, false);
      expect(w, `${l.state}/${l.warning}`).not.toMatch(CJK);
      expect(w).not.toMatch(/\{\w+\}/);
    }
    // The printer's own warnings have their words (not the generic "code …").
    for (const w of warnings) expect(deviceLineWords(en, lines.find((l) => l.warning === w)!, false), w).not.toMatch(/code/);
    expect(deviceLineWords(en, lines[4]!, false)).toBe("Scanner: disconnected, reconnecting in 4 s");
    expect(deviceLineWords(zh, lines[0]!, true)).toBe("扫码枪：就绪");
  });

  it("every Settings test outcome code, with its params", () => {
    const api = rust("crates/rxdesk-devices/src/api.rs") + rust("crates/rxdesk-app/src/devices.rs");
    const codes = new Set([...api.matchAll(/DeviceTest::(?:pass|failed)\(\s*[^,]+,\s*"([a-z_]+)"/g)].map((m) => m[1] as string));
    for (const c of ["card_read", "card_reader_ok", "face_ok", "qr_decoded", "scan_ok", "printed", "not_configured", "no_code", "no_scan", "scan_failed", "print_failed"]) expect(codes, c).toContain(c);
    const ident = codesOf(rust("crates/rxdesk-devices/src/identity.rs"), "code");
    const params = { name: "张三", cardNo: "110101********0029", model: "HS-200", kind: "gtin", printer: "tcp://127.0.0.1:9100", idMasked: "110***0029", detail: "x" };
    for (const code of [...codes, ...ident]) {
      const w = deviceTestWords(en, { code, params, summaryZh: "读卡成功：张三" }, false);
      // The card holder's name is data (in Chinese in any locale); nothing else is.
      expect(w.replace("张三", ""), code).not.toMatch(CJK);
      expect(w, code).not.toMatch(/\{\w+\}/);
      if (codes.has(code)) expect(w, `${code} has its own words`).not.toMatch(/\(code /);
    }
    expect(deviceTestWords(en, { code: "printed", params, summaryZh: "" }, false)).toBe("Test page printed: tcp://127.0.0.1:9100");
    expect(deviceTestWords(zh, { code: "printed", params, summaryZh: "已打印测试页：p" }, true)).toBe("已打印测试页：p");
  });

  it("the libraries, device events and scanner problems", () => {
    expect(libraryWords(en, true)).toBe("installed");
    expect(libraryWords(en, false)).toBe("not installed");
    expect(libraryWords(zh, false)).toBe("未安装");
    for (const kind of KINDS) {
      expect(kindName(en, kind)).not.toMatch(CJK);
      for (const back of [true, false]) expect(deviceNoticeWords(en, { kind, back, messageZh: "扫码枪已断开" }, false)).not.toMatch(CJK);
    }
    expect(deviceNoticeWords(en, { kind: "scanner", back: false, messageZh: "" }, false)).toMatch(/^Scanner disconnected/);
    expect(deviceNoticeWords(zh, { kind: "scanner", back: true, messageZh: "扫码枪已恢复连接" }, true)).toBe("扫码枪已恢复连接");
    const scanCodes = codesOf(rust("crates/rxdesk-app/src/devices.rs"), "scan_error_code");
    expect(scanCodes).toHaveLength(8);
    for (const code of scanCodes) {
      const w = scanErrorWords(en, { code: code as never, messageZh: "扫码失败" }, false);
      expect(w, code).not.toMatch(CJK);
      expect(en(`dev.scanerr.${code}` as Key), code).toBe(w);
    }
  });

  it("the upload queue's transactions and states", () => {
    const ops = [...rust("crates/rxdesk-app/src/manager.rs").matchAll(/"(\d{4})" => "/g)].map((m) => m[1] as string);
    expect(ops.length).toBeGreaterThan(5);
    for (const op of [...ops, "9999"]) expect(uploadOpWords(en, op), op).not.toMatch(CJK);
    expect(uploadOpWords(zh, "3505")).toBe("商品销售（追溯码）");
    expect(uploadOpWords(en, "9999")).toBe("Other upload");
    for (const state of ["pending", "sending", "uncertain", "done", "rejected", "voided"]) expect(en(`mgr.filter.${state}` as Key)).not.toMatch(CJK);
  });

  it("every audit-log problem the start-up check reports (IntegrityStatus.auditProblemCode)", () => {
    const src = rust("crates/rxdesk-store/src/auditlog.rs");
    const body = src.slice(src.indexOf("pub enum AuditProblem"), src.indexOf("\n}\n", src.indexOf("pub enum AuditProblem")));
    const snake = (n: string) => n.replace(/[A-Z]/g, (c, i: number) => (i ? "_" : "") + c.toLowerCase());
    const kinds = [...body.matchAll(/^ {4}([A-Z]\w+) \{/gm)].map((m) => snake(m[1] as string));
    expect(kinds).toEqual(["edited", "broken", "truncated", "rolled_back", "anchor_mismatch", "anchor_unreadable"]);
    // The two the app adds when the check itself cannot run.
    const own = [...rust("crates/rxdesk-app/src/integrity.rs").matchAll(/Some\("([a-z_]+)"\.into\(\)\)/g)].map((m) => m[1] as string);
    expect(own).toEqual(["anchor_not_written", "unverifiable"]);
    for (const k of [...kinds, ...own]) {
      const w = en(`mgr.audit_problem.${k}` as Key);
      expect(w, k).not.toBe(`mgr.audit_problem.${k}`);
      expect(w, k).not.toMatch(CJK);
    }
  });
});
