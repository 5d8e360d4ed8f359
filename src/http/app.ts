/**
 * The HTTP front end: one Elysia app made of one plugin per API module. Routes validate and
 * translate; the domain services they call hold the rules. Every failure leaves through
 * onError below as the TSB error body with the status from error-status.ts; internal details
 * (stack traces, PKCS#11 internals of unexpected errors) stay in the server's log.
 */
import { Elysia } from "elysia";
import type { AccessService } from "../domain/access";
import type { CertificateService } from "../domain/certificates/certificate-service";
import type { CipherService } from "../domain/crypto/cipher-service";
import type { HmacService } from "../domain/crypto/hmac-service";
import type { WrapService } from "../domain/crypto/wrap-service";
import type { KeyLifecycleService } from "../domain/keys/key-lifecycle";
import type { KeyService } from "../domain/keys/key-service";
import type { KeyTransferService } from "../domain/keys/key-transfer";
import type { BatchLimits } from "../domain/signing/batch-sign";
import type { SigningService } from "../domain/signing/signing-service";
import { SignetError } from "../errors";
import type { Logger } from "../logger";
import type { Signer } from "../signer/signer";
import { authPlugin } from "./auth";
import { docsPlugin } from "./docs";
import { errorBody, errorHeaders, HTTP_STATUS } from "./error-status";
import { assignRequestId, requestIdOf } from "./request-id";
import { batchRoutes } from "./routes/batch";
import { certificateRoutes } from "./routes/certificates";
import { cryptoRoutes } from "./routes/crypto";
import { debugRoutes } from "./routes/debug";
import { keyStateRoutes } from "./routes/key-state";
import { keyRoutes } from "./routes/keys";
import { serviceRoutes } from "./routes/service";
import { signingRoutes } from "./routes/signing";

export interface AppServices {
  access: AccessService;
  keys: KeyService;
  transfer: KeyTransferService;
  lifecycle: KeyLifecycleService;
  signing: SigningService;
  ciphers: CipherService;
  wrapping: WrapService;
  hmac: HmacService;
  certificates: CertificateService;
  signer: Signer;
  logger: Logger;
  debugFaults: boolean;
  batchLimits: BatchLimits;
  /** Requests announcing a longer body are refused with the TSB error body before it is read. */
  maxBodyBytes: number;
}

/** Headers every answer carries: no sniffing, no framing, no caching of key material. */
export const SECURITY_HEADERS: Record<string, string> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

function isBatchSign(request: Request): boolean {
  return request.method === "POST" && new URL(request.url).pathname === "/v1/batchSign";
}

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
    case "PARSE":
      return new SignetError("invalidJson", "the request body is not valid JSON");
    case "VALIDATION":
      return new SignetError("inputValidation", summariseValidation(error));
    case "NOT_FOUND":
      return new SignetError("resourceNotFound", "no such route");
    default:
      return new SignetError("internal", "internal error", { cause: error });
  }
}

export function createApp(services: AppServices) {
  const auth = authPlugin(services.access);
  const app = new Elysia({ name: "signet" })
    .headers(SECURITY_HEADERS)
    .onRequest(({ request, set }) => {
      set.headers["x-request-id"] = assignRequestId(request);
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > services.maxBodyBytes) {
        // Only a batch may be longer (the route is looked at only for a body over the usual limit).
        const limit = isBatchSign(request) ? services.batchLimits.maxBodyBytes : services.maxBodyBytes;
        if (length > limit) throw new SignetError("payloadTooLarge", `the request body is ${length} bytes; at most ${limit} are accepted`);
      }
    })
    .onError(({ code, error, request }) => {
      const signetError = toSignetError(code, error);
      if (signetError.kind === "internal" || signetError.kind === "hsmError") {
        services.logger.error("request failed", { requestId: requestIdOf(request), error: signetError.cause ?? signetError });
      }
      return new Response(JSON.stringify(errorBody(signetError)), {
        status: HTTP_STATUS[signetError.kind],
        headers: {
          ...SECURITY_HEADERS,
          ...errorHeaders(signetError),
          "content-type": "application/json",
          "x-request-id": requestIdOf(request),
        },
      });
    })
    .use(docsPlugin())
    .use(serviceRoutes(auth, services.signer))
    .use(keyRoutes(auth, services.keys, services.transfer))
    .use(keyStateRoutes(auth, services.keys, services.lifecycle))
    .use(signingRoutes(auth, services.signing, services.hmac))
    .use(cryptoRoutes(auth, services.ciphers, services.wrapping, services.hmac))
    .use(batchRoutes(auth, services.signing, services.batchLimits))
    .use(certificateRoutes(auth, services.certificates));
  return services.debugFaults ? app.use(debugRoutes(auth, services.signer)) : app;
}

export type SignetApp = ReturnType<typeof createApp>;
