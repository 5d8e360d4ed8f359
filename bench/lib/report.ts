/** The bench report: its shape, the Markdown table and the SVG chart the README shows. */
import type { BindingResult } from "./binding";
import { n, pct } from "./format";
import { sustained, type LoadResult } from "./load";
import { loadsTable } from "./loads-table";
import { cpuMicrosPerSignature, type NativeResult } from "./native";
import type { PoolResult } from "./pool";

export interface MeasuredLoad extends LoadResult {
  serverCores: number;
  /** The machine's CPU time stolen by the hypervisor during the run, in percent. */
  stealPercent: number;
  /** The server's peak RSS during this load alone (since 2026-12-02 12:20; before, since the server started). */
  serverPeakRssMb: number;
  /** The server's CPU per request by part, and the load generator's, in µs. */
  cpuMicrosPerRequest: { main: number; signing: number; audit: number; runtime: number; generator: number };
  /** Operations a Worker message carried (GET /v1/pool) and audit records a commit held, during the run. */
  operationsPerBatch: number | null;
  recordsPerCommit: number | null;
}

/**
 * The C program on all cores just before and just after a load run. On this VM the same C loop
 * moves by 10-25% within a minute with no steal to show for it (bench/NOTES.md), so a load run
 * is judged against the limit measured around it, not against the start of the suite.
 */
export interface PhysicalAround {
  before: NativeResult;
  after: NativeResult;
}

export interface AlgorithmReport {
  name: string;
  algorithm: string;
  /** oneThread and allCores at the start of the suite; aroundHttp bracketing the HTTP runs (absent in older results). */
  physical: { oneThread: NativeResult; allCores: NativeResult; aroundHttp?: PhysicalAround };
  /** pkcs11js alone, one Worker per core, the physical limit's loop: the stack's own ceiling. */
  binding: BindingResult;
  pool: PoolResult;
  http: { wrk?: MeasuredLoad; autocannon: MeasuredLoad };
  /** The skeleton of the same answer at saturation, between the same C runs (absent in older results). */
  skeleton?: SkeletonThroughput;
  /** The skeleton doing the API's own work for the same request (POST /sign-api), as BatchReport's; absent before 2026-12-03 17:00. */
  apiSkeleton?: SkeletonThroughput;
  /** The better of the two generators, which the targets are judged on. */
  best: { generator: string; perSecond: number; toPhysical: number; toFloor: number };
  /**
   * floorAtSameRate: GET /v1/versionInfo at the same rate, the platform's own tail.
   * auditCommitMs: the audit writer's commits during the signing run (GET /v1/audit/commits).
   */
  latencyUnderLoad: {
    share: number;
    rate: number;
    /** With the server's CPU, peak RSS and CPU a request by part since 2026-12-03 (a plain LoadResult before). */
    result: LoadResult | MeasuredLoad;
    floorAtSameRate: LoadResult;
    auditCommitMs: AuditCommitWindow | null;
    /** GET /v1/signing/timing around the signing run (absent in results written before it existed). */
    insideMs?: SigningTimingWindow | null;
    stealPercent: number;
    /** At 50% only: bench/lib/skeleton-server.ts at the same rate (runs without it have none). */
    skeletonAtSameRate?: SkeletonLatency;
  }[];
}

/**
 * bench/lib/skeleton-server.ts at the rate of a 50% run: record, an answer that waits only for
 * a durable record; hopRecord, a Worker hop that makes the signature on the token (pkcs11js
 * alone, the same key and mechanism) and then the record.
 */
export interface SkeletonLatency {
  /** The hop's mechanism (bench/lib/pkcs11-mechanisms.ts). Results before ae90d27 (2026-12-02 17:26) have spinUs, calibrated work, instead. */
  mechanism: string;
  record: LoadResult;
  hopRecord: LoadResult;
}

/**
 * Inside Signet during a fixed-rate run, as bucket bounds (at most √2 above the true value;
 * null past 128 ms): the signer's part (queue, Worker hop, token) and the wait for the audit record.
 */
export interface SigningTimingWindow {
  signatures: number;
  signer: { p50: number | null; p99: number | null };
  audit: { p50: number | null; p99: number | null };
}

