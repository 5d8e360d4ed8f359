/**
 * Signature algorithms by their Securosys names, and how each is carried out on a token.
 *
 * A token may lack the combined "hash and sign" mechanism (SoftHSM 2.6 has no
 * CKM_ECDSA_SHA256, for instance). The plan for an algorithm is therefore chosen from the
 * token's own mechanism list: the combined mechanism where the token has it, otherwise the
 * raw mechanism with the hash computed in the service (and, for RSA PKCS#1 v1.5, wrapped in
 * its DigestInfo).
 */
import { CKG, CKM } from "./pkcs11/constants";
import type { KeyType } from "./types";

export type HashName = "SHA1" | "SHA224" | "SHA256" | "SHA384" | "SHA512";
export type Scheme = "pkcs1" | "pss" | "ecdsa" | "eddsa";

export interface SignatureAlgorithm {
  name: string;
  keyType: KeyType;
  scheme: Scheme;
  /** The digest the signature is computed over; null for EdDSA and NONE_WITH_* raw input. */
  hash: HashName | null;
  /** The payload is already the digest (NONESHA*), or raw input the caller prepared (NONE_*). */
  prehashed: boolean;
}

export const HASH_BYTES: Record<HashName, number> = { SHA1: 20, SHA224: 28, SHA256: 32, SHA384: 48, SHA512: 64 };

const HASHES: HashName[] = ["SHA1", "SHA224", "SHA256", "SHA384", "SHA512"];

function table(): Map<string, SignatureAlgorithm> {
  const all: SignatureAlgorithm[] = [];
  for (const hash of HASHES) {
    all.push({ name: `${hash}_WITH_RSA`, keyType: "RSA", scheme: "pkcs1", hash, prehashed: false });
    all.push({ name: `${hash}_WITH_RSA_PSS`, keyType: "RSA", scheme: "pss", hash, prehashed: false });
    all.push({ name: `NONE${hash}_WITH_RSA`, keyType: "RSA", scheme: "pkcs1", hash, prehashed: true });
    all.push({ name: `NONE${hash}_WITH_RSA_PSS`, keyType: "RSA", scheme: "pss", hash, prehashed: true });
    all.push({ name: `${hash}_WITH_ECDSA`, keyType: "EC", scheme: "ecdsa", hash, prehashed: false });
  }
  all.push({ name: "NONE_WITH_RSA", keyType: "RSA", scheme: "pkcs1", hash: null, prehashed: true });
  all.push({ name: "NONE_WITH_ECDSA", keyType: "EC", scheme: "ecdsa", hash: null, prehashed: true });
  all.push({ name: "EDDSA", keyType: "ED", scheme: "eddsa", hash: null, prehashed: false });
  return new Map(all.map((a) => [a.name, a]));
}

export const SIGNATURE_ALGORITHMS: ReadonlyMap<string, SignatureAlgorithm> = table();

export function signatureAlgorithm(name: string): SignatureAlgorithm | undefined {
  return SIGNATURE_ALGORITHMS.get(name);
}

/** DER prefix of the PKCS#1 v1.5 DigestInfo for each hash (RFC 8017, section 9.2, note 1). */
export const DIGEST_INFO_PREFIX: Record<HashName, Uint8Array> = {
  SHA1: Buffer.from("3021300906052b0e03021a05000414", "hex"),
  SHA224: Buffer.from("302d300d06096086480165030402040500041c", "hex"),
  SHA256: Buffer.from("3031300d060960864801650304020105000420", "hex"),
  SHA384: Buffer.from("3041300d060960864801650304020205000430", "hex"),
  SHA512: Buffer.from("3051300d060960864801650304020305000440", "hex"),
};

const HASH_MECHANISM: Record<HashName, number> = {
  SHA1: CKM.SHA_1,
  SHA224: CKM.SHA224,
  SHA256: CKM.SHA256,
  SHA384: CKM.SHA384,
  SHA512: CKM.SHA512,
};

const MGF1: Record<HashName, number> = {
  SHA1: CKG.MGF1_SHA1,
  SHA224: CKG.MGF1_SHA224,
  SHA256: CKG.MGF1_SHA256,
  SHA384: CKG.MGF1_SHA384,
  SHA512: CKG.MGF1_SHA512,
};

const COMBINED: Record<"pkcs1" | "pss" | "ecdsa", Record<HashName, number>> = {
  pkcs1: {
    SHA1: CKM.SHA1_RSA_PKCS,
    SHA224: CKM.SHA224_RSA_PKCS,
    SHA256: CKM.SHA256_RSA_PKCS,
    SHA384: CKM.SHA384_RSA_PKCS,
    SHA512: CKM.SHA512_RSA_PKCS,
  },
  pss: {
    SHA1: CKM.SHA1_RSA_PKCS_PSS,
    SHA224: CKM.SHA224_RSA_PKCS_PSS,
    SHA256: CKM.SHA256_RSA_PKCS_PSS,
    SHA384: CKM.SHA384_RSA_PKCS_PSS,
    SHA512: CKM.SHA512_RSA_PKCS_PSS,
  },
  ecdsa: {
    SHA1: CKM.ECDSA_SHA1,
    SHA224: CKM.ECDSA_SHA224,
    SHA256: CKM.ECDSA_SHA256,
    SHA384: CKM.ECDSA_SHA384,
    SHA512: CKM.ECDSA_SHA512,
  },
};

const RAW: Record<Scheme, number> = { pkcs1: CKM.RSA_PKCS, pss: CKM.RSA_PKCS_PSS, ecdsa: CKM.ECDSA, eddsa: CKM.EDDSA };

/** How one algorithm is executed on one token. */
export interface SignPlan {
  mechanism: number;
  /** RSA-PSS parameters: hash mechanism, MGF1 and salt length (= hash length). */
  pss: { hashAlg: number; mgf: number; saltLen: number } | null;
  /** Hash the payload in the service before handing it to the token. */
  hashInService: HashName | null;
  /** Prefix the digest with its DigestInfo (RSA PKCS#1 v1.5 on the raw mechanism). */
  digestInfo: HashName | null;
  /** Length the payload must have when it is already a digest; null when any length goes. */
  digestLength: number | null;
}

/**
 * Chooses the plan for an algorithm on a token, or returns the mechanism the token lacks.
 */
export function planSignature(alg: SignatureAlgorithm, tokenMechanisms: ReadonlySet<number>): SignPlan | { missing: number } {
  const pss = alg.scheme === "pss" && alg.hash
    ? { hashAlg: HASH_MECHANISM[alg.hash], mgf: MGF1[alg.hash], saltLen: HASH_BYTES[alg.hash] }
    : null;
  const digestLength = alg.prehashed && alg.hash ? HASH_BYTES[alg.hash] : null;

  if (alg.hash && !alg.prehashed && alg.scheme !== "eddsa") {
    const combined = COMBINED[alg.scheme][alg.hash];
    if (tokenMechanisms.has(combined)) {
      return { mechanism: combined, pss, hashInService: null, digestInfo: null, digestLength: null };
    }
  }
  const raw = RAW[alg.scheme];
  if (!tokenMechanisms.has(raw)) return { missing: raw };
  const hashInService = alg.prehashed ? null : alg.hash;
  const digestInfo = alg.scheme === "pkcs1" && alg.hash ? alg.hash : null;
  return { mechanism: raw, pss, hashInService, digestInfo, digestLength };
}
