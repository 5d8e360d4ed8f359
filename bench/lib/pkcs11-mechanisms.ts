/**
 * The mechanisms the bench's own pkcs11js loops sign with (pkcs11-loop.ts), as native/p11bench.c
 * signs from C: a 75-byte message (the bench's payload length) for the mechanisms that hash on
 * the token, a 32-byte digest for CKM_ECDSA, which SoftHSM offers only without a hash (Signet
 * hashes in the Worker, then signs the digest). Kept apart from pkcs11-loop.ts, importing only
 * constants, so that the skeleton's main thread can check a request's mechanism without loading
 * the PKCS#11 addon that only its Workers use.
 */
import type { Mechanism, RsaPSS } from "pkcs11js";
import { CK_PARAMS_RSA_PSS, CKG, CKM } from "../../src/signer/pkcs11/constants";

export type BindingMechanism = "rsa-pkcs" | "rsa-pss" | "ecdsa" | "eddsa";

export const MECHANISMS: Record<BindingMechanism, { mechanism: Mechanism; inputBytes: number }> = {
  "rsa-pkcs": { mechanism: { mechanism: CKM.SHA256_RSA_PKCS }, inputBytes: 75 },
  "rsa-pss": {
    mechanism: { mechanism: CKM.SHA256_RSA_PKCS_PSS, parameter: { type: CK_PARAMS_RSA_PSS, hashAlg: CKM.SHA256, mgf: CKG.MGF1_SHA256, saltLen: 32 } as RsaPSS },
    inputBytes: 75,
  },
  ecdsa: { mechanism: { mechanism: CKM.ECDSA }, inputBytes: 32 },
  eddsa: { mechanism: { mechanism: CKM.EDDSA }, inputBytes: 75 },
};

export function isBindingMechanism(name: string): name is BindingMechanism {
  return Object.hasOwn(MECHANISMS, name);
}
