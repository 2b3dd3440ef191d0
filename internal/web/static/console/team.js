// console/team.js: the operator administrator's staff page: every member
// with role, second factors and training date (lapsing ones flagged), an
// invitation form, role changes waiting for a second administrator's
// approval (four eyes), and per member a change of role, training date or
// a disable.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, navigate } from "../core/router.js";
import { form, section, table, statusLine, empty, confirm } from "../core/ui.js";
import { roles } from "./nav.js";
import { roleNames, now } from "./session.js";

const roleOptions = Object.entries(roleNames);
const isoDay = (d) => new Date(d + "T00:00:00Z").toISOString();
const inAYear = () => { const d = new Date(now()); d.setFullYear(d.getFullYear() + 1); return fmt.day(d); };

function training(m) {
  const days = Math.floor((new Date(m.training_valid_until) - now()) / 86400000);
  if (days < 0) return h("span", { class: "error" }, "lapsed ", fmt.date(m.training_valid_until));
  if (days < 30) return h("span", { class: "warn" }, fmt.date(m.training_valid_until), " (", days, " days left)");
  return fmt.date(m.training_valid_until);
}

route("/staff/team", async (ctx) => {
  const [{ staff }, { role_changes: changes }] = await Promise.all([api.get("/api/v1/staff/members"), api.get("/api/v1/staff/role-changes")]);
  const names = Object.fromEntries(staff.map((m) => [m.id, m.name]));
  const pending = changes.filter((c) => c.status === "pending");
  const reload = () => navigate(location.hash, { replace: true });
  const decide = (c, verb) => async (e) => {
    const st = e.currentTarget.closest("td").querySelector(".status");
    try { await api.post(`/api/v1/staff/role-changes/${c.id}/${verb}`); reload(); } catch (err) { st.textContent = err.message; st.className = "status error"; }
  };
  const lapsing = staff.filter((m) => !m.disabled && new Date(m.training_valid_until) - now() < 30 * 86400000);
  return [h("h1", {}, "Staff"),
    lapsing.length ? h("p", { class: "warn", role: "status", id: "lapsing" }, lapsing.length, " member(s) need their privacy training renewed within 30 days: ",
      lapsing.map((m) => m.name).join(", "), ". Without current training they see no personal data.") : null,
    section("Waiting for a second administrator",
      pending.length ? table([["Who", (c) => (c.name || names[c.staff_id] || c.staff_id) + (c.email ? " <" + c.email + ">" : "")],
        ["Change", (c) => (c.kind === "invitation" ? "invite as " : (roleNames[c.from_role] || c.from_role) + " → ") + (roleNames[c.role] || c.role)],
        ["Asked by", (c) => [names[c.requested_by] || c.requested_by, h("br"), h("span", { class: "muted" }, fmt.dateTime(c.requested_at))]],
        ["Decide", (c) => c.requested_by === ctx.staff.id ? h("span", { class: "muted" }, "another administrator decides")
          : [h("div", { class: "actions" }, h("button", { type: "button", class: "approve", onclick: decide(c, "approve") }, "Approve"),
            h("button", { type: "button", class: "secondary", onclick: decide(c, "reject") }, "Reject")), h("p", { class: "status" })]]],
      pending, { id: "role-changes" }) : empty("No role change is waiting.")),
    section("Members", table([["Name", (m) => [m.name, h("br"), h("span", { class: "muted" }, m.email)]], ["Role", (m) => roleNames[m.role] || m.role],
      ["Second factor", (m) => (m.factors || []).map((f) => (f === "security_key" ? "key" : "app")).join(", ") || h("span", { class: "warn" }, "not yet")],
      ["Training", training], ["State", (m) => (m.disabled ? "disabled" : "active")],
      ["", (m) => m.id === ctx.staff.id ? h("span", { class: "muted" }, "you") : h("a", { href: "#/staff/team/" + m.id }, "Change")]],
    staff, { id: "staff-list" })),
    section("Invite a member", h("p", { class: "muted" }, "They get a link to choose a password. An invitation as security officer, DPO or operator administrator waits for a second administrator."),
      form([{ name: "name", label: "Name" }, { name: "email", label: "Work e-mail", type: "email" },
        { name: "role", label: "Role", type: "select", options: roleOptions, value: "support_l1" },
        { name: "training_valid_until", label: "Privacy training valid until", type: "date", value: inAYear() }], "Invite", async (v, status) => {
        v.training_valid_until = isoDay(v.training_valid_until);
        const r = await api.post("/api/v1/staff/members", v);
        if (r.pending_role_change) status.ok("Invitation waiting for a second administrator's approval.");
        else status.ok("Invited: " + r.email + " was e-mailed a set-up link.");
        setTimeout(reload, 600);
      }, { id: "invite-form" }))];
}, { roles: roles.team });

route("/staff/team/:id", async (ctx) => {
  const { staff } = await api.get("/api/v1/staff/members");
  const m = staff.find((x) => x.id === ctx.params.id);
  if (!m) throw new Error("No such staff member.");
  const status = statusLine("member-status");
  return [h("p", { class: "crumbs" }, h("a", { href: "#/staff/team" }, "Staff"), " / ", m.name), h("h1", {}, m.name),
    section("Role and training", form([{ name: "role", label: "Role", type: "select", options: roleOptions, value: m.role },
      { name: "training_valid_until", label: "Privacy training valid until", type: "date", value: fmt.day(m.training_valid_until) }], "Save", async (v, st) => {
      const change = {};
      if (v.role !== m.role) change.role = v.role;
      if (v.training_valid_until !== fmt.day(m.training_valid_until)) change.training_valid_until = isoDay(v.training_valid_until);
      if (!Object.keys(change).length) { st.info("Nothing changed."); return; }
      const r = await api.patch("/api/v1/staff/members/" + m.id, change);
      st.ok(r.pending_role_change ? "Saved; the new role waits for a second administrator's approval." : "Saved.");
    }, { id: "member-form" })),
    section("Disable", h("p", {}, "A disabled member is signed out at once and cannot sign in."),
      h("div", { class: "actions" }, h("button", { type: "button", class: "danger", id: "disable", disabled: m.disabled, onclick: async () => {
        if (!(await confirm("Disable " + m.name + "?", { yes: "Disable", danger: true }))) return;
        try { await api.patch("/api/v1/staff/members/" + m.id, { disabled: true }); status.ok("Disabled."); } catch (e) { status.error(e.message); }
      } }, m.disabled ? "Disabled" : "Disable")), status.node)];
}, { roles: roles.team });
