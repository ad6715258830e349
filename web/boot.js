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

// Once the app runs, the worker keeps the manuals for offline use (each file once per
// revision), a few seconds later so that it never competes with the start.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.ready.then((registration) => {
    setTimeout(() => registration.active?.postMessage({ type: "KEEP_MANUAL" }), 3000);
  });
}
