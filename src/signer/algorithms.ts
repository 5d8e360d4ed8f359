/**
 * Signature algorithms by their Securosys names, and how each is carried out on a token.
 *
 * A token may lack the combined "hash and sign" mechanism (SoftHSM 2.6 has no
 * CKM_ECDSA_SHA256, for instance). The plan for an algorithm is therefore chosen from the
 * token's own mechanism list: the combined mechanism where the token has it, otherwise the
 * raw mechanism with the hash computed in the service (and, for RSA PKCS#1 v1.5, wrapped in
 * its DigestInfo).
 */
import { DIGEST_BYTES, HASH_NAMES, KECCAK_NAMES, SHA3_NAMES, type DigestName, type HashName } from "./digests";
import { CKG, CKM } from "./pkcs11/constants";
import type { KeyType } from "./types";

export type { DigestName, HashName } from "./digests";
export type Scheme = "pkcs1" | "pss" | "ecdsa" | "dsa" | "eddsa";

export interface SignatureAlgorithm {
  name: string;
  keyType: KeyType;
  scheme: Scheme;
  /**
   * The digest the signature is computed over; null for EdDSA and the NONE_WITH_* algorithms,
   * whose payload the caller prepared (NONE_WITH_RSA_PSS: the digest's length names its hash).
   */
  hash: DigestName | null;
  /** The payload is already the digest (NONESHA*), or raw input the caller prepared (NONE_*). */
  prehashed: boolean;
  /** Needs a token whose ECDSA nonces are RFC 6979's (SHA256_WITH_ECDSA_DETERMINISTIC). */
  deterministic?: boolean;
}

export const HASH_BYTES: Record<HashName, number> = { SHA1: 20, SHA224: 28, SHA256: 32, SHA384: 48, SHA512: 64 };

/** SHA-1 and SHA-2 digests by length: how NONE_WITH_RSA_PSS and NONE_WITH_DSA recognise the hash they are given. */
export const HASH_BY_LENGTH: ReadonlyMap<number, HashName> = new Map(HASH_NAMES.map((h) => [HASH_BYTES[h], h]));

/** The TSB writes SHA-3 without an underscore in algorithm names: SHA3256_WITH_ECDSA. */
function tsbDigestName(digest: DigestName): string {
  return digest.replace("SHA3_", "SHA3");
}

function table(): Map<string, SignatureAlgorithm> {
  const all: SignatureAlgorithm[] = [];
  for (const hash of HASH_NAMES) {
    all.push({ name: `${hash}_WITH_RSA`, keyType: "RSA", scheme: "pkcs1", hash, prehashed: false });
    all.push({ name: `${hash}_WITH_RSA_PSS`, keyType: "RSA", scheme: "pss", hash, prehashed: false });
    all.push({ name: `NONE${hash}_WITH_RSA`, keyType: "RSA", scheme: "pkcs1", hash, prehashed: true });
    all.push({ name: `NONE${hash}_WITH_RSA_PSS`, keyType: "RSA", scheme: "pss", hash, prehashed: true });
    all.push({ name: `${hash}_WITH_ECDSA`, keyType: "EC", scheme: "ecdsa", hash, prehashed: false });
    all.push({ name: `${hash}_WITH_DSA`, keyType: "DSA", scheme: "dsa", hash, prehashed: false });
  }
  for (const hash of [...SHA3_NAMES, ...KECCAK_NAMES, "DOUBLE_SHA256"] as const) {
    all.push({ name: `${tsbDigestName(hash)}_WITH_ECDSA`, keyType: "EC", scheme: "ecdsa", hash, prehashed: false });
  }
  all.push({ name: "SHA256_WITH_ECDSA_DETERMINISTIC", keyType: "EC", scheme: "ecdsa", hash: "SHA256", prehashed: false, deterministic: true });
  all.push({ name: "NONE_WITH_RSA", keyType: "RSA", scheme: "pkcs1", hash: null, prehashed: true });
  all.push({ name: "NONE_WITH_RSA_PSS", keyType: "RSA", scheme: "pss", hash: null, prehashed: true });
  all.push({ name: "NONE_WITH_ECDSA", keyType: "EC", scheme: "ecdsa", hash: null, prehashed: true });
  all.push({ name: "NONE_WITH_DSA", keyType: "DSA", scheme: "dsa", hash: null, prehashed: true });
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

const COMBINED: Record<"pkcs1" | "pss" | "ecdsa" | "dsa", Partial<Record<DigestName, number>>> = {
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
    SHA3_224: CKM.ECDSA_SHA3_224,
    SHA3_256: CKM.ECDSA_SHA3_256,
    SHA3_384: CKM.ECDSA_SHA3_384,
    SHA3_512: CKM.ECDSA_SHA3_512,
  },
  dsa: {
    SHA1: CKM.DSA_SHA1,
    SHA224: CKM.DSA_SHA224,
    SHA256: CKM.DSA_SHA256,
    SHA384: CKM.DSA_SHA384,
    SHA512: CKM.DSA_SHA512,
  },
};

