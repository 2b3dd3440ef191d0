// console/grants.js: access customers entrust to the signed-in member.
// Staff have no standing access: they ask an account for a grant on a
// ticket (which data, for how long, why), the customer approves it in
// their app (possibly for less, or shorter) and sees every use live; the
// member then opens the account within the grant (devices, events,
// alarms, recordings, live view through the staff routes) until it ends
// or the customer withdraws it, when the page says so and shows nothing.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, navigate } from "../core/router.js";
import { section, table, empty, statusLine } from "../core/ui.js";
import { playRecorded, play } from "../core/player.js";
import { roles } from "./nav.js";
import { now } from "./session.js";

// What support may ask for: the data a support case needs, in words.
const asks = [["device.info", "Devices (name, model, state)"], ["device.event", "Device events"], ["alarm.event", "Alarms"],
  ["media.snapshot", "Alarm snapshots"], ["media.segment", "Recorded and live video"], ["device.config", "Device settings"]];
const words = Object.fromEntries(asks);
const durations = [[1, "1 hour"], [4, "4 hours"], [24, "1 day"], [72, "3 days"], [168, "7 days"]];
const catText = (cs) => cs.map((c) => words[c] || c).join(", ");
const stateWords = { pending: "waiting for the customer", approved: "approved", declined: "declined by the customer" };

function requestForm(reload) {
  const status = statusLine("ask-status");
  const account = h("input", { id: "ask-account", name: "account", autocomplete: "off", required: true, "aria-describedby": "ask-account-hint" });
  const ticket = h("input", { id: "ask-ticket", maxlength: 100, required: true });
  const reason = h("textarea", { id: "ask-reason", rows: 3, maxlength: 1000, required: true });
  const hours = h("select", { id: "ask-hours" }, durations.map(([v, t]) => h("option", { value: v, selected: v === 24 }, t)));
  const boxes = h("fieldset", { id: "ask-categories" }, h("legend", {}, "Data you need to see"),
    asks.map(([v, t]) => h("label", { class: "check", for: "ask-" + v }, h("input", { type: "checkbox", id: "ask-" + v, value: v }), " ", t)));
  const button = h("button", { type: "submit" }, "Ask the customer");
  const f = h("form", { id: "ask-form" },
    h("label", { for: "ask-account" }, "Customer account reference", h("span", { class: "hint", id: "ask-account-hint" }, "The customer reads it in their app's privacy centre (acc_…)."), account),
    h("label", { for: "ask-ticket" }, "Support ticket", ticket),
    h("label", { for: "ask-reason" }, "Why you need it, as the customer will read it", reason),
    boxes, h("label", { for: "ask-hours" }, "For how long at most", hours),
    h("div", { class: "actions" }, button), status.node);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.clear();
    const categories = [...boxes.querySelectorAll("input:checked")].map((i) => i.value);
    button.disabled = true;
    try {
      if (!categories.length) throw new Error("Choose at least one kind of data.");
      await api.post(`/api/v1/staff/accounts/${encodeURIComponent(account.value.trim())}/grant-requests`,
        { categories, hours: Number(hours.value), ticket: ticket.value.trim(), reason: reason.value.trim() });
      status.ok("Asked. The customer decides in their app; nothing opens before they approve.");
      setTimeout(reload, 600);
    } catch (e) { status.error(e.status === 404 ? "No open customer account has this reference." : e.message); } finally { button.disabled = false; }
  });
  return f;
}

const until = (g) => (g.status === "active" ? fmt.dateTime(g.until) : g.status === "revoked" ? "withdrawn " + fmt.dateTime(g.revoked_at) : g.status);

