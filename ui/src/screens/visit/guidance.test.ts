import { describe, expect, it } from "vitest";
import { guidanceDisplay, withoutPaths } from "./guidance";
import { translate } from "../../i18n/i18n";

const slip = [
  "用药指导",
  "1. 氯雷他定片",
  "   用法 口服，每次1片，一日1次，连用7天",
  "   医嘱 服药期间避免驾驶和高空作业，忌酒",
  "   备注 睡前服用",
  "   注意 本药品为自费药品，医保不予支付",
].join("\n");

describe("the receipt panel's medication guidance", () => {
  it("shows the slip's content, never the PDF's path", () => {
    const sale = { guidanceText: slip, guidancePdfPath: "/home/rx/.local/share/rxdesk/receipts/D1-guidance.pdf" };
    const d = guidanceDisplay(sale);
    expect(d.text).toContain("医嘱 服药期间避免驾驶和高空作业，忌酒");
    expect(d.text).toContain("备注 睡前服用");
    expect(d.text).toContain("注意 本药品为自费药品");
    expect(d.text).not.toContain("/home");
    expect(d.text).not.toMatch(/\.pdf/);
  });

  it("says nothing was produced rather than showing a path", () => {
    expect(guidanceDisplay({ guidanceText: "  " }).text).toBeNull();
  });

  it("drops a file path from the printer's sentence", () => {
    const s = withoutPaths("未配置小票打印机：小票已保存为 /tmp/rx/receipts/D1.escpos；用药指导已打印");
    expect(s).not.toContain("/tmp");
    expect(s).not.toContain(".escpos");
    expect(s).toContain("用药指导已打印");
  });

  it("labels the guidance in both languages", () => {
    expect(translate("zh-CN", "receipt.guidance")).toContain("用药指导");
    expect(translate("en-US", "receipt.guidance")).toMatch(/guidance/i);
  });
});
