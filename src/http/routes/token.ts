/**
 * The token service: POST /v1/token/jwt mints a JWT signed by a named HSM key; the JWK set
 * at GET /.well-known/jwks.json (no authentication) publishes the keys marked for it and
 * Signet's own bearer-token key; PUT and DELETE /v1/token/jwks/{label} mark and unmark a key.
 */
import { Elysia } from "elysia";
import type { TokenService } from "../../domain/tokens/token-service";
import type { authPlugin } from "../auth";
import { withErrors } from "../docs";
import { passwordOf } from "../password";
import { JwkSet, MintBody, MintResponse, PublicationResponse, PublishParams } from "./token.model";

const TAGS = ["Tokens"];

export function tokenRoutes(auth: ReturnType<typeof authPlugin>, tokens: TokenService) {
  return new Elysia({ name: "signet.routes.token" })
    .use(auth)
    .post(
      "/v1/token/jwt",
      async ({ body, context }) => {
        const minted = await tokens.mint(
          {
            signKeyName: body.signKeyName,
            algorithm: body.algorithm as never,
            claims: body.claims as Record<string, unknown>,
            ttlSeconds: body.ttlSeconds ?? null,
            keyPassword: passwordOf(body.keyPassword, "keyPassword"),
          },
          context,
        );
        return { token: minted.token, kid: minted.kid, issuedAt: minted.issuedAt, expiresAt: minted.expiresAt };
      },
      {
        role: { role: "keyOperation", scope: "token:sign" },
        parse: "json",
        body: MintBody,
        response: withErrors(MintResponse, "The signed token."),
        detail: {
          tags: TAGS,
          operationId: "mintJwt",
          summary: "Mint a JWT signed by an HSM key",
          description:
            "Signs the claims with the named key, with iat and exp set from ttlSeconds and the key's thumbprint as kid. " +
            "Verify it against GET /.well-known/jwks.json once the key is published. Role keyOperation, scope token:sign.",
        },
      },
    )
    .get(
      "/.well-known/jwks.json",
      ({ set }) => {
        set.headers["cache-control"] = "public, max-age=300";
        return tokens.jwks();
      },
      {
        response: JwkSet,
        detail: {
          tags: TAGS,
          operationId: "jwks",
          summary: "The public JWK set (no authentication)",
          description: "Every version of every key marked for publication, and Signet's own bearer-token key.",
          security: [],
        },
      },
    )
    .put(
      "/v1/token/jwks/:label",
      async ({ params, context }) => {
        await tokens.publish(params.label, context);
        return { label: params.label, published: true };
      },
      {
        role: { role: "keyManagement", scope: "token:publish" },
        params: PublishParams,
        response: withErrors(PublicationResponse, "The key is in the JWK set."),
        detail: { tags: TAGS, operationId: "publishKey", summary: "Publish a key in the JWK set", description: "Role keyManagement, scope token:publish." },
      },
    )
    .delete(
      "/v1/token/jwks/:label",
      async ({ params, context }) => {
        await tokens.withdraw(params.label, context);
        return { label: params.label, published: false };
      },
      {
        role: { role: "keyManagement", scope: "token:publish" },
        params: PublishParams,
        response: withErrors(PublicationResponse, "The key is no longer in the JWK set."),
        detail: { tags: TAGS, operationId: "withdrawKey", summary: "Take a key out of the JWK set", description: "Role keyManagement, scope token:publish." },
      },
    );
}
