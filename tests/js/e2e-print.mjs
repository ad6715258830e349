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
      await unfold(form);
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
      // The staff's 処理欄 at the foot of every sheet, with the reception number the visit has.
      for (const needle of ["処理欄", "受付", "審査", "証書番号", "手数料", "関連手続"]) {
        if (!flat.includes(needle)) throw new Error(`${form}: PDF lacks the staff box's ${needle}:\n${text}`);
      }
      if (form === "jumin_idou_tennyu" && !flat.includes("☑児童手当")) {
        throw new Error(`the 転入届's 関連手続 lists the 児童手当 claim of the visit:\n${text}`);
      }
      if (form === "jidou_teate_nintei") {
        // The children's table lists the child, not the parent.
        const children = await page.textContent(".paper-section:has(h2:text('支給要件児童'))");
        expectEqual(children.includes("前橋 陽太") && !children.includes("前橋 京子"), true, "children rows");
      }
    });
  }

  /** Opens a form's fold on the visit screen from its summary (another 課's form is folded). */
  async function unfold(form) {
    const fold = `#fold-${form.replaceAll("_", "-")}`;
    await page.waitForSelector(fold);
    if (!(await page.$eval(fold, (d) => d.open))) {
      await page.focus(`${fold} > summary`);
      await page.keyboard.press("Enter");
    }
  }

  /** Adds a procedure the person asks for (手続きを追加) and waits for its form. */
  async function addProcedure(rule, form) {
    await page.goto(visitUrl);
    await page.waitForSelector("#procedure-add");
    await page.selectOption("#procedure-add", rule);
    await page.focus("#procedure-add");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.waitForSelector(`#print-${form.replaceAll("_", "-")}`);
  }

  /** The 転入届 (or another sheet) as the PDF prints it, white space removed. */
  async function printed(form) {
    await page.goto(visitUrl);
    await unfold(form);
    const link = `#print-${form.replaceAll("_", "-")}`;
    await page.waitForSelector(link);
    await page.click(link);
    await page.waitForSelector("#paper");
    await page.emulateMedia({ media: "print" });
    const pdf = await page.pdf({ format: "A4", printBackground: true });
    await page.emulateMedia({ media: "screen" });
    const file = join(steps.shots, `${form}-printed.pdf`);
    writeFileSync(file, pdf);
    return execFileSync("pdftotext", [file, "-"]).toString().replace(/\s+/g, "");
  }

  await steps.step("the 届出人's standing: the person's address is the form's, an agent's is written with the proof", async () => {
    await page.goto(visitUrl);
    await page.waitForSelector("#item-visit-notifier-relation");
    await page.selectOption("#item-visit-notifier-relation", "self");
    await page.waitForFunction(() => document.querySelector("#item-visit-notifier-relation")?.value === "self");
    let flat = await printed("jumin_idou_tennyu");
    if (!flat.includes("住所欄と同じ")) throw new Error(`the person's own address is the form's:\n${flat}`);
    // An agent at the counter: chosen with the keyboard, the address typed key by key.
    await page.goto(visitUrl);
    await page.focus("#item-visit-notifier-relation");
    await page.keyboard.press("Home");
    for (let i = 0; i < 4; i++) await page.keyboard.press("ArrowDown");
    expectEqual(await page.inputValue("#item-visit-notifier-relation"), "agent", "任意代理人 chosen");
    await page.keyboard.press("Tab");
    await page.focus("#item-visit-notifier-address");
    await page.keyboard.type("前橋市大手町二丁目12番1号", { delay: 20 });
    await page.keyboard.press("Tab");
    await page.waitForSelector("#item-visit-proxy-document");
    await page.selectOption("#item-visit-proxy-document", "proxy_letter");
    flat = await printed("jumin_idou_tennyu");
    for (const needle of ["前橋市大手町二丁目12番1号", "任意代理人(委任状)", "確認した代理権の書類", "委任状"]) {
      if (!flat.includes(needle)) throw new Error(`the agent's ${needle} is on the sheet:\n${flat}`);
    }
    if (flat.includes("住所欄と同じ")) throw new Error("an agent's address is their own");
  });

  await steps.step("印鑑登録 prints on 高崎市's 様式第1号: 申請書 and 廃止届 on one sheet, with the 押印欄", async () => {
    await addProcedure("req_inkan_toroku", "inkan_toroku");
    // The agent of a 印鑑登録 brings the 代理人選任届 the applicant wrote (the 委任状 is the
    // 転入届's): ticked from the keyboard on the form's own fields.
    await page.focus("#form-inkan-toroku-appointment-checked");
    await page.keyboard.press("Space");
    await page.waitForFunction(() => document.querySelector("#form-inkan-toroku-appointment-checked")?.checked);
    const flat = await printed("inkan_toroku");
    expectEqual(await page.getAttribute(".sheet-part[data-form=inkan_toroku]", "data-filed"), "true", "the 申請書 part is filed");
    expectEqual(await page.getAttribute(".sheet-part[data-form=inkan_haishi]", "data-filed"), "false", "the 廃止届 part is blank");
    expectEqual(flat.includes("印刷できません"), false, "nothing refused");
    for (const needle of [
      "印鑑登録申請書・印鑑登録廃止届(様式第1号)",
      "代理人選任届(申請者の自署)を確認した",
      "印鑑登録廃止届",
      "登録する印鑑(印影)",
      "保証人の登録印",
      "保証人署名",
      "代理人署名",
    ]) {
      if (!flat.includes(needle)) throw new Error(`様式第1号 lacks ${needle}:\n${flat}`);
    }
    await steps.shot(page, "inkan-yoshiki-1");
  });

  /** Draws a stroke on the pad with the mouse and presses 確定 from the keyboard. */
  async function sign() {
    await page.locator("#sign-canvas").scrollIntoViewIfNeeded();
    const box = await page.locator("#sign-canvas").boundingBox();
    await page.mouse.move(box.x + 0.1 * box.width, box.y + 0.5 * box.height);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) {
      await page.mouse.move(box.x + (0.1 + 0.04 * i) * box.width, box.y + (0.5 + 0.3 * Math.sin(i / 2)) * box.height, { steps: 2 });
    }
    await page.mouse.up();
    await page.focus("#sign-confirm");
    await page.keyboard.press("Enter");
  }

  await steps.step("the agent signs the 代理人 box and the 保証人 their own, each printed in its place", async () => {
    await page.goto(visitUrl);
    await page.waitForSelector("#signature-panel");
    await sign();
    await page.waitForSelector('#sign-state-inkan-toroku[data-signed="true"]');
    // The 保証人 of the 印鑑登録: chosen from the keyboard, only the sheets with their box.
    await page.focus("#sign-who-hoshounin");
    await page.keyboard.press("Space");
    await page.waitForFunction(() => document.querySelector("#sign-who-hoshounin")?.checked);
    const listed = await page.$$eval(".signature-forms li", (ls) => ls.map((l) => l.dataset.form));
    expectEqual(JSON.stringify(listed), JSON.stringify(["inkan_toroku"]), "the 保証人 signs the 印鑑登録申請書 only");
    await sign();
    await page.waitForSelector('#sign-state-inkan-toroku[data-signed="true"]');
    await page.click("#print-inkan-toroku");
    await page.waitForSelector("#paper");
    const state = (role) =>
      page.getAttribute(`.sheet-part[data-form=inkan_toroku] .signature[data-role=${role}]`, "data-signed");
    await page.waitForFunction(() => document.querySelector(".sheet-part[data-form=inkan_toroku] .signature[data-role=hoshounin]")?.dataset.signed === "true");
    expectEqual(await state("dairinin"), "true", "the agent's signature in the 代理人 box");
    expectEqual(await state("todokedenin"), "false", "the 申請者 box left for the applicant");
    expectEqual(await state("hoshounin"), "true", "the 保証人's signature in their box");
    // On the 転入届 the agent files as its 届出人: the one box the sheet has.
    await page.goto(visitUrl);
    await page.click("#print-jumin-idou-tennyu");
    await page.waitForSelector("#paper .signature[data-role=todokedenin][data-signed=true]");
  });

  /** Types into a field key by key, the old value selected first, and leaves it with Tab. */
  async function typeInto(selector, text) {
    await page.focus(selector);
    await page.keyboard.press("Control+A");
    await page.keyboard.type(text, { delay: 15 });
    await page.keyboard.press("Tab");
  }

  /** Chooses a select's option from the keyboard: from 「—」 down to the option's place. */
  async function choose(selector, value) {
    const index = await page.$eval(selector, (s, v) => [...s.options].findIndex((o) => o.value === v), value);
    if (index < 0) throw new Error(`${selector} has no ${value}`);
    await page.focus(selector);
    await page.keyboard.press("Home");
    for (let i = 0; i < index; i++) await page.keyboard.press("ArrowDown");
    await page.waitForFunction(([s, v]) => document.querySelector(s)?.value === v, [selector, value]);
  }

  /** The form's errors as the visit screen lists them, once its count says none are left
   *  (or, after 20 s, the errors that remain, in the failure). */
  async function expectNoErrors(form) {
    const dom = form.replaceAll("_", "-");
    await page.focus(`#confirm-${dom}`).catch(() => {});
    const ok = await page
      .waitForFunction((d) => document.querySelector(`#count-${d}`)?.classList.contains("ok"), dom, { timeout: 20000 })
      .then(() => true)
      .catch(() => false);
    if (!ok) {
      // Every field of the form visited, so that what it lacks is said, then listed.
      const fields = await page.$$("main input:not([type=hidden]), main select");
      for (const f of fields) await f.focus().catch(() => {});
      await page.waitForTimeout(300);
      const left = await page.$$eval(`.field .finding.error`, (fs) =>
        fs.map((f) => `${f.closest(".field")?.querySelector("label")?.textContent ?? "?"}: ${f.textContent}`),
      );
      throw new Error(`${form}: ${await page.textContent(`#count-${dom}`)}\n${left.join("\n")}`);
    }
  }

  await steps.step("an agent with a 委任状 asks for the 住民票の写し: checked, signed in the 代理人 box, fee printed", async () => {
    await addProcedure("req_juminhyo", "juminhyo_inkan_kofu");
    await unfold("juminhyo_inkan_kofu");
    // The agent (任意代理人 with a 委任状, chosen for the visit above) and the person who sent
    // them (住基法12条2項: both names and addresses).
    expectEqual(await page.inputValue("#item-visit-notifier-relation"), "agent", "the agent at the counter");
    await typeInto("#item-visit-notified-on", "R8.11.30");
    await typeInto("#item-visit-notifier-name", "高崎 一郎");
    await typeInto("#item-visit-notifier-birth-date", "S50.3.4");
    await typeInto("#item-visit-notifier-phone", "027-321-1111");
    await choose("#item-visit-identity-document", "driver_license");
    await typeInto("#form-juminhyo-inkan-kofu-principal-name", "前橋 京子");
    await typeInto("#form-juminhyo-inkan-kofu-principal-address", "群馬県高崎市高松町35番地1");
    await typeInto("#item-household-head-name", "前橋 京子");
    await typeInto("#form-juminhyo-inkan-kofu-copies-juminhyo-all", "２");
    await typeInto("#form-juminhyo-inkan-kofu-purpose", "年金の手続き");
    // The 個人番号 asked for by an agent: not handed over, mailed to the person (the rule
    // names the way and the screen says so until it is chosen).
    await page.focus("#form-juminhyo-inkan-kofu-with-my-number");
    await page.keyboard.press("Space");
    await page.waitForFunction(() =>
      [...document.querySelectorAll("#fold-juminhyo-inkan-kofu .finding.error")].some((f) => f.textContent.includes("本人の住所へ郵送")),
    );
    await choose("#form-juminhyo-inkan-kofu-delivery", "mail");
    await expectNoErrors("juminhyo_inkan_kofu");
    // The agent signs: the pad offers the 交付請求書's 代理人 box.
    await page.waitForSelector("#signature-panel");
    await page.focus("#sign-who-counter");
    await page.keyboard.press("Space");
    const listed = await page.$$eval(".signature-forms li", (ls) => ls.map((l) => l.dataset.form));
    if (!listed.includes("juminhyo_inkan_kofu")) throw new Error(`the 交付請求書 is offered to the agent: ${listed}`);
    await sign();
    await page.waitForSelector('#sign-state-juminhyo-inkan-kofu[data-signed="true"]');
    await page.click("#print-juminhyo-inkan-kofu");
    await page.waitForSelector("#paper");
    await page.waitForFunction(() => document.querySelector("#paper .signature[data-role=dairinin]")?.dataset.signed === "true");
    expectEqual(
      await page.getAttribute("#paper .signature[data-role=todokedenin]", "data-signed"),
      "false",
      "the 請求者's box left for the person who sent the agent",
    );
    // 住民票の写し 2通 at 300円.
    expectEqual((await page.textContent("#paper-fee")).trim(), "600円", "the fee in the 処理欄");
    await steps.shot(page, "juminhyo-agent");
    const flat = await printed("juminhyo_inkan_kofu");
    for (const needle of ["高崎一郎", "前橋京子", "委任状", "本人の住所へ郵送", "代理人署名", "600円", "昭和50年3月4日"]) {
      if (!flat.includes(needle)) throw new Error(`the agent's 交付請求書 lacks ${needle}:\n${flat}`);
    }
  });

  await steps.step("the 児童手当 claim with the spouse and a child living apart: asked, checked and printed", async () => {
    await page.goto(visitUrl);
    await unfold("jidou_teate_nintei");
    // The child lives with the grandparents: its 個人番号 and address become required.
    await page.waitForSelector("#item-person-1-lives-with");
    await choose("#item-person-1-lives-with", "apart");
    // Passed over empty, each says it is needed.
    const said = (id) =>
      page.waitForFunction(
        (i) => document.querySelector(`#${i}-notes .finding.error`)?.dataset.code === "required",
        id,
        { timeout: 10000 },
      );
    for (const id of ["item-person-1-apart-address", "item-person-1-my-number"]) {
      await page.focus(`#${id}`);
      await page.keyboard.press("Tab");
      await said(id);
    }
    await typeInto("#item-person-1-apart-address", "群馬県前橋市大手町一丁目1番1号");
    await typeInto("#item-person-1-my-number", "2345 6789 0121");
    for (const id of ["item-person-1-apart-address", "item-person-1-my-number"]) {
      await page.waitForFunction((i) => !document.querySelector(`#${i}-notes .finding.error`), id, { timeout: 10000 });
    }
    await choose("#item-person-1-custody", "yes");
    await choose("#item-person-1-livelihood", "maintained");
    await typeInto("#item-person-1-kana", "ﾏｴﾊﾞｼ ﾖｳﾀ");
    // The spouse (様式第2号: 配偶者の氏名・個人番号・職業).
    await choose("#item-visit-has-spouse", "yes");
    await typeInto("#item-visit-spouse-name", "前橋 健一");
    await typeInto("#item-visit-spouse-my-number", "987654321000");
    await choose("#item-visit-spouse-occupation", "employee");
    // The claimant's own items the claim asks.
    await choose("#item-person-0-sex", "female");
    await typeInto("#item-person-0-my-number", "123456789018");
    await typeInto("#item-household-postal-code", "〒３７０－８５０１");
    await typeInto("#item-household-phone", "027-321-1111");
    await typeInto("#item-visit-moved-on", "R8.11.20");
    await typeInto("#item-person-0-occupation", "会社員");
    await choose("#form-jidou-teate-nintei-pension", "kosei");
    await choose("#item-visit-payment-account", "public");
    await choose("#form-jidou-teate-nintei-consent-inquiry", "yes");
    await expectNoErrors("jidou_teate_nintei");
    const flat = await printed("jidou_teate_nintei");
    await steps.shot(page, "jidou-teate-apart");
    for (const needle of ["配偶者", "前橋健一", "987654321000", "会社員", "別居", "群馬県前橋市大手町一丁目1番1号", "234567890121", "監護している", "生計維持", "公金受取口座", "同意する"]) {
      if (!flat.includes(needle)) throw new Error(`the 児童手当 claim lacks ${needle}:\n${flat}`);
    }
    // The child's フリガナ, written from ﾏｴﾊﾞｼ ﾖｳﾀ in full width (the PDF's text runs the table's cells together).
    const children = await page.textContent(".paper-section:has(h2:text('支給要件児童'))");
    if (!children.includes("マエバシ\u3000ヨウタ")) throw new Error(`the child's フリガナ: ${children}`);
  });
});
