// pages/sharing.js: cameras shared with people outside the household (S1).
// An owner or administrator shares chosen cameras or whole sites with one
// person by e-mail: live view and/or recordings (optionally only a window
// of them), until a date. Each share says in words what it opens and to
// whom, every use of it, and ends at once when revoked. The person it was
// given to accepts it from the mailed link and finds the cameras under
// "Shared with you". Also here: a member's answer when the owner moves the
// account to another provider (the link vigil mails them).
import { h, fmt } from "../core/dom.js";
import { api } from "../core/api.js";
import { route, link, navigate } from "../core/router.js";
import { form, table, section, statusLine, confirm, empty } from "../core/ui.js";
import { accounts, devices, sites, sharedWithMe, forget } from "../app/session.js";
import { titles } from "../app/datamap.js";
import { action } from "../app/words.js";

const statusWords = { invited: "waiting for them to accept", active: "open", ended: "ended (its date passed)", revoked: "ended by you" };
const day = 24 * 3600 * 1000;

// gives says what a share opens, in words.
function gives(sh) {
  const parts = [];
  if (sh.live) parts.push("watch live");
  if (sh.recordings) {
    let rec = "play recordings";
    if (sh.recordings_from || sh.recordings_to) {
      rec += " from " + (sh.recordings_from ? fmt.dateTime(sh.recordings_from) : "the start") + " to " + (sh.recordings_to ? fmt.dateTime(sh.recordings_to) : "now");
    }
    parts.push(rec);
  }
  return parts.join(" and ") + "; never download, change settings or see events";
}

// named turns the share's device and site IDs into names.
const named = (ids, names) => ids.map((id) => names[id] || "a camera you no longer have").join(", ");

// uses lists what the person did with the share, newest first.
function usesOf(sh, names, t) {
  const uses = (sh.uses || []).slice().sort((a, b) => (a.at < b.at ? 1 : -1));
  if (!uses.length) return h("span", { class: "muted" }, "not used yet");
  return h("details", { class: "uses" },
    h("summary", {}, `used ${uses.length} time${uses.length === 1 ? "" : "s"}, last ${fmt.ago(uses[0].at)}`),
    h("ul", {}, uses.slice(0, 50).map((u) => h("li", {}, fmt.dateTime(u.at), ": ", action(u.action), " ",
      names[u.resource_id] ? [names[u.resource_id], h("span", { class: "muted" }, " (" + t.category(u.category).toLowerCase() + ")")] : t.category(u.category).toLowerCase()))));
}

route("/sharing", async () => {
  const [mine, received, t] = await Promise.all([accounts(), sharedWithMe(), titles()]);
  const out = [h("h1", {}, "Sharing"),
    h("p", { class: "muted" }, "Let a neighbour, a relative or a house-sitter see chosen cameras for a while, without joining your household. ",
      "They see only what you choose, until the date you set; you see each time they look, and you can end it at any moment.")];
  // Only owners and administrators share their household's cameras.
  for (const a of mine.filter((x) => x.role === "owner" || x.role === "admin")) {
    const [ds, ss, list] = await Promise.all([devices(a.id), sites(a.id), api.get(`/api/v1/accounts/${a.id}/shares`).then((r) => r.shares || [])]);
    const names = Object.fromEntries([...ds.map((d) => [d.id, d.name]), ...ss.map((s) => [s.id, "every camera at " + s.name])]);
    const status = statusLine("shares-status-" + a.id);
    const rows = table([
      ["With", (sh) => sh.recipient],
      ["Cameras", (sh) => named(sh.devices || [], names)],
      ["They may", gives],
      ["Until", (sh) => fmt.date(sh.until)],
      ["State", (sh) => statusWords[sh.status] || sh.status],
      ["Uses", (sh) => usesOf(sh, names, t)],
      ["", (sh) => (sh.status === "invited" || sh.status === "active" ? h("button", { type: "button", class: "secondary revoke-share", "data-share": sh.id, onclick: async () => {
        if (!(await confirm(`End the share with ${sh.recipient}? They lose access at once, also in the middle of watching.`, { yes: "End share", danger: true }))) return;
        try { await api.del(`/api/v1/accounts/${a.id}/shares/${sh.id}`); forget(); navigate("#/sharing", { replace: true }); } catch (e) { status.error(e.message); }
      } }, "End share") : "")],
    ], list, { id: "shares-" + a.id, caption: "Shares of " + a.name });

    const cams = ds.map((d) => ({ name: "dev_" + d.id, label: "Camera: " + d.name, type: "checkbox", id: `share-dev-${d.id}` }));
    const siteBoxes = ss.map((s) => ({ name: "site_" + s.id, label: "Every camera at " + s.name + ", also ones added later", type: "checkbox", id: `share-site-${s.id}` }));
    const until = fmt.day(Date.now() + 7 * day);
    const create = ds.length ? form([
      { name: "email", label: "Their e-mail", type: "email", required: true, id: "share-email-" + a.id, hint: "They get a link; nothing opens until they accept it with a vigil account at this address." },
      ...cams, ...siteBoxes,
      { name: "live", label: "Watch live", type: "checkbox", value: true, id: "share-live-" + a.id },
      { name: "recordings", label: "Play recordings", type: "checkbox", id: "share-rec-" + a.id },
      { name: "from", label: "Only recordings from (optional)", type: "date", id: "share-from-" + a.id },
      { name: "to", label: "Only recordings up to (optional)", type: "date", id: "share-to-" + a.id },
      { name: "until", label: "Share until", type: "date", value: until, required: true, id: "share-until-" + a.id, hint: "At most a year from today." },
      { name: "note", label: "Note for yourself (optional)", id: "share-note-" + a.id, hint: "For example: while we are away" },
    ], "Share", async (v, st) => {
      const body = {
        email: v.email, live: v.live, recordings: v.recordings, note: v.note || undefined,
        devices: ds.filter((d) => v["dev_" + d.id]).map((d) => d.id), sites: ss.filter((s) => v["site_" + s.id]).map((s) => s.id),
        until: new Date(v.until + "T23:59:59").toISOString(),
        recordings_from: v.from ? new Date(v.from + "T00:00:00").toISOString() : undefined,
        recordings_to: v.to ? new Date(v.to + "T23:59:59").toISOString() : undefined,
      };
      if (!body.devices.length && !body.sites.length) throw new Error("Choose at least one camera or site to share.");
      if (!body.live && !body.recordings) throw new Error("Choose what they may do: watch live, play recordings, or both.");
      const sh = await api.post(`/api/v1/accounts/${a.id}/shares`, body);
      forget();
      st.ok(`Shared with ${sh.recipient} until ${fmt.date(sh.until)}. They can ${gives(sh).split(";")[0]} once they accept the e-mailed link.`);
      setTimeout(() => navigate("#/sharing", { replace: true }), 1500);
    }, { id: "share-form-" + a.id }) : empty("Add a camera first: there is nothing to share yet.", h("a", { href: "#/devices" }, "Add a camera"));
    out.push(section(a.name + ": shared with others", list.length ? rows : h("p", { class: "muted", id: "shares-none-" + a.id }, "You have not shared any camera."), status.node,
      h("h3", {}, "Share cameras"), create));
  }

  // What others shared comes first for someone who has some of it.
  out.splice(received.some((sh) => sh.status === "active") ? 2 : out.length, 0, section("Shared with you",
    received.length ? h("ul", { class: "shared-with-me", id: "shared-with-me" }, received.map((sh) => h("li", { class: "shared", "data-share": sh.id },
      h("p", {}, h("strong", {}, (sh.cameras || []).length + " camera" + ((sh.cameras || []).length === 1 ? "" : "s")), ": you may ", gives(sh), ", until ", fmt.date(sh.until), ". ",
        h("span", { class: "muted" }, statusWords[sh.status] === "open" ? "" : statusWords[sh.status] || "")),
      sh.status === "active" ? h("ul", {}, (sh.cameras || []).map((d) => h("li", {}, h("a", { href: link(["cameras", sh.account_id, d.id, d.kind === "nvr" ? 1 : 0]) }, d.name)))) : null,
      h("p", { class: "muted" }, "The owner sees each time you look.")))) : h("p", { class: "muted", id: "shared-none" }, "Nobody has shared a camera with you.")));
  return out;
});

