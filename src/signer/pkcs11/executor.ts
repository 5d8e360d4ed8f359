/**
 * Runs signer operations on a set of PKCS#11 sessions owned by one thread.
 *
 * This is where session faults are handled: an operation that fails because its session is
 * gone (closed, invalid, device error, logged out) evicts that session, opens a new one, logs
 * in again if the application lost its login, drops the cached key handles, and is retried
 * once if it changes nothing on the token. A stale key handle is dropped and the operation
 * retried the same way.
 *
 * With one session (the default for a CPU-bound token such as SoftHSM) a batch runs
 * synchronously. With more, signatures of a batch are spread over the sessions and run on
 * the native thread pool, so that a network HSM's round trips overlap.
 */
import { digest } from "../digests";
import type { PKCS11 } from "pkcs11js";
import type { TokenTraits } from "../algorithms";
import type { KeyObjectRef, OpFailure, OpResult, OpValue, SignerOp, TokenKeyInfo } from "../types";
import { keyHandleId, parseKeyHandleId } from "../types";
import { CipherPlanner, decrypt, encrypt } from "./ciphers";
import { ckrName, failureFromCkr, isSessionFault, isStaleHandle } from "./ckr";
import {
  AmbiguousKeyError,
  describeKeyObjects,
  destroyKeyObjects,
  findKeyObjects,
  findObjectsOf,
  generateKeyPair,
  listKeys,
  type KeyObjects,
} from "./keys";
import { loadModule, loginUser, openSession, type Handle } from "./module";
import { setKeyAttributes } from "./attributes";
import { destroyCertificates, listCertificates, storeCertificate } from "./certificates";
import { CKO } from "./constants";
import { hmac, verifyHmac } from "./hmac";
import { exportKey, importKey } from "./key-import";
import { generateSecretKey } from "./secret-keys";
import { unwrapKey, wrapKey } from "./wrapping";
import {
  loadSigningKey,
  prepareSignature,
  signInBackground,
  signNow,
  SignPlanner,
  verify,
  type PreparedSignature,
  type SigningKey,
} from "./signing";

export interface ExecutorOptions {
  modulePath: string;
  slot: Handle;
  pin: string;
  sessions: number;
  mechanisms: number[];
  /** What start-up probing found the token does beyond its mechanism list (pkcs11/probes.ts). */
  traits?: TokenTraits;
}

const RETRIABLE = new Set<SignerOp["op"]>([
  "sign",
  "signEncoded",
  "verify",
  "encrypt",
  "decrypt",
  "hmac",
  "verifyHmac",
  "generateRandom",
  "wrapKey",
  "exportKey",
  "listCertificates",
  "describeKey",
  "listKeys",
  "ping",
]);

type SignOp = Extract<SignerOp, { op: "sign" | "signEncoded" }>;

interface PreparedSign {
  signature: PreparedSignature;
  payload: Uint8Array;
}

function decodePayload(op: SignOp): Uint8Array | OpFailure {
  if (op.op === "sign") return op.data;
  try {
    return Uint8Array.fromBase64(op.payload);
  } catch {
    return { kind: "invalidPayload", message: "the payload is not valid base64" };
  }
}

/**
 * The answer to a sign op: bytes for "sign", base64 (and the payload's digest) for
 * "signEncoded". The digest the token signed is reused when it is the payload's SHA-256.
 */
function signResult(op: SignOp, signature: Uint8Array, prepared: PreparedSign): OpValue {
  if (op.op === "sign") return signature;
  const payloadSha256 = op.digest ? (prepared.signature.payloadSha256 ?? digest("SHA256", prepared.payload)).toString("hex") : null;
  return { signature: signature.toBase64(), payloadSha256 };
}

function isFailure(value: unknown): value is OpFailure {
  return typeof value === "object" && value !== null && !(value instanceof Uint8Array) && !Array.isArray(value) && "kind" in value;
}

