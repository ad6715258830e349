// The whole 転入 journey of a family of three: their data, entered once at the counter,
// fills the 住民異動届, the 国民健康保険異動届 and the 児童手当認定請求書; the network is cut in
// the middle and restored, and nothing entered is lost.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { signIn, runSuite, CONTEXT_OPTIONS, waitControlled, kioskVisit, expectEqual } from "./browser.mjs";

const contextOptions = CONTEXT_OPTIONS;
const FAMILY = [
  { name: "前橋 健太", kana: "マエバシ ケンタ", birth: "昭和62年6月1日", sex: "male", rel: "世帯主" },
  { name: "前橋 美咲", kana: "マエバシ ミサキ", birth: "平成2年9月15日", sex: "female", rel: "妻" },
  { name: "前橋 蓮", kana: "マエバシ レン", birth: "平成30年2月3日", sex: "male", rel: "子" },
];

const badge = (page, text, timeout = 45000) =>
  page.waitForFunction((t) => document.querySelector("#sync-badge")?.textContent.includes(t), text, { timeout });

await runSuite("tennyu-family", {}, async ({ steps, server, browser }) => {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  let visitUrl;

  await steps.step("reception: the kiosk takes a number", async () => {
    const number = await kioskVisit(page, server, FAMILY[0].name);
    await signIn(page, server);
    await waitControlled(page);
    await page.fill("#open-number", number);
    await page.press("#open-number", "Enter");
    await page.waitForFunction((n) => document.querySelector("#item-person-0-name")?.value === n, FAMILY[0].name);
    visitUrl = page.url();
  });

  await steps.step("the navi: moving in from 前橋市 with a child, joining 国保", async () => {
    await page.check("#navi-event-tennyu");
    await page.check("#navi-fact-children");
    await page.check("#navi-fact-kokuho");
    for (const form of ["jumin-idou-tennyu", "kokuho-idou", "jidou-teate-nintei"]) {
      await page.waitForSelector(`#fold-${form}`);
    }
    await steps.shot(page, "01-plan");
  });

  await steps.step("Alt+N goes from form to form of this 課, passing the other 課's folded ones, and wraps", async () => {
    const formOf = () =>
      page.evaluate(() => document.activeElement?.closest("fieldset.form-section[id^='form-']")?.id ?? null);
    const open = await page.$$eval("fieldset.form-section[id^='form-']", (forms) =>
      forms.filter((f) => !f.closest("details:not([open])")).map((f) => f.id),
    );
    const folded = await page.$$eval("fieldset.form-section[id^='form-']", (forms) =>
      forms.filter((f) => f.closest("details:not([open])")).map((f) => f.id),
    );
    if (open.length < 1 || folded.length < 2) throw new Error(`open ${open}, folded ${folded}`);
    await page.focus("#item-person-0-name");
    const seen = [];
    for (let i = 0; i <= open.length; i++) {
      await page.keyboard.press("Alt+KeyN");
      await page.waitForFunction(() => document.activeElement?.closest("fieldset.form-section[id^='form-']"));
      seen.push(await formOf());
    }
    // Every form of this 課 in page order, then the first again; never a folded one.
    expectEqual(seen.join(" "), [...open, open[0]].join(" "), "the forms Alt+N went through");
  });

  await steps.step("the family entered once; the network is cut in the middle", async () => {
    for (let i = 1; i < FAMILY.length; i++) {
      await page.click("#add-person");
      await page.waitForSelector(`#item-person-${i}-name`);
    }
    for (const [i, p] of FAMILY.entries()) {
      if (i === 1) {
        // Halfway through: the server goes away.
        await badge(page, "同期済み");
        await server.kill();
        await context.setOffline(true);
        await badge(page, "オフライン");
      }
      await page.fill(`#item-person-${i}-name`, p.name);
      await page.fill(`#item-person-${i}-kana`, p.kana);
      await page.fill(`#item-person-${i}-birth-date`, p.birth);
      await page.selectOption(`#item-person-${i}-sex`, p.sex);
      await page.fill(`#item-person-${i}-relationship`, p.rel);
    }
    await page.fill("#item-household-address", "群馬県高崎市高松町35番地1");
    await page.fill("#item-visit-previous-address", "群馬県前橋市大手町二丁目12番1号");
    await badge(page, "未送信");
    await steps.shot(page, "02-entered-offline");
  });

  await steps.step("the network comes back; everything reaches the server", async () => {
    await server.start();
    await context.setOffline(false);
    await badge(page, "同期済み");
    // A fresh terminal sees the whole family.
    const other = await (await browser.newContext(contextOptions)).newPage();
    await signIn(other, server, "shimin02");
    await other.goto(visitUrl);
    await other.waitForFunction((n) => document.querySelector("#item-person-2-name")?.value === n, FAMILY[2].name, { timeout: 20000 });
  });

  for (const form of ["jumin_idou_tennyu", "kokuho_idou", "jidou_teate_nintei"]) {
    await steps.step(`${form} carries the family, entered once`, async () => {
      await page.goto(visitUrl);
      // Another 課's form is folded on 市民課's screen: unfolded from its summary.
      const fold = `#fold-${form.replaceAll("_", "-")}`;
      await page.waitForSelector(fold);
      if (!(await page.$eval(fold, (d) => d.open))) await page.click(`${fold} > summary`);
      await page.click(`#print-${form.replaceAll("_", "-")}`);
      await page.waitForSelector("#paper");
      await page.emulateMedia({ media: "print" });
      const pdf = await page.pdf({ format: "A4", printBackground: true });
      await page.emulateMedia({ media: "screen" });
      const file = join(steps.shots, `${form}.pdf`);
      writeFileSync(file, pdf);
      const text = execFileSync("pdftotext", [file, "-"]).toString().replace(/\s+/g, "");
      // The 児童手当 form lists the child among 支給要件児童 and the claimant (person 1).
      const expected = form === "jidou_teate_nintei" ? [FAMILY[0], FAMILY[2]] : FAMILY;
      for (const p of expected) {
        if (!text.includes(p.name.replace(/\s+/g, ""))) throw new Error(`${form} lacks ${p.name}`);
      }
      if (form !== "jidou_teate_nintei") {
        if (!text.includes("平成30年2月3日")) throw new Error(`${form} lacks the child's 和暦 birth date`);
      }
      await steps.shot(page, `paper-${form}`);
    });
  }
});
