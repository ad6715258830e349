// Help where the work is (issue 17): the 「？」 of each staff screen (and F1) opens the
// manual at that screen's page, also offline from the service worker's manual cache; and a
// server's refusal shows its 問い合わせ番号, the request id the server's log has it under.
import { expectEqual, runSuite, waitControlled, CONTEXT_OPTIONS, TEST_PASSWORD } from "./browser.mjs";

/** Presses `key` on `page` and returns the manual page it opened, loaded. */
async function opened(context, page, key) {
  const [popup] = await Promise.all([context.waitForEvent("page"), page.keyboard.press(key)]);
  await popup.waitForLoadState("load");
  return popup;
}

async function heading(popup) {
  await popup.waitForSelector("main h1");
  return (await popup.textContent("main h1")).trim();
}

/** Types like a person: key by key. */
async function typeInto(page, selector, text) {
  await page.focus(selector);
  await page.keyboard.type(text, { delay: 20 });
}

await runSuite("help", {}, async ({ steps, server, browser }) => {
  const context = await browser.newContext(CONTEXT_OPTIONS);
  const page = await context.newPage();

  await steps.step("F1 on the sign-in screen opens the manual's sign-in page", async () => {
    await page.goto(`${server.url}#/counter`);
    await page.waitForSelector("#signin-login");
    await waitControlled(page);
    const href = await page.getAttribute("#help-link", "href");
    expectEqual(href, "/manual/counter/sign-in.html", "the ？ of the sign-in screen");
    const popup = await opened(context, page, "F1");
    expectEqual(new URL(popup.url()).pathname, "/manual/counter/sign-in.html", "opened");
    if (!(await heading(popup)).includes("サインイン")) throw new Error(await heading(popup));
    await popup.close();
  });

  await steps.step("signed in, the day's list has its own page", async () => {
    await typeInto(page, "#signin-login", "shimin01");
    await typeInto(page, "#signin-password", TEST_PASSWORD);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#open-number");
    await page.waitForFunction(() => document.querySelector("#help-link")?.getAttribute("href") === "/manual/counter/day-list.html");
    // The ？ is a link the keyboard reaches: focused, Enter opens it.
    await page.focus("#help-link");
    const popup = await opened(context, page, "Enter");
    expectEqual(new URL(popup.url()).pathname, "/manual/counter/day-list.html", "opened");
    await heading(popup);
    await popup.close();
  });

  await steps.step("the manuals are kept offline, and no API answer is", async () => {
    // The page asks the worker to keep them a few seconds after it started.
    const keptNow = () =>
      page.evaluate(async () => {
        const cache = await caches.open("madoguchi-manual");
        return (await cache.keys()).map((r) => new URL(r.url).pathname);
      });
    let kept = await keptNow();
    for (let i = 0; i < 60 && !kept.includes("/manual/training/index.html"); i++) {
      await page.waitForTimeout(500);
      kept = await keptNow();
    }
    for (const wanted of ["/manual/counter/visit.html", "/manual/counter/printing.html", "/manual/admin/status.html", "/manual/training/index.html"]) {
      if (!kept.includes(wanted)) throw new Error(`${wanted} not kept: ${kept.length} files kept`);
    }
    const everything = await page.evaluate(async () => {
      const urls = [];
      for (const name of await caches.keys()) {
        for (const r of await (await caches.open(name)).keys()) urls.push(new URL(r.url).pathname);
      }
      return urls;
    });
    const personal = everything.filter((p) => p.startsWith("/api/") || p.startsWith("/sync"));
    expectEqual(JSON.stringify(personal), "[]", "API answers in the caches");
  });

  await steps.step("offline, the ？ still opens the manual", async () => {
    await context.setOffline(true);
    const popup = await opened(context, page, "F1");
    expectEqual(new URL(popup.url()).pathname, "/manual/counter/day-list.html", "opened offline");
    const title = await heading(popup);
    if (!title) throw new Error("an empty page offline");
    // A page the clerk has not opened before: from the cache too.
    await popup.goto(`${server.url}/manual/counter/states.html`);
    await heading(popup);
    await popup.close();
    await context.setOffline(false);
  });

  await steps.step("a refusal of the server shows its 問い合わせ番号, which the server's log has", async () => {
    // The request leaves the page intact, the server refuses what arrives: a real 400.
    await page.route("**/api/visits?reception=*", (route) =>
      route.continue({ url: route.request().url().replace(/reception=[^&]*/, "reception=x") }),
    );
    let id = null;
    page.on("response", (response) => {
      if (response.url().includes("/api/visits?reception=")) id = response.headers()["x-request-id"];
    });
    await typeInto(page, "#open-number", "7");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".problem .problem-reference");
    const shown = (await page.textContent(".problem .problem-reference")).trim();
    if (!id || !/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(id)) throw new Error(`request id ${id}`);
    expectEqual(shown, `問い合わせ番号 ${id}`, "the reference shown");
    await steps.shot(page, "01-problem-reference", { manual: "counter-problem-reference" });
    const line = server.log.split("\n").find((l) => l.includes(id));
    if (!line) throw new Error(`${id} is not in the server's log`);
    const entry = JSON.parse(line);
    expectEqual(entry.span.route, "/api/visits", "route logged");
    expectEqual(entry.fields.status, 400, "status logged");
    await page.unroute("**/api/visits?reception=*");
  });

  await steps.step("the admin screen's ？ opens the status page of the admin manual", async () => {
    const admin = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
    await admin.goto(`${server.url}#/admin`);
    await admin.waitForSelector("#signin-login");
    await typeInto(admin, "#signin-login", "admin01");
    await typeInto(admin, "#signin-password", TEST_PASSWORD);
    await admin.keyboard.press("Enter");
    await admin.waitForFunction(() => document.querySelector("#help-link")?.getAttribute("href") === "/manual/admin/status.html");
    const popup = await opened(admin.context(), admin, "F1");
    expectEqual(new URL(popup.url()).pathname, "/manual/admin/status.html", "opened");
    await heading(popup);
  });

  await steps.step("the citizens' faces have no ？", async () => {
    const kiosk = await (await browser.newContext(CONTEXT_OPTIONS)).newPage();
    await kiosk.goto(`${server.url}#/kiosk`);
    await kiosk.waitForSelector("main");
    await kiosk.waitForTimeout(300);
    expectEqual(await kiosk.$("#help-link"), null, "a ？ at the kiosk");
  });
});
