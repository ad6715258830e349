// 受付・呼出: a citizen takes a number at the kiosk; 市民課 calls it with one key (Alt+Q);
// the waiting-room display (enrolled with an administrator's display token) shows the number
// with its 窓口番号 and reads the call aloud in Japanese and English; handled and handed on
// to 保険年金課, the visit waits there under the same number, is called there and shown on
// the display again; the display picks up by itself after a server restart. Then a kiosk
// that lost the network gives two numbers from its reserved block, a counter meanwhile gets
// another, and on reconnect the kiosk's visits register under the numbers they were given.
// axe-core on the display and on the counter's queue panel.
import bs58check from "bs58check";
import { randomBytes } from "node:crypto";
import { axeAudit, expectEqual, runSuite, signIn, startKiosk, CONTEXT_OPTIONS } from "./browser.mjs";

/** Speech synthesis has no voices headless: every utterance asked for is recorded instead. */
function recordSpeech() {
  window.__spoken = [];
  const speak = (u) => window.__spoken.push({ text: u.text, lang: u.lang });
  if (window.SpeechSynthesis) window.SpeechSynthesis.prototype.speak = function (u) { speak(u); };
  if (window.speechSynthesis) {
    try { window.speechSynthesis.speak = speak; } catch { /* the prototype's is replaced */ }
  } else {
    Object.defineProperty(window, "speechSynthesis", { value: { speak, cancel() {}, getVoices: () => [] } });
  }
}

/** A new visit id as the app makes them (16 random bytes, bs58check). */
function newVisitId() {
  const bytes = randomBytes(16);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return bs58check.encode(bytes);
}

/** The ticket of `number` in the signed-in person's 課's queue, if it is there. */
async function ticketOf(page, number) {
  return page.evaluate(async (n) => {
    const queue = await (await fetch("/api/queue")).json();
    return queue.tickets.find((t) => t.number === n) ?? null;
  }, number);
}

/** Presses Alt+Q on the counter (choosing its 窓口 first) and times until the display shows
 *  the number at that 窓口. */
async function callAndSee(counter, display, number, counterNumber) {
  const chosen = await counter.$eval("#queue-counter", (s) => s.value);
  if (chosen !== String(counterNumber)) await counter.selectOption("#queue-counter", String(counterNumber));
  await counter.focus("#queue-counter");
  const started = Date.now();
  await counter.keyboard.press("Alt+KeyQ");
  await display.waitForFunction(
    ([n, c]) => {
      const latest = document.querySelector(".display-call.latest");
      return latest?.dataset.number === String(n) && latest?.dataset.counter === String(c);
    },
    [number, counterNumber],
    { timeout: 15000, polling: 20 },
  );
  const ms = Date.now() - started;
  await counter.waitForFunction((n) => document.querySelector("#queue-serving")?.dataset.number === String(n), number);
  return ms;
}

async function spokenFor(display, number, counterNumber) {
  const ja = `受付番号${number}番の方、${counterNumber}番窓口へお越しください。`;
  const en = `Number ${number}, please come to counter ${counterNumber}.`;
  await display.waitForFunction(
    ([ja, en]) => window.__spoken.some((u) => u.text === ja && u.lang === "ja-JP") && window.__spoken.some((u) => u.text === en && u.lang === "en-US"),
    [ja, en],
    { timeout: 5000 },
  );
}

