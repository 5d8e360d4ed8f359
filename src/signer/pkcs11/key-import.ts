/**
 * Plain key material into and out of the token: C_CreateObject for an imported key (the private
 * or secret key object, and for a pair its public key object), C_GetAttributeValue for an
 * exported one. The token enforces that only a key that is not sensitive gives its value.
 */
import type { PKCS11, Template } from "pkcs11js";
import { curveByName } from "../curves";
import type { KeyMaterial, RsaComponents } from "../key-material";
import type { KeyObjectRef, KeyUsageFlags, OpFailure } from "../types";
import { ckrName } from "./ckr";
import { CKA } from "./constants";
import type { KeyObjects } from "./keys";
import type { Handle } from "./module";
import type { SigningKey } from "./signing";
import { privateKeyTemplate, publicKeyTemplate, secretKeyTemplate } from "./templates";

const RSA_PRIVATE: [keyof RsaComponents, number][] = [
  ["modulus", CKA.MODULUS],
  ["publicExponent", CKA.PUBLIC_EXPONENT],
  ["privateExponent", CKA.PRIVATE_EXPONENT],
  ["prime1", CKA.PRIME_1],
  ["prime2", CKA.PRIME_2],
  ["exponent1", CKA.EXPONENT_1],
  ["exponent2", CKA.EXPONENT_2],
  ["coefficient", CKA.COEFFICIENT],
];

function buffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** CKA_EC_POINT is a DER OCTET STRING around the point (PKCS#11 2.40, and what SoftHSM stores). */
function ecPointAttribute(point: Uint8Array): Buffer {
  const header = point.length < 0x80 ? [0x04, point.length] : [0x04, 0x81, point.length];
  return Buffer.concat([Buffer.from(header), point]);
}

/** Values that say the material is not a usable key of its type. */
const MATERIAL_REFUSED = new Set(["CKR_ATTRIBUTE_VALUE_INVALID", "CKR_TEMPLATE_INCONSISTENT", "CKR_KEY_SIZE_RANGE", "CKR_DOMAIN_PARAMS_INVALID"]);

export function importKey(p11: PKCS11, session: Handle, ref: KeyObjectRef, material: KeyMaterial, flags: KeyUsageFlags): KeyObjects | OpFailure {
  try {
    if (material.type !== "RSA" && material.type !== "EC" && material.type !== "ED") {
      const template = [...secretKeyTemplate(ref, material.type, flags), { type: CKA.VALUE, value: buffer(material.value) }];
      return { privateKey: p11.C_CreateObject(session, template), publicKey: null };
    }
    let privateValues: Template;
    let publicValues: Template;
    if (material.type === "RSA") {
      privateValues = RSA_PRIVATE.map(([name, type]) => ({ type, value: buffer(material.rsa[name]) }));
      publicValues = privateValues.slice(0, 2);
    } else {
      const ecParams = Buffer.from(curveByName(material.curve).ecParams);
      privateValues = [{ type: CKA.EC_PARAMS, value: ecParams }, { type: CKA.VALUE, value: buffer(material.value) }];
      publicValues = [{ type: CKA.EC_PARAMS, value: ecParams }, { type: CKA.EC_POINT, value: ecPointAttribute(material.point) }];
    }
    const privateKey = p11.C_CreateObject(session, [...privateKeyTemplate(ref, material.type, flags), ...privateValues]);
    try {
      return { privateKey, publicKey: p11.C_CreateObject(session, [...publicKeyTemplate(ref, material.type, flags), ...publicValues]) };
    } catch (error) {
      p11.C_DestroyObject(session, privateKey);
      throw error;
    }
  } catch (error) {
    const ckr = ckrName(error);
    if (MATERIAL_REFUSED.has(ckr ?? "")) return { kind: "invalidKeyEncoding", message: `the token refused the key material (${ckr})`, ckr };
    throw error;
  }
}

function read(p11: PKCS11, session: Handle, object: Handle, type: number): Uint8Array {
  return new Uint8Array(p11.C_GetAttributeValue(session, object, [{ type }])[0]!.value);
}

/** The key's material as the token gives it; EC points come from the public key object when there is one. */
export function exportKey(p11: PKCS11, session: Handle, key: SigningKey): KeyMaterial | OpFailure {
  const object = key.objects.privateKey;
  try {
    if (key.type === "RSA") {
      const rsa = Object.fromEntries(RSA_PRIVATE.map(([name, type]) => [name, read(p11, session, object, type)])) as unknown as RsaComponents;
      return { type: "RSA", rsa };
    }
    if (key.type === "EC" || key.type === "ED") {
      const value = read(p11, session, object, CKA.VALUE);
      // Empty point: the domain computes it from the private value.
      const point = key.objects.publicKey ? read(p11, session, key.objects.publicKey, CKA.EC_POINT) : new Uint8Array(0);
      return { type: key.type, curve: key.curve!.name, value, point };
    }
    if (key.type === "DSA") return { kind: "invalidKeyType", message: "DSA keys are not exported as plain material (wrap them with AES_WRAP_PAD_DSA)" };
    return { type: key.type, value: read(p11, session, object, CKA.VALUE) };
  } catch (error) {
    const ckr = ckrName(error);
    if (ckr === "CKR_ATTRIBUTE_SENSITIVE") {
      return { kind: "operationForbiddenForKey", message: "the key is sensitive: the token does not give its value", ckr };
    }
    throw error;
  }
}
