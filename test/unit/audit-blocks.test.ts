/**
 * Filtered reads through the block summaries (audit_blocks) give exactly what a plain filter
 * over every record gives, page after page, for logs that end inside a block, logs whose early
 * blocks were never summarised, and a log that another appender extended meanwhile.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { AuditAppender } from "../../src/audit/appender";
import type { PendingRecord } from "../../src/audit/record";
import { openAuditWriterStore } from "../../src/store/db";
import type { AuditFilter, AuditRepository } from "../../src/store/audit";
import { BLOCK_SIZE } from "../../src/store/audit-schema";
import type { AuditRecordRow } from "../../src/store/audit-schema";

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const ACTORS = ["client:a", "client:b", "client:c", "operator:root"];
const ACTIONS = ["sign", "verify", "key.create", "apiKey.create"];
const OBJECTS = ["k1", "k2", "k3", null];
const OUTCOMES = ["success", "failure", "denied"] as const;

/** A deterministic record stream: rare values occur in a few blocks only, times drift back a little. */
function recordAt(n: number): PendingRecord {
  const rare = n % 997 === 0;
  const time = new Date(Date.UTC(2026, 0, 1) + n * 1000 - (n % 7) * 1500).toISOString();
  return {
    time,
    actor: rare ? "client:rare" : ACTORS[n % 3]!,
    action: rare ? "key.delete" : ACTIONS[(n >> 2) % 3]!,
    objectType: "key",
    objectId: OBJECTS[n % 4]!,
    outcome: OUTCOMES[n % 5 === 0 ? 1 : 0],
    requestId: `r${n}`,
    clientAddress: null,
    details: { n },
  };
}

function openLog(size: number) {
  const dir = mkdtempSync(join(tmpdir(), "signet-blocks-"));
  dirs.push(dir);
  const store = openAuditWriterStore(dir);
  const appender = new AuditAppender(store.audit);
  for (let n = 0; n < size; n += 100) appender.append(Array.from({ length: Math.min(100, size - n) }, (_, i) => recordAt(n + i)));
  return { dir, store, appender };
}

function matches(row: AuditRecordRow, filter: AuditFilter): boolean {
  return (
    (filter.actor === undefined || row.actor === filter.actor) &&
    (filter.action === undefined || row.action === filter.action) &&
    (filter.objectId === undefined || row.objectId === filter.objectId) &&
    (filter.objectType === undefined || row.objectType === filter.objectType) &&
    (filter.outcome === undefined || row.outcome === filter.outcome) &&
    (filter.from === undefined || row.time >= filter.from) &&
    (filter.to === undefined || row.time < filter.to) &&
    (filter.maxSeq === undefined || row.seq <= filter.maxSeq)
  );
}

function everyPage(repo: AuditRepository, filter: AuditFilter, after: number, pageSize: number): number[] {
  const seqs: number[] = [];
  for (;;) {
    const rows = repo.list(filter, after, pageSize);
    seqs.push(...rows.map((row) => row.seq));
    if (rows.length < pageSize) return seqs;
    after = rows[rows.length - 1]!.seq;
  }
}

const timeAt = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();

const filters = fc.record(
  {
    actor: fc.constantFrom(...ACTORS, "client:rare", "client:none"),
    action: fc.constantFrom(...ACTIONS, "key.delete"),
    objectId: fc.constantFrom("k1", "k2", "k3", "none"),
    outcome: fc.constantFrom(...OUTCOMES),
    from: fc.nat(3500).map(timeAt),
    to: fc.nat(3500).map(timeAt),
    maxSeq: fc.integer({ min: 1, max: 3600 }),
  },
  { requiredKeys: [] },
);

describe("filtered reads through block summaries", () => {
  const size = 3 * BLOCK_SIZE + 300;
  const { store } = openLog(size);
  const all = store.audit.list({}, 0, size + 10);

  test("the log has its full blocks summarised and a tail", () => {
    expect(all).toHaveLength(size);
    expect(store.audit.lastSummarisedBlock()).toBe(2);
  });

  test("every filter, start and page size reads what a plain filter reads", () => {
    fc.assert(
      fc.property(filters, fc.nat(size), fc.integer({ min: 1, max: 700 }), (filter, after, pageSize) => {
        const expected = all.filter((row) => row.seq > after && matches(row, filter)).map((row) => row.seq);
        expect(everyPage(store.audit, filter, after, pageSize)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  test("a rare actor is found in the blocks that hold it", () => {
    const rare = store.audit.list({ actor: "client:rare" }, 0, 100).map((row) => row.seq);
    expect(rare).toEqual(all.filter((row) => row.actor === "client:rare").map((row) => row.seq));
    expect(rare.length).toBeGreaterThan(2);
  });
});

describe("a log whose summaries are missing", () => {
  test("reads stay complete, and the next full block summarises the blocks before it", () => {
    const { dir, store, appender } = openLog(2 * BLOCK_SIZE + 10);
    const raw = new Database(join(dir, "signet.db"));
    raw.exec("DROP TRIGGER audit_blocks_no_delete");
    raw.exec("DELETE FROM audit_blocks");
    raw.close();
    expect(store.audit.lastSummarisedBlock()).toBe(-1);
    const expected = store.audit.list({}, 0, 10_000).filter((row) => row.actor === "client:b").map((row) => row.seq);
    expect(everyPage(store.audit, { actor: "client:b" }, 0, 333)).toEqual(expected);

    appender.append(Array.from({ length: BLOCK_SIZE }, (_, i) => recordAt(2 * BLOCK_SIZE + 10 + i)));
    expect(store.audit.lastSummarisedBlock()).toBe(2);
    const after = store.audit.list({}, 0, 10_000).filter((row) => row.actor === "client:b").map((row) => row.seq);
    expect(everyPage(store.audit, { actor: "client:b" }, 0, 333)).toEqual(after);
  });

  test("two appenders on one log keep one summary per block", () => {
    const { dir, store, appender } = openLog(BLOCK_SIZE - 5);
    const other = openAuditWriterStore(dir);
    new AuditAppender(other.audit).append(Array.from({ length: 10 }, (_, i) => recordAt(BLOCK_SIZE - 5 + i)));
    appender.append([recordAt(BLOCK_SIZE + 5)]);
    expect(store.audit.lastSummarisedBlock()).toBe(0);
    const actors = store.audit.list({ actor: "client:a" }, 0, 10_000).map((row) => row.seq);
    expect(actors).toEqual(store.audit.list({}, 0, 10_000).filter((row) => row.actor === "client:a").map((row) => row.seq));
    other.close();
  });
});
