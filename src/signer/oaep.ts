/**
 * RSAES-OAEP encoding and decoding (RFC 8017, section 7.1), for tokens whose CKM_RSA_PKCS_OAEP
 * refuses a hash (SoftHSM 2.6 takes SHA-1 only): the token then does the raw RSA operation
 * (CKM_RSA_X_509) with the key it holds, and only the padding is done here. The private key
 * never leaves the token.
 *
 * Decoding runs on decrypted data an attacker may have chosen (Manger's attack), so it checks
 * every condition without an early exit and answers one indistinguishable failure (null).
 */
import { createHash, randomBytes } from "node:crypto";
import { HASH_BYTES, type HashName } from "./algorithms";

function digest(hash: HashName, data: Uint8Array): Buffer {
  return createHash(hash.replace("SHA", "sha")).update(data).digest();
}

/** MGF1 (RFC 8017, B.2.1). */
function mgf1(hash: HashName, seed: Uint8Array, length: number): Buffer {
  const hashBytes = HASH_BYTES[hash];
  const out = Buffer.alloc(Math.ceil(length / hashBytes) * hashBytes);
  const counter = Buffer.alloc(4);
  for (let i = 0, at = 0; at < length; i++, at += hashBytes) {
    counter.writeUInt32BE(i, 0);
    createHash(hash.replace("SHA", "sha")).update(seed).update(counter).digest().copy(out, at);
  }
  return out.subarray(0, length);
}

/** The longest message OAEP fits in a k-byte modulus. */
export function oaepMaxMessageBytes(k: number, hash: HashName): number {
  return k - 2 * HASH_BYTES[hash] - 2;
}

/** EM = 0x00 ‖ maskedSeed ‖ maskedDB for a k-byte modulus and an empty label. Null when the message is too long. */
export function oaepEncode(message: Uint8Array, k: number, hash: HashName): Buffer | null {
  const hLen = HASH_BYTES[hash];
  if (message.length > oaepMaxMessageBytes(k, hash)) return null;
  const db = Buffer.alloc(k - hLen - 1);
  digest(hash, new Uint8Array(0)).copy(db, 0);
  db[db.length - message.length - 1] = 0x01;
  db.set(message, db.length - message.length);
  const seed = randomBytes(hLen);
  const dbMask = mgf1(hash, seed, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= dbMask[i]!;
  const seedMask = mgf1(hash, db, hLen);
  for (let i = 0; i < hLen; i++) seed[i]! ^= seedMask[i]!;
  const em = Buffer.alloc(k);
  seed.copy(em, 1);
  db.copy(em, 1 + hLen);
  return em;
}

/** The message inside EM, or null for anything that is not a valid encoding (one answer for every defect). */
export function oaepDecode(em: Uint8Array, k: number, hash: HashName): Buffer | null {
  const hLen = HASH_BYTES[hash];
  if (em.length !== k || k < 2 * hLen + 2) return null;
  const seed = Buffer.from(em.subarray(1, 1 + hLen));
  const db = Buffer.from(em.subarray(1 + hLen));
  const seedMask = mgf1(hash, db, hLen);
  for (let i = 0; i < hLen; i++) seed[i]! ^= seedMask[i]!;
  const dbMask = mgf1(hash, seed, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= dbMask[i]!;
  const lHash = digest(hash, new Uint8Array(0));
  // Accumulate every defect into `bad` and find the 0x01 separator without branching on secret data.
  let bad = em[0]!;
  for (let i = 0; i < hLen; i++) bad |= db[i]! ^ lHash[i]!;
  let found = 0;
  let separator = 0;
  for (let i = hLen; i < db.length; i++) {
    const byte = db[i]!;
    const isOne = ((byte ^ 0x01) - 1) >>> 31; // 1 when byte === 0x01
    const isZero = (byte - 1) >>> 31; // 1 when byte === 0x00
    const firstOne = isOne & (found ^ 1);
    separator |= -firstOne & i;
    // Before the separator only zeros may appear.
    bad |= (found ^ 1) & (isZero ^ 1) & (isOne ^ 1);
    found |= isOne;
  }
  bad |= found ^ 1;
  return bad === 0 ? db.subarray(separator + 1) : null;
}
