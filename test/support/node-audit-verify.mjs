// Independent check of an audit export bundle, run under Node.js (its own OpenSSL), never
// with Signet's code: a second implementation from the specifications, not a copy.
//   - the checkpoint is a C2SP signed note: body lines origin / size / base64 root, a blank
//     line, "— <name> <base64(keyid ‖ sig)>", keyid = SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[:4],
//     and the Ed25519 signature verifies with node:crypto under the published SPKI;
//   - each record's entry is its RFC 8785 canonical JSON; leaf = SHA-256(0x00 ‖ entry);
//   - the root is MTH by the recursive RFC 6962 definition over all leaves, and each record's
//     inclusion proof equals PATH(m, D[n]) computed recursively from the leaves.
// stdin: {"spki": base64 DER, "bundle": "<JSON bundle text>"}; stdout: one JSON report.
import { createHash, createPublicKey, verify } from "node:crypto";

const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
}));
const sha = (...parts) => parts.reduce((h, p) => h.update(p), createHash("sha256")).digest();
const canonical = (v) =>
  v === null ? "null"
  : Array.isArray(v) ? `[${v.map(canonical).join(",")}]`
  : typeof v === "object" ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`
  : JSON.stringify(v);
const leaf = (entry) => sha(Buffer.from([0]), entry);
const node = (l, r) => sha(Buffer.from([1]), l, r);
const split = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; };
// MTH(D[lo:hi]) by the recursive definition, remembered per range (the paths of all leaves
// share their subtrees; without it checking every path is quadratic).
const memo = new Map();
let all = [];
const mth = (lo, hi) => {
  if (hi - lo === 1) return all[lo];
  const key = `${lo}:${hi}`;
  if (!memo.has(key)) memo.set(key, node(mth(lo, lo + split(hi - lo)), mth(lo + split(hi - lo), hi)));
  return memo.get(key);
};
const path = (m, lo, hi) => {
  if (hi - lo <= 1) return [];
  const k = split(hi - lo);
  return m < lo + k ? [...path(m, lo, lo + k), mth(lo + k, hi)] : [...path(m, lo + k, hi), mth(lo, lo + k)];
};

const report = {};
const bundle = JSON.parse(input.bundle);
const note = bundle.checkpoint;
const cut = note.lastIndexOf("\n\n");
const body = note.slice(0, cut + 1);
const sigLines = note.slice(cut + 2).split("\n").filter(Boolean);
const bodyLines = body.split("\n");
report.noteWellFormed = cut > 0 && note.endsWith("\n") && bodyLines.length >= 4 && /^\d+$/.test(bodyLines[1]) &&
  Buffer.from(bodyLines[2], "base64").length === 32 && sigLines.every((l) => l.startsWith("\u2014 "));
const key = createPublicKey({ key: Buffer.from(input.spki, "base64"), format: "der", type: "spki" });
const raw = Buffer.from(key.export({ format: "jwk" }).x, "base64url");
const [name, blob] = sigLines[0].slice(2).split(" ");
const sig = Buffer.from(blob, "base64");
const keyId = sha(Buffer.from(`${name}\n`), Buffer.from([1]), raw).subarray(0, 4);
report.keyName = name;
report.keyIdMatches = keyId.equals(sig.subarray(0, 4));
report.signatureValid = verify(null, Buffer.from(body), key, sig.subarray(4));
report.origin = bodyLines[0];
report.treeSize = Number(bodyLines[1]);
report.rootHash = bodyLines[2];

const entryOf = (r) => Buffer.from(canonical({
  seq: r.seq, time: r.time, actor: r.actor, action: r.action, objectType: r.objectType, objectId: r.objectId,
  outcome: r.outcome, requestId: r.requestId, clientAddress: r.clientAddress, details: r.details, prevHash: r.prevHash,
}));
all = bundle.records.map((r) => leaf(entryOf(r)));
if (bundle.complete && all.length === report.treeSize) {
  report.recomputedRoot = mth(0, all.length).toString("base64");
  report.proofsMatch = bundle.records.every((r, i) =>
    JSON.stringify(path(i, 0, all.length).map((h) => h.toString("base64"))) === JSON.stringify(r.inclusionProof));
  report.chainValid = bundle.records.every((r, i) =>
    r.prevHash === (i === 0 ? Buffer.alloc(32) : sha(entryOf(bundle.records[i - 1]))).toString("base64"));
}
process.stdout.write(`${JSON.stringify(report)}\n`);
