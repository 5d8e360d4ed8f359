/** Request and response schemas of the key routes, in the Securosys TSB shape. */
import { t } from "elysia";
import { ResponseInteger } from "../docs";
import { KeyPassword } from "./signing.model";

const attributeFlag = t.Optional(t.Union([t.Boolean(), t.Null()]));

export const KEY_ALGORITHMS = ["RSA", "EC", "ED", "DSA", "AES", "TDEA", "HMACSHA256", "HMACSHA384", "HMACSHA512"];

export const KeyAttributesInput = t.Object(
  {
    sign: attributeFlag,
    decrypt: attributeFlag,
    unwrap: attributeFlag,
    derive: attributeFlag,
    extractable: attributeFlag,
    modifiable: attributeFlag,
    destroyable: attributeFlag,
    sensitive: attributeFlag,
    copyable: attributeFlag,
  },
  {
    description:
      "PKCS#11 attributes of the private (or secret) key. Defaults: sign true (AES and TDEA keys: decrypt true instead), sensitive true, " +
      "destroyable true, everything else false. encrypt, verify and wrap are accepted and follow from decrypt, sign and unwrap. A usage " +
      "the key type has no use for (decrypt or unwrap on EC, ED, DSA and HMAC keys, sign on AES and TDEA keys, derive on all but EC) is " +
      "accepted, as the TSB accepts it, and not set: the answer shows the key's real attributes.",
    additionalProperties: t.Union([t.Boolean(), t.Null()]),
  },
);

export const CreateKeyBody = t.Object({
  label: t.String({ minLength: 1, maxLength: 255, description: "Label of the new key; unique.", examples: ["payments-ec"] }),
  algorithm: t.String({
    maxLength: 32,
    enum: KEY_ALGORITHMS,
    description:
      "Key type: RSA, EC, ED, DSA (key pairs), AES, TDEA (three-key triple DES), or an HMAC key HMACSHA256 / HMACSHA384 / HMACSHA512 " +
      "(a generic secret bound to that HMAC).",
    examples: ["EC"],
  }),
  keySize: t.Optional(
    t.Union([t.Integer(), t.Null()], {
      description:
        "RSA modulus bits: 2048, 3072 or 4096. DSA prime bits: 2048 or 3072 (fresh domain parameters from the token, 256-bit q). AES key " +
        "bits: 128, 192 or 256. TDEA: absent (as the TSB sends it), 0, 168 or 192; always three-key. HMAC keys are as long as the hash " +
        "(absent or 256 / 384 / 512).",
      examples: [2048],
    }),
  ),
  curveOid: t.Optional(
    t.Union([t.String({ maxLength: 64 }), t.Null()], {
      description:
        "EC curve: 1.2.840.10045.3.1.7 (P-256), 1.3.132.0.34 (P-384), 1.3.132.0.35 (P-521), 1.3.132.0.10 (secp256k1). ED: 1.3.101.112 (Ed25519) or absent.",
      examples: ["1.2.840.10045.3.1.7"],
    }),
  ),
  attributes: t.Optional(t.Union([KeyAttributesInput, t.Null()])),
  policy: t.Optional(t.Unknown({ description: "TSB key policy; stored and returned as given." })),
  password: t.Optional(
    t.Union([t.Array(t.String(), { maxItems: 1024 }), t.String({ maxLength: 1024 }), t.Null()], {
      description:
        "Password of the new key, as the TSB sends it (an array of one-character strings; a string is taken too). Every later operation " +
        "on the key must give it (403, errorCode 620 otherwise). Absent, null or empty: no password. Only an scrypt hash is stored.",
      examples: [["R", "E", "P", "L", "A", "C", "E"]],
    }),
  ),
});

export const KeyAttributesOutput = t.Object({
  decrypt: t.Boolean(),
  sign: t.Boolean(),
  ekaSign: t.Null(),
  unwrap: t.Boolean(),
  derive: t.Boolean(),
  sensitive: t.Boolean(),
  alwaysSensitive: t.Boolean(),
  extractable: t.Boolean(),
  neverExtractable: t.Boolean(),
  modifiable: t.Boolean(),
  copyable: t.Boolean(),
  destroyable: t.Boolean(),
});

export const KeyVersionOutput = t.Object({
  version: ResponseInteger(),
  keyVersion: t.String({ examples: ["v1"] }),
  createTime: t.String(),
  publicKey: t.Union([t.String(), t.Null()]),
});