await runSuite("queue", {}, async ({ steps, server, browser }) => {
  const kiosk = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
  const shimin = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
  const hoken = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
  const admin = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
  const tvContext = await browser.newContext({ ...CONTEXT_OPTIONS, viewport: { width: 1920, height: 1080 } });
  await tvContext.addInitScript(recordSpeech);
  const display = await tvContext.newPage();
  const name = "高崎 花子";
  const latencies = [];
  let number;

  await steps.step("an administrator issues a display token; the TV enrolls with it", async () => {
    await signIn(admin, server, "admin01");
    await admin.goto(`${server.url}#/admin`);
    await admin.waitForSelector("#display-add-id");
    await admin.focus("#display-add-id");
    await admin.keyboard.type("hall-1f");
    await admin.keyboard.press("Tab");
    await admin.keyboard.type("1階 待合");
    await admin.keyboard.press("Enter");
    await admin.waitForSelector("#display-token-issued");
    await admin.waitForSelector('#display-list button[data-display="hall-1f"]');
    await axeAudit(steps, admin, "admin-displays", { manual: "admin-displays" });
    const added = { token: (await admin.textContent("#display-token-issued")).trim() };
    await display.goto(`${server.url}#/display`);
    await display.waitForSelector("#display-token");
    await display.focus("#display-token");
    await display.keyboard.type(added.token);
    await display.keyboard.press("Enter");
    await display.waitForSelector("#display-calls");
    await display.waitForSelector("#display-waits tbody tr");
    // The sound is started with one press (browsers keep audio silent until then).
    await display.focus("#display-sound");
    await display.keyboard.press("Enter");
    await display.waitForSelector("#display-sound[aria-pressed=true]");
    await axeAudit(steps, display, "display-empty");
  });

  await steps.step("a citizen takes a number at the kiosk; it waits at 市民課", async () => {
    await kiosk.goto(`${server.url}#/kiosk`);
    await startKiosk(kiosk, server);
    number = Number((await kiosk.textContent("#reception-number")).trim());
    await kiosk.focus("#kiosk-person-name-0");
    await kiosk.keyboard.type(name);
    await kiosk.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("同期済み"), null, { timeout: 30000 });
    await signIn(shimin, server, "shimin01");
    await shimin.waitForSelector(`#queue-list tr[data-number="${number}"][data-state="waiting"]`, { timeout: 15000 });
    await axeAudit(steps, shimin, "counter-queue-panel", { manual: "counter-queue" });
  });

  await steps.step("市民課 calls it with Alt+Q; the display shows it with its 窓口 and reads it aloud", async () => {
    const ticket = await ticketOf(shimin, number);
    expectEqual(ticket.stop.department, "shimin", "waits at 市民課");
    const ms = await callAndSee(shimin, display, number, ticket.stop.counter);
    latencies.push(ms);
    console.log(`     call → display: ${ms} ms (市民課 ${ticket.stop.counter}番)`);
    await spokenFor(display, number, ticket.stop.counter);
    const shown = await display.textContent("main");
    if (shown.includes(name) || shown.includes("花子")) throw new Error("the display shows a name");
    await axeAudit(steps, display, "display-calling", { manual: "display" });
  });

  await steps.step("handled, it is handed on to 保険年金課 and waits there under the same number", async () => {
    await shimin.focus("#queue-done");
    await shimin.keyboard.press("Enter");
    await shimin.waitForFunction(() => !document.querySelector("#queue-serving")?.dataset.number);
    await display.waitForFunction((n) => !document.querySelector(`.display-call[data-number="${n}"]`), number, { timeout: 5000 });
    await shimin.click(`#today-visits a:text("受付番号 ${number}")`);
    await shimin.waitForSelector("#handoff-button");
    await shimin.selectOption("#handoff-to", "hoken_nenkin");
    await shimin.focus("#handoff-button");
    await shimin.keyboard.press("Enter");
    await shimin.waitForSelector("#slip-back");
    await signIn(hoken, server, "hoken01");
    await hoken.waitForSelector(`#queue-list tr[data-number="${number}"][data-state="waiting"]`, { timeout: 15000 });
    const ticket = await ticketOf(hoken, number);
    expectEqual(ticket.stop.department, "hoken_nenkin", "waits at 保険年金課");
    // It left 市民課's queue.
    expectEqual(await ticketOf(shimin, number), null, "no longer in 市民課's queue");
  });

  await steps.step("保険年金課 calls it; the display shows the same number at 保険年金課's 窓口", async () => {
    const ticket = await ticketOf(hoken, number);
    const ms = await callAndSee(hoken, display, number, ticket.stop.counter);
    latencies.push(ms);
    console.log(`     call → display: ${ms} ms (保険年金課 ${ticket.stop.counter}番)`);
    await spokenFor(display, number, ticket.stop.counter);
    const department = await display.textContent(".display-call.latest .department");
    expectEqual(department.trim(), "保険年金課", "the 課 on the display");
  });

  await steps.step("after a server restart the display picks up by itself (a recall is announced)", async () => {
    const before = await display.evaluate(() => window.__spoken.length);
    await server.kill();
    await display.waitForFunction(() => document.querySelector("#display-offline")?.textContent.trim() !== "", null, { timeout: 10000 });
    await server.start();
    await display.waitForFunction(() => document.querySelector("#display-offline")?.textContent.trim() === "", null, { timeout: 15000 });
    await hoken.focus("#queue-recall");
    await hoken.keyboard.press("Enter");
    await display.waitForFunction((b) => window.__spoken.length >= b + 2, before, { timeout: 15000 });
    await steps.shot(display, "display-after-restart");
  });

  await steps.step("revoked, the display falls back to its token form and stops asking", async () => {
    const refused = [];
    display.on("response", (r) => r.url().endsWith("/api/queue/display") && r.status() === 401 && refused.push(Date.now()));
    await admin.focus('#display-list button[data-display="hall-1f"]');
    await admin.keyboard.press("Enter");
    await admin.waitForFunction(() => document.querySelector("#display-list")?.textContent.includes("利用停止済み"));
    await display.waitForSelector("#display-token", { timeout: 10000 });
    await display.waitForTimeout(3000);
    expectEqual(refused.length, 1, "401 answers to the revoked display");
  });

  await steps.step("offline, a kiosk gives numbers from its reserved block; they register on reconnect", async () => {
    const tabletContext = await browser.newContext(CONTEXT_OPTIONS);
    const tablet = await tabletContext.newPage();
    await tablet.goto(`${server.url}#/kiosk`);
    await startKiosk(tablet, server);
    const online = Number((await tablet.textContent("#reception-number")).trim());
    await tablet.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("同期済み"), null, { timeout: 30000 });
    const block = await tablet.evaluate(() => JSON.parse(localStorage.getItem("madoguchi.kiosk.numbers")).block);
    if (!(block.first > online && block.last >= block.first + 1)) throw new Error(`block ${JSON.stringify(block)} after ${online}`);
    const next = async () => {
      await tablet.focus("#kiosk-done");
      await tablet.keyboard.press("Enter");
      await tablet.waitForSelector("#kiosk-slip");
      await tablet.focus("#kiosk-start-over");
      await tablet.keyboard.press("Enter");
      await tablet.waitForSelector("#kiosk-language-ja");
    };
    await next();
    // Before the next citizen takes a number, the kiosk shows the wait (市民課's 窓口 has a
    // handling time today now).
    await tablet.waitForSelector("#queue-wait li", { timeout: 10000 });
    const wait = await tablet.textContent("#queue-wait");
    // The kiosk's visits moving in wait at 市民課's 転入 counter (the navi's first stop).
    if (!wait.includes("市民課 7番窓口")) throw new Error(`the kiosk's wait: ${wait}`);
    await axeAudit(steps, tablet, "kiosk-queue-wait", { manual: "kiosk-queue-wait" });
    await tabletContext.setOffline(true);
    const offline = [];
    for (const who of ["前橋 一", "伊勢崎 二"]) {
      for (const button of ["#kiosk-language-ja", "#kiosk-event-move", "#kiosk-event-tennyu", "#kiosk-next", "#kiosk-take-number"]) {
        await tablet.waitForSelector(button);
        await tablet.focus(button);
        await tablet.keyboard.press("Enter");
      }
      await tablet.waitForSelector("#reception-number");
      offline.push(Number((await tablet.textContent("#reception-number")).trim()));
      await tablet.focus("#kiosk-person-name-0");
      await tablet.keyboard.type(who);
      await next();
    }
    expectEqual(JSON.stringify(offline), JSON.stringify([block.first, block.first + 1]), "the offline numbers");
    // Meanwhile a counter registers a visit: its number is past the kiosk's block.
    const counterNumber = await shimin.evaluate(async (id) => {
      const response = await fetch("/api/visits", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ visit_id: id }),
      });
      return (await response.json()).reception_number;
    }, newVisitId());
    if (offline.includes(counterNumber) || counterNumber <= block.last) throw new Error(`the counter got ${counterNumber}, inside ${JSON.stringify(block)}`);
    await tabletContext.setOffline(false);
    await tablet.waitForFunction(() => JSON.parse(localStorage.getItem("madoguchi.kiosk.pending") ?? "[]").length === 0, null, { timeout: 20000 });
    await tablet.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("同期済み"), null, { timeout: 30000 });
    // 市民課 sees both under the numbers the kiosk gave, with what was typed offline.
    for (const [n, who] of [[offline[0], "前橋 一"], [offline[1], "伊勢崎 二"]]) {
      await shimin.waitForFunction(
        async ([n, who]) => {
          const found = await (await fetch(`/api/visits?reception=${n}`)).json();
          return Array.isArray(found) && found[0]?.name === who;
        },
        [n, who],
        { timeout: 20000, polling: 500 },
      );
    }
    const numbers = await shimin.evaluate(async () => (await (await fetch("/api/visits")).json()).map((v) => v.reception_number));
    expectEqual(new Set(numbers).size, numbers.length, "no number given twice");
    await tablet.close();
  });

  console.log(`     call → display latencies: ${latencies.join(", ")} ms`);
});