function done(value: OpValue | OpFailure): OpResult {
  return isFailure(value) ? { ok: false, failure: value } : { ok: true, value };
}

const NEVER = (): boolean => false;
const STOPPED: OpResult = { ok: false, failure: { kind: "hsmUnavailable", message: "the signing worker was stopped before this operation" } };

function keyNotFound(ref: KeyObjectRef): OpFailure {
  return { kind: "keyNotFound", message: `no key labelled "${ref.label}" on the token` };
}

export class Pkcs11Executor {
  private readonly sessions: (Handle | null)[];
  private readonly keys = new Map<string, SigningKey>();
  private readonly planner: SignPlanner;
  private readonly ciphers: CipherPlanner;
  private previous: Promise<unknown> = Promise.resolve();

  private constructor(private readonly p11: PKCS11, private readonly options: ExecutorOptions) {
    this.sessions = new Array<Handle | null>(Math.max(1, options.sessions)).fill(null);
    this.planner = new SignPlanner(new Set(options.mechanisms), options.traits);
    this.ciphers = new CipherPlanner(new Set(options.mechanisms));
  }

  static open(options: ExecutorOptions): Pkcs11Executor {
    const executor = new Pkcs11Executor(loadModule(options.modulePath), options);
    for (let i = 0; i < executor.sessions.length; i++) executor.session(i);
    return executor;
  }

  /**
   * Whether a signature with this key costs little enough to be made on the calling thread
   * (the main thread's inline path): EC keys on curves of 256 bits or less. Loads the key on
   * first use; an unknown key is not cheap (the pool reports it properly).
   */
  isCheapToSign(key: string): boolean {
    try {
      const loaded = this.signingKey(key, 0);
      return !isFailure(loaded) && loaded.type === "EC" && (loaded.curve?.fieldBytes ?? 99) <= 32;
    } catch {
      return false;
    }
  }

  /** Forgets cached handles, of one key or of all. */
  invalidate(key?: string): void {
    if (key === undefined) this.keys.clear();
    else this.keys.delete(key);
  }

  /** Closes this executor's sessions. The module stays initialised for the rest of the process. */
  close(): void {
    for (let i = 0; i < this.sessions.length; i++) this.evict(i);
  }

  /**
   * Runs `ops` in order, each on a session of its own lane. Once `stopped()` answers true the
   * operations not yet begun fail with hsmUnavailable instead of reaching the token: the
   * thread is being replaced or closed, and no one waits for their results.
   */
  runBatch(ops: SignerOp[], stopped: () => boolean = NEVER): OpResult[] | Promise<OpResult[]> {
    if (this.sessions.length === 1) return ops.map((op) => (stopped() ? STOPPED : this.execute(op, 0)));
    // Batches arrive while an earlier one still awaits the token; each session may run only
    // one operation at a time, so batches take their turn.
    const run = this.previous.then(() => this.runConcurrently(ops, stopped));
    this.previous = run.catch(() => undefined);
    return run;
  }

  private async runConcurrently(ops: SignerOp[], stopped: () => boolean): Promise<OpResult[]> {
    const results = new Array<OpResult>(ops.length);
    const lanes = this.sessions.map(async (_, lane) => {
      for (let i = lane; i < ops.length; i += this.sessions.length) {
        const op = ops[i]!;
        if (stopped()) {
          results[i] = STOPPED;
          continue;
        }
        results[i] = op.op === "sign" || op.op === "signEncoded" ? await this.signConcurrently(op, lane) : this.execute(op, lane);
      }
    });
    await Promise.all(lanes);
    return results;
  }

  private async signConcurrently(op: SignOp, lane: number): Promise<OpResult> {
    try {
      const prepared = this.prepareSign(op, lane);
      if (isFailure(prepared)) return done(prepared);
      return done(signResult(op, await signInBackground(this.p11, this.session(lane), prepared.signature), prepared));
    } catch {
      // Faults are recovered on the synchronous path, which also retries once.
      return this.execute(op, lane);
    }
  }

