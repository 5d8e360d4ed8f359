/**
 * The audit tables: appending records with their tree nodes in one transaction, reading
 * records by filter with keyset pagination, and reading tree nodes and checkpoints.
 *
 * The statements of the write path are prepared once on the connection itself (RawSql): the
 * audit writer runs them for every record of every signature, and for every transaction.
 */
import { and, asc, desc, eq, gt, gte, lt, lte, max, sql, type SQL } from "drizzle-orm";
import type { RawSql, RawStatement, RawValue, SqlDatabase } from "../platform/sqlite";
import {
  auditBlocks, auditCheckpoints, auditRecords, auditTree, BLOCK_SIZE, type AuditBlockRow, type AuditCheckpointRow, type AuditRecordRow,
} from "./audit-schema";

/**
 * The key of a tree node: its position in an in-order walk of the tree (a "flat tree", as
 * RFC 7574's bin numbers). Leaf i is at 2i; the perfect subtree of 2^level leaves starting at
 * leaf idx·2^level is at idx·2^(level+1) + 2^level - 1, between its two halves. A commit adds
 * the leaves of consecutive records and the subtrees they complete, so its nodes lie together
 * on one or two B-tree pages; keyed level by level they touched one page a level (measured:
 * 12.3 against 5.1 WAL pages a commit of 7 records, bench/NOTES.md). Exact below 2^53, so for
 * any tree below 2^51 leaves.
 */
export function nodeKey(level: number, idx: number): number {
  return idx * 2 ** (level + 1) + 2 ** level - 1;
}

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

/** Whether a filter names something the block summaries record. */
function usesSummaries(filter: AuditFilter): boolean {
  return [filter.actor, filter.action, filter.objectId, filter.from, filter.to].some((value) => value !== undefined);
}

const UNSET = Symbol("unset");
type RawValueOrUnset = RawValue | typeof UNSET;

export type NewCheckpointRow = Omit<AuditCheckpointRow, "id">;

/** What storing a checkpoint did (AuditRepository.storeCheckpoint). */
export type CheckpointOutcome = "stored" | "present" | "superseded";

export class AuditRepository {
  private readonly insertRecordStatement: RawStatement;
  private readonly insertNodeStatement: RawStatement;
  private readonly nodeStatement: RawStatement;
  private readonly treeSizeStatement: RawStatement;
  private readonly dataVersionStatement: RawStatement;
  private readonly insertBlockStatement: RawStatement;
  private readonly lastBlockStatement: RawStatement;
  private dataVersion: RawValueOrUnset = UNSET;

