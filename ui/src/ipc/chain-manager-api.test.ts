import { afterEach, describe, expect, it } from "vitest";
// mockIPC writes window.__TAURI_INTERNALS__; vitest runs in node.
(globalThis as unknown as { window: unknown }).window ??= globalThis;
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { chainManagerResolve, chainManagerSession, chainManagerSignIn, chainManagerSignOut, chainManagerViews } from "./chain-manager-api";
import { errorText } from "./api";
import { installMockBackend } from "../mock/mock-backend";
import { CHAIN_MANAGER_STEPS, MOCK_CHAIN_MANAGER, recordedChainViews } from "../mock/mock-chain";
import { failureWord, openFailuresByStore, outcomeOf, splitRegulator, storeLabel, uploadStateWord } from "../lib/chain-views";
import { chainZh } from "../i18n/i18n-chain";
import { chainEn } from "../i18n/i18n-chain-en";
import { shellErrors } from "../i18n/errors";
import type { ChainDayRow } from "./generated/types";

afterEach(() => clearMocks());

describe("chain manager client", () => {
  it("calls the chain_manager_* commands with their arguments", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "chain_manager_sign_in") return { manager: "王经理", hqUrl: "http://hq", expiresAt: 1 };
      if (cmd === "chain_manager_views") return recordedChainViews();
      return null;
    });
    expect((await chainManagerSignIn("王经理", "pw-123456")).manager).toBe("王经理");
    expect((await chainManagerViews()).stores).toHaveLength(2);
    await chainManagerResolve(12);
    expect(await chainManagerSession()).toBeNull();
    await chainManagerSignOut();
    expect(calls.map(([c]) => c)).toEqual([
      "chain_manager_sign_in",
      "chain_manager_views",
      "chain_manager_resolve",
      "chain_manager_session",
      "chain_manager_sign_out",
    ]);
    expect(calls[0]?.[1]).toMatchObject({ name: "王经理", password: "pw-123456" });
    expect(calls[2]?.[1]).toMatchObject({ id: 12 });
  });

  it("mock head office replays the real desk (recorded/chain-manager.json): a wrong password refused by code, the views, a failure resolved, an unknown one refused", async () => {
    installMockBackend();
    await expect(chainManagerViews()).rejects.toMatchObject({ code: "CHAIN_CHAIN_MANAGER_SIGNED_OUT" });
    const refused = CHAIN_MANAGER_STEPS.find((s) => s.command === "chain_manager_sign_in" && s.error)!;
    const wrong = await chainManagerSignIn(String(refused.args.name), String(refused.args.password)).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: "CHAIN_BAD_CREDENTIALS" });
    expect(errorText(wrong, "zh-CN")).toBe("管理员账户或密码不正确");
    expect(errorText(wrong, "en-US")).toBe("Wrong manager account or password");
    // A password the recording never typed: off the recording.
    await expect(chainManagerSignIn(MOCK_CHAIN_MANAGER.name, "nope")).rejects.toMatchObject({ code: "MOCK_NOT_RECORDED" });
    const s = await chainManagerSignIn(MOCK_CHAIN_MANAGER.name, MOCK_CHAIN_MANAGER.password);
    expect(s.manager).toBe(MOCK_CHAIN_MANAGER.name);
    // The recording's times are moved to now: the session ends in the future.
    expect(s.expiresAt).toBeGreaterThan(Date.now());
    const v = await chainManagerViews();
    expect(Math.abs(v.fetchedAt - Date.now())).toBeLessThan(60_000);
    const open = v.failures.filter((f) => !f.resolved);
    expect(open).toHaveLength(2);
    const id = Number(CHAIN_MANAGER_STEPS.find((s) => s.command === "chain_manager_resolve" && !s.error)!.args.id);
    await chainManagerResolve(id);
    expect((await chainManagerViews()).failures.find((f) => f.id === id)?.resolved).toBe(true);
    await expect(chainManagerResolve(999_999)).rejects.toMatchObject({ code: "CHAIN_UNKNOWN_ISSUE" });
    await chainManagerSignOut();
    // The lock-out's words (not in the recording): by code in both languages.
    const locked = { code: "CHAIN_LOGIN_LOCKED", params: { minutes: 15 }, detail: "too many failed sign-ins" };
    expect(errorText(locked, "zh-CN")).toBe("登录失败次数过多，该账户已暂时锁定：请 15 分钟后再试");
    expect(errorText(locked, "en-US")).toContain("try again in 15 min");
  });
});

describe("chain views as shown (the recorded head office's)", () => {
  const v = recordedChainViews();
  it("says each day balanced, with differences, or not reconciled", () => {
    const [a, b, bEarlier] = v.reconciliation as [ChainDayRow, ChainDayRow, ChainDayRow];
    expect(outcomeOf(b, "zh-CN")).toEqual({ text: "未对账", tone: "warn" });
    expect(outcomeOf(a, "zh-CN")).toEqual({ text: "平账", tone: "ok" });
    expect(outcomeOf(bEarlier, "en-US")).toEqual({ text: "Differences", tone: "bad" });
    expect(a.day).toBe(b.day);
  });
  it("names stores, the chain's total row, and head office's codes in both languages", () => {
    expect(storeLabel(v, "P11010100002", "zh-CN")).toBe("海淀门店（P11010100002）");
    expect(storeLabel(v, "", "en-US")).toBe("Whole chain");
    expect(storeLabel(v, "P99999999999", "en-US")).toBe("P99999999999");
    const r = splitRegulator(v.regulator);
    expect(r.stores.map((x) => x.storeCode)).toEqual(["P11010100001", "P11010100002"]);
    expect(r.chain?.salesAmount).toBe("82.10");
    expect(failureWord("trace_code_sold_twice", "zh-CN")).toBe("追溯码已在别处售出");
    expect(failureWord("trace_code_sold_twice", "en-US")).toBe("Trace code already sold elsewhere");
    expect(failureWord("something_new", "en-US")).toBe("something_new");
    expect(uploadStateWord("uncertain", "en-US")).toBe("Outcome unknown");
    expect(openFailuresByStore(v).get("P11010100002")).toBe(2);
    expect(openFailuresByStore(v).has("P11010100001")).toBe(false);
  });
  it("keeps money as decimal strings with two decimals", () => {
    for (const d of v.reconciliation) for (const m of [d.medfeeSumamt, d.fundPaySumamt, d.acctPay, d.psnCashPay]) expect(m).toMatch(/^\d+\.\d{2}$/);
  });
  it("has every chain string and every chain error in both languages", () => {
    expect(Object.keys(chainEn).sort()).toEqual(Object.keys(chainZh).sort());
    for (const v of Object.values(chainEn)) expect(v).not.toMatch(/[\u4e00-\u9fff]/);
    for (const code of Object.keys(shellErrors).filter((c) => c.startsWith("CHAIN_"))) {
      expect(shellErrors[code]?.en).not.toMatch(/[\u4e00-\u9fff]/);
    }
  });
});
