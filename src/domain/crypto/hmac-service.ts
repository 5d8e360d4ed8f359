/**
 * HMAC with a key by label, and random bytes from the token. The HMAC is the key's own (an
 * HMACSHA256 key computes HMAC-SHA-256 and nothing else); verification compares in the token
 * and uses the key version the request names.
 */
import { hash } from "node:crypto";
import type { AuditRecorder } from "../../audit/audit-log";
import type { AuditEvent } from "../../audit/record";
import { SignetError } from "../../errors";
import type { Signer } from "../../signer/signer";
import { isHmacAlgorithm, type HmacAlgorithm } from "../../signer/types";
import { requireKey } from "../access/key-grant";
import { keyEvent, recordedOperation } from "../audit/recorded";
import type { OperationContext } from "../context";
import type { KeyService, ResolvedKey } from "../keys/key-service";
import { currentVersion, namedVersion } from "../keys/key-use";

export interface HmacInput {
  label: string;
  /** Handed over to the signer: the caller must not use it afterwards. */
  payload: Uint8Array;
  /** The key's password, if it has one (keyPassword; a Signet extension on the HMAC routes). */
  password?: string | null;
}

export interface VerifyHmacInput extends HmacInput {
  mac: Uint8Array;
  keyVersion?: string | null;
}

export class HmacService {
  constructor(
    private readonly keys: KeyService,
    private readonly signer: Signer,
    private readonly maxPayloadBytes: number,
    private readonly maxRandomBytes: number,
    private readonly audit: AuditRecorder,
  ) {}

  /** Recorded with the SHA-256 of the MAC (not of the data, which may be a short secret). */
  hmac(input: HmacInput, context: OperationContext): Promise<{ mac: Uint8Array; keyVersion: string }> {
    requireKey(context, input.label);
    const event = keyEvent("hmac", input.label);
    return recordedOperation(this.audit, context, event, async () => {
      const key = await this.hmacKey(input, context, "hmac");
      const use = currentVersion(key);
      return { mac: await this.signer.hmac(use.handleId, key.type as HmacAlgorithm, input.payload), keyVersion: use.keyVersion };
    }, (out) => ({ keyVersion: out.keyVersion, macSha256: hash("sha256", out.mac, "hex") }));
  }

  verify(input: VerifyHmacInput, context: OperationContext): Promise<boolean> {
    requireKey(context, input.label);
    const event = keyEvent("hmac.verify", input.label, { keyVersion: input.keyVersion ?? null, macSha256: hash("sha256", input.mac, "hex") });
    return recordedOperation(this.audit, context, event, async () => {
      const key = await this.hmacKey(input, context, "hmac.verify");
      const use = namedVersion(key, input.keyVersion);
      return this.signer.verifyHmac(use.handleId, key.type as HmacAlgorithm, input.payload, input.mac);
    }, (valid) => ({ valid }));
  }

  /** Recorded with the length asked for (never the bytes), as an operation. */
  random(length: number, context: OperationContext): Promise<Uint8Array> {
    const event: AuditEvent = { action: "random", objectType: "token", objectId: null, outcome: "success", details: { bytes: length } };
    return recordedOperation(this.audit, context, event, async () => {
      if (!Number.isInteger(length) || length < 1 || length > this.maxRandomBytes) {
        throw new SignetError("numberOutOfRange", `length is 1 to ${this.maxRandomBytes} bytes; got ${length}`);
      }
      return this.signer.generateRandom(length);
    });
  }

  private async hmacKey(input: HmacInput, context: OperationContext, operation: string): Promise<ResolvedKey> {
    const key = this.keys.cached(input.label) ?? (await this.keys.resolve(input.label));
    await this.keys.passwords.check(key, input.password, context, operation);
    if (!isHmacAlgorithm(key.type)) {
      throw new SignetError("algorithmNotSupportedByKey", `HMAC needs an HMACSHA256, HMACSHA384 or HMACSHA512 key; "${key.label}" is ${key.type}`);
    }
    if (!key.flags.sign) throw new SignetError("operationForbiddenForKey", `key "${key.label}" does not have the sign attribute`);
    if (input.payload.length > this.maxPayloadBytes) {
      throw new SignetError("payloadTooLarge", `the payload is ${input.payload.length} bytes; at most ${this.maxPayloadBytes} are accepted`);
    }
    if (input.payload.length === 0) throw new SignetError("invalidPayload", "the payload is empty");
    return key;
  }
}
