/**
 * Offline verification, for the command-line tool: a bundle file and the audit public key,
 * nothing else (no server, no database, no HSM). The key may be given as the C2SP verifier
 * key, as a PEM public key, or as base64 DER SubjectPublicKeyInfo, exactly as
 * GET /v1/audit/publicKey publishes them.
 */
import { createPublicKey } from "node:crypto";
import { parseBundle } from "./bundle-parse";
import { parseVerifierKey } from "./note";
import { verifyBundle, type VerifyResult } from "./verify";

export function publicKeyFromText(text: string): Uint8Array {
  const trimmed = text.trim();
  const verifier = parseVerifierKey(trimmed);
  if (verifier) return verifier.publicKey;
  const key = trimmed.startsWith("-----BEGIN")
    ? createPublicKey(trimmed)
    : createPublicKey({ key: Buffer.from(trimmed, "base64"), format: "der", type: "spki" });
  if (key.asymmetricKeyType !== "ed25519") throw new Error("the audit public key is an Ed25519 key");
  const jwk = key.export({ format: "jwk" });
  return new Uint8Array(Buffer.from(jwk.x!, "base64url"));
}

export function verifyOffline(bundleText: string, publicKeyText: string): VerifyResult {
  return verifyBundle(parseBundle(bundleText), publicKeyFromText(publicKeyText));
}
