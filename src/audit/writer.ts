/**
 * Group commit on the main thread's side: records handed in while the writer thread commits a
 * batch wait, and leave together as the next batch, in one transaction with one fsync. Each
 * caller's promise settles when the transaction holding its record has committed, so an
 * operation answered as done has its record on disk. Under light load a batch is one record
 * (one fsync per request); under heavy load one fsync serves hundreds.
 *
 * Failures end in a bounded error, never in a hung request:
 * - When the writer thread dies, the records it held and those waiting fail (the operations
 *   are answered with auditUnavailable, not as done), and a new thread is started; while none
 *   can open the log, one is tried again every second, and records that waited
 *   commitTimeoutMs for it fail, as does every record handed in until a thread is ready.
 * - A commit that does not return (a disk or network file system that stopped answering:
 *   fsync blocks, and no code can end a thread inside it) fails the records it holds and
 *   those waiting once it has waited commitTimeoutMs, and every record handed in until the
 *   thread answers again. That batch may still be committed when the disk answers; the log
 *   then holds operations whose callers were told they were not confirmed, as after a thread
 *   that died mid-commit (an audit log may say more than was answered, never less).
 */
import { SignetError } from "../errors";
import { SharedFlag } from "../platform/shared-flag";
import { waitAtMost } from "../platform/wait";
import type { NewCheckpointRow } from "../store/audit";
import type { TreeHead } from "./appender";
import { CommitStats, type CommitStatsSnapshot } from "./commit-stats";
import type { PendingRecord } from "./record";
import { UnstoredCheckpoints } from "./unstored-checkpoints";
import type { FromWriter, ToWriter } from "./writer-protocol";

const MAX_BATCH = 2048;
/** How often a writer thread is tried again while none can open the log. */
const RESPAWN_EVERY_MS = 1_000;

export interface AuditWriterOptions {
  /** How long a record may wait for its commit (or for a writer thread) before it fails, and later ones with it. */
  commitTimeoutMs: number;
}

interface Waiting {
  record: PendingRecord;
  resolve: () => void;
  reject: (error: SignetError) => void;
}

/** Why records fail at once now: a commit that has not returned, or no writer thread. */
interface Outage {
  since: number;
  message: string;
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
  private readonly checkpoints: UnstoredCheckpoints;
  /** When the batch in flight was posted (performance.now()), and how many records it held. */
  private postedAt = 0;
  private postedRecords = 0;
  /** Since when no writer thread runs (it died, and none has opened the log since). */
  private missingSince: number | null = null;
  private nextSpawnAt = 0;
  private outage: Outage | null = null;
  private readonly watchdog: ReturnType<typeof setInterval>;
  /** Fault injection: while `stall` is up the thread blocks before its next commit; while `refuse` is up a new thread cannot open the log. */
  private readonly faults = { stall: new SharedFlag(), refuse: new SharedFlag() };

