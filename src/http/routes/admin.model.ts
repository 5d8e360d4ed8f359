/** Request and response schemas of the admin API for clients and credentials. */
import { t } from "elysia";
import { ResponseInteger } from "../docs";
import { ROLES } from "../../domain/roles";
import { SCOPE_NAMES } from "../../domain/access/scopes";

const nullableList = (item: ReturnType<typeof t.String>, description: string, example: string[]) =>
  t.Optional(t.Union([t.Array(item, { maxItems: 256 }), t.Null()], { description, examples: [example] }));

const RateLimit = t.Object(
  {
    perSecond: t.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description: "Sustained requests per second." }),
    burst: t.Optional(t.Union([t.Integer({ minimum: 1, maximum: 1_000_000 }), t.Null()], { description: "Requests allowed at once (default: perSecond rounded up)." })),
  },
  { description: "Token bucket; over it, requests get 429 with Retry-After. Null: SIGNET_RATE_LIMIT_DEFAULT, if set." },
);

const clientFields = {
  roles: t.Array(t.String({ enum: [...ROLES] }), { minItems: 1, maxItems: ROLES.length, description: "Roles (TSB API key groups and Signet's own).", examples: [["keyOperation"]] }),
  scopes: nullableList(t.String({ enum: SCOPE_NAMES }), "Fine scopes; null: every scope of the roles. See the scope table in the README.", ["key:sign"]),
  allowedKeys: nullableList(t.String({ minLength: 1, maxLength: 256 }), "Key labels, or prefixes ending in *, the client may use; null: any key.", ["payments-*"]),
  allowedCidrs: nullableList(t.String({ minLength: 1, maxLength: 64 }), "IPv4 and IPv6 ranges the client may call from; null: anywhere.", ["10.0.0.0/8", "2001:db8::/32"]),
  rateLimit: t.Optional(t.Union([RateLimit, t.Null()])),
  description: t.Optional(t.Union([t.String({ maxLength: 512 }), t.Null()])),
};

export const CreateClientBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 64, description: "Unique name.", examples: ["payments-app"] }),
  ...clientFields,
});

export const UpdateClientBody = t.Object({ ...clientFields, roles: t.Optional(clientFields.roles) }, { minProperties: 1 });

export const ClientResponse = t.Object({
  id: t.String({ format: "uuid" }),
  name: t.String(),
  description: t.Union([t.String(), t.Null()]),
  roles: t.Array(t.String()),
  scopes: t.Union([t.Array(t.String()), t.Null()]),
  allowedKeys: t.Union([t.Array(t.String()), t.Null()]),
  allowedCidrs: t.Union([t.Array(t.String()), t.Null()]),
  rateLimit: t.Union([t.Object({ perSecond: t.Number(), burst: ResponseInteger() }), t.Null()]),
  status: t.Union([t.Literal("active"), t.Literal("disabled")]),
  createdAt: t.String(),
  updatedAt: t.Union([t.String(), t.Null()]),
  disabledAt: t.Union([t.String(), t.Null()]),
});

export const CreateCredentialBody = t.Object({
  kind: t.String({
    enum: ["apiKey", "ticket", "certificate"],
    description: "apiKey: sent as X-API-KEY. ticket: sent as X-Auth-Ticket, always with a validity period. certificate: a TLS client certificate (mutual TLS).",
  }),
  name: t.Optional(t.Union([t.String({ minLength: 1, maxLength: 64 }), t.Null()], { examples: ["ci-2026"] })),
  notBefore: t.Optional(t.Union([t.String({ maxLength: 40 }), t.Null()], { description: "RFC 3339 date-time; default: now.", examples: ["2027-01-01T00:00:00Z"] })),
  notAfter: t.Optional(t.Union([t.String({ maxLength: 40 }), t.Null()], { description: "RFC 3339 date-time; default: none (tickets need one)." })),
  validForSeconds: t.Optional(t.Union([t.Integer({ minimum: 1 }), t.Null()], { description: "Instead of notAfter: seconds from notBefore (or now).", examples: [2592000] })),
  certificate: t.Optional(t.Union([t.String({ maxLength: 65536 }), t.Null()], { description: "kind certificate: the client certificate, PEM or base64 DER." })),
});

export const CredentialResponse = t.Object({
  id: t.String({ format: "uuid" }),
  clientId: t.String(),
  kind: t.String(),
  name: t.Union([t.String(), t.Null()]),
  status: t.Union([t.Literal("active"), t.Literal("pending"), t.Literal("expired"), t.Literal("revoked")]),
  createdAt: t.String(),
  notBefore: t.Union([t.String(), t.Null()]),
  notAfter: t.Union([t.String(), t.Null()]),
  revokedAt: t.Union([t.String(), t.Null()]),
  rotatedFrom: t.Union([t.String(), t.Null()]),
  subject: t.Union([t.String(), t.Null()]),
  thumbprint: t.Union([t.String(), t.Null()], { description: "SHA-256 of a client certificate, hex." }),
});

export const NewCredentialResponse = t.Object({
  credential: CredentialResponse,
  secret: t.Union([t.String(), t.Null()], { description: "The API key or ticket. Shown only in this answer; Signet keeps only its hash." }),
});

export const RotateBody = t.Union([
  t.Object({
    overlapSeconds: t.Optional(
      t.Union([t.Integer({ minimum: 0, maximum: 7_776_000 }), t.Null()], { description: "How long the old credential stays valid beside the new one (default 3600)." }),
    ),
  }),
  t.Null(),
]);

export const RotateResponse = t.Object({
  credential: CredentialResponse,
  secret: t.String({ description: "The new secret, shown only in this answer." }),
  previous: CredentialResponse,
});

export const ClientParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) });
export const CredentialParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }), credentialId: t.String({ minLength: 1, maxLength: 64 }) });