export const KeyJson = t.Object({
  label: t.String(),
  id: t.Null({ description: "Always null, as in the TSB." }),
  algorithm: t.String({ examples: ["EC"], description: "RSA, EC, ED, DSA, AES, TDEA, HMACSHA256, HMACSHA384 or HMACSHA512." }),
  algorithmOid: t.String({ examples: ["1.2.840.10045.2.1"] }),
  curveOid: t.Union([t.String(), t.Null()]),
  keySize: t.Union([ResponseInteger(), t.Null()]),
  createTime: t.String({ examples: ["2026-11-23T17:10:03Z"] }),
  publicKey: t.Union([t.String({ description: "DER SubjectPublicKeyInfo, base64 (null for secret keys)." }), t.Null()]),
  addressTruncated: t.Null(),
  attributes: KeyAttributesOutput,
  policy: t.Unknown(),
  keyVersion: t.String({ description: "Current version (Signet extension).", examples: ["v1"] }),
  versions: t.Array(KeyVersionOutput, { description: "All versions (Signet extension)." }),
  minimumVersion: t.String({ description: "Versions below this one are refused (Signet extension).", examples: ["v1"] }),
  blocked: t.Boolean({ description: "A blocked key refuses every operation until unblocked (Signet extension; also in policy.keyStatus.blocked when the policy has a keyStatus)." }),
  passwordProtected: t.Boolean({ description: "The key has a password that every operation must give (Signet extension)." }),
});

export const KeyResponse = t.Object({ json: KeyJson });

/** The TSB's answer to reading a key: the json object and the same attributes as signed XML. */
export const KeyAttributesResponse = t.Object({
  json: KeyJson,
  xml: t.String({ description: "The key's attributes as XML (UTF-8), read from the token at the time of the request." }),
  xmlSignature: t.String({ description: "DER ECDSA-SHA256 signature over the XML's UTF-8 bytes by the attestation key, base64. Check it with the key from GET /v1/attestation/publicKey." }),
  attestationKeyName: t.String({ description: "Label of the attestation key in the token.", examples: ["_signet-attestation"] }),
});

export const KeyWithPasswordBody = t.Object({
  label: t.String({ minLength: 1, maxLength: 255, description: "Label of the key.", examples: ["payments-ec"] }),
  password: KeyPassword,
});

export const ChangePasswordBody = t.Object({
  label: t.String({ minLength: 1, maxLength: 255, description: "Label of the key; it must be modifiable.", examples: ["payments-ec"] }),
  password: KeyPassword,
  newPassword: t.Optional(
    t.Union([t.Array(t.String(), { maxItems: 1024 }), t.String({ maxLength: 1024 }), t.Null()], {
      description: "The new password, as the TSB sends it (an array of one-character strings). Absent, null or empty: the key has no password afterwards.",
    }),
  ),
});

export const AttestationKeyResponse = t.Object({
  attestationKeyName: t.String({ examples: ["_signet-attestation"] }),
  algorithm: t.String({ description: "How the XML is signed.", examples: ["SHA256_WITH_ECDSA"] }),
  publicKey: t.String({ description: "The attestation key's public key: DER SubjectPublicKeyInfo, base64." }),
  publicKeyPem: t.String({ description: "The same as PEM (for openssl dgst -verify)." }),
});

export const KeyLabels = t.Array(t.String(), { examples: [["payments-ec", "invoices-rsa"]] });

export const LabelParams = t.Object({ label: t.String({ minLength: 1, maxLength: 255 }) });

const base64Field = (description: string) => t.Optional(t.Union([t.String({ description }), t.Null()]));

export const ImportKeyBody = t.Object({
  label: t.String({ minLength: 1, maxLength: 255, description: "Label of the new key; unique.", examples: ["imported-aes"] }),
  algorithm: t.String({ maxLength: 32, enum: KEY_ALGORITHMS, description: "Key type, as for POST /v1/key.", examples: ["AES"] }),
  privateKey: base64Field("RSA, EC or ED keys: the private key as DER PKCS#8 PrivateKeyInfo, base64."),
  publicKey: base64Field("Optional beside privateKey: its DER SubjectPublicKeyInfo, base64; refused when it is not the private key's."),
  secretKey: base64Field("AES keys (16, 24 or 32 bytes), TDEA keys (24 bytes, three different DES keys) and HMAC keys (the hash's length to 128 bytes): the raw key, base64."),
  certificate: base64Field("Beside privateKey: an X.509 certificate for it (PEM, or base64 DER), stored beside the key; refused when it is not the key's."),
  attributes: t.Optional(t.Union([KeyAttributesInput, t.Null()])),
  policy: t.Optional(t.Unknown({ description: "TSB key policy; stored and returned as given." })),
  password: t.Optional(
    t.Union([t.Array(t.String(), { maxItems: 1024 }), t.String({ maxLength: 1024 }), t.Null()], {
      description: "Password of the new key (Signet extension; as on POST /v1/key).",
    }),
  ),
});

export const ExportKeyBody = t.Object({
  label: t.String({ minLength: 1, maxLength: 255, description: "Label of the key.", examples: ["imported-aes"] }),
  password: KeyPassword,
  keyVersion: t.Optional(t.Union([t.String({ maxLength: 16, description: "Version to export (default: current). Signet extension.", examples: ["v1"] }), t.Null()])),
});

export const ExportKeyResponse = t.Object({
  label: t.String(),
  algorithm: t.String({ examples: ["AES"] }),
  keyVersion: t.String({ examples: ["v1"] }),
  privateKey: t.Union([t.String({ description: "DER PKCS#8, base64." }), t.Null()]),
  publicKey: t.Union([t.String({ description: "DER SubjectPublicKeyInfo, base64." }), t.Null()]),
  secretKey: t.Union([t.String({ description: "The raw secret key, base64." }), t.Null()]),
});
