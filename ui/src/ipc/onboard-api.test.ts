import { describe, expect, it } from "vitest";
import { onboardZh } from "../i18n/i18n-onboard";
import { onboardEn } from "../i18n/i18n-onboard-en";
import { pharmacyCodeShape } from "./onboard-api";

describe("onboarding", () => {
  it("pre-checks the 12-character pharmacy code shape (the service checks again)", () => {
    expect(pharmacyCodeShape("P11010100007")).toBe(true);
    expect(pharmacyCodeShape(" P11010100007 ")).toBe(true);
    expect(pharmacyCodeShape("H11010100007")).toBe(false);
    expect(pharmacyCodeShape("P1101010000")).toBe(false);
  });
  it("has an English string for every zh-CN string of the wizard and editors", () => {
    const missing = Object.keys(onboardZh).filter((k) => !(k in onboardEn));
    expect(missing).toEqual([]);
  });
});
