// vigil web app: the recordings view. One day's timeline of a camera
// channel (recorded ranges and alarm marks), and a <video> playing the
// range picked, from the MP4 a short-lived stream token opens (Chromium
// has no native HLS). Loaded before app.js; it registers its page and uses
// app.js's helpers (el, api, show, nav) when the page runs.
"use strict";

(globalThis.vigilPages ||= {})["/recordings"] = async function recordingsPage() {
  try { await api("GET", "/api/v1/me"); } catch { location.hash = "#/login"; return; }
  nav(true);
  const q = new URLSearchParams(location.hash.split("?")[1] || "");
  const { accounts } = await api("GET", "/api/v1/me/accounts");
  const cams = [];
  for (const a of accounts) {
    const { devices } = await api("GET", `/api/v1/accounts/${a.id}/devices`);
    for (const d of devices) {
      // A camera is channel 0; an NVR's cameras are its channels 1..N.
      const chans = d.channels ? Array.from({ length: d.channels }, (_, i) => i + 1) : [0];
      for (const ch of chans) cams.push({ account: a.id, device: d.id, channel: ch, name: d.name + (d.channels ? " · channel " + ch : "") });
    }
  }
  if (cams.length === 0) { show(el("h1", {}, "Recordings"), el("p", {}, "Add a camera first.")); return; }
  const pick = cams.find((c) => c.device === q.get("device") && String(c.channel) === (q.get("channel") || "0")) || cams[0];
  const day = q.get("day") || new Date().toISOString().slice(0, 10);
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const go = (device, channel, d) => { location.hash = `#/recordings?device=${encodeURIComponent(device)}&channel=${channel}&day=${d}`; };

  const camSelect = el("select", { id: "rec-camera", onchange: () => { const c = cams[camSelect.selectedIndex]; go(c.device, c.channel, day); } },
    cams.map((c) => el("option", {}, c.name)));
  camSelect.selectedIndex = cams.indexOf(pick);
  const dayInput = el("input", { type: "date", id: "rec-day", value: day, onchange: () => go(pick.device, pick.channel, dayInput.value) });

  const base = `/api/v1/accounts/${pick.account}/devices/${pick.device}/channels/${pick.channel}`;
  const tl = await api("GET", `${base}/timeline?day=${day}&tz=${encodeURIComponent(tz)}`);
  const from = new Date(tl.from).getTime(), span = new Date(tl.to).getTime() - from;
  const pct = (t) => (100 * (new Date(t).getTime() - from) / span) + "%";

  const video = el("video", { id: "rec-video", controls: "", playsinline: "", preload: "auto" });
  video.muted = true; // so playback may start without a click; the controls unmute
  const status = el("p", { id: "rec-status", class: "muted" });
  const exportBox = el("p", { id: "rec-export" });

  async function play(r) {
    status.textContent = "Loading " + new Date(r.start).toLocaleTimeString() + "…";
    const s = await api("POST", `${base}/playback`, { from: r.start, to: r.end });
    // The MP4 link comes only to those who may export (download); others
    // watch the HLS playlist.
    video.src = s.mp4 || s.hls;
    try { await video.play(); } catch { /* the user presses play */ }
    status.textContent = "Playing " + new Date(r.start).toLocaleString() + " – " + new Date(r.end).toLocaleTimeString();
    exportBox.replaceChildren(el("button", { id: "rec-export-button", onclick: async () => {
      try {
        const x = await api("POST", `${base}/exports`, { from: r.start, to: r.end });
        exportBox.replaceChildren(el("a", { href: x.mp4, download: "" }, "Download MP4 (link valid until " + new Date(x.expires_at).toLocaleTimeString() + ")"));
      } catch (e) { exportBox.replaceChildren(el("span", { class: "error" }, e.message)); }
    } }, "Export this range"));
  }

  const bar = el("div", { class: "timeline", id: "rec-timeline", role: "img", "aria-label": "recorded ranges of the day" });
  for (const r of tl.ranges) {
    const seg = el("button", { class: "range", title: new Date(r.start).toLocaleTimeString() + " – " + new Date(r.end).toLocaleTimeString(), onclick: () => play(r) });
    seg.style.left = pct(r.start);
    seg.style.width = `max(3px, calc(${pct(r.end)} - ${pct(r.start)}))`;
    bar.append(seg);
  }
  for (const m of tl.marks) {
    const tick = el("span", { class: "mark", title: m.kind + " at " + new Date(m.at).toLocaleTimeString() });
    tick.style.left = pct(m.at);
    bar.append(tick);
  }
  const list = el("ul", { id: "rec-ranges" }, tl.ranges.map((r) => el("li", {},
    el("button", { class: "link", onclick: () => play(r) }, new Date(r.start).toLocaleTimeString() + " – " + new Date(r.end).toLocaleTimeString()),
    r.has_audio ? " · sound" : "")));
  show(el("h1", {}, "Recordings"),
    el("div", { class: "rec-controls" }, el("label", { for: "rec-camera" }, "Camera", camSelect), el("label", { for: "rec-day" }, "Day", dayInput)),
    bar, el("p", { class: "muted" }, tl.ranges.length ? `${tl.ranges.length} recorded stretch(es), ${tl.marks.length} alarm(s) on ${day} (${tz}).` : "Nothing recorded that day."),
    list, video, status, exportBox);
};
