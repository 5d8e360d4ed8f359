/**
 * Group commit on the main thread's side: records handed in while the writer thread commits a
 * batch wait, and leave together as the next batch, in one transaction with one fsync. Each
 * caller's promise settles when the transaction holding its record has committed, so an
 * operation answered as done has its record on disk. Under light load a batch is one record
 * (one fsync per request); under heavy load one fsync serves hundreds.
 *
 * When the writer thread dies, the records it held and those waiting fail (the operations
 * are answered with auditUnavailable, not as done), and a new thread is started.
 *
 * A commit that does not return (a disk or network file system that stopped answering:
 * fsync blocks, and no code can end a thread inside it) would hold every audited answer
 * for as long. Once the batch in flight has waited commitTimeoutMs, its records and those
 * waiting fail with auditUnavailable, and so does every record handed in until the thread
 * answers again: callers get a bounded error instead of a hung request. The records of that
 * batch may still be committed when the disk answers; the log then holds operations whose
 * callers were told they were not confirmed, as after a thread that died mid-commit (an
 * audit log may say more than was answered, never less).
 */
import { SignetError } from "../errors";
import { waitAtMost } from "../platform/wait";
import type { NewCheckpointRow } from "../store/audit";
import type { TreeHead } from "./appender";
import { CommitStats, type CommitStatsSnapshot } from "./commit-stats";
import type { PendingRecord } from "./record";
import type { FromWriter, ToWriter } from "./writer-protocol";

const MAX_BATCH = 2048;

export interface AuditWriterOptions {
  /** How long a commit may take before the records it holds, and every later one until it returns, fail. */
  commitTimeoutMs: number;
}

interface Waiting {
  record: PendingRecord;
  resolve: () => void;
  reject: (error: SignetError) => void;
}

export class AuditWriter {
  private worker: Worker | null = null;
  private waiting: Waiting[] = [];
  private inFlight: Waiting[] | null = null;
  private batch = 0;
  private flushScheduled = false;
  private closed = false;
  private starting: Promise<void> | null = null;
  private head: TreeHead = { size: 0, rootHash: new Uint8Array(32) };
  private readonly commits = new CommitStats();
  /** When the batch in flight was posted (performance.now()), and how many records it held. */
  private postedAt = 0;
  private postedRecords = 0;
  /** Set once the batch in flight outlived commitTimeoutMs; cleared when the thread answers. */
  private stalledSince: number | null = null;
  private readonly watchdog: ReturnType<typeof setInterval>;
  /** Fault injection (stall()): while its Int32 is 1, the thread blocks before its next commit. */
  private readonly stallFlag = new Int32Array(new SharedArrayBuffer(4));

  private constructor(
    private readonly dataDir: string,
    private readonly options: AuditWriterOptions,
    private readonly onHead: (head: TreeHead) => void,
    private readonly onProblem: (message: string) => void,
  ) {
    // One timer for the writer's life, not one a commit: it checks the batch in flight a few
    // times per timeout (so a stall is noticed within 1.25 timeouts).
    this.watchdog = setInterval(this.checkStalled, Math.min(1_000, Math.max(25, Math.floor(options.commitTimeoutMs / 4))));
    (this.watchdog as { unref?: () => void }).unref?.();
  }

  static async start(dataDir: string, options: AuditWriterOptions, onHead: (head: TreeHead) => void, onProblem: (message: string) => void): Promise<AuditWriter> {
    const writer = new AuditWriter(dataDir, options, onHead, onProblem);
    try {
      await writer.spawn();
    } catch (error) {
      clearInterval(writer.watchdog);
      throw error;
    }
    return writer;
  }

  current(): TreeHead {
    return this.head;
  }

  /** Whether a commit has outlived commitTimeoutMs and not returned yet (records are refused meanwhile). */
  stalled(): boolean {
    return this.stalledSince !== null;
  }

  /** Fault injection: the thread blocks before its next commit (true) until released (false), as on a disk that stopped answering. */
  stall(stalled: boolean): void {
    Atomics.store(this.stallFlag, 0, stalled ? 1 : 0);
    if (!stalled) Atomics.notify(this.stallFlag, 0);
  }

