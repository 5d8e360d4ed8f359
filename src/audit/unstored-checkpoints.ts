/**
 * The signed checkpoints no audit writer thread has confirmed stored, oldest first (AuditWriter
 * keeps one). A checkpoint signed while no thread runs, or held by a thread that died, goes to
 * the next thread; one a thread failed to store is sent again after its next commit, when the
 * disk answers again, at most once a second: a store that keeps failing while records are
 * written (the list then grows by one every SIGNET_AUDIT_CHECKPOINT_RECORDS records) costs the
 * writer one try of each a second and the service log one line, not a try and a line each per
 * commit. The thread stores each note once (AuditRepository.storeCheckpoint), so sending one
 * twice is harmless.
 */
import type { CheckpointOutcome, NewCheckpointRow } from "../store/audit";

const RESEND_EVERY_MS = 1_000;

export class UnstoredCheckpoints {
  private rows: NewCheckpointRow[] = [];
  /** A store failed since the checkpoints were last sent. */
  private failing = false;
  private sentAt = Number.NEGATIVE_INFINITY;

  /** `send` hands a checkpoint to the thread that runs now, if any. */
  constructor(
    private readonly send: (row: NewCheckpointRow) => void,
    private readonly onProblem: (message: string) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  add(row: NewCheckpointRow): void {
    this.rows.push(row);
    this.send(row);
  }

  /** A new thread is ready: it gets every one. */
  sendAll(): void {
    this.failing = false;
    this.sentAt = this.now();
    for (const row of this.rows) this.send(row);
  }

  /**
   * Sends again the ones a thread failed to store: after a commit succeeded (the disk answers
   * again), at most once a second, and at the stop (`lastTry`) at once.
   */
  resendFailed(lastTry = false): void {
    if (this.failing && (lastTry || this.now() - this.sentAt >= RESEND_EVERY_MS)) this.sendAll();
  }

  stored(treeSize: number, time: string, outcome: CheckpointOutcome): void {
    const index = this.rows.findIndex((row) => row.treeSize === treeSize && row.time === time);
    if (index >= 0) this.rows.splice(index, 1);
    if (outcome === "superseded") {
      this.onProblem(`the checkpoint of tree size ${treeSize} signed at ${time} was not stored: one of a larger tree already was`);
    }
  }

  /** A thread could not store one: said once for each time they were sent. */
  failed(treeSize: number, message: string): void {
    if (!this.failing) this.onProblem(`storing the checkpoint of tree size ${treeSize} failed (tried again after a commit, at most once a second): ${message}`);
    this.failing = true;
  }

  /** At the stop, once the last thread has answered (or when none ran): names what was never stored. */
  reportLeft(): void {
    if (this.rows.length === 0) return;
    const sizes = this.rows.map((row) => row.treeSize).join(", ");
    this.onProblem(
      `${this.rows.length} signed checkpoint(s) could not be stored before the stop (tree sizes ${sizes}); ` +
        "the log stays verifiable from its records and the checkpoints stored",
    );
  }
}
