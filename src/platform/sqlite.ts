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

/**
 * A statement prepared once on the connection itself, for the few statements that run for
 * every signature (the audit writer's): drizzle's prepared statements add about 3 µs of
 * parameter mapping per call, and building a query each time about 30 µs.
 */
export interface RawStatement {
  run(...values: RawValue[]): void;
  get(...values: RawValue[]): Record<string, RawValue> | null;
}

export type RawValue = string | number | bigint | null | Uint8Array;

export interface RawSql {
  prepare(sql: string): RawStatement;
  /** Runs `write` in a transaction that holds the write lock from the start (BEGIN IMMEDIATE). */
  immediate<T>(write: () => T): T;
}

export interface OpenedDatabase {
  db: SqlDatabase;
  raw: RawSql;
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
  const raw: RawSql = {
    prepare(sql) {
      const statement = sqlite.prepare(sql);
      return {
        run: (...values) => void statement.run(...values),
        get: (...values) => statement.get(...values) as Record<string, RawValue> | null,
      };
    },
    immediate: (write) => sqlite.transaction(write).immediate(),
  };
  return { db: db as unknown as SqlDatabase, raw, close: () => sqlite.close() };
}
