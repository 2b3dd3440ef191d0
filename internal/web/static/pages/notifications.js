// pages/notifications.js: how vigil reaches the person (channels per
// kind, phone number, Web Push in this browser), the account's webhooks,
// delivery status, dead letters and the live inbox (server-sent events).
import { h as el, fmt } from "../core/dom.js";
import { api as client } from "../core/api.js";
import { route, render as rerender } from "../core/router.js";
import { table, section } from "../core/ui.js";
import { accounts as myAccounts, devices as accountDevices } from "../app/session.js";

const api = (method, path, body) => ({ GET: client.get, POST: client.post, PUT: client.put, DELETE: client.del })[method](path, body);
const render = () => rerender();
const kinds = [["alarm", "Alarms"], ["firmware", "Firmware and app updates"], ["incident", "Security incidents"], ["notice", "Privacy notice changes"]];
const channels = [["app", "In the app"], ["push", "Browser push"], ["email", "E-mail"], ["sms", "SMS"]];
let feed = null;

function b64ToBytes(s) {
  const pad = "=".repeat((4 - (s.length % 4)) % 4);
  const raw = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

const when = (t) => fmt.dateTime(t);

function channelTable(prefs) {
  const msg = el("p", { class: "muted", role: "status" });
  const table = el("table", { id: "notify-channels" },
    el("tr", {}, el("th", {}, "Kind"), channels.map(([, label]) => el("th", {}, label))),
    kinds.map(([kind, label]) => el("tr", {}, el("td", {}, label), channels.map(([ch]) => {
      const box = el("input", { type: "checkbox", "data-kind": kind, "data-channel": ch, "aria-label": label + ": " + ch });
      box.checked = (prefs.channels[kind] || []).includes(ch);
      if (ch === "sms" && !prefs.sms_available) box.disabled = true;
      box.addEventListener("change", async () => {
        const chosen = [...table.querySelectorAll(`input[data-kind="${kind}"]`)].filter((b) => b.checked).map((b) => b.dataset.channel);
        try { await api("PUT", "/api/v1/me/notifications/" + kind, { channels: chosen }); msg.textContent = "Saved."; }
        catch (e) { msg.className = "error"; msg.textContent = e.message; box.checked = !box.checked; }
      });
      return el("td", {}, box);
    }))));
  return [el("div", { class: "table-wrap" }, table), msg];
}

function phoneForm(prefs) {
  const msg = el("p", { role: "status" });
  const input = el("input", { id: "f-phone", type: "tel", placeholder: "+33 6 12 34 56 78", autocomplete: "tel" });
  const f = el("form", { id: "phone-form" }, el("label", { for: "f-phone" }, "Phone number for SMS", input),
    el("button", { type: "submit" }, "Save number"),
    prefs.phone ? el("button", { type: "button", onclick: async () => { await api("DELETE", "/api/v1/me/phone"); render(); } }, "Remove " + prefs.phone) : "",
    prefs.phone && !prefs.phone_verified ? verifyPhone(msg) : "",
    msg);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try { await api("PUT", "/api/v1/me/phone", { phone: input.value }); render(); }
    catch (e) { msg.className = "error"; msg.textContent = e.message; }
  });
  return f;
}

// A number receives SMS only once the code sent to it comes back.
function verifyPhone(msg) {
  const code = el("input", { id: "f-phone-code", inputmode: "numeric", autocomplete: "one-time-code", placeholder: "6-digit code" });
  return el("span", {}, el("label", { for: "f-phone-code" }, "Code sent by SMS", code),
    el("button", { type: "button", id: "phone-verify", onclick: async () => {
      try { await api("POST", "/api/v1/me/phone/verify", { code: code.value }); render(); }
      catch (e) { msg.className = "error"; msg.textContent = e.message; }
    } }, "Verify"));
}

async function enablePush(msg) {
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) throw new Error("This browser does not support push notifications.");
  const perm = await Notification.requestPermission();
  if (perm !== "granted") throw new Error("Notifications are blocked for this site in the browser.");
  const reg = await navigator.serviceWorker.register("/sw.js");
  await navigator.serviceWorker.ready;
  const { public_key } = await api("GET", "/api/v1/notify/vapid-key");
  const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64ToBytes(public_key) });
  await api("POST", "/api/v1/me/push-subscriptions", sub.toJSON());
  msg.className = "ok"; msg.textContent = "Push is on in this browser.";
}

function pushSection(prefs) {
  const msg = el("p", { role: "status" });
  return [el("button", { id: "enable-push", onclick: async () => { try { await enablePush(msg); render(); } catch (e) { msg.className = "error"; msg.textContent = e.message; } } },
    "Enable push in this browser"), msg,
  prefs.push_subscriptions.length ? el("ul", { id: "push-subscriptions" }, prefs.push_subscriptions.map((s) => el("li", {},
    s.service + " (since " + when(s.created_at) + ") ",
    el("button", { onclick: async () => { await api("DELETE", "/api/v1/me/push-subscriptions/" + s.id); render(); } }, "Remove")))) :
    el("p", { class: "muted" }, "No browser is registered for push.")];
}

