// app/session.js: what the customer pages share about the signed-in person:
// who they are, their accounts, sites and cameras. Answers are kept for a
// few seconds so that a page and the navigation do not ask twice.
import { api } from "../core/api.js";

const cache = new Map();
function cached(key, ttl, load) {
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < ttl) return hit.value;
  const value = load();
  cache.set(key, { at: Date.now(), value });
  value.catch(() => cache.delete(key));
  return value;
}

export function forget() { cache.clear(); }

// The session cookie is HttpOnly: the app remembers that it signed in (a
// flag, no secret) so that it does not ask the API who is signed in when
// nobody is, which would answer 401 on every public page.
const flag = "vigil.signedIn";
export function markSignedIn(on) {
  try { if (on) localStorage.setItem(flag, "1"); else localStorage.removeItem(flag); } catch { /* private mode: ask the API */ }
  forget();
}
function maybeSignedIn() { try { return localStorage.getItem(flag) !== null; } catch { return true; } }

// me answers the signed-in person, or null when nobody is signed in.
export function me() {
  if (!maybeSignedIn()) return Promise.resolve(null);
  return cached("me", 5000, () => api.get("/api/v1/me").catch((e) => {
    if (e.status === 401 || e.status === 403) { markSignedIn(false); return null; }
    throw e;
  }));
}

export function accounts() { return cached("accounts", 5000, () => api.get("/api/v1/me/accounts").then((r) => r.accounts || [])); }

export function sites(accountID) {
  return cached("sites." + accountID, 5000, () => api.get(`/api/v1/accounts/${accountID}/sites`).then((r) => r.sites || []).catch(() => []));
}

export function devices(accountID) {
  return cached("devices." + accountID, 3000, () => api.get(`/api/v1/accounts/${accountID}/devices`).then((r) => r.devices || []));
}

// sharedWithMe lists the shares other people gave the signed-in person,
// each with the cameras it opens.
export function sharedWithMe() {
  return cached("shared", 5000, () => api.get("/api/v1/shared-with-me").then((r) => r.shares || []).catch(() => []));
}

// sharedSite groups cameras other people shared in the grid's site filter.
export const sharedSite = { id: "shared", name: "Shared with you" };

const channelsOf = (d) => (d.kind === "nvr" || d.channels ? Array.from({ length: d.channels || 0 }, (_, i) => i + 1) : [0]);

// cameras lists every camera of every account: a camera device is one
// camera (channel 0), an NVR's cameras are its channels 1..N. Each has a
// key ("<account>.<device>.<channel>") for links. Cameras shared with the
// person follow, under the "Shared with you" site, each with its share.
export async function cameras() {
  const out = [];
  for (const a of await accounts()) {
    const [ds, ss] = await Promise.all([devices(a.id), sites(a.id)]);
    const siteName = Object.fromEntries(ss.map((s) => [s.id, s.name]));
    for (const d of ds) {
      for (const ch of channelsOf(d)) {
        out.push({ account: a, device: d, channel: ch, site: d.site_id ? { id: d.site_id, name: siteName[d.site_id] || "Site" } : null,
          name: d.name + (ch ? " · camera " + ch : ""), key: [a.id, d.id, ch].join(".") });
      }
    }
  }
  for (const sh of await sharedWithMe()) {
    if (sh.status !== "active") continue;
    const a = { id: sh.account_id, name: "Shared with you", role: "share recipient" };
    for (const d of sh.cameras || []) {
      for (const ch of channelsOf(d)) {
        const key = [a.id, d.id, ch].join(".");
        if (out.some((c) => c.key === key)) continue;
        out.push({ account: a, device: d, channel: ch, site: sharedSite, share: sh, name: d.name + (ch ? " · camera " + ch : ""), key });
      }
    }
  }
  return out;
}

// deviceName finds a device's name in the cached devices (IDs never show
// where a name exists).
export async function deviceNames(accountID) {
  return Object.fromEntries((await devices(accountID)).map((d) => [d.id, d.name]));
}

// offlineReason says in words why a device is not live.
export function offlineReason(d) {
  if (d.lost_at) return "reported lost";
  if (d.online) return "";
  return d.last_seen_at ? "offline since " + new Date(d.last_seen_at).toLocaleString() : "never connected yet";
}
