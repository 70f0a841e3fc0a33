// The locale's punctuation around words the screens assemble: parentheses,
// a label's colon, a list's comma — full-width in zh-CN, ASCII with spaces
// in en-US (the catalogue's `fmt.*` entries). One place, so no screen writes
// （）：， into an English sentence.
import type { Key } from "./i18n";

type T = (key: Key) => string;

/** `x` in parentheses: （x） / " (x)". */
export function paren(t: T, x: string): string {
  return t("fmt.paren").replace("{x}", () => x);
}

/** `text` as a label, followed by the locale's colon: 3001： / "3001: ". */
export function labelled(t: T, text: string): string {
  return t("fmt.label").replace("{label}", () => text);
}

/** A field's label followed by the locale's colon: 机构： / "Institution: ". */
export function labelOf(t: T, key: Key): string {
  return labelled(t, t(key));
}

/** Parts joined by the locale's comma, empty ones left out: a，b / "a, b". */
export function commaJoin(t: T, parts: string[]): string {
  return parts.filter((p) => p !== "").join(t("fmt.comma"));
}
