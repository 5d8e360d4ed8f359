/** Messages between the audit log (main thread) and its writer thread. */
import type { CheckpointOutcome, NewCheckpointRow } from "../store/audit";
import type { TreeHead } from "./appender";

export type ToWriter =
  /**
   * `stall` and `refuse` are fault injection, one Int32 each: while `stall` is 1 the thread
   * blocks before its next commit; while `refuse` is 1 it does not open the log (initFailed).
   */
  | { t: "init"; dataDir: string; stall: SharedArrayBuffer; refuse: SharedArrayBuffer }
  /**
   * `records` is the JSON of a PendingRecord[]: one string crosses to the thread far more
   * cheaply than structured cloning an object per record (about 1 µs a record against 4.5).
   */
  | { t: "append"; batch: number; records: string }
  | { t: "checkpoint"; row: NewCheckpointRow }
  | { t: "close" }
  /** Fault injection: the thread throws from its event loop and dies. */
  | { t: "crash" };

export type FromWriter =
  | { t: "ready"; head: TreeHead }
  | { t: "initFailed"; message: string }
  /** commitMs: the transaction's wall time, its fsync included. */
  | { t: "appended"; batch: number; firstSeq: number; head: TreeHead; commitMs: number }
  | { t: "failed"; batch: number; message: string }
  /** Which checkpoint: its tree size and signing time (what AuditWriter matches its unstored ones by). */
  | { t: "checkpointStored"; treeSize: number; time: string; outcome: CheckpointOutcome }
  | { t: "checkpointFailed"; treeSize: number; time: string; message: string }
  | { t: "closed" };
