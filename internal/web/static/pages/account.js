// pages/account.js: the household. Each account's members with their
// roles and sites, invitations, and sites.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route } from "../core/router.js";
import { form, table, section, statusLine, confirm } from "../core/ui.js";
import { me, accounts, sites, forget } from "../app/session.js";
import { role, regionOptions } from "../app/words.js";

const roleOptions = [["admin", "Administrator: everything but closing the account"], ["member", "Member: cameras, recordings and events"], ["guest", "Guest: watches live and recorded video, cannot download or change anything"]];
const regionName = (r) => (regionOptions.find(([v]) => v === r) || [r, r])[1];

// siteBoxes is a set of site checkboxes; none ticked means every site,
// including sites added later.
function siteBoxes(idPrefix, ss, chosen, legend) {
  const fs = h("fieldset", { class: "site-boxes", id: idPrefix },
    h("legend", {}, legend),
    ss.map((x) => h("label", { class: "check", for: idPrefix + "-" + x.id },
      h("input", { type: "checkbox", id: idPrefix + "-" + x.id, value: x.id, checked: chosen.includes(x.id) }), " ", x.name)),
    h("span", { class: "hint" }, "Tick none for every site, including ones added later."));
  return { node: fs, value: () => [...fs.querySelectorAll("input:checked")].map((i) => i.value) };
}

const sitesText = (ids, siteName) => (ids && ids.length ? "only " + ids.map((id) => siteName[id] || "a removed site").join(", ") : "every site");

// scopeEdit changes a member's role at once, and the sites it covers from
// a fold-out list; the member's next request is decided by the new scope.
function scopeEdit(a, m, ss, siteName, status) {
  const choices = [["admin", "Administrator"], ["member", "Member"], ["guest", "Guest"]];
  const sel = h("select", { id: "role-" + m.user_id, "aria-label": "Role of " + m.name }, choices.map(([v, t]) => h("option", { value: v, selected: v === m.role }, t)));
  let current = m.sites || [];
  const save = async (sites) => {
    try {
      await api.patch(`/api/v1/accounts/${a.id}/members/${m.user_id}`, { role: sel.value, sites });
      forget();
      current = sites;
      summary.textContent = sitesText(current, siteName);
      status.ok(`${m.name} is now ${role(sel.value).toLowerCase()}, ${sitesText(current, siteName)}.`);
    } catch (e) { status.error(e.message); sel.value = m.role; }
  };
  sel.addEventListener("change", () => save(current));
  const summary = h("summary", {}, sitesText(current, siteName));
  const where = ss.length ? (() => {
    const boxes = siteBoxes("scope-" + m.user_id, ss, current, "Sites " + m.name + " sees");
    return h("details", { class: "scope", id: "scope-" + m.user_id + "-details" }, summary, boxes.node,
      h("button", { type: "button", class: "secondary", id: "scope-save-" + m.user_id, onclick: (e) => { save(boxes.value()); e.target.closest("details").open = false; } }, "Save sites"));
  })() : null;
  return { role: sel, where };
}

