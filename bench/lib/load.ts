/**
 * HTTP load generators, each in its own process so that its CPU is not the server's:
 * autocannon (the design card's choice, single-threaded JavaScript, run under Node.js in one
 * process that serves all of a bench's runs) and,
 * where it is installed, wrk (multi-threaded C, much lighter per request). Latency at a fixed
 * rate is measured by native/ratedload.c (see there why not autocannon -R).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./server";

export interface LoadResult {
  generator: "autocannon" | "wrk" | "ratedload";
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; p999?: number; max: number };
  non2xx: number;
  errors: number;
  total: number;
  /** CPU seconds per second of the load generator (in cores). */
  generatorCores: number;
  seconds: number;
  /** Fixed-rate runs only: how long after the last request was due the server took to answer everything. */
  drainMs?: number;
}

/**
 * Whether a fixed-rate run was sustained: a server that keeps up answers the last request due
 * within its usual latency; one that does not leaves a backlog it works off after the window
 * (its latencies then measure the backlog, not the service at that rate).
 */
export function sustained(result: LoadResult): boolean {
  return (result.drainMs ?? 0) <= 500;
}

export interface LoadRequest {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
}

/** CPU seconds spent over `seconds` of wall time, in cores, to two decimals. */
function coresOver(cpuSeconds: number, seconds: number): number {
  return Math.round((cpuSeconds / seconds) * 100) / 100;
}

/** The cores an exited generator process used over the `seconds` it ran. */
export function generatorCores(proc: { resourceUsage(): { cpuTime: { user: number | bigint; system: number | bigint } } | undefined }, seconds: number): number {
  const usage = proc.resourceUsage();
  return usage ? coresOver((Number(usage.cpuTime.user) + Number(usage.cpuTime.system)) / 1e6, seconds) : 0;
}

/** The long-lived autocannon process (autocannon-runner.mjs), started at the first run. */
let runner: { proc: Bun.Subprocess<"pipe", "pipe", "inherit">; lines: AsyncGenerator<string>; queue: Promise<unknown> } | null = null;

async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  let buffered = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
      yield buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
    }
  }
}

function autocannonRunner(): NonNullable<typeof runner> {
  if (runner && runner.proc.exitCode === null) return runner;
  // Its stderr is the bench's: nothing reads a pipe between runs, and a failure's message shows.
  const proc = Bun.spawn(["node", join(ROOT, "bench/lib/autocannon-runner.mjs")], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  // Idle between runs, it must not keep the bench alive; its stdin ends when the bench exits.
  proc.unref();
  runner = { proc, lines: linesOf(proc.stdout), queue: Promise.resolve() };
  return runner;
}

/** One run in the runner, after any run already asked of it. */
function runInRunner(spec: object): Promise<{ result: Record<string, any>; cpuMicros: number }> {
  const r = autocannonRunner();
  const run = r.queue.then(async () => {
    r.proc.ref();
    try {
      r.proc.stdin.write(`${JSON.stringify(spec)}\n`);
      r.proc.stdin.flush();
      const line = await r.lines.next();
      if (line.done) throw new Error(`autocannon's runner ended (exit code ${await r.proc.exited}); its error, if any, is above`);
      const answer = JSON.parse(line.value);
      if (answer.error) throw new Error(`autocannon failed: ${answer.error}`);
      return answer as { result: Record<string, any>; cpuMicros: number };
    } finally {
      r.proc.unref();
    }
  });
  r.queue = run.catch(() => undefined);
  return run;
}

export async function autocannon(request: LoadRequest, options: { connections: number; seconds: number }): Promise<LoadResult> {
  // autocannon checks its deadline once a sample interval (1 s by default): a run shorter than
  // that needs a shorter interval to stop on time.
  const sampleMs = Math.min(1000, Math.max(50, Math.round(options.seconds * 250)));
  const { result, cpuMicros } = await runInRunner({ ...request, connections: options.connections, seconds: options.seconds, sampleMs });
  // The time it ran, which overshoots the time asked for by up to a sample interval.
  const seconds = (result.duration as number) > 0 ? (result.duration as number) : options.seconds;
  return {
    generator: "autocannon",
    requestsPerSecond: Math.round(result.requests.total / seconds),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, p999: result.latency.p99_9, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
    generatorCores: coresOver(cpuMicros / 1e6, seconds),
    seconds,
  };
}

export function wrkInstalled(): boolean {
  return Bun.spawnSync(["sh", "-c", "command -v wrk"]).exitCode === 0;
}

/**
 * The generator `saturate` uses for a run of `seconds`: the lighter one there is, wrk when
 * installed, else autocannon; autocannon too for a run shorter than wrk's shortest (the smokes').
 */
export function saturatingGenerator(seconds: number): "wrk" | "autocannon" {
  return wrkInstalled() && wrkSeconds(seconds) === seconds ? "wrk" : "autocannon";
}

/** One load at saturation with `saturatingGenerator`'s choice. */
export function saturate(request: LoadRequest, options: { connections: number; seconds: number; threads: number }): Promise<LoadResult> {
  return saturatingGenerator(options.seconds) === "wrk" ? wrk(request, options) : autocannon(request, options);
}

const WRK_SCRIPT = `
local spec = os.getenv("SIGNET_BENCH_REQUEST")
local method, headers, body = spec:match("^(%u+)\\n(.-)\\n\\n(.*)$")
wrk.method = method
for name, value in headers:gmatch("([^:\\n]+): ([^\\n]*)") do wrk.headers[name] = value end
if #body > 0 then wrk.body = body end
done = function(summary, latency, requests)
  io.write(string.format('{"requests":%d,"duration":%d,"non2xx":%d,"errors":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max))
end
`;

let wrkScript: string | null = null;

/** wrk takes whole seconds: its shortest run is one. */
export function wrkSeconds(seconds: number): number {
  return Math.max(1, Math.round(seconds));
}

export async function wrk(request: LoadRequest, options: { connections: number; seconds: number; threads: number }): Promise<LoadResult> {
  if (!wrkScript) {
    wrkScript = join(mkdtempSync(join(tmpdir(), "signet-wrk-")), "request.lua");
    writeFileSync(wrkScript, WRK_SCRIPT);
  }
  const spec = `${request.method}\n${Object.entries(request.headers).map(([n, v]) => `${n}: ${v}`).join("\n")}\n\n${request.body ?? ""}`;
  const proc = Bun.spawn(
    ["wrk", `-t${options.threads}`, `-c${options.connections}`, `-d${wrkSeconds(options.seconds)}s`, "-s", wrkScript, request.url],
    { env: { ...process.env, SIGNET_BENCH_REQUEST: spec }, stdout: "pipe", stderr: "pipe" },
  );
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`wrk failed (${code}): ${err.slice(0, 500)}`);
  const line = out.trim().split("\n").pop()!;
  const r = JSON.parse(line);
  const ms = (us: number) => Math.round(us / 10) / 100;
  const seconds = r.duration / 1e6;
  return {
    generator: "wrk",
    requestsPerSecond: Math.round(r.requests / seconds),
    latencyMs: { p50: ms(r.p50), p90: ms(r.p90), p99: ms(r.p99), p999: ms(r.p999), max: ms(r.max) },
    non2xx: r.non2xx,
    errors: r.errors,
    total: r.requests,
    generatorCores: generatorCores(proc, seconds),
    seconds,
  };
}
