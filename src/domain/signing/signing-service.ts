/**
 * Signing and verifying with a key by label: the policy checks (the caller may use the key,
 * the key is not blocked, the algorithm fits it, it may sign, the payload is within bounds)
 * before the signer is asked.
 *
 * This is the hot path. The key is resolved from memory when it can be. Every signature
 * goes through signBase64 (the HTTP API and batch signing with the caller's base64, the token
 * services with their ASCII signing input as base64), which hands the text to a Worker
 * undecoded: the main thread never touches the payload's bytes, and the Worker returns the
 * payload's SHA-256 with the signature.
 *
 * Every signature and verification is recorded in the audit log, refusals included: who,
 * which key and version, which algorithm, the SHA-256 of the payload and the outcome. A
 * signature is answered only once its record is on disk; when the record cannot be written
 * the caller gets auditUnavailable instead of the signature. A key outside the caller's
 * allow-list is refused before the key is looked up, and recorded by access control.
 * A batch's signatures share one record per key and algorithm (recordBatchSignatures): the
 * audit writer's cost is per record, and with a record per item batch signing ran at 6,848
 * signatures/s against 7,936 now (64 P-256 items a call, bench/NOTES.md).
 */
import { hash } from "node:crypto";
import type { AuditRecorder } from "../../audit/audit-log";
import type { AuditEvent, DetailValue } from "../../audit/record";
import { asSignetError, SignetError } from "../../errors";
import { signatureAlgorithm } from "../../signer/algorithms";
import type { Signer } from "../../signer/signer";
import type { EncodedSignRequest } from "../../signer/types";
import { requireKey } from "../access/key-grant";
import { recordFailure } from "../audit/recorded";
import type { OperationContext } from "../context";
import type { KeyService, ResolvedKey } from "../keys/key-service";
import { checkNotBlocked, namedVersion } from "../keys/key-use";
import { SigningTiming, type SigningTimingSnapshot } from "./signing-timing";

export type SignatureFormat = "DER" | "RAW";

export interface SignBase64Input {
  label: string;
  algorithm: string;
  /** Standard base64 of the payload. */
  payload: string;
  format: SignatureFormat;
  /** The key's password (TSB keyPassword), if it has one. */
  password?: string | null;
}

export interface SignBase64Output {
  /** Base64 of the signature. */
  signature: string;
  keyVersion: string;
}

/** A batch item's signature before the batch's record is written. */
export interface UnrecordedSignature extends SignBase64Output {
  /** Hex SHA-256 of the payload; null when operations are not audited. */
  payloadSha256: string | null;
}

/** What the batch's record says of one signature: its position in the request and its payload. */
export interface BatchSignatureFact {
  index: number;
  payloadSha256: string;
}

export interface VerifyInput {
  label: string;
  algorithm: string;
  payload: Uint8Array;
  signature: Uint8Array;
  /** The key version that signed (default: the current one). */
  keyVersion?: string | null;
  /** The key's password (TSB masterKeyPassword), if it has one. */
  password?: string | null;
}

/** Bytes a canonical base64 text decodes to (an upper bound when it holds whitespace). */
export function base64DecodedLength(text: string): number {
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return Math.floor((text.length * 3) / 4) - padding;
}

function sha256Hex(bytes: Uint8Array): string {
  return hash("sha256", bytes, "hex");
}

/** SHA-256 of a base64 payload, or of its text when it is not base64 (a record says what came). */
function digestOfText(payload: string): string {
  try {
    return sha256Hex(Uint8Array.fromBase64(payload));
  } catch {
    return sha256Hex(Buffer.from(payload, "utf8"));
  }
}

/** Whether signing this input involves the key's password (the key has one, or the caller sent one). */
function needsPasswordCheck(key: ResolvedKey, input: SignBase64Input): boolean {
  return key.passwordHash !== null || (input.password !== undefined && input.password !== null);
}

export class SigningService {
  private readonly timing = new SigningTiming();

  constructor(
    private readonly keys: KeyService,
    private readonly signer: Signer,
    private readonly maxPayloadBytes: number,
    private readonly audit: AuditRecorder,
  ) {}

  /** Single signatures' time in the signer and waiting for their audit record, since start (signing-timing.ts). */
  timingStats(): SigningTimingSnapshot {
    return this.timing.snapshot();
  }

  async signBase64(input: SignBase64Input, context: OperationContext): Promise<SignBase64Output> {
    requireKey(context, input.label);
    let key: ResolvedKey | undefined;
    try {
      key = await this.resolveKey(input.label);
    } catch (error) {
      await this.refused(context, input, undefined, error);
      throw error;
    }
    return this.signBase64With(key, input, context);
  }

