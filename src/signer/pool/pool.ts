/**
 * The Worker pool on the main thread: a bounded queue of signer operations, dispatched to
 * Workers in batches.
 *
 * Batching: operations submitted while every Worker is busy wait in the queue; when a Worker
 * has room it takes up to `maxBatch` of them in one message, so one postMessage carries many
 * signatures when the load is high and exactly one when it is low. Each Worker may hold
 * `pipelineDepth` batches at once so that it never waits for the main thread between two.
 * While every Worker is busy, the queue is flushed at the end of the event loop's turn rather
 * than after each submit: a busy Worker's next batch then holds what arrived in that turn
 * (under wrk, 6-7 → 9-11 operations a batch, bench/NOTES.md) and its signatures' records
 * share a commit.
 *
 * Bounds and failures: the queue (waiting plus in flight) never exceeds `queueMax`; past it
 * submit() throws queueFull. A Worker that dies fails the operations it held at once, and a
 * Worker that does not answer a batch in time is treated as hung: its operations fail with
 * hsmTimeout, a replacement is started, and it is asked to end itself as soon as the token
 * call it is in returns. A thread stuck in a call that never returns cannot be ended by any
 * means, so the pool keeps at most twice `workers` threads: past that, a slot's replacement
 * waits until a stuck thread has ended, and once every slot waits, requests fail at once with
 * hsmTimeout instead of queueing for a token that does not answer (a network HSM gone dark
 * would otherwise cost a new thread every `opTimeoutMs`, each with its own JavaScript heap).
 * Workers are started strictly one after another, because several Workers loading the
 * PKCS#11 addon at the same moment crashed Bun.
 *
 * Stopping a Worker (replaced, or closing) never terminates it while it may be inside a token
 * call: Bun 1.4.5's terminate() on a Worker signing crashed the process (segfault) in about 3%
 * of tries. The pool sets the Worker's stop flag, which it reads before each operation, and
 * posts it a stop message; the Worker gives its sessions back and ends its thread. Closing
 * waits for every thread to end: a process that exits under a token call tears the module down
 * beneath it, and a Worker writing a key to a file token would leave it half written. Only a
 * Worker still inside a call when the close's grace is over (a token that does not answer) is
 * terminated.
 */
import { ERROR_CATALOGUE, SignetError, type ErrorKind } from "../../errors";
import type { ExecutorOptions } from "../pkcs11/executor";
import { SharedFlag } from "../../platform/shared-flag";
import { waitAtMost } from "../../platform/wait";
import { SignerSetupError } from "../pkcs11/module";
import type { OpFailure, OpResult, OpValue, SignerOp } from "../types";
import {
  decodeSignResults,
  encodeSignBatch,
  transferablesOf,
  type EncodedSignOp,
  type FromWorker,
  type ToWorker,
} from "./protocol";

export interface PoolOptions {
  workers: number;
  sessionsPerWorker: number;
  queueMax: number;
  maxBatch: number;
  pipelineDepth: number;
  /** Longest a batch of signing or lookup operations may take before its Worker counts as hung. */
  opTimeoutMs: number;
  /** The same for a batch that generates a key (RSA-4096 generation takes seconds). */
  keygenTimeoutMs: number;
  executor: Omit<ExecutorOptions, "sessions">;
}

export interface PoolStats {
  workersReady: number;
  workersConfigured: number;
  queued: number;
  inFlight: number;
  batches: number;
  operations: number;
  workerRestarts: number;
}

interface Pending {
  op: SignerOp;
  resolve: (value: OpValue) => void;
  reject: (error: SignetError) => void;
}

interface Batch {
  items: Pending[];
  timer: ReturnType<typeof setTimeout>;
}

class PoolWorker {
  readonly inFlight = new Map<number, Batch>();
  ready = false;
  gone = false;
  /** Settles when the Worker's thread has ended (its close event). */
  readonly ended: Promise<void>;
  /** The Worker's stop flag (protocol.ts, init). */
  readonly stopFlag = new SharedFlag();
  constructor(readonly slot: number, readonly worker: Worker) {
    this.ended = new Promise((resolve) => worker.addEventListener("close", () => resolve()));
  }

  /** Asks the Worker to end itself: the flag stops it before its next operation, the message ends its thread. */
  requestStop(): void {
    this.stopFlag.set(true);
    this.worker.postMessage({ t: "stop" } satisfies ToWorker);
  }
}

const SLOW_OPS = new Set<SignerOp["op"]>(["generateKeyPair", "listKeys"]);

const TOKEN_NOT_ANSWERING = () =>
  new SignetError("hsmTimeout", "the token is not answering: every signing worker is waiting on a token call; new ones start as those return");

