// Visits every page of vigil's web app at 1280×800, 390×844 and 360×740, signed out
// and signed in, under the production CSP. On each: no sideways scrolling
// (scrollWidth <= clientWidth), no console error, no serious or critical
// axe-core violation, and a full-page screenshot in $SHOTS. Along the way
// it checks the flows the pages are for (see TestEveryPageInChromium).
// Run by internal/web's Go test, which seeds cameras, recordings and events.
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

const { VIGIL_URL, CHROMIUM, SHOTS, EMAIL, PASSWORD, ACCOUNT_ID, GARDEN_ID, DOOR_ID, SHOP_ID, NVR_ID, ALARM_ID, DAY, EVENT_AT } = process.env;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--allow-loopback-in-peer-connection"],
});
const problems = [];
const sizes = [{ name: "desktop", width: 1280, height: 800 }, { name: "phone", width: 390, height: 844 }, { name: "small phone", width: 360, height: 740 }];
const checked = [];

async function check(page, size, name, errors) {
  await page.locator("main h1").first().waitFor({ timeout: 15000 });
  await page.waitForLoadState("networkidle", { timeout: 3000 }).catch(() => {});
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth, iw: window.innerWidth,
    wide: [...document.querySelectorAll("main *")].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest(".table-wrap") && e.getClientRects().length)
      .slice(0, 3).map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.split(" ")[0] : "")) }));
  if (overflow.sw > overflow.cw) problems.push(`${size.name} ${name}: scrolls sideways (${overflow.sw} > ${overflow.cw}) ${overflow.wide.join(", ")}`);
  // axe runs at the two main sizes; at 360 px the page is checked for
  // overflow and errors only (its markup is the 390 px page's).
  const axe = size.width === 360 ? { violations: [] } : await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  for (const v of axe.violations.filter((x) => x.impact === "serious" || x.impact === "critical")) {
    problems.push(`${size.name} ${name}: axe ${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")})`);
  }
  for (const e of errors.splice(0)) problems.push(`${size.name} ${name}: ${e}`);
  await page.screenshot({ path: `${SHOTS}/${name}-${size.width}.png`, fullPage: true });
  checked.push(`${name}@${size.width}`);
}

async function newPage(size, colorScheme = "light") {
  const ctx = await browser.newContext({ viewport: { width: size.width, height: size.height }, timezoneId: "UTC", locale: "en-GB", colorScheme });
  const page = await ctx.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push("console: " + m.text()); });
  page.on("pageerror", (e) => errors.push("page error: " + e.message));
  page.on("response", (r) => { if (r.status() >= 400) errors.push("HTTP " + r.status() + " " + r.request().method() + " " + new URL(r.url()).pathname.replace(/\/media\/live\/[^/]+/, "/media/live/<token>")); });
  return { ctx, page, errors };
}

