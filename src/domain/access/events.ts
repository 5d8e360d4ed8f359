/**
 * What access control reports: every denial, and every change to clients and credentials.
 *
 * All of them pass through one `AccessEvents.record` so that the audit log can take them
 * with a few lines of wiring. Until then the default writes them to the service log. An
 * event never carries a secret: credentials are named by id, tokens by their jti.
 */
import type { ErrorKind } from "../../errors";

export interface RequestOrigin {
  /** Client id, "cli" or "system" for changes; the client id if known for denials. */
  actor: string | null;
  requestId: string;
  clientAddress: string | null;
}

export interface AccessDenial extends RequestOrigin {
  type: "denied";
  /** The error kind the caller received (roleMissing, keyNotAllowed, rateLimited, ...). */
  kind: ErrorKind;
  message: string;
  credentialId: string | null;
  /** What was asked for: a role/scope, a key label, a host name. */
  target?: string;
}

export type AccessAction =
  | "client.created"
  | "client.updated"
  | "client.disabled"
  | "client.enabled"
  | "credential.created"
  | "credential.revoked"
  | "credential.rotated"
  | "token.issued";

export interface AccessChange extends RequestOrigin {
  type: "changed";
  action: AccessAction;
  clientId: string;
  credentialId?: string;
  /** Non-secret facts: the new roles, validity, the jti and expiry of a token. */
  details?: Record<string, unknown>;
}

export type AccessEvent = AccessDenial | AccessChange;

export interface AccessEvents {
  /** May return a promise for the event's durable record: changes are awaited, denials not. */
  record(event: AccessEvent): void | Promise<void>;
}

/** The shape of logger the default needs; the domain does not import the logger module. */
export interface EventLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export function loggingAccessEvents(log: EventLog): AccessEvents {
  return {
    record(event) {
      if (event.type === "denied") log.warn("access denied", { ...event });
      else log.info("access changed", { ...event });
    },
  };
}

export const SILENT_ACCESS_EVENTS: AccessEvents = { record() {} };
