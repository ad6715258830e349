// Benchmark (not a test): "keystroke → committed to IndexedDB" in Chromium, typed at
// counter speed into the visit screen. Prints a table and writes JSON to $BENCH_OUT.
import { writeFileSync } from "node:fs";
import { launchBrowser, Server, signIn, startKiosk } from "./browser.mjs";

const KEYS = Number(process.env.BENCH_KEYS ?? 300);
const server = new Server();
const browser = await launchBrowser();
const contextOptions = { viewport: { width: 1920, height: 1080 }, locale: "ja-JP", timezoneId: "Asia/Tokyo" };

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

try {
  await server.start();
  const page = await (await browser.newContext(contextOptions)).newPage();
  await page.goto(`${server.url}#/kiosk`);
  await startKiosk(page, server);
  const number = (await page.textContent("#reception-number")).trim();
  await signIn(page, server);
  await page.fill("#open-number", number);
  await page.press("#open-number", "Enter");
  await page.waitForSelector("#item-person-0-name");
  await page.check("#navi-event-tennyu");
  await page.check("#navi-fact-children");
  await page.check("#navi-fact-kokuho");
  await page.waitForSelector("#fold-kokuho-idou");
  await page.evaluate(() => (window.madoguchiCommitTimes = []));
  await page.click("#item-household-address");
  // About 8 keys a second, as a person types.
  const text = "群馬県高崎市高松町三十五番地一".repeat(40).slice(0, KEYS);
  for (const ch of text) {
    await page.keyboard.insertText(ch);
    await page.waitForTimeout(120);
  }

  await page.waitForFunction((n) => window.madoguchiCommitTimes.length >= n, KEYS, { timeout: 30000 });
  const times = (await page.evaluate(() => window.madoguchiCommitTimes)).slice(-KEYS).sort((a, b) => a - b);
  const result = {
    benchmark: "keystroke_to_indexeddb",
    browser: browser.version(),
    keys: times.length,
    p50_ms: percentile(times, 50),
    p95_ms: percentile(times, 95),
    p99_ms: percentile(times, 99),
    max_ms: times[times.length - 1],
  };
  console.log("| measure | value |\n|---|---|");
  for (const [k, v] of Object.entries(result)) console.log(`| ${k} | ${typeof v === "number" ? Math.round(v * 100) / 100 : v} |`);
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, JSON.stringify(result, null, 2) + "\n");
} finally {
  await browser.close();
  await server.stop();
}