export interface SkeletonSaturated {
  generator: string;
  requestsPerSecond: number;
  /** CPU a request in µs: the skeleton's process (all its threads) and the load generator. */
  cpuMicrosPerRequest: { server: number; generator: number };
  /** The process's part by thread, as Signet's (signing = the hop's Workers, audit = the writer); absent in older results. */
  parts?: { main: number; signing: number; audit: number; runtime: number };
}

/**
 * bench/lib/skeleton-server.ts's POST /hop-record at saturation: Bun.serve, Worker operations
 * batched as Signet's pool batches them, each a signature on the token through pkcs11js alone,
 * and a durable record a request; no Signet code. What these parts allow here, as a share of
 * the same C runs that Signet's runs are divided by.
 */
export interface SkeletonThroughput {
  /** The signatures' mechanism (bench/lib/pkcs11-mechanisms.ts). Results before ae90d27 (2026-12-02 17:26) have spinUs, calibrated work, instead. */
  mechanism: string;
  /** Operations a request (batchSign's items). */
  ops: number;
  load: SkeletonSaturated;
  /** Operations a second ÷ the mean of the C runs around it. */
  toPhysical: number;
}

export interface DurableFloor {
  answer: SkeletonSaturated;
  record: SkeletonSaturated;
  /** record − answer, in µs of CPU a request (server and generator), at least 0. */
  recordAddsMicros: number;
}

/** Commit times as bucket bounds (at most √2 above the true value); null past 128 ms. */
export interface AuditCommitWindow {
  commits: number;
  recordsPerCommit: number;
  p50: number | null;
  p99: number | null;
}

export interface BatchReport {
  items: number;
  requestsPerSecond: number;
  signaturesPerSecond: number;
  /** Against the P-256 limit measured around the batch runs (at the start of the suite in older results). */
  toPhysical: number;
  physicalAround?: PhysicalAround;
  latencyMs: LoadResult["latencyMs"];
  generator: string;
  /** CPU a call by part, in the best run (absent in older results). */
  cpuMicrosPerRequest?: MeasuredLoad["cpuMicrosPerRequest"];
  /** The skeleton of the same call at saturation, between the same C runs (absent in older results). */
  skeleton?: SkeletonThroughput;
  /**
   * The skeleton doing the batch API's own work for the same body (POST /batch-api: the JSON,
   * the payloads' decoding, hashing, DER and base64 in its Workers, a durable record listing
   * the 64 digests, the answer with every signature), between the same C runs; absent before
   * 2026-12-03 16:20. What a batch service of this shape allows, where `skeleton` is its parts alone.
   */
  apiSkeleton?: SkeletonThroughput;
  /** Both generators' runs, as measured (absent in results before 2026-12-03). */
  loads?: { wrk?: MeasuredLoad; autocannon: MeasuredLoad };
}

/** One load at saturation with a given number of connections, and how busy the machine was meanwhile. */
export interface ConcurrencyLoad {
  generator: string;
  requestsPerSecond: number;
  latencyMs: LoadResult["latencyMs"];
  /** The server's CPU over the run, in cores. */
  serverCores: number;
  /** The machine's CPU time no thread used over the run (the load generator's threads included). */
  idlePercent: number;
}

/** P-256 synchronousSign at one connection count: Signet, then the skeleton of the same answer (POST /hop-record). */
export interface ConcurrencyPoint {
  connections: number;
  signet: ConcurrencyLoad;
  skeleton: ConcurrencyLoad;
}

export interface AuditCost {
  offPerSecond: number;
  onPerSecond: number;
  /** 1 - on/off. */
  cost: number;
  runs: { off: number[]; on: number[] };
}

export interface AuditCostReport extends AuditCost {
  pairs: number;
  /** The skeleton's P-256 answer without (off) and with (on) a durable record, in the same pairs; absent in older results. */
  skeleton?: AuditCost;
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean;
  /** Missed, and this run shows that no service on the design card's stack in front of this token could meet it here (the measured text says why). */
  outOfReach?: boolean;
  /** Missed, and the skeleton of the same answer missed it too, but by less than it moves between runs. */
  atEdge?: boolean;
}

/** A target's verdict as the report prints it. */
export function targetVerdict(t: Target): string {
  return t.met ? "met" : t.outOfReach ? "**missed**, out of reach here" : t.atEdge ? "**missed**, at the edge of reach here" : "**missed**";
}

export interface BenchTokenReport {
  external: boolean;
  description: string;
}

