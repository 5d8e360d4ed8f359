/**
 * What a create-key request means: the key type, size or curve, and its attributes, checked
 * against what Signet creates. Pure: no token, no database.
 */
import { SignetError } from "../../errors";
import { CURVES, curveByOid } from "../../signer/curves";
import {
  HMAC_BYTES,
  isHmacAlgorithm,
  isSecretKeyType,
  type CurveName,
  type KeySpec,
  type KeyType,
  type KeyUsageFlags,
  type SecretKeySpec,
  type TokenKeyFlags,
  type TokenKeyInfo,
} from "../../signer/types";

export interface CreateKeyInput {
  label: string;
  algorithm: string;
  keySize?: number | null;
  curveOid?: string | null;
  attributes?: Record<string, boolean | null | undefined> | null;
  policy?: unknown;
  /** The TSB key password (already joined from its characters); empty or absent: none. */
  password?: string | null;
}

export interface KeyPlan {
  label: string;
  spec: KeySpec;
  flags: KeyUsageFlags;
  policy: unknown;
}

/**
 * The private key is sensitive, not extractable and not modifiable unless the caller asks;
 * it can sign, and nothing else, by default. An AES key encrypts and decrypts by default
 * instead (see defaultFlags).
 */
export const DEFAULT_FLAGS: KeyUsageFlags = {
  sign: true,
  decrypt: false,
  unwrap: false,
  derive: false,
  extractable: false,
  modifiable: false,
  destroyable: true,
  sensitive: true,
  copyable: false,
};

/** Public-key counterparts the TSB also accepts; they follow from sign, decrypt and unwrap. */
const IMPLIED = new Set(["verify", "encrypt", "wrap"]);
/** Wallet derivation schemes of the TSB that Signet does not offer; accepted only as false. */
const UNSUPPORTED_WHEN_TRUE = new Set(["bip32", "slip10", "ekaSign"]);

export const RSA_KEY_SIZES = [2048, 3072, 4096] as const;
export const AES_KEY_SIZES = [128, 192, 256] as const;
export const DSA_KEY_SIZES = [2048, 3072] as const;
/** TDEA is three-key triple DES only: 24 bytes (168 effective bits). The TSB sends no keySize for it. */
export const TDEA_KEY_SIZES = [192, 168] as const;

export function defaultFlags(type: KeyType): KeyUsageFlags {
  return type === "AES" || type === "TDEA" ? { ...DEFAULT_FLAGS, sign: false, decrypt: true } : { ...DEFAULT_FLAGS };
}

/**
 * The usages each key type has in Signet. A TSB client sends the same attribute set for every
 * key type (the Go client's tests ask every key to sign, decrypt and unwrap, and the Vault plugin
 * lets users do the same), and the TSB accepts it; so does Signet, setting only the usages the key
 * type has. The key's answer shows the attributes it really has.
 */
const USAGES: Record<string, readonly (keyof KeyUsageFlags)[]> = {
  RSA: ["sign", "decrypt", "unwrap"],
  EC: ["sign", "derive"],
  ED: ["sign"],
  DSA: ["sign"],
  AES: ["decrypt", "unwrap"],
  TDEA: ["decrypt"],
  HMAC: ["sign"],
};
const USAGE_FLAGS = new Set<keyof KeyUsageFlags>(["sign", "decrypt", "unwrap", "derive"]);

function usagesOf(type: KeyType): readonly (keyof KeyUsageFlags)[] {
  return USAGES[isHmacAlgorithm(type) ? "HMAC" : type]!;
}

const LABEL_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._@+:=~,()'-]{0,127}$/u;

export function checkNewLabel(label: string): void {
  if (!LABEL_PATTERN.test(label) || label.endsWith(" ")) {
    throw new SignetError(
      "invalidKeyName",
      "a key label is 1 to 128 characters: letters, digits, spaces and . _ @ + : = ~ , ( ) ' - , starting with a letter or digit",
    );
  }
}

/**
 * Keys Signet keeps on the token for itself (the audit log's signing and HMAC keys). Their
 * labels cannot be created through the API (a label starts with a letter or digit), and the
 * key service never adopts, lists, describes, deletes or signs with them.
 */
export const INTERNAL_LABEL_PREFIX = "_signet-";

export function isInternalLabel(label: string): boolean {
  return label.startsWith(INTERNAL_LABEL_PREFIX);
}

/** Labels looked up (not created) may be anything a token holds, short of control characters. */
export function checkLookupLabel(label: string): void {
  if (label.length === 0 || label.length > 255 || /[\u0000-\u001f\u007f]/.test(label)) {
    throw new SignetError("invalidKeyName", "a key label is 1 to 255 characters without control characters");
  }
}