  private execute(op: SignerOp, lane: number): OpResult {
    for (let attempt = 0; ; attempt++) {
      try {
        return done(this.perform(op, lane));
      } catch (error) {
        const ckr = ckrName(error);
        const retry = attempt === 0 && RETRIABLE.has(op.op);
        if (isSessionFault(ckr)) {
          const recovered = this.recover(lane);
          if (recovered && retry) continue;
        } else if (isStaleHandle(ckr) && "key" in op) {
          this.keys.delete(op.key);
          if (retry) continue;
        }
        if (error instanceof AmbiguousKeyError) return done({ kind: "hsmError", message: error.message });
        if (ckr) return done(failureFromCkr(ckr, op.op));
        return done({ kind: "internal", message: `${op.op} failed: ${(error as Error)?.message ?? String(error)}` });
      }
    }
  }

  private perform(op: SignerOp, lane: number): OpValue | OpFailure {
    switch (op.op) {
      case "sign":
      case "signEncoded": {
        const prepared = this.prepareSign(op, lane);
        if (isFailure(prepared)) return prepared;
        return signResult(op, signNow(this.p11, this.session(lane), prepared.signature), prepared);
      }
      case "verify": {
        const key = this.signingKey(op.key, lane);
        if (isFailure(key)) return key;
        return verify(this.p11, this.session(lane), key, this.planner.plan(op.algorithm), op.data, op.signature);
      }
      case "encrypt":
      case "decrypt": {
        const key = this.signingKey(op.key, lane);
        if (isFailure(key)) return key;
        const run = op.op === "encrypt" ? encrypt : decrypt;
        return run(this.p11, this.session(lane), key, this.ciphers, op);
      }
      case "hmac":
      case "verifyHmac": {
        const key = this.signingKey(op.key, lane);
        if (isFailure(key)) return key;
        const session = this.session(lane);
        return op.op === "hmac"
          ? hmac(this.p11, session, key, op.algorithm, op.data, this.ciphers.mechanisms)
          : verifyHmac(this.p11, session, key, op.algorithm, op.data, op.mac, this.ciphers.mechanisms);
      }
      case "generateRandom":
        return this.p11.C_GenerateRandom(this.session(lane), Buffer.from(new ArrayBuffer(op.length)));
      case "wrapKey": {
        const wrapping = this.signingKey(op.wrappingKey, lane);
        if (isFailure(wrapping)) return wrapping;
        const key = this.signingKey(op.key, lane);
        if (isFailure(key)) return key;
        return wrapKey(this.p11, this.session(lane), wrapping, key, op.method, this.ciphers.mechanisms);
      }
      case "unwrapKey": {
        const unwrapping = this.signingKey(op.unwrappingKey, lane);
        if (isFailure(unwrapping)) return unwrapping;
        const session = this.session(lane);
        const objects = unwrapKey(this.p11, session, unwrapping, op, this.ciphers.mechanisms);
        return isFailure(objects) ? objects : this.readBack(session, { label: op.label, id: op.id }, objects);
      }
      case "storeCertificate":
        return storeCertificate(this.p11, this.session(lane), op.ref, op.fields);
      case "listCertificates":
        return listCertificates(this.p11, this.session(lane), op.label);
      case "destroyCertificates":
        return destroyCertificates(this.p11, this.session(lane), op.label);
      case "setKeyAttributes": {
        const session = this.session(lane);
        const refused = setKeyAttributes(this.p11, session, op.ref, op.changes);
        // Cached handles stay valid; the attributes are the token's to enforce.
        if (refused) return refused;
        const objects = findKeyObjects(this.p11, session, op.ref);
        return (objects && describeKeyObjects(this.p11, session, op.ref, objects)) || keyNotFound(op.ref);
      }
      case "importKey": {
        const session = this.session(lane);
        const ref = { label: op.label, id: op.id };
        const objects = importKey(this.p11, session, ref, op.material, op.flags);
        return isFailure(objects) ? objects : this.readBack(session, ref, objects);
      }
      case "exportKey": {
        const key = this.signingKey(op.key, lane);
        return isFailure(key) ? key : exportKey(this.p11, this.session(lane), key);
      }
      case "generateKeyPair": {
        const session = this.session(lane);
        const ref = { label: op.label, id: op.id };
        return this.readBack(session, ref, generateKeyPair(this.p11, session, ref, op.spec, op.flags));
      }
      case "generateSecretKey": {
        const session = this.session(lane);
        const ref = { label: op.label, id: op.id };
        return this.readBack(session, ref, generateSecretKey(this.p11, session, ref, op.spec, op.flags));
      }
      case "describeKey": {
        const session = this.session(lane);
        const objects = findKeyObjects(this.p11, session, op.ref);
        if (!objects) return keyNotFound(op.ref);
        return describeKeyObjects(this.p11, session, op.ref, objects) ?? keyNotFound(op.ref);
      }
      case "listKeys":
        return listKeys(this.p11, this.session(lane));
      case "destroyKey": {
        const session = this.session(lane);
        const objects = findKeyObjects(this.p11, session, op.ref);
        if (!objects) return keyNotFound(op.ref);
        this.keys.delete(keyHandleId(op.ref));
        destroyKeyObjects(this.p11, session, objects);
        // The key's certificates are its objects too.
        for (const certificate of findObjectsOf(this.p11, session, CKO.CERTIFICATE, op.ref)) this.p11.C_DestroyObject(session, certificate);
        return null;
      }
      case "ping":
        this.p11.C_GetSessionInfo(this.session(lane));
        return true;
    }
  }

