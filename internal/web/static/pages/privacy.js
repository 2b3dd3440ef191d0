// pages/privacy.js: the privacy centre. What vigil keeps (the data map in
// words, public), who looked at the person's data (the access log, each
// entry's inclusion proof and the checkpoint's signature checked in this
// browser, the last checkpoint remembered to catch a log rolled back),
// staff access grants, the disclosure ledger, consents and notices, and
// requests about one's data (file, follow, download) for people with or
// without an account.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, link, navigate } from "../core/router.js";
import { section, table, statusLine, chips, empty, confirm } from "../core/ui.js";
import { verifyPage } from "../core/logverify.js";
import { me, accounts } from "../app/session.js";
import { datamap, titles, basis, erasure, exportFormat, retention } from "../app/datamap.js";
import { action, actor } from "../app/words.js";

route("/privacy", async () => {
  const cats = await datamap();
  const who = await me().catch(() => null);
  return [h("h1", {}, "What vigil keeps about you"),
    h("section", { class: "card verdict", "aria-label": "In short" }, h("h2", {}, "In short"),
      h("ul", { class: "plain" },
        h("li", {}, "vigil keeps only what is listed below, each kind for a stated time, then deletes it on schedule. A device sending more has the extra dropped on arrival."),
        h("li", {}, "vigil's staff do not see your video, snapshots or faces unless you give them access for a while, and you can see every time they use it."),
        h("li", {}, "Every look at your data, by anyone, is written in a log your browser can check for tampering."),
        h("li", {}, "You can ask for a copy of everything, have it corrected, or have it deleted, without citing any law."))),
    h("p", {}, "Everything vigil stores about a person, grouped by kind. ",
      who ? h("a", { href: "#/privacy-centre" }, "See who looked at your data") : h("a", { href: "#/ask" }, "Ask what vigil holds about you"), "."),
    h("div", { class: "datamap", id: "datamap" }, cats.filter((c) => !c.id.startsWith("staff.")).map((c) => h("section", { class: "card", "data-category": c.id, "aria-label": c.title },
      h("h2", {}, c.title),
      h("p", {}, c.description),
      h("dl", { class: "facts" },
        h("dt", {}, "Kept for"), h("dd", {}, retention(c.retention)),
        h("dt", {}, "Used to"), h("dd", {}, (c.purposes || []).map((p) => p.title).join("; "))),
      h("details", {}, h("summary", {}, "What exactly, on what ground, how it is deleted"),
        h("dl", { class: "facts" },
          h("dt", {}, "What"), h("dd", {}, h("ul", { class: "plain" }, (c.fields || []).map((f) => h("li", {}, f.description || f.name, f.encrypted ? " (encrypted)" : "")))),
          h("dt", {}, "Ground"), h("dd", {}, basis[c.legal_basis] || c.legal_basis),
          h("dt", {}, "Deleted by"), h("dd", {}, erasure[c.erasure] || c.erasure),
          h("dt", {}, "Your copy"), h("dd", {}, exportFormat[c.export] || c.export))))))];
}, { public: true });

// The access log, filtered by who acted, with the browser's checks.
const who = { all: () => true, me: (e, id) => e.actor_id === id, others: (e, id) => e.actor_kind === "user" && e.actor_id !== id,
  staff: (e) => e.actor_kind === "staff", vigil: (e) => e.actor_kind === "system" || e.actor_kind === "device" || e.actor_kind === "processor",
  anonymous: (e) => e.actor_kind === "anonymous" };

