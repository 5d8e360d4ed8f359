/**
 * The checks every request passes before routing, in this order: its id; the size of its
 * headers (431); its Host header against the allowed hosts (400); a CORS preflight from an
 * allowed origin (answered here, 204); the announced body length (413); and with mutual
 * TLS, the client certificate (401). Host and certificate refusals are access decisions
 * and go through the AccessService, which reports them.
 */
import type { AccessService } from "../domain/access";
import { SignetError } from "../errors";
import type { CorsPolicy } from "./cors";
import type { RequestFacts } from "./request-facts";
import { assignRequestId } from "./request-id";

export interface GuardOptions {
  access: AccessService;
  facts: RequestFacts;
  cors: CorsPolicy;
  limits: { maxBodyBytes: number; maxHeaderBytes: number };
  security: Record<string, string>;
  /** Paths allowed a longer body than limits.maxBodyBytes (POST /v1/batchSign). */
  largeBodies: ReadonlyMap<string, number>;
}

/** The Swagger UI page needs its own scripts and styles; everything else needs nothing. */
const DOCS_CSP = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

function headerBytes(headers: Headers): number {
  let total = 0;
  headers.forEach((value, name) => (total += name.length + value.length + 4));
  return total;
}

/** The path of a request's URL, without its query. */
export function pathOf(request: Request): string {
  const url = request.url;
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const query = url.indexOf("?", start);
  return query < 0 ? url.slice(start) : url.slice(start, query);
}

export function requestGuard(options: GuardOptions) {
  const { access, facts, cors, limits } = options;
  return ({ request, set }: { request: Request; set: { headers: Record<string, string | number> } }) => {
    set.headers["x-request-id"] = assignRequestId(request);
    if (headerBytes(request.headers) > limits.maxHeaderBytes) {
      throw new SignetError("headersTooLarge", `the request headers exceed ${limits.maxHeaderBytes} bytes`);
    }
    access.checkHost(request.headers.get("host"), facts.origin(request));
    const preflight = cors.preflightHeaders(request);
    if (preflight) return new Response(null, { status: 204, headers: { ...options.security, ...preflight, "x-request-id": String(set.headers["x-request-id"]) } });
    Object.assign(set.headers, cors.headersFor(request));
    const length = Number(request.headers.get("content-length") ?? 0);
    if (length > limits.maxBodyBytes) {
      // Only now is the path looked at: a few routes take longer bodies.
      const limit = options.largeBodies.get(pathOf(request)) ?? limits.maxBodyBytes;
      if (length > limit) throw new SignetError("payloadTooLarge", `the request body is ${length} bytes; at most ${limit} are accepted`);
    }
    if (access.certificateRequired) {
      facts.rememberCertificate(request, access.checkClientCertificate(facts.peerOf(request).certificate, facts.origin(request)));
    }
    if (pathOf(request).startsWith("/docs")) set.headers["content-security-policy"] = DOCS_CSP;
  };
}
