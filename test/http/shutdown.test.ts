/**
 * A stop is graceful: on SIGTERM the server refuses new connections, lets the requests under
 * way finish within SIGNET_SHUTDOWN_GRACE_MS, records the stop, waits for its Workers'
 * threads and exits 0. A side-car restarted under load then loses no answer whose operation
 * was done. Both listeners: Bun.serve (plain HTTP) and node:tls (a PKCS#12 certificate). A
 * second signal during the drain cuts it short.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { makeCa, makeCert, EKU, type Issued } from "../support/certs";
import { removeDir, startSignet, tempDir, type RunningSignet } from "../support/server";
import { signingCase, verifyWithNode } from "../support/verifier";

setDefaultTimeout(90_000);

const dir = tempDir("shutdown");
let serverCa: Issued;
let pfxPath = "";
const PFX_PASS = "shutdown-p12-2718";

beforeAll(async () => {
  serverCa = await makeCa("Signet Shutdown Test CA");
  const server = await makeCert({ subject: "localhost", issuer: serverCa, eku: [EKU.serverAuth], dns: ["localhost"], ips: ["127.0.0.1"] });
  const keyPath = join(dir, "server.key");
  const certPath = join(dir, "server.pem");
  writeFileSync(keyPath, server.keyPem);
  writeFileSync(certPath, server.certPem);
  pfxPath = join(dir, "server.p12");
  const made = Bun.spawnSync(["openssl", "pkcs12", "-export", "-in", certPath, "-inkey", keyPath, "-out", pfxPath, "-passout", `pass:${PFX_PASS}`]);
  expect(made.exitCode).toBe(0);
});

afterAll(() => removeDir(dir));

// Enough RSA-2048 signatures that the call is still being signed when the stop comes (a few
// hundred milliseconds on two cores).
const ITEMS = 800;

/** Starts a batch of RSA signatures, stops the server once the Workers hold it, and returns both outcomes. */
async function stopDuringBatch(signet: RunningSignet) {
  const created = await (await signet.request("POST", "/v1/key", { label: "drain-rsa", algorithm: "RSA", keySize: 2048 })).json();
  const message = Buffer.from("signed while the server stops");
  const requests = Array.from({ length: ITEMS }, (_, i) => ({ reference: String(i), signKeyName: "drain-rsa", signatureAlgorithm: "SHA256_WITH_RSA", payload: message.toString("base64") }));
  const answer = signet.request("POST", "/v1/batchSign", { requests }).then(
    async (response) => ({ status: response.status, body: (await response.json()) as { results: { reference: string; signature?: string }[] } }),
    (error: unknown) => ({ status: 0, error: String(error) }),
  );
  for (;;) {
    const pool = (await (await signet.request("GET", "/v1/pool")).json()) as { inFlight: number; queued: number };
    if (pool.inFlight + pool.queued > 0) break;
    await Bun.sleep(2);
  }
  const exited = signet.stop();
  return { answer: await answer, code: await exited, message, spki: created.json.publicKey as string };
}

async function expectAnsweredAndSigned(outcome: Awaited<ReturnType<typeof stopDuringBatch>>): Promise<void> {
  expect(outcome.code).toBe(0);
  expect(outcome.answer.status).toBe(200);
  const { results } = (outcome.answer as { body: { results: { reference: string; signature?: string }[] } }).body;
  expect(results.length).toBe(ITEMS);
  expect(results.every((result, i) => result.reference === String(i) && typeof result.signature === "string")).toBe(true);
  const check = signingCase("SHA256_WITH_RSA", outcome.message, outcome.spki);
  const sample = [0, ITEMS / 2, ITEMS - 1].map((i) => check.job(Buffer.from(results[i]!.signature!, "base64")));
  expect(await verifyWithNode(sample)).toEqual([true, true, true]);
}

const batchEnv = { SIGNET_BATCH_MAX_ITEMS: String(ITEMS) };

test("SIGTERM during a batch call over HTTP: the call is answered in full and signed, then the server exits 0 with its stop recorded", async () => {
  const signet = await startSignet({ env: batchEnv });
  const outcome = await stopDuringBatch(signet);
  await expectAnsweredAndSigned(outcome);
  expect(signet.output()).toContain('"msg":"stopping"');
  // The stop's record came after the batch's records: both are in the log a new start reads.
  const again = await startSignet({ dataDir: signet.dataDir, apiKey: signet.apiKey });
  try {
    type Page = { records: { seq: number; details: { count?: number } }[] };
    const batches = (await again.json("GET", "/v1/audit?action=batchSign&limit=1000")).body as Page;
    const stops = (await again.json("GET", "/v1/audit?action=service.stop&limit=1000")).body as Page;
    expect(batches.records.reduce((sum, record) => sum + (record.details.count ?? 0), 0)).toBe(ITEMS);
    expect(stops.records.length).toBe(1);
    expect(stops.records[0]!.seq).toBeGreaterThan(Math.max(...batches.records.map((record) => record.seq)));
  } finally {
    await again.stop();
    removeDir(signet.dataDir);
  }
});

