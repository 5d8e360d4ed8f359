/**
 * Encodings between what PKCS#11 returns and what callers expect: SubjectPublicKeyInfo for
 * public keys, and DER or raw r‖s for ECDSA signatures.
 *
 * Both are written out here rather than through @peculiar's ASN.1 schemas. The ECDSA
 * conversions run on every signature: two INTEGERs in a SEQUENCE, a few hundred nanoseconds
 * by hand where a schema-driven serializer costs tens of microseconds. SubjectPublicKeyInfo
 * is built once per key, but in every signing Worker at start (each describes the token's
 * keys), and loading the schema libraries took each Worker ~65 ms of a start-up that must
 * stay under a second; its structure for the keys Signet makes is a fixed algorithm
 * identifier and a BIT STRING. Unit tests check both against Node's OpenSSL and @peculiar's
 * serializer.
 */
import type { CurveInfo } from "./curves";

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const BIT_STRING = 0x03;

/** AlgorithmIdentifier { rsaEncryption, NULL } (RFC 3279 2.3.1), DER. */
const RSA_ALGORITHM = Buffer.from("300d06092a864886f70d0101010500", "hex");
/** AlgorithmIdentifier { id-Ed25519 } with parameters absent (RFC 8410 3), DER. */
const ED25519_ALGORITHM = Buffer.from("300506032b6570", "hex");
/** The OID id-ecPublicKey (RFC 5480 2.1.1), DER; the curve's OID follows as the parameters. */
const EC_PUBLIC_KEY_OID = Buffer.from("06072a8648ce3d0201", "hex");

/** DER length octets: short form below 128, else the long form. */
function derLength(length: number): number[] {
  if (length < 0x80) return [length];
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest & 0xff);
  return [0x80 | octets.length, ...octets];
}

/** A DER tag-length-value of the parts, concatenated. */
function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const header = [tag, ...derLength(length)];
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let offset = header.length;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A BIT STRING of whole bytes (no unused bits). */
function bitString(bytes: Uint8Array): Uint8Array {
  return tlv(BIT_STRING, Uint8Array.of(0), bytes);
}

/** Positive big-endian integer bytes with leading zeros removed and a sign byte where needed. */
function derIntegerContent(unsigned: Uint8Array): Uint8Array {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const trimmed = unsigned.subarray(start);
  if ((trimmed[0] ?? 0) & 0x80) {
    const padded = new Uint8Array(trimmed.length + 1);
    padded.set(trimmed, 1);
    return padded;
  }
  return trimmed;
}

export function rsaSpki(modulus: Uint8Array, publicExponent: Uint8Array): Uint8Array {
  const rsaPublicKey = tlv(SEQUENCE, tlv(INTEGER, derIntegerContent(modulus)), tlv(INTEGER, derIntegerContent(publicExponent)));
  return tlv(SEQUENCE, RSA_ALGORITHM, bitString(rsaPublicKey));
}

/** `point` is the uncompressed point 04‖x‖y (EC) or the 32-byte public key (Ed25519). */
export function curveSpki(curve: CurveInfo, point: Uint8Array): Uint8Array {
  const algorithm = curve.name === "Ed25519" ? ED25519_ALGORITHM : tlv(SEQUENCE, EC_PUBLIC_KEY_OID, curve.ecParams);
  return tlv(SEQUENCE, algorithm, bitString(point));
}

/**
 * CKA_EC_POINT is specified as a DER OCTET STRING around the point; some modules return the
 * bare point. Accepts both.
 */
export function unwrapEcPoint(value: Uint8Array, curve: CurveInfo): Uint8Array {
  const bare = curve.name === "Ed25519" ? curve.fieldBytes : 1 + 2 * curve.fieldBytes;
  if (value.length === bare) return value;
  if (value[0] !== 0x04) throw new Error("CKA_EC_POINT is neither a point nor an OCTET STRING");
  let offset = 2;
  let length = value[1]!;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = (length << 8) | value[2 + i]!;
    offset = 2 + count;
  }
  if (offset + length !== value.length || length !== bare) throw new Error("CKA_EC_POINT has an unexpected length");
  return value.subarray(offset);
}

/**
 * PKCS#11 ECDSA output (r‖s, each fieldBytes long) to the DER ECDSA-Sig-Value of RFC 3279.
 * r and s are at most 67 bytes (P-521), so their lengths always fit one byte; only the
 * SEQUENCE of a P-521 signature needs the long length form.
 */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const half = raw.length >> 1;
  const r = derIntegerContent(raw.subarray(0, half));
  const s = derIntegerContent(raw.subarray(half));
  const bodyLength = 4 + r.length + s.length;
  const out = new Uint8Array((bodyLength < 0x80 ? 2 : 3) + bodyLength);
  let at = 0;
  out[at++] = SEQUENCE;
  if (bodyLength >= 0x80) out[at++] = 0x81;
  out[at++] = bodyLength;
  out[at++] = INTEGER;
  out[at++] = r.length;
  out.set(r, at);
  at += r.length;
  out[at++] = INTEGER;
  out[at++] = s.length;
  out.set(s, at);
  return out;
}

/**
 * DER ECDSA-Sig-Value to r‖s of the curve's width. Returns null for anything that is not a
 * strict DER encoding of two positive integers that fit the curve (a bad signature, not an
 * error: verification then answers false).
 */
export function ecdsaDerToRaw(der: Uint8Array, fieldBytes: number): Uint8Array | null {
  let at = 0;
  const readLength = (): number | null => {
    const first = der[at++];
    if (first === undefined) return null;
    if (first < 0x80) return first;
    if (first === 0x81) {
      const value = der[at++];
      return value !== undefined && value >= 0x80 ? value : null;
    }
    return null;
  };
  if (der[at++] !== SEQUENCE) return null;
  const seqLength = readLength();
  if (seqLength === null || at + seqLength !== der.length) return null;
  const out = new Uint8Array(2 * fieldBytes);
  for (let part = 0; part < 2; part++) {
    if (der[at++] !== INTEGER) return null;
    const length = readLength();
    if (length === null || length === 0 || at + length > der.length) return null;
    let value = der.subarray(at, at + length);
    at += length;
    if (value[0]! & 0x80) return null; // negative
    if (value.length > 1 && value[0] === 0 && !(value[1]! & 0x80)) return null; // not minimal
    if (value[0] === 0) value = value.subarray(1);
    if (value.length > fieldBytes) return null;
    out.set(value, (part + 1) * fieldBytes - value.length);
  }
  return at === der.length ? out : null;
}
