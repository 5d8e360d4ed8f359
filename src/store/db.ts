/** The store: the SQLite file under the data directory, migrated, and its repositories. */
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openSqlite } from "../platform/sqlite";
import { AuditRepository } from "./audit";
import { CredentialRepository } from "./credentials";
import { KeyRepository } from "./keys";
import { PublishedKeyRepository } from "./published-keys";

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../migrations", import.meta.url));

export interface Store {
  keys: KeyRepository;
  credentials: CredentialRepository;
  audit: AuditRepository;
  publishedKeys: PublishedKeyRepository;
  close(): void;
}

export function openStore(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, "signet.db");
  const { db, raw, close } = openSqlite(path, MIGRATIONS_FOLDER);
  chmodSync(path, 0o600);
  return {
    keys: new KeyRepository(db),
    credentials: new CredentialRepository(db),
    audit: new AuditRepository(db, raw),
    publishedKeys: new PublishedKeyRepository(db),
    close,
  };
}

/**
 * A second connection to the same database for the audit writer's thread, so that its
 * commits (and their fsync) never block the thread that answers requests. SQLite in WAL
 * mode serialises the writers; readers are never blocked.
 */
export function openAuditWriterStore(dataDir: string): { audit: AuditRepository; close(): void } {
  const { db, raw, close } = openSqlite(join(dataDir, "signet.db"), MIGRATIONS_FOLDER);
  return { audit: new AuditRepository(db, raw), close };
}
