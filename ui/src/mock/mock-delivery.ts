// The delivery commands for the mocked IPC (vitest and the headless-browser
// test, Vite `mock` mode only, never bundled): a hand-written stand-in with
// the shapes of src-tauri/src/delivery_commands.rs and the same moves
// (accepted → in transit → signed | refused), so a test on it proves the
// screen; the rules themselves are tested in rxdesk-app (tests/visit.rs).
import { mockError } from "./ipc-error";
import type { IpcError } from "../ipc/errors";
import type { DeliveryMoved, DeliveryOrder, DeliverySale, DeliveryStatusCode } from "../ipc/delivery-api";

interface MockSale {
  sale: DeliverySale;
  total: string;
  patient: [string, string];
}

const STATUS_ZH: Record<DeliveryStatusCode, string> = { "1": "已接单", "2": "配送中", "3": "已签收", "4": "拒收" };

function refusal(code: string, message: string, messageEn: string): IpcError {
  return mockError(code, message, {}, messageEn);
}

export class MockDeliveryBackend {
  private seq = 0;
  private clock = 0;
  sales: MockSale[] = [
    { sale: { saleId: 101, rtalDocno: "H11010100001202612051000000101", prescriptionId: 11, refunded: false, coldChain: false, hasOrder: false }, total: "20.00", patient: ["王芳", "110101196803030049"] },
    { sale: { saleId: 102, rtalDocno: "H11010100001202612051000000102", prescriptionId: 12, refunded: false, coldChain: true, hasOrder: false }, total: "86.40", patient: ["张三", "110101198001010029"] },
  ];
  orders: DeliveryOrder[] = [];

  private time(): string {
    this.clock += 1;
    return `2026-12-05 10:${String(this.clock).padStart(2, "0")}:00`;
  }

  private find(docno: string): MockSale {
    const s = this.sales.find((x) => x.sale.rtalDocno === docno.trim());
    if (!s) throw refusal("DELIVERY_SALE_NOT_FOUND", `没有单据号为 ${docno} 的销售：请核对小票上的单据号`, `No sale has the document number ${docno}`);
    if (s.sale.hasOrder) throw refusal("DELIVERY_ALREADY_ORDERED", "该销售已有配送订单", "This sale already has a delivery order");
    return s;
  }

  private moved(o: DeliveryOrder, code: DeliveryStatusCode, description: string): DeliveryMoved {
    o.statusCode = code;
    o.description = description;
    o.updatedAt = this.time();
    o.open = code === "1" || code === "2";
    this.seq += 1;
    return { order: { ...o }, deliveryId: this.seq };
  }

  private order(saleId: number, from: DeliveryStatusCode, to: DeliveryStatusCode): DeliveryOrder {
    const o = this.orders.find((x) => x.saleId === saleId);
    if (!o) throw refusal("DELIVERY_NO_ORDER", "该销售没有配送订单", "This sale has no delivery order");
    if (o.statusCode !== from) throw refusal("DELIVERY_ILLEGAL_STEP", `订单当前状态为“${STATUS_ZH[o.statusCode as DeliveryStatusCode]}”，不能改为“${STATUS_ZH[to]}”`, "The order's status does not allow that");
    return o;
  }

  /** Answers a delivery command, or undefined when `cmd` is not one. */
  handle(cmd: string, args: Record<string, unknown>): unknown {
    switch (cmd) {
      case "delivery_orders":
        return this.orders.map((o) => ({ ...o }));
      case "delivery_look_up":
        return { ...this.find(String(args.docno ?? "")).sale };
      case "delivery_accept": {
        const delvNo = String(args.delvNo ?? "").trim();
        const company = String(args.company ?? "").trim();
        if (!delvNo || !company) throw refusal("DELIVERY_INCOMPLETE", "请填写配送单号和配送企业", "Enter the delivery number and the delivery company");
        const s = this.find(String(args.docno ?? ""));
        if (s.sale.coldChain && args.coldChainHandled !== true) throw refusal("DELIVERY_COLD_CHAIN", "本单有冷链药品：请确认已按冷链要求包装后再接单", "A product needs the cold chain: confirm the cold-chain packing first");
        s.sale.hasOrder = true;
        const at = this.time();
        const o: DeliveryOrder = {
          saleId: s.sale.saleId, rtalDocno: s.sale.rtalDocno, total: s.total, prescriptionId: s.sale.prescriptionId ?? 0, hiRxno: `RX${s.sale.saleId}`,
          patientName: s.patient[0], delvNo: delvNo, delvEntpName: company, statusCode: "1", description: "", updatedAt: at, acceptedAt: at, open: true,
        };
        this.orders.push(o);
        return this.moved(o, "1", s.sale.coldChain ? "药店已接单，已按冷链要求包装" : "药店已接单");
      }
      case "delivery_in_transit":
        return this.moved(this.order(Number(args.saleId), "1", "2"), "2", "配送中");
      case "delivery_sign": {
        const o = this.order(Number(args.saleId), "2", "3");
        const name = String(args.name ?? "").trim();
        const cert = String(args.certNo ?? "").trim().toUpperCase();
        if (!name || !cert) throw refusal("DELIVERY_RECIPIENT_INCOMPLETE", "请填写签收人姓名和身份证号", "Enter the recipient's name and ID number");
        const patient = this.sales.find((s) => s.sale.saleId === o.saleId)?.patient;
        if (!patient || patient[0] !== name || patient[1] !== cert)
          throw refusal("DELIVERY_RECIPIENT_NOT_PATIENT", "签收人不是处方患者本人或登记的代购人：不能签收", "The recipient is neither the patient nor the registered agent: no sign-off");
        return this.moved(o, "3", `${name} 本人签收（已核验身份）`);
      }
      case "delivery_refuse": {
        const o = this.order(Number(args.saleId), "2", "4");
        const reason = String(args.reason ?? "").trim();
        if (!reason) throw refusal("DELIVERY_REASON_MISSING", "请填写拒收原因", "Enter why the parcel was refused");
        return this.moved(o, "4", `拒收：${reason}`);
      }
      default:
        return undefined;
    }
  }
}
