// The sales history mock replays the real service's recorded answers
// (recorded/sales.json): searches by day, name and trace code, a reprint, the
// refund's refusals and the refund, the lists after it; nothing invented.
import { describe, expect, it } from "vitest";
import recorded from "./recorded/sales.json";
import { MockSales, REFUND_IDENTITY } from "./mock-sales";
import type { RefundView, SaleSummary, SaleView } from "../ipc/visit-api";

const steps = (recorded as unknown as { flows: { steps: { command: string; args: Record<string, unknown> }[] }[] }).flows[0]!.steps;
const trace = String(steps.find((s) => s.command === "sales_find" && /^\d{20}$/.test(String(s.args.query)))!.args.query);
const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return "ok";
};

describe("the sales history replays the recorded real answers", () => {
  it("finds the day's sales (any day), by name and by trace code; a 代购 sale names its agent", () => {
    const m = new MockSales();
    const day = m.handle("sales_find", { query: "2026-12-06" }) as SaleSummary[];
    expect(day.map((s) => s.patientName).sort()).toEqual(["张三", "王芳"]);
    expect(new Set(day.map((s) => s.rtalDocno)).size).toBe(2);
    const zhang = m.handle("sales_find", { query: "张三" }) as SaleSummary[];
    expect(zhang[0]).toMatchObject({ agentName: "张小明", agentRelationship: "child" });
    expect((m.handle("sales_find", { query: trace }) as SaleSummary[])[0]?.patientName).toBe("王芳");
    expect(codeOf(() => m.handle("sales_find", { query: "李四" }))).toBe("MOCK_NOT_RECORDED");
  });

  it("reprints, refuses the refund with a wrong password, the wrong patient or no credential, then refunds once", () => {
    const m = new MockSales();
    const [wang] = m.handle("sales_find", { query: "王芳" }) as SaleSummary[];
    expect(wang?.state).toBe("completed");
    expect((m.handle("sale_reprint", { saleId: wang!.saleId }) as SaleView).receiptText).toMatch(/重印/);
    const refund = (code: string | null, password: string) =>
      m.handle("sale_refund", { saleId: wang!.saleId, reason: "患者过敏", identityMethod: "e_voucher", identityCode: code, managerLogin: "3001", managerPassword: password });
    expect(codeOf(() => refund(REFUND_IDENTITY, "wrong"))).toBe("AUTHORISE_REFUSED");
    expect(codeOf(() => refund("110000ecdemo0000000000000000000zhangsan", "demo-manager"))).toBe("REFUND_IDENTITY_MISMATCH");
    expect(codeOf(() => refund(null, "demo-manager"))).toBe("REFUND_IDENTITY_REQUIRED");
    const done = refund(REFUND_IDENTITY, "demo-manager") as RefundView;
    expect(done.receiptText).toMatch(/退费原因 患者过敏/);
    expect(done.returned[0]).toMatchObject({ method: "wechat" });
    expect(codeOf(() => refund(REFUND_IDENTITY, "demo-manager"))).toBe("MOCK_NOT_RECORDED");
    expect((m.handle("sales_find", { query: "王芳" }) as SaleSummary[])[0]?.state).toBe("refunded");
    expect((m.handle("sales_find", { query: trace }) as SaleSummary[])[0]?.state).toBe("refunded");
    // 张三's sale was not refunded: its search recorded before the refund still holds.
    expect((m.handle("sales_find", { query: "张三" }) as SaleSummary[])[0]?.state).toBe("completed");
  });
});
