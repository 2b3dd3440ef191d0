// console/requests.js: the data-protection officer's queue of
// data-subject requests, earliest deadline first with the time left, and
// one request: the requester's documents, verification, one extension
// with its reason, granting, and a refusal on an enumerated ground whose
// letter the officer reads before it is sent.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, navigate } from "../core/router.js";
import { form, section, table, statusLine, empty, confirm } from "../core/ui.js";
import { roles } from "./nav.js";
import { now } from "./session.js";

const deadline = (r) => r.extended_due_at || r.due_at;
const kinds = { access: "Copy of data", portability: "Portable copy", correction: "Correction", deletion: "Deletion" };
const statuses = { awaiting_email: "Waiting for the requester's e-mail", awaiting_review: "Documents to review", open: "Open", closed: "Answered" };

// timeLeft says how long until the deadline, flagged when under a week.
function timeLeft(r) {
  const ms = new Date(deadline(r)) - now();
  const days = Math.floor(ms / 86400000);
  if (ms < 0) return h("span", { class: "due-soon" }, "overdue by ", -days, " day(s)");
  const text = days >= 1 ? days + " day(s) left" : Math.max(1, Math.floor(ms / 3600000)) + " hour(s) left";
  return h("span", { class: days < 7 ? "due-soon" : "due-ok" }, text);
}

function scopeText(s) {
  return [(s.categories || []).join(", "), s.devices && s.devices.length ? "devices " + s.devices.join(", ") : "",
    s.from || s.to ? "from " + (fmt.date(s.from) || "the start") + " to " + (fmt.date(s.to) || "now") : ""].filter(Boolean).join("; ");
}

route("/staff/requests", async () => {
  const { requests } = await api.get("/api/v1/staff/privacy-requests?limit=200");
  return [h("h1", {}, "Data-subject requests"),
    h("p", { class: "muted" }, "Open requests, earliest deadline first. A deadline can be extended once, with the reason told to the requester before it passes."),
    requests.length ? table([["Deadline", (r) => [fmt.date(deadline(r)), r.extended_due_at ? " (extended)" : ""]], ["Time left", timeLeft],
      ["Request", (r) => h("a", { href: "#/staff/requests/" + r.id, class: "req-link" }, kinds[r.kind] || r.kind)],
      ["Status", (r) => statuses[r.status] || r.status], ["Region", (r) => r.region], ["Filed", (r) => fmt.date(r.submitted_at)]],
    requests, { id: "queue" }) : empty("No open request. Everything is answered.")];
}, { roles: roles.requests, personal: true });

// faceSearch is the officer's part of a filmed person's selfie search
// (find footage of me): run it once the identity is verified, then
// confirm the events to ask the camera owners about. Cameras, times and
// similarity only: never a face.
async function faceSearch(r, base, reload) {
  if (r.requester_kind !== "person") return [];
  const fs = await api.get(base + "/face-search");
  if (!fs.asked) return [];
  const st = statusLine("face-search-status");
  const hitState = { found: "found: confirm to ask the owner", asked: "waiting for the camera owner", released: "released by the owner", refused: "kept back by the owner" };
  const body = [h("p", { class: "muted" }, "The requester consented on ", fmt.dateTime(fs.consented_at),
    " to a search with their selfie. Check their identity document before running it: a selfie of someone else would find that person.")];
  if (r.status === "open" && !fs.hits.some((x) => x.state !== "found")) {
    body.push(h("div", { class: "actions" }, h("button", { type: "button", id: "face-search-run", class: fs.searched_at ? "secondary" : "", onclick: async () => {
      try { await api.post(base + "/face-search/run"); reload(); } catch (e) { st.error(e.message); }
    } }, fs.searched_at ? "Run the search again" : "Run the search")));
  }
  if (fs.searched_at) {
    body.push(h("p", {}, "Searched ", fmt.dateTime(fs.searched_at), ": ", fs.snapshots_searched, " event pictures, ", fs.hits.length, " with the requester."),
      (fs.skipped || []).length ? h("ul", { class: "muted" }, fs.skipped.map((x) => h("li", {}, x))) : null);
    const found = fs.hits.filter((x) => x.state === "found");
    const boxes = {};
    if (fs.hits.length) {
      body.push(table([
        ["Camera", (x) => x.device_id],
        ["When", (x) => fmt.dateTime(x.at)],
        ["Similarity", (x) => x.score.toFixed(3)],
        ["State", (x) => [hitState[x.state] || x.state, x.reason ? ": " + x.reason : ""]],
        ["Ask the owner", (x) => (x.state === "found" ? (boxes[x.id] = h("input", { type: "checkbox", id: "hit-" + x.id, "aria-label": "Ask the owner about the event at " + fmt.dateTime(x.at), checked: true })) : "")],
      ], fs.hits, { id: "face-hits" }));
    }
    if (found.length && r.status === "open") {
      body.push(h("div", { class: "actions" }, h("button", { type: "button", id: "face-search-forward", onclick: async () => {
        const ids = found.filter((x) => boxes[x.id].checked).map((x) => x.id);
        if (!(await confirm("Ask the camera owners about " + ids.length + " event(s)? The others are dropped.", { yes: "Ask the owners" }))) return;
        try { await api.post(base + "/face-search/forward", { hit_ids: ids }); reload(); } catch (e) { st.error(e.message); }
      } }, "Ask the camera owners")));
    }
  }
  body.push(st.node);
  return [section("Search with the requester's selfie", ...body)];
}

