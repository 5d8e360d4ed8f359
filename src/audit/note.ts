/**
 * Checkpoints in the C2SP formats: a tlog-checkpoint body inside a signed note.
 *
 *   <origin>\n<tree size>\n<base64 root hash>\nTimestamp: <RFC 3339 UTC>\n
 *   \n
 *   — <key name> <base64(key id ‖ Ed25519 signature)>\n
 *
 * The signature covers the body including its final newline. The key id is the first four
 * bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key), 0x01 being the Ed25519 signature
 * type; the verifier key is published as `<name>+<hex key id>+<base64(0x01 ‖ public key)>`.
 * The timestamp is an extension line (tlog-checkpoint allows them; clients that do not know
 * it ignore it): the issue asks that a checkpoint say when it was made.
 *
 * Pure apart from node:crypto, so the offline verifier uses it as it is.
 */
import { createPublicKey, verify as verifySignature, type KeyObject } from "node:crypto";
import { sha256 } from "./merkle";

const EM_DASH_PREFIX = "\u2014 ";
const ED25519_TYPE = 0x01;
const TIMESTAMP_PREFIX = "Timestamp: ";

export interface Checkpoint {
  origin: string;
  treeSize: number;
  rootHash: Uint8Array;
  time: string;
}

export interface NoteSignature {
  name: string;
  keyId: Uint8Array;
  signature: Uint8Array;
}

export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name);
}

export function checkpointBody(checkpoint: Checkpoint): string {
  const root = Buffer.from(checkpoint.rootHash).toString("base64");
  return `${checkpoint.origin}\n${checkpoint.treeSize}\n${root}\n${TIMESTAMP_PREFIX}${checkpoint.time}\n`;
}

export function keyId(name: string, publicKey: Uint8Array): Uint8Array {
  return sha256(new TextEncoder().encode(`${name}\n`), new Uint8Array([ED25519_TYPE]), publicKey).slice(0, 4);
}

export function verifierKey(name: string, publicKey: Uint8Array): string {
  const id = Buffer.from(keyId(name, publicKey)).toString("hex");
  return `${name}+${id}+${Buffer.concat([Buffer.from([ED25519_TYPE]), publicKey]).toString("base64")}`;
}

/** Parses `<name>+<hex id>+<base64(0x01 ‖ key)>`; null when it is not an Ed25519 verifier key. */
export function parseVerifierKey(text: string): { name: string; publicKey: Uint8Array } | null {
  // The name holds no "+" and the id is hex, but the base64 key may contain "+".
  const match = /^([^+]+)\+([0-9a-fA-F]{8})\+([A-Za-z0-9+/]+=*)$/.exec(text.trim());
  if (!match) return null;
  const parts = match.slice(1);
  if (!isValidKeyName(parts[0]!)) return null;
  const key = Buffer.from(parts[2]!, "base64");
  if (key.length !== 33 || key[0] !== ED25519_TYPE) return null;
  const publicKey = new Uint8Array(key.subarray(1));
  if (Buffer.from(keyId(parts[0]!, publicKey)).toString("hex") !== parts[1]!.toLowerCase()) return null;
  return { name: parts[0]!, publicKey };
}

export function signedNote(body: string, name: string, publicKey: Uint8Array, signature: Uint8Array): string {
  const blob = Buffer.concat([keyId(name, publicKey), signature]).toString("base64");
  return `${body}\n${EM_DASH_PREFIX}${name} ${blob}\n`;
}

/** Splits a signed note into its body (with the final newline) and its signature lines. */
export function parseSignedNote(note: string): { body: string; signatures: NoteSignature[] } | null {
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) return null;
  const body = note.slice(0, split + 1);
  const signatures: NoteSignature[] = [];
  for (const line of note.slice(split + 2, -1).split("\n")) {
    if (!line.startsWith(EM_DASH_PREFIX)) return null;
    const [name, blob, ...rest] = line.slice(EM_DASH_PREFIX.length).split(" ");
    if (!name || !blob || rest.length > 0 || !isValidKeyName(name)) return null;
    const raw = Buffer.from(blob, "base64");
    if (raw.length < 5 || raw.toString("base64") !== blob) return null;
    signatures.push({ name, keyId: new Uint8Array(raw.subarray(0, 4)), signature: new Uint8Array(raw.subarray(4)) });
  }
  return signatures.length > 0 ? { body, signatures } : null;
}

export function parseCheckpointBody(body: string): Checkpoint | null {
  const lines = body.split("\n");
  if (lines.length < 4 || lines[lines.length - 1] !== "") return null;
  const [origin, size, root, ...extensions] = lines.slice(0, -1);
  if (!origin || !size || !/^(0|[1-9][0-9]*)$/.test(size) || !root) return null;
  const rootHash = Buffer.from(root, "base64");
  if (rootHash.length !== 32 || rootHash.toString("base64") !== root) return null;
  if (extensions.some((line) => line.length === 0)) return null;
  const time = extensions.find((line) => line.startsWith(TIMESTAMP_PREFIX))?.slice(TIMESTAMP_PREFIX.length) ?? "";
  return { origin, treeSize: Number(size), rootHash: new Uint8Array(rootHash), time };
}

export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(raw).toString("base64url") }, format: "jwk" });
}

/**
 * The checkpoint of a note signed by `name` with `publicKey`, or null. As the signed-note
 * specification requires, signatures by other keys are ignored, and one bad signature by
 * this key rejects the note.
 */
export function openCheckpoint(note: string, name: string, publicKey: Uint8Array): Checkpoint | null {
  const parsed = parseSignedNote(note);
  if (!parsed) return null;
  const id = keyId(name, publicKey);
  const mine = parsed.signatures.find((s) => s.name === name && Buffer.from(s.keyId).equals(id));
  if (!mine || mine.signature.length !== 64) return null;
  const valid = verifySignature(null, Buffer.from(parsed.body, "utf8"), ed25519PublicKey(publicKey), mine.signature);
  if (!valid) return null;
  const checkpoint = parseCheckpointBody(parsed.body);
  return checkpoint && checkpoint.origin === name ? checkpoint : null;
}