// go opens a page of the app and waits until it has rendered (main's
// data-path names the route shown).
async function go(page, hash) {
  await page.goto(VIGIL_URL + "/" + hash);
  const path = hash.replace(/^#/, "").split("?")[0];
  await page.locator(`main[data-path="${path}"]`).waitFor({ timeout: 20000 });
}

async function signIn(page, errors) {
  await page.goto(VIGIL_URL + "/#/login");
  await page.fill("#f-email", EMAIL);
  await page.fill("#f-password", PASSWORD);
  await page.click("#login-form button[type=submit]");
}

try {
  for (const size of sizes) {
    // Signed out: the public pages, and a link from an alarm e-mail that
    // passes through the sign-in page to its event.
    {
      const { ctx, page, errors } = await newPage(size);
      for (const [name, hash] of [["login", "#/login"], ["signup", "#/signup"], ["privacy", "#/privacy"], ["ask", "#/ask"], ["follow-request", "#/privacy-request/follow"], ["reset", "#/reset"]]) {
        await go(page, hash);
        await check(page, size, name, errors);
      }
      // The data map reads in words, never "[object HTMLElement]".
      const map = await page.goto(VIGIL_URL + "/#/privacy").then(() => page.locator("#datamap").textContent());
      if (map.includes("[object")) problems.push(`${size.name}: the data map shows [object …]`);
      if (!/after|until/.test(map)) problems.push(`${size.name}: the data map does not say how long data is kept`);

      await page.goto(VIGIL_URL + `/#/alarms/${ACCOUNT_ID}/${ALARM_ID}`);
      await page.waitForURL(/#\/login\?next=/);
      await page.fill("#f-email", EMAIL);
      await page.fill("#f-password", PASSWORD);
      await page.click("#login-form button[type=submit]");
      await page.locator("main h1", { hasText: "Garden" }).waitFor();
      if (!page.url().includes(`#/alarms/${ACCOUNT_ID}/${ALARM_ID}`)) problems.push(`${size.name}: the e-mailed alarm link did not land on its event: ${page.url()}`);
      await ctx.close();
    }

    const { ctx, page, errors } = await newPage(size);
    await signIn(page, errors);
    await page.locator("main h1", { hasText: "Cameras" }).waitFor();

    // The grid: a tile per camera with its name, site and state; unread
    // events badged; sites filter it.
    // Three cameras and the recorder's eight channels.
    await page.locator("#camera-grid .tile").nth(10).waitFor();
    if (await page.locator("#camera-grid .tile").count() !== 11) problems.push(`${size.name}: the grid does not show 11 cameras`);
    if (!(await page.locator(`#camera-grid .tile[data-camera="${ACCOUNT_ID}.${NVR_ID}.3"]`).textContent()).includes("Shop recorder · camera 3")) problems.push(`${size.name}: an NVR channel's tile is not named`);
    const garden = page.locator(`#camera-grid .tile[data-camera="${ACCOUNT_ID}.${GARDEN_ID}.0"]`);
    if (!(await garden.textContent()).includes("Home")) problems.push(`${size.name}: the garden tile does not name its site`);
    if (await garden.locator(".unread .badge").count() !== 1) problems.push(`${size.name}: the garden tile shows no unread badge`);
    if (!(await page.locator(`#camera-grid .tile[data-camera="${ACCOUNT_ID}.${DOOR_ID}.0"] .state`).textContent()).includes("never connected")) problems.push(`${size.name}: an offline camera gives no reason`);
    await check(page, size, "cameras", errors);
    await page.click("#site-filter button:has-text('Shop')");
    const visible = await page.locator("#camera-grid .tile:visible").count();
    if (visible !== 9) problems.push(`${size.name}: the Shop filter shows ${visible} cameras, want 9`);
    if (await page.locator("#nav-events-badge").textContent() !== "2") problems.push(`${size.name}: the Events badge says ${await page.locator("#nav-events-badge").textContent()}, want 2`);

    // The phone menu opens and closes; on the desktop the links show.
    if (size.width < 700) {
      if (await page.locator("#nav").isVisible()) problems.push("phone: the menu is open before it is asked for");
      await page.click(".menu-toggle");
      await page.locator("#nav a[href='#/devices']").click();
      await page.locator("main h1", { hasText: "Devices" }).waitFor();
      if (await page.locator("#nav").isVisible()) problems.push("phone: the menu stays open after choosing a page");
    } else if (!(await page.locator("#nav a[href='#/devices']").isVisible())) problems.push("desktop: the navigation is hidden");

    // The camera page of the day with the recording and the event: the
    // timeline zooms, and the event plays from a few seconds before it.
    await go(page, `#/cameras/${ACCOUNT_ID}/${GARDEN_ID}/0?day=${DAY}`);
    await page.locator("#timeline .rec").first().waitFor();
    // It opens zoomed on what the day holds; + and − zoom in and back out.
    const first = await page.locator("#tl-zoom").textContent();
    await page.click("#tl-zoom-out");
    const wider = await page.locator("#tl-zoom").textContent();
    await page.click("#tl-zoom-in");
    await page.click("#tl-zoom-in");
    const closer = await page.locator("#tl-zoom").textContent();
    await page.click("#tl-zoom-out");
    if (first === wider || first === closer || (await page.locator("#tl-zoom").textContent()) !== first) problems.push(`${size.name}: zoom ${first} → out ${wider} → in ${closer}`);
    // Pointing at the event's mark shows its snapshot above the timeline.
    if (size.width >= 700) {
      const evMarks = page.locator("#timeline .ev");
      let previewed = false;
      for (let i = 0; i < (await evMarks.count()) && !previewed; i++) {
        await evMarks.nth(i).hover();
        previewed = await page.waitForFunction(() => {
          const img = document.querySelector("#tl-preview:not([hidden]) img:not([hidden])");
          return img && img.complete && img.naturalWidth > 0;
        }, null, { timeout: 3000 }).then(() => true).catch(() => false);
      }
      if (!previewed) problems.push(`${size.name}: no event mark shows its snapshot when pointed at`);
      else await page.screenshot({ path: `${SHOTS}/camera-preview-${size.width}.png` });
      await page.mouse.move(0, 0);
    }
    // The calendar marks the day with recordings (and events).
    await page.click("#calendar summary");
    const marked = await page.locator("#calendar .cal-day.rec").first().getAttribute("href").catch(() => "");
    if (!marked.includes("day=" + DAY)) problems.push(`${size.name}: the calendar does not mark ${DAY} as recorded (${marked})`);
    await check(page, size, "camera", errors);
    await go(page, "#/");
    await go(page, `#/cameras/${ACCOUNT_ID}/${GARDEN_ID}/0?at=${encodeURIComponent(EVENT_AT)}`);
    await page.waitForFunction(() => { const v = document.getElementById("cam-video"); return v && v.currentTime > 1 && !v.error; }, null, { timeout: 30000 });
    await check(page, size, "camera-at-event", errors);

    // Events: by camera name, with the snapshot; one marked read.
    await go(page, "#/events");
    await page.locator("#events li").nth(1).waitFor();
    const list = await page.locator("#events").textContent();
    if (!list.includes("Garden") || !list.includes("Shop entrance") || /dev_/.test(list)) problems.push(`${size.name}: events are not listed by camera name: ${list}`);
    await page.locator(`#events li[data-event="${ALARM_ID}"] img.thumb`).waitFor();
    await check(page, size, "events", errors);
    await page.goto(VIGIL_URL + `/#/events?device=${SHOP_ID}`);
    await page.waitForFunction((id) => document.querySelector("#ev-camera") && document.querySelector("#ev-camera").value === id, SHOP_ID);
    await page.locator("#events li").first().waitFor();
    if (await page.locator("#events li").count() !== 1) problems.push(`${size.name}: the camera filter does not filter`);
    await go(page, `#/events/${ACCOUNT_ID}/${ALARM_ID}`);
    await page.locator("#event-snapshot").waitFor();
    // The recording around the event plays on the event's page.
    await page.click("#event-play");
    await page.waitForFunction(() => { const v = document.getElementById("event-video"); return v && v.currentTime > 0.5 && !v.error; }, null, { timeout: 30000 });
    await check(page, size, "event", errors);
    await go(page, `#/snapshots/${ALARM_ID}`);
    await page.locator("#event-snapshot").waitFor();

    // Devices and one device's settings.
    await go(page, "#/devices");
    await page.click("#pair-start");
    await page.locator("#pairing svg.qr").waitFor();
    await check(page, size, "devices", errors);
    await go(page, `#/devices/${ACCOUNT_ID}/${DOOR_ID}`);
    await page.locator("#settings-form").waitFor();
    await check(page, size, "device", errors);
    // A recorder's own settings and each camera channel's.
    await go(page, `#/devices/${ACCOUNT_ID}/${NVR_ID}`);
    await page.locator("#set-disk_overwrite").waitFor();
    await page.click("#channel-filter button[data-id='2']");
    await page.locator("#set-fps").waitFor();
    await check(page, size, "device-nvr", errors);

    for (const [name, hash, wait] of [["household", "#/account", "h1"], ["privacy-centre", "#/privacy-centre", "#access-log"], ["requests", "#/requests", "#request-form"],
      ["notifications", "#/notifications", "#notify-channels"], ["rules", "#/events/rules", "#quiet-form"], ["security", "#/account/security", "#sessions"],
      ["sharing", "#/sharing", "#shared-none"], ["transfers", "#/privacy/transfers", "h1"], ["not-found", "#/no/such/page", "h1"]]) {
      await go(page, hash);
      await page.locator("main " + wait).first().waitFor();
      await check(page, size, name, errors);
    }
    // A notice e-mail's link opens the privacy centre.
    await page.goto(VIGIL_URL + "/#/notices");
    await page.locator("main h1", { hasText: "Your privacy" }).waitFor();
    await ctx.close();
  }
  // The dark theme follows the system's setting, with enough contrast
  // (axe checks it) on the pages used most.
  {
    const size = { name: "phone dark", width: 390, height: 844 };
    const { ctx, page, errors } = await newPage(size, "dark");
    await signIn(page, errors);
    await page.locator("main h1", { hasText: "Cameras" }).waitFor();
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = (bg.match(/\d+/g) || [255, 255, 255]).map(Number);
    if (r + g + b > 3 * 96) problems.push("dark theme: the page background is light (" + bg + ")");
    await check(page, size, "cameras-dark", errors);
    for (const [name, hash, wait] of [["events-dark", "#/events", "h1"], ["privacy-centre-dark", "#/privacy-centre", "#access-log"], ["sharing-dark", "#/sharing", "h1"]]) {
      await go(page, hash);
      await page.locator("main " + wait).first().waitFor();
      await check(page, size, name, errors);
    }
    await ctx.close();
  }
  // The rename goes through (once, on the last size).
  {
    const { ctx, page, errors } = await newPage(sizes[0]);
    await signIn(page, errors);
    await page.locator("main h1", { hasText: "Cameras" }).waitFor();
    await page.goto(VIGIL_URL + `/#/devices/${ACCOUNT_ID}/${DOOR_ID}`);
    await page.fill("#f-name", "Back door");
    await page.click("#device-form button[type=submit]");
    await page.locator("#device-form .status.ok").waitFor();
    await page.goto(VIGIL_URL + "/#/");
    await page.locator(`#camera-grid .tile[data-camera="${ACCOUNT_ID}.${DOOR_ID}.0"] a.name`, { hasText: "Back door" }).waitFor();
    // The garden camera is offered firmware 2.0.0, with its notes, and the
    // owner has it installed now (refusals: TestOwnerUpdatesFirmwareNow).
    await page.goto(VIGIL_URL + `/#/devices/${ACCOUNT_ID}/${GARDEN_ID}`);
    await page.locator("#update-notes", { hasText: "night vision" }).waitFor();
    await page.click("#update-now");
    await page.click("#confirm-yes");
    await page.locator("#device-status.ok", { hasText: "asked to install 2.0.0" }).waitFor();
    for (const e of errors) problems.push("rename: " + e);
    // The inbox names cameras, never their device IDs.
    await go(page, "#/notifications");
    const inbox = await page.locator("#inbox").textContent();
    if (!inbox.includes("Garden") || inbox.includes("dev_")) problems.push("the inbox does not name the camera: " + inbox);
    // An alarm rule: people are told of persons on the garden camera only.
    await go(page, "#/events/rules");
    await page.selectOption(`#rule-camera-${ACCOUNT_ID}`, GARDEN_ID);
    await page.check("#r-Kindsofevent-person");
    await page.click(`#rule-form-${ACCOUNT_ID} button[type=submit]`);
    await page.locator(`#rules-${ACCOUNT_ID} td`, { hasText: "Garden" }).waitFor();
    for (const e of errors.splice(0)) problems.push("rules: " + e);
    // The browser keeps the log's checkpoint: a later visit proves the log
    // only grew; a history it never had (the kept root altered) is caught.
    await go(page, "#/privacy-centre");
    await page.locator("#checkpoint-status").waitFor();
    await go(page, "#/");
    await go(page, "#/privacy-centre");
    const grew = await page.locator("#checkpoint-status").textContent();
    if (!/extends the \d+ entries this browser saw before \(proved\)/.test(grew)) problems.push("consistency: " + grew);
    await page.evaluate((acct) => {
      const k = "vigil.checkpoint.account." + acct;
      const v = JSON.parse(localStorage.getItem(k));
      const r = Uint8Array.from(atob(v.root), (c) => c.charCodeAt(0));
      r[0] ^= 1;
      v.root = btoa(String.fromCharCode(...r));
      localStorage.setItem(k, JSON.stringify(v));
    }, ACCOUNT_ID);
    await go(page, "#/");
    await go(page, "#/privacy-centre");
    const forked = await page.locator("#checkpoint-status").textContent();
    if (!forked.includes("REWRITTEN")) problems.push("a forked log was not caught: " + forked);
    // Offline, the app still starts from the service worker's copy.
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await page.locator("main h1").first().waitFor();
    await ctx.setOffline(true);
    await page.reload();
    await page.locator("main h1").first().waitFor({ timeout: 10000 });
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
console.log("every page passed: " + checked.length + " page views, screenshots in " + SHOTS);
