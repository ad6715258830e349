// The citizen's side at the kiosk, as a family would walk it: an unenrolled tablet that says
// only citizen words until staff enrol it; the language; 引っ越し → 市外から; the questions
// (children, 国保, two card holders); the plan with its counters in order; a number; the family
// of three entered once (フリガナ typed in hiragana, birth dates by 和暦 and 西暦 pickers), with
// the previous address and the move's date; the 手続き案内 slip checked as PDF text on an
// 80 mm receipt and on A4; then 最初に戻る leaves no byte of the family on the tablet, and the
// counter opens the visit with every member and the navi's answers. The same in Português;
// the idle reset after two minutes; axe on every kiosk screen in each of the nine languages.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  runSuite,
  signIn,
  enrolKiosk,
  pickDate,
  openByNumber,
  expectEqual,
  CONTEXT_OPTIONS,
  axeAudit,
  waitControlled,
} from "./browser.mjs";

const FAMILY = [
  { name: "前橋 健太", typedKana: "まえばし けんた", kana: "マエバシ\u3000ケンタ", birth: ["昭和", 62, 6, 1], iso: "1987-06-01", sex: 0, rel: 0, relValue: "世帯主" },
  { name: "前橋 美咲", typedKana: "まえばし みさき", kana: "マエバシ\u3000ミサキ", birth: ["AD", 1990, 9, 15], iso: "1990-09-15", sex: 1, rel: 1, relValue: "妻" },
  { name: "前橋 蓮", typedKana: "まえばし れん", kana: "マエバシ\u3000レン", birth: ["平成", 30, 2, 3], iso: "2018-02-03", sex: 0, rel: 3, relValue: "子" },
];
const NEW_ADDRESS = "群馬県高崎市高松町35番地1";
const PREVIOUS_ADDRESS = "群馬県前橋市大手町二丁目12番1号";

const LANGUAGES = ["ja", "ja-easy", "en", "zh", "ko", "vi", "pt", "tl", "ne"];

const badge = (page, text, timeout = 45000) =>
  page.waitForFunction((t) => document.querySelector("#sync-badge")?.textContent.includes(t), text, { timeout });

/** Presses a button by the keyboard: focus, then Enter. */
async function press(page, selector) {
  await page.waitForSelector(selector);
  await page.focus(selector);
  await page.keyboard.press("Enter");
}

/** Types into a text input key by key. */
async function type(page, selector, text) {
  await page.focus(selector);
  await page.keyboard.type(text);
}

/** The kiosk from its language screen to the household, for a family moving in. */
async function toHousehold(page, language, audit) {
  await press(page, `#kiosk-language-${language}`);
  await page.waitForSelector("#kiosk-event-move");
  if (audit) await audit("events");
  await press(page, "#kiosk-event-move");
  await page.waitForSelector("#kiosk-event-tennyu");
  if (audit) await audit("moves");
  await press(page, "#kiosk-event-tennyu");
  await page.waitForSelector("#kiosk-fact-children-yes");
  await page.check("#kiosk-fact-children-yes");
  await page.check("#kiosk-fact-kokuho-yes");
  await page.check("#kiosk-fact-card_holders-yes");
  await press(page, "#kiosk-fact-card_holders-more");
  await page.waitForFunction(() => document.querySelector("#kiosk-fact-card_holders-count")?.textContent.includes("2"));
  if (audit) await audit("questions");
  await press(page, "#kiosk-next");
  await page.waitForSelector("#kiosk-route");
  if (audit) await audit("plan");
}

/** The stops of the plan as 課:窓口. */
const stops = (page) =>
  page.$$eval("#kiosk-route > li", (lis) => lis.map((li) => `${li.dataset.department}:${li.dataset.counter}`));

/** Everything of a page a citizen's data could hide in: the DOM, sessionStorage and every
 *  IndexedDB record (as text). */
