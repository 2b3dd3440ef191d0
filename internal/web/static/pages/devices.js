// pages/devices.js: the devices of each account (add one with the serial
// and claim code on its label) and one device's settings: name, site,
// recording and its retention, the camera's own settings, the credential,
// reporting it lost, removing it, and its technical details.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, link } from "../core/router.js";
import { form, table, section, statusLine, confirm, field, chips } from "../core/ui.js";
import { accounts, devices, sites, forget, offlineReason } from "../app/session.js";
import { settingsForm } from "../app/settings.js";
import { qr } from "../core/qr.js";

function stateText(d) { return d.lost_at ? "reported lost" : d.online ? "online" : offlineReason(d); }

route("/devices", async () => {
  const parts = [h("h1", {}, "Devices")];
  for (const a of await accounts()) {
    const [ds, ss] = await Promise.all([devices(a.id), sites(a.id)]);
    const siteName = Object.fromEntries(ss.map((s) => [s.id, s.name]));
    const secret = h("div", { id: "device-credential" });
    parts.push(section(a.name,
      ds.length ? table([
        ["Name", (d) => h("a", { href: link(["devices", a.id, d.id]) }, d.name)],
        ["Site", (d) => siteName[d.site_id] || "—"],
        ["Model", (d) => d.model + (d.kind === "nvr" ? " (recorder, " + d.channels + " cameras)" : "")],
        ["State", (d) => stateText(d), (d) => (d.online ? "ok" : "muted")],
        ["Software", (d) => [d.info.firmware_version || "—", d.update_available ? h("span", { class: "warn" }, " · " + d.update_available.version + " available") : null]],
      ], ds, { id: "devices" }) : h("p", { class: "muted" }, "No device yet."),
      h("h3", {}, "Add a device"),
      h("p", { class: "muted" }, "Type the serial number and claim code printed on the device's label."),
      form([{ name: "serial", label: "Serial number", attrs: { autocomplete: "off" } }, { name: "claim_code", label: "Claim code", attrs: { autocomplete: "off" } },
        { name: "name", label: "Name", hint: "For example: Front door" },
        ...(ss.length ? [{ name: "site_id", label: "Site", type: "select", options: [["", "No site"], ...ss.map((s) => [s.id, s.name])] }] : [])],
      "Add device", async (v, status) => {
        if (!v.site_id) delete v.site_id;
        const r = await api.post(`/api/v1/accounts/${a.id}/devices/claim`, v);
        forget();
        status.ok([h("a", { href: link(["devices", a.id, r.device.id]) }, r.device.name), " was added."]);
        secret.replaceChildren(credentialBox(r.credential));
      }, { id: "claim-form" }), secret,
      h("h3", {}, "Or pair with the device's app"),
      h("p", { class: "muted" }, "For devices that set up with a phone: show the device this code, and it joins this account (the code works for a short while, once)."),
      pairing(a.id, ss)));
  }
  return parts;
});

function pairing(accountID, ss) {
  const out = h("div", { id: "pairing" });
  const site = ss.length ? h("select", { id: "pair-site-" + accountID, "aria-label": "Site of the new device" }, h("option", { value: "" }, "No site"), ss.map((s) => h("option", { value: s.id }, s.name))) : null;
  return h("div", { class: "actions" }, site, h("button", { type: "button", class: "secondary", id: "pair-start", onclick: async () => {
    try {
      const t = await api.post(`/api/v1/accounts/${accountID}/pairing-tokens`, site && site.value ? { site_id: site.value } : {});
      out.replaceChildren(qr(t.pairing_token, "pairing code for a new device"), h("p", { class: "muted" }, "Valid until " + fmt.time(t.expires_at) + ". Code: ", h("code", {}, t.pairing_token)));
    } catch (e) { out.replaceChildren(h("p", { class: "error" }, e.message)); }
  } }, "Show a pairing code"), out);
}

