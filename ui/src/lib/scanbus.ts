// One place where scanner bursts go. App.svelte owns the keyboard-wedge
// capture (wedge.ts) for the whole window; the screen on show registers the
// handler for what a scan means there. While the screen is locked App drops
// scans with a message instead of delivering them.

import { isIpcError } from "../ipc/errors";

export type ScanHandler = (text: string) => void;

let handler: ScanHandler | null = null;
let printableKeys = 0;

/** Shared UI flags read by the screens' key handlers. */
export const ui: {
  locked: boolean;
  /**
   * The screen on show claims a function key for its current step (the
   * counter's F9 结算 on the pre-settlement): App then does not navigate on it.
   */
  claimsKey: ((key: string, shift: boolean) => boolean) | null;
} = { locked: false, claimsKey: null };

/** Registers the handler of the screen on show; returns the unregister. */
export function setScanHandler(h: ScanHandler): () => void {
  handler = h;
  return () => {
    if (handler === h) handler = null;
  };
}

/** Delivers a scan; false when no screen takes scans. */
export function deliverScan(text: string): boolean {
  if (!handler) return false;
  handler(text);
  return true;
}

/** App calls this for every printable key, before any screen sees it. */
export function notePrintableKey(): void {
  printableKeys++;
}

/**
 * Runs a single-key shortcut (a digit) only if no other printable key follows
 * within `ms`: the first digit of a scanner burst must not open row 1.
 */
export function deferUnlessBurst(fn: () => void, ms = 60): void {
  const at = printableKeys;
  setTimeout(() => {
    if (printableKeys === at) fn();
  }, ms);
}

/** Focus is in something that takes typing (digits and Enter belong to it). */
export function focusInField(): boolean {
  const a = document.activeElement;
  return a instanceof HTMLInputElement || a instanceof HTMLTextAreaElement || a instanceof HTMLSelectElement;
}

/**
 * Error codes that ask for the next step instead of refusing one: the till
 * not yet open is the first thing every pharmacist sees each morning, and the
 * float is typed right there. No refusal tone for these (a tone also starts
 * WebKit's media stack, GStreamer and PulseAudio, which then stays loaded).
 */
const PROMPTS = new Set(["TILL_NOT_OPEN"]);

/** The error code of a rejected command (`IpcError.code`), or null. */
export function errorCodeOf(e: unknown): string | null {
  return isIpcError(e) ? e.code : null;
}

/** A rejected step deserves the refusal tone unless its code is a prompt. */
export function refusalDeservesTone(code: string | null): boolean {
  return code === null || !PROMPTS.has(code);
}

/** A short loud tone for a refused scan (WebAudio; silent if unavailable). */
export function refusalTone(): void {
  try {
    const Ctx = window.AudioContext;
    if (!Ctx) return;
    const ctx = new Ctx();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = "square";
    osc.frequency.value = 440;
    gain.gain.value = 0.25;
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.frequency.setValueAtTime(330, ctx.currentTime + 0.18);
    osc.stop(ctx.currentTime + 0.45);
    osc.onended = () => void ctx.close();
  } catch {
    // No audio device: the red banner still says it.
  }
}

/** What `burstKeptBy` reads of an element (an `HTMLElement` in the window; plain objects in tests). */
export interface BurstTarget {
  tagName: string;
  type?: string;
  dataset?: DOMStringMap;
}

/**
 * A fast run of keys (a keyboard-wedge burst) stays in the field it was typed into — never a scan —
 * when that field takes scans (`data-scan-target`) or is a password field: a password typed quickly
 * must never end up in a search box. Judged by the element the keys went to, not the one focused
 * when the burst is classified a few milliseconds later (the focus may have moved on).
 */
export function burstKeptBy(el: BurstTarget | null): boolean {
  if (!el) return false;
  if (el.tagName === "INPUT" && el.type === "password") return true;
  return el.dataset?.scanTarget !== undefined;
}
