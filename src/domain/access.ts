/**
 * Who is calling, and may they: turns what a request presents (API key, ticket, bearer token,
 * client certificate) into a principal, then admits it (address ranges, rate limit) and
 * checks the route's role and scope. Every refusal has its own error kind and is reported
 * through AccessEvents before it is thrown.
 *
 * Lookups of stored credentials are cached for a few seconds, misses and denials included, so
 * that the signing path does not read the database on every request; a change made by another
 * process (the CLI) therefore takes effect within that time, one made through the admin API
 * at once (ClientAdminService calls forget()).
 *
 * API keys keep the TSB's answers: a key that is unknown, revoked, expired or of a disabled
 * client is 401 with errorCode 631, which is what makes TSB clients roll over to their next
 * key. The message and the audit event say which it was. Tickets and bearer tokens, which
 * no TSB client sends, get their own codes for expired and revoked.
 */
import { SignetError, type ErrorKind } from "../errors";
import type { CredentialRepository } from "../store/credentials";
import type { ApiClientRow, ApiCredentialRow } from "../store/schema";
import type { AuthTokens, VerifiedToken } from "./access/auth-tokens";
import { certificateFacts, checkClientCertificate, type CertificateFacts, type CertificateTrust, type PresentedCertificate } from "./access/certificates";
import { asn1Schemas } from "./asn1-schemas";
import { CidrList } from "./access/cidr";
import type { AccessEvents, RequestOrigin } from "./access/events";
import { HostPolicy } from "./access/hosts";
import { LabelGrant, type KeyGrant } from "./access/key-grant";
import { RateLimiter, type RateLimit } from "./access/rate-limiter";
import { isScope, SCOPES, scopesOfRole, type Scope } from "./access/scopes";
import { digest, lookupOf, sameHash, type CredentialKind } from "./access/secrets";
import type { OperationContext } from "./context";
import { isRole, type Role } from "./roles";

export type CredentialSource = CredentialKind | "bearer";

export interface Principal {
  clientId: string;
  name: string;
  roles: ReadonlySet<Role>;
  /** The client's fine scopes; null: every scope of its roles. */
  scopes: ReadonlySet<Scope> | null;
  keys: KeyGrant;
  /** The allow-list as stored (for tokens); null: any key. */
  keyPatterns: string[] | null;
  cidrs: CidrList | null;
  rateLimit: RateLimit | null;
  /** The credential that authenticated the request (for a bearer token: the one it was issued for). */
  credentialId: string;
  via: CredentialSource;
  /** When the authenticating credential stops being valid, ms since the epoch (Infinity: never). */
  expiresAt: number;
}

/** What a request carries; the HTTP layer fills it in, the domain decides. */
export interface PresentedCredentials {
  apiKey?: string | null;
  ticket?: string | null;
  bearer?: string | null;
  /** The client certificate, once checkClientCertificate accepted it. */
  certificate?: CertificateFacts | null;
}

export interface RouteRequirement {
  role: Role;
  scope?: Scope;
}

export interface AccessOptions {
  events: AccessEvents;
  /** Labels no API client may use (Signet's own token key). */
  reservedKeyLabels?: readonly string[];
  defaultRateLimit?: RateLimit | null;
  tokens?: AuthTokens | null;
  /** Host header values requests may carry; null: any. */
  allowedHosts?: readonly string[] | null;
  /** mTLS: whether a certificate is required, and what makes one trusted. */
  clientCertificates?: { required: boolean; trust: CertificateTrust } | null;
  now?: () => number;
}

interface CachedCredential {
  credential: ApiCredentialRow;
  principal: Principal | null;
  hash: Buffer;
  notBefore: number;
  notAfter: number;
  revoked: boolean;
  expires: number;
}

const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;

function time(iso: string | null, fallback: number): number {
  return iso ? Date.parse(iso) : fallback;
}

function jsonList(text: string | null): string[] | null {
  return text === null ? null : (JSON.parse(text) as string[]);
}

function rateOf(client: ApiClientRow): RateLimit | null {
  return client.ratePerSecond !== null && client.rateBurst !== null ? { perSecond: client.ratePerSecond, burst: client.rateBurst } : null;
}

export class AccessService {
  private readonly cache = new Map<string, CachedCredential>();
  /** Lookup values known not to exist, until when (ms). */
  private readonly misses = new Map<string, number>();
  private readonly bearerCache = new Map<string, Principal>();
  private readonly certificateCache = new Map<string, CertificateFacts>();
  private readonly limiter = new RateLimiter();
  private readonly hosts: HostPolicy | null;
  private readonly reserved: ReadonlySet<string>;
  private readonly events: AccessEvents;
  private readonly now: () => number;

