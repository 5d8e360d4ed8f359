/** Key metadata: one row per key, one per version. Owned by the key service. */
import { asc, eq } from "drizzle-orm";
import type { SqlDatabase } from "../platform/sqlite";
import { keys, keyVersions, type KeyRow, type KeyVersionRow } from "./schema";

export interface StoredKey {
  key: KeyRow;
  versions: KeyVersionRow[];
}

export class KeyRepository {
  constructor(private readonly db: SqlDatabase) {}

  insert(key: KeyRow, versions: KeyVersionRow[]): void {
    this.db.transaction((tx) => {
      tx.insert(keys).values(key).run();
      if (versions.length > 0) tx.insert(keyVersions).values(versions).run();
    });
  }

  get(label: string): StoredKey | null {
    const key = this.db.select().from(keys).where(eq(keys.label, label)).get();
    if (!key) return null;
    const versions = this.db
      .select()
      .from(keyVersions)
      .where(eq(keyVersions.label, label))
      .orderBy(asc(keyVersions.version))
      .all();
    return { key, versions };
  }

  labels(): string[] {
    return this.db.select({ label: keys.label }).from(keys).orderBy(asc(keys.label)).all().map((row) => row.label);
  }

  setBlocked(label: string, blocked: boolean): void {
    this.db.update(keys).set({ blocked }).where(eq(keys.label, label)).run();
  }

  /** `policy` as JSON, or null. */
  setPolicy(label: string, policy: string | null): void {
    this.db.update(keys).set({ policy }).where(eq(keys.label, label)).run();
  }

  /** The stored password hash, or null to remove the password. */
  setPasswordHash(label: string, passwordHash: string | null): void {
    this.db.update(keys).set({ passwordHash }).where(eq(keys.label, label)).run();
  }

  setMinVersion(label: string, minVersion: number): void {
    this.db.update(keys).set({ minVersion }).where(eq(keys.label, label)).run();
  }

  /** Records a new version and makes it the current one, in one transaction. */
  addVersion(version: KeyVersionRow): void {
    this.db.transaction((tx) => {
      tx.insert(keyVersions).values(version).run();
      tx.update(keys).set({ currentVersion: version.version }).where(eq(keys.label, version.label)).run();
    });
  }

  delete(label: string): void {
    this.db.delete(keys).where(eq(keys.label, label)).run();
  }
}
