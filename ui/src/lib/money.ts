// Money in the UI: decimal strings from the backend ("12.50"), handled as
// integer cents in BigInt. Never a JS Number: 0.1 + 0.2 must not reach a till.

const MONEY = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

/** Parses "12.5", "12.50", "12", "-3.00" into cents; null if it is not money. */
export function parseCents(text: string): bigint | null {
  const m = MONEY.exec(text.trim());
  if (!m) return null;
  const [, sign, whole, frac = ""] = m;
  const cents = BigInt(whole ?? "0") * 100n + BigInt((frac + "00").slice(0, 2));
  return sign === "-" ? -cents : cents;
}

/** Cents back to the wire form with two decimals ("0.00", "-3.05"). */
export function formatCents(cents: bigint): string {
  const neg = cents < 0n;
  const abs = neg ? -cents : cents;
  const whole = abs / 100n;
  const frac = (abs % 100n).toString().padStart(2, "0");
  return `${neg ? "-" : ""}${whole.toString()}.${frac}`;
}

/** "¥12.50" for display; a value that is not money is shown as it came. */
export function yuan(text: string | null | undefined): string {
  if (text === null || text === undefined || text === "") return "—";
  const c = parseCents(text);
  if (c === null) return text;
  const s = formatCents(c < 0n ? -c : c);
  const [whole = "0", frac = "00"] = s.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${c < 0n ? "-" : ""}¥${grouped}.${frac}`;
}

/** Sum of decimal strings; null if any is not money. */
export function sum(values: string[]): string | null {
  let total = 0n;
  for (const v of values) {
    const c = parseCents(v);
    if (c === null) return null;
    total += c;
  }
  return formatCents(total);
}

export type ChangeResult =
  | { ok: true; change: string }
  | { ok: false; reason: "not_money" | "short"; short?: string };

/** Change for cash tendered against the amount due. */
export function changeFor(tendered: string, due: string): ChangeResult {
  const t = parseCents(tendered);
  const d = parseCents(due);
  if (t === null || d === null || t < 0n) return { ok: false, reason: "not_money" };
  if (t < d) return { ok: false, reason: "short", short: formatCents(d - t) };
  return { ok: true, change: formatCents(t - d) };
}

/** True when the amount is exactly zero ("0", "0.00"). */
export function isZero(text: string | null | undefined): boolean {
  return text !== null && text !== undefined && parseCents(text) === 0n;
}
