/**
 * What auditing every signature costs the sign path: POST /v1/synchronousSign (ECDSA P-256,
 * the cheapest signature, so the audit's share is the largest) with SIGNET_AUDIT_OPERATIONS
 * off and on, on the same token, key and data directory, in interleaved runs (off, on, off,
 * on, ...) so that a neighbour's load on a shared machine falls on both sides alike. Reports
 * the median of each side and their ratio; writes JSON under bench/results/ unless --quick.
 *
 *   bun bench/audit-cost.ts [--seconds 5] [--pairs 3] [--connections 64] [--quick]
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { autocannon, type LoadResult } from "./lib/load";
import { ROOT, startServer } from "./lib/server";

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const quick = process.argv.includes("--quick");
const seconds = arg("seconds", quick ? 2 : 5);
const pairs = arg("pairs", quick ? 1 : 3);
const connections = arg("connections", 64);
const dataDir = join(tmpdir(), `signet-bench-audit-${process.pid}`);
const apiKey = `bench-${randomBytes(16).toString("hex")}`;
const body = {
  signRequest: { payload: Buffer.from("Signet audit bench: pay 100.00 CHF").toString("base64"), signKeyName: "bench-p256", signatureAlgorithm: "SHA256_WITH_ECDSA" },
};

async function run(audit: boolean): Promise<LoadResult> {
  const server = await startServer(dataDir, apiKey, { SIGNET_AUDIT_OPERATIONS: String(audit) });
  try {
    const url = `${server.url}/v1/synchronousSign`;
    await autocannon({ url, apiKey, body, connections, seconds: 1 }); // warm-up
    return await autocannon({ url, apiKey, body, connections, seconds });
  } finally {
    await server.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

rmSync(dataDir, { recursive: true, force: true });
const setup = await startServer(dataDir, apiKey);
const created = await fetch(`${setup.url}/v1/key`, {
  method: "POST",
  headers: { "x-api-key": apiKey, "content-type": "application/json" },
  body: JSON.stringify({ label: "bench-p256", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" }),
});
if (created.status !== 200) throw new Error(`cannot create the bench key: ${await created.text()}`);
await setup.stop();

const off: LoadResult[] = [];
const on: LoadResult[] = [];
for (let i = 0; i < pairs; i++) {
  off.push(await run(false));
  on.push(await run(true));
  process.stderr.write(`bench: pair ${i + 1}: audit off ${off[i]!.requestsPerSecond}/s, on ${on[i]!.requestsPerSecond}/s\n`);
}
rmSync(dataDir, { recursive: true, force: true });

const summary = {
  offPerSecond: median(off.map((r) => r.requestsPerSecond)),
  onPerSecond: median(on.map((r) => r.requestsPerSecond)),
  offP99: median(off.map((r) => r.latencyMs.p99)),
  onP99: median(on.map((r) => r.latencyMs.p99)),
  failures: [...off, ...on].reduce((n, r) => n + r.non2xx + r.errors, 0),
};
const cost = Math.round((1 - summary.onPerSecond / summary.offPerSecond) * 1000) / 10;
console.log(`audit off ${summary.offPerSecond}/s (p99 ${summary.offP99} ms), on ${summary.onPerSecond}/s (p99 ${summary.onP99} ms): cost ${cost}%`);
if (!quick) {
  const report = {
    date: new Date().toISOString(),
    machine: { host: hostname(), cpus: cpus().length, model: cpus()[0]?.model ?? "unknown" },
    settings: { seconds, pairs, connections, algorithm: "SHA256_WITH_ECDSA" },
    off, on, summary: { ...summary, costPercent: cost },
  };
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(join(ROOT, "bench/results", `${report.date.slice(0, 10)}-audit.json`), `${JSON.stringify(report, null, 2)}\n`);
}
if (summary.failures > 0) process.exitCode = 1;