  constructor(
    private readonly db: SqlDatabase,
    private readonly raw: RawSql,
  ) {
    this.insertRecordStatement = raw.prepare(
      "INSERT INTO audit_records (seq, time, actor, action, object_type, object_id, outcome, request_id, client_address, details, prev_hash) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.insertNodeStatement = raw.prepare("INSERT INTO audit_tree (node, hash) VALUES (?, ?)");
    this.nodeStatement = raw.prepare("SELECT hash FROM audit_tree WHERE node = ?");
    this.treeSizeStatement = raw.prepare("SELECT max(node) AS last FROM audit_tree");
    this.dataVersionStatement = raw.prepare("PRAGMA data_version");
    this.insertBlockStatement = raw.prepare("INSERT OR IGNORE INTO audit_blocks (kind, value, block, min_time, max_time) VALUES (?, ?, ?, ?, ?)");
    this.lastBlockStatement = raw.prepare("SELECT max(block) AS block FROM audit_blocks WHERE kind = 'time' AND value = ''");
  }

  /** Runs `write` holding the database's write lock from the start (BEGIN IMMEDIATE). */
  writeTransaction<T>(write: () => T): T {
    return this.raw.immediate(write);
  }

  /**
   * Whether another connection (the CLI, or this process's other connection) committed since
   * the last call: SQLite's data_version changes exactly then. The first call answers true.
   */
  changedElsewhere(): boolean {
    const version = this.dataVersionStatement.get()?.data_version ?? null;
    const changed = version !== this.dataVersion;
    this.dataVersion = version;
    return changed;
  }

  insertRecord(row: AuditRecordRow): void {
    this.insertRecordStatement.run(
      row.seq, row.time, row.actor, row.action, row.objectType, row.objectId, row.outcome, row.requestId, row.clientAddress,
      row.details, row.prevHash,
    );
  }

  insertNode(level: number, idx: number, hash: Uint8Array): void {
    this.insertNodeStatement.run(nodeKey(level, idx), hash);
  }

  /** The hash of a perfect subtree, or null when the tree has no such node. */
  node(level: number, idx: number): Uint8Array | null {
    const row = this.nodeStatement.get(nodeKey(level, idx));
    return row ? new Uint8Array(row.hash as Uint8Array) : null;
  }

  /**
   * Leaves in the tree. The largest key is the last leaf's (2·index): every subtree's key lies
   * before its last leaf's, and a subtree is stored only once its last leaf is.
   */
  treeSize(): number {
    const last = this.treeSizeStatement.get()?.last;
    return last === null || last === undefined ? 0 : Number(last) / 2 + 1;
  }

  lastSeq(): number {
    const row = this.db.select({ last: max(auditRecords.seq) }).from(auditRecords).get();
    return row?.last ?? 0;
  }

  record(seq: number): AuditRecordRow | null {
    return this.db.select().from(auditRecords).where(eq(auditRecords.seq, seq)).get() ?? null;
  }

  /**
   * Records matching the filter with seq > after, in seq order. A filter on actor, action,
   * object or time reads only the blocks whose summary can hold a match, then the tail after
   * the last summarised block; a filter on outcome or object type alone scans in seq order.
   */
  list(filter: AuditFilter, after: number, limit: number): AuditRecordRow[] {
    const last = filter.maxSeq ?? Number.MAX_SAFE_INTEGER;
    if (!usesSummaries(filter)) return this.scan(filter, after, last, limit);
    const rows: AuditRecordRow[] = [];
    // Read once: a block summarised meanwhile is still read, as part of the tail.
    const summarisedEnd = (this.lastSummarisedBlock() + 1) * BLOCK_SIZE;
    const summarised = Math.min(summarisedEnd, last);
    let cursor = after;
    while (rows.length < limit && cursor < summarised) {
      const blocks = this.candidateBlocks(filter, Math.floor(cursor / BLOCK_SIZE), Math.floor((summarised - 1) / BLOCK_SIZE));
      if (blocks.length === 0) break;
      for (const block of blocks) {
        const end = Math.min((block + 1) * BLOCK_SIZE, last);
        rows.push(...this.scan(filter, Math.max(cursor, block * BLOCK_SIZE), end, limit - rows.length));
        if (rows.length >= limit) return rows;
        cursor = end;
      }
    }
    const tailFrom = Math.max(after, summarisedEnd);
    if (rows.length < limit && tailFrom < last) rows.push(...this.scan(filter, tailFrom, last, limit - rows.length));
    return rows;
  }

  /** Records matching the filter with after < seq ≤ last, in seq order, read in seq order. */
  private scan(filter: AuditFilter, after: number, last: number, limit: number): AuditRecordRow[] {
    const where: SQL[] = [gt(auditRecords.seq, after), lte(auditRecords.seq, last)];
    if (filter.actor !== undefined) where.push(eq(auditRecords.actor, filter.actor));
    if (filter.action !== undefined) where.push(eq(auditRecords.action, filter.action));
    if (filter.objectType !== undefined) where.push(eq(auditRecords.objectType, filter.objectType));
    if (filter.objectId !== undefined) where.push(eq(auditRecords.objectId, filter.objectId));
    if (filter.outcome !== undefined) where.push(eq(auditRecords.outcome, filter.outcome));
    if (filter.from !== undefined) where.push(gte(auditRecords.time, filter.from));
    if (filter.to !== undefined) where.push(lt(auditRecords.time, filter.to));
    return this.db.select().from(auditRecords).where(and(...where)).orderBy(asc(auditRecords.seq)).limit(limit).all();
  }

  /** The next summarised blocks in [first, lastBlock] that every summarised part of the filter allows. */
  private candidateBlocks(filter: AuditFilter, first: number, lastBlock: number, count = 64): number[] {
    const inRange = sql`${auditBlocks.block} BETWEEN ${first} AND ${lastBlock}`;
    const parts: SQL[] = [];
    const valued: [string, string | undefined][] = [["actor", filter.actor], ["action", filter.action], ["object", filter.objectId]];
    for (const [kind, value] of valued) {
      if (value !== undefined) parts.push(sql`SELECT ${auditBlocks.block} FROM ${auditBlocks} WHERE ${auditBlocks.kind} = ${kind} AND ${auditBlocks.value} = ${value} AND ${inRange}`);
    }
    if (filter.from !== undefined || filter.to !== undefined) {
      const time: SQL[] = [sql`${auditBlocks.kind} = 'time' AND ${auditBlocks.value} = '' AND ${inRange}`];
      if (filter.from !== undefined) time.push(sql`${auditBlocks.maxTime} >= ${filter.from}`);
      if (filter.to !== undefined) time.push(sql`${auditBlocks.minTime} < ${filter.to}`);
      parts.push(sql`SELECT ${auditBlocks.block} FROM ${auditBlocks} WHERE ${sql.join(time, sql` AND `)}`);
    }
    const query = sql`${sql.join(parts, sql` INTERSECT `)} ORDER BY 1 LIMIT ${count}`;
    return this.db.all<{ block: number }>(query).map((row) => row.block);
  }

  /** The last block with a summary; -1 when there is none. */
  lastSummarisedBlock(): number {
    const block = this.lastBlockStatement.get()?.block;
    return block === null || block === undefined ? -1 : Number(block);
  }

  insertBlockSummary(rows: AuditBlockRow[]): void {
    for (const row of rows) this.insertBlockStatement.run(row.kind, row.value, row.block, row.minTime, row.maxTime);
  }

  /** The summarised fields of the records with from ≤ seq ≤ to (to rebuild a block's summary). */
  summaryFields(from: number, to: number): { seq: number; time: string; actor: string; action: string; objectId: string | null }[] {
    return this.db
      .select({ seq: auditRecords.seq, time: auditRecords.time, actor: auditRecords.actor, action: auditRecords.action, objectId: auditRecords.objectId })
      .from(auditRecords)
      .where(and(gte(auditRecords.seq, from), lte(auditRecords.seq, to)))
      .orderBy(asc(auditRecords.seq))
      .all();
  }

  /**
   * Stores a signed checkpoint once. "present": this very note is stored already (sent again
   * to a new writer thread after the one that stored it died before it answered).
   * "superseded": a checkpoint of a larger tree is stored, and the table keeps checkpoints in
   * tree order (the audit_checkpoints_forward trigger).
   */
  storeCheckpoint(row: NewCheckpointRow): CheckpointOutcome {
    return this.writeTransaction(() => {
      const latest = this.latestCheckpoint();
      if (latest && latest.treeSize >= row.treeSize) {
        const stored = latest.treeSize === row.treeSize && latest.note === row.note
          ? latest
          : this.db.select({ id: auditCheckpoints.id }).from(auditCheckpoints)
            .where(and(eq(auditCheckpoints.treeSize, row.treeSize), eq(auditCheckpoints.note, row.note))).limit(1).get();
        if (stored) return "present";
        if (latest.treeSize > row.treeSize) return "superseded";
      }
      this.db.insert(auditCheckpoints).values(row).run();
      return "stored";
    });
  }

  latestCheckpoint(): AuditCheckpointRow | null {
    return this.db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.id)).limit(1).get() ?? null;
  }
}
