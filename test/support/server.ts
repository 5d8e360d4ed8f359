/**
 * Starts a real Signet server (bun src/main.ts) on a free port with its own data directory,
 * and talks to it over HTTP. No stubs: a real SoftHSM2 token, a real SQLite file, a real
 * listening process.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

export const ROOT = resolve(import.meta.dir, "../..");
export const BUN = process.execPath;

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `signet-${prefix}-`));
}

export interface StartOptions {
  dataDir?: string;
  env?: Record<string, string>;
  apiKey?: string;
  /** Wait for this long for the "listening" line. */
  timeoutMs?: number;
  /** TLS options for the helper's own fetch calls (CA to trust, client certificate). */
  fetchTls?: { ca?: string; cert?: string; key?: string };
}

export interface RunningSignet {
  url: string;
  apiKey: string;
  dataDir: string;
  process: Subprocess<"ignore", "pipe", "pipe">;
  output(): string;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  json<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T; headers: Headers }>;
  stop(): Promise<number>;
  kill9(): Promise<void>;
}

async function collect(stream: ReadableStream<Uint8Array>, sink: string[], onChunk: () => void): Promise<void> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    sink.push(decoder.decode(value, { stream: true }));
    onChunk();
  }
}

export async function startSignet(options: StartOptions = {}): Promise<RunningSignet> {
  const dataDir = options.dataDir ?? tempDir("data");
  const apiKey = options.apiKey ?? `test-${randomBytes(16).toString("hex")}`;
  const proc = Bun.spawn([BUN, "src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      SIGNET_PORT: "0",
      SIGNET_DATA_DIR: dataDir,
      SIGNET_BOOTSTRAP_API_KEY: apiKey,
      SIGNET_WORKERS: "2",
      ...options.env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const chunks: string[] = [];
  let url = "";
  let notify = () => {};
  const changed = () => notify();
  void collect(proc.stdout, chunks, changed);
  void collect(proc.stderr, chunks, changed);
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (!url) {
    const match = /"url":"(https?:\/\/[^"]+)"[^\n]*"msg":"listening"/.exec(chunks.join(""));
    if (match) {
      url = match[1]!;
      break;
    }
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`signet exited (${proc.exitCode ?? proc.signalCode}) before listening:\n${chunks.join("")}`);
    }
    if (Date.now() > deadline) {
      proc.kill(9);
      throw new Error(`signet did not start in time:\n${chunks.join("")}`);
    }
    await Promise.race([new Promise<void>((r) => (notify = r)), Bun.sleep(50)]);
  }
  const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method,
      headers: { "x-api-key": apiKey, "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      ...(options.fetchTls ? { tls: options.fetchTls } : {}),
    });
  return {
    url,
    apiKey,
    dataDir,
    process: proc,
    output: () => chunks.join(""),
    request,
    async json(method, path, body, headers) {
      const response = await request(method, path, body, headers);
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
    },
    async stop() {
      proc.kill("SIGTERM");
      return await proc.exited;
    },
    async kill9() {
      proc.kill(9);
      await proc.exited;
    },
  };
}

/** Runs `bun src/main.ts` expecting it to refuse to start; returns its exit code and output. */
export async function startExpectingFailure(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const proc = Bun.spawn([BUN, "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", SIGNET_PORT: "0", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill(9), 20_000);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, output: stdout + stderr };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
