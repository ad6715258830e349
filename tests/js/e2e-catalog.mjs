// Every field of every form of the catalog, typed key by key (issue 19): the visit reaches all
// 26 forms through the navi's events and 「手続きを追加」, each field is typed (a key every 5 ms,
// as a scanner sends them, and every 30 ms, as a person types), chosen with the arrow keys or
// ticked with Space, and left with Tab. The focus must stay on the field while it is typed
// and go to the next one on Tab; the stored value must be the canonical one. "Stored" is
// read on a second terminal that opened the same visit: what it shows came through the
// server's copy of the visit, not the typing screen's memory.
//
// The fields come from the catalog the server serves (`/api/forms`), not from a list here:
// a field added to the catalog is typed by this test too (a text field without a value in
// the table below gets a generic one).
import { expectEqual, signIn, runSuite, CONTEXT_OPTIONS, kioskVisit, pickDate, openByNumber } from "./browser.mjs";

/** A 12-digit 個人番号 with its check digit (番号法施行令 8条). */
function myNumber(eleven) {
  const digits = [...eleven].map(Number);
  let sum = 0;
  digits.reverse().forEach((p, i) => {
    const n = i + 1;
    sum += p * (n <= 6 ? n + 1 : n - 5);
  });
  const r = sum % 11;
  return eleven + String(r <= 1 ? 0 : 11 - r);
}

/** An M11W2〜7 check digit appended (住民記録システム標準仕様書 §1.1.13). */
function withCheckDigit(body) {
  let sum = 0;
  [...body].reverse().forEach((d, i) => (sum += Number(d) * (2 + (i % 6))));
  const r = sum % 11;
  return body + String(r <= 1 ? 0 : 11 - r);
}

const toFullWidth = (s) => s.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
const spaced = (s) => s.replace(/(\d{4})(?=\d)/g, "$1 ");

const ATENA = withCheckDigit("000012345");
const HOUSEHOLD = withCheckDigit("00006789");
const MY_NUMBERS = [myNumber("12345678901"), myNumber("98765432109")];

/** What is typed into each canonical item and what the visit must then hold: [typed, stored],
 *  per person where a person's item differs between the two persons of the visit. Dates come
 *  in each notation the counter accepts. */
