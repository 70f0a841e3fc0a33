// zh-CN screens show no raw backend text: the sentences the backend sends
// (errors, the signature's reason, scan refusals, next steps) are put in
// plain Chinese before they are shown — CRL reason names and signed-field
// names translated, a certificate's distinguished name reduced to its name,
// file paths and English appended to a Chinese message dropped. `rawText`
// finds what is still raw (the browser test runs it over every screen).
// Pure, except that the locale defaults to the window's.
import { translate, type Key, type Locale } from "./i18n";
import { errorLocale } from "../ipc/errors";

const CRL_REASONS = [
  "unspecified",
  "keyCompromise",
  "cACompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "certificateHold",
  "removeFromCRL",
  "privilegeWithdrawn",
  "aACompromise",
];
const FIELDS = ["originalValue", "signDigest", "signCertSn", "signCertDn", "rxFile"];

/** A distinguished name: `CN=…,O=…,C=CN` (values end at a comma or Chinese punctuation). */
const DN = /\b(?:CN|O|OU|C|L|ST|E)=[^,，。；）]*(?:,\s*(?:CN|O|OU|C|L|ST|E|SERIALNUMBER)=[^,，。；）]*)*/g;
/** A file path: `/…/…`, `C:\…`, or a file name with an extension the counter writes. */
const PATH = /(?:[A-Za-z]:\\|(?<![\w.])\/(?=[\w.\u4e00-\u9fff-]+\/))[^\s，。；：）)]*|[\w.-]+\.(?:pdf|escpos|toml|json|pem|der|db|log)\b/g;
const CJK = /[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]/;
/** Words allowed in a zh-CN sentence: keys, units, acronyms, product codes. */
const ALLOWED_WORD = /^(?:F\d{1,2}|Enter|Esc|Shift|Ctrl|Alt|Tab|App|RxDesk|CA|CRL|PDF|QR|USB|PIN|ID|HIS|SM2|OTC|GTIN|g|mg|ml|mL|kg|[A-Z]{1,4}\d[\w-]*|\w*\d\w*)$/;
/** Latin words in a row (a phrase, digits allowed inside), a camelCase or snake_case identifier. */
const LATIN_RUN = /[A-Za-z][\w'’-]*(?:[ \t,.:;!?'’()-]+[\w'’-]+)+\)?|\b[a-z]+[A-Z]\w*\b|\b[a-z]+_[a-z_]+\b/g;

/** The display name in a certificate's DN: the organisation when it is a name, else the common name. */
export function dnName(dn: string): string {
  const parts = new Map<string, string>();
  for (const m of dn.matchAll(/(?:^|,)\s*(CN|O|OU|C)=([^,]*)/g)) {
    if (!parts.has(m[1] as string)) parts.set(m[1] as string, (m[2] as string).trim());
  }
  const o = parts.get("O");
  const cn = parts.get("CN");
  if (o && CJK.test(o)) return o;
  return cn || o || dn;
}

/** 险种: a bare code (310, 390 …) becomes its name. */
export function insutypeName(labelOrCode: string, locale: Locale = errorLocale()): string {
  const code = labelOrCode.trim();
  if (!/^\d{3}$/.test(code)) return labelOrCode;
  const key = `insutype.${code}` as Key;
  const name = translate(locale, key);
  return name === key ? labelOrCode : name;
}

function isAllowedRun(run: string): boolean {
  if (/^[a-z]+[A-Z]\w*$|^[a-z]+_[a-z_]+$/.test(run)) return false;
  const words = run.split(/[^A-Za-z0-9+\-]+/).filter(Boolean);
  // A phrase is two or more words with letters; one word with numbers is a code.
  if (words.filter((w) => /[A-Za-z]{2,}/.test(w) && !/\d/.test(w)).length < 2) return true;
  return words.every((w) => ALLOWED_WORD.test(w));
}

/** What a zh-CN sentence still shows raw: paths, Latin phrases, identifiers, DNs. */
export function rawText(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|[\s：:（(])\/[a-z]+\/|[A-Za-z]:\\/g)) out.push(m[0].trim());
  for (const m of text.matchAll(/\b(?:CN|O)=[^,，]+/g)) out.push(m[0]);
  for (const m of text.matchAll(LATIN_RUN)) if (!isAllowedRun(m[0])) out.push(m[0]);
  return out;
}

/** The sentence as a zh-CN screen shows it (en-US: unchanged). */
export function plain(text: string | null | undefined, locale: Locale = errorLocale()): string {
  if (!text) return "";
  if (locale !== "zh-CN") return text;
  const zh = (k: string) => translate("zh-CN", k as Key);
  let s = text;
  s = s.replace(DN, (dn) => dnName(dn));
  s = s.replace(PATH, "");
  for (const r of CRL_REASONS) s = s.replace(new RegExp(`\\b${r}\\b`, "g"), zh(`crl.${r}`));
  for (const f of FIELDS) s = s.replace(new RegExp(`\\b${f}\\b`, "g"), zh(`field.${f}`));
  s = s.replace(/\bcode\s*[:=]?\s*(\d+)/gi, "代码 $1");
  // Raw English phrases and identifiers go; the Chinese around them stays.
  s = s.replace(LATIN_RUN, (run) => (isAllowedRun(run) ? run : ""));
  // Tidy what the removals left: empty brackets, doubled or dangling separators.
  s = s
    .replace(/[（(]\s*[，,：:;；\s]*[）)]/g, "")
    .replace(/\s+[/|]\s*(?=$|[。；，])/g, "")
    .replace(/\s*[/|]\s*$/, "")
    .replace(/([：:，,；;])\s*(?=[：:，,；;。])/g, "")
    .replace(/[：:，,；;]\s*$/, "")
    .replace(/\s+(?=[，。；：）])/g, "")
    .replace(/\s{2,}/g, " ")
    .trim();
  // Nothing Chinese left of a message that was English: say so in Chinese.
  if (!CJK.test(s) && s !== text.trim()) return zh("plain.unreadable");
  return s;
}
