// Drives vigil's face recognition page and a filmed person's selfie search
// in Chromium under the production CSP, at 1280×800 and 390×844: each view
// is checked for sideways scrolling, console errors and serious or critical
// axe-core violations, and screenshotted. PHASE "on" acts (enrol, a rule,
// release an event, send a selfie); PHASE "stopped" checks the regional
// stop's notice. Run by internal/web's TestFacePagesInChromium.
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

const { VIGIL_URL, CHROMIUM, SHOTS, PHASE, EMAIL, PASSWORD, ACCOUNT_ID, HOME_ID, SHOP_ID, REQ_ID, REQ_TOKEN, SELFIE, PHOTO, EVIDENCE, GIVEN_AT, DPO_COOKIES, SEARCH_ID, DOOR_ID, DAY } = process.env;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const problems = [];
const sizes = [{ name: "desktop", width: 1280, height: 800 }, { name: "phone", width: 390, height: 844 }];

async function check(page, size, name, errors) {
  await page.locator("main h1").first().waitFor({ timeout: 15000 });
  await page.waitForLoadState("networkidle", { timeout: 3000 }).catch(() => {});
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth,
    wide: [...document.querySelectorAll("main *")].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest(".table-wrap") && e.getClientRects().length)
      .slice(0, 3).map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")) }));
  if (overflow.sw > overflow.cw) problems.push(`${size.name} ${name}: scrolls sideways (${overflow.sw} > ${overflow.cw}) ${overflow.wide.join(", ")}`);
  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  for (const v of axe.violations.filter((x) => x.impact === "serious" || x.impact === "critical")) {
    problems.push(`${size.name} ${name}: axe ${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")})`);
  }
  for (const e of errors.splice(0)) problems.push(`${size.name} ${name}: ${e}`);
  await page.screenshot({ path: `${SHOTS}/${name}-${size.width}.png`, fullPage: true });
}

async function newPage(size) {
  const ctx = await browser.newContext({ viewport: { width: size.width, height: size.height }, timezoneId: "UTC", locale: "en-GB" });
  const page = await ctx.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push("console: " + m.text()); });
  page.on("pageerror", (e) => errors.push("page error: " + e.message));
  page.on("response", (r) => { if (r.status() >= 400) errors.push("HTTP " + r.status() + " " + r.request().method() + " " + new URL(r.url()).pathname); });
  return { ctx, page, errors };
}

async function openFace(page) {
  await page.goto(VIGIL_URL + "/#/face");
  await page.locator('main[data-path="/face"]').waitFor({ timeout: 20000 });
}