export function keySpec(input: Pick<CreateKeyInput, "algorithm" | "keySize" | "curveOid">): KeySpec {
  switch (input.algorithm) {
    case "RSA": {
      const size = input.keySize;
      if (!RSA_KEY_SIZES.includes(size as (typeof RSA_KEY_SIZES)[number])) {
        throw new SignetError("unsupportedKeySize", `RSA keys are ${RSA_KEY_SIZES.join(", ")} bits; keySize was ${size ?? "missing"}`);
      }
      return { type: "RSA", bits: size as 2048 | 3072 | 4096 };
    }
    case "EC": {
      const curve = input.curveOid ? curveByOid(input.curveOid) : undefined;
      if (!curve || curve.name === "Ed25519") {
        const known = CURVES.filter((c) => c.name !== "Ed25519").map((c) => `${c.name} ${c.oid}`);
        throw new SignetError("inputValidation", `EC keys need curveOid, one of: ${known.join(", ")}`);
      }
      return { type: "EC", curve: curve.name };
    }
    case "ED":
      if (input.curveOid && input.curveOid !== "1.3.101.112") {
        throw new SignetError("inputValidation", "ED keys are Ed25519: curveOid is 1.3.101.112 or absent");
      }
      return { type: "ED", curve: "Ed25519" };
    case "DSA": {
      const size = input.keySize;
      if (!DSA_KEY_SIZES.includes(size as (typeof DSA_KEY_SIZES)[number])) {
        throw new SignetError("unsupportedKeySize", `DSA keys are ${DSA_KEY_SIZES.join(", ")} bits; keySize was ${size ?? "missing"}`);
      }
      return { type: "DSA", bits: size as 2048 | 3072 };
    }
    case "AES": {
      const size = input.keySize;
      if (!AES_KEY_SIZES.includes(size as (typeof AES_KEY_SIZES)[number])) {
        throw new SignetError("unsupportedKeySize", `AES keys are ${AES_KEY_SIZES.join(", ")} bits; keySize was ${size ?? "missing"}`);
      }
      return { type: "AES", bits: size as 128 | 192 | 256 };
    }
    case "TDEA": {
      const size = input.keySize;
      if (size !== undefined && size !== null && size !== 0 && !TDEA_KEY_SIZES.includes(size as (typeof TDEA_KEY_SIZES)[number])) {
        throw new SignetError("unsupportedKeySize", `TDEA keys are three-key triple DES (192 bits, 168 effective; or no keySize); keySize was ${size}`);
      }
      return { type: "TDEA", bits: 192 };
    }
    default: {
      const algorithm = input.algorithm;
      if (isHmacAlgorithm(algorithm)) {
        // The key is as long as the hash's output (RFC 2104's minimum, and SoftHSM's).
        const bits = HMAC_BYTES[algorithm] * 8;
        if (input.keySize !== undefined && input.keySize !== null && input.keySize !== bits) {
          throw new SignetError("unsupportedKeySize", `${algorithm} keys are ${bits} bits; keySize was ${input.keySize}`);
        }
        return { type: algorithm, bytes: HMAC_BYTES[algorithm] };
      }
      throw new SignetError(
        "invalidKeyType",
        `key algorithm "${algorithm}" is not supported (RSA, EC, ED, DSA, AES, TDEA, HMACSHA256, HMACSHA384, HMACSHA512)`,
      );
    }
  }
}

export function usageFlags(type: KeyType, attributes: CreateKeyInput["attributes"]): KeyUsageFlags {
  const flags = defaultFlags(type);
  const usages = usagesOf(type);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined) continue;
    if (typeof value !== "boolean") throw new SignetError("keyAttributesInvalid", `attribute ${name} must be true or false`);
    if (name in flags) flags[name as keyof KeyUsageFlags] = value;
    else if (UNSUPPORTED_WHEN_TRUE.has(name)) {
      if (value) throw new SignetError("keyAttributesInvalid", `attribute ${name} is not supported`);
    } else if (!IMPLIED.has(name)) {
      throw new SignetError("keyAttributesInvalid", `unknown key attribute ${name}`);
    }
  }
  // A usage the key type has no use for is not set on the token (see USAGES).
  for (const usage of USAGE_FLAGS) if (!usages.includes(usage)) flags[usage] = false;
  return flags;
}

export function planKey(input: CreateKeyInput): KeyPlan {
  checkNewLabel(input.label);
  const spec = keySpec(input);
  return { label: input.label, spec, flags: usageFlags(spec.type, input.attributes), policy: input.policy ?? null };
}

export function isSecretKeySpec(spec: KeySpec): spec is SecretKeySpec {
  return isSecretKeyType(spec.type);
}

/** The spec a new version of a key is made with: the current version's type and size or curve. */
export function specOf(info: TokenKeyInfo, storedBits: number | null): KeySpec {
  switch (info.type) {
    case "RSA":
      return { type: "RSA", bits: info.bits as 2048 | 3072 | 4096 };
    case "EC":
      return { type: "EC", curve: info.curve as Exclude<CurveName, "Ed25519"> };
    case "ED":
      return { type: "ED", curve: "Ed25519" };
    case "DSA":
      return { type: "DSA", bits: info.bits as 2048 | 3072 };
    case "AES": {
      // A key SoftHSM unwrapped reports no length; the stored one (or AES-256) stands in.
      const bits = info.bits || storedBits || 256;
      return { type: "AES", bits: bits as 128 | 192 | 256 };
    }
    case "TDEA":
      return { type: "TDEA", bits: 192 };
    default:
      return { type: info.type, bytes: HMAC_BYTES[info.type] };
  }
}

export function usageOf(flags: TokenKeyFlags): KeyUsageFlags {
  const { sign, decrypt, unwrap, derive, extractable, modifiable, destroyable, sensitive, copyable } = flags;
  return { sign, decrypt, unwrap, derive, extractable, modifiable, destroyable, sensitive, copyable };
}
