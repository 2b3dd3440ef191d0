// console/security.js: vulnerability intake for the security officer
// (and the DPO): the queue of reports from the public form, one report
// with the finder's contact, words and attachments (each opening is
// logged), triage (reject with a reason the finder reads, duplicate, into
// an incident, into an advisory), and advisories: drafted, edited,
// published on the public security page.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, navigate, link } from "../core/router.js";
import { form, section, table, statusLine, empty, confirm } from "../core/ui.js";
import { roles } from "./nav.js";

const statusNames = { new: "New", rejected: "Rejected", duplicate: "Duplicate", incident: "Incident", advisory: "Advisory" };
const severities = [["low", "Low"], ["medium", "Medium"], ["high", "High"], ["critical", "Critical"]];

// Ranges are typed one a line: "vc-100 1.0.0 1.2.0" (model or app, first
// affected, fixed; "-" for none).
const rangeText = (rs, key) => (rs || []).map((r) => [r[key], r.from || "-", r.fixed || "-"].join(" ")).join("\n");
function parseRanges(text, key) {
  return text.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
    const [name, from, fixed, ...rest] = l.split(/\s+/);
    if (rest.length) throw new Error("One range a line: name, first affected version, fixed version (\"-\" for none): " + l);
    const r = { [key]: name };
    if (from && from !== "-") r.from = from;
    if (fixed && fixed !== "-") r.fixed = fixed;
    return r;
  });
}

function advisoryFields(a = {}) {
  return [{ name: "slug", label: "Stable name", value: a.slug, hint: "e.g. vigil-2026-001; it is the advisory's address." },
    { name: "title", label: "Title", value: a.title },
    { name: "summary", label: "What happened, its impact and what to do", type: "textarea", value: a.summary },
    { name: "severity", label: "Severity", type: "select", options: severities, value: a.severity || "medium" },
    { name: "cvss_vector", label: "CVSS vector (optional)", value: a.cvss_vector },
    { name: "firmware", label: "Affected firmware", type: "textarea", value: rangeText(a.firmware, "model"), hint: "One a line: model, first affected version, fixed version; \"-\" for none. E.g. vc-100 1.0.0 1.2.0" },
    { name: "apps", label: "Affected apps", type: "textarea", value: rangeText(a.apps, "platform"), hint: "One a line: ios, android, web or desktop, first affected, fixed. E.g. web - 3.4.1" },
    { name: "credits", label: "Credits", value: (a.credits || []).join(", "), hint: "Names as the finders asked to be credited, separated by commas." }];
}

function advisoryBody(v) {
  const body = { slug: v.slug.trim(), title: v.title, summary: v.summary, severity: v.severity, firmware: parseRanges(v.firmware, "model"),
    apps: parseRanges(v.apps, "platform"), credits: v.credits.split(",").map((c) => c.trim()).filter(Boolean) };
  if (v.cvss_vector.trim()) body.cvss_vector = v.cvss_vector.trim();
  return body;
}

route("/staff/security", async () => {
  const [{ reports }, { advisories }] = await Promise.all([api.get("/api/v1/staff/vulnerability-reports"), api.get("/api/v1/staff/advisories")]);
  const open = reports.filter((r) => r.status === "new").length;
  return [h("h1", {}, "Vulnerability reports"),
    h("p", { class: "muted" }, open, " new report(s). Opening a report or one of its files is recorded in the finder's log."),
    reports.length ? table([["Received", (r) => fmt.dateTime(r.submitted_at)],
      ["Report", (r) => h("a", { href: link(["staff", "security", "reports", r.id]), class: "report-link" }, r.title)],
      ["Status", (r) => statusNames[r.status] || r.status]], reports, { id: "vuln-queue" }) : empty("No report yet."),
    section("Advisories", advisories.length ? table([["Advisory", (a) => h("a", { href: link(["staff", "security", "advisories", a.id]) }, a.slug)],
      ["Title", (a) => a.title], ["Severity", (a) => a.severity],
      ["State", (a) => (a.status === "published" ? ["published ", fmt.date(a.published_at)] : "draft")]], advisories, { id: "advisory-list" }) : empty("No advisory yet."),
    h("h3", {}, "Draft an advisory"),
    form(advisoryFields(), "Save draft", async (v) => {
      const a = await api.post("/api/v1/staff/advisories", advisoryBody(v));
      navigate(link(["staff", "security", "advisories", a.id]));
    }, { id: "draft-form" }))];
}, { roles: roles.security, personal: true });

