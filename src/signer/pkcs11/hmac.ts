/**
 * HMAC with a secret key on the token (CKM_SHA256_HMAC and its SHA-384 / SHA-512 siblings).
 * The key never leaves the token; only the MAC does. Used for the audit log's keyed hashes of
 * personal data, and by the HMAC key operations.
 */
import type { PKCS11 } from "pkcs11js";
import type { KeyObjectRef } from "../types";
import { CKA, CKM, CKO } from "./constants";
import type { Handle } from "./module";

export type HmacAlgorithm = "HMACSHA256" | "HMACSHA384" | "HMACSHA512";

const MECHANISMS: Record<HmacAlgorithm, { mechanism: number; bytes: number }> = {
  HMACSHA256: { mechanism: CKM.SHA256_HMAC, bytes: 32 },
  HMACSHA384: { mechanism: CKM.SHA384_HMAC, bytes: 48 },
  HMACSHA512: { mechanism: CKM.SHA512_HMAC, bytes: 64 },
};

export function isHmacAlgorithm(name: string): name is HmacAlgorithm {
  return name in MECHANISMS;
}

/** The secret key object labelled `ref.label` with CKA_ID `ref.id`, or null. */
export function findSecretKey(p11: PKCS11, session: Handle, ref: KeyObjectRef): Handle | null {
  p11.C_FindObjectsInit(session, [
    { type: CKA.CLASS, value: CKO.SECRET_KEY },
    { type: CKA.LABEL, value: ref.label },
    { type: CKA.ID, value: Buffer.from(ref.id, "hex") },
  ]);
  try {
    return p11.C_FindObjects(session, 1)[0] ?? null;
  } finally {
    p11.C_FindObjectsFinal(session);
  }
}

export function hmac(p11: PKCS11, session: Handle, key: Handle, algorithm: HmacAlgorithm, data: Uint8Array): Uint8Array {
  const { mechanism, bytes } = MECHANISMS[algorithm];
  p11.C_SignInit(session, { mechanism }, key);
  const out = Buffer.alloc(bytes);
  return new Uint8Array(p11.C_Sign(session, Buffer.from(data.buffer, data.byteOffset, data.byteLength), out));
}
