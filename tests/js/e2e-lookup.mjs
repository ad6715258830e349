// A 転居 pre-filled from a resident lookup: the counter finds the household in the
// register by フリガナ and fills the visit with it, around the applicant the citizen typed at
// the kiosk, the registered address as the old one and the new address left as typed; a
// fill that would replace what was typed shows it and asks. Offline, the lookup says it is
// unavailable while the rest of the screen keeps working.
import { axeAudit, expectEqual, signIn, runSuite, CONTEXT_OPTIONS, kioskVisit } from "./browser.mjs";

const contextOptions = CONTEXT_OPTIONS;

await runSuite("lookup", { args: ["--demo-residents", "400"] }, async ({ steps, server, browser }) => {
  const kiosk = await (await browser.newContext(contextOptions)).newPage();
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  let member;

  await steps.step("a 転居 visit: the applicant typed at the kiosk, the new address at the counter", async () => {
    await signIn(page, server);
    // A member of a household who is not its head (the citizen at the kiosk).
    const found = await page.evaluate(async () => (await (await fetch("/api/residents?q=" + encodeURIComponent("タカハシ"))).json()).residents);
    member = found.find((r) => r.relationship !== "世帯主");
    if (!member) throw new Error("no household member among タカハシ");
    const number = await kioskVisit(kiosk, server);
    await kiosk.focus("#kiosk-person-name-0");
    await kiosk.keyboard.type(member.name, { delay: 10 });
    await kiosk.focus("#kiosk-person-kana-0");
    await kiosk.keyboard.type(member.kana.replace("\u3000", " "), { delay: 10 });
    await kiosk.keyboard.press("Tab");
    await page.fill("#open-number", number);
    await page.press("#open-number", "Enter");
    await page.waitForFunction((n) => document.querySelector("#item-person-0-name")?.value === n, member.name, { timeout: 15000 });
    await page.focus("#navi-event-tenkyo");
    await page.keyboard.press("Space");
    await page.waitForSelector("#form-jumin-idou-tenkyo");
    for (const [id, text] of [["#item-household-address", "群馬県高崎市八島町222番地"], ["#item-household-postal-code", "370-0849"]]) {
      await page.focus(id);
      await page.keyboard.type(text, { delay: 10 });
      await page.keyboard.press("Tab");
    }
  });

  await steps.step("the register is searched by フリガナ (half-width input works)", async () => {
    await page.fill("#lookup-query", "ﾀｶﾊｼ");
    await page.click("#lookup-submit");
    await page.waitForSelector("#lookup-results tbody tr");
    const kanas = await page.$$eval("#lookup-results tbody tr td:nth-child(2)", (tds) => tds.map((td) => td.textContent));
    if (!kanas.length || !kanas.every((k) => k.startsWith("タカハシ"))) throw new Error(`results: ${kanas}`);
    await steps.shot(page, "01-results", { manual: "counter-lookup" });
  });

  await steps.step("the household fills the visit around the applicant; the registered address becomes the old one", async () => {
    await page.focus(`#lookup-results tr[data-atena="${member.atena_number}"] .use-household`);
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      (a) => document.querySelector("#item-visit-previous-address")?.value === a,
      member.address,
      { timeout: 10000 },
    );
    await page.waitForFunction(() => document.querySelector('#history li[data-action="filled_from_register"]')?.textContent.includes("住基から入力した: 世帯全員"));
    // Nothing typed was replaced, so nothing was asked.
    expectEqual(await page.locator("#fill-confirm").count(), 0, "no question when only blanks are filled");
    expectEqual(await page.inputValue("#item-person-0-name"), member.name, "the applicant keeps the first row");
    await page.waitForSelector("#item-person-1-name");
    const names = [];
    for (let i = 0; await page.$(`#item-person-${i}-name`); i++) names.push(await page.inputValue(`#item-person-${i}-name`));
    expectEqual(new Set(names).size, names.length, `no one twice (${names})`);
    const relationships = [];
    for (let i = 0; i < names.length; i++) relationships.push(await page.inputValue(`#item-person-${i}-relationship`));
    if (!relationships.includes("世帯主")) throw new Error(`no 世帯主 among ${relationships}`);
    // The new address and its 郵便番号 stay as typed: the register's are the old ones.
    expectEqual(await page.inputValue("#item-household-address"), "群馬県高崎市八島町222番地", "new address");
    expectEqual(await page.inputValue("#item-household-postal-code"), "370-0849", "new postal code");
    await steps.shot(page, "02-filled", { manual: "counter-lookup-filled" });
  });

  await steps.step("a fill that would replace what was typed shows it and asks", async () => {
    // The name at the kiosk had a slip; the register's is the right one.
    await page.focus("#item-person-0-name");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("高橋 あおい", { delay: 10 });
    await page.keyboard.press("Tab");
    const usePerson = `#lookup-results tr[data-atena="${member.atena_number}"] .use-person`;
    await page.focus(usePerson);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#fill-confirm");
    await page.waitForFunction(() => document.activeElement?.id === "fill-replace");
    // The panel shows the name as the document holds it; on a loaded machine the last key
    // typed may reach the document a moment after the panel opens, and the panel follows.
    const rowsOf = () => page.$$eval("#fill-changes tbody tr", (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    const expected = JSON.stringify([["1人目 氏名", "高橋 あおい", member.name]]);
    await page
      .waitForFunction(
        (want) => JSON.stringify([...document.querySelectorAll("#fill-changes tbody tr")].map((tr) => [...tr.children].map((c) => c.textContent))) === want,
        expected,
        { timeout: 10000 },
      )
      .catch(() => {});
    expectEqual(JSON.stringify(await rowsOf()), expected, "the one replacement");
    await axeAudit(steps, page, "03-asked");
    // 空欄だけ: the typed name stays.
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#fill-confirm", { state: "detached" });
    await page.waitForFunction(() => document.activeElement?.id === "lookup-query");
    expectEqual(await page.inputValue("#item-person-0-name"), "高橋 あおい", "kept");
    // Asked again and answered 置き換える: the register's name.
    await page.focus(usePerson);
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.activeElement?.id === "fill-replace");
    await page.keyboard.press("Enter");
    await page.waitForFunction((n) => document.querySelector("#item-person-0-name")?.value === n, member.name, { timeout: 10000 });
  });

  await steps.step("高松町's 郵便番号 beside a 八島町 address is a warning naming both", async () => {
    await page.focus("#item-household-postal-code");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("370-0829", { delay: 10 });
    await page.keyboard.press("Tab");
    const note = await page.waitForSelector('#item-household-postal-code-notes [data-code="postal_code.town"]', { timeout: 10000 });
    expectEqual(await note.textContent(), "郵便番号 370-0829 は高松町の番号です。八島町は 370-0849 です。", "warning");
    await page.focus("#item-household-postal-code");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("370-0849", { delay: 10 });
    await page.keyboard.press("Tab");
    await page.waitForSelector('#item-household-postal-code-notes [data-code="postal_code.town"]', { state: "detached" });
  });

  await steps.step("offline, the lookup is unavailable and the rest keeps working", async () => {
    await server.kill();
    await context.setOffline(true);
    await page.waitForSelector("#lookup-offline");
    await page.fill("#item-household-address", "群馬県高崎市八島町223番地");
    await page.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("未送信"));
    await steps.shot(page, "03-offline", { manual: "counter-lookup-offline" });
  });
});
