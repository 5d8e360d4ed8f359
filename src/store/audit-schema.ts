/**
 * The audit log's tables (re-exported by schema.ts, so drizzle-kit generates them with the
 * rest). All three are append-only: triggers in the hand-written migration
 * migrations/*_audit_append_only.sql refuse UPDATE and DELETE, and refuse a record or a tree
 * node out of order.
 *
 * audit_records      one row per record; `details` is canonical JSON, `prev_hash` the chain
 * audit_tree         the hashes of the Merkle tree's perfect subtrees, leaves included
 * audit_checkpoints  every signed checkpoint (C2SP signed note)
 *
 * The tree lives apart from the records on purpose: someone who edits a record does not
 * change the hashes the server proves from, so the edit shows at exactly that record.
 */
import { blob, index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const auditRecords = sqliteTable(
  "audit_records",
  {
    seq: integer("seq").primaryKey(),
    /** RFC 3339 UTC with milliseconds. */
    time: text("time").notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    objectType: text("object_type"),
    objectId: text("object_id"),
    /** success, failure or denied. */
    outcome: text("outcome").notNull(),
    requestId: text("request_id"),
    /** "hmac-sha256:<hex>" of the address, keyed with an HSM secret key; never the address. */
    clientAddress: text("client_address"),
    /** Canonical JSON object. */
    details: text("details").notNull(),
    /** base64 SHA-256 of the previous record's entry. */
    prevHash: text("prev_hash").notNull(),
  },
  (table) => [
    index("audit_records_time").on(table.time),
    index("audit_records_actor").on(table.actor, table.seq),
    index("audit_records_action").on(table.action, table.seq),
    index("audit_records_object").on(table.objectId, table.seq),
  ],
);

export const auditTree = sqliteTable("audit_tree", {
  /**
   * level · 2^40 + index: one integer key (the table's rowid) instead of a composite key
   * with a second index. level 0 holds the leaf hashes; 2^40 leaves is far beyond any log.
   */
  node: integer("node").primaryKey(),
  hash: blob("hash", { mode: "buffer" }).notNull(),
});

export const auditCheckpoints = sqliteTable("audit_checkpoints", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  treeSize: integer("tree_size").notNull(),
  /** base64. */
  rootHash: text("root_hash").notNull(),
  time: text("time").notNull(),
  /** The whole signed note. */
  note: text("note").notNull(),
});

export type AuditRecordRow = typeof auditRecords.$inferSelect;
export type AuditCheckpointRow = typeof auditCheckpoints.$inferSelect;
