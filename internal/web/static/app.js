// vigil web app: plain DOM, no framework, no inline script. Every value from
// the server is inserted as text, never as HTML.
"use strict";

const main = () => document.getElementById("main");

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return e;
}

function show(...nodes) { main().replaceChildren(...nodes); }

async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (!res.ok) throw new Error((data.error && data.error.message) || res.statusText);
  return data;
}

function form(fields, submitLabel, onSubmit) {
  const msg = el("p", { class: "error", role: "alert" });
  const inputs = {};
  const f = el("form", {},
    fields.map(([name, label, type, extra]) => {
      const input = el("input", Object.assign({ name, type: type || "text", id: "f-" + name }, extra || {}));
      inputs[name] = input;
      return el("label", { for: "f-" + name }, label, input);
    }),
    el("button", { type: "submit" }, submitLabel), msg);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    msg.textContent = "";
    const values = {};
    for (const [k, i] of Object.entries(inputs)) values[k] = i.value;
    try { await onSubmit(values, msg); } catch (e) { msg.className = "error"; msg.textContent = e.message; }
  });
  return f;
}

function tokenParam() {
  const q = location.hash.split("?")[1] || "";
  return new URLSearchParams(q).get("token") || "";
}

function nav(signedIn) {
  const n = document.getElementById("nav");
  n.replaceChildren(...(signedIn
    ? [el("a", { href: "#/account" }, "Account"), el("a", { href: "#/devices" }, "Devices"), el("a", { href: "#/alarms" }, "Alarms"), el("a", { href: "#/recordings" }, "Recordings"), el("a", { href: "#/security" }, "Security"), el("a", { href: "#/requests" }, "Your data"), el("a", { href: "#/notifications" }, "Notifications"),
       el("a", { href: "#/", id: "logout", onclick: async (e) => { e.preventDefault(); await api("POST", "/api/v1/auth/logout").catch(() => {}); location.hash = "#/login"; } }, "Sign out")]
    : [el("a", { href: "#/login" }, "Sign in"), el("a", { href: "#/signup" }, "Sign up"), el("a", { href: "#/ask" }, "Ask about your data")]));
}

