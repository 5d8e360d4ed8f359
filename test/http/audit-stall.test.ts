/**
 * An audit disk that stops answering, or goes away: a commit whose fsync never returns, or a
 * writer thread that died and whose successors cannot open the log, would hold every audited
 * answer for as long. With SIGNET_AUDIT_COMMIT_TIMEOUT_MS (1 s here) the requests whose
 * records wait fail with 503 / 720 once they have waited that long, later ones fail at once,
 * /health says so, and no signature leaves unrecorded. When the disk answers again, signing
 * goes on and the log verifies; a stalled batch's records are committed then (the log may say
 * more than was answered, never less). The faults are injected in the writer thread itself:
 * `stallAuditWriter` blocks it before its next commit, as in a stuck fsync; `crashAuditWriter`
 * kills it and makes new threads fail to open the log.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { exportBundle, storedCheckpoints, verifyWithCli } from "../support/audit";
import { removeDir, startSignet, type RunningSignet } from "../support/server";
import { checkAuditBundleWithNode, signingCase, verifyWithNode } from "../support/verifier";

setDefaultTimeout(60_000);

const ENV = { SIGNET_DEBUG_FAULTS: "1", SIGNET_AUDIT_COMMIT_TIMEOUT_MS: "1000" };
let signet: RunningSignet;
let spki: string;
const b64 = (text: string) => Buffer.from(text).toString("base64");
const signRequest = (payload: string) => ({ signRequest: { payload: b64(payload), signKeyName: "p256", signatureAlgorithm: "SHA256_WITH_ECDSA" } });

beforeAll(async () => {
  signet = await startSignet({ env: ENV });
  const created = await signet.json("POST", "/v1/key", { label: "p256", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" });
  expect(created.status).toBe(200);
  spki = created.body.json.publicKey;
});

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

async function signed(payload: string, requestId: string): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  const response = await signet.json("POST", "/v1/synchronousSign", signRequest(payload), { "x-request-id": requestId });
  return { status: response.status, body: response.body, ms: performance.now() - started };
}

async function signsAndVerifies(payload: string, requestId: string): Promise<void> {
  const answer = await signed(payload, requestId);
  expect(answer.status).toBe(200);
  const { job } = signingCase("SHA256_WITH_ECDSA", new TextEncoder().encode(payload), spki);
  expect(await verifyWithNode([job(Buffer.from(answer.body.signature, "base64"))])).toEqual([true]);
}

async function health(): Promise<{ status: number; body: any }> {
  const response = await fetch(`${signet.url}/health`);
  return { status: response.status, body: await response.json() };
}

async function loggedRequestIds(): Promise<Set<string>> {
  const bundle = JSON.parse(await exportBundle(signet, "json"));
  return new Set(bundle.records.map((record: { requestId: string }) => record.requestId));
}

const STALLED = { errorCode: 720, reason: "res.error.audit.unavailable", message: expect.stringContaining("not answering") };
const GONE = { errorCode: 720, reason: "res.error.audit.unavailable", message: expect.stringContaining("cannot be written") };

/**
 * While the log cannot be written: the request whose record waits fails with `refused` (after
 * the 1 s timeout at most, noticed within a quarter more), the next one at once, and /health
 * says so. Request ids `${name}-first` and `${name}-later`; answers the first one's time.
 */
async function failsWhileDown(name: string, refused: object): Promise<number> {
  const first = await signed(`${name}: its record waits`, `${name}-first`);
  expect({ status: first.status, body: first.body }).toEqual({ status: 503, body: refused });
  expect(first.ms).toBeLessThan(3_000);
  const later = await signed(`${name}: refused at once`, `${name}-later`);
  expect({ status: later.status, body: later.body }).toEqual({ status: 503, body: refused });
  expect(later.ms).toBeLessThan(300);
  const down = await health();
  expect(down.status).toBe(503);
  expect(down.body).toMatchObject({ status: "unavailable", audit: { writing: false }, workers: { ready: 2 } });
  return first.ms;
}

/** Once the fault has ended: /health says the log is written again, and a signature (`${name}-after`) goes through and verifies. */
async function writtenAgain(name: string): Promise<void> {
  for (let i = 0; i < 150 && (await health()).status !== 200; i++) await Bun.sleep(20);
  expect((await health()).body.audit).toEqual({ writing: true });
  await signsAndVerifies(`${name}: after`, `${name}-after`);
  expect(signet.output()).toContain("the audit log is written again");
}

const recover = () => signet.json("POST", "/v1/debug/faults", { fault: "recoverAuditWriter" });

