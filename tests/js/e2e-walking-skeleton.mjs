// The walking skeleton in a real browser: a kiosk creates a visit; a counter opens it by
// reception number; the counter loses the server, edits, reloads (the app comes from the
// service worker, the draft from IndexedDB), edits again, and comes back; a third, fresh
// browser context sees both edits.
import { expectEqual, signIn, runSuite, startKiosk, pickDate, CONTEXT_OPTIONS, waitControlled } from "./browser.mjs";

const contextOptions = CONTEXT_OPTIONS;

const badge = (page) => page.locator("#sync-badge");
const field = (page, id) => page.locator(`#field-${id}`);
const item = (page, id) => page.locator(`#item-${id}`);

async function waitForBadge(page, text, timeout = 30000) {
  await page.waitForFunction(
    (t) => document.querySelector("#sync-badge")?.textContent.includes(t),
    text,
    { timeout },
  );
}

await runSuite("walking-skeleton", {}, async ({ steps, server, browser }) => {
  let receptionNumber;
  let visitUrl;
  let handoffPayload;

  const kiosk = await browser.newContext(contextOptions);
  const kioskPage = await kiosk.newPage();
  await steps.step("kiosk creates a visit and types the applicant", async () => {
    await kioskPage.goto(`${server.url}#/kiosk`);
    await steps.shot(kioskPage, "01-kiosk-welcome");
    await startKiosk(kioskPage, server, () => steps.shot(kioskPage, "01b-kiosk-enroll", { manual: "kiosk-enroll" }));
    receptionNumber = (await kioskPage.textContent("#reception-number")).trim();
    if (!/^\d+$/.test(receptionNumber)) throw new Error(`reception number ${receptionNumber}`);
    for (const [id, text] of [
      ["kiosk-person-name-0", "高崎 花子"],
      ["kiosk-person-kana-0", "たかさき はなこ"],
      ["kiosk-household-address-all", "群馬県高崎市高松町35番地1"],
    ]) {
      await kioskPage.focus(`#${id}`);
      await kioskPage.keyboard.type(text);
    }
    await pickDate(kioskPage, "kiosk-person-birth-date-0", "昭和", 63, 4, 12);
    await waitForBadge(kioskPage, "同期済み");
    await steps.shot(kioskPage, "02-kiosk-filled");
    await kioskPage.click("#kiosk-done");
    await kioskPage.waitForSelector("#handoff-qr svg");
    handoffPayload = await kioskPage.getAttribute("#handoff-qr", "data-payload");
    // Digits and capitals only (QR alphanumeric mode; the same keys on JIS and US layouts).
    if (!/^MDG[0-9A-Z]{27}$/.test(handoffPayload)) throw new Error(`handoff payload ${handoffPayload}`);
    await steps.shot(kioskPage, "02b-kiosk-handoff-qr", { manual: "kiosk-slip" });
  });

  const counter = await browser.newContext(contextOptions);
  const counterPage = await counter.newPage();
  await steps.step("counter opens the visit by reception number", async () => {
    await signIn(counterPage, server);
    // The service worker must control the page before the network goes away.
    await waitControlled(counterPage);
    await counterPage.fill("#open-number", receptionNumber);
    await steps.shot(counterPage, "03-counter-home", { manual: "counter-day-list" });
    await counterPage.press("#open-number", "Enter");
    await counterPage.waitForFunction(
      () => document.querySelector("#item-person-0-name")?.value === "高崎 花子",
      null,
      { timeout: 15000 },
    );
    visitUrl = counterPage.url();
    // The navi: a move within the city brings up the 転居 form.
    await counterPage.check("#navi-event-tenkyo");
    await counterPage.waitForSelector("#form-jumin-idou-tenkyo");
    await counterPage.waitForSelector("#item-visit-moved-on");
    expectEqual((await counterPage.textContent("#visit-reception-number")).trim(), receptionNumber, "reception number");
    await waitForBadge(counterPage, "同期済み");
    await steps.shot(counterPage, "04-counter-visit", { manual: "counter-visit" });
  });

  await steps.step("counter goes offline and edits", async () => {
    await server.kill();
    await counter.setOffline(true);
    await waitForBadge(counterPage, "オフライン");
    await item(counterPage, "household-address").fill("群馬県高崎市八島町222番地");
    await waitForBadge(counterPage, "未送信");
    await steps.shot(counterPage, "05-counter-offline-edit", { manual: "counter-offline" });
  });

  await steps.step("offline reload: shell from the service worker, draft from IndexedDB", async () => {
    // Offline with unsent changes, the reload asks first (beforeunload); accepted, it goes on.
    let asked = null;
    counterPage.once("dialog", async (dialog) => {
      asked = dialog.type();
      await dialog.accept();
    });
    await counterPage.reload();
    expectEqual(asked, "beforeunload", "the reload asked first");
    await counterPage.waitForFunction(
      () => document.querySelector("#item-household-address")?.value === "群馬県高崎市八島町222番地",
      null,
      { timeout: 15000 },
    );
    const controlled = await counterPage.evaluate(() => navigator.serviceWorker.controller !== null);
    expectEqual(controlled, true, "page controlled by the service worker");
    await item(counterPage, "visit-moved-on").fill("2027-02-01");
    await waitForBadge(counterPage, "オフライン");
    await waitForBadge(counterPage, "未送信 2件");
    // Two edits since the server last acknowledged: the sync state shared with the server
    // came back from IndexedDB, otherwise every change of the visit would count as unsent.
    expectEqual(await badge(counterPage).getAttribute("data-pending"), "2", "unsent changes after reload");
    await steps.shot(counterPage, "06-counter-offline-after-reload");
  });

  await steps.step("back online: the counter's edits reach the server", async () => {
    await server.start();
    await counter.setOffline(false);
    await waitForBadge(counterPage, "同期済み", 45000);
    await steps.shot(counterPage, "07-counter-synced", { manual: "counter-synced" });
  });

  await steps.step("a fresh context scans the kiosk's QR and sees both offline edits", async () => {
    const third = await browser.newContext(contextOptions);
    const page = await third.newPage();
    await signIn(page, server);
    // A keyboard-wedge reader set to end with Tab, on a terminal with Caps Lock on: the
    // payload as fast keystrokes in lower case, then Tab.
    await page.locator("body").click({ position: { x: 5, y: 300 } });
    await page.keyboard.type(handoffPayload.toLowerCase());
    await page.keyboard.press("Tab");
    await page.waitForFunction((u) => location.href === u, visitUrl, { timeout: 10000 });
    await page.waitForFunction(
      () =>
        document.querySelector("#item-household-address")?.value === "群馬県高崎市八島町222番地" &&
        document.querySelector("#item-visit-moved-on")?.value === "2027-02-01",
      null,
      { timeout: 15000 },
    );
    expectEqual(await item(page, "person-0-name").inputValue(), "高崎 花子", "applicant name");
    expectEqual(await page.isChecked("#navi-event-tenkyo"), true, "navi answer synced");
    await steps.shot(page, "08-third-context");
    // Scanned with the focus in 受付番号 (where it is after going back to the list), by a
    // reader ending with Tab: the visit opens.
    await page.goto(`${server.url}#/counter`);
    await page.waitForFunction(() => document.activeElement?.id === "open-number");
    await page.keyboard.type(handoffPayload);
    await page.keyboard.press("Tab");
    await page.waitForFunction((u) => location.href === u, visitUrl, { timeout: 10000 });
    await page.goto(`${server.url}#/admin`);
    await page.waitForSelector("#admin-peers");
    await steps.shot(page, "09-admin", { manual: "admin-status" });
  });

  await steps.step("the service worker cache holds the app shell, the manuals and no personal data", async () => {
    const cached = await counterPage.evaluate(async () => {
      const out = { caches: await caches.keys(), entries: [] };
      for (const name of out.caches) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
          const body = await (await cache.match(request)).text();
          out.entries.push({ cache: name, path: new URL(request.url).pathname, hasName: body.includes("高崎 花子") });
        }
      }
      // What the worker was built to keep: its precache list.
      const worker = await (await fetch("/sw.js")).text();
      out.precache = JSON.parse(worker.match(/const PRECACHE = (\[.*\]);/)[1]).map((e) => e.url);
      return out;
    });
    const shellCache = cached.caches.filter((c) => c.startsWith("madoguchi-shell-"));
    expectEqual(shellCache.length, 1, "one shell cache");
    // Beside it only the manuals' (filled a few seconds after the start).
    expectEqual(JSON.stringify(cached.caches.filter((c) => c !== shellCache[0] && c !== "madoguchi-manual")), "[]", "other caches");
    const shell = cached.entries.filter((e) => e.cache === shellCache[0]).map((e) => e.path);
    expectEqual(JSON.stringify(shell.sort()), JSON.stringify([...cached.precache].sort()), "cached shell paths");
    if (!cached.precache.includes("/index.html") || !cached.precache.includes("/app_bg.wasm")) throw new Error(cached.precache);
    const manual = cached.entries.filter((e) => e.cache === "madoguchi-manual");
    if (manual.some((e) => !e.path.startsWith("/manual/"))) {
      throw new Error(`manual cache: ${manual.map((e) => e.path).join(", ")}`);
    }
    expectEqual(cached.entries.some((e) => e.path.startsWith("/api/") || e.path.startsWith("/sync")), false, "an API answer in a cache");
    // The manuals are built before any visit exists (their examples may use any name):
    // what this visit entered must be in no other cache.
    expectEqual(cached.entries.some((e) => e.cache !== "madoguchi-manual" && e.hasName), false, "applicant name in a cache");
  });
});