const pages = {
  "/alarms": () => window.vigilAlarms(),
  async "/login"() {
    nav(false);
    show(el("h1", {}, "Sign in"), form([["email", "E-mail", "email", { autocomplete: "username" }], ["password", "Password", "password", { autocomplete: "current-password" }]], "Sign in",
      async (v) => {
        const r = await api("POST", "/api/v1/auth/login", v);
        location.hash = r.mfa_required ? "#/mfa" : "#/account";
      }),
      el("p", {}, el("a", { href: "#/reset" }, "Forgot your password?")));
  },
  async "/mfa"() {
    show(el("h1", {}, "Second step"), el("p", {}, "Enter the 6-digit code from your authenticator app."),
      form([["code", "Code", "text", { inputmode: "numeric", autocomplete: "one-time-code" }]], "Continue", async (v) => {
        await api("POST", "/api/v1/auth/mfa", v);
        location.hash = "#/account";
      }));
  },
  async "/signup"() {
    nav(false);
    const f = 
      form([["name", "Your name"], ["email", "E-mail", "email"], ["password", "Password (at least 10 characters)", "password", { autocomplete: "new-password" }],
            ["account_name", "Account name (for example: Home)"], ["region", "Region (EU, UK, US, US-CA, CN, JP, BR, IN, OTHER)", "text", { value: "EU" }]],
        "Sign up", async (v, msg) => {
          v.time_zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
          v.language = (navigator.language || "en").slice(0, 16);
          if (!document.getElementById("f-accept").checked) throw new Error("Read and accept the privacy statement and the terms first.");
          v.accepted = await signUpTexts(v.region, v.language);
          const r = await api("POST", "/api/v1/auth/signup", v);
          msg.className = "ok"; msg.textContent = r.status;
        });
    f.insertBefore(el("label", { for: "f-accept", class: "check" }, el("input", { type: "checkbox", id: "f-accept" }),
      " I have read and accept the ", el("a", { href: "#/notice?kind=privacy_statement", target: "_blank" }, "privacy statement"),
      " and the ", el("a", { href: "#/notice?kind=terms", target: "_blank" }, "terms of service"), "."), f.querySelector("button"));
    show(el("h1", {}, "Create your vigil account"), f);
  },
  async "/notice"() {
    const kind = new URLSearchParams(location.hash.split("?")[1] || "").get("kind");
    const { notices } = await api("GET", "/api/v1/notices");
    const n = notices.find((x) => x.kind === kind && x.region === "default" && x.language === "en");
    if (!n) throw new Error("no such document");
    const full = await api("GET", "/api/v1/notices/" + n.id);
    show(el("h1", {}, kind.replace("_", " "), " (version " + full.version + ")"), el("pre", { class: "notice" }, full.text),
      el("p", { class: "muted" }, "SHA-256 of this text: " + full.text_hash));
  },
  async "/requests"() {
    try { await api("GET", "/api/v1/me"); } catch { location.hash = "#/login"; return; }
    nav(true);
    const { categories } = await api("GET", "/api/v1/datamap");
    const { requests } = await api("GET", "/api/v1/me/privacy-requests");
    show(el("h1", {}, "Ask about your data"),
      el("p", { class: "muted" }, "See, correct, delete or take away what vigil holds about you. No law needs citing; " +
        "for your safety a request needs a sign-in with your authenticator within the last ten minutes."),
      requestForm(categories, [], async (body, msg) => {
        const r = await api("POST", "/api/v1/me/privacy-requests", body);
        msg.className = "ok"; msg.textContent = "Request " + r.id + " received; answer due by " + new Date(r.due_at).toLocaleDateString() + ".";
        // Refresh the list only, so the confirmation stays on screen.
        const fresh = await api("GET", "/api/v1/me/privacy-requests");
        document.getElementById("my-requests").replaceWith(requestTable(fresh.requests, "my-requests"));
      }),
      el("h2", {}, "Your requests"), requestTable(requests, "my-requests"));
  },
  async "/ask"() {
    nav(false);
    const { categories } = await api("GET", "/api/v1/datamap");
    show(el("h1", {}, "Ask about data vigil may hold about you"),
      el("p", { class: "muted" }, "For people without a vigil account: someone a customer's camera filmed, or an agent or guardian " +
        "acting for them. You confirm your address, then send a document proving who you are (and your authority, when acting for " +
        "someone); the data-protection officer checks it before anything is released."),
      requestForm(categories, [["email", "Your e-mail", "email"], ["name", "Your name"],
        ["relation", "You ask", "select", [["self", "for yourself"], ["agent", "as an authorised agent"], ["guardian", "as a parent or guardian"]]],
        ["on_behalf_of", "For whom (agents and guardians)"]], async (body, msg) => {
        const r = await api("POST", "/api/v1/privacy/requests", body);
        msg.className = "ok"; msg.textContent = r.status;
      }));
  },
  async "/privacy-request/confirm"() {
    nav(false);
    const { request, request_token } = await api("POST", "/api/v1/privacy/requests/confirm", { token: tokenParam() });
    const kind = el("select", { id: "f-doc-kind" }, el("option", { value: "identity" }, "proof of identity"), el("option", { value: "authority" }, "proof of authority"));
    const file = el("input", { type: "file", id: "f-document", accept: "application/pdf,image/jpeg,image/png" });
    const msg = el("p", { class: "error", role: "alert" });
    const f = el("form", {}, el("label", { for: "f-doc-kind" }, "Document", kind), el("label", { for: "f-document" }, "File", file),
      el("button", { type: "submit" }, "Send document"), msg);
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      msg.textContent = "";
      try {
        const fl = file.files[0];
        if (!fl) throw new Error("Choose a file.");
        const res = await fetch(`/api/v1/privacy/requests/${request.id}/documents/${kind.value}`, { method: "PUT", credentials: "same-origin",
          headers: { "Content-Type": fl.type || "application/octet-stream", "X-Request-Token": request_token }, body: fl });
        const data = await res.json().catch(() => ({}));
        if (!res.ok) throw new Error((data.error && data.error.message) || res.statusText);
        msg.className = "ok"; msg.textContent = "Document received; the data-protection officer will review it.";
      } catch (e) { msg.className = "error"; msg.textContent = e.message; }
    });
    show(el("h1", {}, "Your address is confirmed"), el("p", {}, "Request " + request.id + " (" + request.kind + "), due by " +
      new Date(request.due_at).toLocaleDateString() + "."),
      el("p", { class: "muted" }, "Keep this access code to follow the request: ", el("code", { id: "request-token" }, request_token)), f);
  },
  async "/verify-email"() {
    try { const r = await api("POST", "/api/v1/auth/verify-email", { token: tokenParam() }); show(el("p", { class: "ok" }, r.status), el("a", { href: "#/login" }, "Sign in")); }
    catch (e) { show(el("p", { class: "error" }, e.message)); }
  },
  async "/reset"() {
    show(el("h1", {}, "Reset your password"), form([["email", "E-mail", "email"]], "Send link", async (v, msg) => {
      const r = await api("POST", "/api/v1/auth/password-reset", v); msg.className = "ok"; msg.textContent = r.status;
    }));
  },
  async "/reset-password"() {
    show(el("h1", {}, "Choose a new password"), form([["password", "New password", "password", { autocomplete: "new-password" }]], "Save", async (v, msg) => {
      const r = await api("POST", "/api/v1/auth/password-reset/confirm", { token: tokenParam(), password: v.password }); msg.className = "ok"; msg.textContent = r.status;
    }));
  },
  async "/unlock-signin"() {
    try { const r = await api("POST", "/api/v1/auth/unlock", { token: tokenParam() }); show(el("p", { class: "ok" }, r.status), el("a", { href: "#/login" }, "Sign in")); }
    catch (e) { show(el("p", { class: "error" }, e.message)); }
  },
  async "/accept-invitation"() {
    try { await api("POST", "/api/v1/invitations/accept", { token: tokenParam() }); location.hash = "#/account"; }
    catch (e) { show(el("p", { class: "error" }, e.message), el("a", { href: "#/login" }, "Sign in first")); }
  },
  async "/account"() {
    let me;
    try { me = await api("GET", "/api/v1/me"); } catch { location.hash = "#/login"; return; }
    nav(true);
    const { accounts } = await api("GET", "/api/v1/me/accounts");
    const parts = [el("h1", {}, "Hello, ", me.name), el("p", { class: "muted" }, me.email, me.mfa_enabled ? " · authenticator on" : " · authenticator off")];
    for (const a of accounts) {
      parts.push(el("h2", {}, a.name, " ", el("span", { class: "muted" }, "(" + a.region + ")")));
      try {
        const log = await api("GET", `/api/v1/accounts/${a.id}/access-log?limit=50`);
        parts.push(el("h3", {}, "Who accessed this account's data"), ...(await verifiedLog(log, "access-log")));
      } catch (e) { parts.push(el("p", { class: "muted" }, "Access log: " + e.message)); }
    }
    show(...parts);
  },
  async "/devices"() {
    try { await api("GET", "/api/v1/me"); } catch { location.hash = "#/login"; return; }
    nav(true);
    const { accounts } = await api("GET", "/api/v1/me/accounts");
    const parts = [el("h1", {}, "Devices")];
    for (const a of accounts) {
      const { devices } = await api("GET", `/api/v1/accounts/${a.id}/devices`);
      const secret = el("div", { id: "device-credential" });
      const viewer = el("div", { id: "live" });
      parts.push(el("h2", {}, a.name),
        el("table", { id: "devices" },
          el("tr", {}, ["Name", "Model", "State", "Firmware", "Update", "Fields dropped", "Messages refused", ""].map((h) => el("th", {}, h))),
          devices.map((d) => el("tr", {},
            el("td", {}, d.name), el("td", {}, d.model, d.kind === "nvr" ? " (" + d.channels + " channels)" : ""),
            el("td", {}, d.lost_at ? "reported lost" : d.online ? "online" : "offline"),
            el("td", {}, d.info.firmware_version || "—"),
            el("td", {}, d.update_available ? d.update_available.version + " available" : ""),
            el("td", { title: "Fields the device sent that vigil does not keep" }, d.ingest.dropped_fields),
            el("td", { title: "Messages refused as malformed" }, d.ingest.rejected_messages),
            el("td", {}, liveButton(a.id, d, viewer))))),
        viewer,
        el("h3", {}, "Add a device"),
        el("p", { class: "muted" }, "Enter the serial number and claim code printed on the device's label."),
        form([["serial", "Serial number"], ["claim_code", "Claim code"], ["name", "Name (e.g. Front door)"]], "Add", async (v, msg) => {
          const r = await api("POST", `/api/v1/accounts/${a.id}/devices/claim`, v);
          msg.className = "ok"; msg.textContent = r.device.name + " added.";
          secret.replaceChildren(el("p", {}, "Give the device this credential; it is shown only once:"),
            el("pre", {}, "MQTT " + r.credential.mqtt_url + "\nuser " + r.credential.mqtt_username + "\npassword " + r.credential.mqtt_password));
          const row = el("tr", {}, el("td", {}, r.device.name), el("td", {}, r.device.model), el("td", {}, "offline"), el("td", {}, "—"), el("td", {}), el("td", {}, 0), el("td", {}, 0));
          document.getElementById("devices").append(row);
        }), secret);
    }
    show(...parts);
  },
  async "/security"() {
    let me;
    try { me = await api("GET", "/api/v1/me"); } catch { location.hash = "#/login"; return; }
    nav(true);
    const { sessions } = await api("GET", "/api/v1/me/sessions");
    const parts = [el("h1", {}, "Security"), el("h2", {}, "Sessions"),
      el("table", {}, el("tr", {}, el("th", {}, "Signed in"), el("th", {}, "From"), el("th", {}, "Browser")),
        sessions.map((s) => el("tr", {}, el("td", {}, new Date(s.created_at).toLocaleString(), s.current ? " (this one)" : ""), el("td", {}, s.ip), el("td", {}, s.user_agent))))];
    if (!me.mfa_enabled) {
      const box = el("div");
      parts.push(el("h2", {}, "Authenticator app"), el("button", { id: "totp-start", onclick: async () => {
        const e = await api("POST", "/api/v1/me/mfa/totp");
        box.replaceChildren(el("p", {}, "Add this secret to your authenticator app, then enter a code:"), el("code", { id: "totp-secret" }, e.secret),
          form([["code", "Code"]], "Turn on", async (v, msg) => { await api("POST", "/api/v1/me/mfa/totp/confirm", v); msg.className = "ok"; msg.textContent = "Authenticator on."; }));
      } }, "Set up"), box);
    }
    const mine = await api("GET", "/api/v1/me/access-log?limit=50");
    parts.push(el("h2", {}, "Access to your personal data"),
      el("p", { class: "muted" }, "Sign-in attempts on your address, and every read of your profile, sessions and credentials."),
      ...(await verifiedLog(mine, "my-access-log")));
    show(...parts);
  },
  async "/setup"() {
    nav(false);
    show(el("h1", {}, "Create the first vigil administrator"),
      form([["name", "Name"], ["email", "E-mail", "email"], ["password", "Password", "password", { autocomplete: "new-password" }],
            ["training_valid_until", "Privacy training valid until", "date"]], "Create", async (v, msg) => {
        v.training_valid_until = new Date(v.training_valid_until + "T00:00:00Z").toISOString();
        const r = await api("POST", "/api/v1/staff/bootstrap", Object.assign({ token: tokenParam() }, v));
        msg.className = "ok"; msg.textContent = r.status;
      }));
  },
  async "/staff-activate"() {
    show(el("h1", {}, "Choose your staff password"), form([["password", "Password", "password"]], "Save", async (v, msg) => {
      const r = await api("POST", "/api/v1/staff/activate", { token: tokenParam(), password: v.password }); msg.className = "ok"; msg.textContent = r.status;
    }));
  },
  async "/privacy"() {
    const { categories } = await api("GET", "/api/v1/datamap");
    show(el("h1", {}, "What vigil keeps about you"),
      categories.map((c) => el("section", {}, el("h2", {}, c.title), el("p", {}, c.description),
        el("p", { class: "muted" }, "Kept: " + c.retention + " · Basis: " + c.legal_basis + " · Erased by: " + c.erasure),
        el("ul", {}, c.purposes.map((p) => el("li", {}, p.id + ": " + p.title))))));
  },
};

