import "./lib/boot-mark";
import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";

// The mock backend exists only in Vite's `mock` mode (browser UI tests);
// production builds tree-shake this branch away.
if (import.meta.env.MODE === "mock") {
  const { installMockBackend } = await import("./mock/mock-backend");
  installMockBackend();
}

const target = document.getElementById("app");
if (!target) throw new Error("#app element missing from index.html");
performance.mark("rxdesk:mount");
const app = mount(App, { target });
performance.mark("rxdesk:mounted");
export default app;
