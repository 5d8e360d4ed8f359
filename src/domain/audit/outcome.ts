/**
 * How the domain describes what happened to an operation in its audit record: success, a
 * refusal of the caller ("denied": no or a wrong key, a missing role, a key whose attributes
 * forbid the operation), or any other failure, with the error's stable code and reason.
 */
import type { DetailValue, Outcome } from "../../audit/record";
import { ERROR_CATALOGUE, SignetError, type ErrorKind } from "../../errors";

const DENIALS = new Set<ErrorKind>(["missingApiKey", "invalidApiKey", "roleMissing", "operationForbiddenForKey", "keyPasswordMismatch"]);

export function outcomeOf(error: unknown): Outcome {
  return error instanceof SignetError && DENIALS.has(error.kind) ? "denied" : "failure";
}

export function errorDetails(error: unknown): Record<string, DetailValue> {
  const kind: ErrorKind = error instanceof SignetError ? error.kind : "internal";
  return { errorCode: ERROR_CATALOGUE[kind].errorCode, reason: ERROR_CATALOGUE[kind].reason };
}
