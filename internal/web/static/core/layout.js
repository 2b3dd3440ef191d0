// core/layout.js: the page frame. A header with the brand, a menu button
// that shows and hides the navigation on narrow screens (the CSS collapses
// it under 48rem), the navigation links with the current one marked and
// optional count badges, the main region pages render into, and a footer.
import { h, append } from "./dom.js";

let frame = null;

// layout builds the frame into document.body once: brand {text, href},
// footer: nodes. It returns the setters below.
export function layout({ brand, footer }) {
  const nav = h("nav", { id: "nav", "aria-label": "Main" });
  const toggle = h("button", { type: "button", class: "menu-toggle", "aria-expanded": "false", "aria-controls": "nav" },
    h("span", { class: "menu-icon", "aria-hidden": "true" }), h("span", { class: "sr-only" }, "Menu"));
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("open", open);
  });
  const main = h("main", { id: "main", tabindex: "-1" });
  const header = h("header", { class: "top" }, h("a", { href: brand.href, class: "brand" }, brand.text), toggle, nav);
  const foot = h("footer", {}, footer);
  document.body.replaceChildren(h("a", { href: "#main", class: "skip" }, "Skip to content"), header, main, foot);
  frame = { nav, toggle, main };
  window.addEventListener("hashchange", () => { closeMenu(); markCurrent(); });
  return frame;
}

function closeMenu() {
  if (!frame) return;
  frame.toggle.setAttribute("aria-expanded", "false");
  frame.nav.classList.remove("open");
}

// setNav shows links: [{href, text, id, badge, onclick}].
export function setNav(links) {
  frame.nav.replaceChildren(...links.map((l) => {
    const a = h("a", { href: l.href, id: l.id, onclick: l.onclick }, l.text);
    if (l.badge !== undefined) a.append(" ", h("span", { class: "badge", id: l.id ? l.id + "-badge" : undefined, hidden: !l.badge }, l.badge || ""));
    return a;
  }));
  markCurrent();
}

// setBadge updates a nav link's count (0 hides it).
export function setBadge(id, n) {
  const b = document.getElementById(id + "-badge");
  if (!b) return;
  b.textContent = n > 99 ? "99+" : String(n || "");
  b.hidden = !n;
  b.setAttribute("aria-label", n + " unread");
}

function markCurrent() {
  if (!frame) return;
  const here = location.hash.split("?")[0] || "#/";
  for (const a of frame.nav.querySelectorAll("a")) {
    const href = a.getAttribute("href");
    const on = href === here || (href.length > 2 && here.startsWith(href + "/"));
    if (on) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
}

// mount shows a page: nodes replace the main region; the document title
// follows the page's first heading; main's data-path names the route
// shown (tests wait for it).
export function mount(nodes, ctx) {
  frame.main.replaceChildren();
  frame.main.dataset.path = ctx ? ctx.path : "";
  append(frame.main, nodes);
  const h1 = frame.main.querySelector("h1");
  document.title = h1 ? h1.textContent + " · vigil" : "vigil";
}
