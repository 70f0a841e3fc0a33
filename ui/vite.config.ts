import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { fileURLToPath } from "node:url";

const uiDir = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: uiDir,
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  test: {
    root: uiDir,
    environment: "node",
    include: ["src/**/*.test.ts"],
    setupFiles: ["src/i18n/test-english.ts"],
  },
});