async function accessLog(path, key, selfID, id) {
  const t = await titles();
  const holder = h("div", { id: id + "-box" });
  let entries = [], next = 0, filter = "all", verdicts = [], limit = 20;
  const more = h("button", { type: "button", class: "secondary", id: id + "-more", hidden: true, onclick: async () => {
    limit += 20;
    if (entries.length < limit && next) await load(); else draw();
  } }, "Show more");
  const verdict = h("p", { class: "verdict", id: id === "access-log" ? "checkpoint-status" : id + "-status", role: "status" });
  // The API pages the log oldest first: read up to 500 entries at a time,
  // then show them newest first.
  async function load() {
    let v;
    for (let i = 0; i < 5; i++) {
      const page = await api.get(path + "?limit=100" + (next ? "&after=" + next : ""));
      v = await verifyPage(page, key);
      verdicts.push(v);
      for (const e of page.entries) entries.push({ ...e, proved: v.entries[e.seq] });
      next = page.next_after || 0;
      if (!next) break;
    }
    const bad = verdicts.some((x) => x.signed === false || x.rolledBack) || entries.some((e) => !e.proved);
    const sig = v.signed === true ? "signature verified" : v.signed === null ? "signature not checked (this browser lacks Ed25519)" : "SIGNATURE INVALID";
    verdict.className = "verdict" + (bad ? " bad" : "");
    verdict.textContent = (bad ? "Warning: " : "") + "Checked in your browser against the log's checkpoint of " + v.size + " entries: " + sig +
      (v.history === "rolled back" ? "; THE LOG IS SHORTER than the " + v.seen + " entries this browser saw before (rolled back)" : "") +
      (v.history === "forked" ? "; THE LOG WAS REWRITTEN since this browser saw its first " + v.seen + " entries" : "") +
      (v.history === "extends" ? "; it extends the " + v.seen + " entries this browser saw before (proved)" : "") +
      "; " + entries.filter((e) => e.proved).length + " of " + entries.length + " entries proved to be in it.";
    draw();
  }
  function draw() {
    const all = entries.filter((e) => who[filter](e, selfID)).reverse(); // newest first
    const shown = all.slice(0, limit);
    more.hidden = all.length <= limit && !next;
    holder.replaceChildren(shown.length ? table([
      ["When", (e) => fmt.dateTime(e.time)],
      ["Who", (e) => (e.actor_id === selfID ? "you" : actor(e.actor_kind, e.actor_role))],
      ["Did", (e) => action(e.action)],
      ["What", (e) => t.category(e.category)],
      ["Why", (e) => t.purpose(e.purpose)],
      ["Allowed", (e) => (e.decision === "deny" ? "refused" : "yes"), (e) => (e.decision === "deny" ? "deny" : "")],
      ["In the log", (e) => (e.proved ? "proved" : "PROOF FAILS"), (e) => (e.proved ? "ok proof" : "error proof")],
    ], shown, { id }) : empty("No entries of this kind."));
  }
  await load();
  return [verdict, chips([{ id: "all", text: "Everyone" }, { id: "me", text: "You" }, { id: "others", text: "Other people" }, { id: "staff", text: "vigil staff" }, { id: "vigil", text: "vigil itself" }, { id: "anonymous", text: "Not signed in" }],
    "all", (f) => { filter = f; draw(); }, { label: "Whose actions", id: id + "-filter" }), holder, more];
}

// grantForm entrusts vigil staff of one role with chosen data for a
// limited time, for a support ticket.
function grantForm(accountID, t) {
  const status = statusLine();
  const roleSel = h("select", { id: "grant-role-" + accountID }, [["support_l1", "first-line support"], ["support_l2", "second-line support"], ["security", "the security team"], ["dpo", "the data-protection officer"]].map(([v, x]) => h("option", { value: v }, x)));
  const cats = [["device.info", "Your devices"], ["device.config", "Device settings"], ["media.segment", "Recorded and live video"], ["alarm.event", "Alarms"], ["media.snapshot", "Alarm snapshots"]];
  const boxes = h("fieldset", {}, h("legend", {}, "What they may see"), cats.map(([v, x]) => h("label", { class: "check", for: "grant-" + accountID + "-" + v }, h("input", { type: "checkbox", id: "grant-" + accountID + "-" + v, value: v }), " ", t.category(v) || x)));
  const hours = h("select", { id: "grant-hours-" + accountID }, [[1, "1 hour"], [24, "1 day"], [72, "3 days"], [168, "7 days"]].map(([v, x]) => h("option", { value: v }, x)));
  const ticket = h("input", { id: "grant-ticket-" + accountID, maxlength: 100 });
  const reason = h("textarea", { id: "grant-reason-" + accountID, rows: 2, maxlength: 1000 });
  const f = h("form", { id: "grant-form-" + accountID }, h("label", { for: roleSel.id }, "Who", roleSel), boxes, h("label", { for: hours.id }, "For", hours),
    h("label", { for: ticket.id }, "Support ticket number", ticket), h("label", { for: reason.id }, "What they should look into", reason),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Give access")), status.node);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.clear();
    try {
      const categories = [...boxes.querySelectorAll("input:checked")].map((i) => i.value);
      await api.post(`/api/v1/accounts/${accountID}/grants`, { staff_role: roleSel.value, categories, until: new Date(Date.now() + Number(hours.value) * 3600000).toISOString(), ticket: ticket.value.trim(), reason: reason.value.trim() });
      status.ok("Access given. It ends by itself; withdraw it above at any time.");
    } catch (e) { status.error(e.message); }
  });
  return f;
}

