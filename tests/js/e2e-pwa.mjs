// The installed-app side of the counter: manifest, persistent storage, keyboard shortcuts,
// and the 新しいバージョンがあります prompt, which reloads into the new version without losing
// the draft.
import { launchProfile, expectEqual, signIn, runSuite, CONTEXT_OPTIONS, waitControlled, kioskVisit } from "./browser.mjs";

const contextOptions = CONTEXT_OPTIONS;

await runSuite("pwa", { copyDist: true }, async ({ steps, server, browser }) => {
  const kiosk = await (await browser.newContext(contextOptions)).newPage();
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  let number;

  await steps.step("the app is installable: manifest with name, start URL and icon", async () => {
    await page.goto(`${server.url}#/counter`);
    const href = await page.getAttribute("link[rel=manifest]", "href");
    const manifest = await page.evaluate(async (h) => (await fetch(h)).json(), href);
    expectEqual(manifest.name, "高崎市 窓口支援システム", "name");
    expectEqual(manifest.display, "standalone", "display");
    expectEqual(manifest.start_url, "/#/counter", "start_url");
    if (!manifest.icons?.length) throw new Error("no icons");
    await waitControlled(page);
  });

  await steps.step("Chromium finds nothing that stops installing the app", async () => {
    const profile = await launchProfile(contextOptions);
    try {
      const p = profile.pages()[0] ?? (await profile.newPage());
      await p.goto(`${server.url}#/counter`);
      await waitControlled(p);
      const cdp = await profile.newCDPSession(p);
      const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
      expectEqual(JSON.stringify(installabilityErrors), "[]", "installability errors");
    } finally {
      await profile.close();
    }
  });

  await steps.step("Alt+S goes to the reception-number box", async () => {
    await signIn(page, server);
    await page.locator("body").click({ position: { x: 5, y: 400 } });
    await page.keyboard.press("Alt+KeyS");
    expectEqual(await page.evaluate(() => document.activeElement?.id), "open-number", "focus");
  });

  await steps.step("persistent storage was asked for and is shown", async () => {
    await page.goto(`${server.url}#/admin`);
    await page.waitForSelector("#admin-peers");
    const shown = await page.textContent(".admin");
    if (!shown.includes("永続ストレージ")) throw new Error(shown);
    const persisted = await page.evaluate(() => navigator.storage.persisted());
    const expected = persisted ? "はい" : "いいえ";
    await page.waitForFunction((e) => document.querySelector(".admin").textContent.includes(`永続ストレージ${e}`), expected);
  });

  await steps.step("a visit is being filled in at the counter", async () => {
    number = await kioskVisit(kiosk, server, "榛名 一郎");
    await page.goto(`${server.url}#/counter`);
    await page.fill("#open-number", number);
    await page.press("#open-number", "Enter");
    await page.waitForFunction(() => document.querySelector("#item-person-0-name")?.value === "榛名 一郎");
    await page.fill("#item-person-0-kana", "ハルナ イチロウ");
  });

  await steps.step("a new version: the prompt, then a reload that keeps the draft", async () => {
    const before = await page.evaluate(() => navigator.serviceWorker.controller.scriptURL);
    server.changeServedFile("sw.js", "\n// a new build\n");
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    await page.waitForSelector("#update-banner", { timeout: 20000 });
    await steps.shot(page, "update-prompt", { manual: "counter-update-prompt" });
    const reloaded = page.waitForEvent("load", { timeout: 20000 });
    await page.click("#update-button");
    await reloaded;
    // Kept, in its canonical form (written when the field was left for the button).
    await page.waitForFunction(() => document.querySelector("#item-person-0-kana")?.value === "ハルナ\u3000イチロウ");
    expectEqual(await page.locator("#update-banner").count(), 0, "no prompt after the update");
    const waiting = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).waiting);
    expectEqual(waiting, null, "no waiting worker");
    const after = await page.evaluate(() => navigator.serviceWorker.controller.scriptURL);
    expectEqual(after, before, "same worker URL, new version");
  });
});
