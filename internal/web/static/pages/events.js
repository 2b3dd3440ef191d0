// pages/events.js: the review queue of camera events across cameras, newest
// first: filter by camera, type and day, mark one or all read, the snapshot
// and the recording around each. Also the pages vigil's messages link to:
// #/events/<account>/<alarm> (and the older #/alarms/<account>/<alarm>),
// #/snapshots/<alarm>.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, link } from "../core/router.js";
import { empty, statusLine } from "../core/ui.js";
import { setBadge } from "../core/layout.js";
import { accounts, devices, cameras } from "../app/session.js";
import { list, decorate, thumb, cameraLink, eventLink, snapshotURL, countChanged, unreadCount } from "../app/events.js";
import { alarmType } from "../app/words.js";
import { playRecorded } from "../core/player.js";

async function markRead(al) {
  const r = await api.post(`/api/v1/accounts/${al.account.id}/alarms/${al.id}/ack`);
  countChanged();
  unreadCount().then((n) => setBadge("nav-events", n)).catch(() => {});
  return r;
}

function eventItem(al) {
  const readBox = h("div", { class: "actions" });
  const li = h("li", { class: "event" + (al.acked_at ? "" : " unread"), "data-event": al.id });
  const renderRead = () => {
    readBox.replaceChildren(
      al.recording ? h("a", { class: "button secondary", href: cameraLink(al) }, "Play") : null,
      h("a", { class: "button secondary", href: eventLink(al) }, "Details"),
      al.acked_at ? h("span", { class: "muted" }, "read") : h("button", { type: "button", class: "secondary mark-read", onclick: async (e) => {
        e.currentTarget.disabled = true;
        try { const r = await markRead(al); al.acked_at = r.acked_at; li.classList.remove("unread"); renderRead(); } catch (err) { readBox.append(h("span", { class: "error" }, err.message)); }
      } }, "Mark read"));
  };
  renderRead();
  li.append(h("a", { href: eventLink(al), "aria-hidden": "true", tabindex: "-1" }, thumb(al)),
    h("div", {}, h("div", { class: "what" }, al.faceText ? al.faceText : [alarmType(al.type), " · ", al.cameraName]),
      h("div", { class: "meta" }, h("time", { datetime: al.time }, fmt.dateTime(al.time)), " · ", fmt.ago(al.time)), readBox));
  return li;
}

async function eventsPage(ctx) {
  const q = ctx.query;
  const cams = await cameras();
  const filter = { device: q.get("device") || "", type: q.get("type") || "" };
  const day = q.get("day") || "";
  if (day) { filter.from = new Date(day + "T00:00:00").toISOString(); filter.to = new Date(new Date(day + "T00:00:00").getTime() + 86400000).toISOString(); }
  const items = await list(filter, 100);
  const unread = items.filter((x) => !x.acked_at);
  const go = (patch) => { location.hash = link(["events"], { device: filter.device, type: filter.type, day, ...patch }); };

  const devs = []; for (const c of cams) if (!devs.some((d) => d.id === c.device.id)) devs.push(c.device);
  const camSel = h("select", { id: "ev-camera", onchange: () => go({ device: camSel.value }) },
    h("option", { value: "" }, "All cameras"), devs.map((d) => h("option", { value: d.id, selected: d.id === filter.device }, d.name)));
  const types = ["motion", "person", "vehicle", "sound", "line_crossing", "intrusion", "tamper", "video_loss", "doorbell", "face_match", "face_unknown"];
  const typeSel = h("select", { id: "ev-type", onchange: () => go({ type: typeSel.value }) },
    h("option", { value: "" }, "All kinds"), types.map((t) => h("option", { value: t, selected: t === filter.type }, alarmType(t))));
  const dayIn = h("input", { type: "date", id: "ev-day", value: day, max: fmt.day(Date.now()), onchange: () => go({ day: dayIn.value }) });
  const status = statusLine("ev-status");
  const allRead = h("button", { type: "button", id: "mark-all-read", class: "secondary", disabled: !unread.length, onclick: async () => {
    allRead.disabled = true;
    try {
      for (const al of unread) { const r = await markRead(al); al.acked_at = r.acked_at; }
      listNode.replaceWith(listNode = render(items));
      status.ok("All marked read.");
    } catch (e) { status.error(e.message); allRead.disabled = false; }
  } }, "Mark all read");
  const render = (xs) => (xs.length ? h("ul", { class: "event-list", id: "events" }, xs.map(eventItem)) : empty("No events" + (filter.device || filter.type || day ? " match these filters." : " yet."), h("p", { id: "events" })));
  let listNode = render(items);
  return [h("div", { class: "page-head" }, h("h1", {}, "Events"), h("p", { class: "muted", id: "ev-unread" }, unread.length + " unread · ", h("a", { href: "#/events/rules" }, "Who is told, and when"))),
    h("div", { class: "toolbar" }, h("label", { for: "ev-camera" }, "Camera", camSel), h("label", { for: "ev-type" }, "Kind", typeSel),
      h("label", { for: "ev-day" }, "Day", dayIn), allRead), status.node, listNode];
}
route("/events", eventsPage);
route("/alarms", eventsPage);

