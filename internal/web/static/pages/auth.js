// pages/auth.js: signing up, in and out, and the pages e-mailed links open
// (address confirmation, password reset, sign-in unlock, invitations), the
// published notices, and the operator's first administrator.
import { h } from "../core/dom.js";
import { api } from "../core/api.js";
import { route } from "../core/router.js";
import { form, field } from "../core/ui.js";
import { forget, markSignedIn } from "../app/session.js";
import { regionOptions } from "../app/words.js";

const token = (ctx) => ctx.query.get("token") || "";
// next is where to go after signing in: the deep link that sent the person
// to the sign-in page, if it is one of vigil's own pages.
const next = (ctx) => { const n = ctx.query.get("next") || ""; return n.startsWith("#/") && !n.startsWith("#/login") ? n : "#/"; };

route("/login", async (ctx) => [
  h("h1", {}, "Sign in"),
  form([{ name: "email", label: "E-mail", type: "email", attrs: { autocomplete: "username" } },
    { name: "password", label: "Password", type: "password", attrs: { autocomplete: "current-password" } }], "Sign in",
  async (v) => {
    const r = await api.post("/api/v1/auth/login", v);
    markSignedIn(!r.mfa_required);
    location.hash = r.mfa_required ? "#/mfa?next=" + encodeURIComponent(next(ctx)) : next(ctx);
  }, { id: "login-form" }),
  h("p", {}, h("a", { href: "#/reset" }, "Forgot your password?"), " · ", h("a", { href: "#/signup" }, "Create an account")),
], { public: true });

route("/mfa", async (ctx) => [
  h("h1", {}, "Second step"),
  h("p", {}, "Enter the 6-digit code from your authenticator app."),
  form([{ name: "code", label: "Code", attrs: { inputmode: "numeric", autocomplete: "one-time-code" } }], "Continue", async (v) => {
    await api.post("/api/v1/auth/mfa", v);
    markSignedIn(true);
    location.hash = next(ctx);
  }),
], { public: true });

// signUpTexts returns the privacy statement and terms that apply in region,
// as shown on the sign-up form, with the hashes of their texts.
async function signUpTexts(region, language) {
  const { notices } = await api.get("/api/v1/notices");
  const out = [];
  const lang = (language || "en").split("-")[0];
  for (const kind of ["privacy_statement", "terms"]) {
    const pick = [[region, lang], [region, "en"], ["default", lang], ["default", "en"]]
      .map(([r, l]) => notices.find((n) => n.kind === kind && n.region === r && n.language === l)).find(Boolean);
    if (pick) out.push({ notice_id: pick.id, text_hash: pick.text_hash });
  }
  return out;
}

route("/signup", async () => {
  const accept = field({ name: "accept", type: "checkbox", id: "f-accept", label: [] });
  accept.node.append("I have read and accept the ", h("a", { href: "#/notice?kind=privacy_statement", target: "_blank" }, "privacy statement"),
    " and the ", h("a", { href: "#/notice?kind=terms", target: "_blank" }, "terms of service"), ".");
  return [h("h1", {}, "Create your vigil account"),
    form([{ name: "name", label: "Your name", attrs: { autocomplete: "name" } }, { name: "email", label: "E-mail", type: "email", attrs: { autocomplete: "email" } },
      { name: "password", label: "Password", hint: "At least 10 characters; a few words make a good one.", type: "password", attrs: { autocomplete: "new-password" } },
      { name: "account_name", label: "Name of your home or business", hint: "For example: Home" },
      { name: "region", label: "Where you live", type: "select", options: regionOptions, value: "EU" }],
    "Sign up", async (v, status) => {
      if (!accept.input.checked) throw new Error("Read and accept the privacy statement and the terms first.");
      delete v.accept;
      v.time_zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
      v.language = (navigator.language || "en").slice(0, 16);
      v.accepted = await signUpTexts(v.region, v.language);
      const r = await api.post("/api/v1/auth/signup", v);
      status.ok(r.status);
    }, { extra: accept.node })];
}, { public: true });

route("/notice", async (ctx) => {
  const kind = ctx.query.get("kind");
  const { notices } = await api.get("/api/v1/notices");
  const n = notices.find((x) => x.kind === kind && x.region === "default" && x.language === "en");
  if (!n) throw new Error("There is no such document.");
  const full = await api.get("/api/v1/notices/" + n.id);
  return [h("h1", {}, kind.replace("_", " "), " (version " + full.version + ")"), h("pre", { class: "notice" }, full.text),
    h("p", { class: "muted" }, "SHA-256 of this text: ", h("code", {}, full.text_hash))];
}, { public: true });

// result runs an e-mailed link's action and says how it went.
async function result(call, after) {
  try {
    const r = await call();
    return [h("p", { class: "ok", role: "status" }, r.status || "Done."), after];
  } catch (e) { return [h("p", { class: "error", role: "alert" }, e.message), after]; }
}

route("/verify-email", async (ctx) => [h("h1", {}, "Confirm your address"),
  ...(await result(() => api.post("/api/v1/auth/verify-email", { token: token(ctx) }), h("a", { href: "#/login" }, "Sign in")))], { public: true });

route("/unlock-signin", async (ctx) => [h("h1", {}, "Sign-in unlock"),
  ...(await result(() => api.post("/api/v1/auth/unlock", { token: token(ctx) }), h("a", { href: "#/login" }, "Sign in")))], { public: true });

route("/reset", async () => [h("h1", {}, "Reset your password"),
  form([{ name: "email", label: "E-mail", type: "email", attrs: { autocomplete: "email" } }], "Send link", async (v, status) => {
    status.ok((await api.post("/api/v1/auth/password-reset", v)).status);
  })], { public: true });

route("/reset-password", async (ctx) => [h("h1", {}, "Choose a new password"),
  form([{ name: "password", label: "New password", type: "password", attrs: { autocomplete: "new-password" } }], "Save", async (v, status) => {
    status.ok((await api.post("/api/v1/auth/password-reset/confirm", { token: token(ctx), password: v.password })).status);
  })], { public: true });

route("/accept-invitation", async (ctx) => {
  try {
    await api.post("/api/v1/invitations/accept", { token: token(ctx) });
    forget();
    ctx.redirect("#/account");
    return undefined;
  } catch (e) {
    if (e.status === 401) { ctx.redirect("#/login?next=" + encodeURIComponent(location.hash)); return undefined; }
    return [h("h1", {}, "Invitation"), h("p", { class: "error", role: "alert" }, e.message)];
  }
}, { public: true });

route("/setup", async (ctx) => [h("h1", {}, "Create the first vigil administrator"),
  form([{ name: "name", label: "Name" }, { name: "email", label: "E-mail", type: "email" },
    { name: "password", label: "Password", type: "password", attrs: { autocomplete: "new-password" } },
    { name: "training_valid_until", label: "Privacy training valid until", type: "date" }], "Create", async (v, status) => {
    v.training_valid_until = new Date(v.training_valid_until + "T00:00:00Z").toISOString();
    status.ok((await api.post("/api/v1/staff/bootstrap", { token: token(ctx), ...v })).status);
  })], { public: true });

route("/staff-activate", async (ctx) => [h("h1", {}, "Choose your staff password"),
  form([{ name: "password", label: "Password", type: "password", attrs: { autocomplete: "new-password" } }], "Save", async (v, status) => {
    status.ok((await api.post("/api/v1/staff/activate", { token: token(ctx), password: v.password })).status);
  })], { public: true });
