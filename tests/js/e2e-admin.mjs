// The admin face watches the terminals: a counter terminal goes offline holding unsent
// changes, the administrator sees it offline, and when it comes back sees how many changes it
// brought back (before they synced).
import {
  expectEqual,
  signIn,
  runSuite,
  CONTEXT_OPTIONS,
  kioskVisit,
  openByNumber,
  axeAudit,
  TEST_PASSWORD,
} from "./browser.mjs";

const row = (terminal) => `tr[data-terminal="${terminal}"]`;

await runSuite("admin", {}, async ({ steps, server, browser }) => {
  const counterContext = await browser.newContext(CONTEXT_OPTIONS);
  const counter = await counterContext.newPage();
  const admin = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
  let terminal;

  await steps.step("a counter terminal has a visit open", async () => {
    const number = await kioskVisit(counter, server, "高崎 一郎");
    await signIn(counter, server);
    await openByNumber(counter, number, "高崎 一郎");
    await counter.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("同期済み"));
    terminal = await counter.evaluate(() => localStorage.getItem("madoguchi.terminal"));
    if (!terminal) throw new Error("the terminal has no id");
  });

  await steps.step("the administrator sees it online", async () => {
    await admin.goto(`${server.url}#/admin`);
    await admin.waitForSelector("#admin-only-hint");
    await admin.fill("#signin-login", "admin01");
    await admin.fill("#signin-password", TEST_PASSWORD);
    await admin.click("#signin-submit");
    await admin.waitForSelector(`${row(terminal)}[data-online="true"][data-who="shimin01"]`);
    await steps.shot(admin, "01-terminal-online", { manual: "admin-terminals" });
  });

  let pending;
  await steps.step("the terminal loses the network with unsent changes; the admin sees it offline", async () => {
    await counterContext.setOffline(true);
    await counter.waitForFunction(() => document.querySelector("#sync-badge")?.textContent.includes("オフライン"));
    await counter.fill("#item-person-0-kana", "タカサキ イチロウ");
    await counter.fill("#item-person-0-name", "高崎 市郎");
    await counter.waitForFunction(() => /未送信|オフライン/.test(document.querySelector("#sync-badge")?.textContent));
    await admin.waitForSelector(`${row(terminal)}[data-online="false"]`, { timeout: 30000 });
    pending = await counter.evaluate(() => document.querySelector("#sync-badge")?.dataset.pending);
    if (!pending || pending === "0") throw new Error(`the counter shows no unsent changes: ${pending}`);
    await steps.shot(admin, "02-terminal-offline", { manual: "admin-terminal-offline" });
  });

  await steps.step("it comes back; the admin sees what it brought back, then all sent", async () => {
    await counterContext.setOffline(false);
    await admin.waitForFunction(
      (sel) => {
        const r = document.querySelector(sel);
        return r?.dataset.online === "true" && r.querySelector(".terminal-resumed")?.textContent !== "—";
      },
      row(terminal),
      { timeout: 30000 },
    );
    expectEqual(await admin.textContent(`${row(terminal)} .terminal-resumed`), pending, "unsent when it came back");
    await admin.waitForFunction((sel) => document.querySelector(`${sel} .terminal-pending`)?.textContent === "0", row(terminal), {
      timeout: 30000,
    });
    await axeAudit(steps, admin, "03-terminal-back");
  });

  await steps.step("the statistics plot changes once another visit is handled", async () => {
    const bar = '#chart-visits g.bar[data-label="市民課"]';
    await admin.waitForSelector(bar);
    const before = Number(await admin.getAttribute(bar, "data-value"));
    const number = await kioskVisit(counter, server, "高崎 二郎");
    await signIn(counter, server);
    await openByNumber(counter, number, "高崎 二郎");
    await admin.waitForFunction(
      ([sel, n]) => Number(document.querySelector(sel)?.dataset.value) === n,
      [bar, before + 1],
      { timeout: 20000 },
    );
    // 転居 chosen and its procedure kept as the navi proposed it (never ticked again): it
    // counts, for the procedure and for 市民課.
    await counter.focus("#navi-event-tenkyo");
    await counter.keyboard.press("Space");
    await admin.waitForSelector('#chart-procedures g.bar[data-label="転居届"]', { timeout: 20000 });
    await admin.waitForSelector('#chart-procedures-per-ka g.bar[data-label="市民課"]', { timeout: 20000 });
    // The waiting-time chart has a bar for 市民課 too, and the CSV carries the same day.
    await admin.waitForSelector('#chart-waiting g.bar[data-label="市民課"]');
    const csv = await admin.evaluate(async () => (await fetch("/api/stats.csv")).text());
    if (!csv.includes("区分") || !csv.includes(",課,市民課,")) throw new Error(`csv: ${csv}`);
    await axeAudit(steps, admin, "04-statistics", { manual: "admin-statistics" });
  });

  await steps.step("the administrator takes a kiosk tablet out of service", async () => {
    const tablet = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
    await kioskVisit(tablet, server);
    const kiosk = await tablet.evaluate(() => localStorage.getItem("madoguchi.terminal"));
    await admin.waitForSelector(`${row(kiosk)}[data-who^="kiosk:"] .kiosk-revoke`, { timeout: 20000 });
    admin.once("dialog", (dialog) => dialog.accept());
    await admin.click(`${row(kiosk)} .kiosk-revoke`);
    await admin.waitForSelector(`${row(kiosk)} .kiosk-revoked`);
    await axeAudit(steps, admin, "05-kiosk-revoked", { manual: "admin-kiosk-revoked" });
    // The tablet's device cookie opens nothing any more.
    const status = await tablet.evaluate(async () => (await fetch("/api/kiosk")).status);
    expectEqual(status, 401, "a revoked kiosk");
  });
});
