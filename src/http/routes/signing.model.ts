/** Request and response schemas of the signing routes, in the Securosys TSB shape. */
import { t } from "elysia";
import { SIGNATURE_ALGORITHMS } from "../../signer/algorithms";

const ALGORITHM_NAMES = [...SIGNATURE_ALGORITHMS.keys()];

/** A TSB key password: an array of one-character strings, a string, or null. */
export const KeyPassword = t.Optional(
  t.Union([t.Array(t.String(), { maxItems: 1024 }), t.String({ maxLength: 1024 }), t.Null()], {
    description: "Password of the key, as the TSB sends it (an array of one-character strings).",
  }),
);

const signatureAlgorithm = t.String({
  maxLength: 64,
  enum: ALGORITHM_NAMES,
  description:
    "Signature algorithm. RSA: SHA*_WITH_RSA (PKCS#1 v1.5), SHA*_WITH_RSA_PSS (salt = hash length, MGF1 with the same hash), " +
    "NONESHA*_WITH_RSA[_PSS] (payload is the digest), NONE_WITH_RSA (payload is the DigestInfo). EC: SHA*_WITH_ECDSA, " +
    "NONE_WITH_ECDSA (payload is the digest). Ed25519: EDDSA.",
  examples: ["SHA256_WITH_ECDSA"],
});

export const SignBody = t.Object({
  signRequest: t.Object({
    payload: t.String({ description: "Data to sign, base64.", examples: ["UGF5bG9hZA=="] }),
    signKeyName: t.String({ minLength: 1, maxLength: 255, description: "Label of the key.", examples: ["payments-ec"] }),
    signatureAlgorithm,
    signatureType: t.Optional(
      t.Union([t.Literal("DER"), t.Literal("RAW"), t.Null()], {
        description: "ECDSA signature encoding: DER (default, RFC 3279) or RAW (r‖s). Other algorithms ignore it.",
      }),
    ),
    payloadType: t.Optional(t.Union([t.String({ maxLength: 32 }), t.Null()], { description: "Accepted and ignored (TSB: UNSPECIFIED)." })),
    keyPassword: KeyPassword,
  }),
});

export const SignResponse = t.Object({
  signature: t.String({ description: "The signature, base64.", examples: ["MEUCIQDq8...=="] }),
  keyVersion: t.String({ description: "Version of the key that signed.", examples: ["v1"] }),
});

/** Signet extension: the key version to verify with, where the TSB body has no such field. */
const verifyKeyVersion = t.Optional(
  t.Union([t.String({ maxLength: 16, description: "Key version that made the signature or MAC (\"v1\"); default: the current version. Signet extension.", examples: ["v1"] }), t.Null()]),
);

export const VerifyBody = t.Object(
  {
    verifySignatureRequest: t.Optional(
      t.Object({
        signKeyName: t.String({ minLength: 1, maxLength: 255 }),
        signatureAlgorithm,
        payload: t.String({ description: "The signed data, base64." }),
        signature: t.String({ description: "The signature, base64 (ECDSA: DER, or r‖s)." }),
        masterKeyPassword: KeyPassword,
        keyVersion: verifyKeyVersion,
      }),
    ),
    verifyHmacRequest: t.Optional(
      t.Object({
        keyName: t.String({ minLength: 1, maxLength: 255, description: "Label of the HMAC key." }),
        payload: t.String({ description: "The data, base64." }),
        signature: t.String({ description: "The keyed hash to check, base64." }),
        keyVersion: verifyKeyVersion,
      }),
    ),
  },
  { description: "Exactly one of verifySignatureRequest and verifyHmacRequest." },
);

export const VerifyResponse = t.Object({
  signatureValid: t.Boolean({ description: "Whether the signature verifies under the key." }),
});
