/**
 * How the bench's own pkcs11js loops sign (binding-worker.ts, and the skeleton's Workers in
 * skeleton-sign-worker.ts), as native/p11bench.c signs from C: a 75-byte message (the bench's
 * payload length) for the mechanisms that hash on the token, a 32-byte digest for CKM_ECDSA,
 * which SoftHSM offers only without a hash (Signet hashes in the Worker, then signs the digest).
 * Their set-up (module, session, login, the key's handle) is Signet's code; their loops are not.
 */
import type { Mechanism, RsaPSS } from "pkcs11js";
import { CK_PARAMS_RSA_PSS, CKG, CKM } from "../../src/signer/pkcs11/constants";
import { findKeyObjects } from "../../src/signer/pkcs11/keys";
import { findTokenSlot, loadModule, loginUser, openSession, type Handle } from "../../src/signer/pkcs11/module";
import { parseKeyHandleId } from "../../src/signer/types";

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

export interface BenchSession {
  p11: ReturnType<typeof loadModule>;
  session: Handle;
}

/** Loads the module and opens a logged-in session on the token (one per thread). */
export function openBenchSession(modulePath: string, tokenLabel: string, pin: string): BenchSession {
  const p11 = loadModule(modulePath);
  const session = openSession(p11, findTokenSlot(p11, tokenLabel));
  loginUser(p11, session, pin);
  return { p11, session };
}

/** The private key's handle for `keyId`, a key handle id as the pool is given it (label and CKA_ID). */
export function privateKeyOf({ p11, session }: BenchSession, keyId: string): Handle {
  const objects = findKeyObjects(p11, session, parseKeyHandleId(keyId));
  if (!objects) throw new Error(`no key ${JSON.stringify(keyId)} on the token`);
  return objects.privateKey;
}
