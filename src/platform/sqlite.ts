/**
 * Opening the SQLite database: bun:sqlite under drizzle, with the migrations applied before
 * anything else touches it. The Bun-specific driver stays behind this seam; the store layer
 * only sees drizzle's synchronous SQLite database type.
 */
import { Database } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";

export type SqlDatabase = BaseSQLiteDatabase<"sync", unknown>;

export interface OpenedDatabase {
  db: SqlDatabase;
  close(): void;
}

export function openSqlite(path: string, migrationsFolder: string): OpenedDatabase {
  const sqlite = new Database(path, { create: true, strict: true });
  // WAL with synchronous=FULL: a commit is on disk when it returns, so nothing acknowledged
  // is lost in a crash; readers never block the writer.
  sqlite.exec("PRAGMA journal_mode = WAL");
  sqlite.exec("PRAGMA synchronous = FULL");
  sqlite.exec("PRAGMA foreign_keys = ON");
  sqlite.exec("PRAGMA busy_timeout = 5000");
  const db = drizzle({ client: sqlite });
  migrate(db, { migrationsFolder });
  return { db: db as unknown as SqlDatabase, close: () => sqlite.close() };
}
