/**
 * Signet's own bearer tokens: a client trades an API key or ticket for a short-lived JWT
 * (POST /v1/auth/token) that carries everything a request needs to be authorised (roles,
 * scopes, key allow-list, address ranges, rate limit), so that any Signet that knows the
 * public key can check it without a database: the token is the principal.
 *
 * The signing key lives in the HSM under a reserved label, made at start-up if absent, and
 * no API client can sign with, delete or see it. Verification uses the public key in
 * process (about 60 µs); AccessService caches verified tokens until they expire.
 *
 * The header must name exactly this key's algorithm and kid: a token cannot choose how it is
 * verified ("alg": "none", HS256 with the public key as secret, a foreign kid).
 */
import { createPublicKey, randomUUID, verify as verifySignature, type KeyObject } from "node:crypto";
import { isSignetError, SignetError } from "../../errors";
import { curveByOid } from "../../signer/curves";
import { SYSTEM_CONTEXT } from "../context";
import type { KeyService, KeyView } from "../keys/key-service";
import { isRole, type Role } from "../roles";
import type { SigningService } from "../signing/signing-service";
import { compactJws, encodeSegment, JWS_ALGORITHMS, signingInputBase64, splitCompact } from "../tokens/jws";
import { jwkOfKeyObject, jwkThumbprint, type PublicJwk } from "../tokens/jwk";
import { isScope, type Scope } from "./scopes";

export interface AuthTokenSettings {
  algorithm: "ES256" | "EdDSA";
  keyLabel: string;
  /** Longest (and default) life of a token. */
  ttlSeconds: number;
  issuer: string;
}

/** What a token says about its holder; the JSON claims minus the registered ones. */
export interface TokenSubject {
  clientId: string;
  name: string;
  roles: Role[];
  /** Absent: every scope of the roles. */
  scopes: Scope[] | null;
  keys: string[] | null;
  cidrs: string[] | null;
  rate: { perSecond: number; burst: number } | null;
  /** The credential that was exchanged for the token. */
  credentialId: string;
}

export interface VerifiedToken extends TokenSubject {
  jti: string;
  /** Expiry, milliseconds since the epoch. */
  expiresAt: number;
}

export interface IssuedToken {
  token: string;
  jti: string;
  expiresAt: number;
}

/**
 * The iat and exp claims (whole seconds) of a token issued at now (ms) to live ttlSeconds.
 * exp is rounded up, so the token lives at least ttlSeconds and less than a second more:
 * counting from the issue time truncated to the second would give a one-second token
 * anywhere from 1 ms to 1 s of life. It never outlives notAfter (ms), the credential's end.
 */
export function tokenTimes(now: number, ttlSeconds: number, notAfter: number): { iat: number; exp: number } {
  const iat = Math.floor(now / 1000);
  const exp = Math.min(Math.ceil((now + ttlSeconds * 1000) / 1000), Math.floor(notAfter / 1000));
  if (exp * 1000 <= now) throw new SignetError("credentialExpired", "the credential expires before a token could be used");
  return { iat, exp };
}

/** Thrown at start-up when the configured key exists but cannot be the token key. */
export class TokenKeyError extends Error {}

const LEEWAY_SECONDS = 30;
const MAX_TOKEN_CHARS = 16_384;

function invalid(message: string): SignetError {
  return new SignetError("invalidCredential", message);
}

function stringArray(value: unknown, check?: (item: string) => boolean): string[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string" && (!check || check(item)))) throw invalid("the bearer token's claims are malformed");
  return value as string[];
}

export class AuthTokens {
  private constructor(
    private readonly signing: SigningService,
    private readonly settings: AuthTokenSettings,
    private readonly publicKey: KeyObject,
    readonly kid: string,
    readonly jwk: PublicJwk,
  ) {}

