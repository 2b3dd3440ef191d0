// Drives vigil's web app in Chromium the way a new customer would: sign up,
// accept the privacy statement and terms, confirm the address, sign in, read
// the access log, turn on an authenticator, sign out and back in with the
// second factor, file a request about their data through the form, and add a
// camera.
// Run by internal/web's Go test, which serves vigil and a small helper that
// hands out the e-mailed tokens and authenticator codes (the server runs on
// a fake clock).
import { chromium } from "playwright-core";

const { VIGIL_URL, HELPER_URL, CHROMIUM, SHOT, DEVICE_SERIAL, DEVICE_CODE } = process.env;
const email = "browser@example.com";
const password = "a long browser passphrase";

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
try {
  const page = await browser.newPage();
  page.on("console", (m) => { if (m.type() === "error") problems.push("console: " + m.text()); });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));

  await page.goto(VIGIL_URL + "/#/signup");
  await page.fill("#f-name", "Browser User");
  await page.fill("#f-email", email);
  await page.fill("#f-password", password);
  await page.fill("#f-account_name", "Browser Home");
  await page.click("button[type=submit]");
  // Without accepting the privacy statement and terms, no account.
  await page.locator("p[role=alert]", { hasText: "accept the privacy statement" }).waitFor();
  await page.check("#f-accept");
  await page.click("button[type=submit]");
  await page.getByText("check your e-mail").waitFor();

  const token = await helper("/token?to=" + encodeURIComponent(email) + "&subject=Confirm");
  await page.goto(VIGIL_URL + "/#/verify-email?token=" + token);
  await page.getByText("e-mail address confirmed").waitFor();

  await page.goto(VIGIL_URL + "/#/login");
  await page.fill("#f-email", email);
  await page.fill("#f-password", password);
  await page.click("button[type=submit]");
  await page.locator("main h1", { hasText: "Cameras" }).waitFor();
  await page.goto(VIGIL_URL + "/#/account");
  await page.getByRole("heading", { name: "Hello, Browser User" }).waitFor();
  await page.goto(VIGIL_URL + "/#/privacy-centre");
  await page.locator("#access-log tbody tr").first().waitFor();
  const rows = await page.locator("#access-log tbody tr").count();
  if (rows < 1) throw new Error("the access log shows no entries");
  // Every entry's inclusion proof and the checkpoint signature check out in
  // the browser.
  const proved = await page.locator("#access-log td.proof.ok").count();
  if (proved !== rows) throw new Error(`${proved} of ${rows} entries proved in the browser`);
  const status = await page.locator("#checkpoint-status").textContent();
  if (!status.includes("signature verified")) throw new Error("checkpoint: " + status);

  // The checks can fail: a leaf altered on its way to the browser shows as
  // not proved, and an altered checkpoint as an invalid signature.
  await page.route("**/access-log*", async (route) => {
    const res = await route.fetch();
    const json = await res.json();
    const leaf = Uint8Array.from(atob(json.entries[0].leaf), (c) => c.charCodeAt(0));
    leaf[leaf.length - 1] ^= 1;
    json.entries[0].leaf = btoa(String.fromCharCode(...leaf));
    json.checkpoint = json.checkpoint.replace("\nvigil-audit\n", "\nvigil-audit \n");
    await route.fulfill({ response: res, json });
  });
  await page.goto(VIGIL_URL + "/#/privacy");
  await page.goto(VIGIL_URL + "/#/privacy-centre");
  await page.locator("#access-log td.proof.error").first().waitFor();
  if (await page.locator("#access-log td.proof.error").count() !== 1) throw new Error("a tampered leaf was not caught");
  if (!(await page.locator("#checkpoint-status").textContent()).includes("SIGNATURE INVALID")) throw new Error("a tampered checkpoint was not caught");
  await page.unroute("**/access-log*");

  await page.goto(VIGIL_URL + "/#/privacy-centre");
  await page.locator("#my-access-log td", { hasText: "signed in" }).first().waitFor();
  await page.goto(VIGIL_URL + "/#/account/security");
  await page.click("#totp-start");
  // The enrolment link shows as a QR code to scan.
  await page.locator("main svg.qr").waitFor();
  const secret = (await page.locator("#totp-secret").textContent()).trim();
  await page.fill("#f-code", await helper("/totp?secret=" + secret));
  await page.press("#f-code", "Enter");
  await page.getByText("Authenticator on.").waitFor();

  await page.click("#logout");
  await page.waitForURL(/#\/login/);
  await page.fill("#f-email", email);
  await page.fill("#f-password", password);
  await page.click("button[type=submit]");
  await page.waitForURL(/#\/mfa/);
  await page.fill("#f-code", await helper("/totp?secret=" + secret));
  await page.click("button[type=submit]");
  await page.locator("main h1", { hasText: "Cameras" }).waitFor();

  // File an access request through the form, fresh from the second factor:
  // the data map's categories are offered, the request appears with its
  // deadline.
  await page.goto(VIGIL_URL + "/#/requests");
  await page.selectOption("#f-kind", "access");
  await page.check("#cat-account\\.profile");
  await page.check("#cat-log\\.audit");
  await page.click("#request-form button[type=submit]");
  const alert = page.locator("#request-form p.status");
  await page.waitForFunction(() => document.querySelector("#request-form p.status").textContent !== "");
  const said = await alert.textContent();
  if (!/Request dsr_\w+ received/.test(said)) throw new Error("filing the request: " + said);
  await page.locator("#my-requests td.status", { hasText: "received" }).first().waitFor();

  // Add a camera with the serial number and claim code on its label; its
  // credential is shown once, and it joins the device list.
  await page.goto(VIGIL_URL + "/#/devices");
  await page.fill("#f-serial", DEVICE_SERIAL);
  await page.fill("#f-claim_code", DEVICE_CODE);
  await page.fill("#f-name", "Front door");
  await page.click("#claim-form button[type=submit]");
  await page.locator("#device-credential pre", { hasText: "password vdk_" }).waitFor();
  await page.goto(VIGIL_URL + "/#/account");
  await page.goto(VIGIL_URL + "/#/devices");
  await page.locator("#devices td", { hasText: "Front door" }).waitFor();

  // The Events page lists the account's events (none yet).
  await page.goto(VIGIL_URL + "/#/alarms");
  await page.locator("main h1", { hasText: "Events" }).waitFor();
  await page.locator("main p", { hasText: "No events yet." }).waitFor();
  if (SHOT) await page.screenshot({ path: SHOT, fullPage: true });
} catch (e) {
  problems.push(e.stack || String(e));
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("web app flow passed");
