import { describe, expect, it } from "vitest";
import type { SignerSummary, Verdict } from "../../ipc/api";
import type { VerifyWarning } from "../../ipc/generated/types";
import { translate, type Key } from "../../i18n/i18n";
import { verdictTone, warningLines } from "./verdict";

const signer: SignerSummary = {
  subject: "CN=北京市演示第一医院",
  issuer: "CN=RxDesk DEMO 医保 Root CA",
  serial: "1001",
  not_before: "2026-01-01T00:00:00Z",
  not_after: "2028-01-01T00:00:00Z",
  institution: "H11010100001",
  signed_at: "2026-12-05T01:00:00Z",
};
const stale: VerifyWarning = {
  warning: "stale_crl",
  next_update: "2026-12-04T16:00:00Z",
  grace_until: "2026-12-05T16:00:00Z",
  issuer: "CN=RxDesk DEMO 医保 Root CA",
};
const zh = (k: Key) => translate("zh-CN", k);
const en = (k: Key) => translate("en-US", k);

describe("signature verdict panel", () => {
  it("is green without warnings, amber with warnings, red when blocked", () => {
    expect(verdictTone({ verdict: "verified", signer, warnings: [] })).toBe("ok");
    expect(verdictTone({ verdict: "verified", signer, warnings: [stale] })).toBe("warn");
    const blocked: Verdict = { verdict: "rejected", reason: { code: "crl_stale" }, signer };
    expect(verdictTone(blocked)).toBe("bad");
    expect(warningLines(blocked, zh)).toEqual([]);
  });

  it("explains a stale CRL with its dates in zh-CN and en-US", () => {
    const v: Verdict = { verdict: "verified", signer, warnings: [stale] };
    const line = warningLines(v, zh)[0];
    expect(line?.code).toBe("stale_crl");
    expect(line?.text).toContain("吊销列表");
    expect(line?.text).toContain("2026/12/6 00:00:00"); // grace end, CST
    expect(line?.text).not.toContain("{grace}");
    const enLine = warningLines(v, en)[0];
    expect(enLine?.text).toContain("revocation list");
    expect(enLine?.text).toContain("2026/12/5 00:00:00"); // nextUpdate, CST
  });

  it("shows every warning, unknown codes included", () => {
    const v: Verdict = {
      verdict: "verified",
      signer,
      warnings: [stale, { warning: "no_crl", detail: "offline" }, { warning: "future_thing" } as unknown as VerifyWarning],
    };
    const lines = warningLines(v, zh);
    expect(lines.map((l) => l.code)).toEqual(["stale_crl", "no_crl", "future_thing"]);
    expect(lines[1]?.text).toContain("未检查");
    expect(lines[2]?.text).toContain("future_thing");
  });
});
