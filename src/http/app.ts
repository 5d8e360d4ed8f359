/**
 * The HTTP front end: one Elysia app made of one plugin per API module. Routes validate and
 * translate; the domain services they call hold the rules. Every failure leaves through
 * onError below as the TSB error body with the status from error-status.ts; internal details
 * (stack traces, PKCS#11 internals of unexpected errors) stay in the server's log.
 *
 * Before any route runs, every request passes the guard (request-guard.ts): header size,
 * allowed hosts, body length, the TLS client certificate, CORS preflight. Modules switched
 * off by configuration are not mounted at all (modules.ts).
 */
import { Elysia, type AnyElysia } from "elysia";
import type { AccessService } from "../domain/access";
import type { ClientAdminService } from "../domain/access/client-admin";
import type { AuditService } from "../domain/audit/audit-service";
import type { CertificateService } from "../domain/certificates/certificate-service";
import type { CipherService } from "../domain/crypto/cipher-service";
import type { HmacService } from "../domain/crypto/hmac-service";
import type { WrapService } from "../domain/crypto/wrap-service";
import type { KeyAttestation } from "../domain/keys/key-attestation";
import type { KeyLifecycleService } from "../domain/keys/key-lifecycle";
import type { KeyService } from "../domain/keys/key-service";
import type { KeyTransferService } from "../domain/keys/key-transfer";
import type { BatchSigner } from "../domain/signing/batch-sign";
import type { ServiceInfo } from "../domain/service/service-info";
import type { SigningService } from "../domain/signing/signing-service";
import type { TokenService } from "../domain/tokens/token-service";
import { SignetError } from "../errors";
import type { Logger } from "../logger";
import type { Signer } from "../signer/signer";
import { authPlugin } from "./auth";
import { CorsPolicy } from "./cors";
import { docsPlugin } from "./docs";
import { errorBody, errorHeaders, HTTP_STATUS } from "./error-status";
import { jsonBodyParser } from "./json-body";
import type { HttpModule } from "./modules";
import { RequestFacts, type PeerLookup } from "./request-facts";
import { requestGuard } from "./request-guard";
import { requestIdOf } from "./request-id";
import { adminRoutes } from "./routes/admin";
import { auditRoutes } from "./routes/audit";
import { authTokenRoutes } from "./routes/auth-token";
import { batchRoutes } from "./routes/batch";
import { certificateRoutes } from "./routes/certificates";
import { cryptoRoutes } from "./routes/crypto";
import { debugRoutes } from "./routes/debug";
import { keyAttributeRoutes } from "./routes/key-attributes";
import { keyPasswordRoutes } from "./routes/key-passwords";
import { keyStateRoutes } from "./routes/key-state";
import { keyRoutes } from "./routes/keys";
import { serviceRoutes } from "./routes/service";
import { signingRoutes } from "./routes/signing";
import { tokenRoutes } from "./routes/token";

export interface RequestLimits {
  maxBodyBytes: number;
  maxJsonDepth: number;
  maxHeaderBytes: number;
  /** For routes that take a list of operations (batch routes declare maxItems with it). */
  maxBatchItems: number;
  bodyTimeoutMs: number;
}

export interface AppServices {
  access: AccessService;
  admin: ClientAdminService;
  keys: KeyService;
  transfer: KeyTransferService;
  lifecycle: KeyLifecycleService;
  attestation: KeyAttestation;
  serviceInfo: ServiceInfo;
  signing: SigningService;
  tokens: TokenService;
  ciphers: CipherService;
  wrapping: WrapService;
  hmac: HmacService;
  certificates: CertificateService;
  signer: Signer;
  audit: AuditService;
  logger: Logger;
  debugFaults: boolean;
  batches: BatchSigner;
  /** Requests announcing a longer body are refused with the TSB error body before it is read. */
  maxBodyBytes: number;
  limits: RequestLimits;
  /** The listener's view of a request's connection (address, client certificate). */
  peerOf: PeerLookup;
  corsOrigins: readonly string[];
  disabledModules: readonly HttpModule[];
  /** Served over TLS: answers carry Strict-Transport-Security. */
  tls: boolean;
}

/** Headers every answer carries: no sniffing, no framing, no caching of key material, no active content. */
export const SECURITY_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "cross-origin-resource-policy": "same-origin",
};