  constructor(
    private readonly credentials: CredentialRepository,
    private readonly options: AccessOptions,
  ) {
    this.events = options.events;
    this.reserved = new Set(options.reservedKeyLabels ?? []);
    this.now = options.now ?? Date.now;
    this.hosts = options.allowedHosts ? new HostPolicy(options.allowedHosts) : null;
    // Every request will carry a certificate to read: load the parser now, not in the first one.
    if (options.clientCertificates?.required) asn1Schemas();
  }

  /** Refuses a request whose Host header is not an allowed host (when a list is configured). */
  checkHost(host: string | null, origin: RequestOrigin): void {
    if (this.hosts && !this.hosts.allows(host)) {
      throw this.deny("hostNotAllowed", "the Host header does not name a host this service answers for", origin, undefined, (host ?? "").slice(0, 255));
    }
  }

  /** Whether requests must present a client certificate (mutual TLS). */
  get certificateRequired(): boolean {
    return this.options.clientCertificates?.required ?? false;
  }

  /**
   * Checks the TLS client certificate, if the listener asks for one. Returns its facts (for
   * authenticate), or null when mutual TLS is off. Throws clientCertificateRequired/Rejected.
   */
  checkClientCertificate(presented: PresentedCertificate | null, origin: RequestOrigin): CertificateFacts | null {
    const settings = this.options.clientCertificates;
    if (!settings?.required) return null;
    if (!presented) throw this.deny("clientCertificateRequired", "this service requires a TLS client certificate", origin);
    let facts: CertificateFacts;
    try {
      facts = this.certificateFactsOf(presented.der);
      return checkClientCertificate(presented, facts, settings.trust, (thumbprint) => this.isRegisteredCertificate(thumbprint), this.now());
    } catch (error) {
      const reason = error instanceof SignetError ? error.message : "the client certificate cannot be read";
      throw this.deny("clientCertificateRejected", reason.startsWith("the certificate is not") ? "the client certificate cannot be read" : reason, origin);
    }
  }

  /** Turns the presented credentials into a principal, or throws the 401 that fits. */
  authenticate(presented: PresentedCredentials, origin: RequestOrigin, options: { allowBearer?: boolean } = {}): Principal {
    let principal: Principal | null = null;
    if (presented.bearer) {
      if (options.allowBearer === false) throw this.deny("invalidCredential", "a bearer token cannot be exchanged for another; use an API key or ticket", origin);
      principal = this.fromBearer(presented.bearer, origin);
    } else if (presented.apiKey) {
      principal = this.fromSecret("apiKey", presented.apiKey, origin);
    } else if (presented.ticket) {
      principal = this.fromSecret("ticket", presented.ticket, origin);
    }
    const byCertificate = presented.certificate ? this.fromCertificate(presented.certificate, origin) : null;
    if (principal && byCertificate && principal.clientId !== byCertificate.clientId) {
      throw this.deny("credentialMismatch", "the credential belongs to another client than the TLS client certificate", origin, principal);
    }
    const found = principal ?? byCertificate;
    if (!found) {
      throw this.deny("missingApiKey", "an API key is required in the X-API-KEY header (or a ticket in X-Auth-Ticket, or a bearer token)", origin);
    }
    return found;
  }

  /** Address ranges and rate limit: applies to every authenticated request. */
  admit(principal: Principal, origin: RequestOrigin): void {
    if (principal.cidrs && !principal.cidrs.contains(origin.clientAddress)) {
      throw this.deny("addressNotAllowed", "this client may not call from this address", origin, principal, origin.clientAddress ?? "unknown");
    }
    const limit = principal.rateLimit ?? this.options.defaultRateLimit ?? null;
    if (limit) {
      const wait = this.limiter.take(principal.clientId, limit, this.now());
      if (wait > 0) {
        this.report("rateLimited", "rate limit exceeded", origin, principal);
        throw new SignetError("rateLimited", `this client is over its rate limit of ${limit.perSecond} requests per second; retry in ${wait} s`, {
          details: { retryAfterSeconds: wait },
        });
      }
    }
  }

  /** The route's role, then its scope. */
  requireGrant(principal: Principal, requirement: RouteRequirement, origin: RequestOrigin): void {
    if (!principal.roles.has(requirement.role)) {
      throw this.deny("roleMissing", `this client lacks the ${requirement.role} role`, origin, principal, requirement.role);
    }
    const scope = requirement.scope;
    if (scope && principal.scopes && !principal.scopes.has(scope)) {
      throw this.deny("scopeMissing", `this client lacks the ${scope} scope`, origin, principal, scope);
    }
  }

  /** The context domain services receive for a request of this principal. */
  contextFor(principal: Principal, origin: RequestOrigin): OperationContext {
    return { actor: principal.clientId, requestId: origin.requestId, clientAddress: origin.clientAddress, keys: principal.keys };
  }

