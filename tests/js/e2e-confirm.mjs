// Confirming a form: the counter asks, the server validates with the same domain core and
// alone decides, and the answer comes back in the document. Offline, the request waits
// visibly and goes through on reconnect.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  expectEqual,
  signIn,
  runSuite,
  CONTEXT_OPTIONS,
  waitControlled,
  kioskVisit, pickDate,
  axeAudit,
  TEST_PASSWORD,
} from "./browser.mjs";

// The core system's side: a folder bucket, answered by the simulator built beside the server.
const bucket = mkdtempSync(join(tmpdir(), "madoguchi-bucket-"));
const simulator = join(dirname(process.env.MADOGUCHI_SERVER_BIN), "core-simulator");

const contextOptions = CONTEXT_OPTIONS;
const FORM = "jumin-idou-tenkyo";

/** Waits until the form's status is `state` (or one of several). */
async function waitForState(page, state, timeout = 30000) {
  const states = Array.isArray(state) ? state : [state];
  await page.waitForFunction(
    ([form, s]) => s.includes(document.querySelector(`#status-${form}`)?.dataset.state),
    [FORM, states],
    { timeout },
  );
}

/** A date `days` before today in Japan, as YYYY-MM-DD. */
function daysAgo(days) {
  const d = new Date(Date.now() + 9 * 3600 * 1000 - days * 86400 * 1000);
  return d.toISOString().slice(0, 10);
}

