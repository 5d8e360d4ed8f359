import type { KeyMaterial } from "./key-material";
import type { CertificateFields, StoredCertificate } from "./pkcs11/certificates";

/**
 * The vocabulary of the signer layer: what a key is on the token, and the operations the
 * worker pool runs. Nothing here knows of HTTP, the database or API field names; the domain
 * layer translates its requests into these types.
 */

export type KeyType = "RSA" | "EC" | "ED" | "DSA" | "AES" | "TDEA" | HmacAlgorithm;

/** Generic secret keys bound (through CKA_ALLOWED_MECHANISMS) to one HMAC. */
export type HmacAlgorithm = "HMACSHA256" | "HMACSHA384" | "HMACSHA512";

export const HMAC_ALGORITHMS: readonly HmacAlgorithm[] = ["HMACSHA256", "HMACSHA384", "HMACSHA512"];

/** Output (and minimum key) length of each HMAC, in bytes. */
export const HMAC_BYTES: Record<HmacAlgorithm, number> = { HMACSHA256: 32, HMACSHA384: 48, HMACSHA512: 64 };

export function isHmacAlgorithm(value: string): value is HmacAlgorithm {
  return (HMAC_ALGORITHMS as readonly string[]).includes(value);
}

/** Block-cipher secret keys: AES, and TDEA (three-key triple DES, CKK_DES3). */
export type CipherKeyType = "AES" | "TDEA";

/** Key types whose single object is a CKO_SECRET_KEY (no public half). */
export function isSecretKeyType(type: KeyType): type is CipherKeyType | HmacAlgorithm {
  return type === "AES" || type === "TDEA" || isHmacAlgorithm(type);
}

export type CurveName = "P-256" | "P-384" | "P-521" | "secp256k1" | "Ed25519";

/** Boolean PKCS#11 attributes a caller may choose when a key is made. */
export interface KeyUsageFlags {
  sign: boolean;
  decrypt: boolean;
  unwrap: boolean;
  derive: boolean;
  extractable: boolean;
  modifiable: boolean;
  destroyable: boolean;
  sensitive: boolean;
  copyable: boolean;
}

/** The attributes as read back from the token, including the ones the token derives. */
export interface TokenKeyFlags extends KeyUsageFlags {
  alwaysSensitive: boolean;
  neverExtractable: boolean;
}

export type KeyPairSpec =
  | { type: "RSA"; bits: 2048 | 3072 | 4096 }
  | { type: "EC"; curve: Exclude<CurveName, "Ed25519"> }
  | { type: "ED"; curve: "Ed25519" }
  /** DSA with fresh domain parameters made by the token (FIPS 186-4: L = 2048 or 3072, N = 256). */
  | { type: "DSA"; bits: 2048 | 3072 };

export type SecretKeySpec =
  | { type: "AES"; bits: 128 | 192 | 256 }
  /** Three-key TDEA: 24 bytes, 168 effective bits. */
  | { type: "TDEA"; bits: 192 }
  | { type: HmacAlgorithm; bytes: number };

export type KeySpec = KeyPairSpec | SecretKeySpec;

/**
 * How a key is found on the token. Several versions of one key share the label and differ
 * in CKA_ID; `id` is that CKA_ID in lowercase hex ("" when the object has none).
 */
export interface KeyObjectRef {
  label: string;
  id: string;
}

/** What the token says about one key (private key object plus its public half, if any, or a secret key). */
export interface TokenKeyInfo {
  ref: KeyObjectRef;
  type: KeyType;
  /** RSA modulus bits, DSA prime bits, the curve's field size for EC and ED keys, the key length of secret keys. */
  bits: number;
  curve: CurveName | null;
  /** DER SubjectPublicKeyInfo, or null when the token holds no public part for the key. */
  publicKeySpki: Uint8Array | null;
  flags: TokenKeyFlags;
}

