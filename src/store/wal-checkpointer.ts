/**
 * Checkpoints of the write-ahead log, off the commit path.
 *
 * SQLite checkpoints on the connection whose commit takes the WAL past 1,000 frames: that
 * commit copies the WAL's pages into the database file and fsyncs it before it returns. For
 * the audit writer that was a 10-19 ms stall every few hundred commits under load, which every
 * request waiting on those commits saw as latency (bench/NOTES.md). This thread runs a PASSIVE
 * checkpoint every few milliseconds on a connection of its own, which takes no lock a writer
 * waits on, so by the time a commit crosses the threshold nearly every frame is already in
 * the database file and the writer's own checkpoint is left only the last few frames. The
 * writers keep SQLite's automatic checkpoint: a WAL that keeps growing while frames are being
 * appended can only be restarted by a checkpoint no commit runs beside, and if this thread
 * stops, nothing else changes.
 *
 * Durability is unchanged: a commit is on disk when its fsync of the WAL returns, whoever
 * later copies it into the database file.
 */
import { join } from "node:path";

export type ToCheckpointer = { t: "start"; path: string; intervalMs: number } | { t: "stop" };
export type FromCheckpointer = { t: "started" } | { t: "failed"; message: string } | { t: "stopped" };

const INTERVAL_MS = 20;

export class WalCheckpointer {
  private constructor(private readonly worker: Worker) {}

  /** Starts the thread; a failure is reported through `onProblem` and leaves checkpoints to the writers. */
  static async start(dataDir: string, onProblem: (message: string) => void): Promise<WalCheckpointer> {
    const worker = new Worker(new URL("./wal-checkpointer-worker.ts", import.meta.url).href);
    const started = new Promise<void>((resolve) => {
      worker.addEventListener("message", (event: MessageEvent<FromCheckpointer>) => {
        if (event.data.t === "failed") onProblem(`checkpointing the write-ahead log failed: ${event.data.message}`);
        if (event.data.t !== "stopped") resolve();
      });
      worker.addEventListener("error", (event) => {
        onProblem(`the write-ahead log checkpointer failed: ${event.message}`);
        resolve();
      });
      worker.addEventListener("close", () => resolve());
    });
    worker.postMessage({ t: "start", path: join(dataDir, "signet.db"), intervalMs: INTERVAL_MS } satisfies ToCheckpointer);
    await started;
    return new WalCheckpointer(worker);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2_000);
      this.worker.addEventListener("message", (event: MessageEvent<FromCheckpointer>) => {
        if (event.data.t === "stopped") {
          clearTimeout(timer);
          resolve();
        }
      });
      this.worker.postMessage({ t: "stop" } satisfies ToCheckpointer);
    });
    this.worker.terminate();
  }
}
