/**
 * Encrypting and decrypting with a key on the token (AES modes, TDEA CBC, RSA PKCS#1 v1.5 and OAEP).
 *
 * The mechanism for each cipher comes from the token's own list. One case needs more: SoftHSM
 * 2.6 offers CKM_RSA_PKCS_OAEP but refuses every hash except SHA-1 (CKR_ARGUMENTS_BAD). For
 * such a hash the token then does the raw RSA operation (CKM_RSA_X_509) with its key and the
 * OAEP padding is done in the service (../oaep.ts); the choice is remembered per hash.
 *
 * A decryption that fails because of the data (a GCM tag that does not verify, bad padding)
 * is one answer, decryptionFailed, with no plaintext. Tokens report it differently: the
 * specification says CKR_ENCRYPTED_DATA_INVALID, SoftHSM answers CKR_GENERAL_ERROR.
 */
import type { GcmParams, Mechanism, PKCS11, RsaOAEP } from "pkcs11js";
import type { HashName } from "../algorithms";
import { AES_BLOCK_BYTES, cipherAlgorithm, type CipherAlgorithm, type CipherMode } from "../ciphers";
import { oaepDecode, oaepEncode, oaepMaxMessageBytes } from "../oaep";
import type { OpFailure, SignerOp } from "../types";
import { ckrName } from "./ckr";
import { CK_PARAMS_GCM, CK_PARAMS_RSA_OAEP, CKG, CKM, CKZ_DATA_SPECIFIED, mechanismName } from "./constants";
import type { Handle } from "./module";
import type { SigningKey } from "./signing";

type CipherOp = Extract<SignerOp, { op: "encrypt" | "decrypt" }>;

const MODE_MECHANISM: Record<CipherMode, number> = {
  gcm: CKM.AES_GCM,
  cbc: CKM.AES_CBC,
  cbcPad: CKM.AES_CBC_PAD,
  ctr: CKM.AES_CTR,
  pkcs1: CKM.RSA_PKCS,
  oaep: CKM.RSA_PKCS_OAEP,
};

/** TDEA's modes on the token (DES3); the other modes are AES's or RSA's. */
const TDEA_MECHANISM: Partial<Record<CipherMode, number>> = { cbc: CKM.DES3_CBC, cbcPad: CKM.DES3_CBC_PAD };

export function mechanismNumber(algorithm: CipherAlgorithm): number {
  return algorithm.keyType === "TDEA" ? TDEA_MECHANISM[algorithm.mode]! : MODE_MECHANISM[algorithm.mode];
}

const HASH_MECHANISM: Record<HashName, [hashAlg: number, mgf: number]> = {
  SHA1: [CKM.SHA_1, CKG.MGF1_SHA1],
  SHA224: [CKM.SHA224, CKG.MGF1_SHA224],
  SHA256: [CKM.SHA256, CKG.MGF1_SHA256],
  SHA384: [CKM.SHA384, CKG.MGF1_SHA384],
  SHA512: [CKM.SHA512, CKG.MGF1_SHA512],
};

/** Failures of C_Decrypt that mean "this ciphertext does not decrypt under this key". */
const DECRYPTION_REFUSED = new Set(["CKR_ENCRYPTED_DATA_INVALID", "CKR_ENCRYPTED_DATA_LEN_RANGE", "CKR_GENERAL_ERROR"]);
/** What a token answers for an OAEP parameter it does not take. */
const PARAMETER_REFUSED = new Set(["CKR_ARGUMENTS_BAD", "CKR_MECHANISM_PARAM_INVALID"]);

/** Remembers, per Worker, the OAEP hashes this token's CKM_RSA_PKCS_OAEP refused. */
export class CipherPlanner {
  private readonly serviceOaep = new Set<HashName>();

  constructor(readonly mechanisms: ReadonlySet<number>) {}

  oaepInService(hash: HashName): boolean {
    return this.serviceOaep.has(hash);
  }

  refuseTokenOaep(hash: HashName): void {
    this.serviceOaep.add(hash);
  }
}

