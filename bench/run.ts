/**
 * Signet's bench suite. In one run, on one token and the same keys, for RSA-2048 PKCS#1 v1.5,
 * RSA-2048 PSS, ECDSA P-256 and Ed25519:
 *   1. the physical limit: native/p11bench.c, compiled now, signing in a tight loop through the
 *      same PKCS#11 module with one thread and with one thread per core;
 *   2. the binding limit: pkcs11js alone in one Bun Worker per core, the same tight loop (no
 *      Signet code in it), and the Worker pool called in-process at saturation (no HTTP);
 *   3. POST /v1/synchronousSign under wrk (when installed) and autocannon, between two runs of
 *      the physical limit (half a measurement each) that the ratio service/physical divides
 *      by: the machine's speed moves within minutes, so the limit is taken in the same ones;
 *      between the same C runs, the skeleton of the same answer with no Signet code
 *      (bench/lib/skeleton-server.ts's POST /hop-record: Bun.serve, Worker operations batched
 *      as the pool batches them, each a signature on the token through pkcs11js alone, a durable record)
 *      at saturation: what these parts allow here whatever code runs on top of them; and the
 *      skeleton with the API's own work for the same body (POST /sign-api: the JSON, the
 *      payload through a Worker, decoded, hashed, signed and encoded there, a durable record of
 *      its digest, the signature answered): what a service of this API allows here;
 *   4. the HTTP floor: the same generators against an authenticated trivial route; and what
 *      a durable record adds to an answer with no Signet code (bench/lib/skeleton-server.ts's
 *      POST /answer and POST /record at saturation);
 *   5. latency under load: native/ratedload.c, open loop, at a fixed 50% and 80% of the
 *      measured maximum (requests evenly spaced, latency counted from when each was due),
 *      beside Signet's trivial route at the same rate and, at 50%, the skeleton of a signed
 *      answer with no Signet code (bench/lib/skeleton-server.ts) at the same rate;
 *   6. POST /v1/batchSign with 64 P-256 signatures per call, when the route exists, between
 *      two runs of the P-256 limit, with the skeleton of the same call and the skeleton with
 *      the API's own work (POST /batch-api), as in 3;
 *   7. saturation by the number of connections: P-256 over HTTP at 16, 64 (or --connections)
 *      and 256 connections, Signet then the skeleton of the same answer, with the share of the
 *      cores left idle;
 *   8. what auditing every signature costs: P-256 over HTTP with the audit of operations off
 *      and on, in alternating runs on fresh server processes (the median of each);
 * with requests per second, latency percentiles, the server's CPU and peak RSS, the load
 * generator's CPU, the ratios service/physical and service/floor, and the targets of
 * issue 7, each missed one marked when the run shows it out of reach of any service on this
 * stack here.
 * Writes bench/results/<date>.json, .md and latest.svg (shown in the README).
 *
 *   bun bench/run.ts [--seconds 10] [--connections 64] [--threads N] [--quick] [--label name]
 *   --threads: the C program's threads for the physical limit (one per core by default; a
 *   network HSM needs more of them, each a synchronous session, to reach its capacity)
 *   --quick: the CI smoke: every stage once, a tenth of a second a measurement (wrk's
 *   shortest run is one second, so the smoke runs it once, on the HTTP floor, and saturates
 *   with autocannon elsewhere), no warm-ups, no files written; ~14-18 s
 */
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { commitQuantileMs, type CommitStatsSnapshot } from "../src/audit/commit-stats";
import type { SigningTimingSnapshot } from "../src/domain/signing/signing-timing";
import { quantileMs } from "../src/histogram";
import { keyHandleId, type KeyPairSpec } from "../src/signer/types";
import { autocannon, saturate as saturateWith, wrk, wrkInstalled, type LoadRequest, type LoadResult } from "./lib/load";
import { compileNative, compileRatedLoad, ratedLoad, runNative, type NativeTarget } from "./lib/native";
import type { BindingMechanism } from "./lib/pkcs11-mechanisms";
import { BindingBench, type BindingResult } from "./lib/binding";
import { measurePool } from "./lib/pool";
import { coreCount, cpuModel, cpuPerRequest, cpuSeconds, idlePercent, machineTicks, PeakRssByStage, stealPercent, threadCpu, untilQuiet, workersGone } from "./lib/proc";
import {
  bestLoad,
  EMBEDDED_TOKEN,
  limitAround,
  markdown,
  svgChart,
  type AlgorithmReport,
  type AuditCommitWindow,
  type AuditCostReport,
  type BatchReport,
  type BenchReport,
  type BenchTokenReport,
  type ConcurrencyLoad,
  type ConcurrencyPoint,
  type DurableFloor,
  type MeasuredLoad,
  type PhysicalAround,
  type SkeletonSaturated,
  type SkeletonThroughput,
  type SigningTimingWindow,
  type SkeletonLatency,
} from "./lib/report";
import { ROOT, startServer, type BenchServer } from "./lib/server";
import { evaluate } from "./lib/targets";
import { startSkeleton, type Skeleton } from "./lib/skeleton";
import { BENCH_KEY_ID, destroyBenchKeys, ensureNoBenchKeys, openBenchToken, SIGNING_KEY_FLAGS } from "./lib/token";
import { median, ratio } from "./lib/stats";

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1]! : fallback;
}

