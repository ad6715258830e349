// Accessibility: axe-core, injected into each counter screen, must report no WCAG 2.x
// A/AA violations.
import { signIn, runSuite, startKiosk, CONTEXT_OPTIONS, axeAudit as audit } from "./browser.mjs";

const contextOptions = CONTEXT_OPTIONS;

await runSuite("a11y", {}, async ({ steps, server, browser }) => {
  const page = await (await browser.newContext(contextOptions)).newPage();
  let visit;
  await steps.step("kiosk", async () => {
    await page.goto(`${server.url}#/kiosk`);
    await page.waitForSelector("#kiosk-start");
    await audit(steps, page, "kiosk-welcome");
    await startKiosk(page, server, () => audit(steps, page, "kiosk-enroll"));
    await page.fill("#field-applicant-name", "高崎 花子");
    await audit(steps, page, "kiosk-filling");
    const number = (await page.textContent("#reception-number")).trim();
    await page.click("#kiosk-done");
    await page.waitForSelector("#handoff-qr svg");
    await audit(steps, page, "kiosk-done");
    visit = number;
  });
  await steps.step("sign-in and counter home", async () => {
    await page.goto(`${server.url}#/counter`);
    await page.waitForSelector("#signin-login");
    await audit(steps, page, "sign-in");
    await signIn(page, server);
    await audit(steps, page, "counter-home");
  });
  await steps.step("counter visit screen with findings and a plan", async () => {
    await page.fill("#open-number", visit);
    await page.press("#open-number", "Enter");
    await page.waitForSelector("#item-person-0-name");
    await page.check("#navi-event-tennyu");
    await page.check("#navi-fact-children");
    await page.waitForSelector("#form-jidou-teate-nintei");
    await page.fill("#item-person-0-kana", "高崎");
    await audit(steps, page, "counter-visit");
  });
  await steps.step("print preview", async () => {
    await page.click("#print-jumin-idou-tennyu");
    await page.waitForSelector("#paper");
    await audit(steps, page, "print-preview");
  });
  await steps.step("admin", async () => {
    await page.goto(`${server.url}#/admin`);
    await page.waitForSelector("#admin-peers");
    await audit(steps, page, "admin");
  });
  await steps.step("home", async () => {
    await page.goto(`${server.url}#/`);
    await page.waitForSelector(".faces");
    await audit(steps, page, "home");
  });
});
