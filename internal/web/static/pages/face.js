// pages/face.js: face recognition for a household, per site, under its
// protocol: turn it on (accepting the protocol's current version and
// recording the lawful basis), enrol a person only with their consent
// record (who, how, when, the evidence document) and photos, list and
// withdraw enrolled people, recent recognitions ("Alice at Front door"),
// a rule for unknown faces, the regional stop's notice, and the events
// people filmed by the cameras asked for (find footage of me), which the
// owner releases or keeps back.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route } from "../core/router.js";
import { section, table, statusLine, confirm, empty } from "../core/ui.js";
import { accounts, sites } from "../app/session.js";

const bases = [["consent", "Consent of each person enrolled"], ["legitimate_interests", "Legitimate interests"], ["contract", "Contract"],
  ["legal_obligation", "Legal obligation"], ["vital_interests", "Vital interests"], ["public_task", "Public task"]];
const methods = [["written", "Written (a signed form)"], ["electronic", "Electronic (an e-mail, a form online)"], ["verbal", "Verbal (recorded)"]];

// base64 of a file, for the JSON the enrolment takes.
function base64(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ""));
    r.onerror = () => reject(new Error("The file could not be read."));
    r.readAsDataURL(file);
  });
}

function label(forID, text, input, hint) {
  const hintNode = hint ? h("span", { class: "hint", id: forID + "-hint" }, hint) : null;
  if (hint) input.setAttribute("aria-describedby", forID + "-hint");
  return h("label", { for: forID }, text, hintNode, input);
}

// acceptTerms accepts the current face recognition protocol (the person
// ticked that they read it) and agrees to the purpose under it.
async function acceptTerms() {
  const { notices } = await api.get("/api/v1/me/notices");
  for (const n of notices.filter((x) => x.kind === "face_protocol" && x.accepted_version !== x.version)) {
    await api.post(`/api/v1/me/notices/${n.id}/accept`, { text_hash: n.text_hash });
  }
  await api.put("/api/v1/me/consents/face_recognition");
}

// turnOn accepts the current protocol, agrees to the purpose and turns
// recognition on for the site with the basis chosen.
function turnOnForm(acc, site, reload) {
  const id = (x) => `face-${x}-${site.id}`;
  const basis = h("select", { id: id("basis") }, bases.map(([v, t]) => h("option", { value: v }, t)));
  const accept = h("input", { type: "checkbox", id: id("accept") });
  const status = statusLine();
  const f = h("form", { id: id("on") },
    h("p", {}, "Face recognition compares faces on this site's cameras with the people you enrol. It runs under vigil's face recognition terms: ",
      h("a", { href: "#/notice?kind=face_protocol" }, "read the current version"), "."),
    label(id("basis"), "Your lawful basis", basis, "The legal ground on which you recognise people on this site."),
    h("label", { class: "check", for: id("accept") }, accept, " I have read and accept the current face recognition terms"),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Turn on face recognition")), status.node);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.clear();
    try {
      if (!accept.checked) throw new Error("Accept the face recognition terms first.");
      await acceptTerms();
      await api.put(`/api/v1/accounts/${acc.id}/sites/${site.id}/face`, { lawful_basis: basis.value });
      reload();
    } catch (e) { status.error(e.message); }
  });
  return f;
}

