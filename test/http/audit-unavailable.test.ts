/**
 * A signature whose audit record cannot be written is never handed out. The fault is made in
 * the real database, from outside the server: a trigger that refuses every new audit record,
 * as a full or failing disk would. While it stands, synchronousSign answers 503
 * auditUnavailable without a signature and batchSign answers each item so; nothing of those
 * requests reaches the log. Once it is gone, signing works again and the log still verifies.
 * A checkpoint refused the same way is stored once the database takes it again.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { exportBundle, storedCheckpoints, verifyWithCli } from "../support/audit";
import { removeDir, startSignet, type RunningSignet } from "../support/server";
import { checkAuditBundleWithNode } from "../support/verifier";

setDefaultTimeout(60_000);

let signet: RunningSignet;
const b64 = (text: string) => Buffer.from(text).toString("base64");
const signRequest = (payload: string) => ({ signRequest: { payload: b64(payload), signKeyName: "p256", signatureAlgorithm: "SHA256_WITH_ECDSA" } });

beforeAll(async () => {
  signet = await startSignet();
  expect((await signet.json("POST", "/v1/key", { label: "p256", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" })).status).toBe(200);
});

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

/** Makes the database refuse new audit records until the returned function is called. */
function refuseAuditRecords(): () => void {
  const db = new Database(join(signet.dataDir, "signet.db"));
  db.run("PRAGMA busy_timeout = 5000");
  db.run("CREATE TRIGGER test_refuse_audit_records BEFORE INSERT ON audit_records BEGIN SELECT RAISE(ABORT, 'injected: the disk refuses the write'); END");
  return () => {
    db.run("DROP TRIGGER test_refuse_audit_records");
    db.close();
  };
}

async function loggedRequestIds(): Promise<Set<string>> {
  const bundle = JSON.parse(await exportBundle(signet, "json"));
  return new Set(bundle.records.map((record: { requestId: string }) => record.requestId));
}

test("while no record can be written: no signature leaves, single or batch, and nothing is logged", async () => {
  const sizeBefore = (await loggedRequestIds()).size;
  const restore = refuseAuditRecords();
  try {
    const single = await signet.json("POST", "/v1/synchronousSign", signRequest("unrecorded single"), { "x-request-id": "fault-single" });
    expect(single.status).toBe(503);
    expect(single.headers.get("retry-after")).toBe("1");
    expect(single.body).toEqual({ errorCode: 720, reason: "res.error.audit.unavailable", message: expect.stringContaining("not confirmed") });

    const requests = [0, 1, 2].map((i) => ({ reference: `item-${i}`, signKeyName: "p256", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: b64(`unrecorded item ${i}`) }));
    const batch = await signet.json("POST", "/v1/batchSign", { requests }, { "x-request-id": "fault-batch" });
    expect(batch.status).toBe(200);
    expect(batch.body.results).toEqual(
      requests.map((request) => ({ reference: request.reference, errorCode: 720, reason: "res.error.audit.unavailable", message: expect.any(String) })),
    );
  } finally {
    restore();
  }
  expect(signet.output()).toContain("appending to the audit log failed");

  const signed = await signet.json("POST", "/v1/synchronousSign", signRequest("recorded again"), { "x-request-id": "after-fault" });
  expect(signed.status).toBe(200);
  expect(signed.body.signature).toEqual(expect.any(String));
  const logged = await loggedRequestIds();
  expect(logged.has("fault-single")).toBe(false);
  expect(logged.has("fault-batch")).toBe(false);
  expect(logged.has("after-fault")).toBe(true);
  expect(logged.size).toBeGreaterThan(sizeBefore);
});

test("a checkpoint the database refuses is stored once it takes it again, after the next commit", async () => {
  expect((await signet.json("POST", "/v1/synchronousSign", signRequest("before the checkpoint"))).status).toBe(200);
  const latest = (await signet.json("GET", "/v1/audit/checkpoint")).body;
  const db = new Database(join(signet.dataDir, "signet.db"));
  db.run("PRAGMA busy_timeout = 5000");
  try {
    db.run("CREATE TRIGGER test_refuse_checkpoints BEFORE INSERT ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'injected: the disk refuses the checkpoint'); END");
    // A proof of a record beyond the latest checkpoint is answered with a new one, signed now.
    const proof = await signet.json("GET", `/v1/audit/proof/${latest.treeSize + 1}`);
    expect(proof.status).toBe(200);
    const note: string = proof.body.checkpoint;
    for (let i = 0; i < 100 && !signet.output().includes("injected: the disk refuses the checkpoint"); i++) await Bun.sleep(10);
    expect(signet.output()).toContain(`storing the checkpoint of tree size ${proof.body.treeSize} failed`);
    db.run("DROP TRIGGER test_refuse_checkpoints");
    // Each signature is a commit; the first after the resend interval sends the checkpoint again.
    for (let i = 0; i < 15 && storedCheckpoints(signet.dataDir, note) === 0; i++) {
      expect((await signet.json("POST", "/v1/synchronousSign", signRequest(`commit ${i}`))).status).toBe(200);
      await Bun.sleep(200);
    }
    expect(storedCheckpoints(signet.dataDir, note)).toBe(1);
  } finally {
    db.run("DROP TRIGGER IF EXISTS test_refuse_checkpoints");
    db.close();
  }
});

test("after the fault the log verifies, by the server's export, the offline CLI and Node.js", async () => {
  const bundle = await exportBundle(signet, "json");
  const key = (await signet.json("GET", "/v1/audit/publicKey")).body;
  expect((await verifyWithCli(bundle, key.verifierKey)).result.valid).toBe(true);
  const report = await checkAuditBundleWithNode(key.publicKey, bundle);
  expect(report).toMatchObject({ signatureValid: true, proofsMatch: true, chainValid: true });
  expect(report.recomputedRoot).toBe(report.rootHash);
  expect(signet.output()).not.toContain("audit log integrity");
});
