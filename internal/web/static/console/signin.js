// console/signin.js: staff sign-in at its own address, apart from the
// customers': password, then a second factor that a member enrols at
// first sign-in (a passkey or security key, or where the operator's policy
// allows it an authenticator app, shown as a QR code); the first
// administrator's set-up link and a new member's activation link.
import { h } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, navigate } from "../core/router.js";
import { form, statusLine, section } from "../core/ui.js";
import { setStage } from "./session.js";
import * as keys from "./webauthn.js";

const token = (ctx) => ctx.query.get("token") || "";
const next = (ctx) => { const n = ctx.query.get("next") || ""; return n.startsWith("#/staff/") && !n.startsWith("#/staff/second-step") ? n : "#/staff/home"; };
const withNext = (hash, ctx) => hash + "?next=" + encodeURIComponent(next(ctx));

function signedIn(ctx) { setStage("in"); navigate(next(ctx)); }

route("/staff", async (ctx) => [
  h("h1", {}, "Staff sign-in"),
  h("p", { class: "muted" }, "For the vendor's staff. Customers sign in ", h("a", { href: "/#/login" }, "here"), "."),
  form([{ name: "email", label: "Work e-mail", type: "email", attrs: { autocomplete: "username" } },
    { name: "password", label: "Password", type: "password", attrs: { autocomplete: "current-password" } }], "Continue",
  async (v) => {
    const r = await api.post("/api/v1/staff/auth/login", v);
    setStage("pending");
    navigate(withNext(r.enrolment_required ? "#/staff/enrol" : "#/staff/second-step", ctx));
  }, { id: "staff-login" }),
], { public: true });

route("/staff/second-step", async (ctx) => {
  const f = await api.get("/api/v1/staff/auth/factors");
  if (!f.security_keys && (!f.totp || f.webauthn_required)) { ctx.redirect(withNext("#/staff/enrol", ctx)); return undefined; }
  const out = [h("h1", {}, "Second step")];
  if (f.security_keys) {
    const st = statusLine("key-status");
    out.push(section("Passkey or security key", h("p", {}, "Confirm with the key you registered."),
      h("div", { class: "actions" }, h("button", { type: "button", id: "use-key", onclick: async (e) => {
        const b = e.currentTarget;
        b.disabled = true;
        try { await keys.signIn(); signedIn(ctx); } catch (err) { st.error(err.message); } finally { b.disabled = false; }
      } }, "Use my key")), st.node));
  }
  if (f.totp && !f.webauthn_required) {
    out.push(section("Authenticator app", form([{ name: "code", label: "6-digit code", attrs: { inputmode: "numeric", autocomplete: "one-time-code" } }], "Continue",
      async (v) => { await api.post("/api/v1/auth/mfa", v); signedIn(ctx); }, { id: "totp-form" })));
  }
  return out;
}, { public: true });

route("/staff/enrol", async (ctx) => {
  const f = await api.get("/api/v1/staff/auth/factors");
  const moving = f.totp && f.webauthn_required; // must prove the app's code to move to a key
  const keyStatus = statusLine("enrol-key-status");
  const code = moving ? h("input", { id: "f-move-code", name: "code", inputmode: "numeric", autocomplete: "one-time-code" }) : null;
  const out = [h("h1", {}, "Set up your second factor"),
    h("p", {}, "Staff sign in with a password and a second factor. A passkey or security key is bound to this site, so a look-alike page cannot use it: choose it if you can."),
    section("Passkey or security key", moving ? h("label", { for: "f-move-code" }, "Code from your authenticator app", code) : null,
      h("div", { class: "actions" }, h("button", { type: "button", id: "register-key", onclick: async (e) => {
        const b = e.currentTarget;
        b.disabled = true;
        try { await keys.register(code ? code.value : ""); signedIn(ctx); } catch (err) { keyStatus.error(err.message); } finally { b.disabled = false; }
      } }, "Register a key")), keyStatus.node)];
  if (f.webauthn_required) {
    out.push(h("p", { class: "muted", id: "policy-note" }, "The operator's policy asks your role to use a passkey or security key: authenticator apps are not accepted."));
  } else if (!f.totp) {
    const box = h("div");
    out.push(section("Authenticator app instead", box, h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", id: "totp-start", onclick: async (e) => {
      e.currentTarget.hidden = true;
      const t = await api.post("/api/v1/me/mfa/totp");
      box.replaceChildren(h("p", {}, "Scan this code with your authenticator app, or type the secret, then enter a code it shows."),
        h("img", { class: "qr", src: t.qr_png, alt: "QR code of your authenticator secret", id: "totp-qr" }),
        h("p", {}, "Secret: ", h("code", { id: "totp-secret" }, t.secret)),
        form([{ name: "code", label: "6-digit code", attrs: { inputmode: "numeric", autocomplete: "one-time-code" } }], "Turn on",
          async (v) => { await api.post("/api/v1/me/mfa/totp/confirm", v); signedIn(ctx); }, { id: "totp-confirm" }));
    } }, "Use an authenticator app"))));
  }
  return out;
}, { public: true });

route("/staff/setup", async (ctx) => [h("h1", {}, "Create a vigil operator administrator"),
  h("p", {}, "This one-time link came from the server's console. Nobody else can create the first administrators."),
  form([{ name: "name", label: "Name", attrs: { autocomplete: "name" } }, { name: "email", label: "Work e-mail", type: "email", attrs: { autocomplete: "username" } },
    { name: "password", label: "Password", type: "password", hint: "At least 10 characters; a few words make a good one.", attrs: { autocomplete: "new-password" } },
    { name: "training_valid_until", label: "Privacy training valid until", type: "date" }], "Create", async (v, status) => {
    if (!v.training_valid_until) throw new Error("Enter the date your privacy training is valid until.");
    v.training_valid_until = new Date(v.training_valid_until + "T00:00:00Z").toISOString();
    await api.post("/api/v1/staff/bootstrap", { token: token(ctx), ...v });
    status.ok(["Administrator created. ", h("a", { href: "#/staff", id: "to-signin" }, "Sign in"), " and set up your second factor."]);
  }, { id: "setup-form" })], { public: true });

route("/staff/activate", async (ctx) => [h("h1", {}, "Choose your staff password"),
  form([{ name: "password", label: "Password", type: "password", hint: "At least 10 characters; a few words make a good one.", attrs: { autocomplete: "new-password" } }], "Save", async (v, status) => {
    await api.post("/api/v1/staff/activate", { token: token(ctx), password: v.password });
    status.ok(["Password set. ", h("a", { href: "#/staff", id: "to-signin" }, "Sign in"), " and set up your second factor."]);
  }, { id: "activate-form" })], { public: true });
