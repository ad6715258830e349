// Real register files and real typing (issue 11), key by key as staff type:
// - the admin face lists the rows an import set aside, with file, line, column and reason;
// - a value typed in an everyday form is left alone while typing and written back in its
//   canonical form when the field is left (ﾀｶｻｷ ﾊﾅｺ → タカサキ　ハナコ, ㍻31年4月30日 →
//   2019-04-30, 〒３７０－０８２９ → 370-0829); a 和暦 date past its era is read as the day it
//   names, with a warning that gives the right era;
// - the register is found the way counters type: タカハシアオイ, たかはしあおい, アオイ,
//   高橋　葵, 高橋葵, 貝沢町429-2, 貝沢町４２９－２, and 髙橋 for 高橋 (and the other way round).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  expectEqual,
  signIn,
  runSuite,
  CONTEXT_OPTIONS,
  kioskVisit,
  openByNumber,
  TEST_PASSWORD,
} from "./browser.mjs";

const bucket = mkdtempSync(join(tmpdir(), "madoguchi-bucket-"));
const simulator = join(dirname(process.env.MADOGUCHI_SERVER_BIN), "core-simulator");

/** An M11W2〜7 check digit appended (住民記録システム標準仕様書 §1.1.13). */
function withCheckDigit(body) {
  let sum = 0;
  [...body].reverse().forEach((d, i) => (sum += Number(d) * (2 + (i % 6))));
  const r = sum % 11;
  return body + String(r <= 1 ? 0 : 11 - r);
}

const HEADERS = [
  "宛名番号", "世帯番号", "氏名", "氏名_フリガナ", "生年月日", "性別", "続柄", "住所",
  "郵便番号", "世帯主_氏名", "個人番号", "支援措置対象", "異動区分",
];
const FIELDS = [
  "atena_number", "household_number", "name", "kana", "birth_date", "sex", "relationship",
  "address", "postal_code", "head_name", "my_number", "protected", "change",
];
const csvLine = (cells) => cells.map((c) => `"${String(c).replaceAll('"', '""')}"`).join(",");

// The register: the simulator's full file of 100 households, then the core system's delta
// bringing 高橋 葵 and 髙橋 翔, and one row with a フリガナ in kanji after a 住所 whose quoted
// field holds a line break (so its line is 5, not 4).
execFileSync(simulator, ["--bucket-dir", bucket, "full", "--households", "100"]);
const aoi = withCheckDigit("200000001");
const sho = withCheckDigit("200000002");
const bad = withCheckDigit("200000003");
const lan = withCheckDigit("200000004");
const household = withCheckDigit("300000001");
const delta = [
  csvLine(HEADERS),
  csvLine([aoi, household, "高橋 葵", "タカハシ\u3000アオイ", "1990-05-05", "女", "世帯主",
    "群馬県高崎市貝沢町429番地2\nコーポ貝沢101", "370-0041", "高橋 葵", "", "0", "追加"]),
  csvLine([sho, withCheckDigit("300000002"), "髙橋 翔", "タカハシ\u3000ショウ", "1988-01-10", "男", "世帯主",
    "群馬県高崎市八島町222番地", "370-0849", "髙橋 翔", "", "0", "追加"]),
  csvLine([bad, withCheckDigit("300000003"), "高崎 花子", "高崎　花子", "1950-00-00", "女", "世帯主",
    "群馬県高崎市高松町35番地1", "370-0829", "高崎 花子", "", "0", "追加"]),
  // 生年月日 with month and day unknown, as the standard allows (§1.1.8).
  csvLine([lan, withCheckDigit("300000004"), "グエン ティ ラン", "グエン\u3000ティ\u3000ラン", "1950-00-00", "女", "世帯主",
    "群馬県高崎市高松町35番地1", "370-0829", "グエン ティ ラン", "", "0", "追加"]),
].join("\r\n") + "\r\n";
mkdirSync(join(bucket, "inbound/juki/delta"), { recursive: true });
writeFileSync(join(bucket, "inbound/juki/delta/29991231-235959.csv"), delta);
// The layout: the default columns, and a delta this small may have one bad row in three.
const layout = join(bucket, "layout.toml");
writeFileSync(
  layout,
  `max_bad_share = 0.5\ncolumns = [\n${HEADERS.map((h, i) => `  { header = "${h}", field = "${FIELDS[i]}" },`).join("\n")}\n]\n`,
);

/** Focuses a field and types text into it key by key, as a person at a keyboard does. */
async function typeInto(page, selector, text) {
  await page.focus(selector);
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Backspace");
  await page.keyboard.type(text, { delay: 15 });
}

