// console/devices.js: the manufacture registry and firmware, for the
// operator administrator: search by serial (no owner is ever named),
// register one device, import a factory list with a row-by-row preview
// (nothing is stored while a row is wrong), hardware models with their
// settings schema, and firmware releases with their staged rollout and
// how many devices were offered, updated or failed, and the published
// security advisories each release fixes.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, navigate, link } from "../core/router.js";
import { form, section, table, statusLine, empty } from "../core/ui.js";
import { roles } from "./nav.js";

const state = (d) => [d.lost ? h("span", { class: "error" }, "reported lost or stolen") : d.claimed ? "in use" : "not claimed yet",
  d.online ? " · online" : ""];

route("/staff/devices", async (ctx) => {
  const q = ctx.query.get("serial") || "";
  const { models } = await api.get("/api/v1/staff/models");
  const found = q.length >= 2 ? (await api.get("/api/v1/staff/devices?serial=" + encodeURIComponent(q))).devices : null;
  const modelOptions = models.map((m) => [m.model, m.model + " (" + m.kind + ")"]);

  const preview = h("div", { id: "import-preview" });
  const importStatus = statusLine("import-status");
  const file = h("input", { type: "file", id: "csv-file", accept: ".csv,text/csv" });
  const text = h("textarea", { id: "csv-text", rows: 5, placeholder: "serial,model,claim_code,factory_secret" });
  const importButton = h("button", { type: "button", id: "import-go", hidden: true }, "Import these devices");
  const csv = async () => (file.files && file.files[0] ? await file.files[0].text() : text.value);
  const send = (body, dry) => api.post("/api/v1/staff/devices/import" + (dry ? "?dry_run=true" : ""), new Blob([body], { type: "text/csv" }));
  importButton.addEventListener("click", async () => {
    try {
      const r = await send(await csv(), false);
      importStatus.ok(r.devices.length + " devices registered.");
      importButton.hidden = true;
    } catch (e) { importStatus.error(e.message); }
  });

  return [h("h1", {}, "Device registry"),
    section("Find a device", h("form", { class: "toolbar", role: "search", onsubmit: (e) => {
      e.preventDefault();
      navigate(link(["staff", "devices"], { serial: e.currentTarget.serial.value.trim() }));
    } }, h("label", { for: "f-serial" }, "Serial starts with", h("input", { id: "f-serial", name: "serial", value: q, autocomplete: "off" })),
    h("button", { type: "submit" }, "Search")),
    found === null ? h("p", { class: "muted" }, "Type at least two characters of a serial.") : found.length
      ? table([["Serial", (d) => d.serial], ["Model", (d) => d.model], ["State", state], ["Firmware", (d) => d.firmware_version || "—"],
        ["Last seen", (d) => fmt.dateTime(d.last_seen_at) || "never"]], found, { id: "found" }) : empty("No registered serial starts with " + q + ".")),
    section("Import a factory list", h("p", { class: "muted" }, "A CSV with a header line: serial, model, claim_code and optionally factory_secret. Every row is checked first; a list with a wrong row is not imported."),
      h("label", { for: "csv-file" }, "CSV file", file), h("label", { for: "csv-text" }, "or paste it", text),
      h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", id: "import-preview-go", onclick: async () => {
        importStatus.clear(); importButton.hidden = true;
        try {
          const body = await csv();
          if (!body.trim()) throw new Error("Choose a file or paste the list first.");
          const r = await send(body, true);
          preview.replaceChildren(h("p", { id: "preview-summary" }, r.valid, " row(s) ready, ", r.invalid, " with errors."),
            table([["Line", (x) => x.line], ["Serial", (x) => x.serial], ["Model", (x) => x.model], ["Check", (x) => x.error || "ready"]], r.rows,
              { id: "preview-rows", cls: "preview" }));
          for (const [i, row] of r.rows.entries()) if (row.error) preview.querySelectorAll("tbody tr")[i].classList.add("bad");
          importButton.hidden = r.invalid > 0;
          if (r.invalid) importStatus.error("Fix the rows marked in the list, then preview again.");
        } catch (e) { importStatus.error(e.message); }
      } }, "Preview"), importButton), preview, importStatus.node),
    section("Register one device", form([{ name: "serial", label: "Serial" }, { name: "model", label: "Model", type: "select", options: modelOptions },
      { name: "claim_code", label: "Claim code (from the label)" }, { name: "factory_secret", label: "Factory secret (optional)" }], "Register", async (v, st) => {
      if (!v.factory_secret) delete v.factory_secret;
      await api.post("/api/v1/staff/devices", { devices: [v] });
      st.ok("Registered " + v.serial + ".");
    }, { id: "register-form" })),
    section("Hardware models", table([["Model", (m) => m.model], ["Kind", (m) => m.kind + (m.channels ? ", " + m.channels + " channels" : "")],
      ["Settings schema", (m) => h("details", {}, h("summary", {}, "show"), h("pre", {}, m.config_schema || "none"))]], models, { id: "models" }))];
}, { roles: roles.registry });

