/**
 * The token service for applications: compact JWS/JWTs signed in the HSM by a named key
 * (POST /v1/token/jwt), and the JWK set that lets anyone verify them
 * (GET /.well-known/jwks.json): every version of every key marked for publication, and
 * Signet's own bearer-token key.
 *
 * `kid` is the key's RFC 7638 thumbprint, so a relying party finds the right key in the set
 * without Signet keeping a naming scheme, and a rotated key gets a new kid by itself. Signing
 * goes through the SigningService, so a token is refused exactly where a signature with the
 * same key would be (allow-list, sign attribute, key type).
 */
import type { AuditRecorder } from "../../audit/audit-log";
import { SignetError } from "../../errors";
import type { KeyType } from "../../signer/types";
import { curveByOid } from "../../signer/curves";
import type { PublishedKeyRepository } from "../../store/published-keys";
import type { AuthTokens } from "../access/auth-tokens";
import { requireKey } from "../access/key-grant";
import { keyEvent, recorded } from "../audit/recorded";
import type { OperationContext } from "../context";
import type { KeyService, ResolvedKey } from "../keys/key-service";
import type { SigningService } from "../signing/signing-service";
import { jwkFromSpki, jwkThumbprint, type PublicJwk } from "./jwk";
import { compactJws, encodeSegment, JWS_ALGORITHMS, jwsAlgorithmForCurve, signingInputBase64, type JwsAlgorithmName } from "./jws";

export interface MintRequest {
  signKeyName: string;
  algorithm: JwsAlgorithmName;
  claims: Record<string, unknown>;
  ttlSeconds?: number | null;
  /** The signing key's password, if it has one. */
  keyPassword?: string | null;
}

export interface MintedToken {
  token: string;
  kid: string;
  /** Seconds since the epoch, as in the exp claim. */
  issuedAt: number;
  expiresAt: number;
}

export type PublishedJwk = PublicJwk & { kid: string; use: "sig"; alg?: string };

export interface TokenServiceOptions {
  defaultTtlSeconds: number;
  maxTtlSeconds: number;
  authTokens: AuthTokens | null;
  now?: () => number;
}

/** Claims Signet sets itself; a caller may not choose them. */
const SET_BY_SIGNET = ["iat", "exp"];
const MIN_RSA_BITS = 2048;

export class TokenService {
  private readonly kids = new Map<string, string>();
  private readonly jwkCache = new Map<string, PublicJwk>();
  private readonly now: () => number;

  constructor(
    private readonly keys: KeyService,
    private readonly signing: SigningService,
    private readonly published: PublishedKeyRepository,
    private readonly options: TokenServiceOptions,
    private readonly audit: AuditRecorder,
  ) {
    this.now = options.now ?? Date.now;
  }