route("/staff/security/reports/:id", async (ctx) => {
  const base = "/api/v1/staff/vulnerability-reports/" + encodeURIComponent(ctx.params.id);
  const r = await api.get(base);
  const reload = () => navigate(location.hash, { replace: true });
  const triage = async (body) => { await api.post(base + "/triage", body); reload(); };
  const d = r.details || {};
  const out = [h("p", { class: "crumbs" }, h("a", { href: "#/staff/security" }, "Reports"), " / ", r.id),
    h("h1", {}, r.title),
    section("The report", h("dl", { class: "facts", id: "report-facts" },
      h("dt", {}, "Status"), h("dd", { id: "report-status" }, statusNames[r.status] || r.status, r.triaged_at ? " · " + fmt.dateTime(r.triaged_at) : ""),
      r.decision_note ? [h("dt", {}, "Reason given"), h("dd", {}, r.decision_note)] : null,
      r.duplicate_of ? [h("dt", {}, "Duplicate of"), h("dd", {}, h("a", { href: link(["staff", "security", "reports", r.duplicate_of]) }, r.duplicate_of))] : null,
      r.incident_id ? [h("dt", {}, "Incident"), h("dd", {}, r.incident_id)] : null,
      r.advisory_id ? [h("dt", {}, "Advisory"), h("dd", {}, h("a", { href: link(["staff", "security", "advisories", r.advisory_id]) }, r.advisory_id))] : null,
      h("dt", {}, "Received"), h("dd", {}, fmt.dateTime(r.submitted_at)),
      h("dt", {}, "Product"), h("dd", {}, d.product || "", d.versions ? " · " + d.versions : ""),
      h("dt", {}, "Finder"), h("dd", { id: "report-finder" }, r.contact && (r.contact.email || r.contact.name)
        ? [r.contact.name || "", r.contact.email ? " <" + r.contact.email + ">" : "", r.contact.credit ? " · credit as " + r.contact.credit : ""] : "anonymous")),
    h("pre", { class: "letter", id: "report-description", tabindex: 0 }, d.description || "")),
  ];
  if (r.attachments && r.attachments.length) {
    out.push(section("Attachments", h("p", { class: "muted" }, "Downloaded as files, never opened in the console."),
      table([["File", (a) => h("a", { href: base + "/attachments/" + a.id, download: a.name, class: "attachment-link" }, a.name)],
        ["Type", (a) => a.content_type], ["Size", (a) => Math.ceil(a.size / 1024) + " KiB"]], r.attachments, { id: "attachments" })));
  }
  if (r.status === "new") {
    const { reports } = await api.get("/api/v1/staff/vulnerability-reports");
    const { advisories } = await api.get("/api/v1/staff/advisories");
    const others = reports.filter((x) => x.id !== r.id).map((x) => [x.id, x.title + " (" + fmt.date(x.submitted_at) + ")"]);
    out.push(section("Reject", form([{ name: "reason", label: "Reason, as the finder will read it", type: "textarea", id: "reject-reason" }], "Reject", async (v) => {
      await triage({ action: "reject", reason: v.reason });
    }, { id: "reject-form" })));
    if (others.length) {
      out.push(section("Duplicate", form([{ name: "duplicate_of", label: "Of the earlier report", type: "select", options: others, id: "dup-of" },
        { name: "reason", label: "Note for the finder (optional)", id: "dup-reason" }], "Mark as duplicate", async (v) => {
        await triage({ action: "duplicate", duplicate_of: v.duplicate_of, reason: v.reason });
      }, { id: "duplicate-form" })));
    }
    // The incident register's taxonomy, for the type of the incident.
    let types = [];
    try { types = (await api.get("/api/v1/staff/incident-taxonomy")).types || []; } catch { /* the default type applies */ }
    const typeField = types.length ? [{ name: "incident_type", label: "Type", type: "select", id: "inc-type", value: "vulnerability", options: types.map((x) => [x.id, x.title]) }] : [];
    out.push(section("Into an incident", h("p", { class: "muted" }, "Opens an incident in the register; the finder's contact stays here."),
      form([...typeField, { name: "title", label: "Incident title", id: "inc-title" }, { name: "reason", label: "What is known so far", type: "textarea", id: "inc-summary" }], "Open an incident", async (v) => {
        await triage({ action: "incident", incident_type: v.incident_type, title: v.title, reason: v.reason });
      }, { id: "incident-form" })));
    const drafts = advisories.filter((a) => a.status === "draft").map((a) => [a.id, a.slug + ": " + a.title]);
    out.push(section("Into an advisory",
      drafts.length ? form([{ name: "advisory_id", label: "An advisory already drafted", type: "select", options: drafts, id: "adv-existing" }], "Link to this advisory", async (v) => {
        await triage({ action: "advisory", advisory_id: v.advisory_id });
      }, { id: "advisory-link-form" }) : null,
      h("h3", {}, "Or draft a new one"),
      form(advisoryFields({ title: r.title, credits: r.contact && r.contact.credit ? [r.contact.credit] : [] }).map((f) => ({ ...f, id: "adv-" + f.name })), "Draft the advisory", async (v) => {
        await triage({ action: "advisory", advisory: advisoryBody(v) });
      }, { id: "advisory-form" })));
  }
  return out;
}, { roles: roles.security, personal: true });