route("/staff/firmware", async (ctx) => {
  const { models } = await api.get("/api/v1/staff/models");
  if (!models.length) return [h("h1", {}, "Firmware"), empty("Add a hardware model first.")];
  const model = ctx.query.get("model") || models[0].model;
  const [{ releases }, { advisories }] = await Promise.all([api.get("/api/v1/staff/firmware?model=" + encodeURIComponent(model)),
    api.get("/api/v1/public/advisories?model=" + encodeURIComponent(model))]);
  // The published advisories each release fixes, linked to their public page.
  const fixes = (r) => {
    const fixed = advisories.filter((a) => (a.firmware || []).some((f) => f.release && f.release.id === r.id));
    return fixed.length ? h("ul", { class: "plain", id: "fixes-" + r.id }, fixed.map((a) => h("li", {}, h("a", { href: "/#/security/advisories/" + a.slug }, a.slug), " ", a.severity)))
      : h("span", { class: "muted" }, "none");
  };
  const rollout = (r) => {
    const out = h("output", { for: "rollout-" + r.id, id: "rollout-value-" + r.id }, r.rollout_percent + " %");
    const st = statusLine();
    const slider = h("input", { type: "range", min: 0, max: 100, step: 1, value: r.rollout_percent, id: "rollout-" + r.id, class: "rollout-slider",
      "aria-label": "Rollout of " + r.version + " in percent" });
    slider.addEventListener("input", () => { out.textContent = slider.value + " %"; });
    slider.addEventListener("change", async () => {
      try { await api.patch("/api/v1/staff/firmware/" + r.id, { rollout_percent: Number(slider.value) }); navigate(location.hash, { replace: true }); } catch (e) { st.error(e.message); }
    });
    return h("div", { class: "rollout" }, slider, out, st.node);
  };
  return [h("h1", {}, "Firmware"),
    h("form", { class: "toolbar" }, h("label", { for: "f-model" }, "Model", h("select", { id: "f-model", onchange: (e) => navigate(link(["staff", "firmware"], { model: e.currentTarget.value })) },
      models.map((m) => h("option", { value: m.model, selected: m.model === model }, m.model))))),
    section("Releases of " + model, releases.length ? table([["Version", (r) => [h("strong", {}, r.version), h("br"), h("span", { class: "muted" }, fmt.date(r.published_at))]],
      ["Notes", (r) => r.notes], ["Security fixes", fixes], ["Rollout", rollout],
      ["Devices", (r) => h("div", { class: "counts", id: "counts-" + r.id }, h("span", {}, "offered ", h("b", {}, r.offered)), h("span", {}, "updated ", h("b", {}, r.updated)),
        h("span", { class: r.failed ? "error" : "" }, "failed ", h("b", {}, r.failed)))],
      ["Image", (r) => h("details", {}, h("summary", {}, "signature"), h("p", {}, "SHA-256 ", h("code", {}, r.sha256)), h("p", {}, "Signature ", h("code", {}, r.signature)), h("p", {}, h("code", {}, r.url)))]],
    releases, { id: "releases" }) : empty("No release of this model yet.")),
    section("Publish a release", form([{ name: "version", label: "Version", hint: "A semantic version such as 2.1.0." }, { name: "notes", label: "Release notes", type: "textarea" },
      { name: "url", label: "Image address (https)", type: "url" }, { name: "sha256", label: "SHA-256 of the image" },
      { name: "signature", label: "Signature of the image (base64)", type: "textarea" },
      { name: "rollout_percent", label: "Start the rollout at (%)", type: "number", value: 0, attrs: { min: 0, max: 100 } }], "Publish", async (v) => {
      v.model = model; v.rollout_percent = Number(v.rollout_percent);
      await api.post("/api/v1/staff/firmware", v);
      navigate(location.hash, { replace: true });
    }, { id: "publish-form" }))];
}, { roles: roles.registry });
