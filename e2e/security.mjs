// vigil's security pages in Chromium at 1280×800 and 390×844, under the
// production CSP: the public list (#/security), the report form with an
// attachment and its receipt, following a report with its code; the
// security officer's queue in the console, a report triaged into an
// advisory (drafted there, then published) and another rejected with a
// reason; the published advisory on the public list, its page linking
// the firmware release that fixes it, and that release listing it; the
// owner of a camera on an affected firmware sees the advisory there. Each
// page: no sideways scrolling, no console error, no serious or critical
// axe-core violation, a screenshot in $SHOTS. Run by internal/web's
// TestSecurityPagesInChromium.
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

const { VIGIL_URL, HELPER_URL, CHROMIUM, SHOTS, STAFF_EMAIL, STAFF_PASSWORD, STAFF_SECRET, OWNER_EMAIL, OWNER_PASSWORD, DEVICE_PATH } = process.env;
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const problems = [];
const checked = [];
const sizes = [{ name: "desktop", width: 1280, height: 800 }, { name: "phone", width: 390, height: 844 }];

// The incident register's public list may be absent on this build: its
// 404 is the page's expected answer, not an error.
const expected = (m) => (m.location().url || "").includes("/api/v1/public/incidents") && /status of 404/.test(m.text());

async function newPage(size, console) {
  const ctx = await browser.newContext({ viewport: { width: size.width, height: size.height }, timezoneId: "UTC", locale: "en-GB" });
  const page = await ctx.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error" && !expected(m)) errors.push("console: " + m.text()); });
  page.on("pageerror", (e) => errors.push("page error: " + e.message));
  page.on("response", (r) => {
    const path = new URL(r.url()).pathname;
    if (r.status() >= 400 && !(r.status() === 404 && path === "/api/v1/public/incidents")) errors.push("HTTP " + r.status() + " " + r.request().method() + " " + path);
  });
  return { ctx, page, errors, base: VIGIL_URL + (console ? "/console.html" : "/") };
}

async function check(page, size, name, errors) {
  await page.locator("main h1").first().waitFor({ timeout: 15000 });
  await page.waitForLoadState("networkidle", { timeout: 3000 }).catch(() => {});
  await page.waitForTimeout(200);
  const o = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth,
    wide: [...document.querySelectorAll("main *")].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest(".table-wrap") && e.getClientRects().length)
      .slice(0, 3).map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")) }));
  if (o.sw > o.cw) problems.push(`${size.name} ${name}: scrolls sideways (${o.sw} > ${o.cw}) ${o.wide.join(", ")}`);
  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  for (const v of axe.violations.filter((x) => x.impact === "serious" || x.impact === "critical")) {
    problems.push(`${size.name} ${name}: axe ${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")})`);
  }
  for (const e of errors.splice(0)) problems.push(`${size.name} ${name}: ${e}`);
  await page.screenshot({ path: `${SHOTS}/security-${name}-${size.width}.png`, fullPage: true });
  checked.push(`${name}@${size.width}`);
}

async function helper(path) {
  const res = await fetch(HELPER_URL + path);
  if (!res.ok) throw new Error(`helper ${path}: ${res.status}`);
  return (await res.text()).trim();
}

