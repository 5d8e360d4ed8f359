/**
 * Wrapping keys under other keys, and unwrapping wrapped keys into new token keys.
 *
 * Wrapping uses the current versions of both keys and answers the wrapping key's version;
 * unwrapping uses the version the request names. Only extractable keys may be wrapped (the
 * token enforces it too). The key an unwrap makes is a new key like a generated one: a fresh
 * label, the attributes asked for (sensitive and not extractable by default), version 1.
 */
import { hash } from "node:crypto";
import type { AuditRecorder } from "../../audit/audit-log";
import { SignetError } from "../../errors";
import type { Signer } from "../../signer/signer";
import { HMAC_BYTES, isHmacAlgorithm, isSecretKeyType, type KeyType, type TokenKeyInfo } from "../../signer/types";
import { wrapMethod, type WrapMethod } from "../../signer/wrap-methods";
import { requireKey } from "../access/key-grant";
import { keyEvent, recorded, recordedOperation } from "../audit/recorded";
import type { OperationContext } from "../context";
import type { KeyService, KeyView, ResolvedKey } from "../keys/key-service";
import { RSA_KEY_SIZES, usageFlags, type CreateKeyInput } from "../keys/key-spec";
import { currentVersion, namedVersion } from "../keys/key-use";

export interface WrapInput {
  keyToBeWrapped: string;
  wrapKeyName: string;
  wrapMethod: string;
  /** The passwords of the two keys (TSB keyToBeWrappedPassword, wrapKeyPassword), if they have one. */
  keyToBeWrappedPassword?: string | null;
  wrapKeyPassword?: string | null;
}

export interface UnwrapInput {
  wrappedKey: Uint8Array;
  label: string;
  unwrapKeyName: string;
  wrapMethod: string;
  attributes?: CreateKeyInput["attributes"];
  policy?: unknown;
  /** Version of the unwrapping key (Signet extension). */
  keyVersion?: string | null;
  /** Type of a wrapped secret key: AES (default), TDEA or an HMAC (Signet extension). */
  algorithm?: string | null;
  /** The unwrapping key's password (TSB unwrapKeyPassword), if it has one. */
  unwrapKeyPassword?: string | null;
}

export class WrapService {
  constructor(
    private readonly keys: KeyService,
    private readonly signer: Signer,
    private readonly audit: AuditRecorder,
  ) {}

  /** Recorded under the wrapped key, naming the wrapping key and the blob's SHA-256. */
  wrap(input: WrapInput, context: OperationContext): Promise<{ wrappedKey: Uint8Array; keyVersion: string }> {
    requireKey(context, input.wrapKeyName);
    requireKey(context, input.keyToBeWrapped);
    const event = keyEvent("key.wrap", input.keyToBeWrapped, { wrapKeyName: input.wrapKeyName, wrapMethod: input.wrapMethod });
    return recordedOperation(this.audit, context, event, () => this.wrapNow(input, context), (out) => ({
      wrapKeyVersion: out.keyVersion,
      wrappedKeySha256: hash("sha256", out.wrappedKey, "hex"),
    }));
  }

  /** Recorded under the new key's label; a key is created, so this is recorded whatever the switch for operations says. */
  unwrap(input: UnwrapInput, context: OperationContext): Promise<KeyView> {
    requireKey(context, input.unwrapKeyName);
    requireKey(context, input.label);
    const event = keyEvent("key.unwrap", input.label, {
      unwrapKeyName: input.unwrapKeyName,
      wrapMethod: input.wrapMethod,
      wrappedKeySha256: hash("sha256", input.wrappedKey, "hex"),
    });
    return recorded(this.audit, context, event, () => this.unwrapNow(input, context), (view) => ({ algorithm: view.algorithm, keyVersion: view.keyVersion }));
  }

  private async wrapNow(input: WrapInput, context: OperationContext): Promise<{ wrappedKey: Uint8Array; keyVersion: string }> {
    const method = this.method(input.wrapMethod);
    const wrapping = await this.resolve(input.wrapKeyName);
    await this.keys.passwords.check(wrapping, input.wrapKeyPassword, context, "key.wrap");
    const key = await this.resolve(input.keyToBeWrapped);
    await this.keys.passwords.check(key, input.keyToBeWrappedPassword, context, "key.wrap");
    this.checkWrappingKey(wrapping, method);
    const kind = isSecretKeyType(key.type) ? "secret" : key.type;
    if (kind !== method.wrapped) {
      throw new SignetError("algorithmNotSupportedByKey", `${method.name} wraps ${method.wrapped} keys; "${key.label}" is ${key.type}`);
    }
    if (!key.flags.extractable) {
      throw new SignetError("operationForbiddenForKey", `key "${key.label}" is not extractable; only extractable keys may be wrapped`);
    }
    const use = currentVersion(wrapping);
    const wrappedKey = await this.signer.wrapKey(use.handleId, currentVersion(key).handleId, method.name);
    return { wrappedKey, keyVersion: use.keyVersion };
  }