// grantRequests lists what vigil support asked this account for: a
// pending request is approved as asked or for less data and a shorter
// time, or declined; nothing opens before it is approved.
const askHours = [[1, "1 hour"], [4, "4 hours"], [24, "1 day"], [72, "3 days"], [168, "7 days"], [720, "30 days"]];
function grantRequests(accountID, requests, t) {
  const pending = requests.filter((r) => r.status === "pending");
  const decided = requests.filter((r) => r.status !== "pending").slice(0, 10);
  const box = h("div", { id: "grant-requests-" + accountID });
  for (const r of pending) {
    const status = statusLine();
    const boxes = r.categories.map((c) => {
      const i = h("input", { type: "checkbox", id: "gr-" + r.id + "-" + c, value: c });
      i.checked = true;
      return h("label", { class: "check", for: i.id }, i, " ", t.category(c) || c);
    });
    const hours = h("select", { id: "gr-hours-" + r.id }, askHours.filter(([v]) => v <= r.hours).concat(askHours.some(([v]) => v === r.hours) ? [] : [[r.hours, r.hours + " hours"]])
      .sort((a, b) => a[0] - b[0]).map(([v, x]) => h("option", { value: v, selected: v === r.hours }, x)));
    const card = h("div", { class: "card grant-request", id: "grant-request-" + r.id },
      h("p", {}, h("strong", {}, "vigil support asks to see your data"), " for ticket ", h("strong", {}, r.ticket), ", asked ", fmt.dateTime(r.requested_at), "."),
      h("p", {}, "Why: ", r.reason),
      h("fieldset", {}, h("legend", {}, "They may see (untick what they should not)"), boxes),
      h("label", { for: hours.id }, "For at most", hours),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "approve-request", onclick: async () => {
          const categories = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
          if (!categories.length) { status.error("Tick at least one kind of data, or decline."); return; }
          try {
            const g = await api.post(`/api/v1/accounts/${accountID}/grant-requests/${r.id}/approve`, { categories, hours: Number(hours.value) });
            card.replaceChildren(h("p", { class: "ok" }, "Allowed until " + fmt.dateTime(g.until) + ". You see each use below and can withdraw it at any time."));
            setTimeout(() => navigate(location.hash, { replace: true }), 800);
          } catch (e) { status.error(e.message); }
        } }, "Allow"),
        h("button", { type: "button", class: "secondary decline-request", onclick: async () => {
          try { await api.post(`/api/v1/accounts/${accountID}/grant-requests/${r.id}/decline`); card.replaceChildren(h("p", {}, "Declined. Support sees nothing.")); } catch (e) { status.error(e.message); }
        } }, "Decline")), status.node);
    box.append(card);
  }
  if (decided.length) box.append(h("details", {}, h("summary", {}, "Earlier requests from support"), h("ul", { class: "plain" },
    decided.map((r) => h("li", {}, fmt.dateTime(r.requested_at), ": ticket ", r.ticket, ", ", r.status)))));
  return box;
}

