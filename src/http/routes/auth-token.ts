/**
 * POST /v1/auth/token: a client exchanges its API key or ticket (or client certificate) for a
 * short-lived bearer token, in the shape of an OAuth 2.0 token response (RFC 6749 5.1). A
 * bearer token cannot be exchanged for another, so a stolen token cannot be kept alive.
 */
import { Elysia, t } from "elysia";
import type { AccessService } from "../../domain/access";
import type { authPlugin } from "../auth";
import { ResponseInteger, withErrors } from "../docs";

const TokenRequest = t.Union(
  [
    t.Object({
      scopes: t.Optional(
        t.Array(t.String({ maxLength: 64 }), {
          maxItems: 64,
          description: "Ask for fewer scopes than the client holds (least privilege). Default: all of them.",
          examples: [["key:sign"]],
        }),
      ),
      ttlSeconds: t.Optional(t.Integer({ minimum: 1, description: "Shorter life than the default (SIGNET_AUTH_TOKEN_TTL_SECONDS)." })),
    }),
    t.Null(),
  ],
  { description: "Optional." },
);

const TokenResponse = t.Object({
  access_token: t.String({ description: "The JWT, for the header `Authorization: Bearer <token>`." }),
  token_type: t.Literal("Bearer"),
  expires_in: ResponseInteger({ description: "Seconds until it expires." }),
  scope: t.Optional(t.String({ description: "The scopes it carries, space-separated, when they are fewer than the roles give." })),
});

export function authTokenRoutes(auth: ReturnType<typeof authPlugin>, access: AccessService) {
  return new Elysia({ name: "signet.routes.auth" }).use(auth).post(
    "/v1/auth/token",
    async ({ body, principal, context }) => {
      const issued = await access.issueToken(principal, body ?? {}, { actor: principal.clientId, requestId: context.requestId, clientAddress: context.clientAddress });
      const seconds = Math.max(0, Math.floor((issued.expiresAt - Date.now()) / 1000));
      return { access_token: issued.token, token_type: "Bearer" as const, expires_in: seconds, ...(issued.scopes ? { scope: issued.scopes.join(" ") } : {}) };
    },
    {
      authenticated: true,
      body: t.Optional(TokenRequest),
      response: withErrors(TokenResponse, "The bearer token."),
      detail: {
        tags: ["Authentication"],
        operationId: "issueToken",
        summary: "Exchange an API key or ticket for a bearer token",
        description:
          "The token (ES256 or EdDSA, signed in the HSM by Signet's own key) carries the client's roles, scopes, key allow-list, " +
          "address ranges and rate limit, and is accepted on every route as `Authorization: Bearer`. Any authenticated client.",
      },
    },
  );
}