  private async unwrapNow(input: UnwrapInput, context: OperationContext): Promise<KeyView> {
    const method = this.method(input.wrapMethod);
    const type = this.unwrappedType(method, input.algorithm);
    const flags = usageFlags(type, input.attributes);
    if (input.wrappedKey.length === 0) throw new SignetError("invalidPayload", "wrappedKey is empty");
    const keySize = this.secretKeyBits(method, type, input.wrappedKey.length);
    const unwrapping = await this.resolve(input.unwrapKeyName);
    await this.keys.passwords.check(unwrapping, input.unwrapKeyPassword, context, "key.unwrap");
    this.checkWrappingKey(unwrapping, method);
    const use = namedVersion(unwrapping, input.keyVersion);
    return this.keys.land(
      input.label,
      "unwrapped",
      input.policy ?? null,
      (ref) => this.signer.unwrapKey(ref, use.handleId, method.name, input.wrappedKey, type, flags),
      { accept: (info) => this.acceptUnwrapped(info), keySize },
    );
  }

  private method(name: string): WrapMethod {
    const method = wrapMethod(name);
    if (!method) throw new SignetError("inputValidation", `unknown wrapMethod "${name}"`);
    return method;
  }

  private async resolve(label: string): Promise<ResolvedKey> {
    return this.keys.cached(label) ?? (await this.keys.resolve(label));
  }

  private checkWrappingKey(key: ResolvedKey, method: WrapMethod): void {
    if (key.type !== method.wrappingKeyType) {
      throw new SignetError("algorithmNotSupportedByKey", `${method.name} needs an ${method.wrappingKeyType} wrapping key; "${key.label}" is ${key.type}`);
    }
    if (!key.flags.unwrap) throw new SignetError("operationForbiddenForKey", `key "${key.label}" does not have the wrap and unwrap attributes`);
  }

  private unwrappedType(method: WrapMethod, algorithm: string | null | undefined): KeyType {
    if (method.wrapped !== "secret") {
      if (algorithm && algorithm !== method.wrapped) {
        throw new SignetError("inputValidation", `${method.name} carries ${method.wrapped} keys; algorithm was "${algorithm}"`);
      }
      return method.wrapped;
    }
    const type = algorithm ?? "AES";
    if (type !== "AES" && type !== "TDEA" && !isHmacAlgorithm(type)) {
      throw new SignetError("inputValidation", `${method.name} carries secret keys: algorithm is AES, TDEA, HMACSHA256, HMACSHA384 or HMACSHA512`);
    }
    return type;
  }

  /**
   * The length of a wrapped secret key, where the wrapping shows it: RFC 3394 and RFC 5649
   * add 8 bytes to a key whose length is a multiple of 8 (every AES and HMAC key). It is
   * checked before anything is unwrapped, and recorded: SoftHSM does not report the length of
   * a key it unwrapped. RSA-OAEP hides the length; the token checks the key when it is used.
   */
  private secretKeyBits(method: WrapMethod, type: KeyType, wrappedBytes: number): number | null {
    if (!isSecretKeyType(type) || method.mechanism === "RSA_PKCS_OAEP") return null;
    const bytes = wrappedBytes - 8;
    const fits =
      type === "AES" ? [16, 24, 32].includes(bytes) : type === "TDEA" ? bytes === 24 : isHmacAlgorithm(type) && bytes >= HMAC_BYTES[type] && bytes <= 128;
    if (!fits) throw new SignetError("invalidKeyEncoding", `a ${wrappedBytes}-byte ${method.name} blob cannot hold a ${type} key Signet takes`);
    return bytes * 8;
  }

  private acceptUnwrapped(info: TokenKeyInfo): void {
    if (info.type === "RSA" && info.bits < RSA_KEY_SIZES[0]) {
      throw new SignetError("unsupportedKeySize", `the unwrapped RSA key has ${info.bits} bits; Signet takes ${RSA_KEY_SIZES.join(", ")}`);
    }
  }
}
