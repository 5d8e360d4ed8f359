/**
 * Signing and verifying with a key on the token, following the plan chosen for the
 * algorithm on this token (see ../algorithms.ts). Runs inside a pool Worker, on the hot path:
 * mechanism objects are built once per plan and reused, and buffers are viewed, not copied.
 */
import type { Mechanism, PKCS11 } from "pkcs11js";
import {
  DIGEST_INFO_PREFIX,
  HASH_BY_LENGTH,
  NO_TRAITS,
  planSignature,
  pssParams,
  signatureAlgorithm,
  type SignPlan,
  type SignatureAlgorithm,
  type TokenTraits,
} from "../algorithms";
import { digest } from "../digests";
import { curveByEcParams, type CurveInfo } from "../curves";
import { ecdsaDerToRaw, ecdsaRawToDer } from "../encoding";
import { HMAC_BYTES, isHmacAlgorithm, isSecretKeyType, type KeyObjectRef, type KeyType, type OpFailure } from "../types";
import { CKA, CK_PARAMS_RSA_PSS, mechanismName } from "./constants";
import { ckrName } from "./ckr";
import { findKeyObjects, keyTypeOf, type KeyObjects } from "./keys";
import type { Handle } from "./module";

/** What a Worker caches per key: the object handles and what it needs to size outputs (any key type). */
export interface SigningKey {
  objects: KeyObjects;
  type: KeyType;
  curve: CurveInfo | null;
  signatureBytes: number;
}

export function loadSigningKey(p11: PKCS11, session: Handle, ref: KeyObjectRef): SigningKey | null {
  const objects = findKeyObjects(p11, session, ref);
  if (!objects) return null;
  const type = keyTypeOf(p11, session, objects.privateKey);
  if (!type) return null;
  if (type === "RSA") {
    const [modulus] = p11.C_GetAttributeValue(session, objects.privateKey, [{ type: CKA.MODULUS }]);
    return { objects, type, curve: null, signatureBytes: modulus!.value.length };
  }
  if (type === "DSA") {
    // A DSA signature is r‖s, each as long as the subprime q.
    const [subprime] = p11.C_GetAttributeValue(session, objects.privateKey, [{ type: CKA.SUBPRIME }]);
    return { objects, type, curve: null, signatureBytes: 2 * subprime!.value.length };
  }
  if (isSecretKeyType(type)) {
    // An HMAC's output is as long as its hash; AES keys do not sign.
    return { objects, type, curve: null, signatureBytes: isHmacAlgorithm(type) ? HMAC_BYTES[type] : 0 };
  }
  const [params] = p11.C_GetAttributeValue(session, objects.privateKey, [{ type: CKA.EC_PARAMS }]);
  const curve = curveByEcParams(params!.value);
  if (!curve) return null;
  return { objects, type: curve.name === "Ed25519" ? "ED" : "EC", curve, signatureBytes: 2 * curve.fieldBytes };
}

interface PreparedPlan extends SignPlan {
  algorithm: SignatureAlgorithm;
  mech: Mechanism;
  /** NONE_WITH_RSA_PSS: the mechanism for each digest length (its hash, MGF1 and salt follow from it). */
  mechByDigestLength: ReadonlyMap<number, Mechanism> | null;
}

/** Chooses and caches, per algorithm name, how this token carries it out. */
export class SignPlanner {
  private readonly plans = new Map<string, PreparedPlan | OpFailure>();

  constructor(
    private readonly mechanisms: ReadonlySet<number>,
    private readonly traits: TokenTraits = NO_TRAITS,
  ) {}

  plan(name: string): PreparedPlan | OpFailure {
    let plan = this.plans.get(name);
    if (!plan) {
      plan = this.prepare(name);
      this.plans.set(name, plan);
    }
    return plan;
  }

  private prepare(name: string): PreparedPlan | OpFailure {
    const algorithm = signatureAlgorithm(name);
    if (!algorithm) return { kind: "inputValidation", message: `unknown signature algorithm ${name}` };
    const plan = planSignature(algorithm, this.mechanisms, this.traits);
    if ("missing" in plan) {
      return {
        kind: "mechanismNotSupported",
        message: `the token does not support ${plan.reason ?? mechanismName(plan.missing)}, which ${name} needs`,
      };
    }
    const mech: Mechanism = plan.pss
      ? { mechanism: plan.mechanism, parameter: { ...plan.pss, type: CK_PARAMS_RSA_PSS } }
      : { mechanism: plan.mechanism };
    const mechByDigestLength = plan.pssFromDigestLength
      ? new Map([...HASH_BY_LENGTH].map(([length, hash]) => [length, { mechanism: plan.mechanism, parameter: { ...pssParams(hash), type: CK_PARAMS_RSA_PSS } }]))
      : null;
    return { ...plan, algorithm, mech, mechByDigestLength };
  }
}

