/**
 * Access control's events in the audit log: every denial (unauthenticated, expired, revoked,
 * scope missing, key not allowed, address not allowed, rate limited, ...) and every change to
 * clients and credentials, with the request's actor, id and (hashed) address.
 *
 * Changes are awaited by the callers that make them, so an administrative change is answered
 * only once its record is on disk. Denials are not awaited: the request is refused either
 * way. An event whose record could not be written is also reported to the service log.
 * Repeats of one denial within a window are folded into one more record and log line
 * (denial-digest.ts).
 */
import type { AuditRecorder } from "../../audit/audit-log";
import type { AuditEvent, DetailValue } from "../../audit/record";
import { ERROR_CATALOGUE } from "../../errors";
import { loggingAccessEvents, type AccessEvent, type AccessEvents, type EventLog } from "../access/events";
import { DenialDigest, type Repeats } from "./denial-digest";

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

/** How many denials a window folded and when the first and last came: in its record and its log line. */
function repeatFields(repeats: Repeats): Record<string, DetailValue> {
  return { repeated: repeats.count, firstRepeat: new Date(repeats.firstAt).toISOString(), lastRepeat: new Date(repeats.lastAt).toISOString() };
}

/** The record of the denials a window folded: the last one's, with how many came and when. */
export function repeatedDenialEvent(repeats: Repeats): AuditEvent {
  const event = auditEventOf(repeats.last);
  return { ...event, details: { ...event.details, ...repeatFields(repeats) } };
}

export interface AuditedAccessEvents extends AccessEvents {
  /** Writes the summaries of denials still being counted and waits for their records. */
  close(): Promise<void>;
}

/**
 * Records each event in the audit log, and writes it to the service log as before; the same
 * denial again within `denialWindowMs` of its record is counted, not recorded, and each window
 * that counted any ends in one summary record and log line (0: every denial its own record).
 */
export function auditedAccessEvents(audit: AuditRecorder, log: EventLog, denialWindowMs = 0): AuditedAccessEvents {
  const logged = loggingAccessEvents(log);
  const writing = new Set<Promise<void>>();
  const write = (denialOrChange: AccessEvent, event: AuditEvent): Promise<void> => {
    const context = { actor: denialOrChange.actor ?? "anonymous", requestId: denialOrChange.requestId, clientAddress: denialOrChange.clientAddress };
    const written = audit.record(context, event);
    written.catch((error: unknown) => log.warn("an access event could not be recorded in the audit log", { error: String(error), type: denialOrChange.type }));
    return written;
  };
  const digest = new DenialDigest(denialWindowMs, (repeats) => {
    log.warn("access denied", { ...repeats.last, ...repeatFields(repeats) });
    const written = write(repeats.last, repeatedDenialEvent(repeats)).catch(() => undefined);
    writing.add(written);
    void written.finally(() => writing.delete(written));
  });
  const timer = denialWindowMs > 0 ? setInterval(() => digest.flushEnded(), denialWindowMs) : null;
  (timer as { unref?: () => void } | null)?.unref?.();
  return {
    record(event) {
      if (event.type === "denied" && !digest.admit(event)) return;
      logged.record(event);
      // Callers that make changes await this (the failure is then theirs too).
      return write(event, auditEventOf(event));
    },
    async close() {
      if (timer) clearInterval(timer);
      digest.flush();
      await Promise.all(writing);
    },
  };
}