const HSTS = { "strict-transport-security": "max-age=31536000" };

function summariseValidation(error: unknown): string {
  const all = (error as { all?: { path?: string; summary?: string; message?: string }[] }).all ?? [];
  const first = all.slice(0, 3).map((issue) => {
    const path = (issue.path ?? "").replace(/^\//, "").replaceAll("/", ".") || "body";
    return `${path}: ${issue.message ?? issue.summary ?? "invalid"}`;
  });
  return first.length > 0 ? `invalid request: ${first.join("; ")}` : "invalid request";
}

/** Maps anything thrown while handling a request to a SignetError. */
export function toSignetError(code: string | number, error: unknown): SignetError {
  if (error instanceof SignetError) return error;
  switch (code) {
    case "PARSE": {
      // Errors of the JSON body parser arrive wrapped in Elysia's ParseError.
      const cause = (error as { cause?: unknown }).cause;
      return cause instanceof SignetError ? cause : new SignetError("invalidJson", "the request body is not valid JSON");
    }
    case "VALIDATION":
      return new SignetError("inputValidation", summariseValidation(error));
    case "NOT_FOUND":
      return new SignetError("resourceNotFound", "no such route");
    default:
      return new SignetError("internal", "internal error", { cause: error });
  }
}

/** Routes whose body is text rather than JSON (an audit bundle may be CSV or XML). */
const TEXT_BODY_PATHS: ReadonlySet<string> = new Set(["/v1/audit/verify"]);

export function createApp(services: AppServices) {
  // Routes allowed a longer body than the usual limit (a batch carries many payloads).
  const largeBodies = new Map([["/v1/batchSign", services.batches.limits.maxBodyBytes]]);
  const facts = new RequestFacts(services.peerOf);
  const cors = new CorsPolicy(services.corsOrigins);
  const auth = authPlugin(services.access, facts);
  const security = services.tls ? { ...SECURITY_HEADERS, ...HSTS } : SECURITY_HEADERS;
  const app: AnyElysia = new Elysia({ name: "signet" })
    .headers(security)
    .onRequest(requestGuard({ access: services.access, facts, cors, limits: services.limits, security, largeBodies }))
    .onParse(jsonBodyParser(services.limits, TEXT_BODY_PATHS, largeBodies))
    .onError(({ code, error, request }) => {
      const signetError = toSignetError(code, error);
      if (signetError.kind === "internal" || signetError.kind === "hsmError") {
        services.logger.error("request failed", { requestId: requestIdOf(request), error: signetError.cause ?? signetError });
      }
      return new Response(JSON.stringify(errorBody(signetError)), {
        status: HTTP_STATUS[signetError.kind],
        headers: {
          ...security,
          ...cors.headersFor(request),
          ...errorHeaders(signetError),
          "content-type": "application/json",
          "x-request-id": requestIdOf(request),
        },
      });
    });
  const modules: [HttpModule, () => AnyElysia][] = [
    ["docs", () => docsPlugin()],
    ["management", () => serviceRoutes(auth, services.signer, services.serviceInfo, services.audit)],
    ["keyManagement", () => keyRoutes(auth, services.keys, services.transfer)],
    ["keyManagement", () => keyAttributeRoutes(auth, services.attestation)],
    ["keyManagement", () => keyPasswordRoutes(auth, services.keys, services.lifecycle)],
    ["keyManagement", () => keyStateRoutes(auth, services.keys, services.lifecycle)],
    ["keyOperations", () => signingRoutes(auth, services.signing, services.hmac)],
    ["keyOperations", () => cryptoRoutes(auth, services.ciphers, services.wrapping, services.hmac)],
    ["keyOperations", () => batchRoutes(auth, services.batches)],
    ["certificates", () => certificateRoutes(auth, services.certificates)],
    ["token", () => tokenRoutes(auth, services.tokens)],
    ["auth", () => authTokenRoutes(auth, services.access)],
    ["admin", () => adminRoutes(auth, services.admin)],
    ["audit", () => auditRoutes(auth, services.audit)],
  ];
  for (const [module, plugin] of modules) if (!services.disabledModules.includes(module)) app.use(plugin());
  if (services.debugFaults) app.use(debugRoutes(auth, services.signer, services.audit));
  return app;
}

export type SignetApp = ReturnType<typeof createApp>;