const quick = process.argv.includes("--quick");
const seconds = Number(option("seconds", quick ? "0.1" : "10"));
const connections = Number(option("connections", "64"));
const label = option("label", "");
const cores = coreCount();
/** The C program's threads in its multi-threaded runs: the physical limit. */
const physicalThreads = Number(option("threads", String(cores)));
const started = performance.now();
const apiKey = `bench-${randomBytes(16).toString("hex")}`;
const message = Buffer.from("Signet bench payload: pay 100.00 CHF to account CH93 0076 2011 6238 5295 7");
const payloadBase64 = message.toString("base64");

const CASES = [
  { name: "RSA-2048 PKCS#1 v1.5", label: "bench-rsa-2048", spec: { type: "RSA", bits: 2048 }, algorithm: "SHA256_WITH_RSA", native: "rsa-pkcs" },
  { name: "RSA-2048 PSS", label: "bench-rsa-2048", spec: { type: "RSA", bits: 2048 }, algorithm: "SHA256_WITH_RSA_PSS", native: "rsa-pss" },
  { name: "ECDSA P-256", label: "bench-p256", spec: { type: "EC", curve: "P-256" }, algorithm: "SHA256_WITH_ECDSA", native: "ecdsa" },
  { name: "Ed25519", label: "bench-ed25519", spec: { type: "ED", curve: "Ed25519" }, algorithm: "EDDSA", native: "eddsa" },
] as const;

function progress(line: string): void {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
}

function signRequest(url: string, key: string, algorithm: string): LoadRequest {
  return {
    url: `${url}/v1/synchronousSign`,
    method: "POST",
    headers: { "x-api-key": apiKey, "content-type": "application/json" },
    body: JSON.stringify({ signRequest: { payload: payloadBase64, signKeyName: key, signatureAlgorithm: algorithm } }),
  };
}

/** Each server's peak RSS by stage, from its first measured load on. */
const peakRssByServer = new Map<number, PeakRssByStage>();

function peakRssOf(server: BenchServer): PeakRssByStage {
  let stages = peakRssByServer.get(server.pid);
  if (!stages) peakRssByServer.set(server.pid, (stages = new PeakRssByStage(server.pid)));
  return stages;
}

/** Runs `load` against the server as `stage`; returns its result and the server's peak RSS during it. */
async function withPeakRss<T>(server: BenchServer, stage: string, load: () => Promise<T>): Promise<{ result: T; peakRssMb: number }> {
  const stages = peakRssOf(server);
  stages.read(`before ${stage}`);
  const result = await load();
  return { result, peakRssMb: stages.read(stage) };
}

/** The cores `pid` used on average since it had used `cpu0` CPU seconds at performance.now() `t0`. */
function coresSince(pid: number, cpu0: number, t0: number): number {
  return Math.round(((cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000)) * 100) / 100;
}

/** The bench's servers now running (Signet's and the skeleton): what quiet() waits for. */
const liveServers = new Set<number>();

function registered<T extends { pid: number }>(server: T): T {
  liveServers.add(server.pid);
  return server;
}

async function stopServer(server: { pid: number; stop(): Promise<void> }): Promise<void> {
  liveServers.delete(server.pid);
  await server.stop();
}

/**
 * Opens the next measurement's window once the bench's servers are quiet (proc.ts's
 * untilQuiet): the last load's server may still be answering what its generator left in flight.
 */
async function quiet(): Promise<void> {
  const { waitedMs, quiet } = await untilQuiet([...liveServers], quick ? 20 : 50);
  if (!quiet) progress(`  the servers were still busy after ${waitedMs} ms; measuring anyway`);
  else if (waitedMs > 300) progress(`  waited ${waitedMs} ms for the servers to answer the last load's requests`);
}

/** Runs one load against the server and adds the server's CPU and memory to the result. */
async function measured(server: BenchServer, stage: string, run: () => Promise<LoadResult>): Promise<MeasuredLoad> {
  return (await measuredWithCommits(server, stage, run)).load;
}

