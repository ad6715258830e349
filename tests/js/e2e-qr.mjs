// The paper 転出証明書's QR code at the counter, through each transport a reader can use,
// with the real browser APIs faked at their boundary (navigator.serial / navigator.hid):
// a household split over two Shift_JIS symbols read over USB-COM fills the 転入届 for every
// person, marked 「QR」, without overwriting what the counter typed unless asked; the same
// symbol twice, a misread and a foreign code are refused with the reason and change
// nothing; a HID POS reader sends a UTF-8 code under the ECI protocol in 63-byte reports; a
// reader left in keyboard mode is told to switch to USB-COM; each read is audited by kind.
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { watchCsp, runSuite, signIn, kioskVisit, openByNumber, CONTEXT_OPTIONS, CHROMIUM_ARGS, expectEqual, STAFF } from "./browser.mjs";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "transfer-certificate");
const fixture = (name) => [...readFileSync(join(FIXTURES, name))];

// navigator.serial and navigator.hid as Chrome has them, with ports the test feeds: a port
// once granted stays granted across reloads (as Chrome keeps the permission per origin).
const FAKE_DEVICES = () => {
  const granted = (kind) => localStorage.getItem(`__fake_${kind}`) === "granted";
  class FakeSerialPort {
    async open(options) {
      if (this.readable) throw new DOMException("The port is already open.", "InvalidStateError");
      window.__serialOpened = options;
      this.readable = new ReadableStream({
        start(controller) {
          window.__serialPush = (bytes) => controller.enqueue(new Uint8Array(bytes));
        },
      });
    }
    async close() {}
    getInfo() {
      return { usbVendorId: 0x0e2d, usbProductId: 0x0100 };
    }
  }
  let port;
  Object.defineProperty(navigator, "serial", {
    value: {
      async requestPort() {
        localStorage.setItem("__fake_serial", "granted");
        port ??= new FakeSerialPort();
        return port;
      },
      async getPorts() {
        if (!granted("serial")) return [];
        port ??= new FakeSerialPort();
        return [port];
      },
    },
  });
  class FakeHidDevice extends EventTarget {
    opened = false;
    productName = "QR reader (HID POS)";
    collections = [{ usagePage: 0x8c, usage: 0x02 }];
    async open() {
      this.opened = true;
      window.__hidReport = (reportId, bytes) => {
        const event = new Event("inputreport");
        event.reportId = reportId;
        event.device = this;
        event.data = new DataView(new Uint8Array(bytes).buffer);
        this.dispatchEvent(event);
      };
    }
    async close() {
      this.opened = false;
    }
  }
  let device;
  Object.defineProperty(navigator, "hid", {
    value: {
      async requestDevice(options) {
        window.__hidFilters = options.filters;
        localStorage.setItem("__fake_hid", "granted");
        device ??= new FakeHidDevice();
        return [device];
      },
      async getDevices() {
        if (!granted("hid")) return [];
        device ??= new FakeHidDevice();
        return [device];
      },
    },
  });
};

const value = (page, id) => page.evaluate((i) => document.getElementById(i)?.value, id);
const note = (page) => page.evaluate(() => document.querySelector("#qr-note")?.textContent ?? "");
const waitNote = (page, text, timeout = 10000) =>
  page.waitForFunction((t) => document.querySelector("#qr-note")?.textContent.includes(t), text, { timeout }).catch(async () => {
    throw new Error(`the reader does not say 「${text}」 but 「${await note(page)}」`);
  });

/** Sends a symbol over the fake USB-COM port as a reader does: 64-byte USB packets a
 *  millisecond apart, then the CR suffix, then silence. */
async function serialSymbol(page, bytes) {
  const data = [...bytes, 0x0d];
  for (let i = 0; i < data.length; i += 64) {
    await page.evaluate((chunk) => window.__serialPush(chunk), data.slice(i, i + 64));
  }
}

/** Sends a symbol as HID POS Scanned Data Reports: report id 2, 63 bytes each (length, AIM
 *  symbology identifier, 56 data bytes, continuation flag in the last byte). */