export interface TokenDescription {
  label: string;
  manufacturer: string;
  model: string;
  serialNumber: string;
  mechanisms: number[];
}

/** Operations the pool runs. Each is answered by exactly one OpResult. */
export type SignerOp =
  | { op: "sign"; key: string; algorithm: string; data: Uint8Array; der: boolean }
  /**
   * The signing fast path: the payload travels as its base64 text and the signature comes
   * back as base64, so the main thread neither decodes nor encodes, and a batch of these
   * crosses to the Worker as one string (see pool/protocol.ts). With `digest`, the Worker
   * also returns the SHA-256 of the decoded payload (for the audit record).
   */
  | { op: "signEncoded"; key: string; algorithm: string; payload: string; der: boolean; digest: boolean }
  | { op: "verify"; key: string; algorithm: string; data: Uint8Array; signature: Uint8Array }
  | { op: "generateKeyPair"; label: string; id: string; spec: KeyPairSpec; flags: KeyUsageFlags }
  | { op: "generateSecretKey"; label: string; id: string; spec: SecretKeySpec; flags: KeyUsageFlags }
  | { op: "encrypt"; key: string; algorithm: string; data: Uint8Array; iv: Uint8Array | null; aad: Uint8Array | null; tagBits: number }
  | { op: "decrypt"; key: string; algorithm: string; data: Uint8Array; iv: Uint8Array | null; aad: Uint8Array | null; tagBits: number }
  | { op: "wrapKey"; wrappingKey: string; key: string; method: string }
  | { op: "unwrapKey"; unwrappingKey: string; method: string; wrapped: Uint8Array; label: string; id: string; type: KeyType; flags: KeyUsageFlags }
  | { op: "hmac"; key: string /* keyHandleId */; algorithm: HmacAlgorithm; data: Uint8Array }
  | { op: "verifyHmac"; key: string; algorithm: HmacAlgorithm; data: Uint8Array; mac: Uint8Array }
  | { op: "generateRandom"; length: number }
  | { op: "importKey"; label: string; id: string; material: KeyMaterial; flags: KeyUsageFlags }
  | { op: "exportKey"; key: string }
  | { op: "setKeyAttributes"; ref: KeyObjectRef; changes: Partial<KeyUsageFlags> }
  | { op: "storeCertificate"; ref: KeyObjectRef; fields: CertificateFields }
  | { op: "listCertificates"; label: string }
  | { op: "destroyCertificates"; label: string }
  | { op: "describeKey"; ref: KeyObjectRef }
  | { op: "listKeys" }
  | { op: "destroyKey"; ref: KeyObjectRef }
  | { op: "ping" };

/** A signEncoded operation as the signer's callers name it. */
export type EncodedSignRequest = Omit<Extract<SignerOp, { op: "signEncoded" }>, "op">;

/** What a signEncoded operation answers: base64 signature, hex SHA-256 of the payload. */
export interface EncodedSignature {
  signature: string;
  payloadSha256: string | null;
}

export type OpValue =
  | Uint8Array
  | boolean
  | number
  | TokenKeyInfo
  | TokenKeyInfo[]
  | KeyMaterial
  | StoredCertificate[]
  | EncodedSignature
  | null;

export interface OpFailure {
  /** A SignetError kind (see src/errors.ts). */
  kind: string;
  message: string;
  /** PKCS#11 return value name when the failure came from the token, e.g. CKR_KEY_TYPE_INCONSISTENT. */
  ckr?: string;
}

export type OpResult = { ok: true; value: OpValue } | { ok: false; failure: OpFailure };

/** The cache key a worker uses for a key's object handles. */
export function keyHandleId(ref: KeyObjectRef): string {
  return `${ref.label}\u0000${ref.id}`;
}

export function parseKeyHandleId(key: string): KeyObjectRef {
  const split = key.indexOf("\u0000");
  return split < 0 ? { label: key, id: "" } : { label: key.slice(0, split), id: key.slice(split + 1) };
}
