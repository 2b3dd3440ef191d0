// pages/disclosure.js: vigil's public security pages, open without an
// account. #/security lists the published advisories and incident
// notices; an advisory names the firmware and app versions it affects and
// links the release that fixes it; a firmware release lists the
// advisories it fixes; #/security/report is the report form (attachments
// are sent with the report and sealed on arrival), #/security/report/follow
// shows a report's progress with its follow-up code, #/security/policy is
// the disclosure policy security.txt points to.
import { h, fmt } from "../core/dom.js";
import { api, ApiError } from "../core/api.js";
import { route, link } from "../core/router.js";
import { section, table, empty, statusLine } from "../core/ui.js";

const severityWords = { low: "Low", medium: "Medium", high: "High", critical: "Critical" };
const statusWords = {
  new: "Received: the security team has not triaged it yet.",
  rejected: "Closed: not a vulnerability, or out of scope.",
  duplicate: "Closed: already reported by someone else.",
  incident: "Confirmed: handled as a security incident.",
  advisory: "Confirmed: an advisory is (or will be) published.",
};

const severity = (s) => h("span", { class: "badge severity-" + s }, severityWords[s] || s);
const range = (r) => [r.from ? "from " + r.from : "every version", " up to ", r.fixed ? "before " + r.fixed : "the latest (no fix yet)"];

// incidents asks the incident register for its public notices; a server
// without it has none.
async function incidents() {
  try { return await api.get("/api/v1/public/incidents"); } catch (e) {
    if (e instanceof ApiError && e.status === 404) return [];
    throw e;
  }
}

route("/security", async () => {
  const [{ advisories }, notices] = await Promise.all([api.get("/api/v1/public/advisories"), incidents()]);
  const list = Array.isArray(notices) ? notices : notices.incidents || [];
  return [h("h1", {}, "Security at vigil"),
    h("p", {}, "Found a weakness in a vigil camera, recorder, app or service? ", h("a", { href: "#/security/report", id: "report-link" }, "Report it to our security team"),
      ". How we handle reports: ", h("a", { href: "#/security/policy" }, "our disclosure policy"), "."),
    section("Advisories", advisories.length ? h("ul", { class: "plain", id: "advisories" }, advisories.map((a) => h("li", {},
      h("a", { href: link(["security", "advisories", a.slug]) }, a.title), " ", severity(a.severity),
      h("br"), h("span", { class: "muted" }, "Published ", fmt.date(a.published_at), " · ", a.slug)))) : empty("No advisory has been published.")),
    section("Incident notices", list.length ? h("ul", { class: "plain", id: "incident-notices" }, list.map((n) => h("li", {},
      h("a", { href: link(["security", "incidents", n.slug]) }, n.title), h("br"),
      h("span", { class: "muted" }, fmt.date(n.published_at), n.summary ? " · " + n.summary : "")))) : empty("No public incident notice."))];
}, { public: true });

route("/security/advisories/:slug", async (ctx) => {
  const a = await api.get("/api/v1/public/advisories/" + encodeURIComponent(ctx.params.slug));
  a.firmware ||= []; a.apps ||= []; a.credits ||= [];
  return [h("p", { class: "crumbs" }, h("a", { href: "#/security" }, "Security"), " / ", a.slug),
    h("h1", {}, a.title), h("p", {}, severity(a.severity), a.cvss_vector ? [" ", h("code", { class: "wrap" }, a.cvss_vector)] : null,
      h("span", { class: "muted" }, " · published ", fmt.date(a.published_at))),
    section("What happened", h("p", { class: "prose", id: "advisory-summary" }, a.summary)),
    a.firmware.length ? section("Camera and recorder firmware", table([["Model", (r) => r.model], ["Affected", range],
      ["Fixed in", (r) => (r.release ? h("a", { href: link(["security", "firmware", r.release.id]), class: "fix-link" }, "firmware " + r.release.version, " (", fmt.date(r.release.published_at), ")")
        : r.fixed ? "firmware " + r.fixed + " (not released yet)" : "no fix yet")]], a.firmware, { id: "advisory-firmware" })) : null,
    a.apps.length ? section("Apps", table([["App", (r) => r.platform], ["Affected", range], ["Fixed in", (r) => r.fixed || "no fix yet"]], a.apps, { id: "advisory-apps" })) : null,
    a.credits.length ? section("Thanks", h("p", {}, "Reported by ", a.credits.join(", "), ".")) : null];
}, { public: true });