// channelSettings: a camera's settings, or for an NVR its own and each
// channel's (a camera plugged into it), chosen in a filter bar.
async function channelSettings(base, d) {
  const box = h("div", { id: "settings-box" }, await settingsForm(base, d, 0));
  if (d.kind !== "nvr" || !d.channels) return box;
  const items = [{ id: "0", text: "Recorder" }, ...Array.from({ length: d.channels }, (_, i) => ({ id: String(i + 1), text: "Camera " + (i + 1) }))];
  return [chips(items, "0", async (ch) => box.replaceChildren(await settingsForm(base, d, Number(ch))), { label: "Settings of", id: "channel-filter" }), box];
}

function credentialBox(c) {
  return h("div", { class: "card" }, h("p", {}, "Give the device this credential. It is shown only this once:"),
    h("pre", {}, "MQTT " + (c.mqtt_url || "") + "\nuser " + c.mqtt_username + "\npassword " + c.mqtt_password));
}

route("/devices/:account/:device", async (ctx) => {
  const { account, device } = ctx.params;
  const base = `/api/v1/accounts/${account}/devices/${device}`;
  const [d, ss] = await Promise.all([api.get(base), sites(account)]);
  const status = statusLine("device-status");
  const done = (t) => { forget(); status.ok(t); };

  const general = form([
    { name: "name", label: "Name", value: d.name },
    { name: "site_id", label: "Site", type: "select", value: d.site_id || "", options: [["", "No site"], ...ss.map((s) => [s.id, s.name])] },
  ], "Save", async (v, st) => {
    const r = await api.patch(base, { name: v.name, site_id: v.site_id });
    forget();
    heading.textContent = r.name;
    st.ok("Saved.");
  }, { id: "device-form" });
  const heading = h("h1", {}, d.name);

  // Recording: mode and how long it is kept, for the device's cameras.
  let rec = null;
  try { rec = await api.get(base + "/recording"); } catch { /* recordings not served, or not allowed */ }
  const recForm = rec ? form([
    { name: "mode", label: "Record", type: "select", value: rec.mode, options: [["continuous", "all the time"], ["events", "only around events"], ["off", "nothing"]] },
    { name: "retention_days", label: "Keep recordings for (days)", type: "number", value: rec.retention_days, attrs: { min: 1, max: 365 } },
    { name: "event_retention_days", label: "Keep event recordings for (days)", type: "number", value: rec.event_retention_days, attrs: { min: 1, max: 365 } },
  ], "Save recording settings", async (v, st) => {
    await api.put(base + "/recording", { mode: v.mode, retention_days: Number(v.retention_days), event_retention_days: Number(v.event_retention_days) });
    st.ok("Saved. Older recordings are deleted on the next sweep.");
  }, { id: "recording-form" }) : h("p", { class: "muted" }, "Recording settings are not available to you.");

  const actions = h("div", { class: "actions" },
    h("button", { type: "button", class: "secondary", id: "rotate-credential", onclick: async () => {
      if (!(await confirm("Issue a new credential? The device must be given it before it can connect again.", { yes: "Issue" }))) return;
      try { const c = await api.post(base + "/credential"); credBox.replaceChildren(credentialBox(c)); done("A new credential was issued."); } catch (e) { status.error(e.message); }
    } }, "New credential"),
    d.lost_at ? null : h("button", { type: "button", class: "secondary", id: "report-lost", onclick: async () => {
      if (!(await confirm("Report this device lost or stolen? It is cut off, and nobody can claim it until you release it.", { yes: "Report lost", danger: true }))) return;
      try { await api.post(base + "/lost"); done("Reported lost: the device is cut off."); } catch (e) { status.error(e.message); }
    } }, "Report lost or stolen"),
    h("button", { type: "button", class: "danger", id: "remove-device", onclick: async () => {
      if (!(await confirm("Remove " + d.name + " from your account? Its recordings are deleted by their retention; a new owner can claim it.", { yes: "Remove", danger: true }))) return;
      try { await api.del(base); forget(); location.hash = "#/devices"; } catch (e) { status.error(e.message); }
    } }, "Remove device"));
  const credBox = h("div", { id: "device-credential" });

  // Published advisories affecting the firmware this device runs.
  let advisories = [];
  if (d.info.firmware_version) {
    try {
      advisories = (await api.get("/api/v1/public/advisories?" + new URLSearchParams({ model: d.model, firmware: d.info.firmware_version }))).advisories;
    } catch { /* a version vigil cannot compare has none listed */ }
  }
  const advisoryBox = advisories.length ? section("Security advisories", h("p", { class: "warn" }, "The firmware this device runs (", d.info.firmware_version, ") is affected by:"),
    h("ul", { class: "plain", id: "device-advisories" }, advisories.map((a) => h("li", {}, h("a", { href: link(["security", "advisories", a.slug]) }, a.title), " (", a.severity, ")",
      (a.firmware || []).filter((f) => f.model === d.model && f.fixed).map((f) => [" · fixed in ", f.fixed]))))) : null;

  // A firmware update offered to this device: what it fixes, and install now.
  const up = d.update_available;
  const updateBox = up ? section("Firmware update", h("p", {}, "Version ", h("strong", {}, up.version), " is available (this device runs ", d.info.firmware_version || "an unknown version", ")."),
    up.notes ? h("p", { class: "muted", id: "update-notes" }, up.notes) : null,
    h("p", { class: "muted" }, "The device checks the update's signature before installing it and restarts; recording pauses for a minute or two."),
    h("div", { class: "actions" }, h("button", { type: "button", id: "update-now", onclick: async () => {
      if (!(await confirm(`Install firmware ${up.version} on ${d.name} now? It restarts while installing.`, { yes: "Install now" }))) return;
      try { await api.post(base + "/firmware-update"); done(`${d.name} was asked to install ${up.version}. It reports the new version when it is done.`); } catch (e) { status.error(e.message); }
    } }, "Install now"))) : null;

  const cams = d.kind === "nvr" ? Array.from({ length: d.channels }, (_, i) => i + 1) : [0];
  const details = h("details", { class: "card", id: "device-details" }, h("summary", {}, "Technical details"),
    h("dl", { class: "facts" },
      h("dt", {}, "Model"), h("dd", {}, d.model), h("dt", {}, "Serial"), h("dd", {}, d.serial),
      h("dt", {}, "Software"), h("dd", {}, d.info.firmware_version || "—", d.update_available ? " (" + d.update_available.version + " available)" : ""),
      h("dt", {}, "Added"), h("dd", {}, fmt.dateTime(d.claimed_at)),
      h("dt", {}, "Last seen"), h("dd", {}, fmt.dateTime(d.last_seen_at) || "never"),
      h("dt", {}, "Credential issued"), h("dd", {}, fmt.dateTime(d.credential_issued_at) || "—"),
      h("dt", {}, "Fields dropped"), h("dd", {}, String(d.ingest.dropped_fields), h("span", { class: "muted" }, " (sent by the device, not kept: vigil keeps only what its data map declares)")),
      h("dt", {}, "Messages refused"), h("dd", {}, String(d.ingest.rejected_messages))));

  const errors = field({ name: "send_error_details", type: "checkbox", value: d.send_error_details, label: "Send error details from this device to vigil for troubleshooting" });
  errors.input.addEventListener("change", async () => {
    try { await api.patch(base, { send_error_details: errors.input.checked }); status.ok("Saved."); } catch (e) { status.error(e.message); errors.input.checked = !errors.input.checked; }
  });

  return [h("p", { class: "crumbs" }, h("a", { href: "#/devices" }, "← Devices")), heading,
    h("p", { class: "muted" }, stateText(d), " · ", cams.map((c, i) => [i ? ", " : "", h("a", { href: link(["cameras", account, device, c]) }, c ? "camera " + c : "live and recordings")])),
    status.node, advisoryBox, updateBox,
    h("div", { class: "two" },
      section("Name and site", general),
      section("Recording", recForm)),
    section(d.kind === "nvr" ? "Recorder and camera settings" : "Camera settings", await channelSettings(base, d)),
    section("Troubleshooting", errors.node),
    section("Credential, loss and removal", actions, credBox),
    details];
});
