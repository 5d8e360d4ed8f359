/** Messages between the pool (main thread) and its Workers. */
import type { ExecutorOptions } from "../pkcs11/executor";
import type { SetupField } from "../pkcs11/module";
import type { OpResult, SignerOp } from "../types";

export type ToWorker =
  | { t: "init"; options: ExecutorOptions }
  | { t: "run"; batch: number; ops: SignerOp[] }
  | { t: "invalidate"; key?: string }
  /** Fault injection for tests: the Worker throws from its event loop and dies. */
  | { t: "crash" }
  /** Fault injection for tests: the Worker stops answering for `ms` milliseconds. */
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
