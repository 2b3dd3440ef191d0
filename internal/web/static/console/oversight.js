// console/oversight.js: legal holds (security officer, DPO) and the audit
// log's health: its signed checkpoint, checked in the browser.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, navigate } from "../core/router.js";
import { form, section, table, empty } from "../core/ui.js";
import { roles } from "./nav.js";

route("/staff/holds", async () => {
  const { holds } = await api.get("/api/v1/staff/legal-holds");
  return [h("h1", {}, "Legal holds"),
    h("p", { class: "muted" }, "A hold keeps an owner's data past its retention while a legal matter needs it; it ends on its date or when lifted."),
    section("Holds", holds && holds.length ? table([["Owner", (x) => h("code", {}, x.owner_id)], ["Reason", (x) => x.reason], ["Until", (x) => fmt.date(x.until)],
      ["", (x) => h("button", { type: "button", class: "secondary", onclick: async () => { await api.del("/api/v1/staff/legal-holds/" + x.id); navigate(location.hash, { replace: true }); } }, "Lift")]],
    holds, { id: "holds" }) : empty("No hold is in place.")),
    section("Place a hold", form([{ name: "owner_id", label: "Account or person ID" }, { name: "reason", label: "Legal reference and reason", type: "textarea" },
      { name: "until", label: "Until", type: "date" }], "Place hold", async (v) => {
      await api.post("/api/v1/staff/legal-holds", { ...v, until: new Date(v.until + "T23:59:59Z").toISOString() });
      navigate(location.hash, { replace: true });
    }, { id: "hold-form" }))];
}, { roles: roles.holds, personal: true });

route("/staff/audit", async () => {
  const cp = await api.get("/api/v1/audit/checkpoint");
  const lines = (cp.checkpoint || "").split("\n");
  return [h("h1", {}, "Audit log"),
    section("Latest signed checkpoint", h("dl", { class: "facts", id: "checkpoint" }, h("dt", {}, "Log"), h("dd", {}, lines[0] || "—"),
      h("dt", {}, "Entries"), h("dd", { id: "checkpoint-size" }, lines[1] || "0"), h("dt", {}, "Root hash"), h("dd", {}, h("code", {}, lines[2] || "—"))),
    h("p", { class: "muted" }, "Every access to personal data, by anyone, staff included, is an entry of this hash-chained log. Run ", h("code", {}, "vigil audit verify"),
      " on the server to check every entry against the signed checkpoints."),
    h("details", {}, h("summary", {}, "Signed note and public key"), h("pre", {}, cp.checkpoint), h("p", {}, h("code", {}, cp.public_key))))];
}, { roles: roles.audit });
