/**
 * The raw in-process PKCS#11 signing rate: C_SignInit + C_Sign in a tight loop on one thread
 * of this process, through pkcs11js, with the same token and keys the service uses. This is
 * the ceiling for one core without HTTP, JSON, base64 or the pool.
 */
import { createHash } from "node:crypto";
import { PKCS11 } from "pkcs11js";
import { CKA, CKF, CKM, CKO, CKU } from "../../src/signer/pkcs11/constants";
import { DIGEST_INFO_PREFIX } from "../../src/signer/algorithms";

export interface RawResult {
  label: string;
  mechanism: string;
  signaturesPerSecond: number;
  microsPerSignature: number;
}

export interface RawKey {
  label: string;
  name: string;
  mechanism: number;
  input: Buffer;
  outLength: number;
}

/** The same work the service does for SHA256_WITH_RSA and SHA256_WITH_ECDSA on SoftHSM. */
export function rawKeys(message: Buffer, mechanisms: Set<number>): RawKey[] {
  const digest = createHash("sha256").update(message).digest();
  const rsaCombined = mechanisms.has(CKM.SHA256_RSA_PKCS);
  return [
    {
      label: "bench-rsa-2048",
      name: "RSA-2048 PKCS#1 v1.5 SHA-256",
      mechanism: rsaCombined ? CKM.SHA256_RSA_PKCS : CKM.RSA_PKCS,
      input: rsaCombined ? message : Buffer.concat([DIGEST_INFO_PREFIX.SHA256, digest]),
      outLength: 256,
    },
    { label: "bench-p256", name: "ECDSA P-256 SHA-256", mechanism: CKM.ECDSA, input: digest, outLength: 64 },
  ];
}

export function measureRaw(modulePath: string, tokenLabel: string, pin: string, keys: RawKey[], seconds: number): RawResult[] {
  const p11 = new PKCS11();
  p11.load(modulePath);
  try {
    p11.C_Initialize({ flags: CKF.OS_LOCKING_OK });
  } catch {
    // already initialised in this process
  }
  const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.replace(/[ \0]+$/, "") === tokenLabel)!;
  const session = p11.C_OpenSession(slot, CKF.SERIAL_SESSION | CKF.RW_SESSION);
  try {
    p11.C_Login(session, CKU.USER, pin);
  } catch {
    // already logged in
  }
  const results: RawResult[] = [];
  for (const key of keys) {
    p11.C_FindObjectsInit(session, [{ type: CKA.CLASS, value: CKO.PRIVATE_KEY }, { type: CKA.LABEL, value: key.label }]);
    const [handle] = p11.C_FindObjects(session, 1);
    p11.C_FindObjectsFinal(session);
    const mech = { mechanism: key.mechanism };
    const out = Buffer.alloc(key.outLength);
    const deadline = performance.now() + seconds * 1000;
    let count = 0;
    const started = performance.now();
    while (performance.now() < deadline) {
      for (let i = 0; i < 20; i++) {
        p11.C_SignInit(session, mech, handle!);
        p11.C_Sign(session, key.input, out);
      }
      count += 20;
    }
    const elapsed = (performance.now() - started) / 1000;
    results.push({
      label: key.label,
      mechanism: key.name,
      signaturesPerSecond: Math.round(count / elapsed),
      microsPerSignature: Math.round((elapsed / count) * 1e6 * 10) / 10,
    });
  }
  p11.C_CloseSession(session);
  return results;
}
