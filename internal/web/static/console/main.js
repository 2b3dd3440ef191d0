// console/main.js: vigil's operator console for the vendor's staff, in its
// own page (console.html) and its own deep links (#/staff/...), on the
// customer app's core: the same router, API client, frame and components.
// Each page names the roles that may use it; the navigation shows only
// those, a page refuses itself to any other role before asking for data,
// and pages with personal data stay closed while the member's privacy
// training has lapsed. The server's gate decides all of it again.
import { h } from "../core/dom.js";
import { api } from "../core/api.js";
import { layout, setNav, mount as show } from "../core/layout.js";
import { start, navigate } from "../core/router.js";
import { staffMe, setStage, stage, roleNames, trainingLapsed } from "./session.js";
import { pages } from "./nav.js";
import "./signin.js";
import "./home.js";
import "./team.js";
import "./requests.js";
import "./devices.js";
import "./notices.js";
import "./grants.js";
import "./oversight.js";
import "./security.js";
import "./incidents.js";
import "./records.js";

const frame = layout({
  brand: { text: "vigil console", href: "#/staff/home" },
  footer: [h("a", { href: "/" }, "vigil for customers"), " · ", h("a", { href: "#/staff/me" }, "Your staff account")],
});
frame.nav.parentElement.classList.add("console");

// mount shows a page and marks the main region with the link it shows
// (data-shown), so that a test or a script knows the page is complete.
function mount(nodes) {
  show(nodes);
  frame.main.dataset.shown = location.hash;
}

function linksFor(st) {
  const links = pages.filter((p) => p.roles.includes(st.role)).map((p) => ({ href: p.href, text: p.text }));
  links.push({ href: "#/staff", text: "Sign out", id: "logout", onclick: async (e) => {
    e.preventDefault();
    await api.post("/api/v1/auth/logout").catch(() => {});
    setStage(null);
    navigate("#/staff");
  } });
  return links;
}

let navFor = null;
start({
  async before(ctx) {
    if (!location.hash.startsWith("#/staff")) { ctx.redirect("#/staff/home"); return false; }
    if (ctx.meta.public) {
      if (navFor !== "out") { setNav([{ href: "#/staff", text: "Staff sign-in" }]); navFor = "out"; }
      return true;
    }
    const st = await staffMe();
    if (!st) {
      const next = encodeURIComponent(location.hash);
      ctx.redirect(stage() === "pending" ? "#/staff/second-step?next=" + next : "#/staff?next=" + next);
      return false;
    }
    ctx.staff = st;
    if (navFor !== st.id + st.role) { setNav(linksFor(st)); navFor = st.id + st.role; }
    if (ctx.meta.roles && !ctx.meta.roles.includes(st.role)) {
      mount([h("h1", {}, "Not for your role"), h("p", { id: "refused" }, "This page is for ", ctx.meta.roles.map((r) => roleNames[r]).join(", "),
        ". You are signed in as ", roleNames[st.role] || st.role, "."), h("p", {}, h("a", { href: "#/staff/home" }, "Back to your console"))]);
      return false;
    }
    if (ctx.meta.personal && trainingLapsed(st)) {
      mount([h("h1", {}, "Privacy training needed"), h("p", { id: "refused" }, "Your privacy training is not current, so pages with people's data are closed to you. ",
        "An operator administrator records your new training date once you have completed it."), h("p", {}, h("a", { href: "#/staff/me" }, "Your staff account"))]);
      return false;
    }
    return true;
  },
  mount: (nodes) => mount(nodes),
  notFound: () => [h("h1", {}, "Page not found"), h("p", {}, "This console link leads nowhere. ", h("a", { href: "#/staff/home" }, "Go to your console"), ".")],
  error: (e) => {
    if (e.status === 401) { setStage(null); navigate("#/staff?next=" + encodeURIComponent(location.hash)); return; }
    if (e.code === "mfa_required") { setStage("pending"); navigate("#/staff/second-step"); return; }
    mount([h("h1", {}, "This page could not be shown"), h("p", { class: "error", role: "alert" }, e.message),
      h("p", {}, h("a", { href: location.hash || "#/staff/home" }, "Try again"))]);
  },
});
