/**
 * A signed checkpoint sent to the writer again (its first thread died before it answered, or
 * failed to store it) is stored once: a second copy of the same note is "present", and one
 * older than a checkpoint already stored is "superseded" instead of tripping the table's
 * tree-order trigger on every retry. That trigger reads the largest stored tree size on every
 * insert, through an index rather than a scan of every checkpoint ever signed.
 */
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NewCheckpointRow } from "../../src/store/audit";
import { openAuditWriterStore } from "../../src/store/db";

const dir = mkdtempSync(join(tmpdir(), "signet-checkpoints-"));
const store = openAuditWriterStore(dir);
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const checkpoint = (treeSize: number, time: string): NewCheckpointRow => ({
  treeSize, rootHash: Buffer.alloc(32, treeSize).toString("base64"), time, note: `note of ${treeSize} at ${time}\n`,
});

test("a checkpoint is stored once, and an older one after a larger is superseded", () => {
  const audit = store.audit;
  const first = checkpoint(10, "2026-12-03T18:00:00.000Z");
  const again = checkpoint(10, "2026-12-03T18:00:05.000Z");
  const larger = checkpoint(20, "2026-12-03T18:01:00.000Z");

  expect(audit.storeCheckpoint(first)).toBe("stored");
  expect(audit.storeCheckpoint(first)).toBe("present");
  // Another note at the same size (signed again later) is a checkpoint of its own.
  expect(audit.storeCheckpoint(again)).toBe("stored");
  expect(audit.storeCheckpoint(larger)).toBe("stored");
  // Sent again after the larger one was stored: found, not stored twice.
  expect(audit.storeCheckpoint(first)).toBe("present");
  expect(audit.storeCheckpoint(checkpoint(15, "2026-12-03T18:00:30.000Z"))).toBe("superseded");
  expect(audit.latestCheckpoint()).toMatchObject({ treeSize: 20, note: larger.note });
});

test("the tree-order trigger finds the largest stored tree size through an index, not a scan", () => {
  const db = new Database(join(dir, "signet.db"), { readonly: true });
  try {
    const plan = db.query("EXPLAIN QUERY PLAN SELECT COALESCE(MAX(`tree_size`), 0) FROM `audit_checkpoints`").all() as { detail: string }[];
    expect(plan.map((step) => step.detail).join("; ")).toContain("USING COVERING INDEX audit_checkpoints_tree_size");
  } finally {
    db.close();
  }
});
