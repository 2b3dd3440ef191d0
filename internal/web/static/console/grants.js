// console/grants.js: what customers entrusted to the signed-in member:
// each grant's account, data, ticket, status and end, and every use of it
// (which the customer sees too). Staff have no standing access: a customer
// gives a grant in their app for a support ticket.
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route } from "../core/router.js";
import { section, table, empty } from "../core/ui.js";
import { roles } from "./nav.js";

route("/staff/grants", async (ctx) => {
  const { grants } = await api.get("/api/v1/staff/grants");
  return [h("h1", {}, "Grants"),
    h("p", { class: "muted" }, "Customers entrust you with their data for a ticket, in their own app, until a time they choose; they see every use and can end it at once. ",
      "To ask for one, give the customer your staff ID and the ticket number: ", h("code", { id: "my-staff-id" }, ctx.staff.id)),
    section("Entrusted to you", grants && grants.length ? table([["Account", (g) => h("code", {}, g.account_id)], ["Ticket", (g) => g.ticket], ["Data", (g) => g.categories.join(", ")],
      ["Status", (g) => g.status], ["Until", (g) => fmt.dateTime(g.until)], ["Uses", (g) => (g.uses || []).length]], grants, { id: "grants" }) : empty("No customer has entrusted you with anything."))];
}, { roles: roles.grants, personal: true });
