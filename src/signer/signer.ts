/**
 * The signer: the one interface the domain layer uses to reach keys on a token (in the way
 * step-ca hides every key backend behind one small KMS interface), and its PKCS#11
 * implementation over the Worker pool.
 *
 * The main thread keeps one logged-in session of its own that is never handed to a Worker:
 * login state belongs to the application, and this session keeps it (and the token's object
 * handles) alive while Workers come and go.
 *
 * Operations that change the token are serialised, and `afterTokenChange` runs inside that
 * serialisation, so that the embedded token's snapshot never sees a half-written object.
 */
import { randomBytes } from "node:crypto";
import type { PKCS11 } from "pkcs11js";
import { cipherAlgorithm, type CipherParams, type Encrypted } from "./ciphers";
import type { KeyMaterial } from "./key-material";
import type { CertificateFields, StoredCertificate } from "./pkcs11/certificates";
import { SignetError } from "../errors";
import { findTokenSlot, loadModule, loginUser, openSession, unpadLabel, type Handle } from "./pkcs11/module";
import { Pkcs11Executor } from "./pkcs11/executor";
import { probeDeterministicEcdsa } from "./pkcs11/probes";
import type { TokenTraits } from "./algorithms";
import { failureError, SignerPool, type PoolOptions, type PoolStats } from "./pool/pool";
import {
  keyHandleId,
  type EncodedSignature,
  type EncodedSignRequest,
  type SignerOp,
  type OpResult,
  type KeyObjectRef,
  type HmacAlgorithm,
  type KeyPairSpec,
  type KeyType,
  type KeyUsageFlags,
  type SecretKeySpec,
  type TokenDescription,
  type TokenKeyInfo,
} from "./types";

export interface SignerHealth {
  tokenPresent: boolean;
  tokenLabel: string;
  pool: PoolStats;
}