const RAW: Record<Scheme, number> = { pkcs1: CKM.RSA_PKCS, pss: CKM.RSA_PKCS_PSS, ecdsa: CKM.ECDSA, dsa: CKM.DSA, eddsa: CKM.EDDSA };

/** What a token can do beyond its mechanism list, found out by probing it (see pkcs11/probes.ts). */
export interface TokenTraits {
  /** CKM_ECDSA on this token makes RFC 6979 deterministic signatures. */
  deterministicEcdsa: boolean;
}

export const NO_TRAITS: TokenTraits = { deterministicEcdsa: false };

export type PssParams = { hashAlg: number; mgf: number; saltLen: number };

/** RSA-PSS parameters for a hash: MGF1 with the same hash, salt as long as the hash. */
export function pssParams(hash: HashName): PssParams {
  return { hashAlg: HASH_MECHANISM[hash], mgf: MGF1[hash], saltLen: HASH_BYTES[hash] };
}

/** Digest lengths PKCS#11 CKM_DSA takes (20, 28, 32, 48, 64 bytes) and NONE_WITH_RSA_PSS recognises. */
export const PREHASHED_DIGEST_LENGTHS: readonly number[] = [...HASH_BY_LENGTH.keys()];

/** How one algorithm is executed on one token. */
export interface SignPlan {
  mechanism: number;
  /** RSA-PSS parameters: hash mechanism, MGF1 and salt length (= hash length). */
  pss: PssParams | null;
  /** NONE_WITH_RSA_PSS: the payload is a SHA-1 or SHA-2 digest, and its length picks the PSS parameters. */
  pssFromDigestLength: boolean;
  /** Hash the payload in the service before handing it to the token. */
  hashInService: DigestName | null;
  /** Prefix the digest with its DigestInfo (RSA PKCS#1 v1.5 on the raw mechanism). */
  digestInfo: HashName | null;
  /** Length the payload must have when it is already a digest; null when any length goes. */
  digestLength: number | null;
  /** Lengths one of which the payload must have (a digest whose hash is not named); null when any goes. */
  digestLengths: readonly number[] | null;
}

/** The mechanism a token lacks for an algorithm, and why, when a mechanism number alone does not say it. */
export interface MissingMechanism {
  missing: number;
  reason?: string;
}

/**
 * Chooses the plan for an algorithm on a token, or returns the mechanism the token lacks.
 */
export function planSignature(alg: SignatureAlgorithm, tokenMechanisms: ReadonlySet<number>, traits: TokenTraits = NO_TRAITS): SignPlan | MissingMechanism {
  const rsaHash = alg.hash && (HASH_NAMES as readonly string[]).includes(alg.hash) ? (alg.hash as HashName) : null;
  const pss = alg.scheme === "pss" && rsaHash ? pssParams(rsaHash) : null;
  const digestLength = alg.prehashed && alg.hash ? DIGEST_BYTES[alg.hash] : null;
  const pssFromDigestLength = alg.scheme === "pss" && alg.prehashed && !alg.hash;
  const digestLengths = pssFromDigestLength || (alg.scheme === "dsa" && alg.prehashed) ? PREHASHED_DIGEST_LENGTHS : null;

  if (alg.deterministic) {
    // Never emulated: a signature with a random nonce would not be what the caller asked for.
    if (!traits.deterministicEcdsa || !tokenMechanisms.has(CKM.ECDSA)) {
      return { missing: CKM.ECDSA, reason: "deterministic ECDSA (RFC 6979): this token's CKM_ECDSA draws random nonces" };
    }
  } else if (alg.hash && !alg.prehashed && alg.scheme !== "eddsa") {
    const combined = COMBINED[alg.scheme][alg.hash];
    if (combined !== undefined && tokenMechanisms.has(combined)) {
      return { mechanism: combined, pss, pssFromDigestLength, hashInService: null, digestInfo: null, digestLength: null, digestLengths: null };
    }
  }
  const raw = RAW[alg.scheme];
  if (!tokenMechanisms.has(raw)) return { missing: raw };
  const hashInService = alg.prehashed ? null : alg.hash;
  const digestInfo = alg.scheme === "pkcs1" && rsaHash ? rsaHash : null;
  return { mechanism: raw, pss, pssFromDigestLength, hashInService, digestInfo, digestLength, digestLengths };
}
