/**
 * Key passwords, as the TSB has them: a key created with a password refuses every operation
 * that does not give the same password (errorCode 620); an empty password means none, and a key
 * without a password refuses a password too (the caller is mistaken about the key).
 *
 * Only a slow hash is stored: scrypt (node:crypto) with a random 16-byte salt per key and its
 * cost parameters written beside it ("scrypt$ln=15,r=8,p=1$<salt>$<hash>", base64), so that they
 * can be raised later without invalidating existing keys. Hashes are compared in constant time.
 *
 * scrypt costs about 65 ms (N = 2^15, 32 MiB) on the machine this was measured on, off the
 * main thread. The signing path must not pay that per request, so a password that verified is
 * remembered, in memory only, as an HMAC-SHA256 under a random key of this process over the
 * stored hash and the password: the next request with the same password costs one HMAC
 * (about a microsecond) and a constant-time comparison. The stored hash is part of what the
 * HMAC covers, so a changed password (a new salt) can never match a remembered one, and the
 * entry is dropped on every change anyway. Wrong passwords are never remembered: each one
 * costs a full scrypt, at most two at a time.
 */
import { createHmac, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import type { AuditRecorder } from "../../audit/audit-log";
import { SignetError } from "../../errors";
import type { OperationContext } from "../context";

/** What the guard needs to know about a key. */
export interface PasswordProtected {
  label: string;
  /** The stored scrypt string, or null for a key without a password. */
  passwordHash: string | null;
}

const COST = { log2N: 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Most scrypt verifications at once: wrong passwords must not starve the thread pool. */
const CONCURRENT_VERIFICATIONS = 2;
const MAX_LOG2_N = 20;

interface ParsedHash {
  log2N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function derive(password: string, salt: Buffer, cost: { log2N: number; r: number; p: number }, length: number): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  // scrypt needs 128 * N * r bytes; allow that and a margin.
  const maxmem = 128 * N * cost.r * (cost.p + 1) + (1 << 20);
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, length, { N, r: cost.r, p: cost.p, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** A new stored hash for `password` (non-empty). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, COST, HASH_BYTES);
  return `scrypt$ln=${COST.log2N},r=${COST.r},p=${COST.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

function parse(stored: string): ParsedHash {
  const match = /^scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  const [log2N, r, p] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  if (!match || log2N < 1 || log2N > MAX_LOG2_N || r < 1 || r > 32 || p < 1 || p > 16) {
    throw new SignetError("internal", "a stored key password hash is not one Signet wrote");
  }
  return { log2N, r, p, salt: Buffer.from(match[4]!, "base64"), hash: Buffer.from(match[5]!, "base64") };
}

/** Whether `password` is the one `stored` was made from (constant-time comparison). */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const parsed = parse(stored);
  const candidate = await derive(password, parsed.salt, parsed, parsed.hash.length);
  return candidate.length === parsed.hash.length && timingSafeEqual(candidate, parsed.hash);
}

/** "" and null mean no password. */
export function isNoPassword(password: string | null | undefined): password is null | undefined | "" {
  return password === null || password === undefined || password === "";
}

export class KeyPasswords {
  private readonly macKey = randomBytes(32);
  /** Per label: the stored hash a password verified against, and the HMAC of that password. */
  private readonly verified = new Map<string, { stored: string; mac: Buffer }>();
  /** Verifications under way, by the HMAC of (stored hash, password): one scrypt for many requests. */
  private readonly pending = new Map<string, Promise<boolean>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly audit: AuditRecorder) {}

  /**
   * Nothing (at once) when `given` is the key's password; a promise when it must first be
   * verified (once per key and password), which rejects with keyPasswordMismatch (620) if it
   * is not. A refusal is recorded in the audit log (key.password, denied) before it is answered.
   */
  check(key: PasswordProtected, given: string | null | undefined, context: OperationContext, operation: string): Promise<void> | undefined {
    const stored = key.passwordHash;
    if (stored === null) return isNoPassword(given) ? undefined : this.refuse(key, context, operation, "the key has no password");
    if (isNoPassword(given)) return this.refuse(key, context, operation, "no password was given");
    const mac = this.mac(stored, given);
    const known = this.verified.get(key.label);
    if (known && known.stored === stored && timingSafeEqual(known.mac, mac)) return undefined;
    return this.verifySlowly(stored, given, mac).then((valid) => {
      if (!valid) return this.refuse(key, context, operation, "wrong password");
      this.verified.set(key.label, { stored, mac });
      return undefined;
    });
  }

  /** Drops what is remembered about a key's password (after a change, or when the key is deleted). */
  forget(label: string): void {
    this.verified.delete(label);
  }

  private mac(stored: string, password: string): Buffer {
    return createHmac("sha256", this.macKey).update(stored).update("\u0000").update(password, "utf8").digest();
  }

  private verifySlowly(stored: string, password: string, mac: Buffer): Promise<boolean> {
    const id = mac.toString("base64");
    let run = this.pending.get(id);
    if (!run) {
      run = this.limited(() => verifyPassword(stored, password)).finally(() => this.pending.delete(id));
      this.pending.set(id, run);
    }
    return run;
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    while (this.running >= CONCURRENT_VERIFICATIONS) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private async refuse(key: PasswordProtected, context: OperationContext, operation: string, why: string): Promise<never> {
    await this.audit
      .record(context, {
        action: "key.password.refused",
        objectType: "key",
        objectId: key.label,
        outcome: "denied",
        details: { operation, errorCode: 620, reason: "res.error.key.password.mismatch", why },
      })
      .catch(() => undefined);
    throw new SignetError("keyPasswordMismatch", `the password does not match the password of key "${key.label}"`);
  }
}
