// A visit through the three 課 with the keyboard alone (issue 19): no mouse and no focus()
// from the test — only keys, from the page's own starting focus. After every key the focus
// must be somewhere on the screen, never on the page body (where Tab starts over).
import { expectEqual, runSuite, CONTEXT_OPTIONS, kioskVisit, TEST_PASSWORD } from "./browser.mjs";

/** Presses a key, then fails if the focus fell to the page body. */
async function press(page, key, what) {
  await page.keyboard.press(key);
  await page.waitForTimeout(30);
  const focused = await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
  if (focused === "BODY" || focused === "HTML" || !focused) {
    throw new Error(`${what}: after ${key} the focus is on the page body`);
  }
  return focused;
}

/** Presses Tab until the element with `id` has the focus (at most `limit` times). */
async function tabTo(page, id, what, limit = 400) {
  for (let i = 0; i < limit; i++) {
    if ((await press(page, "Tab", what)) === id) return i + 1;
  }
  throw new Error(`${what}: #${id} not reached in ${limit} Tabs`);
}

/** Signs in from the page's own starting focus (the login field) and opens a visit. */
async function signInAndOpen(page, server, login, number) {
  await page.goto(`${server.url}#/counter`);
  await page.waitForFunction(() => document.activeElement?.id === "signin-login", null, { timeout: 15000 });
  await page.keyboard.type(login, { delay: 10 });
  await press(page, "Tab", "login → password");
  await page.keyboard.type(TEST_PASSWORD, { delay: 10 });
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.activeElement?.id === "open-number", null, { timeout: 15000 });
  await page.keyboard.type(number, { delay: 10 });
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.activeElement?.id === "visit-title", null, { timeout: 15000 });
}

await runSuite("journey", {}, async ({ steps, server, browser }) => {
  const kiosk = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
  const number = await kioskVisit(kiosk, server, "鍵盤 花子");
  const shimin = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
  const hoken = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
  const kodomo = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();

  await steps.step("市民課: sign in, open, choose 転入 with children and 国保, fill, hand on to 保険年金課", async () => {
    await signInAndOpen(shimin, server, "shimin01", number);
    const tabs = await tabTo(shimin, "navi-event-tennyu", "to the navi");
    await press(shimin, "Space", "転入 chosen");
    await tabTo(shimin, "navi-fact-children", "to 高校生年代までのお子さん");
    await press(shimin, "Space", "children ticked");
    await tabTo(shimin, "navi-fact-kokuho", "to 国民健康保険");
    await press(shimin, "Space", "国保 ticked");
    await shimin.waitForSelector("#fold-kokuho-idou");
    await tabTo(shimin, "item-person-0-kana", "to フリガナ");
    await shimin.keyboard.type("ｹﾝﾊﾞﾝ ﾊﾅｺ", { delay: 10 });
    await press(shimin, "Tab", "フリガナ left");
    await shimin.waitForFunction(() => document.querySelector("#item-person-0-kana").value === "ケンバン\u3000ハナコ");
    await tabTo(shimin, "add-person", "to 人を追加");
    await press(shimin, "Enter", "a person added");
    await tabTo(shimin, "handoff-to", "to 回す");
    // No silent default: 回す without a 課 says so and leaves the visit where it is.
    expectEqual(await shimin.inputValue("#handoff-to"), "", "no 課 chosen yet");
    await press(shimin, "Tab", "to the button");
    await press(shimin, "Enter", "回す with no 課");
    await shimin.waitForFunction(() => document.activeElement?.id === "handoff-to");
    await shimin.waitForFunction(() => document.querySelector("#announcer").textContent.includes("回付先の課を選んでください"));
    await press(shimin, "ArrowDown", "保険年金課 chosen");
    expectEqual(await shimin.inputValue("#handoff-to"), "hoken_nenkin", "保険年金課");
    await press(shimin, "Tab", "to the button");
    await shimin.keyboard.press("Enter");
    // The slip says where the citizen goes next; its button leads back to the list.
    await shimin.waitForFunction(() => document.activeElement?.id === "slip-back", null, { timeout: 10000 });
    const slip = await shimin.textContent("#handoff-slip");
    if (!slip.includes("次は保険年金課 9番窓口へ")) throw new Error(`slip: ${slip}`);
    await shimin.waitForFunction(() => document.querySelector("#announcer").textContent.includes("保険年金課へ回しました"));
    await press(shimin, "Enter", "back to the list");
    await shimin.waitForFunction(() => document.activeElement?.id === "open-number", null, { timeout: 10000 });
    console.log(`     the navi was ${tabs} Tabs from the visit's title`);
  });

  await steps.step("保険年金課: open it, hand it on to こども家庭課 (chosen with the arrow key)", async () => {
    await signInAndOpen(hoken, server, "hoken01", number);
    await hoken.waitForFunction(() => document.querySelector("#item-person-0-kana")?.value === "ケンバン\u3000ハナコ", null, { timeout: 15000 });
    await tabTo(hoken, "handoff-to", "to 回す");
    await press(hoken, "ArrowDown", "市民課");
    await press(hoken, "ArrowDown", "こども家庭課 chosen");
    expectEqual(await hoken.inputValue("#handoff-to"), "kodomo_katei", "こども家庭課");
    await press(hoken, "Tab", "to the button");
    await hoken.keyboard.press("Enter");
    await hoken.waitForFunction(() => document.activeElement?.id === "slip-back", null, { timeout: 10000 });
    // Back to the list: the list page takes the focus once it has drawn (on a loaded machine
    // the body holds it for a moment between the two pages).
    await hoken.keyboard.press("Enter");
    await hoken.waitForFunction(() => document.activeElement?.id === "open-number", null, { timeout: 20000 });
  });

  await steps.step("こども家庭課: open it and find what 市民課 entered", async () => {
    await signInAndOpen(kodomo, server, "kodomo01", number);
    await kodomo.waitForFunction(() => document.querySelector("#item-person-0-kana")?.value === "ケンバン\u3000ハナコ", null, { timeout: 15000 });
    expectEqual(await kodomo.inputValue("#item-person-0-name"), "鍵盤 花子", "name");
    await tabTo(kodomo, "navi-event-tennyu", "to the navi");
    // The last 課 completes the visit: it leaves the open visits and says so.
    await tabTo(kodomo, "complete-button", "to 完了");
    await press(kodomo, "Enter", "完了");
    // Its forms were never confirmed: 完了 asks once more, naming them.
    await kodomo.waitForFunction(() => document.activeElement?.id === "complete-anyway", null, { timeout: 10000 });
    const warning = await kodomo.textContent("#complete-confirm");
    if (!warning.includes("児童手当 認定請求書")) throw new Error(`warning: ${warning}`);
    await press(kodomo, "Enter", "このまま完了する");
    await kodomo.waitForFunction(() => document.activeElement?.id === "slip-back", null, { timeout: 10000 });
    await press(kodomo, "Enter", "back to the list");
    await kodomo.waitForFunction(
      (n) => [...document.querySelectorAll("#today-visits tr")].find((tr) => tr.textContent.includes(`受付番号 ${n}`))?.dataset.state === "completed",
      number,
      { timeout: 15000 },
    );
  });
});
