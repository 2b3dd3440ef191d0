// console/incidents.js: the incident room (security officer, DPO). The
// register with each incident's grade and the time left on the regulators'
// clocks; opening one with its type from the declared taxonomy; one
// incident: the grading rules that hold, the people the access log shows
// affected with what was touched and how each notice was delivered, the
// notice in several languages, the public notice, the regulator reports
// (JSON download, printable document, sent with its reference), the plan's
// stages with their checklists, the retrospective, the timeline, closing.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, navigate } from "../core/router.js";
import { form, section, table, empty, statusLine, confirm } from "../core/ui.js";
import { roles } from "./nav.js";
import { now } from "./session.js";

const base = "/api/v1/staff/incidents";
const reload = () => navigate(location.hash, { replace: true });
const sevText = { low: "Low", medium: "Medium", high: "High", critical: "Critical" };
const sev = (s) => h("span", { class: "sev sev-" + s }, sevText[s] || s);

// left says how long a report's clock has, flagged under a day.
function left(r) {
  if (r.sent_at && !r.sent_at.startsWith("0001")) return h("span", { class: r.overdue ? "due-soon" : "due-ok" }, "sent ", fmt.dateTime(r.sent_at));
  if (r.immediately) return h("span", { class: "due-soon" }, "due immediately");
  const ms = new Date(r.due_at) - now();
  if (ms < 0) return h("span", { class: "due-soon" }, "overdue by ", Math.ceil(-ms / 3600000), " h");
  const hrs = Math.floor(ms / 3600000);
  return h("span", { class: hrs < 24 ? "due-soon" : "due-ok" }, hrs >= 48 ? Math.floor(hrs / 24) + " d " + (hrs % 24) + " h left" : hrs + " h " + Math.floor((ms % 3600000) / 60000) + " min left");
}

// nextClock is the report whose clock runs out first, of those not sent.
function nextClock(inc) {
  const open = (inc.reports || []).filter((r) => r.required && (!r.sent_at || r.sent_at.startsWith("0001")));
  open.sort((a, b) => new Date(a.due_at) - new Date(b.due_at));
  return open.length ? [open[0].law, ": ", left(open[0])] : (inc.reports || []).length ? "all sent" : "none due";
}

const set = (t) => t && !t.startsWith("0001");

// reachable lets a keyboard reach a table that scrolls inside its box.
function reachable(wrap, label) {
  wrap.setAttribute("tabindex", "0");
  wrap.setAttribute("role", "region");
  wrap.setAttribute("aria-label", label);
  return wrap;
}

route("/staff/incidents", async () => {
  const [{ incidents }, tax] = await Promise.all([api.get(base), api.get("/api/v1/staff/incident-taxonomy")]);
  const types = Object.fromEntries(tax.types.map((t) => [t.id, t.title]));
  return [h("h1", {}, "Incidents"),
    h("p", { class: "muted" }, "Security incidents, newest first, with their grade and the regulator clock that runs out first."),
    section("Register", incidents.length ? table([["Opened", (i) => fmt.dateTime(i.opened_at)],
      ["Incident", (i) => h("a", { href: "#/staff/incidents/" + i.id, class: "inc-link" }, i.title)],
      ["Type", (i) => types[i.type] || i.type], ["Severity", (i) => sev(i.severity)], ["Status", (i) => i.status],
      ["Regulators", nextClock]], incidents, { id: "incidents" }) : empty("No incident is recorded.")),
    section("Open an incident", form([
      { name: "type", label: "Type", type: "select", options: tax.types.map((t) => [t.id, t.title]) },
      { name: "title", label: "Title (internal)", required: true },
      { name: "summary", label: "What is known so far", type: "textarea" },
      { name: "source", label: "How vigil learned of it", type: "select", options: tax.sources.map((s) => [s, s.replaceAll("_", " ")]) },
      { name: "source_ref", label: "Reference (alert, report or ticket)" },
      { name: "left_vendor", label: "Data left the vendor's control", type: "checkbox" },
      { name: "biometric_or_video", label: "Video, snapshots or biometric data involved", type: "checkbox" },
    ], "Open incident", async (v) => {
      const inc = await api.post(base, { type: v.type, title: v.title, summary: v.summary, source: v.source, source_ref: v.source_ref,
        criteria: { left_vendor: v.left_vendor, biometric_or_video: v.biometric_or_video } });
      navigate("#/staff/incidents/" + inc.id);
    }, { id: "open-form" })),
    section("Regulators' clocks", h("p", { class: "muted" }, "Each region's law, counted from when vigil became aware."),
      table([["Law", (r) => r.law], ["Regions", (r) => r.regions.join(", ")], ["Window", (r) => r.immediately ? "immediately" : r.window_hours >= 48 ? r.window_hours / 24 + " days" : r.window_hours + " hours"],
        ["Authority", (r) => r.authority]], tax.regimes, { id: "regimes" })),
    section("How incidents are graded", h("p", { class: "muted" }, "The grade is the highest of the rules that hold; none: low. Types follow NIST SP 800-61 and ENISA's taxonomy."),
      table([["Rule", (r) => r.id], ["When", (r) => r.description], ["Grade at least", (r) => sev(r.severity)]], tax.grading_rules, { id: "grading-rules" }))];
}, { roles: roles.incidents, personal: true });