function failure(kind: string, message: string): OpFailure {
  return { kind, message };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** An output buffer of its own, so that the result can be transferred to the main thread. */
function output(bytes: number): Buffer {
  return Buffer.from(new ArrayBuffer(bytes));
}

function mechanismFor(algorithm: CipherAlgorithm, op: CipherOp): Mechanism {
  const mechanism = mechanismNumber(algorithm);
  switch (algorithm.mode) {
    case "gcm": {
      const iv = asBuffer(op.iv!);
      const parameter: GcmParams = { type: CK_PARAMS_GCM, iv, ivBits: iv.length * 8, tagBits: op.tagBits };
      if (op.aad) parameter.aad = asBuffer(op.aad);
      return { mechanism, parameter };
    }
    case "cbc":
    case "cbcPad":
      return { mechanism, parameter: asBuffer(op.iv!) };
    case "ctr": {
      // CK_AES_CTR_PARAMS: CK_ULONG ulCounterBits (64-bit on LP64 platforms), then the 16-byte counter block.
      const parameter = Buffer.alloc(8 + AES_BLOCK_BYTES);
      parameter.writeBigUInt64LE(128n, 0);
      parameter.set(op.iv!, 8);
      return { mechanism, parameter };
    }
    case "oaep": {
      const [hashAlg, mgf] = HASH_MECHANISM[algorithm.hash!];
      const parameter: RsaOAEP = { type: CK_PARAMS_RSA_OAEP, hashAlg, mgf, source: CKZ_DATA_SPECIFIED };
      return { mechanism, parameter };
    }
    case "pkcs1":
      return { mechanism };
  }
}

interface Prepared {
  algorithm: CipherAlgorithm;
  object: Handle;
  /** RSA modulus bytes (0 for AES). */
  k: number;
}

function prepare(key: SigningKey, planner: CipherPlanner, op: CipherOp): Prepared | OpFailure {
  const algorithm = cipherAlgorithm(op.algorithm);
  if (!algorithm) return failure("inputValidation", `unknown cipherAlgorithm ${op.algorithm}`);
  if (algorithm.keyType !== key.type) {
    return failure("algorithmNotSupportedByKey", `${algorithm.name} needs an ${algorithm.keyType} key, this key is ${key.type}`);
  }
  const needed = mechanismNumber(algorithm);
  if (!planner.mechanisms.has(needed) && !(algorithm.mode === "oaep" && planner.mechanisms.has(CKM.RSA_X_509))) {
    return failure("mechanismNotSupported", `the token does not support ${mechanismName(needed)}, which ${algorithm.name} needs`);
  }
  // RSA encryption is the public key's; every other operation uses the object holding the secret.
  const object = op.op === "encrypt" && algorithm.keyType === "RSA" ? key.objects.publicKey : key.objects.privateKey;
  if (!object) return failure("operationForbiddenForKey", "the token holds no public key object for this key");
  return { algorithm, object, k: algorithm.keyType === "RSA" ? key.signatureBytes : 0 };
}

function checkInput(prepared: Prepared, op: CipherOp): OpFailure | null {
  const { algorithm, k } = prepared;
  const length = op.data.length;
  if (algorithm.ivBytes > 0 && (!op.iv || (algorithm.mode !== "gcm" && op.iv.length !== algorithm.ivBytes) || op.iv.length === 0)) {
    return failure("invalidPayload", `${algorithm.name} needs a ${algorithm.ivBytes}-byte initializationVector`);
  }
  if (op.op === "encrypt") {
    if (algorithm.mode === "cbc" && length % algorithm.blockBytes !== 0) {
      return failure("invalidPayload", `${algorithm.name} encrypts whole ${algorithm.blockBytes}-byte blocks; the payload is ${length} bytes`);
    }
    const max = algorithm.mode === "pkcs1" ? k - 11 : algorithm.mode === "oaep" ? oaepMaxMessageBytes(k, algorithm.hash!) : Infinity;
    if (length > max) return failure("invalidPayload", `${algorithm.name} with a ${k * 8}-bit key encrypts at most ${max} bytes; the payload is ${length}`);
    return null;
  }
  if (algorithm.keyType === "RSA" && length !== k) {
    return failure("invalidPayload", `an RSA ciphertext for this key is ${k} bytes; encryptedPayload is ${length}`);
  }
  if ((algorithm.mode === "cbc" || algorithm.mode === "cbcPad") && (length === 0 || length % algorithm.blockBytes !== 0)) {
    return failure("invalidPayload", `${algorithm.name} ciphertext is whole ${algorithm.blockBytes}-byte blocks; encryptedPayload is ${length} bytes`);
  }
  if (algorithm.mode === "gcm" && length < op.tagBits / 8) {
    return failure("invalidPayload", `encryptedPayload is shorter than the ${op.tagBits}-bit tag it must end with`);
  }
  return null;
}

function outputBytes(prepared: Prepared, op: CipherOp): number {
  const { algorithm, k } = prepared;
  if (algorithm.keyType === "RSA") return k;
  if (op.op === "decrypt") return op.data.length;
  if (algorithm.mode === "gcm") return op.data.length + op.tagBits / 8;
  if (algorithm.mode === "cbcPad") return op.data.length + algorithm.blockBytes;
  return op.data.length;
}

/** Starts the operation; false when the token refused the OAEP hash (the planner now knows). */
function init(p11: PKCS11, session: Handle, planner: CipherPlanner, prepared: Prepared, op: CipherOp): boolean {
  const mechanism = mechanismFor(prepared.algorithm, op);
  try {
    if (op.op === "encrypt") p11.C_EncryptInit(session, mechanism, prepared.object);
    else p11.C_DecryptInit(session, mechanism, prepared.object);
    return true;
  } catch (error) {
    const hash = prepared.algorithm.hash;
    if (prepared.algorithm.mode === "oaep" && hash && PARAMETER_REFUSED.has(ckrName(error) ?? "")) {
      planner.refuseTokenOaep(hash);
      return false;
    }
    throw error;
  }
}

function tokenOaep(planner: CipherPlanner, prepared: Prepared): boolean {
  return prepared.algorithm.mode !== "oaep" || (!planner.oaepInService(prepared.algorithm.hash!) && planner.mechanisms.has(CKM.RSA_PKCS_OAEP));
}

function rawRsaAvailable(planner: CipherPlanner, algorithm: CipherAlgorithm): OpFailure | null {
  if (planner.mechanisms.has(CKM.RSA_X_509)) return null;
  return failure("mechanismNotSupported", `the token's ${mechanismName(CKM.RSA_PKCS_OAEP)} does not take ${algorithm.hash} and it has no ${mechanismName(CKM.RSA_X_509)}`);
}

export function encrypt(p11: PKCS11, session: Handle, key: SigningKey, planner: CipherPlanner, op: CipherOp): Uint8Array | OpFailure {
  const prepared = prepare(key, planner, op);
  if ("kind" in prepared) return prepared;
  const refused = checkInput(prepared, op);
  if (refused) return refused;
  if (tokenOaep(planner, prepared) && init(p11, session, planner, prepared, op)) {
    return p11.C_Encrypt(session, asBuffer(op.data), output(outputBytes(prepared, op)));
  }
  const unavailable = rawRsaAvailable(planner, prepared.algorithm);
  if (unavailable) return unavailable;
  const encoded = oaepEncode(op.data, prepared.k, prepared.algorithm.hash!)!;
  p11.C_EncryptInit(session, { mechanism: CKM.RSA_X_509 }, prepared.object);
  return p11.C_Encrypt(session, encoded, output(prepared.k));
}

export function decrypt(p11: PKCS11, session: Handle, key: SigningKey, planner: CipherPlanner, op: CipherOp): Uint8Array | OpFailure {
  const prepared = prepare(key, planner, op);
  if ("kind" in prepared) return prepared;
  const refused = checkInput(prepared, op);
  if (refused) return refused;
  if (tokenOaep(planner, prepared) && init(p11, session, planner, prepared, op)) {
    return finishDecrypt(p11, session, prepared, op, output(outputBytes(prepared, op)));
  }
  const unavailable = rawRsaAvailable(planner, prepared.algorithm);
  if (unavailable) return unavailable;
  p11.C_DecryptInit(session, { mechanism: CKM.RSA_X_509 }, prepared.object);
  const raw = finishDecrypt(p11, session, prepared, op, Buffer.alloc(prepared.k));
  if (!(raw instanceof Uint8Array)) return raw;
  // A token may drop the leading zero bytes of the raw result; OAEP needs all k.
  const em = raw.length === prepared.k ? raw : Buffer.concat([Buffer.alloc(prepared.k - raw.length), raw]);
  const message = oaepDecode(em, prepared.k, prepared.algorithm.hash!);
  em.fill(0);
  if (!message) return decryptionFailed(prepared.algorithm);
  const result = output(message.length);
  result.set(message);
  return result;
}

function finishDecrypt(p11: PKCS11, session: Handle, prepared: Prepared, op: CipherOp, out: Buffer): Uint8Array | OpFailure {
  try {
    return p11.C_Decrypt(session, asBuffer(op.data), out);
  } catch (error) {
    if (DECRYPTION_REFUSED.has(ckrName(error) ?? "")) return decryptionFailed(prepared.algorithm);
    throw error;
  }
}

function decryptionFailed(algorithm: CipherAlgorithm): OpFailure {
  const message = algorithm.mode === "gcm"
    ? "the authentication tag does not verify (wrong key, key version, IV, additional data or tag length, or altered data); no plaintext is returned"
    : `the encryptedPayload does not decrypt under this key with ${algorithm.name}`;
  return { kind: "decryptionFailed", message };
}
