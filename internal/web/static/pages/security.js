// pages/security.js: sign-in security (#/account/security; #/security is
// the public security page, pages/disclosure.js). Sessions (end any), the
// authenticator app, the password, and API tokens.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route } from "../core/router.js";
import { form, table, section, statusLine } from "../core/ui.js";
import { me, forget } from "../app/session.js";
import { qr } from "../core/qr.js";

route("/account/security", async () => {
  const who = await me();
  const { sessions } = await api.get("/api/v1/me/sessions");
  const status = statusLine("security-status");
  const parts = [h("h1", {}, "Security"), status.node];
  parts.push(section("Where you are signed in", table([
    ["Signed in", (s) => [fmt.dateTime(s.created_at), s.current ? h("strong", {}, " (this browser)") : ""]],
    ["From", (s) => s.ip || "—"],
    ["Browser", (s) => s.user_agent || "—"],
    ["", (s) => (s.current ? "" : h("button", { type: "button", class: "secondary", onclick: async (e) => {
      try { await api.del("/api/v1/me/sessions/" + s.id); e.target.closest("tr").remove(); status.ok("Signed out there."); } catch (err) { status.error(err.message); }
    } }, "Sign out there"))],
  ], sessions, { id: "sessions" })));

  const box = h("div");
  parts.push(section("Authenticator app", who.mfa_enabled ? h("p", { class: "ok" }, "On: signing in asks for a code from your app.") : [
    h("p", {}, "A code from an app on your phone, on top of your password, keeps your cameras yours even if your password leaks."),
    h("button", { type: "button", id: "totp-start", onclick: async () => {
      try {
        const e = await api.post("/api/v1/me/mfa/totp");
        box.replaceChildren(h("p", {}, "Scan this code with your authenticator app, or type the key below into it, then enter the code the app shows:"),
          e.otpauth_url ? qr(e.otpauth_url, "QR code to add vigil to an authenticator app") : null,
          h("p", {}, "Key: ", h("code", { id: "totp-secret" }, e.secret)),
          form([{ name: "code", label: "Code", attrs: { inputmode: "numeric", autocomplete: "one-time-code" } }], "Turn on", async (v, st) => {
            await api.post("/api/v1/me/mfa/totp/confirm", v); forget(); st.ok("Authenticator on.");
          }));
      } catch (err) { status.error(err.message); }
    } }, "Set up"), box]));

  parts.push(section("Password", form([
    { name: "current_password", label: "Current password", type: "password", id: "pw-current", attrs: { autocomplete: "current-password" } },
    { name: "new_password", label: "New password", type: "password", id: "pw-new", attrs: { autocomplete: "new-password" } }], "Change password", async (v, st) => {
    await api.post("/api/v1/me/password", v); st.ok("Password changed.");
  }, { id: "password-form" })));

  let tokens = [];
  try { tokens = (await api.get("/api/v1/me/tokens")).tokens || []; } catch { /* shown as none */ }
  const shown = h("div");
  parts.push(section("API tokens", h("p", { class: "muted" }, "For your own scripts and home automation. A token acts as you; remove the ones you no longer use."),
    tokens.length ? table([["Name", (t) => t.label], ["Made", (t) => fmt.date(t.created_at)], ["Expires", (t) => fmt.date(t.expires_at)], ["Last used", (t) => fmt.dateTime(t.last_used_at) || "never"],
      ["", (t) => h("button", { type: "button", class: "secondary", onclick: async (e) => { try { await api.del("/api/v1/me/tokens/" + t.id); e.target.closest("tr").remove(); } catch (err) { status.error(err.message); } } }, "Remove")]],
    tokens, { id: "tokens" }) : h("p", { class: "muted" }, "No tokens."),
    form([{ name: "label", label: "Name of a new token", id: "token-label" }, { name: "ttl_days", label: "Valid for (days)", type: "number", value: 90, id: "token-days", attrs: { min: 1, max: 365 } }], "Create token", async (v) => {
      const t = await api.post("/api/v1/me/tokens", { label: v.label, ttl_days: Number(v.ttl_days) });
      shown.replaceChildren(h("p", {}, "Copy the token now; it is not shown again:"), h("pre", { id: "token-secret" }, t.token));
    }), shown));
  return parts;
});
