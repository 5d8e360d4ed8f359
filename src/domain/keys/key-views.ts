/**
 * What the key service answers and keeps about a key, built from the store's rows and what the
 * token says: the TSB's view of a key (KeyView), the in-memory entry the signing path uses
 * (ResolvedKey), and the rows a new key is stored with. Pure: no token, no database.
 */
import { curveByName } from "../../signer/curves";
import { isSecretKeyType, keyHandleId, type CurveName, type KeyType, type TokenKeyFlags, type TokenKeyInfo } from "../../signer/types";
import type { StoredKey } from "../../store/keys";
import type { KeyRow, KeyVersionRow } from "../../store/schema";

const ALGORITHM_OID: Record<KeyType, string> = {
  RSA: "1.2.840.113549.1.1.1",
  EC: "1.2.840.10045.2.1",
  ED: "1.3.101.112",
  DSA: "1.2.840.10040.4.1",
  AES: "2.16.840.1.101.3.4.1",
  /** des-ede3-cbc (RFC 8018): the usual identifier of three-key triple DES. */
  TDEA: "1.2.840.113549.3.7",
  HMACSHA256: "1.2.840.113549.2.9",
  HMACSHA384: "1.2.840.113549.2.10",
  HMACSHA512: "1.2.840.113549.2.11",
};

/** How a key came to be: made by Signet, found on the token, imported as plain material, or unwrapped. */
export type KeyOrigin = "generated" | "adopted" | "imported" | "unwrapped";

export interface KeyVersionView {
  version: number;
  keyVersion: string;
  createTime: string;
  publicKey: string | null;
}

export interface KeyView {
  label: string;
  algorithm: KeyType;
  algorithmOid: string;
  curveOid: string | null;
  keySize: number | null;
  createTime: string;
  publicKey: string | null;
  attributes: TokenKeyFlags;
  policy: unknown;
  keyVersion: string;
  versions: KeyVersionView[];
  minimumVersion: string;
  blocked: boolean;
  /** The key has a TSB password (every use must give it). */
  passwordProtected: boolean;
}

/** What the signing path needs to know about a key, kept in memory. */
export interface ResolvedKey {
  label: string;
  /** keyHandleId of the current version. */
  handleId: string;
  type: KeyType;
  /** EC and ED keys: the curve; RSA and secret keys: null. */
  curve: CurveName | null;
  /** RSA modulus bits, the curve's size, or a secret key's bits. */
  bits: number;
  /** Attributes of the current version. */
  flags: TokenKeyFlags;
  /** The current version as the TSB names it ("v1"). */
  keyVersion: string;
  version: number;
  /** keyHandleId of every version, by number. */
  handles: ReadonlyMap<number, string>;
  /** Versions below this one are refused. */
  minVersion: number;
  /** A blocked key refuses every operation. */
  blocked: boolean;
  /** The stored password hash (key-passwords.ts), or null for a key without a password. */
  passwordHash: string | null;
}

/**
 * The stored policy, with its keyStatus.blocked (the TSB's place for the block state) made to
 * tell the truth when the policy has one.
 */
function policyView(key: KeyRow): unknown {
  const policy: unknown = key.policy ? JSON.parse(key.policy) : null;
  if (policy && typeof policy === "object" && !Array.isArray(policy) && "keyStatus" in policy) {
    const status = (policy as { keyStatus: unknown }).keyStatus;
    (policy as { keyStatus: unknown }).keyStatus = { ...(status && typeof status === "object" ? status : {}), blocked: key.blocked };
  }
  return policy;
}

export function versionTag(version: number): string {
  return `v${version}`;
}

export function isoSeconds(date = new Date()): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function base64(bytes: Uint8Array | null): string | null {
  return bytes ? Buffer.from(bytes).toString("base64") : null;
}


export function keyRow(info: TokenKeyInfo, createdAt: string, origin: KeyRow["origin"], policy: unknown): KeyRow {
  return {
    label: info.ref.label,
    algorithm: info.type,
    keySize: info.type === "RSA" || info.type === "DSA" || isSecretKeyType(info.type) ? info.bits : null,
    curveOid: info.curve ? curveByName(info.curve).oid : null,
    policy: policy === null || policy === undefined ? null : JSON.stringify(policy),
    currentVersion: 1,
    minVersion: 1,
    blocked: false,
    origin,
    createdAt,
    passwordHash: null,
  };
}

export function versionRow(info: TokenKeyInfo, version: number, createdAt: string): KeyVersionRow {
  return { label: info.ref.label, version, tokenId: info.ref.id, publicKey: base64(info.publicKeySpki), createdAt };
}

export function resolvedKey(stored: StoredKey, info: TokenKeyInfo): ResolvedKey {
  const label = stored.key.label;
  return {
    label,
    handleId: keyHandleId(info.ref),
    type: info.type,
    curve: info.curve,
    bits: info.bits,
    flags: info.flags,
    keyVersion: versionTag(stored.key.currentVersion),
    version: stored.key.currentVersion,
    handles: new Map(stored.versions.map((v) => [v.version, keyHandleId({ label, id: v.tokenId })])),
    minVersion: stored.key.minVersion,
    blocked: stored.key.blocked,
    passwordHash: stored.key.passwordHash,
  };
}

export function keyView(stored: StoredKey, info: TokenKeyInfo): KeyView {
  const { key } = stored;
  return {
    label: key.label,
    algorithm: info.type,
    algorithmOid: ALGORITHM_OID[info.type],
    curveOid: info.curve ? curveByName(info.curve).oid : null,
    // A secret key unwrapped by SoftHSM reports no CKA_VALUE_LEN: the stored size stands in.
    keySize: info.bits || key.keySize || null,
    createTime: key.createdAt,
    publicKey: base64(info.publicKeySpki),
    attributes: info.flags,
    policy: policyView(key),
    keyVersion: versionTag(key.currentVersion),
    minimumVersion: versionTag(key.minVersion),
    blocked: key.blocked,
    passwordProtected: key.passwordHash !== null,
    versions: stored.versions.map((v) => ({
      version: v.version,
      keyVersion: versionTag(v.version),
      createTime: v.createdAt,
      publicKey: v.publicKey,
    })),
  };
}