test("SIGTERM during a batch call over TLS (node:tls listener, PKCS#12): the call is answered in full, then the server exits 0", async () => {
  const signet = await startSignet({ env: { ...batchEnv, SIGNET_TLS_PFX: pfxPath, SIGNET_TLS_PASSPHRASE: PFX_PASS }, fetchTls: { ca: serverCa.certPem } });
  try {
    await expectAnsweredAndSigned(await stopDuringBatch(signet));
  } finally {
    removeDir(signet.dataDir);
  }
});

test("SIGNET_SHUTDOWN_GRACE_MS=0 cuts the calls under way at once; the server still exits 0", async () => {
  const signet = await startSignet({ env: { ...batchEnv, SIGNET_SHUTDOWN_GRACE_MS: "0" } });
  try {
    const outcome = await stopDuringBatch(signet);
    expect(outcome.code).toBe(0);
    expect(outcome.answer.status).toBe(0);
  } finally {
    removeDir(signet.dataDir);
  }
});

/**
 * Holds the server busy with a request whose body never arrives, sends SIGTERM (the drain
 * would wait for it for the whole grace, ten minutes here) and then a second one, which cuts
 * it: the server exits 0 with its stop recorded.
 */
async function secondSignalCutsTheDrain(options: { env?: Record<string, string>; ca?: string }): Promise<void> {
  const fetchTls = options.ca ? { fetchTls: { ca: options.ca } } : {};
  const env = { ...options.env, SIGNET_SHUTDOWN_GRACE_MS: "600000", SIGNET_BODY_TIMEOUT_MS: "600000", SIGNET_IDLE_TIMEOUT_SECONDS: "255" };
  const signet = await startSignet({ env, ...fetchTls });
  try {
    const { hostname, port } = new URL(signet.url);
    // Bun's TLS socket drops what is written before its handshake: write once it is done.
    let ready = () => {};
    const connected = new Promise<void>((resolve) => (ready = resolve));
    const handlers = { data() {}, open: () => void (options.ca || ready()), handshake: () => ready() };
    const client = await Bun.connect({ hostname, port: Number(port), socket: handlers, ...(options.ca ? { tls: { ca: options.ca, serverName: "localhost" } } : {}) });
    await connected;
    const head = `POST /v1/synchronousSign HTTP/1.1\r\nhost: ${hostname}:${port}\r\nx-api-key: ${signet.apiKey}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"signRequest":`;
    expect(client.write(head)).toBe(head.length);
    await Bun.sleep(300);
    const exited = signet.process.exited.then((code) => ({ code }));
    signet.process.kill("SIGTERM");
    expect(await Promise.race([exited, Bun.sleep(1_500).then(() => "draining")])).toBe("draining");
    signet.process.kill("SIGTERM");
    expect(await Promise.race([exited, Bun.sleep(20_000).then(() => "still running")])).toEqual({ code: 0 });
    client.end();
    expect(signet.output()).toContain('"msg":"stopping now: the requests under way are cut"');
    const again = await startSignet({ dataDir: signet.dataDir, apiKey: signet.apiKey, env: options.env ?? {}, ...fetchTls });
    try {
      const stops = (await again.json("GET", "/v1/audit?action=service.stop&limit=10")).body as { records: unknown[] };
      expect(stops.records.length).toBe(1);
    } finally {
      await again.stop();
    }
  } finally {
    if (signet.process.exitCode === null) await signet.kill9();
    removeDir(signet.dataDir);
  }
}

test("a second SIGTERM during the drain cuts the requests under way; the server still exits 0 with its stop recorded", async () => {
  await secondSignalCutsTheDrain({});
});

test("a second SIGTERM cuts the drain on the node:tls listener too", async () => {
  await secondSignalCutsTheDrain({ env: { SIGNET_TLS_PFX: pfxPath, SIGNET_TLS_PASSPHRASE: PFX_PASS }, ca: serverCa.certPem });
});
