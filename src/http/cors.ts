/**
 * CORS, off unless origins are configured (SIGNET_CORS_ORIGINS). A browser app on an allowed
 * origin may send the credential headers; any other origin gets no CORS headers at all, so
 * the browser keeps the answer from it. Credentials are headers, never cookies, so
 * Access-Control-Allow-Credentials is never sent.
 */
const ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE";
const ALLOWED_HEADERS = "authorization, content-type, x-api-key, x-auth-ticket, x-request-id";
const EXPOSED_HEADERS = "retry-after, x-request-id";

export class CorsPolicy {
  private readonly origins: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.origins = new Set(origins);
  }

  private allowedOrigin(request: Request): string | null {
    if (this.origins.size === 0) return null;
    const origin = request.headers.get("origin");
    return origin && this.origins.has(origin) ? origin : null;
  }

  /** Headers for an answer to an allowed origin's request; empty otherwise. */
  headersFor(request: Request): Record<string, string> {
    const origin = this.allowedOrigin(request);
    return origin ? { "access-control-allow-origin": origin, "access-control-expose-headers": EXPOSED_HEADERS, vary: "Origin" } : {};
  }

  /** For an allowed origin's preflight (OPTIONS with Access-Control-Request-Method): its headers. */
  preflightHeaders(request: Request): Record<string, string> | null {
    if (request.method !== "OPTIONS" || !request.headers.get("access-control-request-method")) return null;
    const origin = this.allowedOrigin(request);
    if (!origin) return null;
    return {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": ALLOWED_METHODS,
      "access-control-allow-headers": ALLOWED_HEADERS,
      "access-control-max-age": "600",
      vary: "Origin",
    };
  }
}
