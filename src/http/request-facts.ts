/**
 * What the HTTP layer knows about a request beyond its bytes: the connection it came on (the
 * listener supplies the peer: address and, with mutual TLS, the client certificate), the
 * client certificate once the domain accepted it, and the credentials in its headers.
 */
import type { PresentedCredentials } from "../domain/access";
import type { CertificateFacts, PresentedCertificate } from "../domain/access/certificates";
import type { RequestOrigin } from "../domain/access/events";
import { requestIdOf } from "./request-id";

export interface Peer {
  address: string | null;
  certificate: PresentedCertificate | null;
}

export type PeerLookup = (request: Request) => Peer;

const BEARER = /^bearer[ \t]+([A-Za-z0-9._~+/-]+=*)[ \t]*$/i;

export class RequestFacts {
  private readonly certificates = new WeakMap<Request, CertificateFacts>();
  private readonly origins = new WeakMap<Request, RequestOrigin>();

  constructor(readonly peerOf: PeerLookup) {}

  /** Looked up once a request: Bun's requestIP costs several microseconds a call. */
  origin(request: Request): RequestOrigin {
    let origin = this.origins.get(request);
    if (!origin) {
      origin = { actor: null, requestId: requestIdOf(request), clientAddress: this.peerOf(request).address };
      this.origins.set(request, origin);
    }
    return origin;
  }

  rememberCertificate(request: Request, facts: CertificateFacts | null): void {
    if (facts) this.certificates.set(request, facts);
  }

  credentials(request: Request): PresentedCredentials {
    const headers = request.headers;
    const authorization = headers.get("authorization");
    return {
      apiKey: headers.get("x-api-key"),
      ticket: headers.get("x-auth-ticket"),
      bearer: authorization ? (BEARER.exec(authorization)?.[1] ?? null) : null,
      certificate: this.certificates.get(request) ?? null,
    };
  }
}
