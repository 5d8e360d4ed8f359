/**
 * PKCS#11 return values: which ones mean the session (or the device) is gone, and what a
 * failing CKR means for the caller. pkcs11js throws a Pkcs11Error whose message is the CKR
 * name and whose code is its number; the name is kept so that no layer above has to know
 * the numbers.
 */
import type { OpFailure } from "../types";

/** The session can no longer be used: evict it, open a fresh one, log in again if needed. */
const SESSION_FAULTS = new Set([
  "CKR_SESSION_HANDLE_INVALID",
  "CKR_SESSION_CLOSED",
  "CKR_DEVICE_ERROR",
  "CKR_DEVICE_REMOVED",
  "CKR_TOKEN_NOT_PRESENT",
  "CKR_USER_NOT_LOGGED_IN",
]);

/** A cached object handle is stale (the object was deleted or recreated elsewhere). */
const STALE_HANDLE = new Set(["CKR_OBJECT_HANDLE_INVALID", "CKR_KEY_HANDLE_INVALID"]);

export function ckrName(error: unknown): string | undefined {
  if (error && typeof error === "object" && "message" in error) {
    const message = String((error as { message: unknown }).message);
    const match = /^(CKR_[A-Z0-9_]+)/.exec(message);
    if (match) return match[1];
  }
  return undefined;
}

export function isSessionFault(ckr: string | undefined): boolean {
  return ckr !== undefined && SESSION_FAULTS.has(ckr);
}

export function isStaleHandle(ckr: string | undefined): boolean {
  return ckr !== undefined && STALE_HANDLE.has(ckr);
}

/** Translates a PKCS#11 failure of an operation into the failure the caller sees. */
export function failureFromCkr(ckr: string | undefined, what: string): OpFailure {
  switch (ckr) {
    case "CKR_KEY_TYPE_INCONSISTENT":
      return { kind: "algorithmNotSupportedByKey", message: `${what}: the key type does not fit the mechanism`, ckr };
    case "CKR_KEY_FUNCTION_NOT_PERMITTED":
      return { kind: "operationForbiddenForKey", message: `${what}: the key's attributes do not permit this operation`, ckr };
    case "CKR_ACTION_PROHIBITED":
      return { kind: "operationForbiddenForKey", message: `${what}: the token prohibits this action on the key`, ckr };
    case "CKR_MECHANISM_INVALID":
    case "CKR_MECHANISM_PARAM_INVALID":
      return { kind: "mechanismNotSupported", message: `${what}: the token does not support the mechanism`, ckr };
    case "CKR_DATA_LEN_RANGE":
    case "CKR_DATA_INVALID":
      return { kind: "invalidPayload", message: `${what}: the payload has a length or form the mechanism refuses`, ckr };
    case "CKR_DEVICE_REMOVED":
    case "CKR_TOKEN_NOT_PRESENT":
    case "CKR_DEVICE_ERROR":
    case "CKR_SESSION_HANDLE_INVALID":
    case "CKR_SESSION_CLOSED":
      return { kind: "hsmUnavailable", message: `${what}: the token is not reachable`, ckr };
    default:
      return { kind: "hsmError", message: `${what}: the token answered ${ckr ?? "with an unknown error"}`, ckr };
  }
}
