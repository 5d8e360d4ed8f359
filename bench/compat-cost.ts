/**
 * What the TSB compatibility work costs on the signing path:
 *   1. key passwords: POST /v1/synchronousSign with P-256, a key without a password against a
 *      key with one (sent as the TSB Go client sends it, an array of one-character strings,
 *      verified once and then remembered), in alternating runs on one server, medians;
 *   2. the first use of a password (one scrypt verification), single requests, median latency;
 *   3. digests computed in the service: SHA-256 and SHA3-256 (node:crypto, BoringSSL) against
 *      Keccak-256 (@noble/hashes, JavaScript), in-process, per 1 KiB and per 64 KiB payload;
 *   4. KECCAK256_WITH_ECDSA against SHA256_WITH_ECDSA over HTTP (where the digest runs in a Worker);
 *   5. the password check itself, in-process: a remembered password, and a key without one
 *      (the figure that does not move with the machine's other load).
 * Target: a remembered password costs under 5% of P-256 signing throughput.
 *
 *   bun bench/compat-cost.ts [--seconds 5] [--connections 32] [--pairs 3] [--quick]
 *   --quick: the CI smoke: one pair, a tenth of a second a run, no files
 * Writes bench/results/<date>-compat.json (not with --quick).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { hashPassword, KeyPasswords } from "../src/domain/keys/key-passwords";
import { SYSTEM_CONTEXT } from "../src/domain/context";
import { digest, type DigestName } from "../src/signer/digests";
import { autocannon, saturate, saturatingGenerator, type LoadRequest, type LoadResult } from "./lib/load";
import { coreCount, cpuModel, untilQuiet } from "./lib/proc";
import { ROOT, startServer } from "./lib/server";
import { requireEmbeddedToken } from "./lib/token";
import { median, ratio } from "./lib/stats";

requireEmbeddedToken("bench/compat-cost.ts");

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1]! : fallback;
}

const quick = process.argv.includes("--quick");
const seconds = Number(option("seconds", quick ? "0.1" : "5"));
const connections = Number(option("connections", "32"));
const pairs = Number(option("pairs", quick ? "1" : "3"));
const cores = coreCount();
const apiKey = `bench-${randomBytes(16).toString("hex")}`;
const payload = Buffer.from("Signet bench payload: pay 100.00 CHF to account CH93 0076 2011 6238 5295 7").toString("base64");
const PASSWORD = "bench-key-password".split("");

function progress(line: string): void {
  process.stderr.write(`[compat-cost] ${line}\n`);
}

async function load(serverPid: number, request: LoadRequest): Promise<LoadResult> {
  await untilQuiet([serverPid], quick ? 20 : 50); // the last load's requests answered first
  return saturate(request, { connections, seconds, threads: cores });
}

function signRequest(url: string, label: string, algorithm: string, keyPassword?: string[]): LoadRequest {
  const signRequest: Record<string, unknown> = { payload, signKeyName: label, signatureAlgorithm: algorithm };
  if (keyPassword) signRequest.keyPassword = keyPassword;
  return { url: `${url}/v1/synchronousSign`, method: "POST", headers: { "x-api-key": apiKey, "content-type": "application/json" }, body: JSON.stringify({ signRequest }) };
}

async function call(url: string, path: string, body: unknown): Promise<any> {
  const response = await fetch(`${url}${path}`, { method: "POST", headers: { "x-api-key": apiKey, "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

function digestRate(name: DigestName, bytes: number): number {
  const data = randomBytes(bytes);
  const deadline = performance.now() + (quick ? 200 : 1000);
  let count = 0;
  while (performance.now() < deadline) {
    digest(name, data);
    count++;
  }
  return Math.round(count / ((quick ? 200 : 1000) / 1000));
}

/** Nanoseconds per KeyPasswords.check, for a remembered password and for a key without one. */
async function passwordCheckNs(): Promise<{ rememberedNs: number; noPasswordNs: number }> {
  const passwords = new KeyPasswords({ recordsOperations: true, record: async () => {} });
  const key = { label: "bench", passwordHash: await hashPassword(PASSWORD.join("")) };
  await passwords.check(key, PASSWORD.join(""), SYSTEM_CONTEXT, "sign");
  const time = (run: () => unknown) => {
    const rounds = quick ? 20_000 : 200_000;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) run();
    return Math.round(((performance.now() - started) * 1e6) / rounds);
  };
  const given = PASSWORD.join("");
  const plain = { label: "plain", passwordHash: null };
  time(() => passwords.check(key, given, SYSTEM_CONTEXT, "sign"));
  return { rememberedNs: time(() => passwords.check(key, given, SYSTEM_CONTEXT, "sign")), noPasswordNs: time(() => passwords.check(plain, null, SYSTEM_CONTEXT, "sign")) };
}