/** What runs signed on when they do not say (all runs before 2026-12-03), and what an embedded run says. */
export const EMBEDDED_TOKEN: BenchTokenReport = { external: false, description: "embedded SoftHSM token" };

/** The token a run signed on. */
export function tokenOf(report: Pick<BenchReport, "token">): BenchTokenReport {
  return report.token ?? EMBEDDED_TOKEN;
}

/** Signet's share of the physical limit over the skeleton's: what Signet's own code leaves of what the parts allow. */
export function signetToSkeleton(signetToPhysical: number, skeleton: SkeletonThroughput): number {
  return signetToPhysical / (skeleton.toPhysical || 1);
}

/** What the run's first start was: on the embedded token it made Signet's keys; an external token may hold them already. */
export function firstStartName(report: Pick<BenchReport, "token">): string {
  return tokenOf(report).external
    ? "First start on a fresh data directory (an external token: Signet's keys made only where it lacks them)"
    : "First start (Signet's keys generated)";
}

export interface BenchReport {
  date: string;
  /** stealPercent: the CPU time the hypervisor took from this VM over the whole run. */
  machine: { host: string; cores: number; model: string; load: number[]; stealPercent?: number };
  versions: { bun: string; softhsm: string };
  /** What the run signed on: the embedded SoftHSM token, or an external one (absent in runs before 2026-12-03: embedded). */
  token?: BenchTokenReport;
  /** physicalThreads: the C program's threads in its multi-threaded runs (absent in older results: one per core). */
  settings: { seconds: number; connections: number; quick: boolean; workers: number; physicalThreads?: number };
  /** The first start creates Signet's own keys on the token; restarts are the audit-cost runs'. */
  /**
   * firstSignatureMs: the median of firstStarts (first starts on copies of the token, the last
   * on the token itself, whose listening time and steps are the others here).
   */
  startup: { listeningMs: number; firstSignatureMs: number; firstStarts?: number[]; restartFirstSignatureMs: number; restarts: number[]; firstStartPhasesMs: Record<string, number> };
  floor: { wrk?: MeasuredLoad; autocannon: MeasuredLoad };
  /**
   * The skeleton (no Signet code, no signing) at saturation: an answer, and the same answer once
   * a record is durable (issue 5). The difference is the least CPU a durable record adds to a
   * request here. Absent in results written before it existed.
   */
  durableFloor?: DurableFloor;
  algorithms: AlgorithmReport[];
  batch: BatchReport | null;
  auditCost: AuditCostReport;
  /** Saturation at several connection counts (absent in older results). */
  concurrency?: ConcurrencyPoint[];
  peakRssMb: number;
  /** The stage in which the server reached peakRssMb (each load's own peak is its serverPeakRssMb); absent in older results. */
  peakRssStage?: string;
  targets: Target[];
}

/** The C program's multi-threaded runs, as the tables name them: "all cores", or its thread count when --threads set another. */
function physicalAllName(report: Pick<BenchReport, "settings" | "machine">): string {
  const threads = report.settings.physicalThreads;
  return threads === undefined || threads === report.machine.cores ? "all cores" : `${threads} threads`;
}

/** The faster of a stage's two generators, wrk on a tie: every table and ratio of a run reads this one. */
export function bestLoad(loads: { wrk?: MeasuredLoad; autocannon: MeasuredLoad }): MeasuredLoad {
  return loads.wrk && loads.wrk.requestsPerSecond >= loads.autocannon.requestsPerSecond ? loads.wrk : loads.autocannon;
}

/** A fixed-rate run's p99, marked when the server did not sustain the rate (load.ts). */
export function p99Text(result: LoadResult): string {
  return sustained(result) ? `${result.latencyMs.p99}` : `${result.latencyMs.p99} (not sustained: ${Math.round(result.drainMs ?? 0)} ms of backlog)`;
}

/** An algorithm's fixed-rate run at `share` of its maximum (0.5 or 0.8), if the run made one. */
export function rateRun(a: AlgorithmReport, share: number): AlgorithmReport["latencyUnderLoad"][number] | undefined {
  return a.latencyUnderLoad.find((l) => l.share === share);
}

/** The physical limit a load run is judged against: the mean of the C runs around it. */
export function limitAround(around: PhysicalAround): number {
  return Math.round((around.before.perSecond + around.after.perSecond) / 2);
}

