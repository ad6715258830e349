// Shared setup for the browser suites: Debian's chromium through playwright-core, and the
// sync-server binary started on 127.0.0.1 over a fresh data folder.
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { chromium } from "playwright-core";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launchBrowser() {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  // Every context the suites open is watched for Content-Security-Policy violations.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await watchCsp(context);
    return context;
  };
  return browser;
}

/** The Content-Security-Policy violations seen in any watched context (runSuite fails on any). */
export const cspViolations = [];

/** Records every `securitypolicyviolation` of the context's pages in `cspViolations`. */
export async function watchCsp(context) {
  await context.exposeBinding("__madoguchiCspViolation", ({ page }, violation) => {
    cspViolations.push({ page: page?.url(), ...violation });
    console.log(`CSP violation on ${page?.url()}: ${JSON.stringify(violation)}`);
  });
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__madoguchiCspViolation?.({
        directive: e.effectiveDirective,
        blocked: e.blockedURI,
        source: `${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`,
        sample: e.sample,
      });
    });
  });
}

/** A browser with a real (not incognito) profile in a fresh folder, as a terminal has. */
export async function launchProfile(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), "madoguchi-profile-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
    ...options,
  });
  await watchCsp(context);
  return context;
}

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through cargo xtask test)`);
  return value;
}

/** Staff accounts every browser suite has: [login, name, 課]. */
export const STAFF = [
  ["shimin01", "市民 一郎", "shimin", []],
  ["shimin02", "市民 二郎", "shimin", []],
  ["hoken01", "保険 花子", "hoken_nenkin", []],
  ["kodomo01", "子ども 三郎", "kodomo_katei", []],
  ["admin01", "情報 管理", "shimin", ["--role", "admin"]],
];
export const TEST_PASSWORD = "test-password-1234";

/** Opens the counter face and signs in (once per browser context). */
export async function signIn(page, server, login = "shimin01") {
  await page.goto(`${server.url}#/counter`);
  await page.waitForSelector("#signin-login, #open-number");
  if (await page.$("#signin-login")) {
    await page.fill("#signin-login", login);
    await page.fill("#signin-password", TEST_PASSWORD);
    await page.click("#signin-submit");
  }
  await page.waitForSelector("#open-number");
}

/** The sync-server binary as a child process; restartable on the same port and data. */
export class Server {
  /** With `copyDist`, the PWA is served from a private copy that the test may change. */
  /** `port`: where to listen (0, the default, picks a free one). */
  constructor({ copyDist = false, args = [], port = 0 } = {}) {
    this.args = args;
    this.binary = required("MADOGUCHI_SERVER_BIN");
    this.dist = required("MADOGUCHI_DIST");
    if (copyDist) {
      const copy = mkdtempSync(join(tmpdir(), "madoguchi-dist-"));
      cpSync(this.dist, copy, { recursive: true });
      this.dist = copy;
    }
    this.data = mkdtempSync(join(tmpdir(), "madoguchi-e2e-"));
    this.port = port;
    this.log = "";
  }

  async start() {
    if (!this.staffCreated) {
      // The real account command, as an operator would run it.
      for (const [login, name, department, flags] of STAFF) {
        execFileSync(
          this.binary,
          ["--data", this.data, "staff-add", "--login", login, "--name", name, "--department", department, ...flags],
          { input: `${TEST_PASSWORD}\n` },
        );
      }
      // A kiosk tablet, enrolled as an administrator would: the device token is printed once.
      this.kioskToken = execFileSync(
        this.binary,
        ["--data", this.data, "kiosk-add", "--id", "test-kiosk", "--name", "テスト記入台"],
        { encoding: "utf8" },
      ).trim();
      this.staffCreated = true;
    }
    const child = spawn(
      this.binary,
      ["--listen", `127.0.0.1:${this.port}`, "--data", this.data, "--static", this.dist, ...this.args],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.child = child;
    child.stderr.on("data", (d) => (this.log += d));
    const line = await new Promise((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
        if (m) resolve(m);
      });
      child.on("exit", (code) => reject(new Error(`server exited ${code}: ${this.log}`)));
    });
    this.port = Number(line[1]);
    this.url = `http://127.0.0.1:${this.port}/`;
  }

  /** Appends text to a served file (a new build, as far as the service worker can tell),
   *  and rewrites its precompressed siblings as the build would. */
  changeServedFile(file, text) {
    const path = join(this.dist, file);
    appendFileSync(path, text);
    const changed = readFileSync(path);
    if (existsSync(`${path}.br`)) writeFileSync(`${path}.br`, brotliCompressSync(changed));
    if (existsSync(`${path}.gz`)) writeFileSync(`${path}.gz`, gzipSync(changed));
  }

  /** SIGKILL, as a crash or a pulled cable would look to the browser. */
  async kill() {
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGKILL");
    await exited;
  }

  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGTERM");
      await exited;
    }
  }
}