export interface Signer {
  readonly token: TokenDescription;
  /** What start-up probing found the token does beyond its mechanism list. */
  readonly traits: TokenTraits;
  /**
   * `key` is keyHandleId(ref), computed once by the caller. `data` and `signature` are
   * handed over to a Worker (their buffers are transferred): do not use them afterwards.
   */
  sign(key: string, algorithm: string, data: Uint8Array, der: boolean): Promise<Uint8Array>;
  /**
   * The signing fast path: the payload as base64 text, decoded in a Worker; the signature
   * comes back as base64, with the payload's SHA-256 when `digest` is set.
   */
  signEncoded(key: string, algorithm: string, payloadBase64: string, options: { der: boolean; digest: boolean }): Promise<EncodedSignature>;
  /**
   * signEncoded for many payloads at once (batch signing), with one promise for all: each
   * slot of the answer holds the signature or the SignetError of the request in that slot.
   */
  signEncodedAll(requests: readonly EncodedSignRequest[]): Promise<(EncodedSignature | SignetError)[]>;
  verify(key: string, algorithm: string, data: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /**
   * Encrypts with a fresh random IV for the modes that take one (drawn here from the OS
   * CSPRNG, never supplied by the caller, so that no IV is ever reused on purpose).
   */
  encrypt(key: string, algorithm: string, data: Uint8Array, params: Omit<CipherParams, "iv">): Promise<Encrypted>;
  decrypt(key: string, algorithm: string, data: Uint8Array, params: CipherParams): Promise<Uint8Array>;
  /** HMAC of `data` with the HMAC key `key` (keyHandleId); `algorithm` must be the key's own. `data` is handed over. */
  hmac(key: string, algorithm: HmacAlgorithm, data: Uint8Array): Promise<Uint8Array>;
  verifyHmac(key: string, algorithm: HmacAlgorithm, data: Uint8Array, mac: Uint8Array): Promise<boolean>;
  /** `length` random bytes from the token's generator. */
  generateRandom(length: number): Promise<Uint8Array>;
  /** Changes usage attributes of a key's objects on the token (only what the token lets change). */
  setKeyAttributes(ref: KeyObjectRef, changes: Partial<KeyUsageFlags>): Promise<TokenKeyInfo>;
  /** Stores a certificate beside the key version `ref` (same label and CKA_ID), replacing the one it had. */
  storeCertificate(ref: KeyObjectRef, fields: CertificateFields): Promise<void>;
  /** Every certificate labelled `label`, with the CKA_ID of the version it belongs to. */
  listCertificates(label: string): Promise<StoredCertificate[]>;
  /** Destroys every certificate labelled `label`; answers how many there were. */
  destroyCertificates(label: string): Promise<number>;
  /** Creates a key from plain material under `ref` (checked by key-material.ts first). */
  importKey(ref: KeyObjectRef, material: KeyMaterial, flags: KeyUsageFlags): Promise<TokenKeyInfo>;
  /** The plain material of a key that is not sensitive (an EC point may come back empty). */
  exportKey(key: string): Promise<KeyMaterial>;
  /** Wraps the key `key` under `wrappingKey` (both keyHandleIds); only extractable keys leave the token. */
  wrapKey(wrappingKey: string, key: string, method: string): Promise<Uint8Array>;
  /** Unwraps `wrapped` under `unwrappingKey` into a new token key `ref` of the given type. */
  unwrapKey(ref: KeyObjectRef, unwrappingKey: string, method: string, wrapped: Uint8Array, type: KeyType, flags: KeyUsageFlags): Promise<TokenKeyInfo>;
  generateKeyPair(ref: KeyObjectRef, spec: KeyPairSpec, flags: KeyUsageFlags): Promise<TokenKeyInfo>;
  generateSecretKey(ref: KeyObjectRef, spec: SecretKeySpec, flags: KeyUsageFlags): Promise<TokenKeyInfo>;
  describeKey(ref: KeyObjectRef): Promise<TokenKeyInfo>;
  listKeys(): Promise<TokenKeyInfo[]>;
  destroyKey(ref: KeyObjectRef): Promise<void>;
  health(): SignerHealth;
  injectFault(fault: SignerFault): boolean;
  /** Stops the signer; resolves once its Workers' threads have ended (pool.ts), at most a few seconds. */
  close(): Promise<void>;
}

export type SignerFault =
  | { kind: "killWorker"; worker: number }
  | { kind: "crashWorker"; worker: number }
  | { kind: "hangWorker"; worker: number }
  | { kind: "closeAllSessions" }
  /** Every Worker blocks before its next batch, replacements included, until recoverToken. */
  | { kind: "stallToken" }
  | { kind: "recoverToken" };

export interface Pkcs11SignerOptions {
  modulePath: string;
  tokenLabel: string;
  pin: string;
  pool: Omit<PoolOptions, "executor">;
  /** Runs after every operation that changed the token, before its caller hears of success. */
  afterTokenChange?: () => void;
  /**
   * Sign cheap mechanisms (ECDSA on 256-bit curves) on the main thread when the pool is idle,
   * saving the two thread hops of a lone request. At most one per event-loop turn, so a
   * burst still goes to the Workers.
   */
  inlineSigning?: boolean;
}

export class Pkcs11Signer implements Signer {
  private session: Handle | null;
  private mutations: Promise<unknown> = Promise.resolve();
  private inlineTurnUsed = false;

  private constructor(
    private readonly p11: PKCS11,
    private readonly slot: Handle,
    session: Handle,
    private readonly pool: SignerPool,
    readonly token: TokenDescription,
    private readonly options: Pkcs11SignerOptions,
    private readonly inline: Pkcs11Executor | null,
    readonly traits: TokenTraits,
  ) {
    this.session = session;
  }

  /** Opens the token and starts the pool. Throws SignerSetupError when the module, token or PIN is wrong. */
  static async open(options: Pkcs11SignerOptions): Promise<Pkcs11Signer> {
    const p11 = loadModule(options.modulePath);
    const slot = findTokenSlot(p11, options.tokenLabel);
    const session = openSession(p11, slot);
    loginUser(p11, session, options.pin);
    const info = p11.C_GetTokenInfo(slot);
    const mechanisms = p11.C_GetMechanismList(slot);
    const token: TokenDescription = {
      label: unpadLabel(info.label),
      manufacturer: unpadLabel(info.manufacturerID),
      model: unpadLabel(info.model),
      serialNumber: unpadLabel(info.serialNumber),
      mechanisms,
    };
    const traits: TokenTraits = { deterministicEcdsa: probeDeterministicEcdsa(p11, session, new Set(mechanisms)) };
    const executor = { modulePath: options.modulePath, slot, pin: options.pin, mechanisms, traits };
    const pool = await SignerPool.start({ ...options.pool, executor });
    const inline = options.inlineSigning ? Pkcs11Executor.open({ ...executor, sessions: 1 }) : null;
    return new Pkcs11Signer(p11, slot, session, pool, token, options, inline, traits);
  }

