// The browser tests' shared harness: Chromium launched as every test
// launches it, one browser context per person (its own cookies, console
// errors collected, an optional virtual security key), the page checks at
// 1280×800 and 390×844 (no sideways scroll, no serious or critical
// axe-core violation, a full-page screenshot), the Go test's helper
// server, and the failure report. Used by console.mjs and grant.mjs.
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

const { HELPER_URL, CHROMIUM, SHOTS } = process.env;

// helper asks the Go test's helper server (TOTP codes, mailed tokens,
// the clock).
export async function helper(path) {
  const res = await fetch(HELPER_URL + path);
  if (!res.ok) throw new Error(`helper ${path}: ${res.status} ${await res.text()}`);
  return (await res.text()).trim();
}

// harness launches Chromium and returns {browser, problems, checked,
// person, check, finish}.
export async function harness({ prefix = "" } = {}) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const problems = [];
  const checked = [];
  const opened = {};

  // person opens a browser context of its own with a virtual security key
  // when key is true. Set page.expectErrors while a refusal is expected.
  async function person(name, { key = false } = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    opened[name] = page;
    page.on("console", (m) => { if (m.type() === "error" && !page.expectErrors) problems.push(`${name} console: ${m.text()}`); });
    page.on("pageerror", (e) => problems.push(`${name} page error: ${e.message}`));
    // Which request failed, next to the console's "Failed to load resource".
    page.on("response", (r) => {
      if (r.status() >= 400 && !page.expectErrors) problems.push(`${name} got ${r.status()} for ${r.request().method()} ${new URL(r.url()).pathname}`);
    });
    if (key) {
      const cdp = await context.newCDPSession(page);
      await cdp.send("WebAuthn.enable");
      await cdp.send("WebAuthn.addVirtualAuthenticator", { options: {
        protocol: "ctap2", transport: "usb", hasResidentKey: false, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true } });
    }
    return page;
  }

  // check looks at the page as it is at both sizes.
  async function check(page, name) {
    for (const [w, h] of [[1280, 800], [390, 844]]) {
      await page.setViewportSize({ width: w, height: h });
      await page.waitForTimeout(50);
      const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (over > 0) problems.push(`${name} at ${w}px scrolls sideways by ${over}px`);
      const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
      for (const v of axe.violations.filter((x) => x.impact === "serious" || x.impact === "critical")) {
        problems.push(`${name} at ${w}px: axe ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
      }
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/${prefix}${name}-${w}.png`, fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    checked.push(name);
  }

  // run runs the flow, then reports: passed prints done, a failure what
  // each person's page showed (and a screenshot of it).
  async function run(flow, done) {
    try {
      await flow();
      if (problems.length) throw new Error("problems:\n" + problems.join("\n"));
      console.log("checked pages: " + checked.join(", "));
      console.log(done);
    } catch (e) {
      console.error(e.stack || String(e));
      for (const [name, page] of Object.entries(opened)) {
        try {
          console.error(`${name} at ${page.url()}: ${(await page.locator("main").innerText()).slice(0, 600)}`);
          if (SHOTS) await page.screenshot({ path: `${SHOTS}/failed-${prefix}${name}.png`, fullPage: true });
        } catch { /* the page may be gone */ }
      }
      if (problems.length) console.error("also:\n" + problems.join("\n"));
      process.exitCode = 1;
    } finally {
      await browser.close();
    }
  }

  return { browser, problems, checked, person, check, run };
}

// staffSignIn signs a staff member in to the console with a password and,
// when secret is given, an authenticator code.
export async function staffSignIn(page, base, email, password, secret) {
  await page.goto(base + "/console.html#/staff");
  await page.fill("#f-email", email);
  await page.fill("#f-password", password);
  await page.click("#staff-login button[type=submit]");
  if (!secret) return;
  await page.waitForURL(/#\/staff\/second-step/);
  await page.fill("#totp-form #f-code", await helper("/totp?secret=" + secret));
  await page.click("#totp-form button[type=submit]");
  await page.locator("#my-role").waitFor();
}