/** How far the limit moved across the load run: |after − before| over their mean. */
export function driftAround(around: PhysicalAround): number {
  return Math.abs(around.after.perSecond - around.before.perSecond) / Math.max(1, limitAround(around));
}

/** The physical limit of an algorithm's HTTP runs: around them, or the suite's start in older results. */
export function httpLimit(a: AlgorithmReport): number {
  return a.physical.aroundHttp ? limitAround(a.physical.aroundHttp) : a.physical.allCores.perSecond;
}

/** The token's CPU a signature (C, all cores) while the HTTP runs were made: the mean of the runs around them. */
export function httpTokenCpu(a: AlgorithmReport): number {
  const around = a.physical.aroundHttp;
  return around ? (cpuMicrosPerSignature(around.before) + cpuMicrosPerSignature(around.after)) / 2 : cpuMicrosPerSignature(a.physical.allCores);
}

/** "3,010 → 3,150/s": the C runs just before and after a load run. */
function aroundText(around: PhysicalAround | undefined): string {
  return around ? `${n(around.before.perSecond)} → ${n(around.after.perSecond)}/s` : "–";
}

export function markdown(report: BenchReport): string {
  const lines: string[] = [];
  lines.push(`Bench ${report.date.slice(0, 16).replace("T", " ")} UTC, ${report.machine.cores}-core ${report.machine.model}, load average at start ${report.machine.load.map((l) => l.toFixed(2)).join(" ")}, VM steal over the run ${report.machine.stealPercent ?? "–"}%; Bun ${report.versions.bun}, SoftHSM ${report.versions.softhsm}, ${tokenOf(report).description}, ${report.settings.workers} Workers, ${report.settings.connections} connections, ${report.settings.seconds} s per measurement.`);
  lines.push("");
  const all = physicalAllName(report);
  lines.push(`| algorithm | physical 1 thread | physical ${all} | pkcs11js in Workers | pool, no HTTP | physical ${all}, just before → after HTTP | HTTP wrk | HTTP autocannon | HTTP ÷ physical | HTTP ÷ floor | p50 / p99 at max | p99 at 50% / 80% (floor at the same rate) |`);
  lines.push("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const a of report.algorithms) {
    const at = (share: number) => {
      const l = rateRun(a, share);
      return l ? `${p99Text(l.result)} (${l.floorAtSameRate.latencyMs.p99})` : "–";
    };
    const top = bestLoad(a.http);
    lines.push(
      `| ${a.name} | ${n(a.physical.oneThread.perSecond)}/s | ${n(a.physical.allCores.perSecond)}/s | ${n(a.binding.perSecond)}/s (${pct(a.binding.perSecond / (a.physical.allCores.perSecond || 1))}) | ${n(a.pool.perSecond)}/s (${pct(a.pool.perSecond / (a.physical.allCores.perSecond || 1))}) | ${aroundText(a.physical.aroundHttp)} | ${a.http.wrk ? `${n(a.http.wrk.requestsPerSecond)}/s` : "–"} | ${n(a.http.autocannon.requestsPerSecond)}/s | ${pct(a.best.toPhysical)} | ${pct(a.best.toFloor)} | ${top.latencyMs.p50} / ${top.latencyMs.p99} ms | ${at(0.5)} / ${at(0.8)} ms |`,
    );
  }
  lines.push("");
  lines.push("A fixed-rate run marked \"not sustained\" left a backlog when its window closed: the server answered the last request due that many ms later, so its latencies measure the backlog, not the service at that rate (uniformly spaced requests batch less than a saturating closed loop, so a rate below the maximum measured by wrk or autocannon can be more than the service keeps up with).");
  lines.push("");
  lines.push("The first columns were measured one after another at the start of the suite (pkcs11js and the pool against the C figure next to them); HTTP ÷ physical divides by the mean of the C runs made just before and just after that algorithm's HTTP runs, minutes later. The same C loop moves by 10-25% within a minute on this VM, with no steal to show for it (bench/NOTES.md).");
  lines.push("");
  lines.push(skeletonThroughputTable(report));
  lines.push("");
  lines.push(skeletonTable(report));
  lines.push("");
  lines.push(commitTable(report));
  lines.push("");
  lines.push(cpuTable(report));
  if (report.concurrency?.length) {
    lines.push("");
    lines.push(concurrencyTable(report.concurrency, report.settings.connections));
  }
  const floor = bestLoad(report.floor);
  lines.push("");
  lines.push(`HTTP floor (GET /v1/versionInfo, authenticated): ${n(floor.requestsPerSecond)} req/s with ${floor.generator} (server ${floor.serverCores} cores, generator ${floor.generatorCores} cores).`);
  const durable = report.durableFloor;
  if (durable) {
    const line = (load: SkeletonSaturated) => `${n(load.requestsPerSecond)} req/s with ${load.generator}, ${load.cpuMicrosPerRequest.server} + ${load.cpuMicrosPerRequest.generator} µs of CPU a request (skeleton + generator)`;
    lines.push(`What a durable record adds to an answer with no Signet code (the skeleton at saturation, no signing): an answer ${line(durable.answer)}; the same answer once its record is durable ${line(durable.record)}: ${durable.recordAddsMicros} µs a request.`);
  }
  if (report.batch) {
    const around = report.batch.physicalAround;
    lines.push(`batchSign, ${report.batch.items} P-256 signatures per call: ${n(report.batch.signaturesPerSecond)} signatures/s (${pct(report.batch.toPhysical)} of the physical limit${around ? `, the C program just before → after: ${aroundText(around)}` : ""}), p99 ${report.batch.latencyMs.p99} ms per call.`);
  }
  const audit = report.auditCost;
  const auditSkeleton = audit.skeleton
    ? ` In the same minutes the skeleton (no Signet code) answered the same signature at ${n(audit.skeleton.offPerSecond)}/s without a record and ${n(audit.skeleton.onPerSecond)}/s once a small record was durable: ${pct(audit.skeleton.cost)}.`
    : "";
  lines.push(`Auditing every signature: P-256 ${n(audit.offPerSecond)}/s with the audit of operations off, ${n(audit.onPerSecond)}/s with it on (median of ${audit.pairs} alternating runs): ${pct(audit.cost)} of throughput.${auditSkeleton}`);
  const firsts = report.startup.firstStarts ?? [report.startup.firstSignatureMs];
  lines.push(`${firstStartName(report)}${firsts.length > 1 ? `, timed ${firsts.length} times on copies of one token` : ""}: first signature after ${firsts.join(", ")} ms (median ${report.startup.firstSignatureMs}), the last listening after ${report.startup.listeningMs} ms; restarts: first signature after ${report.startup.restarts.join(", ")} ms (median ${report.startup.restartFirstSignatureMs}). The last first start's steps, as the server logged them: ${phasesText(report.startup.firstStartPhasesMs)}. Server peak RSS ${report.peakRssMb} MB${report.peakRssStage ? ` (stage: ${report.peakRssStage})` : ""}.`);
  lines.push("");
  lines.push("| target | wanted | measured | |");
  lines.push("|---|---|---|---|");
  for (const t of report.targets) lines.push(`| ${t.name} | ${t.target} | ${t.measured} | ${targetVerdict(t)} |`);
  lines.push("");
  lines.push(loadsTable(report));
  return `${lines.join("\n")}\n`;
}