  async sign(key: string, algorithm: string, data: Uint8Array, der: boolean): Promise<Uint8Array> {
    return (await this.pool.submit({ op: "sign", key, algorithm, data, der })) as Uint8Array;
  }

  async signEncoded(key: string, algorithm: string, payload: string, options: { der: boolean; digest: boolean }): Promise<EncodedSignature> {
    const op = { op: "signEncoded", key, algorithm, payload, der: options.der, digest: options.digest } as const;
    if (this.inline && !this.inlineTurnUsed && this.pool.idle() && this.inline.isCheapToSign(key)) {
      this.inlineTurnUsed = true;
      setImmediate(() => (this.inlineTurnUsed = false));
      const [result] = this.inline.runBatch([op]) as OpResult[];
      if (result!.ok) return result!.value as EncodedSignature;
      throw failureError(result!.failure);
    }
    return (await this.pool.submit(op)) as EncodedSignature;
  }

  signEncodedAll(requests: readonly EncodedSignRequest[]): Promise<(EncodedSignature | SignetError)[]> {
    const ops = requests.map(({ key, algorithm, payload, der, digest }): SignerOp => ({ op: "signEncoded", key, algorithm, payload, der, digest }));
    return this.pool.submitAll(ops) as Promise<(EncodedSignature | SignetError)[]>;
  }

  async verify(key: string, algorithm: string, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
    return (await this.pool.submit({ op: "verify", key, algorithm, data, signature })) as boolean;
  }

  async encrypt(key: string, algorithm: string, data: Uint8Array, params: Omit<CipherParams, "iv">): Promise<Encrypted> {
    const ivBytes = cipherAlgorithm(algorithm)?.ivBytes ?? 0;
    const iv = ivBytes > 0 ? new Uint8Array(randomBytes(ivBytes)) : null;
    const ciphertext = (await this.pool.submit({ op: "encrypt", key, algorithm, data, iv, aad: params.aad, tagBits: params.tagBits })) as Uint8Array;
    return { ciphertext, iv };
  }

  async decrypt(key: string, algorithm: string, data: Uint8Array, params: CipherParams): Promise<Uint8Array> {
    return (await this.pool.submit({ op: "decrypt", key, algorithm, data, ...params })) as Uint8Array;
  }

  async hmac(key: string, algorithm: HmacAlgorithm, data: Uint8Array): Promise<Uint8Array> {
    return (await this.pool.submit({ op: "hmac", key, algorithm, data })) as Uint8Array;
  }

  async verifyHmac(key: string, algorithm: HmacAlgorithm, data: Uint8Array, mac: Uint8Array): Promise<boolean> {
    return (await this.pool.submit({ op: "verifyHmac", key, algorithm, data, mac })) as boolean;
  }

  async generateRandom(length: number): Promise<Uint8Array> {
    return (await this.pool.submit({ op: "generateRandom", length })) as Uint8Array;
  }

  storeCertificate(ref: KeyObjectRef, fields: CertificateFields): Promise<void> {
    return this.mutate(async () => {
      await this.pool.submit({ op: "storeCertificate", ref, fields });
    });
  }

  async listCertificates(label: string): Promise<StoredCertificate[]> {
    return (await this.pool.submit({ op: "listCertificates", label })) as StoredCertificate[];
  }

  destroyCertificates(label: string): Promise<number> {
    return this.mutate(async () => (await this.pool.submit({ op: "destroyCertificates", label })) as number);
  }

  setKeyAttributes(ref: KeyObjectRef, changes: Partial<KeyUsageFlags>): Promise<TokenKeyInfo> {
    return this.mutate(async () => {
      return (await this.pool.submit({ op: "setKeyAttributes", ref, changes })) as TokenKeyInfo;
    });
  }

