// Benchmark (not a test): the installed PWA starting offline in Chromium. Each run opens the
// counter face once online in a fresh profile (the service worker installs and precaches the
// shell), stops the server, reloads, and times from the reload's navigation start until the
// sign-in form is usable (login and password boxes editable, the button enabled). Prints a
// table and writes JSON to $BENCH_OUT.
import { writeFileSync } from "node:fs";
import { launchProfile, Server, waitControlled, CONTEXT_OPTIONS } from "./browser.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const server = new Server();

/** In the page: ms since navigation start once the sign-in form can be used, else false. */
function signInUsable() {
  const login = document.querySelector("#signin-login");
  const password = document.querySelector("#signin-password");
  const submit = document.querySelector("#signin-submit");
  const usable = (el) => el && !el.disabled && !el.readOnly && el.getClientRects().length > 0;
  return usable(login) && usable(password) && usable(submit) ? performance.now() : false;
}

function median(sorted) {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const online = [];
const offline = [];
let chromium = "";
try {
  await server.start();
  for (let run = 0; run < RUNS; run++) {
    const profile = await launchProfile(CONTEXT_OPTIONS);
    try {
      chromium = profile.browser()?.version() ?? chromium;
      const page = profile.pages()[0] ?? (await profile.newPage());
      await page.goto(`${server.url}#/counter`);
      online.push(await (await page.waitForFunction(signInUsable, null, { timeout: 60000, polling: 5 })).jsonValue());
      await waitControlled(page);
      await server.stop();
      await page.reload();
      offline.push(await (await page.waitForFunction(signInUsable, null, { timeout: 60000, polling: 5 })).jsonValue());
      const served = await page.evaluate(() => !!navigator.serviceWorker.controller);
      if (!served) throw new Error("the offline reload was not served by the service worker");
    } finally {
      await profile.close();
      await server.start();
    }
  }
  online.sort((a, b) => a - b);
  offline.sort((a, b) => a - b);
  const round = (v) => Math.round(v);
  const result = {
    benchmark: "pwa_start_to_sign_in_form",
    browser: chromium,
    runs: RUNS,
    offline_median_ms: round(median(offline)),
    offline_min_ms: round(offline[0]),
    offline_max_ms: round(offline[offline.length - 1]),
    online_first_load_median_ms: round(median(online)),
    offline_ms: offline.map(round),
  };
  console.log("| measure | value |\n|---|---|");
  for (const [k, v] of Object.entries(result)) console.log(`| ${k} | ${Array.isArray(v) ? v.join(", ") : v} |`);
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, JSON.stringify(result, null, 2) + "\n");
} finally {
  await server.stop();
}