/** measured(), with the audit writer's commit counters it read before and after the load. */
async function measuredWithCommits(
  server: BenchServer,
  stage: string,
  run: () => Promise<LoadResult>,
): Promise<{ load: MeasuredLoad; commits0: CommitStatsSnapshot | null; commits1: CommitStatsSnapshot | null }> {
  await quiet();
  const [pool0, commits0] = await Promise.all([poolCounters(server), auditCommits(server)]);
  const cpu0 = cpuSeconds(server.pid);
  const threads0 = threadCpu(server.pid);
  const ticks0 = machineTicks();
  const t0 = performance.now();
  const { result, peakRssMb } = await withPeakRss(server, stage, run);
  const serverCores = coresSince(server.pid, cpu0, t0);
  const parts = cpuPerRequest(server.pid, threads0, threadCpu(server.pid), result.total, cores);
  const generator = Math.round(((result.generatorCores * result.seconds) / Math.max(1, result.total)) * 1e6 * 10) / 10;
  const steal = stealPercent(ticks0, machineTicks());
  const [pool1, commits1] = await Promise.all([poolCounters(server), auditCommits(server)]);
  if (result.non2xx + result.errors > 0) progress(`  ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  const load: MeasuredLoad = {
    ...result,
    serverCores,
    stealPercent: steal,
    serverPeakRssMb: peakRssMb,
    cpuMicrosPerRequest: { ...parts, generator },
    operationsPerBatch: pool0 && pool1 ? perEach(pool1.operations - pool0.operations, pool1.batches - pool0.batches) : null,
    recordsPerCommit: commits0 && commits1 ? perEach(commits1.records - commits0.records, commits1.commits - commits0.commits) : null,
  };
  return { load, commits0, commits1 };
}

/** a ÷ b to one decimal, null when nothing was counted. */
function perEach(a: number, b: number): number | null {
  return b > 0 ? Math.round((a / b) * 10) / 10 : null;
}

/** The signing pool's counters (GET /v1/pool), null in a build without them. */
async function poolCounters(server: BenchServer): Promise<{ batches: number; operations: number; queued: number; inFlight: number } | null> {
  const response = await fetch(`${server.url}/v1/pool`, { headers: { "x-api-key": apiKey } });
  return response.ok ? ((await response.json()) as { batches: number; operations: number; queued: number; inFlight: number }) : null;
}

/** wrk's runs so far: the smoke runs it once, on the floor (its shortest run is a second, ten of the smoke's). */
let wrkRuns = 0;

async function bothGenerators(server: BenchServer, stage: string, request: LoadRequest): Promise<{ wrk?: MeasuredLoad; autocannon: MeasuredLoad }> {
  const runWrk = wrkInstalled() && (!quick || wrkRuns === 0);
  if (runWrk) wrkRuns++;
  const withWrk = runWrk ? await measured(server, `${stage}, wrk`, () => wrk(request, { connections, seconds, threads: cores })) : undefined;
  const withAutocannon = await measured(server, `${stage}, autocannon`, () => autocannon(request, { connections, seconds }));
  return { ...(withWrk ? { wrk: withWrk } : {}), autocannon: withAutocannon };
}

/** One load at saturation (load.ts's `saturate`) at this run's length and `concurrency` connections. */
function saturate(request: LoadRequest, concurrency = connections): Promise<LoadResult> {
  return saturateWith(request, { connections: concurrency, seconds, threads: cores });
}

/**
 * Runs the signing route hot for `warmSeconds` before a measurement, so that the JIT's work
 * lands outside it; not in the smoke, which measures nothing it keeps.
 */
async function warmUp(request: LoadRequest, warmSeconds: number): Promise<void> {
  if (!quick) await autocannon(request, { connections, seconds: warmSeconds });
}

/** The connection counts of the concurrency stage, the suite's own among them. */
const CONCURRENCY = [...new Set([16, connections, 256])].sort((a, b) => a - b);

/** `saturate` at `concurrency` connections, with the CPU `pid` used and the share of the machine left idle meanwhile. */
async function saturatedWithIdle(pid: number, request: LoadRequest, concurrency: number): Promise<ConcurrencyLoad> {
  await quiet();
  const cpu0 = cpuSeconds(pid);
  const ticks0 = machineTicks();
  const t0 = performance.now();
  const result = await saturate(request, concurrency);
  return { generator: result.generator, requestsPerSecond: result.requestsPerSecond, latencyMs: result.latencyMs, serverCores: coresSince(pid, cpu0, t0), idlePercent: idlePercent(ticks0, machineTicks()) };
}

/**
 * P-256 at each connection count in CONCURRENCY, Signet then the skeleton of the same answer:
 * a closed loop of N connections allows N ÷ latency, and at the suite's 64 connections 15-20%
 * of both cores sat idle, in the skeleton as in Signet (bench/NOTES.md). The table shows where
 * "saturation" stops depending on N, and what the tail costs on the way.
 */
async function measureConcurrency(server: BenchServer, skeleton: Skeleton, p256Key: string): Promise<ConcurrencyPoint[]> {
  const request = signRequest(server.url, "bench-p256", "SHA256_WITH_ECDSA");
  const skeletonRequest: LoadRequest = { ...request, url: `${skeleton.url}${hopRecordPath(p256Key, "ecdsa", 1)}`, headers: { "content-type": "application/json" } };
  const points: ConcurrencyPoint[] = [];
  for (const concurrency of CONCURRENCY) {
    progress(`concurrency: P-256 at ${concurrency} connections, Signet, then the skeleton`);
    const signet = await saturatedWithIdle(server.pid, request, concurrency);
    points.push({ connections: concurrency, signet, skeleton: await saturatedWithIdle(skeleton.pid, skeletonRequest, concurrency) });
  }
  return points;
}

/** The skeleton at saturation on `path`, with the signing request's body: its rate and the CPU a request. */
async function skeletonSaturated(skeleton: Skeleton, signing: LoadRequest, path: string): Promise<SkeletonSaturated> {
  const request: LoadRequest = { ...signing, url: `${skeleton.url}${path}`, headers: { "content-type": "application/json" } };
  await quiet();
  const cpu0 = cpuSeconds(skeleton.pid);
  const threads0 = threadCpu(skeleton.pid);
  const result = await saturate(request);
  const perRequest = (cpu: number) => Math.round((cpu / Math.max(1, result.total)) * 1e6 * 10) / 10;
  return {
    generator: result.generator,
    requestsPerSecond: result.requestsPerSecond,
    cpuMicrosPerRequest: { server: perRequest(cpuSeconds(skeleton.pid) - cpu0), generator: perRequest(result.generatorCores * result.seconds) },
    parts: cpuPerRequest(skeleton.pid, threads0, threadCpu(skeleton.pid), result.total, skeleton.workers),
  };
}

/** POST /answer and POST /record at saturation: what the durable record adds to an answer. */
async function measureDurableFloor(skeleton: Skeleton, signing: LoadRequest): Promise<DurableFloor> {
  const answer = await skeletonSaturated(skeleton, signing, "/answer");
  const record = await skeletonSaturated(skeleton, signing, "/record");
  const total = (load: SkeletonSaturated) => load.cpuMicrosPerRequest.server + load.cpuMicrosPerRequest.generator;
  return { answer, record, recordAddsMicros: Math.max(0, Math.round((total(record) - total(answer)) * 10) / 10) };
}

/**
 * The skeleton's POST /hop-record for `ops` signatures with the key of `key` (its handle id)
 * and the case's mechanism; POST /hop, the same answer without its record, when `record` is false.
 */
function hopRecordPath(key: string, mechanism: BindingMechanism, ops: number, record = true): string {
  return `/${record ? "hop-record" : "hop"}?key=${Buffer.from(key).toString("hex")}&mechanism=${mechanism}&ops=${ops}`;
}

/**
 * The skeleton's POST /hop-record at saturation, `ops` signatures a request on the same token
 * and key as Signet's, through pkcs11js alone: what these parts allow with no Signet code, in
 * the same minutes as Signet's runs (skeletonToPhysical judges it once the C run after is in).
 */
async function skeletonThroughput(skeleton: Skeleton, signing: LoadRequest, key: string, mechanism: BindingMechanism, ops: number): Promise<Omit<SkeletonThroughput, "toPhysical">> {
  progress(`  the skeleton at saturation, no Signet code: ${ops} signature${ops === 1 ? "" : "s"} (${mechanism}, pkcs11js alone) in its Workers a request, then a durable record`);
  return { mechanism, ops, load: await skeletonSaturated(skeleton, signing, hopRecordPath(key, mechanism, ops)) };
}

/**
 * The skeleton's POST /sign-api (one item) or /batch-api at saturation with Signet's own request
 * body: the API's work (JSON, each payload through its Workers, decoded, hashed, signed and
 * encoded there, a durable record of the digests, the signatures answered) with no Signet code,
 * beside the parts alone of skeletonThroughput.
 */
async function apiSkeletonThroughput(skeleton: Skeleton, signing: LoadRequest, key: string, mechanism: BindingMechanism, items: number): Promise<Omit<SkeletonThroughput, "toPhysical">> {
  const route = items === 1 ? "sign-api" : "batch-api";
  progress(`  the skeleton with the API's work, no Signet code: the same body, ${items} payload${items === 1 ? "" : "s"} decoded, hashed, signed (${mechanism}) and encoded in its Workers, a record of the digest${items === 1 ? "" : "s"}`);
  return { mechanism, ops: items, load: await skeletonSaturated(skeleton, signing, `/${route}?key=${Buffer.from(key).toString("hex")}&mechanism=${mechanism}`) };
}

/** The skeleton's operations a second ÷ the mean of the C runs around it, as Signet's runs are judged. */
function skeletonToPhysical(skeleton: Omit<SkeletonThroughput, "toPhysical">, around: PhysicalAround): SkeletonThroughput {
  return { ...skeleton, toPhysical: ratio(skeleton.load.requestsPerSecond * skeleton.ops, limitAround(around)) };
}

async function firstSignature(server: BenchServer): Promise<number> {
  const request = signRequest(server.url, "bench-p256", "SHA256_WITH_ECDSA");
  for (;;) {
    const response = await fetch(request.url, { method: "POST", headers: request.headers, body: request.body });
    if (response.ok) return Math.round(performance.now() - server.spawnedAt);
    await Bun.sleep(5);
  }
}

/** What runs when the bench ends, however it ends (atExit). */
const cleanups: (() => Promise<void>)[] = [];

async function prepareToken(dataDir: string) {
  const { token, signer } = await openBenchToken(dataDir, cores);
  const labels = [...new Set(CASES.map((c) => c.label))];
  await ensureNoBenchKeys(signer, token, labels);
  // An external token keeps what is made on it: the keys made here are destroyed at the end.
  if (!token.embeddedDir) cleanups.push(() => removeBenchKeys(dataDir, labels));
  const keys = new Map<string, string>();
  for (const c of CASES) {
    if (keys.has(c.label)) continue;
    const info = await signer.generateKeyPair({ label: c.label, id: BENCH_KEY_ID }, c.spec as KeyPairSpec, SIGNING_KEY_FLAGS);
    keys.set(c.label, keyHandleId(info.ref));
  }
  const tokenReport: BenchTokenReport = token.embeddedDir
    ? EMBEDDED_TOKEN
    : { external: true, description: `external token "${token.tokenLabel}" (${signer.token.manufacturer} ${signer.token.model}) through ${token.modulePath}` };
  return { token, signer, keys, tokenReport };
}

/** Destroys the bench's keys on an external token, through a signer of its own (the bench's is closed by then). */
async function removeBenchKeys(dataDir: string, labels: string[]): Promise<void> {
  const { signer } = await openBenchToken(dataDir, 1);
  try {
    const left = await destroyBenchKeys(signer, labels.map((label) => ({ label, id: BENCH_KEY_ID })));
    progress(left.length === 0 ? `destroyed the bench's keys on the token (${labels.join(", ")})` : `could not destroy: ${left.join("; ")}`);
  } finally {
    await signer.close();
  }
}

function versions(): BenchReport["versions"] {
  const softhsm = Bun.spawnSync(["softhsm2-util", "--version"]).stdout.toString().trim() || "unknown";
  return { bun: Bun.version, softhsm };
}

async function main(): Promise<void> {
  const dataDir = join(tmpdir(), `signet-bench-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  const load = loadavg();
  const runTicks = machineTicks();
  progress(`preparing the token and keys in ${dataDir}`);
  const { token, signer, keys, tokenReport } = await prepareToken(dataDir);
  const nativeTarget: NativeTarget = {
    binary: compileNative(join(dataDir, "native")),
    modulePath: token.modulePath,
    tokenLabel: token.tokenLabel,
    pin: token.pin,
    softhsmConf: token.softhsmConf,
  };

  const ratedLoadBinary = compileRatedLoad(join(dataDir, "native"));
  const physical = new Map<string, AlgorithmReport["physical"]>();
  const bindings = new Map<string, BindingResult>();
  const binding = await BindingBench.open(nativeTarget, cores);
  for (const c of CASES) {
    progress(`physical limit ${c.name}: 1 thread, then ${physicalThreads}`);
    physical.set(c.name, {
      oneThread: runNative(nativeTarget, c.label, c.native, 1, seconds),
      allCores: runNative(nativeTarget, c.label, c.native, physicalThreads, seconds),
    });
    progress(`pkcs11js in Workers ${c.name}: ${cores} Workers, the same loop`);
    bindings.set(c.name, await binding.measure(keys.get(c.label)!, c.native, seconds));
  }
  // Its threads are gone before the pool is measured, so that only the pool's Workers are there.
  binding.close();
  await workersGone(process.pid, 3_000, cores);
  const pools = new Map<string, AlgorithmReport["pool"]>();
  for (const c of CASES) {
    progress(`pool without HTTP ${c.name}`);
    pools.set(c.name, await measurePool(signer, keys.get(c.label)!, c.algorithm, payloadBase64, 256, seconds));
  }
  // The first start is measured on cores the bench itself has left: close() returns once the
  // pool's Workers have ended, and the bench's own heap, grown in the pool stage, is collected now.
  await signer.close();
  Bun.gc(true);

  // One start on a shared VM moves by hundreds of milliseconds: the first start is also timed
  // on copies of the token (each one a first start too: Signet's keys are generated on it).
  const firstStarts = token.embeddedDir ? await firstStartsOnCopies(dataDir, token.embeddedDir, quick ? 1 : 2) : [];
  const server = registered(await startServer(dataDir, apiKey));
  firstStarts.push(await firstSignature(server));
  const startup = { listeningMs: server.startupMs, firstSignatureMs: median(firstStarts), firstStarts, firstStartPhasesMs: server.startupPhasesMs };
  progress(`server up: first signature after ${firstStarts.join(", ")} ms (median ${startup.firstSignatureMs}); the last listened after ${startup.listeningMs} ms (${JSON.stringify(startup.firstStartPhasesMs)})`);

  // The skeleton of a signed answer (no Signet code), for what a durable record adds, for what
  // the parts allow at saturation and for the latency stage: see skeleton-server.ts.
  const skeleton = registered(await startSkeleton(dataDir, cores, nativeTarget));

  progress("HTTP floor: GET /v1/versionInfo");
  const floorRequest: LoadRequest = { url: `${server.url}/v1/versionInfo`, method: "GET", headers: { "x-api-key": apiKey } };
  const floor = await bothGenerators(server, "HTTP floor", floorRequest);
  const floorRate = bestLoad(floor).requestsPerSecond;
  progress("a durable answer with no Signet code: the skeleton's POST /answer and POST /record");
  const durableFloor = await measureDurableFloor(skeleton, signRequest(skeleton.url, "bench-p256", "SHA256_WITH_ECDSA"));

  // The JIT compiles the signing route's code while it first runs hot; at RSA's rate a stage's
  // own warm-up is too few requests for that, and the compiler threads' CPU landed in the first
  // stage's figures. P-256 runs the same route's code four times as often.
  progress("warming the signing route up (P-256)");
  await warmUp(signRequest(server.url, "bench-p256", "SHA256_WITH_ECDSA"), 5);

  const algorithms: AlgorithmReport[] = [];
  for (const c of CASES) {
    progress(`HTTP synchronousSign ${c.name}`);
    const request = signRequest(server.url, c.label, c.algorithm);
    await warmUp(request, 2);
    const http = await aroundLimit(nativeTarget, c, async () => ({
      loads: await bothGenerators(server, c.name, request),
      skeleton: await skeletonThroughput(skeleton, request, keys.get(c.label)!, c.native, 1),
      apiSkeleton: await apiSkeletonThroughput(skeleton, request, keys.get(c.label)!, c.native, 1),
    }));
    const top = bestLoad(http.result.loads);
    const limits = { ...physical.get(c.name)!, aroundHttp: http.around };
    const latencyUnderLoad = [];
    for (const share of [0.5, 0.8]) {
      const rate = Math.max(1, Math.round(top.requestsPerSecond * share));
      progress(`  latency at ${share * 100}% load: ${rate} req/s`);
      // The stage before ends with requests still in flight; the window opens once they are answered.
      await quiet();
      const timingBefore = await signingTiming(server);
      const { load: result, commits0, commits1 } = await measuredWithCommits(server, `${c.name} at ${share * 100}% load`, () => ratedLoad(ratedLoadBinary, request, { connections, seconds, rate }));
      const timingAfter = await signingTiming(server);
      const auditCommitMs = commitWindow(commits0, commits1);
      const insideMs = timingWindow(timingBefore, timingAfter);
      // The control: the trivial authenticated route at the same rate shows the tail that the
      // platform (Bun's HTTP, the VM's scheduling, the generator) adds without any signing.
      await quiet();
      const { result: floorAtSameRate } = await withPeakRss(server, `the trivial route at ${c.name}'s ${share * 100}% rate`, () => ratedLoad(ratedLoadBinary, floorRequest, { connections, seconds, rate }));
      // At the targets' share, the skeleton of the same answer at the same rate: a durable record
      // alone, then with a Worker hop that makes the signature (pkcs11js alone, the same key).
      let skeletonAtSameRate: SkeletonLatency | undefined;
      if (share === 0.5) {
        const at = (path: string): LoadRequest => ({ ...request, url: `${skeleton.url}${path}`, headers: { "content-type": "application/json" } });
        await quiet();
        const record = await ratedLoad(ratedLoadBinary, at("/record"), { connections, seconds, rate });
        await quiet();
        const hopRecord = await ratedLoad(ratedLoadBinary, at(hopRecordPath(keys.get(c.label)!, c.native, 1)), { connections, seconds, rate });
        skeletonAtSameRate = { mechanism: c.native, record, hopRecord };
      }
      latencyUnderLoad.push({ share, rate, result, floorAtSameRate, auditCommitMs, insideMs, stealPercent: result.stealPercent, ...(skeletonAtSameRate ? { skeletonAtSameRate } : {}) });
    }
    algorithms.push({
      name: c.name,
      algorithm: c.algorithm,
      physical: limits,
      binding: bindings.get(c.name)!,
      pool: pools.get(c.name)!,
      http: http.result.loads,
      skeleton: skeletonToPhysical(http.result.skeleton, http.around),
      apiSkeleton: skeletonToPhysical(http.result.apiSkeleton, http.around),
      best: {
        generator: top.generator,
        perSecond: top.requestsPerSecond,
        toPhysical: ratio(top.requestsPerSecond, limitAround(http.around)),
        toFloor: ratio(top.requestsPerSecond, floorRate),
      },
      latencyUnderLoad,
    });
  }

  const batch = await measureBatch(server, skeleton, nativeTarget, keys.get("bench-p256")!);
  const serverRss = peakRssOf(server);
  serverRss.read("after batchSign");
  const concurrency = await measureConcurrency(server, skeleton, keys.get("bench-p256")!);
  serverRss.read(`P-256 at ${CONCURRENCY.join(", ")} connections`);
  await stopServer(server);
  const { cost: auditCost, restarts } = await measureAuditCost(dataDir, skeleton, keys.get("bench-p256")!);
  await stopServer(skeleton);
  rmSync(dataDir, { recursive: true, force: true });

  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: { host: hostname(), cores, model: cpuModel(), load, stealPercent: stealPercent(runTicks, machineTicks()) },
    versions: versions(),
    token: tokenReport,
    settings: { seconds, connections, quick, workers: cores, physicalThreads },
    startup: { ...startup, restartFirstSignatureMs: median(restarts), restarts },
    floor,
    durableFloor,
    algorithms,
    batch,
    auditCost,
    concurrency,
    peakRssMb: serverRss.peakMb,
    peakRssStage: serverRss.stage,
    targets: [],
  };
  report.targets = evaluate(report);
  const table = markdown(report);
  console.log(`\n${table}`);
  if (!quick) {
    const dir = join(ROOT, "bench/results");
    mkdirSync(dir, { recursive: true });
    const stem = `${report.date.slice(0, 10)}${label ? `-${label}` : ""}`;
    writeFileSync(join(dir, `${stem}.json`), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(dir, `${stem}.md`), table);
    writeFileSync(join(dir, "latest.svg"), svgChart(report));
    writeFileSync(join(dir, "latest.md"), table);
    progress(`wrote bench/results/${stem}.json, ${stem}.md, latest.md and latest.svg`);
    progress("to commit the run, paste the output of `bun bench/history.ts` into the README's table of runs (a test checks it)");
  }
  const failures = algorithms.flatMap((a) => [a.http.autocannon, ...(a.http.wrk ? [a.http.wrk] : [])]).reduce((sum, r) => sum + r.non2xx + r.errors, 0);
  if (failures > 0) {
    progress(`${failures} requests failed during the run`);
    process.exitCode = 1;
  }
}

