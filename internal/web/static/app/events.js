// app/events.js: camera events (alarms) across the person's accounts, with
// camera names in place of device IDs, and the unread count of the badge.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { link } from "../core/router.js";
import { accounts, devices } from "./session.js";
import { alarmType } from "./words.js";

// list returns the newest events of every account (filter: device, type,
// from, to as the API takes them), each with .account and .cameraName.
export async function list(filter = {}, limit = 100) {
  const out = [];
  for (const a of await accounts()) {
    const names = Object.fromEntries((await devices(a.id)).map((d) => [d.id, d]));
    const q = new URLSearchParams(Object.entries({ ...filter, limit }).filter(([, v]) => v !== undefined && v !== ""));
    let rows;
    try { rows = (await api.get(`/api/v1/accounts/${a.id}/alarms?${q}`)).alarms || []; } catch (e) { if (e.status === 403) continue; throw e; }
    // A recognised person's event reads "Alice at Front door".
    let faces = {};
    if (rows.some((al) => al.type === "face_match")) {
      try { faces = Object.fromEntries(((await api.get(`/api/v1/accounts/${a.id}/face/matches?limit=200`)).matches || []).map((m) => ["face-" + m.id, m.text])); } catch { faces = {}; }
    }
    for (const al of rows) out.push({ ...decorate(al, a, names[al.device_id]), faceText: faces[al.event_id] || "" });
  }
  return out.sort((x, y) => new Date(y.time) - new Date(x.time));
}

export function decorate(al, account, device) {
  const name = device ? device.name + (al.channel ? " · camera " + al.channel : "") : "A removed camera";
  return { ...al, account, cameraName: name, siteID: device && device.site_id };
}

let lastCount = { at: 0, n: 0 };
// unreadCount counts unread events of the last 200 per account.
export async function unreadCount() {
  if (Date.now() - lastCount.at < 10000) return lastCount.n;
  let n = 0;
  for (const a of await accounts()) {
    try { n += ((await api.get(`/api/v1/accounts/${a.id}/alarms?limit=200`)).alarms || []).filter((x) => !x.acked_at).length; } catch { /* not allowed to list */ }
  }
  lastCount = { at: Date.now(), n };
  return n;
}
export function countChanged() { lastCount.at = 0; }

export const snapshotURL = (al) => `/api/v1/accounts/${al.account.id}/alarms/${al.id}/snapshot`;
export const eventLink = (al) => link(["events", al.account.id, al.id]);
// cameraLink opens the camera page at the event's moment (pre-roll comes
// from the camera page, which starts a little before).
export const cameraLink = (al) => link(["cameras", al.account.id, al.device_id, al.channel], { at: al.time });

// thumb is the event's snapshot, or a placeholder saying why there is none.
export function thumb(al, cls = "thumb") {
  if (al.snapshot_uploaded) return h("img", { class: cls, src: snapshotURL(al), alt: alarmType(al.type) + " at " + al.cameraName + ", " + fmt.dateTime(al.time), loading: "lazy" });
  return h("div", { class: cls, role: "img", "aria-label": "no snapshot" }, al.snapshot ? "snapshot on its way" : "no snapshot");
}
