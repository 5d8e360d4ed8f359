/**
 * The pool's levers, one at a time: the same server and keys started with one setting changed
 * from its default, POST /v1/synchronousSign at saturation under wrk (autocannon when wrk is
 * missing), throughput and where the CPU went. The settings runs alternate with the default
 * so that a drift of the machine shows; each figure is the median of --rounds runs.
 *
 *   bun bench/levers.ts [--seconds 5] [--rounds 3] [--connections 64] [--quick]
 *   --quick: the CI smoke: one round, a tenth of a second a run, no warm-ups, no files
 *
 * Writes bench/results/<date>-levers.json and .md (not with --quick).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { autocannon, saturate, type LoadRequest, type LoadResult } from "./lib/load";
import { coreCount, cpuPerRequest, machineTicks, stealPercent, threadCpu, untilQuiet } from "./lib/proc";
import { ROOT, startServer } from "./lib/server";
import { requireEmbeddedToken } from "./lib/token";
import { median } from "./lib/stats";

requireEmbeddedToken("bench/levers.ts");

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1]! : fallback;
}

const quick = process.argv.includes("--quick");
const seconds = Number(option("seconds", quick ? "0.1" : "5"));
const rounds = Number(option("rounds", quick ? "1" : "3"));
const connections = Number(option("connections", "64"));
const cores = coreCount();
const apiKey = `bench-${randomBytes(16).toString("hex")}`;
const payload = Buffer.from("Signet bench payload: pay 100.00 CHF to account CH93 0076 2011 6238 5295 7").toString("base64");

const ALGORITHMS = [
  { name: "ECDSA P-256", label: "bench-p256", type: "EC", curve: "1.2.840.10045.3.1.7", algorithm: "SHA256_WITH_ECDSA" },
  { name: "Ed25519", label: "bench-ed25519", type: "ED", curve: "1.3.101.112", algorithm: "EDDSA" },
  { name: "RSA-2048 PKCS#1 v1.5", label: "bench-rsa-2048", type: "RSA", bits: 2048, algorithm: "SHA256_WITH_RSA" },
] as const;

/** Each lever as the environment that turns it; the first is the default configuration. */
const LEVERS: { name: string; why: string; env: Record<string, string> }[] = [
  { name: "defaults", why: "as shipped", env: {} },
  { name: "no batching", why: "one operation per Worker message (SIGNET_MAX_BATCH=1)", env: { SIGNET_MAX_BATCH: "1" } },
  { name: "pipeline depth 1", why: "one message in flight per Worker", env: { SIGNET_PIPELINE_DEPTH: "1" } },
  { name: "pipeline depth 4", why: "four messages in flight per Worker", env: { SIGNET_PIPELINE_DEPTH: "4" } },
  { name: "one Worker", why: "SIGNET_WORKERS=1", env: { SIGNET_WORKERS: "1" } },
  { name: "two sessions per Worker", why: "SIGNET_SESSIONS_PER_WORKER=2", env: { SIGNET_SESSIONS_PER_WORKER: "2" } },
  { name: "inline signing", why: "cheap mechanisms signed on the main thread when the pool is idle", env: { SIGNET_INLINE_SIGN: "true" } },
  { name: "audit of operations off", why: "for reference only: what recording every signature costs", env: { SIGNET_AUDIT_OPERATIONS: "false" } },
];

interface LeverRun {
  perSecond: number;
  /** The machine's CPU time stolen by the hypervisor during the run, in percent. */
  stealPercent: number;
  cpu: ReturnType<typeof cpuPerRequest> & { generator: number };
}

function signRequest(url: string, label: string, algorithm: string): LoadRequest {
  return {
    url: `${url}/v1/synchronousSign`,
    method: "POST",
    headers: { "x-api-key": apiKey, "content-type": "application/json" },
    body: JSON.stringify({ signRequest: { payload, signKeyName: label, signatureAlgorithm: algorithm } }),
  };
}

async function createKeys(url: string): Promise<void> {
  for (const a of ALGORITHMS) {
    const body = { label: a.label, algorithm: a.type, ...("curve" in a ? { curveOid: a.curve } : { keySize: a.bits }) };
    const response = await fetch(`${url}/v1/key`, { method: "POST", headers: { "x-api-key": apiKey, "content-type": "application/json" }, body: JSON.stringify(body) });
    const answer = await response.text();
    if (!response.ok && !answer.includes('"errorCode":608')) throw new Error(`creating ${a.label}: ${response.status} ${answer}`); // 608: made by an earlier run
  }
}

