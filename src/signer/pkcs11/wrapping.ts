/**
 * Wrapping a key on the token under another key, and unwrapping a wrapped key into a new token
 * key. The token enforces what matters: only an extractable key leaves it, encrypted, and the
 * wrapping key must carry CKA_WRAP (CKA_UNWRAP to unwrap).
 *
 * An unwrapped RSA private key gets its public key object at once, made from the modulus and
 * exponent (public attributes of the private key), so that it verifies and encrypts like a
 * generated key. A PKCS#8 EC or Ed25519 key need not carry its public point and the token
 * cannot compute it, so such a key arrives without a public key object.
 */
import type { Mechanism, PKCS11, RsaOAEP } from "pkcs11js";
import { isSecretKeyType, type KeyObjectRef, type OpFailure, type SignerOp } from "../types";
import { wrapMethod, type WrapMethod } from "../wrap-methods";
import { ckrName } from "./ckr";
import { CK_PARAMS_RSA_OAEP, CKA, CKG, CKM, CKZ_DATA_SPECIFIED, mechanismName } from "./constants";
import type { KeyObjects } from "./keys";
import type { Handle } from "./module";
import type { SigningKey } from "./signing";
import { privateKeyTemplate, publicKeyTemplate, secretKeyTemplate, type PrivateKeyType } from "./templates";

type UnwrapOp = Extract<SignerOp, { op: "unwrapKey" }>;

export const MECHANISM = { AES_KEY_WRAP: CKM.AES_KEY_WRAP, AES_KEY_WRAP_PAD: CKM.AES_KEY_WRAP_PAD, RSA_PKCS_OAEP: CKM.RSA_PKCS_OAEP } as const;

/** Wrapped keys are at most a PKCS#8 RSA-4096 key plus padding. */
const MAX_WRAPPED_BYTES = 4096;

function mechanismOf(method: WrapMethod): Mechanism {
  const mechanism = MECHANISM[method.mechanism];
  if (method.mechanism !== "RSA_PKCS_OAEP") return { mechanism };
  const parameter: RsaOAEP = { type: CK_PARAMS_RSA_OAEP, hashAlg: CKM.SHA_1, mgf: CKG.MGF1_SHA1, source: CKZ_DATA_SPECIFIED };
  return { mechanism, parameter };
}

function check(method: WrapMethod | undefined, name: string, wrapping: SigningKey, mechanisms: ReadonlySet<number>): WrapMethod | OpFailure {
  if (!method) return { kind: "inputValidation", message: `unknown wrapMethod ${name}` };
  if (wrapping.type !== method.wrappingKeyType) {
    return { kind: "algorithmNotSupportedByKey", message: `${method.name} needs an ${method.wrappingKeyType} wrapping key, this key is ${wrapping.type}` };
  }
  if (!mechanisms.has(MECHANISM[method.mechanism])) {
    return { kind: "mechanismNotSupported", message: `the token does not support ${mechanismName(MECHANISM[method.mechanism])}, which ${method.name} needs` };
  }
  return method;
}

function kindOf(key: SigningKey): string {
  return isSecretKeyType(key.type) ? "secret" : key.type;
}

export function wrapKey(
  p11: PKCS11,
  session: Handle,
  wrapping: SigningKey,
  key: SigningKey,
  name: string,
  mechanisms: ReadonlySet<number>,
): Uint8Array | OpFailure {
  const method = check(wrapMethod(name), name, wrapping, mechanisms);
  if ("kind" in method) return method;
  if (kindOf(key) !== method.wrapped) {
    return { kind: "algorithmNotSupportedByKey", message: `${method.name} wraps ${method.wrapped} keys; the key to be wrapped is ${key.type}` };
  }
  // RSA wrapping is the public key's job.
  const wrappingObject = method.wrappingKeyType === "RSA" ? wrapping.objects.publicKey : wrapping.objects.privateKey;
  if (!wrappingObject) return { kind: "operationForbiddenForKey", message: "the token holds no public key object for the wrapping key" };
  try {
    return p11.C_WrapKey(session, mechanismOf(method), wrappingObject, key.objects.privateKey, Buffer.from(new ArrayBuffer(MAX_WRAPPED_BYTES)));
  } catch (error) {
    const ckr = ckrName(error);
    if (ckr === "CKR_KEY_UNEXTRACTABLE") {
      return { kind: "operationForbiddenForKey", message: "the key to be wrapped is not extractable; only extractable keys may be wrapped", ckr };
    }
    if (ckr === "CKR_KEY_NOT_WRAPPABLE") {
      // SoftHSM 2.6, for one, cannot encode Ed25519 private keys for wrapping.
      return { kind: "mechanismNotSupported", message: `the token cannot wrap ${key.type} keys with ${method.name}`, ckr };
    }
    throw error;
  }
}

