// Support access end to end, in two browser contexts: a support agent in
// the operator console asks a customer's account for access on a ticket;
// the customer allows it, narrower, in the privacy centre; support opens
// the account within it (devices, events, recordings, live, alarms) while
// the customer watches each use arrive; the customer withdraws it and
// support is refused with "access ended". Run by internal/web's
// TestGrantFlowInChromium.
import { harness, staffSignIn } from "./harness.mjs";

const { VIGIL_URL, CUSTOMER_EMAIL, CUSTOMER_PASSWORD, ACCOUNT_ID, STAFF_EMAIL, STAFF_PASSWORD, STAFF_SECRET } = process.env;
const { person, check, run } = await harness({ prefix: "grant-" });

await run(async () => {
  // 1. Support signs in with password and authenticator code and asks.
  const sue = await person("support");
  await staffSignIn(sue, VIGIL_URL, STAFF_EMAIL, STAFF_PASSWORD, STAFF_SECRET);
  await sue.goto(VIGIL_URL + "/console.html#/staff/grants");
  await sue.locator("#ask-form").waitFor();
  await check(sue, "staff-grants-empty");
  await sue.fill("#ask-account", ACCOUNT_ID);
  await sue.fill("#ask-ticket", "T-7731");
  await sue.fill("#ask-reason", "The back door camera stops recording at night; I need to see its events and recordings.");
  for (const c of ["device.info", "device.event", "alarm.event", "media.snapshot", "media.segment"]) await sue.check("#ask-" + c.replace(".", "\\."));
  await sue.selectOption("#ask-hours", "72");
  await sue.click("#ask-form button[type=submit]");
  await sue.locator("#ask-status", { hasText: "nothing opens before they approve" }).waitFor();
  await sue.locator("#my-requests td", { hasText: "waiting for the customer" }).waitFor();
  if (await sue.locator("#grants a.open-grant").count()) throw new Error("a request opened access before the customer approved it");
  // Nothing is open yet: the API says the account's devices are not found.
  sue.expectErrors = true;
  let status = await sue.evaluate(async (a) => (await fetch(`/api/v1/staff/accounts/${a}/devices`)).status, ACCOUNT_ID);
  sue.expectErrors = false;
  if (status !== 404) throw new Error("support read devices before approval: " + status);
  await check(sue, "staff-grants-asked");

  // 2. The customer sees the request in the privacy centre and allows it
  // for at most 4 hours instead of 3 days.
  const gina = await person("customer");
  await gina.goto(VIGIL_URL + "/#/login");
  await gina.fill("#f-email", CUSTOMER_EMAIL);
  await gina.fill("#f-password", CUSTOMER_PASSWORD);
  await gina.click("#login-form button[type=submit]");
  await gina.waitForURL((u) => !u.hash.startsWith("#/login"));
  await gina.goto(VIGIL_URL + "/#/privacy-centre");
  const ask = gina.locator(".grant-request", { hasText: "T-7731" });
  await ask.waitFor();
  if (!(await ask.textContent()).includes("stops recording at night")) throw new Error("the customer does not see why support asks");
  await check(gina, "customer-request");
  await ask.locator("select").selectOption("4");
  await ask.locator("button.approve-request").click();
  const grants = gina.locator(`#grants-${ACCOUNT_ID}`);
  await grants.locator("td", { hasText: "T-7731" }).waitFor();
  await gina.locator(`#grant-uses-${ACCOUNT_ID}`).waitFor({ state: "attached" });

  // 3. Support opens the account within the grant; each read shows up in
  // the customer's app as it happens.
  await sue.reload();
  await sue.locator("#grants a.open-grant").click();
  await sue.locator("#grant-devices td", { hasText: "Back door" }).waitFor();
  await sue.locator("#grant-alarms img.grant-snap").waitFor();
  await sue.waitForFunction(() => { const i = document.querySelector("#grant-alarms img.grant-snap"); return i && i.complete && i.naturalWidth > 0; });
  await sue.locator("#grant-devices button.open-device").click();
  await sue.locator("#grant-detail h3", { hasText: "Back door" }).waitFor();
  if (!(await sue.locator("#grant-detail").textContent()).includes("Recent events")) throw new Error("no events section");
  await sue.locator("#grant-recordings button.play-range").first().click();
  await sue.locator("#grant-video-status", { hasText: "Playing the recording" }).waitFor();
  await sue.waitForFunction(() => document.querySelector("#grant-video").readyState >= 2);
  await sue.click("#grant-live");
  await sue.waitForFunction(() => document.querySelector("#grant-video-status").textContent.trim() !== "");
  await check(sue, "staff-grant-open");
  const uses = gina.locator(`#grant-uses-${ACCOUNT_ID} li`);
  await gina.waitForFunction((id) => document.querySelectorAll(`#grant-uses-${id} li`).length >= 5, ACCOUNT_ID);
  const seen = (await uses.allTextContents()).join("\n");
  for (const want of ["vigil staff"]) if (!seen.includes(want)) throw new Error("the customer's live list lacks " + want + ":\n" + seen);
  await check(gina, "customer-uses");

  // 4. The customer withdraws it; support's next step shows that access
  // ended and nothing of the account, and the API refuses.
  await grants.locator("button", { hasText: "Withdraw" }).click();
  await gina.click("#confirm-yes");
  await grants.locator("td", { hasText: "withdrawn" }).waitFor();
  sue.expectErrors = true; // the refused reads below are expected 404s
  await sue.locator("#grant-devices button.open-device").click();
  await sue.locator("#access-ended", { hasText: "withdrew" }).waitFor();
  if (await sue.locator("#grant-devices, #grant-events, #grant-recordings").count()) throw new Error("the account's data stays on screen after the withdrawal");
  status = await sue.evaluate(async (a) => (await fetch(`/api/v1/staff/accounts/${a}/devices`)).status, ACCOUNT_ID);
  if (status !== 404) throw new Error("support read devices after the withdrawal: " + status);
  sue.expectErrors = false;
  await check(sue, "staff-access-ended");
  await sue.reload();
  await sue.locator("#access-ended").waitFor();
  await sue.goto(VIGIL_URL + "/console.html#/staff/grants");
  await sue.locator("#grants td", { hasText: "withdrawn" }).waitFor();
  await sue.locator("#my-requests td", { hasText: "approved" }).waitFor();
}, "grant flow passed");
