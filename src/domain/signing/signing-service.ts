/**
 * Signing and verifying with a key by label: the policy checks (the algorithm fits the key,
 * the key may sign, the payload is within bounds) before the signer is asked.
 *
 * This is the hot path. The key is resolved from memory when it can be, and the payload
 * bytes are handed to the signer without a copy.
 */
import { SignetError } from "../../errors";
import { signatureAlgorithm } from "../../signer/algorithms";
import type { Signer } from "../../signer/signer";
import type { OperationContext } from "../context";
import type { KeyService, ResolvedKey } from "../keys/key-service";
import { checkNotBlocked, namedVersion } from "../keys/key-use";

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
  /** The key version that signed (default: the current one). */
  keyVersion?: string | null;
}

export class SigningService {
  constructor(
    private readonly keys: KeyService,
    private readonly signer: Signer,
    private readonly maxPayloadBytes: number,
  ) {}

  async sign(input: SignInput, _context: OperationContext): Promise<SignOutput> {
    const key = this.keys.cached(input.label) ?? (await this.keys.resolve(input.label));
    this.checkSign(key, input);
    const signature = await this.signer.sign(key.handleId, input.algorithm, input.payload, input.format === "DER");
    return { signature, keyVersion: key.keyVersion };
  }

  /** The key, from memory when it is loaded. */
  resolveKey(label: string): Promise<ResolvedKey> {
    const cached = this.keys.cached(label);
    return cached ? Promise.resolve(cached) : this.keys.resolve(label);
  }

  /**
   * Signs with a key already resolved. The checks throw synchronously and the signer is asked
   * before anything is awaited, so that a caller signing many items in one loop (batch signing)
   * queues them all in the same tick.
   */
  signWith(key: ResolvedKey, input: SignInput, _context: OperationContext): Promise<SignOutput> {
    this.checkSign(key, input);
    return this.signer
      .sign(key.handleId, input.algorithm, input.payload, input.format === "DER")
      .then((signature) => ({ signature, keyVersion: key.keyVersion }));
  }

  async verify(input: VerifyInput, _context: OperationContext): Promise<boolean> {
    const key = this.keys.cached(input.label) ?? (await this.keys.resolve(input.label));
    this.check(key, input.algorithm, input.payload);
    return this.signer.verify(namedVersion(key, input.keyVersion).handleId, input.algorithm, input.payload, input.signature);
  }

  /** Signing uses the current version (key.handleId), so the block check is all key-use.ts adds. */
  private checkSign(key: ResolvedKey, input: SignInput): void {
    checkNotBlocked(key);
    this.check(key, input.algorithm, input.payload);
    if (!key.flags.sign) {
      throw new SignetError("operationForbiddenForKey", `key "${key.label}" does not have the sign attribute`);
    }
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
