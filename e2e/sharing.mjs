// Sharing a camera with someone outside the household, in two browser
// contexts: the owner shares the porch camera (not the garage) with a
// neighbour, the neighbour accepts the mailed link and sees only the porch,
// the owner sees the uses and ends the share, and the neighbour's access
// ends. Run by internal/web's TestSharingInChromium.
import { harness, helper } from "./harness.mjs";

const { VIGIL_URL, OWNER_EMAIL, OWNER_PASSWORD, ACCOUNT_ID, RECIPIENT_EMAIL, RECIPIENT_PASSWORD, PORCH_ID, GARAGE_ID, MEMBER_ID, MEMBER_EMAIL, MEMBER_PASSWORD, HOME_SITE, CABIN_SITE } = process.env;
const { person, check, run } = await harness({ prefix: "sharing-" });

async function signIn(page, email, password) {
  await page.goto(VIGIL_URL + "/#/login");
  await page.fill("#f-email", email);
  await page.fill("#f-password", password);
  await page.click("#login-form button[type=submit]");
  await page.waitForURL((u) => !u.hash.startsWith("#/login"));
}

const status = (page, path) => page.evaluate(async (p) => (await fetch(p)).status, path);

await run(async () => {
  // 1. The owner shares the porch camera with the neighbour for a week.
  const olga = await person("owner");
  await signIn(olga, OWNER_EMAIL, OWNER_PASSWORD);
  await olga.goto(VIGIL_URL + "/#/sharing");
  await olga.locator(`#shares-none-${ACCOUNT_ID}`).waitFor();
  await olga.locator("#shared-none").waitFor();
  await check(olga, "owner-empty");
  await olga.fill(`#share-email-${ACCOUNT_ID}`, RECIPIENT_EMAIL);
  await olga.check(`#share-dev-${PORCH_ID}`);
  await olga.check(`#share-rec-${ACCOUNT_ID}`);
  // Nothing chosen to do: refused with a reason, nothing made.
  await olga.uncheck(`#share-live-${ACCOUNT_ID}`);
  await olga.uncheck(`#share-rec-${ACCOUNT_ID}`);
  await olga.click(`#share-form-${ACCOUNT_ID} button[type=submit]`);
  await olga.locator(`#share-form-${ACCOUNT_ID} .status.error`, { hasText: "Choose what they may do" }).waitFor();
  await olga.check(`#share-live-${ACCOUNT_ID}`);
  await olga.check(`#share-rec-${ACCOUNT_ID}`);
  await olga.click(`#share-form-${ACCOUNT_ID} button[type=submit]`);
  await olga.locator(`#share-form-${ACCOUNT_ID} .status.ok`, { hasText: "Shared with " + RECIPIENT_EMAIL }).waitFor();
  const row = olga.locator(`#shares-${ACCOUNT_ID} tbody tr`, { hasText: RECIPIENT_EMAIL });
  await row.waitFor();
  const rowText = await row.textContent();
  for (const want of ["Porch", "watch live and play recordings", "waiting for them to accept", "not used yet"]) {
    if (!rowText.includes(want)) throw new Error(`the share row lacks "${want}": ${rowText}`);
  }
  if (rowText.includes("Garage")) throw new Error("the share names the garage, which was not shared: " + rowText);
  await check(olga, "owner-invited");

  // 2. The neighbour accepts the mailed link and sees only the porch.
  const token = await helper("/token?to=" + encodeURIComponent(RECIPIENT_EMAIL) + "&subject=" + encodeURIComponent("Cameras shared with you"));
  const rita = await person("neighbour");
  await signIn(rita, RECIPIENT_EMAIL, RECIPIENT_PASSWORD);
  await rita.goto(VIGIL_URL + "/#/accept-share?token=" + token);
  await rita.locator("#accepted-share", { hasText: "watch live and play recordings" }).waitFor();
  await check(rita, "neighbour-accepted");
  await rita.goto(VIGIL_URL + "/#/sharing");
  const mine = rita.locator("#shared-with-me");
  await mine.locator("a", { hasText: "Porch" }).waitFor();
  if ((await mine.textContent()).includes("Garage")) throw new Error("the neighbour sees the garage");
  await check(rita, "neighbour-shared");
  await rita.goto(VIGIL_URL + "/#/");
  await rita.locator(`[data-camera="${ACCOUNT_ID}.${PORCH_ID}.0"]`).waitFor();
  if (await rita.locator(`[data-camera="${ACCOUNT_ID}.${GARAGE_ID}.0"]`).count()) throw new Error("the garage is in the neighbour's grid");
  await check(rita, "neighbour-grid");
  await rita.goto(VIGIL_URL + `/#/cameras/${ACCOUNT_ID}/${PORCH_ID}/0`);
  await rita.locator("h1", { hasText: "Porch" }).waitFor();
  rita.expectErrors = true;
  const garage = await status(rita, `/api/v1/accounts/${ACCOUNT_ID}/devices/${GARAGE_ID}`);
  rita.expectErrors = false;
  if (garage !== 404) throw new Error("the neighbour reached the garage: " + garage);

  // 3. The owner sees the share open and each use of it, and ends it.
  await olga.reload();
  await row.locator("summary", { hasText: "used " }).waitFor();
  if (!(await row.textContent()).includes("open")) throw new Error("the share is not shown open: " + (await row.textContent()));
  await row.locator("summary").click();
  await check(olga, "owner-used");
  await row.locator("button.revoke-share").click();
  await olga.click("#confirm-yes");
  await olga.locator(`#shares-${ACCOUNT_ID} tbody tr`, { hasText: "ended by you" }).waitFor();
  await check(olga, "owner-ended");

  // 4. The neighbour's access ended at once.
  rita.expectErrors = true;
  const porch = await status(rita, `/api/v1/accounts/${ACCOUNT_ID}/devices/${PORCH_ID}`);
  if (porch !== 404) throw new Error("the porch still opens after the share ended: " + porch);
  await rita.goto(VIGIL_URL + "/#/sharing");
  await rita.locator("h1", { hasText: "Sharing" }).waitFor();
  await rita.waitForTimeout(300);
  if (await rita.locator("#shared-with-me a", { hasText: "Porch" }).count()) throw new Error("the ended share still links the porch");
  await rita.goto(VIGIL_URL + "/#/");
  await rita.waitForTimeout(500);
  if (await rita.locator(`[data-camera="${ACCOUNT_ID}.${PORCH_ID}.0"]`).count()) throw new Error("the porch stays in the neighbour's grid");
  rita.expectErrors = false;
  await check(rita, "neighbour-ended");

  // 5. The household: the owner makes a member a guest, at once, then
  // limits them to one site.
  await olga.goto(VIGIL_URL + "/#/account");
  await olga.locator(`#role-${MEMBER_ID}`).selectOption("guest");
  await olga.locator(`#members-status-${ACCOUNT_ID}.ok`, { hasText: "is now guest" }).waitFor();
  const membersNow = () => olga.evaluate(async (a) => (await (await fetch(`/api/v1/accounts/${a}/members`)).json()).members, ACCOUNT_ID);
  let members = await membersNow();
  if (!members.some((m) => m.user_id === MEMBER_ID && m.role === "guest" && !(m.sites || []).length)) throw new Error("the role did not change: " + JSON.stringify(members));
  await olga.locator(`#scope-${MEMBER_ID}-details summary`).click();
  await olga.check(`#scope-${MEMBER_ID}-${HOME_SITE}`);
  await olga.click(`#scope-save-${MEMBER_ID}`);
  await olga.locator(`#members-status-${ACCOUNT_ID}.ok`, { hasText: "only Home" }).waitFor();
  members = await membersNow();
  const max = members.find((m) => m.user_id === MEMBER_ID);
  if (!max || max.role !== "guest" || JSON.stringify(max.sites) !== JSON.stringify([HOME_SITE])) throw new Error("the sites did not change: " + JSON.stringify(members));
  await check(olga, "household-roles");

  // 6. An invitation to two sites waits under "Waiting to join" until
  // the owner withdraws it; its link then no longer works.
  await olga.fill(`#invite-email-${ACCOUNT_ID}`, "june@example.com");
  await olga.selectOption(`#invite-role-${ACCOUNT_ID}`, "guest");
  await olga.check(`#invite-sites-${ACCOUNT_ID}-${HOME_SITE}`);
  await olga.check(`#invite-sites-${ACCOUNT_ID}-${CABIN_SITE}`);
  await olga.click(`#invite-${ACCOUNT_ID} button[type=submit]`);
  await olga.locator(`#invite-${ACCOUNT_ID} .status.ok`, { hasText: "june@example.com" }).waitFor();
  if (await olga.inputValue(`#invite-email-${ACCOUNT_ID}`)) throw new Error("the invitation form keeps the sent address");
  const waiting = olga.locator(`#invitations-table-${ACCOUNT_ID} tbody tr`, { hasText: "june@example.com" });
  await waiting.waitFor();
  const waitingText = await waiting.textContent();
  for (const want of ["Guest", "Home", "Cabin"]) {
    if (!waitingText.includes(want)) throw new Error(`the pending invitation lacks "${want}": ${waitingText}`);
  }
  await check(olga, "household-pending");
  const juneToken = await helper("/token?to=" + encodeURIComponent("june@example.com") + "&subject=" + encodeURIComponent("invited"));
  await waiting.locator("button.withdraw").click();
  await olga.click("#confirm-yes");
  await olga.locator(`#invitations-status-${ACCOUNT_ID}.ok`, { hasText: "withdrawn" }).waitFor();
  const left = await olga.evaluate(async (a) => (await (await fetch(`/api/v1/accounts/${a}/invitations`)).json()).invitations, ACCOUNT_ID);
  if (left.length) throw new Error("the withdrawn invitation is still pending: " + JSON.stringify(left));
  olga.expectErrors = true;
  const accept = await olga.evaluate(async (t) => (await fetch("/api/v1/invitations/accept", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token: t }) })).status, juneToken);
  olga.expectErrors = false;
  if (accept !== 404) throw new Error("a withdrawn invitation's link still works: " + accept);

  // 7. The member's own view: who is in the household, nothing to manage.
  const maxPage = await person("member");
  await signIn(maxPage, MEMBER_EMAIL, MEMBER_PASSWORD);
  await maxPage.goto(VIGIL_URL + "/#/account");
  await maxPage.locator(`#not-admin-${ACCOUNT_ID}`, { hasText: "guest" }).waitFor();
  for (const sel of [`#invite-${ACCOUNT_ID}`, `#invitations-${ACCOUNT_ID}`, `#role-${MEMBER_ID}`, "select[id^=role-]", `#members-${ACCOUNT_ID} button`]) {
    if (await maxPage.locator(sel).count()) throw new Error("a guest is offered household management: " + sel);
  }
  await check(maxPage, "household-guest");
}, "sharing flow passed");
