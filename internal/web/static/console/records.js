// console/records.js: vigil's accountability records in the console. The
// disclosure ledger across accounts (security officer, DPO), filtered by
// kind, processor or authority and exported as CSV; retention runs with
// the audit entries that prove each purge, and a sweep run by hand
// (security officer, DPO); k-anonymous statistics (DPO), where a group
// under k people is never shown; app versions with the minimum supported
// one (operator administrator).
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, navigate, link } from "../core/router.js";
import { form, section, table, statusLine, empty } from "../core/ui.js";
import { roles } from "./nav.js";

const kinds = [["", "every kind"], ["processor", "to processors"], ["legal", "on legal grounds"], ["share", "shared by customers"], ["transfer", "account transfers"]];

route("/staff/disclosures", async (ctx) => {
  const q = { kind: ctx.query.get("kind") || "", processor: ctx.query.get("processor") || "", authority: ctx.query.get("authority") || "" };
  const params = new URLSearchParams(Object.entries(q).filter(([, v]) => v));
  const [{ disclosures }, { processors }] = await Promise.all([api.get("/api/v1/staff/disclosures?limit=500&" + params), api.get("/api/v1/processors")]);
  const names = Object.fromEntries((processors || []).map((p) => [p.id, p.name]));
  const csv = new URLSearchParams(params); csv.set("format", "csv");
  const filter = h("form", { class: "toolbar", id: "ledger-filter", role: "search", onsubmit: (e) => {
    e.preventDefault();
    const f = e.currentTarget;
    navigate(link(["staff", "disclosures"], Object.fromEntries([["kind", f.kind.value], ["processor", f.processor.value], ["authority", f.authority.value.trim()]].filter(([, v]) => v))));
  } },
  h("label", { for: "f-kind" }, "Kind", h("select", { id: "f-kind", name: "kind" }, kinds.map(([v, t]) => h("option", { value: v, selected: v === q.kind }, t)))),
  h("label", { for: "f-processor" }, "Processor", h("select", { id: "f-processor", name: "processor" }, h("option", { value: "" }, "any"),
    (processors || []).map((p) => h("option", { value: p.id, selected: p.id === q.processor }, p.name)))),
  h("label", { for: "f-authority" }, "Authority", h("input", { id: "f-authority", name: "authority", value: q.authority, autocomplete: "off" })),
  h("button", { type: "submit" }, "Filter"));
  return [h("h1", {}, "Disclosure ledger"),
    h("p", { class: "muted" }, "Every time data left vigil: to a processor, to someone a customer shared with, to an authority, in a transfer. People read their own entries in their app; an entry on legal grounds stays hidden from them only while its hold runs."),
    section("Filter", filter, h("p", {}, h("a", { href: "/api/v1/staff/disclosures?" + csv, download: "vigil-disclosures.csv", id: "ledger-export" }, "Export these entries as CSV"))),
    section("Entries", disclosures.length ? table([["When", (d) => fmt.dateTime(d.disclosed_at)], ["Kind", (d) => d.kind],
      ["To", (d) => (d.processor_id ? names[d.processor_id] || d.recipient : d.recipient)], ["Reference", (d) => d.reference || "—"],
      ["Data", (d) => d.categories.join(", ")], ["Account", (d) => h("code", {}, d.account_id)],
      ["Hidden until", (d) => (d.hold_until ? fmt.date(d.hold_until) : "—")]], disclosures, { id: "ledger" }) : empty("No entry matches.")),
    section("Record a request from an authority", h("p", { class: "muted" }, "An authority's order or a dispute: the legal reference, what was handed over, and until when the people concerned may not be told (the law's own limit)."),
      form([{ name: "account", label: "Customer account reference" }, { name: "subject_id", label: "Person concerned (user ID, optional)" },
        { name: "authority", label: "Authority" }, { name: "reference", label: "Legal reference" }, { name: "scope", label: "What was handed over", type: "textarea" },
        { name: "categories", label: "Data categories (comma-separated)", hint: "For example account.session, media.segment." },
        { name: "hold_until", label: "Keep from the people concerned until (optional)", type: "date" }], "Record", async (v) => {
        const body = { authority: v.authority.trim(), reference: v.reference.trim(), scope: v.scope.trim(), categories: v.categories.split(",").map((x) => x.trim()).filter(Boolean) };
        if (v.subject_id.trim()) body.subject_id = v.subject_id.trim();
        if (v.hold_until) body.hold_until = new Date(v.hold_until + "T23:59:59Z").toISOString();
        await api.post(`/api/v1/staff/accounts/${encodeURIComponent(v.account.trim())}/legal-requests`, body);
        navigate(location.hash, { replace: true });
      }, { id: "legal-form" }))];
}, { roles: roles.disclosures, personal: true });