/** A tiny test runner: named steps, a screenshot folder, and the closing count line. */
export class Steps {
  constructor(name) {
    this.name = name;
    this.passed = 0;
    this.failed = 0;
    this.shots = process.env.MADOGUCHI_TEST_OUTPUT
      ? join(process.env.MADOGUCHI_TEST_OUTPUT, name)
      : mkdtempSync(join(tmpdir(), `${name}-`));
    mkdirSync(this.shots, { recursive: true });
  }

  async step(title, body) {
    const started = Date.now();
    try {
      await body();
      this.passed += 1;
      console.log(`ok   ${title} (${Date.now() - started} ms)`);
    } catch (error) {
      this.failed += 1;
      console.log(`FAIL ${title}: ${error.stack ?? error}`);
      throw error;
    }
  }

  /**
   * Saves a screenshot as `<suite>/<name>.png`; with `{ manual: "NAME" }` it is also the
   * manuals' picture NAME (`docs/manual/*/src/*.md` show it as `shots/NAME.png`), written to
   * `$MADOGUCHI_MANUAL_SHOTS/NAME.png` when `cargo xtask docs` or `test` sets that folder.
   */
  async shot(page, name, { manual } = {}) {
    await page.screenshot({ path: join(this.shots, `${name}.png`), fullPage: true });
    const folder = process.env.MADOGUCHI_MANUAL_SHOTS;
    if (manual && folder) {
      mkdirSync(folder, { recursive: true });
      // The viewport, as the clerk sees the screen (a full page of a long form is too tall
      // for a manual's page).
      await page.screenshot({ path: join(folder, `${manual}.png`) });
    }
  }

  summary() {
    console.log(`screenshots: ${this.shots}`);
    console.log(`${this.passed} passed, ${this.failed} failed`);
  }
}

export function expectEqual(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** The browser context of a counter terminal: Full HD-ish, Japanese, in Japan. */
export const CONTEXT_OPTIONS = { viewport: { width: 1280, height: 900 }, locale: "ja-JP", timezoneId: "Asia/Tokyo" };

/** Waits until the service worker controls the page (needed before going offline). */
export async function waitControlled(page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((r) => navigator.serviceWorker.addEventListener("controllerchange", r, { once: true }));
    }
  });
}

/** Starts a visit at the kiosk (typing the applicant's name if given); returns its number. */
export async function kioskVisit(page, server, name) {
  await page.goto(`${server.url}#/kiosk`);
  await startKiosk(page, server);
  const number = (await page.textContent("#reception-number")).trim();
  if (name) {
    await page.focus("#kiosk-person-name-0");
    await page.keyboard.type(name);
  }
  return number;
}

/** Enrols the tablet as a kiosk if it is not one yet (`onEnroll` sees the citizens' 準備中
 *  screen first): staff press Ctrl+Alt+K and type the device token. */