function enrolForm(acc, site, reload) {
  const id = (x) => `enrol-${x}-${site.id}`;
  const name = h("input", { id: id("label"), required: true, maxlength: 64, autocomplete: "off" });
  const givenBy = h("input", { id: id("given-by"), required: true, maxlength: 128, autocomplete: "off" });
  const method = h("select", { id: id("method") }, methods.map(([v, t]) => h("option", { value: v }, t)));
  const when = h("input", { id: id("given-at"), type: "date", required: true, value: new Date().toISOString().slice(0, 10) });
  const evidence = h("input", { id: id("evidence"), type: "file", accept: "application/pdf,image/jpeg,image/png", required: true });
  const photos = h("input", { id: id("photos"), type: "file", accept: "image/jpeg", multiple: true, required: true });
  const basis = h("select", { id: id("basis") }, bases.map(([v, t]) => h("option", { value: v }, t)));
  const status = statusLine();
  const f = h("form", { id: id("form") },
    label(id("label"), "Name or label", name, "How events will name them, e.g. Alice."),
    h("fieldset", {}, h("legend", {}, "Their consent"),
      label(id("given-by"), "Who consented", givenBy, "The person, or their parent or guardian."),
      label(id("method"), "How", method),
      label(id("given-at"), "When", when),
      label(id("evidence"), "Evidence", evidence, "The signed form or a record of the consent (PDF, JPEG or PNG, up to 1 MB); kept sealed.")),
    label(id("basis"), "Lawful basis", basis),
    label(id("photos"), "Photos", photos, "1 to 5 JPEG photos, each showing only this person's face. Only numbers computed from them are kept."),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Enrol")), status.node);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.clear();
    try {
      if (!evidence.files[0]) throw new Error("Add the consent evidence: nobody is enrolled without it.");
      if (!photos.files.length) throw new Error("Add at least one photo.");
      const body = { label: name.value, lawful_basis: basis.value, photos: await Promise.all([...photos.files].map(base64)),
        consent: { given_by: givenBy.value, method: method.value, given_at: new Date(when.value + "T00:00:00Z").toISOString(),
          evidence: await base64(evidence.files[0]), evidence_type: evidence.files[0].type } };
      await api.post(`/api/v1/accounts/${acc.id}/sites/${site.id}/face/people`, body);
      reload();
    } catch (e) { status.error(e.message); }
  });
  return f;
}

async function siteSection(acc, site, reload) {
  const st = await api.get(`/api/v1/accounts/${acc.id}/sites/${site.id}/face`);
  const body = [];
  if (st.reason === "region_stopped") {
    body.push(h("p", { class: "notice warn", role: "note", id: "face-region-notice-" + site.id }, st.notice,
      " Nothing is recognised while it lasts; vigil erases the face data collected under it as the region's rule says."));
  } else if (st.notice) {
    body.push(h("p", { class: "muted" }, st.notice));
  }
  if (!st.enabled) {
    if (st.reason !== "region_stopped") body.push(turnOnForm(acc, site, reload));
    return section(site.name, ...body);
  }
  if (st.reason === "protocol") {
    const ps = statusLine();
    body.push(h("p", {}, h("a", { href: "#/notice?kind=face_protocol" }, "Read the current face recognition terms"), " before accepting them."),
      h("div", { class: "actions" }, h("button", { type: "button", id: "face-accept-" + site.id, onclick: async () => {
      try { await acceptTerms(); reload(); } catch (e) { ps.error(e.message); }
    } }, "Accept the current face recognition terms")), ps.node);
  }
  body.push(h("p", {}, st.active ? "On" : "Paused", " since ", fmt.date(st.site.enabled_at), " · lawful basis: ",
    (bases.find(([v]) => v === st.site.lawful_basis) || [, st.site.lawful_basis])[1]));
  const status = statusLine();
  const { people } = await api.get(`/api/v1/accounts/${acc.id}/sites/${site.id}/face/people`);
  body.push(h("h3", {}, "People enrolled"), people.length ? table([
    ["Name", (p) => p.label || "erased"],
    ["Consent", (p) => [p.consent.given_by || "", h("br"), h("span", { class: "muted" }, p.consent.method + ", " + fmt.date(p.consent.given_at))]],
    ["Kept until", (p) => fmt.date(p.expires_at)],
    ["", (p) => h("button", { type: "button", class: "secondary", onclick: async () => {
      if (!(await confirm("Withdraw " + (p.label || "this person") + "? Their face data is destroyed at once and cannot be recovered.", { yes: "Withdraw and delete", danger: true }))) return;
      try { await api.del(`/api/v1/accounts/${acc.id}/face/people/${p.id}`); reload(); } catch (e) { status.error(e.message); }
    } }, "Withdraw")],
  ], people, { id: "face-people-" + site.id }) : empty("Nobody is enrolled on this site."), status.node);
  if (st.active) body.push(h("h3", {}, "Enrol a person"), enrolForm(acc, site, reload));
  body.push(h("p", {}, h("button", { type: "button", class: "secondary", onclick: async () => {
    if (!(await confirm("Turn face recognition off for " + site.name + "? Every enrolled person's face data on this site is destroyed.", { yes: "Turn off", danger: true }))) return;
    try { await api.del(`/api/v1/accounts/${acc.id}/sites/${site.id}/face`); reload(); } catch (e) { status.error(e.message); }
  } }, "Turn face recognition off")));
  return section(site.name, ...body);
}