async function hidSymbol(page, bytes) {
  const [aim, data] = bytes[0] === 0x5d ? [bytes.slice(0, 3), bytes.slice(3)] : [[0, 0, 0], bytes];
  for (let i = 0; i < data.length; i += 56) {
    const chunk = data.slice(i, i + 56);
    const report = new Array(63).fill(0);
    report[0] = chunk.length;
    report.splice(1, 3, ...aim);
    report.splice(4, chunk.length, ...chunk);
    report[62] = i + 56 < data.length ? 1 : 0;
    await page.evaluate(([r]) => window.__hidReport(2, r), [report]);
  }
  // A status report of another id, which the reader ignores.
  await page.evaluate(() => window.__hidReport(4, [1, 0, 0]));
}

async function chooseReader(page, kind) {
  // By keyboard: the kind's select, then 接続.
  await page.focus("#qr-kind");
  await page.selectOption("#qr-kind", kind);
  await page.keyboard.press("Tab");
  expectEqual(await page.evaluate(() => document.activeElement?.id), "qr-connect", "Tab goes from the kind to 接続");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector("#qr-status")?.textContent.includes("接続中"), null, { timeout: 10000 });
}

await runSuite("qr", {}, async ({ steps, server, browser }) => {
  const context = await browser.newContext(CONTEXT_OPTIONS);
  await context.addInitScript(FAKE_DEVICES);
  const page = await context.newPage();
  page.on("console", (m) => m.text().includes("edit refused") && console.log("console:", m.text()));
  let visit;

  await steps.step("a visit at the counter, the applicant's name typed and the フリガナ typed differently", async () => {
    const number = await kioskVisit(page, server);
    await signIn(page, server);
    await openByNumber(page, number);
    visit = await page.evaluate(() => location.hash.split("/").pop());
    await page.click("#item-person-0-name");
    await page.keyboard.type("髙橋 一郎");
    await page.keyboard.press("Tab");
    await page.click("#item-person-0-kana");
    await page.keyboard.type("タカハシ イチロー");
    await page.keyboard.press("Tab");
    // Stored in its canonical form (a full-width space between the names).
    await page.waitForFunction(() => document.querySelector("#item-person-0-kana")?.value === "タカハシ\u3000イチロー");
    await page.waitForFunction(() => document.querySelector("#qr-status")?.textContent.includes("未設定"));
  });

  await steps.step("the USB-COM reader is chosen by keyboard and connected", async () => {
    await chooseReader(page, "serial");
    expectEqual(await page.evaluate(() => window.__serialOpened?.baudRate), 9600, "the port is opened at 9600");
  });

  await steps.step("a household over two Shift_JIS symbols: the first, then itself again, a misread and a foreign code", async () => {
    const before = await value(page, "item-person-0-kana");
    await serialSymbol(page, fixture("household-cp932-1of2.bin"));
    await waitNote(page, "3人中1人");
    await serialSymbol(page, fixture("household-cp932-1of2.bin"));
    await waitNote(page, "読み取り済み");
    await serialSymbol(page, fixture("misencoded.bin"));
    await waitNote(page, "文字が読めません");
    await serialSymbol(page, [..."https://www.city.takasaki.gunma.jp/"].map((c) => c.charCodeAt(0)));
    await waitNote(page, "転出証明書の二次元コードではありません");
    expectEqual(await page.evaluate(() => document.querySelector("#qr-note").getAttribute("role")), "alert", "a refusal is announced");
    expectEqual(await value(page, "item-person-0-kana"), before, "nothing changed");
    expectEqual(await page.$("#item-person-1-name"), null, "no person added");
    await steps.shot(page, "01-refused", { manual: "counter-transfer-qr-refused" });
  });

  await steps.step("the second symbol completes it: the counter is asked about the typed フリガナ and keeps it", async () => {
    await serialSymbol(page, fixture("household-cp932-2of2.bin"));
    await page.waitForSelector("#qr-fill-confirm", { timeout: 5000 }).catch(async (e) => { throw new Error(`no question; the reader says 「${await note(page)}」`); });
    const rows = await page.$$eval("#qr-fill-changes tbody tr", (trs) => trs.map((tr) => tr.textContent));
    if (rows.length !== 1 || !rows[0].includes("タカハシ\u3000イチロー")) throw new Error(`asked about: ${rows.join(" / ")}`);
    // Nobody was typing: the focus goes to the question's harmless answer, 空欄だけ (once
    // the question is drawn: a busy machine may take a frame or two).
    await page
      .waitForFunction(() => document.activeElement?.id === "qr-fill-blanks-only", null, { timeout: 5000 })
      .catch(() => {});
    expectEqual(await page.evaluate(() => document.activeElement?.id), "qr-fill-blanks-only", "the question has the focus on 空欄だけ");
    await page.keyboard.press("Shift+Tab");
    expectEqual(await page.evaluate(() => document.activeElement?.id), "qr-fill-replace", "Shift+Tab to 置き換える");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await waitNote(page, "3人分");
    await steps.shot(page, "02-filled", { manual: "counter-transfer-qr" });
  });

  await steps.step("every person is on the 転入届, marked 「QR」, the typed value kept", async () => {
    // The edits reach the screen through the local store: wait for the last person's name.
    await page.waitForFunction(() => document.querySelector("#item-person-2-name")?.value && document.querySelector("#item-visit-planned-move-out-on")?.value);
    expectEqual(await value(page, "item-person-0-kana"), "タカハシ\u3000イチロー", "the typed フリガナ is kept");
    expectEqual(await value(page, "item-person-0-name"), "髙橋 一郎", "髙 (IBM extension) decodes");
    expectEqual(await value(page, "item-person-2-name"), "髙橋 ①太", "① (NEC special) decodes");
    expectEqual(await value(page, "item-person-1-kana"), "タカハシ\u3000ハナコ", "the kana split across symbols joins");
    expectEqual(await value(page, "item-person-1-relationship"), "妻", "続柄");
    const birth = await value(page, "item-person-0-birth-date");
    if (!["1975-01-02", "昭和50年1月2日"].includes(birth)) throw new Error(`生年月日 shows ${birth}`);
    // A 転出証明書 is brought for a 転入: the navi says so, and the 転入届 is on the plan.
    expectEqual(await page.isChecked("#navi-event-tennyu"), true, "the navi is 転入");
    await page.waitForSelector("#fold-jumin-idou-tennyu");
    const previous = await value(page, "item-visit-previous-address");
    expectEqual(previous, "前橋市大手町一丁目1番1号\u3000コーポ大手101号", "従前の住所 with its 方書");
    const marks = await page.$$eval(".read-from", (m) => m.map((e) => e.textContent));
    if (marks.length < 12 || marks.some((m) => m !== "QR")) throw new Error(`marks: ${marks.join(",")}`);
    const kanaMarked = await page.evaluate(() => !!document.querySelector("label[for='item-person-0-kana'] .read-from"));
    expectEqual(kanaMarked, false, "the typed フリガナ is not marked");
    console.log(`     ${marks.length} values marked QR`);
  });

  await steps.step("a value edited after the read loses its mark", async () => {
    const marked = () => page.evaluate(() => !!document.querySelector("label[for='item-person-1-relationship'] .read-from"));
    expectEqual(await marked(), true, "続柄 is marked");
    await page.click("#item-person-1-relationship");
    await page.keyboard.press("End");
    await page.keyboard.press("Backspace");
    await page.keyboard.type("夫");
    await page.keyboard.press("Tab");
    await page.waitForFunction(() => !document.querySelector("label[for='item-person-1-relationship'] .read-from"));
  });

  await steps.step("the same certificate again: everything is entered already, and the 経過 gets no empty line", async () => {
    const lines = await page.$$eval("[data-action=filled_from_document]", (l) => l.length);
    await serialSymbol(page, fixture("household-cp932-1of2.bin"));
    await waitNote(page, "3人中1人");
    await serialSymbol(page, fixture("household-cp932-2of2.bin"));
    await page.waitForSelector("#qr-fill-confirm").catch(() => {});
    // The one difference is the 続柄 edited above: answer 空欄だけ, nothing is new.
    if (await page.$("#qr-fill-confirm")) {
      await page.focus("#qr-fill-blanks-only");
      await page.keyboard.press("Enter");
    }
    await waitNote(page, "すべて入力済み");
    expectEqual(await page.$$eval("[data-action=filled_from_document]", (l) => l.length), lines, "no new 経過 line");
  });

  await steps.step("a code typed into a field's text never moves the focus, and the question waits", async () => {
    // The counter types in the lookup's query while a certificate arrives.
    await page.click("#lookup-query");
    await page.keyboard.type("タカハシ");
    await serialSymbol(page, fixture("foreign-resident-utf8-eci.bin"));
    await page.keyboard.type(" 1990");
    await page.waitForSelector("#qr-fill-confirm");
    await page.keyboard.type("-05-05");
    expectEqual(await page.evaluate(() => document.activeElement?.id), "lookup-query", "the focus stays where the counter types");
    expectEqual(await value(page, "lookup-query"), "タカハシ 1990-05-05", "the typed text is whole and in order");
    await page.waitForSelector("#qr-fill-confirm");
    // A second certificate (one code) while the question is open waits for the answer.
    await serialSymbol(page, [...fixture("household-cp932-1of2.bin"), ...fixture("household-cp932-2of2.bin")]);
    await waitNote(page, "先に読み取った転出証明書について答えて");
    await page.focus("#qr-fill-cancel");
    await page.keyboard.press("Enter");
    await waitNote(page, "入力しませんでした");
    expectEqual(await page.$("#item-person-3-name"), null, "nothing of the dropped certificate entered");
  });

  await steps.step("after a reload the remembered reader is opened again without asking", async () => {
    await page.reload();
    await page.waitForSelector("#item-person-0-name");
    await page.waitForFunction(() => document.querySelector("#qr-status")?.textContent.includes("USB-COM") && document.querySelector("#qr-status")?.textContent.includes("接続中"), null, { timeout: 15000 });
  });

  await steps.step("a completed visit takes no code: refused with the reason, nothing changes", async () => {
    await page.focus("#complete-button");
    await page.keyboard.press("Enter");
    if (await page.waitForSelector("#complete-anyway", { timeout: 3000 }).catch(() => null)) {
      await page.focus("#complete-anyway");
      await page.keyboard.press("Enter");
    }
    // 完了: the visit stays on screen, closed, its fields only shown.
    await page.waitForFunction(() => document.querySelector("fieldset.visit-screen")?.disabled === true);
    const history = await page.$$eval(".history li, [data-action]", (l) => l.length);
    await serialSymbol(page, fixture("foreign-resident-utf8-eci.bin"));
    await waitNote(page, "表示だけです");
    expectEqual(await page.$("#item-person-3-name"), null, "no person added");
    expectEqual(await page.$$eval(".history li, [data-action]", (l) => l.length), history, "no 経過 line");
  });

  await steps.step("a HID POS reader: a UTF-8 code under the ECI protocol, in 63-byte reports", async () => {
    const hidPage = await context.newPage();
    const number = await kioskVisit(hidPage, server);
    await hidPage.goto(`${server.url}#/counter`);
    await openByNumber(hidPage, number);
    await chooseReader(hidPage, "hid");
    expectEqual(JSON.stringify(await hidPage.evaluate(() => window.__hidFilters)), JSON.stringify([{ usagePage: 0x8c }]), "asks for HID POS readers only");
    await hidSymbol(hidPage, fixture("foreign-resident-utf8-eci.bin"));
    await waitNote(hidPage, "2人分");
    await hidPage.waitForFunction(() => document.querySelector("#item-person-1-residence-card-number")?.value, null, { timeout: 10000 }).catch(async () => {
      const shown = await hidPage.evaluate(() => [...document.querySelectorAll("[id^=item-person-1]")].map((i) => `${i.id}=${i.value}`).join(" "));
      throw new Error(`person 2 shows: ${shown}`);
    });
    expectEqual(await value(hidPage, "item-person-0-name"), "𠮷田 太郎", "𠮷 (outside JIS X 0208) in UTF-8");
    expectEqual(await value(hidPage, "item-person-1-residence-card-number"), "AB12345678CD", "在留カード等の番号");
    expectEqual(await value(hidPage, "item-person-1-alphabet-name"), "NGUYEN VAN AN", "アルファベット氏名");
    await hidPage.close();
  });

  await steps.step("a reader left in keyboard mode is told to switch to USB-COM, and nothing changes", async () => {
    const wedgePage = await context.newPage();
    const number = await kioskVisit(wedgePage, server);
    await wedgePage.goto(`${server.url}#/counter`);
    await openByNumber(wedgePage, number);
    await chooseReader(wedgePage, "wedge");
    await wedgePage.focus("#qr-connect");
    // The keys a reader types, with the time the device sent them (4 ms apart).
    const cdp = await wedgePage.context().newCDPSession(wedgePage);
    const typed = readFileSync(join(FIXTURES, "wedge-typed.txt"), "utf8");
    const start = Date.now() / 1000;
    const keys = [...typed].map((c) => ({ key: c, text: c })).concat([{ key: "Enter", text: "\r", keyCode: 13, code: "Enter" }]);
    for (const [i, k] of keys.entries()) {
      const base = { key: k.key, code: k.code ?? "", windowsVirtualKeyCode: k.keyCode, timestamp: start + i * 0.004 };
      await cdp.send("Input.dispatchKeyEvent", { type: "keyDown", text: k.text, ...base });
      await cdp.send("Input.dispatchKeyEvent", { type: "keyUp", ...base });
    }
    await waitNote(wedgePage, "USB-COM に設定し");
    expectEqual(await wedgePage.$("#item-person-1-name"), null, "no person added");
    await wedgePage.close();
  });

  await steps.step("at the kiosk the citizen holds the certificate to the camera; the counter sees every person marked 「QR」", async () => {
    // Chromium's fake camera shows a frame of the household's code (CP932, one symbol).
    const camera = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: [
        ...CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        `--use-file-for-fake-video-capture=${join(FIXTURES, "household-cp932.y4m")}`,
      ],
    });
    try {
      const kioskContext = await camera.newContext({ ...CONTEXT_OPTIONS, permissions: ["camera"] });
      await watchCsp(kioskContext);
      const kiosk = await kioskContext.newPage();
      const number = await kioskVisit(kiosk, server);
      // The citizen typed their name already, with the common 高 for the register's 髙: the
      // camera fills the rest of their row and leaves the name as typed.
      await kiosk.click("#kiosk-person-name-0");
      await kiosk.keyboard.type("高橋 一郎");
      await kiosk.keyboard.press("Tab");
      await kiosk.focus("#kiosk-camera-start");
      await kiosk.keyboard.press("Enter");
      await kiosk
        .waitForFunction(() => document.querySelector("#kiosk-camera-status")?.textContent.includes("3人分"), null, { timeout: 20000 })
        .catch(async () => {
          throw new Error(`the kiosk says 「${await kiosk.textContent("#kiosk-camera-status")}」`);
        });
      expectEqual(await kiosk.evaluate(() => document.querySelector("#kiosk-camera-video").srcObject?.getVideoTracks().every((t) => t.readyState === "ended") ?? true), true, "the camera is off once read");
      await steps.shot(kiosk, "03-kiosk-read");
      // Let the kiosk's edits reach the server, then open the visit at a counter.
      await kiosk.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("同期済み"), null, { timeout: 20000 }).catch(() => {});
      const counter = await context.newPage();
      await counter.goto(`${server.url}#/counter`);
      await openByNumber(counter, number);
      await counter.waitForFunction(() => document.querySelector("#item-person-2-name")?.value === "髙橋 ①太", null, { timeout: 20000 });
      expectEqual(await value(counter, "item-person-0-name"), "高橋 一郎", "what the citizen typed stays");
      expectEqual(await value(counter, "item-person-0-birth-date"), "1975-01-02", "the certificate fills the rest of the applicant's row");
      expectEqual(await counter.$("#item-person-3-name"), null, "the applicant is not added twice");
      const marked = await counter.$$eval(".read-from", (m) => m.length);
      if (marked < 10) throw new Error(`only ${marked} values marked QR at the counter`);
      expectEqual(await counter.isChecked("#navi-event-tennyu"), true, "the navi is 転入");
      await counter.close();
    } finally {
      await camera.close();
    }
  });

  await steps.step("each read is in the audit log by kind, never with what it said", async () => {
    const admin = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
    await signIn(admin, server, STAFF[4][0]);
    const answer = await admin.evaluate(async () => {
      const r = await fetch("/api/audit?action=document_read");
      return { status: r.status, body: await r.text() };
    });
    if (answer.status !== 200) throw new Error(`GET /api/audit: ${answer.status} ${answer.body}`);
    const reads = JSON.parse(answer.body).filter((e) => e.action === "document_read");
    if (reads.length < 3) throw new Error(`audited reads: ${JSON.stringify(reads)}`);
    if (!reads.some((e) => e.login.startsWith("kiosk"))) throw new Error(`no kiosk read audited: ${JSON.stringify(reads)}`);
    const ours = reads.find((e) => e.detail.includes(visit));
    if (!ours || !ours.detail.startsWith("転出証明書 (QR)")) throw new Error(`the counter's read: ${JSON.stringify(reads)}`);
    for (const e of reads) {
      for (const secret of ["髙橋", "𠮷田", "AB12345678CD", "12345678901", "前橋市"]) {
        if (JSON.stringify(e).includes(secret)) throw new Error(`the audit log holds ${secret}`);
      }
    }
    console.log(`     ${reads.length} reads audited: ${reads.map((e) => e.detail.split(" ").slice(0, 2).join(" ")).join(", ")}`);
  });
});