/**
 * Signet beside the skeleton of the same answer at saturation, both divided by the C runs
 * around them: how much of what the parts allow Signet's own code leaves.
 */
function skeletonThroughputTable(report: BenchReport): string {
  const rows = [
    "What the parts of a signed answer allow at saturation, with no Signet code (bench/lib/skeleton-server.ts: Bun.serve, Worker operations batched as Signet's pool batches them, each a signature on the same token and key through pkcs11js alone, and a durable record a request; run between the same C runs as Signet's):",
    "",
    "| algorithm | skeleton, operations/s | skeleton ÷ physical | Signet ÷ physical | Signet ÷ skeleton | µs a request, skeleton → Signet: main thread | Workers | writer | runtime | load generator |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  const add = (name: string, skeleton: SkeletonThroughput | undefined, signetToPhysical: number, signet: MeasuredLoad["cpuMicrosPerRequest"] | null) => {
    if (!skeleton) return;
    const parts = skeleton.load.parts;
    const pair = (part: keyof NonNullable<typeof parts>) => (parts && signet ? `${parts[part]} → ${signet[part]}` : "–");
    rows.push(`| ${name} | ${n(skeleton.load.requestsPerSecond * skeleton.ops)}/s (${skeleton.load.generator}) | ${pct(skeleton.toPhysical)} | ${pct(signetToPhysical)} | ${pct(signetToSkeleton(signetToPhysical, skeleton))} | ${pair("main")} | ${pair("signing")} | ${pair("audit")} | ${pair("runtime")} | ${skeleton.load.cpuMicrosPerRequest.generator}${signet ? ` → ${signet.generator}` : ""} |`);
  };
  for (const a of report.algorithms) {
    const signet = bestLoad(a.http).cpuMicrosPerRequest;
    add(a.name, a.skeleton, a.best.toPhysical, signet);
    add(`${a.name}, the skeleton with the API's work`, a.apiSkeleton, a.best.toPhysical, signet);
  }
  if (report.batch) {
    const { items, skeleton, apiSkeleton, toPhysical, cpuMicrosPerRequest } = report.batch;
    add(`batchSign, ${items} P-256 a call`, skeleton, toPhysical, cpuMicrosPerRequest ?? null);
    add(`batchSign, ${items} P-256 a call, the skeleton with the API's work`, apiSkeleton, toPhysical, cpuMicrosPerRequest ?? null);
  }
  if (rows.length === 4) return "(no skeleton at saturation in this run)";
  if (report.batch?.apiSkeleton || report.algorithms.some((a) => a.apiSkeleton)) {
    rows.push("", "The skeleton with the API's work (POST /sign-api, /batch-api) answers the same request as Signet: it parses the body, sends each payload to its Workers (decoded, hashed for the record, signed, the signature in DER for ECDSA and in base64 there), makes one record of the request's digests durable and answers every signature, with no authentication, schema, policy or Merkle tree; what a service of this API needs at least, where the row above it is the parts alone.");
  }
  return rows.join("\n");
}