await runSuite("confirm", { args: ["--bucket-dir", bucket, "--export-interval-ms", "300"] }, async ({ steps, server, browser }) => {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  let number;
  await steps.step("a 転居 visit from the kiosk", async () => {
    number = await kioskVisit(page, server, "高崎 花子");
    await page.focus("#kiosk-person-kana-0");
    await page.keyboard.type("タカサキ ハナコ");
    await pickDate(page, "kiosk-person-birth-date-0", "AD", 1988, 4, 12);
    await signIn(page, server);
    await waitControlled(page);
    await page.fill("#open-number", number);
    await page.press("#open-number", "Enter");
    await page.waitForFunction(() => document.querySelector("#item-person-0-name")?.value === "高崎 花子");
    await page.check("#navi-event-tenkyo");
    await page.waitForSelector(`#confirm-${FORM}`);
  });

  await steps.step("the server refuses an incomplete form and says why", async () => {
    // Nothing typed yet: the fields do not open with errors; the form's count says what is
    // missing.
    expectEqual(await page.locator("#person-0 .finding.error, .form-section .field .finding.error").count(), 0, "no notes before anything is typed");
    const count = await page.textContent(`#count-${FORM}`);
    if (!/エラー [1-9]/.test(count)) throw new Error(`count: ${count}`);
    await page.click(`#confirm-${FORM}`);
    await waitForState(page, "refused");
    // Asked to confirm: the 必須 notes show at the fields.
    await page.waitForFunction(() => document.querySelectorAll('.field [data-code="required"]').length > 0);
    const reason = await page.textContent(`#form-${FORM} .status-reason`);
    if (!reason.includes("エラー")) throw new Error(`reason: ${reason}`);
    await steps.shot(page, "01-refused", { manual: "counter-confirm-refused" });
  });

  await steps.step("completed, the confirmation waits offline and goes through on reconnect", async () => {
    await page.fill("#item-visit-notifier-name", "高崎 花子");
    await page.selectOption("#item-visit-notifier-relation", "self");
    await page.fill("#item-visit-notifier-phone", "027-321-1111");
    await page.selectOption("#item-visit-identity-document", "my_number_card");
    await page.fill("#item-visit-moved-on", daysAgo(3));
    await page.fill("#item-household-postal-code", "370-0849");
    await page.fill("#item-household-address", "群馬県高崎市八島町222番地");
    await page.fill("#item-household-head-name", "高崎 花子");
    await page.fill("#item-visit-previous-address", "群馬県高崎市高松町35番地1");
    await page.selectOption("#item-person-0-sex", "female");
    await page.fill("#item-person-0-relationship", "世帯主");
    await page.waitForFunction(() => document.querySelector("#form-jumin-idou-tenkyo")?.dataset.findings === "0");
    await page.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("同期済み"));
    await server.kill();
    await context.setOffline(true);
    await page.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("オフライン"));
    await page.click(`#confirm-${FORM}`);
    await waitForState(page, "requested");
    const text = await page.textContent(`#status-${FORM}`);
    expectEqual(text, "確認待ち (オンラインになると送信)", "offline badge");
    await steps.shot(page, "02-requested-offline", { manual: "counter-confirm-offline" });
    await server.start();
    await context.setOffline(false);
    // Confirmed, and (with a bucket configured) at once on its way to the core system.
    await waitForState(page, ["confirmed", "sent"], 45000);
    const badge = await page.textContent(`#status-${FORM}`);
    if (!["確認済み", "送信済み"].includes(badge)) throw new Error(`badge: ${badge}`);
    await steps.shot(page, "03-confirmed", { manual: "counter-confirmed" });
  });

  await steps.step("the confirmed 住民異動届 goes to the core system and its answer comes back", async () => {
    await waitForState(page, "sent");
    expectEqual(await page.textContent(`#status-${FORM}`), "送信済み", "sent badge");
    await steps.shot(page, "04-sent", { manual: "counter-sent" });
    execFileSync(simulator, ["--bucket-dir", bucket, "answer", "--reject-per-mille", "0"]);
    await waitForState(page, "accepted");
    expectEqual(await page.textContent(`#status-${FORM}`), "基幹取込済み", "accepted badge");
    // Settled: the button says it is unavailable (and keeps the focus: not `disabled`), and
    // pressing it asks nothing.
    expectEqual(await page.getAttribute(`#confirm-${FORM}`, "aria-disabled"), "true", "settled form's button");
    await page.focus(`#confirm-${FORM}`);
    await page.keyboard.press("Enter");
    await page.waitForTimeout(500);
    expectEqual(await page.getAttribute(`#status-${FORM}`, "data-state"), "accepted", "still 基幹取込済み");
    await steps.shot(page, "05-accepted", { manual: "counter-accepted" });
  });

  await steps.step("an administrator sees the export queue and the audit log", async () => {
    const admin = await (await browser.newContext(contextOptions)).newPage();
    await admin.goto(`${server.url}#/admin`);
    await admin.waitForSelector("#admin-only-hint");
    await admin.fill("#signin-login", "admin01");
    await admin.fill("#signin-password", TEST_PASSWORD);
    await admin.click("#signin-submit");
    await admin.waitForFunction(() => document.querySelector("#admin-export-accepted")?.textContent === "1");
    expectEqual(await admin.textContent("#admin-export-pending"), "0", "nothing waits");
    // 今すぐ再送 runs the next export cycle at once; the request is audited.
    await admin.click("#admin-export-retry");
    await admin.waitForSelector("#admin-export-retried");
    await admin.waitForSelector("#audit-table tbody tr");
    await admin.fill("#audit-query", "export_retry");
    await admin.click("#audit-submit");
    await admin.waitForFunction(() => {
      const rows = [...document.querySelectorAll("#audit-table tbody tr")];
      return rows.length === 1 && rows[0].textContent.includes("admin01") && /t-[0-9a-f]{12}/.test(rows[0].textContent);
    }, null, { timeout: 10000 }).catch(async (e) => {
      const rows = await admin.$$eval("#audit-table tbody tr", (trs) => trs.map((tr) => tr.textContent));
      throw new Error(`rows: ${JSON.stringify(rows)}: ${e.message}`);
    });
    await admin.fill("#audit-query", "export_batch");
    await admin.click("#audit-submit");
    await admin.waitForFunction(() => {
      const rows = [...document.querySelectorAll("#audit-table tbody tr")];
      return rows.length > 0 && rows.every((r) => r.dataset.action === "export_batch" && r.textContent.includes("基幹システムへの送信"));
    });
    await axeAudit(steps, admin, "06-admin-exchange", { manual: "admin-exchange" });
  });

  await steps.step("基幹取込済み, the form is fixed; a 訂正 with its reason reaches the bucket naming what it corrects", async () => {
    // Fixed: the address bound by the accepted form cannot be typed into.
    expectEqual(await page.evaluate(() => document.querySelector("#item-household-address").readOnly), true, "address read-only");
    await page.focus("#item-household-address");
    await page.keyboard.type("X", { delay: 10 });
    expectEqual(await page.inputValue("#item-household-address"), "群馬県高崎市八島町222番地", "nothing typed in");
    // 訂正する → the reason → 訂正を始める, by keyboard.
    await page.focus(`#correct-${FORM}`);
    await page.keyboard.press("Enter");
    await page.waitForFunction((f) => document.activeElement?.id === `correct-reason-${f}`, FORM);
    await page.keyboard.type("番地の誤り", { delay: 10 });
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await waitForState(page, "correcting");
    expectEqual(await page.textContent(`#form-${FORM} .status-reason`), "番地の誤り", "the reason shown");
    // Another counter of the 課 sees the form 訂正中 in the day's list.
    const other = await (await browser.newContext(contextOptions)).newPage();
    await signIn(other, server, "shimin02");
    const visitId = new URL(page.url()).hash.split("/").pop();
    const row = other.locator(`#today-visits tr:has(a[href$="${visitId}"])`);
    await row.filter({ hasText: "訂正中 1" }).waitFor({ timeout: 15000 }).catch(async () => {
      throw new Error(`the day's list shows: ${await row.textContent().catch(() => "no row")}`);
    });
    await other.context().close();
    await page.waitForFunction(() => document.querySelector("#history").textContent.includes("訂正を始めた"));
    expectEqual(await page.evaluate(() => document.querySelector("#item-household-address").readOnly), false, "editable again");
    await page.focus("#item-household-address");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("群馬県高崎市八島町223番地", { delay: 10 });
    await page.keyboard.press("Tab");
    await page.focus(`#confirm-${FORM}`);
    await page.keyboard.press("Enter");
    await waitForState(page, "sent", 45000);
    // The new batch carries the corrected address and names the record it corrects.
    const files = [];
    const walk = (dir) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".csv") && !p.endsWith(".result.csv") && p.includes("jumin_idou")) files.push(p);
      }
    };
    walk(bucket);
    const lines = files.flatMap((f) => readFileSync(f, "utf8").split(/\r?\n/));
    const header = lines.find((l) => l.includes("届出ID"));
    if (!header || !header.includes("訂正元届出ID")) throw new Error(`header: ${header}`);
    const corrected = lines.filter((l) => l.includes("八島町223番地"));
    expectEqual(corrected.length, 1, "one line with the corrected address");
    const unquote = (line) => line.split(",").map((c) => c.replace(/^"|"$/g, ""));
    const cells = unquote(corrected[0]);
    const cols = unquote(header);
    const corrects = cells[cols.indexOf("訂正元届出ID")];
    const record = cells[cols.indexOf("届出ID")];
    if (!corrects || !corrects.endsWith("-1") || !record.endsWith("-2")) {
      throw new Error(`record ${record} corrects ${corrects}`);
    }
    // The first record's line corrects nothing.
    const first = lines.find((l) => l.includes(corrects) && !l.includes("八島町223番地"));
    expectEqual(unquote(first)[cols.indexOf("訂正元届出ID")], "", "the first record corrects nothing");
    execFileSync(simulator, ["--bucket-dir", bucket, "answer", "--reject-per-mille", "0"]);
    await waitForState(page, "accepted");
  });

  await steps.step("the visit's 経過 tells every step, with who, which 課 and when", async () => {
    await page.waitForFunction(() => [...document.querySelectorAll("#history li")].filter((li) => li.dataset.action === "accepted").length === 2, null, { timeout: 15000 });
    const lines = await page.$$eval("#history li", (lis) => lis.map((li) => `${li.dataset.action}|${li.textContent}`));
    const actions = lines.map((l) => l.split("|")[0]);
    for (const expected of ["opened", "navi_answered", "confirmation_requested", "refused", "confirmed", "sent", "accepted", "correction_opened"]) {
      if (!actions.includes(expected)) throw new Error(`no ${expected} in ${JSON.stringify(lines)}`);
    }
    // In the order they happened: refused, then confirmed, sent, accepted; then the 訂正 and
    // its own confirmed, sent, accepted.
    const order = actions.filter((a) => ["refused", "confirmed", "sent", "accepted", "correction_opened"].includes(a));
    expectEqual(order.join(","), "refused,confirmed,sent,accepted,correction_opened,confirmed,sent,accepted", "order");
    const text = lines.join("\n");
    for (const words of ["市民 一郎 が届出の種類を「市内での転居」にした (市民課)", "市民 一郎 が確認を求めた: 住民異動届 (転居) (市民課)", "サーバーが確認した: 住民異動届 (転居)", "基幹システムが取り込んだ: 住民異動届 (転居)", "訂正を始めた: 住民異動届 (転居): 番地の誤り"]) {
      if (!text.includes(words)) throw new Error(`経過 lacks "${words}":\n${text}`);
    }
    if (!/^\d\d:\d\d /.test(await page.textContent("#history li:last-child"))) throw new Error("no time");
    await steps.shot(page, "07-history", { manual: "counter-history" });
  });

  await steps.step("「誰がこの人の情報を見たか」: the audit log by visit, by 個人番号, and as CSV", async () => {
    // The counter reveals the 個人番号 on screen (audited).
    await page.focus("#item-person-0-my-number-reveal");
    await page.keyboard.press("Enter");
    const admin = await (await browser.newContext(contextOptions)).newPage();
    await admin.goto(`${server.url}#/admin`);
    await admin.waitForSelector("#signin-login");
    await admin.focus("#signin-login");
    await admin.keyboard.type("admin01");
    await admin.keyboard.press("Tab");
    await admin.keyboard.type(TEST_PASSWORD);
    await admin.keyboard.press("Enter");
    await admin.waitForSelector("#audit-visit");
    // By the visit's 受付番号, typed in full width: who opened it, in Japanese, with 受付.
    await admin.focus("#audit-visit");
    await admin.keyboard.type(String(number).replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0)));
    await admin.keyboard.press("Enter");
    await admin.waitForFunction(
      (n) => {
        const rows = [...document.querySelectorAll("#audit-table tbody tr")];
        return rows.length > 0 && rows.every((r) => r.querySelector(".visit").textContent.startsWith(`受付${n} (`)) &&
          rows.some((r) => r.dataset.action === "visit_opened" && r.textContent.includes("受付を開いた") && r.textContent.includes("shimin01"));
      },
      number,
      { timeout: 15000 },
    ).catch(async (e) => {
      const rows = await admin.$$eval("#audit-table tbody tr", (trs) => trs.map((tr) => `${tr.dataset.action}: ${tr.textContent}`));
      throw new Error(`rows: ${JSON.stringify(rows).slice(0, 1500)}: ${e.message}`);
    });
    // 「個人番号」 finds the reveal.
    await admin.focus("#audit-visit");
    await admin.keyboard.press("Control+A");
    await admin.keyboard.press("Backspace");
    await admin.focus("#audit-query");
    await admin.keyboard.type("個人番号");
    await admin.keyboard.press("Enter");
    await admin.waitForFunction(() => {
      const rows = [...document.querySelectorAll("#audit-table tbody tr")];
      return rows.length === 1 && rows[0].dataset.action === "reveal" && rows[0].textContent.includes("個人番号の表示") && rows[0].textContent.includes("shimin01");
    }, null, { timeout: 15000 });
    await axeAudit(steps, admin, "08-audit-filtered", { manual: "admin-audit" });
    // The same filter as CSV.
    const href = await admin.getAttribute("#audit-csv", "href");
    if (!href.includes("q=")) throw new Error(`csv link: ${href}`);
    const [bom, csv] = await admin.evaluate(async (h) => {
      const bytes = new Uint8Array(await (await fetch(h)).arrayBuffer());
      return [[...bytes.slice(0, 3)], new TextDecoder().decode(bytes)];
    }, href);
    expectEqual(JSON.stringify(bom), "[239,187,191]", "a BOM for spreadsheet tools");
    if (!csv.startsWith("日時,職員,端末,操作,受付,詳細,操作コード")) throw new Error(`csv header: ${csv.slice(0, 80)}`);
    if (!csv.includes("個人番号の表示")) throw new Error(`csv: ${csv}`);
    // By day and action: today's sign-ins.
    const today = new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10);
    const signIns = await admin.evaluate(async (d) => (await (await fetch(`/api/audit?day=${d}&action=sign_in`)).json()), today);
    if (!signIns.length || !signIns.every((e) => e.action === "sign_in")) throw new Error(`sign-ins: ${JSON.stringify(signIns)}`);
    const yesterday = await admin.evaluate(async () => (await (await fetch("/api/audit?day=2000-01-01")).json()));
    expectEqual(yesterday.length, 0, "nothing on a day long past");
    // What the server cannot read is named, never the network: letters for a 受付番号, a day
    // that is none.
    const refused = async (id, text, words) => {
      await admin.focus("#audit-query");
      await admin.keyboard.press("Control+A");
      await admin.keyboard.press("Backspace");
      await admin.focus(id);
      await admin.keyboard.press("Control+A");
      await admin.keyboard.type(text);
      await admin.keyboard.press("Enter");
      await admin.waitForFunction((w) => document.querySelector("#audit-refused")?.textContent.includes(w), words, { timeout: 10000 });
      await admin.focus(id);
      await admin.keyboard.press("Control+A");
      await admin.keyboard.press("Backspace");
    };
    await refused("#audit-visit", "abc", "受付番号は数字で");
    await refused("#audit-day", "2025-13-45", "日付「2025-13-45」が読めません");
    // 職員 finds part of a login, or a name.
    // (shimin02 looked at the day's list too.)
    for (const [who, login] of [["shimin", "shimin0"], ["市民 一郎", "shimin01"]]) {
      await admin.focus("#audit-login");
      await admin.keyboard.press("Control+A");
      await admin.keyboard.type(who);
      await admin.keyboard.press("Enter");
      await admin.waitForFunction((l) => {
        const rows = [...document.querySelectorAll("#audit-table tbody tr")];
        return rows.length > 0 && rows.every((r) => r.textContent.includes(l));
      }, login, { timeout: 10000 });
    }
  });

  await steps.step("a 差戻し that names its column is said at that field", async () => {
    // Another 訂正, sent; the core system sends it back about 従前の住所.
    await page.focus(`#correct-${FORM}`);
    await page.keyboard.press("Enter");
    await page.waitForFunction((f) => document.activeElement?.id === `correct-reason-${f}`, FORM);
    await page.keyboard.type("方書の追加", { delay: 10 });
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await waitForState(page, "correcting");
    await page.focus(`#confirm-${FORM}`);
    await page.keyboard.press("Enter");
    await waitForState(page, "sent", 45000);
    const batches = [];
    const walk = (dir) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(".csv") && !p.endsWith(".result.csv") && p.includes("jumin_idou")) batches.push(p);
      }
    };
    walk(join(bucket, "outbound"));
    batches.sort();
    const last = batches[batches.length - 1];
    const text = readFileSync(last, "utf8");
    const record = text.split(/\r?\n/)[1].split(",")[0].replace(/"/g, "");
    const name = last.split("/").pop().replace(/\.csv$/, "");
    mkdirSync(join(bucket, "inbound/results"), { recursive: true });
    writeFileSync(
      join(bucket, "inbound/results", `${name}.result.csv`),
      `届出ID,結果,理由,異動者連番,項目\r\n${record},差戻し,従前の住所が住所辞書にありません,,従前の住所\r\n`,
    );
    await waitForState(page, "rejected", 45000);
    const note = await page.waitForSelector('#item-visit-previous-address-notes [data-code="exchange.sent_back"]', { timeout: 15000 });
    expectEqual(await note.textContent(), "差戻し: 従前の住所が住所辞書にありません", "the note at the field");
    await steps.shot(page, "09-sent-back-at-the-field", { manual: "counter-sent-back" });
  });
});
