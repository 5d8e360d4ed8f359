/**
 * Key objects on the token: generating key pairs, finding them by label and CKA_ID, reading
 * what they are, and destroying them. Every function takes an open, logged-in session.
 *
 * A key is either a pair (a private key object and, usually, a public key object) or a single
 * secret key object (AES, HMAC). Both are found through the same KeyObjects shape, in which
 * `privateKey` is the object that holds the secret: the private key, or the secret key.
 */
import type { PKCS11, Template } from "pkcs11js";
import { curveByEcParams, curveByName, type CurveInfo } from "../curves";
import { curveSpki, rsaSpki, unwrapEcPoint } from "../encoding";
import {
  HMAC_ALGORITHMS,
  isSecretKeyType,
  type HmacAlgorithm,
  type KeyObjectRef,
  type KeyPairSpec,
  type KeyType,
  type KeyUsageFlags,
  type TokenKeyFlags,
  type TokenKeyInfo,
} from "../types";
import { CKA, CKK, CKM, CKO } from "./constants";
import { dsaPublicTemplate, generateDsaDomain, readDsaPublicKey } from "./dsa-keys";
import type { Handle } from "./module";

export interface KeyObjects {
  /** The object holding the key's secret: the private key of a pair, or the secret key itself. */
  privateKey: Handle;
  publicKey: Handle | null;
}

/** Every object the template matches (C_FindObjects in runs of 64). */
export function findAll(p11: PKCS11, session: Handle, template: Template): Handle[] {
  p11.C_FindObjectsInit(session, template);
  try {
    const found: Handle[] = [];
    for (;;) {
      const batch = p11.C_FindObjects(session, 64);
      if (batch.length === 0) return found;
      found.push(...batch);
    }
  } finally {
    p11.C_FindObjectsFinal(session);
  }
}

function refTemplate(objectClass: number, ref: KeyObjectRef): Template {
  return [
    { type: CKA.CLASS, value: objectClass },
    { type: CKA.LABEL, value: ref.label },
    { type: CKA.ID, value: Buffer.from(ref.id, "hex") },
  ];
}

/** The private key of `ref` and its public key object, if the token has one; or its secret key. */
export function findKeyObjects(p11: PKCS11, session: Handle, ref: KeyObjectRef): KeyObjects | null {
  const privates = findAll(p11, session, refTemplate(CKO.PRIVATE_KEY, ref));
  if (privates.length > 1) throw new AmbiguousKeyError(ref);
  if (privates.length === 1) {
    const publics = findAll(p11, session, refTemplate(CKO.PUBLIC_KEY, ref));
    return { privateKey: privates[0]!, publicKey: publics[0] ?? null };
  }
  const secrets = findAll(p11, session, refTemplate(CKO.SECRET_KEY, ref));
  if (secrets.length > 1) throw new AmbiguousKeyError(ref);
  return secrets.length === 1 ? { privateKey: secrets[0]!, publicKey: null } : null;
}

/** Objects of one class carrying the key's label and CKA_ID (certificates stored beside a key). */
export function findObjectsOf(p11: PKCS11, session: Handle, objectClass: number, ref: KeyObjectRef): Handle[] {
  return findAll(p11, session, refTemplate(objectClass, ref));
}

export class AmbiguousKeyError extends Error {
  constructor(ref: KeyObjectRef) {
    super(`the token holds several keys labelled "${ref.label}" with the same CKA_ID`);
  }
}

export function flagAttributes(flags: KeyUsageFlags): Template {
  return [
    { type: CKA.SIGN, value: flags.sign },
    { type: CKA.DECRYPT, value: flags.decrypt },
    { type: CKA.UNWRAP, value: flags.unwrap },
    { type: CKA.DERIVE, value: flags.derive },
    { type: CKA.EXTRACTABLE, value: flags.extractable },
    { type: CKA.MODIFIABLE, value: flags.modifiable },
    { type: CKA.DESTROYABLE, value: flags.destroyable },
    { type: CKA.SENSITIVE, value: flags.sensitive },
    { type: CKA.COPYABLE, value: flags.copyable },
  ];
}