route("/staff/retention", async () => {
  const runs = (await api.get("/api/v1/staff/retention/runs?limit=50")).runs || []; // none yet: null
  const st = statusLine("retention-status");
  const go = (dry) => async (e) => {
    const b = e.currentTarget;
    b.disabled = true;
    try {
      const r = await api.post("/api/v1/staff/retention/runs", { dry_run: dry });
      st.ok((dry ? "Dry run: " : "Swept: ") + r.categories.reduce((n, c) => n + (dry ? c.owners : c.purged), 0) + (dry ? " owners' data has expired." : " records purged."));
      setTimeout(() => navigate(location.hash, { replace: true }), 600);
    } catch (err) { st.error(err.message); } finally { b.disabled = false; }
  };
  const proof = (r) => {
    const seqs = r.categories.flatMap((c) => c.audit_seqs || []);
    return seqs.length ? h("details", {}, h("summary", {}, seqs.length + " audit entries"), h("p", { class: "seqs" }, seqs.map((s) => "#" + s).join(" "))) : "—";
  };
  const done = (r) => r.categories.filter((c) => c.purged || c.owners || c.held)
    .map((c) => c.category + ": " + (r.dry_run ? c.owners + " expired" : c.purged + " purged") + (c.held ? ", " + c.held + " held" : "")).join("; ") || "nothing due";
  return [h("h1", {}, "Retention"),
    h("p", { class: "muted" }, "Each sweep deletes what has passed its category's retention period, except data under a legal hold. Every purge is an entry of the signed audit log: its number is the proof, checkable against the log's checkpoint."),
    section("Run a sweep now", h("p", {}, "Sweeps run every hour by themselves. A dry run only counts what has expired."),
      h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", id: "retention-dry", onclick: go(true) }, "Dry run"),
        h("button", { type: "button", id: "retention-run", onclick: go(false) }, "Sweep now")), st.node),
    section("Runs", runs.length ? table([["Started", (r) => fmt.dateTime(r.started_at)], ["How", (r) => r.trigger + (r.dry_run ? " (dry run)" : "")],
      ["Outcome", (r) => (r.error ? h("span", { class: "error" }, r.error) : done(r))], ["Proof", proof]], runs, { id: "runs" }) : empty("No sweep has run yet."))];
}, { roles: roles.retention });

route("/staff/statistics", async () => {
  const st = await api.get("/api/v1/staff/statistics");
  const roleWords = { "": "everyone", owner: "owners", admin: "administrators", member: "members", guest: "guests" };
  return [h("h1", {}, "Statistics"),
    h("p", { class: "muted", id: "k-note" }, "People and accounts per region and role, from pseudonymised memberships. A group of fewer than ", h("strong", {}, st.min_group),
      " people is never shown, nor its size, so that nobody can be picked out."),
    section("Groups", st.groups && st.groups.length ? table([["Region", (g) => g.region], ["Role", (g) => roleWords[g.role] ?? g.role], ["People", (g) => g.people], ["Accounts", (g) => g.accounts]],
      st.groups, { id: "stats" }) : empty("No group is large enough to show."),
    h("p", { id: "suppressed" }, st.suppressed_groups, " smaller group(s) withheld."))];
}, { roles: roles.statistics, personal: true });

const platforms = [["ios", "iOS"], ["android", "Android"], ["web", "Web"], ["desktop", "Desktop"]];
route("/staff/app-versions", async () => {
  const { releases } = await api.get("/api/v1/staff/app-releases");
  return [h("h1", {}, "App versions"),
    h("p", { class: "muted" }, "Apps older than the minimum must update before they work; older than the latest are told an update is available."),
    section("Current", releases.length ? table([["Platform", (r) => r.platform], ["Latest", (r) => r.latest], ["Minimum supported", (r) => r.minimum],
      ["Notes", (r) => r.notes || "—"], ["Changed", (r) => fmt.dateTime(r.updated_at)]], releases, { id: "app-releases" }) : empty("No app version is set yet: every app is treated as current.")),
    section("Set a platform's versions", form([{ name: "platform", label: "Platform", type: "select", options: platforms },
      { name: "latest", label: "Latest version", hint: "A semantic version such as 3.2.0." }, { name: "minimum", label: "Minimum supported version" },
      { name: "notes", label: "What changed (shown to people asked to update)", type: "textarea" }], "Save", async (v) => {
      await api.put("/api/v1/staff/app-releases/" + v.platform, { latest: v.latest.trim(), minimum: v.minimum.trim(), notes: v.notes });
      navigate(location.hash, { replace: true });
    }, { id: "app-form" }))];
}, { roles: roles.registry });