async function traces(page) {
  return page.evaluate(async () => {
    const found = { dom: document.documentElement.outerHTML, session: JSON.stringify({ ...sessionStorage }), idb: [] };
    for (const info of await indexedDB.databases()) {
      const db = await new Promise((r, j) => {
        const q = indexedDB.open(info.name);
        q.onsuccess = () => r(q.result);
        q.onerror = () => j(q.error);
      });
      for (const store of db.objectStoreNames) {
        const rows = await new Promise((r) => {
          const q = db.transaction(store).objectStore(store).getAll();
          q.onsuccess = () => r(q.result);
        });
        const keys = await new Promise((r) => {
          const q = db.transaction(store).objectStore(store).getAllKeys();
          q.onsuccess = () => r(q.result);
        });
        found.idb.push({ store, keys: JSON.stringify(keys), rows: rows.length, text: JSON.stringify(rows, (k, v) => (v instanceof Uint8Array ? Array.from(v) : v)) });
      }
      db.close();
    }
    return found;
  });
}

await runSuite("kiosk", {}, async ({ steps, server, browser }) => {
  const context = await browser.newContext(CONTEXT_OPTIONS);
  const page = await context.newPage();
  let number;
  let visitId;

  await steps.step("an unenrolled tablet speaks to citizens, not to admins", async () => {
    await page.goto(`${server.url}#/kiosk`);
    await page.waitForSelector("#kiosk-not-ready");
    expectEqual(
      (await page.textContent("#kiosk-not-ready")).startsWith("この端末は準備中です。係員にお声がけください"),
      true,
      "the citizens' words",
    );
    expectEqual(await page.$("#kiosk-token"), null, "no token form without the staff gesture");
    await badge(page, "未登録");
    await axeAudit(steps, page, "kiosk-not-ready", { manual: "kiosk-not-ready" });
    await enrolKiosk(page, server);
    await badge(page, "同期済み");
  });

  await steps.step("日本語: 引っ越し → 市外から, children, 国保 and two cards; the counters in order", async () => {
    await toHousehold(page, "ja");
    expectEqual((await stops(page)).join(" → "), "shimin:7 → hoken_nenkin:9 → kodomo_katei:1", "市民課 → 保険年金課 → こども家庭課");
    const route = await page.textContent("#kiosk-route");
    for (const words of ["転入届", "国民健康保険の加入", "児童手当の認定請求", "転出証明書", "14日以内"]) {
      if (!route.includes(words)) throw new Error(`the plan lacks ${words}: ${route}`);
    }
    await steps.shot(page, "01-plan-ja", { manual: "kiosk-plan" });
  });

  await steps.step("a number, and the family of three entered once", async () => {
    await press(page, "#kiosk-take-number");
    await page.waitForSelector("#kiosk-person-name-0");
    number = (await page.textContent("#reception-number")).trim();
    if (!/^\d+$/.test(number)) throw new Error(`no reception number: ${number}`);
    await press(page, "#kiosk-add-person");
    await page.waitForSelector("#kiosk-person-name-1");
    await press(page, "#kiosk-add-person");
    await page.waitForSelector("#kiosk-person-name-2");
    for (const [i, p] of FAMILY.entries()) {
      await type(page, `#kiosk-person-name-${i}`, p.name);
      await type(page, `#kiosk-person-kana-${i}`, p.typedKana);
      // Hiragana becomes katakana as it is typed.
      await page.waitForFunction(
        ([sel, want]) => document.querySelector(sel)?.value.replace(/\s/g, "") === want,
        [`#kiosk-person-kana-${i}`, p.kana.replace(/\s/g, "")],
      );
      await pickDate(page, `kiosk-person-birth-date-${i}`, ...p.birth);
      await page.check(`#kiosk-person-sex-${i}-${p.sex}`);
      await page.check(`#kiosk-person-relationship-${i}-${p.rel}`);
    }
    expectEqual(
      await page.textContent("#kiosk-person-birth-date-1-echo"),
      "平成2年9月15日 (1990-09-15) と受け付けます",
      "a 西暦 date said back in 和暦",
    );
    await type(page, "#kiosk-household-address-all", NEW_ADDRESS);
    await type(page, "#kiosk-visit-previous-address-all", PREVIOUS_ADDRESS);
    await pickDate(page, "kiosk-visit-moved-on-all", "令和", 8, 11, 20);
    await steps.shot(page, "02-household-ja", { manual: "kiosk-household" });
    await press(page, "#kiosk-done");
    await page.waitForSelector("#kiosk-slip");
    visitId = (await page.getAttribute("#handoff-qr", "data-payload")).trim();
  });

  await steps.step("the slip: number, counters in order, what to bring, QR — as PDF text, receipt and A4", async () => {
    for (const layout of ["receipt", "a4"]) {
      await page.evaluate((l) => {
        localStorage.setItem("madoguchi.slipLayout", l);
        const slip = document.querySelector("#kiosk-slip");
        slip.classList.remove("receipt", "a4");
        slip.classList.add(l);
      }, layout);
      const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
      const file = join(steps.shots, `slip-${layout}.pdf`);
      writeFileSync(file, pdf);
      const text = execFileSync("pdftotext", ["-raw", file, "-"]).toString();
      const flat = text.replace(/\s+/g, "");
      for (const words of [number, "手続き案内", "7番窓口", "9番窓口", "1番窓口", "転入届", "転出証明書", "QRコード"]) {
        if (!flat.includes(words.replace(/\s+/g, ""))) throw new Error(`${layout} slip lacks ${words}:\n${text}`);
      }
      if (flat.indexOf("市民課") > flat.indexOf("保険年金課") || flat.indexOf("保険年金課") > flat.indexOf("こども家庭課")) {
        throw new Error(`${layout} slip: the counters are not in order:\n${text}`);
      }
      for (const p of FAMILY) {
        if (flat.includes(p.name.replace(/\s/g, ""))) throw new Error(`the slip carries a name: ${p.name}`);
      }
      const info = execFileSync("pdfinfo", [file]).toString();
      const width = Number(info.match(/Page size:\s+([\d.]+) x/)[1]);
      // 80 mm = 226.8 pt; A4 = 595.3 pt.
      const want = layout === "receipt" ? 226.8 : 595.3;
      if (Math.abs(width - want) > 2) throw new Error(`${layout} slip is ${width} pt wide, not ${want}`);
      console.log(`     ${layout}: ${info.match(/Pages:\s+(\d+)/)[1]} page(s), ${width} pt wide`);
    }
  });

  await steps.step("最初に戻る: no byte of the family left on the tablet, no way back", async () => {
    await badge(page, "同期済み");
    const before = await traces(page);
    if (!before.idb.some((s) => s.keys.includes(visitId) || s.text.includes(visitId))) {
      console.log("     (the visit's id is not stored in clear: looking for its record count instead)");
    }
    const recordsBefore = before.idb.reduce((n, s) => n + s.rows, 0);
    await press(page, "#kiosk-start-over");
    await page.waitForSelector("#kiosk-language-ja");
    // The local copy leaves once the server holds it all.
    await page.waitForFunction(
      async (n) => {
        let rows = 0;
        for (const info of await indexedDB.databases()) {
          const db = await new Promise((r) => {
            const q = indexedDB.open(info.name);
            q.onsuccess = () => r(q.result);
          });
          for (const store of db.objectStoreNames) {
            rows += await new Promise((r) => {
              const q = db.transaction(store).objectStore(store).count();
              q.onsuccess = () => r(q.result);
            });
          }
          db.close();
        }
        return rows < n;
      },
      recordsBefore,
      { timeout: 20000 },
    );
    const after = await traces(page);
    const all = [after.dom, after.session, ...after.idb.map((s) => s.keys + s.text)].join("\n");
    for (const needle of [visitId, number && `>${number}<`, NEW_ADDRESS, PREVIOUS_ADDRESS, ...FAMILY.flatMap((p) => [p.name, p.kana])]) {
      if (needle && all.includes(needle)) throw new Error(`the next citizen finds ${needle}`);
    }
    // sessionStorage holds the kiosk's drafts' key (the tablet's, not the citizen's) and
    // nothing else.
    expectEqual(JSON.stringify(Object.keys(JSON.parse(after.session))), '["madoguchi.vault"]', "sessionStorage: the key only");
    // The journey leaves no history entry: Back leaves the kiosk (to the tab's blank page in
    // this browser), and Forward comes back to the first screen, not to the family.
    const entries = await page.evaluate(() => history.length);
    await page.goBack().catch(() => {});
    await page.waitForTimeout(300);
    for (const p of FAMILY) {
      if ((await page.content()).includes(p.name)) throw new Error(`going back shows ${p.name}`);
    }
    await page.goForward().catch(() => {});
    await page.waitForSelector("#kiosk-language-ja");
    for (const p of FAMILY) {
      if ((await page.content()).includes(p.name)) throw new Error(`going forward shows ${p.name}`);
    }
    console.log(`     history: ${entries} entries for the whole journey`);
    await steps.shot(page, "03-next-citizen");
  });

  await steps.step("the counter opens the visit with every member and the navi's answers", async () => {
    const counter = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
    await signIn(counter, server);
    await openByNumber(counter, number, FAMILY[0].name);
    for (const [i, p] of FAMILY.entries()) {
      await counter.waitForFunction(([sel, v]) => document.querySelector(sel)?.value === v, [`#item-person-${i}-name`, p.name], { timeout: 15000 });
      expectEqual(await counter.inputValue(`#item-person-${i}-kana`), p.kana, `person ${i} kana`);
      expectEqual(await counter.inputValue(`#item-person-${i}-relationship`), p.relValue, `person ${i} 続柄`);
      expectEqual(await counter.inputValue(`#item-person-${i}-sex`), p.sex === 0 ? "male" : "female", `person ${i} sex`);
    }
    expectEqual(await counter.inputValue("#item-household-address"), NEW_ADDRESS, "new address");
    expectEqual(await counter.inputValue("#item-visit-previous-address"), PREVIOUS_ADDRESS, "previous address");
    expectEqual(await counter.isChecked("#navi-event-tennyu"), true, "the event");
    expectEqual(await counter.isChecked("#navi-fact-children"), true, "children");
    expectEqual(await counter.isChecked("#navi-fact-kokuho"), true, "国保");
    // 届出日: the day the number was taken, as when the counter chooses the event.
    const today = new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10);
    expectEqual(await counter.inputValue("#item-visit-notified-on"), today, "届出日");
    await steps.shot(counter, "04-counter");
    await counter.close();
  });

  await steps.step("Português: the same family, official Japanese beside the translation", async () => {
    await toHousehold(page, "pt");
    const route = await page.textContent("#kiosk-route");
    for (const words of ["Guichê 7", "転入届"]) {
      if (!route.includes(words)) throw new Error(`the Portuguese plan lacks ${words}: ${route}`);
    }
    expectEqual(await page.getAttribute(".kiosk", "lang"), "pt-BR", "the page says its language");
    await press(page, "#kiosk-take-number");
    await page.waitForSelector("#kiosk-person-name-0");
    const ptNumber = (await page.textContent("#reception-number")).trim();
    await press(page, "#kiosk-add-person");
    await page.waitForSelector("#kiosk-person-name-1");
    await press(page, "#kiosk-add-person");
    await page.waitForSelector("#kiosk-person-name-2");
    const family = [
      ["SILVA JOAO", "シルバ ジョアン", ["AD", 1985, 3, 9]],
      ["SILVA MARIA", "シルバ マリア", ["AD", 1987, 12, 24]],
      ["SILVA ANA", "シルバ アナ", ["AD", 2016, 7, 1]],
    ];
    for (const [i, [name, kana, birth]] of family.entries()) {
      await type(page, `#kiosk-person-name-${i}`, name);
      await type(page, `#kiosk-person-kana-${i}`, kana);
      await pickDate(page, `kiosk-person-birth-date-${i}`, ...birth);
    }
    await type(page, "#kiosk-household-address-all", "群馬県高崎市八島町222番地");
    await type(page, "#kiosk-visit-previous-address-all", "群馬県伊勢崎市今泉町二丁目410番地");
    await pickDate(page, "kiosk-visit-moved-on-all", "AD", 2026, 11, 25);
    await press(page, "#kiosk-done");
    await page.waitForSelector("#kiosk-slip");
    await badge(page, "同期済み");
    await press(page, "#kiosk-start-over");
    const counter = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
    await signIn(counter, server);
    await openByNumber(counter, ptNumber, "SILVA JOAO");
    await counter.waitForFunction(() => document.querySelector("#item-person-2-name")?.value === "SILVA ANA", null, { timeout: 15000 });
    expectEqual(await counter.inputValue("#item-person-2-birth-date"), "2016-07-01", "the child's birth date");
    expectEqual(await counter.inputValue("#item-visit-previous-address"), "群馬県伊勢崎市今泉町二丁目410番地", "previous address");
    expectEqual((await counter.textContent("#visit-citizen-language")).trim(), "記入台で選んだ言語: Português", "the counter knows the citizen's language");
    await counter.close();
  });

  await steps.step("dates that do not exist are not kept; a date changed at the counter shows at the kiosk", async () => {
    const tablet = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
    await tablet.goto(`${server.url}#/kiosk`);
    await enrolKiosk(tablet, server);
    await toHousehold(tablet, "ja");
    await press(tablet, "#kiosk-take-number");
    await tablet.waitForSelector("#kiosk-person-name-0");
    const n = (await tablet.textContent("#reception-number")).trim();
    await type(tablet, "#kiosk-person-name-0", "日付 確認");
    // Latin letters in the フリガナ are said at once, in the citizen's words.
    await type(tablet, "#kiosk-person-kana-0", "Hizuke");
    await tablet.waitForSelector("#kiosk-person-kana-0-finding");
    await tablet.keyboard.press("Control+A");
    await tablet.keyboard.press("Backspace");
    await type(tablet, "#kiosk-person-kana-0", "ひづけ かくにん");
    await tablet.waitForFunction(() => !document.querySelector("#kiosk-person-kana-0-finding"));
    await pickDate(tablet, "kiosk-person-birth-date-0", "昭和", 64, 1, 7);
    await tablet.waitForFunction(() => document.querySelector("#kiosk-person-birth-date-0-echo")?.textContent.includes("1989-01-07"));
    // 昭和64年1月8日 does not exist (平成 began that day): said, and the visit keeps no date.
    await tablet.selectOption("#kiosk-person-birth-date-0-day", "8");
    await tablet.waitForFunction(() => document.querySelector("#kiosk-person-birth-date-0-echo")?.textContent.includes("この日はありません"));
    const counter = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
    await signIn(counter, server);
    await openByNumber(counter, n, "日付 確認");
    await counter.waitForFunction(() => document.querySelector("#item-person-0-birth-date")?.value === "", null, { timeout: 15000 });
    // A birthday after today is refused.
    await pickDate(tablet, "kiosk-person-birth-date-0", "令和", 30, 1, 1).catch(() => {});
    const future = await tablet.$("#kiosk-person-birth-date-0-year option[value='30']");
    if (future) throw new Error("令和30年 is offered for a birth date");
    // The counter sets the date: the kiosk shows it, and changing its day keeps the rest.
    await counter.focus("#item-person-0-birth-date");
    await counter.keyboard.type("1990-12-24");
    await counter.keyboard.press("Tab");
    await tablet.waitForFunction(() => document.querySelector("#kiosk-person-birth-date-0-echo")?.textContent.includes("1990-12-24"), null, { timeout: 15000 });
    await tablet.selectOption("#kiosk-person-birth-date-0-day", "2");
    await counter.waitForFunction(() => document.querySelector("#item-person-0-birth-date")?.value === "1990-12-02", null, { timeout: 15000 });
    await counter.close();
    await tablet.close();
  });

  await steps.step("a number the server is slow to give goes to nobody after 最初に戻る; a refused one is said", async () => {
    const tablet = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
    await tablet.goto(`${server.url}#/kiosk`);
    await enrolKiosk(tablet, server);
    await tablet.route("**/api/visits", async (route) => {
      await new Promise((r) => setTimeout(r, 2000));
      await route.continue();
    });
    await toHousehold(tablet, "en");
    await press(tablet, "#kiosk-take-number");
    await press(tablet, "#kiosk-start-over");
    await press(tablet, "#kiosk-language-ja");
    await tablet.waitForSelector("#kiosk-event-move");
    await tablet.waitForTimeout(2500);
    expectEqual(await tablet.$("#kiosk-event-move") !== null, true, "the next citizen's screen stays theirs");
    expectEqual(await tablet.$("#reception-number"), null, "no number shown to the next citizen");
    await tablet.unroute("**/api/visits");
    await tablet.route("**/api/visits", (route) => route.fulfill({ status: 500, body: "{}" }));
    await press(tablet, "#kiosk-event-move");
    await press(tablet, "#kiosk-event-tenkyo");
    await press(tablet, "#kiosk-next");
    await press(tablet, "#kiosk-take-number");
    await tablet.waitForFunction(() => document.querySelector("#kiosk-number-failed")?.textContent.includes("係員"));
    await axeAudit(steps, tablet, "kiosk-number-failed");
    await tablet.close();
  });

  await steps.step("最初に戻る offline, then a reload offline: the family still reaches the counter", async () => {
    const context = await browser.newContext(CONTEXT_OPTIONS);
    const tablet = await context.newPage();
    await tablet.goto(`${server.url}#/kiosk`);
    await enrolKiosk(tablet, server);
    await toHousehold(tablet, "ja");
    await press(tablet, "#kiosk-take-number");
    await tablet.waitForSelector("#kiosk-person-name-0");
    const n = (await tablet.textContent("#reception-number")).trim();
    await waitControlled(tablet);
    await badge(tablet, "同期済み");
    await context.setOffline(true);
    await badge(tablet, "オフライン");
    await type(tablet, "#kiosk-person-name-0", "停電 次郎");
    // What was typed is on the tablet (IndexedDB) before the citizen leaves: a reload within
    // the same milliseconds as the last key is not what this step is about.
    await badge(tablet, "未送信");
    await tablet.waitForTimeout(500);
    await press(tablet, "#kiosk-start-over");
    await tablet.reload().catch(() => {});
    await tablet.waitForSelector("#kiosk-language-ja", { timeout: 20000 });
    await context.setOffline(false);
    await badge(tablet, "同期済み");
    const counter = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
    await signIn(counter, server);
    await openByNumber(counter, n, "停電 次郎");
    await counter.close();
    await context.close();
  });

  await steps.step("two minutes untouched: a countdown, then the first screen, nothing kept", async () => {
    const idle = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
    await idle.clock.install();
    await idle.goto(`${server.url}#/kiosk`);
    await enrolKiosk(idle, server);
    await toHousehold(idle, "en");
    await press(idle, "#kiosk-take-number");
    await idle.waitForSelector("#kiosk-person-name-0");
    await type(idle, "#kiosk-person-name-0", "IDLE TARO");
    await idle.clock.fastForward(95_000);
    await idle.waitForSelector("#kiosk-idle-text");
    const warning = await idle.textContent("#kiosk-idle-text");
    if (!/back to the start in \d+ s/.test(warning)) throw new Error(`no countdown: ${warning}`);
    await idle.clock.fastForward(30_000);
    await idle.waitForSelector("#kiosk-language-ja");
    if ((await idle.content()).includes("IDLE TARO")) throw new Error("the idle reset left the name");
    await idle.close();
  });

  await steps.step("axe: every kiosk screen in each of the nine languages", async () => {
    const a11y = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
    await a11y.goto(`${server.url}#/kiosk`);
    await enrolKiosk(a11y, server);
    await axeAudit(steps, a11y, "kiosk-languages", { manual: "kiosk-languages" });
    for (const language of LANGUAGES) {
      await toHousehold(a11y, language, (screen) => axeAudit(steps, a11y, `kiosk-${language}-${screen}`));
      await press(a11y, "#kiosk-take-number");
      await a11y.waitForSelector("#kiosk-person-name-0");
      await axeAudit(steps, a11y, `kiosk-${language}-household`);
      await press(a11y, "#kiosk-done");
      await a11y.waitForSelector("#kiosk-slip");
      await axeAudit(steps, a11y, `kiosk-${language}-slip`);
      await press(a11y, "#kiosk-start-over");
      await a11y.waitForSelector("#kiosk-language-ja");
    }
    await a11y.close();
  });
});