// grantUses shows, live, each use staff make of a grant (server-sent
// events), closed when the person leaves the page.
let ctxLeave = () => {};
function grantUses(accountID, t, onLeave) {
  const list = h("ul", { id: "grant-uses-" + accountID, class: "plain" });
  const src = new EventSource(`/api/v1/accounts/${accountID}/grants/stream`);
  src.addEventListener("use", (ev) => {
    const u = JSON.parse(ev.data);
    list.prepend(h("li", {}, fmt.dateTime(u.at), ": vigil staff ", action(u.action), " ", t.category(u.category)));
  });
  src.onerror = () => { if (src.readyState === EventSource.CLOSED) list.replaceChildren(h("li", { class: "muted" }, "Live view of staff access ended.")); };
  onLeave(() => src.close());
  return h("div", {}, h("h3", {}, "Staff access as it happens"), h("p", { class: "muted" }, "Each time vigil staff use an access you gave, it shows here at once."), list);
}

route("/privacy-centre", async (ctx) => {
  ctxLeave = ctx.onLeave;
  const self = await me();
  const t = await titles();
  const parts = [h("h1", {}, "Your privacy"),
    h("p", {}, "Who looked at your data and why, who vigil gave it to, what you agreed to, and your requests. ",
      h("a", { href: "#/privacy" }, "What vigil keeps"), " · ", h("a", { href: "#/requests" }, "Ask for a copy, a correction or deletion"))];

  // Notices awaiting acceptance first.
  try {
    const { notices } = await api.get("/api/v1/me/notices");
    const status = statusLine("notices-status");
    parts.push(section("Documents you agreed to", table([
      ["Document", (n) => h("a", { href: link(["notice"], { kind: n.kind }) }, n.kind.replace(/_/g, " "))],
      ["Version", (n) => "v" + n.version + (n.accepted_version && n.accepted_version !== n.version ? " (you accepted v" + n.accepted_version + ")" : "")],
      ["State", (n) => (n.action_required ? h("strong", { class: "warn" }, "changed: please read and accept") : n.updated ? "updated" : n.accepted_version ? "accepted" : "not accepted")],
      ["", (n) => (n.action_required || (n.updated && n.accepted_version !== n.version) ? h("button", { type: "button", class: "accept-notice", onclick: async (e) => {
        try { await api.post(`/api/v1/me/notices/${n.id}/accept`, { text_hash: n.text_hash }); e.target.replaceWith("accepted"); status.ok("Accepted."); } catch (err) { status.error(err.message); }
      } }, "Accept v" + n.version) : "")],
    ], notices, { id: "my-notices" }), status.node));
  } catch (e) { parts.push(section("Documents you agreed to", h("p", { class: "muted" }, e.message))); }

  // Consents to optional uses.
  try {
    const { purposes, consents } = await api.get("/api/v1/me/consents");
    const status = statusLine("consent-status");
    const active = (p) => consents.find((c) => c.purpose === p && !c.withdrawn_at);
    parts.push(section("Optional uses you may allow", h("p", { class: "muted" }, "Nothing here is needed for your cameras to work. Withdraw at any time."),
      h("div", { id: "consents" }, purposes.map((p) => {
        const box = h("input", { type: "checkbox", id: "consent-" + p.id });
        box.checked = !!active(p.id);
        box.addEventListener("change", async () => {
          try {
            if (box.checked) await api.put("/api/v1/me/consents/" + p.id); else await api.del("/api/v1/me/consents/" + p.id);
            status.ok(box.checked ? "Consent given." : "Consent withdrawn.");
          } catch (e) { box.checked = !box.checked; status.error(e.message); }
        });
        return h("label", { class: "check", for: "consent-" + p.id }, box, " ", p.title);
      })), status.node));
  } catch (e) { parts.push(section("Optional uses you may allow", h("p", { class: "muted" }, e.message))); }

  // The person's own log, then each account's.
  parts.push(section("Who accessed your personal data", h("p", { class: "muted" }, "Sign-ins on your address, and every read of your profile, sessions and credentials."),
    ...(await accessLog("/api/v1/me/access-log", "me." + self.id, self.id, "my-access-log"))));
  for (const a of await accounts()) {
    try {
      parts.push(section("Who accessed " + a.name + "'s cameras and data", ...(await accessLog(`/api/v1/accounts/${a.id}/access-log`, "account." + a.id, self.id, "access-log"))));
    } catch (e) { parts.push(section(a.name, h("p", { class: "muted" }, "Access log: " + e.message))); }
    // Staff access grants: vigil staff see nothing unless the account entrusts them.
    try {
      const [{ grants }, { requests }] = await Promise.all([api.get(`/api/v1/accounts/${a.id}/grants`), api.get(`/api/v1/accounts/${a.id}/grant-requests`)]);
      const status = statusLine();
      parts.push(section("vigil staff access to " + a.name, h("p", { class: "muted" }, "vigil's staff see none of your video or data unless you allow it here, for a limited time. Every use shows in the log above."),
        h("p", {}, "If vigil support asks, this account's reference is ", h("code", { id: "account-ref-" + a.id }, a.id), "."),
        grantRequests(a.id, requests, t),
        grants.length ? table([
          ["Who", (g) => (g.staff_role ? g.staff_role.replace(/_/g, " ") : "the support member who asked")],
          ["May see", (g) => g.categories.map(t.category).join(", ")],
          ["Why", (g) => [g.reason, g.ticket ? " (ticket " + g.ticket + ")" : ""]],
          ["Until", (g) => (g.revoked_at ? "withdrawn " + fmt.dateTime(g.revoked_at) : fmt.dateTime(g.until))],
          ["", (g) => (g.status !== "active" && g.status !== "scheduled" ? "" : h("button", { type: "button", class: "secondary", onclick: async (e) => {
            if (!(await confirm("Withdraw this access now?", { yes: "Withdraw", danger: true }))) return;
            try { await api.del(`/api/v1/accounts/${a.id}/grants/${g.id}`); e.target.replaceWith("withdrawn"); } catch (err) { status.error(err.message); }
          } }, "Withdraw"))],
        ], grants, { id: "grants-" + a.id }) : h("p", {}, "No staff access granted."), status.node,
        h("details", {}, h("summary", {}, "Let vigil staff help (give access for a while)"), grantForm(a.id, t)),
        grantUses(a.id, t, ctxLeave)));
    } catch { /* only owners and admins manage grants */ }
  }

  // Disclosures: to service providers, on legal grounds, to people you shared with.
  try {
    const { disclosures } = await api.get("/api/v1/me/disclosures");
    parts.push(section("Who vigil gave your data to", disclosures.length ? table([
      ["When", (d) => fmt.dateTime(d.disclosed_at)],
      ["To", (d) => d.recipient],
      ["Why", (d) => [d.kind.replace(/_/g, " "), d.reference ? " · " + d.reference : "", d.details ? " · " + d.details : ""]],
      ["What", (d) => d.categories.map(t.category).join(", ")],
    ], disclosures.slice().reverse(), { id: "disclosures" }) : h("p", {}, "Nobody so far.")));
  } catch (e) { parts.push(section("Who vigil gave your data to", h("p", { class: "muted" }, e.message))); }
  return parts;
});

