// The window's locale for errors rendered outside a component now lives in
// `ipc/errors.ts` with the one catalogue (`i18n/errors.ts`); this file only
// re-exports it for the head-office screen, which imports it from here.
export { errorLocale, setErrorLocale } from "./errors";
