/**
 * The set-up of the bench's own pkcs11js loops (binding-worker.ts, and the skeleton's Workers in
 * skeleton-sign-worker.ts): module, session, login and the key's handle are Signet's code; the
 * loops that sign (with pkcs11-mechanisms.ts) are not.
 */
import { findKeyObjects } from "../../src/signer/pkcs11/keys";
import { findTokenSlot, loadModule, loginUser, openSession, type Handle } from "../../src/signer/pkcs11/module";
import { parseKeyHandleId } from "../../src/signer/types";

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
