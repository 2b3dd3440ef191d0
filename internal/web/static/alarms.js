// vigil web app: the Alarms page. It lists each account's alarms, newest
// first, with their snapshots (fetched through the access gate with the
// session cookie), and lets people acknowledge them. Uses app.js's el, api,
// show and nav; every server value is inserted as text.
"use strict";

window.vigilAlarms = async function alarmsPage() {
  try { await api("GET", "/api/v1/me"); } catch { location.hash = "#/login"; return; }
  nav(true);
  const { accounts } = await api("GET", "/api/v1/me/accounts");
  const parts = [el("h1", {}, "Alarms")];
  for (const a of accounts) {
    parts.push(el("h2", {}, a.name));
    let list;
    try { list = (await api("GET", `/api/v1/accounts/${a.id}/alarms?limit=50`)).alarms; }
    catch (e) { parts.push(el("p", { class: "muted" }, e.message)); continue; }
    if (!list.length) { parts.push(el("p", { class: "muted" }, "No alarms.")); continue; }
    parts.push(el("table", { id: "alarms-" + a.id, class: "alarms" },
      el("tr", {}, ["When", "Device", "Type", "Snapshot", "Read"].map((h) => el("th", {}, h))),
      list.map((al) => alarmRow(a.id, al))));
  }
  show(...parts);
};

function alarmRow(accountID, al) {
  const read = el("td", {}, al.acked_at ? "read " + new Date(al.acked_at).toLocaleString() : "");
  if (!al.acked_at) {
    read.append(el("button", { onclick: async (ev) => {
      ev.target.disabled = true;
      try {
        const r = await api("POST", `/api/v1/accounts/${accountID}/alarms/${al.id}/ack`);
        read.replaceChildren("read " + new Date(r.acked_at).toLocaleString());
      } catch (e) { read.replaceChildren(el("span", { class: "error" }, e.message)); }
    } }, "Mark read"));
  }
  const snap = el("td", {});
  if (al.snapshot_uploaded) {
    snap.append(el("img", { src: `/api/v1/accounts/${accountID}/alarms/${al.id}/snapshot`, alt: "snapshot of the alarm", width: "160", loading: "lazy" }));
  } else if (al.snapshot) {
    snap.append(el("span", { class: "muted" }, "expected"));
  }
  const when = el("td", {}, new Date(al.time).toLocaleString());
  if (al.recording) {
    // The recording around the alarm, on the Recordings page of its day.
    const day = new Date(al.time).toLocaleDateString("en-CA");
    when.append(" ", el("a", { href: `#/recordings?device=${encodeURIComponent(al.device_id)}&channel=${al.channel}&day=${day}` }, "recording"));
  }
  return el("tr", { class: al.acked_at ? "" : "unread" },
    when,
    el("td", {}, al.device_id, al.channel ? " · channel " + al.channel : ""),
    el("td", {}, al.type.replace("_", " ")),
    snap, read);
}
