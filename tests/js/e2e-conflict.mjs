// Two counters set the same field differently while cut off from each other; once both
// sync, the field shows both values with who wrote them, and a person picks one.
import { expectEqual, signIn, runSuite, CONTEXT_OPTIONS, waitControlled, kioskVisit } from "./browser.mjs";

const contextOptions = CONTEXT_OPTIONS;

async function openVisit(page, server, number, login) {
  await signIn(page, server, login);
  await waitControlled(page);
  await page.fill("#open-number", number);
  await page.press("#open-number", "Enter");
  await page.waitForFunction(() => document.querySelector("#item-person-0-name")?.value === "倉渕 さくら");
}

const synced = (page) =>
  page.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("同期済み"), null, { timeout: 45000 });

await runSuite("conflict", {}, async ({ steps, server, browser }) => {
  const kiosk = await (await browser.newContext(contextOptions)).newPage();
  const a = await browser.newContext(contextOptions);
  const b = await browser.newContext(contextOptions);
  const pageA = await a.newPage();
  const pageB = await b.newPage();

  await steps.step("two counters have the same visit open", async () => {
    const number = await kioskVisit(kiosk, server, "倉渕 さくら");
    await openVisit(pageA, server, number, "shimin01");
    // Two counters of 市民課 (a visit reaches only the 課 it is at, or was handed to).
    await openVisit(pageB, server, number, "shimin02");
    await synced(pageA);
    await synced(pageB);
  });

  await steps.step("both change the address while the server is down", async () => {
    await server.kill();
    await a.setOffline(true);
    await b.setOffline(true);
    await pageA.fill("#item-household-address", "群馬県高崎市倉渕町三ノ倉317番地");
    await pageB.fill("#item-household-address", "群馬県高崎市倉渕町三ノ倉371番地");
    await pageA.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("未送信"));
    await pageB.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("未送信"));
  });

  await steps.step("after syncing, each counter sees both values", async () => {
    await server.start();
    await a.setOffline(false);
    await b.setOffline(false);
    for (const page of [pageA, pageB]) {
      await page.waitForSelector("#item-household-address ~ * .conflict, .field:has(#item-household-address) .conflict", { timeout: 45000 });
      const text = await page.textContent(".field:has(#item-household-address) .conflict");
      for (const v of ["三ノ倉317番地", "三ノ倉371番地"]) {
        if (!text.includes(v)) throw new Error(`conflict lacks ${v}: ${text}`);
      }
      // Each value says who wrote it (the staff member signed in at that terminal).
      const writers = await page.$$eval(".field:has(#item-household-address) .conflict .writer", (els) => els.map((e) => e.textContent));
      expectEqual(writers.length, 2, "two writers");
      expectEqual(new Set(writers).size, 2, "different writers");
      for (const name of ["市民 一郎", "市民 二郎"]) {
        if (!writers.some((w) => w.includes(name))) throw new Error(`no value by ${name}: ${writers}`);
      }
    }
    await steps.shot(pageA, "01-conflict", { manual: "counter-conflict" });
  });

  await steps.step("a person picks one and the conflict is gone on both counters", async () => {
    await pageA.click(".field:has(#item-household-address) .conflict button:has-text('317')");
    for (const page of [pageA, pageB]) {
      await page.waitForFunction(
        () =>
          !document.querySelector(".field:has(#item-household-address) .conflict") &&
          document.querySelector("#item-household-address")?.value === "群馬県高崎市倉渕町三ノ倉317番地",
        null,
        { timeout: 20000 },
      );
    }
    await steps.shot(pageB, "02-resolved", { manual: "counter-conflict-resolved" });
    expectEqual(await pageB.inputValue("#item-household-address"), "群馬県高崎市倉渕町三ノ倉317番地", "value");
  });
});