// signUpTexts returns the privacy statement and terms that apply in region,
// as shown on the sign-up form, with the hashes of their texts.
async function signUpTexts(region, language) {
  const { notices } = await api("GET", "/api/v1/notices");
  const out = [];
  for (const kind of ["privacy_statement", "terms"]) {
    const lang = (language || "en").split("-")[0];
    const pick = [[region, lang], [region, "en"], ["default", lang], ["default", "en"]]
      .map(([r, l]) => notices.find((n) => n.kind === kind && n.region === r && n.language === l)).find(Boolean);
    if (pick) out.push({ notice_id: pick.id, text_hash: pick.text_hash });
  }
  return out;
}

// requestForm is the designated channel for data-subject requests: what to
// do, with which data (the data map's categories), over which period.
function requestForm(categories, extra, onSubmit) {
  const msg = el("p", { class: "error", role: "alert" });
  const field = (name, label, input) => el("label", { for: "f-" + name }, label, input);
  const inputs = {};
  const kind = el("select", { id: "f-kind" }, [["access", "a copy of my data"], ["portability", "my data to take elsewhere"],
    ["correction", "a correction"], ["deletion", "deletion"]].map(([v, t]) => el("option", { value: v }, t)));
  const extras = extra.map(([name, label, type, options]) => {
    inputs[name] = type === "select" ? el("select", { id: "f-" + name }, options.map(([v, t]) => el("option", { value: v }, t)))
      : el("input", { id: "f-" + name, name, type: type || "text" });
    return field(name, label, inputs[name]);
  });
  const region = el("input", { id: "f-region", value: "eu" });
  const boxes = categories.filter((c) => !c.id.startsWith("staff.")).map((c) =>
    el("label", { class: "check", for: "cat-" + c.id }, el("input", { type: "checkbox", id: "cat-" + c.id, value: c.id }), " " + c.title));
  const from = el("input", { type: "date", id: "f-from" });
  const to = el("input", { type: "date", id: "f-to" });
  const desc = el("textarea", { id: "f-description", rows: "3" });
  const f = el("form", { id: "request-form" }, extras, field("kind", "I ask for", kind), field("region", "Region whose law applies", region),
    el("fieldset", {}, el("legend", {}, "Which data"), boxes),
    field("from", "From (optional)", from), field("to", "Until (optional)", to),
    field("description", "Anything else we should know (optional)", desc),
    el("button", { type: "submit" }, "Send request"), msg);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    msg.textContent = "";
    const body = { kind: kind.value, region: region.value.trim(), description: desc.value.trim() || undefined,
      scope: { categories: boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value) } };
    if (from.value) body.scope.from = new Date(from.value + "T00:00:00Z").toISOString();
    if (to.value) body.scope.to = new Date(to.value + "T00:00:00Z").toISOString();
    for (const [k, i] of Object.entries(inputs)) if (i.value) body[k] = i.value;
    try { await onSubmit(body, msg); } catch (e) { msg.className = "error"; msg.textContent = e.message; }
  });
  return f;
}