await runSuite(
  "typing",
  { args: ["--bucket-dir", bucket, "--import-interval-secs", "1", "--resident-layout", layout] },
  async ({ steps, server, browser }) => {
    const context = await browser.newContext(CONTEXT_OPTIONS);
    const page = await context.newPage();

    await steps.step("the admin face lists the row the import set aside, with its line, column and reason", async () => {
      const admin = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
      await admin.goto(`${server.url}#/admin`);
      await admin.waitForSelector("#signin-login");
      await admin.focus("#signin-login");
      await admin.keyboard.type("admin01");
      await admin.keyboard.press("Tab");
      await admin.keyboard.type(TEST_PASSWORD);
      await admin.keyboard.press("Enter");
      await admin.waitForSelector("#admin-quarantine tbody tr", { timeout: 30000 });
      const cells = await admin.$$eval("#admin-quarantine tbody tr:first-child td", (tds) => tds.map((td) => td.textContent));
      expectEqual(cells[0], "29991231-235959.csv", "file");
      expectEqual(cells[1], "5", "line (the quoted line break counts)");
      expectEqual(cells[2], "氏名_フリガナ", "column");
      if (!cells[3].includes("カタカナ")) throw new Error(`reason: ${cells[3]}`);
      expectEqual(await admin.textContent("#admin-import-set-aside"), "1", "rows set aside");
      await steps.shot(admin, "01-admin-set-aside", { manual: "admin-import-set-aside" });
    });

    await steps.step("before any form is chosen, a wrong value is named at once", async () => {
      const number = await kioskVisit(page, server, "高崎 花子");
      await signIn(page, server);
      await openByNumber(page, number, "高崎 花子");
      await typeInto(page, "#item-person-0-birth-date", "2099-01-01");
      await page.keyboard.press("Tab");
      await page.waitForSelector('#item-person-0-birth-date-notes [data-code="date.in_future"]');
      await typeInto(page, "#item-person-0-birth-date", "nonsense");
      await page.keyboard.press("Tab");
      await page.waitForSelector('#item-person-0-birth-date-notes [data-code="date.unreadable"]');
    });

    await steps.step("a 転居 visit at the counter (the navi chosen from the keyboard)", async () => {
      await page.focus("#navi-event-tenkyo");
      await page.keyboard.press("Space");
      await page.waitForSelector("#item-household-postal-code");
    });

    await steps.step("フリガナ typed in half-width is left alone while typing, canonical when left", async () => {
      await page.focus("#item-person-0-kana");
      await page.keyboard.press("Control+A");
      await page.keyboard.press("Backspace");
      await page.keyboard.type("ﾀｶｻｷ ﾊ", { delay: 15 });
      expectEqual(await page.inputValue("#item-person-0-kana"), "ﾀｶｻｷ ﾊ", "mid-word, as typed");
      await page.keyboard.type("ﾅｺ", { delay: 15 });
      await page.keyboard.press("Tab");
      await page.waitForFunction(() => document.querySelector("#item-person-0-kana").value === "タカサキ\u3000ハナコ");
    });

    await steps.step("dates as counters type them: era sign, full-width 和暦, 漢数字", async () => {
      for (const [typed, canonical, shown] of [
        ["㍻31年4月30日", "2019-04-30", "平成31年4月30日"],
        ["令和６年４月１日", "2024-04-01", "令和6年4月1日"],
        ["S60.1.2", "1985-01-02", "昭和60年1月2日"],
        ["昭和六十年一月二日", "1985-01-02", "昭和60年1月2日"],
      ]) {
        await typeInto(page, "#item-person-0-birth-date", typed);
        await page.keyboard.press("Tab");
        await page
          .waitForFunction((v) => document.querySelector("#item-person-0-birth-date").value === v, canonical, {
            timeout: 10000,
          })
          .catch(async (e) => {
            const value = await page.inputValue("#item-person-0-birth-date");
            const focused = await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
            throw new Error(`${typed}: the field holds ${JSON.stringify(value)}, focus on ${focused}: ${e.message}`);
          });
        const echo = await page.textContent("#item-person-0-birth-date-echo");
        if (!echo.includes(shown)) throw new Error(`${typed}: echo ${echo}`);
      }
    });

    await steps.step("平成31年5月1日 is read as the day it names, with the right era in a warning", async () => {
      await typeInto(page, "#item-person-0-birth-date", "平成31年5月1日");
      await page.keyboard.press("Tab");
      await page.waitForFunction(() => document.querySelector("#item-person-0-birth-date").value === "2019-05-01");
      const warning = await page.waitForSelector('[data-code="date.outside_era"]', { timeout: 10000 }).catch(async (e) => {
        await steps.shot(page, "02-no-warning");
        const notes = await page.$$eval(".finding", (ps) => ps.map((p) => `${p.dataset.code}: ${p.textContent}`));
        throw new Error(`no outside-era warning; findings: ${JSON.stringify(notes)}; ${e.message}`);
      });
      const text = await warning.textContent();
      if (!text.includes("令和元年5月1日")) throw new Error(`warning: ${text}`);
      await steps.shot(page, "02-outside-era-warning", { manual: "counter-era-warning" });
    });

    await steps.step("郵便番号 typed with 〒 and full-width digits becomes 370-0829", async () => {
      await typeInto(page, "#item-household-postal-code", "〒３７０－０８２９");
      expectEqual(await page.inputValue("#item-household-postal-code"), "〒３７０－０８２９", "as typed");
      await page.keyboard.press("Tab");
      await page.waitForFunction(() => document.querySelector("#item-household-postal-code").value === "370-0829");
    });

    await steps.step("the register is found the way counters type", async () => {
      const findsAoi = [
        "タカハシアオイ",
        "たかはしあおい",
        "アオイ",
        "高橋\u3000葵",
        "高橋葵",
        "貝沢町429-2",
        "貝沢町４２９－２",
        "髙橋 葵",
        "葵 高橋",
      ];
      for (const q of findsAoi) {
        await typeInto(page, "#lookup-query", q);
        await page.keyboard.press("Enter");
        await page.waitForSelector(`#lookup-results tr[data-atena="${aoi}"]`, { timeout: 10000 }).catch(async () => {
          const names = await page.$$eval("#lookup-results tbody tr", (trs) => trs.map((tr) => tr.dataset.name));
          throw new Error(`${q}: 高橋 葵 not among ${JSON.stringify(names)}`);
        });
      }
      // The query stays in its field when the status line changes, and keys typed right
      // after Enter land there.
      await typeInto(page, "#lookup-query", "ンンンン");
      await page.keyboard.press("Enter");
      await page.keyboard.type("ン", { delay: 5 });
      await page.waitForFunction(() => document.querySelector(".lookup [role=status]")?.textContent.includes("該当する住民はいません"));
      expectEqual(await page.inputValue("#lookup-query"), "ンンンンン", "the query kept, with the key typed after Enter");
      // A refused query takes the earlier results away.
      await typeInto(page, "#lookup-query", "高橋");
      await page.keyboard.press("Enter");
      await page.waitForSelector("#lookup-results");
      await typeInto(page, "#lookup-query", "ガ");
      await page.keyboard.press("Enter");
      await page.waitForFunction(() => document.querySelector(".lookup [role=status]")?.textContent.includes("2文字以上"));
      expectEqual(await page.locator("#lookup-results").count(), 0, "no stale results under a refusal");
      // 髙橋 翔 is registered with 髙: 高橋 finds him too.
      await typeInto(page, "#lookup-query", "高橋");
      await page.keyboard.press("Enter");
      await page.waitForSelector(`#lookup-results tr[data-atena="${sho}"]`, { timeout: 10000 });
      await steps.shot(page, "03-lookup");
    });

    await steps.step("the person taken from the register fills the visit canonical, 不詳 shown as such", async () => {
      // The bad row was set aside: 高崎 花子 of the delta is not in the register.
      await typeInto(page, "#lookup-query", "タカハシ ショウ");
      await page.keyboard.press("Enter");
      const row = await page.waitForSelector(`#lookup-results tr[data-atena="${sho}"]`);
      await (await row.$(".use-person")).click();
      // 高崎 花子 was typed there: the counter is asked, and answers 置き換える.
      await page.waitForFunction(() => document.activeElement?.id === "fill-replace");
      await page.keyboard.press("Enter");
      await page
        .waitForFunction(
          () =>
            document.querySelector("#item-person-0-name").value === "髙橋 翔" &&
            document.querySelector("#item-person-0-kana").value === "タカハシ\u3000ショウ" &&
            document.querySelector("#item-person-0-birth-date").value === "1988-01-10",
          null,
          { timeout: 10000 },
        )
        .catch(async (e) => {
          const values = await page.$$eval("#person-0 input", (is) => is.map((i) => `${i.id}=${i.value}`));
          throw new Error(`person 0: ${values.join(", ")}: ${e.message}`);
        });
      await steps.shot(page, "04-filled-from-register");
      // A birth date of unknown month and day: 不詳 in the lookup, stored as the register
      // holds it, and shown as 不詳 under the field.
      await typeInto(page, "#lookup-query", "グエン");
      await page.keyboard.press("Enter");
      const lanRow = await page.waitForSelector(`#lookup-results tr[data-atena="${lan}"]`);
      expectEqual(await lanRow.$eval("td:nth-child(3)", (td) => td.textContent), "昭和25年月日不詳", "lookup birth");
      await (await lanRow.$(".use-person")).click();
      await page.waitForFunction(() => document.activeElement?.id === "fill-replace");
      await page.keyboard.press("Enter");
      await page.waitForFunction(() => document.querySelector("#item-person-0-birth-date").value === "1950-00-00");
      expectEqual(await page.textContent("#item-person-0-birth-date-echo"), "昭和25年月日不詳", "echo");
    });
  },
);
