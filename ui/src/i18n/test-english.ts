// vitest set-up: the English tables are a chunk loaded on demand in the
// window (i18n.ts `useLocale`); unit tests translate to en-US directly, so
// they are loaded once before any test runs.
import { useLocale } from "./i18n";

await useLocale("en-US");
