/**
 * Tampering with the stored log is found at the exact record. A log is written by a real
 * server, which is stopped; each scenario works on its own copy of the data directory, edits
 * the SQLite file as an intruder would (dropping the append-only triggers first), starts the
 * server again, exports the whole log and verifies it through the API and offline.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { entryOf, chainHashOf } from "../../src/audit/record";
import { recordOfRow } from "../../src/audit/appender";
import { copyDataDir, exportBundle, verifyWithCli } from "../support/audit";
import { removeDir, startSignet, tempDir } from "../support/server";

const original = tempDir("tamper");
const apiKey = `tamper-${"k".repeat(24)}`;
const copies: string[] = [];
let verifierKey = "";

beforeAll(async () => {
  const signet = await startSignet({ dataDir: original, apiKey });
  expect((await signet.json("POST", "/v1/key", { label: "tamper-ed", algorithm: "ED" })).status).toBe(200);
  for (let i = 0; i < 20; i++) {
    const payload = Buffer.from(`payload ${i}`).toString("base64");
    const answer = await signet.json("POST", "/v1/synchronousSign", { signRequest: { payload, signKeyName: "tamper-ed", signatureAlgorithm: "EDDSA" } });
    expect(answer.status).toBe(200);
  }
  verifierKey = (await signet.json("GET", "/v1/audit/publicKey")).body.verifierKey;
  expect(await signet.stop()).toBe(0);
});

afterAll(() => {
  for (const dir of [original, ...copies]) removeDir(dir);
});

/** Edits a copy of the stopped server's database with the triggers dropped. */
function tampered(edit: (db: Database) => void): string {
  const dir = copyDataDir(original);
  copies.push(dir);
  const db = new Database(join(dir, "signet.db"));
  for (const { name } of db.query("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[]) {
    db.run(`DROP TRIGGER ${name}`);
  }
  edit(db);
  db.close();
  return dir;
}

async function verdict(dataDir: string): Promise<{ api: any; cli: any; output: string }> {
  const signet = await startSignet({ dataDir, apiKey });
  try {
    const bundle = await exportBundle(signet, "json");
    const api = (await signet.json("POST", "/v1/audit/verify", bundle)).body;
    const cli = (await verifyWithCli(bundle, verifierKey)).result;
    return { api, cli, output: signet.output() };
  } finally {
    await signet.stop();
  }
}

function expectFirstBad(result: { api: any; cli: any }, seq: number): void {
  expect(result.api).toMatchObject({ valid: false, firstBadSeq: seq, complete: true });
  expect(result.cli).toMatchObject({ valid: false, firstBadSeq: seq });
}

test("the untouched log verifies, after a restart too", async () => {
  const result = await verdict(copyDataDir(original));
  expect(result.api).toMatchObject({ valid: true, complete: true });
  expect(result.cli.valid).toBe(true);
  expect(result.output).not.toContain("audit log integrity");
});

test("a changed field of a stored record is named", async () => {
  const dir = tampered((db) => db.run("UPDATE audit_records SET object_id = 'someone-else' WHERE seq = 7"));
  expectFirstBad(await verdict(dir), 7);
});

test("a deleted record is named", async () => {
  const dir = tampered((db) => db.run("DELETE FROM audit_records WHERE seq = 9"));
  expectFirstBad(await verdict(dir), 9);
});

test("two swapped records: the first of them is named", async () => {
  const dir = tampered((db) => {
    db.run("UPDATE audit_records SET seq = -1 WHERE seq = 5");
    db.run("UPDATE audit_records SET seq = 5 WHERE seq = 11");
    db.run("UPDATE audit_records SET seq = 11 WHERE seq = -1");
  });
  expectFirstBad(await verdict(dir), 5);
});

test("a truncated tail with a forged record appended (its hash chain recomputed) is named, and noticed at start", async () => {
  const dir = tampered((db) => {
    db.run("DELETE FROM audit_records WHERE seq >= 12");
    const last = recordOfRow(db.query("SELECT seq, time, actor, action, object_type AS objectType, object_id AS objectId, outcome, request_id AS requestId, client_address AS clientAddress, details, prev_hash AS prevHash FROM audit_records WHERE seq = 11").get() as any);
    const forged = { ...last, seq: 12, action: "sign", objectId: "tamper-ed", time: new Date().toISOString(), prevHash: chainHashOf(entryOf(last)), details: { algorithm: "EDDSA", payloadSha256: "00".repeat(32), keyVersion: "v1" } };
    db.run(
      "INSERT INTO audit_records (seq, time, actor, action, object_type, object_id, outcome, request_id, client_address, details, prev_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
      [forged.seq, forged.time, forged.actor, forged.action, forged.objectType, forged.objectId, forged.outcome, forged.requestId, forged.clientAddress, JSON.stringify(forged.details), forged.prevHash],
    );
  });
  const result = await verdict(dir);
  expectFirstBad(result, 12);
  expect(result.output).toContain("audit log integrity");
});
