/**
 * The message digests signatures are computed over, by their Securosys names, computed in the
 * service when the token has no combined "hash and sign" mechanism for them (SoftHSM 2.6 has
 * none for ECDSA, and no SHA-3 at all).
 *
 * SHA-1 and SHA-2 come from Bun's one-shot hashers (platform/sha.ts), SHA-3 from node:crypto (Bun's BoringSSL
 * has SHA-3). Keccak (the pre-standard SHA-3 with the original 0x01 padding, which Ethereum
 * uses) is not in any OpenSSL Bun or Node ship here, so it comes from @noble/hashes; the unit
 * tests check it against published Keccak vectors. DOUBLE_SHA256 is SHA-256 applied twice
 * (Bitcoin's hash).
 */
import { keccak_224, keccak_256, keccak_384, keccak_512 } from "@noble/hashes/sha3.js";
import { hash } from "node:crypto";
import { isShaName, sha } from "../platform/sha";

/** SHA-1 and SHA-2: the hashes PKCS#1, PSS, MGF1 and the PKCS#11 combined mechanisms know. */
export type HashName = "SHA1" | "SHA224" | "SHA256" | "SHA384" | "SHA512";

export type Sha3Name = "SHA3_224" | "SHA3_256" | "SHA3_384" | "SHA3_512";
export type KeccakName = "KECCAK224" | "KECCAK256" | "KECCAK384" | "KECCAK512";

/** Every digest a signature algorithm may name. */
export type DigestName = HashName | Sha3Name | KeccakName | "DOUBLE_SHA256";

export const HASH_NAMES: readonly HashName[] = ["SHA1", "SHA224", "SHA256", "SHA384", "SHA512"];
export const SHA3_NAMES: readonly Sha3Name[] = ["SHA3_224", "SHA3_256", "SHA3_384", "SHA3_512"];
export const KECCAK_NAMES: readonly KeccakName[] = ["KECCAK224", "KECCAK256", "KECCAK384", "KECCAK512"];

export const DIGEST_BYTES: Record<DigestName, number> = {
  SHA1: 20,
  SHA224: 28,
  SHA256: 32,
  SHA384: 48,
  SHA512: 64,
  SHA3_224: 28,
  SHA3_256: 32,
  SHA3_384: 48,
  SHA3_512: 64,
  KECCAK224: 28,
  KECCAK256: 32,
  KECCAK384: 48,
  KECCAK512: 64,
  DOUBLE_SHA256: 32,
};

const NODE_NAME: Partial<Record<DigestName, string>> = {
  SHA3_224: "sha3-224",
  SHA3_256: "sha3-256",
  SHA3_384: "sha3-384",
  SHA3_512: "sha3-512",
};

const KECCAK = { KECCAK224: keccak_224, KECCAK256: keccak_256, KECCAK384: keccak_384, KECCAK512: keccak_512 } as const;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The digest of `data` (a Buffer of its own). */
export function digest(name: DigestName, data: Uint8Array): Buffer {
  if (isShaName(name)) return sha(name, data);
  const node = NODE_NAME[name];
  if (node) return hash(node, asBuffer(data), "buffer");
  if (name === "DOUBLE_SHA256") return digest("SHA256", digest("SHA256", data));
  return Buffer.from(KECCAK[name as KeccakName](data));
}
