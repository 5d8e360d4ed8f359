/**
 * Fine scopes: the permission a route asks for beyond its role. Each scope belongs to one
 * role; a client that has the role holds all of that role's scopes unless its record lists
 * scopes, in which case it holds only those. Routes declare `role: { role, scope }` (see
 * src/http/auth.ts); declaring a scope of another role is refused when the app is built.
 *
 * Scopes for routes that do not exist yet (encryption, wrapping, certificates, lifecycle)
 * are listed so that clients can be given them ahead of time. README.md's scope table is
 * checked against this one.
 */
import type { Role } from "../roles";

export const SCOPES = {
  "key:read": { role: "keyManagement", description: "list keys, read their attributes and public keys" },
  "key:manage": { role: "keyManagement", description: "create, modify and delete keys" },
  "key:import": { role: "keyManagement", description: "import key material" },
  "key:export": { role: "keyManagement", description: "export extractable keys" },
  "token:publish": { role: "keyManagement", description: "publish keys in /.well-known/jwks.json, or withdraw them" },
  "key:sign": { role: "keyOperation", description: "sign with a key" },
  "key:verify": { role: "keyOperation", description: "verify a signature with a key" },
  "key:encrypt": { role: "keyOperation", description: "encrypt with a key" },
  "key:decrypt": { role: "keyOperation", description: "decrypt with a key" },
  "key:wrap": { role: "keyOperation", description: "wrap a key with another" },
  "key:unwrap": { role: "keyOperation", description: "unwrap a key" },
  "key:hmac": { role: "keyOperation", description: "compute or verify an HMAC" },
  "key:block": { role: "keyOperation", description: "block or unblock a key" },
  "random:generate": { role: "keyOperation", description: "random bytes from the HSM" },
  "token:sign": { role: "keyOperation", description: "mint JWTs with a key (POST /v1/token/jwt)" },
  "certificate:issue": { role: "keyOperation", description: "create CSRs and certificates with a key" },
  "certificate:read": { role: "keyOperation", description: "read certificates" },
  "certificate:revoke": { role: "keyOperation", description: "revoke certificates" },
  "approval:decide": { role: "approver", description: "approve or reject pending requests" },
  "audit:read": { role: "auditor", description: "read and export the audit log" },
  "service:info": { role: "service", description: "version and service information" },
  "admin:clients": { role: "admin", description: "manage API clients and their credentials" },
  "admin:debug": { role: "admin", description: "fault injection (only with SIGNET_DEBUG_FAULTS)" },
} as const satisfies Record<string, { role: Role; description: string }>;

export type Scope = keyof typeof SCOPES;

export const SCOPE_NAMES = Object.keys(SCOPES) as Scope[];

export function isScope(value: string): value is Scope {
  return Object.hasOwn(SCOPES, value);
}

export function scopesOfRole(role: Role): Scope[] {
  return SCOPE_NAMES.filter((scope) => SCOPES[scope].role === role);
}
