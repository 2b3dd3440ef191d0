// console/home.js: the console's start page (the pages of the member's
// role) and the member's own account: record, second factors, training,
// and the log of every access to their own record.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route } from "../core/router.js";
import { section, table, statusLine, empty } from "../core/ui.js";
import { pages, ALL } from "./nav.js";
import { roleNames, trainingLapsed, now } from "./session.js";
import * as keys from "./webauthn.js";

const blurbs = {
  "#/staff/team": "Invite staff, change roles (four eyes for privileged ones), training dates, disable.",
  "#/staff/requests": "Data-subject requests by deadline: verify, extend, grant or refuse with a letter.",
  "#/staff/devices": "The manufacture registry: register, import a list, search by serial.",
  "#/staff/firmware": "Firmware releases and their staged rollout.",
  "#/staff/notices": "Privacy statement and terms: draft, compare, publish, acceptances.",
  "#/staff/grants": "Ask a customer for access on a ticket; open what they entrusted to you.",
  "#/staff/app-versions": "The latest and the minimum supported app version per platform.",
  "#/staff/disclosures": "Every disclosure across accounts: filter by processor or authority, export.",
  "#/staff/retention": "Retention sweeps, the audit entries proving each purge; run one now.",
  "#/staff/statistics": "People and accounts per region and role, small groups withheld.",
  "#/staff/holds": "Legal holds and disclosures on legal grounds.",
  "#/staff/processors": "Who processes data for vigil: agreements, assessments, what each receives.",
  "#/staff/audit": "The access log's signed checkpoint and its verification.",
  "#/staff/me": "Your record, your keys and who read your data.",
};

function trainingLine(st) {
  const until = new Date(st.training_valid_until);
  const days = Math.floor((until - now()) / 86400000);
  if (trainingLapsed(st)) return h("p", { class: "error", role: "alert", id: "training" }, "Your privacy training lapsed on ", fmt.date(until), ": pages with people's data are closed.");
  if (days < 30) return h("p", { class: "warn", id: "training" }, "Your privacy training runs out on ", fmt.date(until), " (in ", days, " days): renew it in time.");
  return h("p", { class: "muted", id: "training" }, "Privacy training valid until ", fmt.date(until), ".");
}

route("/staff/home", async (ctx) => {
  const st = ctx.staff;
  const mine = pages.filter((p) => p.roles.includes(st.role) && p.href !== "#/staff/home");
  return [h("h1", {}, "Hello, ", st.name), h("p", {}, h("span", { class: "role-tag", id: "my-role" }, roleNames[st.role] || st.role)), trainingLine(st),
    h("div", { class: "tiles" }, mine.map((p) => h("a", { class: "card", href: p.href }, h("strong", {}, p.text), h("br"), h("span", { class: "muted" }, blurbs[p.href] || ""))))];
}, { roles: ALL });

route("/staff/me", async (ctx) => {
  const st = ctx.staff;
  const [f, log] = await Promise.all([api.get("/api/v1/staff/auth/factors"), api.get("/api/v1/me/access-log?limit=50")]);
  const keyStatus = statusLine("add-key-status");
  return [h("h1", {}, "My staff account"),
    section("Record", h("dl", { class: "facts" }, h("dt", {}, "Name"), h("dd", {}, st.name), h("dt", {}, "E-mail"), h("dd", {}, st.email),
      h("dt", {}, "Role"), h("dd", {}, roleNames[st.role] || st.role), h("dt", {}, "Since"), h("dd", {}, fmt.date(st.created_at))), trainingLine(st)),
    section("Second factors", h("p", { id: "factors" }, f.security_keys + " passkey(s) or security key(s)", f.totp ? "; an authenticator app" : "",
      f.webauthn_required ? ". Your role signs in with a key only." : "."),
    h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", id: "add-key", onclick: async () => {
      try { await keys.register(""); keyStatus.ok("Key added. You were e-mailed about it."); } catch (e) { keyStatus.error(e.message); }
    } }, "Add a spare key")), keyStatus.node),
    section("Who read your data", h("p", { class: "muted" }, "Every sign-in on your address and every read of your record, newest first."),
      log.entries && log.entries.length ? table([["When", (e) => fmt.dateTime(e.time)], ["Who", (e) => e.actor_kind + (e.actor_role ? " (" + e.actor_role + ")" : "")],
        ["What", (e) => e.action + " " + e.category], ["Outcome", (e) => e.decision + (e.reason ? ": " + e.reason : "")]],
      [...log.entries].reverse(), { id: "my-access-log" }) : empty("Nothing yet."))];
}, { roles: ALL });