  /** Finds or makes the token key in the HSM and loads its public key. */
  static async open(keys: KeyService, signing: SigningService, settings: AuthTokenSettings): Promise<AuthTokens> {
    const algorithm = JWS_ALGORITHMS[settings.algorithm];
    let view: KeyView;
    try {
      view = await keys.describe(settings.keyLabel, SYSTEM_CONTEXT);
    } catch (error) {
      if (!isSignetError(error, "keyNotFound")) throw error;
      view = await keys.create(
        settings.algorithm === "ES256" ? { label: settings.keyLabel, algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" } : { label: settings.keyLabel, algorithm: "ED" },
        SYSTEM_CONTEXT,
      );
    }
    const curve = view.curveOid ? curveByOid(view.curveOid)?.name : undefined;
    if (view.algorithm !== algorithm.keyType || curve !== algorithm.curve) {
      throw new TokenKeyError(`the key "${settings.keyLabel}" is ${view.algorithm} ${curve ?? ""}, not a ${algorithm.curve} key for ${settings.algorithm}`.replace("  ", " "));
    }
    if (!view.attributes.sign || !view.publicKey) throw new TokenKeyError(`the key "${settings.keyLabel}" cannot sign or has no public key`);
    const publicKey = createPublicKey({ key: Buffer.from(view.publicKey, "base64"), format: "der", type: "spki" });
    const jwk = jwkOfKeyObject(publicKey);
    return new AuthTokens(signing, settings, publicKey, jwkThumbprint(jwk), jwk);
  }

  get algorithm(): "ES256" | "EdDSA" {
    return this.settings.algorithm;
  }

  get keyLabel(): string {
    return this.settings.keyLabel;
  }

  get maxTtlSeconds(): number {
    return this.settings.ttlSeconds;
  }

  /** Signs a token for the subject, living ttlSeconds (see tokenTimes) but never past notAfter (ms). */
  async issue(subject: TokenSubject, ttlSeconds: number, notAfter: number, now: number): Promise<IssuedToken> {
    const { iat, exp } = tokenTimes(now, Math.min(ttlSeconds, this.settings.ttlSeconds), notAfter);
    const jti = randomUUID();
    const claims: Record<string, unknown> = {
      iss: this.settings.issuer,
      aud: this.settings.issuer,
      sub: subject.clientId,
      iat,
      nbf: iat,
      exp,
      jti,
      name: subject.name,
      roles: subject.roles,
      cid: subject.credentialId,
    };
    if (subject.scopes) claims.scope = subject.scopes.join(" ");
    if (subject.keys) claims.keys = subject.keys;
    if (subject.cidrs) claims.cidrs = subject.cidrs;
    if (subject.rate) claims.rate = subject.rate;
    const input = `${encodeSegment({ alg: this.settings.algorithm, typ: "JWT", kid: this.kid })}.${encodeSegment(claims)}`;
    const { signature } = await this.signing.signBase64(
      { label: this.settings.keyLabel, algorithm: JWS_ALGORITHMS[this.settings.algorithm].signatureAlgorithm, payload: signingInputBase64(input), format: "RAW" },
      SYSTEM_CONTEXT,
    );
    return { token: compactJws(input, signature), jti, expiresAt: exp * 1000 };
  }

  /** Checks a token's form, signature and times. Throws invalidCredential or credentialExpired. */
  verify(token: string, now: number): VerifiedToken {
    const parts = token.length <= MAX_TOKEN_CHARS ? splitCompact(token) : null;
    if (!parts) throw invalid("the bearer token is not a compact JWS");
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts.header, "base64url").toString("utf8"));
      claims = JSON.parse(Buffer.from(parts.payload, "base64url").toString("utf8"));
    } catch {
      throw invalid("the bearer token is not a compact JWS");
    }
    if (!header || typeof header !== "object" || header.alg !== this.settings.algorithm || header.kid !== this.kid || Object.keys(header).some((k) => !["alg", "typ", "kid"].includes(k))) {
      throw invalid("the bearer token was not issued by this service");
    }
    const input = Buffer.from(`${parts.header}.${parts.payload}`, "ascii");
    const signature = Buffer.from(parts.signature, "base64url");
    const valid =
      this.settings.algorithm === "ES256"
        ? verifySignature("sha256", input, { key: this.publicKey, dsaEncoding: "ieee-p1363" }, signature)
        : verifySignature(null, input, this.publicKey, signature);
    if (!valid) throw invalid("the bearer token's signature is not valid");
    if (!claims || typeof claims !== "object" || claims.iss !== this.settings.issuer || claims.aud !== this.settings.issuer) {
      throw invalid("the bearer token was not issued for this service");
    }
    const seconds = Math.floor(now / 1000);
    const { exp, nbf, sub, jti, name, cid } = claims;
    if (typeof exp !== "number" || typeof nbf !== "number" || typeof sub !== "string" || typeof jti !== "string" || typeof name !== "string" || typeof cid !== "string") {
      throw invalid("the bearer token's claims are malformed");
    }
    if (seconds >= exp) throw new SignetError("credentialExpired", "the bearer token has expired");
    if (seconds + LEEWAY_SECONDS < nbf) throw invalid("the bearer token is not valid yet");
    const roles = stringArray(claims.roles, isRole);
    if (!roles) throw invalid("the bearer token's claims are malformed");
    const scope = claims.scope;
    if (scope !== undefined && (typeof scope !== "string" || !scope.split(" ").every(isScope))) throw invalid("the bearer token's claims are malformed");
    const rate = claims.rate as { perSecond?: unknown; burst?: unknown } | undefined;
    if (rate !== undefined && (typeof rate !== "object" || rate === null || typeof rate.perSecond !== "number" || typeof rate.burst !== "number")) {
      throw invalid("the bearer token's claims are malformed");
    }
    return {
      clientId: sub,
      name,
      roles: roles as Role[],
      scopes: typeof scope === "string" ? (scope.split(" ") as Scope[]) : null,
      keys: stringArray(claims.keys),
      cidrs: stringArray(claims.cidrs),
      rate: rate ? { perSecond: rate.perSecond as number, burst: rate.burst as number } : null,
      credentialId: cid,
      jti,
      expiresAt: exp * 1000,
    };
  }
}