  /** The key, from memory when it is loaded. */
  resolveKey(label: string): Promise<ResolvedKey> {
    const cached = this.keys.cached(label);
    return cached ? Promise.resolve(cached) : this.keys.resolve(label);
  }

  /**
   * Signs with a key already resolved (and already checked against the caller's allow-list).
   * The checks run and the signer is asked before anything is awaited, so that signatures
   * asked for in the same turn of the event loop leave for the Workers together.
   */
  signBase64With(key: ResolvedKey, input: SignBase64Input, context: OperationContext): Promise<SignBase64Output> {
    return this.signChecked(key, input, context, true);
  }

  /**
   * signBase64With for one item of a batch: a refusal is recorded at once, but a signature is
   * not. It comes back with its payload's SHA-256 (null when operations are not audited), and
   * the caller records the batch's signatures together (recordBatchSignatures) before it
   * answers any of them.
   */
  signBase64ForBatch(key: ResolvedKey, input: SignBase64Input, context: OperationContext): Promise<UnrecordedSignature> {
    return this.signChecked(key, input, context, false);
  }

  /**
   * signBase64ForBatch for many items with one key, handed to the signer together with one
   * promise for all of them (Signer.signEncodedAll), not a chain of promises per item: that
   * chain was most of the main thread's work per item of a batch (bench/NOTES.md). Each slot
   * of the answer holds the item's signature or its error; a refusal is recorded before it
   * is answered, as for one item. An item whose password must be checked goes alone
   * (signBase64ForBatch): the first use of a password waits for its verification.
   */
  async signAllForBatch(key: ResolvedKey, inputs: readonly SignBase64Input[], context: OperationContext): Promise<(UnrecordedSignature | SignetError)[]> {
    const audited = this.audit.recordsOperations;
    const results = new Array<UnrecordedSignature | SignetError>(inputs.length);
    const waits: Promise<unknown>[] = [];
    // A refusal is answered with its error once recorded, or with the recording's error.
    const refuse = (index: number, error: unknown): void => {
      results[index] = asSignetError(error);
      waits.push(this.refused(context, inputs[index]!, key, error).catch((recording: unknown) => (results[index] = asSignetError(recording))));
    };
    const requests: EncodedSignRequest[] = [];
    const slots: number[] = [];
    for (let index = 0; index < inputs.length; index++) {
      const input = inputs[index]!;
      if (needsPasswordCheck(key, input)) {
        waits.push(this.signBase64ForBatch(key, input, context).then((signed) => (results[index] = signed), (error: unknown) => (results[index] = asSignetError(error))));
        continue;
      }
      try {
        this.checkSign(key, input.algorithm, base64DecodedLength(input.payload));
      } catch (error) {
        refuse(index, error);
        continue;
      }
      requests.push({ key: key.handleId, algorithm: input.algorithm, payload: input.payload, der: input.format === "DER", digest: audited });
      slots.push(index);
    }
    const signed = await this.signer.signEncodedAll(requests);
    for (let i = 0; i < signed.length; i++) {
      const index = slots[i]!;
      const outcome = signed[i]!;
      if (outcome instanceof SignetError) refuse(index, outcome);
      else results[index] = { signature: outcome.signature, keyVersion: key.keyVersion, payloadSha256: audited ? outcome.payloadSha256! : null };
    }
    await Promise.all(waits);
    return results;
  }

  /**
   * One record for many signatures made with one key and algorithm in one request: each
   * signature as the pair [its index in the request, its payload's SHA-256]. Pairs, not
   * objects: the writer puts a record's details in canonical JSON, and sorting the keys of 64
   * small objects tripled that cost (87 µs against 29 µs a record, measured). Resolves once the
   * record is on disk; rejects (auditUnavailable) when it cannot be written, and then none of
   * these signatures may be answered.
   */
  recordBatchSignatures(context: OperationContext, key: ResolvedKey, algorithm: string, signatures: BatchSignatureFact[]): Promise<void> {
    const facts: DetailValue[] = signatures.map(({ index, payloadSha256 }) => [index, payloadSha256]);
    return this.audit.record(context, {
      action: "batchSign",
      objectType: "key",
      objectId: key.label,
      outcome: "success",
      details: { algorithm, keyVersion: key.keyVersion, count: signatures.length, signatures: facts },
    });
  }

  private signChecked(key: ResolvedKey, input: SignBase64Input, context: OperationContext, recordSuccess: true): Promise<SignBase64Output>;
  private signChecked(key: ResolvedKey, input: SignBase64Input, context: OperationContext, recordSuccess: false): Promise<UnrecordedSignature>;
  private signChecked(key: ResolvedKey, input: SignBase64Input, context: OperationContext, recordSuccess: boolean): Promise<SignBase64Output | UnrecordedSignature> {
    // A password already verified (or none) is checked at once; the first use of a password waits for its verification.
    const verifying = needsPasswordCheck(key, input) ? this.keys.passwords.check(key, input.password, context, "sign") : undefined;
    if (verifying) {
      return verifying.then(
        () => this.signVerified(key, input, context, recordSuccess),
        (error: unknown) => this.refused(context, input, key, error).then(() => Promise.reject(error)),
      );
    }
    return this.signVerified(key, input, context, recordSuccess);
  }

