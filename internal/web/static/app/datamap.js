// app/datamap.js: the data map (every kind of personal data vigil keeps)
// in words, and lookups of category and purpose titles by their codes.
import { api } from "../core/api.js";

let cached = null;
export function datamap() {
  if (!cached) cached = api.get("/api/v1/datamap").then((r) => r.categories || []).catch((e) => { cached = null; throw e; });
  return cached;
}

export async function titles() {
  const cats = await datamap().catch(() => []);
  const category = Object.fromEntries(cats.map((c) => [c.id, c.title]));
  const purpose = {};
  for (const c of cats) for (const p of c.purposes || []) purpose[p.id] = p.title;
  return { category: (id) => category[id] || id, purpose: (id) => purpose[id] || (id || "").replace(/_/g, " ") };
}

export const basis = {
  contract: "needed to give you the service you signed up for",
  consent: "only with your consent, which you can withdraw",
  legal_obligation: "the law requires vigil to keep it",
  legitimate_interest: "vigil's legitimate interest (security, fraud prevention), weighed against yours",
};
export const erasure = {
  crypto_shred: "its encryption key is destroyed, so every copy, backups included, becomes unreadable",
  purge: "deleted, files and records",
  pseudonymise: "the record stays but what identifies you is removed",
};
export const exportFormat = { json: "as a JSON file", media: "as the original video and picture files", none: "not included in a download" };

// retention turns "400 days from created" into "about 1 year and 1 month
// after it is created".
export function retention(s) {
  const m = /^(\d+) days from (.+)$/.exec(s || "");
  if (!m) return s;
  const d = Number(m[1]);
  let span;
  if (d === 0) span = "until";
  else if (d % 365 === 0) span = d / 365 + (d === 365 ? " year" : " years");
  else if (d >= 60 && d % 30 === 0) span = d / 30 + " months";
  else if (d >= 14 && d % 7 === 0) span = d / 7 + " weeks";
  else span = d + (d === 1 ? " day" : " days");
  return d === 0 ? "until " + m[2] : span + " after " + m[2];
}
