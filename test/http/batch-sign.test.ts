/**
 * POST /v1/batchSign through the real server: every signature of a batch verified by Node's
 * OpenSSL, results in request order with their references, bad items failing alone, and the
 * configured limits refusing the whole request.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { removeDir, startSignet, type RunningSignet } from "../support/server";
import { signingCase, verifyWithNode, type VerifyJob } from "../support/verifier";

// Each test starts a real server (some several); under load that takes longer than bun's 5 s default.
setDefaultTimeout(60_000);

let signet: RunningSignet;
const spki = new Map<string, string>();
const b64 = (s: string | Uint8Array) => Buffer.from(s).toString("base64");
const batch = (requests: unknown) => signet.json("POST", "/v1/batchSign", { requests });

beforeAll(async () => {
  // A single payload is at most 1 KiB here, so a batch body may be longer than any other request's.
  // At most 8 items in flight: concurrent batches wait their turn, and larger ones go alone.
  signet = await startSignet({ env: { SIGNET_MAX_PAYLOAD_BYTES: "1024", SIGNET_BATCH_MAX_ITEMS: "200", SIGNET_BATCH_MAX_BYTES: "16384", SIGNET_BATCH_MAX_IN_FLIGHT: "8" } });
  for (const key of [
    { label: "ec", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" },
    { label: "k1", algorithm: "EC", curveOid: "1.3.132.0.10" },
    { label: "rsa", algorithm: "RSA", keySize: 2048 },
    { label: "ed", algorithm: "ED" },
    { label: "no-sign", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7", attributes: { sign: false, derive: true } },
    { label: "blocked", algorithm: "ED" },
  ]) {
    const created = await signet.json("POST", "/v1/key", key);
    expect(created.status).toBe(200);
    spki.set(key.label, created.body.json.publicKey);
  }
  await signet.json("POST", "/v1/synchronousBlock", { blockRequest: { blockKeyName: "blocked" } });
}, 60_000);

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

const ALGORITHMS: [string, string, boolean][] = [
  ["ec", "SHA256_WITH_ECDSA", false],
  ["ec", "SHA384_WITH_ECDSA", true],
  ["k1", "SHA256_WITH_ECDSA", false],
  ["rsa", "SHA256_WITH_RSA", false],
  ["rsa", "SHA512_WITH_RSA_PSS", false],
  ["rsa", "NONESHA256_WITH_RSA", false],
  ["ed", "EDDSA", false],
];

describe("batchSign", () => {
  test("every signature of a batch verifies with Node, in request order with its reference", async () => {
    const requests: Record<string, unknown>[] = [];
    const jobs: ((signature: Uint8Array) => VerifyJob)[] = [];
    for (let i = 0; i < 70; i++) {
      const [label, algorithm, raw] = ALGORITHMS[i % ALGORITHMS.length]!;
      const testCase = signingCase(algorithm, Buffer.from(`item ${i}`), spki.get(label)!, raw);
      requests.push({ reference: `ref-${i}`, signKeyName: label, signatureAlgorithm: algorithm, payload: b64(testCase.payload), ...(raw ? { signatureType: "RAW" } : {}) });
      jobs.push(testCase.job);
    }
    const { status, body } = await batch(requests);
    expect(status).toBe(200);
    expect(body.results.length).toBe(70);
    expect(body.results.map((r: { reference: string }) => r.reference)).toEqual(requests.map((r) => r.reference));
    for (const result of body.results) expect(result).toEqual({ reference: result.reference, signature: expect.any(String), keyVersion: "v1" });
    const valid = await verifyWithNode(body.results.map((r: { signature: string }, i: number) => jobs[i]!(Buffer.from(r.signature, "base64"))));
    expect(valid.every(Boolean)).toBe(true);
    // Each item signed its own payload: swapping two signatures makes both fail.
    const swapped = await verifyWithNode([jobs[0]!(Buffer.from(body.results[7].signature, "base64")), jobs[7]!(Buffer.from(body.results[0].signature, "base64"))]);
    expect(swapped).toEqual([false, false]);
  });

  test("bad items fail alone with their codes; the good ones are signed", async () => {
    const good = (reference: string) => ({ reference, signKeyName: "ec", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: b64(reference) });
    const requests = [
      good("first"),
      { reference: "unknown key", signKeyName: "ghost", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: b64("x") },
      { reference: "bad base64", signKeyName: "ec", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: "%%%" },
      { reference: "wrong algorithm", signKeyName: "ec", signatureAlgorithm: "SHA256_WITH_RSA", payload: b64("x") },
      { reference: "unknown algorithm", signKeyName: "ec", signatureAlgorithm: "MD5_WITH_RSA", payload: b64("x") },
      { reference: "payload not a string", signKeyName: "ec", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: 42 },
      5,
      { reference: "digest too short", signKeyName: "rsa", signatureAlgorithm: "NONESHA256_WITH_RSA", payload: b64("short") },
      { reference: "no sign attribute", signKeyName: "no-sign", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: b64("x") },
      { reference: "blocked", signKeyName: "blocked", signatureAlgorithm: "EDDSA", payload: b64("x") },
      { reference: "empty payload", signKeyName: "ec", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: "" },
      { signKeyName: "ed", signatureAlgorithm: "EDDSA", payload: b64("no reference") },
      good("last"),
    ];
    const { status, body } = await batch(requests);
    expect(status).toBe(200);
    const summary = body.results.map((r: any) => [r.reference, r.errorCode ?? "signed"]);
    expect(summary).toEqual([
      ["first", "signed"],
      ["unknown key", 650],
      ["bad base64", 612],
      ["wrong algorithm", 607],
      ["unknown algorithm", 600],
      ["payload not a string", 600],
      [null, 600],
      ["digest too short", 612],
      ["no sign attribute", 614],
      ["blocked", 660],
      ["empty payload", 612],
      [null, "signed"],
      ["last", "signed"],
    ]);
    for (const failed of body.results.filter((r: any) => r.errorCode)) {
      expect(failed).toEqual({ reference: failed.reference, errorCode: failed.errorCode, reason: expect.stringMatching(/^res\.error\./), message: expect.any(String) });
    }
    const jobs = [0, 12].map((i) => signingCase("SHA256_WITH_ECDSA", Buffer.from(requests[i] === requests[0] ? "first" : "last"), spki.get("ec")!).job(Buffer.from(body.results[i].signature, "base64")));
    const edJob = signingCase("EDDSA", Buffer.from("no reference"), spki.get("ed")!).job(Buffer.from(body.results[11].signature, "base64"));
    expect(await verifyWithNode([...jobs, edJob])).toEqual([true, true, true]);
  });

  test("the audit log holds one record per key and algorithm, listing every signature; a refused item has its own", async () => {
    const requestId = "batch-audit-1";
    const item = (label: string, algorithm: string, text: string) => ({ signKeyName: label, signatureAlgorithm: algorithm, payload: b64(text) });
    const requests = [
      item("ec", "SHA256_WITH_ECDSA", "a"),
      item("ed", "EDDSA", "b"),
      item("ec", "SHA256_WITH_ECDSA", "c"),
      item("ec", "SHA256_WITH_RSA", "refused"),
      item("ec", "SHA384_WITH_ECDSA", "d"),
      item("ec", "SHA256_WITH_ECDSA", "e"),
    ];
    const answer = await signet.json("POST", "/v1/batchSign", { requests }, { "x-request-id": requestId });
    expect(answer.body.results.map((r: any) => r.errorCode ?? "signed")).toEqual(["signed", "signed", "signed", 607, "signed", "signed"]);
    const ofRequest = async (action: string) =>
      ((await signet.json("GET", `/v1/audit?limit=1000&action=${action}`)).body.records as any[]).filter((r) => r.requestId === requestId);
    const digest = (text: string) => createHash("sha256").update(text).digest("hex");
    const recorded = (await ofRequest("batchSign")).map((r) => ({ objectType: r.objectType, objectId: r.objectId, outcome: r.outcome, details: r.details }));
    const expected = (label: string, algorithm: string, signed: [number, string][]) => ({
      objectType: "key",
      objectId: label,
      outcome: "success",
      details: { algorithm, keyVersion: "v1", count: signed.length, signatures: signed.map(([index, text]) => [index, digest(text)]) },
    });
    expect(recorded).toHaveLength(3);
    expect(recorded).toEqual(expect.arrayContaining([
      expected("ec", "SHA256_WITH_ECDSA", [[0, "a"], [2, "c"], [5, "e"]]),
      expected("ed", "EDDSA", [[1, "b"]]),
      expected("ec", "SHA384_WITH_ECDSA", [[4, "d"]]),
    ]));
    const refusals = await ofRequest("sign");
    expect(refusals.map((r) => ({ objectId: r.objectId, outcome: r.outcome, algorithm: r.details.algorithm, payloadSha256: r.details.payloadSha256 })))
      .toEqual([{ objectId: "ec", outcome: "failure", algorithm: "SHA256_WITH_RSA", payloadSha256: digest("refused") }]);
  });

  test("a batch body longer than any single request may be is taken when the batch is within its limits", async () => {
    const requests = Array.from({ length: 200 }, (_, i) => ({ reference: `${i}`.padStart(256, "r"), ...item(b64(Buffer.alloc(80, i))) }));
    const body = JSON.stringify({ requests });
    expect(body.length).toBeGreaterThan(Math.ceil((1024 * 4) / 3) + 64 * 1024);
    const { status, body: answer } = await signet.json("POST", "/v1/batchSign", body);
    expect(status).toBe(200);
    expect(answer.results.filter((r: { signature?: string }) => r.signature).length).toBe(200);
    // The same length elsewhere is refused before it is read.
    const single = await signet.json("POST", "/v1/synchronousSign", { signRequest: { ...item(b64("x")), padding: "p".repeat(body.length) } });
    expect({ status: single.status, errorCode: single.body.errorCode }).toEqual({ status: 413, errorCode: 680 });
  });

  test("concurrent batches beyond the items-in-flight bound wait their turn and are all signed", async () => {
    const calls = Array.from({ length: 20 }, (_, call) => {
      const payloads = Array.from({ length: 6 }, (_, i) => Buffer.from(`call ${call} item ${i}`));
      return { payloads, answer: batch(payloads.map((p, i) => ({ reference: `${call}-${i}`, ...item(b64(p)) }))) };
    });
    const jobs: VerifyJob[] = [];
    for (const { payloads, answer } of calls) {
      const { status, body } = await answer;
      expect(status).toBe(200);
      body.results.forEach((result: { signature: string }, i: number) =>
        jobs.push(signingCase("SHA256_WITH_ECDSA", payloads[i]!, spki.get("ec")!).job(Buffer.from(result.signature, "base64"))),
      );
    }
    expect(jobs.length).toBe(120);
    expect((await verifyWithNode(jobs)).every(Boolean)).toBe(true);
  });

  test("after a rotation the batch signs with the new version", async () => {
    const rotated = await signet.json("POST", "/v1/key/ed/rotate");
    const { body } = await batch([{ signKeyName: "ed", signatureAlgorithm: "EDDSA", payload: b64("v2") }]);
    expect(body.results[0].keyVersion).toBe("v2");
    const job = signingCase("EDDSA", Buffer.from("v2"), rotated.body.json.publicKey).job(Buffer.from(body.results[0].signature, "base64"));
    expect(await verifyWithNode([job])).toEqual([true]);
  });

  const item = (payload: string) => ({ signKeyName: "ec", signatureAlgorithm: "SHA256_WITH_ECDSA", payload });
  for (const [name, body, status, errorCode] of [
    ["more items than allowed", { requests: Array.from({ length: 201 }, () => item(b64("x"))) }, 413, 680],
    ["more payload bytes than allowed", { requests: Array.from({ length: 5 }, () => item(b64(Buffer.alloc(4000)))) }, 413, 680],
    ["no items", { requests: [] }, 400, 600],
    ["requests missing", {}, 400, 600],
    ["requests a string", { requests: "sign it" }, 400, 600],
    ["requests an object", { requests: { signKeyName: "ec" } }, 400, 600],
  ] as const) {
    test(`${name}: ${status} ${errorCode}`, async () => {
      const response = await signet.json("POST", "/v1/batchSign", body);
      expect({ status: response.status, errorCode: response.body.errorCode }).toEqual({ status, errorCode });
    });
  }
});
