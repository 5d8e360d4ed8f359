/**
 * JWS algorithms (RFC 7518, RFC 8037, RFC 8812) and how each maps onto a Signet signature
 * algorithm and key. ECDSA JWS signatures are the raw r‖s of fixed length, which is the
 * signer's RAW format; RSA-PSS uses a salt as long as the hash, which is what
 * SHA256_WITH_RSA_PSS does.
 */
import type { CurveName, KeyType } from "../../signer/types";

export interface JwsAlgorithm {
  name: JwsAlgorithmName;
  keyType: KeyType;
  /** The curve the key must be on (EC and ED), null for RSA. */
  curve: CurveName | null;
  /** The Signet signature algorithm (src/signer/algorithms.ts). */
  signatureAlgorithm: string;
  /** ECDSA: raw r‖s (the JWS form) rather than DER. */
  raw: boolean;
}

export const JWS_ALGORITHM_NAMES = ["RS256", "PS256", "ES256", "ES384", "ES256K", "EdDSA"] as const;
export type JwsAlgorithmName = (typeof JWS_ALGORITHM_NAMES)[number];

export const JWS_ALGORITHMS: Record<JwsAlgorithmName, JwsAlgorithm> = {
  RS256: { name: "RS256", keyType: "RSA", curve: null, signatureAlgorithm: "SHA256_WITH_RSA", raw: false },
  PS256: { name: "PS256", keyType: "RSA", curve: null, signatureAlgorithm: "SHA256_WITH_RSA_PSS", raw: false },
  ES256: { name: "ES256", keyType: "EC", curve: "P-256", signatureAlgorithm: "SHA256_WITH_ECDSA", raw: true },
  ES384: { name: "ES384", keyType: "EC", curve: "P-384", signatureAlgorithm: "SHA384_WITH_ECDSA", raw: true },
  ES256K: { name: "ES256K", keyType: "EC", curve: "secp256k1", signatureAlgorithm: "SHA256_WITH_ECDSA", raw: true },
  EdDSA: { name: "EdDSA", keyType: "ED", curve: "Ed25519", signatureAlgorithm: "EDDSA", raw: false },
};

/** The one JWS algorithm an EC or ED key can only be used with; null for RSA keys (RS256 and PS256). */
export function jwsAlgorithmForCurve(curve: CurveName | null): JwsAlgorithmName | null {
  for (const algorithm of Object.values(JWS_ALGORITHMS)) if (algorithm.curve !== null && algorithm.curve === curve) return algorithm.name;
  return null;
}

export function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

/**
 * What the signer is given for a JWS: its signing input (ASCII: two base64url segments) as
 * standard base64, the form synchronousSign's payloads take to a Worker (signBase64).
 */
export function signingInputBase64(signingInput: string): string {
  return btoa(signingInput);
}

/** The compact JWS: the signing input and the signer's base64 signature, as base64url. */
export function compactJws(signingInput: string, signatureBase64: string): string {
  return `${signingInput}.${Buffer.from(signatureBase64, "base64").toString("base64url")}`;
}

/** Splits a compact JWS into its parts, or null when it is not three base64url segments. */
export function splitCompact(token: string): { header: string; payload: string; signature: string } | null {
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  if (first <= 0 || second <= first + 1 || token.indexOf(".", second + 1) >= 0 || second === token.length - 1) return null;
  const parts = { header: token.slice(0, first), payload: token.slice(first + 1, second), signature: token.slice(second + 1) };
  const segment = /^[A-Za-z0-9_-]+$/;
  if (!segment.test(parts.header) || !segment.test(parts.payload) || !segment.test(parts.signature)) return null;
  return parts;
}
