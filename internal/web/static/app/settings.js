// app/settings.js: a device's (or NVR channel's) own settings, as a form
// built from the JSON Schema its model declares (the shadow carries it):
// enums become choices, booleans check boxes, integers number fields with
// their bounds, strings text fields. Settings the form cannot edit (lists
// such as privacy masks) are shown as they are. Saving sends only what
// changed, against the shadow's version (a concurrent change is refused).
import { h } from "../core/dom.js";
import { api } from "../core/api.js";
import { form } from "../core/ui.js";

const labels = { resolution: "Resolution", fps: "Frames per second", bitrate_kbps: "Bit rate (kbit/s)", motion_sensitivity: "Motion sensitivity (0–100)",
  ir_mode: "Night vision (infrared)", audio_enabled: "Record sound", recording: "Recording on the device", time_zone: "Time zone", language: "Language",
  disk_overwrite: "Overwrite the oldest recordings when the disk is full", osd: "On-screen text", privacy_masks: "Privacy masks" };
const words = { continuous: "all the time", events: "only around events", off: "off", auto: "automatic", on: "on" };
const label = (k) => labels[k] || k.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

export async function settingsForm(base, d, channel = 0) {
  let sh;
  try { sh = await api.get(base + "/shadow" + (channel ? "?channel=" + channel : "")); } catch (e) { return h("p", { class: "muted" }, "Settings: " + e.message); }
  const props = (sh.schema && sh.schema.properties) || {};
  const value = (k) => (k in sh.desired ? sh.desired[k] : sh.reported[k]);
  const specs = [], shown = [];
  for (const [k, p] of Object.entries(props)) {
    const v = value(k);
    if (p.enum) specs.push({ name: k, label: label(k), type: "select", value: v ?? "", options: [["", "as the device has it"], ...p.enum.map((x) => [x, words[x] || x])] });
    else if (p.type === "boolean") specs.push({ name: k, label: label(k), type: "checkbox", value: !!v });
    else if (p.type === "integer" || p.type === "number") specs.push({ name: k, label: label(k), type: "number", value: v ?? "", attrs: { min: p.minimum, max: p.maximum, step: p.type === "integer" ? 1 : "any" } });
    else if (p.type === "string") specs.push({ name: k, label: label(k), value: v ?? "", attrs: { maxlength: p.maxLength } });
    else shown.push([k, v]);
  }
  if (!specs.length) return h("p", { class: "muted" }, "This model has no settings to change here.");
  const pending = Object.keys(sh.delta || {}).length;
  return h("div", {},
    h("p", { class: "muted" }, pending ? pending + " change(s) wait for the device to apply them." : d.online ? "The device has applied every change." : "Changes reach the device when it is next online."),
    form(specs.map((s) => ({ ...s, id: "set-" + s.name })), "Save camera settings", async (v, st) => {
      const desired = {};
      for (const s of specs) {
        const p = props[s.name];
        let x = v[s.name];
        if (p.type === "integer" || p.type === "number") x = x === "" ? null : Number(x);
        else if (p.enum && x === "") x = null;
        const before = value(s.name);
        if (JSON.stringify(x) !== JSON.stringify(before ?? (p.type === "boolean" ? false : null))) desired[s.name] = x;
      }
      if (!Object.keys(desired).length) { st.ok("Nothing changed."); return; }
      const r = await api.patch(base + "/shadow", { channel, version: sh.version, desired });
      sh = r;
      st.ok("Saved. The device applies the change when it is online.");
    }, { id: "settings-form" }),
    shown.length ? h("dl", { class: "facts" }, shown.map(([k, v]) => [h("dt", {}, label(k)), h("dd", {}, v === undefined ? "—" : JSON.stringify(v))])) : null);
}