const receipts = [];
try {
  // Signed out: the list, the policy, a report with a file, its receipt,
  // and following it.
  for (const size of sizes) {
    const { ctx, page, errors, base } = await newPage(size);
    await page.goto(base + "#/");
    await page.locator("#footer-security").click();
    await page.locator('main[data-path="/security"]').waitFor();
    if (!(await page.locator("main").textContent()).includes("No advisory has been published")) problems.push(`${size.name}: the empty list says nothing`);
    await check(page, size, "list-empty", errors);
    await page.goto(base + "#/security/policy");
    await check(page, size, "policy", errors);
    await page.goto(base + "#/security");
    await page.click("#report-link");
    await page.locator("#report-form").waitFor();
    await check(page, size, "report-form", errors);
    await page.fill("#v-title", `Camera names run scripts (${size.name})`);
    await page.fill("#v-product", "vigil web app");
    await page.fill("#v-versions", "3.4.0");
    await page.fill("#v-description", "A camera named <img src=x onerror=alert(1)> runs script in every viewer's browser.");
    await page.fill("#v-email", `finder-${size.name}@example.org`);
    await page.fill("#v-credit", "Ada Finder");
    await page.setInputFiles("#v-files", { name: "poc.txt", mimeType: "text/plain", buffer: Buffer.from("proof of concept " + size.name) });
    // A file of a forbidden type is refused with a message, nothing sent.
    await page.setInputFiles("#v-files", { name: "tool.exe", mimeType: "application/x-msdownload", buffer: Buffer.from("MZ") });
    await page.click("#report-form button[type=submit]");
    await page.locator("#report-status.error").waitFor();
    await page.setInputFiles("#v-files", { name: "poc.txt", mimeType: "text/plain", buffer: Buffer.from("proof of concept " + size.name) });
    await page.click("#report-form button[type=submit]");
    await page.locator("#receipt-code").waitFor();
    const id = (await page.locator("#receipt-id").textContent()).trim();
    const code = (await page.locator("#receipt-code").textContent()).trim();
    if (!id.startsWith("vr_") || !code.startsWith("vf_")) problems.push(`${size.name}: receipt ${id} ${code}`);
    receipts.push({ id, code });
    await check(page, size, "report-receipt", errors);
    await page.click("#follow-link");
    await page.locator("#follow-report-form").waitFor();
    await page.fill("#f-follow-code", code);
    await page.click("#follow-report-form button[type=submit]");
    await page.locator("#follow-status", { hasText: "Received" }).waitFor();
    await check(page, size, "follow", errors);
    await ctx.close();
  }

  // The security officer triages: the first report into an advisory,
  // published; the second rejected with a reason.
  for (const [i, size] of sizes.entries()) {
    const { ctx, page, errors, base } = await newPage(size, true);
    await page.goto(base + "#/staff");
    await page.fill("#f-email", STAFF_EMAIL);
    await page.fill("#f-password", STAFF_PASSWORD);
    await page.click("#staff-login button[type=submit]");
    await page.waitForURL(/#\/staff\/second-step/);
    await page.fill("#totp-form #f-code", await helper("/totp?secret=" + STAFF_SECRET));
    await page.click("#totp-form button[type=submit]");
    await page.locator("#my-role").waitFor();
    await page.goto(base + "#/staff/security");
    await page.locator("#vuln-queue").waitFor().catch(async (e) => { throw new Error("queue: " + (await page.locator("main").textContent()) + " " + errors.join("; ")); });
    if (await page.locator("#vuln-queue .report-link").count() !== 2) problems.push(`${size.name}: the queue does not list both reports`);
    await check(page, size, "console-queue", errors);
    await page.goto(base + "#/staff/security/reports/" + receipts[i].id);
    await page.locator("#report-facts").waitFor();
    if (!(await page.locator("#report-finder").textContent()).includes("finder-")) problems.push(`${size.name}: the finder's address is not shown to the officer`);
    if (await page.locator("#attachments .attachment-link").count() !== 1) problems.push(`${size.name}: the attachment is not listed`);
    await check(page, size, "console-report", errors);
    if (i === 0) {
      await page.fill("#adv-slug", "vigil-2026-001");
      await page.fill("#adv-summary", "Camera names were shown as HTML in the web app. Update the camera firmware to 1.2.0.");
      await page.selectOption("#adv-severity", "high");
      await page.fill("#adv-firmware", "vc-100 1.0.0 1.2.0");
      await page.click("#advisory-form button[type=submit]");
      await page.locator("#report-status", { hasText: "Advisory" }).waitFor();
      await page.locator("#report-facts a[href*='advisories']").click();
      await page.locator("#advisory-state", { hasText: "Draft" }).waitFor();
      await check(page, size, "console-advisory-draft", errors);
      await page.click("#publish");
      await page.click("#confirm-yes");
      await page.locator("#advisory-state", { hasText: "Published" }).waitFor();
      await check(page, size, "console-advisory-published", errors);
    } else {
      await page.fill("#reject-reason", "The web app shows names as text since 3.4.1; please update.");
      await page.click("#reject-form button[type=submit]");
      await page.locator("#report-status", { hasText: "Rejected" }).waitFor();
    }
    await ctx.close();
  }

  // The public side after triage.
  for (const [i, size] of sizes.entries()) {
    const { ctx, page, errors, base } = await newPage(size);
    await page.goto(base + "#/security");
    await page.locator("#advisories a", { hasText: "Camera names run scripts" }).click();
    await page.locator("#advisory-firmware").waitFor().catch(async (e) => { throw new Error("advisory: " + page.url() + " " + (await page.locator("main").textContent()) + " " + errors.join("; ")); });
    await check(page, size, "advisory", errors);
    await page.locator("#advisory-firmware .fix-link").click();
    await page.locator("#release-fixes a", { hasText: "Camera names run scripts" }).waitFor();
    await check(page, size, "firmware-release", errors);
    await page.goto(base + "#/security");
    await page.locator("#advisories li").first().waitFor();
    await check(page, size, "list", errors);
    await page.goto(base + `#/security/report/follow?id=${receipts[i].id}`);
    await page.fill("#f-follow-code", receipts[i].code);
    await page.click("#follow-report-form button[type=submit]");
    await page.locator("#follow-status", { hasText: i === 0 ? "advisory" : "Closed" }).waitFor();
    if (i === 1 && !(await page.locator("#follow-note").textContent()).includes("shows names as text")) problems.push("the finder does not read the reason");
    // The owner of a camera on an affected firmware sees the advisory on
    // the camera's page.
    await page.goto(base + "#/login");
    await page.fill("#f-email", OWNER_EMAIL);
    await page.fill("#f-password", OWNER_PASSWORD);
    await page.click("#login-form button[type=submit]");
    await page.locator("main h1", { hasText: "Cameras" }).waitFor();
    await page.goto(base + "#/devices/" + DEVICE_PATH);
    await page.locator("#device-advisories a", { hasText: "Camera names run scripts" }).waitFor();
    await check(page, size, "device-advisory", errors);
    await ctx.close();
  }
} catch (e) {
  problems.push(e.stack || String(e));
} finally {
  await browser.close();
}
console.log("checked: " + checked.join(" "));
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("security pages passed: " + checked.length + " page views");