  /** Exchanges the principal's credential for a bearer token (POST /v1/auth/token). */
  async issueToken(principal: Principal, request: { scopes?: string[]; ttlSeconds?: number }, origin: RequestOrigin) {
    const tokens = this.options.tokens;
    if (!tokens) throw new SignetError("resourceNotFound", "bearer tokens are not enabled");
    const held = principal.scopes ? [...principal.scopes] : [...principal.roles].flatMap(scopesOfRole);
    let scopes = principal.scopes ? [...principal.scopes] : null;
    if (request.scopes) {
      for (const scope of request.scopes) {
        if (!isScope(scope)) throw new SignetError("inputValidation", `unknown scope "${scope}"`);
        if (!held.includes(scope)) throw this.deny("scopeMissing", `this client lacks the ${scope} scope`, origin, principal, scope);
      }
      scopes = [...new Set(request.scopes)].sort() as Scope[];
    }
    const issued = await tokens.issue(
      {
        clientId: principal.clientId,
        name: principal.name,
        roles: [...principal.roles].filter((role) => !scopes || scopes.some((scope) => SCOPES[scope].role === role)).sort(),
        scopes,
        keys: principal.keyPatterns,
        cidrs: principal.cidrs ? principal.cidrs.ranges.map((range) => range.text) : null,
        rate: principal.rateLimit,
        credentialId: principal.credentialId,
      },
      request.ttlSeconds ?? tokens.maxTtlSeconds,
      principal.expiresAt,
      this.now(),
    );
    this.events.record({
      type: "changed",
      action: "token.issued",
      actor: principal.clientId,
      requestId: origin.requestId,
      clientAddress: origin.clientAddress,
      clientId: principal.clientId,
      credentialId: principal.credentialId,
      details: { jti: issued.jti, expiresAt: new Date(issued.expiresAt).toISOString(), scopes },
    });
    return { ...issued, scopes };
  }

  /** Drops cached lookups so that a change made in this process applies to the next request. */
  forget(): void {
    this.cache.clear();
    this.misses.clear();
    this.bearerCache.clear();
  }

  /** Rate-limit state of a client whose limit changed. */
  resetRate(clientId: string): void {
    this.limiter.reset(clientId);
  }

  private fromSecret(kind: "apiKey" | "ticket", secret: string, origin: RequestOrigin): Principal {
    const hash = digest(secret);
    const entry = this.lookup(lookupOf(hash));
    const invalidKind: ErrorKind = kind === "apiKey" ? "invalidApiKey" : "invalidCredential";
    const noun = kind === "apiKey" ? "API key" : "ticket";
    if (!entry || entry.credential.kind !== kind || !sameHash(entry.hash, hash)) {
      throw this.deny(invalidKind, `the ${noun} is not valid`, origin);
    }
    return this.usable(entry, kind === "apiKey" ? { revoked: invalidKind, expired: invalidKind } : { revoked: "credentialRevoked", expired: "credentialExpired" }, noun, origin);
  }

  private fromCertificate(facts: CertificateFacts, origin: RequestOrigin): Principal | null {
    const entry = this.lookup(lookupOf(Buffer.from(facts.thumbprint, "hex")));
    if (!entry || entry.credential.kind !== "certificate" || entry.credential.secretHash !== facts.thumbprint) return null;
    return this.usable(entry, { revoked: "credentialRevoked", expired: "credentialExpired" }, "client certificate", origin);
  }

  private usable(entry: CachedCredential, kinds: { revoked: ErrorKind; expired: ErrorKind }, noun: string, origin: RequestOrigin): Principal {
    const subject = { clientId: entry.credential.clientId, credentialId: entry.credential.id };
    if (entry.revoked || !entry.principal) {
      throw this.deny(kinds.revoked, `the ${noun} is not valid: it was revoked or its client is disabled`, origin, subject);
    }
    const now = this.now();
    if (now < entry.notBefore) throw this.deny(kinds.expired, `the ${noun} is not valid yet`, origin, subject);
    if (now > entry.notAfter) throw this.deny(kinds.expired, `the ${noun} has expired`, origin, subject);
    return entry.principal;
  }