route("/staff/grants", async () => {
  const [{ grants }, { requests }] = await Promise.all([api.get("/api/v1/staff/grants"), api.get("/api/v1/staff/grant-requests")]);
  const reload = () => navigate(location.hash, { replace: true });
  return [h("h1", {}, "Customer access"),
    h("p", { class: "muted" }, "You see no customer's data unless they entrust it to you, in their own app, for a ticket and until a time they choose. They see every use as it happens and can end it at once."),
    section("Entrusted to you", grants && grants.length ? table([["Account", (g) => h("code", {}, g.account_id)], ["Ticket", (g) => g.ticket], ["Data", (g) => catText(g.categories)],
      ["Until", until], ["Uses", (g) => (g.uses || []).length],
      ["", (g) => (g.status === "active" ? h("a", { href: "#/staff/grants/" + g.id, class: "open-grant" }, "Open") : h("span", { class: "muted" }, "ended"))]],
    grants, { id: "grants" }) : empty("No customer has entrusted you with anything.")),
    section("Your requests", requests.length ? table([["Asked", (r) => fmt.dateTime(r.requested_at)], ["Account", (r) => h("code", {}, r.account_id)], ["Ticket", (r) => r.ticket],
      ["Data", (r) => catText(r.categories)], ["For", (r) => r.hours + " h"], ["State", (r) => stateWords[r.status] || r.status]],
    requests, { id: "my-requests" }) : empty("You have not asked for access.")),
    section("Ask a customer for access", requestForm(reload))];
}, { roles: roles.grants, personal: true });

