/**
 * HMAC with a key on the token (CKM_SHA256_HMAC, CKM_SHA384_HMAC, CKM_SHA512_HMAC). An HMAC key
 * is bound to its one HMAC (CKA_ALLOWED_MECHANISMS), so the algorithm must be the key's own.
 * Verification runs in the token too (C_Verify compares the full-length MAC), and a MAC of
 * the wrong length or value is simply not valid.
 */
import type { PKCS11 } from "pkcs11js";
import { HMAC_BYTES, type HmacAlgorithm, type OpFailure } from "../types";
import { ckrName } from "./ckr";
import { mechanismName } from "./constants";
import { HMAC_MECHANISM } from "./keys";
import type { Handle } from "./module";
import type { SigningKey } from "./signing";

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function check(key: SigningKey, algorithm: HmacAlgorithm, mechanisms: ReadonlySet<number>): number | OpFailure {
  if (key.type !== algorithm) {
    return { kind: "algorithmNotSupportedByKey", message: `${algorithm} needs an ${algorithm} key, this key is ${key.type}` };
  }
  const mechanism = HMAC_MECHANISM[algorithm];
  if (!mechanisms.has(mechanism)) {
    return { kind: "mechanismNotSupported", message: `the token does not support ${mechanismName(mechanism)}, which ${algorithm} needs` };
  }
  return mechanism;
}

export function hmac(p11: PKCS11, session: Handle, key: SigningKey, algorithm: HmacAlgorithm, data: Uint8Array, mechanisms: ReadonlySet<number>): Uint8Array | OpFailure {
  const mechanism = check(key, algorithm, mechanisms);
  if (typeof mechanism !== "number") return mechanism;
  p11.C_SignInit(session, { mechanism }, key.objects.privateKey);
  // A buffer of its own, so that the result can be transferred to the main thread.
  return p11.C_Sign(session, asBuffer(data), Buffer.from(new ArrayBuffer(HMAC_BYTES[algorithm])));
}

export function verifyHmac(
  p11: PKCS11,
  session: Handle,
  key: SigningKey,
  algorithm: HmacAlgorithm,
  data: Uint8Array,
  mac: Uint8Array,
  mechanisms: ReadonlySet<number>,
): boolean | OpFailure {
  const mechanism = check(key, algorithm, mechanisms);
  if (typeof mechanism !== "number") return mechanism;
  if (mac.length !== HMAC_BYTES[algorithm]) return false;
  p11.C_VerifyInit(session, { mechanism }, key.objects.privateKey);
  try {
    return p11.C_Verify(session, asBuffer(data), asBuffer(mac));
  } catch (error) {
    const ckr = ckrName(error);
    if (ckr === "CKR_SIGNATURE_INVALID" || ckr === "CKR_SIGNATURE_LEN_RANGE") return false;
    throw error;
  }
}