// requestForm is the designated channel for requests about one's data:
// what to do, with which data (the data map's categories), over which time.
function requestForm(categories, extra, onSubmit) {
  const status = statusLine();
  const field = (name, label, input, hint) => h("label", { for: "f-" + name }, label, hint ? h("span", { class: "hint" }, hint) : null, input);
  const inputs = {};
  const kind = h("select", { id: "f-kind" }, [["access", "a copy of my data"], ["portability", "my data to take elsewhere"],
    ["correction", "a correction"], ["deletion", "deletion"]].map(([v, t]) => h("option", { value: v }, t)));
  const extras = extra.map(([name, label, type, options, hint]) => {
    inputs[name] = type === "select" ? h("select", { id: "f-" + name }, options.map(([v, t]) => h("option", { value: v }, t)))
      : type === "textarea" ? h("textarea", { id: "f-" + name, rows: 3 }) : h("input", { id: "f-" + name, name, type: type || "text" });
    return field(name, label, inputs[name], hint);
  });
  const region = h("select", { id: "f-region" }, [["eu", "European Union"], ["uk", "United Kingdom"], ["us-ca", "California (US)"], ["us", "elsewhere in the United States"],
    ["br", "Brazil"], ["cn", "China"], ["jp", "Japan"], ["in", "India"], ["other", "somewhere else"]].map(([v, t]) => h("option", { value: v }, t)));
  const boxes = categories.filter((c) => !c.id.startsWith("staff.")).map((c) =>
    h("label", { class: "check", for: "cat-" + c.id }, h("input", { type: "checkbox", id: "cat-" + c.id, value: c.id }), " " + c.title));
  const from = h("input", { type: "date", id: "f-from" });
  const to = h("input", { type: "date", id: "f-to" });
  const desc = h("textarea", { id: "f-description", rows: 3 });
  const f = h("form", { id: "request-form" }, extras, field("kind", "I ask for", kind), field("region", "Where you live (its law applies)", region),
    h("fieldset", {}, h("legend", {}, "Which data"), boxes),
    field("from", "From (optional)", from), field("to", "Until (optional)", to),
    field("description", "Anything else we should know (optional)", desc),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Send request")), status.node);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.clear();
    const body = { kind: kind.value, region: region.value, description: desc.value.trim() || undefined,
      scope: { categories: boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value) } };
    if (from.value) body.scope.from = new Date(from.value + "T00:00:00Z").toISOString();
    if (to.value) body.scope.to = new Date(to.value + "T00:00:00Z").toISOString();
    for (const [k, i] of Object.entries(inputs)) if (i.value) body[k] = i.value;
    try { await onSubmit(body, status); } catch (e) { status.error(e.message); }
  });
  return f;
}

