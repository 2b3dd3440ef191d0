// Drives a live view in Chromium: a signed-in owner opens the Devices page
// and presses Live on a camera that ffmpeg publishes to vigil; the <video>
// must play (its currentTime advances) over WebRTC, under the production
// Content-Security-Policy, with no console errors.
// Run by internal/media/live's Go test, which serves vigil, claims the
// camera and starts ffmpeg.
import { chromium } from "playwright-core";

const { VIGIL_URL, CHROMIUM, EMAIL, PASSWORD, DEVICE_ID, SHOT } = process.env;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--autoplay-policy=no-user-gesture-required",
         // vigil's test server listens on 127.0.0.1 only.
         "--allow-loopback-in-peer-connection"],
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
  await page.getByRole("heading", { name: /Hello/ }).waitFor();

  await page.goto(VIGIL_URL + "/#/devices");
  const button = page.locator(`button.live[data-device="${DEVICE_ID}"]`);
  await button.waitFor();
  await button.click();
  const video = page.locator("#live-video");
  await video.waitFor();
  const native = await video.evaluate((v) => v.canPlayType("application/vnd.apple.mpegurl"));
  // The picture starts and keeps moving.
  try {
    await page.waitForFunction(() => {
      const v = document.getElementById("live-video");
      return v && v.currentTime > 0.5 && v.videoWidth > 0;
    }, null, { timeout: 20000 });
  } catch (e) {
    const state = await video.evaluate((v) => JSON.stringify({ readyState: v.readyState, t: v.currentTime, w: v.videoWidth,
      tracks: v.srcObject ? v.srcObject.getTracks().map((t) => t.kind + ":" + t.readyState) : null, src: v.src, err: v.error && v.error.message }));
    const status = await page.locator("#live").textContent();
    if (SHOT) await page.screenshot({ path: SHOT });
    throw new Error(`the video does not play: ${state}; page says ${status}; ${problems.join("; ")}`);
  }
  const t1 = await video.evaluate((v) => v.currentTime);
  await page.waitForTimeout(1500);
  const t2 = await video.evaluate((v) => v.currentTime);
  if (!(t2 > t1 + 0.5)) throw new Error(`the video does not advance: ${t1} -> ${t2}`);
  const size = await video.evaluate((v) => v.videoWidth + "x" + v.videoHeight);
  const status = await page.locator("#live p.muted").textContent();
  if (SHOT) await page.screenshot({ path: SHOT });
  console.log(`live view plays ${size} (${status}; native HLS: ${native || "no"}), currentTime ${t1.toFixed(2)} -> ${t2.toFixed(2)}`);
  if (problems.length) throw new Error(problems.join("\n"));
  console.log("live flow passed");
} finally {
  await browser.close();
}