/** First starts on copies of the bench's token (its keys, none of Signet's): first signature times, ms. */
async function firstStartsOnCopies(dataDir: string, tokenDir: string, copies: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 1; i <= copies; i++) {
    const copy = `${dataDir}-first-${i}`;
    rmSync(copy, { recursive: true, force: true });
    cpSync(tokenDir, join(copy, "hsm"), { recursive: true });
    // SoftHSM's configuration names the token directory by its absolute path.
    const conf = join(copy, "hsm/softhsm2.conf");
    writeFileSync(conf, readFileSync(conf, "utf8").replace(tokenDir, join(copy, "hsm")));
    const server = await startServer(copy, apiKey);
    times.push(await firstSignature(server));
    await server.stop();
    rmSync(copy, { recursive: true, force: true });
  }
  return times;
}

/**
 * P-256 over HTTP with the audit of every signature off, then on, alternating; medians. Each
 * run starts a server on the existing token and database, so each also times a restart. In
 * each pair's minutes the skeleton answers the same signature without a record (POST /hop),
 * then once a small record is durable (POST /hop-record): what a durable record costs a signed
 * answer with no Signet code, the audit cost's reach.
 */
async function measureAuditCost(dataDir: string, skeleton: Skeleton, p256Key: string): Promise<{ cost: AuditCostReport; restarts: number[] }> {
  const pairs = quick ? 1 : 3;
  const rates: Record<"off" | "on", number[]> = { off: [], on: [] };
  const skeletonRates: Record<"off" | "on", number[]> = { off: [], on: [] };
  const restarts: number[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    for (const mode of ["off", "on"] as const) {
      progress(`audit cost: P-256 with the audit of operations ${mode} (${pair + 1}/${pairs})`);
      const server = registered(await startServer(dataDir, apiKey, { SIGNET_AUDIT_OPERATIONS: String(mode === "on") }));
      restarts.push(await firstSignature(server));
      const request = signRequest(server.url, "bench-p256", "SHA256_WITH_ECDSA");
      // As long as the signing route's warm-up above: with the audit on, the compiler threads
      // spent 12-17 µs a request in a fresh server's first 5 s (the writer thread's code is
      // compiled apart from the main thread's), against 1-2 µs from the 10th s on.
      await warmUp(request, 5);
      await quiet();
      rates[mode].push((await saturate(request)).requestsPerSecond);
      await stopServer(server);
    }
    for (const mode of ["off", "on"] as const) {
      progress(`audit cost: the skeleton's P-256 answer ${mode === "on" ? "once its record is durable" : "without a record"} (${pair + 1}/${pairs})`);
      const load = await skeletonSaturated(skeleton, signRequest(skeleton.url, "bench-p256", "SHA256_WITH_ECDSA"), hopRecordPath(p256Key, "ecdsa", 1, mode === "on"));
      skeletonRates[mode].push(load.requestsPerSecond);
    }
  }
  const costOf = (runs: Record<"off" | "on", number[]>) => {
    const off = median(runs.off);
    const on = median(runs.on);
    return { offPerSecond: off, onPerSecond: on, cost: ratio(off - on, off), runs };
  };
  return { cost: { pairs, ...costOf(rates), skeleton: costOf(skeletonRates) }, restarts };
}

