/**
 * What a token does that its mechanism list does not say, found out once at start-up by
 * trying it (see TokenTraits in ../algorithms.ts).
 *
 * Deterministic ECDSA: PKCS#11 has no mechanism number that promises RFC 6979 nonces; a token
 * either makes them with plain CKM_ECDSA or it does not. The probe signs the RFC 6979 test
 * message with the RFC's own P-256 test key (appendix A.2.5, SHA-256, message "sample"), held
 * as a session object that never reaches the token's storage and is destroyed at once, and
 * compares with the published signature. A token with random nonces cannot match it by
 * chance. A token that normalises s to the lower half (n - s) with RFC 6979 nonces matches too.
 */
import { createHash } from "node:crypto";
import type { PKCS11 } from "pkcs11js";
import { curveByName } from "../curves";
import { CKA, CKK, CKM, CKO } from "./constants";
import type { Handle } from "./module";

const RFC6979_P256 = {
  privateKey: "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721",
  message: "sample",
  r: "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
  s: "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
};

const P256_ORDER = BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

function hex(value: bigint): string {
  return value.toString(16).padStart(64, "0");
}

/** True when the token's CKM_ECDSA signs with RFC 6979 nonces; false when it does not, or cannot be asked. */
export function probeDeterministicEcdsa(p11: PKCS11, session: Handle, mechanisms: ReadonlySet<number>): boolean {
  if (!mechanisms.has(CKM.ECDSA)) return false;
  let key: Handle | null = null;
  try {
    key = p11.C_CreateObject(session, [
      { type: CKA.CLASS, value: CKO.PRIVATE_KEY },
      { type: CKA.KEY_TYPE, value: CKK.EC },
      { type: CKA.TOKEN, value: false },
      { type: CKA.PRIVATE, value: true },
      { type: CKA.SIGN, value: true },
      { type: CKA.EC_PARAMS, value: Buffer.from(curveByName("P-256").ecParams) },
      { type: CKA.VALUE, value: Buffer.from(RFC6979_P256.privateKey, "hex") },
    ]);
    const digest = createHash("sha256").update(RFC6979_P256.message).digest();
    p11.C_SignInit(session, { mechanism: CKM.ECDSA }, key);
    const signature = p11.C_Sign(session, digest, Buffer.alloc(64)).toString("hex");
    const r = signature.slice(0, 64);
    const s = signature.slice(64);
    const highS = RFC6979_P256.s;
    const lowS = hex(P256_ORDER - BigInt(`0x${highS}`));
    return r === RFC6979_P256.r && (s === highS || s === lowS);
  } catch {
    return false;
  } finally {
    if (key !== null) {
      try {
        p11.C_DestroyObject(session, key);
      } catch {
        // a session object goes with the session anyway
      }
    }
  }
}
