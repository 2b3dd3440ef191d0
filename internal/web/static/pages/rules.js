// pages/rules.js: who is told about which events, when: each account's
// alarm rules (cameras, kinds, people by role, a weekly schedule, a
// cool-down, who gets the snapshot), and the person's own quiet hours.
import { h } from "../core/dom.js";
import { api } from "../core/api.js";
import { route } from "../core/router.js";
import { section, table, statusLine, confirm } from "../core/ui.js";
import { accounts, devices } from "../app/session.js";
import { alarmType, role } from "../app/words.js";

const kinds = ["motion", "person", "vehicle", "line_crossing", "tamper", "doorbell", "face_match", "face_unknown", "offline"];
const days = [["mon", "Mon"], ["tue", "Tue"], ["wed", "Wed"], ["thu", "Thu"], ["fri", "Fri"], ["sat", "Sat"], ["sun", "Sun"]];
const tz = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

function boxes(name, items, checked) {
  return h("fieldset", {}, h("legend", {}, name), items.map(([v, t]) => {
    const id = "r-" + name.replace(/\W/g, "") + "-" + v;
    return h("label", { class: "check", for: id }, h("input", { type: "checkbox", id, value: v, checked: checked.includes(v) }), " ", t);
  }));
}
const chosen = (fs) => [...fs.querySelectorAll("input:checked")].map((i) => i.value);

function ruleText(r, names) {
  const when = r.schedule && r.schedule.length ? r.schedule.map((w) => w.days.join(", ") + " " + w.start + "–" + w.end).join("; ") + " (" + (r.time_zone || "UTC") + ")" : "always";
  return { where: r.device_id ? names[r.device_id] || "one camera" : "every camera", what: r.types && r.types.length ? r.types.map(alarmType).join(", ") : "every kind",
    who: [...(r.roles || []).map((x) => role(x) + "s"), ...(r.users || []).length ? [(r.users.length) + " chosen people"] : []].join(", "), when };
}

route("/events/rules", async () => {
  const parts = [h("p", { class: "crumbs" }, h("a", { href: "#/events" }, "← Events")), h("h1", {}, "Who is told, and when")];

  // Quiet hours: the person's own.
  const qStatus = statusLine("quiet-status");
  const acc = (await accounts())[0];
  if (acc) {
    let q = null;
    try { q = await api.get(`/api/v1/accounts/${acc.id}/alarm-quiet-hours`); } catch { q = null; }
    const start = h("input", { type: "time", id: "quiet-start", value: (q && q.start) || "22:00" });
    const end = h("input", { type: "time", id: "quiet-end", value: (q && q.end) || "07:00" });
    const f = h("form", { id: "quiet-form", class: "toolbar" }, h("label", { for: "quiet-start" }, "From", start), h("label", { for: "quiet-end" }, "Until", end),
      h("button", { type: "submit" }, "Save quiet hours"),
      h("button", { type: "button", class: "secondary", onclick: async () => {
        try { await api.del(`/api/v1/accounts/${acc.id}/alarm-quiet-hours`); qStatus.ok("Quiet hours off."); } catch (e) { qStatus.error(e.message); }
      } }, "Turn off"));
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try { await api.put(`/api/v1/accounts/${acc.id}/alarm-quiet-hours`, { start: start.value, end: end.value, time_zone: tz() }); qStatus.ok("Saved: no alarm notifications from " + start.value + " to " + end.value + "."); } catch (e) { qStatus.error(e.message); }
    });
    parts.push(section("Your quiet hours", h("p", { class: "muted" }, (q && q.start ? "Now: " + q.start + "–" + q.end + ". " : "") + "Events are still recorded and listed; only notifications wait."), f, qStatus.node));
  }

  for (const a of await accounts()) {
    let rules;
    try { rules = (await api.get(`/api/v1/accounts/${a.id}/alarm-rules`)).rules || []; } catch { continue; } // only owners and admins
    const ds = await devices(a.id);
    const names = Object.fromEntries(ds.map((d) => [d.id, d.name]));
    const status = statusLine();
    const camera = h("select", { id: "rule-camera-" + a.id }, h("option", { value: "" }, "Every camera"), ds.map((d) => h("option", { value: d.id }, d.name)));
    const what = boxes("Kinds of event", kinds.map((k) => [k, alarmType(k)]), []);
    const who = boxes("Tell", [["owner", "Owners"], ["admin", "Administrators"], ["member", "Members"], ["guest", "Guests"]], ["owner"]);
    const when = boxes("On", days, days.map(([d]) => d));
    const from = h("input", { type: "time", id: "rule-from-" + a.id, value: "00:00" });
    const until = h("input", { type: "time", id: "rule-until-" + a.id, value: "23:59" });
    const cool = h("input", { type: "number", id: "rule-cool-" + a.id, min: 0, max: 1440, value: 0 });
    const snap = h("select", { id: "rule-snap-" + a.id }, [["guest", "everyone told"], ["member", "members and above"], ["admin", "administrators and owners"], ["owner", "owners only"], ["none", "nobody (no snapshot in notifications)"]].map(([v, t]) => h("option", { value: v }, t)));
    const f = h("form", { id: "rule-form-" + a.id },
      h("label", { for: camera.id }, "Camera", camera), what, who, when,
      h("div", { class: "toolbar" }, h("label", { for: from.id }, "From", from), h("label", { for: until.id }, "Until", until)),
      h("label", { for: cool.id }, "Tell at most once per camera and kind every (minutes)", cool),
      h("label", { for: snap.id }, "The snapshot goes to", snap),
      h("div", { class: "actions" }, h("button", { type: "submit" }, "Add rule")), status.node);
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      status.clear();
      try {
        const allDay = from.value === "00:00" && until.value === "23:59" && chosen(when).length === 7;
        await api.post(`/api/v1/accounts/${a.id}/alarm-rules`, { device_id: camera.value || undefined, types: chosen(what), roles: chosen(who),
          schedule: allDay ? [] : [{ days: chosen(when), start: from.value, end: until.value }], time_zone: tz(),
          cooldown_seconds: Number(cool.value || 0) * 60, snapshot_role: snap.value });
        location.reload();
      } catch (e) { status.error(e.message); }
    });
    parts.push(section("Rules of " + a.name,
      rules.length ? table([
        ["Cameras", (r) => ruleText(r, names).where], ["Events", (r) => ruleText(r, names).what], ["Tell", (r) => ruleText(r, names).who],
        ["When", (r) => ruleText(r, names).when],
        ["", (r) => h("button", { type: "button", class: "secondary", onclick: async (e) => {
          if (!(await confirm("Delete this rule?", { yes: "Delete", danger: true }))) return;
          try { await api.del(`/api/v1/accounts/${a.id}/alarm-rules/${r.id}`); e.target.closest("tr").remove(); } catch (err) { status.error(err.message); }
        } }, "Delete")]], rules, { id: "rules-" + a.id }) : h("p", { class: "muted" }, "No rules of your own: every event is told to the owners and administrators, with its snapshot."),
      h("h3", {}, "New rule"), f));
  }
  return parts;
});