/** The audit writer's commit counters (GET /v1/audit/commits), null in a build without them. */
async function auditCommits(server: BenchServer): Promise<CommitStatsSnapshot | null> {
  const response = await fetch(`${server.url}/v1/audit/commits`, { headers: { "x-api-key": apiKey } });
  return response.ok ? ((await response.json()) as CommitStatsSnapshot) : null;
}

/** GET /v1/signing/timing; null in a build without it. */
async function signingTiming(server: BenchServer): Promise<SigningTimingSnapshot | null> {
  const response = await fetch(`${server.url}/v1/signing/timing`, { headers: { "x-api-key": apiKey } });
  return response.ok ? ((await response.json()) as SigningTimingSnapshot) : null;
}

function timingWindow(before: SigningTimingSnapshot | null, after: SigningTimingSnapshot | null): SigningTimingWindow | null {
  if (!before || !after || after.signer.count === before.signer.count) return null;
  const part = (name: "signer" | "audit") => ({ p50: quantileMs(before[name], after[name], 0.5), p99: quantileMs(before[name], after[name], 0.99) });
  return { signatures: after.signer.count - before.signer.count, signer: part("signer"), audit: part("audit") };
}

function commitWindow(before: CommitStatsSnapshot | null, after: CommitStatsSnapshot | null): AuditCommitWindow | null {
  if (!before || !after || after.commits === before.commits) return null;
  return {
    commits: after.commits - before.commits,
    recordsPerCommit: Math.round(((after.records - before.records) / (after.commits - before.commits)) * 10) / 10,
    p50: commitQuantileMs(before, after, 0.5),
    p99: commitQuantileMs(before, after, 0.99),
  };
}

