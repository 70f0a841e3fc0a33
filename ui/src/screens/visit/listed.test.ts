import { describe, expect, it } from "vitest";
import { listedDrugText, listedDrugsCell } from "./listed";
import type { OperatorInfo } from "../../ipc/api";
import { MockVisitBackend } from "../../mock/mock-visit";
import type { VisitView } from "../../ipc/visit-api";

const amox = { genname: "阿莫西林胶囊", prodname: "", spec: "0.25g×24粒", count: "2", unit: "盒" };

describe("drug names in the prescription list", () => {
  it("names each drug with its spec and count", () => {
    expect(listedDrugText(amox)).toBe("阿莫西林胶囊 0.25g×24粒 ×2盒");
    expect(listedDrugText({ ...amox, prodname: "阿莫仙" })).toBe("阿莫西林胶囊（阿莫仙） 0.25g×24粒 ×2盒");
  });

  it("gives the drugs of the row asked for, or why there are none", () => {
    const all = [
      { authRxno: "A1", drugs: [amox], missing: null },
      { authRxno: "A2", drugs: [], missing: "refused" as const },
      { authRxno: "A3", drugs: [], missing: "unreachable" as const },
    ];
    expect(listedDrugsCell(all, "A1")).toEqual({ drugs: ["阿莫西林胶囊 0.25g×24粒 ×2盒"], missingKey: null });
    expect(listedDrugsCell(all, "A2").missingKey).toBe("rx.drugs_refused");
    expect(listedDrugsCell(all, "A3").missingKey).toBe("rx.drugs_unreachable");
    expect(listedDrugsCell(all, "nope").missingKey).toBe("rx.drugs_unreachable");
  });

  it("the mocked list carries every listed prescription's drugs", () => {
    const op: OperatorInfo = { login: "2001", name: "李药师", role: "pharmacist", roleLabel: "药师" };
    const b = new MockVisitBackend(() => op);
    b.handle("visit_start", {});
    const v = b.handle("visit_identify", { method: "e_voucher", code: "110000ecdemo0000000000000000000zhangsan" }) as VisitView;
    expect(v.listed.length).toBeGreaterThan(1);
    for (const r of v.listed) {
      const cell = listedDrugsCell(v.listedDrugs, r.auth_rxno);
      expect(cell.missingKey).toBeNull();
      expect(cell.drugs.length).toBeGreaterThan(0);
    }
  });
});