  private fromBearer(token: string, origin: RequestOrigin): Principal {
    const now = this.now();
    const cached = this.bearerCache.get(token);
    if (cached && now < cached.expiresAt) return cached;
    const tokens = this.options.tokens;
    let verified: VerifiedToken;
    try {
      if (!tokens) throw new SignetError("invalidCredential", "bearer tokens are not enabled");
      verified = tokens.verify(token, now);
    } catch (error) {
      if (error instanceof SignetError) throw this.deny(error.kind, error.message, origin);
      throw error;
    }
    const principal: Principal = {
      clientId: verified.clientId,
      name: verified.name,
      roles: new Set(verified.roles),
      scopes: verified.scopes ? new Set(verified.scopes) : null,
      keys: this.grant(verified.keys, verified.clientId),
      keyPatterns: verified.keys,
      cidrs: verified.cidrs ? new CidrList(verified.cidrs) : null,
      rateLimit: verified.rate,
      credentialId: verified.credentialId,
      via: "bearer",
      expiresAt: verified.expiresAt,
    };
    if (this.bearerCache.size >= CACHE_MAX) this.bearerCache.clear();
    this.bearerCache.set(token, principal);
    return principal;
  }

  /**
   * The stored credential for a lookup value, from the cache when fresh. Misses are cached
   * too (a client certificate that is CA-trusted but not registered is looked up on every
   * request; so is a flood of wrong keys), bounded like the rest.
   */
  private lookup(lookup: string): CachedCredential | undefined {
    const now = this.now();
    const hit = this.cache.get(lookup);
    if (hit && hit.expires >= now) return hit;
    if (this.misses.has(lookup) && this.misses.get(lookup)! >= now) return undefined;
    const found = this.credentials.byLookup(lookup);
    if (!found) {
      this.cache.delete(lookup);
      if (this.misses.size >= CACHE_MAX) this.misses.clear();
      this.misses.set(lookup, now + CACHE_TTL_MS);
      return undefined;
    }
    this.misses.delete(lookup);
    const { credential, client } = found;
    const revoked = credential.revokedAt !== null || client.disabledAt !== null;
    const entry: CachedCredential = {
      credential,
      principal: revoked ? null : this.principalOf(client, credential),
      hash: Buffer.from(credential.secretHash, "hex"),
      notBefore: time(credential.notBefore, -Infinity),
      notAfter: time(credential.notAfter, Infinity),
      revoked,
      expires: now + CACHE_TTL_MS,
    };
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(lookup, entry);
    return entry;
  }

  private principalOf(client: ApiClientRow, credential: ApiCredentialRow): Principal {
    const keyPatterns = jsonList(client.allowedKeys);
    const cidrs = jsonList(client.allowedCidrs);
    const scopes = jsonList(client.scopes);
    return {
      clientId: client.id,
      name: client.name,
      roles: new Set((JSON.parse(client.roles) as string[]).filter(isRole)),
      scopes: scopes ? new Set(scopes.filter(isScope)) : null,
      keys: this.grant(keyPatterns, client.id),
      keyPatterns,
      cidrs: cidrs ? new CidrList(cidrs) : null,
      rateLimit: rateOf(client),
      credentialId: credential.id,
      via: credential.kind as CredentialKind,
      expiresAt: time(credential.notAfter, Infinity),
    };
  }

  private grant(patterns: string[] | null, clientId: string): KeyGrant {
    return new LabelGrant(patterns, this.reserved, (label, context) =>
      this.report("keyNotAllowed", `this client may not use the key "${label}"`, { actor: clientId, requestId: context.requestId, clientAddress: context.clientAddress }, { clientId }, label),
    );
  }

  /** A client's certificate credential, not revoked and within its validity, trusts the certificate. */
  private isRegisteredCertificate(thumbprint: string): boolean {
    const entry = this.lookup(lookupOf(Buffer.from(thumbprint, "hex")));
    const now = this.now();
    return (
      entry !== undefined &&
      entry.credential.kind === "certificate" &&
      entry.credential.secretHash === thumbprint &&
      !entry.revoked &&
      now >= entry.notBefore &&
      now <= entry.notAfter
    );
  }

  private certificateFactsOf(der: Uint8Array): CertificateFacts {
    const key = digest(der).toString("hex");
    let facts = this.certificateCache.get(key);
    if (!facts) {
      facts = certificateFacts(der);
      if (this.certificateCache.size >= 1_000) this.certificateCache.clear();
      this.certificateCache.set(key, facts);
    }
    return facts;
  }

  private report(kind: ErrorKind, message: string, origin: RequestOrigin, subject?: { clientId: string; credentialId?: string }, target?: string): void {
    this.events.record({
      type: "denied",
      kind,
      message,
      actor: subject?.clientId ?? origin.actor ?? null,
      requestId: origin.requestId,
      clientAddress: origin.clientAddress,
      credentialId: subject?.credentialId ?? null,
      ...(target === undefined ? {} : { target }),
    });
  }

  private deny(kind: ErrorKind, message: string, origin: RequestOrigin, subject?: { clientId: string; credentialId?: string }, target?: string): SignetError {
    this.report(kind, message, origin, subject, target);
    return new SignetError(kind, message);
  }
}
