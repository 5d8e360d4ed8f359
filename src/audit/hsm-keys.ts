/**
 * The audit log's two keys on the token, created at start when absent:
 *   - an Ed25519 key pair that signs checkpoints (its public key is published), and
 *   - a generic secret key for HMAC-SHA256, the keyed hash of personal data.
 * Both are sensitive, never extractable and not destroyable. Their labels start with
 * "_signet-", which the key service never creates, adopts, lists or uses, so no API client
 * can sign with the audit key or delete it.
 */
import { isSignetError, SignetError } from "../errors";
import type { Signer } from "../signer/signer";
import { keyHandleId, type KeyObjectRef, type KeyUsageFlags } from "../signer/types";

export const AUDIT_SIGNING_KEY: KeyObjectRef = { label: "_signet-audit-checkpoint", id: "a1" };
export const AUDIT_HMAC_KEY: KeyObjectRef = { label: "_signet-audit-hmac", id: "a2" };

const SIGNING_FLAGS: KeyUsageFlags = {
  sign: true, decrypt: false, unwrap: false, derive: false, extractable: false,
  modifiable: false, destroyable: false, sensitive: true, copyable: false,
};

const HMAC_FLAGS: KeyUsageFlags = { ...SIGNING_FLAGS };

/** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the raw key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export interface AuditKeys {
  signingKey: string;
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  hmacKey: string;
  created: string[];
}

export async function ensureAuditKeys(signer: Signer): Promise<AuditKeys> {
  const created: string[] = [];
  let info;
  try {
    info = await signer.describeKey(AUDIT_SIGNING_KEY);
  } catch (error) {
    if (!isSignetError(error, "keyNotFound")) throw error;
    info = await signer.generateKeyPair(AUDIT_SIGNING_KEY, { type: "ED", curve: "Ed25519" }, SIGNING_FLAGS);
    created.push(AUDIT_SIGNING_KEY.label);
  }
  const spki = info.publicKeySpki ? Buffer.from(info.publicKeySpki) : null;
  if (info.type !== "ED" || !spki || spki.length !== 44 || !spki.subarray(0, 12).equals(ED25519_SPKI_PREFIX)) {
    throw new SignetError("hsmError", `the token's ${AUDIT_SIGNING_KEY.label} is not an Ed25519 key pair`);
  }
  const hmacKey = keyHandleId(AUDIT_HMAC_KEY);
  try {
    await signer.hmac(hmacKey, "HMACSHA256", new Uint8Array([0]));
  } catch (error) {
    if (!isSignetError(error, "keyNotFound")) throw error;
    // Bound to HMAC-SHA256 on the token (CKA_ALLOWED_MECHANISMS), as long as its output.
    await signer.generateSecretKey(AUDIT_HMAC_KEY, { type: "HMACSHA256", bytes: 32 }, HMAC_FLAGS);
    created.push(AUDIT_HMAC_KEY.label);
  }
  return { signingKey: keyHandleId(AUDIT_SIGNING_KEY), publicKey: new Uint8Array(spki.subarray(12)), hmacKey, created };
}

export function ed25519Spki(publicKey: Uint8Array): Buffer {
  return Buffer.concat([ED25519_SPKI_PREFIX, publicKey]);
}
