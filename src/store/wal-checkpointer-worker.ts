/**
 * The WAL checkpointer's thread: a PASSIVE checkpoint every few milliseconds on a connection
 * of its own. Started only by wal-checkpointer.ts.
 */
import { openCheckpointConnection } from "../platform/sqlite";
import type { FromCheckpointer, ToCheckpointer } from "./wal-checkpointer";

declare const self: Worker;

let connection: ReturnType<typeof openCheckpointConnection> | null = null;
let timer: ReturnType<typeof setInterval> | null = null;
/** The last failure reported, so that one that repeats at every tick is reported once. */
let reported = "";

function reply(message: FromCheckpointer): void {
  self.postMessage(message);
}

function checkpoint(): void {
  try {
    connection?.checkpoint();
    reported = "";
  } catch (error) {
    // A busy database (another process checkpointing, a migration) is tried again on the next tick.
    const message = (error as Error).message;
    if (/busy|locked/i.test(message) || message === reported) return;
    reported = message;
    reply({ t: "failed", message });
  }
}

self.onmessage = (event: MessageEvent<ToCheckpointer>) => {
  const message = event.data;
  switch (message.t) {
    case "start":
      try {
        connection = openCheckpointConnection(message.path);
        timer = setInterval(checkpoint, message.intervalMs);
        reply({ t: "started" });
      } catch (error) {
        reply({ t: "failed", message: (error as Error).message });
      }
      return;
    case "stop":
      if (timer) clearInterval(timer);
      connection?.close();
      connection = null;
      reply({ t: "stopped" });
      return;
  }
};