try {
  for (const size of sizes) {
    const act = PHASE === "on" && size.name === "desktop";
    const { ctx, page, errors } = await newPage(size);
    await page.goto(VIGIL_URL + "/#/login");
    await page.fill("#f-email", EMAIL);
    await page.fill("#f-password", PASSWORD);
    await page.click("#login-form button[type=submit]");
    await page.waitForURL((u) => !u.hash.startsWith("#/login"));
    await openFace(page);

    if (PHASE === "on") {
      const matches = await page.locator(`#face-matches-${ACCOUNT_ID}`).textContent();
      if (!matches.includes("Paul at Front door")) problems.push(`${size.name}: no "Paul at Front door" in ${matches}`);
      const people = await page.locator(`#face-people-${HOME_ID}`).textContent();
      if (!people.includes("Paul") || !people.includes("Paul Rudd")) problems.push(`${size.name}: Paul is not listed with his consent: ${people}`);
      if (!(await page.locator(`#face-on-${SHOP_ID}`).isVisible())) problems.push(`${size.name}: the Shop site does not offer to turn recognition on`);
      await check(page, size, "face", errors);
      // The recognition is on the events list in words.
      await page.goto(VIGIL_URL + "/#/events");
      await page.locator('main[data-path="/events"]').waitFor({ timeout: 20000 });
      if (!(await page.locator("main").textContent()).includes("Paul at Front door")) problems.push(`${size.name}: the events list does not say "Paul at Front door"`);
      await check(page, size, "events-face", errors);
      // And on the camera's day, under its timeline.
      await page.goto(VIGIL_URL + `/#/cameras/${ACCOUNT_ID}/${DOOR_ID}/0?day=${DAY}`);
      await page.locator("#cam-events").waitFor({ timeout: 20000 });
      const strip = await page.locator("#cam-events").textContent();
      if (!strip.includes("Paul at Front door")) problems.push(`${size.name}: the camera's events do not say "Paul at Front door": ${strip}`);
      await openFace(page);
    } else {
      const notice = page.locator(`#face-region-notice-${HOME_ID}`);
      await notice.waitFor({ timeout: 10000 }).catch(() => {});
      const text = (await notice.count()) ? await notice.textContent() : "";
      if (!text.includes("stopped in your region") || !text.includes("A court suspended")) problems.push(`${size.name}: no regional stop notice: ${text}`);
      if (await page.locator(`#face-on-${SHOP_ID}`).count()) problems.push(`${size.name}: turning recognition on is offered while the region is stopped`);
      await check(page, size, "face-stopped", errors);
    }

    if (act) {
      // Enrol without evidence: refused in the page; with it: enrolled.
      await page.fill(`#enrol-label-${HOME_ID}`, "Chris");
      await page.fill(`#enrol-given-by-${HOME_ID}`, "Chris Pratt");
      await page.fill(`#enrol-given-at-${HOME_ID}`, GIVEN_AT); // vigil's clock, not the browser's, in this test
      await page.setInputFiles(`#enrol-photos-${HOME_ID}`, PHOTO);
      await page.setInputFiles(`#enrol-evidence-${HOME_ID}`, EVIDENCE);
      await page.click(`#enrol-form-${HOME_ID} button[type=submit]`);
      await page.locator(`#face-people-${HOME_ID}`, { hasText: "Chris" }).waitFor({ timeout: 20000 }).catch(async (e) => {
        throw new Error("enrolment did not show Chris: " + (await page.locator(`#enrol-form-${HOME_ID} .status`).textContent()));
      });

      // Withdrawal: the person goes at once, after a confirmation.
      await page.locator(`#face-people-${HOME_ID} tr`, { hasText: "Chris" }).locator("button", { hasText: "Withdraw" }).click();
      await page.locator("dialog[open] button", { hasText: "Withdraw and delete" }).click();
      await page.waitForFunction((id) => { const t = document.querySelector("#face-people-" + id); return t && !t.textContent.includes("Chris"); }, HOME_ID, { timeout: 20000 });
      // Enrolled again, for the phone's view.
      await page.fill(`#enrol-label-${HOME_ID}`, "Chris");
      await page.fill(`#enrol-given-by-${HOME_ID}`, "Chris Pratt");
      await page.fill(`#enrol-given-at-${HOME_ID}`, GIVEN_AT);
      await page.setInputFiles(`#enrol-photos-${HOME_ID}`, PHOTO);
      await page.setInputFiles(`#enrol-evidence-${HOME_ID}`, EVIDENCE);
      await page.click(`#enrol-form-${HOME_ID} button[type=submit]`);
      await page.locator(`#face-people-${HOME_ID}`, { hasText: "Chris" }).waitFor({ timeout: 20000 });

      await page.click(`#unknown-rule-${ACCOUNT_ID}`);
      await page.locator("#unknown-rule-status", { hasText: "unknown face" }).waitFor();

      // The event a filmed person asked for: keeping it back needs a
      // reason; the owner releases it.
      const table = page.locator(`#footage-${ACCOUNT_ID}`);
      if (!(await table.textContent()).includes("Front door")) problems.push("the footage ask does not name the camera");
      await table.locator("button", { hasText: "Keep back" }).first().click();
      await page.locator("#footage-status", { hasText: "Say why" }).waitFor();
      await table.locator("button", { hasText: "Release" }).first().click();
      await page.locator(`#footage-${ACCOUNT_ID}`, { hasText: "released" }).waitFor({ timeout: 10000 });
      await check(page, size, "face-after", errors);
    }
    await ctx.close();

    if (PHASE === "on") {
      // A filmed person, signed out, follows their request and is offered
      // the selfie search.
      const { ctx: c2, page: p2, errors: e2 } = await newPage(size);
      await p2.goto(VIGIL_URL + `/#/privacy-request/follow?id=${REQ_ID}`);
      await p2.fill("#f-access-code", REQ_TOKEN);
      await p2.click("#follow-form button[type=submit]");
      await p2.locator("#findme-form").waitFor({ timeout: 15000 });
      const wording = await p2.locator("#findme-wording").textContent();
      if (!wording.includes("this request only")) problems.push(`${size.name}: the consent wording is missing`);
      if ((await p2.locator("#follow-result").textContent()).includes("null")) problems.push(`${size.name}: the follow page shows "null"`);
      await check(p2, size, "find-me", e2);
      if (size.name === "desktop") {
        await p2.setInputFiles("#f-findme-selfie", SELFIE);
        await p2.click("#findme-form button[type=submit]");
        await p2.locator("#findme-status", { hasText: "Tick the box" }).waitFor();
        await p2.check("#f-findme-consent");
        await p2.click("#findme-form button[type=submit]");
        await p2.locator("#findme-status", { hasText: "Received" }).waitFor({ timeout: 20000 });
        for (const e of e2.splice(0)) problems.push(`${size.name} find-me after sending: ${e}`);
      }
      await c2.close();

      // The data-protection officer's view of the first search: cameras,
      // times and similarity, never a face.
      const { ctx: c3, page: p3, errors: e3 } = await newPage(size);
      await c3.addCookies(DPO_COOKIES.split(";").filter(Boolean).map((kv) => {
        const i = kv.indexOf("=");
        return { name: kv.slice(0, i), value: kv.slice(i + 1), url: VIGIL_URL };
      }));
      // The console keeps only a "signed in" flag; the session is the cookie.
      await c3.addInitScript(() => localStorage.setItem("vigil.staff", "in"));
      await p3.goto(VIGIL_URL + `/console.html#/staff/requests/${SEARCH_ID}`);
      await p3.locator("#face-hits").waitFor({ timeout: 20000 }).catch(async () => {
        throw new Error("no search on the officer's page: " + (await p3.locator("body").textContent()).slice(0, 600) + " " + e3.join("; "));
      });
      const hits = await p3.locator("#face-hits").textContent();
      if (!hits.includes("released by the owner")) problems.push(`${size.name}: the officer does not see the owner's release: ${hits}`);
      if (await p3.locator("#face-hits img").count()) problems.push(`${size.name}: the officer is shown a picture`);
      await check(p3, size, "console-face-search", e3);
      await c3.close();
    }
  }
} catch (e) {
  problems.push("flow: " + (e.stack || e.message));
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("face pages passed (" + PHASE + ")");
