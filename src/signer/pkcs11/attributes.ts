/**
 * Changing the usage attributes of a key already on the token (synchronousModify). The object
 * holding the secret gets the changed attributes; a pair's public key object follows (verify,
 * encrypt and wrap follow sign, decrypt and unwrap), as a secret key's own counterparts do.
 * CKA_MODIFIABLE is set last: once it is false nothing else may change.
 */
import type { PKCS11, Template } from "pkcs11js";
import type { KeyObjectRef, KeyUsageFlags, OpFailure } from "../types";
import { ckrName } from "./ckr";
import { CKA } from "./constants";
import { findKeyObjects } from "./keys";
import type { Handle } from "./module";

const OWN: [keyof KeyUsageFlags, number][] = [
  ["sign", CKA.SIGN],
  ["decrypt", CKA.DECRYPT],
  ["unwrap", CKA.UNWRAP],
  ["derive", CKA.DERIVE],
  ["extractable", CKA.EXTRACTABLE],
  ["sensitive", CKA.SENSITIVE],
  ["copyable", CKA.COPYABLE],
  ["destroyable", CKA.DESTROYABLE],
  ["modifiable", CKA.MODIFIABLE],
];

/** Counterpart attributes: on a pair's public key object, or on the secret key itself. */
const COUNTERPART: [keyof KeyUsageFlags, number][] = [
  ["sign", CKA.VERIFY],
  ["decrypt", CKA.ENCRYPT],
  ["unwrap", CKA.WRAP],
];

const PUBLIC_OWN: [keyof KeyUsageFlags, number][] = [
  ["destroyable", CKA.DESTROYABLE],
  ["modifiable", CKA.MODIFIABLE],
];

function template(changes: Partial<KeyUsageFlags>, attributes: [keyof KeyUsageFlags, number][]): Template {
  return attributes.filter(([name]) => changes[name] !== undefined).map(([name, type]) => ({ type, value: changes[name]! }));
}

export function setKeyAttributes(p11: PKCS11, session: Handle, ref: KeyObjectRef, changes: Partial<KeyUsageFlags>): OpFailure | null {
  const objects = findKeyObjects(p11, session, ref);
  if (!objects) return { kind: "keyNotFound", message: `no key labelled "${ref.label}" on the token` };
  try {
    if (objects.publicKey) {
      // The public half first: while the private key is still modifiable, a refusal leaves both unchanged.
      const publicChanges = template(changes, [...COUNTERPART, ...PUBLIC_OWN]);
      if (publicChanges.length > 0) p11.C_SetAttributeValue(session, objects.publicKey, publicChanges);
      const own = template(changes, OWN);
      if (own.length > 0) p11.C_SetAttributeValue(session, objects.privateKey, own);
    } else {
      const own = template(changes, OWN);
      const counterparts = template(changes, COUNTERPART);
      // The counterparts before OWN's trailing CKA_MODIFIABLE.
      const all = [...own.filter((a) => a.type !== CKA.MODIFIABLE), ...counterparts, ...own.filter((a) => a.type === CKA.MODIFIABLE)];
      if (all.length > 0) p11.C_SetAttributeValue(session, objects.privateKey, all);
    }
    return null;
  } catch (error) {
    const ckr = ckrName(error);
    // CKR_ACTION_PROHIBITED (0x1B) reaches us as CKR_VENDOR_DEFINED from pkcs11js, which does not know its name.
    if (ckr === "CKR_ATTRIBUTE_READ_ONLY" || ckr === "CKR_ACTION_PROHIBITED" || ckr === "CKR_VENDOR_DEFINED") {
      return { kind: "operationForbiddenForKey", message: "the token does not let these attributes of the key change", ckr };
    }
    throw error;
  }
}