function deliveryTable(list, id, retry) {
  if (!list.length) return el("p", { class: "muted", id }, "Nothing here.");
  return table([["When", (d) => when(d.created_at)], ["Message", (d) => d.title || "message"], ["Channel", (d) => d.channel],
    ["Status", (d) => d.status, "status"], ["Attempts", (d) => String(d.attempts)], ["Last error", (d) => d.last_error || ""],
    ["", (d) => (retry ? el("button", { type: "button", class: "secondary", onclick: async () => { await retry(d); render(); } }, "Retry") : "")]], list, { id });
}

async function webhookSection(accountID) {
  let hooks;
  try { ({ webhooks: hooks } = await api("GET", `/api/v1/accounts/${accountID}/webhooks`)); }
  catch { return [el("p", { class: "muted" }, "Only the account's owners and admins manage webhooks.")]; }
  const msg = el("p", { role: "status" });
  const url = el("input", { id: "f-webhook-url", type: "url", placeholder: "https://example.com/vigil-hook" });
  const f = el("form", { id: "webhook-form" }, el("label", { for: "f-webhook-url" }, "New webhook address", url), el("button", { type: "submit" }, "Add webhook"), msg);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const h = await api("POST", `/api/v1/accounts/${accountID}/webhooks`, { url: url.value });
      msg.className = "ok";
      msg.replaceChildren("Signing secret (shown only now; keep it): ", el("code", { id: "webhook-secret" }, h.secret));
      url.value = "";
    } catch (e) { msg.className = "error"; msg.textContent = e.message; }
  });
  return [el("ul", { id: "webhooks" }, hooks.map((h) => el("li", {}, h.url + " — " + h.kinds.join(", ") + " ",
    el("button", { onclick: async () => { await api("DELETE", `/api/v1/accounts/${accountID}/webhooks/${h.id}`); render(); } }, "Remove")))), f];
}

// names maps device IDs to the names people gave them: a message about a
// camera shows its name, not its ID.
async function names() {
  const out = {};
  for (const a of await myAccounts()) for (const d of await accountDevices(a.id).catch(() => [])) out[d.id] = d.name;
  return out;
}
let deviceNames = {};

// item is one message of the inbox: when, what, on which camera, with a
// link to the page it is about.
function item(m) {
  const cam = m.device_id && deviceNames[m.device_id] ? deviceNames[m.device_id] + (m.channel ? " · camera " + m.channel : "") : "";
  const text = cam ? m.title + " · " + cam : m.title + (m.body ? ": " + m.body : "");
  let href = "";
  try { const u = new URL(m.url || "", location.origin); if (u.origin === location.origin && u.hash) href = u.hash; } catch { /* no link */ }
  return el("li", {}, el("span", { class: "muted" }, when(m.time)), " ", href ? el("a", { href }, text) : text);
}

function liveFeed(list) {
  if (feed) feed.close();
  feed = new EventSource("/api/v1/me/feed");
  const onItem = (ev) => list.prepend(item(JSON.parse(ev.data)));
  for (const [k] of kinds) feed.addEventListener(k, onItem);
}

async function page(ctx) {
  const prefs = await api("GET", "/api/v1/me/notifications");
  const { accounts } = await api("GET", "/api/v1/me/accounts");
  const { messages } = await api("GET", "/api/v1/me/inbox");
  const { deliveries } = await api("GET", "/api/v1/me/deliveries");
  deviceNames = await names();
  const inbox = el("ul", { id: "inbox", class: "plain" }, messages.map(item));
  const sections = [el("h1", {}, "Notifications"),
    el("p", {}, el("a", { href: "#/events/rules" }, "Who is told about which events, and quiet hours")),
    section("How to reach you", ...channelTable(prefs)),
    section("SMS", phoneForm(prefs)),
    section("Push in this browser", ...pushSection(prefs)),
    section("Inbox (live)", inbox),
    section("Delivery status", deliveryTable(deliveries, "my-deliveries"))];
  const acc = accounts && accounts[0];
  if (acc) {
    sections.push(section("Webhooks of " + acc.name, ...(await webhookSection(acc.id))));
    try {
      const { deliveries: dead } = await api("GET", `/api/v1/accounts/${acc.id}/deliveries?status=dead`);
      sections.push(section("Failed deliveries",
        deliveryTable(dead, "dead-letters", (d) => api("POST", `/api/v1/accounts/${acc.id}/deliveries/${d.id}/retry`))));
    } catch { /* only owners and admins see the account's dead letters */ }
  }
  liveFeed(inbox);
  ctx.onLeave(() => { if (feed) { feed.close(); feed = null; } });
  return sections;
}

route("/notifications", page);