const statusWords = { awaiting_email: "waiting for you to confirm your address", awaiting_review: "your documents are being checked", open: "received", verifying: "checking who you are", in_progress: "being prepared", granted: "answered", denied: "refused", closed: "closed" };
function requestTable(requests, id, t) {
  if (!requests || !requests.length) return h("p", { class: "muted", id }, "No requests yet.");
  return table([
    ["Request", (r) => [r.kind, h("br"), h("span", { class: "muted" }, r.scope.categories.map(t.category).join(", "))]],
    ["Asked", (r) => fmt.date(r.submitted_at)],
    ["Status", (r) => [r.preparing ? "being prepared" : statusWords[r.status] || r.status, r.outcome ? " · " + r.outcome : ""], "status"],
    ["Answer due", (r) => fmt.date(r.extended_due_at || r.due_at)],
    ["Answer", (r) => [r.letter ? h("details", {}, h("summary", {}, "Letter"), h("pre", {}, r.letter)) : "",
      r.package_ready ? h("a", { href: `/api/v1/me/privacy-requests/${r.id}/package` }, "Download your data") : ""]],
  ], requests, { id });
}

route("/requests", async () => {
  const [categories, t] = await Promise.all([datamap(), titles()]);
  const { requests } = await api.get("/api/v1/me/privacy-requests");
  let list = requestTable(requests, "my-requests", t);
  return [h("h1", {}, "Ask about your data"),
    h("p", { class: "muted" }, "See, correct, delete or take away what vigil holds about you. No law needs citing. " +
      "For your safety a request needs a sign-in with your authenticator within the last ten minutes."),
    section("New request", requestForm(categories, [], async (body, status) => {
      const r = await api.post("/api/v1/me/privacy-requests", body);
      status.ok("Request " + r.id + " received; the answer is due by " + fmt.date(r.due_at) + ".");
      const fresh = await api.get("/api/v1/me/privacy-requests");
      const next = requestTable(fresh.requests, "my-requests", t);
      list.replaceWith(next);
      list = next;
    })),
    section("Your requests", list)];
});

