/**
 * Starts a real Signet server (bun src/main.ts) on a free port with its own data directory,
 * and talks to it over HTTP. No stubs: a real SoftHSM2 token, a real SQLite file, a real
 * listening process.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

export const ROOT = resolve(import.meta.dir, "../..");
export const BUN = process.execPath;

/**
 * Every server a test run starts leaves its whole output here, with the secrets it was given
 * or made (bootstrap API key, token PINs), so that test/zz-final/secrets-in-logs.test.ts can
 * look for every secret in every log of the run. One directory per `bun test` process.
 */
export const RUN_LOG_DIR = process.env.SIGNET_TEST_LOG_DIR ?? join(tmpdir(), `signet-test-logs-${process.pid}`);

export interface RecordedRun {
  output: string;
  secrets: string[];
}

export function recordRun(output: string, secrets: string[], dataDir?: string): void {
  const found = [...secrets];
  const pins = dataDir ? join(dataDir, "hsm", "pins.json") : null;
  if (pins && existsSync(pins)) {
    const { userPin, soPin } = JSON.parse(readFileSync(pins, "utf8")) as { userPin: string; soPin: string };
    found.push(userPin, soPin);
  }
  mkdirSync(RUN_LOG_DIR, { recursive: true });
  writeFileSync(join(RUN_LOG_DIR, `${Date.now()}-${Math.random().toString(36).slice(2)}.json`), JSON.stringify({ output, secrets: found.filter(Boolean) }));
}

export function recordedRuns(): RecordedRun[] {
  if (!existsSync(RUN_LOG_DIR)) return [];
  return readdirSync(RUN_LOG_DIR).map((file) => JSON.parse(readFileSync(join(RUN_LOG_DIR, file), "utf8")) as RecordedRun);
}

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
      const code = await proc.exited;
      recordRun(chunks.join(""), [apiKey], dataDir);
      return code;
    },
    async kill9() {
      proc.kill(9);
      await proc.exited;
      recordRun(chunks.join(""), [apiKey], dataDir);
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
  const secrets = Object.entries(env).filter(([name]) => /PIN|PASSPHRASE|API_KEY|SECRET/.test(name)).map(([, value]) => value);
  recordRun(stdout + stderr, secrets);
  return { code, output: stdout + stderr };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