function stageView(inc, st, path) {
  const done = st.done_at && !st.done_at.startsWith("0001");
  const status = statusLine();
  const boxes = st.checklist.map((it, i) => {
    const id = "chk-" + st.id + "-" + i;
    const box = h("input", { type: "checkbox", id, disabled: done || inc.status === "closed", "data-item": i });
    box.checked = it.done;
    box.addEventListener("change", async () => {
      try { await api.patch(path, box.checked ? { done: [i] } : { undone: [i] }); status.ok(box.checked ? "Ticked." : "Reopened."); } catch (e) { status.error(e.message); box.checked = !box.checked; }
    });
    return h("li", {}, h("label", { class: "check", for: id }, box, " ", it.text), it.done && set(it.done_at) ? h("span", { class: "muted" }, " · ", fmt.dateTime(it.done_at)) : null);
  });
  const retro = st.id === "retrospective" ? h("label", { for: "retro-text" }, "What was learned and what changes",
    h("textarea", { id: "retro-text", rows: 4, disabled: done }, inc.retrospective || "")) : null;
  const complete = done || inc.status === "closed" ? null : h("button", { type: "button", id: "complete-" + st.id, onclick: async () => {
    try {
      const body = { action: "complete" };
      if (retro) body.retrospective = retro.querySelector("textarea").value;
      await api.patch(path, body); reload();
    } catch (e) { status.error(e.message); }
  } }, "Complete this stage");
  return h("div", { class: "stage card", id: "stage-" + st.id },
    h("h3", {}, st.title, " ", h("span", { class: done ? "due-ok" : "muted" }, done ? "complete " + fmt.dateTime(st.done_at) : set(st.started_at) ? "in progress" : "not started")),
    h("p", { class: "muted" }, "Owner ", h("code", {}, st.owner)), h("ul", { class: "checklist" }, boxes), retro, h("div", { class: "actions" }, complete), status.node);
}

function deliveries(a) {
  if (!a.message_id) return a.contact ? "not told yet" : "no direct contact";
  const ds = a.deliveries || [];
  return ds.length ? h("ul", { class: "dls" }, ds.map((d) => h("li", { class: "dl dl-" + d.status }, d.channel, ": ", d.status))) : "queued";
}