// The link in the share e-mail: the signed-in person accepts it.
route("/accept-share", async (ctx) => {
  const token = ctx.query.get("token") || "";
  const status = statusLine("accept-share-status");
  const sh = await api.post("/api/v1/shares/accept", { token }).catch((e) => { status.error(e.message); return null; });
  if (!sh) return [h("h1", {}, "Shared cameras"), status.node, h("p", {}, "The link may have expired or been ended by the owner. ", h("a", { href: "#/sharing" }, "See what is shared with you"))];
  forget();
  return [h("h1", {}, "Cameras shared with you"),
    h("p", { id: "accepted-share" }, "You may ", gives(sh), ", until ", fmt.date(sh.until), ". The owner sees each time you look and can end this at any moment."),
    h("p", {}, h("a", { class: "button", href: "#/sharing" }, "Open the shared cameras"))];
});

// The link mailed to members when the owner moves the account elsewhere.
route("/privacy/transfers", async () => {
  const asks = (await api.get("/api/v1/me/transfer-asks")).asks || [];
  const mine = Object.fromEntries((await accounts()).map((a) => [a.id, a.name]));
  const status = statusLine("transfer-status");
  const answer = async (ask, agree) => {
    try { await api.put(`/api/v1/me/transfer-asks/${ask.transfer_id}`, { agree }); navigate("#/privacy/transfers", { replace: true }); } catch (e) { status.error(e.message); }
  };
  return [h("h1", {}, "Moving an account"),
    h("p", { class: "muted" }, "When an owner moves their account to another provider, your part of it goes only if you agree: ",
      "your name, your role and what you chose in it. If you say no, only your e-mail address and role go, so that they can invite you again; ",
      "your sign-in history, access log, requests and messages never travel."),
    status.node,
    asks.length ? table([
      ["Account", (a) => mine[a.account_id] || "a household you belong to"],
      ["Asked", (a) => fmt.dateTime(a.asked_at)],
      ["Your answer", (a) => (a.answer ? (a.answer === "agreed" ? "you agreed" : "you said no") + ", " + fmt.dateTime(a.answered_at) : "not answered yet")],
      ["", (a) => (a.answer ? "" : h("div", { class: "actions" },
        h("button", { type: "button", class: "agree-transfer", onclick: () => answer(a, true) }, "Agree"),
        h("button", { type: "button", class: "secondary refuse-transfer", onclick: () => answer(a, false) }, "Say no")))],
    ], asks, { id: "transfer-asks" }) : empty("Nobody has asked you about moving an account.")];
});
