/**
 * Running a domain operation and recording it in the audit log, the one way every service
 * does it: on success the event with the operation's details, awaited, so that the caller
 * hears of success only once the record is on disk; on failure the event with the error's
 * code and outcome (failure or denied), after which the caller's error stands even if the
 * record could not be written.
 */
import type { AuditRecorder } from "../../audit/audit-log";
import type { AuditEvent } from "../../audit/record";
import type { OperationContext } from "../context";
import { errorDetails, outcomeOf } from "./outcome";

export async function recordFailure(audit: AuditRecorder, context: OperationContext, event: AuditEvent, error: unknown): Promise<void> {
  await audit
    .record(context, { ...event, outcome: outcomeOf(error), details: { ...event.details, ...errorDetails(error) } })
    .catch(() => undefined);
}

export async function recorded<T>(
  audit: AuditRecorder,
  context: OperationContext,
  event: AuditEvent,
  operation: () => Promise<T>,
  details: (result: T) => AuditEvent["details"] = () => ({}),
): Promise<T> {
  let result: T;
  try {
    result = await operation();
  } catch (error) {
    await recordFailure(audit, context, event, error);
    throw error;
  }
  await audit.record(context, { ...event, details: { ...event.details, ...details(result) } });
  return result;
}

/**
 * The same for a cryptographic operation (encrypt, decrypt, wrap, HMAC, ...), which is recorded
 * unless SIGNET_AUDIT_OPERATIONS switched the recording of operations off (to measure its cost).
 */
export function recordedOperation<T>(
  audit: AuditRecorder,
  context: OperationContext,
  event: AuditEvent,
  operation: () => Promise<T>,
  details?: (result: T) => AuditEvent["details"],
): Promise<T> {
  return audit.recordsOperations ? recorded(audit, context, event, operation, details) : operation();
}

/** The event of an operation on a key. */
export function keyEvent(action: string, label: string, details: AuditEvent["details"] = {}): AuditEvent {
  return { action, objectType: "key", objectId: label, outcome: "success", details };
}
