// Drives live view in Chromium: a signed-in owner opens the camera grid,
// where the tile of the camera ffmpeg publishes to vigil plays by itself
// while on screen, then opens the camera's page, whose <video> must play
// (its currentTime advances) over WebRTC, under the production
// Content-Security-Policy, with no console errors.
// Run by internal/media/live's Go test, which serves vigil, claims the
// camera and starts ffmpeg.
import { chromium } from "playwright-core";

const { VIGIL_URL, CHROMIUM, EMAIL, PASSWORD, DEVICE_ID, OTHER_ID, SHOT } = process.env;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--autoplay-policy=no-user-gesture-required",
         // vigil's test server listens on 127.0.0.1 only.
         "--allow-loopback-in-peer-connection"],
});
const problems = [];

// advancing waits until the video matching selector plays and its time
// moves on by more than half a second.
async function advancing(page, selector) {
  try {
    await page.waitForFunction((sel) => {
      const v = document.querySelector(sel);
      return v && v.currentTime > 0.5 && v.videoWidth > 0;
    }, selector, { timeout: 20000 });
  } catch (e) {
    const state = await page.evaluate((sel) => { const v = document.querySelector(sel); return v ? JSON.stringify({ readyState: v.readyState, t: v.currentTime, w: v.videoWidth, err: v.error && v.error.message }) : "no video"; }, selector);
    if (SHOT) await page.screenshot({ path: SHOT });
    throw new Error(`${selector} does not play: ${state}; page says ${await page.locator("main").textContent()}; ${problems.join("; ")}`);
  }
  const t1 = await page.evaluate((sel) => document.querySelector(sel).currentTime, selector);
  await page.waitForTimeout(1500);
  const t2 = await page.evaluate((sel) => document.querySelector(sel).currentTime, selector);
  if (!(t2 > t1 + 0.5)) throw new Error(`${selector} does not advance: ${t1} -> ${t2}`);
  return [t1, t2];
}

try {
  const page = await browser.newPage();
  page.on("console", (m) => { if (m.type() === "error") problems.push("console: " + m.text()); });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("response", (r) => { if (r.status() >= 400) problems.push("HTTP " + r.status() + " " + r.request().method() + " " + new URL(r.url()).pathname.replace(/\/media\/live\/[^/]+/, "/media/live/<token>")); });

  await page.goto(VIGIL_URL + "/#/login");
  await page.fill("#f-email", EMAIL);
  await page.fill("#f-password", PASSWORD);
  await page.click("button[type=submit]");
  await page.locator("main h1", { hasText: "Cameras" }).waitFor();

  // The grid's tiles play live on their own, both at once.
  const tile = `#camera-grid .tile[data-camera$=".${DEVICE_ID}.0"]`;
  const other = `#camera-grid .tile[data-camera$=".${OTHER_ID}.0"]`;
  await page.locator(`${tile} video`).waitFor({ timeout: 20000 });
  await page.locator(`${other} video`).waitFor({ timeout: 20000 });
  const [[g1, g2], [o1, o2]] = await Promise.all([advancing(page, `${tile} video`), advancing(page, `${other} video`)]);
  // Both advanced over the same 1.5 s: they played at the same time.
  const both = await page.evaluate((sels) => sels.map((s) => !document.querySelector(s).paused), [`${tile} video`, `${other} video`]);
  if (!both.every(Boolean)) throw new Error("the grid's two tiles are not both playing: " + JSON.stringify(both));
  console.log(`grid tiles play together, currentTime ${g1.toFixed(2)} -> ${g2.toFixed(2)} and ${o1.toFixed(2)} -> ${o2.toFixed(2)}`);

  await page.click(`${tile} a.name`);
  await page.locator("#cam-video").waitFor();
  const [t1, t2] = await advancing(page, "#cam-video");
  const size = await page.evaluate(() => { const v = document.getElementById("cam-video"); return v.videoWidth + "x" + v.videoHeight; });
  const status = await page.locator("#cam-status").textContent();
  if (SHOT) await page.screenshot({ path: SHOT });
  console.log(`live view plays ${size} (${status}), currentTime ${t1.toFixed(2)} -> ${t2.toFixed(2)}`);
  if (problems.length) throw new Error(problems.join("\n"));
  console.log("live flow passed");
} finally {
  await browser.close();
}