  async mint(request: MintRequest, context: OperationContext): Promise<MintedToken> {
    requireKey(context, request.signKeyName);
    const algorithm = JWS_ALGORITHMS[request.algorithm];
    if (!algorithm) throw new SignetError("inputValidation", `unknown algorithm "${request.algorithm}"`);
    if (typeof request.claims !== "object" || request.claims === null || Array.isArray(request.claims)) {
      throw new SignetError("inputValidation", "claims must be a JSON object");
    }
    for (const claim of SET_BY_SIGNET) {
      if (Object.hasOwn(request.claims, claim)) throw new SignetError("inputValidation", `claims.${claim} is set by Signet (use ttlSeconds)`);
    }
    const ttl = request.ttlSeconds ?? this.options.defaultTtlSeconds;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > this.options.maxTtlSeconds) {
      throw new SignetError("inputValidation", `ttlSeconds must be a whole number from 1 to ${this.options.maxTtlSeconds}`);
    }
    const key = this.keys.cached(request.signKeyName) ?? (await this.keys.resolve(request.signKeyName));
    this.checkKey(key, request.algorithm);
    const kid = await this.kidOf(key, context);
    const issuedAt = Math.floor(this.now() / 1000);
    const claims = { ...request.claims, iat: issuedAt, exp: issuedAt + ttl };
    const input = `${encodeSegment({ alg: algorithm.name, typ: "JWT", kid })}.${encodeSegment(claims)}`;
    // One string to the Worker, which hashes it and also returns the SHA-256 for the audit
    // record, instead of a buffer hashed here and posted as an object (bench/NOTES.md).
    const { signature } = await this.signing.signBase64With(
      key,
      { label: key.label, algorithm: algorithm.signatureAlgorithm, payload: signingInputBase64(input), format: algorithm.raw ? "RAW" : "DER", password: request.keyPassword },
      context,
    );
    return { token: compactJws(input, signature), kid, issuedAt, expiresAt: issuedAt + ttl };
  }

  /**
   * Marks a key for publication in the JWK set. Returns false when it was published already.
   * Recorded: who may verify tokens against which key is part of the service's state.
   */
  publish(label: string, context: OperationContext): Promise<boolean> {
    requireKey(context, label);
    return recorded(this.audit, context, keyEvent("key.jwk.publish", label), async () => {
      const view = await this.keys.describe(label, context);
      if (!view.publicKey) throw new SignetError("operationForbiddenForKey", `key "${label}" has no public key on the token to publish`);
      this.jwkOf(view.publicKey);
      return this.published.publish(label, new Date(this.now()).toISOString(), context.actor);
    }, (added) => ({ alreadyPublished: !added }));
  }

  /** Takes a key out of the JWK set. Throws resourceNotFound when it was not published. */
  async withdraw(label: string, context: OperationContext): Promise<void> {
    requireKey(context, label);
    await recorded(this.audit, context, keyEvent("key.jwk.withdraw", label), async () => {
      if (!this.published.withdraw(label)) throw new SignetError("resourceNotFound", `key "${label}" is not published`);
    });
  }

  /** The public JWK set: published keys (every version) and Signet's bearer-token key. */
  jwks(): { keys: PublishedJwk[] } {
    const out = new Map<string, PublishedJwk>();
    for (const version of this.published.versions()) {
      if (!version.publicKey) continue;
      let jwk: PublicJwk;
      try {
        jwk = this.jwkOf(version.publicKey);
      } catch {
        continue; // a key type a JWS cannot use: publish() refuses these, adopted tokens may hold them
      }
      const kid = jwkThumbprint(jwk);
      const curve = version.curveOid ? (curveByOid(version.curveOid)?.name ?? null) : null;
      const alg = (version.algorithm as KeyType) === "RSA" ? null : jwsAlgorithmForCurve(curve);
      out.set(kid, { ...jwk, kid, use: "sig", ...(alg ? { alg } : {}) });
    }
    const own = this.options.authTokens;
    if (own) out.set(own.kid, { ...own.jwk, kid: own.kid, use: "sig", alg: own.algorithm });
    return { keys: [...out.values()] };
  }

  private checkKey(key: ResolvedKey, name: JwsAlgorithmName): void {
    const algorithm = JWS_ALGORITHMS[name];
    if (key.type !== algorithm.keyType || (algorithm.curve !== null && key.curve !== algorithm.curve)) {
      const what = key.curve ? `${key.type} ${key.curve}` : `${key.type}`;
      throw new SignetError("algorithmNotSupportedByKey", `${name} needs ${algorithm.curve ? `a ${algorithm.curve}` : "an RSA"} key; "${key.label}" is ${what}`);
    }
    if (key.type === "RSA" && key.bits < MIN_RSA_BITS) {
      throw new SignetError("algorithmNotSupportedByKey", `${name} needs an RSA key of at least ${MIN_RSA_BITS} bits (RFC 7518); "${key.label}" has ${key.bits}`);
    }
  }

  /** The thumbprint of the key's current public key, computed once per key version. */
  private async kidOf(key: ResolvedKey, context: OperationContext): Promise<string> {
    const known = this.kids.get(key.handleId);
    if (known) return known;
    const view = await this.keys.describe(key.label, context);
    if (!view.publicKey) throw new SignetError("operationForbiddenForKey", `key "${key.label}" has no public key on the token to name it by`);
    const kid = jwkThumbprint(this.jwkOf(view.publicKey));
    if (this.kids.size >= 10_000) this.kids.clear();
    this.kids.set(key.handleId, kid);
    return kid;
  }

  private jwkOf(spkiBase64: string): PublicJwk {
    let jwk = this.jwkCache.get(spkiBase64);
    if (!jwk) {
      try {
        jwk = jwkFromSpki(Buffer.from(spkiBase64, "base64"));
      } catch (error) {
        throw new SignetError("operationForbiddenForKey", `the key cannot be written as a JWK: ${(error as Error).message}`);
      }
      if (this.jwkCache.size >= 10_000) this.jwkCache.clear();
      this.jwkCache.set(spkiBase64, jwk);
    }
    return jwk;
  }
}