route("/staff/requests/:id", async (ctx) => {
  const id = ctx.params.id;
  const base = "/api/v1/staff/privacy-requests/" + id;
  const [r, { grounds }] = await Promise.all([api.get(base), api.get("/api/v1/staff/denial-grounds")]);
  const reload = () => navigate(location.hash, { replace: true });
  const out = [h("p", { class: "crumbs" }, h("a", { href: "#/staff/requests" }, "Requests"), " / ", r.id),
    h("h1", {}, kinds[r.kind] || r.kind, ": ", r.contact ? r.contact.name : "a requester"),
    section("The request", h("dl", { class: "facts", id: "request-facts" },
      h("dt", {}, "Status"), h("dd", { id: "req-status" }, statuses[r.status] || r.status, r.outcome ? " (" + r.outcome.replaceAll("_", " ") + ")" : ""),
      h("dt", {}, "Deadline"), h("dd", {}, fmt.date(deadline(r)), " · ", r.status !== "closed" ? timeLeft(r) : "answered " + fmt.date(r.decided_at)),
      r.extension_reason ? [h("dt", {}, "Extended because"), h("dd", { id: "ext-reason" }, r.extension_reason)] : null,
      h("dt", {}, "Requester"), h("dd", {}, r.contact ? [r.contact.name, " <", r.contact.email, ">", r.contact.on_behalf_of ? ", for " + r.contact.on_behalf_of : ""] : r.requester_kind),
      h("dt", {}, "Region"), h("dd", {}, r.region),
      h("dt", {}, "Covers"), h("dd", {}, scopeText(r.scope) || "everything"),
      r.details && r.details.description ? [h("dt", {}, "In their words"), h("dd", {}, r.details.description)] : null,
      h("dt", {}, "Verified"), h("dd", {}, r.verified_at ? fmt.dateTime(r.verified_at) : "not yet")))];

  if (r.documents && r.documents.length) {
    out.push(section("Identity documents", h("p", { class: "muted" }, "Opening a document is recorded in the requester's log."),
      table([["Kind", (d) => d.kind], ["File", (d) => h("a", { href: base + "/documents/" + d.id, target: "_blank", rel: "noopener" }, d.content_type + ", " + Math.ceil(d.size / 1024) + " KiB")],
        ["Sent", (d) => fmt.dateTime(d.created_at)]], r.documents, { id: "documents" })));
  }
  if (r.status === "awaiting_review") {
    out.push(section("Verify identity", h("div", { class: "actions" }, h("button", { type: "button", id: "verify", onclick: async () => {
      await api.post(base + "/verify", { accept: true }); reload();
    } }, "Documents prove identity")),
    form([{ name: "note", label: "Or refuse: why the documents do not prove identity or authority", type: "textarea" }], "Refuse as unverified", async (v) => {
      await api.post(base + "/verify", { accept: false, note: v.note }); reload();
    }, { id: "refuse-verify" })));
  }
  if (r.status === "open" || r.status === "awaiting_review") {
    if (!r.extended_due_at) {
      const later = new Date(r.due_at); later.setMonth(later.getMonth() + 2); later.setDate(later.getDate() - 1);
      out.push(section("Extend the deadline (once)", h("p", { class: "muted" }, "The requester is e-mailed the reason at once; the extension is refused if they cannot be told."),
        form([{ name: "reason", label: "Reason, as the requester will read it", type: "textarea" },
          { name: "until", label: "New deadline", type: "date", value: fmt.day(later) }], "Extend", async (v) => {
          await api.post(base + "/extend", { reason: v.reason, until: new Date(v.until + "T12:00:00Z").toISOString() }); reload();
        }, { id: "extend-form" })));
    }
    if (r.status === "open" && (r.kind === "access" || r.kind === "portability")) {
      const cats = (r.scope.categories || []).map((c) => [c, c]);
      out.push(section("Withhold a privileged record", h("p", { class: "muted" }, "Confidential opinions and legally privileged files are left out of the answer and listed as withheld, by number."),
        form([{ name: "category", label: "Category", type: "select", options: cats }, { name: "record_id", label: "Record ID" },
          { name: "marking", label: "Marking", type: "select", options: [["privileged", "legally privileged"], ["confidential", "confidential opinion"]] }], "Withhold", async (v, st) => {
          await api.post("/api/v1/staff/privacy-exclusions", { ...v, subject_id: r.requester_id });
          st.ok("Withheld from the answer: " + v.category + " " + v.record_id + ".");
        }, { id: "exclude-form" })));
    }
    out.push(...await faceSearch(r, base, reload));
    if (r.status === "open") {
      const gs = statusLine("grant-status");
      out.push(section("Grant", h("p", {}, "vigil gathers the data the request covers and sends the requester the answer; a repeated request for data unchanged since an earlier answer is answered by reference to it."),
        h("div", { class: "actions" }, h("button", { type: "button", id: "grant", onclick: async () => {
          if (!(await confirm("Grant this request?", { yes: "Grant" }))) return;
          try { await api.post(base + "/grant"); reload(); } catch (e) { gs.error(e.message); }
        } }, "Grant")), gs.node));
    }
    const letter = h("pre", { class: "letter", id: "letter-preview", hidden: true, tabindex: 0 });
    const sendBox = h("div", { class: "actions", hidden: true });
    let last = null;
    out.push(section("Refuse", h("p", { class: "muted" }, "Only on one of these grounds, always with a formal letter. Read the letter before sending it."),
      form([{ name: "reason", label: "Ground", type: "select", options: grounds.map((g) => [g.reason, g.text]) },
        { name: "explanation", label: "Explanation (the heart of the letter)", type: "textarea", hint: "20 to 4000 characters." }], "Preview the letter", async (v) => {
        const p = await api.post(base + "/deny-preview", v);
        last = v;
        letter.textContent = p.letter; letter.hidden = false; sendBox.hidden = false;
      }, { id: "deny-form" }), letter,
      h("div", {}, sendBox)));
    const ds = statusLine("deny-status");
    sendBox.append(h("button", { type: "button", class: "danger", id: "send-refusal", onclick: async () => {
      try { await api.post(base + "/deny", last); reload(); } catch (e) { ds.error(e.message); }
    } }, "Send this refusal"), ds.node);
  }
  if (r.letter) out.push(section("What was sent", h("p", { class: "muted" }, "Sent ", fmt.dateTime(r.decided_at), " to ", r.contact ? r.contact.email : "the requester", "."),
    h("pre", { class: "letter", id: "sent-letter", tabindex: 0 }, r.letter)));
  return out;
}, { roles: roles.requests, personal: true });
