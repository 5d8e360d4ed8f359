/**
 * The audit tree's in-order node keys: what they are, and that a log written with the keys of
 * before (level·2^40 + index, migrations up to 0006) keeps its hashes, roots and proofs through
 * migration 0007, and goes on growing afterwards.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { AuditAppender } from "../../src/audit/appender";
import { CompactRange, leafHash, verifyConsistency, verifyInclusion } from "../../src/audit/merkle";
import { AuditReader } from "../../src/audit/reader";
import { canonicalJson, chainHashOf, entryWithDetails, GENESIS_PREV_HASH, type PendingRecord } from "../../src/audit/record";
import { nodeKey } from "../../src/store/audit";
import { MIGRATIONS_FOLDER, openAuditWriterStore } from "../../src/store/db";
import { openSqlite } from "../../src/platform/sqlite";

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "signet-tree-keys-"));
  dirs.push(dir);
  return dir;
}

function recordAt(n: number): PendingRecord {
  return {
    time: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
    actor: `client:${n % 3}`,
    action: "sign",
    objectType: "key",
    objectId: "k1",
    outcome: "success",
    requestId: `r${n}`,
    clientAddress: null,
    details: { n },
  };
}

describe("nodeKey", () => {
  test("leaves take the even keys in order, subtrees the odd ones, each between its two halves", () => {
    expect([0, 1, 2, 3].map((i) => nodeKey(0, i))).toEqual([0, 2, 4, 6]);
    expect([nodeKey(1, 0), nodeKey(1, 1), nodeKey(2, 0), nodeKey(3, 0)]).toEqual([1, 5, 3, 7]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 2 ** 10 }), (level, idx) => {
        const key = nodeKey(level, idx);
        expect(key % 2).toBe(1);
        expect(nodeKey(level - 1, 2 * idx)).toBeLessThan(key);
        expect(nodeKey(level - 1, 2 * idx + 1)).toBeGreaterThan(key);
        // Stored only once its last leaf is, and that leaf's key is larger.
        expect(nodeKey(0, (idx + 1) * 2 ** level - 1)).toBeGreaterThan(key);
      }),
    );
  });

  test("no two nodes of a tree share a key", () => {
    const keys = new Set<number>();
    for (let level = 0; level <= 10; level++) for (let idx = 0; idx < 2 ** (10 - level); idx++) keys.add(nodeKey(level, idx));
    expect(keys.size).toBe(2 ** 11 - 1);
  });
});

/** A migrations folder that stops before 0007: the schema a log of before was written with. */
function migrationsBefore0007(): string {
  const folder = tempDir();
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((entry) => entry.tag < "0007");
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

/** Writes `size` records and their tree as the code of before did: tree keys level·2^40 + index. */
function writeLogOfBefore(dir: string, size: number): Uint8Array {
  const path = join(dir, "signet.db");
  openSqlite(path, migrationsBefore0007()).close();
  const db = new Database(path, { strict: true });
  const insertRecord = db.prepare(
    "INSERT INTO audit_records (seq, time, actor, action, object_type, object_id, outcome, request_id, client_address, details, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const insertNode = db.prepare("INSERT INTO audit_tree (node, hash) VALUES (?, ?)");
  const range = CompactRange.empty();
  let prevHash = GENESIS_PREV_HASH;
  db.transaction(() => {
    for (let n = 0; n < size; n++) {
      const pending = recordAt(n);
      const row = { ...pending, seq: n + 1, prevHash, details: canonicalJson(pending.details) };
      const entry = entryWithDetails(row, row.details);
      insertRecord.run(row.seq, row.time, row.actor, row.action, row.objectType, row.objectId, row.outcome, row.requestId, row.clientAddress, row.details, row.prevHash);
      range.append(leafHash(entry), (level, idx, hash) => insertNode.run(level * 2 ** 40 + idx, hash));
      prevHash = chainHashOf(entry);
    }
  })();
  db.close();
  return range.root();
}

describe("migration 0007 re-keys a log of before", () => {
  const size = 1000;
  const dir = tempDir();
  const rootBefore = writeLogOfBefore(dir, size);
  const store = openAuditWriterStore(dir);
  const appender = new AuditAppender(store.audit);
  const reader = new AuditReader(store.audit);

  test("the tree keeps its size, its root and every node it had", () => {
    expect(store.audit.treeSize()).toBe(size);
    expect(appender.head().size).toBe(size);
    expect(Buffer.from(appender.head().rootHash)).toEqual(Buffer.from(rootBefore));
    const db = new Database(join(dir, "signet.db"), { readonly: true });
    const nodes = db.query("SELECT count(*) AS n FROM audit_tree").get() as { n: number };
    db.close();
    // 1000 leaves and the 994 perfect subtrees above them (1000 minus the number of ones in 1000's binary form).
    expect(nodes.n).toBe(size + size - 6);
  });

  test("proofs from the re-keyed tree verify against the root of before", () => {
    for (const seq of [1, 2, 500, 511, 512, 513, 999, 1000]) {
      const proof = reader.inclusion(seq, size);
      expect(Buffer.from(proof.leafHash)).toEqual(Buffer.from(AuditReader.leafOf(reader.get(seq)!)));
      expect(verifyInclusion(proof.leafIndex, size, proof.leafHash, proof.hashes, rootBefore)).toBe(true);
    }
    const at300 = reader.rootAt(300);
    expect(verifyConsistency(300, size, at300, rootBefore, reader.consistency(300, size))).toBe(true);
  });

  test("the log grows on after the migration, and its proofs hold", () => {
    appender.append(Array.from({ length: 37 }, (_, i) => recordAt(size + i)));
    const grown = appender.head();
    expect(grown.size).toBe(size + 37);
    expect(store.audit.treeSize()).toBe(size + 37);
    expect(verifyConsistency(size, grown.size, rootBefore, grown.rootHash, reader.consistency(size, grown.size))).toBe(true);
    const proof = reader.inclusion(size + 37, grown.size);
    expect(verifyInclusion(proof.leafIndex, grown.size, proof.leafHash, proof.hashes, grown.rootHash)).toBe(true);
  });

  test("the tree stays append-only: no change, no removal, no leaf out of order, no subtree before its leaf", () => {
    const db = new Database(join(dir, "signet.db"));
    expect(() => db.run("UPDATE audit_tree SET hash = x'00' WHERE node = 0")).toThrow(/append-only/);
    expect(() => db.run("DELETE FROM audit_tree WHERE node = 0")).toThrow(/append-only/);
    const last = nodeKey(0, store.audit.treeSize() - 1);
    expect(() => db.run("INSERT INTO audit_tree (node, hash) VALUES (?, x'00')", [last + 4])).toThrow(/after the last one/);
    // A subtree beyond the last leaf would make the tree look larger than it is.
    expect(() => db.run("INSERT INTO audit_tree (node, hash) VALUES (?, x'00')", [last + 1])).toThrow(/after its last leaf/);
    expect(store.audit.treeSize()).toBe(size + 37);
    db.close();
    store.close();
  });
});
