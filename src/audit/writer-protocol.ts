/** Messages between the audit log (main thread) and its writer thread. */
import type { NewCheckpointRow } from "../store/audit";
import type { TreeHead } from "./appender";
import type { PendingRecord } from "./record";

export type ToWriter =
  | { t: "init"; dataDir: string }
  | { t: "append"; batch: number; records: PendingRecord[] }
  | { t: "checkpoint"; row: NewCheckpointRow }
  | { t: "close" };

export type FromWriter =
  | { t: "ready"; head: TreeHead }
  | { t: "initFailed"; message: string }
  | { t: "appended"; batch: number; firstSeq: number; head: TreeHead }
  | { t: "failed"; batch: number; message: string }
  | { t: "checkpointStored"; treeSize: number }
  | { t: "checkpointFailed"; message: string }
  | { t: "closed" };
