// A key typed is a key stored, and focus stays where the person is (issue 19, first part):
// - a refused sign-in keeps the login, empties only the password and puts the caret there;
// - fields take keys at scanner speed (5 ms a key): フリガナ, 生年月日, 通数, カード所持人数;
// - the day's list, refreshed every 3 s as citizens arrive, keeps the focused row its visit's;
// - at the kiosk, a second Enter after 入力を終える does not throw the number away.
import {
  expectEqual,
  runSuite,
  CONTEXT_OPTIONS,
  kioskVisit,
  openByNumber,
  startKiosk,
  TEST_PASSWORD,
} from "./browser.mjs";

const focusedId = (page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);

await runSuite("focus", {}, async ({ steps, server, browser }) => {
  const kiosk = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
  const page = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
  let first;

  await steps.step("a refused sign-in keeps the login and asks only for the password again", async () => {
    first = await kioskVisit(kiosk, server, "焦点 一郎");
    await page.goto(`${server.url}#/counter`);
    await page.waitForSelector("#signin-login");
    await page.focus("#signin-login");
    await page.keyboard.type("shimin01", { delay: 20 });
    await page.keyboard.press("Tab");
    await page.keyboard.type("not-the-password", { delay: 20 });
    await page.keyboard.press("Enter");
    await page.waitForSelector("#signin-error:not([hidden])");
    expectEqual(await page.inputValue("#signin-login"), "shimin01", "login kept");
    expectEqual(await page.inputValue("#signin-password"), "", "password emptied");
    expectEqual(await focusedId(page), "signin-password", "caret in the password");
    await page.keyboard.type(TEST_PASSWORD, { delay: 20 });
    await page.keyboard.press("Enter");
    await page.waitForSelector("#open-number");
  });

  await steps.step("the day's list keeps the focused row its visit's when a citizen arrives", async () => {
    await page.waitForSelector("#today-visits tbody tr");
    const link = `#today-visits a[href$="${await page.$eval("#today-visits tbody tr a", (a) => a.getAttribute("href").split("/").pop())}"]`;
    const href = await page.$eval(link, (a) => a.getAttribute("href"));
    await page.focus(link);
    const before = await page.$$eval("#today-visits tbody tr", (trs) => trs.length);
    await kioskVisit(await kiosk.context().newPage(), server, "焦点 二郎");
    await page.waitForFunction((n) => document.querySelectorAll("#today-visits tbody tr").length > n, before, { timeout: 15000 });
    const focused = await page.evaluate(() => document.activeElement?.getAttribute("href"));
    expectEqual(focused, href, "the focused link still opens the same visit");
  });

  await steps.step("fields take keys at scanner speed (5 ms a key)", async () => {
    await openByNumber(page, first, "焦点 一郎");
    await page.focus("#navi-event-tennyu");
    await page.keyboard.press("Space");
    await page.waitForSelector("#item-person-0-kana");
    for (const [selector, typed, stored] of [
      ["#item-person-0-kana", "ｼｮｳﾃﾝ ｲﾁﾛｳ", "ショウテン\u3000イチロウ"],
      ["#item-person-0-birth-date", "令和2年12月31日", "2020-12-31"],
      ["#item-person-0-birth-date", "1980-05-16", "1980-05-16"],
    ]) {
      await page.focus(selector);
      await page.keyboard.press("Control+A");
      await page.keyboard.press("Backspace");
      await page.keyboard.type(typed, { delay: 5 });
      expectEqual(await focusedId(page), selector.slice(1), `${typed}: focus kept while typing`);
      await page.keyboard.press("Tab");
      await page.waitForFunction(
        ([s, v]) => document.querySelector(s).value === v,
        [selector, stored],
        { timeout: 10000 },
      ).catch(async () => {
        throw new Error(`${typed}: stored ${JSON.stringify(await page.inputValue(selector))}`);
      });
    }
    await page.focus("#navi-card-holders");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("12", { delay: 5 });
    await page.keyboard.press("Tab");
    await page
      .waitForFunction(() => document.querySelector("#navi-card-holders").value === "12", null, { timeout: 10000 })
      .catch(async () => {
        throw new Error(`card holders: ${JSON.stringify(await page.inputValue("#navi-card-holders"))}, focus ${await focusedId(page)}`);
      });
  });

  await steps.step("after each action the focus is in a defined place, never on the page body", async () => {
    const notBody = async (what) => {
      const id = await focusedId(page);
      if (id === "BODY" || id === "") throw new Error(`${what}: the focus fell to the page body`);
      return id;
    };
    // A checkbox that adds forms, with Space: the focus stays on it.
    await page.focus("#navi-fact-kokuho");
    await page.keyboard.press("Space");
    await page.waitForSelector("#fold-kokuho-idou");
    expectEqual(await notBody("a fact ticked"), "navi-fact-kokuho", "the ticked fact");
    // Unticking a procedure keeps the focus on its checkbox.
    const procedure = await page.$eval("#navi-plan li input", (i) => i.id);
    await page.focus(`#${procedure}`);
    await page.keyboard.press("Space");
    await page.waitForTimeout(300);
    expectEqual(await notBody("a procedure unticked"), procedure, "the unticked procedure");
    await page.keyboard.press("Space");
    // A person added, then removed: the focus goes to 人を追加.
    await page.focus("#add-person");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#person-1 .remove");
    await page.focus("#person-1 .remove");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => !document.querySelector("#person-1"));
    await page.waitForTimeout(200);
    expectEqual(await notBody("a person removed"), "add-person", "人を追加");
    // 確認する keeps the focus while the server decides, and the decision is said once.
    const form = await page.$eval("fieldset.form-section[id^='form-'] button[id^='confirm-']", (b) => b.id);
    await page.focus(`#${form}`);
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      (f) => ["refused", "confirmed"].includes(document.querySelector(`#status-${f.slice("confirm-".length)}`)?.dataset.state),
      form,
      { timeout: 20000 },
    );
    expectEqual(await notBody("確認する"), form, "確認する keeps the focus");
    await page.waitForFunction(() => /確認済み|差戻し|エラー/.test(document.querySelector("#announcer").textContent), null, { timeout: 5000 });
    // The print preview and back: the print button, then the visit's title.
    const print = await page.$eval(".print-link", (a) => a.id);
    await page.focus(`#${print}`);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#print-button");
    await page.waitForFunction(() => document.activeElement?.id === "print-button", null, { timeout: 5000 });
    await page.focus(".print-actions a");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.activeElement?.id === "visit-title", null, { timeout: 5000 });
    // Handed on: the slip with the focus on its button, said once; then the counter's home
    // with the caret in 受付番号.
    // 回す with no 課 chosen: said beside the row (seen, and heard), the caret in the choice.
    await page.focus("#handoff-button");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.activeElement?.id === "handoff-to", null, { timeout: 5000 });
    expectEqual((await page.textContent("#handoff-missing")).trim(), "回付先の課を選んでください。", "what 回す lacks");
    await page.keyboard.press("ArrowDown");
    await page.waitForSelector("#handoff-missing", { state: "detached" });
    await page.focus("#handoff-button");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.activeElement?.id === "slip-back", null, { timeout: 5000 });
    await page.waitForFunction(() => document.querySelector("#announcer").textContent.includes("へ回しました"));
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.activeElement?.id === "open-number", null, { timeout: 5000 });
  });

  await steps.step("at the kiosk a second Enter after 次へ keeps the slip on screen", async () => {
    const tablet = await kiosk.context().newPage();
    await tablet.goto(`${server.url}#/kiosk`);
    await startKiosk(tablet, server);
    const kiosk2 = tablet;
    await kiosk2.focus("#kiosk-done");
    await kiosk2.keyboard.press("Enter");
    await kiosk2.waitForSelector("#reception-number-final");
    await kiosk2.keyboard.press("Enter");
    await kiosk2.waitForTimeout(500);
    expectEqual(await kiosk2.locator("#reception-number-final").count(), 1, "the number is still shown");
    expectEqual(await kiosk2.getAttribute("#reception-number-final", "role"), "status", "said aloud");
    // The focus went to the slip's heading, where Enter does nothing.
    expectEqual(await kiosk2.evaluate(() => document.activeElement?.id), "kiosk-slip-title", "the focus on the slip's title");
  });
});
