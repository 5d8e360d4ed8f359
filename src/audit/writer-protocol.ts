/** Messages between the audit log (main thread) and its writer thread. */
import type { NewCheckpointRow } from "../store/audit";
import type { TreeHead } from "./appender";

export type ToWriter =
  /** `stall`: fault injection, one Int32; while it is 1 the thread blocks before its next commit. */
  | { t: "init"; dataDir: string; stall: SharedArrayBuffer }
  /**
   * `records` is the JSON of a PendingRecord[]: one string crosses to the thread far more
   * cheaply than structured cloning an object per record (about 1 µs a record against 4.5).
   */
  | { t: "append"; batch: number; records: string }
  | { t: "checkpoint"; row: NewCheckpointRow }
  | { t: "close" };

export type FromWriter =
  | { t: "ready"; head: TreeHead }
  | { t: "initFailed"; message: string }
  /** commitMs: the transaction's wall time, its fsync included. */
  | { t: "appended"; batch: number; firstSeq: number; head: TreeHead; commitMs: number }
  | { t: "failed"; batch: number; message: string }
  | { t: "checkpointStored"; treeSize: number }
  | { t: "checkpointFailed"; message: string }
  | { t: "closed" };