export function failureError(failure: OpFailure): SignetError {
  const kind: ErrorKind = failure.kind in ERROR_CATALOGUE ? (failure.kind as ErrorKind) : "hsmError";
  return new SignetError(kind, failure.message, failure.ckr ? { details: { ckr: failure.ckr } } : undefined);
}

function* opBytes(items: Pending[]): Iterable<Uint8Array> {
  for (const { op } of items) {
    if (op.op === "sign" || op.op === "hmac" || op.op === "encrypt" || op.op === "decrypt") yield op.data;
    else if (op.op === "verify") {
      yield op.data;
      yield op.signature;
    }
  }
}

export class SignerPool {
  private readonly workers: (PoolWorker | null)[];
  private queue: Pending[] = [];
  private queueHead = 0;
  private inFlightOps = 0;
  private nextBatch = 1;
  private flushScheduled = false;
  private closed = false;
  private starting: Promise<unknown> = Promise.resolve();
  /** Every Worker started whose thread has not ended yet, replaced ones included. */
  private readonly running = new Set<PoolWorker>();
  /** Slots whose replacement waits for a stuck thread to end (the bound above). */
  private readonly waitingSlots: number[] = [];
  /** Fault injection: while its Int32 is 1, every Worker blocks before its next batch, as on a token that stopped answering. */
  private readonly stall = new SharedFlag();
  private readonly counters = { batches: 0, operations: 0, workerRestarts: 0 };

  private constructor(private readonly options: PoolOptions) {
    this.workers = new Array<PoolWorker | null>(options.workers).fill(null);
  }

