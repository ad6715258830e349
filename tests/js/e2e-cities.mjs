// Two cities on one deployment (issue 16): 前橋市 has forms of its own (`--cities`: the
// built-in forms with its own 自治会加入届 and the 手続きナビ rule that leads to it). Its kiosk
// and counter are given its catalog when they are recognised, keep it for working offline,
// and fill and confirm its own form by keyboard; 高崎市's counter on the same deployment never
// sees it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { axeAudit, CONTEXT_OPTIONS, expectEqual, kioskVisit, runSuite, TEST_PASSWORD } from "./browser.mjs";

const read = (path) => readFileSync(new URL(path, import.meta.url), "utf8");
const FORMS = `${read("../../shared-model/catalog/forms.toml")}\n${read("../fixtures/cities/maebashi-forms.toml")}`;
const NAVI = `${read("../../shared-model/catalog/navi.toml")}\n${read("../fixtures/cities/maebashi-navi.toml")}`;
const FORM = "maebashi-jichikai";

const files = mkdtempSync(join(tmpdir(), "madoguchi-cities-"));
mkdirSync(join(files, "maebashi"));
writeFileSync(join(files, "maebashi", "forms.toml"), FORMS);
writeFileSync(join(files, "maebashi", "navi.toml"), NAVI);
const CITIES = join(files, "cities.toml");
writeFileSync(
  CITIES,
  '[[city]]\ncode = "102016"\nname = "前橋市"\nforms = "maebashi/forms.toml"\nnavi = "maebashi/navi.toml"\n',
);

/** Signs in by keyboard from the page's own first focus and opens the visit `number`. */
async function signInAndOpen(page, server, login, number) {
  await page.goto(`${server.url}#/counter`);
  await page.waitForFunction(() => document.activeElement?.id === "signin-login", null, { timeout: 15000 });
  await page.keyboard.type(login, { delay: 10 });
  await page.keyboard.press("Tab");
  await page.keyboard.type(TEST_PASSWORD, { delay: 10 });
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.activeElement?.id === "open-number", null, { timeout: 15000 });
  await page.keyboard.type(number, { delay: 10 });
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.activeElement?.id === "visit-title", null, { timeout: 15000 });
}

/** The procedures the counter's 「手続きを追加」 offers, as their labels. */
const offers = (page) => page.$$eval("#procedure-add option", (os) => os.map((o) => o.textContent));

