// Handing a visit on: 市民課 opens it (the list shows who holds it), hands it to 保険年金課,
// where it appears on that 課's list at once; the history shows who did what and where.
// 市民課 opening it again (to look, to reprint) takes nothing: 保険年金課 keeps it, with its
// holder and waiting time, through reloads; 「取り戻す」 moves it back, and is audited.
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
    await shimin.click("#slip-back");
    await shimin.waitForSelector("#open-number");
    await hoken.waitForFunction(
      (n) => [...document.querySelectorAll("#today-visits tr")].some((tr) => tr.textContent.includes(`受付番号 ${n}`)),
      number,
      { timeout: 15000 },
    );
    await steps.shot(hoken, "02-hoken-list", { manual: "counter-handoff-list" });
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

  await steps.step("市民課 opening it again only looks: 保険年金課 keeps it, holder and waiting time", async () => {
    const row = async (page, n) =>
      page.evaluate(
        (n) => [...document.querySelectorAll("#today-visits tr")].find((tr) => tr.textContent.includes(`受付番号 ${n}`))?.textContent ?? null,
        n,
      );
    const since = async () =>
      hoken.evaluate(async (n) => (await (await fetch(`/api/visits?reception=${n}`)).json())[0], number);
    const before = await since();
    expectEqual(before.department, "hoken_nenkin", "at 保険年金課");
    await shimin.fill("#open-number", number);
    await shimin.press("#open-number", "Enter");
    await shimin.waitForSelector("#held-elsewhere");
    const banner = await shimin.textContent("#held-elsewhere");
    if (!banner.includes("保険年金課で対応中")) throw new Error(`banner: ${banner}`);
    expectEqual(await shimin.isDisabled("#item-person-0-name"), true, "the fields are read-only");
    expectEqual(await shimin.isDisabled("#handoff-button"), true, "回す is not offered");
    await steps.shot(shimin, "04-read-only", { manual: "counter-read-only" });
    // Reloaded and reconnected, it still takes nothing.
    await shimin.reload();
    await shimin.waitForSelector("#held-elsewhere");
    await shimin.waitForTimeout(1500);
    const after = await since();
    expectEqual(after.department, "hoken_nenkin", "still at 保険年金課");
    expectEqual(after.holder, "保険 花子", "still held by 保険 花子");
    expectEqual(after.waiting_since, before.waiting_since, "waiting time kept");
    await hoken.goto(`${server.url}#/counter`);
    await hoken.waitForFunction((n) => [...document.querySelectorAll("#today-visits tr")].some((tr) => tr.textContent.includes(`受付番号 ${n}`) && tr.textContent.includes("保険 花子")), number, { timeout: 15000 });
    if (!(await row(hoken, number))) throw new Error("gone from 保険年金課's list");
  });

  await steps.step("「取り戻す」 moves it back to 市民課, in the history and the audit log", async () => {
    // 保険年金課 has it open, the caret in a field.
    await hoken.click(`#today-visits a:text("受付番号 ${number}")`);
    await hoken.waitForSelector("#item-person-0-kana");
    await hoken.waitForFunction(() => !document.querySelector("#item-person-0-kana").disabled);
    await hoken.focus("#item-person-0-kana");
    await shimin.focus("#take-back");
    await shimin.keyboard.press("Enter");
    await shimin.waitForSelector("#held-elsewhere", { state: "detached" });
    await shimin.waitForFunction(() => document.activeElement?.id === "visit-title");
    expectEqual(await shimin.isDisabled("#item-person-0-name"), false, "editable again");
    await shimin.waitForFunction(() => document.querySelector("#history")?.textContent.includes("市民 一郎 が 保険年金課 から取り戻した (市民課)"), null, { timeout: 15000 });
    // On 保険年金課's screen the visit turned read-only: said once, and the focus is on the
    // banner's 取り戻す, not on the page body.
    await hoken.waitForFunction(() => document.activeElement?.id === "take-back", null, { timeout: 15000 });
    await hoken.waitForFunction(() => document.querySelector("#announcer").textContent.includes("市民課に移りました"));
    await hoken.goto(`${server.url}#/counter`);
    await hoken.waitForFunction(
      (n) => ![...document.querySelectorAll("#today-visits tr")].some((tr) => tr.textContent.includes(`受付番号 ${n}`)),
      number,
      { timeout: 15000 },
    );
    const admin = await (await browser.newContext(contextOptions)).newPage();
    await signIn(admin, server, "admin01");
    const log = await admin.evaluate(async () => (await (await fetch("/api/audit")).json()));
    const entries = Array.isArray(log) ? log : log.entries;
    const moved = entries.filter((e) => e.action === "visit_taken_back");
    expectEqual(moved.length, 1, "one visit_taken_back in the audit log");
    if (!moved[0].detail.includes(`受付${number} 保険年金課 → 市民課`)) throw new Error(`audit detail: ${moved[0].detail}`);
  });

  await steps.step("a reception number typed in full width opens the visit; letters are named, not the network", async () => {
    await shimin.goto(`${server.url}#/counter`);
    await shimin.waitForSelector("#open-number");
    const wide = String(number).replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
    await shimin.focus("#open-number");
    await shimin.keyboard.type(wide, { delay: 20 });
    await shimin.keyboard.press("Enter");
    await shimin.waitForFunction((n) => document.querySelector("#visit-reception-number")?.textContent === n, String(number), { timeout: 15000 });
    await shimin.goto(`${server.url}#/counter`);
    await shimin.waitForSelector("#open-number");
    await shimin.focus("#open-number");
    await shimin.keyboard.type("6a", { delay: 20 });
    await shimin.keyboard.press("Enter");
    const problem = await shimin.waitForSelector(".problem");
    const text = await problem.textContent();
    if (!text.includes("受付番号は数字で入力してください")) throw new Error(`problem: ${text}`);
    if (text.includes("接続")) throw new Error(`a network problem named: ${text}`);
  });

  await steps.step("取消 asks for its reason on screen, then cancels the visit with it, by keyboard", async () => {
    // The next citizen, at the kiosk's next start.
    const tablet = await kiosk.context().newPage();
    const second = await kioskVisit(tablet, server, "倉渕 三郎");
    await shimin.goto(`${server.url}#/counter`);
    await shimin.waitForSelector("#open-number");
    await shimin.focus("#open-number");
    await shimin.keyboard.type(second, { delay: 20 });
    await shimin.keyboard.press("Enter");
    await shimin.waitForSelector("#cancel-button");
    // No reason: said under the row, the caret in the reason.
    await shimin.focus("#cancel-button");
    await shimin.keyboard.press("Enter");
    await shimin.waitForFunction(() => document.activeElement?.id === "cancel-reason", null, { timeout: 5000 });
    expectEqual((await shimin.textContent("#cancel-missing")).trim(), "取消の理由を入力してください。", "what 取消 lacks");
    await shimin.keyboard.type("書類不足のため後日来庁", { delay: 20 });
    await shimin.waitForSelector("#cancel-missing", { state: "detached" });
    await shimin.keyboard.press("Tab");
    expectEqual(await shimin.evaluate(() => document.activeElement?.id), "cancel-button", "Tab reaches 取消");
    await shimin.keyboard.press("Enter");
    await shimin.waitForFunction(
      (n) => document.querySelector("#handoff-slip")?.textContent.includes(`受付番号 ${n}: 取り消しました。`),
      second,
      { timeout: 5000 },
    );
    // The day's list shows it 取消, among the closed visits at the bottom.
    await shimin.waitForFunction(() => document.activeElement?.id === "slip-back", null, { timeout: 5000 });
    await shimin.keyboard.press("Enter");
    await shimin.waitForSelector("#open-number");
    await shimin.waitForFunction(
      (n) => [...document.querySelectorAll("#today-visits tr.closed")].some((tr) => tr.textContent.includes(`受付番号 ${n}`) && tr.textContent.includes("取消")),
      second,
      { timeout: 15000 },
    );
  });
});