export function generateKeyPair(
  p11: PKCS11,
  session: Handle,
  ref: KeyObjectRef,
  spec: KeyPairSpec,
  flags: KeyUsageFlags,
): KeyObjects {
  const common: Template = [
    { type: CKA.TOKEN, value: true },
    { type: CKA.LABEL, value: ref.label },
    { type: CKA.ID, value: Buffer.from(ref.id, "hex") },
  ];
  const publicTemplate: Template = [
    ...common,
    { type: CKA.PRIVATE, value: false },
    { type: CKA.VERIFY, value: true },
    { type: CKA.MODIFIABLE, value: flags.modifiable },
    { type: CKA.DESTROYABLE, value: flags.destroyable },
  ];
  const privateTemplate: Template = [...common, { type: CKA.PRIVATE, value: true }, ...flagAttributes(flags)];
  let mechanism: number;
  if (spec.type === "RSA") {
    mechanism = CKM.RSA_PKCS_KEY_PAIR_GEN;
    publicTemplate.push(
      { type: CKA.MODULUS_BITS, value: spec.bits },
      { type: CKA.PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
      { type: CKA.ENCRYPT, value: flags.decrypt },
      { type: CKA.WRAP, value: flags.unwrap },
    );
  } else if (spec.type === "DSA") {
    mechanism = CKM.DSA_KEY_PAIR_GEN;
    publicTemplate.push(...dsaPublicTemplate(generateDsaDomain(p11, session, spec.bits)));
  } else {
    mechanism = spec.type === "EC" ? CKM.EC_KEY_PAIR_GEN : CKM.EC_EDWARDS_KEY_PAIR_GEN;
    publicTemplate.push({ type: CKA.EC_PARAMS, value: Buffer.from(curveByName(spec.curve).ecParams) });
  }
  const pair = p11.C_GenerateKeyPair(session, { mechanism }, publicTemplate, privateTemplate);
  return { privateKey: pair.privateKey, publicKey: pair.publicKey };
}

const FLAG_ATTRIBUTES: [keyof TokenKeyFlags, number][] = [
  ["sign", CKA.SIGN],
  ["decrypt", CKA.DECRYPT],
  ["unwrap", CKA.UNWRAP],
  ["derive", CKA.DERIVE],
  ["extractable", CKA.EXTRACTABLE],
  ["modifiable", CKA.MODIFIABLE],
  ["destroyable", CKA.DESTROYABLE],
  ["sensitive", CKA.SENSITIVE],
  ["copyable", CKA.COPYABLE],
  ["alwaysSensitive", CKA.ALWAYS_SENSITIVE],
  ["neverExtractable", CKA.NEVER_EXTRACTABLE],
];

/**
 * Reads boolean attributes one by one: a token answers CKR_ATTRIBUTE_TYPE_INVALID for an
 * attribute it does not know (CKA_DESTROYABLE on a 2.20 module), and one unknown attribute
 * must not hide the others. Unknown ones take their PKCS#11 default.
 */
function readFlags(p11: PKCS11, session: Handle, object: Handle): TokenKeyFlags {
  const defaults: TokenKeyFlags = {
    sign: false, decrypt: false, unwrap: false, derive: false, extractable: false, modifiable: true,
    destroyable: true, sensitive: true, copyable: true, alwaysSensitive: false, neverExtractable: false,
  };
  for (const [name, type] of FLAG_ATTRIBUTES) {
    try {
      const value = p11.C_GetAttributeValue(session, object, [{ type }])[0]?.value;
      if (value && value.length > 0) defaults[name] = value[0] !== 0;
    } catch {
      // keep the default
    }
  }
  return defaults;
}

export function attribute(p11: PKCS11, session: Handle, object: Handle, type: number): Buffer {
  return p11.C_GetAttributeValue(session, object, [{ type }])[0]!.value;
}

export function readUlong(raw: Buffer): number {
  return raw.length >= 8 ? Number(raw.readBigUInt64LE(0)) : raw.readUInt32LE(0);
}

export function keyTypeOf(p11: PKCS11, session: Handle, object: Handle): KeyType | null {
  const value = readUlong(attribute(p11, session, object, CKA.KEY_TYPE));
  if (value === CKK.RSA) return "RSA";
  if (value === CKK.EC) return "EC";
  if (value === CKK.EC_EDWARDS) return "ED";
  if (value === CKK.DSA) return "DSA";
  if (value === CKK.AES) return "AES";
  if (value === CKK.DES3) return "TDEA";
  if (value === CKK.GENERIC_SECRET) return hmacOfGenericSecret(p11, session, object);
  return null;
}

/**
 * A generic secret is an HMAC key of Signet's when CKA_ALLOWED_MECHANISMS names exactly one
 * HMAC (Signet binds every HMAC key to its hash that way). Other generic secrets are not
 * Signet's to guess about.
 */
function hmacOfGenericSecret(p11: PKCS11, session: Handle, object: Handle): KeyType | null {
  let allowed: Buffer;
  try {
    allowed = attribute(p11, session, object, CKA.ALLOWED_MECHANISMS);
  } catch {
    return null;
  }
  if (allowed.length !== 8 && allowed.length !== 4) return null;
  return hmacAlgorithmOfMechanism(readUlong(allowed)) ?? null;
}

/** Describes a key from its objects, or returns null for a key type Signet does not handle. */
export function describeKeyObjects(p11: PKCS11, session: Handle, ref: KeyObjectRef, objects: KeyObjects): TokenKeyInfo | null {
  const type = keyTypeOf(p11, session, objects.privateKey);
  if (!type) return null;
  const flags = readFlags(p11, session, objects.privateKey);
  if (type === "TDEA") {
    // A DES3 key is 24 bytes by definition (tokens need not have CKA_VALUE_LEN for it; SoftHSM has not).
    return { ref, type, bits: 192, curve: null, publicKeySpki: null, flags };
  }
  if (isSecretKeyType(type)) {
    const bytes = readUlong(attribute(p11, session, objects.privateKey, CKA.VALUE_LEN));
    return { ref, type, bits: bytes * 8, curve: null, publicKeySpki: null, flags };
  }
  if (type === "DSA") {
    const { bits, spki } = readDsaPublicKey(p11, session, objects.privateKey, objects.publicKey);
    return { ref, type, bits, curve: null, publicKeySpki: spki, flags };
  }
  if (type === "RSA") {
    // The modulus and exponent are public attributes of the private key too, so an RSA key
    // without a public key object still has a public key.
    const modulus = attribute(p11, session, objects.privateKey, CKA.MODULUS);
    const exponent = attribute(p11, session, objects.privateKey, CKA.PUBLIC_EXPONENT);
    return { ref, type, bits: bitLength(modulus), curve: null, publicKeySpki: rsaSpki(modulus, exponent), flags };
  }
  const curve = curveByEcParams(attribute(p11, session, objects.privateKey, CKA.EC_PARAMS));
  if (!curve) return null;
  return { ref, type, bits: curve.bits, curve: curve.name, publicKeySpki: readCurvePublicKey(p11, session, objects, curve), flags };
}

function readCurvePublicKey(p11: PKCS11, session: Handle, objects: KeyObjects, curve: CurveInfo): Uint8Array | null {
  if (!objects.publicKey) return null;
  return curveSpki(curve, unwrapEcPoint(attribute(p11, session, objects.publicKey, CKA.EC_POINT), curve));
}

function bitLength(bigEndian: Uint8Array): number {
  let start = 0;
  while (start < bigEndian.length && bigEndian[start] === 0) start++;
  if (start === bigEndian.length) return 0;
  return (bigEndian.length - start - 1) * 8 + (32 - Math.clz32(bigEndian[start]!));
}

/** Every private key and secret key on the token that Signet can describe. */
export function listKeys(p11: PKCS11, session: Handle): TokenKeyInfo[] {
  const keys: TokenKeyInfo[] = [];
  for (const objectClass of [CKO.PRIVATE_KEY, CKO.SECRET_KEY]) {
    for (const privateKey of findAll(p11, session, [{ type: CKA.CLASS, value: objectClass }])) {
      const [label, id] = p11.C_GetAttributeValue(session, privateKey, [{ type: CKA.LABEL }, { type: CKA.ID }]);
      const ref = { label: label!.value.toString("utf8"), id: id!.value.toString("hex") };
      const publicKey = objectClass === CKO.PRIVATE_KEY ? (findAll(p11, session, refTemplate(CKO.PUBLIC_KEY, ref))[0] ?? null) : null;
      const info = describeKeyObjects(p11, session, ref, { privateKey, publicKey });
      if (info) keys.push(info);
    }
  }
  return keys;
}

export function destroyKeyObjects(p11: PKCS11, session: Handle, objects: KeyObjects): void {
  p11.C_DestroyObject(session, objects.privateKey);
  if (objects.publicKey) p11.C_DestroyObject(session, objects.publicKey);
}

/** The HMAC a CKM_SHA*_HMAC mechanism computes, if it is one. */
export function hmacAlgorithmOfMechanism(mechanism: number): HmacAlgorithm | undefined {
  return HMAC_ALGORITHMS.find((algorithm) => HMAC_MECHANISM[algorithm] === mechanism);
}

export const HMAC_MECHANISM: Record<HmacAlgorithm, number> = {
  HMACSHA256: CKM.SHA256_HMAC,
  HMACSHA384: CKM.SHA384_HMAC,
  HMACSHA512: CKM.SHA512_HMAC,
};
