// pages/camera.js: one camera. The live view (sound where the codec
// allows, full screen) and under it the day's timeline: scrub to any
// recorded moment and it plays from there, click an event to see it from a
// few seconds before, move by day, export a chosen stretch. Deep links:
// #/cameras/<account>/<device>/<channel>?day=YYYY-MM-DD&at=<RFC 3339>.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, link } from "../core/router.js";
import { statusLine, section } from "../core/ui.js";
import { playRecorded } from "../core/player.js";
import { cameras, offlineReason } from "../app/session.js";
import { list as listEvents, thumb, eventLink } from "../app/events.js";
import { startLive, liveVideo, NotStreaming } from "../app/live.js";
import { timeline } from "../app/timeline.js";
import { calendar } from "../app/calendar.js";
import { alarmType } from "../app/words.js";

const preRoll = 5000; // an event is shown from 5 s before its moment

// The old Recordings page's links lead to the camera page.
route("/recordings", async (ctx) => {
  const cams = await cameras();
  const q = ctx.query;
  const cam = cams.find((c) => c.device.id === q.get("device") && String(c.channel) === (q.get("channel") || "0")) || cams[0];
  if (!cam) { ctx.redirect("#/"); return undefined; }
  ctx.redirect(link(["cameras", cam.account.id, cam.device.id, cam.channel], { day: q.get("day") }));
  return undefined;
});

const dayStart = (day) => new Date(day + "T00:00:00").getTime();
const shiftDay = (day, n) => { const d = new Date(day + "T12:00:00"); d.setDate(d.getDate() + n); return fmt.day(d); };

