import { describe, expect, it } from "vitest";
import { collectionBadge } from "./collection";
import { translate } from "../../i18n/i18n";
import type { DispenseLineView } from "../../ipc/visit-api";

const line = (collection: DispenseLineView["collection"]): DispenseLineView => ({
  line: 1,
  medListCodg: "X",
  name: "阿莫西林胶囊",
  spec: "0.25g*24粒",
  unit: "盒",
  prescribed: "2",
  dispensed: "1",
  done: false,
  selfPay: false,
  boxes: [],
  collection,
  collectionZh: "",
});

describe("the dispensing list's trace-code collection badge", () => {
  it("names each state in the user's language, with its reason", () => {
    const zh = (k: Parameters<typeof translate>[1]) => translate("zh-CN", k);
    expect(collectionBadge(zh, line({ state: "due" }))).toEqual({ state: "due", text: "应采", tone: "wait" });
    expect(collectionBadge(zh, line({ state: "collected" }))?.tone).toBe("ok");
    expect(collectionBadge(zh, line({ state: "appeal", reason: "追溯码破损" }))?.text).toBe("申诉：追溯码破损");
    expect(collectionBadge(zh, line({ state: "notRequired", reason: "本次未发" }))?.text).toBe("无需采集：本次未发");
    const en = (k: Parameters<typeof translate>[1]) => translate("en-US", k);
    expect(collectionBadge(en, line({ state: "due" }))?.text).toBe("code due");
  });
});
