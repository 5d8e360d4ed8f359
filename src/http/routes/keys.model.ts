/** Request and response schemas of the key routes, in the Securosys TSB shape. */
import { t } from "elysia";
import { KeyPassword } from "./signing.model";

const attributeFlag = t.Optional(t.Union([t.Boolean(), t.Null()]));

export const KEY_ALGORITHMS = ["RSA", "EC", "ED", "AES", "HMACSHA256", "HMACSHA384", "HMACSHA512"];

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
      "PKCS#11 attributes of the private (or secret) key. Defaults: sign true (AES keys: decrypt true instead), sensitive true, " +
      "destroyable true, everything else false. encrypt, verify and wrap are accepted and follow from decrypt, sign and unwrap.",
    additionalProperties: t.Union([t.Boolean(), t.Null()]),
  },
);

export const CreateKeyBody = t.Object({
  label: t.String({ minLength: 1, maxLength: 255, description: "Label of the new key; unique.", examples: ["payments-ec"] }),
  algorithm: t.String({
    maxLength: 32,
    enum: KEY_ALGORITHMS,
    description:
      "Key type: RSA, EC, ED (key pairs), AES, or an HMAC key HMACSHA256 / HMACSHA384 / HMACSHA512 (a generic secret bound to that HMAC).",
    examples: ["EC"],
  }),
  keySize: t.Optional(
    t.Union([t.Integer(), t.Null()], {
      description: "RSA modulus bits: 2048, 3072 or 4096. AES key bits: 128, 192 or 256. HMAC keys are as long as the hash (absent or 256 / 384 / 512).",
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
  password: KeyPassword,
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
  version: t.Integer(),
  keyVersion: t.String({ examples: ["v1"] }),
  createTime: t.String(),
  publicKey: t.Union([t.String(), t.Null()]),
});

export const KeyJson = t.Object({
  label: t.String(),
  id: t.Null({ description: "Always null, as in the TSB." }),
  algorithm: t.String({ examples: ["EC"], description: "RSA, EC, ED, AES, HMACSHA256, HMACSHA384 or HMACSHA512." }),
  algorithmOid: t.String({ examples: ["1.2.840.10045.2.1"] }),
  curveOid: t.Union([t.String(), t.Null()]),
  keySize: t.Union([t.Integer(), t.Null()]),
  createTime: t.String({ examples: ["2026-11-23T17:10:03Z"] }),
  publicKey: t.Union([t.String({ description: "DER SubjectPublicKeyInfo, base64 (null for secret keys)." }), t.Null()]),
  addressTruncated: t.Null(),
  attributes: KeyAttributesOutput,
  policy: t.Unknown(),
  keyVersion: t.String({ description: "Current version (Signet extension).", examples: ["v1"] }),
  versions: t.Array(KeyVersionOutput, { description: "All versions (Signet extension)." }),
  minimumVersion: t.String({ description: "Versions below this one are refused (Signet extension).", examples: ["v1"] }),
  blocked: t.Boolean({ description: "A blocked key refuses every operation until unblocked (Signet extension; also in policy.keyStatus.blocked when the policy has a keyStatus)." }),
});

export const KeyResponse = t.Object({ json: KeyJson });

export const KeyLabels = t.Array(t.String(), { examples: [["payments-ec", "invoices-rsa"]] });

export const LabelParams = t.Object({ label: t.String({ minLength: 1, maxLength: 255 }) });

const base64Field = (description: string) => t.Optional(t.Union([t.String({ description }), t.Null()]));

export const ImportKeyBody = t.Object({
  label: t.String({ minLength: 1, maxLength: 255, description: "Label of the new key; unique.", examples: ["imported-aes"] }),
  algorithm: t.String({ maxLength: 32, enum: KEY_ALGORITHMS, description: "Key type, as for POST /v1/key.", examples: ["AES"] }),
  privateKey: base64Field("RSA, EC or ED keys: the private key as DER PKCS#8 PrivateKeyInfo, base64."),
  publicKey: base64Field("Optional beside privateKey: its DER SubjectPublicKeyInfo, base64; refused when it is not the private key's."),
  secretKey: base64Field("AES keys (16, 24 or 32 bytes) and HMAC keys (the hash's length to 128 bytes): the raw key, base64."),
  certificate: base64Field("Beside privateKey: an X.509 certificate for it (PEM, or base64 DER), stored beside the key; refused when it is not the key's."),
  attributes: t.Optional(t.Union([KeyAttributesInput, t.Null()])),
  policy: t.Optional(t.Unknown({ description: "TSB key policy; stored and returned as given." })),
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
