/**
 * Signing and verifying with a key by label: the policy checks (the algorithm fits the key,
 * the key may sign, the payload is within bounds) before the signer is asked.
 *
 * This is the hot path. The key is resolved from memory when it can be. Callers that hold
 * the payload as base64 (the HTTP API) use signBase64, which hands the text to a Worker
 * undecoded: the main thread never touches the payload's bytes.
 */
import { SignetError } from "../../errors";
import { signatureAlgorithm } from "../../signer/algorithms";
import type { Signer } from "../../signer/signer";
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

export interface SignBase64Input {
  label: string;
  algorithm: string;
  /** Standard base64 of the payload. */
  payload: string;
  format: SignatureFormat;
}

export interface SignBase64Output {
  /** Base64 of the signature. */
  signature: string;
  keyVersion: string;
}

export interface VerifyInput {
  label: string;
  algorithm: string;
  payload: Uint8Array;
  signature: Uint8Array;
}

/** Bytes a canonical base64 text decodes to (an upper bound when it holds whitespace). */
export function base64DecodedLength(text: string): number {
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return Math.floor((text.length * 3) / 4) - padding;
}

export class SigningService {
  constructor(
    private readonly keys: KeyService,
    private readonly signer: Signer,
    private readonly maxPayloadBytes: number,
  ) {}

  async sign(input: SignInput, _context: OperationContext): Promise<SignOutput> {
    const key = await this.signingKey(input.label, input.algorithm, input.payload.length);
    const signature = await this.signer.sign(key.handleId, input.algorithm, input.payload, input.format === "DER");
    return { signature, keyVersion: key.keyVersion };
  }

  async signBase64(input: SignBase64Input, _context: OperationContext): Promise<SignBase64Output> {
    const key = await this.signingKey(input.label, input.algorithm, base64DecodedLength(input.payload));
    const { signature } = await this.signer.signEncoded(key.handleId, input.algorithm, input.payload, {
      der: input.format === "DER",
      digest: false,
    });
    return { signature, keyVersion: key.keyVersion };
  }

  async verify(input: VerifyInput, _context: OperationContext): Promise<boolean> {
    const key = this.keys.cached(input.label) ?? (await this.keys.resolve(input.label));
    this.check(key, input.algorithm, input.payload.length);
    return this.signer.verify(key.handleId, input.algorithm, input.payload, input.signature);
  }

  private async signingKey(label: string, algorithm: string, payloadLength: number): Promise<ResolvedKey> {
    const key = this.keys.cached(label) ?? (await this.keys.resolve(label));
    this.check(key, algorithm, payloadLength);
    if (!key.flags.sign) {
      throw new SignetError("operationForbiddenForKey", `key "${key.label}" does not have the sign attribute`);
    }
    return key;
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