/**
 * How far "saturation" depends on the requests kept in flight: a closed loop of N connections
 * allows N / latency, and below some N part of the cores waits with nothing to run, in the
 * skeleton (no Signet code) as in Signet.
 */
function concurrencyTable(points: ConcurrencyPoint[], suiteConnections: number): string {
  const rows = [
    `Saturation by the number of connections (P-256 synchronousSign, Signet then the skeleton of the same answer with no Signet code at each count; the rest of the suite uses ${suiteConnections}). "Idle" is the share of both cores that no thread used, the load generator's included:`,
    "",
    "| connections | Signet | p50 / p99 | Signet's CPU | idle | skeleton | p50 / p99 | idle | Signet ÷ skeleton |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const { connections, signet, skeleton } of points) {
    rows.push(
      `| ${connections} | ${n(signet.requestsPerSecond)}/s (${signet.generator}) | ${signet.latencyMs.p50} / ${signet.latencyMs.p99} ms | ${signet.serverCores} cores | ${signet.idlePercent}% | ${n(skeleton.requestsPerSecond)}/s | ${skeleton.latencyMs.p50} / ${skeleton.latencyMs.p99} ms | ${skeleton.idlePercent}% | ${pct(signet.requestsPerSecond / (skeleton.requestsPerSecond || 1))} |`,
    );
  }
  return rows.join("\n");
}

/**
 * Where the CPU goes, per request, in the best HTTP run of each algorithm (and at 50% load, where
 * a run measured it): the two cores are
 * shared by the load generator, the server's main thread (HTTP, access control, domain), the
 * signing Workers, the audit writer and the runtime (JIT, GC). "token" is what the same
 * signature costs from C (p11bench, all cores, in the runs just before and after the HTTP
 * runs): the part no service can avoid. "Workers ÷ total" is the signing Workers' share of a
 * request's CPU, measured in the same seconds as the load: the ratio to the physical limit the
 * run would read if the C program spent what the Workers spend a signature, so it does not move
 * with the machine's speed between the C runs and the HTTP run as that ratio does.
 */
