// pages/incident-notice.js: a security incident's public notice at its
// stable address, #/security/incidents/<slug>: open to anyone, signed in
// or not, for the people vigil could not tell one by one. It shows the
// notice in the reader's language where the vendor wrote one, with the
// others a choice away, and never anything about a person.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, link } from "../core/router.js";
import { section } from "../core/ui.js";

const headings = {
  en: ["What happened", "What it may mean for you", "What we did and will do", "What you can do", "Your remedies", "Contact"],
  de: ["Was geschehen ist", "Was es für Sie bedeuten kann", "Was wir getan haben und tun werden", "Was Sie tun können", "Ihre Rechtsbehelfe", "Kontakt"],
  fr: ["Ce qui s'est passé", "Ce que cela peut signifier pour vous", "Ce que nous avons fait et ferons", "Ce que vous pouvez faire", "Vos recours", "Contact"],
};
const names = { en: "English", de: "Deutsch", fr: "Français" };

function pick(texts, want) {
  const base = (want || "").toLowerCase().split(/[-_]/)[0];
  return texts.find((t) => t.language === base) || texts.find((t) => t.language === "en") || texts[0];
}

route("/security/incidents/:slug", async (ctx) => {
  const n = await api.get("/api/v1/public/incidents/" + encodeURIComponent(ctx.params.slug));
  const t = pick(n.texts, ctx.query.get("lang") || navigator.language);
  const l = headings[t.language] || headings.en;
  const langs = n.texts.length > 1 ? h("nav", { class: "langs", "aria-label": "Languages" }, n.texts.map((x) =>
    h("a", { href: link(["security", "incidents", n.slug], { lang: x.language }), lang: x.language, "aria-current": x.language === t.language ? "page" : undefined },
      names[x.language] || x.language))) : null;
  return h("article", { lang: t.language, id: "incident-notice" },
    h("p", { class: "crumbs" }, h("a", { href: "#/security" }, "Security advisories and incident notices"), " / ", n.slug),
    h("h1", {}, t.title),
    h("p", { class: "muted", id: "notice-dates" }, "Published ", fmt.dateTime(n.published_at),
      n.updated_at !== n.published_at ? ["; updated ", fmt.dateTime(n.updated_at)] : ""),
    langs,
    [t.what_happened, t.impact, t.measures, t.advice, t.remedies].map((v, i) => section(l[i], h("p", {}, v))),
    section(l[5], h("p", { id: "notice-contacts" }, n.contacts)));
}, { public: true });
