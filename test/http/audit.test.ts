/**
 * The audit log through the real server: what gets recorded for signatures, verifications and
 * key changes (refusals included), personal data only as keyed hashes, checkpoints checked by
 * Node's OpenSSL against the published key, proofs and exports checked by a second,
 * independent implementation, the three export formats read by Python's standard parsers,
 * pagination, bad input, and the append-only triggers.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, createPublicKey, verify } from "node:crypto";
import { join } from "node:path";
import { exportBundle, verifyWithCli } from "../support/audit";
import { removeDir, startSignet, type RunningSignet } from "../support/server";
import { checkAuditBundleWithNode, signingCase, verifyWithNode } from "../support/verifier";

let signet: RunningSignet;
let publicKey: { origin: string; publicKey: string; pem: string; verifierKey: string };
const signed: { requestId: string; payload: Buffer }[] = [];

async function sign(label: string, payload: Buffer, requestId: string, algorithm = "SHA256_WITH_ECDSA") {
  return signet.json(
    "POST",
    "/v1/synchronousSign",
    { signRequest: { payload: payload.toString("base64"), signKeyName: label, signatureAlgorithm: algorithm } },
    { "x-request-id": requestId },
  );
}

async function allRecords(query = ""): Promise<any[]> {
  const records: any[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await signet.json("GET", `/v1/audit?limit=7${query ? `&${query}` : ""}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(page.status).toBe(200);
    records.push(...page.body.records);
    cursor = page.body.nextCursor;
  } while (cursor);
  return records;
}

function python(script: string, input: string): any {
  const run = Bun.spawnSync(["python3", "-c", script], { stdin: Buffer.from(input) });
  if (run.exitCode !== 0) throw new Error(run.stderr.toString());
  return JSON.parse(run.stdout.toString());
}

beforeAll(async () => {
  signet = await startSignet({ env: { SIGNET_AUDIT_CHECKPOINT_RECORDS: "5" } });
  expect((await signet.json("POST", "/v1/key", { label: "audit-p256", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" })).status).toBe(200);
  expect((await signet.json("POST", "/v1/key", { label: "audit-nosign", algorithm: "ED", attributes: { sign: false } })).status).toBe(200);
  for (let i = 0; i < 12; i++) {
    const payload = Buffer.from(`audited payload ${i}`);
    const requestId = `audit-sign-${i}`;
    expect((await sign("audit-p256", payload, requestId)).status).toBe(200);
    signed.push({ requestId, payload });
  }
  publicKey = (await signet.json("GET", "/v1/audit/publicKey")).body;
});

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

describe("what is recorded", () => {
  test("each signature: client, key, version, algorithm, SHA-256 of the payload, outcome; the address only as a keyed hash", async () => {
    const records = await allRecords("action=sign");
    for (const { requestId, payload } of signed) {
      const record = records.find((r) => r.requestId === requestId);
      expect(record).toMatchObject({
        action: "sign", objectType: "key", objectId: "audit-p256", outcome: "success", actor: expect.any(String),
        details: { algorithm: "SHA256_WITH_ECDSA", keyVersion: "v1", payloadSha256: createHash("sha256").update(payload).digest("hex") },
      });
      expect(record.clientAddress).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    }
    const hashed = await signet.json("POST", "/v1/audit/hash", { value: "127.0.0.1" });
    expect(hashed.status).toBe(200);
    expect(records[0].clientAddress).toBe(hashed.body.hash);
    // The server's own listening address (a setting in each start record) is the same here.
    const bundle = JSON.parse(await exportBundle(signet, "json"));
    for (const record of bundle.records) if (record.action === "service.start") expect(record.details.settings.host).toBe("127.0.0.1");
    const withoutListener = bundle.records.map((r: any) => (r.action === "service.start" ? { ...r, details: { ...r.details, settings: { ...r.details.settings, host: null } } } : r));
    expect(JSON.stringify({ ...bundle, records: withoutListener })).not.toContain("127.0.0.1");
  });

  test("refusals are recorded: an unknown key (failure) and a key without the sign attribute (denied)", async () => {
    expect((await sign("no-such-key", Buffer.from("x"), "audit-refused-1")).status).toBe(404);
    expect((await sign("audit-nosign", Buffer.from("x"), "audit-refused-2", "EDDSA")).status).toBe(403);
    const records = await allRecords("action=sign&outcome=failure");
    expect(records.find((r) => r.requestId === "audit-refused-1")).toMatchObject({
      objectId: "no-such-key", outcome: "failure", details: { errorCode: 650, reason: "res.error.key.not.existent" },
    });
    const denied = await allRecords("outcome=denied");
    expect(denied.find((r) => r.requestId === "audit-refused-2")).toMatchObject({
      action: "sign", objectId: "audit-nosign", details: { errorCode: 614, algorithm: "EDDSA", keyVersion: "v1" },
    });
  });

  test("verifications record their result; key creation, deletion, start and the bootstrap key are recorded", async () => {
    const payload = Buffer.from("verify me");
    const signature = (await sign("audit-p256", payload, "audit-before-verify")).body.signature;
    const checked = await signet.json("POST", "/v1/verify", {
      verifySignatureRequest: { signKeyName: "audit-p256", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: payload.toString("base64"), signature },
    }, { "x-request-id": "audit-verify-1" });
    expect(checked.body.signatureValid).toBe(true);
    expect((await signet.json("POST", "/v1/key", { label: "audit-gone", algorithm: "ED" })).status).toBe(200);
    expect((await signet.request("DELETE", "/v1/key/audit-gone")).status).toBe(200);
    const records = await allRecords();
    expect(records.find((r) => r.requestId === "audit-verify-1")).toMatchObject({ action: "verify", details: { signatureValid: true } });
    expect(records.filter((r) => r.objectId === "audit-gone").map((r) => r.action)).toEqual(["key.create", "key.delete"]);
    expect(records[0]).toMatchObject({ seq: 1, action: "service.start", actor: "system" });
    expect(records.some((r) => r.action === "credential.created" && r.actor === "system")).toBe(true);
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
  });

  test("the audit keys are the service's own: not listed, not usable, not deletable through the key API", async () => {
    expect((await signet.json("GET", "/v1/key")).body).not.toContain("_signet-audit-checkpoint");
    expect((await sign("_signet-audit-checkpoint", Buffer.from("forged"), "audit-steal", "EDDSA")).status).toBe(404);
    expect((await signet.request("DELETE", "/v1/key/_signet-audit-checkpoint")).status).toBe(404);
    expect((await signet.json("GET", "/v1/audit/checkpoint")).status).toBe(200);
  });
});

describe("commit times", () => {
  test("every record was committed, and each commit is counted once in a cumulative histogram", async () => {
    const before = (await signet.json("GET", "/v1/audit/commits")).body;
    for (let i = 0; i < 5; i++) expect((await sign("audit-p256", Buffer.from(`timed ${i}`), `audit-commit-${i}`)).status).toBe(200);
    const { status, body } = await signet.json("GET", "/v1/audit/commits");
    expect(status).toBe(200);
    expect(body.records - before.records).toBeGreaterThanOrEqual(5);
    expect(body.commits).toBeGreaterThan(before.commits);
    expect(body.records).toBeGreaterThanOrEqual(body.commits);
    const counts = body.atMostMs.map((bucket: { commits: number }) => bucket.commits);
    expect(counts).toEqual([...counts].sort((a: number, b: number) => a - b));
    expect(body.atMostMs.at(-1)).toEqual({ le: null, commits: body.commits });
    // The records the audit log holds were all counted (the start and the bootstrap key before any request).
    expect(body.records).toBe((await allRecords()).length);
  });
});

describe("checkpoints and proofs", () => {
  test("the checkpoint is a C2SP signed note whose Ed25519 signature Node's OpenSSL verifies with the published key", async () => {
    const { body } = await signet.json("GET", "/v1/audit/checkpoint");
    const [text, signatureLine] = body.note.split("\n\n");
    const lines = `${text}\n`.split("\n");
    expect(lines.slice(0, 3)).toEqual([publicKey.origin, String(body.treeSize), body.rootHash]);
    expect(signatureLine).toStartWith(`\u2014 ${publicKey.origin} `);
    const blob = Buffer.from(signatureLine.split(" ")[2], "base64");
    const raw = Buffer.from(publicKey.publicKey, "base64").subarray(12);
    const keyId = createHash("sha256").update(`${publicKey.origin}\n`).update(Buffer.from([1])).update(raw).digest().subarray(0, 4);
    expect(blob.subarray(0, 4)).toEqual(keyId);
    const [valid, forged] = await verifyWithNode([
      { spki: publicKey.publicKey, message: Buffer.from(`${text}\n`), signature: blob.subarray(4), hash: null },
      { spki: publicKey.publicKey, message: Buffer.from(`${text.replace(/\n\d+\n/, "\n1\n")}\n`), signature: blob.subarray(4), hash: null },
    ]);
    expect([valid, forged]).toEqual([true, false]);
    expect(publicKey.verifierKey).toBe(`${publicKey.origin}+${keyId.toString("hex")}+${Buffer.concat([Buffer.from([1]), raw]).toString("base64")}`);
    // Checkpoints were written every 5 records (SIGNET_AUDIT_CHECKPOINT_RECORDS).
    const db = new Database(join(signet.dataDir, "signet.db"), { readonly: true });
    const sizes = db.query("SELECT tree_size FROM audit_checkpoints ORDER BY id").all() as { tree_size: number }[];
    db.close();
    expect(sizes.length).toBeGreaterThanOrEqual(4);
  });

  test("a complete JSON export: the signature, the root, every inclusion proof and the chain check out in a second implementation", async () => {
    const bundle = await exportBundle(signet, "json");
    const report = await checkAuditBundleWithNode(publicKey.publicKey, bundle);
    expect(report).toMatchObject({ noteWellFormed: true, keyIdMatches: true, signatureValid: true, proofsMatch: true, chainValid: true });
    expect(report.recomputedRoot).toBe(report.rootHash);
    expect(report.treeSize).toBe(JSON.parse(bundle).records.length);
  });

  test("inclusion and consistency proofs from the routes recompute to the signed roots", async () => {
    const checkpoint = (await signet.json("GET", "/v1/audit/checkpoint")).body;
    const proof = (await signet.json("GET", "/v1/audit/proof/3")).body;
    expect(proof.checkpoint).toBeString();
    const root = (leaf: Buffer, index: number, size: number, hashes: string[]) => {
      // RFC 9162 §2.1.3.2, written out here for the test.
      let fn = index, sn = size - 1, r = leaf;
      for (const p of hashes.map((h) => Buffer.from(h, "base64"))) {
        if (fn % 2 === 1 || fn === sn) {
          r = createHash("sha256").update(Buffer.from([1])).update(p).update(r).digest();
          while (fn % 2 === 0 && fn !== 0) { fn >>= 1; sn >>= 1; }
        } else r = createHash("sha256").update(Buffer.from([1])).update(r).update(p).digest();
        fn >>= 1; sn >>= 1;
      }
      return r.toString("base64");
    };
    const signedSize = Number(proof.checkpoint.split("\n")[1]);
    expect(root(Buffer.from(proof.leafHash, "base64"), 2, signedSize, proof.hashes)).toBe(proof.checkpoint.split("\n")[2]);
    const consistency = (await signet.json("GET", `/v1/audit/consistency?from=4&to=${checkpoint.treeSize}`)).body;
    expect(consistency.toRoot).toBe(checkpoint.rootHash);
    expect(consistency.hashes.length).toBeGreaterThan(0);
  });
});

describe("exports", () => {
  const PY_CSV = "import csv,sys,json; rows=list(csv.DictReader(sys.stdin)); print(json.dumps(rows))";
  const PY_XML =
    "import sys,json,xml.etree.ElementTree as ET; r=ET.fromstring(sys.stdin.buffer.read()); " +
    "print(json.dumps({'checkpoint': r.find('checkpoint').text, 'records': [dict([('seq', e.get('seq'))] + [(c.tag, c.text) for c in e if c.tag != 'inclusionProof'] + [('proof', [h.text for h in e.find('inclusionProof')])]) for e in r.find('records')]}))";

  test("JSON, CSV and XML parse with standard parsers, carry every filtered record, and verify (API and offline CLI)", async () => {
    const expected = (await allRecords("action=sign&outcome=success")).map((r) => r.seq);
    const query = "action=sign&outcome=success";
    const json = JSON.parse(await exportBundle(signet, "json", query));
    expect(json.complete).toBe(false);
    expect(json.records.map((r: any) => r.seq)).toEqual(expected);
    const csvText = await exportBundle(signet, "csv", query);
    const rows = python(PY_CSV, csvText);
    expect(rows.filter((r: any) => r.kind === "record").map((r: any) => Number(r.seq))).toEqual(expected);
    expect(rows.find((r: any) => r.kind === "checkpoint").details).toContain("\u2014 ");
    const xmlText = await exportBundle(signet, "xml", query);
    const xml = python(PY_XML, xmlText);
    expect(xml.records.map((r: any) => Number(r.seq))).toEqual(expected);
    expect(xml.records.every((r: any) => r.action === "sign" && r.proof.length > 0)).toBe(true);
    for (const [format, text] of [["json", JSON.stringify(json)], ["csv", csvText], ["xml", xmlText]] as const) {
      const viaApi = await signet.json("POST", "/v1/audit/verify", text, { "content-type": format === "json" ? "application/json" : `text/${format}` });
      expect({ format, ...viaApi.body }).toMatchObject({ format, valid: true, records: expected.length, complete: false });
      const offline = await verifyWithCli(text, format === "xml" ? publicKey.pem : publicKey.verifierKey);
      expect({ format, code: offline.code, valid: offline.result?.valid }).toEqual({ format, code: 0, valid: true });
    }
  });

  test("a changed field in an exported bundle is named; a forged checkpoint is refused", async () => {
    const bundle = JSON.parse(await exportBundle(signet, "json"));
    bundle.records[5].details.payloadSha256 = "00".repeat(32);
    const changed = await signet.json("POST", "/v1/audit/verify", JSON.stringify(bundle));
    expect(changed.body).toMatchObject({ valid: false, firstBadSeq: bundle.records[5].seq });
    const offline = await verifyWithCli(JSON.stringify(bundle), publicKey.verifierKey);
    expect(offline.code).toBe(1);
    expect(offline.result.firstBadSeq).toBe(bundle.records[5].seq);
    bundle.checkpoint = bundle.checkpoint.replace(/\n(\d+)\n/, (_: string, n: string) => `\n${Number(n) + 1}\n`);
    const forged = await signet.json("POST", "/v1/audit/verify", JSON.stringify(bundle));
    expect(forged.body).toMatchObject({ valid: false, treeSize: null });
  });
});

describe("queries and bad input", () => {
  test("filters and cursor pagination", async () => {
    const all = await allRecords();
    const bySign = await allRecords("action=sign&object=audit-p256");
    expect(bySign.map((r) => r.seq)).toEqual(all.filter((r) => r.action === "sign" && r.objectId === "audit-p256").map((r) => r.seq));
    const from = all[4].time;
    const to = all[9].time;
    const window = await allRecords(`from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(window.map((r) => r.seq)).toEqual(all.filter((r) => r.time >= from && r.time < to).map((r) => r.seq));
    const one = await signet.json("GET", `/v1/audit/${all[2].seq}`);
    expect(one.body).toEqual(all[2]);
  });

  test("bad parameters answer the error body and change nothing", async () => {
    const before = (await allRecords()).length;
    const cases: [string, string, unknown, number, number][] = [
      ["GET", "/v1/audit?cursor=abc", undefined, 400, 600],
      ["GET", "/v1/audit?from=yesterday", undefined, 400, 600],
      ["GET", "/v1/audit?limit=5000", undefined, 400, 600],
      ["GET", "/v1/audit/0", undefined, 400, 600],
      ["GET", "/v1/audit/999999", undefined, 404, 622],
      ["GET", "/v1/audit/proof/999999", undefined, 404, 622],
      ["GET", "/v1/audit/consistency?from=999999", undefined, 400, 600],
      ["GET", "/v1/audit/export?format=pdf", undefined, 400, 600],
      ["POST", "/v1/audit/verify", "not a bundle", 400, 688],
      ["POST", "/v1/audit/verify", '{"format":"signet-audit-bundle/1","checkpoint":"x","records":[{"seq":"one"}]}', 400, 688],
    ];
    for (const [method, path, body, status, errorCode] of cases) {
      const answer = await signet.json(method, path, body);
      expect({ path, status: answer.status, errorCode: answer.body?.errorCode, shape: Object.keys(answer.body ?? {}).sort() }).toEqual({
        path, status, errorCode, shape: ["errorCode", "message", "reason"],
      });
    }
    expect((await allRecords()).length).toBe(before);
  });

  test("the audit routes need the auditor role", async () => {
    const cli = Bun.spawnSync([process.execPath, "src/cli.ts", "apikey", "create", "--name", "no-auditor", "--roles", "keyOperation"], {
      cwd: join(import.meta.dir, "../.."),
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", SIGNET_DATA_DIR: signet.dataDir },
    });
    expect(cli.exitCode).toBe(0);
    const key = cli.stdout.toString().trim();
    const answer = await signet.json("GET", "/v1/audit", undefined, { "x-api-key": key });
    expect([answer.status, answer.body.errorCode]).toEqual([403, 400]);
    // The CLI's key creation went into the same log, numbered after the server's records.
    const records = await allRecords("action=credential.created");
    expect(records[records.length - 1]).toMatchObject({ actor: "cli", outcome: "success" });
  });

  test("the tables refuse UPDATE and DELETE, and a record out of order", () => {
    const db = new Database(join(signet.dataDir, "signet.db"));
    // The server may be writing at this moment: wait for its lock rather than fail on it.
    db.exec("PRAGMA busy_timeout = 5000");
    try {
      expect(() => db.run("UPDATE audit_records SET actor = 'x' WHERE seq = 1")).toThrow(/append-only/);
      expect(() => db.run("DELETE FROM audit_records WHERE seq = 1")).toThrow(/append-only/);
      expect(() => db.run("DELETE FROM audit_tree")).toThrow(/append-only/);
      expect(() => db.run("UPDATE audit_checkpoints SET tree_size = 1")).toThrow(/append-only/);
      expect(() =>
        db.run("INSERT INTO audit_records (seq, time, actor, action, outcome, details, prev_hash) VALUES (1, 't', 'a', 'b', 'success', '{}', 'x')"),
      ).toThrow(/after the last/);
    } finally {
      db.close();
    }
  });
});
