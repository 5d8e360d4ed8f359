/**
 * Streaming an export bundle: the checkpoint first (signed before the first record is read,
 * so every record in the bundle is inside it), then the filtered records a page at a time,
 * each with its inclusion proof. Memory stays flat however large the log is.
 */
import type { AuditFilter } from "../store/audit";
import { WRITERS, type BundleRecord, type ExportFormat } from "./bundle";
import type { SignedCheckpoint } from "./audit-log";
import { cachedNodes, type AuditReader } from "./reader";
import type { AuditRepository } from "../store/audit";

const PAGE = 256;

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

export function exportStream(
  repo: AuditRepository,
  reader: AuditReader,
  checkpoint: SignedCheckpoint,
  filter: AuditFilter,
  format: ExportFormat,
): ReadableStream<Uint8Array> {
  const writer = WRITERS[format];
  const encoder = new TextEncoder();
  const nodes = cachedNodes(repo);
  const complete = Object.values(filter).every((value) => value === undefined);
  const scoped: AuditFilter = { ...filter, maxSeq: checkpoint.treeSize };
  let after = 0;
  let first = true;
  let started = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(writer.head({ origin: checkpoint.origin, complete, filters: filter, checkpoint: checkpoint.note })));
        return;
      }
      const page = reader.page(scoped, after, PAGE);
      let chunk = "";
      for (const record of page.records) {
        const proof = reader.inclusion(record.seq, checkpoint.treeSize, nodes);
        const withProof: BundleRecord = { ...record, inclusionProof: proof.hashes.map(base64) };
        chunk += (first ? "" : writer.separator) + writer.record(withProof);
        first = false;
      }
      if (page.records.length > 0) after = page.records[page.records.length - 1]!.seq;
      if (!page.nextCursor) {
        controller.enqueue(encoder.encode(chunk + writer.tail));
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(chunk));
    },
  });
}
