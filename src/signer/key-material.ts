/**
 * Plain key material at the edge of the token: PKCS#8 private keys and raw secret keys parsed
 * into the components PKCS#11 takes (for import), and the components read from the token
 * encoded back into PKCS#8 (for export). Pure: no token, no I/O.
 *
 * A private key is checked before it goes anywhere: an RSA modulus must be the product of its
 * primes, an EC scalar must be a valid scalar of its curve (its public point is computed from
 * it when the PKCS#8 does not carry one). An Ed25519 key's public key is derived from its seed.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { ECParameters, ECPrivateKey } from "@peculiar/asn1-ecc";
import { PrivateKeyInfo } from "@peculiar/asn1-pkcs8";
import { RSAPrivateKey } from "@peculiar/asn1-rsa";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { curveByName, curveByOid, type CurveInfo } from "./curves";
import { curveSpki, rsaSpki, unwrapEcPoint } from "./encoding";
import type { CipherKeyType, CurveName, HmacAlgorithm } from "./types";

const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";
const OID_ED25519 = "1.3.101.112";

export interface RsaComponents {
  modulus: Uint8Array;
  publicExponent: Uint8Array;
  privateExponent: Uint8Array;
  prime1: Uint8Array;
  prime2: Uint8Array;
  exponent1: Uint8Array;
  exponent2: Uint8Array;
  coefficient: Uint8Array;
}

export type KeyMaterial =
  | { type: CipherKeyType | HmacAlgorithm; value: Uint8Array }
  | { type: "RSA"; rsa: RsaComponents }
  /** `value`: the EC scalar (field-size bytes) or the Ed25519 seed; `point`: 04‖x‖y or the 32-byte Ed25519 key. */
  | { type: "EC" | "ED"; curve: CurveName; value: Uint8Array; point: Uint8Array };

export type PrivateKeyMaterial = Exclude<KeyMaterial, { type: CipherKeyType | HmacAlgorithm }>;

/** Material that is not what it claims to be. The message is safe to show (it never holds key bytes). */
export class KeyMaterialError extends Error {}

const WEIERSTRASS = { "P-256": p256, "P-384": p384, "P-521": p521, secp256k1 } as const;

function bytes(buffer: ArrayBuffer): Uint8Array {
  return new Uint8Array(buffer);
}

/** Big-endian unsigned integer without leading zero bytes (how PKCS#11 takes big integers). */
function unsigned(value: Uint8Array): Uint8Array {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  return value.subarray(start);
}

function toBigInt(value: Uint8Array): bigint {
  return value.length === 0 ? 0n : BigInt(`0x${Buffer.from(value).toString("hex")}`);
}

/** A DER INTEGER's content for a positive number: a zero byte in front when the top bit is set. */
function positive(value: Uint8Array): ArrayBuffer {
  const trimmed = unsigned(value);
  const out = new Uint8Array(trimmed.length + ((trimmed[0] ?? 0) & 0x80 ? 1 : 0));
  out.set(trimmed, out.length - trimmed.length);
  return out.buffer as ArrayBuffer;
}

function leftPad(value: Uint8Array, length: number): Uint8Array {
  if (value.length > length) throw new KeyMaterialError("the EC private key is longer than its curve allows");
  const out = new Uint8Array(length);
  out.set(value, length - value.length);
  return out;
}

function parseAsn<T>(der: Uint8Array | ArrayBuffer, type: new () => T, what: string): T {
  try {
    return AsnConvert.parse(der, type);
  } catch {
    throw new KeyMaterialError(`${what} is not valid DER`);
  }
}

export function ecPublicPoint(curve: CurveInfo, scalar: Uint8Array): Uint8Array {
  try {
    if (curve.name === "Ed25519") return ed25519.getPublicKey(scalar);
    return WEIERSTRASS[curve.name].getPublicKey(scalar, false);
  } catch {
    throw new KeyMaterialError(`the private key is not a valid ${curve.name} key`);
  }
}