  importKey(ref: KeyObjectRef, material: KeyMaterial, flags: KeyUsageFlags): Promise<TokenKeyInfo> {
    return this.mutate(async () => {
      return (await this.pool.submit({ op: "importKey", label: ref.label, id: ref.id, material, flags })) as TokenKeyInfo;
    });
  }

  async exportKey(key: string): Promise<KeyMaterial> {
    return (await this.pool.submit({ op: "exportKey", key })) as KeyMaterial;
  }

  async wrapKey(wrappingKey: string, key: string, method: string): Promise<Uint8Array> {
    return (await this.pool.submit({ op: "wrapKey", wrappingKey, key, method })) as Uint8Array;
  }

  unwrapKey(ref: KeyObjectRef, unwrappingKey: string, method: string, wrapped: Uint8Array, type: KeyType, flags: KeyUsageFlags): Promise<TokenKeyInfo> {
    return this.mutate(async () => {
      const op = { op: "unwrapKey", unwrappingKey, method, wrapped, label: ref.label, id: ref.id, type, flags } as const;
      return (await this.pool.submit(op)) as TokenKeyInfo;
    });
  }

  generateKeyPair(ref: KeyObjectRef, spec: KeyPairSpec, flags: KeyUsageFlags): Promise<TokenKeyInfo> {
    return this.mutate(async () => {
      return (await this.pool.submit({ op: "generateKeyPair", label: ref.label, id: ref.id, spec, flags })) as TokenKeyInfo;
    });
  }

  generateSecretKey(ref: KeyObjectRef, spec: SecretKeySpec, flags: KeyUsageFlags): Promise<TokenKeyInfo> {
    return this.mutate(async () => {
      return (await this.pool.submit({ op: "generateSecretKey", label: ref.label, id: ref.id, spec, flags })) as TokenKeyInfo;
    });
  }

  async describeKey(ref: KeyObjectRef): Promise<TokenKeyInfo> {
    return (await this.pool.submit({ op: "describeKey", ref })) as TokenKeyInfo;
  }

  async listKeys(): Promise<TokenKeyInfo[]> {
    return (await this.pool.submit({ op: "listKeys" })) as TokenKeyInfo[];
  }

  destroyKey(ref: KeyObjectRef): Promise<void> {
    return this.mutate(async () => {
      await this.pool.submit({ op: "destroyKey", ref });
      this.pool.broadcast({ t: "invalidate", key: keyHandleId(ref) });
      this.inline?.invalidate(keyHandleId(ref));
    });
  }

  health(): SignerHealth {
    let tokenPresent = false;
    try {
      this.p11.C_GetTokenInfo(this.slot);
      this.p11.C_GetSessionInfo(this.keepAliveSession());
      tokenPresent = true;
    } catch {
      this.session = null;
    }
    return { tokenPresent, tokenLabel: this.token.label, pool: this.pool.stats() };
  }

  injectFault(fault: SignerFault): boolean {
    switch (fault.kind) {
      case "killWorker":
        return this.pool.injectWorkerFault(fault.worker, "kill");
      case "crashWorker":
        return this.pool.injectWorkerFault(fault.worker, "crash");
      case "hangWorker":
        return this.pool.injectWorkerFault(fault.worker, "hang");
      case "stallToken":
      case "recoverToken":
        this.pool.stallToken(fault.kind === "stallToken");
        return true;
      case "closeAllSessions":
        // Closes every session of the application, the Workers' included, which also logs
        // the application out: the next operation of each Worker must recover.
        this.p11.C_CloseAllSessions(this.slot);
        this.session = null;
        this.keepAliveSession();
        return true;
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
    this.inline?.close();
  }

  /** The main thread's own session, reopened (and logged in again) if it was lost. */
  private keepAliveSession(): Handle {
    if (!this.session) {
      const session = openSession(this.p11, this.slot);
      loginUser(this.p11, session, this.options.pin);
      this.session = session;
    }
    return this.session;
  }

  private mutate<T>(change: () => Promise<T>): Promise<T> {
    const run = this.mutations.then(async () => {
      const result = await change();
      this.options.afterTokenChange?.();
      return result;
    });
    this.mutations = run.catch(() => undefined);
    return run.catch((error: unknown) => {
      throw error instanceof SignetError ? error : new SignetError("hsmError", "the token refused the change", { cause: error });
    });
  }
}
