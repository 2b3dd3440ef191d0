// Client-side checks of vigil's access log: an RFC 6962 inclusion proof for
// each entry (RFC 9162 §2.1.3.2) and the Ed25519 signature of the checkpoint
// (the signed-note format of golang.org/x/mod/sumdb/note). The browser does
// the work, so the owner need not trust vigil's database.
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

async function sha256(...parts) {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const buf = new Uint8Array(len);
  let off = 0;
  for (const p of parts) { buf.set(p, off); off += p.length; }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
}

const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// parseCheckpoint reads the signed tree head: its text, size and root hash,
// and the signatures below the blank line.
function parseCheckpoint(note) {
  const cut = note.indexOf("\n\n");
  const text = note.slice(0, cut + 1);
  const lines = text.split("\n");
  const sigs = note.slice(cut + 2).split("\n").filter((l) => l.startsWith("— ")).map((l) => {
    const [, name, sig] = l.split(" ");
    return { name, sig: b64(sig) };
  });
  return { text, size: BigInt(lines[1]), root: b64(lines[2]), sigs };
}

// verifyCheckpoint checks the checkpoint's signature with the public key
// "name+hash+base64(0x01 || key)". It answers true, false, or null when the
// browser cannot verify Ed25519.
async function verifyCheckpoint(cp, vkey) {
  // The base64 key may itself contain "+": split at the first two only.
  const i = vkey.indexOf("+"), j = vkey.indexOf("+", i + 1);
  const name = vkey.slice(0, i), raw = b64(vkey.slice(j + 1));
  if (i < 1 || j < 0 || raw.length !== 33 || raw[0] !== 1) return false;
  let key;
  try {
    key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
  } catch (e) {
    if (e.name === "NotSupportedError") return null;
    throw e;
  }
  for (const s of cp.sigs) {
    if (s.name !== name || s.sig.length !== 68) continue;
    if (await crypto.subtle.verify("Ed25519", key, s.sig.slice(4), new TextEncoder().encode(cp.text))) return true;
  }
  return false;
}

// verifyInclusion checks that leaf is record index of the tree of size with
// root, by the audit path proof.
async function verifyInclusion(leaf, index, size, root, proof) {
  if (index >= size) return false;
  let fn = index, sn = size - 1n;
  let r = await sha256(new Uint8Array([0]), leaf);
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = await sha256(new Uint8Array([1]), p, r);
      if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = await sha256(new Uint8Array([1]), r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && equal(r, root);
}

// verifyConsistency checks an RFC 6962 consistency proof that the tree of
// size1 with root1 is a prefix of the tree of size2 with root2 (RFC 9162
// §2.1.4.2).
async function verifyConsistency(size1, root1, size2, root2, proof) {
  if (size1 === size2) return proof.length === 0 && equal(root1, root2);
  if (size1 > size2 || size1 === 0n || proof.length === 0) return false;
  let path = proof;
  if ((size1 & (size1 - 1n)) === 0n) path = [root1, ...proof]; // size1 a power of two
  let fn = size1 - 1n, sn = size2 - 1n;
  while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await sha256(new Uint8Array([1]), c, fr);
      sr = await sha256(new Uint8Array([1]), c, sr);
      if ((fn & 1n) === 0n) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      sr = await sha256(new Uint8Array([1]), sr, c);
    }
    fn >>= 1n; sn >>= 1n;
  }
  return sn === 0n && equal(fr, root1) && equal(sr, root2);
}

// The last checkpoint this browser accepted, per log owner: its size and
// root. A later checkpoint must extend it (a consistency proof), or the log
// was rolled back or forked.
function recall(key) {
  try {
    const v = JSON.parse(localStorage.getItem("vigil.checkpoint." + key) || "null");
    return v && v.size ? { size: BigInt(v.size), root: b64(v.root) } : null;
  } catch { return null; }
}
function keep(key, size, root) {
  try { localStorage.setItem("vigil.checkpoint." + key, JSON.stringify({ size: String(size), root: btoa(String.fromCharCode(...root)) })); } catch { /* private mode */ }
}

// history compares cp with the checkpoint remembered under key: "first"
// (none kept), "same", "extends" (proved by the server's consistency
// proof), "rolled back" (smaller), "forked" (the proof fails, or equal
// sizes with different roots). It keeps cp when the history holds.
async function history(key, cp, vkey, consistencyURL) {
  const seen = recall(key);
  let verdict;
  if (!seen) verdict = "first";
  else if (seen.size > cp.size) verdict = "rolled back";
  else if (seen.size === cp.size) verdict = equal(seen.root, cp.root) ? "same" : "forked";
  else {
    const res = await fetch(consistencyURL + "?from=" + seen.size, { credentials: "same-origin" });
    if (!res.ok) return { verdict: "not checked", seen: seen.size };
    const c = await res.json();
    const latest = parseCheckpoint(c.checkpoint);
    if ((await verifyCheckpoint(latest, vkey)) === false) verdict = "forked";
    else {
      const ok = await verifyConsistency(seen.size, seen.root, latest.size, latest.root, (c.proof || []).map(b64));
      // The page's own checkpoint must lie on the same history too.
      const pageOK = latest.size === cp.size ? equal(latest.root, cp.root) : latest.size > cp.size;
      verdict = ok && pageOK ? "extends" : "forked";
    }
  }
  if (verdict === "first" || verdict === "extends") keep(key, cp.size, cp.root);
  return { verdict, seen: seen ? seen.size : 0n };
}

// verifyPage returns the checkpoint's status, per entry seq whether its
// proof holds against that checkpoint, and how the checkpoint relates to
// the one this browser kept for key (history: first, same, extends, rolled
// back, forked, not checked).
export async function verifyPage(page, key, { consistencyURL = "/api/v1/audit/consistency" } = {}) {
  const cp = parseCheckpoint(page.checkpoint);
  const signed = await verifyCheckpoint(cp, page.public_key);
  const entries = {};
  for (const e of page.entries) {
    entries[e.seq] = await verifyInclusion(b64(e.leaf), BigInt(e.seq - 1), cp.size, cp.root, (e.proof || []).map(b64));
  }
  const h = key && signed !== false ? await history(key, cp, page.public_key, consistencyURL) : { verdict: "not checked", seen: 0n };
  return { size: cp.size, signed, entries, history: h.verdict, seen: h.seen, rolledBack: h.verdict === "rolled back" || h.verdict === "forked" };
}

