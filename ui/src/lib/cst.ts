// Times shown in China Standard Time (UTC+8, no daylight saving since 1991),
// written as the zh-CN locale writes them (`2026/12/5 14:03:09`). Computed by
// hand on purpose: `toLocaleString` with a `timeZone` makes WebKit load ICU's
// time-zone and locale tables into the web process for a fixed offset.

const OFFSET_MS = 8 * 3600 * 1000;
const two = (n: number): string => String(n).padStart(2, "0");

/** `iso` (any string `Date` parses) in CST, or "—" when absent or not a time. */
export function cstText(iso: string | null | undefined): string {
  if (!iso) return "—";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return "—";
  const d = new Date(ms + OFFSET_MS);
  return (
    `${d.getUTCFullYear()}/${d.getUTCMonth() + 1}/${d.getUTCDate()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`
  );
}
