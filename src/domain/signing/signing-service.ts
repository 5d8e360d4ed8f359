/**
 * Signing and verifying with a key by label: the policy checks (the algorithm fits the key,
 * the key may sign, the payload is within bounds) before the signer is asked.
 *
 * This is the hot path. The key is resolved from memory when it can be, and the payload
 * bytes are handed to the signer without a copy.
 *
 * Every signature and verification is recorded in the audit log, refusals included: who,
 * which key and version, which algorithm, the SHA-256 of the payload and the outcome. A
 * signature is answered only once its record is on disk; when the record cannot be written
 * the caller gets auditUnavailable instead of the signature.
 */
import { createHash } from "node:crypto";
import type { AuditRecorder } from "../../audit/audit-log";
import type { AuditEvent } from "../../audit/record";
import { SignetError } from "../../errors";
import { signatureAlgorithm } from "../../signer/algorithms";
import type { Signer } from "../../signer/signer";
import { errorDetails, outcomeOf } from "../audit/outcome";
import type { OperationContext } from "../context";
import type { KeyService, ResolvedKey } from "../keys/key-service";

export type SignatureFormat = "DER" | "RAW";

export interface SignInput {
  label: string;
  algorithm: string;
  /** Handed over to the signer: the caller must not use it afterwards. */
  payload: Uint8Array;
  format: SignatureFormat;
}

export interface SignOutput {
  signature: Uint8Array;
  keyVersion: string;
}

export interface VerifyInput {
  label: string;
  algorithm: string;
  payload: Uint8Array;
  signature: Uint8Array;
}

export class SigningService {
  constructor(
    private readonly keys: KeyService,
    private readonly signer: Signer,
    private readonly maxPayloadBytes: number,
    private readonly audit: AuditRecorder,
  ) {}

  async sign(input: SignInput, context: OperationContext): Promise<SignOutput> {
    // Taken before the payload's buffer is handed over to a Worker.
    const digest = this.audit.recordsOperations ? createHash("sha256").update(input.payload).digest("hex") : null;
    let key: ResolvedKey | undefined;
    let signature: Uint8Array;
    try {
      key = this.keys.cached(input.label) ?? (await this.keys.resolve(input.label));
      this.check(key, input.algorithm, input.payload);
      if (!key.flags.sign) {
        throw new SignetError("operationForbiddenForKey", `key "${key.label}" does not have the sign attribute`);
      }
      signature = await this.signer.sign(key.handleId, input.algorithm, input.payload, input.format === "DER");
    } catch (error) {
      if (digest !== null) await this.recordFailure(context, this.event("sign", input, key, digest), error);
      throw error;
    }
    if (digest !== null) await this.audit.record(context, this.event("sign", input, key, digest));
    return { signature, keyVersion: key.keyVersion };
  }

  async verify(input: VerifyInput, context: OperationContext): Promise<boolean> {
    const digest = this.audit.recordsOperations ? createHash("sha256").update(input.payload).digest("hex") : null;
    let key: ResolvedKey | undefined;
    let valid: boolean;
    try {
      key = this.keys.cached(input.label) ?? (await this.keys.resolve(input.label));
      this.check(key, input.algorithm, input.payload);
      valid = await this.signer.verify(key.handleId, input.algorithm, input.payload, input.signature);
    } catch (error) {
      if (digest !== null) await this.recordFailure(context, this.event("verify", input, key, digest), error);
      throw error;
    }
    if (digest !== null) {
      const event = this.event("verify", input, key, digest);
      await this.audit.record(context, { ...event, details: { ...event.details, signatureValid: valid } });
    }
    return valid;
  }

  private event(action: "sign" | "verify", input: { label: string; algorithm: string }, key: ResolvedKey | undefined, digest: string): AuditEvent {
    const details: AuditEvent["details"] = { algorithm: input.algorithm, payloadSha256: digest };
    if (key) details.keyVersion = key.keyVersion;
    return { action, objectType: "key", objectId: input.label, outcome: "success", details };
  }

  /** Records a refused or failed operation; the caller's error stands even if that fails. */
  private async recordFailure(context: OperationContext, event: AuditEvent, error: unknown): Promise<void> {
    await this.audit
      .record(context, { ...event, outcome: outcomeOf(error), details: { ...event.details, ...errorDetails(error) } })
      .catch(() => undefined);
  }

  private check(key: ResolvedKey, algorithmName: string, payload: Uint8Array): void {
    const algorithm = signatureAlgorithm(algorithmName);
    if (!algorithm) throw new SignetError("inputValidation", `unknown signatureAlgorithm "${algorithmName}"`);
    if (algorithm.keyType !== key.type) {
      throw new SignetError(
        "algorithmNotSupportedByKey",
        `${algorithmName} needs a ${algorithm.keyType} key; "${key.label}" is ${key.type}`,
      );
    }
    if (payload.length > this.maxPayloadBytes) {
      throw new SignetError("payloadTooLarge", `the payload is ${payload.length} bytes; at most ${this.maxPayloadBytes} are accepted`);
    }
    if (payload.length === 0) throw new SignetError("invalidPayload", "the payload is empty");
  }
}
