/**
 * Attribute templates for the key objects Signet puts on a token other than by generating a key
 * pair: secret keys (generated, imported or unwrapped), private keys (imported or unwrapped) and
 * the public key objects beside them. One place, so that a key behaves the same however it came.
 */
import type { Template } from "pkcs11js";
import type { CipherKeyType, HmacAlgorithm, KeyObjectRef, KeyUsageFlags } from "../types";
import { CKA, CKK, CKO } from "./constants";
import { flagAttributes, HMAC_MECHANISM } from "./keys";

/** CK_MECHANISM_TYPE[] as the token stores it: native-endian CK_ULONGs (64-bit on Linux x86-64 and arm64). */
export function mechanismList(...mechanisms: number[]): Buffer {
  const buffer = Buffer.alloc(8 * mechanisms.length);
  mechanisms.forEach((mechanism, i) => buffer.writeBigUInt64LE(BigInt(mechanism), 8 * i));
  return buffer;
}

/**
 * CKA_MODIFIABLE goes last: SoftHSM applies an unwrap or create template in order, and once
 * an object is not modifiable it refuses the attributes that follow (CKR_ATTRIBUTE_READ_ONLY).
 */
function modifiableLast(template: Template): Template {
  return [...template.filter((a) => a.type !== CKA.MODIFIABLE), ...template.filter((a) => a.type === CKA.MODIFIABLE)];
}

function identity(ref: KeyObjectRef, objectClass: number, isPrivate: boolean): Template {
  return [
    { type: CKA.CLASS, value: objectClass },
    { type: CKA.TOKEN, value: true },
    { type: CKA.PRIVATE, value: isPrivate },
    { type: CKA.LABEL, value: ref.label },
    { type: CKA.ID, value: Buffer.from(ref.id, "hex") },
  ];
}

/**
 * A secret key: encrypt, verify and wrap follow decrypt, sign and unwrap (one object does both
 * halves). An HMAC key is a generic secret bound to its HMAC through CKA_ALLOWED_MECHANISMS.
 */
const SECRET_KEY_TYPE: Record<CipherKeyType, number> = { AES: CKK.AES, TDEA: CKK.DES3 };

export function secretKeyTemplate(ref: KeyObjectRef, type: CipherKeyType | HmacAlgorithm, flags: KeyUsageFlags): Template {
  const template: Template = [
    ...identity(ref, CKO.SECRET_KEY, true),
    { type: CKA.KEY_TYPE, value: type === "AES" || type === "TDEA" ? SECRET_KEY_TYPE[type] : CKK.GENERIC_SECRET },
    ...flagAttributes(flags),
    { type: CKA.ENCRYPT, value: flags.decrypt },
    { type: CKA.VERIFY, value: flags.sign },
    { type: CKA.WRAP, value: flags.unwrap },
  ];
  if (type !== "AES" && type !== "TDEA") template.push({ type: CKA.ALLOWED_MECHANISMS, value: mechanismList(HMAC_MECHANISM[type]) });
  return modifiableLast(template);
}

const PRIVATE_KEY_TYPE = { RSA: CKK.RSA, EC: CKK.EC, ED: CKK.EC_EDWARDS, DSA: CKK.DSA } as const;

export type PrivateKeyType = keyof typeof PRIVATE_KEY_TYPE;

export function privateKeyTemplate(ref: KeyObjectRef, type: PrivateKeyType, flags: KeyUsageFlags): Template {
  return modifiableLast([...identity(ref, CKO.PRIVATE_KEY, true), { type: CKA.KEY_TYPE, value: PRIVATE_KEY_TYPE[type] }, ...flagAttributes(flags)]);
}

/** The public half as generateKeyPair makes it: verifies; encrypts and wraps as the private key decrypts and unwraps. */
export function publicKeyTemplate(ref: KeyObjectRef, type: PrivateKeyType, flags: KeyUsageFlags): Template {
  const template: Template = [
    ...identity(ref, CKO.PUBLIC_KEY, false),
    { type: CKA.KEY_TYPE, value: PRIVATE_KEY_TYPE[type] },
    { type: CKA.VERIFY, value: true },
    { type: CKA.MODIFIABLE, value: flags.modifiable },
    { type: CKA.DESTROYABLE, value: flags.destroyable },
  ];
  if (type === "RSA") template.push({ type: CKA.ENCRYPT, value: flags.decrypt }, { type: CKA.WRAP, value: flags.unwrap });
  return modifiableLast(template);
}
