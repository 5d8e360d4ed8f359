/**
 * HTTP load with autocannon (the design card's load generator), run under Node.js in its
 * own process so that its CPU is not the server's.
 */
import { join } from "node:path";
import { ROOT } from "./server";

export interface LoadResult {
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  total: number;
}

export interface LoadOptions {
  url: string;
  apiKey: string;
  body: unknown;
  connections: number;
  seconds: number;
  pipelining?: number;
}

export async function autocannon(options: LoadOptions): Promise<LoadResult> {
  const args = [
    join(ROOT, "node_modules/autocannon/autocannon.js"),
    "--json",
    "-c", String(options.connections),
    "-d", String(options.seconds),
    "-p", String(options.pipelining ?? 1),
    "-m", "POST",
    "-H", `x-api-key=${options.apiKey}`,
    "-H", "content-type=application/json",
    "-b", JSON.stringify(options.body),
    options.url,
  ];
  const proc = Bun.spawn(["node", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, , code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`autocannon failed (${code})`);
  const result = JSON.parse(out);
  return {
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  };
}
