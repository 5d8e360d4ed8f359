/**
 * Secret keys generated in the token: AES keys, three-key TDEA keys (CKM_DES3_KEY_GEN, which
 * also sets the DES parity bits), and generic secrets for HMAC.
 *
 * An HMAC key is a CKK_GENERIC_SECRET whose CKA_ALLOWED_MECHANISMS names its one HMAC: the
 * token then refuses it for any other mechanism, and the hash it belongs to is recorded on the
 * token itself (a restart or another process reads it back from there). Its length is the
 * hash's output length, the minimum RFC 2104 recommends and the minimum SoftHSM accepts.
 */
import type { PKCS11 } from "pkcs11js";
import type { KeyObjectRef, KeyUsageFlags, SecretKeySpec } from "../types";
import { CKA, CKM } from "./constants";
import type { KeyObjects } from "./keys";
import type { Handle } from "./module";
import { secretKeyTemplate } from "./templates";

export function secretKeyBytes(spec: SecretKeySpec): number {
  return spec.type === "AES" || spec.type === "TDEA" ? spec.bits / 8 : spec.bytes;
}

export function generateSecretKey(p11: PKCS11, session: Handle, ref: KeyObjectRef, spec: SecretKeySpec, flags: KeyUsageFlags): KeyObjects {
  if (spec.type === "TDEA") {
    // The length of a DES3 key is fixed; CKA_VALUE_LEN is not part of its template.
    return { privateKey: p11.C_GenerateKey(session, { mechanism: CKM.DES3_KEY_GEN }, secretKeyTemplate(ref, "TDEA", flags)), publicKey: null };
  }
  const mechanism = spec.type === "AES" ? CKM.AES_KEY_GEN : CKM.GENERIC_SECRET_KEY_GEN;
  const template = [...secretKeyTemplate(ref, spec.type, flags), { type: CKA.VALUE_LEN, value: secretKeyBytes(spec) }];
  return { privateKey: p11.C_GenerateKey(session, { mechanism }, template), publicKey: null };
}