/** Kills the writer thread for good (crashAuditWriter); returns once the server has seen it die and a new thread fail to open the log. */
async function crashWriter(): Promise<void> {
  const from = signet.output().length;
  expect((await signet.json("POST", "/v1/debug/faults", { fault: "crashAuditWriter" })).status).toBe(200);
  for (let i = 0; i < 100 && !signet.output().slice(from).includes("the audit log cannot be opened"); i++) await Bun.sleep(10);
  expect(signet.output().slice(from)).toContain("the audit writer thread stopped; starting a new one");
}

test("a commit that does not return: its requests fail after the commit timeout, later ones at once, and /health says so", async () => {
  await signsAndVerifies("before the stall", "before-stall");
  expect((await health()).body.audit).toEqual({ writing: true });

  expect((await signet.json("POST", "/v1/debug/faults", { fault: "stallAuditWriter" })).status).toBe(200);
  try {
    // The commit held the first request's record for the whole timeout.
    expect(await failsWhileDown("stalled", STALLED)).toBeGreaterThan(900);
    const batch = await signet.json("POST", "/v1/batchSign", {
      requests: [0, 1].map((i) => ({ reference: `item-${i}`, signKeyName: "p256", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: b64(`batch ${i}`) })),
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results).toEqual([0, 1].map((i) => ({ reference: `item-${i}`, ...STALLED })));
  } finally {
    await recover();
  }
  await writtenAgain("stalled");
  expect(signet.output()).toContain("an audit commit has not returned for 1000 ms");

  // The stalled batch was committed when the disk answered; what was refused at once never reached the log.
  const logged = await loggedRequestIds();
  expect([logged.has("stalled-first"), logged.has("stalled-later"), logged.has("stalled-after")]).toEqual([true, false, true]);
});

test("a writer thread that dies and cannot be replaced: requests fail after the timeout, then at once, until a new thread opens the log", async () => {
  await signsAndVerifies("before the crash", "before-crash");
  await crashWriter();
  try {
    await failsWhileDown("missing", GONE);
  } finally {
    await recover();
  }
  // A new thread is tried every second; the first after recovery opens the log.
  await writtenAgain("missing");
  expect(signet.output()).toContain("no audit writer thread could open the log for 1000 ms");
  const logged = await loggedRequestIds();
  expect([logged.has("missing-first"), logged.has("missing-later"), logged.has("missing-after")]).toEqual([false, false, true]);
});

test("a checkpoint signed while no writer thread runs is stored by the next thread, once", async () => {
  await signsAndVerifies("before the checkpoint", "before-checkpoint");
  const latest = (await signet.json("GET", "/v1/audit/checkpoint")).body;
  await crashWriter();
  let note: string;
  try {
    // Once the log has been unwritable for the commit timeout, /health says so, and says it is
    // written again only when a new thread has opened it (writtenAgain below).
    for (let i = 0; i < 150 && (await health()).status !== 503; i++) await Bun.sleep(20);
    expect((await health()).status).toBe(503);
    // A proof of a record beyond the latest checkpoint is answered with a new one, signed now.
    const proof = await signet.json("GET", `/v1/audit/proof/${latest.treeSize + 1}`);
    expect(proof.status).toBe(200);
    expect(proof.body.treeSize).toBeGreaterThan(latest.treeSize);
    note = proof.body.checkpoint;
    expect(storedCheckpoints(signet.dataDir, note)).toBe(0);
  } finally {
    await recover();
  }
  await writtenAgain("checkpoint");
  for (let i = 0; i < 100 && storedCheckpoints(signet.dataDir, note) === 0; i++) await Bun.sleep(20);
  expect(storedCheckpoints(signet.dataDir, note)).toBe(1);
});

test("a stop during a stall ends within its bounds, and the log verifies after a restart", async () => {
  expect((await signet.json("POST", "/v1/debug/faults", { fault: "stallAuditWriter" })).status).toBe(200);
  expect((await signed("held at the stop", "stalled-at-stop")).status).toBe(503);
  const stopping = performance.now();
  expect(await signet.stop()).toBe(0);
  expect(performance.now() - stopping).toBeLessThan(10_000);

  signet = await startSignet({ dataDir: signet.dataDir, apiKey: signet.apiKey, env: ENV });
  await signsAndVerifies("after the restart", "after-restart");
  const bundle = await exportBundle(signet, "json");
  const key = (await signet.json("GET", "/v1/audit/publicKey")).body;
  expect((await verifyWithCli(bundle, key.verifierKey)).result.valid).toBe(true);
  const report = await checkAuditBundleWithNode(key.publicKey, bundle);
  expect(report).toMatchObject({ signatureValid: true, proofsMatch: true, chainValid: true });
  expect(signet.output()).not.toContain("audit log integrity");
});
