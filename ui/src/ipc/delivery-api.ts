// The delivery screen's contract with src-tauri/src/delivery_commands.rs
// (typed invokes, shapes of rxdesk_store::delivery_orders) and its pure
// helpers: which move an order's status allows, the status's words, and a
// refusal's sentence in the window's locale. No DOM here, so vitest covers it.
import { invoke } from "@tauri-apps/api/core";
import type { Key } from "../i18n/i18n";
import { errorText } from "./api";
import { isIpcError } from "./errors";

/** `delv_stas_codg`: 1 已接单, 2 配送中, 3 已签收, 4 拒收. */
export type DeliveryStatusCode = "1" | "2" | "3" | "4";

// The shapes of rxdesk_store::delivery_orders and the moves, generated from Rust (ts-rs).
import type { DeliveryMoved, DeliveryOrder, DeliverySale } from "./generated/types";
export type { DeliveryMoved, DeliveryOrder, DeliverySale } from "./generated/types";

/** The moves of the screen. */
export type DeliveryMove = "in_transit" | "sign" | "refuse";

/** The moves an order's status allows (the visit's: accepted → in transit → signed | refused). */
export function allowedMoves(code: string): DeliveryMove[] {
  if (code === "1") return ["in_transit"];
  if (code === "2") return ["sign", "refuse"];
  return [];
}

/** The i18n key of a status. */
export function statusKey(code: string): Key {
  switch (code) {
    case "1":
      return "dlv.status.accepted";
    case "2":
      return "dlv.status.in_transit";
    case "3":
      return "dlv.status.signed";
    default:
      return "dlv.status.refused";
  }
}

/**
 * An order's last move in words: the service's own line in zh-CN (it names
 * the cold-chain packing, the recipient, the refusal's reason); in another
 * locale the status code's words (the order carries no code for those
 * details, so they are not repeated there).
 */
export function descriptionWords(o: Pick<DeliveryOrder, "statusCode" | "description">, t: (k: Key) => string, locale: string): string {
  if (locale !== "en-US") return o.description;
  const k = `dlv.desc.${o.statusCode}` as Key;
  const w = t(k);
  return w === k ? "" : w;
}

/** A refusal's sentence in `locale` (`ipc/errors.ts`; never Chinese in en-US). */
export function refusalText(e: unknown, locale: string): string {
  return errorText(e, locale === "en-US" ? "en-US" : "zh-CN");
}

/** The code of a refusal, or null. */
export function refusalCode(e: unknown): string | null {
  return isIpcError(e) ? e.code : null;
}

/** Open orders first (in transit before accepted), then those closed today; newest first within each. */
export function sortOrders(orders: DeliveryOrder[]): DeliveryOrder[] {
  const rank = (o: DeliveryOrder) => (o.statusCode === "2" ? 0 : o.statusCode === "1" ? 1 : 2);
  return [...orders].sort((a, b) => rank(a) - rank(b) || b.updatedAt.localeCompare(a.updatedAt));
}

export const deliveryOrders = (): Promise<DeliveryOrder[]> => invoke<DeliveryOrder[]>("delivery_orders");
export const deliveryLookUp = (docno: string): Promise<DeliverySale> => invoke<DeliverySale>("delivery_look_up", { docno });
export const deliveryAccept = (docno: string, delvNo: string, company: string, coldChainHandled: boolean): Promise<DeliveryMoved> =>
  invoke<DeliveryMoved>("delivery_accept", { docno, delvNo, company, coldChainHandled });
export const deliveryInTransit = (saleId: number): Promise<DeliveryMoved> => invoke<DeliveryMoved>("delivery_in_transit", { saleId });
export const deliverySign = (saleId: number, name: string, certNo: string): Promise<DeliveryMoved> =>
  invoke<DeliveryMoved>("delivery_sign", { saleId, name, certNo });
export const deliveryRefuse = (saleId: number, reason: string): Promise<DeliveryMoved> => invoke<DeliveryMoved>("delivery_refuse", { saleId, reason });
