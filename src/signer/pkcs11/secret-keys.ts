/**
 * Generating secret keys on the token: generic secrets for HMAC (CKM_GENERIC_SECRET_KEY_GEN).
 * Token objects, private, sensitive and never extractable: the value cannot be read back.
 */
import type { PKCS11 } from "pkcs11js";
import type { KeyObjectRef } from "../types";
import { CKA, CKK, CKM, CKO } from "./constants";
import type { Handle } from "./module";

export function generateSecretKey(p11: PKCS11, session: Handle, ref: KeyObjectRef, bits: number): Handle {
  return p11.C_GenerateKey(session, { mechanism: CKM.GENERIC_SECRET_KEY_GEN }, [
    { type: CKA.CLASS, value: CKO.SECRET_KEY },
    { type: CKA.KEY_TYPE, value: CKK.GENERIC_SECRET },
    { type: CKA.TOKEN, value: true },
    { type: CKA.PRIVATE, value: true },
    { type: CKA.LABEL, value: ref.label },
    { type: CKA.ID, value: Buffer.from(ref.id, "hex") },
    { type: CKA.VALUE_LEN, value: bits / 8 },
    { type: CKA.SIGN, value: true },
    { type: CKA.VERIFY, value: true },
    { type: CKA.SENSITIVE, value: true },
    { type: CKA.EXTRACTABLE, value: false },
    { type: CKA.MODIFIABLE, value: false },
  ]);
}