function requestTable(requests, id) {
  if (!requests || !requests.length) return el("p", { class: "muted", id }, "No requests yet.");
  return el("table", { id },
    el("tr", {}, ["Request", "Asked", "Status", "Due", "Answer"].map((h) => el("th", {}, h))),
    requests.map((r) => el("tr", {},
      el("td", {}, r.id, el("br"), el("span", { class: "muted" }, r.kind + ": " + r.scope.categories.join(", "))),
      el("td", {}, new Date(r.submitted_at).toLocaleDateString()),
      el("td", { class: "status" }, r.preparing ? "being prepared" : r.status, r.outcome ? " · " + r.outcome : ""),
      el("td", {}, new Date(r.extended_due_at || r.due_at).toLocaleDateString()),
      el("td", {}, r.letter ? el("details", {}, el("summary", {}, "Letter"), el("pre", {}, r.letter)) : "",
        r.package_ready ? el("a", { href: `/api/v1/me/privacy-requests/${r.id}/package` }, "Download package") : ""))));
}

// liveButton starts a live view of a camera (an NVR's first channel) in
// viewer; live.js does the playing.
function liveButton(accountID, d, viewer) {
  let stop = null;
  return el("button", { type: "button", class: "live", "data-device": d.id, onclick: async (ev) => {
    if (stop) { stop(); stop = null; }
    try {
      stop = await window.vigilLive.open(accountID, d.id, d.kind === "nvr" ? 1 : 0, viewer);
    } catch (e) { viewer.replaceChildren(el("p", { class: "error", role: "alert" }, "Live view: " + e.message)); }
    ev.target.blur();
  } }, "Live");
}

