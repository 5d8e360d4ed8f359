/**
 * Administration of API clients and their credentials, for the admin API and the CLI:
 * create, list, update, disable and enable clients; create, list, revoke and rotate
 * credentials (API keys, authentication tickets, client certificates).
 *
 * A secret exists in clear only in the return value of the call that made it; the store
 * keeps its hash. Every change is reported through AccessEvents, and clears the request-time
 * caches of the AccessService in this process (`onChange`) so that it applies at once.
 */
import { randomUUID } from "node:crypto";
import { SignetError } from "../../errors";
import type { CredentialRepository } from "../../store/credentials";
import type { ApiClientRow, ApiCredentialRow } from "../../store/schema";
import { isRole, ROLES, type Role } from "../roles";
import { certificateFacts, decodeCertificateText } from "./certificates";
import { parseCidr } from "./cidr";
import type { AccessAction, AccessEvents, RequestOrigin } from "./events";
import { normaliseKeyPatterns } from "./key-grant";
import { isScope, SCOPES } from "./scopes";
import { clientView, credentialView, type ClientView, type CredentialView } from "./client-views";
import { CREDENTIAL_KINDS, digest, lookupOf, newSecret, type CredentialKind } from "./secrets";

export type { ClientView, CredentialView } from "./client-views";

export interface ClientInput {
  name: string;
  roles: string[];
  scopes?: string[] | null;
  allowedKeys?: string[] | null;
  allowedCidrs?: string[] | null;
  rateLimit?: { perSecond: number; burst?: number | null } | null;
  description?: string | null;
}

export type ClientChangesInput = Partial<Omit<ClientInput, "name">>;

export interface CredentialInput {
  kind: string;
  name?: string | null;
  notBefore?: string | null;
  notAfter?: string | null;
  validForSeconds?: number | null;
  /** For kind "certificate": PEM, or base64 of the DER. */
  certificate?: string | null;
}

export interface NewCredential {
  credential: CredentialView;
  /** Shown once; only its hash is kept. Null for a client certificate. */
  secret: string | null;
}

