// core/dom.js: building DOM without HTML strings. Every value is inserted as
// text (never innerHTML), and no style attribute is ever written, so the
// strict CSP (no inline style) holds; sizes and positions go through
// setStyle, which uses the CSSOM the CSP allows.

// h builds an element. attrs: "class", "on<event>" handlers, booleans
// (true sets an empty attribute, false/null/undefined leaves it out),
// anything else as an attribute. Children: nodes, text, arrays, or
// null/false (skipped).
export function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on") && typeof v === "function") e.addEventListener(k.slice(2), v);
    else if (k === "style") throw new Error("h: use setStyle, the CSP forbids style attributes");
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  append(e, children);
  return e;
}

// append adds children (nested arrays, text, nodes) to e.
export function append(e, children) {
  for (const c of [children].flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// setStyle sets CSS properties through the CSSOM (allowed by the CSP).
export function setStyle(e, props) {
  for (const [k, v] of Object.entries(props)) e.style.setProperty(k, v);
  return e;
}

// svg builds an SVG element (icons, timeline marks).
export function svg(tag, attrs, ...children) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  for (const c of children.flat()) if (c) e.append(c);
  return e;
}

// Dates and times in the person's locale and time zone.
const locale = () => navigator.language || "en";
const valid = (t) => t && !String(t).startsWith("0001");
export const fmt = {
  dateTime: (t) => (valid(t) ? new Date(t).toLocaleString(locale(), { dateStyle: "medium", timeStyle: "short" }) : ""),
  date: (t) => (valid(t) ? new Date(t).toLocaleDateString(locale(), { dateStyle: "medium" }) : ""),
  time: (t) => (valid(t) ? new Date(t).toLocaleTimeString(locale(), { timeStyle: "short" }) : ""),
  timeSec: (t) => (valid(t) ? new Date(t).toLocaleTimeString(locale(), { timeStyle: "medium" }) : ""),
  // ago says how long ago t was in words ("5 minutes ago").
  ago(t) {
    if (!valid(t)) return "";
    const s = (new Date(t).getTime() - Date.now()) / 1000;
    const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
    for (const [unit, n] of [["day", 86400], ["hour", 3600], ["minute", 60]]) if (Math.abs(s) >= n) return rtf.format(Math.round(s / n), unit);
    return rtf.format(Math.round(s), "second");
  },
  // day is the YYYY-MM-DD of t in the person's time zone.
  day: (t) => new Date(t).toLocaleDateString("en-CA"),
  timeZone: () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC",
};