  /**
   * Describes objects just made. A key that cannot be read back, or is of a type or curve
   * Signet does not handle (an unwrapped or imported key can be), is destroyed again: a refused
   * request leaves nothing behind on the token.
   */
  private readBack(session: Handle, ref: KeyObjectRef, objects: KeyObjects): TokenKeyInfo | OpFailure {
    let info: TokenKeyInfo | null;
    try {
      info = describeKeyObjects(this.p11, session, ref, objects);
    } catch (error) {
      destroyKeyObjects(this.p11, session, objects);
      throw error;
    }
    if (info) return info;
    destroyKeyObjects(this.p11, session, objects);
    return { kind: "invalidKeyEncoding", message: "the new key is of a type or curve Signet does not handle" };
  }

  private prepareSign(op: SignOp, lane: number): PreparedSign | OpFailure {
    const key = this.signingKey(op.key, lane);
    if (isFailure(key)) return key;
    const payload = decodePayload(op);
    if (isFailure(payload)) return payload;
    const signature = prepareSignature(key, this.planner.plan(op.algorithm), payload, op.der);
    return isFailure(signature) ? signature : { signature, payload };
  }

  private signingKey(key: string, lane: number): SigningKey | OpFailure {
    let cached = this.keys.get(key);
    if (!cached) {
      const ref = parseKeyHandleId(key);
      const loaded = loadSigningKey(this.p11, this.session(lane), ref);
      if (!loaded) return keyNotFound(ref);
      cached = loaded;
      this.keys.set(key, cached);
    }
    return cached;
  }

  private session(lane: number): Handle {
    let session = this.sessions[lane];
    if (!session) {
      session = openSession(this.p11, this.options.slot);
      loginUser(this.p11, session, this.options.pin);
      this.sessions[lane] = session;
    }
    return session;
  }

  private evict(lane: number): void {
    const session = this.sessions[lane];
    this.sessions[lane] = null;
    if (!session) return;
    try {
      this.p11.C_CloseSession(session);
    } catch {
      // already gone
    }
  }

  /** Replaces a faulted session. Returns false when no new session can be opened. */
  private recover(lane: number): boolean {
    this.evict(lane);
    this.keys.clear();
    try {
      this.session(lane);
      return true;
    } catch {
      return false;
    }
  }
}
