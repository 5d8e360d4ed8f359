/**
 * Tables of the token service. Re-exported by schema.ts so that drizzle-kit sees them.
 *
 * A key is published in GET /.well-known/jwks.json only while it has a row here; the row
 * goes with the key (ON DELETE CASCADE), so a deleted key can never stay published.
 */
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { keys } from "./schema";

export const publishedKeys = sqliteTable("published_keys", {
  label: text("label")
    .primaryKey()
    .references(() => keys.label, { onDelete: "cascade" }),
  publishedAt: text("published_at").notNull(),
  /** Actor (client id, "cli" or "system") that published the key. */
  publishedBy: text("published_by").notNull(),
});

export type PublishedKeyRow = typeof publishedKeys.$inferSelect;
