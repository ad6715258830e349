// Printing: a visit's forms print on A4 from Chromium, with the applicant's name and the
// 和暦 birth date on the page (checked with pdftotext on Chromium's PDF).
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expectEqual, signIn, runSuite, CONTEXT_OPTIONS, kioskVisit, pickDate } from "./browser.mjs";

const contextOptions = CONTEXT_OPTIONS;

await runSuite("print", {}, async ({ steps, server, browser }) => {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  let visitUrl;
  await steps.step("a 転入 visit with the applicant and a child", async () => {
    const number = await kioskVisit(page, server, "前橋 京子");
    await page.focus("#kiosk-person-kana-0");
    await page.keyboard.type("マエバシ キョウコ");
    await pickDate(page, "kiosk-person-birth-date-0", "AD", 1985, 7, 23);
    await signIn(page, server);
    await page.fill("#open-number", number);
    await page.press("#open-number", "Enter");
    await page.waitForFunction(() => document.querySelector("#item-person-0-name")?.value === "前橋 京子");
    visitUrl = page.url();
    await page.check("#navi-event-tennyu");
    await page.check("#navi-fact-children");
    await page.waitForSelector("#fold-jidou-teate-nintei");
    await page.fill("#item-household-address", "群馬県高崎市高松町35番地1");
    await page.click("#add-person");
    await page.waitForSelector("#item-person-1-name");
    await page.fill("#item-person-1-name", "前橋 陽太");
    await page.fill("#item-person-1-birth-date", "2016-05-05");
    await page.fill("#item-person-1-relationship", "子");
  });

  // The signature box is captioned with the word each sheet prints for its 届出人.
  for (const [form, extra, signer] of [
    ["jumin_idou_tennyu", "昭和60年7月23日", "届出人署名"],
    ["jidou_teate_nintei", "平成28年5月5日", "請求者署名"],
  ]) {
    await steps.step(`${form} prints on A4 with the name and 和暦 dates`, async () => {
      await page.goto(visitUrl);
      // Another 課's form is folded on 市民課's screen: unfolded from its summary.
      const fold = `#fold-${form.replaceAll("_", "-")}`;
      await page.waitForSelector(fold);
      if (!(await page.$eval(fold, (d) => d.open))) {
        await page.focus(`${fold} > summary`);
        await page.keyboard.press("Enter");
      }
      await page.waitForSelector(`#print-${form.replaceAll("_", "-")}`);
      // From the bottom of the visit screen, as a counter reaches the form's link.
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.click(`#print-${form.replaceAll("_", "-")}`);
      await page.waitForSelector("#paper");
      await page.waitForFunction(() => document.querySelector("#paper")?.textContent.includes("前橋 京子"));
      await steps.shot(page, `preview-${form}`);
      await page.emulateMedia({ media: "print" });
      const pdf = await page.pdf({ format: "A4", printBackground: true });
      await page.emulateMedia({ media: "screen" });
      const file = join(steps.shots, `${form}.pdf`);
      writeFileSync(file, pdf);
      const text = execFileSync("pdftotext", [file, "-"]).toString();
      const pages = (text.match(/\f/g) ?? []).length;
      // Table cells wrap and pad: compare without white space.
      const flat = text.replace(/\s+/g, "");
      // Not confirmed yet: the paper says 下書き. The preview opened at its top.
      expectEqual(await page.evaluate(() => window.scrollY), 0, "the preview opens at its top");
      for (const needle of ["前橋 京子", "昭和60年7月23日", extra, signer, "下書き"]) {
        if (!flat.includes(needle.replace(/\s+/g, ""))) throw new Error(`${form}: PDF lacks ${needle}:\n${text}`);
      }
      expectEqual(pages >= 1, true, "at least one page");
      if (form === "jidou_teate_nintei") {
        // The children's table lists the child, not the parent.
        const children = await page.textContent(".paper-section:has(h2:text('支給要件児童'))");
        expectEqual(children.includes("前橋 陽太") && !children.includes("前橋 京子"), true, "children rows");
      }
    });
  }
});
