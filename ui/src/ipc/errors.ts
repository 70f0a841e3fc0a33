// What the window makes of a rejected command: every Tauri command rejects
// with the generated `IpcError` (`{code, params, detail, sentence?}`,
// src-tauri/src/ipc_error.rs). The sentence comes from one catalogue by
// code in the user's locale from one catalogue (`i18n/errors.ts`: the
// visit's step templates, then the shell's codes), then
// the backend's own two-language sentence, then a generic sentence with the
// code; an en-US window never shows Chinese from the backend. `detail` and
// the code stay behind the "详情 / Details" toggle (`ErrorDetails.svelte`),
// looked up by the text shown (`errorDetails`).
import type { Locale } from "../i18n/i18n";
import { OUTSIDE_WORDS, genericError, shellErrors, stepTemplate, type Entry } from "../i18n/errors";
import type { IpcError } from "./generated/error-codes";

export type { IpcError } from "./generated/error-codes";

const CJK = /[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]/;

/** True when `e` has the shape every command rejects with. */
export function isIpcError(e: unknown): e is IpcError {
  if (!e || typeof e !== "object") return false;
  const o = e as Record<string, unknown>;
  return typeof o.code === "string" && typeof o.detail === "string" && !!o.params && typeof o.params === "object";
}

/** An error as shown: the sentence, and behind the toggle its code and detail. */
export interface RenderedError {
  text: string;
  code: string;
  detail: string;
  /** en-US: an outside party's own words (the payment channel's), shown apart from `text` as theirs. */
  words?: string;
}

/** `{name}` filled from `params`; null when a parameter is missing. */
export function fill(template: string, params: Record<string, unknown>): string | null {
  let missing = false;
  const out = template.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = params[k];
    if (v === undefined || v === null || v === "") {
      missing = true;
      return "";
    }
    return String(v);
  });
  return missing ? null : out;
}

function pick(e: Entry, locale: Locale): string {
  return locale === "en-US" ? e.en : e.zh;
}

/** The generic sentence with the code. */
export function genericText(locale: Locale, code: string): string {
  return fill(pick(genericError, locale), { code }) as string;
}

function usable(text: string | null | undefined, locale: Locale): text is string {
  return !!text && (locale !== "en-US" || !CJK.test(text));
}

/** The sentence of an `IpcError` in `locale` (see the module comment). */
export function ipcErrorText(locale: Locale, e: IpcError): string {
  const params = e.params ?? {};
  const step = stepTemplate(locale, e.code, params);
  if (usable(step, locale)) return step;
  const shell = shellErrors[e.code];
  const own = shell ? fill(pick(shell, locale), params) : null;
  if (usable(own, locale)) return own;
  const said = locale === "en-US" ? e.sentence?.enUs : e.sentence?.zhCn;
  if (usable(said, locale)) return said;
  return genericText(locale, e.code);
}

/** Anything a command or the window threw, as shown in `locale`. */
export function renderError(locale: Locale, e: unknown): RenderedError {
  let out: RenderedError;
  if (isIpcError(e)) {
    out = { text: ipcErrorText(locale, e), code: e.code, detail: e.detail };
    // zh-CN: the sentence is the channel's own already; en-US: its words apart.
    const key = OUTSIDE_WORDS[e.code];
    const words = key ? e.params?.[key] : undefined;
    if (locale === "en-US" && typeof words === "string" && words.trim()) out.words = words;
  } else {
    const raw = typeof e === "string" ? e : e instanceof Error ? e.message : JSON.stringify(e);
    const code = "UI_UNEXPECTED";
    out = usable(raw, locale) ? { text: raw, code, detail: raw } : { text: genericText(locale, code), code, detail: raw };
  }
  return out;
}

const recent = new Map<string, { code: string; detail: string; words?: string }>();

/** Remembers what the toggle shows for a text on screen (the last 100). */
export function remember(shown: string, r: RenderedError): void {
  recent.delete(shown);
  recent.set(shown, { code: r.code, detail: r.detail, ...(r.words ? { words: r.words } : {}) });
  if (recent.size > 100) recent.delete(recent.keys().next().value as string);
}

/** The code and detail behind a shown error text, if it was one. */
export function errorDetails(shown: string | null | undefined): { code: string; detail: string; words?: string } | null {
  return shown ? (recent.get(shown) ?? null) : null;
}

let current: Locale = "zh-CN";

/** The window's locale for errors rendered outside a component (set by App). */
export function setErrorLocale(locale: Locale): void {
  current = locale;
}

/** The locale set by `setErrorLocale`. */
export function errorLocale(): Locale {
  return current;
}
