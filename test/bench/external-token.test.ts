/**
 * The bench on an external token (SIGNET_PKCS11_*), as a performance engineer runs it against
 * their own HSM: here a second SoftHSM token initialised beforehand with softhsm2-util. Every
 * stage runs on that token; the bench makes its keys there and destroys them at the end, and
 * it refuses to start, destroying nothing, when keys of its labels are already there.
 * pkcs11-tool (OpenSC), not the bench, lists what the token holds afterwards.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findSoftHsmModule } from "../../src/signer/embedded/softhsm";
import { BUN, removeDir, ROOT, tempDir } from "../support/server";

const dir = tempDir("bench-external");
const modulePath = findSoftHsmModule()!;
const PIN = "bench-user-pin-0815";
const LABEL = "perf-hsm";
const env = {
  SOFTHSM2_CONF: join(dir, "softhsm2.conf"),
  SIGNET_PKCS11_MODULE: modulePath,
  SIGNET_PKCS11_TOKEN_LABEL: LABEL,
  SIGNET_PKCS11_PIN: PIN,
};

function run(args: string[]): string {
  const result = Bun.spawnSync(args, { env: { ...process.env, ...env } });
  if (result.exitCode !== 0) throw new Error(`${args.join(" ")} failed: ${result.stderr.toString()}${result.stdout.toString()}`);
  return result.stdout.toString();
}

const pkcs11Tool = (...args: string[]) => run(["pkcs11-tool", "--module", modulePath, "--token-label", LABEL, "--login", "--pin", PIN, ...args]);
const labelsOnToken = () => [...pkcs11Tool("--list-objects").matchAll(/label:\s+(\S+)/g)].map((match) => match[1]!);

async function bench(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn([BUN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out, err };
}

beforeAll(() => {
  mkdirSync(join(dir, "tokens"), { recursive: true });
  writeFileSync(env.SOFTHSM2_CONF, `directories.tokendir = ${join(dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  run(["softhsm2-util", "--init-token", "--free", "--label", LABEL, "--pin", PIN, "--so-pin", "bench-so-pin-0815"]);
});

afterAll(() => removeDir(dir));

test("a key of the bench's labels already on the token: the bench refuses, names it and destroys nothing", async () => {
  pkcs11Tool("--keypairgen", "--key-type", "EC:prime256v1", "--label", "bench-p256", "--id", "be");
  const { code, err } = await bench(["bench/run.ts", "--quick"]);
  expect(code).not.toBe(0);
  expect(err).toContain("the token already holds keys the bench makes (bench-p256, CKA_ID be)");
  expect(err).toContain(`pkcs11-tool --module ${modulePath} --token-label ${LABEL} --login --delete-object --type privkey --label bench-p256`);
  expect(labelsOnToken().filter((label) => label === "bench-p256")).toHaveLength(2);
  // Nothing else was made on the token either.
  expect(labelsOnToken().filter((label) => label !== "bench-p256")).toEqual([]);
  pkcs11Tool("--delete-object", "--type", "privkey", "--label", "bench-p256");
  pkcs11Tool("--delete-object", "--type", "pubkey", "--label", "bench-p256");
}, 60_000);

test("bench/run.ts --quick --threads 4 runs every stage on the external token and leaves none of its keys there", async () => {
  // Four C threads, as a network HSM would need more of them than cores to reach its capacity.
  const { code, out, err } = await bench(["bench/run.ts", "--quick", "--threads", "4"]);
  expect({ code, err: code === 0 ? "" : err.slice(-2000) }).toEqual({ code: 0, err: "" });
  expect(out).toContain(`external token "${LABEL}" (SoftHSM project SoftHSM v2) through ${modulePath}`);
  expect(out).toContain("| algorithm | physical 1 thread | physical 4 threads | pkcs11js in Workers |");
  expect(err).toContain("physical limit just before (C, 4 threads)");
  for (const stage of ["physical limit", "pkcs11js in Workers", "pool without HTTP", "HTTP synchronousSign", "latency at 50% load", "batchSign", "concurrency", "audit cost"]) {
    expect(err).toContain(stage);
  }
  for (const name of ["RSA-2048 PKCS#1 v1.5", "RSA-2048 PSS", "ECDSA P-256", "Ed25519"]) expect(out).toMatch(new RegExp(`\\| ${name} \\| [\\d,]+/s \\| [\\d,]+/s \\|`));
  // No copies of an external token: the first start is the one on the bench's fresh data directory.
  expect(out).toContain("| Start-up to first answered request, first start on a fresh data directory (an external token: Signet's keys made only where it lacks them) | < 1000 ms |");
  expect(err).toContain("destroyed the bench's keys on the token (bench-rsa-2048, bench-p256, bench-ed25519)");
  // What stays is Signet's own keys, made on the first start as on any token Signet serves.
  const left = labelsOnToken();
  expect(left.filter((label) => label.startsWith("bench-"))).toEqual([]);
  expect(left.every((label) => label.startsWith("_signet-") || label.startsWith("signet-"))).toBe(true);
}, 600_000);

test("bench/micro.ts on the external token destroys its keys too; levers.ts refuses it", async () => {
  const micro = await bench(["bench/micro.ts", "--seconds", "0.2"]);
  expect({ code: micro.code, err: micro.code === 0 ? "" : micro.err.slice(-2000) }).toEqual({ code: 0, err: "" });
  expect(micro.out).toMatch(/\| ECDSA P-256 \| [\d,]+\/s, [\d.]+ µs CPU \|/);
  expect(labelsOnToken().filter((label) => label.startsWith("micro-"))).toEqual([]);
  const levers = await bench(["bench/levers.ts", "--quick"]);
  expect(levers.code).toBe(2);
  expect(levers.err).toContain("bench/levers.ts runs on the embedded token only");
}, 120_000);
