// The import screen's contract with src-tauri/src/import_commands.rs
// (`import_preview`, `import_commit`, the `import-progress` event) and its
// pure helpers (base64 of the chosen file, progress percent, which reason
// to show). Kept apart from the component so vitest covers it.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";

// `rxdesk_store::ImportReport` / `ImportProgress` and the kinds of file, generated from Rust (ts-rs).
import type { ImportKind, ImportProgress, ImportReport } from "./generated/types";
export type { ImportKind, ImportProgress, ImportReport } from "./generated/types";

export const PROGRESS_EVENT = "import-progress";

/** Accepted file extensions (the backend decides again). */
export function formatOf(name: string): "csv" | "xlsx" | null {
  const n = name.trim().toLowerCase();
  if (n.endsWith(".csv")) return "csv";
  if (n.endsWith(".xlsx")) return "xlsx";
  return null;
}

/** Base64 of bytes, in chunks (a 20,000-row file is megabytes). */
export function toBase64(bytes: Uint8Array): string {
  let bin = "";
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) {
    bin += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return btoa(bin);
}

/** 0–100 for the bar; reading counts as 0, an empty step as done. */
export function percent(p: ImportProgress | null): number {
  if (!p) return 0;
  if (p.total <= 0) return 100;
  return Math.max(0, Math.min(100, Math.floor((p.done * 100) / p.total)));
}

/** One bad line as shown: line number and the reason in the locale. */
export interface BadLine {
  line: number;
  reason: string;
}

export function badLines(r: ImportReport, en: boolean): BadLine[] {
  const src = en && r.errorsEn.length === r.errors.length ? r.errorsEn : r.errors;
  return src.map(([line, reason]) => ({ line, reason }));
}

export const importPreview = (kind: ImportKind, fileName: string, dataBase64: string): Promise<ImportReport> =>
  invoke<ImportReport>("import_preview", { kind, fileName, dataBase64 });

export const importCommit = (kind: ImportKind, fileName: string, dataBase64: string): Promise<ImportReport> =>
  invoke<ImportReport>("import_commit", { kind, fileName, dataBase64 });

export const onImportProgress = (f: (p: ImportProgress) => void): Promise<UnlistenFn> =>
  listen<ImportProgress>(PROGRESS_EVENT, (e) => f(e.payload));