  private constructor(
    private readonly dataDir: string,
    private readonly options: AuditWriterOptions,
    private readonly onHead: (head: TreeHead) => void,
    private readonly onProblem: (message: string) => void,
  ) {
    this.checkpoints = new UnstoredCheckpoints((row) => this.post({ t: "checkpoint", row }), onProblem);
    // One timer for the writer's life, not one a commit: it looks a few times per timeout
    // (so an outage is noticed within 1.25 timeouts, or within a second of a long one).
    this.watchdog = setInterval(this.watch, Math.min(RESPAWN_EVERY_MS, Math.max(25, Math.floor(options.commitTimeoutMs / 4))));
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

  /** Whether records fail at once now (a commit has not returned, or no writer thread could open the log), for GET /health. */
  unavailable(): boolean {
    return this.outage !== null;
  }

  /**
   * Fault injection. `stall`: the thread blocks before its next commit, as on a disk that
   * stopped answering. `crash`: the thread dies, and new ones cannot open the log, as when the
   * disk is gone. `recover`: both end.
   */
  injectFault(fault: "stall" | "crash" | "recover"): void {
    if (fault === "crash") {
      this.faults.refuse.set(true);
      this.post({ t: "crash" });
      return;
    }
    this.faults.refuse.set(false);
    this.faults.stall.set(fault === "stall");
  }

  append(record: PendingRecord): Promise<void> {
    if (this.closed) return Promise.reject(new SignetError("auditUnavailable", "the audit log is closed"));
    if (this.outage) return Promise.reject(new SignetError("auditUnavailable", this.outage.message));
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

  /** Stores a signed checkpoint: now, or through the next writer thread when none runs (unstored-checkpoints.ts). */
  storeCheckpoint(row: NewCheckpointRow): void {
    this.checkpoints.add(row);
  }

  /**
   * Waits for the records handed in so far, then stops the writer thread and waits for it to
   * end (as the signer's pool does, so that the process never exits under a running thread).
   */
  async close(): Promise<void> {
    // An outage ends this wait too (the watchdog fails the records), so a stop never waits
    // longer than the commit timeout for a disk that does not answer.
    while ((this.inFlight || this.waiting.length > 0) && !this.outage) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    this.closed = true;
    clearInterval(this.watchdog);
    this.injectFault("recover");
    // A thread being started (a replacement) stops itself once ready ("ready" below).
    if (this.starting) await waitAtMost(2_000, this.starting);
    const worker = this.worker;
    if (!worker) return this.checkpoints.reportLeft();
    const ended = new Promise<void>((resolve) => worker.addEventListener("close", () => resolve()));
    // One last try for a checkpoint the thread failed to store; the thread answers in order, so
    // every checkpoint sent is answered before "closed".
    this.checkpoints.resendFailed(true);
    await waitAtMost(2_000, new Promise<void>((resolve) => {
      worker.addEventListener("message", (event: MessageEvent<FromWriter>) => {
        if (event.data.t === "closed") resolve();
      });
      this.post({ t: "close" });
    }));
    this.worker = null;
    worker.terminate();
    this.checkpoints.reportLeft();
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

  private readonly watch = (): void => {
    const now = performance.now();
    if (this.missingSince !== null && !this.starting && now >= this.nextSpawnAt) {
      this.nextSpawnAt = now + RESPAWN_EVERY_MS;
      void this.spawn().catch(() => undefined);
    }
    if (this.outage) return;
    if (this.worker && this.inFlight && now - this.postedAt >= this.options.commitTimeoutMs) {
      this.begin(this.postedAt, "an audit commit has not returned", "the audit log's disk is not answering");
    } else if (this.missingSince !== null && now - this.missingSince >= this.options.commitTimeoutMs) {
      this.begin(this.missingSince, "no audit writer thread could open the log", "the audit log cannot be written");
    }
  };

  /** Fails what waits, and every record from now until end(). */
  private begin(since: number, what: string, why: string): void {
    this.outage = { since, message: `${why}; the operation is not confirmed` };
    this.onProblem(`${what} for ${this.options.commitTimeoutMs} ms; audited operations fail until it does`);
    const failed = [...(this.inFlight ?? []), ...this.waiting];
    // While a commit is stalled the thread is still busy: nothing more is posted until it answers.
    if (this.inFlight) this.inFlight = [];
    this.waiting = [];
    const error = new SignetError("auditUnavailable", this.outage.message);
    for (const waiting of failed) waiting.reject(error);
  }

  private end(): void {
    if (!this.outage) return;
    this.onProblem(`the audit log is written again after ${Math.round(performance.now() - this.outage.since)} ms; audited operations go on`);
    this.outage = null;
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
    if (this.starting) return this.starting;
    const attempt: Promise<void> = new Promise<void>((resolve, reject) => {
      const worker = new Worker(new URL("./writer-worker.ts", import.meta.url).href);
      let ready = false;
      // A thread that failed to start says so, then closes: the first of the two counts, and
      // only while no later attempt has begun.
      const failed = (message: string) => {
        if (this.starting === attempt) this.starting = null;
        reject(new SignetError("auditUnavailable", message));
      };
      worker.addEventListener("message", (event: MessageEvent<FromWriter>) => {
        const message = event.data;
        switch (message.t) {
          case "ready":
            ready = true;
            if (this.closed) {
              // Ready after the stop began: nothing may be written through it.
              worker.terminate();
              failed("the audit log is closed");
              return;
            }
            this.worker = worker;
            this.head = message.head;
            if (this.starting === attempt) this.starting = null;
            this.missingSince = null;
            this.end();
            this.checkpoints.sendAll();
            resolve();
            this.flush();
            return;
          case "initFailed":
            worker.terminate();
            failed(`the audit log cannot be opened: ${message.message}`);
            return;
          case "appended":
            this.head = message.head;
            this.commits.add(message.commitMs, this.postedRecords);
            this.end();
            this.onHead(message.head);
            this.settle(null);
            this.checkpoints.resendFailed();
            return;
          case "failed":
            this.end();
            this.onProblem(`appending to the audit log failed: ${message.message}`);
            this.settle(new SignetError("auditUnavailable", "the audit record could not be written; the operation is not confirmed"));
            return;
          case "checkpointStored":
            this.checkpoints.stored(message.treeSize, message.time, message.outcome);
            return;
          case "checkpointFailed":
            this.checkpoints.failed(message.treeSize, message.message);
            return;
          default:
            return;
        }
      });
      worker.addEventListener("close", () => {
        if (!ready) failed("the audit writer stopped while starting");
        if (this.closed || this.worker !== worker) return;
        this.worker = null;
        this.missingSince = performance.now();
        this.nextSpawnAt = this.missingSince + RESPAWN_EVERY_MS;
        // A stalled commit is over with its thread; the watchdog decides about the missing one.
        this.outage = null;
        this.onProblem("the audit writer thread stopped; starting a new one");
        this.settle(new SignetError("auditUnavailable", "the audit writer stopped; the operation is not confirmed"));
        void this.spawn().catch((error: unknown) => this.onProblem(String(error)));
      });
      const { stall, refuse } = this.faults;
      worker.postMessage({ t: "init", dataDir: this.dataDir, stall: stall.buffer, refuse: refuse.buffer } satisfies ToWriter);
    });
    this.starting = attempt;
    return attempt;
  }
}
