// Drives vigil's Notifications page in Chromium under the production CSP:
// sign in, choose channels, add a webhook (its secret shown once), register
// the push service worker, and watch an alarm arrive on the live inbox.
// Run by internal/web's Go test (TestNotificationsPageInChromium).
import { chromium } from "playwright-core";

const { VIGIL_URL, HELPER_URL, CHROMIUM, EMAIL, PASSWORD } = process.env;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
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
  await page.locator("#nav a[href='#/notifications']").waitFor();
  await page.click("#nav a[href='#/notifications']");
  await page.locator("h1", { hasText: "Notifications" }).waitFor();

  // Alarms by e-mail too.
  const box = page.locator("input[data-kind=alarm][data-channel=email]");
  if (await box.isChecked()) throw new Error("alarm e-mail should be off by default");
  await box.check();
  await page.getByText("Saved.").waitFor();

  // A webhook: the secret is shown once.
  await page.fill("#f-webhook-url", "https://hooks.example.com/vigil");
  await page.click("#webhook-form button[type=submit]");
  const secret = await page.locator("#webhook-secret").textContent();
  if (!secret.startsWith("whsec_")) throw new Error("webhook secret not shown: " + secret);

  // The push service worker loads under the CSP.
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.register("/sw.js")).scope);
  if (!scope.startsWith(VIGIL_URL)) throw new Error("service worker scope " + scope);

  // An alarm reaches the live inbox over server-sent events.
  const res = await fetch(HELPER_URL + "/alarm");
  if (!res.ok) throw new Error("helper /alarm: " + res.status);
  await page.locator("#inbox li", { hasText: "Motion in the garden" }).waitFor({ timeout: 15000 });

  if (problems.length) throw new Error(problems.join("\n"));
  console.log("notifications page flow passed");
} finally {
  await browser.close();
}
