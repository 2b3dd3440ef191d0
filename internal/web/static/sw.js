// vigil service worker: shows Web Push notifications (the payload arrives
// decrypted by the browser), opens the app where a notification points,
// and keeps the app's own files for an offline start (network first: a
// cached file is used only when vigil cannot be reached). API answers and
// video are never cached.
"use strict";

const shell = "vigil-shell-v1";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(shell).then((c) => c.addAll(["/", "/main.js", "/app.css", "/icon.svg", "/manifest.webmanifest"])).catch(() => {}));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== shell).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/") || url.pathname.startsWith("/media/")) return;
  event.respondWith(fetch(req).then((res) => {
    if (res.ok && res.type === "basic") { const copy = res.clone(); caches.open(shell).then((c) => c.put(req, copy)); }
    return res;
  }).catch(async () => (await caches.match(req)) || (req.mode === "navigate" ? caches.match("/") : Response.error())));
});

self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch { data = { title: "vigil", body: event.data && event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "vigil", {
    body: data.body || "", tag: data.id, data: { url: data.url || "/" }, icon: "/icon.svg",
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (url.origin !== self.location.origin) return; // only ever open vigil itself
  event.waitUntil(self.clients.openWindow(url.href));
});
