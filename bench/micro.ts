/**
 * Two pool levers measured on their own, where a throughput run cannot separate them from the
 * noise (bench/NOTES.md, "Changes and their before / after figures"):
 *
 *   1. key-handle caching: the executor signing in-process (no Workers, no HTTP) with its
 *      handle cache, and with it emptied before every signature, so that each one looks its
 *      key up again (C_FindObjectsInit / C_FindObjects / C_FindObjectsFinal and the
 *      attribute reads);
 *   2. transferable buffers: a payload posted to a Worker and back, copied (structured clone)
 *      or transferred, at the sizes the crypto routes carry.
 *
 *   bun bench/micro.ts [--seconds 3]
 *
 * On the embedded token, or on an external one as bench/lib/token.ts describes (its keys are
 * destroyed at the end).
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pkcs11Executor } from "../src/signer/pkcs11/executor";
import { findTokenSlot, loadModule, loginUser, openSession } from "../src/signer/pkcs11/module";
import { keyHandleId, type KeyPairSpec, type SignerOp } from "../src/signer/types";
import { BENCH_KEY_ID, destroyBenchKeys, ensureNoBenchKeys, openBenchToken, SIGNING_KEY_FLAGS } from "./lib/token";

const at = process.argv.indexOf("--seconds");
const seconds = at >= 0 ? Number(process.argv[at + 1]) : 3;
const KEYS = [
  { name: "ECDSA P-256", spec: { type: "EC", curve: "P-256" }, algorithm: "SHA256_WITH_ECDSA" },
  { name: "Ed25519", spec: { type: "ED", curve: "Ed25519" }, algorithm: "EDDSA" },
  { name: "RSA-2048 PKCS#1 v1.5", spec: { type: "RSA", bits: 2048 }, algorithm: "SHA256_WITH_RSA" },
] as const;

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/** Signatures a second and CPU µs a signature, one operation per call, for `seconds`. */
function signLoop(executor: Pkcs11Executor, op: SignerOp, beforeEach: () => void): { perSecond: number; cpuMicros: number } {
  let count = 0;
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    beforeEach();
    const [result] = executor.runBatch([op]) as { ok: boolean }[];
    if (!result!.ok) throw new Error(`signing failed: ${JSON.stringify(result)}`);
    count++;
  }
  const elapsed = (performance.now() - t0) / 1000;
  return { perSecond: Math.round(count / elapsed), cpuMicros: Math.round(((cpuMicros() - cpu0) / count) * 10) / 10 };
}

async function handleCache(): Promise<string[]> {
  const dataDir = join(tmpdir(), `signet-micro-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  // One Worker, only to create the keys; the signatures measured are the executor's own.
  const { token, signer } = await openBenchToken(dataDir, 1);
  const rows = ["| key | with the handle cache | handles looked up for every signature | cost of a lookup |", "|---|---|---|---|"];
  const refs = KEYS.map((k) => ({ label: `micro-${k.spec.type}`, id: BENCH_KEY_ID }));
  await ensureNoBenchKeys(signer, token, refs.map((ref) => ref.label));
  try {
    const p11 = loadModule(token.modulePath);
    const slot = findTokenSlot(p11, token.tokenLabel);
    loginUser(p11, openSession(p11, slot), token.pin);
    const executor = Pkcs11Executor.open({ modulePath: token.modulePath, slot, pin: token.pin, sessions: 1, mechanisms: p11.C_GetMechanismList(slot) });
    const payload = Buffer.from("Signet micro bench payload").toString("base64");
    for (const [i, k] of KEYS.entries()) {
      const info = await signer.generateKeyPair(refs[i]!, k.spec as KeyPairSpec, SIGNING_KEY_FLAGS);
      const op: SignerOp = { op: "signEncoded", key: keyHandleId(info.ref), algorithm: k.algorithm, payload, der: true, digest: true };
      signLoop(executor, op, () => {}); // warm-up
      const cached = signLoop(executor, op, () => {});
      const uncached = signLoop(executor, op, () => executor.invalidate());
      rows.push(`| ${k.name} | ${cached.perSecond.toLocaleString("en-US")}/s, ${cached.cpuMicros} µs CPU | ${uncached.perSecond.toLocaleString("en-US")}/s, ${uncached.cpuMicros} µs CPU | ${Math.round((uncached.cpuMicros - cached.cpuMicros) * 10) / 10} µs |`);
    }
    executor.close();
  } finally {
    if (!token.embeddedDir) {
      const left = await destroyBenchKeys(signer, refs);
      if (left.length > 0) console.error(`could not destroy: ${left.join("; ")}`);
    }
    await signer.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return rows;
}

/** Round trips to an echoing Worker: µs of this thread's CPU and wall time each. */
async function transfers(): Promise<string[]> {
  const worker = new Worker(new URL("./lib/echo-worker.ts", import.meta.url).href);
  const rows = ["| payload | copied: wall / CPU per round trip | transferred: wall / CPU per round trip |", "|---|---|---|"];
  const roundTrip = (data: Uint8Array, transfer: boolean) =>
    new Promise<Uint8Array>((resolve) => {
      worker.onmessage = (event: MessageEvent<Uint8Array>) => resolve(event.data);
      worker.postMessage({ data, transfer }, transfer ? [data.buffer as ArrayBuffer] : []);
    });
  for (const size of [1024, 64 * 1024, 1024 * 1024]) {
    const cells: string[] = [];
    for (const transfer of [false, true]) {
      let data: Uint8Array = new Uint8Array(randomBytes(size));
      for (let i = 0; i < 50; i++) data = await roundTrip(data, transfer); // warm-up
      const count = size >= 1024 * 1024 ? 500 : 5000;
      const cpu0 = cpuMicros();
      const t0 = performance.now();
      for (let i = 0; i < count; i++) data = await roundTrip(data, transfer);
      const wall = ((performance.now() - t0) * 1000) / count;
      cells.push(`${wall.toFixed(1)} / ${((cpuMicros() - cpu0) / count).toFixed(1)} µs`);
    }
    rows.push(`| ${size >= 1024 * 1024 ? `${size / 1024 / 1024} MiB` : `${size / 1024} KiB`} | ${cells.join(" | ")} |`);
  }
  worker.terminate();
  return rows;
}

const date = new Date().toISOString().slice(0, 16).replace("T", " ");
console.log(`Micro levers ${date} UTC, ${seconds} s a measurement. CPU is the whole process's (both threads for the transfers).\n`);
console.log(`${(await handleCache()).join("\n")}\n`);
console.log((await transfers()).join("\n"));
process.exit(0);
