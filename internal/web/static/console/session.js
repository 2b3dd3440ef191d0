// console/session.js: who is signed in to the console. The session cookie
// is HttpOnly and shared with the customer app; the console remembers only
// how far its own sign-in got (a flag, no secret) so that it does not ask
// the API about a session that is not there (which would answer 401).
import { api } from "../core/api.js";

const flag = "vigil.staff";
export function setStage(stage) { // "in", "pending" or null
  try { if (stage) localStorage.setItem(flag, stage); else localStorage.removeItem(flag); } catch { /* private mode */ }
  cached = null;
}
export function stage() { try { return localStorage.getItem(flag); } catch { return "in"; } }

let cached = null;
let skew = 0;
// now is vigil's time (deadlines and training dates are counted on it),
// as the last answer about the signed-in member said.
export function now() { return Date.now() + skew; }
// staffMe answers the signed-in staff member, or null.
export function staffMe() {
  if (stage() !== "in") return Promise.resolve(null);
  if (cached && Date.now() - cached.at < 5000) return cached.value;
  const value = api.get("/api/v1/staff/me", { raw: true }).then(async (res) => {
    const t = Date.parse(res.headers.get("Vigil-Now") || "");
    if (!Number.isNaN(t)) skew = t - Date.now();
    return res.json();
  }).catch((e) => {
    if (e.status === 401) { setStage(null); return null; }
    if (e.code === "mfa_required") { setStage("pending"); return null; }
    throw e;
  });
  cached = { at: Date.now(), value };
  return value;
}

export const roleNames = {
  support_l1: "Support (level 1)", support_l2: "Support (level 2)", security: "Security officer",
  dpo: "Data-protection officer", operator_admin: "Operator administrator",
};

// trainingLapsed: staff without current privacy training see no personal
// data (the gate refuses it); the console closes those pages too.
export function trainingLapsed(st) { return !st.training_valid_until || new Date(st.training_valid_until).getTime() <= now(); }
