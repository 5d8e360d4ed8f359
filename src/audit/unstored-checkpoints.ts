/**
 * The signed checkpoints no audit writer thread has confirmed stored, oldest first (AuditWriter
 * keeps one). A checkpoint signed while no thread runs, or held by a thread that died, goes to
 * the next thread; one a thread failed to store is sent again after its next commit, when the
 * disk answers again. The thread stores each note once (AuditRepository.storeCheckpoint), so
 * sending one twice is harmless. The list grows only with the tree, so only while commits
 * succeed.
 */
import type { CheckpointOutcome, NewCheckpointRow } from "../store/audit";

export class UnstoredCheckpoints {
  private rows: NewCheckpointRow[] = [];
  private failedSince = false;

  /** `send` hands a checkpoint to the thread that runs now, if any. */
  constructor(
    private readonly send: (row: NewCheckpointRow) => void,
    private readonly onProblem: (message: string) => void,
  ) {}

  add(row: NewCheckpointRow): void {
    this.rows.push(row);
    this.send(row);
  }

  /** A new thread is ready: it gets every one. */
  sendAll(): void {
    this.failedSince = false;
    for (const row of this.rows) this.send(row);
  }

  /** Sends again the ones a thread failed to store: after a commit succeeded (the disk answers again), and at the stop. */
  resendFailed(): void {
    if (this.failedSince) this.sendAll();
  }

  stored(treeSize: number, time: string, outcome: CheckpointOutcome): void {
    const index = this.rows.findIndex((row) => row.treeSize === treeSize && row.time === time);
    if (index >= 0) this.rows.splice(index, 1);
    if (outcome === "superseded") {
      this.onProblem(`the checkpoint of tree size ${treeSize} signed at ${time} was not stored: one of a larger tree already was`);
    }
  }

  failed(treeSize: number, message: string): void {
    this.onProblem(`storing the checkpoint of tree size ${treeSize} failed (it is tried again after the next commit): ${message}`);
    this.failedSince = true;
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