route("/staff/incidents/:id", async (ctx) => {
  const id = ctx.params.id;
  const path = base + "/" + id;
  const [{ incident: inc, notice_status: ns }, tax, { affected }, dm] = await Promise.all([api.get(path), api.get("/api/v1/staff/incident-taxonomy"),
    api.get(path + "/affected"), api.get("/api/v1/datamap")]);
  const cats = (dm.categories || dm).map((c) => [c.id, c.id]);
  const type = tax.types.find((t) => t.id === inc.type) || { title: inc.type, standard: "" };
  const rules = Object.fromEntries(tax.grading_rules.map((r) => [r.id, r.description]));
  const open = inc.status === "open";
  const out = [h("p", { class: "crumbs" }, h("a", { href: "#/staff/incidents" }, "Incidents"), " / ", inc.id),
    h("h1", {}, inc.title, " ", sev(inc.severity)),
    section("The incident", h("dl", { class: "facts", id: "incident-facts" },
      h("dt", {}, "Type"), h("dd", {}, type.title, h("span", { class: "muted" }, " (", type.standard, ")")),
      h("dt", {}, "Status"), h("dd", { id: "inc-status" }, inc.status, set(inc.closed_at) ? " " + fmt.dateTime(inc.closed_at) : ""),
      h("dt", {}, "Severity"), h("dd", { id: "inc-severity" }, sev(inc.severity)),
      h("dt", {}, "Why"), h("dd", { id: "inc-grading" }, inc.grading.length ? h("ul", {}, inc.grading.map((g) => h("li", {}, g, ": ", rules[g]))) : "no rule holds yet"),
      h("dt", {}, "Criteria"), h("dd", {}, inc.criteria.people_affected, " people in ", inc.criteria.accounts_affected, " accounts; data: ",
        inc.criteria.categories.length ? inc.criteria.categories.join(", ") : "none known", inc.criteria.left_vendor ? "; left the vendor" : "",
        inc.criteria.biometric_or_video ? "; video or biometric" : ""),
      h("dt", {}, "Aware since"), h("dd", {}, fmt.dateTime(inc.aware_at)),
      h("dt", {}, "Responsible"), h("dd", {}, h("code", {}, inc.responsible)),
      h("dt", {}, "Source"), h("dd", {}, inc.source.replaceAll("_", " "), inc.source_ref ? " (" + inc.source_ref + ")" : "")),
    open ? form([{ name: "left_vendor", label: "Data left the vendor's control", type: "checkbox", value: inc.criteria.left_vendor },
      { name: "biometric_or_video", label: "Video, snapshots or biometric data involved", type: "checkbox", value: inc.criteria.biometric_or_video }], "Grade again", async (v) => {
      await api.patch(path + "/criteria", v); reload();
    }, { id: "criteria-form" }) : null)];

  out.push(section("Regulators", (inc.reports || []).length ? table([["Law", (r) => r.law], ["Region", (r) => r.region], ["People", (r) => r.people],
    ["Due", (r) => fmt.dateTime(r.due_at)], ["Time left", left],
    ["Report", (r) => h("span", { class: "links" }, h("a", { href: path + "/reports/" + r.regime, download: inc.id + "-" + r.regime + ".json", id: "report-json-" + r.regime }, "Download JSON"), " · ",
      h("a", { href: path + "/reports/" + r.regime + "?format=html", target: "_blank", rel: "noopener", id: "report-html-" + r.regime }, "Open printable"))]],
  inc.reports, { id: "reports" }) : empty("No regulator clock runs yet: compute the affected people to find the regions reached."),
  ...(inc.reports || []).filter((r) => !set(r.sent_at)).map((r) => form([{ name: "reference", label: r.law + ": the authority's reference or receipt", id: "ref-" + r.regime },
    { name: "delay_reason", label: "Reasons for the delay (required once late)", type: "textarea", id: "delay-" + r.regime }], "Record as sent", async (v) => {
    await api.post(path + "/reports/" + r.regime, { delay_reason: v.delay_reason });
    await api.post(path + "/reports/" + r.regime + "/sent", v); reload();
  }, { id: "sent-" + r.regime }))));

  out.push(section("Affected people",
    h("p", { class: "muted" }, "Computed from the access log: every allowed access in the scope names whose data it was."),
    open ? form([{ name: "kind", label: "Scope", type: "select", options: [["staff_credential", "A staff member's credential"], ["device_credential", "A device's credential"],
      ["accounts", "A set of accounts"], ["category", "A data category"], ["route", "An API route"]] },
    { name: "actor_id", label: "Staff or device ID" }, { name: "account_ids", label: "Account IDs (comma separated)" },
    { name: "category", label: "Data category (for that scope)", type: "select", options: [["", "—"], ...cats] },
    { name: "route", label: "API route, as the API document writes it (GET /api/v1/...)" },
    { name: "from", label: "From", type: "datetime-local", required: true }, { name: "to", label: "To", type: "datetime-local" }], "Compute", async (v) => {
      await api.post(path + "/affected", { kind: v.kind, actor_id: v.actor_id || undefined, category: v.category || undefined, route: v.route || undefined,
        account_ids: v.account_ids ? v.account_ids.split(",").map((s) => s.trim()).filter(Boolean) : undefined,
        from: new Date(v.from).toISOString(), to: v.to ? new Date(v.to).toISOString() : undefined });
      reload();
    }, { id: "affected-form" }) : null,
    affected.length ? table([["Person", (a) => h("code", {}, a.user_id)], ["Accounts", (a) => a.accounts.map((x) => x.id + " (" + x.region + ")").join(", ") || "—"],
      ["Touched", (a) => a.touched.map((t) => t.title + ": " + t.actions.join("/") + " ×" + t.count).join("; ") || "named by scope"],
      ["Language", (a) => a.language], ["Notice", deliveries]], affected, { id: "affected" }) : empty("Not computed yet.")));
  reachable(out[out.length - 1].querySelector(".table-wrap") || h("div"), "Affected people");

  const en = (inc.notice && inc.notice.texts.find((t) => t.language === "en")) || {};
  const other = (inc.notice && inc.notice.texts.find((t) => t.language !== "en")) || { language: "de" };
  const textFields = (p, t) => [["title", "Title"], ["what_happened", "What happened"], ["impact", "Likely impact"], ["measures", "Measures taken or planned"],
    ["advice", "Advice to people"], ["remedies", "Remedies"]].map(([k, l]) => ({ name: p + k, label: l + " (" + (p ? "second language" : "English") + ")", type: k === "title" ? "text" : "textarea", value: t[k] || "" }));
  const notifyStatus = statusLine("notify-status");
  out.push(section("Telling people",
    h("p", { id: "notice-status" }, ns.people, " affected · ", ns.with_contact, " with a direct contact · ", ns.without_contact, " without · ", ns.noticed, " told",
      ns.public_required ? h("strong", { class: "due-soon" }, " · public notice due: ", ns.reason) : ""),
    open ? form([...textFields("", en), { name: "lang2", label: "Second language (code)", value: other.language }, ...textFields("x_", other),
      { name: "contacts", label: "Remedies and contacts: where people ask", value: (inc.notice && inc.notice.contacts) || "" }], "Save the notice", async (v, st) => {
      const pick = (p) => ({ title: v[p + "title"], what_happened: v[p + "what_happened"], impact: v[p + "impact"], measures: v[p + "measures"], advice: v[p + "advice"], remedies: v[p + "remedies"] });
      const texts = [{ language: "en", ...pick("") }];
      if (v.x_title) texts.push({ language: v.lang2, ...pick("x_") });
      await api.put(path + "/notice", { texts, contacts: v.contacts });
      st.ok("Notice saved.");
    }, { id: "notice-form" }) : null,
    open ? h("div", { class: "actions" }, h("button", { type: "button", id: "notify", onclick: async () => {
      if (!(await confirm("Send the notice to every affected person not told yet, on every channel?", { yes: "Send" }))) return;
      try { await api.post(path + "/notify"); reload(); } catch (e) { notifyStatus.error(e.message); }
    } }, "Notify affected people"), h("button", { type: "button", class: "secondary", id: "publish", onclick: async () => {
      try { await api.post(path + "/publish"); reload(); } catch (e) { notifyStatus.error(e.message); }
    } }, ns.published ? "Update the public notice" : "Publish the public notice")) : null,
    ns.published ? h("p", { id: "public-link" }, "Public notice: ", h("a", { href: ns.public_url, target: "_blank", rel: "noopener" }, location.origin + ns.public_url)) : null,
    notifyStatus.node));

  out.push(section("Response plan", h("p", { class: "muted" }, "Stages are worked in order; a stage completes with its checklist done; the incident closes only when every stage is complete."),
    inc.stages.map((st) => stageView(inc, st, path + "/stages/" + st.id))));
  const closeStatus = statusLine("close-status");
  if (open) {
    out.push(section("Close", h("div", { class: "actions" }, h("button", { type: "button", class: "danger", id: "close", onclick: async () => {
      try { await api.post(path + "/close"); reload(); } catch (e) { closeStatus.error(e.message); }
    } }, "Close the incident")), closeStatus.node));
  }
  out.push(section("Timeline", table([["When", (e) => fmt.dateTime(e.at)], ["What", (e) => e.kind.replaceAll("_", " ")], ["Note", (e) => e.note], ["By", (e) => h("code", {}, e.by)]],
    [...inc.timeline].reverse(), { id: "timeline" })));
  reachable(out[out.length - 1].querySelector(".table-wrap"), "Timeline");
  return out;
}, { roles: roles.incidents, personal: true });
