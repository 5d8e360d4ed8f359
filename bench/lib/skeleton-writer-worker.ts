/**
 * bench/lib/skeleton-server.ts: the writer thread. One transaction a batch of records, WAL with
 * synchronous=FULL as Signet's audit log, so a batch is durable when its reply is sent.
 */
import { Database, type Statement } from "bun:sqlite";

declare const self: Worker;

let database: Database | null = null;
let insert: Statement | null = null;

self.onmessage = (event: MessageEvent<string>) => {
  if (!database) {
    database = new Database(event.data, { create: true });
    database.exec("PRAGMA journal_mode = WAL");
    database.exec("PRAGMA synchronous = FULL");
    database.exec("CREATE TABLE IF NOT EXISTS records (seq INTEGER PRIMARY KEY, record TEXT NOT NULL)");
    insert = database.prepare("INSERT INTO records (record) VALUES (?)");
    self.postMessage("ready");
    return;
  }
  const records = JSON.parse(event.data) as string[];
  database.transaction(() => {
    for (const record of records) insert!.run(record);
  }).immediate();
  self.postMessage("committed");
};
