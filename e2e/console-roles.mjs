// Signs in to vigil's operator console as each staff role, a member
// without a second factor and a member with lapsed privacy training, and
// tries every console page and the data behind it. Run by internal/web's
// TestConsoleRolesInChromium, which makes the people (PEOPLE, JSON).
import { chromium } from "playwright-core";

const { VIGIL_URL, HELPER_URL, CHROMIUM, PEOPLE, SHOTS } = process.env;
const people = JSON.parse(PEOPLE);

// Every console page, the roles it is for, whether it shows personal data,
// and an API read behind it (null: its reads are public or the caller's own).
const pages = [
  { path: "team", roles: ["operator_admin"], api: "/api/v1/staff/members" },
  { path: "requests", roles: ["dpo"], personal: true, api: "/api/v1/staff/privacy-requests" },
  { path: "devices", roles: ["operator_admin"], api: "/api/v1/staff/devices?serial=SN" },
  { path: "firmware", roles: ["operator_admin"], api: "/api/v1/staff/firmware?model=vc-100" },
  { path: "notices", roles: ["dpo"], api: null },
  { path: "grants", roles: ["support_l1", "support_l2", "security", "dpo"], personal: true, api: null },
  { path: "holds", roles: ["security", "dpo"], personal: true, api: "/api/v1/staff/legal-holds" },
  { path: "incidents", roles: ["security", "dpo"], personal: true, api: "/api/v1/staff/incidents" },
  { path: "processors", roles: ["operator_admin"], api: null },
  { path: "audit", roles: ["security", "operator_admin", "dpo"], api: "/api/v1/staff/audit/health" },
  { path: "security", roles: ["security", "dpo"], personal: true, api: "/api/v1/staff/vulnerability-reports" },
  { path: "app-versions", roles: ["operator_admin"], api: "/api/v1/staff/app-releases" },
  { path: "disclosures", roles: ["security", "dpo"], personal: true, api: "/api/v1/staff/disclosures" },
  { path: "retention", roles: ["security", "dpo"], api: "/api/v1/staff/retention/runs" },
  { path: "statistics", roles: ["dpo"], personal: true, api: "/api/v1/staff/statistics" },
];

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
const seen = [];
try {
  for (const p of people) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    let expectErrors = false;
    page.on("console", (m) => { if (m.type() === "error" && !expectErrors) problems.push(`${p.name} console: ${m.text()}`); });
    page.on("pageerror", (e) => problems.push(`${p.name} page error: ${e.message}`));
    const status = async (path) => {
      expectErrors = true;
      const s = await page.evaluate(async (u) => (await fetch(u)).status, path);
      expectErrors = false;
      return s;
    };

    await page.goto(VIGIL_URL + "/console.html#/staff");
    await page.fill("#f-email", p.email);
    await page.fill("#f-password", p.password);
    await page.click("#staff-login button[type=submit]");
    if (p.expect === "no_factor") {
      await page.waitForURL(/#\/staff\/enrol/);
      for (const pg of pages) {
        await page.goto(VIGIL_URL + "/console.html#/staff/" + pg.path);
        await page.waitForURL((u) => u.hash === "#/staff/enrol?next=" + encodeURIComponent("#/staff/" + pg.path));
        await page.waitForFunction(() => document.querySelector("main").dataset.shown.startsWith("#/staff/enrol"));
        if (await page.locator("table").count()) problems.push(`${p.name} sees a table on ${pg.path}`);
        if (pg.api && (await status(pg.api)) !== 403) problems.push(`${p.name} read ${pg.api} without a second factor`);
      }
      seen.push(`${p.name}: every page sent to enrolment`);
      await context.close();
      continue;
    }
    await page.waitForURL(/#\/staff\/second-step/);
    await page.fill("#totp-form #f-code", await helper("/totp?secret=" + p.secret));
    await page.click("#totp-form button[type=submit]");
    await page.locator("#my-role").waitFor();
    if (p.expect === "lapsed") await page.locator("#training", { hasText: "lapsed" }).waitFor();

    const menu = page.locator("button.menu-toggle");
    await menu.click();
    const links = await page.locator("#nav a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    const opened = [];
    for (const pg of pages) {
      const mayRole = pg.roles.includes(p.role);
      const may = mayRole && !(p.expect === "lapsed" && pg.personal);
      if (links.includes("#/staff/" + pg.path) !== mayRole) problems.push(`${p.name}: navigation ${mayRole ? "lacks" : "shows"} ${pg.path}`);
      await page.goto(VIGIL_URL + "/console.html#/staff/" + pg.path);
      await page.waitForFunction((h) => document.querySelector("main").dataset.shown === h, "#/staff/" + pg.path);
      const refused = await page.locator("#refused").count();
      if (may && refused) problems.push(`${p.name} refused ${pg.path}`);
      if (!may) {
        if (!refused) problems.push(`${p.name} was shown ${pg.path}`);
        if (await page.locator("main table").count()) problems.push(`${p.name} sees a table on ${pg.path}`);
        const why = await page.locator("#refused").textContent().catch(() => "");
        if (p.expect === "lapsed" && mayRole && !why.includes("training")) problems.push(`${p.name} on ${pg.path}: ${why}`);
      } else opened.push(pg.path);
      if (pg.api) {
        const s = await status(pg.api);
        if (may !== (s === 200)) problems.push(`${p.name}: ${pg.api} answered ${s}`);
      }
    }
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/roles-${p.name}.png`, fullPage: true });
    seen.push(`${p.name}: opens ${opened.join(", ") || "nothing"}`);
    await context.close();
  }
  if (problems.length) throw new Error("problems:\n" + problems.join("\n"));
  console.log(seen.join("\n"));
  console.log("console roles passed");
} catch (e) {
  console.error(e.stack || String(e));
  process.exitCode = 1;
} finally {
  await browser.close();
}
