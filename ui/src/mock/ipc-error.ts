// The browser-test mocks reject exactly as the real commands do: with the
// generated `IpcError` (src-tauri/src/ipc_error.rs). A mock refusal names its
// code and the backend's sentence(s); `detail` is what support would see.
import type { IpcError } from "../ipc/generated/error-codes";

/** A refusal as a command sends it; `zh` / `en` become `sentence` (English optional). */
export function mockError(code: string, zh: string, params: Record<string, unknown> = {}, en = ""): IpcError {
  return { code, params, detail: en || zh, sentence: { zhCn: zh, enUs: en } };
}

/** The zh-CN sentence of a mock refusal (tests). */
export function mockErrorText(e: unknown): string {
  const err = e as IpcError | null;
  const s = err?.sentence?.zhCn ?? err?.params?.reason;
  return typeof s === "string" ? s : String(e);
}