  /** Starts every Worker, one after another. Rejects with SignerSetupError if the first cannot start. */
  static async start(options: PoolOptions): Promise<SignerPool> {
    const pool = new SignerPool(options);
    try {
      for (let slot = 0; slot < options.workers; slot++) await pool.startWorker(slot);
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  submit(op: SignerOp): Promise<OpValue> {
    const refusal = this.refusal();
    if (refusal) return Promise.reject(refusal);
    return new Promise<OpValue>((resolve, reject) => this.enqueue({ op, resolve, reject }));
  }

  /**
   * Many operations with one promise, which settles once all of them have: each slot of the
   * answer holds the operation's value or its SignetError, in the order of `ops`. An
   * operation the queue has no room for gets queueFull, as it would from submit(). A promise
   * per operation cost the main thread more than the operation's own dispatch under batch
   * signing (bench/NOTES.md).
   */
  submitAll(ops: readonly SignerOp[]): Promise<(OpValue | SignetError)[]> {
    const results = new Array<OpValue | SignetError>(ops.length);
    if (ops.length === 0) return Promise.resolve(results);
    return new Promise((resolve) => {
      let unsettled = ops.length;
      const settle = (index: number, outcome: OpValue | SignetError): void => {
        results[index] = outcome;
        if (--unsettled === 0) resolve(results);
      };
      for (let index = 0; index < ops.length; index++) {
        const refusal = this.refusal();
        if (refusal) settle(index, refusal);
        else this.enqueue({ op: ops[index]!, resolve: (value) => settle(index, value), reject: (error) => settle(index, error) });
      }
    });
  }

  /** Why an operation cannot be queued now, or null when it can. */
  private refusal(): SignetError | null {
    if (this.closed) return new SignetError("hsmUnavailable", "the signer is shutting down");
    if (this.waitingSlots.length >= this.options.workers) return TOKEN_NOT_ANSWERING();
    if (this.queued + this.inFlightOps >= this.options.queueMax) {
      return new SignetError("queueFull", `the signing queue is full (${this.options.queueMax} operations)`);
    }
    return null;
  }

  private enqueue(pending: Pending): void {
    this.queue.push(pending);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // An idle Worker takes the operation at once. When every Worker is busy, what is sent
      // now waits behind a batch anyway: the operations that arrive in this turn of the event
      // loop wait for its end and leave together, instead of the first leaving alone.
      if (this.hasIdleWorker()) queueMicrotask(this.flush);
      else setImmediate(this.flush);
    }
  }

  private hasIdleWorker(): boolean {
    for (const worker of this.workers) if (worker?.ready && worker.inFlight.size === 0) return true;
    return false;
  }

  /** Nothing waits and nothing is in flight: a request now would find a Worker idle. */
  idle(): boolean {
    return this.inFlightOps === 0 && this.queued === 0;
  }

  /** Sends a message to every live Worker (cache invalidation). */
  broadcast(message: ToWorker): void {
    for (const worker of this.workers) if (worker?.ready) worker.worker.postMessage(message);
  }

  stats(): PoolStats {
    return {
      workersReady: this.workers.filter((w) => w?.ready).length,
      workersConfigured: this.options.workers,
      queued: this.queued,
      inFlight: this.inFlightOps,
      ...this.counters,
    };
  }

  /** Fault injection: the token stops answering every Worker (true) until it answers again (false). */
  stallToken(stalled: boolean): void {
    this.stall.set(stalled);
  }

  /** Fault injection: ends Worker `slot` from outside (kill) or inside (crash), or stalls it (hang). */
  injectWorkerFault(slot: number, mode: "kill" | "crash" | "hang"): boolean {
    const target = this.workers[slot];
    if (!target?.ready) return false;
    if (mode === "crash") target.worker.postMessage({ t: "crash" } satisfies ToWorker);
    else if (mode === "hang") target.worker.postMessage({ t: "hang", ms: 60_000 } satisfies ToWorker);
    else {
      this.lose(target, new SignetError("hsmUnavailable", "the signing worker was stopped while it held this request"));
      target.worker.terminate();
    }
    return true;
  }

  /**
   * Fails what waits and what the Workers hold, stops every Worker, and resolves once their
   * threads have ended. Each Worker ends itself after the token call it is in (terminate() on a
   * Worker inside a token call crashed Bun 1.4.5, segfault at address 0x0, in about 3% of
   * closes with signatures in flight, 2026-12-03), Workers replaced earlier included. One still
   * inside a call after `graceMs` (a token that does not answer) is terminated, and waited for
   * one more second at most.
   */
  async close(graceMs = 5_000): Promise<void> {
    this.closed = true;
    const error = new SignetError("hsmUnavailable", "the signer is shutting down");
    for (const worker of this.workers) {
      if (!worker) continue;
      this.lose(worker, error, false);
    }
    this.failQueued(error);
    const ended = Promise.all([...this.running].map((worker) => worker.ended));
    for (const worker of this.running) worker.requestStop();
    await waitAtMost(graceMs, ended);
    if (this.running.size === 0) return;
    for (const worker of this.running) worker.worker.terminate();
    await waitAtMost(1_000, ended);
  }

  private get queued(): number {
    return this.queue.length - this.queueHead;
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const { maxBatch, pipelineDepth } = this.options;
    for (;;) {
      const waiting = this.queued;
      if (waiting === 0) break;
      let target: PoolWorker | null = null;
      let free = 0;
      for (const worker of this.workers) {
        if (!worker?.ready || worker.inFlight.size >= pipelineDepth) continue;
        free++;
        if (!target || worker.inFlight.size < target.inFlight.size) target = worker;
      }
      if (!target) break;
      // Share what waits among the Workers that have room, so that one Worker does not
      // take everything while another stands idle.
      const take = Math.min(maxBatch, Math.ceil(waiting / free));
      this.dispatch(target, this.queue.slice(this.queueHead, this.queueHead + take));
      this.queueHead += take;
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  };

  /** Sends what was taken from the queue: fast-path signatures as one string, the rest as objects. */
  private dispatch(target: PoolWorker, items: Pending[]): void {
    let encoded = 0;
    for (const item of items) if (item.op.op === "signEncoded") encoded++;
    if (encoded === items.length) return this.send(target, items, true);
    if (encoded === 0) return this.send(target, items, false);
    this.send(target, items.filter((item) => item.op.op === "signEncoded"), true);
    this.send(target, items.filter((item) => item.op.op !== "signEncoded"), false);
  }

  private send(target: PoolWorker, items: Pending[], encoded: boolean): void {
    const id = this.nextBatch++;
    const slow = items.some((item) => SLOW_OPS.has(item.op.op));
    const timeout = slow ? this.options.keygenTimeoutMs : this.options.opTimeoutMs;
    const timer = setTimeout(() => this.hung(target, id), timeout);
    target.inFlight.set(id, { items, timer });
    this.inFlightOps += items.length;
    this.counters.batches++;
    this.counters.operations += items.length;
    if (encoded) {
      target.worker.postMessage(encodeSignBatch(id, items.map((item) => item.op as EncodedSignOp)));
    } else {
      const ops = items.map((item) => item.op);
      target.worker.postMessage({ t: "run", batch: id, ops } satisfies ToWorker, transferablesOf(opBytes(items)));
    }
  }

  private settleEncoded(worker: PoolWorker, message: string): void {
    let batch: Batch | undefined;
    const id = decodeSignResults(message, (index, signature, digestOrFailure) => {
      const item = batch!.items[index]!;
      if (signature !== null) item.resolve({ signature, payloadSha256: digestOrFailure as string | null });
      else item.reject(failureError(digestOrFailure as OpFailure));
    }, (batchId) => {
      batch = worker.inFlight.get(batchId);
      return batch !== undefined;
    });
    if (!batch) return;
    this.finish(worker, id, batch);
  }

  private settle(worker: PoolWorker, batchId: number, results: OpResult[]): void {
    const batch = worker.inFlight.get(batchId);
    if (!batch) return; // already failed by a timeout
    for (let i = 0; i < batch.items.length; i++) {
      const result = results[i]!;
      const item = batch.items[i]!;
      if (result.ok) item.resolve(result.value);
      else item.reject(failureError(result.failure));
    }
    this.finish(worker, batchId, batch);
  }

  private finish(worker: PoolWorker, batchId: number, batch: Batch): void {
    worker.inFlight.delete(batchId);
    clearTimeout(batch.timer);
    this.inFlightOps -= batch.items.length;
    if (this.queued > 0) this.flush();
  }

  private hung(worker: PoolWorker, batchId: number): void {
    if (!worker.inFlight.has(batchId)) return;
    this.lose(worker, new SignetError("hsmTimeout", "the token did not answer in time; the signing worker was replaced"));
    // Not terminate(): the Worker may be inside a token call (a slow token signing a large
    // batch is in and out of them). It ends itself once the call returns; if the call never
    // does, its thread stays blocked, as it would after terminate().
    worker.requestStop();
  }

  /** Fails everything a Worker held, forgets it, and (unless closing) starts its replacement. */
  private lose(worker: PoolWorker, error: SignetError, replace = true): void {
    if (worker.gone) return;
    worker.gone = true;
    worker.ready = false;
    for (const batch of worker.inFlight.values()) {
      clearTimeout(batch.timer);
      this.inFlightOps -= batch.items.length;
      for (const item of batch.items) item.reject(error);
    }
    worker.inFlight.clear();
    if (this.workers[worker.slot] === worker) this.workers[worker.slot] = null;
    if (replace) this.replace(worker.slot);
  }

  /** Starts a Worker for `slot`, or lets the slot wait while the threads alive are at their bound. */
  private replace(slot: number): void {
    if (this.closed) return;
    this.waitingSlots.push(slot);
    this.replaceWaiting();
    if (this.waitingSlots.length >= this.options.workers) this.failQueued(TOKEN_NOT_ANSWERING());
  }

  /** Starts Workers for the slots that wait, as far as the bound on threads allows (run again as each thread ends). */
  private replaceWaiting(): void {
    while (this.waitingSlots.length > 0 && this.running.size < 2 * this.options.workers && !this.closed) {
      this.counters.workerRestarts++;
      this.restart(this.waitingSlots.shift()!, 0);
    }
  }

  private restart(slot: number, attempt: number): void {
    this.startWorker(slot).then(
      () => this.flush(),
      () => {
        // No Worker can be started (the token is gone): fail what waits rather than let it
        // hang, and try again with a growing delay.
        if (!this.workers.some((w) => w?.ready)) {
          this.failQueued(new SignetError("hsmUnavailable", "no signing worker can reach the token"));
        }
        const delay = Math.min(30_000, 250 * 2 ** attempt);
        if (!this.closed) setTimeout(() => this.restart(slot, attempt + 1), delay);
      },
    );
  }

  private failQueued(error: SignetError): void {
    const waiting = this.queue.slice(this.queueHead);
    this.queue = [];
    this.queueHead = 0;
    for (const item of waiting) item.reject(error);
  }

  /** Starts the Worker for `slot` once every earlier start has finished. */
  private startWorker(slot: number): Promise<void> {
    const started = this.starting.then(() => this.spawn(slot));
    this.starting = started.catch(() => undefined);
    return started;
  }

  private spawn(slot: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.closed) return reject(new SignetError("hsmUnavailable", "the signer is shutting down"));
      const worker = new Worker(new URL("./worker.ts", import.meta.url).href);
      const entry = new PoolWorker(slot, worker);
      this.running.add(entry);
      void entry.ended.then(() => {
        this.running.delete(entry);
        this.replaceWaiting();
      });
      worker.onmessage = (event: MessageEvent<FromWorker | string>) => {
        const message = event.data;
        if (typeof message === "string") this.settleEncoded(entry, message);
        else if (message.t === "done") this.settle(entry, message.batch, message.results);
        else if (message.t === "ready") {
          entry.ready = true;
          this.workers[slot] = entry;
          resolve();
        } else {
          entry.gone = true;
          worker.terminate();
          reject(message.field ? new SignerSetupError(message.field, message.message) : new Error(message.message));
        }
      };
      worker.addEventListener("close", () => {
        if (!entry.ready && !entry.gone) {
          entry.gone = true;
          reject(new Error("the signing worker exited while starting"));
          return;
        }
        this.lose(entry, new SignetError("hsmUnavailable", "the signing worker stopped while it held this request"));
      });
      const options: ExecutorOptions = { ...this.options.executor, sessions: this.options.sessionsPerWorker };
      worker.postMessage({ t: "init", options, stop: entry.stopFlag.buffer, stall: this.stall.buffer } satisfies ToWorker);
    });
  }
}