route("/ask", async () => {
  const categories = await datamap();
  return [h("h1", {}, "Ask about data vigil may hold about you"),
    h("p", {}, "For people without a vigil account: someone a customer's camera filmed, or an agent or guardian acting for them. " +
      "You confirm your address, then send a document proving who you are (and your authority, when acting for someone); the data-protection officer checks it before anything is released."),
    h("p", {}, "Already asked? ", h("a", { href: "#/privacy-request/follow" }, "Follow your request with its access code"), "."),
    h("p", { class: "muted", id: "findme-hint" }, "Filmed by a camera? Ask for snapshots, name the camera and the time: once you have confirmed your address " +
      "you may also, if you wish, give a selfie so that vigil looks for you in those pictures. That search is optional and only with your consent to it."),
    section("Your request", requestForm(categories, [["email", "Your e-mail", "email"], ["name", "Your name"],
      ["relation", "You ask", "select", [["self", "for yourself"], ["agent", "as an authorised agent"], ["guardian", "as a parent or guardian"]]],
      ["on_behalf_of", "For whom (agents and guardians)"],
      ["place", "Where were you filmed? (optional)", "text", null, "The address or the place as you would describe it, e.g. the shop on Main Street, front entrance."],
      ["when", "When? (optional)", "text", null, "The day and about what time, e.g. 3 March, around 5 in the afternoon."]], async (body, status) => {
      // Place and time go to the officer in the request's description.
      const where = [body.place && "Place: " + body.place, body.when && "Time: " + body.when].filter(Boolean).join("\n");
      delete body.place; delete body.when;
      if (where) body.description = [where, body.description].filter(Boolean).join("\n");
      const r = await api.post("/api/v1/privacy/requests", body);
      status.ok(r.status);
    }))];
}, { public: true });

route("/privacy-request/confirm", async (ctx) => {
  const { request, request_token } = await api.post("/api/v1/privacy/requests/confirm", { token: ctx.query.get("token") || "" });
  const kind = h("select", { id: "f-doc-kind" }, h("option", { value: "identity" }, "proof of identity"), h("option", { value: "authority" }, "proof of authority"));
  const file = h("input", { type: "file", id: "f-document", accept: "application/pdf,image/jpeg,image/png" });
  const status = statusLine();
  const f = h("form", {}, h("label", { for: "f-doc-kind" }, "Document", kind), h("label", { for: "f-document" }, "File", file),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Send document")), status.node);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.clear();
    try {
      const fl = file.files[0];
      if (!fl) throw new Error("Choose a file.");
      await api.put(`/api/v1/privacy/requests/${request.id}/documents/${kind.value}`, fl, { headers: { "Content-Type": fl.type || "application/octet-stream", "X-Request-Token": request_token } });
      status.ok("Document received; the data-protection officer will review it.");
    } catch (e) { status.error(e.message); }
  });
  return [h("h1", {}, "Your address is confirmed"), h("p", {}, "Request " + request.id + " (" + request.kind + "), answer due by " + fmt.date(request.due_at) + "."),
    h("p", { class: "muted" }, "Keep this access code to follow the request: ", h("code", { id: "request-token" }, request_token)),
    h("p", {}, h("a", { href: link(["privacy-request", "follow"], { id: request.id }) }, "Follow this request")), f,
    await findMe(request, request_token).catch(() => null)].filter(Boolean);
}, { public: true });

