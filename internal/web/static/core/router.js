// core/router.js: a hash router with deep links (#/cameras/<id>?day=...).
// A route is a pattern of fixed parts and :params; a page is an async
// function of its context that returns what to show (a node or a list).
// Only the newest navigation renders: a slow page the person already left
// is dropped, and the left page's clean-ups (ctx.onLeave) run first.

const routes = [];
let seq = 0;
let leaving = [];
let opts = { notFound: null, mount: null, error: null, before: null };

// route registers a page for pattern ("/cameras/:account/:device").
export function route(pattern, page, meta = {}) {
  const parts = pattern.split("/").filter(Boolean);
  routes.push({ pattern, parts, page, meta });
}

// match finds the route of a path and its parameters.
export function match(path) {
  const segs = path.split("/").filter(Boolean).map(decodeURIComponent);
  for (const r of routes) {
    if (r.parts.length !== segs.length) continue;
    const params = {};
    if (r.parts.every((p, i) => (p.startsWith(":") ? ((params[p.slice(1)] = segs[i]), true) : p === segs[i]))) return { route: r, params };
  }
  return null;
}

// current splits location.hash into path and query.
export function current() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, q] = raw.split("?");
  return { path: path || "/", query: new URLSearchParams(q || "") };
}

// link builds "#/a/b?x=1" from parts (escaped) and a query object.
export function link(parts, query) {
  const p = "#/" + [parts].flat().filter((x) => x !== "" && x !== undefined && x !== null).map((x) => encodeURIComponent(String(x))).join("/");
  const q = new URLSearchParams(Object.entries(query || {}).filter(([, v]) => v !== undefined && v !== null && v !== ""));
  return q.toString() ? p + "?" + q : p;
}

export function navigate(hash, { replace = false } = {}) {
  if (replace) { history.replaceState(null, "", hash); render(); } else location.hash = hash;
}

// render runs the page of the current hash.
export async function render() {
  const mine = ++seq;
  for (const f of leaving.splice(0)) { try { f(); } catch { /* a clean-up failing must not block the next page */ } }
  const { path, query } = current();
  const found = match(path);
  const ctx = {
    path, query, params: found ? found.params : {}, meta: found ? found.route.meta : {},
    stale: () => mine !== seq,
    onLeave: (f) => { if (mine === seq) leaving.push(f); else f(); },
    redirect: (hash) => navigate(hash, { replace: true }),
  };
  try {
    if (opts.before && (await opts.before(ctx)) === false) return;
    if (ctx.stale()) return;
    const out = found ? await found.route.page(ctx) : await opts.notFound(ctx);
    if (ctx.stale() || out === undefined) return;
    opts.mount(out, ctx);
  } catch (e) {
    if (!ctx.stale()) opts.error(e, ctx);
  }
}

// start renders now and on every hash change. mount(nodes, ctx) shows a
// page; error(e, ctx) shows a failure; notFound(ctx) is the page of an
// unknown path; before(ctx) may answer false to stop (after redirecting).
export function start(o) {
  opts = { ...opts, ...o };
  window.addEventListener("hashchange", render);
  return render();
}