/** Parses a PKCS#8 PrivateKeyInfo holding an RSA, EC (named curve) or Ed25519 key. */
export function parsePrivateKey(pkcs8: Uint8Array): PrivateKeyMaterial {
  const info = parseAsn(pkcs8, PrivateKeyInfo, "privateKey (PKCS#8)");
  const algorithm = info.privateKeyAlgorithm.algorithm;
  const inner = info.privateKey.buffer;
  if (algorithm === OID_RSA_ENCRYPTION) return parseRsa(parseAsn(inner, RSAPrivateKey, "the RSA private key"));
  if (algorithm === OID_ED25519) {
    const seed = bytes(parseAsn(inner, OctetString, "the Ed25519 private key").buffer);
    if (seed.length !== 32) throw new KeyMaterialError("an Ed25519 private key is 32 bytes");
    const curve = curveByName("Ed25519");
    return { type: "ED", curve: "Ed25519", value: seed, point: ecPublicPoint(curve, seed) };
  }
  if (algorithm === OID_EC_PUBLIC_KEY) {
    const ec = parseAsn(inner, ECPrivateKey, "the EC private key");
    const parameters = info.privateKeyAlgorithm.parameters;
    const oid = ec.parameters?.namedCurve ?? (parameters ? parseAsn(parameters, ECParameters, "the EC curve").namedCurve : undefined);
    const curve = oid ? curveByOid(oid) : undefined;
    if (!curve || curve.name === "Ed25519") throw new KeyMaterialError(`the EC curve ${oid ?? "(none)"} is not one Signet takes`);
    const scalar = leftPad(unsigned(bytes(ec.privateKey.buffer)), curve.fieldBytes);
    const point = ecPublicPoint(curve, scalar);
    if (ec.publicKey && !Buffer.from(bytes(ec.publicKey)).equals(Buffer.from(point))) {
      throw new KeyMaterialError("the public key inside the EC private key does not belong to it");
    }
    return { type: "EC", curve: curve.name, value: scalar, point };
  }
  throw new KeyMaterialError(`private keys of algorithm ${algorithm} are not taken (RSA, EC, Ed25519)`);
}

function parseRsa(key: RSAPrivateKey): PrivateKeyMaterial {
  const rsa: RsaComponents = {
    modulus: unsigned(bytes(key.modulus)),
    publicExponent: unsigned(bytes(key.publicExponent)),
    privateExponent: unsigned(bytes(key.privateExponent)),
    prime1: unsigned(bytes(key.prime1)),
    prime2: unsigned(bytes(key.prime2)),
    exponent1: unsigned(bytes(key.exponent1)),
    exponent2: unsigned(bytes(key.exponent2)),
    coefficient: unsigned(bytes(key.coefficient)),
  };
  if (key.otherPrimeInfos?.length) throw new KeyMaterialError("multi-prime RSA keys are not taken");
  if (toBigInt(rsa.prime1) * toBigInt(rsa.prime2) !== toBigInt(rsa.modulus)) {
    throw new KeyMaterialError("the RSA key's primes do not multiply to its modulus");
  }
  return { type: "RSA", rsa };
}

export function rsaBits(rsa: RsaComponents): number {
  const top = rsa.modulus[0] ?? 0;
  return (rsa.modulus.length - 1) * 8 + (32 - Math.clz32(top));
}

/**
 * Material read from a token, made complete: CKA_EC_POINT comes as a DER OCTET STRING and
 * becomes the bare point; a key without a public key object gets its point from the private value.
 */
export function withPublicPoint(material: PrivateKeyMaterial): PrivateKeyMaterial {
  if (material.type === "RSA") return material;
  const curve = curveByName(material.curve);
  const point = material.point.length > 0 ? unwrapEcPoint(material.point, curve) : ecPublicPoint(curve, material.value);
  return { ...material, point };
}

/** SubjectPublicKeyInfo of a private key's public half. */
export function publicKeySpki(material: PrivateKeyMaterial): Uint8Array {
  if (material.type === "RSA") return rsaSpki(material.rsa.modulus, material.rsa.publicExponent);
  return curveSpki(curveByName(material.curve), material.point);
}

/** PKCS#8 PrivateKeyInfo of a private key. */
export function encodePrivateKey(material: PrivateKeyMaterial): Uint8Array {
  let algorithm: AlgorithmIdentifier;
  let inner: ArrayBuffer;
  if (material.type === "RSA") {
    const { rsa } = material;
    algorithm = new AlgorithmIdentifier({ algorithm: OID_RSA_ENCRYPTION, parameters: null });
    inner = AsnConvert.serialize(
      new RSAPrivateKey({
        version: 0,
        modulus: positive(rsa.modulus),
        publicExponent: positive(rsa.publicExponent),
        privateExponent: positive(rsa.privateExponent),
        prime1: positive(rsa.prime1),
        prime2: positive(rsa.prime2),
        exponent1: positive(rsa.exponent1),
        exponent2: positive(rsa.exponent2),
        coefficient: positive(rsa.coefficient),
      }),
    );
  } else if (material.type === "ED") {
    algorithm = new AlgorithmIdentifier({ algorithm: OID_ED25519 });
    inner = AsnConvert.serialize(new OctetString(material.value));
  } else {
    const curve = curveByName(material.curve);
    algorithm = new AlgorithmIdentifier({ algorithm: OID_EC_PUBLIC_KEY, parameters: new Uint8Array(curve.ecParams).buffer as ArrayBuffer });
    inner = AsnConvert.serialize(
      new ECPrivateKey({
        version: 1,
        privateKey: new OctetString(leftPad(material.value, curve.fieldBytes)),
        publicKey: new Uint8Array(material.point).buffer as ArrayBuffer,
      }),
    );
  }
  return new Uint8Array(AsnConvert.serialize(new PrivateKeyInfo({ version: 0, privateKeyAlgorithm: algorithm, privateKey: new OctetString(inner) })));
}
