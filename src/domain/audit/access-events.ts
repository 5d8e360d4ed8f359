/**
 * Access control's events in the audit log: every denial (unauthenticated, expired, revoked,
 * scope missing, key not allowed, address not allowed, rate limited, ...) and every change to
 * clients and credentials, with the request's actor, id and (hashed) address.
 *
 * Changes are awaited by the callers that make them, so an administrative change is answered
 * only once its record is on disk. Denials are not awaited: the request is refused either
 * way. An event whose record could not be written is also reported to the service log.
 */
import type { AuditRecorder } from "../../audit/audit-log";
import type { AuditEvent, DetailValue } from "../../audit/record";
import { ERROR_CATALOGUE } from "../../errors";
import { loggingAccessEvents, type AccessEvent, type AccessEvents, type EventLog } from "../access/events";

function detailsOf(values: Record<string, unknown> | undefined): Record<string, DetailValue> {
  return values ? (JSON.parse(JSON.stringify(values)) as Record<string, DetailValue>) : {};
}

export function auditEventOf(event: AccessEvent): AuditEvent {
  if (event.type === "denied") {
    return {
      action: "access.denied",
      objectType: event.target ? "request" : null,
      objectId: event.target ?? null,
      outcome: "denied",
      details: {
        errorCode: ERROR_CATALOGUE[event.kind].errorCode,
        reason: ERROR_CATALOGUE[event.kind].reason,
        message: event.message,
        credentialId: event.credentialId,
      },
    };
  }
  const [objectType] = event.action.split(".");
  return {
    action: event.action,
    objectType: objectType ?? "client",
    objectId: event.credentialId ?? event.clientId,
    outcome: "success",
    details: { clientId: event.clientId, ...detailsOf(event.details) },
  };
}

/** Records each event in the audit log, and writes it to the service log as before. */
export function auditedAccessEvents(audit: AuditRecorder, log: EventLog): AccessEvents {
  const logged = loggingAccessEvents(log);
  return {
    record(event) {
      logged.record(event);
      const context = { actor: event.actor ?? "anonymous", requestId: event.requestId, clientAddress: event.clientAddress };
      const written = audit.record(context, auditEventOf(event));
      written.catch((error: unknown) => log.warn("an access event could not be recorded in the audit log", { error: String(error), type: event.type }));
      // Callers that make changes await this (the failure above is then theirs too).
      return written;
    },
  };
}
