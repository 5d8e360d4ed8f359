/**
 * The signer layer on its own, in this process, against a real SoftHSM2 token: batching,
 * several sessions per Worker, and handle invalidation.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, createPublicKey, verify } from "node:crypto";
import { findSoftHsmModule, prepareEmbeddedToken } from "../../src/signer/embedded/softhsm";
import { Pkcs11Signer } from "../../src/signer/signer";
import { keyHandleId, type KeyUsageFlags } from "../../src/signer/types";
import { removeDir, tempDir } from "../support/server";

const dir = tempDir("hsm");
const token = prepareEmbeddedToken(dir, findSoftHsmModule()!);
const flags: KeyUsageFlags = {
  sign: true, decrypt: false, unwrap: false, derive: false, extractable: false,
  modifiable: false, destroyable: true, sensitive: true, copyable: false,
};
const signers: Pkcs11Signer[] = [];

async function openSigner(sessionsPerWorker: number, workers = 2, inlineSigning = false): Promise<Pkcs11Signer> {
  const signer = await Pkcs11Signer.open({
    inlineSigning,
    modulePath: token.modulePath,
    tokenLabel: token.tokenLabel,
    pin: token.pin,
    pool: { workers, sessionsPerWorker, queueMax: 10_000, maxBatch: 256, pipelineDepth: 2, opTimeoutMs: 10_000, keygenTimeoutMs: 60_000 },
    afterTokenChange: () => token.snapshots.take(),
  });
  signers.push(signer);
  return signer;
}

let signer: Pkcs11Signer;
let publicKey: ReturnType<typeof createPublicKey>;
const ref = { label: "pool-p256", id: "01" };

beforeAll(async () => {
  signer = await openSigner(1);
  const info = await signer.generateKeyPair(ref, { type: "EC", curve: "P-256" }, flags);
  publicKey = createPublicKey({ key: Buffer.from(info.publicKeySpki!), format: "der", type: "spki" });
});

afterAll(() => {
  for (const s of signers) s.close();
  removeDir(dir);
});

describe("batching", () => {
  test("a burst of concurrent signatures travels in far fewer Worker messages than signatures", async () => {
    const before = signer.health().pool;
    const count = 2000;
    const message = Buffer.from("batch me");
    const signatures = await Promise.all(
      Array.from({ length: count }, () => signer.sign(keyHandleId(ref), "SHA256_WITH_ECDSA", new Uint8Array(message), true)),
    );
    const after = signer.health().pool;
    const batches = after.batches - before.batches;
    expect(after.operations - before.operations).toBe(count);
    expect(batches).toBeLessThan(count / 4);
    for (const signature of signatures.slice(0, 50)) expect(verify("sha256", message, publicKey, signature)).toBe(true);
  });

  test("a lone request is sent at once, in a batch of one", async () => {
    const before = signer.health().pool;
    await signer.sign(keyHandleId(ref), "SHA256_WITH_ECDSA", new Uint8Array(Buffer.from("alone")), true);
    const after = signer.health().pool;
    expect(after.batches - before.batches).toBe(1);
    expect(after.operations - before.operations).toBe(1);
  });

  test("the payload buffer is handed over to the Worker, not copied", async () => {
    const payload = new Uint8Array(Buffer.from("moved"));
    await signer.sign(keyHandleId(ref), "SHA256_WITH_ECDSA", payload, true);
    expect(payload.byteLength).toBe(0); // detached: its memory went to the Worker
  });
});

test("several sessions per Worker: signatures run on the native thread pool and verify", async () => {
  const concurrent = await openSigner(3, 1);
  const message = Buffer.from("three sessions");
  const signatures = await Promise.all(
    Array.from({ length: 300 }, () => concurrent.sign(keyHandleId(ref), "SHA256_WITH_ECDSA", new Uint8Array(message), false)),
  );
  for (const signature of signatures) {
    expect(verify("sha256", message, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature)).toBe(true);
  }
});

test("a destroyed key is forgotten by every Worker", async () => {
  const doomed = { label: "doomed", id: "02" };
  await signer.generateKeyPair(doomed, { type: "ED", curve: "Ed25519" }, flags);
  // Sign enough to put the key's handles in both Workers' caches.
  await Promise.all(Array.from({ length: 50 }, () => signer.sign(keyHandleId(doomed), "EDDSA", new Uint8Array(8), false)));
  await signer.destroyKey(doomed);
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => signer.sign(keyHandleId(doomed), "EDDSA", new Uint8Array(8), false)));
  for (const result of results) {
    expect(result.status).toBe("rejected");
    expect((result as PromiseRejectedResult).reason.kind).toBe("keyNotFound");
  }
});

test("pre-hashed ECDSA signs exactly the digest given", async () => {
  const digest = createHash("sha384").update("pre-hashed").digest();
  const signature = await signer.sign(keyHandleId(ref), "NONE_WITH_ECDSA", new Uint8Array(digest), true);
  expect(verify("sha384", Buffer.from("pre-hashed"), publicKey, signature)).toBe(true);
});

test("inline signing: a lone cheap signature is made on the calling thread, a burst and RSA still go to the Workers", async () => {
  const inline = await openSigner(1, 1, true);
  const message = Buffer.from("inline");
  const b64 = message.toString("base64");
  const before = inline.health().pool;
  const lone = await inline.signEncoded(keyHandleId(ref), "SHA256_WITH_ECDSA", b64, { der: true, digest: true });
  expect(inline.health().pool.operations).toBe(before.operations);
  expect(verify("sha256", message, publicKey, Buffer.from(lone.signature, "base64"))).toBe(true);
  expect(lone.payloadSha256).toBe(createHash("sha256").update(message).digest("hex"));
  // A burst in one turn: one inline, the rest through the pool.
  const burst = await Promise.all(Array.from({ length: 20 }, () => inline.signEncoded(keyHandleId(ref), "SHA256_WITH_ECDSA", b64, { der: true, digest: false })));
  expect(inline.health().pool.operations - before.operations).toBeGreaterThanOrEqual(19);
  for (const s of burst) expect(verify("sha256", message, publicKey, Buffer.from(s.signature, "base64"))).toBe(true);
  // Ed25519 is not cheap enough: it goes to the pool even when idle.
  const ed = { label: "inline-ed", id: "03" };
  await inline.generateKeyPair(ed, { type: "ED", curve: "Ed25519" }, flags);
  await Bun.sleep(5);
  const mid = inline.health().pool.operations;
  await inline.signEncoded(keyHandleId(ed), "EDDSA", b64, { der: false, digest: false });
  expect(inline.health().pool.operations).toBe(mid + 1);
});