const VALUES = {
  "person.name": [["高崎 花子", "高崎 花子"], ["高崎 太郎", "高崎 太郎"]],
  "person.kana": [["ﾀｶｻｷ ﾊﾅｺ", "タカサキ\u3000ハナコ"], ["たかさき　たろう", "タカサキ\u3000タロウ"]],
  "person.old_surname": [["山田", "山田"]],
  "person.old_surname_kana": [["ﾔﾏﾀﾞ", "ヤマダ"]],
  "person.common_name": [["高崎 ハナ", "高崎 ハナ"]],
  "person.birth_date": [["S60.1.2", "1985-01-02"], ["㍻31年4月30日", "2019-04-30"]],
  "person.relationship": [["世帯主", "世帯主"], ["子", "子"]],
  "person.my_number": [[spaced(MY_NUMBERS[0]), MY_NUMBERS[0]], [toFullWidth(MY_NUMBERS[1]), MY_NUMBERS[1]]],
  "person.resident_code": [["12345678901", "12345678901"]],
  "person.atena_number": [[toFullWidth(ATENA), ATENA]],
  "person.honseki": [["群馬県高崎市高松町35番地1", "群馬県高崎市高松町35番地1"]],
  "person.hittosha": [["高崎 一郎", "高崎 一郎"]],
  "person.alphabet_name": [["NGUYEN THI LAN", "NGUYEN THI LAN"]],
  "person.nationality": [["ベトナム", "ベトナム"]],
  "person.residence_status": [["永住者", "永住者"]],
  "person.residence_period": [["3年", "3年"]],
  "person.residence_expiry": [["R9.12.31", "2027-12-31"], ["令和十年三月一日", "2028-03-01"]],
  "person.residence_card_number": [["ab12345678cd", "AB12345678CD"], ["ＡＢ１２３４５６７８ＣＤ", "AB12345678CD"]],
  "household.head_name": [["高崎 太郎", "高崎 太郎"]],
  "household.address": [["高崎市高松町35番地1", "高崎市高松町35番地1"]],
  "household.katagaki": [["コーポ高松101", "コーポ高松101"]],
  "household.address_code": [["202100000101", "202100000101"]],
  "household.postal_code": [["〒３７０－０８２９", "370-0829"]],
  "household.household_number": [[HOUSEHOLD, HOUSEHOLD]],
  "household.phone": [["０２７（３２１）１１１１", "027-321-1111"]],
  "visit.notified_on": [["令和8年11月10日", "2026-11-10"]],
  "visit.moved_on": [["2026-11-01", "2026-11-01"]],
  "visit.notifier_name": [["高崎 花子", "高崎 花子"]],
  "visit.notifier_phone": [["090-1234-5678", "090-1234-5678"]],
  "visit.previous_address": [["前橋市大手町1丁目1番1号", "前橋市大手町1丁目1番1号"]],
  "visit.previous_head_name": [["高崎 太郎", "高崎 太郎"]],
  "visit.planned_move_out_on": [["R8.10.31", "2026-10-31"], ["令和八年十月三十一日", "2026-10-31"]],
  "visit.destination_address": [["東京都千代田区丸の内1丁目1番1号", "東京都千代田区丸の内1丁目1番1号"]],
  "visit.destination_head_name": [["高崎 太郎", "高崎 太郎"]],
  "visit.bank_name": [["群馬銀行", "群馬銀行"]],
  "visit.bank_branch": [["高崎支店", "高崎支店"]],
  "visit.account_number": [["１２３４５６", "0123456"]],
  "visit.account_holder_kana": [["ﾀｶｻｷ ﾊﾅｺ", "タカサキ\u3000ハナコ"]],
  "visit.notifier_birth_date": [["S55.3.4", "1980-03-04"]],
  "visit.spouse_my_number": [[spaced(MY_NUMBERS[1]), MY_NUMBERS[1]]],
  "visit.bank_code": [["０１２８", "0128"]],
  "visit.branch_code": [["0-1-8", "018"]],
  "household.head_my_number": [[toFullWidth(MY_NUMBERS[0]), MY_NUMBERS[0]]],
  "person.abroad_since": [["R8.9.1", "2026-09-01"]],
};

/** Values of the forms' own text and date fields, by field id. */
const OWN_VALUES = {
  inkan_card_number: ["12345", "12345"],
  purpose: ["年金の手続き", "年金の手続き"],
  submit_to: ["日本年金機構", "日本年金機構"],
  guarantor_name: ["高崎 一郎", "高崎 一郎"],
  guarantor_number: ["54321", "54321"],
  registration_number: ["98765", "98765"],
  lost_on: ["R8.11.20", "2026-11-20"],
  lost_where: ["高崎駅", "高崎駅"],
  police_number: ["第1234号", "第1234号"],
  found_on: ["令和8年11月25日", "2026-11-25"],
  found_where: ["自宅", "自宅"],
  previous_insurer: ["全国健康保険協会", "全国健康保険協会"],
  certificate_issued_on: ["R8.10.30", "2026-10-30"],
  guarantor_birth_date: ["昭和45年5月6日", "1970-05-06"],
  inquiry_sent_on: ["R8.11.2", "2026-11-02"],
  answered_on: ["R8.11.12", "2026-11-12"],
  suspended_on: ["R8.11.20", "2026-11-20"],
  previous_lost_on: ["R8.10.31", "2026-10-31"],
  new_acquired_on: ["R8.11.1", "2026-11-01"],
  father_birth_date: ["S60.1.2", "1985-01-02"],
  mother_birth_date: ["S62.2.3", "1987-02-03"],
  ground_arose_on: ["R8.9.30", "2026-09-30"],
  death_on: ["R8.9.30", "2026-09-30"],
  claimant_income: ["１，２００，０００円", "1200000"],
  child_support_received: ["240,000", "240000"],
  supporter_my_number: [spaced(MY_NUMBERS[1]), MY_NUMBERS[1]],
  supporter_income: ["3000000", "3000000"],
};

/** Counts typed as staff type them (full width, a leading zero) and what is stored. */
const COUNTS = [["２", "2"], ["03", "3"], ["1", "1"], ["０", "0"]];

/** The DOM id of a field, as the visit screen names it. */
const domId = (parts) => parts.join("-").replace(/[._]/g, "-");

