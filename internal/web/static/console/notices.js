// console/notices.js: the privacy statement and the terms, for the
// data-protection officer: every published version by region and
// language, and a new version drafted, previewed and compared line by line
// with the current one before it is published (material changes need
// everyone's fresh acceptance), and how many people accepted each version.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, navigate } from "../core/router.js";
import { form, section, table, statusLine } from "../core/ui.js";
import { roles } from "./nav.js";

const kindNames = { privacy_statement: "Privacy statement", terms: "Terms of service", face_protocol: "Face recognition protocol" };

// diffLines is a longest-common-subsequence line diff: [op, line] with op
// " " (same), "-" (removed) or "+" (added).
export function diffLines(a, b) {
  const x = a.split("\n"), y = b.split("\n");
  const n = x.length, m = y.length;
  const L = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i][j] = x[i] === y[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const out = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) { out.push([" ", x[i]]); i++; j++; } else if (L[i + 1][j] >= L[i][j + 1]) out.push(["-", x[i++]]); else out.push(["+", y[j++]]);
  }
  while (i < n) out.push(["-", x[i++]]);
  while (j < m) out.push(["+", y[j++]]);
  return out;
}

route("/staff/notices", async (ctx) => {
  const [{ notices }, { accepted }] = await Promise.all([api.get("/api/v1/notices"), api.get("/api/v1/staff/notices/acceptances")]);
  const kinds = [...new Set(notices.map((n) => n.kind))];
  const regions = [...new Set(notices.map((n) => n.region))];
  const preview = h("div", { id: "notice-preview" });
  const st = statusLine("publish-status");
  let drafted = null;
  const publish = h("button", { type: "button", id: "notice-publish", hidden: true, onclick: async () => {
    try { const n = await api.post("/api/v1/staff/notices", drafted); st.ok("Published version " + n.version + "."); publish.hidden = true; setTimeout(() => navigate(location.hash, { replace: true }), 800); } catch (e) { st.error(e.message); }
  } }, "Publish this version");
  return [h("h1", {}, "Notices"),
    section("Published", table([["Document", (n) => kindNames[n.kind] || n.kind], ["Region", (n) => n.region], ["Language", (n) => n.language],
      ["Version", (n) => n.version + (n.material ? " (material)" : "")], ["Published", (n) => fmt.date(n.published_at)],
      ["Accepted by", (n) => (accepted[n.id] || 0) + " people"]], notices, { id: "notices" })),
    section("Draft a new version", form([{ name: "kind", label: "Document", type: "select", options: kinds.map((k) => [k, kindNames[k] || k]) },
      { name: "region", label: "Region", type: "select", options: regions.map((r) => [r, r]) }, { name: "language", label: "Language", value: "en" },
      { name: "text", label: "Text", type: "textarea", attrs: { rows: 10 } }, { name: "summary", label: "What changed, in a sentence people will read" },
      { name: "material", label: "A material change: everyone must accept it again", type: "checkbox" }], "Preview and compare", async (v) => {
      const cur = notices.find((n) => n.kind === v.kind && n.region === v.region && n.language === v.language);
      const old = cur ? (await api.get("/api/v1/notices/" + cur.id)).text : "";
      drafted = v;
      preview.replaceChildren(h("h3", {}, "Changes against ", cur ? "version " + cur.version : "nothing (a first version)"),
        h("div", { class: "diff", id: "notice-diff" }, diffLines(old, v.text).map(([op, line]) => op === "+" ? h("ins", {}, "+ " + line) : op === "-" ? h("del", {}, "- " + line) : h("div", {}, "  " + line))),
        h("h3", {}, "As people will read it"), h("pre", { class: "notice" }, v.text));
      publish.hidden = false;
    }, { id: "notice-form" }), preview, h("div", { class: "actions" }, publish), st.node)];
}, { roles: roles.notices });
