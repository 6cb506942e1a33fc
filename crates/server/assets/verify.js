// In-browser checks of the transparency log, so that a reader need not trust the
// server: the leaf hash of an entry (SHA-256 of 0x00 ‖ its canonical JSON, RFC 9162
// §2.1.1), its inclusion proof up to a tree root (RFC 9162 §2.1.3.2), and the
// checkpoint's Ed25519 signature (C2SP signed-note, tlog-checkpoint). SHA-256 is the
// browser's Web Crypto; Ed25519 is noble-ed25519 (MIT), vendored in ./vendor with its
// licence.
import * as ed from "./vendor/noble-ed25519.js";

const enc = new TextEncoder();

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) { out.set(p, i); i += p.length; }
  return out;
}
export const hex = (b) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
export function unhex(s) {
  if (!/^([0-9a-f]{2})*$/i.test(s)) throw new Error(`not hex: ${s.slice(0, 16)}…`);
  return Uint8Array.from(s.match(/../g) || [], (x) => parseInt(x, 16));
}
function unb64(s) {
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** SHA-256(0x00 ‖ leaf). */
export async function leafHash(leafText) {
  return sha256(concat(Uint8Array.of(0), enc.encode(leafText)));
}
async function nodeHash(l, r) {
  return sha256(concat(Uint8Array.of(1), l, r));
}

/** The root an inclusion proof leads to from `leaf` at `index` in a tree of `size`. */
export async function rootFromInclusion(index, size, leaf, proof) {
  if (!(index < size)) throw new Error(`index ${index} is not below the tree size ${size}`);
  let fn = BigInt(index), sn = BigInt(size - 1);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw new Error("the proof is longer than the tree allows");
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  if (sn !== 0n) throw new Error("the proof is shorter than the tree needs");
  return r;
}

/** A verifier key `name+hexid+base64(0x01 ‖ key)`. */
async function parseVerifierKey(vkey) {
  // The base64 part may itself contain '+': split at the first two only.
  const a = vkey.indexOf("+"), b = a < 0 ? -1 : vkey.indexOf("+", a + 1);
  if (a <= 0 || b < 0) throw new Error(`not a verifier key: ${vkey}`);
  const [name, id, b64] = [vkey.slice(0, a), vkey.slice(a + 1, b), vkey.slice(b + 1)];
  const raw = unb64(b64);
  if (raw.length !== 33 || raw[0] !== 1) throw new Error("not an Ed25519 verifier key");
  const want = (await sha256(concat(enc.encode(name), Uint8Array.of(0x0a), raw))).slice(0, 4);
  if (hex(want) !== id.toLowerCase()) throw new Error("the verifier key's id does not match its key");
  return { name, id: want, key: raw.slice(1) };
}

/**
 * Checks a signed checkpoint against the log's verifier key: the signature by that key
 * must verify over the note's text. Returns { origin, size, root } on success.
 */
export async function verifyCheckpoint(text, vkey) {
  const k = await parseVerifierKey(vkey);
  const cut = text.indexOf("\n\n");
  if (cut < 0) throw new Error("the checkpoint has no signature block");
  const body = text.slice(0, cut + 1);
  const [origin, size, root] = body.split("\n");
  if (!/^\d+$/.test(size)) throw new Error("the checkpoint's tree size is not a number");
  const sigs = text.slice(cut + 2).split("\n").filter((l) => l.startsWith("— "));
  for (const line of sigs) {
    const [, name, b64] = line.split(" ");
    if (name !== k.name) continue;
    const raw = unb64(b64);
    if (raw.length !== 68 || !equal(raw.slice(0, 4), k.id)) continue;
    const ok = await ed.verifyAsync(raw.slice(4), enc.encode(body), k.key);
    if (ok) return { origin, size: Number(size), root: unb64(root), signer: k.name };
    throw new Error(`the signature by ${k.name} does not verify`);
  }
  throw new Error(`no signature by ${k.name} on the checkpoint`);
}

/**
 * Everything a reader checks for one entry: its leaf hash, its inclusion proof, and the
 * checkpoint that signs the root the proof reaches. Returns a verdict object; never
 * throws.
 */
export async function verifyEntry(entry, proof, checkpoint) {
  try {
    const leaf = await leafHash(entry.leaf);
    if (hex(leaf) !== entry.leaf_hash_hex) throw new Error("the entry's leaf does not hash to its leaf hash");
    if (proof.leaf_index !== entry.index) throw new Error("the proof is for another entry");
    const cp = await verifyCheckpoint(checkpoint.text, checkpoint.verifier_key);
    if (proof.tree_size !== cp.size) throw new Error(`the proof is for a tree of ${proof.tree_size}, the checkpoint for ${cp.size}`);
    const root = await rootFromInclusion(entry.index, proof.tree_size, leaf, proof.proof_hex.map(unhex));
    if (!equal(root, cp.root)) throw new Error("the proof does not lead to the checkpoint's root");
    return { ok: true, text: `verified in this browser: entry ${entry.index} is in the tree of ${cp.size} entries whose root ${hex(cp.root).slice(0, 16)}… is signed by ${cp.signer} (checkpoint ${cp.size})` };
  } catch (err) {
    return { ok: false, text: `verification failed: ${err.message}` };
  }
}

window.VerityVerify = { leafHash, rootFromInclusion, verifyCheckpoint, verifyEntry, hex, unhex };
window.dispatchEvent(new Event("verity-verify-ready"));