route("/cameras/:account/:device/:channel", async (ctx) => {
  const { account, device, channel } = ctx.params;
  const cams = await cameras();
  const cam = cams.find((c) => c.account.id === account && c.device.id === device && String(c.channel) === channel);
  if (!cam) return [h("h1", {}, "Camera not found"), h("p", {}, "It may have been removed, or it is not shared with you. ", h("a", { href: "#/" }, "All cameras"))];
  const at = ctx.query.get("at") ? new Date(ctx.query.get("at")).getTime() : null;
  const day = ctx.query.get("day") || fmt.day(at ?? Date.now());
  const base = `/api/v1/accounts/${account}/devices/${device}/channels/${channel}`;
  const tz = fmt.timeZone();

  const [tl, events] = await Promise.all([
    api.get(`${base}/timeline?day=${day}&tz=${encodeURIComponent(tz)}`).catch((e) => ({ error: e })),
    listEvents({ device, from: new Date(dayStart(day)).toISOString(), to: new Date(dayStart(shiftDay(day, 1))).toISOString() }, 200).catch(() => []),
  ]);
  const dayEvents = events.filter((e) => e.channel === Number(channel));

  // The viewer: live first; recorded playback when a moment is chosen.
  const video = liveVideo("cam-video", { controls: true });
  const overlay = h("span", { class: "overlay", id: "cam-mode" }, "Starting…");
  const viewer = h("div", { class: "viewer", id: "viewer" }, video, overlay);
  const status = statusLine("cam-status");
  let stopCurrent = null, liveOn = false, playFrom = null;
  const stop = () => { if (stopCurrent) { try { stopCurrent(); } catch { /* already ended */ } } stopCurrent = null; video.srcObject = null; };
  ctx.onLeave(stop);

  async function goLive() {
    stop();
    liveOn = true;
    playFrom = null;
    backLive.hidden = true;
    if (!cam.device.online) { overlay.textContent = "Offline"; status.info(offlineReason(cam.device) + ". Pick a recorded moment on the timeline."); return; }
    overlay.textContent = "Connecting…";
    try {
      const s = await startLive(cam, video);
      stopCurrent = s.stop;
      overlay.textContent = "Live";
      status.info("Live over " + s.how + "." + (s.note ? " No sound: " + s.note.replace(/^none: /, "") + "." : ""));
    } catch (e) {
      overlay.textContent = e instanceof NotStreaming ? "No live video" : "Live view unavailable";
      if (e instanceof NotStreaming) status.info("The camera is online but sends no video right now. Pick a recorded moment on the timeline."); else status.error(e.message);
    }
  }

  const ranges = tl.error ? [] : tl.ranges.map((r) => ({ s: new Date(r.start).getTime(), e: new Date(r.end).getTime(), audio: r.has_audio }));
  // One mark per event (an alarm may be marked more than once).
  // A recognised person's mark reads "Alice at Front door", as the event does.
  const faceText = Object.fromEntries(dayEvents.filter((e) => e.faceText).map((e) => [e.id, e.faceText]));
  const withPicture = new Set(dayEvents.filter((e) => e.snapshot_uploaded).map((e) => e.id));
  // One mark per event: marks of the same kind at the same moment are one
  // event (the one with a picture is kept).
  const byMoment = new Map();
  for (const m of tl.error ? [] : tl.marks) {
    const mark = { t: new Date(m.at).getTime(), kind: m.kind, ref: m.ref, label: faceText[m.ref],
      thumb: withPicture.has(m.ref) ? `/api/v1/accounts/${account}/alarms/${m.ref}/snapshot` : null };
    const key = m.kind + "@" + mark.t, had = byMoment.get(key);
    if (!had || (!had.thumb && mark.thumb)) byMoment.set(key, mark);
  }
  const marks = [...byMoment.values()];

  // playAt plays the recording from t (ms): the stretch that holds t, or
  // the next one after it.
  async function playAt(t) {
    const r = ranges.find((x) => t >= x.s && t < x.e) || ranges.find((x) => x.s > t);
    if (!r) { status.info("Nothing recorded at " + fmt.timeSec(t) + " or after it that day."); return; }
    const start = Math.max(r.s, Math.min(t, r.e - 1000));
    stop();
    liveOn = false;
    backLive.hidden = false;
    overlay.textContent = "Recording · " + fmt.timeSec(start);
    status.info("Loading " + fmt.timeSec(start) + "…");
    const s = await api.post(`${base}/playback`, { from: new Date(start).toISOString(), to: new Date(r.e).toISOString() });
    playFrom = start;
    stopCurrent = await playRecorded(video, s);
    try { await video.play(); } catch { /* the person presses play */ }
    status.info("Playing from " + fmt.dateTime(start) + (r.audio ? " with sound (unmute with the controls)." : "."));
    exportFrom.value = hhmm(start);
    exportTo.value = hhmm(Math.min(r.e, start + 60000));
  }
  video.addEventListener("timeupdate", () => {
    if (playFrom === null) return;
    const t = playFrom + video.currentTime * 1000;
    overlay.textContent = "Recording · " + fmt.timeSec(t);
    bar.setCursor(t, true);
  });

  const bar = timeline({ from: dayStart(day), to: dayStart(shiftDay(day, 1)), ranges, marks,
    onSeek: (t) => playAt(t).catch((e) => status.error(e.message)),
    onMark: (m) => { bar.setCursor(m.t - preRoll); playAt(m.t - preRoll).catch((e) => status.error(e.message)); } });

  const backLive = h("button", { type: "button", id: "back-live", class: "secondary", hidden: true, onclick: () => goLive() }, "Back to live");
  const full = h("button", { type: "button", class: "secondary", onclick: () => (document.fullscreenElement ? document.exitFullscreen() : viewer.requestFullscreen()).catch(() => {}) }, "Full screen");

  // Day navigation: earlier and later days, or any date.
  const go = (d) => { location.hash = link(["cameras", account, device, channel], { day: d }); };
  const dayInput = h("input", { type: "date", id: "cam-day", value: day, max: fmt.day(Date.now()), "aria-label": "Day", onchange: () => dayInput.value && go(dayInput.value) });
  const dayNav = h("div", { class: "tl-controls" }, h("div", { class: "group" },
    h("button", { type: "button", class: "secondary", id: "day-prev", onclick: () => go(shiftDay(day, -1)) }, "◀ Previous day"),
    dayInput,
    h("button", { type: "button", class: "secondary", id: "day-next", disabled: day >= fmt.day(Date.now()), onclick: () => go(shiftDay(day, 1)) }, "Next day ▶")),
  h("span", { class: "muted", id: "tl-summary" }, tl.error ? "Recordings: " + tl.error.message
    : `${ranges.length ? ranges.length + " recorded stretch" + (ranges.length > 1 ? "es" : "") : "Nothing recorded"}, ${marks.length} event${marks.length === 1 ? "" : "s"} on ${fmt.date(dayStart(day))}`));

  // Export of a chosen stretch of the day (times in the person's zone).
  const hhmm = (t) => new Date(t).toTimeString().slice(0, 8);
  const exportFrom = h("input", { type: "time", id: "export-from", step: 1, value: ranges[0] ? hhmm(ranges[0].s) : "00:00" });
  const exportTo = h("input", { type: "time", id: "export-to", value: ranges[0] ? hhmm(Math.min(ranges[0].e, ranges[0].s + 3600000)) : "00:10", step: 1 });
  const exportStatus = statusLine("export-status");
  const exportBox = h("form", { id: "export-form", class: "toolbar" },
    h("label", { for: "export-from" }, "From", exportFrom), h("label", { for: "export-to" }, "Until", exportTo),
    h("button", { type: "submit", id: "export-button" }, "Export video"), exportStatus.node);
  exportBox.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    exportStatus.clear();
    try {
      const f = new Date(day + "T" + exportFrom.value).getTime(), t = new Date(day + "T" + exportTo.value).getTime();
      if (!(t > f)) throw new Error("Choose an end after the start.");
      const x = await api.post(`${base}/exports`, { from: new Date(f).toISOString(), to: new Date(t).toISOString() });
      exportStatus.ok([h("a", { href: x.mp4, download: "", id: "export-link" }, "Download the video"), " (the link works until " + fmt.time(x.expires_at) + ")"]);
    } catch (e) { exportStatus.error(e.message); }
  });

  const strip = h("ul", { class: "events-strip", id: "cam-events" }, dayEvents.map((e) => h("li", { class: "event-card" },
    thumb(e),
    h("span", {}, h("strong", {}, e.faceText || alarmType(e.type)), " ", fmt.timeSec(e.time)),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "secondary", "data-event": e.id, onclick: () => { const t = new Date(e.time).getTime() - preRoll; bar.setCursor(t, true); playAt(t).catch((err) => status.error(err.message)); } }, "Play"),
      h("a", { href: eventLink(e) }, "Details")))));

  if (at !== null) {
    bar.zoomTo(10, at);
    playAt(at - preRoll).catch((e) => status.error(e.message));
  } else goLive();

  return [
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "← All cameras")),
    h("div", { class: "page-head" }, h("h1", {}, cam.name),
      h("p", { class: "muted" }, [cam.site ? cam.site.name : cam.account.name, cam.device.online ? "online" : offlineReason(cam.device)].join(" · "))),
    viewer,
    h("div", { class: "viewer-actions" }, backLive, full, h("a", { href: link(["devices", account, device]) }, "Camera settings"), status.node),
    section("Timeline", dayNav, calendar(base, day, (d) => link(["cameras", account, device, channel], { day: d })), bar.node, dayEvents.length ? [h("h3", {}, "Events this day"), strip] : null),
    section("Export a stretch", h("p", { class: "muted" }, "Download the video of a stretch of this day as an MP4 file."), exportBox),
  ];
});
