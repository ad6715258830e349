// The citizen's signature (issue 15, part 6): signed at the counter with a mouse and on a
// second device's full-screen pad with a pen (CDP pointer events with pressure), shown on
// the visit, locked once the form is confirmed, printed in the 届出人 署名 box of the A4
// PDF (the box's ink measured on the rendered page against an unsigned print), and audited.
// A signature covers the form's values: 氏名 changed after signing, the panel asks to sign
// again and the print has no signature until the citizen has. The tablet's sign screen is
// the citizen's: their language (nine, by button or ?lang=), no staff banner or
// announcement, no link out; Back and typed addresses stay on it; staff leave with the
// title held three seconds (or Ctrl+Alt+K) and their password.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expectEqual, signIn, runSuite, CONTEXT_OPTIONS, kioskVisit, openByNumber, axeAudit, TEST_PASSWORD } from "./browser.mjs";

const FORM = "jumin-idou-tenkyo";

/** A date `days` before today in Japan, as YYYY-MM-DD. */
function daysAgo(days) {
  const d = new Date(Date.now() + 9 * 3600 * 1000 - days * 86400 * 1000);
  return d.toISOString().slice(0, 10);
}

/** Types into a field key by key (replacing what it held) and leaves it with Tab. */
async function typeInto(page, selector, text) {
  await page.focus(selector);
  await page.keyboard.press("Control+A");
  await page.keyboard.type(text, { delay: 5 });
  await page.keyboard.press("Tab");
}

/** Presses a button by keyboard, as staff without a mouse do. */
async function pressByKeyboard(page, selector) {
  await page.focus(selector);
  await page.keyboard.press("Enter");
}

/** Fills the 転居届's items (all but 氏名, from the kiosk), key by key. */
async function fillTenkyo(page) {
  await page.selectOption("#item-visit-notifier-relation", "self");
  await typeInto(page, "#item-visit-notifier-name", "高崎 花子");
  await typeInto(page, "#item-visit-notifier-phone", "027-321-1111");
  await page.selectOption("#item-visit-identity-document", "my_number_card");
  await typeInto(page, "#item-visit-moved-on", daysAgo(3));
  await typeInto(page, "#item-household-postal-code", "370-0849");
  await typeInto(page, "#item-household-address", "群馬県高崎市八島町222番地");
  await typeInto(page, "#item-household-head-name", "高崎 花子");
  await typeInto(page, "#item-visit-previous-address", "群馬県高崎市高松町35番地1");
  await typeInto(page, "#item-person-0-kana", "タカサキ ハナコ");
  await typeInto(page, "#item-person-0-birth-date", "1988-04-12");
  await page.selectOption("#item-person-0-sex", "female");
  await typeInto(page, "#item-person-0-relationship", "世帯主");
  await page.waitForFunction((f) => document.querySelector(`#form-${f}`)?.dataset.findings === "0", FORM);
}

/** Holds the pointer on an element's middle for `ms`. */
async function hold(page, selector, ms) {
  const box = await page.locator(selector).boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.waitForTimeout(ms);
  await page.mouse.up();
}

/** Enters the staff's password on the sign screen's check, key by key, and sends it. */
async function release(page, password) {
  await page.waitForSelector("#sign-release-password");
  // At a person's pace: keys 35 ms apart or closer read as a keyboard-wedge QR scan.
  await page.waitForTimeout(400);
  await page.focus("#sign-release-password");
  await page.keyboard.type(password, { delay: 60 });
  await page.keyboard.press("Enter");
}

/** What a citizen's screen must never show: the staff's banners and announcements. */
const STAFF_WORDS = ["保存未保護", "サーバーに接続しました", "受付の画面へ戻る", "住民検索", "一覧へ戻る", "管理"];

/** A signature-like path across the pad: a few waves, in fractions of the canvas. */
function wave(n, phase) {
  return Array.from({ length: n }, (_, i) => [0.08 + (0.8 * i) / n, 0.5 + 0.3 * Math.sin(i / 3 + phase)]);
}

/** Prints the preview on screen to A4 PDF; returns the file. */
async function printPdf(page, steps, name) {
  await page.emulateMedia({ media: "print" });
  const pdf = await page.pdf({ format: "A4", printBackground: true });
  await page.emulateMedia({ media: "screen" });
  const file = join(steps.shots, `${name}.pdf`);
  writeFileSync(file, pdf);
  return file;
}

/** Dark pixels in the 署名 box of the PDF: the box is right of its caption (「届出人 署名」,
 *  found with pdftotext -bbox), 60 mm × 18 mm, bottom-aligned with it; the page is rendered
 *  in grey at 144 dpi with pdftoppm and the pixels darker than mid-grey are counted. */
