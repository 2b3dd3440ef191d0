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

// remember keeps the largest checkpoint this browser has seen of a log
// (per log owner) and says whether the new one goes backwards: a smaller
// tree than one seen before means the log was rolled back. (Telling a fork
// of equal or larger size needs a consistency proof, which the API does not
// serve yet.)
function remember(key, size) {
  const k = "vigil.checkpoint." + key;
  let seen = 0n;
  try { seen = BigInt(localStorage.getItem(k) || "0"); } catch { seen = 0n; }
  if (size >= seen) { try { localStorage.setItem(k, String(size)); } catch { /* private mode */ } }
  return { seen, rolledBack: size < seen };
}

// verifyPage returns the checkpoint's status and, per entry seq, whether its
// proof holds against that checkpoint.
export async function verifyPage(page, key) {
  const cp = parseCheckpoint(page.checkpoint);
  const signed = await verifyCheckpoint(cp, page.public_key);
  const entries = {};
  for (const e of page.entries) {
    entries[e.seq] = await verifyInclusion(b64(e.leaf), BigInt(e.seq - 1), cp.size, cp.root, (e.proof || []).map(b64));
  }
  const memory = key && signed !== false ? remember(key, cp.size) : { seen: 0n, rolledBack: false };
  return { size: cp.size, signed, entries, ...memory };
}