route("/security/firmware/:release", async (ctx) => {
  const r = await api.get("/api/v1/public/firmware/" + encodeURIComponent(ctx.params.release));
  return [h("p", { class: "crumbs" }, h("a", { href: "#/security" }, "Security"), " / firmware"),
    h("h1", {}, "Firmware ", r.version, " for ", r.model), h("p", { class: "muted" }, "Released ", fmt.date(r.published_at)),
    r.notes ? h("p", { class: "prose" }, r.notes) : null,
    section("Security fixes in this release", r.fixes.length ? h("ul", { class: "plain", id: "release-fixes" }, r.fixes.map((a) => h("li", {},
      h("a", { href: link(["security", "advisories", a.slug]) }, a.title), " ", severity(a.severity)))) : empty("This release fixes no published advisory."))];
}, { public: true });

route("/security/policy", async () => [h("h1", {}, "How we handle security reports"),
  section("Our promise", h("ul", {},
    h("li", {}, "Report through ", h("a", { href: "#/security/report" }, "the form"), " (no account needed, you may stay anonymous) or to the address in ", h("a", { href: "/.well-known/security.txt" }, "security.txt"), "."),
    h("li", {}, "Your report, your address and your files are stored encrypted; only our security officer opens them, and every opening is logged."),
    h("li", {}, "You get a report number and a follow-up code to see where your report stands."),
    h("li", {}, "We triage every report: we close it with a reason, mark it as already known, handle it as an incident, or fix it and publish an advisory naming the affected and fixed versions."),
    h("li", {}, "We credit you in the advisory if you ask to be, by the name you choose."),
    h("li", {}, "We will not take legal action against research done in good faith that respects people's privacy and stops at the proof."))),
  section("Please", h("ul", {},
    h("li", {}, "Do not access, change or keep other people's recordings or data; use your own devices and accounts."),
    h("li", {}, "Give us time to fix the problem before you publish it."),
    h("li", {}, "Send evidence as text, PDF, PNG, JPEG, JSON or ZIP; no executables.")))], { public: true });

// b64 reads a file as base64 (the report's JSON carries it).
function b64(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ""));
    r.onerror = () => reject(new Error("Could not read " + file.name));
    r.readAsDataURL(file);
  });
}

const types = { "text/plain": 1, "application/pdf": 1, "image/png": 1, "image/jpeg": 1, "application/json": 1, "application/zip": 1 };