async function main(): Promise<void> {
  const dataDir = join(tmpdir(), `signet-compat-bench-${process.pid}`);
  mkdirSync(dataDir, { recursive: true });
  const server = await startServer(dataDir, apiKey);
  try {
    await call(server.url, "/v1/key", { label: "plain-p256", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7" });
    await call(server.url, "/v1/key", { label: "pw-p256", algorithm: "EC", curveOid: "1.2.840.10045.3.1.7", password: PASSWORD });

    // 1. Remembered passwords.
    const rates: Record<"plain" | "password", number[]> = { plain: [], password: [] };
    const requests = { plain: signRequest(server.url, "plain-p256", "SHA256_WITH_ECDSA"), password: signRequest(server.url, "pw-p256", "SHA256_WITH_ECDSA", PASSWORD) };
    await autocannon(requests.password, { connections, seconds: Math.min(1, seconds) }); // warm-up; verifies the password once
    for (let pair = 0; pair < pairs; pair++) {
      for (const mode of ["plain", "password"] as const) {
        progress(`P-256 ${mode} (${pair + 1}/${pairs})`);
        const result = await load(server.pid, requests[mode]);
        if (result.non2xx + result.errors > 0) throw new Error(`${mode}: ${result.non2xx} non-2xx, ${result.errors} errors`);
        rates[mode].push(result.requestsPerSecond);
      }
    }
    const plain = median(rates.plain);
    const withPassword = median(rates.password);

    // 2. First use of a password: a fresh key each time, so that nothing is remembered.
    const firstUse: number[] = [];
    const remembered: number[] = [];
    for (let i = 0; i < (quick ? 2 : 10); i++) {
      const label = `fresh-${i}`;
      const keyPassword = `fresh-password-${i}`.split("");
      await call(server.url, "/v1/key", { label, algorithm: "EC", curveOid: "1.2.840.10045.3.1.7", password: keyPassword });
      const body = { signRequest: { payload, signKeyName: label, signatureAlgorithm: "SHA256_WITH_ECDSA", keyPassword } };
      let started = performance.now();
      await call(server.url, "/v1/synchronousSign", body);
      firstUse.push(performance.now() - started);
      started = performance.now();
      await call(server.url, "/v1/synchronousSign", body);
      remembered.push(performance.now() - started);
    }

    // 5. The check in-process.
    const check = await passwordCheckNs();

    // 3. Digests in-process.
    progress("digests in-process");
    const digests = Object.fromEntries(
      (["SHA256", "SHA3_256", "KECCAK256"] as const).map((name) => [name, { perSecond1KiB: digestRate(name, 1024), perSecond64KiB: digestRate(name, 65536) }]),
    );

    // 4. Keccak over HTTP.
    const keccakRates: Record<"sha256" | "keccak256", number[]> = { sha256: [], keccak256: [] };
    for (let pair = 0; pair < pairs; pair++) {
      for (const [mode, algorithm] of [["sha256", "SHA256_WITH_ECDSA"], ["keccak256", "KECCAK256_WITH_ECDSA"]] as const) {
        progress(`P-256 ${algorithm} (${pair + 1}/${pairs})`);
        keccakRates[mode].push((await load(server.pid, signRequest(server.url, "plain-p256", algorithm))).requestsPerSecond);
      }
    }

    const report = {
      date: new Date().toISOString(),
      host: hostname(),
      cpu: cpuModel(),
      cores,
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      generator: saturatingGenerator(seconds),
      seconds,
      connections,
      pairs,
      passwordCheck: check,
      password: { plainPerSecond: plain, withPasswordPerSecond: withPassword, cost: ratio(plain - withPassword, plain), runs: rates, target: "cost ≤ 0.05", met: ratio(plain - withPassword, plain) <= 0.05 },
      firstUseMs: { median: Math.round(median(firstUse.map((v) => Math.round(v * 10))) ) / 10, rememberedMedian: Math.round(median(remembered.map((v) => Math.round(v * 10)))) / 10 },
      digests,
      keccakOverHttp: { sha256PerSecond: median(keccakRates.sha256), keccak256PerSecond: median(keccakRates.keccak256), runs: keccakRates },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (!quick) {
      const out = join(ROOT, "bench/results", `${report.date.slice(0, 10)}-compat.json`);
      writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
      progress(`wrote ${out}`);
    }
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
