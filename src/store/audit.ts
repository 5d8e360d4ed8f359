/**
 * The audit tables: appending records with their tree nodes in one transaction, reading
 * records by filter with keyset pagination, and reading tree nodes and checkpoints.
 *
 * The statements of the write path are prepared once: the audit writer runs them for every
 * record of every signature.
 */
import { and, asc, desc, eq, gt, gte, lt, lte, max, sql, type SQL } from "drizzle-orm";
import type { SqlDatabase } from "../platform/sqlite";
import { auditCheckpoints, auditRecords, auditTree, type AuditCheckpointRow, type AuditRecordRow } from "./audit-schema";

/** Tree node keys: level · 2^40 + index (see audit-schema.ts). */
export const LEVEL_STRIDE = 2 ** 40;

export interface AuditFilter {
  actor?: string;
  action?: string;
  objectType?: string;
  objectId?: string;
  outcome?: string;
  /** Inclusive lower bound on time (RFC 3339). */
  from?: string;
  /** Exclusive upper bound on time (RFC 3339). */
  to?: string;
  /** Records up to this seq only (an export stops at its checkpoint). */
  maxSeq?: number;
}

export type NewCheckpointRow = Omit<AuditCheckpointRow, "id">;

export class AuditRepository {
  private readonly insertRecordStatement;
  private readonly insertNodeStatement;
  private readonly nodeStatement;

  constructor(private readonly db: SqlDatabase) {
    const p = (name: string) => sql.placeholder(name);
    this.insertRecordStatement = db
      .insert(auditRecords)
      .values({
        seq: p("seq"), time: p("time"), actor: p("actor"), action: p("action"), objectType: p("objectType"),
        objectId: p("objectId"), outcome: p("outcome"), requestId: p("requestId"), clientAddress: p("clientAddress"),
        details: p("details"), prevHash: p("prevHash"),
      })
      .prepare();
    this.insertNodeStatement = db.insert(auditTree).values({ node: p("node"), hash: p("hash") }).prepare();
    this.nodeStatement = db.select({ hash: auditTree.hash }).from(auditTree).where(eq(auditTree.node, p("node"))).prepare();
  }

  /** Runs `write` holding the database's write lock from the start (BEGIN IMMEDIATE). */
  writeTransaction<T>(write: () => T): T {
    return this.db.transaction(() => write(), { behavior: "immediate" });
  }

  insertRecord(row: AuditRecordRow): void {
    this.insertRecordStatement.run(row);
  }

  insertNode(level: number, idx: number, hash: Uint8Array): void {
    this.insertNodeStatement.run({ node: level * LEVEL_STRIDE + idx, hash });
  }

  /** The hash of a perfect subtree, or null when the tree has no such node. */
  node(level: number, idx: number): Uint8Array | null {
    const row = this.nodeStatement.get({ node: level * LEVEL_STRIDE + idx }) as { hash: Buffer } | undefined;
    return row ? new Uint8Array(row.hash) : null;
  }

  /** Leaves in the tree: one more than the last leaf's index. */
  treeSize(): number {
    const row = this.db.select({ last: max(auditTree.node) }).from(auditTree).where(lt(auditTree.node, LEVEL_STRIDE)).get();
    return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1;
  }

  lastSeq(): number {
    const row = this.db.select({ last: max(auditRecords.seq) }).from(auditRecords).get();
    return row?.last ?? 0;
  }

  record(seq: number): AuditRecordRow | null {
    return this.db.select().from(auditRecords).where(eq(auditRecords.seq, seq)).get() ?? null;
  }

  /** Records matching the filter with seq > after, in seq order. */
  list(filter: AuditFilter, after: number, limit: number): AuditRecordRow[] {
    const where: SQL[] = [gt(auditRecords.seq, after)];
    if (filter.actor !== undefined) where.push(eq(auditRecords.actor, filter.actor));
    if (filter.action !== undefined) where.push(eq(auditRecords.action, filter.action));
    if (filter.objectType !== undefined) where.push(eq(auditRecords.objectType, filter.objectType));
    if (filter.objectId !== undefined) where.push(eq(auditRecords.objectId, filter.objectId));
    if (filter.outcome !== undefined) where.push(eq(auditRecords.outcome, filter.outcome));
    if (filter.from !== undefined) where.push(gte(auditRecords.time, filter.from));
    if (filter.to !== undefined) where.push(lt(auditRecords.time, filter.to));
    if (filter.maxSeq !== undefined) where.push(lte(auditRecords.seq, filter.maxSeq));
    return this.db.select().from(auditRecords).where(and(...where)).orderBy(asc(auditRecords.seq)).limit(limit).all();
  }

  insertCheckpoint(row: NewCheckpointRow): void {
    this.db.insert(auditCheckpoints).values(row).run();
  }

  latestCheckpoint(): AuditCheckpointRow | null {
    return this.db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.id)).limit(1).get() ?? null;
  }
}