route("/account", async () => {
  const who = await me();
  const parts = [h("h1", {}, "Hello, ", who.name),
    h("p", { class: "muted" }, who.email, " · ", who.mfa_enabled ? "authenticator on" : h("a", { href: "#/account/security" }, "turn on an authenticator"))];
  for (const a of await accounts()) {
    const ss = await sites(a.id);
    const siteName = Object.fromEntries(ss.map((s) => [s.id, s.name]));
    // People whose role covers some sites only see those sites, not the
    // household's member list.
    const limited = (a.sites || []).length > 0;
    let members = null, membersErr = "";
    if (!limited) {
      try { members = (await api.get(`/api/v1/accounts/${a.id}/members`)).members || []; } catch (e) { membersErr = e.message; }
    }
    const status = statusLine("members-status-" + a.id);
    const canManage = !limited && (a.role === "owner" || a.role === "admin");
    const edits = {};
    const editOf = (m) => (edits[m.user_id] ||= scopeEdit(a, m, ss, siteName, status));
    const editable = (m) => canManage && m.user_id !== who.id && m.role !== "owner";
    const memberTable = members ? table([
      ["Person", (m) => [m.name, h("br"), h("span", { class: "muted" }, m.email)]],
      ["Role", (m) => (editable(m) ? editOf(m).role : role(m.role))],
      ["Sees", (m) => (editable(m) && ss.length ? editOf(m).where : sitesText(m.sites, siteName))],
      ["", (m) => (!editable(m) ? "" : h("button", { type: "button", class: "secondary", onclick: async () => {
        if (!(await confirm("Remove " + m.name + " from " + a.name + "? They lose access at once.", { yes: "Remove", danger: true }))) return;
        try { await api.del(`/api/v1/accounts/${a.id}/members/${m.user_id}`); forget(); location.reload(); } catch (e) { status.error(e.message); }
      } }, "Remove"))],
    ], members, { id: "members-" + a.id }) : h("p", { class: "muted" }, membersErr);
    const body = limited ? [] : [h("h3", {}, "People"), memberTable, status.node];
    if (canManage) {
      body.push(await pendingInvitations(a, siteName));
      const where = ss.length ? siteBoxes("invite-sites-" + a.id, ss, [], "Sites they see") : null;
      body.push(h("h3", {}, "Invite someone"),
        h("p", { class: "muted" }, "Members belong to the household until removed. To let a neighbour or a house-sitter see chosen cameras for a while, ", h("a", { href: "#/sharing" }, "share them"), " instead."),
        form([{ name: "email", label: "Their e-mail", type: "email", id: "invite-email-" + a.id },
          { name: "role", label: "Role", type: "select", options: roleOptions, value: "member", id: "invite-role-" + a.id }],
        "Send invitation", async (v, st) => {
          const sites = where ? where.value() : [];
          await api.post(`/api/v1/accounts/${a.id}/invitations`, { email: v.email, role: v.role, sites });
          st.ok("Invitation sent to " + v.email + ". It is valid for 7 days.");
          st.node.closest("form").reset();
          document.getElementById("invitations-" + a.id)?.replaceWith(await pendingInvitations(a, siteName));
        }, { id: "invite-" + a.id, extra: where && where.node }));
    } else {
      body.push(h("p", { class: "muted", id: "not-admin-" + a.id }, "You are ", role(a.role).toLowerCase(), " here",
        limited ? ", for " + sitesText(a.sites, siteName).replace(/^only /, "") + " only" : "",
        ". The account's owners and administrators invite people, change roles and add sites."));
    }
    parts.push(section(a.name + " · " + regionName(a.region), ...body,
      h("h3", {}, "Sites"),
      ss.length ? h("ul", {}, ss.map((s) => h("li", {}, s.name, h("span", { class: "muted" }, " · " + s.time_zone)))) : h("p", { class: "muted" }, "No sites yet: sites group cameras by place (home, shop, holiday house)."),
      canManage ? form([{ name: "name", label: "New site", id: "site-name-" + a.id, hint: "For example: Holiday house" }], "Add site", async (v, st) => {
        await api.post(`/api/v1/accounts/${a.id}/sites`, { name: v.name, time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" });
        forget();
        st.ok(v.name + " added.");
      }) : null));
  }
  return parts;
});

// pendingInvitations lists who was invited and has not joined yet, each
// with a Withdraw button that stops the mailed link from working.
async function pendingInvitations(a, siteName) {
  const status = statusLine("invitations-status-" + a.id);
  let list;
  try { list = (await api.get(`/api/v1/accounts/${a.id}/invitations`)).invitations || []; } catch (e) { return h("p", { class: "muted", id: "invitations-" + a.id }, e.message); }
  if (!list.length) return h("div", { id: "invitations-" + a.id });
  return h("div", { id: "invitations-" + a.id }, h("h3", {}, "Waiting to join"), table([
    ["Invited", (i) => i.email],
    ["As", (i) => [role(i.role), h("br"), h("span", { class: "muted" }, sitesText(i.sites, siteName))]],
    ["Link works until", (i) => fmt.dateTime(i.expires_at)],
    ["", (i) => h("button", { type: "button", class: "secondary withdraw", onclick: async (e) => {
      if (!(await confirm("Withdraw the invitation to " + i.email + "? The link in their e-mail stops working.", { yes: "Withdraw", danger: true }))) return;
      try {
        await api.del(`/api/v1/accounts/${a.id}/invitations/${i.id}`);
        e.target.closest("tr").remove();
        status.ok("Invitation to " + i.email + " withdrawn.");
      } catch (err) { status.error(err.message); }
    } }, "Withdraw")],
  ], list, { id: "invitations-table-" + a.id }), status.node);
}
