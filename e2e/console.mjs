// Drives vigil's operator console in Chromium: first-run link, operator
// administrators with virtual security keys (CDP WebAuthn), four-eyes
// invitation of a DPO, a support agent, a factory list import, a firmware
// rollout, the DPO's request queue against a customer filing requests in
// the customer app, and the pages refused to the wrong role, to a member
// without a second factor and to lapsed training; a processor's lapse. Each page is checked at
// 1280×800 and 390×844: no sideways scroll, no console error, no serious
// axe-core violation; screenshots go to SHOTS.
// Run by internal/web's TestConsoleInChromium.
import { harness, helper } from "./harness.mjs";

const { VIGIL_URL } = process.env;
const password = "a long staff passphrase for tests";
const { person, check, run } = await harness({ prefix: "console-" });

async function text(page, sel) { return (await page.locator(sel).first().textContent()) || ""; }

// createAdmin spends a set-up link from the server's console.
async function createAdmin(page, name, email) {
  const token = await helper("/setup-link");
  await page.goto(VIGIL_URL + "/#/staff/setup?token=" + token); // the link as printed: the customer app hands it on
  await page.waitForURL(/console\.html#\/staff\/setup/);
  await page.fill("#f-name", name);
  await page.fill("#f-email", email);
  await page.fill("#f-password", password);
  await page.fill("#f-training_valid_until", "2027-01-31");
  await page.click("#setup-form button[type=submit]");
  await page.locator("#to-signin").waitFor();
}

async function signIn(page, email) {
  await page.goto(VIGIL_URL + "/console.html#/staff");
  await page.fill("#f-email", email);
  await page.fill("#f-password", password);
  await page.click("#staff-login button[type=submit]");
}

await run(async () => {
  // 1. The first operator administrator, from the server's set-up link,
  // registers a security key at first sign-in.
  const op = await person("operator", { key: true });
  await createAdmin(op, "Olga Operator", "olga@vigil.test");
  await check(op, "setup");
  await signIn(op, "olga@vigil.test");
  await op.waitForURL(/#\/staff\/enrol/);
  await op.locator("#policy-note").waitFor(); // the operator's policy: keys only for this role
  if (await op.locator("#totp-start").count()) throw new Error("an authenticator app was offered to an operator administrator under the key-only policy");
  await check(op, "enrol");
  await op.click("#register-key");
  await op.getByRole("heading", { name: "Hello, Olga Operator" }).waitFor();
  await check(op, "home");

  // The second administrator, made the same way, signs in with their key.
  const op2 = await person("operator2", { key: true });
  await createAdmin(op2, "Omar Operator", "omar@vigil.test");
  await signIn(op2, "omar@vigil.test");
  await op2.click("#register-key");
  await op2.getByRole("heading", { name: "Hello, Omar Operator" }).waitFor();

  // Olga signs out and in again: the key completes the second step.
  await op.click("#logout");
  await signIn(op, "olga@vigil.test");
  await op.waitForURL(/#\/staff\/second-step/);
  await check(op, "second-step");
  await op.click("#use-key");
  await op.getByRole("heading", { name: "Hello, Olga Operator" }).waitFor();

  // 2. Olga invites a DPO: it waits for a second administrator (four eyes).
  await op.goto(VIGIL_URL + "/console.html#/staff/team");
  await op.fill("#f-name", "Dana DPO");
  await op.fill("#f-email", "dpo@vigil.test");
  await op.selectOption("#f-role", "dpo");
  await op.click("#invite-form button[type=submit]");
  await op.locator("#invite-form p.status", { hasText: "waiting for a second administrator" }).waitFor();
  await op.locator("#role-changes td", { hasText: "another administrator decides" }).waitFor();
  // ...and a support agent, created at once.
  await op.fill("#f-name", "Sam Support");
  await op.fill("#f-email", "sam@vigil.test");
  await op.selectOption("#f-role", "support_l1");
  await op.click("#invite-form button[type=submit]");
  await op.locator("#invite-form p.status", { hasText: "Invited" }).waitFor();
  await op.goto(VIGIL_URL + "/console.html#/staff/team");
  await op.locator("#staff-list td", { hasText: "Sam Support" }).waitFor();
  await check(op, "team");
  // Omar approves the DPO's invitation.
  await op2.goto(VIGIL_URL + "/console.html#/staff/team");
  await op2.locator("#role-changes button.approve").first().click();
  await op2.locator("#staff-list td", { hasText: "dpo@vigil.test" }).waitFor();

  // The DPO sets a password from the mailed link and must register a key.
  const dpo = await person("dpo", { key: true });
  const dpoToken = await helper("/token?to=dpo@vigil.test&subject=staff%20account");
  await dpo.goto(VIGIL_URL + "/#/staff/activate?token=" + dpoToken);
  await dpo.waitForURL(/console\.html/);
  await dpo.fill("#f-password", password);
  await dpo.click("#activate-form button[type=submit]");
  await dpo.locator("#to-signin").waitFor();
  await signIn(dpo, "dpo@vigil.test");
  await dpo.waitForURL(/#\/staff\/enrol/);
  await dpo.locator("#policy-note").waitFor();
  await dpo.click("#register-key");
  await dpo.getByRole("heading", { name: "Hello, Dana DPO" }).waitFor();

  // 3. A factory list: the preview names the bad row and nothing is
  // imported until it is fixed.
  await op.goto(VIGIL_URL + "/console.html#/staff/devices");
  const bad = "serial,model,claim_code\nSN-CON-0001,vc-100,CONCLAIM0001\nSN-CON-0002,vc-100,CONCLAIM0002\nSN-CON-0003,nosuch,CONCLAIM0003\n";
  await op.fill("#csv-text", bad);
  await op.click("#import-preview-go");
  await op.locator("#preview-summary", { hasText: "2 row(s) ready, 1 with errors" }).waitFor();
  await op.locator("#preview-rows tr.bad td", { hasText: "unknown model" }).waitFor();
  if (await op.locator("#import-go").isVisible()) throw new Error("the import button shows while a row is wrong");
  await check(op, "devices-preview");
  const good = bad.replace("nosuch", "vc-100");
  await op.fill("#csv-text", good);
  await op.click("#import-preview-go");
  await op.locator("#preview-summary", { hasText: "3 row(s) ready, 0 with errors" }).waitFor();
  await op.click("#import-go");
  await op.locator("#import-status", { hasText: "3 devices registered" }).waitFor();
  await op.fill("#f-serial", "SN-CON");
  await op.click("form[role=search] button[type=submit]");
  await op.locator("#found td", { hasText: "SN-CON-0003" }).waitFor();
  await check(op, "devices-search");

  // 4. A firmware release, rolled out to 10 %.
  await op.goto(VIGIL_URL + "/console.html#/staff/firmware?model=vc-100");
  await op.fill("#f-version", "2.0.0");
  await op.fill("#f-notes", "Sharper night vision.");
  await op.fill("#f-url", "https://updates.vigil.test/vc-100/2.0.0.bin");
  await op.fill("#f-sha256", "a".repeat(64));
  await op.fill("#f-signature", Buffer.from("s".repeat(64)).toString("base64"));
  await op.click("#publish-form button[type=submit]");
  const slider = op.locator("input.rollout-slider").first();
  await slider.waitFor();
  await slider.fill("10");
  await op.locator("output", { hasText: "10 %" }).first().waitFor();
  await op.waitForFunction(() => document.querySelector("input.rollout-slider") && document.querySelector("input.rollout-slider").value === "10"
    && document.querySelector("[id^=counts-]"));
  await op.reload();
  await op.locator("output", { hasText: "10 %" }).first().waitFor();
  await op.locator("[id^=counts-]", { hasText: "offered" }).first().waitFor();
  await check(op, "firmware");

  // 5. A customer files two requests in the customer app.
  const [custPassword, custSecret, custAccount] = (await helper("/customer?email=carla@example.com")).split("\n");
  const customer = await person("customer");
  await customer.goto(VIGIL_URL + "/#/login");
  await customer.fill("#f-email", "carla@example.com");
  await customer.fill("#f-password", custPassword);
  await customer.click("button[type=submit]");
  await customer.waitForURL(/#\/mfa/);
  await customer.fill("#f-code", await helper("/totp?secret=" + custSecret));
  await customer.click("button[type=submit]");
  await customer.waitForURL((u) => !u.hash.startsWith("#/mfa"));
  for (const kind of ["access", "deletion"]) {
    await customer.goto(VIGIL_URL + "/#/requests");
    await customer.selectOption("#f-kind", kind);
    await customer.check("#cat-account\\.profile");
    await customer.click("#request-form button[type=submit]");
    await customer.locator("#request-form p.status", { hasText: "received" }).waitFor();
  }

  // 6. The DPO's queue: earliest deadline first, with the time left.
  await dpo.goto(VIGIL_URL + "/console.html#/staff/requests");
  await dpo.locator("#queue a.req-link").nth(1).waitFor();
  if (!(await text(dpo, "#queue")).includes("day(s) left")) throw new Error("the queue shows no time left");
  await check(dpo, "queue");
  // Extend the first once, with the reason told to the customer.
  await dpo.locator("#queue a.req-link", { hasText: "Copy of data" }).click();
  await dpo.fill("#extend-form #f-reason", "The recordings must be gathered from an archive first.");
  await dpo.click("#extend-form button[type=submit]");
  await dpo.locator("#ext-reason", { hasText: "gathered from an archive" }).waitFor();
  if (await dpo.locator("#extend-form").count()) throw new Error("a second extension is offered");
  // A legally privileged record is withheld from the answer.
  await dpo.fill("#exclude-form #f-record_id", "legal-memo-17");
  await dpo.selectOption("#exclude-form #f-marking", "privileged");
  await dpo.click("#exclude-form button[type=submit]");
  await dpo.locator("#exclude-form p.status", { hasText: "legal-memo-17" }).waitFor();
  await check(dpo, "request-extended");
  // Refuse the second on an enumerated ground, reading the letter first.
  await dpo.goto(VIGIL_URL + "/console.html#/staff/requests");
  await dpo.locator("#queue tbody tr", { hasText: "(extended)" }).waitFor();
  await dpo.locator("#queue tbody tr", { hasNotText: "(extended)" }).locator("a.req-link").click();
  if (await dpo.locator("#ext-reason").count()) throw new Error("refusing the extended request instead of the other");
  await dpo.selectOption("#deny-form #f-reason", "harms_vendor_in_dispute");
  await dpo.fill("#deny-form #f-explanation", "These records are evidence in the pending proceedings 2026/991.");
  await dpo.click("#deny-form button[type=submit]");
  await dpo.locator("#letter-preview", { hasText: "proceedings 2026/991" }).waitFor();
  await check(dpo, "refusal-preview");
  await dpo.click("#send-refusal");
  await dpo.locator("#sent-letter", { hasText: "proceedings 2026/991" }).waitFor();
  // The customer reads the letter in their app.
  await customer.reload();
  await check(customer, "customer-letter");
  await customer.locator("#my-requests details summary", { hasText: "Letter" }).first().click();
  await customer.locator("#my-requests pre", { hasText: "proceedings 2026/991" }).waitFor();

  // Someone without an account asks as an authorised agent through the
  // public form, confirms the address and sends proof of identity and of
  // authority; nothing is released until the DPO has checked them.
  const agent = await person("agent");
  await agent.goto(VIGIL_URL + "/#/ask");
  await agent.fill("#f-email", "agnes@example.com");
  await agent.fill("#f-name", "Agnes Agent");
  await agent.selectOption("#f-relation", "agent");
  await agent.fill("#f-on_behalf_of", "Paul Passer-by");
  await agent.selectOption("#f-kind", "access");
  await agent.check("#cat-account\\.profile");
  await agent.click("#request-form button[type=submit]");
  await agent.locator("#request-form p.status.ok").waitFor();
  await agent.goto(VIGIL_URL + "/#/privacy-request/confirm?token=" + await helper("/token?to=agnes@example.com&subject=Confirm"));
  const accessCode = await text(agent, "#request-token");
  const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
  for (const kind of ["identity", "authority"]) {
    await agent.selectOption("#f-doc-kind", kind);
    await agent.setInputFiles("#f-document", { name: kind + ".png", mimeType: "image/png", buffer: png });
    await agent.click("main form button[type=submit]");
    await agent.locator("main p.status.ok", { hasText: "Document received" }).waitFor();
    await agent.locator("main p.status").evaluate((n) => { n.textContent = ""; n.className = "status"; });
  }
  const followAgent = async () => {
    await agent.goto(VIGIL_URL + "/#/privacy-request/follow");
    await agent.fill("#f-request-id", agentRequest);
    await agent.fill("#f-access-code", accessCode);
    await agent.click("#follow-form button[type=submit]");
    await agent.locator("#follow-result dl").waitFor();
    return agent.locator("#follow-result button", { hasText: "Download your data" }).count();
  };
  const agentRequest = (await text(agent, "main p")).match(/dsr_[a-z2-7]+/)[0];
  await dpo.goto(VIGIL_URL + "/console.html#/staff/requests/" + agentRequest);
  await dpo.locator("#documents td", { hasText: "authority" }).waitFor();
  if (await dpo.locator("#grant").count()) throw new Error("granting is offered before the documents were checked");
  await check(dpo, "request-documents");
  if (await followAgent()) throw new Error("data is released before identity was verified");
  await dpo.click("#verify");
  await dpo.locator("#req-status", { hasText: "Open" }).waitFor();
  await dpo.click("#grant");
  await dpo.click("#confirm-yes");
  await helper("/work-jobs");
  await dpo.reload();
  await dpo.locator("#req-status", { hasText: "Answered" }).waitFor();
  let ready = 0;
  for (let i = 0; i < 30 && !ready; i++) { ready = await followAgent(); if (!ready) await agent.waitForTimeout(500); }
  if (!ready) throw new Error("the verified agent cannot download the answer");

  // The DPO drafts a new privacy statement, compares it with the current
  // one and publishes it; the list counts acceptances.
  await dpo.goto(VIGIL_URL + "/console.html#/staff/notices");
  await dpo.locator("#notices td", { hasText: "people" }).first().waitFor();
  await dpo.selectOption("#notice-form #f-kind", "privacy_statement");
  await dpo.selectOption("#notice-form #f-region", "default");
  await dpo.fill("#notice-form #f-text", "# vigil privacy statement\n\nWe keep what the data map lists, and nothing else.");
  await dpo.fill("#notice-form #f-summary", "Shorter wording");
  await dpo.click("#notice-form button[type=submit]");
  await dpo.locator("#notice-diff ins", { hasText: "nothing else" }).waitFor();
  await check(dpo, "notice-diff");
  await dpo.click("#notice-publish");
  await dpo.locator("#publish-status", { hasText: "Published version 2" }).waitFor();

  // 7. The wrong role sees neither page nor data: the support agent.
  const sam = await person("support");
  const samToken = await helper("/token?to=sam@vigil.test&subject=staff%20account");
  await sam.goto(VIGIL_URL + "/console.html#/staff/activate?token=" + samToken);
  await sam.fill("#f-password", password);
  await sam.click("#activate-form button[type=submit]");
  await sam.locator("#to-signin").waitFor();
  await signIn(sam, "sam@vigil.test");
  await sam.waitForURL(/#\/staff\/enrol/);
  // Without a second factor: no console page at all, and no data.
  await sam.goto(VIGIL_URL + "/console.html#/staff/requests");
  await sam.waitForURL(/#\/staff\/enrol\?next=/); // through the second step, which has nothing to ask yet
  sam.expectErrors = true; // the refusals below are expected 403s
  let status = await sam.evaluate(async () => (await fetch("/api/v1/staff/privacy-requests")).status);
  if (status !== 403) throw new Error("a member without a second factor read the queue: " + status);
  sam.expectErrors = false;
  // The support role may use an authenticator app, shown as a QR code.
  await sam.goto(VIGIL_URL + "/console.html#/staff/enrol");
  await sam.click("#totp-start");
  await sam.locator("#totp-qr").waitFor();
  await check(sam, "enrol-totp");
  const secret = await text(sam, "#totp-secret");
  await sam.fill("#totp-confirm #f-code", await helper("/totp?secret=" + secret));
  await sam.click("#totp-confirm button[type=submit]");
  await sam.getByRole("heading", { name: "Hello, Sam Support" }).waitFor();
  if (await sam.locator("#nav a", { hasText: "Requests" }).count()) throw new Error("support sees the Requests link");
  await sam.goto(VIGIL_URL + "/console.html#/staff/requests");
  await sam.locator("#refused", { hasText: "Data-protection officer" }).waitFor();
  if (await sam.locator("#queue").count()) throw new Error("support sees the queue");
  await check(sam, "refused-role");
  sam.expectErrors = true;
  status = await sam.evaluate(async () => (await fetch("/api/v1/staff/privacy-requests")).status);
  if (status !== 403) throw new Error("support read the queue: " + status);
  sam.expectErrors = false;
  await sam.goto(VIGIL_URL + "/console.html#/staff/team");
  await sam.locator("#refused", { hasText: "Operator administrator" }).waitFor();

  // The audit log's health: entries per hour and a verification.
  await op.goto(VIGIL_URL + "/console.html#/staff/audit");
  await op.click("#verify-now");
  await op.locator("#verify-verdict", { hasText: "Intact" }).waitFor();
  await check(op, "audit");

  // The DPO's records: a request from an authority in the disclosure
  // ledger, found by the authority and exported; a retention dry run with
  // its proof column; statistics where no group under k is shown.
  await dpo.goto(VIGIL_URL + "/console.html#/staff/disclosures");
  await dpo.fill("#legal-form #f-account", custAccount);
  await dpo.fill("#legal-form #f-authority", "Lyon police prefecture");
  await dpo.fill("#legal-form #f-reference", "request PP-2026-88");
  await dpo.fill("#legal-form #f-scope", "Sign-in records of one week");
  await dpo.fill("#legal-form #f-categories", "account.session");
  await dpo.click("#legal-form button[type=submit]");
  await dpo.locator("#ledger td", { hasText: "request PP-2026-88" }).waitFor();
  await dpo.fill("#f-authority", "lyon");
  await dpo.click("#ledger-filter button[type=submit]");
  await dpo.waitForURL(/authority=lyon/);
  await dpo.locator("#ledger td", { hasText: "Lyon police prefecture" }).waitFor();
  const exported = await dpo.evaluate(async () => (await fetch(document.querySelector("#ledger-export").href)).text());
  if (!exported.startsWith("id,disclosed_at,kind") || !exported.includes("PP-2026-88")) throw new Error("the CSV export lacks the entry: " + exported.slice(0, 200));
  await check(dpo, "disclosures");
  await dpo.goto(VIGIL_URL + "/console.html#/staff/retention");
  await dpo.click("#retention-dry");
  await dpo.locator("#runs td", { hasText: "console (dry run)" }).waitFor();
  await check(dpo, "retention");
  await dpo.goto(VIGIL_URL + "/console.html#/staff/statistics");
  await dpo.locator("#suppressed").waitFor();
  const k = Number(await text(dpo, "#k-note strong"));
  const sizes = (await dpo.locator("#stats tbody td:nth-child(3)").allTextContents()).map(Number);
  if (!(k >= 5) || sizes.some((n) => n < k)) throw new Error(`a group under k=${k} is shown: ${sizes}`);
  await check(dpo, "statistics");
  // App versions: the operator sets the minimum supported iOS app.
  await op.goto(VIGIL_URL + "/console.html#/staff/app-versions");
  await op.selectOption("#app-form #f-platform", "ios");
  await op.fill("#app-form #f-latest", "3.2.0");
  await op.fill("#app-form #f-minimum", "3.0.0");
  await op.fill("#app-form #f-notes", "Older apps cannot play recordings.");
  await op.click("#app-form button[type=submit]");
  await op.locator("#app-releases td", { hasText: "3.0.0" }).waitFor();
  await check(op, "app-versions");
  const version = await op.evaluate(async () => (await (await fetch("/api/v1/app/version?platform=ios&version=2.9.0")).json()).update);
  if (version !== "required") throw new Error("an app under the minimum is not told to update: " + version);

  // 8. Lapsed training: Olga moves Dana's training to end tomorrow; two
  // days later Dana sees neither the queue nor any request.
  const now = new Date(await helper("/now"));
  const tomorrow = new Date(now.getTime() + 86400000).toISOString().slice(0, 10);
  await op.goto(VIGIL_URL + "/console.html#/staff/team");
  await op.locator("#staff-list tr", { hasText: "dpo@vigil.test" }).locator("a", { hasText: "Change" }).click();
  await op.fill("#member-form #f-training_valid_until", tomorrow);
  await op.click("#member-form button[type=submit]");
  await op.locator("#member-form p.status", { hasText: "Saved" }).waitFor();
  await check(op, "member");
  // A processor whose assessment runs out tomorrow (P4).
  await op.goto(VIGIL_URL + "/console.html#/staff/processors");
  await op.fill("#processor-form #f-name", "Mailer Ltd");
  await op.fill("#processor-form #f-service", "Transactional e-mail");
  await op.fill("#processor-form #f-categories", "account.profile");
  await op.fill("#processor-form #f-agreement_signed_at", "2026-01-01");
  await op.fill("#processor-form #f-agreement_expires_at", "2027-12-31");
  await op.fill("#processor-form #f-assessed_at", "2026-01-01");
  await op.fill("#processor-form #f-assessment_expires_at", tomorrow);
  await op.click("#processor-form button[type=submit]");
  await op.locator("#processors tr", { hasText: "Mailer Ltd" }).locator("td", { hasText: "in force" }).waitFor();
  await check(op, "processors");
  await helper("/advance?d=48h");
  await op.reload();
  await op.locator("#processors tr", { hasText: "Mailer Ltd" }).locator("td", { hasText: "lapsed: receives nothing" }).waitFor();
  await dpo.goto(VIGIL_URL + "/console.html#/staff/requests");
  await dpo.locator("#refused", { hasText: "training" }).waitFor();
  if (await dpo.locator("#queue").count()) throw new Error("a DPO with lapsed training sees the queue");
  await check(dpo, "refused-training");
  dpo.expectErrors = true;
  status = await dpo.evaluate(async () => (await fetch("/api/v1/staff/privacy-requests")).status);
  if (status !== 403) throw new Error("a DPO with lapsed training read the queue: " + status);
  dpo.expectErrors = false;

}, "console flow passed");
