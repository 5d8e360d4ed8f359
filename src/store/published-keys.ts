/** Which keys GET /.well-known/jwks.json publishes, with the public key of each version. */
import { asc, eq } from "drizzle-orm";
import type { SqlDatabase } from "../platform/sqlite";
import { keys, keyVersions, publishedKeys } from "./schema";

export interface PublishedVersion {
  label: string;
  algorithm: string;
  curveOid: string | null;
  version: number;
  /** DER SubjectPublicKeyInfo, base64, or null when the token held no public part. */
  publicKey: string | null;
}

export class PublishedKeyRepository {
  constructor(private readonly db: SqlDatabase) {}

  /** Returns false when the key was published already. */
  publish(label: string, at: string, by: string): boolean {
    const inserted = this.db
      .insert(publishedKeys)
      .values({ label, publishedAt: at, publishedBy: by })
      .onConflictDoNothing()
      .returning({ label: publishedKeys.label })
      .all();
    return inserted.length > 0;
  }

  /** Returns false when the key was not published. */
  withdraw(label: string): boolean {
    return this.db.delete(publishedKeys).where(eq(publishedKeys.label, label)).returning({ label: publishedKeys.label }).all().length > 0;
  }

  isPublished(label: string): boolean {
    return this.db.select({ label: publishedKeys.label }).from(publishedKeys).where(eq(publishedKeys.label, label)).get() !== undefined;
  }

  /** Every version of every published key, oldest first. */
  versions(): PublishedVersion[] {
    return this.db
      .select({
        label: keys.label,
        algorithm: keys.algorithm,
        curveOid: keys.curveOid,
        version: keyVersions.version,
        publicKey: keyVersions.publicKey,
      })
      .from(publishedKeys)
      .innerJoin(keys, eq(keys.label, publishedKeys.label))
      .innerJoin(keyVersions, eq(keyVersions.label, keys.label))
      .orderBy(asc(keys.label), asc(keyVersions.version))
      .all();
  }
}