// The account as a grant opens it. Every read is a use the customer sees.
route("/staff/grants/:id", async (ctx) => {
  const find = async () => ((await api.get("/api/v1/staff/grants")).grants || []).find((x) => x.id === ctx.params.id);
  const g = await find();
  const crumbs = h("p", { class: "crumbs" }, h("a", { href: "#/staff/grants" }, "Customer access"), " / ", g ? g.ticket : ctx.params.id);
  const ended = (x) => [crumbs, h("h1", {}, "Access ended"),
    h("p", { class: "error", role: "alert", id: "access-ended" }, x && x.status === "revoked"
      ? "The customer withdrew this access " + fmt.dateTime(x.revoked_at) + ". Nothing of the account is shown; ask again on the ticket if you still need it."
      : "This access is not running (" + (x ? x.status : "no such grant") + "). Nothing of the account is shown."),
    h("p", {}, h("a", { href: "#/staff/grants" }, "Back to customer access"))];
  if (!g || g.status !== "active") return ended(g);

  const root = h("div", { id: "grant-view" });
  const stopVideo = [];
  ctx.onLeave(() => stopVideo.forEach((f) => { try { f(); } catch { /* ended */ } }));
  const base = `/api/v1/staff/accounts/${g.account_id}`;
  // use runs one read; when the grant no longer covers it, the page turns
  // into the "access ended" state if the grant ended, else says why.
  async function use(fn, status) {
    try { return await fn(); } catch (e) {
      if (e.status === 404 || e.status === 403 || e.status === 401) {
        const now2 = await find().catch(() => null);
        if (!now2 || now2.status !== "active") { stopVideo.forEach((f) => { try { f(); } catch { /* ended */ } }); root.replaceChildren(...ended(now2)); return null; }
      }
      if (status) status.error(e.message);
      return null;
    }
  }
  const has = (c) => g.categories.includes(c);
  const video = h("video", { id: "grant-video", controls: true, playsinline: true, muted: true, class: "grant-video", "aria-label": "Camera video" });
  const videoStatus = statusLine("grant-video-status");
  const detail = h("div", { id: "grant-detail" });

  async function openDevice(d) {
    const st = statusLine("device-status");
    const parts = [h("h3", {}, d.name || d.serial || d.id)];
    if (has("device.event")) {
      const r = await use(() => api.get(`${base}/devices/${d.id}/events?limit=20`), st);
      if (r === null && !root.isConnected) return;
      if (r) parts.push(h("h4", {}, "Recent events"), (r.events || []).length ? table([["When", (x) => fmt.dateTime(x.at)], ["Kind", (x) => x.kind + (x.code ? " " + x.code : "")]], r.events || [], { id: "grant-events" })
        : empty("No events."));
    }
    const ch = d.kind === "nvr" || d.channels ? 1 : 0;
    if (has("media.segment")) {
      const to = new Date(now()), from = new Date(now() - 24 * 3600000);
      const tl = await use(() => api.get(`${base}/devices/${d.id}/channels/${ch}/timeline?from=${from.toISOString()}&to=${to.toISOString()}`), st);
      if (tl) {
        parts.push(h("h4", {}, "Recordings, last 24 hours"), (tl.ranges || []).length ? table([["From", (x) => fmt.dateTime(x.start)], ["To", (x) => fmt.dateTime(x.end)],
          ["", (x) => h("button", { type: "button", class: "secondary play-range", onclick: async () => {
            stopVideo.forEach((f) => f()); stopVideo.length = 0;
            const s = await use(() => api.post(`${base}/devices/${d.id}/channels/${ch}/playback`, { from: x.start, to: x.end }), videoStatus);
            if (!s) return;
            stopVideo.push(await playRecorded(video, s));
            try { await video.play(); } catch { /* the member presses play */ }
            videoStatus.info("Playing the recording from " + fmt.dateTime(x.start) + ".");
          } }, "Play")]], tl.ranges || [], { id: "grant-recordings" }) : empty("Nothing recorded in the last 24 hours."));
      }
      parts.push(h("div", { class: "actions" }, h("button", { type: "button", id: "grant-live", onclick: async () => {
        stopVideo.forEach((f) => f()); stopVideo.length = 0;
        const l = await use(() => api.post(`${base}/devices/${d.id}/channels/${ch}/live`), videoStatus);
        if (!l) return;
        if (!l.streaming) { videoStatus.info("The camera is not sending video right now."); return; }
        try { const p = await play(video, l); stopVideo.push(() => p.stop()); videoStatus.info("Live (" + p.how + ")."); } catch (e) { videoStatus.error(e.message); }
      } }, "Watch live")));
    }
    if (!root.isConnected) return;
    detail.replaceChildren(section("Device", ...parts, st.node));
  }

  const parts = [h("dl", { class: "facts", id: "grant-facts" }, h("dt", {}, "Account"), h("dd", {}, h("code", {}, g.account_id)),
    h("dt", {}, "Ticket"), h("dd", {}, g.ticket), h("dt", {}, "Data"), h("dd", {}, catText(g.categories)),
    h("dt", {}, "Until"), h("dd", {}, fmt.dateTime(g.until))),
  h("p", { class: "muted" }, "The customer sees each thing you open here, as you open it.")];
  const st = statusLine("grant-status");
  if (has("device.info")) {
    const r = await use(() => api.get(`${base}/devices`), st);
    if (r === null && root.childElementCount) return [root];
    if (r) parts.push(section("Devices", r.devices.length ? table([["Name", (d) => d.name || "—"], ["Model", (d) => d.model], ["Online", (d) => (d.online ? "yes" : "no")],
      ["", (d) => h("button", { type: "button", class: "secondary open-device", onclick: () => openDevice(d).catch((e) => st.error(e.message)) }, "Open")]], r.devices, { id: "grant-devices" }) : empty("No devices.")));
  }
  if (has("alarm.event")) {
    const r = await use(() => api.get(`${base}/alarms?limit=20`), st);
    if (r) parts.push(section("Alarms", r.alarms.length ? table([["When", (a) => fmt.dateTime(a.time)], ["Kind", (a) => a.type],
      ["Snapshot", (a) => (a.snapshot && has("media.snapshot") ? h("img", { class: "grant-snap", src: `${base}/alarms/${a.id}/snapshot`, alt: "Snapshot of the " + a.type + " alarm" }) : "—")]],
    r.alarms, { id: "grant-alarms" }) : empty("No alarms.")));
  }
  if (!root.childElementCount) root.replaceChildren(crumbs, h("h1", {}, "Account ", h("code", {}, g.account_id)), ...parts, st.node, detail,
    has("media.segment") ? section("Video", video, videoStatus.node) : null);
  return [root];
}, { roles: roles.grants, personal: true });
