/**
 * The OpenAPI document at /docs/json and Swagger UI at /docs. The UI's script and style are
 * served from the installed swagger-ui-dist package: a side-car or an air-gapped HSM network
 * cannot reach a public CDN.
 */
import { openapi } from "@elysiajs/openapi";
import { CloneType, Type, type IntegerOptions } from "@sinclair/typebox";
import { Elysia, t, type TSchema } from "elysia";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { ERROR_CATALOGUE } from "../errors";
import { HTTP_STATUS } from "./error-status";

const require = createRequire(import.meta.url);
const SWAGGER_DIST = dirname(require.resolve("swagger-ui-dist/package.json"));
const ASSETS: Record<string, string> = {
  "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
};

const assetCache = new Map<string, Buffer>();

function assetBytes(file: string): Buffer {
  let bytes = assetCache.get(file);
  if (!bytes) {
    bytes = readFileSync(join(SWAGGER_DIST, file));
    assetCache.set(file, bytes);
  }
  return bytes;
}

/**
 * An integer in a response schema. Elysia's t.Integer is a transform that also accepts a numeric
 * string (for query parameters and bodies, which keep it); a transform anywhere in a route's
 * response schema makes Elysia pass every answer through TypeBox's generic Value.Encode, which
 * walks the whole body, instead of only the compiled check. Under POST /v1/batchSign load that
 * walk was 6.7-8.3% of the main thread's profile samples (bench/NOTES.md). OpenAPI also shows
 * this as a plain integer, not as "a numeric string or an integer".
 */
export function ResponseInteger(options?: IntegerOptions) {
  return Type.Integer(options);
}

export const ErrorBodySchema = t.Object({
  errorCode: ResponseInteger({ examples: [650] }),
  reason: t.String({ examples: ["res.error.key.not.existent"] }),
  message: t.String({ examples: ['no key labelled "payments-ec"'] }),
});

/**
 * Response schemas for a route: its success schema, and one error schema per status with the
 * error codes that can answer with that status in its description. Errors leave through
 * onError as ready Responses, so these schemas document them without validating them.
 */
function errorSchemasByStatus() {
  const byStatus = new Map<number, string[]>();
  for (const [kind, status] of Object.entries(HTTP_STATUS)) {
    const { errorCode, reason } = ERROR_CATALOGUE[kind as keyof typeof ERROR_CATALOGUE];
    byStatus.set(status, [...(byStatus.get(status) ?? []), `${errorCode} ${reason}`]);
  }
  const schemas: Record<number, typeof ErrorBodySchema> = {};
  for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    schemas[status] = t.Object(ErrorBodySchema.properties, { description: `Error. errorCode: ${codes.join("; ")}` });
  }
  return schemas;
}

const ERROR_SCHEMAS = errorSchemasByStatus();

export function withErrors<T extends TSchema>(ok: T, description: string) {
  return { ...ERROR_SCHEMAS, 200: CloneType(ok, { description }) };
}

export function docsPlugin() {
  return new Elysia({ name: "signet.docs" })
    .get("/docs/assets/:file", ({ params, set }) => {
      const type = ASSETS[params.file];
      if (!type) {
        set.status = 404;
        return "not found";
      }
      set.headers["content-type"] = type;
      set.headers["cache-control"] = "public, max-age=86400";
      return assetBytes(params.file);
    }, { detail: { hide: true } })
    .use(
      openapi({
        path: "/docs",
        provider: "swagger-ui",
        // staticFile: false, or every path with a dot (/.well-known/jwks.json) would be left out.
        exclude: { paths: [/^\/docs/], staticFile: false },
        swagger: {
          cdn: "/docs/assets/swagger-ui-bundle.js",
          theme: "/docs/assets/swagger-ui.css",
          autoDarkMode: false,
        },
        documentation: {
          info: {
            title: "Signet",
            version: "0.1.0",
            description:
              "Signing and key service in front of a PKCS#11 HSM, in the shape of the Securosys Primus REST API / TSB. " +
              "Every error answers with {errorCode, reason, message}; the statuses and codes are listed per route.",
          },
          tags: [
            { name: "Keys", description: "Key management (role keyManagement)" },
            { name: "Synchronous Key Operations", description: "Signing, verification, encryption, wrapping, HMAC and random (role keyOperation)" },
            { name: "Certificate", description: "CSRs, self-signed and issued certificates, and certificates stored beside keys (role keyOperation)" },
            { name: "Service Information", description: "Version and health" },
            { name: "Audit", description: "Tamper-evident audit log: records, signed checkpoints, proofs, export and verification (role auditor)" },
            { name: "Tokens", description: "JWTs signed by HSM keys, and the JWK set" },
            { name: "Authentication", description: "Bearer tokens for API clients" },
            { name: "Clients", description: "API clients and their credentials (role admin)" },
          ],
          components: {
            securitySchemes: {
              apiKey: { type: "apiKey", in: "header", name: "X-API-KEY", description: "An API key (TSB compatible)." },
              ticket: { type: "apiKey", in: "header", name: "X-Auth-Ticket", description: "An authentication ticket." },
              bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A token from POST /v1/auth/token." },
            },
          },
          security: [{ apiKey: [] }, { ticket: [] }, { bearer: [] }],
        },
      }),
    );
}
