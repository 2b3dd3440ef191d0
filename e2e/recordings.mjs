// Drives the recordings view in Chromium the way an owner would: sign in,
// open the camera's day (through the old Recordings link), click the event
// mark on the timeline,
// and watch: the <video> must advance (currentTime grows) on the recording,
// played from the MP4 a stream token opens. Then export the range.
// Run by internal/web's Go test, which records a camera before it starts.
import { chromium } from "playwright-core";

const { VIGIL_URL, CHROMIUM, SHOT, EMAIL, PASSWORD, DEVICE_ID, DAY } = process.env;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const problems = [];
try {
  const page = await browser.newPage();
  page.on("console", (m) => { if (m.type() === "error") problems.push("console: " + m.text()); });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));

  await page.goto(VIGIL_URL + "/#/login");
  await page.fill("#f-email", EMAIL);
  await page.fill("#f-password", PASSWORD);
  await page.click("button[type=submit]");
  await page.locator("main h1", { hasText: "Cameras" }).waitFor();
  // The old Recordings link leads to the camera page of that day.
  await page.goto(VIGIL_URL + `/#/recordings?device=${DEVICE_ID}&channel=0&day=${DAY}`);
  await page.waitForURL(/#\/cameras\//);
  await page.locator("#timeline .rec").first().waitFor();
  const ranges = await page.locator("#timeline .rec").count();
  if (ranges !== 1) throw new Error(`${ranges} ranges on the timeline, want 1`);
  if (await page.locator("#timeline .ev").count() !== 1) throw new Error("the alarm mark is not on the timeline");

  // Jump to the event: playback starts a few seconds before it.
  await page.locator("#timeline .ev").first().click();
  await page.locator("#cam-status", { hasText: "Playing" }).waitFor();
  // The recording plays: its time advances by more than a second.
  await page.waitForFunction(() => {
    const v = document.getElementById("cam-video");
    return v && v.currentTime > 1.5 && v.readyState >= 2 && !v.error;
  }, null, { timeout: 30000 });
  const info = await page.evaluate(() => {
    const v = document.getElementById("cam-video");
    return { t: v.currentTime, w: v.videoWidth, h: v.videoHeight, d: v.duration };
  });
  if (info.w !== 320 || info.h !== 240) throw new Error("video size " + JSON.stringify(info));
  // The cursor follows the playback.
  await page.locator("#timeline .cursor").waitFor();

  await page.click("#export-button");
  const href = await page.locator("#export-link").getAttribute("href");
  if (!href.startsWith("/media/export/")) throw new Error("export link " + href);
  const res = await page.request.get(VIGIL_URL + href);
  if (res.status() !== 200 || !(res.headers()["content-disposition"] || "").startsWith("attachment")) throw new Error("export download " + res.status());
  if (SHOT) await page.screenshot({ path: SHOT, fullPage: true });
  if (problems.length) throw new Error(problems.join("\n"));
  console.log("recordings flow passed: currentTime " + info.t.toFixed(2) + "s of " + info.d.toFixed(2) + "s");
} finally {
  await browser.close();
}