route("/staff/security/advisories/:id", async (ctx) => {
  const { advisories } = await api.get("/api/v1/staff/advisories");
  const a = advisories.find((x) => x.id === ctx.params.id);
  if (!a) return [h("h1", {}, "No such advisory"), h("p", {}, h("a", { href: "#/staff/security" }, "Back to the reports"))];
  const out = [h("p", { class: "crumbs" }, h("a", { href: "#/staff/security" }, "Reports"), " / ", a.slug), h("h1", {}, a.title)];
  if (a.status === "published") {
    out.push(h("p", { id: "advisory-state" }, "Published ", fmt.dateTime(a.published_at), ": ", h("a", { href: "/#/security/advisories/" + a.slug }, "its public page"), "."),
      section("Firmware", table([["Model", (r) => r.model], ["From", (r) => r.from || "—"], ["Fixed", (r) => r.fixed || "no fix yet"],
        ["Release", (r) => (r.release ? "published " + fmt.date(r.release.published_at) : "not released yet")]], a.firmware || [], { id: "advisory-firmware" })));
    return out;
  }
  const st = statusLine("publish-status");
  out.push(h("p", { id: "advisory-state" }, "Draft, not public yet."),
    section("Edit", form(advisoryFields(a), "Save", async (v, s) => {
      await api.put("/api/v1/staff/advisories/" + a.id, advisoryBody(v));
      s.ok("Saved.");
    }, { id: "edit-form" })),
    section("Publish", h("p", {}, "Once published it is on the public security page, and the firmware releases it names link to it."),
      h("div", { class: "actions" }, h("button", { type: "button", id: "publish", onclick: async () => {
        if (!(await confirm("Publish " + a.slug + " for everyone to read?", { yes: "Publish" }))) return;
        try { await api.post("/api/v1/staff/advisories/" + a.id + "/publish"); navigate(location.hash, { replace: true }); } catch (e) { st.error(e.message); }
      } }, "Publish")), st.node));
  return out;
}, { roles: roles.security, personal: true });