// unknownRule adds an alarm rule for faces that match no one enrolled.
function unknownRule(acc) {
  const status = statusLine("unknown-rule-status");
  return h("div", {}, h("button", { type: "button", id: "unknown-rule-" + acc.id, onclick: async () => {
    try {
      await api.post(`/api/v1/accounts/${acc.id}/alarm-rules`, { types: ["face_unknown"], roles: ["owner", "admin"], schedule: [],
        time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC", cooldown_seconds: 600, snapshot_role: "admin" });
      status.ok(["Done: owners and administrators are told when an unknown face is seen. ", h("a", { href: "#/events/rules" }, "Change who is told")]);
    } catch (e) { status.error(e.message); }
  } }, "Notify me when an unknown face is seen"), status.node);
}

function footageSection(acc, asks, reload) {
  if (!asks.length) return null;
  const status = statusLine("footage-status");
  const decide = async (a, release) => {
    let reason = "";
    if (!release) {
      reason = (document.getElementById("keep-reason-" + a.id).value || "").trim();
      if (!reason) { status.error("Say why you keep it back: the person is told."); return; }
    }
    try { await api.put(`/api/v1/accounts/${acc.id}/footage-requests/${a.id}`, { release, reason }); reload(); } catch (e) { status.error(e.message); }
  };
  const words = { asked: "waiting for you", released: "released", refused: "kept back" };
  return section("People filmed by your cameras asked for these events",
    h("p", { class: "muted" }, "Someone filmed by your cameras asked vigil for the events where they appear; vigil's data-protection officer " +
      "checked who they are. You decide for each event. A released picture reaches them with every other face blurred. You are not told who asked."),
    table([
      ["Event", (a) => [a.camera, h("br"), h("span", { class: "muted" }, fmt.dateTime(a.at))]],
      ["State", (a) => [words[a.state] || a.state, a.reason ? " · " + a.reason : ""]],
      ["Your decision", (a) => (a.state === "asked" ? h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => decide(a, true) }, "Release"),
        h("label", { for: "keep-reason-" + a.id }, "Reason to keep it back", h("input", { id: "keep-reason-" + a.id, maxlength: 500 })),
        h("button", { type: "button", class: "secondary", onclick: () => decide(a, false) }, "Keep back")) : fmt.date(a.decided_at))],
    ], asks, { id: "footage-" + acc.id }), status.node);
}

route("/face", async () => {
  const parts = [h("h1", {}, "Face recognition")];
  const reload = () => location.reload();
  for (const acc of await accounts()) {
    const ss = await sites(acc.id);
    let matches = [];
    try { matches = (await api.get(`/api/v1/accounts/${acc.id}/face/matches?limit=20`)).matches || []; } catch { matches = []; }
    let asks = [];
    try { asks = (await api.get(`/api/v1/accounts/${acc.id}/footage-requests`)).requests || []; } catch { asks = []; }
    const siteParts = [];
    for (const s of ss) {
      try { siteParts.push(await siteSection(acc, s, reload)); } catch (e) { siteParts.push(section(s.name, h("p", { class: "muted" }, e.message))); }
    }
    parts.push(h("h2", {}, acc.name),
      ss.length ? siteParts : empty("Face recognition is turned on per site. ", h("a", { href: "#/account" }, "Add a site"), " first."),
      section("Recognised lately", matches.length ? h("ul", { id: "face-matches-" + acc.id }, matches.map((m) => h("li", {}, m.text, h("span", { class: "muted" }, " · " + fmt.dateTime(m.at))))) : empty("Nobody recognised yet."),
        unknownRule(acc)),
      footageSection(acc, asks, reload));
  }
  return parts;
});
