// main.js: vigil's customer web app. It builds the page frame, loads the
// pages (each registers its routes), keeps the navigation and its unread
// badge current, and sends people who are not signed in to the sign-in
// page with the deep link they came by, so that they land on it after.
import { h } from "./core/dom.js";
import { api } from "./core/api.js";
import { layout, setNav, setBadge, mount } from "./core/layout.js";
import { start, navigate } from "./core/router.js";
import { me, markSignedIn } from "./app/session.js";
import { unreadCount } from "./app/events.js";
import "./pages/auth.js";
import "./pages/home.js";
import "./pages/camera.js";
import "./pages/events.js";
import "./pages/rules.js";
import "./pages/devices.js";
import "./pages/account.js";
import "./pages/security.js";
import "./pages/notifications.js";
import "./pages/privacy.js";
import "./pages/disclosure.js";
import "./pages/incident-notice.js";
import "./pages/face.js";
import "./pages/sharing.js";

// Vendor staff have their own console page; its deep links (#/staff/...)
// also arrive here, from e-mails and the server's set-up link.
if (location.hash.startsWith("#/staff")) location.replace("/console.html" + location.hash);

layout({
  brand: { text: "vigil", href: "#/" },
  footer: [h("a", { href: "#/privacy" }, "What vigil keeps about you"), " · ", h("a", { href: "#/ask" }, "Ask about data vigil may hold about you"), " · ", h("a", { href: "#/security", id: "footer-security" }, "Security and advisories")],
});

const signedInLinks = [
  { href: "#/", text: "Cameras" },
  { href: "#/events", text: "Events", id: "nav-events", badge: 0 },
  { href: "#/devices", text: "Devices" },
  { href: "#/account", text: "Household" },
  { href: "#/sharing", text: "Sharing" },
  { href: "#/face", text: "Faces" },
  { href: "#/privacy-centre", text: "Privacy" },
  { href: "#/notifications", text: "Notifications" },
  { href: "#/account/security", text: "Security" },
  { href: "#/login", text: "Sign out", id: "logout", onclick: async (e) => {
    e.preventDefault();
    await api.post("/api/v1/auth/logout").catch(() => {});
    markSignedIn(false);
    navigate("#/login");
  } },
];
const publicLinks = [{ href: "#/login", text: "Sign in" }, { href: "#/signup", text: "Sign up" }, { href: "#/ask", text: "Ask about your data" }];

let navFor = null;
async function refreshBadge() {
  try { setBadge("nav-events", await unreadCount()); } catch { /* the badge is a hint; the Events page says more */ }
}

start({
  async before(ctx) {
    const who = await me().catch(() => null);
    if (!ctx.meta.public && !who) {
      const here = location.hash || "#/";
      ctx.redirect("#/login" + (here !== "#/" && !here.startsWith("#/login") ? "?next=" + encodeURIComponent(here) : ""));
      return false;
    }
    const want = who ? "in" : "out";
    if (navFor !== want) { setNav(who ? signedInLinks : publicLinks); navFor = want; }
    if (who) refreshBadge();
    return true;
  },
  mount: (nodes, ctx) => mount(nodes, ctx),
  notFound: () => [h("h1", {}, "Page not found"), h("p", {}, "This link leads nowhere in vigil. ", h("a", { href: "#/" }, "Go to your cameras"), ".")],
  error: (e, ctx) => {
    if (e.status === 401) { markSignedIn(false); navigate("#/login?next=" + encodeURIComponent(location.hash)); return; }
    mount([h("h1", {}, "This page could not be shown"), h("p", { class: "error", role: "alert" }, e.message),
      h("p", {}, h("a", { href: location.hash || "#/" }, "Try again"))], ctx);
  },
});

// The unread badge follows new events while the app is open.
setInterval(() => { if (navFor === "in" && document.visibilityState === "visible") refreshBadge(); }, 30000);


// The service worker keeps the app's files for an offline start (and shows
// push notifications once the person turns them on).
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