route("/security/report", async () => {
  const status = statusLine("report-status");
  const receipt = h("div", { id: "report-receipt", tabindex: "-1" });
  const fld = (name, label, input, hint) => h("label", { for: "v-" + name }, label, hint ? h("span", { class: "hint", id: "v-" + name + "-hint" }, hint) : null, input);
  const input = (name, attrs = {}) => h("input", { id: "v-" + name, name, ...attrs });
  const files = h("input", { type: "file", id: "v-files", multiple: true, accept: Object.keys(types).join(","), "aria-describedby": "v-files-hint" });
  const button = h("button", { type: "submit" }, "Send report");
  const f = h("form", { id: "report-form" },
    fld("title", "What did you find? (a short title)", input("title", { required: true, minlength: 5, maxlength: 200 })),
    fld("product", "Which product?", input("product", { required: true, maxlength: 200, placeholder: "e.g. vc-100 camera, the web app" })),
    fld("versions", "Which versions? (optional)", input("versions", { maxlength: 200 })),
    fld("description", "Describe it: what an attacker can do, and how to reproduce it", h("textarea", { id: "v-description", name: "description", rows: 8, required: true, minlength: 20, maxlength: 20000 })),
    fld("files", "Evidence (optional)", files, "Up to 3 files of 2 MiB: text, PDF, PNG, JPEG, JSON or ZIP. They are encrypted when they arrive."),
    fld("email", "Your e-mail (optional)", input("email", { type: "email", autocomplete: "email", "aria-describedby": "v-email-hint" }), "Leave it out to stay anonymous; follow the report with its code instead."),
    fld("name", "Your name (optional)", input("name", { autocomplete: "name" })),
    fld("credit", "Credit you in the advisory as (optional)", input("credit")),
    h("div", { class: "actions" }, button), status.node);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.clear();
    button.disabled = true;
    try {
      const body = {};
      for (const k of ["title", "product", "versions", "description", "email", "name", "credit"]) { const v = f.elements[k].value.trim(); if (v) body[k] = v; }
      const picked = [...files.files];
      if (picked.length > 3) throw new Error("Attach at most 3 files.");
      body.attachments = [];
      for (const fl of picked) {
        if (!types[fl.type]) throw new Error(fl.name + ": send text, PDF, PNG, JPEG, JSON or ZIP files.");
        if (fl.size > 2 << 20) throw new Error(fl.name + " is larger than 2 MiB.");
        body.attachments.push({ name: fl.name, content_type: fl.type, data: await b64(fl) });
      }
      const r = await api.post("/api/v1/public/vulnerability-reports", body);
      f.hidden = true;
      receipt.replaceChildren(h("h2", {}, "Thank you: report received"),
        h("dl", { class: "facts" }, h("dt", {}, "Report number"), h("dd", { id: "receipt-id" }, r.id),
          h("dt", {}, "Follow-up code"), h("dd", {}, h("code", { id: "receipt-code", class: "wrap" }, r.follow_up_code))),
        h("p", {}, "Keep the code: it is shown only now, and it is how you see where your report stands. ",
          h("a", { href: link(["security", "report", "follow"], { id: r.id }), id: "follow-link" }, "Follow this report"), "."));
      receipt.focus();
    } catch (e) { status.error(e.message); } finally { button.disabled = false; }
  });
  return [h("h1", {}, "Report a security weakness"),
    h("p", {}, "Tell our security team about a vulnerability in a vigil device, app or service. Please read ", h("a", { href: "#/security/policy" }, "how we handle reports"), " first."),
    h("p", {}, "Reported already? ", h("a", { href: "#/security/report/follow" }, "Follow your report with its code"), "."),
    section("Your report", f, receipt)];
}, { public: true });

route("/security/report/follow", async (ctx) => {
  const out = h("div", { id: "follow-result" });
  const id = h("input", { id: "f-report-id", value: ctx.query.get("id") || "", autocomplete: "off", required: true });
  const code = h("input", { id: "f-follow-code", type: "password", autocomplete: "off", required: true });
  const status = statusLine();
  const f = h("form", { id: "follow-report-form" }, h("label", { for: "f-report-id" }, "Report number", id), h("label", { for: "f-follow-code" }, "Follow-up code", code),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Show")), status.node);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.clear();
    try {
      const r = await api.get("/api/v1/public/vulnerability-reports/" + encodeURIComponent(id.value.trim()), { headers: { "X-Follow-Up-Code": code.value.trim() } });
      out.replaceChildren(h("dl", { class: "facts" }, h("dt", {}, "Sent"), h("dd", {}, fmt.dateTime(r.submitted_at)),
        h("dt", {}, "Where it stands"), h("dd", { id: "follow-status" }, statusWords[r.status] || r.status),
        r.note ? [h("dt", {}, "From the security team"), h("dd", { id: "follow-note" }, r.note)] : null,
        r.advisory ? [h("dt", {}, "Advisory"), h("dd", {}, h("a", { href: link(["security", "advisories", r.advisory]) }, r.advisory))] : null));
    } catch (e) { status.error(e.message); }
  });
  return [h("h1", {}, "Follow your report"), h("p", {}, "Enter the report number and the follow-up code you were given when you sent it."), f, out];
}, { public: true });
