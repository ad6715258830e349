// The マイナンバーカード read at the counter, through the real card bridge: pcscd with the
// vsmartcard vpcd reader and a virtual card (started by the Rust driver,
// device-webusb/card-bridge/tests/browser_card.rs, which also gives the bridge's pairing
// code). The counter pairs the terminal once (a mistyped code counts down), the citizen types
// the PIN on screen (a wrong one shows the tries left, the field empties every time), the
// card's 4情報 and 個人番号 fill the applicant (asking before replacing the name typed at the
// kiosk, 外字 intact, marked 「IC」; at a 転居 the card's address is the previous one), the read is audited by kind only, and three wrong PINs
// send the citizen to the 暗証番号再設定, which one key adds to the visit.
import { runSuite, axeAudit, signIn, kioskVisit, openByNumber, expectEqual, CONTEXT_OPTIONS } from "./browser.mjs";

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through device-webusb/card-bridge/tests/browser_card.rs)`);
  return value;
}

const CODE = required("MADOGUCHI_CARD_PAIRING_CODE");
const PIN = "4821";
const CARD_NAME = "𠮷田　髙志";


/** Types `text` key by key into `selector` and presses Enter. */
async function typeAndEnter(page, selector, text) {
  await page.focus(selector);
  await page.keyboard.type(text, { delay: 20 });
  await page.keyboard.press("Enter");
}

async function statusSays(page, text) {
  await page.waitForFunction((t) => document.querySelector("#card-status")?.textContent.includes(t), text, { timeout: 15000 });
}

// The bridge allows one origin, so the server listens where the driver said.
await runSuite("card", { port: Number(required("MADOGUCHI_SERVER_PORT")) }, async ({ steps, server, browser }) => {
  const kiosk = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
  const context = await browser.newContext(CONTEXT_OPTIONS);
  const page = await context.newPage();

  await steps.step("a 転居 visit with the applicant's name typed at the kiosk, opened at the counter", async () => {
    const number = await kioskVisit(kiosk, server, "吉田 たかし");
    await kiosk.keyboard.press("Tab");
    await signIn(page, server);
    await openByNumber(page, number, "吉田 たかし");
    await page.focus("#navi-event-tenkyo");
    await page.keyboard.press("Space");
    await page.waitForSelector("#item-person-0-my-number");
    await page.waitForSelector("#card-pair-code");
  });

  await steps.step("the terminal pairs once with the bridge's code; a mistyped code counts down", async () => {
    const wrong = CODE === "000000" ? "000001" : "000000";
    await typeAndEnter(page, "#card-pair-code", wrong);
    await statusSays(page, "残り4回");
    await typeAndEnter(page, "#card-pair-code", CODE);
    await statusSays(page, "ペアリングしました");
    await page.waitForSelector("#card-pin");
    const token = await page.evaluate(() => localStorage.getItem("madoguchi.card_bridge_token"));
    if (!/^[0-9a-f]{64}$/.test(token ?? "")) throw new Error(`no token kept: ${token}`);
    expectEqual(await page.getAttribute("#card-pin", "type"), "password", "the PIN is masked");
    expectEqual(await page.getAttribute("#card-pin", "inputmode"), "numeric", "a number pad on tablets");
  });

  await steps.step("a wrong PIN shows the tries left and leaves the field empty", async () => {
    await typeAndEnter(page, "#card-pin", "0000");
    await statusSays(page, "残り2回");
    expectEqual(await page.inputValue("#card-pin"), "", "the field is empty");
  });

  await steps.step("the right PIN reads the card; replacing the kiosk's name is asked first", async () => {
    await typeAndEnter(page, "#card-pin", PIN);
    expectEqual(await page.inputValue("#card-pin"), "", "the PIN left the field at once");
    await page.waitForSelector("#card-fill-confirm", { timeout: 15000 });
    const asked = await page.textContent("#card-fill-changes");
    if (!asked.includes("吉田 たかし") || !asked.includes(CARD_NAME)) throw new Error(`the question: ${asked}`);
    await axeAudit(steps, page, "01-asked");
    await page.focus("#card-fill-replace");
    await page.keyboard.press("Enter");
    // The history line comes once every item is written.
    await page.waitForSelector('#history li[data-action="filled_from_document"]', { timeout: 10000 });
    expectEqual(await page.inputValue("#item-person-0-name"), CARD_NAME, "氏名, 外字 intact");
    expectEqual(await page.inputValue("#item-person-0-my-number"), "123456789018", "個人番号");
    // At a 転居 the card's address is the one being left.
    expectEqual(await page.inputValue("#item-visit-previous-address"), "群馬県高崎市高松町35番地1", "従前の住所");
    const birth = await page.inputValue("#item-person-0-birth-date");
    if (!birth.includes("1985") && !birth.includes("昭和60")) throw new Error(`生年月日: ${birth}`);
    // Marked as read from the card's chip.
    const mark = await page.textContent("label[for='item-person-0-name'] .read-from");
    expectEqual(mark, "IC", "the IC mark beside the name");
    await steps.shot(page, "02-filled", { manual: "counter-card-reader" });
  });

  await steps.step("nothing in the browser's storage holds the PIN; the read is audited by kind only", async () => {
    const stored = await page.evaluate(() => {
      const out = [];
      for (const s of [localStorage, sessionStorage]) for (let i = 0; i < s.length; i++) out.push(s.key(i), s.getItem(s.key(i)));
      return out;
    });
    if (stored.some((s) => s && s.includes(`"${PIN}"`))) throw new Error("the PIN is stored");
    const admin = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
    await signIn(admin, server, "admin01");
    const audit = await admin.evaluate(async () => (await fetch("/api/audit?q=document_read")).json());
    const read = audit.find((e) => e.action === "document_read");
    if (!read) throw new Error(`no document_read in ${JSON.stringify(audit).slice(0, 400)}`);
    const text = JSON.stringify(read);
    if (!text.includes("マイナンバーカード") && !text.includes("my_number_card")) throw new Error(`kind missing: ${text}`);
    for (const value of ["𠮷田", "123456789018", "高松町"]) {
      if (text.includes(value)) throw new Error(`the audit holds ${value}`);
    }
  });

  await steps.step("three wrong PINs block it, and the counter is sent to the 暗証番号再設定", async () => {
    await typeAndEnter(page, "#card-pin", "9999");
    await statusSays(page, "残り2回");
    await typeAndEnter(page, "#card-pin", "9998");
    await statusSays(page, "残り1回");
    await typeAndEnter(page, "#card-pin", "9997");
    await statusSays(page, "ロックされています");
    await statusSays(page, "再設定");
    await axeAudit(steps, page, "03-blocked");
  });

  await steps.step("one key adds the 暗証番号再設定 to the visit, set to reset the card data PIN", async () => {
    await page.focus("#card-add-pin-reset");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#form-anshou-bangou-henko", { timeout: 10000 });
    await page.waitForFunction(() => document.querySelector("#form-anshou-bangou-henko-pin-kenmen")?.checked === true, null, { timeout: 10000 });
    expectEqual(await page.inputValue("#form-anshou-bangou-henko-action"), "reset", "申請の種類 再設定");
    expectEqual(await page.locator("#card-add-pin-reset").count(), 0, "the offer is gone once taken");
    await steps.shot(page, "04-reset-added");
  });
});