// findMe offers a person filmed by a camera the optional selfie search
// (find footage of me) on their request: the wording they consent to, a
// box they tick themselves, and the selfie. Without the tick nothing is
// sent.
async function findMe(r, token) {
  const sc = r.scope || {};
  if (!(sc.categories || []).includes("media.snapshot") || !(sc.devices || []).length || !["awaiting_review", "open"].includes(r.status)) return null;
  const { text, consent_hash } = await api.get("/api/v1/privacy/footage-consent");
  const agree = h("input", { type: "checkbox", id: "f-findme-consent" });
  const selfie = h("input", { type: "file", id: "f-findme-selfie", accept: "image/jpeg", "aria-describedby": "f-findme-hint" });
  const status = statusLine("findme-status");
  const f = h("form", { id: "findme-form" },
    h("p", {}, "Optional: vigil can look for you in the event pictures of the cameras and times you named, using a selfie. You do not need it to get an answer."),
    h("blockquote", { id: "findme-wording" }, text),
    h("label", { class: "check", for: "f-findme-consent" }, agree, " I agree to this search, for this request only"),
    h("label", { for: "f-findme-selfie" }, "Your selfie", h("span", { class: "hint", id: "f-findme-hint" }, "A JPEG photo showing only your face, up to 2 MB."), selfie),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Search for me")), status.node);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.clear();
    try {
      if (!agree.checked) throw new Error("Tick the box if you agree to the search; without it nothing is sent.");
      const fl = selfie.files[0];
      if (!fl) throw new Error("Choose a selfie.");
      const b64 = await new Promise((resolve, reject) => {
        const rd = new FileReader();
        rd.onload = () => resolve(String(rd.result).replace(/^data:[^,]*,/, ""));
        rd.onerror = () => reject(new Error("The selfie could not be read."));
        rd.readAsDataURL(fl);
      });
      await api.put(`/api/v1/privacy/requests/${r.id}/face-search`, { consent: true, consent_hash, selfie: b64 }, { headers: { "X-Request-Token": token } });
      status.ok("Received. Once the data-protection officer has checked who you are, the search runs; what it finds goes to each camera's owner, who decides what you receive.");
    } catch (e) { status.error(e.message); }
  });
  return section("Find footage of me", f);
}

// People without an account follow their request with its access code.
route("/privacy-request/follow", async (ctx) => {
  const out = h("div", { id: "follow-result" });
  const id = h("input", { id: "f-request-id", value: ctx.query.get("id") || "", autocomplete: "off" });
  const code = h("input", { id: "f-access-code", type: "password", autocomplete: "off" });
  const status = statusLine();
  const f = h("form", { id: "follow-form" }, h("label", { for: "f-request-id" }, "Request number", id), h("label", { for: "f-access-code" }, "Access code", code),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Show")), status.node);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.clear();
    try {
      const r = await api.get(`/api/v1/privacy/requests/${encodeURIComponent(id.value.trim())}`, { headers: { "X-Request-Token": code.value.trim() } });
      const pkg = async () => {
        const res = await (await import("../core/api.js")).request("GET", `/api/v1/privacy/requests/${r.id}/package`, undefined, { headers: { "X-Request-Token": code.value.trim() }, raw: true });
        const url = URL.createObjectURL(await res.blob());
        const a = h("a", { href: url, download: r.id + ".zip" }, "Save");
        document.body.append(a); a.click(); a.remove();
      };
      // replaceChildren would show a null as the text "null".
      out.replaceChildren(...[h("dl", { class: "facts" }, h("dt", {}, "Asked"), h("dd", {}, fmt.date(r.submitted_at)),
        h("dt", {}, "Status"), h("dd", {}, statusWords[r.status] || r.status, r.outcome ? " · " + r.outcome : ""),
        h("dt", {}, "Answer due"), h("dd", {}, fmt.date(r.extended_due_at || r.due_at))),
      r.letter ? h("pre", {}, r.letter) : null,
      r.package_ready ? h("button", { type: "button", onclick: () => pkg().catch((e) => status.error(e.message)) }, "Download your data") : null,
      await findMe(r, code.value.trim()).catch(() => null)].filter(Boolean));
    } catch (e) { status.error(e.message); }
  });
  return [h("h1", {}, "Follow your request"), h("p", {}, "Enter the request number and the access code you were given when you confirmed your address."), f, out];
}, { public: true });

// Links in notice e-mails.
route("/notices", async (ctx) => { ctx.redirect("#/privacy-centre"); return undefined; });
