/**
 * Appending records: numbering them, chaining them, adding their leaves to the Merkle tree and
 * writing records and tree nodes in one transaction. Runs on the audit writer's thread in the
 * server, and in the CLI's process for its own records.
 *
 * The tree's right edge (a compact range) and the last entry's hash are kept in memory. Each
 * transaction takes the write lock first (BEGIN IMMEDIATE) and, when another connection has
 * committed since (SQLite's data_version), checks that the tree still has the size this
 * appender believes; if another process (the CLI) appended meanwhile, the edge is read again
 * from the stored nodes. So several processes can append to one log.
 */
import type { AuditRepository } from "../store/audit";
import { BLOCK_SIZE } from "../store/audit-schema";
import { BlockSummary, type SummarisedFields } from "./block-summary";
import { CompactRange, leafHash, type NodeSource } from "./merkle";
import { canonicalJson, chainHashOf, entryOf, entryWithDetails, GENESIS_PREV_HASH, type AuditRecord, type PendingRecord } from "./record";

export interface TreeHead {
  size: number;
  rootHash: Uint8Array;
}

export function storedNodes(repo: AuditRepository): NodeSource {
  return {
    hash(level, idx) {
      const hash = repo.node(level, idx);
      if (!hash) throw new Error(`the audit tree has no node ${level}/${idx}`);
      return hash;
    },
  };
}

export function recordOfRow(row: {
  seq: number; time: string; actor: string; action: string; objectType: string | null; objectId: string | null;
  outcome: string; requestId: string | null; clientAddress: string | null; details: string; prevHash: string;
}): AuditRecord {
  return { ...row, outcome: row.outcome as AuditRecord["outcome"], details: JSON.parse(row.details) };
}

export class AuditAppender {
  private range = CompactRange.empty();
  private readonly summary = new BlockSummary();
  private prevHash = GENESIS_PREV_HASH;
  private readonly nodes: NodeSource;

  constructor(private readonly repo: AuditRepository) {
    this.nodes = storedNodes(repo);
    this.reload();
  }

  head(): TreeHead {
    return { size: this.range.size, rootHash: this.range.root() };
  }

  /** Appends the records in order, durably; returns the seq of the first. */
  append(records: PendingRecord[]): number {
    try {
      return this.repo.writeTransaction(() => {
        if (this.repo.changedElsewhere() && this.repo.treeSize() !== this.range.size) this.reload();
        const first = this.range.size + 1;
        for (const pending of records) {
          const row = { ...pending, seq: this.range.size + 1, prevHash: this.prevHash, details: canonicalJson(pending.details) };
          const entry = entryWithDetails(row, row.details);
          this.repo.insertRecord(row);
          this.summarise(row);
          this.range.append(leafHash(entry), (level, idx, hash) => this.repo.insertNode(level, idx, hash));
          this.prevHash = chainHashOf(entry);
        }
        return first;
      });
    } catch (error) {
      // The transaction rolled back; the edge in memory may be ahead of the stored tree.
      this.reload();
      throw error;
    }
  }

  /** Adds a written record to its block's summary, and stores the summary with the block's last record. */
  private summarise(record: SummarisedFields & { seq: number }): void {
    this.summary.add(record);
    if (record.seq % BLOCK_SIZE !== 0) return;
    const block = record.seq / BLOCK_SIZE - 1;
    this.summariseStoredBlocks(this.repo.lastSummarisedBlock() + 1, block);
    this.repo.insertBlockSummary(this.summary.rows(block));
    this.summary.clear();
  }

  /**
   * Summarises blocks [from, to) from their stored records: blocks of a log written before
   * summaries existed. Reads never depend on it (what follows the last summary is scanned).
   */
  private summariseStoredBlocks(from: number, to: number): void {
    for (let block = from; block < to; block++) {
      const summary = new BlockSummary();
      for (const record of this.repo.summaryFields(block * BLOCK_SIZE + 1, (block + 1) * BLOCK_SIZE)) summary.add(record);
      this.repo.insertBlockSummary(summary.rows(block));
    }
  }

  /**
   * Reads the tree's right edge and the chain's last hash from the store. When the last
   * record is missing or does not match its leaf (the records were tampered with), the chain
   * goes on from that record's stored content as it is: verification names the bad record.
   */
  private reload(): void {
    const size = this.repo.treeSize();
    this.range = CompactRange.load(this.nodes, size);
    const last = size > 0 ? this.repo.record(size) : null;
    this.prevHash = last ? chainHashOf(entryOf(recordOfRow(last))) : GENESIS_PREV_HASH;
    this.summary.clear();
    for (const record of this.repo.summaryFields(Math.floor(size / BLOCK_SIZE) * BLOCK_SIZE + 1, size)) this.summary.add(record);
  }
}