/** Fields to type on the visit screen for these forms: canonical items once (person items
 *  for each person), each form's own fields, in screen order. */
function fieldsOf(catalog, formIds, persons) {
  const out = [];
  const seen = new Set();
  const add = (f) => {
    if (!seen.has(f.id)) {
      seen.add(f.id);
      out.push(f);
    }
  };
  for (const form of catalog.forms.filter((f) => formIds.includes(f.id))) {
    for (const field of form.sections.flatMap((s) => s.fields)) {
      if (field.scope === "form") continue;
      if (field.scope === "person") {
        for (let i = 0; i < persons; i++) {
          add({ ...field, person: i, id: domId(["item", "person", String(i), field.key.slice("person.".length)]) });
        }
      } else {
        add({ ...field, id: domId(["item", field.key]) });
      }
    }
  }
  for (const form of catalog.forms.filter((f) => formIds.includes(f.id))) {
    for (const field of form.sections.flatMap((s) => s.fields)) {
      if (field.scope !== "form") continue;
      if (field.kind === "counts") {
        field.choices.forEach((c, i) =>
          add({ ...field, kind: "count", id: domId(["form", form.id, field.key, c.id]), count: COUNTS[i % COUNTS.length] }),
        );
      } else {
        add({ ...field, form: form.id, id: domId(["form", form.id, field.key]) });
      }
    }
  }
  return out;
}

/** [typed, stored] for a text-like field. */
function valueFor(field) {
  if (field.kind === "count") return field.count;
  if (field.scope !== "form") {
    const values = VALUES[field.key];
    if (values) return values[Math.min(field.person ?? 0, values.length - 1)];
  } else if (OWN_VALUES[field.key]) {
    return OWN_VALUES[field.key];
  }
  if (field.kind === "text") {
    const text = "窓口入力テスト".slice(0, field.max ?? 40);
    return [text, text];
  }
  throw new Error(`no value for ${field.id} (${field.kind}): add one to the table`);
}

/** Types one field as a person or a scanner does; returns what the visit must hold. */
async function typeField(page, field, delay) {
  const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
  await page.focus(`#${field.id}`);
  let stored;
  if (field.kind === "choice") {
    // From 「—」 down to the second choice (or the only one), with the arrow keys.
    await page.keyboard.press("Home");
    const steps = Math.min(2, field.choices.length);
    for (let i = 0; i < steps; i++) await page.keyboard.press("ArrowDown");
    stored = field.choices[steps - 1].id;
  } else if (field.kind === "flag") {
    if (!(await page.isChecked(`#${field.id}`))) await page.keyboard.press("Space");
    stored = "true";
  } else {
    const [typed, canonical] = valueFor(field);
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Backspace");
    await page.keyboard.type(typed, { delay });
    const where = await focused();
    if (where !== field.id) throw new Error(`${field.id}: typing "${typed}", the focus went to ${where}`);
    const shown = await page.inputValue(`#${field.id}`);
    // A number field takes full-width digits as the digits they are.
    const asTyped = field.kind === "count" ? typed.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)) : typed;
    if (shown !== asTyped) throw new Error(`${field.id}: typed "${typed}", the field shows "${shown}"`);
    stored = canonical;
  }
  await page.keyboard.press("Tab");
  const after = await focused();
  if (after === "BODY" || after === "HTML") throw new Error(`${field.id}: after Tab the focus is on the page body`);
  return stored;
}

/** What a screen shows for each field: value, checked state or selection. */
function readFields(page, fields) {
  return page.evaluate(
    (fields) =>
      Object.fromEntries(
        fields.map(({ id, kind }) => {
          const el = document.getElementById(id);
          if (!el) return [id, null];
          return [id, kind === "flag" ? String(el.checked) : el.value];
        }),
      ),
    fields.map(({ id, kind }) => ({ id, kind })),
  );
}

/** Waits until `page` shows every expected value; fails naming the fields that differ. Each
 *  key is a change of the visit, applied in order: on a loaded machine the last form's keys
 *  reach the screen some seconds after they were typed (seen in CI at over 20 s). */
