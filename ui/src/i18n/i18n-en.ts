// Every English table in one chunk, imported only by `useLocale` (i18n.ts)
// when the window is switched to en-US, so that the first script, the one
// the login screen waits for, carries only zh-CN (decision 0028: the
// script's size is most of the page's share of the start-up).
import type { Key } from "./i18n";
import { coreEn } from "./i18n-core-en";
import { visitEn } from "./i18n-visit-en";
import { managerEn } from "./i18n-manager-en";
import { onboardEn } from "./i18n-onboard-en";
import { importEn } from "./i18n-import-en";
import { tillEn } from "./i18n-till-en";
import { otcEn } from "./i18n-otc-en";
import { deliveryEn } from "./i18n-delivery-en";
import { trustEn } from "./i18n-trust-en";
import { inventoryEn } from "./i18n-inventory-en";
import { chainEn } from "./i18n-chain-en";
import { devicesEn } from "./i18n-devices-en";

/** Later tables win, as they did when the tables were merged in i18n.ts. */
export const en: Partial<Record<Key, string>> = {
  ...visitEn,
  ...managerEn,
  ...onboardEn,
  ...importEn,
  ...tillEn,
  ...otcEn,
  ...deliveryEn,
  ...trustEn,
  ...inventoryEn,
  ...chainEn,
  ...devicesEn,
  ...coreEn,
};