await runSuite("cities", { args: ["--cities", CITIES] }, async ({ steps, server, browser }) => {
  // 前橋市's counter and kiosk, made by the account commands an operator runs.
  execFileSync(
    server.binary,
    ["--data", server.data, "--tenant", "102016", "staff-add", "--login", "m-shimin01", "--name", "前橋 職員", "--department", "shimin"],
    { input: `${TEST_PASSWORD}\n` },
  );
  const takasakiKiosk = server.kioskToken;
  const maebashiKiosk = execFileSync(
    server.binary,
    ["--data", server.data, "--tenant", "102016", "kiosk-add", "--id", "m-kiosk-1f", "--name", "前橋 1階"],
    { encoding: "utf8" },
  ).trim();
  let number;
  const counter = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();

  await steps.step("前橋市's kiosk is given its city's catalog and numbers a visit", async () => {
    const kiosk = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
    server.kioskToken = maebashiKiosk;
    try {
      number = await kioskVisit(kiosk, server, "前田 陽菜");
    } finally {
      server.kioskToken = takasakiKiosk;
    }
    const kept = await kiosk.evaluate(() => JSON.parse(localStorage.getItem("madoguchi.catalog") ?? "null"));
    expectEqual(kept?.forms?.includes('id = "maebashi_jichikai"'), true, "the kiosk keeps 前橋市's forms");
  });

  await steps.step("前橋市's counter adds, fills and confirms its own form by keyboard", async () => {
    await signInAndOpen(counter, server, "m-shimin01", number);
    const offered = await offers(counter);
    if (!offered.some((o) => o.startsWith("自治会への加入"))) throw new Error(`not offered: ${offered}`);
    // The picker by keys: down the list until 自治会への加入 is chosen, then the button.
    await counter.focus("#procedure-add");
    for (let i = 0; i < offered.length; i++) {
      const label = await counter.$eval("#procedure-add", (s) => s.selectedOptions[0]?.textContent ?? "");
      if (label.startsWith("自治会への加入")) break;
      await counter.keyboard.press("ArrowDown");
    }
    await counter.keyboard.press("Tab");
    expectEqual(await counter.evaluate(() => document.activeElement?.id), "procedure-add-button", "on the button");
    await counter.keyboard.press("Enter");
    await counter.waitForSelector(`#form-${FORM}`);
    const title = await counter.textContent(`#fold-${FORM} summary`);
    if (!title.includes("自治会加入届")) throw new Error(`fold title: ${title}`);
    // The focus went to the form's first field: type the association's name there.
    await counter.waitForFunction((f) => document.activeElement?.closest(`#form-${f}`) != null, FORM);
    await counter.keyboard.type("大手町一丁目自治会", { delay: 10 });
    await counter.keyboard.press("Tab");
    await counter.focus(`#confirm-${FORM}`);
    await counter.keyboard.press("Enter");
    await counter.waitForFunction(
      (f) => ["confirmed", "sent"].includes(document.querySelector(`#status-${f}`)?.dataset.state),
      FORM,
      { timeout: 15000 },
    );
    expectEqual(await counter.textContent(`#status-${FORM}`), "確認済み", "decided by 前橋市's catalog");
    expectEqual(await counter.textContent("header .title"), "前橋市 窓口支援システム", "the city in the title");
    await axeAudit(steps, counter, "01-maebashi-own-form-axe");
  });

  await steps.step("its form's print preview is addressed to 前橋市長, not 高崎市長", async () => {
    const visitUrl = counter.url();
    await counter.focus(`#print-${FORM}`);
    await counter.keyboard.press("Enter");
    await counter.waitForSelector("#paper");
    const paper = (await counter.textContent("#paper")).replace(/\s+/g, "");
    for (const needle of ["前橋市長", "自治会加入届", "大手町一丁目自治会"]) {
      if (!paper.includes(needle)) throw new Error(`the print lacks ${needle}: ${paper.slice(0, 400)}`);
    }
    if (paper.includes("高崎市")) throw new Error(`高崎市 on 前橋市's print: ${paper.slice(0, 400)}`);
    await steps.shot(counter, "02-maebashi-print");
    await counter.goto(visitUrl);
    await counter.waitForSelector(`#status-${FORM}`);
  });

  await steps.step("reloaded, the counter reads the visit with the catalog it keeps", async () => {
    // The visit's own address: the page comes back on the visit.
    await counter.reload();
    await counter.waitForSelector(`#status-${FORM}`, { timeout: 15000 });
    expectEqual(await counter.textContent(`#status-${FORM}`), "確認済み", "still its own form");
    await steps.shot(counter, "03-maebashi-reloaded");
  });

  await steps.step("高崎市's counter on the same deployment has the built-in catalog", async () => {
    const takasaki = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
    const ours = await kioskVisit(
      await (await browser.newContext(CONTEXT_OPTIONS)).newPage(),
      server,
      "高崎 花子",
    );
    await signInAndOpen(takasaki, server, "shimin01", ours);
    expectEqual(await takasaki.textContent("header .title"), "高崎市 窓口支援システム", "its own city in the title");
    const offered = await offers(takasaki);
    if (offered.some((o) => o.startsWith("自治会への加入"))) throw new Error(`offered to 高崎市: ${offered}`);
    if (!offered.some((o) => o.startsWith("住民票の写し"))) throw new Error(`built-in offers missing: ${offered}`);
    expectEqual(
      await takasaki.evaluate(() => localStorage.getItem("madoguchi.catalog")),
      null,
      "nothing kept for the built-in catalog",
    );
    // 前橋市's visit is not 高崎市's to open.
    await takasaki.goto(`${server.url}#/counter`);
    await takasaki.waitForSelector("#open-number");
    await takasaki.focus("#open-number");
    await takasaki.keyboard.type(number, { delay: 10 });
    await takasaki.keyboard.press("Enter");
    await takasaki.waitForTimeout(1500);
    expectEqual(await takasaki.$(`#form-${FORM}`), null, "前橋市's form never shows at 高崎市's counter");
  });
});