function boxInk(file) {
  const html = execFileSync("pdftotext", ["-bbox", file, "-"]).toString();
  const pages = html.split("<page ").slice(1);
  for (let p = 0; p < pages.length; p++) {
    const words = [...pages[p].matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)];
    const caption = words.filter((w) => w[5].includes("署名")).pop();
    if (!caption) continue;
    const [xMax, yMax] = [Number(caption[3]), Number(caption[4])];
    const out = `${file}-page`;
    execFileSync("pdftoppm", ["-r", "144", "-gray", "-singlefile", "-f", String(p + 1), "-l", String(p + 1), file, out]);
    const pgm = readFileSync(`${out}.pgm`);
    // P5 header: magic, width, height, max, each followed by white space.
    const header = pgm.subarray(0, 64).toString("latin1").match(/^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/);
    const [width, height] = [Number(header[1]), Number(header[2])];
    const data = pgm.subarray(header[0].length);
    const scale = 2; // 144 dpi / 72 pt
    const mm = 72 / 25.4;
    const x0 = Math.floor((xMax + 2) * scale);
    const x1 = Math.ceil((xMax + (4 + 60 + 3) * mm) * scale);
    const y0 = Math.floor((yMax - (18 + 4) * mm) * scale);
    const y1 = Math.ceil((yMax + 3 * mm) * scale);
    let dark = 0;
    for (let y = Math.max(0, y0); y < Math.min(height, y1); y++) {
      for (let x = Math.max(0, x0); x < Math.min(width, x1); x++) {
        if (data[y * width + x] < 128) dark++;
      }
    }
    return dark;
  }
  throw new Error(`${file}: no 署名 caption in the PDF text`);
}

