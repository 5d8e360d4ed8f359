/**
 * The one place where an error kind becomes an HTTP status, and the error body every
 * failure answers with: {"errorCode", "reason", "message"}, the Securosys TSB shape.
 *
 * The statuses follow the TSB's (as seen in Securosys's own services and its Go client):
 * invalid or missing API key 401 (the Go client rolls over to its next key on 401 with
 * errorCode 631), forbidden 403, not found 404, other bad input 400, HSM failures 500.
 * Signet adds 413 for a payload over the limit, 503 for a full queue or an unreachable
 * token, and 504 when the token does not answer in time.
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
  certificateNotFound: 404,
  missingApiKey: 401,
  invalidApiKey: 401,
  roleMissing: 403,
  hsmError: 500,
  hsmUnavailable: 503,
  queueFull: 503,
  hsmTimeout: 504,
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

/** Extra headers an error answer carries (when to come back after a 503). */
export function errorHeaders(error: SignetError): Record<string, string> {
  return error.kind === "queueFull" || error.kind === "hsmUnavailable" ? { "retry-after": "1" } : {};
}
