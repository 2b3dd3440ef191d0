// app/calendar.js: a month of days, the days with recordings marked (and
// those with events), each a link to that day. The month's timeline comes
// from the API (?month=YYYY-MM).
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";

// calendar returns a <details> holding month's grid; dayLink(day) is the
// link of a day, chosen the day shown.
export function calendar(base, chosen, dayLink) {
  const box = h("div", { class: "cal-box" });
  const d = h("details", { class: "calendar", id: "calendar" }, h("summary", {}, "Calendar: days with recordings"), box);
  let month = chosen.slice(0, 7), loaded = "";
  async function show() {
    if (loaded === month) return;
    loaded = month;
    box.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    let tl;
    try { tl = await api.get(`${base}/timeline?month=${month}&tz=${encodeURIComponent(fmt.timeZone())}`); } catch (e) { box.replaceChildren(h("p", { class: "error" }, e.message)); return; }
    const rec = new Set(), ev = new Set();
    for (const r of tl.ranges) for (let t = new Date(r.start).getTime(); t < new Date(r.end).getTime() + 86400000; t += 86400000) { const day = fmt.day(Math.min(t, new Date(r.end).getTime())); if (day.startsWith(month)) rec.add(day); }
    for (const m of tl.marks) ev.add(fmt.day(m.at));
    const first = new Date(month + "-01T12:00:00");
    const days = new Date(first.getFullYear(), first.getMonth() + 1, 0).getDate();
    const lead = (first.getDay() + 6) % 7; // weeks start on Monday
    const names = Array.from({ length: 7 }, (_, i) => new Date(2024, 0, 1 + i).toLocaleDateString(navigator.language || "en", { weekday: "narrow" }));
    const cells = [...names.map((n) => h("span", { class: "cal-head", "aria-hidden": "true" }, n)), ...Array.from({ length: lead }, () => h("span", {}))];
    for (let i = 1; i <= days; i++) {
      const day = month + "-" + String(i).padStart(2, "0");
      const label = fmt.date(day + "T12:00:00") + (rec.has(day) ? ", recorded" : ", nothing recorded") + (ev.has(day) ? ", with events" : "");
      cells.push(h("a", { href: dayLink(day), class: ["cal-day", rec.has(day) ? "rec" : "", ev.has(day) ? "ev" : "", day === chosen ? "on" : ""].join(" ").trim(), "aria-label": label, "aria-current": day === chosen ? "date" : null }, String(i)));
    }
    const step = (n) => { const x = new Date(month + "-15T12:00:00"); x.setMonth(x.getMonth() + n); month = fmt.day(x).slice(0, 7); show(); };
    box.replaceChildren(
      h("div", { class: "tl-controls" }, h("button", { type: "button", class: "secondary", "aria-label": "Previous month", onclick: () => step(-1) }, "◀"),
        h("strong", {}, first.toLocaleDateString(navigator.language || "en", { month: "long", year: "numeric" })),
        h("button", { type: "button", class: "secondary", "aria-label": "Next month", onclick: () => step(1) }, "▶")),
      h("div", { class: "cal-grid" }, cells),
      h("p", { class: "tl-legend" }, h("span", {}, h("span", { class: "k" }), "recorded"), h("span", {}, h("span", { class: "k ev" }), "events")));
  }
  d.addEventListener("toggle", () => { if (d.open) show(); });
  return d;
}
