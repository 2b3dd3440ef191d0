// core/ui.js: small components shared by pages: forms with an error line,
// fields, tables that scroll inside themselves (never the page), tabs,
// badges, empty states, a status line, a confirmation dialog.
import { h } from "./dom.js";

let uid = 0;
const nextID = (p) => p + "-" + ++uid;

// field is a labelled input. spec: {name, label, type, value, options:
// [[value, text]], hint, required, attrs}. It returns {node, input}.
export function field(spec) {
  const id = spec.id || "f-" + spec.name;
  const attrs = { id, name: spec.name, required: spec.required, ...(spec.attrs || {}) };
  let input;
  if (spec.type === "select") {
    input = h("select", attrs, (spec.options || []).map(([v, t]) => h("option", { value: v, selected: String(v) === String(spec.value ?? "") }, t)));
  } else if (spec.type === "textarea") {
    input = h("textarea", { rows: 3, ...attrs }, spec.value || "");
  } else if (spec.type === "checkbox") {
    input = h("input", { type: "checkbox", ...attrs });
    input.checked = !!spec.value;
    return { node: h("label", { class: "check", for: id }, input, " ", spec.label), input };
  } else {
    input = h("input", { type: spec.type || "text", value: spec.value ?? undefined, ...attrs });
  }
  const hint = spec.hint ? h("span", { class: "hint", id: id + "-hint" }, spec.hint) : null;
  if (hint) input.setAttribute("aria-describedby", id + "-hint");
  return { node: h("label", { for: id }, spec.label, hint, input), input };
}

// form builds a form of fields with a submit button and a status line.
// onSubmit(values, status) may throw: the error's message is shown.
export function form(specs, submitLabel, onSubmit, { id, extra } = {}) {
  const status = statusLine();
  const made = specs.map(field);
  const button = h("button", { type: "submit" }, submitLabel);
  const f = h("form", { id, novalidate: false }, made.map((m) => m.node), extra || null, h("div", { class: "actions" }, button), status.node);
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.clear();
    const values = {};
    for (const m of made) values[m.input.name] = m.input.type === "checkbox" ? m.input.checked : m.input.value;
    button.disabled = true;
    try { await onSubmit(values, status); } catch (e) { status.error(e.message); } finally { button.disabled = false; }
  });
  return f;
}

// statusLine is a live region for a form's or a section's outcome.
export function statusLine(id) {
  const node = h("p", { class: "status", role: "status", id });
  return {
    node,
    ok(t) { node.className = "status ok"; node.replaceChildren(...[t].flat()); },
    error(t) { node.className = "status error"; node.setAttribute("role", "alert"); node.textContent = t; },
    info(t) { node.className = "status muted"; node.textContent = t; },
    clear() { node.className = "status"; node.setAttribute("role", "status"); node.textContent = ""; },
  };
}

// table: columns [[heading, row => cell]], rows. Wide tables scroll inside
// their own box so the page never scrolls sideways; on phones the CSS turns
// rows into cards labelled by their headings (data-label).
export function table(columns, rows, { id, caption, cls } = {}) {
  return h("div", { class: "table-wrap" }, h("table", { id, class: ["cards", cls].filter(Boolean).join(" ") },
    caption ? h("caption", {}, caption) : null,
    h("thead", {}, h("tr", {}, columns.map(([t]) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, columns.map(([t, f, tdCls]) => h("td", { "data-label": t, class: typeof tdCls === "function" ? tdCls(r) : tdCls }, f(r))))))));
}

// chips is a filter bar: items [{id, text, count}], the chosen id,
// onChoose(id). Buttons with aria-pressed.
export function chips(items, chosen, onChoose, { label, id } = {}) {
  const bar = h("div", { class: "chips", role: "group", "aria-label": label, id });
  for (const it of items) {
    bar.append(h("button", { type: "button", class: "chip", "aria-pressed": String(it.id === chosen), "data-id": it.id,
      onclick: (e) => {
        for (const x of bar.children) x.setAttribute("aria-pressed", String(x === e.currentTarget));
        onChoose(it.id);
      } },
    it.text, it.count !== undefined ? h("span", { class: "count" }, " " + it.count) : null));
  }
  return bar;
}

export function badge(n, label) {
  return n ? h("span", { class: "badge", "aria-label": n + " " + (label || "") }, n > 99 ? "99+" : String(n)) : null;
}

export function empty(text, ...more) {
  return h("div", { class: "empty" }, h("p", {}, text), more);
}

export function section(title, ...body) {
  const hid = nextID("s");
  return h("section", { class: "card", "aria-labelledby": hid }, h("h2", { id: hid }, title), body);
}

// confirm asks a yes/no question in a modal <dialog>; it resolves true
// when the person confirms.
export function confirm(question, { yes = "Yes", no = "Cancel", danger = false } = {}) {
  return new Promise((resolve) => {
    const d = h("dialog", { class: "confirm", "aria-label": question },
      h("p", {}, question),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", onclick: () => { d.close(); resolve(false); } }, no),
        h("button", { type: "button", class: danger ? "danger" : "", id: "confirm-yes", onclick: () => { d.close(); resolve(true); } }, yes)));
    d.addEventListener("close", () => { d.remove(); resolve(false); });
    document.body.append(d);
    d.showModal();
  });
}

// loading is a placeholder while a part of a page loads.
export function loading(text = "Loading…") { return h("p", { class: "muted loading" }, text); }
