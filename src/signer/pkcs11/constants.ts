/**
 * PKCS#11 numbers Signet uses, from the PKCS#11 2.40 and 3.0 specifications. pkcs11js exports
 * most of the 2.40 ones but none of the 3.0 EdDSA or SHA-3 numbers, so all of them live here
 * in one place instead of half from the package and half by hand.
 */

export const CKO = { CERTIFICATE: 1, PUBLIC_KEY: 2, PRIVATE_KEY: 3, SECRET_KEY: 4, DOMAIN_PARAMETERS: 6 } as const;

export const CKK = { RSA: 0x0, DSA: 0x1, EC: 0x3, GENERIC_SECRET: 0x10, DES3: 0x15, AES: 0x1f, EC_EDWARDS: 0x40 } as const;

/** Certificate types (CKC_*). */
export const CKC = { X_509: 0x0 } as const;

export const CKA = {
  CLASS: 0x0,
  TOKEN: 0x1,
  PRIVATE: 0x2,
  LABEL: 0x3,
  VALUE: 0x11,
  CERTIFICATE_TYPE: 0x80,
  ISSUER: 0x81,
  SERIAL_NUMBER: 0x82,
  KEY_TYPE: 0x100,
  SUBJECT: 0x101,
  ID: 0x102,
  SENSITIVE: 0x103,
  ENCRYPT: 0x104,
  DECRYPT: 0x105,
  WRAP: 0x106,
  UNWRAP: 0x107,
  SIGN: 0x108,
  VERIFY: 0x10a,
  DERIVE: 0x10c,
  MODULUS: 0x120,
  MODULUS_BITS: 0x121,
  PUBLIC_EXPONENT: 0x122,
  PRIVATE_EXPONENT: 0x123,
  PRIME_1: 0x124,
  PRIME_2: 0x125,
  EXPONENT_1: 0x126,
  EXPONENT_2: 0x127,
  COEFFICIENT: 0x128,
  /** DSA domain parameters p, q, g (also on the key objects). */
  PRIME: 0x130,
  SUBPRIME: 0x131,
  BASE: 0x132,
  PRIME_BITS: 0x133,
  VALUE_LEN: 0x161,
  EXTRACTABLE: 0x162,
  NEVER_EXTRACTABLE: 0x164,
  ALWAYS_SENSITIVE: 0x165,
  MODIFIABLE: 0x170,
  COPYABLE: 0x171,
  DESTROYABLE: 0x172,
  EC_PARAMS: 0x180,
  EC_POINT: 0x181,
  /** PKCS#11 2.40: the mechanisms a key may be used with (an array of CK_MECHANISM_TYPE). */
  ALLOWED_MECHANISMS: 0x40000600,
} as const;

export const CKM = {
  RSA_PKCS_KEY_PAIR_GEN: 0x0,
  RSA_PKCS: 0x1,
  RSA_X_509: 0x3,
  RSA_PKCS_OAEP: 0x9,
  RSA_PKCS_PSS: 0xd,
  DSA_KEY_PAIR_GEN: 0x10,
  DSA: 0x11,
  DSA_SHA1: 0x12,
  DSA_SHA224: 0x13,
  DSA_SHA256: 0x14,
  DSA_SHA384: 0x15,
  DSA_SHA512: 0x16,
  SHA1_RSA_PKCS: 0x6,
  SHA1_RSA_PKCS_PSS: 0xe,
  SHA256_RSA_PKCS: 0x40,
  SHA384_RSA_PKCS: 0x41,
  SHA512_RSA_PKCS: 0x42,
  SHA256_RSA_PKCS_PSS: 0x43,
  SHA384_RSA_PKCS_PSS: 0x44,
  SHA512_RSA_PKCS_PSS: 0x45,
  SHA224_RSA_PKCS: 0x46,
  SHA224_RSA_PKCS_PSS: 0x47,
  SHA_1: 0x220,
  SHA224: 0x255,
  SHA256: 0x250,
  SHA256_HMAC: 0x251,
  SHA384: 0x260,
  SHA384_HMAC: 0x261,
  SHA512: 0x270,
  SHA512_HMAC: 0x271,
  DES3_KEY_GEN: 0x131,
  DES3_ECB: 0x132,
  DES3_CBC: 0x133,
  DES3_CBC_PAD: 0x136,
  GENERIC_SECRET_KEY_GEN: 0x350,
  EC_KEY_PAIR_GEN: 0x1040,
  ECDSA: 0x1041,
  ECDSA_SHA1: 0x1042,
  ECDSA_SHA224: 0x1043,
  ECDSA_SHA256: 0x1044,
  ECDSA_SHA384: 0x1045,
  ECDSA_SHA512: 0x1046,
  EC_EDWARDS_KEY_PAIR_GEN: 0x1055,
  EDDSA: 0x1057,
  AES_KEY_GEN: 0x1080,
  AES_CBC: 0x1082,
  AES_CBC_PAD: 0x1085,
  AES_CTR: 0x1086,
  AES_GCM: 0x1087,
  AES_KEY_WRAP: 0x2109,
  AES_KEY_WRAP_PAD: 0x210a,
  DSA_PARAMETER_GEN: 0x2000,
  /** PKCS#11 3.0 SHA-3 digests and their ECDSA combinations (Signet hashes in the service when a token lacks them). */
  SHA3_256: 0x2b0,
  SHA3_224: 0x2b5,
  SHA3_384: 0x2c0,
  SHA3_512: 0x2d0,
  ECDSA_SHA3_224: 0x1047,
  ECDSA_SHA3_256: 0x1048,
  ECDSA_SHA3_384: 0x1049,
  ECDSA_SHA3_512: 0x104a,
} as const;

/** Mask generation functions for RSA-PSS (CKG_MGF1_*). */
export const CKG = { MGF1_SHA1: 1, MGF1_SHA256: 2, MGF1_SHA384: 3, MGF1_SHA512: 4, MGF1_SHA224: 5 } as const;

export const CKF = {
  RW_SESSION: 0x2,
  SERIAL_SESSION: 0x4,
  OS_LOCKING_OK: 0x2,
  TOKEN_INITIALIZED: 0x400,
  USER_PIN_INITIALIZED: 0x8,
} as const;

export const CKU = { SO: 0, USER: 1 } as const;

/** pkcs11js's tag for the CK_RSA_PKCS_PSS_PARAMS structure (its CK_PARAMS_RSA_PSS). */
export const CK_PARAMS_RSA_PSS = 5;

/** pkcs11js's tag for CK_RSA_PKCS_OAEP_PARAMS (its CK_PARAMS_RSA_OAEP). */
export const CK_PARAMS_RSA_OAEP = 4;

/**
 * pkcs11js's tag for the PKCS#11 2.40 CK_GCM_PARAMS (with ulIvBits), the layout SoftHSM 2.6
 * and current HSMs read (its CK_PARAMS_AES_GCM_v240).
 */
export const CK_PARAMS_GCM = 7;

/** Source of the OAEP encoding parameter: CKZ_DATA_SPECIFIED (an empty label here). */
export const CKZ_DATA_SPECIFIED = 1;

const MECHANISM_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(CKM).map(([name, value]) => [value, `CKM_${name}`]),
);

export function mechanismName(mechanism: number): string {
  return MECHANISM_NAMES[mechanism] ?? `CKM_0x${mechanism.toString(16)}`;
}
