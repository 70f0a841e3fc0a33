// The devices' and the upload queue's backend values in the window's locale:
// the backend sends codes (a device line's state, a test's outcome, a
// library's presence, a device event's kind, a scanner problem, an upload's
// transaction and age in seconds) with its zh-CN sentence riding along; the
// window words the codes from `i18n-devices.ts`. Pure, so vitest checks that
// no Chinese reaches an en-US window.
import type { Key } from "../../i18n/i18n";
import type { DeviceKind, DeviceLine, DeviceNotice, DeviceScanError, DeviceTest } from "../../ipc/generated/types";

type T = (key: Key) => string;

/** `t(key)` when the key has text, else `fallback`. */
function keyed(t: T, key: string, fallback: string): string {
  const s = t(key as Key);
  return s === key ? fallback : s;
}

function fill(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ""));
}

/** A device class's name. */
export function kindName(t: T, kind: DeviceKind): string {
  return keyed(t, `dev.kind.${kind}`, kind);
}

/**
 * A device's name: a port, a USB id or a library as the backend sends it; the
 * keyboard-wedge scanner's stable label (`WEDGE_NAME`) worded in the locale.
 */
export function deviceNameWords(t: T, name: string): string {
  return name === "keyboard-wedge" ? t("dev.name.keyboard-wedge") : name;
}

/** One configured device: "Printer: ready" (zh-CN "打印机：就绪"). */
export function deviceLineWords(t: T, l: DeviceLine, zh: boolean): string {
  if (zh) return l.lineZh;
  let state: string;
  if (l.state === "disconnected") state = fill(t("dev.state.disconnected"), { secs: l.retryInSecs ?? 0 });
  else if (l.state === "warning") state = keyed(t, `dev.warn.${l.warning ?? ""}`, fill(t("dev.warn.other"), { code: l.warning ?? "?" }));
  else state = t(`dev.state.${l.state}` as Key);
  return `${kindName(t, l.kind)}: ${state}`;
}

/** A Settings test's outcome: the service's summary in zh-CN, the code's words otherwise. */
export function deviceTestWords(t: T, r: Pick<DeviceTest, "code" | "params" | "summaryZh">, zh: boolean): string {
  if (zh) return r.summaryZh;
  const template = keyed(t, `dev.test.${r.code}`, fill(t("dev.test.other"), { code: r.code }));
  return fill(template, r.params ?? {});
}

/** A vendor library found or not. */
export function libraryWords(t: T, installed: boolean): string {
  return t(installed ? "dev.lib.installed" : "dev.lib.missing");
}

/** A device unplugged / back (`device-event`). */
export function deviceNoticeWords(t: T, n: Pick<DeviceNotice, "kind" | "back" | "messageZh">, zh: boolean): string {
  if (zh) return n.messageZh;
  return fill(t(n.back ? "dev.event.back" : "dev.event.unplugged"), { kind: kindName(t, n.kind) });
}

/** A scanner problem (`device-scan-error`). */
export function scanErrorWords(t: T, e: Pick<DeviceScanError, "code" | "messageZh">, zh: boolean): string {
  if (zh) return e.messageZh;
  return keyed(t, `dev.scanerr.${e.code}`, t("dev.scanerr.io"));
}

/** An upload's transaction name (`QueueItem.op`). */
export function uploadOpWords(t: T, op: string): string {
  return keyed(t, `upload.op.${op}`, t("upload.op.other"));
}
