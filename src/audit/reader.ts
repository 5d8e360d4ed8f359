/**
 * Reading the audit log: records by filter with cursor pagination, one record, inclusion and
 * consistency proofs. Reads run on the main thread's connection; in WAL mode they see every
 * committed transaction and never wait for the writer.
 */
import { nodeKey, type AuditFilter, type AuditRepository } from "../store/audit";
import { recordOfRow, storedNodes } from "./appender";
import { consistencyProof, inclusionProof, leafHash, rootHash, type NodeSource } from "./merkle";
import { entryOf, type AuditRecord } from "./record";

export interface RecordPage {
  records: AuditRecord[];
  /** Pass as `cursor` for the next page; null when there is none. */
  nextCursor: string | null;
}

export interface InclusionProof {
  seq: number;
  leafIndex: number;
  treeSize: number;
  leafHash: Uint8Array;
  hashes: Uint8Array[];
}

/** Stored subtree hashes with a small cache: neighbouring records share most of their path. */
export function cachedNodes(repo: AuditRepository, limit = 4096): NodeSource {
  const stored = storedNodes(repo);
  const cache = new Map<number, Uint8Array>();
  return {
    hash(level, idx) {
      const key = nodeKey(level, idx);
      let hash = cache.get(key);
      if (!hash) {
        hash = stored.hash(level, idx);
        if (cache.size >= limit) cache.clear();
        cache.set(key, hash);
      }
      return hash;
    },
  };
}

export class AuditReader {
  constructor(private readonly repo: AuditRepository) {}

  page(filter: AuditFilter, after: number, limit: number): RecordPage {
    const rows = this.repo.list(filter, after, limit + 1);
    const records = rows.slice(0, limit).map(recordOfRow);
    const more = rows.length > limit;
    return { records, nextCursor: more ? String(records[records.length - 1]!.seq) : null };
  }

  /** Every record matching the filter, a page at a time. */
  *all(filter: AuditFilter, pageSize = 500): Generator<AuditRecord> {
    let after = 0;
    for (;;) {
      const rows = this.repo.list(filter, after, pageSize);
      for (const row of rows) yield recordOfRow(row);
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1]!.seq;
    }
  }

  get(seq: number): AuditRecord | null {
    const row = this.repo.record(seq);
    return row ? recordOfRow(row) : null;
  }

  /**
   * The inclusion proof of leaf seq-1 in the tree of `treeSize`, from the stored tree (not
   * from the record: a record that was changed in the database does not fit its proof).
   */
  inclusion(seq: number, treeSize: number, nodes: NodeSource = storedNodes(this.repo)): InclusionProof {
    const index = seq - 1;
    return { seq, leafIndex: index, treeSize, leafHash: nodes.hash(0, index), hashes: inclusionProof(nodes, index, treeSize) };
  }

  consistency(from: number, to: number): Uint8Array[] {
    return consistencyProof(storedNodes(this.repo), from, to);
  }

  rootAt(size: number): Uint8Array {
    return rootHash(storedNodes(this.repo), size);
  }

  /** The leaf hash a record's content gives (compare with the stored leaf to spot an edit). */
  static leafOf(record: AuditRecord): Uint8Array {
    return leafHash(entryOf(record));
  }
}
