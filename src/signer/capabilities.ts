/**
 * What Signet can serve on a token: each key type, signature algorithm, cipher and wrap method
 * by its Securosys name, with the mechanisms it runs on, or the mechanism the token lacks. The
 * same rules the Workers plan with (algorithms.ts, pkcs11/ciphers.ts, pkcs11/wrapping.ts),
 * applied to the token's mechanism list and its probed traits. Pure.
 */
import { planSignature, SIGNATURE_ALGORITHMS, type TokenTraits } from "./algorithms";
import { CIPHER_ALGORITHMS } from "./ciphers";
import { CKM, mechanismName } from "./pkcs11/constants";
import { mechanismNumber } from "./pkcs11/ciphers";
import { MECHANISM as WRAP_MECHANISM } from "./pkcs11/wrapping";
import { SignetError } from "../errors";
import type { KeySpec } from "./types";
import { WRAP_METHODS } from "./wrap-methods";

export interface Served {
  name: string;
  /** The token mechanisms used. */
  mechanisms: string[];
  /** Where the digest is computed, for signatures: by the token, by Signet, or by the caller (pre-hashed payloads). */
  digest?: "token" | "service" | "caller" | "none";
}

export interface Unserved {
  name: string;
  /** The mechanism (or property) the token lacks. */
  missing: string;
}

export interface Capability {
  available: Served[];
  unavailable: Unserved[];
}

export interface Capabilities {
  mechanisms: string[];
  traits: TokenTraits;
  keyTypes: Capability;
  signatureAlgorithms: Capability;
  cipherAlgorithms: Capability;
  wrapMethods: Capability;
}

/** Names of mechanisms tokens commonly list that Signet does not use (PKCS#11 2.40), for the listing only. */
const OTHER_NAMES: Record<number, string> = {
  0x5: "CKM_MD5_RSA_PKCS",
  0x20: "CKM_DH_PKCS_KEY_PAIR_GEN",
  0x21: "CKM_DH_PKCS_DERIVE",
  0x120: "CKM_DES_KEY_GEN",
  0x121: "CKM_DES_ECB",
  0x122: "CKM_DES_CBC",
  0x125: "CKM_DES_CBC_PAD",
  0x130: "CKM_DES2_KEY_GEN",
  0x138: "CKM_DES3_CMAC",
  0x210: "CKM_MD5",
  0x211: "CKM_MD5_HMAC",
  0x221: "CKM_SHA_1_HMAC",
  0x256: "CKM_SHA224_HMAC",
  0x1050: "CKM_ECDH1_DERIVE",
  0x1081: "CKM_AES_ECB",
  0x108a: "CKM_AES_CMAC",
  0x1100: "CKM_DES_ECB_ENCRYPT_DATA",
  0x1101: "CKM_DES_CBC_ENCRYPT_DATA",
  0x1102: "CKM_DES3_ECB_ENCRYPT_DATA",
  0x1103: "CKM_DES3_CBC_ENCRYPT_DATA",
  0x1104: "CKM_AES_ECB_ENCRYPT_DATA",
  0x1105: "CKM_AES_CBC_ENCRYPT_DATA",
  0x2001: "CKM_DH_PKCS_PARAMETER_GEN",
};

function displayName(mechanism: number): string {
  return OTHER_NAMES[mechanism] ?? mechanismName(mechanism);
}

/** The mechanisms creating a key of each type needs. */
const KEY_GENERATION: Record<string, number[]> = {
  RSA: [CKM.RSA_PKCS_KEY_PAIR_GEN],
  EC: [CKM.EC_KEY_PAIR_GEN],
  ED: [CKM.EC_EDWARDS_KEY_PAIR_GEN],
  DSA: [CKM.DSA_PARAMETER_GEN, CKM.DSA_KEY_PAIR_GEN],
  AES: [CKM.AES_KEY_GEN],
  TDEA: [CKM.DES3_KEY_GEN],
  HMACSHA256: [CKM.GENERIC_SECRET_KEY_GEN, CKM.SHA256_HMAC],
  HMACSHA384: [CKM.GENERIC_SECRET_KEY_GEN, CKM.SHA384_HMAC],
  HMACSHA512: [CKM.GENERIC_SECRET_KEY_GEN, CKM.SHA512_HMAC],
};

function split<T>(items: Iterable<T>, check: (item: T) => Served | Unserved): Capability {
  const available: Served[] = [];
  const unavailable: Unserved[] = [];
  for (const item of items) {
    const result = check(item);
    if ("missing" in result) unavailable.push(result);
    else available.push(result);
  }
  return { available, unavailable };
}

function needAll(name: string, needed: number[], mechanisms: ReadonlySet<number>): Served | Unserved {
  const missing = needed.find((m) => !mechanisms.has(m));
  return missing === undefined ? { name, mechanisms: needed.map(mechanismName) } : { name, missing: mechanismName(missing) };
}

/** Throws mechanismNotSupported (681) naming the mechanism when the token cannot make a key of this kind. */
export function requireKeyGeneration(spec: KeySpec, mechanisms: ReadonlySet<number>): void {
  const result = needAll(spec.type, KEY_GENERATION[spec.type]!, mechanisms);
  if ("missing" in result) throw new SignetError("mechanismNotSupported", `the token does not support ${result.missing}, which ${spec.type} keys need`);
}

export function capabilities(tokenMechanisms: readonly number[], traits: TokenTraits): Capabilities {
  const mechanisms = new Set(tokenMechanisms);
  const keyTypes = split(Object.entries(KEY_GENERATION), ([name, needed]) => needAll(name, needed, mechanisms));
  const signatureAlgorithms = split(SIGNATURE_ALGORITHMS.values(), (algorithm) => {
    const plan = planSignature(algorithm, mechanisms, traits);
    if ("missing" in plan) return { name: algorithm.name, missing: plan.reason ?? mechanismName(plan.missing) };
    const digest = plan.hashInService ? "service" : algorithm.prehashed ? "caller" : algorithm.hash ? "token" : "none";
    return { name: algorithm.name, mechanisms: [mechanismName(plan.mechanism)], digest };
  });
  const cipherAlgorithms = split(CIPHER_ALGORITHMS.values(), (algorithm) => {
    const needed = mechanismNumber(algorithm);
    if (mechanisms.has(needed)) return { name: algorithm.name, mechanisms: [mechanismName(needed)] };
    // OAEP with a hash the token's OAEP refuses runs as raw RSA with the padding in the service.
    if (algorithm.mode === "oaep" && mechanisms.has(CKM.RSA_X_509)) return { name: algorithm.name, mechanisms: [mechanismName(CKM.RSA_X_509)] };
    return { name: algorithm.name, missing: mechanismName(needed) };
  });
  const wrapMethods = split(WRAP_METHODS.values(), (method) => needAll(method.name, [WRAP_MECHANISM[method.mechanism]], mechanisms));
  return {
    mechanisms: [...mechanisms].sort((a, b) => a - b).map(displayName),
    traits,
    keyTypes,
    signatureAlgorithms,
    cipherAlgorithms,
    wrapMethods,
  };
}
