/**
 * Signet's bench suite. One run, on one token and the same keys:
 *   1. the raw in-process PKCS#11 signing rate (one thread, pkcs11js, no HTTP), and
 *   2. POST /v1/synchronousSign under autocannon,
 * for RSA-2048 and ECDSA P-256, with the ratio service / raw. Results are printed and
 * written as JSON under bench/results/.
 *
 *   bun bench/run.ts [--seconds 10] [--connections 64] [--quick]
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { findSoftHsmModule, prepareEmbeddedToken } from "../src/signer/embedded/softhsm";
import { Pkcs11Signer } from "../src/signer/signer";
import type { KeyPairSpec, KeyUsageFlags } from "../src/signer/types";
import { autocannon, type LoadResult } from "./lib/load";
import { measureRaw, rawKeys } from "./lib/raw";
import { ROOT, startServer } from "./lib/server";

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const quick = process.argv.includes("--quick");
const seconds = arg("seconds", quick ? 2 : 10);
const connections = arg("connections", 64);
const dataDir = join(tmpdir(), `signet-bench-${process.pid}`);
const apiKey = `bench-${randomBytes(16).toString("hex")}`;
const message = Buffer.from("Signet bench payload: pay 100.00 CHF to account CH93 0076 2011 6238 5295 7");

const CASES: { label: string; spec: KeyPairSpec; algorithm: string }[] = [
  { label: "bench-rsa-2048", spec: { type: "RSA", bits: 2048 }, algorithm: "SHA256_WITH_RSA" },
  { label: "bench-p256", spec: { type: "EC", curve: "P-256" }, algorithm: "SHA256_WITH_ECDSA" },
];

const flags: KeyUsageFlags = {
  sign: true, decrypt: false, unwrap: false, derive: false, extractable: false,
  modifiable: false, destroyable: true, sensitive: true, copyable: false,
};

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  rmSync(dataDir, { recursive: true, force: true });
  const token = prepareEmbeddedToken(dataDir, findSoftHsmModule()!);
  log(`bench: token ready in ${dataDir}; generating keys`);
  const setup = await Pkcs11Signer.open({
    modulePath: token.modulePath, tokenLabel: token.tokenLabel, pin: token.pin,
    pool: { workers: 1, sessionsPerWorker: 1, queueMax: 16, maxBatch: 1, pipelineDepth: 1, opTimeoutMs: 60_000, keygenTimeoutMs: 120_000 },
    afterTokenChange: () => token.snapshots.take(),
  });
  for (const c of CASES) await setup.generateKeyPair({ label: c.label, id: "be" }, c.spec, flags);
  const mechanisms = new Set(setup.token.mechanisms);
  setup.close();

  log(`bench: raw PKCS#11 signing, one thread, ${seconds} s per key`);
  const raw = measureRaw(token.modulePath, token.tokenLabel, token.pin, rawKeys(message, mechanisms), seconds);

  const server = await startServer(dataDir, apiKey);
  log(`bench: server up in ${server.startupMs} ms at ${server.url}`);
  const http: (LoadResult & { algorithm: string; label: string })[] = [];
  for (const c of CASES) {
    const body = { signRequest: { payload: message.toString("base64"), signKeyName: c.label, signatureAlgorithm: c.algorithm } };
    log(`bench: autocannon ${c.algorithm}, ${connections} connections, ${seconds} s`);
    await autocannon({ url: `${server.url}/v1/synchronousSign`, apiKey, body, connections, seconds: 1 }); // warm-up
    http.push({ algorithm: c.algorithm, label: c.label, ...(await autocannon({ url: `${server.url}/v1/synchronousSign`, apiKey, body, connections, seconds })) });
  }
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });

  const rows = CASES.map((c, i) => ({
    algorithm: c.algorithm,
    rawPerSecond: raw[i]!.signaturesPerSecond,
    httpPerSecond: http[i]!.requestsPerSecond,
    ratio: Math.round((http[i]!.requestsPerSecond / raw[i]!.signaturesPerSecond) * 100) / 100,
    p50: http[i]!.latencyMs.p50,
    p99: http[i]!.latencyMs.p99,
    failures: http[i]!.non2xx + http[i]!.errors,
  }));
  const report = {
    date: new Date().toISOString(),
    machine: { host: hostname(), cpus: cpus().length, model: cpus()[0]?.model ?? "unknown" },
    settings: { seconds, connections },
    startupMs: server.startupMs,
    raw,
    http,
    summary: rows,
  };
  console.log("\nalgorithm            raw 1-thread/s   HTTP/s   HTTP÷raw   p50 ms   p99 ms   failures");
  for (const r of rows) {
    console.log(
      `${r.algorithm.padEnd(20)} ${String(r.rawPerSecond).padStart(15)} ${String(r.httpPerSecond).padStart(8)} ${r.ratio.toFixed(2).padStart(10)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(8)} ${String(r.failures).padStart(10)}`,
    );
  }
  if (!quick) {
    mkdirSync(join(ROOT, "bench/results"), { recursive: true });
    const file = join(ROOT, "bench/results", `${report.date.slice(0, 10)}-sign.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`bench: wrote ${file}`);
  }
  if (rows.some((r) => r.failures > 0)) process.exitCode = 1;
}

await main();