// verifiedLog checks a page of the access log in the browser and renders it
// with the result of each check.
async function verifiedLog(log, id) {
  const v = await window.vigilVerify.verifyPage(log);
  const sig = v.signed === true ? "signature verified" : v.signed === null ? "signature not checked (this browser lacks Ed25519)" : "SIGNATURE INVALID";
  return [el("p", { class: v.signed === false ? "error" : "muted", id: id === "access-log" ? "checkpoint-status" : id + "-status" },
    "Checked in your browser against the log's checkpoint of " + v.size + " entries: " + sig + "."),
    accessTable(log, v.entries, id)];
}

function accessTable(page, proved, id) {
  return el("table", { id },
    el("tr", {}, ["When", "Who", "Did", "What", "Why", "Decision", "In the log"].map((h) => el("th", {}, h))),
    page.entries.map((e) => el("tr", {},
      el("td", {}, new Date(e.time).toLocaleString()),
      el("td", {}, e.actor_kind, e.actor_role ? " (" + e.actor_role + ")" : ""),
      el("td", {}, e.action), el("td", {}, e.category),
      el("td", {}, e.purpose),
      el("td", { class: e.decision === "deny" ? "deny" : "" }, e.decision),
      el("td", { class: proved[e.seq] ? "ok proof" : "error proof" }, proved[e.seq] ? "proved" : "PROOF FAILS"))));
}

// Pages render once their requests answer. Routes run one after the other,
// so a slow page the person already left cannot render over the page they
// went to (a page still busy after 10 s no longer holds the next one up).
let routing = Promise.resolve();
function route() {
  const before = routing;
  routing = (async () => {
    await Promise.race([before, new Promise((done) => setTimeout(done, 10000))]);
    const path = (location.hash.replace(/^#/, "").split("?")[0]) || "/account";
    const page = pages[path] || (globalThis.vigilPages || {})[path] || pages["/account"];
    try { await page(); } catch (e) { show(el("p", { class: "error" }, e.message)); }
  })();
  return routing;
}

window.addEventListener("hashchange", route);
route();