function isFailure(value: PreparedPlan | OpFailure): value is OpFailure {
  return "kind" in value;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The bytes handed to the token: the payload, its digest, or DigestInfo‖digest. */
function tokenInput(plan: PreparedPlan, data: Uint8Array): Buffer | OpFailure {
  if (plan.digestLength !== null && data.length !== plan.digestLength) {
    return {
      kind: "invalidPayload",
      message: `${plan.algorithm.name} takes a ${plan.digestLength}-byte digest as payload, got ${data.length} bytes`,
    };
  }
  if (plan.digestLengths !== null && !plan.digestLengths.includes(data.length)) {
    return {
      kind: "invalidPayload",
      message: `${plan.algorithm.name} takes a digest as payload (${plan.digestLengths.join(", ")} bytes), got ${data.length} bytes`,
    };
  }
  // The digest: computed here, or the payload itself (NONE_WITH_*, NONESHA*_WITH_RSA).
  const hashed = plan.hashInService ? digest(plan.hashInService, data) : asBuffer(data);
  return plan.digestInfo ? Buffer.concat([DIGEST_INFO_PREFIX[plan.digestInfo], hashed]) : hashed;
}

function checkKeyFits(plan: PreparedPlan, key: SigningKey): OpFailure | null {
  if (plan.algorithm.keyType === key.type) return null;
  return {
    kind: "algorithmNotSupportedByKey",
    message: `${plan.algorithm.name} needs a ${plan.algorithm.keyType} key, this key is ${key.type}`,
  };
}

/** A signature ready to be computed: everything checked, the token input built. */
export interface PreparedSignature {
  mech: Mechanism;
  privateKey: Handle;
  input: Buffer;
  /** The payload's SHA-256 when the service computed it for the token (the input ends with it), else null. */
  payloadSha256: Buffer | null;
  out: Buffer;
  /** Turns the token's output into what the caller asked for (DER for ECDSA by default). */
  finish(tokenOutput: Buffer): Uint8Array;
}

const asIs = (tokenOutput: Buffer): Uint8Array => tokenOutput;

/** ECDSA and DSA: the token answers r‖s; callers get DER (RFC 3279) unless they ask for RAW. */
function isRS(plan: PreparedPlan): boolean {
  return plan.algorithm.scheme === "ecdsa" || plan.algorithm.scheme === "dsa";
}

function mechanismFor(plan: PreparedPlan, input: Buffer): Mechanism {
  return plan.mechByDigestLength?.get(input.length) ?? plan.mech;
}

export function prepareSignature(
  key: SigningKey,
  planOrFailure: PreparedPlan | OpFailure,
  data: Uint8Array,
  der: boolean,
): PreparedSignature | OpFailure {
  if (isFailure(planOrFailure)) return planOrFailure;
  const plan = planOrFailure;
  const mismatch = checkKeyFits(plan, key);
  if (mismatch) return mismatch;
  const input = tokenInput(plan, data);
  if (!Buffer.isBuffer(input)) return input;
  return {
    mech: mechanismFor(plan, input),
    privateKey: key.objects.privateKey,
    input,
    payloadSha256: plan.hashInService === "SHA256" ? input.subarray(input.length - 32) : null,
    // A buffer of its own, so that the result can be transferred to the main thread.
    out: Buffer.from(new ArrayBuffer(key.signatureBytes)),
    finish: isRS(plan) && der ? ecdsaRawToDer : asIs,
  };
}

export function signNow(p11: PKCS11, session: Handle, prepared: PreparedSignature): Uint8Array {
  p11.C_SignInit(session, prepared.mech, prepared.privateKey);
  return prepared.finish(p11.C_Sign(session, prepared.input, prepared.out));
}

/** Same as signNow, with C_Sign on the native thread pool so that several sessions overlap. */
export async function signInBackground(p11: PKCS11, session: Handle, prepared: PreparedSignature): Promise<Uint8Array> {
  p11.C_SignInit(session, prepared.mech, prepared.privateKey);
  return prepared.finish(await p11.C_SignAsync(session, prepared.input, prepared.out));
}

/**
 * Verifies on the token with the key's public key object. A malformed signature is an
 * invalid signature (false), not an error.
 */
export function verify(
  p11: PKCS11,
  session: Handle,
  key: SigningKey,
  planOrFailure: PreparedPlan | OpFailure,
  data: Uint8Array,
  signature: Uint8Array,
): boolean | OpFailure {
  if (isFailure(planOrFailure)) return planOrFailure;
  const plan = planOrFailure;
  const mismatch = checkKeyFits(plan, key);
  if (mismatch) return mismatch;
  if (!key.objects.publicKey) {
    return { kind: "operationForbiddenForKey", message: "the token holds no public key object for this key" };
  }
  const input = tokenInput(plan, data);
  if (!Buffer.isBuffer(input)) return input;
  let tokenSignature: Uint8Array | null = signature;
  if (isRS(plan)) {
    const half = key.signatureBytes / 2;
    tokenSignature = ecdsaDerToRaw(signature, half) ?? (signature.length === key.signatureBytes ? signature : null);
  }
  if (!tokenSignature || tokenSignature.length !== key.signatureBytes) return false;
  p11.C_VerifyInit(session, mechanismFor(plan, input), key.objects.publicKey);
  try {
    return p11.C_Verify(session, input, asBuffer(tokenSignature));
  } catch (error) {
    const ckr = ckrName(error);
    if (ckr === "CKR_SIGNATURE_INVALID" || ckr === "CKR_SIGNATURE_LEN_RANGE") return false;
    throw error;
  }
}