  private signVerified(key: ResolvedKey, input: SignBase64Input, context: OperationContext, recordSuccess: boolean): Promise<SignBase64Output | UnrecordedSignature> {
    const audited = this.audit.recordsOperations;
    let signing: ReturnType<Signer["signEncoded"]>;
    const submitted = performance.now();
    try {
      this.checkSign(key, input.algorithm, base64DecodedLength(input.payload));
      signing = this.signer.signEncoded(key.handleId, input.algorithm, input.payload, { der: input.format === "DER", digest: audited });
    } catch (error) {
      return this.refused(context, input, key, error).then(() => Promise.reject(error));
    }
    return signing.then(
      async (signed) => {
        if (!recordSuccess) return { signature: signed.signature, keyVersion: key.keyVersion, payloadSha256: audited ? signed.payloadSha256! : null };
        const signedAt = performance.now();
        this.timing.signer.add(signedAt - submitted);
        if (audited) {
          await this.audit.record(context, this.event("sign", input, key, signed.payloadSha256!));
          this.timing.audit.add(performance.now() - signedAt);
        }
        return { signature: signed.signature, keyVersion: key.keyVersion };
      },
      async (error: unknown) => {
        await this.refused(context, input, key, error);
        throw error;
      },
    );
  }

  async verify(input: VerifyInput, context: OperationContext): Promise<boolean> {
    requireKey(context, input.label);
    const digest = this.audit.recordsOperations ? sha256Hex(input.payload) : null;
    let key: ResolvedKey | undefined;
    let valid: boolean;
    let keyVersion: string | undefined;
    try {
      key = await this.resolveKey(input.label);
      await this.keys.passwords.check(key, input.password, context, "verify");
      this.check(key, input.algorithm, input.payload.length);
      const use = namedVersion(key, input.keyVersion);
      keyVersion = use.keyVersion;
      valid = await this.signer.verify(use.handleId, input.algorithm, input.payload, input.signature);
    } catch (error) {
      if (digest !== null) await recordFailure(this.audit, context, this.event("verify", input, key, digest), error);
      throw error;
    }
    if (digest !== null) {
      const event = this.event("verify", input, key, digest);
      await this.audit.record(context, { ...event, details: { ...event.details, keyVersion: keyVersion ?? null, signatureValid: valid } });
    }
    return valid;
  }

  /** Records a refused base64 signing request; the payload was never decoded by a Worker. */
  private async refused(context: OperationContext, input: SignBase64Input, key: ResolvedKey | undefined, error: unknown): Promise<void> {
    if (this.audit.recordsOperations) await recordFailure(this.audit, context, this.event("sign", input, key, digestOfText(input.payload)), error);
  }

  private event(action: "sign" | "verify", input: { label: string; algorithm: string }, key: ResolvedKey | undefined, digest: string): AuditEvent {
    const details: AuditEvent["details"] = { algorithm: input.algorithm, payloadSha256: digest };
    if (key) details.keyVersion = key.keyVersion;
    return { action, objectType: "key", objectId: input.label, outcome: "success", details };
  }

  /** Signing uses the current version (key.handleId): a blocked key refuses, so do the rest. */
  private checkSign(key: ResolvedKey, algorithm: string, payloadLength: number): void {
    checkNotBlocked(key);
    this.check(key, algorithm, payloadLength);
    if (!key.flags.sign) {
      throw new SignetError("operationForbiddenForKey", `key "${key.label}" does not have the sign attribute`);
    }
  }

  private check(key: ResolvedKey, algorithmName: string, payloadLength: number): void {
    const algorithm = signatureAlgorithm(algorithmName);
    if (!algorithm) throw new SignetError("inputValidation", `unknown signatureAlgorithm "${algorithmName}"`);
    if (algorithm.keyType !== key.type) {
      throw new SignetError(
        "algorithmNotSupportedByKey",
        `${algorithmName} needs a ${algorithm.keyType} key; "${key.label}" is ${key.type}`,
      );
    }
    if (payloadLength > this.maxPayloadBytes) {
      throw new SignetError("payloadTooLarge", `the payload is ${payloadLength} bytes; at most ${this.maxPayloadBytes} are accepted`);
    }
    if (payloadLength <= 0) throw new SignetError("invalidPayload", "the payload is empty");
  }
}
