// Handing a visit on: 市民課 opens it (the list shows who holds it), hands it to 保険年金課,
// where it appears on that 課's list at once; the history shows who did what and where.
import { expectEqual, signIn, runSuite, CONTEXT_OPTIONS, kioskVisit } from "./browser.mjs";

const contextOptions = CONTEXT_OPTIONS;

await runSuite("handoff", {}, async ({ steps, server, browser }) => {
  const kiosk = await (await browser.newContext(contextOptions)).newPage();
  const shimin = await (await browser.newContext(contextOptions)).newPage();
  const hoken = await (await browser.newContext(contextOptions)).newPage();
  let number;

  await steps.step("a visit waits at 市民課 and is taken by a counter", async () => {
    number = await kioskVisit(kiosk, server, "箕郷 次郎");
    await signIn(shimin, server, "shimin01");
    await shimin.waitForSelector("#today-visits");
    await steps.shot(shimin, "01-shimin-list");
    await shimin.fill("#open-number", number);
    await shimin.press("#open-number", "Enter");
    await shimin.waitForFunction(() => document.querySelector("#item-person-0-name")?.value === "箕郷 次郎");
    await shimin.waitForFunction(() => document.querySelector("#history")?.textContent.includes("市民 一郎 が開いた"));
    await shimin.goto(`${server.url}#/counter`);
    await shimin.waitForFunction(
      (n) => [...document.querySelectorAll("#today-visits tr")].some((tr) => tr.textContent.includes(`受付番号 ${n}`) && tr.textContent.includes("市民 一郎")),
      number,
      { timeout: 15000 },
    );
  });

  await steps.step("handed to 保険年金課, it shows on that 課's list at once", async () => {
    await signIn(hoken, server, "hoken01");
    const listed = () =>
      hoken.evaluate((n) => [...document.querySelectorAll("#today-visits tr")].some((tr) => tr.textContent.includes(`受付番号 ${n}`)), number);
    expectEqual(await listed(), false, "not on 保険年金課's list before the handoff");
    await shimin.click(`#today-visits a:text("受付番号 ${number}")`);
    await shimin.waitForSelector("#handoff-button");
    await shimin.selectOption("#handoff-to", "hoken_nenkin");
    await shimin.click("#handoff-button");
    await shimin.waitForSelector("#open-number");
    await hoken.waitForFunction(
      (n) => [...document.querySelectorAll("#today-visits tr")].some((tr) => tr.textContent.includes(`受付番号 ${n}`)),
      number,
      { timeout: 15000 },
    );
    await steps.shot(hoken, "02-hoken-list");
  });

  await steps.step("the history shows who did what at which counter", async () => {
    await hoken.click(`#today-visits a:text("受付番号 ${number}")`);
    await hoken.waitForFunction(() => document.querySelector("#history")?.textContent.includes("保険 花子 が開いた"), null, { timeout: 15000 });
    const history = await hoken.textContent("#history");
    for (const line of ["市民 一郎 が開いた (市民課)", "市民 一郎 が 保険年金課 へ回した (市民課)", "保険 花子 が開いた (保険年金課)"]) {
      if (!history.includes(line)) throw new Error(`history lacks "${line}": ${history}`);
    }
    await steps.shot(hoken, "03-history");
  });
});
