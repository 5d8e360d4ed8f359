/**
 * What the admin API and the CLI show of clients and credentials: everything but secrets.
 * A certificate credential's thumbprint is shown (it is public); a key's or ticket's hash is not.
 */
import type { ApiClientRow, ApiCredentialRow } from "../../store/schema";
import type { Role } from "../roles";
import type { CredentialKind } from "./secrets";

export interface ClientView {
  id: string;
  name: string;
  description: string | null;
  roles: Role[];
  scopes: string[] | null;
  allowedKeys: string[] | null;
  allowedCidrs: string[] | null;
  rateLimit: { perSecond: number; burst: number } | null;
  status: "active" | "disabled";
  createdAt: string;
  updatedAt: string | null;
  disabledAt: string | null;
}

export interface CredentialView {
  id: string;
  clientId: string;
  kind: CredentialKind;
  name: string | null;
  status: "active" | "pending" | "expired" | "revoked";
  createdAt: string;
  notBefore: string | null;
  notAfter: string | null;
  revokedAt: string | null;
  rotatedFrom: string | null;
  /** Client certificates: subject and SHA-256 thumbprint (public facts, not secrets). */
  subject: string | null;
  thumbprint: string | null;
}

export function clientView(row: ApiClientRow): ClientView {
  const list = (text: string | null) => (text === null ? null : (JSON.parse(text) as string[]));
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    roles: list(row.roles) as Role[],
    scopes: list(row.scopes),
    allowedKeys: list(row.allowedKeys),
    allowedCidrs: list(row.allowedCidrs),
    rateLimit: row.ratePerSecond !== null && row.rateBurst !== null ? { perSecond: row.ratePerSecond, burst: row.rateBurst } : null,
    status: row.disabledAt ? "disabled" : "active",
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    disabledAt: row.disabledAt,
  };
}

export function credentialView(row: ApiCredentialRow, now: number): CredentialView {
  const status = row.revokedAt
    ? "revoked"
    : row.notAfter && Date.parse(row.notAfter) < now
      ? "expired"
      : row.notBefore && Date.parse(row.notBefore) > now
        ? "pending"
        : "active";
  return {
    id: row.id,
    clientId: row.clientId,
    kind: row.kind as CredentialKind,
    name: row.name,
    status,
    createdAt: row.createdAt,
    notBefore: row.notBefore,
    notAfter: row.notAfter,
    revokedAt: row.revokedAt,
    rotatedFrom: row.rotatedFrom,
    subject: row.subject,
    thumbprint: row.kind === "certificate" ? row.secretHash : null,
  };
}