export const BOOTSTRAP_CLIENT = "bootstrap";
/** How long a rotated credential stays valid beside its successor, unless the caller says. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 3600;

const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._@-]{0,63}$/u;
const CREDENTIAL_NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._@:-]{0,63}$/u;

function invalid(message: string): SignetError {
  return new SignetError("inputValidation", message);
}

function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

function instant(value: string, field: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw invalid(`${field} must be an RFC 3339 date-time such as 2027-01-31T12:00:00Z`);
  return ms;
}

export function validateRoles(roles: string[]): Role[] {
  if (roles.length === 0) throw invalid("at least one role is required");
  for (const role of roles) {
    if (!isRole(role)) throw invalid(`unknown role "${role}" (roles: ${ROLES.join(", ")})`);
  }
  return [...new Set(roles)].sort() as Role[];
}

function validateScopes(scopes: string[] | null | undefined, roles: Role[]): string[] | null {
  if (scopes === null || scopes === undefined) return null;
  for (const scope of scopes) {
    if (!isScope(scope)) throw invalid(`unknown scope "${scope}" (see the scope table in README.md)`);
    if (!roles.includes(SCOPES[scope].role)) throw invalid(`scope ${scope} needs the ${SCOPES[scope].role} role, which the client does not have`);
  }
  return [...new Set(scopes)].sort();
}

function validateCidrs(cidrs: string[] | null | undefined): string[] | null {
  if (cidrs === null || cidrs === undefined) return null;
  if (cidrs.length === 0) throw invalid("allowedCidrs must name at least one range, or be null for any address");
  return [
    ...new Set(
      cidrs.map((text) => {
        try {
          return parseCidr(text).text;
        } catch (error) {
          throw invalid((error as Error).message);
        }
      }),
    ),
  ];
}

function validateRate(rate: ClientInput["rateLimit"]): { perSecond: number | null; burst: number | null } {
  if (rate === null || rate === undefined) return { perSecond: null, burst: null };
  const burst = rate.burst ?? Math.max(1, Math.ceil(rate.perSecond));
  if (!(rate.perSecond > 0 && rate.perSecond <= 1_000_000) || !Number.isInteger(burst) || burst < 1 || burst > 1_000_000) {
    throw invalid("rateLimit.perSecond must be above 0 (at most 1000000) and rateLimit.burst a whole number from 1 to 1000000");
  }
  return { perSecond: rate.perSecond, burst };
}

export class ClientAdminService {
  constructor(
    private readonly repo: CredentialRepository,
    private readonly events: AccessEvents,
    private readonly onChange: (clientId: string) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  listClients(): ClientView[] {
    return this.repo.clients().map(clientView);
  }

  client(id: string): ClientView {
    return clientView(this.row(id));
  }

  clientByName(name: string): ClientView {
    const row = this.repo.clientByName(name);
    if (!row) throw new SignetError("resourceNotFound", `no client named "${name}"`);
    return clientView(row);
  }

  async createClient(input: ClientInput, origin: RequestOrigin): Promise<ClientView> {
    if (!NAME.test(input.name)) throw invalid("a client name is 1 to 64 letters, digits, spaces or . _ @ -, starting with a letter or digit");
    if (this.repo.clientByName(input.name)) throw new SignetError("clientAlreadyExists", `a client named "${input.name}" already exists`);
    const roles = validateRoles(input.roles);
    const rate = validateRate(input.rateLimit);
    const row: ApiClientRow = {
      id: randomUUID(),
      name: input.name,
      roles: JSON.stringify(roles),
      createdAt: isoSeconds(this.now()),
      disabledAt: null,
      scopes: this.json(validateScopes(input.scopes, roles)),
      allowedKeys: this.json(normaliseKeyPatterns(input.allowedKeys)),
      allowedCidrs: this.json(validateCidrs(input.allowedCidrs)),
      ratePerSecond: rate.perSecond,
      rateBurst: rate.burst,
      description: this.description(input.description),
      updatedAt: null,
    };
    try {
      this.repo.insertClient(row);
    } catch (error) {
      // Another process (the CLI beside the server) took the name between the check and here.
      if (this.repo.clientByName(input.name)) throw new SignetError("clientAlreadyExists", `a client named "${input.name}" already exists`);
      throw error;
    }
    await this.changed("client.created", row.id, origin, { name: row.name, roles });
    return clientView(row);
  }

  async updateClient(id: string, changes: ClientChangesInput, origin: RequestOrigin): Promise<ClientView> {
    const row = this.row(id);
    const roles = changes.roles === undefined ? (JSON.parse(row.roles) as Role[]) : validateRoles(changes.roles ?? []);
    const scopes = changes.scopes === undefined ? (row.scopes === null ? null : (JSON.parse(row.scopes) as string[])) : changes.scopes;
    const next: ApiClientRow = {
      ...row,
      roles: JSON.stringify(roles),
      scopes: this.json(validateScopes(scopes, roles)),
      updatedAt: isoSeconds(this.now()),
    };
    if (changes.allowedKeys !== undefined) next.allowedKeys = this.json(normaliseKeyPatterns(changes.allowedKeys));
    if (changes.allowedCidrs !== undefined) next.allowedCidrs = this.json(validateCidrs(changes.allowedCidrs));
    if (changes.rateLimit !== undefined) {
      const rate = validateRate(changes.rateLimit);
      next.ratePerSecond = rate.perSecond;
      next.rateBurst = rate.burst;
    }
    if (changes.description !== undefined) next.description = this.description(changes.description);
    const { id: _id, createdAt: _created, ...columns } = next;
    this.repo.updateClient(id, columns);
    await this.changed("client.updated", id, origin, { fields: Object.keys(changes).sort() });
    return clientView(next);
  }

  async setDisabled(id: string, disabled: boolean, origin: RequestOrigin): Promise<ClientView> {
    const row = this.row(id);
    if (disabled && origin.actor === id) throw invalid("a client cannot disable itself");
    if (Boolean(row.disabledAt) === disabled) return clientView(row);
    const at = isoSeconds(this.now());
    const next = { ...row, disabledAt: disabled ? at : null, updatedAt: at };
    this.repo.updateClient(id, { disabledAt: next.disabledAt, updatedAt: at });
    await this.changed(disabled ? "client.disabled" : "client.enabled", id, origin);
    return clientView(next);
  }

  credentials(clientId: string): CredentialView[] {
    this.row(clientId);
    const now = this.now();
    return this.repo.credentialsOf(clientId).map((row) => credentialView(row, now));
  }

  async createCredential(clientId: string, input: CredentialInput, origin: RequestOrigin): Promise<NewCredential> {
    this.row(clientId);
    const kind = input.kind as CredentialKind;
    if (!CREDENTIAL_KINDS.includes(kind)) throw invalid(`kind must be one of ${CREDENTIAL_KINDS.join(", ")}`);
    const made = kind === "certificate" ? this.certificateCredential(clientId, input) : this.secretCredential(clientId, kind, input);
    this.repo.insertCredential(made.row);
    await this.changed("credential.created", clientId, origin, { kind, notBefore: made.row.notBefore, notAfter: made.row.notAfter }, made.row.id);
    return { credential: credentialView(made.row, this.now()), secret: made.secret };
  }

  async revokeCredential(clientId: string, credentialId: string, origin: RequestOrigin): Promise<CredentialView> {
    const row = this.credentialRow(clientId, credentialId);
    const at = isoSeconds(this.now());
    if (this.repo.revokeCredential(credentialId, at)) {
      await this.changed("credential.revoked", clientId, origin, undefined, credentialId);
      return credentialView({ ...row, revokedAt: at }, this.now());
    }
    return credentialView(row, this.now());
  }

  /**
   * Makes a successor with a new secret and the same kind, name and length of validity, and
   * shortens the old credential to end `overlapSeconds` from now, so both work meanwhile.
   */
  async rotateCredential(clientId: string, credentialId: string, options: { overlapSeconds?: number | null }, origin: RequestOrigin) {
    const old = this.credentialRow(clientId, credentialId);
    if (old.kind === "certificate") throw invalid("a client certificate is rotated by adding the new certificate and revoking the old one");
    const now = this.now();
    const view = credentialView(old, now);
    if (view.status === "revoked" || view.status === "expired") throw invalid(`credential ${credentialId} is ${view.status}; create a new one instead`);
    const overlap = options.overlapSeconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS;
    if (!Number.isInteger(overlap) || overlap < 0 || overlap > 90 * 86_400) throw invalid("overlapSeconds must be a whole number from 0 to 7776000");
    const lifetime = old.notAfter ? Date.parse(old.notAfter) - Math.max(Date.parse(old.notBefore ?? old.createdAt), Date.parse(old.createdAt)) : null;
    const kind = old.kind as "apiKey" | "ticket";
    const secret = newSecret(kind);
    const successor = this.secretRow(clientId, kind, secret, old.name, isoSeconds(now), lifetime === null ? null : isoSeconds(now + lifetime));
    successor.rotatedFrom = old.id;
    const oldEnd = Math.min(now + overlap * 1000, old.notAfter ? Date.parse(old.notAfter) : Infinity);
    this.repo.replaceCredential(successor, old.id, isoSeconds(oldEnd));
    await this.changed("credential.rotated", clientId, origin, { previous: old.id, previousNotAfter: isoSeconds(oldEnd), notAfter: successor.notAfter }, successor.id);
    return {
      credential: credentialView(successor, now),
      secret,
      previous: credentialView({ ...old, notAfter: isoSeconds(oldEnd) }, now),
    };
  }

  /** Makes sure an API key with this secret and every role exists (SIGNET_BOOTSTRAP_API_KEY). */
  async ensureBootstrapKey(secret: string, origin: RequestOrigin): Promise<void> {
    const client = await this.clientWithRoles(BOOTSTRAP_CLIENT, [...ROLES], true, origin);
    const hash = digest(secret);
    const found = this.repo.byLookup(lookupOf(hash));
    if (found && found.client.id === client.id) return;
    if (found) throw invalid("the bootstrap API key is already in use by another client");
    const row = this.secretRow(client.id, "apiKey", secret, "bootstrap", null, null);
    this.repo.insertCredential(row);
    await this.changed("credential.created", client.id, origin, { kind: "apiKey", name: "bootstrap" }, row.id);
  }

  /**
   * The CLI's `apikey create`: a client of that name with these roles and a new API key. For
   * an existing client with the same roles it adds a key (rollover); other roles are refused.
   */
  async createApiKey(name: string, roles: string[], origin: RequestOrigin): Promise<{ clientId: string; credentialId: string; secret: string }> {
    if (!NAME.test(name)) throw invalid("a client name is 1 to 64 letters, digits, spaces or . _ @ -, starting with a letter or digit");
    const client = await this.clientWithRoles(name, validateRoles(roles), false, origin);
    const made = await this.createCredential(client.id, { kind: "apiKey" }, origin);
    return { clientId: client.id, credentialId: made.credential.id, secret: made.secret! };
  }

  private async clientWithRoles(name: string, roles: Role[], resetRoles: boolean, origin: RequestOrigin): Promise<ClientView> {
    const existing = this.repo.clientByName(name);
    if (!existing) return this.createClient({ name, roles }, origin);
    const rolesJson = JSON.stringify([...roles].sort());
    if (existing.roles === rolesJson) return clientView(existing);
    if (!resetRoles) throw invalid(`client "${name}" exists with other roles (${(JSON.parse(existing.roles) as string[]).join(", ")})`);
    return this.updateClient(existing.id, { roles }, origin);
  }

  private secretCredential(clientId: string, kind: "apiKey" | "ticket", input: CredentialInput) {
    if (input.certificate) throw invalid("certificate is only for kind certificate");
    const { notBefore, notAfter } = this.validity(input);
    if (kind === "ticket" && notAfter === null) throw invalid("a ticket needs a validity period: notAfter or validForSeconds");
    const secret = newSecret(kind);
    return { row: this.secretRow(clientId, kind, secret, this.credentialName(input.name), notBefore, notAfter), secret };
  }

  private certificateCredential(clientId: string, input: CredentialInput) {
    if (!input.certificate) throw invalid("kind certificate needs the client certificate (PEM or base64 DER)");
    const der = decodeCertificateText(input.certificate);
    const facts = certificateFacts(der);
    if (facts.usageProblem) throw invalid(`the certificate cannot authenticate a TLS client: ${facts.usageProblem}`);
    if (this.repo.byLookup(lookupOf(Buffer.from(facts.thumbprint, "hex")))) throw invalid("this certificate is already registered");
    const own = this.validity(input);
    const row: ApiCredentialRow = {
      id: randomUUID(),
      clientId,
      kind: "certificate",
      lookup: lookupOf(Buffer.from(facts.thumbprint, "hex")),
      secretHash: facts.thumbprint,
      createdAt: isoSeconds(this.now()),
      notBefore: own.notBefore ?? isoSeconds(facts.notBefore),
      notAfter: own.notAfter ?? isoSeconds(facts.notAfter),
      revokedAt: null,
      name: this.credentialName(input.name),
      subject: facts.subject.slice(0, 512),
      rotatedFrom: null,
    };
    return { row, secret: null };
  }

  private secretRow(clientId: string, kind: "apiKey" | "ticket", secret: string, name: string | null, notBefore: string | null, notAfter: string | null): ApiCredentialRow {
    const hash = digest(secret);
    return {
      id: randomUUID(),
      clientId,
      kind,
      lookup: lookupOf(hash),
      secretHash: hash.toString("hex"),
      createdAt: isoSeconds(this.now()),
      notBefore,
      notAfter,
      revokedAt: null,
      name,
      subject: null,
      rotatedFrom: null,
    };
  }

  private validity(input: CredentialInput): { notBefore: string | null; notAfter: string | null } {
    const now = this.now();
    const notBefore = input.notBefore ? instant(input.notBefore, "notBefore") : null;
    if (input.notAfter && input.validForSeconds) throw invalid("give notAfter or validForSeconds, not both");
    let notAfter: number | null = null;
    if (input.notAfter) notAfter = instant(input.notAfter, "notAfter");
    if (input.validForSeconds !== undefined && input.validForSeconds !== null) {
      if (!Number.isInteger(input.validForSeconds) || input.validForSeconds < 1 || input.validForSeconds > 10 * 366 * 86_400) {
        throw invalid("validForSeconds must be a whole number of seconds from 1 to ten years");
      }
      notAfter = (notBefore ?? now) + input.validForSeconds * 1000;
    }
    if (notAfter !== null && notAfter <= now) throw invalid("notAfter must be in the future");
    if (notAfter !== null && notBefore !== null && notAfter <= notBefore) throw invalid("notAfter must be after notBefore");
    return { notBefore: notBefore === null ? null : isoSeconds(notBefore), notAfter: notAfter === null ? null : isoSeconds(notAfter) };
  }

  private credentialName(name: string | null | undefined): string | null {
    if (name === null || name === undefined) return null;
    if (!CREDENTIAL_NAME.test(name)) throw invalid("a credential name is 1 to 64 letters, digits, spaces or . _ @ : -, starting with a letter or digit");
    return name;
  }

  private description(text: string | null | undefined): string | null {
    if (text === null || text === undefined) return null;
    if (text.length > 512 || /[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) throw invalid("a description is at most 512 characters without control characters");
    return text;
  }

  private json(list: string[] | null): string | null {
    return list === null ? null : JSON.stringify(list);
  }

  private row(id: string): ApiClientRow {
    const row = this.repo.clientById(id);
    if (!row) throw new SignetError("resourceNotFound", `no client with id "${id}"`);
    return row;
  }

  private credentialRow(clientId: string, credentialId: string): ApiCredentialRow {
    this.row(clientId);
    const row = this.repo.credential(clientId, credentialId);
    if (!row) throw new SignetError("resourceNotFound", `client ${clientId} has no credential "${credentialId}"`);
    return row;
  }

  /** Reports a change; resolves once the audit log (if that is where events go) has it on disk. */
  private async changed(action: AccessAction, clientId: string, origin: RequestOrigin, details?: Record<string, unknown>, credentialId?: string): Promise<void> {
    this.onChange(clientId);
    await this.events.record({
      type: "changed",
      action,
      actor: origin.actor,
      requestId: origin.requestId,
      clientAddress: origin.clientAddress,
      clientId,
      ...(credentialId === undefined ? {} : { credentialId }),
      ...(details === undefined ? {} : { details }),
    });
  }
}