async function expectShown(page, fields, expected, what) {
  const deadline = Date.now() + 60000;
  let wrong = [];
  while (Date.now() < deadline) {
    const shown = await readFields(page, fields);
    wrong = fields.filter((f) => shown[f.id] !== expected[f.id]).map((f) => `${f.id}: ${JSON.stringify(shown[f.id])} (want ${JSON.stringify(expected[f.id])})`);
    if (wrong.length === 0) return;
    await page.waitForTimeout(250);
  }
  throw new Error(`${what}: ${wrong.length} of ${fields.length} fields differ:\n  ${wrong.join("\n  ")}`);
}

await runSuite("catalog", {}, async ({ steps, server, browser }) => {
  const kiosk = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
  const number = await kioskVisit(kiosk, server, "");
  const page = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
  const other = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();

  await steps.step("the kiosk's fields take keys at both speeds; the counter gets them canonical", async () => {
    // 生年月日 is chosen as the citizen knows it, in 和暦.
    const kioskFields = [
      ["kiosk-person-name-0", "窓口 花子", 5],
      ["kiosk-person-kana-0", "ﾏﾄﾞｸﾞﾁ ﾊﾅｺ", 30],
      ["kiosk-household-address-all", "高崎市高松町35番地1", 5],
    ];
    for (const [id, text, delay] of kioskFields) {
      await kiosk.focus(`#${id}`);
      await kiosk.keyboard.type(text, { delay });
      const where = await kiosk.evaluate(() => document.activeElement?.id);
      expectEqual(where, id, `the focus after typing into ${id}`);
      await kiosk.keyboard.press("Tab");
    }
    expectEqual(await kiosk.inputValue("#kiosk-person-kana-0"), "マドグチ\u3000ハナコ", "kana, canonical once left");
    await pickDate(kiosk, "kiosk-person-birth-date-0", "昭和", 60, 1, 2);
    expectEqual(await kiosk.textContent("#kiosk-person-birth-date-0-echo"), "昭和60年1月2日 (1985-01-02) と受け付けます", "said back in both calendars");
    await signIn(page, server);
    await openByNumber(page, number, "窓口 花子");
    await page.waitForFunction(
      () =>
        document.querySelector("#item-person-0-kana")?.value === "マドグチ\u3000ハナコ" &&
        document.querySelector("#item-person-0-birth-date")?.value === "1985-01-02" &&
        document.querySelector("#item-household-address")?.value === "高崎市高松町35番地1",
      null,
      { timeout: 15000 },
    ).catch(async (e) => {
      const values = await page.$$eval("input", (is) => is.map((i) => `${i.id}=${i.value}`));
      throw new Error(`the counter shows ${values.join(", ")}: ${e.message}`);
    });
  });
  const catalog = await page.evaluate(() => fetch("/api/forms").then((r) => r.json()));
  const typed = new Map();
  const reached = new Set();

  await steps.step("every procedure no move leads to is added from the keyboard, the focus on its form", async () => {
    // 転入 first: its form and the ones its facts lead to.
    await page.focus("#navi-event-tennyu");
    await page.keyboard.press("Space");
    await page.waitForSelector("#form-jumin-idou-tennyu");
    await page.focus("#add-person");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#person-1");
    for (;;) {
      const options = await page.$$eval("#procedure-add option", (os) => os.map((o) => o.value));
      if (options.length <= 1) break;
      const rule = options[1];
      await page.focus("#procedure-add");
      await page.keyboard.press("Home");
      await page.keyboard.press("ArrowDown");
      expectEqual(await page.inputValue("#procedure-add"), rule, "the first procedure on offer chosen");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
      await page.waitForSelector(`#procedure-${rule.replaceAll("_", "-")}`);
      // The focus goes to the first field of the procedure's form (or its 確認する).
      await page
        .waitForFunction(() => document.activeElement?.closest(".form-section[id^=form-]") != null, null, { timeout: 5000 })
        .catch(async () => {
          const where = await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
          throw new Error(`${rule}: after 追加 the focus is on ${where}`);
        });
    }
    await steps.shot(page, "01-every-procedure", { manual: "counter-navi" });
  });

  for (const [event, form] of [
    ["tennyu", "jumin_idou_tennyu"],
    ["tenkyo", "jumin_idou_tenkyo"],
    ["tenshutsu", "jumin_idou_tenshutsu"],
  ]) {
    await steps.step(`${event}: every field of every form on the screen, typed key by key and stored canonical`, async () => {
      await page.focus(`#navi-event-${event}`);
      await page.keyboard.press("Space");
      await page.waitForSelector(`#form-${domId([form])}`);
      // Other 課' forms are folded on 市民課's screen: each unfolded from its summary.
      for (const fold of await page.$$eval("details.form-fold:not([open])", (ds) => ds.map((d) => d.id))) {
        await page.focus(`#${fold} > summary`);
        await page.keyboard.press("Enter");
      }
      const formIds = await page.$$eval("fieldset.form-section[id^=form-]", (fs) => fs.map((f) => f.id));
      const shownForms = catalog.forms.filter((f) => formIds.includes(domId(["form", f.id]))).map((f) => f.id);
      shownForms.forEach((f) => reached.add(f));
      const fields = fieldsOf(catalog, shownForms, 2);
      let i = 0;
      for (const field of fields) {
        if (!(await page.$(`#${field.id}`))) throw new Error(`${field.id} is not on the screen`);
        if (typed.has(field.id)) continue;
        // Every other field at scanner speed.
        const stored = await typeField(page, field, i++ % 2 === 0 ? 5 : 30);
        typed.set(field.id, stored);
      }
      const expected = Object.fromEntries(fields.map((f) => [f.id, typed.get(f.id)]));
      await expectShown(page, fields, expected, `${event}: the typing screen`);
      // The second terminal shows what the server holds.
      if (!(await other.$("#visit-title"))) {
        await signIn(other, server, "shimin02");
        await openByNumber(other, number);
      }
      await other.waitForSelector(`#form-${domId([form])}`, { timeout: 20000 });
      await expectShown(other, fields, expected, `${event}: the second terminal`);
    });
  }

  await steps.step("the catalog was covered: every form reached, every field typed", async () => {
    const missing = catalog.forms.map((f) => f.id).filter((f) => !reached.has(f));
    expectEqual(missing.join(","), "", "forms not reached");
    const own = catalog.forms.flatMap((f) => f.sections.flatMap((s) => s.fields).filter((x) => x.scope === "form"));
    console.log(`  ${catalog.forms.length} forms, ${typed.size} fields typed (${own.length} forms' own fields, the rest canonical items for two persons)`);
    await steps.shot(other, "02-second-terminal");
  });

  await steps.step("an IME conversion is written once, when committed, never mid-conversion", async () => {
    const id = "#item-visit-notifier-name";
    await page.focus(id);
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Backspace");
    await other.waitForFunction((i) => document.querySelector(i).value === "", id, { timeout: 15000 });
    // The second terminal notes every value the field shows.
    await other.evaluate((i) => {
      window.__seen = new Set();
      window.__watch = setInterval(() => window.__seen.add(document.querySelector(i).value), 5);
    }, id);
    // 高橋 typed with an IME: an input event at each unconverted step, then the commit.
    const steps_ = ["t", "た", "たk", "たか", "たかh", "たかは", "たかはs", "たかはし", "高橋"];
    const kept = await page.evaluate(async ([i, steps]) => {
      const el = document.querySelector(i);
      const shown = [];
      el.dispatchEvent(new CompositionEvent("compositionstart", { bubbles: true, data: "" }));
      for (const s of steps) {
        el.value = s;
        el.dispatchEvent(new InputEvent("input", { bubbles: true, isComposing: true, inputType: "insertCompositionText", data: s }));
        await new Promise((r) => setTimeout(r, 40));
        shown.push(el.value);
      }
      el.dispatchEvent(new CompositionEvent("compositionend", { bubbles: true, data: "高橋" }));
      return shown;
    }, [id, steps_]);
    expectEqual(JSON.stringify(kept), JSON.stringify(steps_), "the field never rewritten under the cursor");
    await other.waitForFunction((i) => document.querySelector(i).value === "高橋", id, { timeout: 15000 });
    await page.waitForTimeout(300);
    const seen = await other.evaluate(() => {
      clearInterval(window.__watch);
      return [...window.__seen];
    });
    const leaked = seen.filter((v) => v !== "" && v !== "高橋");
    expectEqual(JSON.stringify(leaked), "[]", "no unconverted step reached the visit");
    expectEqual(await page.inputValue(id), "高橋", "the field holds the conversion");
  });
});
