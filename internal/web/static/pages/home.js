// pages/home.js: the camera grid, the first page after signing in. Every
// camera (an NVR's channels each count) is a tile: live while it is on
// screen (WebRTC, else LL-HLS), its last event snapshot otherwise, its
// name, site, online state with a reason, and its unread events. Sites
// filter the grid.
import { h, fmt } from "../core/dom.js";
import { route, link } from "../core/router.js";
import { chips, empty, badge } from "../core/ui.js";
import { cameras, offlineReason } from "../app/session.js";
import { list as listEvents, snapshotURL } from "../app/events.js";
import { startLive, liveVideo, NotStreaming } from "../app/live.js";

route("/", async (ctx) => {
  const cams = await cameras();
  if (!cams.length) {
    return [h("h1", {}, "Cameras"), empty("No camera yet.", h("p", {}, h("a", { class: "button", href: "#/devices" }, "Add a camera")))];
  }
  const events = await listEvents({}, 100).catch(() => []);
  const siteList = [];
  for (const c of cams) if (c.site && !siteList.some((s) => s.id === c.site.id)) siteList.push(c.site);
  const chosenSite = ctx.query.get("site") || "all";

  const tiles = cams.map((cam) => tile(cam, events.filter((e) => e.account.id === cam.account.id && e.device_id === cam.device.id && e.channel === cam.channel)));
  const grid = h("div", { class: "grid", id: "camera-grid" }, tiles.map((t) => t.node));
  const filter = (site) => {
    for (const t of tiles) t.node.hidden = !(site === "all" || (site === "none" ? !t.cam.site : t.cam.site && t.cam.site.id === site));
    history.replaceState(null, "", site === "all" ? "#/" : link([], { site }));
  };
  const bar = siteList.length ? chips([{ id: "all", text: "All sites", count: cams.length },
    ...siteList.map((s) => ({ id: s.id, text: s.name, count: cams.filter((c) => c.site && c.site.id === s.id).length })),
    ...(cams.some((c) => !c.site) ? [{ id: "none", text: "No site", count: cams.filter((c) => !c.site).length }] : [])],
  chosenSite, filter, { label: "Sites", id: "site-filter" }) : null;
  if (chosenSite !== "all") filter(chosenSite);

  // A tile plays live only while it is on screen.
  const seen = new IntersectionObserver((entries) => {
    for (const en of entries) { const t = tiles.find((x) => x.node === en.target); if (t) t.visible(en.isIntersecting && !t.node.hidden); }
  }, { threshold: 0.25 });
  for (const t of tiles) seen.observe(t.node);
  ctx.onLeave(() => { seen.disconnect(); for (const t of tiles) t.visible(false); });

  const online = cams.filter((c) => c.device.online).length;
  return [h("div", { class: "page-head" }, h("h1", {}, "Cameras"),
    h("p", { class: "muted" }, `${online} of ${cams.length} online`)), bar, grid];
});

function tile(cam, events) {
  const unread = events.filter((e) => !e.acked_at).length;
  const last = events.find((e) => e.snapshot_uploaded);
  const picture = h("div", { class: "picture" });
  const still = () => {
    if (last) picture.replaceChildren(h("img", { src: snapshotURL(last), alt: "last snapshot of " + cam.name + ", " + fmt.dateTime(last.time), loading: "lazy" }));
    else picture.replaceChildren(h("div", { class: "placeholder" }, cam.device.online ? "Live view starts when the tile is on screen" : "No picture yet"));
  };
  still();
  const reason = offlineReason(cam.device);
  const state = h("span", { class: "state " + (cam.device.online && !cam.device.lost_at ? "online" : "offline") }, reason || "online");
  picture.append(state);
  const node = h("article", { class: "tile", "data-camera": cam.key, "aria-label": cam.name },
    picture,
    unread ? h("span", { class: "unread" }, badge(unread, "unread events")) : null,
    h("div", { class: "about" },
      h("a", { class: "name", href: link(["cameras", cam.account.id, cam.device.id, cam.channel]) }, cam.name),
      h("span", { class: "where" }, [cam.site ? cam.site.name : cam.account.name,
        last ? "last event " + fmt.ago(last.time) : null].filter(Boolean).join(" · "))));

  let session = null, starting = false, want = false;
  async function visible(on) {
    want = on;
    if (on && !session && !starting && cam.device.online && !cam.device.lost_at) {
      starting = true;
      const video = liveVideo();
      video.setAttribute("aria-label", "live view of " + cam.name);
      try {
        const s = await startLive(cam, video);
        if (!want) { s.stop(); return; }
        session = s;
        picture.replaceChildren(video, state);
        state.className = "state live";
        state.textContent = "live";
      } catch (e) {
        state.textContent = e instanceof NotStreaming ? "online · no video right now" : "live view unavailable: " + e.message;
      } finally { starting = false; }
    } else if (!on && session) {
      session.stop();
      session = null;
      still();
      picture.append(state);
      state.className = "state online";
      state.textContent = "online";
    }
  }
  return { node, cam, visible };
}
