// The counter's words, checked against docs/ui-glossary.md: no zh-CN string
// uses a term the glossary rules out (配药 where 调配 is the step, 冲正并重试
// where the button is 处理未知结算, 处方已核对 before the audit, 支付支付 …),
// and a prompt that names a button names a label that is on screen.
import { describe, expect, it } from "vitest";
import glossary from "../../../docs/ui-glossary.md?raw";
import { allStrings } from "./i18n";
import { catalogueSentences } from "./errors";

/** The "Not on screen (zh-CN)" column: `term`, `term`. */
function bannedTerms(): { term: string; use: string }[] {
  const out: { term: string; use: string }[] = [];
  for (const line of glossary.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 6) continue;
    const use = cells[1] ?? "";
    for (const m of (cells[4] ?? "").matchAll(/`([^`]+)`/g)) out.push({ term: m[1] as string, use });
  }
  return out;
}

const zhStrings = (): [string, string][] => [
  ...allStrings("zh-CN"),
  ...catalogueSentences("zh-CN").map((s, i): [string, string] => [`errors#${i}`, s]),
];

/**
 * The visit service's prompts (crates/rxdesk-app/src/visit/view.rs, settle.rs)
 * that name a button: the window shows them as they come, so the button must exist.
 */
const SERVICE_PROMPTS = [
  "请逐盒扫描药盒条码和追溯码，配齐后点击“调配完成”",
  "结算结果未知：请点击“处理未知结算”向医保中心冲正，切勿重复结算或收费",
  "医保结算金额 12.00 元与预结算金额不一致，自动撤销未完成（超时）：请点击“处理未知结算”冲正，切勿收费",
];

/** Labels on screen: a string, without its key hint ("调配完成 (F3)") or its explanation in brackets. */
function labels(): Set<string> {
  const out = new Set<string>();
  for (const [, s] of allStrings("zh-CN")) {
    out.add(s.trim());
    out.add(s.replace(/\s*[（(][^）)]*[）)]\s*$/, "").trim());
  }
  return out;
}

describe("one glossary of counter terms (docs/ui-glossary.md)", () => {
  it("the glossary rules out the mixed terms it replaced", () => {
    const terms = bannedTerms().map((b) => b.term);
    for (const t of ["配药", "冲正并重试", "处方已核对", "支付支付", "医师/科室", "发药完成"]) expect(terms).toContain(t);
  });

  it("no zh-CN string uses a term the glossary rules out", () => {
    const bad: string[] = [];
    for (const [key, s] of zhStrings()) {
      for (const { term, use } of bannedTerms()) if (s.includes(term)) bad.push(`${key}: “${term}” (use ${use}) in ${s}`);
    }
    expect(bad).toEqual([]);
  });

  it("no string doubles a payment method's 支付", () => {
    for (const [key, s] of [...zhStrings(), ...SERVICE_PROMPTS.map((p, i): [string, string] => [`service#${i}`, p])]) {
      expect(s, key).not.toMatch(/支付支付/);
    }
  });

  it("a prompt that names a button (点击“…” / 按“…” / 点“…”) names one that is on screen", () => {
    const on = labels();
    const named: string[] = [];
    for (const s of [...zhStrings().map(([, s]) => s), ...SERVICE_PROMPTS]) {
      for (const m of s.matchAll(/(?:点击|点|按|在|选择)“([^”]+)”/g)) named.push(m[1] as string);
    }
    expect(named.length).toBeGreaterThan(3);
    expect(named.filter((n) => !on.has(n))).toEqual([]);
  });
});
