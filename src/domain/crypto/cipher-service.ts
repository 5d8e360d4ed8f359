/**
 * Encryption and decryption with a key by label: the policy checks (the cipher fits the key,
 * the key may encrypt, GCM's tag length and additional data, payload bounds) before the
 * signer is asked. Encryption always uses the current key version; decryption the version the
 * request names, so that data encrypted before a rotation stays readable.
 *
 * Both are recorded in the audit log with the key, its version, the cipher and the SHA-256 of
 * the ciphertext (never of the plaintext, which a digest of a short secret would disclose).
 * A key outside the caller's allow-list is refused before it is looked up.
 */
import { hash } from "node:crypto";
import type { AuditRecorder } from "../../audit/audit-log";
import { SignetError } from "../../errors";
import { cipherAlgorithm, GCM_DEFAULT_TAG_BITS, GCM_TAG_BITS, REFUSED_CIPHERS, type CipherAlgorithm } from "../../signer/ciphers";
import type { Signer } from "../../signer/signer";
import { requireKey } from "../access/key-grant";
import { keyEvent, recordedOperation } from "../audit/recorded";
import type { OperationContext } from "../context";
import type { KeyService, ResolvedKey } from "../keys/key-service";
import { currentVersion, namedVersion } from "../keys/key-use";

export interface EncryptInput {
  label: string;
  algorithm: string;
  /** Handed over to the signer: the caller must not use it afterwards. */
  payload: Uint8Array;
  tagLength?: number | null;
  additionalAuthenticationData?: Uint8Array | null;
  /** The key's password (TSB keyPassword), if it has one. */
  password?: string | null;
}

export interface EncryptOutput {
  /** The ciphertext, with the GCM tag appended. */
  encrypted: Uint8Array;
  iv: Uint8Array | null;
  /** The GCM tag (null for other ciphers). */
  tag: Uint8Array | null;
  keyVersion: string;
}

export interface DecryptInput {
  label: string;
  algorithm: string;
  encrypted: Uint8Array;
  iv?: Uint8Array | null;
  tagLength?: number | null;
  additionalAuthenticationData?: Uint8Array | null;
  keyVersion?: string | null;
  /** The key's password (TSB keyPassword), if it has one. */
  password?: string | null;
}

export class CipherService {
  constructor(
    private readonly keys: KeyService,
    private readonly signer: Signer,
    private readonly maxPayloadBytes: number,
    private readonly audit: AuditRecorder,
  ) {}

  encrypt(input: EncryptInput, context: OperationContext): Promise<EncryptOutput> {
    requireKey(context, input.label);
    const event = keyEvent("encrypt", input.label, { algorithm: input.algorithm });
    return recordedOperation(this.audit, context, event, () => this.encryptNow(input, context), (out) => ({
      keyVersion: out.keyVersion,
      ciphertextSha256: hash("sha256", out.encrypted, "hex"),
    }));
  }

  decrypt(input: DecryptInput, context: OperationContext): Promise<Uint8Array> {
    requireKey(context, input.label);
    const event = keyEvent("decrypt", input.label, {
      algorithm: input.algorithm,
      keyVersion: input.keyVersion ?? null,
      ciphertextSha256: hash("sha256", input.encrypted, "hex"),
    });
    return recordedOperation(this.audit, context, event, () => this.decryptNow(input, context));
  }

  private async encryptNow(input: EncryptInput, context: OperationContext): Promise<EncryptOutput> {
    const key = this.keys.cached(input.label) ?? (await this.keys.resolve(input.label));
    await this.keys.passwords.check(key, input.password, context, "encrypt");
    const algorithm = this.check(key, input.algorithm, input.additionalAuthenticationData);
    const tagBits = this.tagBits(algorithm, input.tagLength);
    this.checkPayload(input.payload, "payload");
    const use = currentVersion(key);
    const { ciphertext, iv } = await this.signer.encrypt(use.handleId, algorithm.name, input.payload, {
      aad: input.additionalAuthenticationData ?? null,
      tagBits,
    });
    const tag = algorithm.mode === "gcm" ? ciphertext.subarray(ciphertext.length - tagBits / 8) : null;
    return { encrypted: ciphertext, iv, tag, keyVersion: use.keyVersion };
  }

  private async decryptNow(input: DecryptInput, context: OperationContext): Promise<Uint8Array> {
    const key = this.keys.cached(input.label) ?? (await this.keys.resolve(input.label));
    await this.keys.passwords.check(key, input.password, context, "decrypt");
    const algorithm = this.check(key, input.algorithm, input.additionalAuthenticationData);
    const tagBits = this.tagBits(algorithm, input.tagLength);
    this.checkPayload(input.encrypted, "encryptedPayload");
    const iv = input.iv ?? null;
    if (algorithm.ivBytes > 0) {
      if (!iv) throw new SignetError("inputValidation", `${algorithm.name} needs the initializationVector the encryption returned`);
      if (algorithm.mode === "gcm" ? iv.length < 1 || iv.length > 128 : iv.length !== algorithm.ivBytes) {
        throw new SignetError("invalidPayload", `initializationVector for ${algorithm.name} is ${algorithm.mode === "gcm" ? "1 to 128" : algorithm.ivBytes} bytes; got ${iv.length}`);
      }
    } else if (iv && iv.length > 0) {
      throw new SignetError("inputValidation", `${algorithm.name} takes no initializationVector`);
    }
    const use = namedVersion(key, input.keyVersion);
    return this.signer.decrypt(use.handleId, algorithm.name, input.encrypted, {
      iv: algorithm.ivBytes > 0 ? iv : null,
      aad: input.additionalAuthenticationData ?? null,
      tagBits,
    });
  }

  private check(key: ResolvedKey, name: string, aad: Uint8Array | null | undefined): CipherAlgorithm {
    const algorithm = cipherAlgorithm(name);
    const refused = REFUSED_CIPHERS.get(name);
    if (refused) throw new SignetError("inputValidation", `${name} is not offered: ${refused}`);
    if (!algorithm) throw new SignetError("inputValidation", `unknown cipherAlgorithm "${name}"`);
    if (algorithm.keyType !== key.type) {
      throw new SignetError("algorithmNotSupportedByKey", `${name} needs an ${algorithm.keyType} key; "${key.label}" is ${key.type}`);
    }
    if (!key.flags.decrypt) {
      throw new SignetError("operationForbiddenForKey", `key "${key.label}" does not have the encrypt and decrypt attributes`);
    }
    // Additional data that is silently ignored would look authenticated and not be: refuse it.
    if (aad && aad.length > 0 && algorithm.mode !== "gcm") {
      throw new SignetError("inputValidation", `additionalAuthenticationData applies to AES_GCM only, not ${name}`);
    }
    return algorithm;
  }

  private tagBits(algorithm: CipherAlgorithm, tagLength: number | null | undefined): number {
    if (algorithm.mode !== "gcm") return 0;
    const bits = tagLength ?? GCM_DEFAULT_TAG_BITS;
    if (!(GCM_TAG_BITS as readonly number[]).includes(bits)) {
      throw new SignetError("invalidTagLength", `tagLength for AES_GCM is one of ${GCM_TAG_BITS.join(", ")} bits; got ${bits}`);
    }
    return bits;
  }

  private checkPayload(payload: Uint8Array, field: string): void {
    if (payload.length > this.maxPayloadBytes) {
      throw new SignetError("payloadTooLarge", `${field} is ${payload.length} bytes; at most ${this.maxPayloadBytes} are accepted`);
    }
    if (payload.length === 0) throw new SignetError("invalidPayload", `${field} is empty`);
  }
}