/** Unwrap failures caused by the wrapped data rather than the token. */
function unwrapRefused(ckr: string | undefined, method: WrapMethod): OpFailure | null {
  switch (ckr) {
    case "CKR_GENERAL_ERROR":
    case "CKR_WRAPPED_KEY_INVALID":
    case "CKR_ENCRYPTED_DATA_INVALID":
      return { kind: "decryptionFailed", message: `the wrappedKey does not unwrap under this key with ${method.name} (wrong key, key version or method, or altered data)`, ckr };
    case "CKR_WRAPPED_KEY_LEN_RANGE":
      return { kind: "invalidPayload", message: `the wrappedKey has a length ${method.name} cannot have`, ckr };
    case "CKR_FUNCTION_FAILED":
    case "CKR_TEMPLATE_INCONSISTENT":
      return {
        kind: "invalidKeyEncoding",
        message: `the token made no ${method.wrapped === "secret" ? "secret" : method.wrapped} key of the wrappedKey: it holds another kind of key, or the token cannot unwrap this kind (SoftHSM 2.6 cannot for Ed25519)`,
        ckr,
      };
    default:
      return null;
  }
}

export function unwrapKey(
  p11: PKCS11,
  session: Handle,
  unwrapping: SigningKey,
  op: UnwrapOp,
  mechanisms: ReadonlySet<number>,
): KeyObjects | OpFailure {
  const method = check(wrapMethod(op.method), op.method, unwrapping, mechanisms);
  if ("kind" in method) return method;
  const ref: KeyObjectRef = { label: op.label, id: op.id };
  const secret = isSecretKeyType(op.type);
  if ((method.wrapped === "secret") !== secret || (!secret && method.wrapped !== op.type)) {
    return { kind: "algorithmNotSupportedByKey", message: `${method.name} carries ${method.wrapped} keys, not ${op.type}` };
  }
  const template = isSecretKeyType(op.type) ? secretKeyTemplate(ref, op.type, op.flags) : privateKeyTemplate(ref, op.type as PrivateKeyType, op.flags);
  let privateKey: Handle;
  try {
    const wrapped = Buffer.from(op.wrapped.buffer, op.wrapped.byteOffset, op.wrapped.byteLength);
    privateKey = p11.C_UnwrapKey(session, mechanismOf(method), unwrapping.objects.privateKey, wrapped, template);
  } catch (error) {
    const refused = unwrapRefused(ckrName(error), method);
    if (refused) return refused;
    throw error;
  }
  if (op.type !== "RSA") return { privateKey, publicKey: null };
  try {
    const [modulus, exponent] = p11.C_GetAttributeValue(session, privateKey, [{ type: CKA.MODULUS }, { type: CKA.PUBLIC_EXPONENT }]);
    const publicTemplate = [...publicKeyTemplate(ref, "RSA", op.flags), { type: CKA.MODULUS, value: modulus!.value }, { type: CKA.PUBLIC_EXPONENT, value: exponent!.value }];
    return { privateKey, publicKey: p11.C_CreateObject(session, publicTemplate) };
  } catch (error) {
    p11.C_DestroyObject(session, privateKey);
    throw error;
  }
}
