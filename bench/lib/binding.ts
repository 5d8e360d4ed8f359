/**
 * The binding limit: what pkcs11js alone reaches in Bun Workers, one per core, signing in the
 * same tight loop as native/p11bench.c (binding-worker.ts). It sits between the physical
 * limit (C) and the pool (Signet's executor, protocol and dispatch): the gap to C is the cost
 * of the stack the design card fixes (N-API calls, Buffers, a JavaScript thread per core),
 * the gap to the pool is Signet's own.
 */
import type { BindingMechanism, BindingMessage, BindingReply } from "./binding-worker";

export interface BindingResult {
  workers: number;
  signatures: number;
  perSecond: number;
  /** CPU of the signing threads per signature, in µs. */
  cpuMicrosPerSignature: number;
}

export interface BindingToken {
  modulePath: string;
  tokenLabel: string;
  pin: string;
}

function ask<T>(worker: Worker, message: BindingMessage): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<T>) => resolve(event.data);
    worker.onerror = (event) => reject(new Error(`binding worker: ${event.message}`));
    worker.postMessage(message);
  });
}

export class BindingBench {
  private constructor(private readonly workers: Worker[]) {}

  /** Starts the threads one after another: Workers loading a native module at once can crash Bun 1.4. */
  static async open(token: BindingToken, threads: number): Promise<BindingBench> {
    const workers: Worker[] = [];
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(new URL("./binding-worker.ts", import.meta.url).href);
      workers.push(worker);
      await ask<string>(worker, { t: "open", ...token });
    }
    return new BindingBench(workers);
  }

  /** `key`: the key's handle id (keyHandleId), as the pool signs with it. */
  async measure(key: string, mechanism: BindingMechanism, seconds: number): Promise<BindingResult> {
    const replies = await Promise.all(this.workers.map((worker) => ask<BindingReply>(worker, { t: "run", key, mechanism, seconds })));
    const signatures = replies.reduce((sum, reply) => sum + reply.signatures, 0);
    const cpu = replies.reduce((sum, reply) => sum + reply.cpuMicros, 0);
    return {
      workers: replies.length,
      signatures,
      perSecond: Math.round(replies.reduce((sum, reply) => sum + reply.signatures / reply.seconds, 0)),
      cpuMicrosPerSignature: Math.round((cpu / Math.max(1, signatures)) * 10) / 10,
    };
  }

  close(): void {
    for (const worker of this.workers) worker.terminate();
  }
}
