/** Request and response schemas of the token service (JWTs minted with HSM keys, and the JWK set). */
import { t } from "elysia";
import { ResponseInteger } from "../docs";
import { JWS_ALGORITHM_NAMES } from "../../domain/tokens/jws";
import { KeyPassword } from "./signing.model";

export const MintBody = t.Object({
  signKeyName: t.String({ minLength: 1, maxLength: 255, description: "Label of the key that signs the token.", examples: ["payments-ec"] }),
  algorithm: t.String({
    enum: [...JWS_ALGORITHM_NAMES],
    description:
      "JWS algorithm: RS256 or PS256 (RSA keys of 2048 bits or more), ES256 (P-256), ES384 (P-384), ES256K (secp256k1), EdDSA (Ed25519). " +
      "ECDSA signatures are the raw r‖s the JWS format requires.",
    examples: ["ES256"],
  }),
  // Unknown: the token service checks it is an object. t.Object or t.Record would let Elysia turn [1] into {"0": 1}.
  claims: t.Unknown({
    description: "The JWT claims, a JSON object. iat and exp are set by Signet (from ttlSeconds) and may not be given; kid goes in the header.",
    examples: [{ sub: "user-42", aud: "payments", scope: "transfer" }],
  }),
  ttlSeconds: t.Optional(
    t.Union([t.Integer({ minimum: 1 }), t.Null()], {
      description: "Life of the token in seconds (default 300, at most SIGNET_JWT_MAX_TTL_SECONDS).",
      examples: [600],
    }),
  ),
  keyPassword: KeyPassword,
});

export const MintResponse = t.Object({
  token: t.String({ description: "The compact JWS: header.claims.signature, base64url." }),
  kid: t.String({ description: "The key id in the header: the RFC 7638 thumbprint of the key's public key." }),
  issuedAt: ResponseInteger({ description: "iat, seconds since the epoch." }),
  expiresAt: ResponseInteger({ description: "exp, seconds since the epoch." }),
});

const Jwk = t.Object(
  {
    kty: t.String({ examples: ["EC"] }),
    kid: t.String(),
    use: t.Literal("sig"),
    alg: t.Optional(t.String({ examples: ["ES256"] })),
    crv: t.Optional(t.String()),
    x: t.Optional(t.String()),
    y: t.Optional(t.String()),
    n: t.Optional(t.String()),
    e: t.Optional(t.String()),
  },
  { description: "A public key (RFC 7517). RSA keys carry no alg: they verify both RS256 and PS256." },
);

export const JwkSet = t.Object({ keys: t.Array(Jwk) });

export const PublicationResponse = t.Object({
  label: t.String(),
  published: t.Boolean({ description: "Whether the key is now in the JWK set." }),
});

export const PublishParams = t.Object({ label: t.String({ minLength: 1, maxLength: 255 }) });
