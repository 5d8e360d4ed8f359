/**
 * API clients, their API keys, and turning a presented key into a principal with roles.
 *
 * A key is found by a lookup value derived from it (the first 12 bytes of its SHA-256), then
 * its full SHA-256 is compared with the stored one in constant time. API keys are random and
 * long, so a fast hash is the right tool (a password would need a slow one). Successful
 * lookups are cached for a few seconds so that the signing path does not read the database
 * on every request; a revocation therefore takes effect within that time.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { AuditRecorder } from "../audit/audit-log";
import { SignetError } from "../errors";
import type { CredentialRepository } from "../store/credentials";
import type { ApiClientRow } from "../store/schema";
import type { OperationContext } from "./context";
import { isRole, ROLES, type Role } from "./roles";

export interface Principal {
  clientId: string;
  name: string;
  roles: ReadonlySet<Role>;
}

export interface NewApiKey {
  clientId: string;
  credentialId: string;
  /** Shown once; only its hash is kept. */
  secret: string;
}

interface CachedPrincipal {
  principal: Principal;
  secretHash: Buffer;
  notBefore: number;
  notAfter: number;
  expires: number;
}

const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;
const BOOTSTRAP_CLIENT = "bootstrap";

function digest(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

function lookupOf(hash: Buffer): string {
  return hash.subarray(0, 12).toString("base64url");
}

function parseRoles(json: string): Set<Role> {
  return new Set((JSON.parse(json) as string[]).filter(isRole));
}

function time(iso: string | null, fallback: number): number {
  return iso ? Date.parse(iso) : fallback;
}

export function validateRoles(roles: string[]): Role[] {
  if (roles.length === 0) throw new SignetError("inputValidation", "at least one role is required");
  for (const role of roles) {
    if (!isRole(role)) throw new SignetError("inputValidation", `unknown role "${role}" (roles: ${ROLES.join(", ")})`);
  }
  return [...new Set(roles)] as Role[];
}

export class AccessService {
  private readonly cache = new Map<string, CachedPrincipal>();

  constructor(
    private readonly credentials: CredentialRepository,
    private readonly audit: AuditRecorder,
  ) {}

  /**
   * Creates a client and an API key for it. For an existing client of that name with the same
   * roles it adds a further key (for rolling keys over); other roles are refused. The audit
   * record names the client by its id; its name (possibly a person's) stays out of the log.
   */
  async createApiKey(name: string, roles: string[], context: OperationContext): Promise<NewApiKey> {
    if (!/^[\p{L}\p{N}][\p{L}\p{N} ._@-]{0,63}$/u.test(name)) {
      throw new SignetError("inputValidation", "a client name is 1 to 64 letters, digits, spaces or . _ @ -");
    }
    const client = this.clientWithRoles(name, validateRoles(roles), false);
    const secret = `sgk_${randomBytes(32).toString("base64url")}`;
    const credentialId = this.storeSecret(client.id, secret);
    await this.recordNewKey(context, client, credentialId);
    return { clientId: client.id, credentialId, secret };
  }

  /** Makes sure an API key with this secret and every role exists (SIGNET_BOOTSTRAP_API_KEY). */
  async ensureBootstrapKey(secret: string, context: OperationContext): Promise<void> {
    const client = this.clientWithRoles(BOOTSTRAP_CLIENT, [...ROLES], true);
    const found = this.credentials.byLookup(lookupOf(digest(secret)));
    if (found && found.client.id === client.id) return;
    if (found) throw new SignetError("inputValidation", "the bootstrap API key is already in use by another client");
    const credentialId = this.storeSecret(client.id, secret);
    await this.recordNewKey(context, client, credentialId);
  }

  private recordNewKey(context: OperationContext, client: ApiClientRow, credentialId: string): Promise<void> {
    return this.audit.record(context, {
      action: "apiKey.create", objectType: "apiClient", objectId: client.id, outcome: "success",
      details: { credentialId, roles: JSON.parse(client.roles) as string[] },
    });
  }

  /** Throws missingApiKey or invalidApiKey; never says which part of a wrong key was wrong. */
  authenticate(secret: string | null | undefined, now = Date.now()): Principal {
    if (!secret) throw new SignetError("missingApiKey", "an API key is required in the X-API-KEY header");
    const hash = digest(secret);
    const lookup = lookupOf(hash);
    let entry = this.cache.get(lookup);
    if (!entry || entry.expires < now) {
      entry = this.load(lookup, now);
      if (!entry) throw new SignetError("invalidApiKey", "the API key is not valid");
    }
    if (!timingSafeEqual(entry.secretHash, hash) || now < entry.notBefore || now > entry.notAfter) {
      throw new SignetError("invalidApiKey", "the API key is not valid");
    }
    return entry.principal;
  }

  requireRole(principal: Principal, role: Role): void {
    if (!principal.roles.has(role)) {
      throw new SignetError("roleMissing", `this API key lacks the ${role} role`);
    }
  }

  private load(lookup: string, now: number): CachedPrincipal | undefined {
    const found = this.credentials.byLookup(lookup);
    if (!found || found.credential.revokedAt || found.client.disabledAt) {
      this.cache.delete(lookup);
      return undefined;
    }
    const { credential, client } = found;
    const entry: CachedPrincipal = {
      principal: { clientId: client.id, name: client.name, roles: parseRoles(client.roles) },
      secretHash: Buffer.from(credential.secretHash, "hex"),
      notBefore: time(credential.notBefore, -Infinity),
      notAfter: time(credential.notAfter, Infinity),
      expires: now + CACHE_TTL_MS,
    };
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(lookup, entry);
    return entry;
  }

  private clientWithRoles(name: string, roles: Role[], resetRoles: boolean): ApiClientRow {
    const existing = this.credentials.clientByName(name);
    const rolesJson = JSON.stringify([...roles].sort());
    if (existing) {
      if (existing.roles === rolesJson) return existing;
      if (!resetRoles) {
        throw new SignetError("inputValidation", `client "${name}" exists with other roles (${(JSON.parse(existing.roles) as string[]).join(", ")})`);
      }
      this.credentials.updateRoles(existing.id, rolesJson);
      return { ...existing, roles: rolesJson };
    }
    const client: ApiClientRow = { id: randomUUID(), name, roles: rolesJson, createdAt: new Date().toISOString(), disabledAt: null };
    this.credentials.insertClient(client);
    return client;
  }

  private storeSecret(clientId: string, secret: string): string {
    const hash = digest(secret);
    const id = randomUUID();
    this.credentials.insertCredential({
      id,
      clientId,
      kind: "apiKey",
      lookup: lookupOf(hash),
      secretHash: hash.toString("hex"),
      createdAt: new Date().toISOString(),
      notBefore: null,
      notAfter: null,
      revokedAt: null,
    });
    return id;
  }
}
