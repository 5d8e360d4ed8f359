/**
 * Group commit on the main thread's side: records handed in while the writer thread commits a
 * batch wait, and leave together as the next batch, in one transaction with one fsync. Each
 * caller's promise settles when the transaction holding its record has committed, so an
 * operation answered as done has its record on disk. Under light load a batch is one record
 * (one fsync per request); under heavy load one fsync serves hundreds.
 *
 * When the writer thread dies, the records it held and those waiting fail (the operations
 * are answered with auditUnavailable, not as done), and a new thread is started.
 */
import { SignetError } from "../errors";
import { waitAtMost } from "../platform/wait";
import type { NewCheckpointRow } from "../store/audit";
import type { TreeHead } from "./appender";
import { CommitStats, type CommitStatsSnapshot } from "./commit-stats";
import type { PendingRecord } from "./record";
import type { FromWriter, ToWriter } from "./writer-protocol";

const MAX_BATCH = 2048;

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

  private constructor(
    private readonly dataDir: string,
    private readonly onHead: (head: TreeHead) => void,
    private readonly onProblem: (message: string) => void,
  ) {}

  static async start(dataDir: string, onHead: (head: TreeHead) => void, onProblem: (message: string) => void): Promise<AuditWriter> {
    const writer = new AuditWriter(dataDir, onHead, onProblem);
    await writer.spawn();
    return writer;
  }

  current(): TreeHead {
    return this.head;
  }

  append(record: PendingRecord): Promise<void> {
    if (this.closed) return Promise.reject(new SignetError("auditUnavailable", "the audit log is closed"));
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
    while (this.inFlight || this.waiting.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    this.closed = true;
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
    this.post({ t: "append", batch: ++this.batch, records: JSON.stringify(taken.map((w) => w.record)) });
  };

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
            this.commits.add(message.commitMs, this.inFlight?.length ?? 0);
            this.onHead(message.head);
            this.settle(null);
            return;
          case "failed":
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
        this.onProblem("the audit writer thread stopped; starting a new one");
        this.settle(new SignetError("auditUnavailable", "the audit writer stopped; the operation is not confirmed"));
        void this.spawn().catch((error: unknown) => this.onProblem(String(error)));
      });
      worker.postMessage({ t: "init", dataDir: this.dataDir } satisfies ToWriter);
    });
    return this.starting;
  }
}