async function runOnce(dataDir: string, env: Record<string, string>): Promise<Map<string, LeverRun>> {
  const server = await startServer(dataDir, apiKey, env);
  const workers = Number(env.SIGNET_WORKERS ?? cores);
  const results = new Map<string, LeverRun>();
  try {
    await createKeys(server.url);
    for (const a of ALGORITHMS) {
      const request = signRequest(server.url, a.label, a.algorithm);
      if (!quick) await autocannon(request, { connections, seconds: 1 }); // warm-up
      await untilQuiet([server.pid], quick ? 20 : 50); // the warm-up's last requests answered first
      const before = threadCpu(server.pid);
      const ticks = machineTicks();
      const load: LoadResult = await saturate(request, { connections, seconds, threads: cores });
      const parts = cpuPerRequest(server.pid, before, threadCpu(server.pid), load.total, workers);
      const generator = Math.round(((load.generatorCores * load.seconds) / Math.max(1, load.total)) * 1e6 * 10) / 10;
      if (load.non2xx + load.errors > 0) throw new Error(`${a.name}: ${load.non2xx} non-2xx and ${load.errors} errors`);
      results.set(a.name, { perSecond: load.requestsPerSecond, stealPercent: stealPercent(ticks, machineTicks()), cpu: { ...parts, generator } });
    }
  } finally {
    await server.stop();
  }
  return results;
}

function medianRun(runs: LeverRun[]): LeverRun {
  const sorted = [...runs].sort((x, y) => x.perSecond - y.perSecond);
  const middle = sorted[Math.floor(sorted.length / 2)]!;
  return { perSecond: median(runs.map((r) => r.perSecond)), stealPercent: median(runs.map((r) => r.stealPercent)), cpu: middle.cpu };
}

async function main(): Promise<void> {
  const dataDir = join(tmpdir(), `signet-levers-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  const load = loadavg();
  const runs = new Map<string, Map<string, LeverRun[]>>();
  for (let round = 0; round < rounds; round++) {
    for (const lever of LEVERS) {
      process.stderr.write(`[levers] round ${round + 1}/${rounds}: ${lever.name}\n`);
      const measured = await runOnce(dataDir, lever.env);
      for (const [algorithm, run] of measured) {
        const byAlgorithm = runs.get(lever.name) ?? new Map<string, LeverRun[]>();
        byAlgorithm.set(algorithm, [...(byAlgorithm.get(algorithm) ?? []), run]);
        runs.set(lever.name, byAlgorithm);
      }
    }
  }
  rmSync(dataDir, { recursive: true, force: true });

  const date = new Date().toISOString();
  const lines = [
    `Levers ${date.slice(0, 16).replace("T", " ")} UTC, ${cores} cores, load average at start ${load.map((l) => l.toFixed(2)).join(" ")}; ${connections} connections, ${seconds} s a run, median of ${rounds}. CPU in µs per request: main thread / signing Workers / audit writer / runtime / load generator. Steal: the CPU time the hypervisor took from this VM during the runs (median).`,
    "",
    `| lever | ${ALGORITHMS.map((a) => `${a.name} req/s | ${a.name} CPU`).join(" | ")} | steal |`,
    `|---|${ALGORITHMS.map(() => "---|---").join("|")}|---|`,
  ];
  const baseline = runs.get("defaults")!;
  const report: Record<string, unknown>[] = [];
  for (const lever of LEVERS) {
    const cells: string[] = [];
    for (const a of ALGORITHMS) {
      const run = medianRun(runs.get(lever.name)!.get(a.name)!);
      const base = medianRun(baseline.get(a.name)!).perSecond;
      const change = lever.name === "defaults" ? "" : ` (${run.perSecond >= base ? "+" : ""}${Math.round(((run.perSecond - base) / base) * 100)}%)`;
      const c = run.cpu;
      cells.push(`${run.perSecond.toLocaleString("en-US")}${change}`, `${c.main} / ${c.signing} / ${c.audit} / ${c.runtime} / ${c.generator}`);
      report.push({ lever: lever.name, env: lever.env, algorithm: a.name, median: run, runs: runs.get(lever.name)!.get(a.name) });
    }
    const steal = median(ALGORITHMS.map((a) => medianRun(runs.get(lever.name)!.get(a.name)!).stealPercent));
    lines.push(`| ${lever.name}: ${lever.why} | ${cells.join(" | ")} | ${steal}% |`);
  }
  const table = `${lines.join("\n")}\n`;
  console.log(`\n${table}`);
  if (!quick) {
    const dir = join(ROOT, "bench/results");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${date.slice(0, 10)}-levers.json`), `${JSON.stringify({ date, cores, load, connections, seconds, rounds, results: report }, null, 2)}\n`);
    writeFileSync(join(dir, `${date.slice(0, 10)}-levers.md`), table);
  }
}

await main();
