/**
 * The bench suite must not rot: CI runs it in its quick mode (every stage once, a tenth of a
 * second a measurement, about 15 s) and checks that every stage ran and reported; the same for
 * the side benches (levers, compatibility costs, micro), about 15 s together. No timing is
 * asserted here; the figures live in bench/results/ and the README.
 */
import { expect, test } from "bun:test";
import { BUN, ROOT } from "../support/server";

test("bench/run.ts --quick runs every stage and reports every algorithm and target", async () => {
  const proc = Bun.spawn([BUN, "bench/run.ts", "--quick"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect({ code, err: code === 0 ? "" : err.slice(-2000) }).toEqual({ code: 0, err: "" });
  for (const stage of ["physical limit", "pkcs11js in Workers", "pool without HTTP", "HTTP floor", "a durable answer with no Signet code", "HTTP synchronousSign", "latency at 50% load", "latency at 80% load", "batchSign", "concurrency: P-256 at 256 connections", "audit cost"]) {
    expect(err).toContain(stage);
  }
  for (const name of ["RSA-2048 PKCS#1 v1.5", "RSA-2048 PSS", "ECDSA P-256", "Ed25519"]) expect(out).toContain(`| ${name} |`);
  expect(out).toContain("HTTP floor (GET /v1/versionInfo, authenticated)");
  // Every figure is read beside the CPU time the hypervisor took meanwhile.
  expect(out).toMatch(/VM steal over the run [\d.]+%/);
  expect(out).toMatch(/\| ECDSA P-256 \(\w+\) \|.*\| [\d.]+% \/ [\d.]+% \|/);
  // Each HTTP stage and the batch stage are judged against the limit measured just before and after them.
  expect(err).toContain("physical limit just before");
  expect(err).toContain("physical limit just after");
  expect(out).toMatch(/\| ECDSA P-256 \|(?: [^|]+ \|){4} [\d,]+ → [\d,]+\/s \|/);
  expect(out).toMatch(/\| ECDSA P-256 over HTTP ÷ physical limit \| ≥ 75% \| \d+% \(\d+\/s of \d+\/s, \w+, the C program just before and after: \d+ and \d+\/s, \d+% apart;/);
  expect(out).toMatch(/batchSign, 64 P-256 signatures per call: .*the C program just before → after: [\d,]+ → [\d,]+\/s\)/);
  // A missed target says whether this run shows it out of reach of any service here.
  expect(out).toMatch(/\| ECDSA P-256 over HTTP ÷ physical limit \| ≥ 75% \| .*the token's CPU, the trivial route's and a durable record's alone allow \d+%; the skeleton of the same answer with no Signet code: \d+%; with the API's own work \(JSON, payloads, hashing, DER, base64, a record of the digests\): \d+%\) \| (met|\*\*missed\*\*(, out of reach here|, at the edge of reach here)?) \|/);
  expect(out).toMatch(/What a durable record adds to an answer with no Signet code .*: [\d.]+ µs a request\./);
  // ... and the skeleton of each answer at saturation, between the same C runs as Signet's,
  // its Workers signing on the same token and key through pkcs11js alone.
  expect(err).toContain("the skeleton at saturation, no Signet code: 1 signature (ecdsa, pkcs11js alone) in its Workers a request");
  expect(err).toContain("the skeleton at saturation, no Signet code: 1 signature (rsa-pkcs, pkcs11js alone) in its Workers a request");
  expect(err).toContain("the skeleton at saturation, no Signet code: 64 signatures (ecdsa, pkcs11js alone) in its Workers a request");
  expect(out).toContain("What the parts of a signed answer allow at saturation, with no Signet code");
  // ... with the CPU a request of each part, the skeleton's beside Signet's.
  const parts = "(?: [\\d.]+ → [\\d.]+ \\|){5}";
  expect(out).toMatch(new RegExp(`\\| ECDSA P-256 \\| [\\d,]+/s \\(\\w+\\) \\| \\d+% \\| \\d+% \\| \\d+% \\|${parts}`));
  expect(out).toMatch(new RegExp(`\\| batchSign, 64 P-256 a call \\| [\\d,]+/s \\(\\w+\\) \\| \\d+% \\| \\d+% \\| \\d+% \\|${parts}`));
  // ... and the skeleton that also does the API's own work (JSON, payloads, a record of the digests) for each.
  expect(err).toContain("the skeleton with the API's work, no Signet code: the same body, 1 payload decoded, hashed, signed (rsa-pkcs) and encoded in its Workers");
  expect(err).toContain("the skeleton with the API's work, no Signet code: the same body, 64 payloads decoded, hashed, signed (ecdsa) and encoded in its Workers");
  for (const name of ["RSA-2048 PKCS#1 v1.5", "RSA-2048 PSS", "ECDSA P-256", "Ed25519", "batchSign, 64 P-256 a call"]) {
    expect(out).toMatch(new RegExp(`\\| ${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}, the skeleton with the API's work \\| [\\d,]+/s \\(\\w+\\) \\| \\d+% \\| \\d+% \\| \\d+% \\|${parts}`));
  }
  expect(out).toMatch(/\| batchSign \(64 P-256 per call\) ÷ physical limit \| ≥ 90% \| .*; with the API's own work \(JSON, payloads, hashing, DER, base64, a record of the digests\): \d+%\) \|/);
  expect(out).toMatch(/\| Ed25519 over HTTP ÷ physical limit \| ≥ 85% \| .*the skeleton of the same answer with no Signet code: \d+%; with the API's own work [^)]*\): \d+%\) \|/);
  expect(out).toMatch(/\| ECDSA P-256 p99 at 50% load \| ≤ 3 ms \| .*a durable record alone: [\d.]+ ms.* \| (met|\*\*missed\*\*(, out of reach here)?) \|/);
  // The audit cost beside what a small durable record costs the skeleton's signed answer.
  expect(err).toContain("audit cost: the skeleton's P-256 answer once its record is durable");
  expect(out).toMatch(/In the same minutes the skeleton \(no Signet code\) answered the same signature at [\d,]+\/s without a record and [\d,]+\/s once a small record was durable: -?\d+%\./);
  expect(out).toMatch(/\| Cost of auditing every signature \(P-256 over HTTP\) \| ≤ 10% \| -?\d+% \(\d+\/s off, \d+\/s on; the skeleton's signed answer with no Signet code, without and with a small durable record: \d+\/s and \d+\/s, -?\d+%\) \| (met|\*\*missed\*\*(, out of reach here|, at the edge of reach here)?) \|/);
  // Saturation by the number of connections, Signet beside the skeleton, with the idle share of the cores.
  expect(out).toContain("Saturation by the number of connections");
  for (const concurrency of [16, 64, 256]) {
    expect(out).toMatch(new RegExp(`\\| ${concurrency} \\| [\\d,]+/s \\(\\w+\\) \\| [\\d.]+ / [\\d.]+ ms \\| [\\d.]+ cores \\| [\\d.]+% \\| [\\d,]+/s \\| [\\d.]+ / [\\d.]+ ms \\| [\\d.]+% \\| \\d+% \\|`));
  }
  expect(out).toContain("| Start-up to first answered request, first start (Signet's keys generated) |");
  expect(out).toContain("| Start-up to first answered request, restart (median) |");
  // The CPU a request at 50% load beside saturation, and every load as measured.
  expect(out).toMatch(/\| ECDSA P-256 at 50% load \([\d,]+\/s, ratedload\) \| /);
  expect(out).toContain("Every load as measured");
  expect(out).toMatch(/\| ECDSA P-256 \| synchronousSign, 50% of the maximum \| ratedload \| [\d,]+ req\/s[^|]* \|(?: [\d.]+ \|){4} [\d.]+ \| \d+ MB \| [\d.]+ \| [\d.]+% \| \d+ \|/);
  expect(out).toMatch(/\| batchSign, 64 P-256 a call \| saturation \| \w+ \| [\d,]+ calls\/s \|/);
  // The peak RSS names the stage that reached it (each load's own peak is read and reset).
  expect(out).toMatch(/\| Server peak RSS under load \| ≤ 200 MB \| \d+ MB \(stage: [^)]+\) \|/);
  // Each rated run beside its control, marked when the server did not keep up with the rate.
  expect(out).toMatch(/\| ECDSA P-256 \|.*\(\d+(\.\d+)?\) \/ [\d.]+(?: \(not sustained: \d+ ms of backlog\))? \(\d+(\.\d+)?\) ms \|/);
  expect(out).toContain('A fixed-rate run marked "not sustained" left a backlog when its window closed');
  // ... beside the skeleton of the same answer (no Signet code) at the same rate,
  expect(out).toContain("Latency at 50% load against what the same rate costs without Signet's code");
  expect(out).toMatch(/\| ECDSA P-256 \| [\d,]+\/s \| [\d.]+ \/ [\d.]+ ms \| [\d.]+ \/ [\d.]+ ms \| [\d.]+ \/ [\d.]+ ms \| [\d.]+ \/ [\d.]+ ms \|/);
  // ... and where its time went inside Signet (GET /v1/signing/timing) with the audit commits it waited for (GET /v1/audit/commits).
  expect(out).toContain("Inside Signet during the fixed-rate runs");
  const bound = "(?:≤ [\\d.]+|> 128) ms";
  expect(out).toMatch(new RegExp(`\\| ECDSA P-256 \\| 50% \\([\\d,]+/s\\) \\| [\\d.]+% \\| ${bound} / ${bound} \\| ${bound} / ${bound} \\| [\\d,]+ \\| [\\d.]+ \\| ${bound} \\| ${bound} \\| [\\d.]+ / [\\d.]+(?: \\(not sustained: \\d+ ms of backlog\\))? ms \\|`));
}, 600_000);

test("bench/micro.ts measures the handle cache and transferable buffers", async () => {
  const proc = Bun.spawn([BUN, "bench/micro.ts", "--seconds", "0.2"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect({ code, err: code === 0 ? "" : err.slice(-2000) }).toEqual({ code: 0, err: "" });
  for (const name of ["ECDSA P-256", "Ed25519", "RSA-2048 PKCS#1 v1.5"]) expect(out).toMatch(new RegExp(`\\| ${name} \\| [\\d,]+/s, [\\d.]+ µs CPU \\| [\\d,]+/s, [\\d.]+ µs CPU \\|`));
  for (const size of ["1 KiB", "64 KiB", "1 MiB"]) expect(out).toContain(`| ${size} |`);
}, 120_000);

test("bench/levers.ts --quick turns every lever and reports each beside the defaults", async () => {
  const proc = Bun.spawn([BUN, "bench/levers.ts", "--quick"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect({ code, err: code === 0 ? "" : err.slice(-2000) }).toEqual({ code: 0, err: "" });
  const cpu = "[\\d.]+ / [\\d.]+ / [\\d.]+ / [\\d.]+ / [\\d.]+";
  expect(out).toMatch(new RegExp(`\\| defaults: as shipped \\|(?: [\\d,]+ \\| ${cpu} \\|){3} [\\d.]+% \\|`));
  for (const lever of ["no batching", "pipeline depth 1", "pipeline depth 4", "one Worker", "two sessions per Worker", "inline signing", "audit of operations off"]) {
    expect(out).toMatch(new RegExp(`\\| ${lever}: [^|]+ \\|(?: [\\d,]+ \\(-?\\+?\\d+%\\) \\| ${cpu} \\|){3} [\\d.]+% \\|`));
  }
}, 120_000);

test("bench/compat-cost.ts --quick measures passwords, first use, digests and Keccak over HTTP", async () => {
  const proc = Bun.spawn([BUN, "bench/compat-cost.ts", "--quick"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect({ code, err: code === 0 ? "" : err.slice(-2000) }).toEqual({ code: 0, err: "" });
  const report = JSON.parse(out);
  expect(report.password.plainPerSecond).toBeGreaterThan(0);
  expect(report.password.withPasswordPerSecond).toBeGreaterThan(0);
  expect(report.firstUseMs.median).toBeGreaterThan(0);
  for (const name of ["SHA256", "SHA3_256", "KECCAK256"]) expect(report.digests[name].perSecond64KiB).toBeGreaterThan(0);
  expect(report.keccakOverHttp.keccak256PerSecond).toBeGreaterThan(0);
  expect(report.passwordCheck.rememberedNs).toBeGreaterThan(0);
}, 120_000);
