// console/oversight.js: legal holds (security officer, DPO), the audit
// log's health (signed head, entries per hour, a full verification on
// demand) and the processors that handle data for vigil.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, navigate } from "../core/router.js";
import { form, section, table, empty } from "../core/ui.js";
import { roles } from "./nav.js";

route("/staff/holds", async () => {
  const { holds } = await api.get("/api/v1/staff/legal-holds");
  return [h("h1", {}, "Legal holds"),
    h("p", { class: "muted" }, "A hold keeps an owner's data past its retention while a legal matter needs it; it ends on its date or when lifted."),
    section("Holds", holds && holds.length ? table([["Owner", (x) => h("code", {}, x.owner_id)], ["Reason", (x) => x.reason], ["Until", (x) => fmt.date(x.until)],
      ["", (x) => h("button", { type: "button", class: "secondary", onclick: async () => { await api.del("/api/v1/staff/legal-holds/" + x.id); navigate(location.hash, { replace: true }); } }, "Lift")]],
    holds, { id: "holds" }) : empty("No hold is in place.")),
    section("Place a hold", form([{ name: "owner_id", label: "Account or person ID" }, { name: "reason", label: "Legal reference and reason", type: "textarea" },
      { name: "until", label: "Until", type: "date" }], "Place hold", async (v) => {
      await api.post("/api/v1/staff/legal-holds", { ...v, until: new Date(v.until + "T23:59:59Z").toISOString() });
      navigate(location.hash, { replace: true });
    }, { id: "hold-form" }))];
}, { roles: roles.holds, personal: true });

route("/staff/audit", async () => {
  const hl = await api.get("/api/v1/staff/audit/health");
  const lines = (hl.checkpoint || "").split("\n");
  const result = h("div", { id: "verify-result", role: "status" });
  const peak = Math.max(1, ...hl.per_hour.map((x) => x.entries));
  const busy = [...hl.per_hour].reverse().filter((x) => x.entries > 0);
  return [h("h1", {}, "Audit log"),
    h("p", { class: "muted" }, "Every access to personal data, by anyone, vendor staff included, is an entry of this hash-chained, signed log."),
    section("Signed head", h("dl", { class: "facts", id: "checkpoint" }, h("dt", {}, "Entries"), h("dd", { id: "audit-entries" }, hl.entries),
      h("dt", {}, "Checkpoint"), h("dd", {}, lines[0] ? lines[0] + ", size " + lines[1] : "none yet"), h("dt", {}, "Root hash"), h("dd", {}, h("code", {}, lines[2] || "—"))),
    h("div", { class: "actions" }, h("button", { type: "button", id: "verify-now", onclick: async (e) => {
      const b = e.currentTarget;
      b.disabled = true;
      result.replaceChildren(h("p", { class: "muted" }, "Checking every entry…"));
      try {
        const r = await api.post("/api/v1/staff/audit/verify");
        result.replaceChildren(h("p", { class: r.ok ? "verdict" : "verdict bad", id: "verify-verdict" }, r.ok ? "Intact: " : "NOT INTACT: ", r.report, " (", fmt.dateTime(r.checked_at), ")"));
      } catch (err) { result.replaceChildren(h("p", { class: "error" }, err.message)); } finally { b.disabled = false; }
    } }, "Verify the whole log now")), result),
    section("Entries per hour, last 24 hours", busy.length ? table([["Hour", (x) => fmt.dateTime(x.hour)], ["Entries", (x) => x.entries],
      ["", (x) => h("meter", { min: 0, max: peak, value: x.entries, "aria-label": x.entries + " entries" })]], busy, { id: "per-hour" }) : null,
    h("p", { class: "muted" }, busy.length ? "Hours without entries are left out." : "No entries in the last 24 hours."))];
}, { roles: roles.audit });

// Processors: who handles data for vigil (mail, SMS, support...), with the
// categories each receives and the dates of its agreement and assessment.
// A processor whose agreement or assessment lapsed receives nothing.
route("/staff/processors", async () => {
  const { processors } = await api.get("/api/v1/processors");
  const { categories } = await api.get("/api/v1/datamap");
  const day = (t) => fmt.day(t);
  const iso = (d, end) => new Date(d + (end ? "T23:59:59Z" : "T00:00:00Z")).toISOString();
  const specs = (p) => [{ name: "name", label: "Name", value: p && p.name }, { name: "service", label: "Service it provides", value: p && p.service },
    { name: "categories", label: "Data it receives (category IDs, comma-separated)", value: p ? p.categories.join(", ") : "",
      hint: "Known: " + categories.map((c) => c.id).join(", ") },
    { name: "agreement_signed_at", label: "Agreement signed", type: "date", value: p && day(p.agreement_signed_at) },
    { name: "agreement_expires_at", label: "Agreement ends", type: "date", value: p && day(p.agreement_expires_at) },
    { name: "assessed_at", label: "Last assessed", type: "date", value: p && day(p.assessed_at) },
    { name: "assessment_expires_at", label: "Assessment valid until", type: "date", value: p && day(p.assessment_expires_at) }];
  const body = (v) => ({ name: v.name, service: v.service, categories: v.categories.split(",").map((x) => x.trim()).filter(Boolean),
    agreement_signed_at: iso(v.agreement_signed_at), agreement_expires_at: iso(v.agreement_expires_at, true),
    assessed_at: iso(v.assessed_at), assessment_expires_at: iso(v.assessment_expires_at, true) });
  return [h("h1", {}, "Processors"),
    h("p", { class: "muted" }, "A processor receives only the categories listed, and nothing at all once its agreement or assessment has lapsed."),
    section("Registered", processors && processors.length ? table([["Processor", (p) => [h("strong", {}, p.name), h("br"), h("span", { class: "muted" }, p.service)]],
      ["Receives", (p) => p.categories.join(", ")], ["Agreement", (p) => fmt.date(p.agreement_signed_at) + " – " + fmt.date(p.agreement_expires_at)],
      ["Assessment", (p) => fmt.date(p.assessed_at) + " – " + fmt.date(p.assessment_expires_at)],
      ["State", (p) => p.current ? h("span", { class: "ok" }, "in force") : h("span", { class: "error" }, "lapsed: receives nothing")],
      ["", (p) => h("details", {}, h("summary", {}, "Renew or change"), form(specs(p), "Save", async (v) => {
        await api.put("/api/v1/staff/processors/" + p.id, body(v)); navigate(location.hash, { replace: true });
      }, { id: "processor-" + p.id })), "wide"]], processors, { id: "processors" }) : empty("No processor is registered.")),
    section("Register a processor", form(specs(null), "Register", async (v) => {
      await api.post("/api/v1/staff/processors", body(v)); navigate(location.hash, { replace: true });
    }, { id: "processor-form" }))];
}, { roles: roles.processors });
