/**
 * The audit log's tables (re-exported by schema.ts, so drizzle-kit generates them with the
 * rest). All three are append-only: triggers in the hand-written migration
 * migrations/*_audit_append_only.sql refuse UPDATE and DELETE, and refuse a record or a tree
 * node out of order.
 *
 * audit_records      one row per record; `details` is canonical JSON, `prev_hash` the chain
 * audit_tree         the hashes of the Merkle tree's perfect subtrees, leaves included
 * audit_checkpoints  every signed checkpoint (C2SP signed note)
 * audit_blocks       a summary of each full block of records, the only index for filters
 *
 * audit_records has no secondary index on purpose. The audit writer inserts one record per
 * signature; indexes on time, actor, action and object cost it about 8 µs of CPU a record and
 * three more pages written and fsynced per commit (measured: bench/NOTES.md). Instead, each
 * full block of BLOCK_SIZE records gets a few rows in audit_blocks, written in the same
 * transaction as the block's last record: which actors, actions and objects occur in it and
 * the span of its times (a block-range index, as PostgreSQL's BRIN). A filtered read visits
 * only the blocks that can hold a match and scans the unsummarised tail (less than one block).
 *
 * The tree lives apart from the records on purpose: someone who edits a record does not
 * change the hashes the server proves from, so the edit shows at exactly that record.
 */
import { blob, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const auditRecords = sqliteTable("audit_records", {
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
});

/** Records per summarised block; block b holds seq b·BLOCK_SIZE+1 to (b+1)·BLOCK_SIZE. */
export const BLOCK_SIZE = 1024;

export const auditBlocks = sqliteTable(
  "audit_blocks",
  {
    /** "actor", "action" or "object": one row per distinct value in the block; "time": one row a block. */
    kind: text("kind").notNull(),
    /** The actor, action or object id; "" for the time row. */
    value: text("value").notNull(),
    block: integer("block").notNull(),
    /** The time row's earliest and latest record time; null on the other rows. */
    minTime: text("min_time"),
    maxTime: text("max_time"),
  },
  (table) => [primaryKey({ columns: [table.kind, table.value, table.block] })],
);

export const auditTree = sqliteTable("audit_tree", {
  /**
   * The node's in-order position (nodeKey in audit.ts): one integer key, the table's rowid,
   * instead of a composite key with a second index. Leaves are the even keys.
   */
  node: integer("node").primaryKey(),
  hash: blob("hash", { mode: "buffer" }).notNull(),
});

export const auditCheckpoints = sqliteTable(
  "audit_checkpoints",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    treeSize: integer("tree_size").notNull(),
    /** base64. */
    rootHash: text("root_hash").notNull(),
    time: text("time").notNull(),
    /** The whole signed note. */
    note: text("note").notNull(),
  },
  // The tree-order trigger reads MAX(tree_size) on every insert: without this index a scan of
  // the whole table, one checkpoint every 1,000 records (83 ms at 525,600 rows, measured).
  (table) => [index("audit_checkpoints_tree_size").on(table.treeSize)],
);

export type AuditRecordRow = typeof auditRecords.$inferSelect;
export type AuditCheckpointRow = typeof auditCheckpoints.$inferSelect;
export type AuditBlockRow = typeof auditBlocks.$inferSelect;
