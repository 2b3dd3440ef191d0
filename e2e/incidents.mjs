// The incident room in Chromium: the security officer's register and one
// incident in the console, the printable regulator report, and the public
// notice anyone reads. Each page is checked at 1280×800 and 390×844: no
// sideways scroll, no console error, no serious axe-core violation;
// screenshots go to SHOTS. Run by internal/web's TestIncidentPagesInChromium.
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

const { VIGIL_URL, HELPER_URL, CHROMIUM, SHOTS, EMAIL, PASSWORD, SECRET, INCIDENT, SLUG } = process.env;

async function helper(path) {
  const res = await fetch(HELPER_URL + path);
  if (!res.ok) throw new Error(`helper ${path}: ${res.status} ${await res.text()}`);
  return (await res.text()).trim();
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const problems = [];
const checked = [];

async function open(name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: "UTC", locale: "en-GB" });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") problems.push(`${name} console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`${name} page error: ${e.message}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`${name}: HTTP ${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`); });
  return page;
}

async function check(page, name) {
  for (const [w, h] of [[1280, 800], [390, 844]]) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(100);
    const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (over > 0) problems.push(`${name} at ${w}px scrolls sideways by ${over}px`);
    const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
    for (const v of axe.violations.filter((x) => x.impact === "serious" || x.impact === "critical")) {
      problems.push(`${name} at ${w}px: axe ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
    }
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/incident-${name}-${w}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  checked.push(name);
}

const shown = (page, hash) => page.waitForFunction((h) => document.querySelector("main").dataset.shown === h, hash);

try {
  const page = await open("officer");
  await page.goto(VIGIL_URL + "/console.html#/staff");
  await page.fill("#f-email", EMAIL);
  await page.fill("#f-password", PASSWORD);
  await page.click("#staff-login button[type=submit]");
  await page.waitForURL(/#\/staff\/second-step/);
  await page.fill("#totp-form #f-code", await helper("/totp?secret=" + SECRET));
  await page.click("#totp-form button[type=submit]");
  await page.locator("#my-role").waitFor();

  // The register: the incident with its grade and the GDPR clock.
  await page.goto(VIGIL_URL + "/console.html#/staff/incidents");
  await shown(page, "#/staff/incidents");
  const row = await page.locator("#incidents tbody tr").first().textContent();
  if (!/High/.test(row) || !/GDPR Art\. 33: \d+ d \d+ h left/.test(row)) problems.push(`register row: ${row}`);
  if ((await page.locator("#grading-rules tbody tr").count()) < 5) problems.push("the grading rules are not shown");
  await check(page, "register");

  // One incident.
  await page.click("#incidents a.inc-link");
  await shown(page, "#/staff/incidents/" + INCIDENT);
  const grading = await page.locator("#inc-grading").textContent();
  if (!grading.includes("G4")) problems.push(`grading shown: ${grading}`);
  if ((await page.locator("#affected tbody tr").count()) !== 2) problems.push("the two affected people are not listed");
  const notice = await page.locator("#affected").textContent();
  if (!/email: (sent|pending)/.test(notice) || !/app: (sent|pending)/.test(notice)) problems.push(`deliveries shown: ${notice}`);
  if (!(await page.locator("#public-link a").getAttribute("href")).endsWith("#/security/incidents/" + SLUG)) problems.push("no link to the public notice");
  if ((await page.locator("#stage-stop_loss input[type=checkbox]").count()) < 3) problems.push("the stop-loss checklist is missing");
  await check(page, "incident");
  // Tick the first stop-loss item; the API records it.
  await page.locator("#chk-stop_loss-0").check();
  await page.locator("#stage-stop_loss .status.ok").waitFor();
  // The JSON report downloads; the printable one opens.
  const dl = page.waitForEvent("download");
  await page.click("#report-json-gdpr-art33");
  const file = await dl;
  if (!file.suggestedFilename().endsWith("gdpr-art33.json")) problems.push(`download named ${file.suggestedFilename()}`);
  const [report] = await Promise.all([page.context().waitForEvent("page"), page.click("#report-html-gdpr-art33")]);
  await report.waitForLoadState();
  await report.locator("h1").waitFor();
  const rt = await report.locator("main").textContent();
  if (!rt.includes("Approximate number of people concerned") || !rt.includes("2 people")) problems.push(`printable report: ${rt.slice(0, 200)}`);
  await check(report, "report");

  // The public notice, signed out, in English and German.
  const anon = await open("public");
  await anon.goto(VIGIL_URL + "/#/security/incidents/" + SLUG);
  await anon.locator("#incident-notice h1").waitFor();
  if ((await anon.locator("#incident-notice h1").textContent()) !== "Security notice: account details viewed") problems.push("public notice title");
  if ((await anon.locator("#incident-notice h2").count()) !== 6) problems.push("public notice sections");
  await check(anon, "public-notice");
  await anon.goto(VIGIL_URL + "/#/security/incidents/" + SLUG + "?lang=de");
  await anon.locator("#incident-notice[lang=de] h2", { hasText: "Was geschehen ist" }).waitFor();
  await check(anon, "public-notice-de");

  if (problems.length) throw new Error("problems:\n" + problems.join("\n"));
  console.log("checked " + checked.join(", "));
  console.log("incident pages passed");
} catch (e) {
  console.error(e.stack || String(e));
  process.exitCode = 1;
} finally {
  await browser.close();
}
