/**
 * The WAL checkpointer copies committed frames into the database file on its own thread, so
 * that a writer's commit does not have to. A real SQLite file; the writer's own automatic
 * checkpoint is turned off here so that only the checkpointer can move the frames.
 */
import { Database } from "bun:sqlite";
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../src/store/db";
import { WalCheckpointer } from "../../src/store/wal-checkpointer";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function writerWithoutAutoCheckpoint(path: string): Database {
  const db = new Database(path);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA wal_autocheckpoint = 0");
  db.exec("CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
  return db;
}

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (condition()) return true;
    await Bun.sleep(10);
  }
  return condition();
}

test("committed frames reach the database file without a checkpoint by the writer", async () => {
  const dir = mkdtempSync(join(tmpdir(), "signet-wal-"));
  dirs.push(dir);
  openStore(dir).close();
  const path = join(dir, "signet.db");
  const writer = writerWithoutAutoCheckpoint(path);
  const problems: string[] = [];
  const checkpointer = await WalCheckpointer.start(dir, (message) => problems.push(message));
  try {
    const before = statSync(path).size;
    const insert = writer.prepare("INSERT INTO filler (data) VALUES (?)");
    for (let i = 0; i < 64; i++) insert.run(new Uint8Array(8192).fill(i));
    // The writer never checkpoints, so only the checkpointer can have grown the database file.
    expect(await until(() => statSync(path).size >= before + 64 * 8192, 5_000)).toBe(true);
    expect(problems).toEqual([]);
  } finally {
    await checkpointer.stop();
    writer.close();
  }
});

test("stopping it leaves the database whole and readable", async () => {
  const dir = mkdtempSync(join(tmpdir(), "signet-wal-"));
  dirs.push(dir);
  openStore(dir).close();
  const path = join(dir, "signet.db");
  const checkpointer = await WalCheckpointer.start(dir, () => {});
  const writer = writerWithoutAutoCheckpoint(path);
  writer.prepare("INSERT INTO filler (data) VALUES (?)").run(new Uint8Array(100));
  await checkpointer.stop();
  writer.close();
  const reader = new Database(path, { readonly: true });
  expect((reader.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check).toBe("ok");
  expect((reader.query("SELECT count(*) AS n FROM filler").get() as { n: number }).n).toBe(1);
  reader.close();
});
