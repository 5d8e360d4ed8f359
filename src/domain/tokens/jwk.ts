/**
 * Public keys as JWKs (RFC 7517/7518/8037/8812) and their RFC 7638 thumbprints, which
 * Signet uses as `kid`. Built from the DER SubjectPublicKeyInfo the token gave, with
 * @peculiar's ASN.1 schemas, not with a crypto library: Bun's BoringSSL does not know
 * secp256k1, and the public key needs no crypto to be written out.
 */
import { createHash, type KeyObject } from "node:crypto";
import { CURVES, type CurveInfo } from "../../signer/curves";
import { asn1Schemas } from "../asn1-schemas";

const RSA_OID = "1.2.840.113549.1.1.1";
const EC_OID = "1.2.840.10045.2.1";
const ED25519_OID = "1.3.101.112";

/** JWK curve names (RFC 7518 section 6.2.1.1, RFC 8812, RFC 8037). */
const JWK_CURVE: Record<string, string> = {
  "P-256": "P-256",
  "P-384": "P-384",
  "P-521": "P-521",
  secp256k1: "secp256k1",
  Ed25519: "Ed25519",
};

export type PublicJwk =
  | { kty: "RSA"; n: string; e: string }
  | { kty: "EC"; crv: string; x: string; y: string }
  | { kty: "OKP"; crv: "Ed25519"; x: string };

export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/** An unsigned big-endian integer without its DER sign byte. */
function unsigned(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

function ecCurve(parameters: ArrayBuffer | undefined): CurveInfo {
  const hex = parameters ? Buffer.from(parameters).toString("hex") : "";
  const curve = CURVES.find((c) => c.name !== "Ed25519" && Buffer.from(c.ecParams).toString("hex") === hex);
  if (!curve) throw new Error("unsupported EC curve in the public key");
  return curve;
}

/** The JWK of a DER SubjectPublicKeyInfo. Throws for key types a JWS cannot use. */
export function jwkFromSpki(spki: Uint8Array): PublicJwk {
  const { schema: { AsnConvert }, rsa: { RSAPublicKey }, x509: { SubjectPublicKeyInfo } } = asn1Schemas();
  const info = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  const key = new Uint8Array(info.subjectPublicKey);
  switch (info.algorithm.algorithm) {
    case RSA_OID: {
      const rsa = AsnConvert.parse(key, RSAPublicKey);
      return { kty: "RSA", n: base64url(unsigned(new Uint8Array(rsa.modulus))), e: base64url(unsigned(new Uint8Array(rsa.publicExponent))) };
    }
    case EC_OID: {
      const curve = ecCurve(info.algorithm.parameters ?? undefined);
      const size = curve.fieldBytes;
      if (key.length !== 1 + 2 * size || key[0] !== 0x04) throw new Error("the EC public key is not an uncompressed point");
      return { kty: "EC", crv: JWK_CURVE[curve.name]!, x: base64url(key.subarray(1, 1 + size)), y: base64url(key.subarray(1 + size)) };
    }
    case ED25519_OID:
      if (key.length !== 32) throw new Error("the Ed25519 public key is not 32 bytes");
      return { kty: "OKP", crv: "Ed25519", x: base64url(key) };
    default:
      throw new Error(`unsupported public key algorithm ${info.algorithm.algorithm}`);
  }
}

/**
 * The JWK of a public key node:crypto already holds, for the curves its BoringSSL knows, with
 * no ASN.1 schemas to load: the bearer-token key's, at start-up. The same members as
 * jwkFromSpki gives (a unit test compares them).
 */
export function jwkOfKeyObject(key: KeyObject): PublicJwk {
  const jwk = key.export({ format: "jwk" });
  if (jwk.kty === "EC" && jwk.crv && jwk.x && jwk.y && Object.values(JWK_CURVE).includes(jwk.crv)) return { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y };
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519" && jwk.x) return { kty: "OKP", crv: "Ed25519", x: jwk.x };
  if (jwk.kty === "RSA" && jwk.n && jwk.e) return { kty: "RSA", n: jwk.n, e: jwk.e };
  throw new Error(`unsupported public key type ${jwk.kty ?? "unknown"}`);
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, base64url. */
export function jwkThumbprint(jwk: PublicJwk): string {
  const canonical =
    jwk.kty === "RSA"
      ? JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })
      : jwk.kty === "EC"
        ? JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })
        : JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash("sha256").update(canonical).digest("base64url");
}
