/**
 * The pool under faults: a Worker killed, crashed or hung while it holds requests; every
 * PKCS#11 session closed under the Workers; a full queue. Requests fail fast with a clear
 * error instead of hanging, and the service carries on.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { removeDir, startSignet, type RunningSignet } from "../support/server";
import { signingCase, verifyWithNode } from "../support/verifier";

let signet: RunningSignet;
let spki: string;
const body = { signRequest: { payload: Buffer.from("fault").toString("base64"), signKeyName: "slow", signatureAlgorithm: "SHA256_WITH_RSA" } };

beforeAll(async () => {
  signet = await startSignet({ env: { SIGNET_DEBUG_FAULTS: "1", SIGNET_OP_TIMEOUT_MS: "1000", SIGNET_MAX_BATCH: "8" } });
  const created = await signet.json("POST", "/v1/key", { label: "slow", algorithm: "RSA", keySize: 4096 });
  expect(created.status).toBe(200);
  spki = created.body.json.publicKey;
});

afterAll(async () => {
  await signet?.stop();
  removeDir(signet?.dataDir);
});

interface Outcome {
  status: number;
  errorCode?: number;
  at: number;
}

async function burst(count: number): Promise<Promise<Outcome>[]> {
  return Array.from({ length: count }, async () => {
    const response = await signet.request("POST", "/v1/synchronousSign", body);
    const json = (await response.json()) as { errorCode?: number };
    return { status: response.status, errorCode: json.errorCode, at: performance.now() };
  });
}

async function waitForWorkers(ready: number): Promise<any> {
  for (let i = 0; i < 100; i++) {
    const health = await (await fetch(`${signet.url}/health`)).json();
    if (health.workers.ready === ready) return health;
    await Bun.sleep(50);
  }
  throw new Error("workers did not come back");
}

/** The server's Bun Worker threads (signing Workers and the audit writer), from /proc. */
function workerThreads(): number {
  const pid = signet.process.pid;
  return readdirSync(`/proc/${pid}/task`).filter((tid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim() === "Worker";
    } catch {
      return false; // the thread ended meanwhile
    }
  }).length;
}

async function signsAndVerifies(): Promise<void> {
  const response = await signet.json("POST", "/v1/synchronousSign", body);
  expect(response.status).toBe(200);
  const testCase = signingCase("SHA256_WITH_RSA", Buffer.from("fault"), spki);
  expect(await verifyWithNode([testCase.job(Buffer.from(response.body.signature, "base64"))])).toEqual([true]);
}

describe.each([
  ["killWorker", 503, 710],
  ["crashWorker", 503, 710],
  ["hangWorker", 504, 712],
] as const)("%s while requests are in flight", (fault, status, errorCode) => {
  test(`the requests it held answer ${status} ${errorCode} at once (a hang: when its batch times out); later requests succeed; the lost Worker's thread ends`, async () => {
    const threads = workerThreads();
    const pending = await burst(200);
    await Bun.sleep(150);
    const injectedAt = performance.now();
    const injected = await signet.json("POST", "/v1/debug/faults", { fault, worker: 0 });
    expect(injected.status).toBe(200);
    const outcomes = await Promise.all(pending);
    const failed = outcomes.filter((o) => o.status !== 200);
    expect(failed.length).toBeGreaterThan(0);
    for (const outcome of failed) {
      expect({ status: outcome.status, errorCode: outcome.errorCode }).toEqual({ status, errorCode });
    }
    // A hung Worker is only noticed when its batch times out (SIGNET_OP_TIMEOUT_MS=1000 here).
    const allowance = fault === "hangWorker" ? 2000 : 1000;
    expect(Math.max(...failed.map((o) => o.at)) - injectedAt).toBeLessThan(allowance);
    expect(outcomes.filter((o) => o.status === 200).length).toBeGreaterThan(0);
    const health = await waitForWorkers(2);
    expect(health.workers.restarts).toBeGreaterThan(0);
    await signsAndVerifies();
    // A hung Worker is not terminated (that crashed Bun inside a token call, pool.ts): it ends
    // itself once its call returns. The injected hang (60 s) returns when the pool gives up on it.
    for (let i = 0; i < 60 && workerThreads() !== threads; i++) await Bun.sleep(50);
    expect(workerThreads()).toBe(threads);
  });
});

test("a token that stops answering: at most twice the Workers' threads wait on it, then requests fail at once (504 712); once it answers, the Workers come back", async () => {
  const threads = workerThreads(); // the two signing Workers and the audit writer
  expect((await signet.json("POST", "/v1/debug/faults", { fault: "stallToken" })).status).toBe(200);
  let refusedAtOnce = false;
  try {
    // Each round's requests wait for their batch to time out (1 s here), and each timeout
    // replaces a Worker, until twice the Workers' threads are stuck; then no slot gets one.
    for (let round = 0; round < 8 && !refusedAtOnce; round++) {
      const sent = performance.now();
      const outcomes = await Promise.all(await burst(4));
      for (const outcome of outcomes) expect({ status: outcome.status, errorCode: outcome.errorCode }).toEqual({ status: 504, errorCode: 712 });
      refusedAtOnce = Math.max(...outcomes.map((o) => o.at)) - sent < 300;
    }
    expect(refusedAtOnce).toBe(true);
    expect(workerThreads()).toBe(threads + 2);
    expect((await (await fetch(`${signet.url}/health`)).json()).workers.ready).toBe(0);
  } finally {
    await signet.json("POST", "/v1/debug/faults", { fault: "recoverToken" });
  }
  await waitForWorkers(2);
  await signsAndVerifies();
  // The stuck threads end themselves once their "call" returns.
  for (let i = 0; i < 60 && workerThreads() !== threads; i++) await Bun.sleep(50);
  expect(workerThreads()).toBe(threads);
});

test("after every PKCS#11 session is closed (and the login lost), the Workers recover", async () => {
  await signsAndVerifies();
  const injected = await signet.json("POST", "/v1/debug/faults", { fault: "closeAllSessions" });
  expect(injected.status).toBe(200);
  const outcomes = await Promise.all(await burst(20));
  expect(outcomes.map((o) => o.status)).toEqual(Array(20).fill(200));
  await signsAndVerifies();
  expect((await (await fetch(`${signet.url}/health`)).json()).token.present).toBe(true);
});

test("fault injection does not exist unless enabled", async () => {
  const plain = await startSignet();
  try {
    const response = await plain.json("POST", "/v1/debug/faults", { fault: "killWorker", worker: 0 });
    expect(response.status).toBe(404);
  } finally {
    await plain.stop();
    removeDir(plain.dataDir);
  }
});

test("a full queue answers 503 with errorCode 711 and Retry-After, and never grows past its bound", async () => {
  const small = await startSignet({ env: { SIGNET_WORKERS: "1", SIGNET_QUEUE_MAX: "4", SIGNET_MAX_BATCH: "1" } });
  try {
    expect((await small.json("POST", "/v1/key", { label: "slow", algorithm: "RSA", keySize: 4096 })).status).toBe(200);
    const responses = await Promise.all(Array.from({ length: 40 }, () => small.request("POST", "/v1/synchronousSign", body)));
    const full = responses.filter((r) => r.status === 503);
    expect(full.length).toBeGreaterThan(0);
    expect(responses.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(4);
    for (const response of full) {
      expect(response.headers.get("retry-after")).toBe("1");
      expect((await response.json()).errorCode).toBe(711);
    }
  } finally {
    await small.stop();
    removeDir(small.dataDir);
  }
});