/**
 * Runs a load between two runs of the C program on all cores (half a measurement each), so
 * that the load is judged against the limit of the same minutes: on this VM the C loop alone
 * moved by 10-25% within a minute with no steal to show for it (bench/NOTES.md).
 */
async function aroundLimit<T>(target: NativeTarget, c: (typeof CASES)[number], load: () => Promise<T>): Promise<{ result: T; around: PhysicalAround }> {
  const limit = async () => {
    await quiet();
    return runNative(target, c.label, c.native, physicalThreads, quick ? seconds : Math.max(1, Math.round(seconds / 2)));
  };
  progress(`  physical limit just before (C, ${physicalThreads} threads)`);
  const before = await limit();
  const result = await load();
  progress(`  physical limit just after (C, ${physicalThreads} threads)`);
  return { result, around: { before, after: await limit() } };
}

async function measureBatch(server: BenchServer, skeleton: Skeleton, nativeTarget: NativeTarget, p256Key: string): Promise<BatchReport | null> {
  const items = 64;
  const body = JSON.stringify({
    requests: Array.from({ length: items }, (_, i) => ({
      reference: String(i), signKeyName: "bench-p256", signatureAlgorithm: "SHA256_WITH_ECDSA", payload: payloadBase64,
    })),
  });
  const request: LoadRequest = { url: `${server.url}/v1/batchSign`, method: "POST", headers: { "x-api-key": apiKey, "content-type": "application/json" }, body };
  const probe = await fetch(request.url, { method: "POST", headers: request.headers, body });
  if (probe.status === 404) {
    progress("batchSign: the route does not exist in this build; skipped");
    return null;
  }
  progress(`batchSign: ${items} P-256 signatures per call`);
  // As long as the signing route's warm-up: the batch route, the batch's domain code and its
  // records are compiled apart from a single signature's. A fresh server's JIT threads spent
  // 77-102 µs a call in the 8 s after 3 s of batch load, and 17-106 µs in the 32 s after.
  await warmUp(request, 5);
  const p256 = CASES.find((c) => c.name === "ECDSA P-256")!;
  const loads = await aroundLimit(nativeTarget, p256, async () => ({
    loads: await bothGenerators(server, "batchSign", request),
    skeleton: await skeletonThroughput(skeleton, request, p256Key, p256.native, items),
    apiSkeleton: await apiSkeletonThroughput(skeleton, request, p256Key, p256.native, items),
  }));
  const top = bestLoad(loads.result.loads);
  const signatures = top.requestsPerSecond * items;
  return {
    items,
    requestsPerSecond: top.requestsPerSecond,
    signaturesPerSecond: signatures,
    toPhysical: ratio(signatures, limitAround(loads.around)),
    physicalAround: loads.around,
    latencyMs: top.latencyMs,
    generator: top.generator,
    cpuMicrosPerRequest: top.cpuMicrosPerRequest,
    skeleton: skeletonToPhysical(loads.result.skeleton, loads.around),
    apiSkeleton: skeletonToPhysical(loads.result.apiSkeleton, loads.around),
    loads: loads.result.loads,
  };
}

/**
 * Runs main, then the cleanups, also when main fails or the run is interrupted. One run of the
 * cleanups serves both: Ctrl-C also interrupts the load generator of the moment, whose failure
 * ends main while the signal's cleanup is still under way.
 */
async function atExit(run: () => Promise<void>): Promise<void> {
  let cleaning: Promise<void> | null = null;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      while (cleanups.length > 0) await cleanups.pop()!();
    })());
  process.once("SIGINT", () => void cleanUp().finally(() => process.exit(130)));
  try {
    await run();
  } finally {
    await cleanUp();
  }
}

await atExit(main);
