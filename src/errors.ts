/**
 * The one error type of Signet.
 *
 * Every failure that can reach a caller is a SignetError with a stable kind. The kind
 * fixes the numeric `errorCode` and the `reason` string that clients read (the shape of
 * the Securosys TSB error body, so existing TSB clients understand it). This file knows
 * nothing of HTTP: the kind-to-status table lives in src/http/error-status.ts, the only
 * place where a kind becomes a status code.
 *
 * Codes below 700 that exist in the TSB keep the TSB's number and reason; codes Signet
 * adds live in 68x (input), 66x (key state), 46x (access), 71x (HSM availability) and 72x
 * (audit log) so they never collide with a TSB code.
 */

export const ERROR_CATALOGUE = {
  // Input: the request itself is wrong. Nothing is changed.
  invalidJson: { errorCode: 621, reason: "res.error.invalid.json" },
  inputValidation: { errorCode: 600, reason: "res.error.input.validation.failed" },
  invalidPayload: { errorCode: 612, reason: "res.error.invalid.payload" },
  payloadTooLarge: { errorCode: 680, reason: "res.error.payload.too.large" },
  invalidKeyName: { errorCode: 610, reason: "res.error.invalid.key.name" },
  unsupportedKeySize: { errorCode: 603, reason: "res.error.input.keysize" },
  invalidKeyType: { errorCode: 613, reason: "res.error.invalid.key.type" },
  keyAttributesInvalid: { errorCode: 606, reason: "res.error.key.attributes.invalid" },
  algorithmNotSupportedByKey: { errorCode: 607, reason: "res.error.algorithm.not.supported.by.key" },
  mechanismNotSupported: { errorCode: 681, reason: "res.error.mechanism.not.supported" },
  resourceNotFound: { errorCode: 622, reason: "res.error.resource.not.found" },
  invalidAuditBundle: { errorCode: 688, reason: "res.error.invalid.audit.bundle" },
  hostNotAllowed: { errorCode: 682, reason: "res.error.host.not.allowed" },
  requestTimeout: { errorCode: 683, reason: "res.error.request.timeout" },
  headersTooLarge: { errorCode: 684, reason: "res.error.headers.too.large" },
  jsonTooDeep: { errorCode: 685, reason: "res.error.json.too.deep" },
  clientAlreadyExists: { errorCode: 686, reason: "res.error.client.already.existing" },
  batchTooLarge: { errorCode: 687, reason: "res.error.batch.too.large" },
  invalidTagLength: { errorCode: 624, reason: "res.error.key.invalid.tagLength" },
  numberOutOfRange: { errorCode: 619, reason: "res.error.invalid.number.range" },
  invalidCertificateEncoding: { errorCode: 626, reason: "res.error.certificate.invalid.encoding" },
  invalidCsr: { errorCode: 628, reason: "res.error.csr.invalid.format" },
  /** A certificate that does not fit its use: not the key's, not a CA certificate, expired. */
  invalidCertificate: { errorCode: 402, reason: "res.error.invalid.certificate" },
  /** Key material (imported, unwrapped) that is not a key of the kind claimed. */
  invalidKeyEncoding: { errorCode: 625, reason: "res.error.key.invalid.encoding" },
  /** The ciphertext does not decrypt under the key: a GCM tag that does not verify, bad padding. */
  decryptionFailed: { errorCode: 410, reason: "res.error.decrypt.failed" },

  // State of a key.
  keyAlreadyExists: { errorCode: 608, reason: "res.error.key.already.existing" },
  keyNotFound: { errorCode: 650, reason: "res.error.key.not.existent" },
  operationForbiddenForKey: { errorCode: 614, reason: "res.error.operation.forbidden.for.key" },
  keyBlocked: { errorCode: 660, reason: "res.error.key.blocked" },
  keyVersionNotFound: { errorCode: 661, reason: "res.error.key.version.not.existent" },
  keyVersionRetired: { errorCode: 662, reason: "res.error.key.version.below.minimum" },
  /** The key has a password and the request's (password, keyPassword, ...) is not it, or the key has none and one was given. */
  keyPasswordMismatch: { errorCode: 620, reason: "res.error.key.password.mismatch" },
  certificateNotFound: { errorCode: 663, reason: "res.error.certificate.not.existent" },

  // Access.
  missingApiKey: { errorCode: 416, reason: "res.error.missing.api.key" },
  invalidApiKey: { errorCode: 631, reason: "res.error.invalid.api.key" },
  roleMissing: { errorCode: 400, reason: "res.error.security.not.allowed" },
  credentialExpired: { errorCode: 460, reason: "res.error.credential.expired" },
  credentialRevoked: { errorCode: 461, reason: "res.error.credential.revoked" },
  invalidCredential: { errorCode: 462, reason: "res.error.invalid.credential" },
  scopeMissing: { errorCode: 463, reason: "res.error.scope.missing" },
  keyNotAllowed: { errorCode: 464, reason: "res.error.key.not.allowed" },
  addressNotAllowed: { errorCode: 465, reason: "res.error.address.not.allowed" },
  rateLimited: { errorCode: 466, reason: "res.error.rate.limited" },
  clientCertificateRequired: { errorCode: 467, reason: "res.error.client.certificate.required" },
  clientCertificateRejected: { errorCode: 468, reason: "res.error.client.certificate.rejected" },
  credentialMismatch: { errorCode: 469, reason: "res.error.credential.mismatch" },

  // The HSM and the pool in front of it.
  hsmError: { errorCode: 701, reason: "res.error.in.hsm" },
  hsmUnavailable: { errorCode: 710, reason: "res.error.hsm.unavailable" },
  queueFull: { errorCode: 711, reason: "res.error.queue.full" },
  hsmTimeout: { errorCode: 712, reason: "res.error.hsm.timeout" },

  // The audit log: an operation whose record cannot be written is not confirmed.
  auditUnavailable: { errorCode: 720, reason: "res.error.audit.unavailable" },

  // Anything else is a defect in Signet; its details never leave the process.
  internal: { errorCode: 100, reason: "res.error.impl" },
} as const satisfies Record<string, { errorCode: number; reason: string }>;

export type ErrorKind = keyof typeof ERROR_CATALOGUE;

export class SignetError extends Error {
  readonly kind: ErrorKind;
  /** Extra facts safe to show a caller (never secrets). */
  readonly details?: Record<string, unknown>;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SignetError";
    this.kind = kind;
    this.details = options?.details;
  }

  get errorCode(): number {
    return ERROR_CATALOGUE[this.kind].errorCode;
  }

  get reason(): string {
    return ERROR_CATALOGUE[this.kind].reason;
  }
}

/** Whether `value` is a SignetError, of one of `kinds` when any are named (e.g. a lookup's keyNotFound that a caller handles). */
export function isSignetError(value: unknown, ...kinds: ErrorKind[]): value is SignetError {
  return value instanceof SignetError && (kinds.length === 0 || kinds.includes(value.kind));
}

/** The error as a SignetError: anything else is a defect, answered as internal with it as the cause. */
export function asSignetError(error: unknown): SignetError {
  return error instanceof SignetError ? error : new SignetError("internal", "internal error", { cause: error });
}
