// A 転居 pre-filled from a resident lookup: the counter finds the household in the
// register by フリガナ and fills the visit with it; offline, the lookup says it is
// unavailable while the rest of the screen keeps working.
import { expectEqual, signIn, runSuite, CONTEXT_OPTIONS, kioskVisit } from "./browser.mjs";

const contextOptions = CONTEXT_OPTIONS;

await runSuite("lookup", { args: ["--demo-residents", "400"] }, async ({ steps, server, browser }) => {
  const kiosk = await (await browser.newContext(contextOptions)).newPage();
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  let picked;

  await steps.step("a 転居 visit at the counter", async () => {
    const number = await kioskVisit(kiosk, server);
    await signIn(page, server);
    await page.fill("#open-number", number);
    await page.press("#open-number", "Enter");
    await page.waitForSelector("#item-person-0-name");
    await page.check("#navi-event-tenkyo");
    await page.waitForSelector("#form-jumin-idou-tenkyo");
  });

  await steps.step("the register is searched by フリガナ (half-width input works)", async () => {
    await page.fill("#lookup-query", "ﾀｶﾊｼ");
    await page.click("#lookup-submit");
    await page.waitForSelector("#lookup-results tbody tr");
    const kanas = await page.$$eval("#lookup-results tbody tr td:nth-child(2)", (tds) => tds.map((td) => td.textContent));
    if (!kanas.length || !kanas.every((k) => k.startsWith("タカハシ"))) throw new Error(`results: ${kanas}`);
    picked = await page.$eval("#lookup-results tbody tr", (tr) => ({
      name: tr.dataset.name,
      address: tr.children[4].textContent,
    }));
    await steps.shot(page, "01-results");
  });

  await steps.step("the household fills the visit; the registered address becomes the old one", async () => {
    await page.click("#lookup-results tbody tr .use-household");
    await page.waitForFunction(
      (a) => document.querySelector("#item-visit-previous-address")?.value === a,
      picked.address,
      { timeout: 10000 },
    );
    const names = [];
    for (let i = 0; await page.$(`#item-person-${i}-name`); i++) names.push(await page.inputValue(`#item-person-${i}-name`));
    if (!names.includes(picked.name)) throw new Error(`${picked.name} not among ${names}`);
    expectEqual(await page.inputValue("#item-person-0-relationship"), "世帯主", "head first");
    if (!/^\d{3}-\d{4}$/.test(await page.inputValue("#item-household-postal-code"))) throw new Error("postal code");
    await steps.shot(page, "02-filled");
  });

  await steps.step("offline, the lookup is unavailable and the rest keeps working", async () => {
    await server.kill();
    await context.setOffline(true);
    await page.waitForSelector("#lookup-offline");
    await page.fill("#item-household-address", "群馬県高崎市八島町222番地");
    await page.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("未送信"));
    await steps.shot(page, "03-offline");
  });
});
