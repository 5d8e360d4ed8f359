/**
 * The one place where an error kind becomes an HTTP status, and the error body every
 * failure answers with: {"errorCode", "reason", "message"}, the Securosys TSB shape.
 *
 * The statuses follow the TSB's (as seen in Securosys's own services and its Go client):
 * invalid or missing API key 401 (the Go client rolls over to its next key on 401 with
 * errorCode 631), forbidden 403, not found 404, other bad input 400, HSM failures 500.
 * Signet adds 413 for a payload over the limit, 503 for a full queue or an unreachable
 * token, and 504 when the token does not answer in time; 408, 429 and 431 for a request too
 * slow, too frequent, or with too many header bytes. Denials of access keep the TSB's split:
 * 401 when the caller is not (or no longer) authenticated, 403 when it is but may not.
 */
import { ERROR_CATALOGUE, SignetError, type ErrorKind } from "../errors";

export const HTTP_STATUS: Record<ErrorKind, number> = {
  invalidJson: 400,
  inputValidation: 400,
  invalidPayload: 400,
  payloadTooLarge: 413,
  invalidKeyName: 400,
  unsupportedKeySize: 400,
  invalidKeyType: 400,
  keyAttributesInvalid: 400,
  algorithmNotSupportedByKey: 400,
  mechanismNotSupported: 400,
  resourceNotFound: 404,
  invalidAuditBundle: 400,
  hostNotAllowed: 400,
  requestTimeout: 408,
  headersTooLarge: 431,
  jsonTooDeep: 400,
  clientAlreadyExists: 400,
  batchTooLarge: 413,
  invalidTagLength: 400,
  numberOutOfRange: 400,
  invalidCertificateEncoding: 400,
  invalidCsr: 400,
  invalidCertificate: 400,
  invalidKeyEncoding: 400,
  decryptionFailed: 400,
  keyAlreadyExists: 400,
  keyNotFound: 404,
  operationForbiddenForKey: 403,
  keyBlocked: 403,
  keyVersionNotFound: 404,
  keyVersionRetired: 403,
  keyPasswordMismatch: 403,
  certificateNotFound: 404,
  missingApiKey: 401,
  invalidApiKey: 401,
  roleMissing: 403,
  credentialExpired: 401,
  credentialRevoked: 401,
  invalidCredential: 401,
  scopeMissing: 403,
  keyNotAllowed: 403,
  addressNotAllowed: 403,
  rateLimited: 429,
  clientCertificateRequired: 401,
  clientCertificateRejected: 401,
  credentialMismatch: 401,
  hsmError: 500,
  hsmUnavailable: 503,
  queueFull: 503,
  hsmTimeout: 504,
  auditUnavailable: 503,
  internal: 500,
};

export interface ErrorBody {
  errorCode: number;
  reason: string;
  message: string;
}

export function errorBody(error: SignetError): ErrorBody {
  const { errorCode, reason } = ERROR_CATALOGUE[error.kind];
  return { errorCode, reason, message: error.message };
}

/** Extra headers an error answer carries (when to come back after a 503 or a 429). */
export function errorHeaders(error: SignetError): Record<string, string> {
  if (error.kind === "rateLimited") {
    const seconds = Number(error.details?.retryAfterSeconds);
    return { "retry-after": String(Number.isInteger(seconds) && seconds > 0 ? seconds : 1) };
  }
  // A body that did not arrive in time leaves the connection in an unknown state: close it.
  if (error.kind === "requestTimeout") return { connection: "close" };
  return error.kind === "queueFull" || error.kind === "hsmUnavailable" || error.kind === "auditUnavailable" ? { "retry-after": "1" } : {};
}
