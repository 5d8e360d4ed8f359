/** Messages between the pool (main thread) and its Workers. */
import type { ExecutorOptions } from "../pkcs11/executor";
import type { SetupField } from "../pkcs11/module";
import type { EncodedSignature, OpFailure, OpResult, SignerOp } from "../types";

export type ToWorker =
  /**
   * `stop` is one Int32 the pool sets to 1 when the Worker is to end (closing, or replaced after
   * a batch timed out). The Worker reads it before each operation: a message waits behind the
   * token call the Worker is in, the flag is seen as soon as that call returns. `stall` is fault
   * injection, shared by every Worker: while its Int32 is 1, a Worker blocks before its next batch.
   */
  | { t: "init"; options: ExecutorOptions; stop: SharedArrayBuffer; stall: SharedArrayBuffer }
  | { t: "run"; batch: number; ops: SignerOp[] }
  | { t: "invalidate"; key?: string }
  /** End the thread from inside once the token calls under way have returned (with the flag set). */
  | { t: "stop" }
  /** Fault injection for tests: the Worker throws from its event loop and dies. */
  | { t: "crash" }
  /** Fault injection for tests: the Worker blocks for `ms` milliseconds, as in a token call that does not return, or until its stop flag is set. */
  | { t: "hang"; ms: number };

export type FromWorker =
  | { t: "ready" }
  | { t: "initFailed"; field: SetupField | null; message: string }
  | { t: "done"; batch: number; results: OpResult[] };

/** The ArrayBuffers a message may hand over instead of copying: each one only once. */
export function transferablesOf(views: Iterable<Uint8Array>): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const view of views) {
    const buffer = view.buffer;
    // Only a buffer the view covers entirely is handed over; a view into a larger (pooled or
    // shared) buffer is copied instead, so that nothing else loses its memory.
    if (buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength) buffers.add(buffer);
  }
  return [...buffers];
}

/*
 * The signing fast path's wire form. Structured cloning a batch of op objects costs the main
 * thread far more than the signatures' own dispatch (measured under Bun 1.4.5: an object
 * message of one op cost about twice a string message of the same content, plus a buffer
 * transfer per payload); a batch of signEncoded ops therefore crosses as one JSON string,
 * and its results come back the same way. JSON also escapes whatever a key label holds.
 *
 *   request: [batch, key, algorithm, flags, payloadBase64, key, algorithm, flags, ...]
 *            flags: 1 = DER, 2 = digest
 *   reply:   [batch, signature | null, payloadSha256 | failure, ...]   (two slots per op)
 */
export type EncodedSignOp = Extract<SignerOp, { op: "signEncoded" }>;

export function encodeSignBatch(batch: number, ops: readonly EncodedSignOp[]): string {
  const flat: (string | number)[] = [batch];
  for (const op of ops) flat.push(op.key, op.algorithm, (op.der ? 1 : 0) | (op.digest ? 2 : 0), op.payload);
  return JSON.stringify(flat);
}

export function decodeSignBatch(message: string): { batch: number; ops: EncodedSignOp[] } {
  const flat = JSON.parse(message) as (string | number)[];
  const ops: EncodedSignOp[] = [];
  for (let i = 1; i < flat.length; i += 4) {
    const flags = flat[i + 2] as number;
    ops.push({ op: "signEncoded", key: flat[i] as string, algorithm: flat[i + 1] as string, der: (flags & 1) !== 0, digest: (flags & 2) !== 0, payload: flat[i + 3] as string });
  }
  return { batch: flat[0] as number, ops };
}

export function encodeSignResults(batch: number, results: readonly OpResult[]): string {
  const flat: unknown[] = [batch];
  for (const result of results) {
    if (result.ok) {
      const value = result.value as EncodedSignature;
      flat.push(value.signature, value.payloadSha256);
    } else flat.push(null, result.failure);
  }
  return JSON.stringify(flat);
}

/**
 * Calls back once per op, in order, without building result objects on the main thread;
 * `accept` sees the batch id first and may decline a batch that already timed out.
 */
export function decodeSignResults(
  message: string,
  each: (index: number, signature: string | null, digestOrFailure: string | OpFailure | null) => void,
  accept: (batch: number) => boolean,
): number {
  const flat = JSON.parse(message) as unknown[];
  const batch = flat[0] as number;
  if (!accept(batch)) return batch;
  for (let i = 1, index = 0; i < flat.length; i += 2, index++) {
    each(index, flat[i] as string | null, flat[i + 1] as string | OpFailure | null);
  }
  return batch;
}
