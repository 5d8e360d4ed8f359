/**
 * For test/bench/skeleton.test.ts: a fresh embedded token in `dir` with one bench key per
 * mechanism, and bench/lib/skeleton-server.ts started on it. In a process of its own, because
 * SoftHSM reads its configuration once a process. Prints "ready" and the skeleton's URL with
 * each key's handle id (hex, as the bench passes it) and public key (SPKI, base64); stops the
 * skeleton on SIGTERM.
 */
import { startSkeleton } from "../../bench/lib/skeleton";
import { BENCH_KEY_ID, openBenchToken, SIGNING_KEY_FLAGS } from "../../bench/lib/token";
import { keyHandleId, type KeyPairSpec } from "../../src/signer/types";

const dir = process.argv[2]!;
const SPECS: Record<string, KeyPairSpec> = {
  rsa: { type: "RSA", bits: 2048 },
  p256: { type: "EC", curve: "P-256" },
  ed25519: { type: "ED", curve: "Ed25519" },
};
const { token, signer } = await openBenchToken(dir, 1);
const keys: Record<string, { key: string; spki: string }> = {};
for (const [name, spec] of Object.entries(SPECS)) {
  const info = await signer.generateKeyPair({ label: `skeleton-${name}`, id: BENCH_KEY_ID }, spec, SIGNING_KEY_FLAGS);
  keys[name] = { key: Buffer.from(keyHandleId(info.ref)).toString("hex"), spki: Buffer.from(info.publicKeySpki!).toString("base64") };
}
await signer.close();
const skeleton = await startSkeleton(dir, 2, token);
process.once("SIGTERM", () => void skeleton.stop().finally(() => process.exit(0)));
console.log(`ready ${JSON.stringify({ url: skeleton.url, keys })}`);