  append(record: PendingRecord): Promise<void> {
    if (this.closed) return Promise.reject(new SignetError("auditUnavailable", "the audit log is closed"));
    if (this.stalledSince !== null) return Promise.reject(this.stalledError());
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ record, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(this.flush);
      }
    });
  }

  commitStats(): CommitStatsSnapshot {
    return this.commits.snapshot();
  }

  storeCheckpoint(row: NewCheckpointRow): void {
    this.post({ t: "checkpoint", row });
  }

  /**
   * Waits for the records handed in so far, then stops the writer thread and waits for it to
   * end (as the signer's pool does, so that the process never exits under a running thread).
   */
  async close(): Promise<void> {
    // A stalled commit ends this wait too (the watchdog fails its records), so a stop never
    // waits longer than the commit timeout for a disk that does not answer.
    while ((this.inFlight || this.waiting.length > 0) && this.stalledSince === null) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    this.closed = true;
    clearInterval(this.watchdog);
    this.stall(false);
    const worker = this.worker;
    if (!worker) return;
    const ended = new Promise<void>((resolve) => worker.addEventListener("close", () => resolve()));
    await waitAtMost(2_000, new Promise<void>((resolve) => {
      worker.addEventListener("message", (event: MessageEvent<FromWriter>) => {
        if (event.data.t === "closed") resolve();
      });
      this.post({ t: "close" });
    }));
    this.worker = null;
    worker.terminate();
    await waitAtMost(2_000, ended);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.inFlight || this.waiting.length === 0 || !this.worker) return;
    const taken = this.waiting.length <= MAX_BATCH ? this.waiting : this.waiting.slice(0, MAX_BATCH);
    this.waiting = taken === this.waiting ? [] : this.waiting.slice(MAX_BATCH);
    this.inFlight = taken;
    this.postedAt = performance.now();
    this.postedRecords = taken.length;
    this.post({ t: "append", batch: ++this.batch, records: JSON.stringify(taken.map((w) => w.record)) });
  };

  private readonly checkStalled = (): void => {
    if (this.stalledSince !== null || !this.inFlight || performance.now() - this.postedAt < this.options.commitTimeoutMs) return;
    this.stalledSince = this.postedAt;
    const failed = [...this.inFlight, ...this.waiting];
    // Still busy: nothing more is posted until the thread answers.
    this.inFlight = [];
    this.waiting = [];
    this.onProblem(`an audit commit has not returned for ${this.options.commitTimeoutMs} ms (is the disk answering?); audited operations fail until it does`);
    const error = this.stalledError();
    for (const waiting of failed) waiting.reject(error);
  };

  private stalledError(): SignetError {
    return new SignetError("auditUnavailable", "the audit log's disk is not answering; the operation is not confirmed");
  }

  /** The thread answered: a stalled commit is over (committed or failed). */
  private answered(): void {
    if (this.stalledSince === null) return;
    this.onProblem(`the audit commit returned after ${Math.round(performance.now() - this.stalledSince)} ms; audited operations go on`);
    this.stalledSince = null;
  }

  private post(message: ToWriter): void {
    this.worker?.postMessage(message);
  }

  private settle(error: SignetError | null): void {
    const done = this.inFlight ?? [];
    this.inFlight = null;
    for (const waiting of done) {
      if (error) waiting.reject(error);
      else waiting.resolve();
    }
    this.flush();
  }

  private spawn(): Promise<void> {
    this.starting ??= new Promise<void>((resolve, reject) => {
      const worker = new Worker(new URL("./writer-worker.ts", import.meta.url).href);
      let ready = false;
      worker.addEventListener("message", (event: MessageEvent<FromWriter>) => {
        const message = event.data;
        switch (message.t) {
          case "ready":
            ready = true;
            this.worker = worker;
            this.head = message.head;
            this.starting = null;
            resolve();
            this.flush();
            return;
          case "initFailed":
            this.starting = null;
            worker.terminate();
            reject(new SignetError("auditUnavailable", `the audit log cannot be opened: ${message.message}`));
            return;
          case "appended":
            this.head = message.head;
            this.commits.add(message.commitMs, this.postedRecords);
            this.answered();
            this.onHead(message.head);
            this.settle(null);
            return;
          case "failed":
            this.answered();
            this.onProblem(`appending to the audit log failed: ${message.message}`);
            this.settle(new SignetError("auditUnavailable", "the audit record could not be written; the operation is not confirmed"));
            return;
          case "checkpointFailed":
            this.onProblem(`storing a checkpoint failed: ${message.message}`);
            return;
          default:
            return;
        }
      });
      worker.addEventListener("close", () => {
        if (this.closed || this.worker !== worker) {
          if (!ready) reject(new SignetError("auditUnavailable", "the audit writer stopped while starting"));
          return;
        }
        this.worker = null;
        this.stalledSince = null;
        this.onProblem("the audit writer thread stopped; starting a new one");
        this.settle(new SignetError("auditUnavailable", "the audit writer stopped; the operation is not confirmed"));
        void this.spawn().catch((error: unknown) => this.onProblem(String(error)));
      });
      worker.postMessage({ t: "init", dataDir: this.dataDir, stall: this.stallFlag.buffer as SharedArrayBuffer } satisfies ToWriter);
    });
    return this.starting;
  }
}