function cpuTable(report: BenchReport): string {
  const rows = [
    "CPU per request in µs (best HTTP run, and the fixed-rate run at 50% load; for comparison, the same signature's cost from C, in the runs around the HTTP runs, and from pkcs11js alone in Workers):",
    "",
    "| algorithm | token (C) | pkcs11js alone | signing Workers | main thread | audit writer | runtime | load generator | total | Workers ÷ total | cores ÷ total = ceiling | VM steal (C / HTTP) | operations a Worker message | records a commit |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  const add = (name: string, load: MeasuredLoad, token: number | null, binding: number | null, nativeSteal: number | null) => {
    const c = load.cpuMicrosPerRequest;
    const total = Math.round(cpuMicrosTotal(c) * 10) / 10;
    const ceiling = total > 0 ? Math.round((report.machine.cores * 1e6) / total) : 0;
    rows.push(`| ${name} | ${token ?? "–"} | ${binding ?? "–"} | ${c.signing} | ${c.main} | ${c.audit} | ${c.runtime} | ${c.generator} | ${total} | ${c.signing > 0 ? pct(c.signing / total) : "–"} | ${n(ceiling)}/s | ${nativeSteal === null ? "–" : `${nativeSteal}%`} / ${load.stealPercent}% | ${load.operationsPerBatch ?? "–"} | ${load.recordsPerCommit ?? "–"} |`);
  };
  for (const a of report.algorithms) {
    const best = bestLoad(a.http);
    const around = a.physical.aroundHttp;
    const nativeSteal = around ? Math.max(around.before.stealPercent, around.after.stealPercent) : (a.physical.allCores.stealPercent ?? null);
    const token = Math.round(httpTokenCpu(a) * 10) / 10;
    add(`${a.name} (${best.generator})`, best, token, a.binding.cpuMicrosPerSignature, nativeSteal);
    // At half the rate a request mostly travels alone and pays the thread wake-ups that batches share at saturation.
    const half = rateRun(a, 0.5)?.result;
    if (half && "cpuMicrosPerRequest" in half) add(`${a.name} at 50% load (${n(half.requestsPerSecond)}/s, ${half.generator})`, half, token, a.binding.cpuMicrosPerSignature, nativeSteal);
  }
  const floor = bestLoad(report.floor);
  add(`HTTP floor (${floor.generator})`, floor, null, null, null);
  return rows.join("\n");
}

/** A request's CPU in µs, every part of the server's and the load generator's. */
export function cpuMicrosTotal(parts: MeasuredLoad["cpuMicrosPerRequest"]): number {
  return parts.main + parts.signing + parts.audit + parts.runtime + parts.generator;
}

/** The tail at 50% load beside the trivial route and the skeleton of the same answer, at the same rate. */
function skeletonTable(report: BenchReport): string {
  const lines = [
    "Latency at 50% load against what the same rate costs without Signet's code (p50 / p99; the skeleton is bench/lib/skeleton-server.ts: plain Bun.serve, a record made durable by group commit on a writer thread, and Worker operations dispatched and batched as Signet's pool does, at this rate mostly one at a time to an idle Worker, each a signature on the same token and key through pkcs11js alone):",
    "",
    "| algorithm | rate | Signet | trivial route of Signet | skeleton: durable record | skeleton: Worker hop + durable record |",
    "|---|---|---|---|---|---|",
  ];
  const pair = (result: LoadResult) => `${result.latencyMs.p50} / ${result.latencyMs.p99} ms`;
  for (const a of report.algorithms) {
    const l = rateRun(a, 0.5);
    if (!l) continue;
    const k = l.skeletonAtSameRate;
    lines.push(`| ${a.name} | ${n(l.rate)}/s | ${pair(l.result)} | ${pair(l.floorAtSameRate)} | ${k ? pair(k.record) : "–"} | ${k ? pair(k.hopRecord) : "–"} |`);
  }
  return lines.join("\n");
}

