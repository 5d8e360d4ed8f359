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

  constructor(readonly peerOf: PeerLookup) {}

  origin(request: Request): RequestOrigin {
    return { actor: null, requestId: requestIdOf(request), clientAddress: this.peerOf(request).address };
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
