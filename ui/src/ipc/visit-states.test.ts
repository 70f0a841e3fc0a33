// The visit's states are generated from the service: the window has a chip
// word for each in both locales, and the browser mocks label them as the
// service does (no second list to drift).
import { describe, expect, it } from "vitest";
import { VISIT_STATES, type VisitStateName } from "./generated/visit-states";
import { translate, type Key } from "../i18n/i18n";
import { STATE_ZH } from "../mock/mock-visit";

describe("visit states", () => {
  it("every state the service names has a chip word in zh-CN and en-US", () => {
    for (const name of Object.keys(VISIT_STATES) as VisitStateName[]) {
      const key = `state.${name}` as Key;
      expect(translate("zh-CN", key), name).not.toBe(key);
      expect(translate("en-US", key), name).not.toBe(translate("zh-CN", key));
    }
  });
  it("the mocks' state labels are the service's", () => {
    expect(STATE_ZH).toEqual(VISIT_STATES);
  });
});
