// The visit screen on a counter's 1920×1080 (issue 12): a section index beside the visit
// that stays in view, two columns of fields, this 課's forms first and the other 課' folded,
// a shared item only one form asks for shown with that form; no horizontal scrolling.
import { axeAudit, expectEqual, signIn, runSuite, kioskVisit, openByNumber } from "./browser.mjs";

const WIDE = { viewport: { width: 1920, height: 1080 }, locale: "ja-JP", timezoneId: "Asia/Tokyo" };

await runSuite("layout", {}, async ({ steps, server, browser }) => {
  const kiosk = await (await browser.newContext(WIDE)).newPage();
  const number = await kioskVisit(kiosk, server, "高崎 花子");
  const page = await (await browser.newContext(WIDE)).newPage();
  await signIn(page, server);
  await openByNumber(page, number, "高崎 花子");

  await steps.step("a 転入 with children and 国保: forms of three 課, this 課's first, the others folded", async () => {
    for (const id of ["#navi-event-tennyu", "#navi-fact-children", "#navi-fact-kokuho"]) {
      await page.focus(id);
      await page.keyboard.press("Space");
    }
    await page.waitForSelector("#fold-jidou-teate-nintei");
    await page.waitForSelector("#fold-kokuho-idou");
    // Two facts ticked a key apart both hold (the second once took the first away).
    await page.waitForTimeout(1000);
    expectEqual(await page.isChecked("#navi-fact-children"), true, "children kept");
    expectEqual(await page.locator("#fold-jidou-teate-nintei").count(), 1, "児童手当 kept");
    const folds = await page.$$eval("details.form-fold", (ds) => ds.map((d) => [d.id, d.open]));
    expectEqual(folds[0][0], "fold-jumin-idou-tennyu", "市民課's form first");
    expectEqual(folds[0][1], true, "市民課's form open");
    for (const [id, open] of folds.slice(1)) {
      if (["fold-kokuho-idou", "fold-kokuho-kani-shinkoku", "fold-jidou-teate-nintei"].includes(id)) {
        expectEqual(open, false, `${id} folded`);
      }
    }
    // 児童手当's bank account is asked by that form alone: it sits with the form.
    expectEqual(await page.locator("#form-jidou-teate-nintei #item-visit-bank-name").count(), 1, "bank with its form");
    expectEqual(await page.locator("#section-shared #item-visit-bank-name").count(), 0, "not among the shared items");
  });

  await steps.step("no horizontal scrolling; the page is shorter than one long column", async () => {
    const size = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      width: window.innerWidth,
      height: document.documentElement.scrollHeight,
      fieldsPerRow: (() => {
        const tops = [...document.querySelectorAll("#section-shared .field")].map((f) => Math.round(f.getBoundingClientRect().top));
        return tops.length / new Set(tops).size;
      })(),
    }));
    if (size.scrollWidth > size.width) throw new Error(`horizontal scroll: ${size.scrollWidth} > ${size.width}`);
    expectEqual(size.fieldsPerRow >= 1.5, true, `two columns of fields (${size.fieldsPerRow.toFixed(2)} a row)`);
    console.log(`     1920×1080: page ${size.height} px high, ${size.fieldsPerRow.toFixed(2)} fields a row`);
    await steps.shot(page, "01-visit-1920");
    await axeAudit(steps, page, "02-visit-1920-axe");
  });

  await steps.step("the section index stays in view and takes the person into a folded form", async () => {
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    const top = await page.$eval("#section-index", (n) => n.getBoundingClientRect().top);
    expectEqual(top >= 0 && top < 60, true, `index in view after scrolling (top ${top})`);
    const entries = await page.$$eval("#section-index li", (lis) => lis.map((li) => li.textContent));
    for (const part of ["手続きナビ", "住民検索", "届出・世帯", "申請者・異動者", "住民異動届 (転入)", "国民健康保険異動届", "児童手当 認定請求書"]) {
      if (!entries.some((e) => e.includes(part))) throw new Error(`index lacks ${part}: ${entries}`);
    }
    await page.focus('#section-index li[data-form="kokuho_idou"] button');
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelector("#fold-kokuho-idou").open);
    await page.waitForFunction(() => document.activeElement?.closest("#form-kokuho-idou") != null);
    await steps.shot(page, "03-index-jump", { manual: "counter-layout-index" });
  });

  await steps.step("the receiving account: 口座番号 in full width, names that say their kind", async () => {
    await page.focus('#section-index li[data-form="jidou_teate_nintei"] button');
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelector("#fold-jidou-teate-nintei").open);
    const type = async (id, text) => {
      await page.focus(id);
      await page.keyboard.press("Control+A");
      await page.keyboard.type(text, { delay: 10 });
      await page.keyboard.press("Tab");
    };
    await type("#item-visit-bank-name", "群馬");
    await page.waitForSelector('#item-visit-bank-name-notes [data-code="bank.name"]');
    await type("#item-visit-bank-name", "群馬銀行");
    await page.waitForSelector('#item-visit-bank-name-notes [data-code="bank.name"]', { state: "detached" });
    await type("#item-visit-bank-branch", "高崎");
    await page.waitForSelector('#item-visit-bank-branch-notes [data-code="bank.branch"]');
    await type("#item-visit-account-number", "１２３４５");
    await page.waitForFunction(() => document.querySelector("#item-visit-account-number").value === "0012345");
    await type("#item-visit-account-number", "12345678");
    await page.waitForSelector('#item-visit-account-number-notes [data-code="account_number.format"]');
  });
});
