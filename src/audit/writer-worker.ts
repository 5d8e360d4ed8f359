/**
 * The audit writer's thread: owns a database connection of its own and appends each batch of
 * records in one transaction. The commit's fsync (synchronous=FULL) happens here, so the
 * thread that answers requests never waits on the disk; it waits only on this thread's reply.
 * Started only by writer.ts.
 */
import { openAuditWriterStore } from "../store/db";
import { SharedFlag } from "../platform/shared-flag";
import { AuditAppender } from "./appender";
import type { PendingRecord } from "./record";
import type { FromWriter, ToWriter } from "./writer-protocol";

declare const self: Worker;

let appender: AuditAppender | null = null;
let stall: SharedFlag | null = null;
let store: ReturnType<typeof openAuditWriterStore> | null = null;

function reply(message: FromWriter): void {
  self.postMessage(message);
}

function head() {
  const { size, rootHash } = appender!.head();
  return { size, rootHash };
}

self.onmessage = (event: MessageEvent<ToWriter>) => {
  const message = event.data;
  switch (message.t) {
    case "init":
      try {
        stall = new SharedFlag(message.stall);
        if (new SharedFlag(message.refuse).isSet()) throw new Error("fault injection: the log cannot be opened");
        store = openAuditWriterStore(message.dataDir);
        appender = new AuditAppender(store.audit);
        reply({ t: "ready", head: head() });
      } catch (error) {
        reply({ t: "initFailed", message: (error as Error).message });
      }
      return;
    case "append":
      try {
        // Fault injection: block here, as a commit whose fsync does not return would.
        stall?.waitWhileSet();
        const records = JSON.parse(message.records) as PendingRecord[];
        const started = performance.now();
        const firstSeq = appender!.append(records);
        const commitMs = performance.now() - started;
        reply({ t: "appended", batch: message.batch, firstSeq, head: head(), commitMs });
      } catch (error) {
        reply({ t: "failed", batch: message.batch, message: (error as Error).message });
      }
      return;
    case "checkpoint": {
      const { treeSize, time } = message.row;
      try {
        reply({ t: "checkpointStored", treeSize, time, outcome: store!.audit.storeCheckpoint(message.row) });
      } catch (error) {
        reply({ t: "checkpointFailed", treeSize, time, message: (error as Error).message });
      }
      return;
    }
    case "crash":
      // Uncaught in the message handler: the thread dies with the batch it may hold.
      throw new Error("fault injection: audit writer crash");
    case "close":
      store?.close();
      store = null;
      reply({ t: "closed" });
      return;
  }
};
