import { describe, expect, it } from "vitest";
import { chainItem, issueSentence, syncTime, tableLabel } from "./chain-status";
import { translate, useLocale, type Key, type Locale } from "../i18n/i18n";
import type { ChainStatusView } from "../ipc/generated/types";

const now = new Date(2026, 11, 5, 14, 30).getTime();
const synced: ChainStatusView = {
  registered: true,
  hqUrl: "https://hq.example",
  storeCode: "P11010500001",
  counterNo: 1,
  lastSyncAt: new Date(2026, 11, 5, 12, 3).getTime(),
  backlog: 0,
  syncing: false,
  error: null,
  issues: [],
};
const unreachable = {
  code: "hq_unreachable",
  messageZh: "无法连接总部服务器：本柜台照常收银",
  messageEn: "head office is unreachable: the counter keeps selling",
};

describe("the status bar's head-office item", () => {
  it("shows nothing when the counter is not in a chain", () => {
    expect(chainItem(null, "zh-CN", now)).toBeNull();
    expect(chainItem({ ...synced, registered: false }, "zh-CN", now)).toBeNull();
  });

  it("is green with the time of the last sync when synced", () => {
    const i = chainItem(synced, "zh-CN", now)!;
    expect(i.tone).toBe("ok");
    expect(i.text).toBe("总部 ✓ 12:03");
    expect(i.title).toContain("上次同步：2026-12-05 12:03");
    expect(i.title).toContain("待上传：0 条");
    expect(chainItem(synced, "en-US", now)!.text).toBe("HQ ✓ 12:03");
  });

  it("is amber with the backlog while records wait", () => {
    const i = chainItem({ ...synced, backlog: 37 }, "zh-CN", now)!;
    expect([i.tone, i.text]).toEqual(["warn", "总部 积压 37"]);
    expect(chainItem({ ...synced, backlog: 37 }, "en-US", now)!.text).toBe("HQ backlog 37");
    expect(chainItem({ ...synced, lastSyncAt: null }, "zh-CN", now)!.text).toBe("总部 未同步");
  });

  it("is red and offline when head office is unreachable, with the sentence in the locale", () => {
    const s = { ...synced, backlog: 37, error: unreachable };
    const zh = chainItem(s, "zh-CN", now)!;
    expect([zh.tone, zh.text]).toEqual(["bad", "总部 离线"]);
    expect(zh.title).toContain("无法连接总部服务器");
    expect(zh.title).toContain("待上传：37 条");
    const en = chainItem(s, "en-US", now)!;
    expect(en.text).toBe("HQ offline");
    expect(en.title).toContain("head office is unreachable");
    expect(en.title).not.toMatch(/[\u4e00-\u9fff]/);
  });

  it("is red when head office blocks records or refuses the counter", () => {
    const issue = { recordId: "r1", table: "sale", code: "trace_code_sold_twice", message: "m", params: {} };
    const blocked = chainItem({ ...synced, backlog: 5, issues: [issue, { ...issue, recordId: "r2" }] }, "zh-CN", now)!;
    expect([blocked.tone, blocked.text]).toEqual(["bad", "总部 拒收 2"]);
    expect(blocked.title).toContain("请店长在管理界面查看");
    const refused = chainItem({ ...synced, error: { code: "bad_token", messageZh: "总部不认可本柜台的凭证", messageEn: "bad token" } }, "zh-CN", now)!;
    expect([refused.tone, refused.text]).toEqual(["bad", "总部 同步失败"]);
  });

  it("dates a sync from another day", () => {
    expect(syncTime(new Date(2026, 11, 4, 9, 7).getTime(), now)).toBe("12-04 09:07");
    expect(syncTime(new Date(2026, 11, 5, 9, 7).getTime(), now)).toBe("09:07");
  });
});

describe("tableLabel", () => {
  it("names every synced table in both locales, never the wire name", () => {
    const tables = ["sale", "sale_line", "trace_code", "settlement", "sale_payment", "refund", "goods_doc",
      "stock_batch", "stock_box", "stock_change", "stock_take", "upload_state", "reconciliation", "till_shift",
      "transfer", "product"];
    for (const t of tables) {
      expect(tableLabel(t, "zh-CN")).toMatch(/[\u4e00-\u9fff]/);
      expect(tableLabel(t, "en-US")).not.toMatch(/[\u4e00-\u9fff]|_/);
    }
    expect(tableLabel("trace_code", "zh-CN")).toBe("追溯码");
    expect(tableLabel("something_new", "zh-CN")).toBe("something_new");
  });
});

describe("a refused record in the pharmacist's words", () => {
  const tr = (l: Locale) => (k: Key) => translate(l, k);
  const sold = {
    recordId: "5b0e8c3a-41d7-5f2e-9c6a-7d21e04b9a31",
    table: "trace_code",
    code: "trace_code_sold_twice",
    message: "trace code 813***************21 was already sold at store P11010500001, counter 2",
    params: { trace_code: "813***************21", store_code: "P11010500001", counter_no: "2" },
  };
  it("a box sold at another counter of this store names the counter and what to do", async () => {
    await useLocale("en-US");
    expect(issueSentence(sold, "P11010500001", tr("zh-CN"), "zh-CN")).toBe(
      "追溯码 813***************21 已由本店 2 号柜台售出：请核对这盒药和两张销售单，再请总部处理",
    );
    expect(issueSentence(sold, "P11010500001", tr("en-US"), "en-US")).toBe(
      "Trace code 813***************21 was already sold at counter 2 of this store: check the box and both sales, then ask head office to resolve it",
    );
  });
  it("another store's counter is named with its store; never the database's words", async () => {
    await useLocale("en-US");
    const zh = issueSentence(sold, "P11010500009", tr("zh-CN"), "zh-CN");
    expect(zh).toBe("追溯码 813***************21 已由门店 P11010500001 的 2 号柜台售出：请核对这盒药和两张销售单，再请总部处理");
    const en = issueSentence(sold, "P11010500009", tr("en-US"), "en-US");
    expect(en).toContain("at counter 2 of store P11010500001");
    for (const s of [zh, en]) expect(s).not.toMatch(/constraint|duplicate key/);
    expect(en).not.toMatch(/[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]/);
  });
  it("without particulars (an older head office) the code's general words; other codes their words", async () => {
    await useLocale("en-US");
    const bare = { ...sold, params: {} };
    expect(issueSentence(bare, "P1", tr("zh-CN"), "zh-CN")).toBe("追溯码已在别处售出：请核对这盒药，再请总部处理");
    expect(issueSentence(bare, "P1", tr("en-US"), "en-US")).toBe("Trace code already sold elsewhere: check the box, then ask head office to resolve it");
    expect(issueSentence({ ...bare, code: "rtal_docno_reused" }, "P1", tr("en-US"), "en-US")).toBe("Retail document number reused");
  });
});
