/** Request and response schemas of the signing routes, in the Securosys TSB shape. */
import { t } from "elysia";
import { ResponseInteger } from "../docs";
import { SIGNATURE_ALGORITHMS } from "../../signer/algorithms";

const ALGORITHM_NAMES = [...SIGNATURE_ALGORITHMS.keys()];

/** A TSB key password: an array of one-character strings, a string, or null. */
export const KeyPassword = t.Optional(
  t.Union([t.Array(t.String(), { maxItems: 1024 }), t.String({ maxLength: 1024 }), t.Null()], {
    description:
      "Password of the key, as the TSB sends it (an array of one-character strings; a string is taken too). Required, and must match, " +
      "when the key has a password; refused when it has none (403, errorCode 620). Absent, null or empty: no password.",
  }),
);

const signatureAlgorithm = t.String({
  maxLength: 64,
  enum: ALGORITHM_NAMES,
  description:
    "Signature algorithm. RSA: SHA*_WITH_RSA (PKCS#1 v1.5), SHA*_WITH_RSA_PSS (salt = hash length, MGF1 with the same hash), " +
    "NONESHA*_WITH_RSA[_PSS] (payload is the digest), NONE_WITH_RSA (payload signed as given with PKCS#1 v1.5 type-1 padding, no " +
    "DigestInfo added: normally the caller's DigestInfo), NONE_WITH_RSA_PSS (payload is a SHA-1 or SHA-2 digest; its length names the " +
    "hash, MGF1 and salt length). EC: SHA1|SHA224|SHA256|SHA384|SHA512_WITH_ECDSA, SHA3224|SHA3256|SHA3384|SHA3512_WITH_ECDSA, " +
    "KECCAK224|KECCAK256|KECCAK384|KECCAK512_WITH_ECDSA (original Keccak padding, as Ethereum), DOUBLE_SHA256_WITH_ECDSA " +
    "(SHA-256 of SHA-256), NONE_WITH_ECDSA (payload is the digest), SHA256_WITH_ECDSA_DETERMINISTIC (RFC 6979; only on a token whose " +
    "ECDSA is deterministic, otherwise 400 with errorCode 681). DSA: SHA1|SHA224|SHA256|SHA384|SHA512_WITH_DSA, NONE_WITH_DSA (payload " +
    "is a 20 to 64-byte digest). Ed25519: EDDSA. An algorithm the token cannot serve answers 400 with errorCode 681 naming the " +
    "missing mechanism; GET /v1/keystore/statistics lists what this token serves.",
  examples: ["SHA256_WITH_ECDSA"],
});

export const SignBody = t.Object({
  signRequest: t.Object({
    payload: t.String({ description: "Data to sign, base64.", examples: ["UGF5bG9hZA=="] }),
    signKeyName: t.String({ minLength: 1, maxLength: 255, description: "Label of the key.", examples: ["payments-ec"] }),
    signatureAlgorithm,
    signatureType: t.Optional(
      t.Union([t.Literal("DER"), t.Literal("RAW"), t.Null()], {
        description: "ECDSA and DSA signature encoding: DER (default, RFC 3279) or RAW (r‖s). Other algorithms ignore it.",
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
        keyPassword: KeyPassword,
      }),
    ),
  },
  { description: "Exactly one of verifySignatureRequest and verifyHmacRequest." },
);

export const VerifyResponse = t.Object({
  signatureValid: t.Boolean({ description: "Whether the signature verifies under the key." }),
});

const Histogram = (what: string) =>
  t.Object(
    {
      count: ResponseInteger({ description: "Single signatures (synchronousSign, minted JWTs) counted since start." }),
      atMostMs: t.Array(
        t.Object({
          le: t.Union([t.Number(), t.Null()], { description: "Upper bound of the bucket in ms (null: slower than every bound)." }),
          count: ResponseInteger({ description: "Signatures whose part took at most `le` ms, since start (cumulative, as Prometheus histograms)." }),
        }),
        { description: "Buckets growing by √2 from 0.125 to 128 ms." },
      ),
    },
    { description: what },
  );

export const SigningTimingResponse = t.Object({
  signer: Histogram("from handing the operation to the signer until its signature came back: the pool's queue, the Worker hop, the token"),
  audit: Histogram("from the signature until its audit record was durable: the hand-off to the audit writer and the commits waited for"),
});