await runSuite("signature", {}, async ({ steps, server, browser }) => {
  const context = await browser.newContext(CONTEXT_OPTIONS);
  const page = await context.newPage();
  let number;
  let visitUrl;
  let unsignedInk;
  await steps.step("a 転居 visit at the counter offers its forms to sign", async () => {
    number = await kioskVisit(page, server, "高崎 花子");
    await page.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("同期済み"));
    await signIn(page, server);
    await openByNumber(page, number, "高崎 花子");
    visitUrl = page.url();
    await page.focus("#navi-event-tenkyo");
    await page.keyboard.press("Space");
    await page.waitForSelector(`#sign-form-${FORM}`);
    expectEqual(await page.isChecked(`#sign-form-${FORM}`), true, "an open form is ticked to sign");
    expectEqual(await page.textContent(`#sign-state-${FORM}`), "未署名", "not signed yet");
    expectEqual(await page.isDisabled("#sign-confirm"), false, "the pad takes a signature");
    const name = await page.getAttribute("#sign-canvas", "aria-label");
    expectEqual(name, "署名欄", "the canvas's accessible name");
    await axeAudit(steps, page, "01-signing-panel");
  });

  await steps.step("printed unsigned, the 届出人 署名 box is empty", async () => {
    await page.click(`#print-${FORM}`);
    await page.waitForSelector("#paper");
    expectEqual(await page.getAttribute(".paper .signature", "data-signed"), "false", "no signature on the paper");
    unsignedInk = boxInk(await printPdf(page, steps, "unsigned"));
    await page.goto(visitUrl);
    await page.waitForSelector(`#sign-form-${FORM}`);
    await fillTenkyo(page);
  });

  await steps.step("signed with the mouse, 確定 pressed by keyboard", async () => {
    // 確定 on an empty pad asks for the signature first.
    await pressByKeyboard(page, "#sign-confirm");
    await page.waitForSelector("#sign-empty");
    await page.locator("#sign-canvas").scrollIntoViewIfNeeded();
    const box = await page.locator("#sign-canvas").boundingBox();
    for (const phase of [0, 2]) {
      const path = wave(40, phase);
      await page.mouse.move(box.x + path[0][0] * box.width, box.y + path[0][1] * box.height);
      await page.mouse.down();
      for (const [fx, fy] of path.slice(1)) {
        await page.mouse.move(box.x + fx * box.width, box.y + fy * box.height, { steps: 2 });
      }
      await page.mouse.up();
    }
    expectEqual(await page.getAttribute("#sign-pad", "data-inked"), "true", "ink on the pad");
    // 書き直す clears it; signed again and confirmed.
    await pressByKeyboard(page, "#sign-clear");
    expectEqual(await page.getAttribute("#sign-pad", "data-inked"), "false", "cleared");
    const path = wave(50, 1);
    await page.mouse.move(box.x + path[0][0] * box.width, box.y + path[0][1] * box.height);
    await page.mouse.down();
    for (const [fx, fy] of path.slice(1)) {
      await page.mouse.move(box.x + fx * box.width, box.y + fy * box.height, { steps: 3 });
    }
    await page.mouse.up();
    await pressByKeyboard(page, "#sign-confirm");
    await page.waitForSelector(`#sign-state-${FORM}[data-signed="true"]`);
    const text = await page.textContent(`#sign-state-${FORM}`);
    if (!/署名済み \d{4}-\d{2}-\d{2} \d{2}:\d{2} 端末 t-[0-9a-f]{12}/.test(text)) throw new Error(`state: ${text}`);
    // A mouse gives no pressure: one polyline per stroke, the thin line.
    const thumb = await page.innerHTML(`#sign-state-${FORM} .signature-thumb`);
    expectEqual((thumb.match(/<polyline /g) ?? []).length, 1, "one stroke of the mouse");
    expectEqual(thumb.includes("<line "), false, "no pressure from a mouse");
    const kept = (thumb.match(/points="([^"]*)"/)?.[1] ?? "").split(" ").length;
    console.log(`     mouse: 150 moves in the box, ${kept} points kept`);
    await page.waitForFunction(() => document.querySelector("#history").textContent.includes("署名"));
    await page.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("同期済み"));
    await steps.shot(page, "02-signed-mouse", { manual: "counter-signature" });
  });

  await steps.step("氏名 changed after signing: the panel asks to sign again, the print has no signature", async () => {
    await typeInto(page, "#item-person-0-name", "高崎 花江");
    await page.waitForSelector(`#sign-state-${FORM}[data-signed="false"]`);
    const text = await page.textContent(`#sign-state-${FORM}`);
    if (!text.includes("署名後に内容が変わりました。もう一度署名してください")) throw new Error(`state: ${text}`);
    expectEqual(await page.$(`#sign-state-${FORM} .signature-thumb`), null, "no old signature on the panel");
    await page.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("同期済み"));
    await page.click(`#print-${FORM}`);
    await page.waitForSelector("#paper");
    expectEqual(await page.getAttribute(".paper .signature", "data-signed"), "false", "the old signature is not printed");
    expectEqual(await page.$("#paper-signature-todokedenin svg"), null, "no signature drawing in the box");
    await steps.shot(page, "02b-changed-after-signing", { manual: "counter-signature-changed" });
    await page.goto(visitUrl);
    await page.waitForSelector(`#sign-form-${FORM}`);
  });

  const tabletContext = await browser.newContext({ ...CONTEXT_OPTIONS, viewport: { width: 1024, height: 768 }, hasTouch: true });
  const tablet = await tabletContext.newPage();
  await steps.step("a second device opens the full-screen pad: only the form names, and a pen signs offline", async () => {
    await signIn(tablet, server, "shimin02");
    const visitId = visitUrl.split("/").pop();
    // The counter asks for English in the address.
    await tablet.goto(`${server.url}#/sign/${visitId}?lang=en`);
    await tablet.waitForSelector(`#sign-screen-forms li[data-form="jumin_idou_tenkyo"]`);
    // The focus starts at the page's title, not on the body.
    await tablet.waitForFunction(() => document.activeElement?.id === "sign-screen-title");
    expectEqual(await tablet.textContent("#sign-screen-title"), "Please sign", "English from ?lang=en");
    const body = await tablet.textContent("body");
    for (const personal of ["高崎 花子", "高崎 花江", number]) {
      if (body.includes(personal)) throw new Error(`the citizen's screen shows ${personal}`);
    }
    expectEqual(await tablet.$("#staff-badge"), null, "no staff name on the citizen's screen");
    expectEqual(await tablet.$$eval("a[href]", (links) => links.map((a) => a.getAttribute("href"))).then((l) => l.length), 0, "no link out of the sign screen");
    // The person at the counter picks Português for the citizen.
    await tablet.click("#sign-language-pt");
    await tablet.waitForFunction(() => document.querySelector("#sign-screen-title")?.textContent === "Assine, por favor");
    expectEqual(await tablet.getAttribute("#sign-screen", "lang"), "pt-BR", "the screen's language");
    expectEqual(await tablet.textContent("#sign-screen-confirm"), "Confirmar", "確定 in Portuguese");
    expectEqual(await tablet.textContent("#sign-screen-clear"), "Escrever de novo", "書き直す in Portuguese");
    expectEqual(await tablet.getAttribute("#sign-screen-canvas", "aria-label"), "Quadro da assinatura", "the pad's name in Portuguese");
    const intro = await tablet.textContent("#sign-screen-intro");
    if (!intro.startsWith("Assine o seu nome")) throw new Error(`intro: ${intro}`);
    await axeAudit(steps, tablet, "03-sign-screen");
    // A pen through CDP: pointerType pen with its force as the pressure.
    const cdp = await tabletContext.newCDPSession(tablet);
    await tablet.locator("#sign-screen-canvas").scrollIntoViewIfNeeded();
    const box = await tablet.locator("#sign-screen-canvas").boundingBox();
    const path = wave(60, 0.5);
    const at = ([fx, fy]) => ({ x: box.x + fx * box.width, y: box.y + fy * box.height });
    const pen = (type, [fx, fy], force) =>
      cdp.send("Input.dispatchMouseEvent", { type, ...at([fx, fy]), button: "left", buttons: type === "mouseReleased" ? 0 : 1, clickCount: 1, pointerType: "pen", force });
    await pen("mouseMoved", path[0], 0);
    await pen("mousePressed", path[0], 0.2);
    for (let i = 1; i < path.length; i++) {
      await pen("mouseMoved", path[i], 0.2 + (0.7 * i) / path.length);
    }
    await pen("mouseReleased", path[path.length - 1], 0);
    expectEqual(await tablet.getAttribute("#sign-screen-pad", "data-inked"), "true", "the pen's ink on the pad");
    // The tablet lost the network: the signing is kept, and audited once it arrives.
    await tabletContext.setOffline(true);
    await tablet.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("オフライン"));
    await tablet.click("#sign-screen-confirm");
    await tablet.waitForSelector("#sign-screen-done");
    expectEqual(await tablet.textContent("#sign-screen-done"), "Assinado. Obrigado. Avise o atendente, por favor.", "done in Portuguese");
    await tablet.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("未送信"));
    await tabletContext.setOffline(false);
    await tablet.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("同期済み"), null, { timeout: 30000 });
    // Back online: the staff's 「サーバーに接続しました。」 and storage flag are not the citizen's.
    await tablet.waitForTimeout(300);
    expectEqual(await tablet.textContent("#announcer"), "", "no staff announcement");
    const words = await tablet.evaluate(() => document.body.innerText + document.body.textContent);
    for (const staff of STAFF_WORDS) {
      if (words.includes(staff)) throw new Error(`the citizen's screen says ${staff}`);
    }
    await steps.shot(tablet, "04-signed-pen");
  });

  await steps.step("the counter sees the pen's signature, drawn with its pressure", async () => {
    await page.waitForFunction(
      (form) => document.querySelector(`#sign-state-${form} .signature-thumb line`) !== null,
      FORM,
      { timeout: 15000 },
    );
    const widths = await page.$$eval(`#sign-state-${FORM} .signature-thumb line`, (lines) => lines.map((l) => l.getAttribute("stroke-width")));
    if (widths.length < 20) throw new Error(`${widths.length} segments of the pen`);
    const distinct = new Set(widths).size;
    if (distinct < 5) throw new Error(`the pen's pressure did not vary the line: ${[...new Set(widths)]}`);
    console.log(`     pen: ${widths.length} segments, ${distinct} line widths`);
  });

  await steps.step("signed again over the new 氏名, the form is confirmed; its signature is fixed and the pads are locked", async () => {
    await page.waitForFunction((f) => document.querySelector(`#form-${f}`)?.dataset.findings === "0", FORM);
    await pressByKeyboard(page, `#confirm-${FORM}`);
    await page.waitForFunction((f) => document.querySelector(`#status-${f}`)?.dataset.state === "confirmed", FORM, { timeout: 30000 });
    await page.waitForSelector(`#signature-panel li[data-form="jumin_idou_tenkyo"][data-locked="true"]`);
    expectEqual(await page.isDisabled(`#sign-form-${FORM}`), true, "the confirmed form's tick");
    expectEqual(await page.isDisabled("#sign-confirm"), true, "確定 locked");
    // Drawing on the locked pad leaves no ink.
    const box = await page.locator("#sign-canvas").boundingBox();
    await page.mouse.move(box.x + 20, box.y + 20);
    await page.mouse.down();
    await page.mouse.move(box.x + 200, box.y + 60, { steps: 5 });
    await page.mouse.up();
    expectEqual(await page.getAttribute("#sign-pad", "data-inked"), "false", "no ink on a locked pad");
    // The tablet has nothing left to sign.
    await tablet.waitForSelector("#sign-nothing");
    expectEqual(await tablet.isDisabled("#sign-screen-confirm"), true, "the tablet's pad locked");
    await axeAudit(steps, page, "05-signing-locked");
  });

  await steps.step("the tablet keeps the citizen on the signing; the staff's hold and password leave it", async () => {
    const visitId = visitUrl.split("/").pop();
    // An address typed, and Back: the signing again.
    await tablet.evaluate(() => { location.hash = "#/counter"; });
    await tablet.waitForTimeout(300);
    await tablet.waitForSelector("#sign-screen");
    expectEqual(await tablet.evaluate(() => location.hash), `#/sign/${visitId}`, "held on the signing");
    await tablet.goBack();
    await tablet.waitForTimeout(300);
    await tablet.waitForSelector("#sign-screen");
    expectEqual(await tablet.evaluate(() => location.hash.startsWith(`#/sign/`)), true, "Back stays on the signing");
    expectEqual(await tablet.$("#visit-title"), null, "no staff screen");
    // A tap on the title is no way out; a citizen's short hold neither.
    await hold(tablet, "#sign-screen-title", 800);
    expectEqual(await tablet.$("#sign-release"), null, "a short hold opens nothing");
    // The staff hold it three seconds: their password, a wrong one refused.
    await hold(tablet, "#sign-screen-title", 3300);
    await release(tablet, "not-the-password");
    await tablet.waitForFunction(() => document.querySelector("#sign-release-refused")?.textContent === "パスワードが違います。");
    await axeAudit(steps, tablet, "07-sign-release");
    await tablet.focus("#sign-release-password");
    await tablet.keyboard.press("Control+A");
    await release(tablet, TEST_PASSWORD);
    await tablet.waitForSelector("#visit-title");
    expectEqual(await tablet.evaluate(() => location.hash), `#/counter/${visitId}`, "released to the visit");
    // Released, the tab goes where staff go.
    await tablet.evaluate(() => { location.hash = "#/counter"; });
    await tablet.waitForSelector("#open-number");
  });

  await steps.step("opened from the visit, the sign screen replaces it: Back does not return to the visit; Ctrl+Alt+K leaves", async () => {
    await page.goto(visitUrl);
    await page.waitForSelector("#sign-open-tablet");
    await page.click("#sign-open-tablet");
    await page.waitForSelector("#sign-screen");
    expectEqual(await page.$("#staff-badge"), null, "the counter's own screen turned to the citizen");
    await page.goBack();
    await page.waitForTimeout(300);
    await page.waitForSelector("#sign-screen");
    expectEqual(await page.$("#visit-title"), null, "Back shows no staff screen");
    await page.focus("#sign-screen-title");
    await page.keyboard.press("Control+Alt+K");
    await release(page, TEST_PASSWORD);
    await page.waitForSelector("#visit-title");
  });

  await steps.step("the print carries the signature in the 届出人 署名 box of the PDF", async () => {
    await page.click(`#print-${FORM}`);
    await page.waitForSelector("#paper .signature[data-signed='true'] svg");
    const title = await page.textContent("#paper-signature-todokedenin svg title");
    if (!title.startsWith("署名済み ")) throw new Error(`title: ${title}`);
    expectEqual(await page.getAttribute("#paper", "data-draft"), "false", "confirmed: no 下書き mark");
    await steps.shot(page, "06-print-preview", { manual: "counter-print" });
    const file = await printPdf(page, steps, "signed");
    const text = execFileSync("pdftotext", [file, "-"]).toString().replace(/\s+/g, "");
    if (!text.includes("届出人署名")) throw new Error(`the PDF lacks the box's caption:\n${text}`);
    const signedInk = boxInk(file);
    console.log(`     ink in the 署名 box: ${unsignedInk} px unsigned, ${signedInk} px signed`);
    if (signedInk < unsignedInk + 300) throw new Error(`the signature is not in the PDF's box: ${signedInk} vs ${unsignedInk} px`);
  });

  await steps.step("each signing is in the audit log, never its strokes", async () => {
    const admin = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
    await signIn(admin, server, "admin01");
    const entries = await admin.evaluate(async () => (await fetch("/api/audit?action=signature_captured")).json());
    expectEqual(entries.length, 2, "two signings");
    const visitId = visitUrl.split("/").pop();
    for (const e of entries) {
      expectEqual(e.detail, `届出人 jumin_idou_tenkyo ${visitId}`, "the forms and the visit");
    }
    expectEqual(new Set(entries.map((e) => e.login)).size, 2, "the counter's and the tablet's staff");
    expectEqual(new Set(entries.map((e) => e.terminal)).size, 2, "two terminals");
  });
});
