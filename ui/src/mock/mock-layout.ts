// The mock's `visit_layout`: the opened prescription's layout file drawn as
// PNG pages. Hand-built because the drawing itself is the backend's
// (`rxdesk-app` `visit/layout.rs`, hayro) and is tested there on the
// emulator's real layout files and in the window E2E; the recorded visits
// carry no layout file (`rxFile` is normalised away). The mock layout files
// are tiny one-line PDFs (`tinyPdfText`); this draws their line on a white
// page of the asked width, A5-shaped, so the window shows and sizes the
// pages exactly as it does the real ones.
import type { LayoutPages, VisitView } from "../ipc/generated/types";
import { mockError } from "./ipc-error";

/** The text line of a mock layout file (`BT … (text) Tj ET`), or "" when not one of ours. */
export function mockLayoutLine(rxFileB64: string): string {
  let pdf = "";
  try {
    pdf = atob(rxFileB64);
  } catch {
    return "";
  }
  const m = /\((.*)\) Tj/.exec(pdf);
  return m ? m[1]! : "";
}

export function mockLayoutPages(view: VisitView | null | undefined, width: number): LayoutPages {
  const rx = view?.prescription?.prescription;
  if (!rx) throw mockError("NO_RX", "尚未下载处方", {}, "No prescription downloaded yet");
  if (!rx.rxFile.startsWith("JVBER")) {
    throw mockError("LAYOUT_NOT_DRAWN", "版式文件无法显示", { reason: "the layout file is not a PDF that can be opened" }, "The layout file cannot be shown");
  }
  const w = Math.max(100, Math.min(3840, Math.round(width)));
  const h = Math.round((w * 595) / 420);
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  if (!ctx) throw mockError("LAYOUT_NOT_DRAWN", "版式文件无法显示", { reason: "no canvas" }, "The layout file cannot be shown");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = "#000";
  ctx.font = `${Math.round((14 * w) / 420)}px sans-serif`;
  ctx.fillText(mockLayoutLine(rx.rxFile), (40 * w) / 420, (55 * w) / 420);
  const png = canvas.toDataURL("image/png").replace(/^data:image\/png;base64,/, "");
  canvas.width = 0;
  canvas.height = 0;
  return { pages: [{ pngBase64: png, width: w, height: h }], pageCount: 1 };
}