// clip plays the recording around an event (the part of it that was
// recorded) in place.
function clip(e, ctx, status) {
  if (!e.recording) return null;
  const video = h("video", { id: "event-video", controls: true, playsinline: true, preload: "none", "aria-label": "recording around the event" });
  video.muted = true;
  const box = h("div", { class: "viewer", hidden: true }, video);
  let stop = null;
  ctx.onLeave(() => { if (stop) stop(); });
  const btn = h("button", { type: "button", id: "event-play", onclick: async () => {
    btn.disabled = true;
    try {
      const base = e.recording.playback.replace(/\/playback$/, "");
      const from = new Date(e.recording.from).getTime(), to = new Date(e.recording.to).getTime();
      const tl = await api.get(`${base}/timeline?from=${encodeURIComponent(e.recording.from)}&to=${encodeURIComponent(e.recording.to)}`);
      const r = tl.ranges.map((x) => [Math.max(from, new Date(x.start).getTime()), Math.min(to, new Date(x.end).getTime())]).find(([a, b]) => b > a);
      if (!r) { status.error("The camera recorded nothing around this moment."); return; }
      const s = await api.post(e.recording.playback, { from: new Date(r[0]).toISOString(), to: new Date(r[1]).toISOString() });
      box.hidden = false;
      stop = await playRecorded(video, s);
      try { await video.play(); } catch { /* the person presses play */ }
      btn.hidden = true;
    } catch (err) { status.error(err.message); btn.disabled = false; }
  } }, "Play the recording");
  return [box, h("div", { class: "actions" }, btn)];
}

// One event, as alarm e-mails, push and SMS link to it.
async function eventPage(ctx, accountID, alarmID) {
  const [al, devs, accs] = await Promise.all([api.get(`/api/v1/accounts/${accountID}/alarms/${alarmID}`), devices(accountID), accounts()]);
  const acct = accs.find((a) => a.id === accountID) || { id: accountID, name: "" };
  const e = decorate(al, acct, devs.find((d) => d.id === al.device_id));
  const status = statusLine("event-status");
  const readBtn = e.acked_at ? h("span", { class: "muted" }, "Read " + fmt.dateTime(e.acked_at)) : h("button", { type: "button", class: "secondary", id: "event-read", onclick: async () => {
    try { await markRead(e); readBtn.replaceWith(h("span", { class: "muted" }, "Read")); } catch (err) { status.error(err.message); }
  } }, "Mark read");
  return [h("p", { class: "crumbs" }, h("a", { href: "#/events" }, "← All events")),
    h("h1", {}, alarmType(e.type), " · ", e.cameraName),
    h("p", { class: "muted" }, h("time", { datetime: e.time }, fmt.dateTime(e.time)), " (", fmt.ago(e.time), ")"),
    e.snapshot_uploaded ? h("img", { class: "snapshot-large", id: "event-snapshot", src: snapshotURL(e), alt: "snapshot: " + alarmType(e.type) + " at " + e.cameraName }) : h("p", { class: "muted" }, e.snapshot ? "The snapshot has not arrived yet." : "The camera took no snapshot."),
    clip(e, ctx, status),
    h("div", { class: "actions" }, e.recording ? h("a", { class: "button secondary", id: "event-timeline", href: cameraLink(e) }, "Open on the timeline") : h("span", { class: "muted" }, "No recording around this moment."),
      h("a", { class: "button secondary", href: link(["cameras", accountID, e.device_id, e.channel]) }, "Open the camera"), readBtn),
    status.node];
}
route("/events/:account/:alarm", (ctx) => eventPage(ctx, ctx.params.account, ctx.params.alarm));
route("/alarms/:account/:alarm", (ctx) => eventPage(ctx, ctx.params.account, ctx.params.alarm));
// E-mails link the snapshot by the alarm's ID alone: find its account.
route("/snapshots/:alarm", async (ctx) => {
  for (const a of await accounts()) {
    try { await api.get(`/api/v1/accounts/${a.id}/alarms/${ctx.params.alarm}`); return eventPage(ctx, a.id, ctx.params.alarm); } catch { /* not this account's */ }
  }
  return [h("h1", {}, "Event not found"), h("p", {}, "It may have been deleted when its retention ended. ", h("a", { href: "#/events" }, "All events"))];
});
