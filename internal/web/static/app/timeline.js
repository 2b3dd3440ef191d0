// app/timeline.js: a day's timeline of one camera. Recorded stretches are
// green bars, events red marks; hour ticks, zoom from the whole day down to
// one minute (buttons, the wheel, + and -), drag or click to move the
// cursor (scrub), arrow keys too (it is a slider for assistive technology).
// The page is told of every choice through onSeek(time in ms). Pointing at
// an event shows its snapshot above the bar (marks with a thumb URL).
import { h, setStyle, fmt } from "../core/dom.js";
import { alarmType } from "./words.js";

const zooms = [24 * 60, 12 * 60, 6 * 60, 2 * 60, 60, 30, 10, 5, 1]; // minutes shown
const tickSteps = [[720, 60, 180], [360, 60, 120], [120, 15, 60], [60, 10, 30], [30, 5, 10], [10, 1, 5], [5, 1, 2], [1, 1 / 6, 1 / 6]];

// timeline builds the component: day {from, to} in ms, ranges, marks.
export function timeline({ from, to, ranges, marks, onSeek, onMark }) {
  let zoom = 0, view = [from, to], cursor = null;
  const bar = h("div", { class: "tl-bar", id: "timeline", tabindex: "0", role: "slider", "aria-label": "Time of day",
    "aria-valuemin": String(from), "aria-valuemax": String(to) });
  const zoomLabel = h("span", { class: "muted", id: "tl-zoom", "aria-live": "polite" });
  const zoomOut = h("button", { type: "button", class: "secondary", id: "tl-zoom-out", "aria-label": "Zoom out", onclick: () => setZoom(zoom - 1) }, "−");
  const zoomIn = h("button", { type: "button", class: "secondary", id: "tl-zoom-in", "aria-label": "Zoom in", onclick: () => setZoom(zoom + 1) }, "+");
  const earlier = h("button", { type: "button", class: "secondary", "aria-label": "Earlier", onclick: () => pan(-0.5) }, "◀");
  const later = h("button", { type: "button", class: "secondary", "aria-label": "Later", onclick: () => pan(0.5) }, "▶");
  const previewImg = h("img", { alt: "" });
  const previewText = h("span", {});
  const preview = h("div", { class: "tl-preview", id: "tl-preview", hidden: true, "aria-hidden": "true" }, previewImg, previewText);
  const node = h("div", { class: "tl" },
    h("div", { class: "tl-controls" }, h("div", { class: "group" }, earlier, later), h("div", { class: "group" }, zoomOut, zoomLabel, zoomIn)),
    h("div", { class: "tl-wrap" }, bar, preview),
    h("div", { class: "tl-legend" }, h("span", {}, h("span", { class: "k" }), "recorded"), h("span", {}, h("span", { class: "k ev" }), "event"),
      h("span", {}, "Drag or tap to move through the day; + and − zoom.")));

  const frac = (t) => (t - view[0]) / (view[1] - view[0]);
  const pct = (f) => (f * 100).toFixed(4) + "%";

  function draw() {
    const span = (view[1] - view[0]) / 60000;
    zoomLabel.textContent = span >= 60 ? Math.round(span / 60) + " h" : Math.round(span) + " min";
    zoomOut.disabled = zoom === 0;
    zoomIn.disabled = zoom === zooms.length - 1;
    const [, stepMin, labelMin] = tickSteps.find(([s]) => span >= s) || tickSteps[tickSteps.length - 1];
    const parts = [];
    const step = stepMin * 60000, every = labelMin * 60000;
    const offset = new Date(from).getTimezoneOffset() * 0; // ticks align to the day's start (local midnight)
    for (let t = from + Math.ceil((view[0] - from) / step) * step + offset; t <= view[1]; t += step) {
      // A label too close to the right edge would be cut off: left out.
      const label = (t - from) % every === 0 && frac(t) < 0.93 ? h("span", {}, labelMin < 1 ? fmt.timeSec(t) : fmt.time(t)) : null;
      const tick = h("div", { class: "tick" }, label);
      setStyle(tick, { "--l": pct(frac(t)) });
      parts.push(tick);
    }
    for (const r of ranges) {
      const s = Math.max(r.s, view[0]), e = Math.min(r.e, view[1]);
      if (e <= s) continue;
      const seg = h("div", { class: "rec", title: fmt.timeSec(r.s) + " – " + fmt.timeSec(r.e) });
      setStyle(seg, { "--l": pct(frac(s)), "--w": pct(frac(e) - frac(s)) });
      parts.push(seg);
    }
    for (const m of marks) {
      if (m.t < view[0] || m.t > view[1]) continue;
      // A mark is not a control of its own (the slider holds it; the page
      // lists the events as buttons): a click or tap on it jumps to it.
      const b = h("span", { class: "ev", title: (m.label || alarmType(m.kind)) + " " + fmt.timeSec(m.t) });
      b.mark = m;
      setStyle(b, { "--l": pct(frac(m.t)) });
      parts.push(b);
    }
    const now = Date.now();
    if (now > view[0] && now < view[1]) { const n = h("div", { class: "now-line" }); setStyle(n, { "--l": pct(frac(now)) }); parts.push(n); }
    if (cursor !== null && cursor >= view[0] && cursor <= view[1]) {
      const c = h("div", { class: "cursor" }, h("span", {}, fmt.timeSec(cursor)));
      setStyle(c, { "--l": pct(frac(cursor)) });
      parts.push(c);
    }
    bar.replaceChildren(...parts);
    bar.setAttribute("aria-valuenow", String(cursor ?? from));
    bar.setAttribute("aria-valuetext", cursor === null ? "no time chosen" : fmt.timeSec(cursor));
  }

  function clampView(center, span) {
    let a = center - span / 2, b = center + span / 2;
    if (a < from) { b += from - a; a = from; }
    if (b > to) { a -= b - to; b = to; }
    view = [Math.max(from, a), Math.min(to, b)];
  }
  function setZoom(z, center) {
    zoom = Math.max(0, Math.min(zooms.length - 1, z));
    clampView(center ?? cursor ?? (view[0] + view[1]) / 2, zooms[zoom] * 60000);
    draw();
  }
  function pan(f) { clampView((view[0] + view[1]) / 2 + f * (view[1] - view[0]), view[1] - view[0]); draw(); }
  function timeAt(x) {
    const r = bar.getBoundingClientRect();
    return Math.round(view[0] + Math.max(0, Math.min(1, (x - r.left) / r.width)) * (view[1] - view[0]));
  }
  function seek(t) { setCursor(t); if (onSeek) onSeek(t); }
  function setCursor(t, follow) {
    cursor = t;
    if (follow && (t < view[0] || t > view[1])) clampView(t, view[1] - view[0]);
    draw();
  }

  // The preview of the event under the pointer: its snapshot and what and
  // when it was. (Screen readers have the page's list of events instead.)
  bar.addEventListener("pointerover", (e) => {
    const m = e.target.mark;
    if (!m) return;
    previewImg.hidden = !m.thumb;
    if (m.thumb && previewImg.getAttribute("src") !== m.thumb) previewImg.src = m.thumb;
    previewText.textContent = (m.label || alarmType(m.kind)) + " · " + fmt.timeSec(m.t);
    setStyle(preview, { "--l": pct(frac(m.t)) });
    preview.hidden = false;
  });
  bar.addEventListener("pointerout", (e) => { if (e.target.mark) preview.hidden = true; });

  let dragging = false, onMarkDown = null, moved = false;
  bar.addEventListener("pointerdown", (e) => {
    onMarkDown = e.target.mark || null;
    moved = false;
    dragging = true;
    bar.setPointerCapture(e.pointerId);
    if (!onMarkDown) setCursor(timeAt(e.clientX));
  });
  bar.addEventListener("pointermove", (e) => { if (dragging && e.buttons) { moved = true; setCursor(timeAt(e.clientX)); } });
  bar.addEventListener("pointerup", (e) => {
    if (!dragging) return;
    dragging = false;
    if (onMarkDown && !moved) { const m = onMarkDown; onMarkDown = null; if (onMark) onMark(m); else seek(m.t); return; }
    seek(timeAt(e.clientX));
  });
  bar.addEventListener("pointercancel", () => { dragging = false; });
  bar.addEventListener("wheel", (e) => { e.preventDefault(); setZoom(zoom + (e.deltaY < 0 ? 1 : -1), timeAt(e.clientX)); }, { passive: false });
  bar.addEventListener("keydown", (e) => {
    const step = (view[1] - view[0]) / 48;
    const base = cursor ?? from;
    if (e.key === "ArrowRight") seek(Math.min(to, base + step));
    else if (e.key === "ArrowLeft") seek(Math.max(from, base - step));
    else if (e.key === "+" || e.key === "=") setZoom(zoom + 1);
    else if (e.key === "-") setZoom(zoom - 1);
    else return;
    e.preventDefault();
  });
  // Open on what the day holds: the smallest zoom that shows every
  // recorded stretch and event (the whole day when there is nothing).
  const times = [...ranges.flatMap((r) => [r.s, r.e]), ...marks.map((m) => m.t)];
  if (times.length) {
    const lo = Math.min(...times), hi = Math.max(...times);
    let z = 0;
    while (z + 1 < zooms.length && zooms[z + 1] * 60000 >= (hi - lo) * 1.25 && zooms[z + 1] >= 10) z++;
    zoom = z;
    clampView((lo + hi) / 2, zooms[zoom] * 60000);
  }
  draw();
  return { node, seek, setCursor, setZoom, zoomTo: (minutes, center) => setZoom(zooms.indexOf(minutes), center), get view() { return view; } };
}