/** Where the time of each fixed-rate run went inside Signet: the signer, the audit wait, the commits. */
function commitTable(report: BenchReport): string {
  const lines = [
    "Inside Signet during the fixed-rate runs (GET /v1/signing/timing: the signer's part is the pool's queue, the Worker hop and the token; the audit wait runs from the signature to its durable record, the commits it waited for are GET /v1/audit/commits; times are bucket bounds, at most √2 above the true value):",
    "",
    "| algorithm | load | VM steal | signer p50 / p99 | audit wait p50 / p99 | commits | records a commit | commit p50 | commit p99 | request p50 / p99 |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  const ms = (value: number | null) => (value === null ? "> 128 ms" : `≤ ${value} ms`);
  const pair = (part: { p50: number | null; p99: number | null } | undefined) => (part ? `${ms(part.p50)} / ${ms(part.p99)}` : "–");
  for (const a of report.algorithms) {
    for (const l of a.latencyUnderLoad) {
      const c = l.auditCommitMs;
      const inside = l.insideMs ?? null;
      lines.push(`| ${a.name} | ${l.share * 100}% (${n(l.rate)}/s) | ${l.stealPercent}% | ${pair(inside?.signer)} | ${pair(inside?.audit)} | ${c ? n(c.commits) : "–"} | ${c?.recordsPerCommit ?? "–"} | ${c ? ms(c.p50) : "–"} | ${c ? ms(c.p99) : "–"} | ${l.result.latencyMs.p50} / ${p99Text(l.result)} ms |`);
    }
  }
  return lines.join("\n");
}

/** Grouped bars of throughput per algorithm, and the p99 latency at 50% of the maximum rate. */
export function svgChart(report: BenchReport): string {
  const series = [
    { name: `physical limit (C, ${physicalAllName(report)})`, color: "#1f3b73", value: (a: AlgorithmReport) => a.physical.allCores.perSecond },
    { name: "pkcs11js alone in Workers", color: "#6a51a3", value: (a: AlgorithmReport) => a.binding.perSecond },
    { name: "pool, no HTTP", color: "#3f7fbf", value: (a: AlgorithmReport) => a.pool.perSecond },
    { name: "physical limit around HTTP", color: "#7f8fa6", value: (a: AlgorithmReport) => httpLimit(a) },
    { name: "skeleton, no Signet code", color: "#9bbf85", value: (a: AlgorithmReport) => a.skeleton?.load.requestsPerSecond ?? 0 },
    { name: "HTTP, wrk", color: "#e07b39", value: (a: AlgorithmReport) => a.http.wrk?.requestsPerSecond ?? 0 },
    { name: "HTTP, autocannon", color: "#f2b134", value: (a: AlgorithmReport) => a.http.autocannon.requestsPerSecond },
  ];
  const width = 860;
  const height = 400;
  const left = 70;
  const chartWidth = 560;
  // Bars are drawn up to 120% of the limit (the binding and the pool can exceed it when the
  // machine sped up after the C run): room above the 100% line for them and their labels.
  const top = 80;
  const chartHeight = 240;
  const groups = report.algorithms.length;
  const groupWidth = chartWidth / groups;
  const barWidth = (groupWidth - 20) / series.length;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${left}" y="20" font-size="13" font-weight="bold">Signatures per second, relative to the physical limit at the suite's start (${report.date.slice(0, 10)}, ${report.machine.cores} cores)</text>`);
  for (let tick = 0; tick <= 100; tick += 25) {
    const y = top + chartHeight - (tick / 100) * chartHeight;
    parts.push(`<line x1="${left}" x2="${left + chartWidth}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end">${tick}%</text>`);
  }
  report.algorithms.forEach((a, g) => {
    const limit = a.physical.allCores.perSecond || 1;
    series.forEach((s, i) => {
      const value = s.value(a);
      const h = Math.min(1.2, value / limit) * chartHeight;
      const x = left + g * groupWidth + 10 + i * barWidth;
      parts.push(`<rect x="${x.toFixed(1)}" y="${(top + chartHeight - h).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}"><title>${s.name}: ${value}/s</title></rect>`);
      parts.push(`<text x="${(x + barWidth / 2).toFixed(1)}" y="${(top + chartHeight - h - 3).toFixed(1)}" text-anchor="middle" font-size="9">${value >= 10000 ? `${(value / 1000).toFixed(1)}k` : value}</text>`);
    });
    const p99 = rateRun(a, 0.5)?.result.latencyMs.p99;
    parts.push(`<text x="${left + g * groupWidth + groupWidth / 2}" y="${top + chartHeight + 16}" text-anchor="middle" font-weight="bold">${a.name}</text>`);
    parts.push(`<text x="${left + g * groupWidth + groupWidth / 2}" y="${top + chartHeight + 30}" text-anchor="middle">p99 at 50% load: ${p99 ?? "–"} ms</text>`);
  });
  series.forEach((s, i) => {
    const y = top + 10 + i * 18;
    parts.push(`<rect x="${left + chartWidth + 20}" y="${y - 9}" width="12" height="12" fill="${s.color}"/>`);
    parts.push(`<text x="${left + chartWidth + 38}" y="${y + 1}">${s.name}</text>`);
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

function phasesText(phases: Record<string, number>): string {
  const entries = Object.entries(phases);
  return entries.length === 0 ? "not logged" : entries.map(([name, ms]) => `${name} ${ms} ms`).join(", ");
}