export async function enrolKiosk(page, server, onEnroll) {
  await page.waitForSelector("#kiosk-language-ja, #kiosk-not-ready");
  if (!(await page.$("#kiosk-not-ready"))) return;
  if (onEnroll) await onEnroll();
  await page.focus("#kiosk-not-ready");
  await page.keyboard.press("Control+Alt+KeyK");
  await page.waitForSelector("#kiosk-token");
  await page.focus("#kiosk-token");
  await page.keyboard.type(server.kioskToken);
  // A person's pause before pressing the button: keys this fast, ending in Enter, are what a
  // keyboard-wedge reader sends, and the page treats them as a scan.
  await page.waitForTimeout(300);
  await page.focus("#kiosk-enroll");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#kiosk-language-ja");
}

/** Walks the kiosk from its first screen to a reception number as a citizen moving in from
 *  another town would (日本語, 引っ越し → 市外から, no other answer), enrolling the tablet first
 *  if needed. Returns once the reception number shows. */
export async function startKiosk(page, server, onEnroll) {
  await enrolKiosk(page, server, onEnroll);
  for (const button of ["#kiosk-language-ja", "#kiosk-event-move", "#kiosk-event-tennyu", "#kiosk-next", "#kiosk-take-number"]) {
    await page.waitForSelector(button);
    await page.click(button);
  }
  await page.waitForSelector("#reception-number");
  await page.waitForSelector("#kiosk-person-name-0");
}

/** Chooses a date in the kiosk's pickers (`prefix` is the field's DOM id): `era` is 令和,
 *  平成, 昭和, 大正 or AD (西暦), then year, month and day as numbers. */
export async function pickDate(page, prefix, era, year, month, day) {
  await page.selectOption(`#${prefix}-era`, era);
  await page.selectOption(`#${prefix}-year`, String(year));
  await page.selectOption(`#${prefix}-month`, String(month));
  await page.selectOption(`#${prefix}-day`, String(day));
}

/** Opens a visit by reception number at a signed-in counter (waiting for the name if given). */
export async function openByNumber(page, number, name) {
  await page.fill("#open-number", number);
  await page.press("#open-number", "Enter");
  await page.waitForSelector("#item-person-0-name");
  if (name) {
    await page.waitForFunction((n) => document.querySelector("#item-person-0-name")?.value === n, name, { timeout: 15000 });
  }
}

/** Runs a browser suite: its own server and browser, named steps, the closing count line,
 *  and the exit code. */
export async function runSuite(name, serverOptions, body) {
  const steps = new Steps(name);
  const server = new Server(serverOptions);
  const browser = await launchBrowser();
  let exitCode = 0;
  try {
    await server.start();
    await body({ steps, server, browser });
    // Zero violations of the pages' Content-Security-Policy on every screen visited.
    await steps.step("no Content-Security-Policy violation on any page", async () => {
      if (cspViolations.length) {
        throw new Error(`${cspViolations.length} violations:\n${cspViolations.map((v) => JSON.stringify(v)).join("\n")}`);
      }
    });
  } catch (error) {
    exitCode = 1;
    console.log("server log:\n" + server.log.split("\n").slice(-30).join("\n"));
  } finally {
    steps.summary();
    await browser.close();
    await server.stop();
  }
  process.exit(exitCode);
}

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * Injects axe-core and fails on any WCAG 2.x A/AA violation; saves a screenshot (with
 * `{ manual: "NAME" }`, also the manuals' picture NAME, see Steps.shot).
 */
export async function axeAudit(steps, page, name, { manual } = {}) {
  // Evaluated through the DevTools protocol, not as an inline <script> (which the pages'
  // Content-Security-Policy rightly refuses).
  await page.evaluate(AXE);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] } }),
  );
  await steps.shot(page, name, { manual });
  console.log(`     ${name}: ${result.passes.length} rules passed, ${result.incomplete.length} need review, ${result.violations.length} violated`);
  if (result.passes.length < 10) throw new Error(`${name}: axe checked almost nothing`);
  if (result.violations.length) {
    const lines = result.violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("\n    ")}`,
    );
    throw new Error(`${name}: ${result.violations.length} violations\n${lines.join("\n")}`);
  }
}
