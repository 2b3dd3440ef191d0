// vigil service worker: shows Web Push notifications (the payload arrives
// decrypted by the browser) and opens the app where a notification points.
"use strict";

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
