/**
 * Secret keys generated in the token: AES keys, and generic secrets for HMAC.
 *
 * An HMAC key is a CKK_GENERIC_SECRET whose CKA_ALLOWED_MECHANISMS names its one HMAC: the
 * token then refuses it for any other mechanism, and the hash it belongs to is recorded on the
 * token itself (a restart or another process reads it back from there). Its length is the
 * hash's output length, the minimum RFC 2104 recommends and the minimum SoftHSM accepts.
 */
import type { PKCS11, Template } from "pkcs11js";
import { type KeyObjectRef, type KeyUsageFlags, type SecretKeySpec } from "../types";
import { CKA, CKK, CKM, CKO } from "./constants";
import { flagAttributes, HMAC_MECHANISM, type KeyObjects } from "./keys";
import type { Handle } from "./module";

/** CK_MECHANISM_TYPE[] as the token stores it: native-endian CK_ULONGs (64-bit on Linux x86-64 and arm64). */
export function mechanismList(...mechanisms: number[]): Buffer {
  const buffer = Buffer.alloc(8 * mechanisms.length);
  mechanisms.forEach((mechanism, i) => buffer.writeBigUInt64LE(BigInt(mechanism), 8 * i));
  return buffer;
}

/**
 * The attributes every secret key of Signet's carries, generated or imported. Encrypt, verify
 * and wrap follow decrypt, sign and unwrap: one object does both halves.
 */
export function secretKeyTemplate(ref: KeyObjectRef, spec: SecretKeySpec, flags: KeyUsageFlags): Template {
  const template: Template = [
    { type: CKA.CLASS, value: CKO.SECRET_KEY },
    { type: CKA.KEY_TYPE, value: spec.type === "AES" ? CKK.AES : CKK.GENERIC_SECRET },
    { type: CKA.TOKEN, value: true },
    { type: CKA.PRIVATE, value: true },
    { type: CKA.LABEL, value: ref.label },
    { type: CKA.ID, value: Buffer.from(ref.id, "hex") },
    ...flagAttributes(flags),
    { type: CKA.ENCRYPT, value: flags.decrypt },
    { type: CKA.VERIFY, value: flags.sign },
    { type: CKA.WRAP, value: flags.unwrap },
  ];
  if (spec.type !== "AES") template.push({ type: CKA.ALLOWED_MECHANISMS, value: mechanismList(HMAC_MECHANISM[spec.type]) });
  return template;
}

export function secretKeyBytes(spec: SecretKeySpec): number {
  return spec.type === "AES" ? spec.bits / 8 : spec.bytes;
}

export function generateSecretKey(p11: PKCS11, session: Handle, ref: KeyObjectRef, spec: SecretKeySpec, flags: KeyUsageFlags): KeyObjects {
  const mechanism = spec.type === "AES" ? CKM.AES_KEY_GEN : CKM.GENERIC_SECRET_KEY_GEN;
  const template = [...secretKeyTemplate(ref, spec, flags), { type: CKA.VALUE_LEN, value: secretKeyBytes(spec) }];
  return { privateKey: p11.C_GenerateKey(session, { mechanism }, template), publicKey: null };
}
