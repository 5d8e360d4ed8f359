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
}

/** The Swagger UI page needs its own scripts and styles; everything else needs nothing. */
const DOCS_CSP = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

function headerBytes(headers: Headers): number {
  let total = 0;
  headers.forEach((value, name) => (total += name.length + value.length + 4));
  return total;
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
      throw new SignetError("payloadTooLarge", `the request body is ${length} bytes; at most ${limits.maxBodyBytes} are accepted`);
    }
    if (access.certificateRequired) {
      facts.rememberCertificate(request, access.checkClientCertificate(facts.peerOf(request).certificate, facts.origin(request)));
    }
    const path = request.url.slice(request.url.indexOf("/", request.url.indexOf("//") + 2));
    if (path.startsWith("/docs")) set.headers["content-security-policy"] = DOCS_CSP;
  };
}
