// Starts the app: registers the service worker and loads the wasm module. A file of its own,
// not an inline script, so the pages' Content-Security-Policy allows no inline script at
// all (sync-server/src/security_headers.rs).
import init from "/app.js";

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((error) => {
    console.warn("service worker registration failed", error);
  });
}
await init({ module_or_path: "/app_bg.wasm" });
