// pages/account.js: the household. Each account's members with their
// roles and sites, invitations, and sites.
import { h } from "../core/dom.js";
import { api } from "../core/api.js";
import { route } from "../core/router.js";
import { form, table, section, statusLine, confirm } from "../core/ui.js";
import { me, accounts, sites, forget } from "../app/session.js";
import { role, regionOptions } from "../app/words.js";

const roleOptions = [["admin", "Administrator: everything but closing the account"], ["member", "Member: cameras, recordings and events"], ["guest", "Guest: watches live and recorded video, cannot download or change anything"]];
const regionName = (r) => (regionOptions.find(([v]) => v === r) || [r, r])[1];

// roleSelect changes a member's role, and the site it is limited to, at
// once; the member's next request is decided by the new role.
function roleSelect(a, m, ss, status) {
  const choices = [["admin", "Administrator"], ["member", "Member"], ["guest", "Guest"]];
  const sel = h("select", { id: "role-" + m.user_id, "aria-label": "Role of " + m.name }, choices.map(([v, t]) => h("option", { value: v, selected: v === m.role }, t)));
  const site = ss.length ? h("select", { id: "role-site-" + m.user_id, "aria-label": "Sites " + m.name + " sees" },
    h("option", { value: "" }, "every site"), ss.map((x) => h("option", { value: x.id, selected: x.id === m.site_id }, "only " + x.name))) : null;
  const save = async () => {
    const q = site && site.value ? "?site_id=" + encodeURIComponent(site.value) : "";
    try {
      await api.patch(`/api/v1/accounts/${a.id}/members/${m.user_id}${q}`, { role: sel.value });
      forget();
      status.ok(`${m.name} is now ${role(sel.value).toLowerCase()}${site && site.value ? ", " + site.selectedOptions[0].textContent : ""}.`);
    } catch (e) { status.error(e.message); sel.value = m.role; if (site) site.value = m.site_id || ""; }
  };
  sel.addEventListener("change", save);
  if (site) site.addEventListener("change", save);
  return h("div", { class: "role-edit" }, sel, site);
}

route("/account", async () => {
  const who = await me();
  const parts = [h("h1", {}, "Hello, ", who.name),
    h("p", { class: "muted" }, who.email, " · ", who.mfa_enabled ? "authenticator on" : h("a", { href: "#/account/security" }, "turn on an authenticator"))];
  for (const a of await accounts()) {
    const ss = await sites(a.id);
    const siteName = Object.fromEntries(ss.map((s) => [s.id, s.name]));
    let members = null, membersErr = "";
    try { members = (await api.get(`/api/v1/accounts/${a.id}/members`)).members || []; } catch (e) { membersErr = e.message; }
    const status = statusLine("members-status-" + a.id);
    const canManage = a.role === "owner" || a.role === "admin";
    const memberTable = members ? table([
      ["Person", (m) => [m.name, h("br"), h("span", { class: "muted" }, m.email)]],
      ["Role", (m) => (m.user_id === who.id || m.role === "owner" || !canManage ? role(m.role) : roleSelect(a, m, ss, status))],
      ["Sees", (m) => (m.site_id ? "only " + (siteName[m.site_id] || "one site") : "every site")],
      ["", (m) => (m.user_id === who.id || m.role === "owner" ? "" : h("button", { type: "button", class: "secondary", onclick: async () => {
        if (!(await confirm("Remove " + m.name + " from " + a.name + "? They lose access at once.", { yes: "Remove", danger: true }))) return;
        try { await api.del(`/api/v1/accounts/${a.id}/members/${m.user_id}`); forget(); location.reload(); } catch (e) { status.error(e.message); }
      } }, "Remove"))],
    ], members, { id: "members-" + a.id }) : h("p", { class: "muted" }, membersErr);
    parts.push(section(a.name + " · " + regionName(a.region),
      h("h3", {}, "People"), memberTable, status.node,
      h("h3", {}, "Invite someone"),
      h("p", { class: "muted" }, "Members belong to the household until removed. To let a neighbour or a house-sitter see chosen cameras for a while, ", h("a", { href: "#/sharing" }, "share them"), " instead."),
      form([{ name: "email", label: "Their e-mail", type: "email", id: "invite-email-" + a.id },
        { name: "role", label: "Role", type: "select", options: roleOptions, value: "member", id: "invite-role-" + a.id },
        ...(ss.length ? [{ name: "site_id", label: "Sites they see", type: "select", options: [["", "every site"], ...ss.map((s) => [s.id, "only " + s.name])], id: "invite-site-" + a.id }] : [])],
      "Send invitation", async (v, st) => {
        if (!v.site_id) delete v.site_id;
        await api.post(`/api/v1/accounts/${a.id}/invitations`, v);
        st.ok("Invitation sent to " + v.email + ". It is valid for 7 days.");
      }),
      h("h3", {}, "Sites"),
      ss.length ? h("ul", {}, ss.map((s) => h("li", {}, s.name, h("span", { class: "muted" }, " · " + s.time_zone)))) : h("p", { class: "muted" }, "No sites yet: sites group cameras by place (home, shop, holiday house)."),
      form([{ name: "name", label: "New site", id: "site-name-" + a.id, hint: "For example: Holiday house" }], "Add site", async (v, st) => {
        await api.post(`/api/v1/accounts/${a.id}/sites`, { name: v.name, time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" });
        forget();
        st.ok(v.name + " added.");
      })));
  }
  return parts;
});
